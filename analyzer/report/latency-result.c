// SPDX-License-Identifier: Apache-2.0
/*
 * report/latency-result.c - the sinks of the latency report's span engines:
 * each completed span (and each hop of spans of three stages or more) that
 * passes the filters goes into its span's result as it streams out of the
 * engine: statistics of the span, of each interval and hop, per egress, CPU
 * and device, the best and worst lists, the --table and --threshold-us
 * records, the --interval timeline, the backlog depth and the tail blame.
 * After the last record lat_result_finalize() puts the lists in the order
 * the model (report/latency-model.c) shows them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/latency-local.h"

/* The filters' view of a span or hop: its times, CPUs and attributes. */
static bool passes(const struct lat_report *r, uint64_t first, uint64_t last,
		   const uint32_t *cpus, int nr_cpus, uint32_t attr)
{
	const struct lat_attr *a;
	struct pktfilter_pkt p;

	if (!r->any_filter)
		return true;
	a = attr_of(r, attr);
	memset(&p, 0, sizeof(p));
	p.first = first;
	p.last = last;
	for (int k = 0; k < nr_cpus && !p.cpu_hit; k++)
		p.cpu_hit = pktfilter_cpu_ok(&r->filt, cpus[k]);
	p.dev_hit = pktfilter_dev_ok(&r->filt, dev_of(r, attr));
	if (a)
		p.flow = a->flow;
	return pktfilter_match(&r->filt, &p);
}

static bool rec_passes(const struct lat_report *r, const struct span_rec *rec, int nst)
{
	return !rec->lost && passes(r, rec->t[0], rec->t[nst - 1], rec->cpu, nst, rec->attr);
}

static bool hop_passes(const struct lat_report *r, const struct span_hop *h)
{
	const uint32_t cpus[2] = { h->cpu0, h->cpu1 };

	return !h->lost && passes(r, h->t0, h->t1, cpus, 2, h->attr);
}

static void set_init(struct lat_set *s, struct ovp_values_budget *b)
{
	memset(s, 0, sizeof(*s));
	ovp_values__init(&s->vals);
	ovp_values__set_budget(&s->vals, b);
}

static int set_add(struct lat_set *s, uint64_t ns, bool cross)
{
	s->cross_cpu += cross;
	return ovp_values__add(&s->vals, ns);
}

static void hists_add(void *ctx, uint64_t ns, uint64_t count)
{
	struct lat_set *s = ctx;
	unsigned int i = hist_log2__slot(ns), j = hist_log2__slot(ns / 1000);

	s->h_ns.slots[i] += count;
	s->h_ns.count += count;
	s->h_us.slots[j] += count;
	s->h_us.count += count;
}

/*
 * The set's log2 histograms of ns and of us, from its values.  An
 * approximate set gives one value per bucket of its log-linear histogram,
 * and that is exact: buckets below 2^8 hold one value each; a bucket of
 * values in [2^e, 2^(e+1)) has one log2 of ns, and never straddles a us
 * slot boundary: the boundary 1000 * 2^j = 125 * 2^(j+3) (j >= 1) lies in
 * [2^e, 2^(e+1)) for e = j + 9, where buckets are 2^(e-8) = 2^(j+1) wide,
 * and it is a multiple of that width.
 */
static void set_hists(struct lat_set *s)
{
	memset(&s->h_ns, 0, sizeof(s->h_ns));
	memset(&s->h_us, 0, sizeof(s->h_us));
	if (!ovp_values__exact(&s->vals)) {
		ovp_values__for_each(&s->vals, hists_add, s);
		return;
	}
	/* Exact: up to millions of values, without a call per value. */
	for (size_t i = 0; i < s->vals.n; i++) {
		s->h_ns.slots[hist_log2__slot(s->vals.v[i])]++;
		s->h_us.slots[hist_log2__slot(s->vals.v[i] / 1000)]++;
	}
	s->h_ns.count = s->h_us.count = s->vals.n;
}

/* A new group of id @id (not there yet), with an empty set. */
static struct lat_group *group_new(struct lat_groups *gs, uint64_t id)
{
	struct lat_group *g;

	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 8;
		struct lat_group *n = realloc(gs->g, cap * sizeof(*n));

		if (!n) {
			ovp_err(-ENOMEM, "out of memory");
			return NULL;
		}
		gs->g = n;
		gs->cap = cap;
	}
	g = &gs->g[gs->n++];
	g->id = id;
	g->alias = NULL;
	set_init(&g->set, gs->budget);
	if (id < LAT_GROUP_DIRECT)
		gs->direct[id] = (uint32_t)gs->n;
	return g;
}

static __attribute__((noinline)) int groups_add_slow(struct lat_groups *gs, uint64_t id,
						     uint64_t ns, bool cross)
{
	struct lat_group *g;
	size_t i;

	if (id >= LAT_GROUP_DIRECT) {
		for (i = 0; i < gs->n; i++)
			if (gs->g[i].id == id)
				return set_add(&gs->g[i].set, ns, cross);
	}
	if (gs->max && gs->n >= gs->max) {
		gs->refused++;
		return 0;
	}
	g = group_new(gs, id);
	return g ? set_add(&g->set, ns, cross) : -ENOMEM;
}

/* Inline: a known small id is one index (per packet, twice). */
static inline int groups_add(struct lat_groups *gs, uint64_t id, uint64_t ns, bool cross)
{
	if (id < LAT_GROUP_DIRECT && gs->direct[id])
		return set_add(&gs->g[gs->direct[id] - 1].set, ns, cross);
	return groups_add_slow(gs, id, ns, cross);
}

static int cmp_group(const void *a, const void *b)
{
	const struct lat_group *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void groups_sort(struct lat_groups *gs)
{
	if (gs->n > 1)	/* an empty set has no array: qsort must not see NULL */
		qsort(gs->g, gs->n, sizeof(*gs->g), cmp_group);
	for (size_t i = 0; i < gs->n; i++)
		if (gs->g[i].id < LAT_GROUP_DIRECT)
			gs->direct[gs->g[i].id] = (uint32_t)i + 1;
}

static void groups_hists(struct lat_groups *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		if (!gs->g[i].alias)
			set_hists(&gs->g[i].set);
}

static void groups_exit(struct lat_groups *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		ovp_values__exit(&gs->g[i].set.vals);
	free(gs->g);
}

/* Order of the best/worst lists: latency, then start time, then completion. */
static inline int cmp_rec(const struct span_rec *x, uint64_t xseq, const struct span_rec *y,
			  uint64_t yseq, int nst)
{
	uint64_t lx = rec_lat(x, nst), ly = rec_lat(y, nst);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (x->t[0] != y->t[0])
		return x->t[0] < y->t[0] ? -1 : 1;
	return xseq < yseq ? -1 : xseq > yseq;
}

static int cmp_kept(const struct lat_kept *x, const struct lat_kept *y, int nst)
{
	return cmp_rec(&x->rec, x->seq, &y->rec, y->seq, nst);
}

/* Heap order: @sign 1 = max-heap (best list), -1 = min-heap (worst list). */
static void heap_down(struct lat_heap *h, size_t i, int nst, int sign)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct lat_kept t;

		if (l < h->n && sign * cmp_kept(&h->a[l], &h->a[m], nst) > 0)
			m = l;
		if (l + 1 < h->n && sign * cmp_kept(&h->a[l + 1], &h->a[m], nst) > 0)
			m = l + 1;
		if (m == i)
			return;
		t = h->a[i];
		h->a[i] = h->a[m];
		h->a[m] = t;
		i = m;
	}
}

/* Could a span of latency @lat enter the heap?  Most cannot: a latency on
 * the wrong side of the top's says so at once (ties: heap_offer() decides). */
static inline bool heap_may_take(const struct lat_heap *h, size_t cap, uint64_t lat, int sign)
{
	return h->n < cap || (sign > 0 ? lat <= h->top_lat : lat >= h->top_lat);
}

static void heap_offer(struct lat_heap *h, size_t cap, const struct span_rec *rec, uint64_t seq,
		       int nst, int sign, struct blame *blame)
{
	size_t i;

	if (h->n < cap) {
		blame__get(blame, rec->blame);
		i = h->n++;
		h->a[i].rec = *rec;
		h->a[i].seq = seq;
		while (i && sign * cmp_kept(&h->a[i], &h->a[(i - 1) / 2], nst) > 0) {
			struct lat_kept t = h->a[i];

			h->a[i] = h->a[(i - 1) / 2];
			h->a[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		h->top_lat = rec_lat(&h->a[0].rec, nst);
		return;
	}
	if (!cap)
		return;
	/* Copy only the spans that enter. */
	if (sign * cmp_rec(rec, seq, &h->a[0].rec, h->a[0].seq, nst) >= 0)
		return;
	blame__put(blame, h->a[0].rec.blame);
	blame__get(blame, rec->blame);
	h->a[0].rec = *rec;
	h->a[0].seq = seq;
	heap_down(h, 0, nst, sign);
	h->top_lat = rec_lat(&h->a[0].rec, nst);
}

static int g_nst;	/* for the qsort comparators below (single-threaded) */

static int cmp_kept_asc(const void *a, const void *b)
{
	return cmp_kept(a, b, g_nst);
}

static int cmp_kept_desc(const void *a, const void *b)
{
	return cmp_kept(b, a, g_nst);
}

static int recs_push(struct lat_recs *l, const struct span_rec *rec)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct span_rec *n = realloc(l->a, cap * sizeof(*n));

		if (!n)
			return ovp_err(-ENOMEM, "out of memory for %zu packet records", cap);
		l->a = n;
		l->cap = cap;
	}
	l->a[l->n++] = *rec;
	return 0;
}

/* One completed span into the result (the lists that keep it take a
 * reference to its blame). */
static int on_rec__(void *ctx, const struct span_rec *rec)
{
	struct lat_result *res = ctx;
	struct lat_report *r = res->r;
	struct lat_span *sp = res->sp;
	int nst = sp->nr_stages, k, err;
	bool cross = rec->cpu[0] != rec->cpu[1];
	uint64_t lat = rec_lat(rec, nst);

	if (!rec_passes(r, rec, nst))
		return 0;
	res->nr++;
	err = set_add(&res->full, lat, cross);
	if (!err && r->tl_started)
		err = lat_tl__add(&r->tls[sp - r->spans], rec->t[nst - 1], lat);
	if (!err && rec->qdepth)
		err = backlog_depth__add(sp->bq, rec->cpu[1], rec->qdepth);
	/* Intervals are shown for three stages or more (two: the span). */
	for (k = 1; k < nst && nst > 2 && !err; k++)
		err = set_add(&res->ivl[k], rec->t[k] - rec->t[k - 1],
			      rec->cpu[k] != rec->cpu[k - 1]);
	/* One event at the last stage: its egress group is the span (made in
	 * lat_result_finalize()); not added twice. */
	if (sp->stages[nst - 1].nr_alts > 1)
		err = err ?: groups_add(&res->by_egress, rec->alt[nst - 1], lat, cross);
	err = err ?: groups_add(&res->by_cpu, rec->cpu[0], lat, cross);
	if (!err && sp->has_dev) {
		const struct lat_attr *a = attr_of(r, rec->attr);

		err = groups_add(&res->by_dev, a ? a->dev : 0, lat, cross);
	}
	if (!err && r->top > 0) {
		if (heap_may_take(&res->best, r->top, lat, 1))
			heap_offer(&res->best, r->top, rec, res->nr, nst, 1, r->blame);
		if (heap_may_take(&res->worst, r->top, lat, -1))
			heap_offer(&res->worst, r->top, rec, res->nr, nst, -1, r->blame);
	}
	if (!err && r->table && (!r->limit || res->table.n < (size_t)r->limit)) {
		err = recs_push(&res->table, rec);
		blame__get(r->blame, err ? 0 : rec->blame);
	}
	if (!err && r->threshold_ns && lat > r->threshold_ns) {
		err = recs_push(&res->over, rec);
		blame__get(r->blame, err ? 0 : rec->blame);
	}
	if (!err && r->blame)
		err = blame__tail_offer(r->blame, (int)(sp - r->spans), lat, rec->blame,
					r->threshold_ns, res->nr);
	return err;
}

/* Sink of the span engine: one completed span; its blame reference from
 * completion is dropped once the lists took theirs. */
static int on_rec(void *ctx, const struct span_rec *rec)
{
	struct lat_result *res = ctx;
	int err = on_rec__(ctx, rec);

	blame__put(res->r->blame, rec->blame);
	return err;
}

/* Sink of the span engine: one hop. */
static int on_hop(void *ctx, const struct span_hop *h)
{
	struct lat_result *res = ctx;

	/* (Not the sink of two-stage spans: their hops are the spans, hop_set().) */
	if (!hop_passes(res->r, h))
		return 0;
	return set_add(&res->hop[h->stage], h->t1 - h->t0, h->cpu0 != h->cpu1);
}

static void result_init(struct lat_report *r, struct lat_span *sp, struct lat_result *res)
{
	memset(res, 0, sizeof(*res));
	res->r = r;
	res->sp = sp;
	set_init(&res->full, &r->budget);
	for (int k = 0; k < SPAN_MAX_STAGES; k++) {
		set_init(&res->ivl[k], &r->budget);
		set_init(&res->hop[k], &r->budget);
	}
	res->by_egress.budget = res->by_cpu.budget = res->by_dev.budget = &r->budget;
	res->by_cpu.max = LAT_MAX_CPU_ROWS;
}

void lat_result_exit(struct lat_result *res)
{
	free(res->best.a);
	free(res->worst.a);
	free(res->table.a);
	free(res->over.a);
	ovp_values__exit(&res->full.vals);
	for (int k = 0; k < SPAN_MAX_STAGES; k++) {
		ovp_values__exit(&res->ivl[k].vals);
		ovp_values__exit(&res->hop[k].vals);
	}
	groups_exit(&res->by_egress);
	groups_exit(&res->by_cpu);
	groups_exit(&res->by_dev);
}

/* Called from lat_ready(): every span's engine streams into its result. */
int lat_stream_setup(struct lat_report *r)
{
	int err;

	r->any_filter = r->filt.has_cpus || pktfilter_wants_fields(&r->filt) ||
			r->filt.time_start || r->filt.time_end != UINT64_MAX;
	r->budget.left = LAT_VALUES_BUDGET;
	r->budget.extremes = r->top > 0 ? (size_t)r->top : 0;
	r->results = calloc(r->nr_spans ? r->nr_spans : 1, sizeof(*r->results));
	if (!r->results)
		return ovp_err(-ENOMEM, "out of memory");
	for (int i = 0; i < r->nr_spans; i++) {
		struct lat_result *res = &r->results[i];

		result_init(r, &r->spans[i], res);
		if (r->top > 0) {
			res->best.a = calloc(r->top, sizeof(*res->best.a));
			res->worst.a = calloc(r->top, sizeof(*res->worst.a));
			if (!res->best.a || !res->worst.a)
				return ovp_err(-ENOMEM, "out of memory for --top %ld", r->top);
		}
		/* Two stages: the hops are the spans (hop_set()), no sink. */
		err = span_engine__stream(r->spans[i].eng, on_rec,
					  r->spans[i].nr_stages == 2 ? NULL : on_hop, res, LAT_HOLD);
		if (err)
			return err;
	}
	return 0;
}

int lat_stream_flush(struct lat_report *r, uint64_t horizon)
{
	int err;

	r->since_flush = 0;
	if (r->blame)
		blame__prune(r->blame);
	for (int i = 0; i < r->nr_spans; i++) {
		err = span_engine__flush(r->spans[i].eng, horizon);
		if (err)
			return err;
	}
	return 0;
}

/* After the last record: the lists in print order, the groups by id. */
struct lat_result *lat_result_finalize(struct lat_report *r, int i)
{
	struct lat_result *res = &r->results[i];

	if (res->finalized)
		return res;
	res->finalized = true;
	g_nst = res->sp->nr_stages;
	if (res->best.n > 1)
		qsort(res->best.a, res->best.n, sizeof(*res->best.a), cmp_kept_asc);
	if (res->worst.n > 1)
		qsort(res->worst.a, res->worst.n, sizeof(*res->worst.a), cmp_kept_desc);
	if (res->by_cpu.refused)
		ovp_warn_cap("latency: span %s: more than %d CPU numbers in the samples: the per-CPU "
			     "table leaves out the %" PRIu64 " packets of the CPUs beyond",
			     res->sp->name, LAT_MAX_CPU_ROWS, res->by_cpu.refused);
	groups_sort(&res->by_cpu);
	groups_sort(&res->by_dev);
	if (res->sp->stages[res->sp->nr_stages - 1].nr_alts <= 1 && res->nr &&
	    !res->by_egress.n) {
		struct lat_group *g = group_new(&res->by_egress, 0);

		if (g)
			g->alias = &res->full;
	}
	groups_sort(&res->by_egress);
	set_hists(&res->full);
	for (int k = 0; k < SPAN_MAX_STAGES; k++) {
		set_hists(&res->ivl[k]);
		set_hists(&res->hop[k]);
	}
	groups_hists(&res->by_cpu);
	groups_hists(&res->by_dev);
	groups_hists(&res->by_egress);
	lat_tl__finish(&r->tls[i]);
	return res;
}

