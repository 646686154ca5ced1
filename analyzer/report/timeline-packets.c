// SPDX-License-Identifier: Apache-2.0
/*
 * report/timeline-packets.c - the packet spans of the timeline pass (report/timeline.c):
 * the latency report's span engine (engine/span.h) fed with the span events, each
 * completed span written through the sink as one packet (report/timeline-sink.h),
 * with the same filters as the latency report.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "report/report.h"
#include "report/timeline-local.h"

/* Completed spans the engine holds before dropping them (stream mode). */
#define EX_SPAN_HOLD 64
/* Samples between two prunings of the blame timelines. */
#define EX_BLAME_PRUNE_EVERY 4096

/*
 * Add span @name from @spec (engine/spanspec.h) when the recording has its events.
 * Return: 0 (added or not applicable), or negative errno.  @strict: a missing
 * stage is an error.
 */
int ex_add_span(struct ex_timeline *x, const char *name, const char *spec, bool strict)
{
	struct ex_span *sp = &x->spans[x->nr_spans];
	struct spanspec ss;
	int nst, k, a, err;

	if (x->nr_spans == EX_MAX_SPANS)
		return 0;
	err = spanspec__parse(&ss, name, spec, x->s, strict);
	if (err)
		return err < 0 ? err : 0;
	nst = ss.nr_stages;
	/* Every event must carry the key; a span whose events do not is left out. */
	for (k = 0; k < nst; k++) {
		for (a = 0; a < ss.stages[k].nr_alts; a++) {
			int idx = ss.stages[k].evsel[a];
			struct pdata_evsel *ev = pdata_session__evsel(x->s, idx);
			struct evdec_field tmp;

			if (evdec_field__find_any(&tmp, ev, spanspec_key_fields) ||
			    x->map[idx].nr_roles == EX_MAX_ROLES) {
				if (strict)
					return ovp_err(-ENOENT, "span %s: event %s has no skb or "
						       "skbaddr field", spec, ev->name);
				return 0;
			}
		}
	}
	err = span_engine__new(&sp->eng, (unsigned int)nst);
	/* Each span is written when it completes (span_engine__last()): the
	 * engine keeps none of them, so memory stays flat; open spans expire
	 * as latency's do. */
	err = err ?: span_engine__set_expiry(sp->eng, x->f.span_timeout_ns, SPANSPEC_MAX_OPEN);
	err = err ?: span_engine__stream(sp->eng, NULL, NULL, NULL, EX_SPAN_HOLD);
	if (err)
		return err;
	sp->name = name;
	sp->nr_stages = (unsigned int)nst;
	for (k = 0; k < nst; k++) {
		for (a = 0; a < ss.stages[k].nr_alts; a++) {
			int idx = ss.stages[k].evsel[a];
			struct ex_evmap *m = &x->map[idx];
			struct pdata_evsel *ev = pdata_session__evsel(x->s, idx);

			sp->alt_names[k][a] = strdup(ev->name);
			evdec_field__find_any(&m->key, ev, spanspec_key_fields);
			m->has_attr = pktfilter_fields__resolve(&m->pf, ev, PKTFILTER_ANY_EVENT);
			m->roles[m->nr_roles].span = (uint8_t)x->nr_spans;
			m->roles[m->nr_roles].stage = (uint8_t)k;
			m->roles[m->nr_roles].alt = (uint8_t)a;
			m->nr_roles++;
		}
	}
	x->nr_spans++;
	return 0;
}

/* The id of attribute @a (>= 1, in first-seen order), interned when new; 0
 * when out of memory or beyond EX_MAX_ATTRS (one warning: the packet carries
 * no device and no flow).  @a is compared as bytes: zero it before filling
 * it. */
static uint32_t intern_attr(struct ex_timeline *x, const struct ex_attr *a)
{
	uint32_t id;

	if (ovp_intern__put(&x->attrs, a, sizeof(*a), &id) == OVP_HMAP_FULL)
		ovp_warn_cap("export: more than %d distinct packet attributes (device and flow): "
			 "packets with others carry neither", EX_MAX_ATTRS);
	return id;
}

/* The attribute id of a device without flow (@a->dev set), kept in
 * x->dev_attr so that later samples skip the hash. */
static uint32_t dev_attr(struct ex_timeline *x, const struct ex_attr *a)
{
	uint32_t id = intern_attr(x, a);

	if (a->dev > x->nr_dev_attr) {
		size_t n = a->dev + 16;
		uint32_t *d = realloc(x->dev_attr, n * sizeof(*d));

		if (!d)
			return id;
		memset(d + x->nr_dev_attr, 0, (n - x->nr_dev_attr) * sizeof(*d));
		x->dev_attr = d;
		x->nr_dev_attr = n;
	}
	x->dev_attr[a->dev - 1] = id;
	return id;
}

/* Device and flow of a packet event (as the latency report reads them, and
 * as fast: a known short device name found by its bytes, decode/devkey.h). */
static uint32_t sample_attr(struct ex_timeline *x, const struct ex_evmap *m,
			    const struct pdata_sample *sm)
{
	struct ex_attr a;
	const char *dev;
	char buf[64];

	memset(&a, 0, sizeof(a));
	if (m->pf.dev.is_string && evdec_field__resolved(&m->pf.dev)) {
		uint32_t len = 0;
		const uint8_t *d = evdec_field__bytes(&m->pf.dev, sm, &len);
		struct dev_key k;

		if (d && len &&
		    dev_key_of(d, len, sm->raw_size - (size_t)(d - (const uint8_t *)sm->raw_data),
			       &k))
			a.dev = devtab__find_key(&x->devs, &k);
	}
	if (!a.dev) {
		dev = pktfilter_fields__dev(&m->pf, sm, buf, sizeof(buf));
		if (dev)
			a.dev = devtab__intern(&x->devs, dev);
	}
	if (!m->pf.has) {
		/* No flow field: the attribute is the device's, interned once. */
		if (!a.dev)
			return 0;
		if (a.dev <= x->nr_dev_attr && x->dev_attr[a.dev - 1])
			return x->dev_attr[a.dev - 1];
		return dev_attr(x, &a);
	}
	pktfilter_fields__flow(&m->pf, sm, &a.flow);
	return (a.dev || a.flow.has) ? intern_attr(x, &a) : 0;
}

/* Bump and return the generation of @key (the number of spans it started). */
static uint64_t gen_bump(struct ex_timeline *x, uint64_t key, bool bump)
{
	struct ex_gen *g;
	size_t hash;

	if (!key)
		return 0;
	if (x->nr_gens == EX_MAX_GENS) {
		/* Too many addresses: forget them all, counts start again. */
		ovp_hmap_exit(&x->gens);
		ovp_hmap_init(&x->gens);
		x->nr_gens = 0;
		x->gen_resets++;
	}
	/* The whole address: a cut one would let addresses collide by design. */
	hash = (size_t)ovp_hash64(key);
	OVP_HMAP_FOR_EACH_WITH_HASH (g, node, hash, &x->gens)
		if (g->key == key)
			return bump ? ++g->gen : g->gen;
	if (!x->gen_chunks[x->nr_gens / EX_GEN_CHUNK]) {
		x->gen_chunks[x->nr_gens / EX_GEN_CHUNK] = malloc(EX_GEN_CHUNK * sizeof(*g));
		if (!x->gen_chunks[x->nr_gens / EX_GEN_CHUNK])
			return 0;
	}
	g = &x->gen_chunks[x->nr_gens / EX_GEN_CHUNK][x->nr_gens % EX_GEN_CHUNK];
	x->nr_gens++;
	g->key = key;
	g->gen = bump;
	ovp_hmap_insert_nocap(&x->gens, &g->node, hash);
	return g->gen;
}

static const struct ex_attr *attr_of(const struct ex_timeline *x, uint32_t id)
{
	return id && id <= ovp_intern__count(&x->attrs) ? ovp_intern__key(&x->attrs, id, NULL)
							 : NULL;
}

/* The device name of attribute @attr, its id in *@id (0 when none). */
static const char *dev_of(const struct ex_timeline *x, uint32_t attr, uint32_t *id)
{
	const struct ex_attr *a = attr_of(x, attr);

	*id = a ? a->dev : 0;
	return a && a->dev ? devtab__name(&x->devs, a->dev) : NULL;
}

/* The filters' view of a span: its times, CPUs and attributes. */
static bool pkt_passes(const struct ex_timeline *x, const struct span_rec *rec, unsigned int nst)
{
	const struct ex_attr *a = attr_of(x, rec->attr);
	struct pktfilter_pkt p;
	uint32_t dev;

	memset(&p, 0, sizeof(p));
	p.first = rec->t[0];
	p.last = rec->t[nst - 1];
	for (unsigned int k = 0; k < nst && !p.cpu_hit; k++)
		p.cpu_hit = pktfilter_cpu_ok(&x->f.pkt, rec->cpu[k]);
	p.dev_hit = pktfilter_dev_ok(&x->f.pkt, dev_of(x, rec->attr, &dev));
	if (a)
		p.flow = a->flow;
	return pktfilter_match(&x->f.pkt, &p);
}

/*
 * Does [t0, t1] overlap a LOST window seen so far?  The latency report drops
 * such spans; here they are written with lost_window: true.  A LOST record
 * that arrives after a span was written cannot mark it any more.
 */
static bool in_lost_window(const struct ex_timeline *x, uint64_t t0, uint64_t t1)
{
	for (size_t i = x->nr_lost_win; i-- > 0;)
		if (x->lost_win[i][0] <= t1 && t0 <= x->lost_win[i][1])
			return true;
	return false;
}

/* The name of blame entity @ent as an arg ("task comm (tid T)", "softirq
 * NET_RX", ...), made once per entity; NULL when out of memory.  A task by
 * its tid: its pid may be learnt only later (at its switch-out), and the
 * slice is written now. */
static const char *blame_what(struct ex_timeline *x, uint32_t ent)
{
	const struct blame_ent *e = blame__ent(x->blame, ent);
	char buf[96];

	if (ent >= x->nr_blame_what) {
		size_t n = ent * 2 + 16;
		char **a = realloc(x->blame_what, n * sizeof(*a));

		if (!a)
			return NULL;
		memset(a + x->nr_blame_what, 0, (n - x->nr_blame_what) * sizeof(*a));
		x->blame_what = a;
		x->nr_blame_what = n;
	}
	if (x->blame_what[ent])
		return x->blame_what[ent];
	if (e->kind == BLAME_TASK)
		snprintf(buf, sizeof(buf), "task %s (tid %u)", e->name, (unsigned int)e->num);
	else if (e->kind == BLAME_HARDIRQ)
		snprintf(buf, sizeof(buf), "hardirq %s (irq %u)", e->name, (unsigned int)e->num);
	else if (e->kind == BLAME_SOFTIRQ)
		snprintf(buf, sizeof(buf), "softirq %s", e->name);
	else
		snprintf(buf, sizeof(buf), "%s", blame_kind_name(e->kind));
	return x->blame_what[ent] = strdup(buf);
}

/* The packet's blame as the slice's args (x->blame_args), largest parts
 * first.  Return: how many args, or a negative errno. */
static int blame_args(struct ex_timeline *x, const struct ex_span *sp, const struct span_rec *rec)
{
	static const char *const keys[EX_MAX_BLAME][2] = {
		{ "blame1", "blame1_ns" }, { "blame2", "blame2_ns" }, { "blame3", "blame3_ns" },
	};
	unsigned int nst = sp->nr_stages;
	const struct blame_item *it;
	uint64_t lat;
	uint32_t id;
	size_t n;
	int err, na = 0;

	err = blame__complete(x->blame, rec, nst, &id);
	if (err)
		return err;
	lat = rec->t[nst - 1] - rec->t[0];
	n = blame__items(x->blame, id, lat, &it);
	for (size_t i = 0; i < n && i < EX_MAX_BLAME; i++) {
		const char *what = blame_what(x, it[i].ent);

		if (!what) {
			blame__put(x->blame, id);
			return ovp_err(-ENOMEM, "export: out of memory");
		}
		/* Its name is made once per entity: the entity is its sid. */
		x->blame_args[na++] = EXA_SID(keys[i][0], what, it[i].ent + 1);
		/* One part that took it all: its time is latency_ns, not repeated
		 * (most packets, and a quarter of a trace's blame bytes). */
		if (n > 1 || it[i].ns != lat)
			x->blame_args[na++] = EXA_U(keys[i][1], it[i].ns);
	}
	blame__put(x->blame, id);
	return na;
}

static int write_packet(struct ex_timeline *x, const struct ex_span *sp, const struct span_rec *rec)
{
	unsigned int nst = sp->nr_stages, k;
	const char *stages[SPAN_MAX_STAGES];
	struct ex_packet p = {
		.span = sp->name,
		.span_idx = (unsigned int)(sp - x->spans),
		.nr_stages = nst,
		.stages = stages,
		.t = rec->t,
		.cpu = rec->cpu,
		.skb = rec->key,
	};

	if (!pkt_passes(x, rec, nst))
		return 0;
	if (x->blame) {
		int na = blame_args(x, sp, rec);

		if (na < 0)
			return na;
		p.blame = x->blame_args;
		p.nr_blame = na;
	}
	if (!x->pkt_named) {
		x->pkt_named = true;
		x->w->ops->process(x->w, EX_PKT_PID, "packets");
	}
	p.id = ++x->pkt_seq;
	for (k = 0; k < nst; k++)
		stages[k] = sp->alt_names[k][rec->alt[k]];
	p.gen = gen_bump(x, rec->key, false);
	p.dev = dev_of(x, rec->attr, &p.dev_id);
	p.lost_window = in_lost_window(x, rec->t[0], rec->t[nst - 1]);
	x->w->ops->packet(x->w, EX_PKT_PID, &p);
	x->counts.packets++;
	return 0;
}

/* The attribute of the sample being fed, read once and only when the span
 * engine wants it (span_engine__event_lazy()). */
struct lazy_attr {
	struct ex_timeline *x;
	const struct ex_evmap *m;
	const struct pdata_sample *sm;
	bool done;
	uint32_t attr;
};

static uint32_t lazy_attr(void *ctx)
{
	struct lazy_attr *lz = ctx;

	if (!lz->done) {
		lz->done = true;
		lz->attr = lz->m->has_attr ? sample_attr(lz->x, lz->m, lz->sm) : 0;
	}
	return lz->attr;
}

int ex_on_packet(struct ex_timeline *x, const struct ex_evmap *m,
		     const struct pdata_sample *sm)
{
	uint64_t key = evdec_field__u64(&m->key, sm);
	struct lazy_attr lz = { .x = x, .m = m, .sm = sm };
	int i, ret;

	if (m->is_free) {
		for (i = 0; i < x->nr_spans; i++)
			span_engine__free(x->spans[i].eng, key, sm->time);
		return 0;
	}
	for (i = 0; i < m->nr_roles; i++) {
		const struct ex_role *r = &m->roles[i];
		struct ex_span *sp = &x->spans[r->span];

		ret = span_engine__event_lazy(sp->eng, r->stage, r->alt, key, sm->time, sm->cpu,
					      lazy_attr, &lz);
		if (ret < 0)
			return ret;
		if (ret == SPAN_STARTED || ret == SPAN_RESTARTED) {
			gen_bump(x, key, true);
			if (x->blame)
				ret = blame__started(x->blame, r->span, key, sm->time);
		} else if (ret == SPAN_COMPLETED) {
			ret = write_packet(x, sp, span_engine__last(sp->eng));
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A packet filter on a field no span event carries is an error, not "no packets". */
int ex_check_filters(struct ex_timeline *x)
{
	const struct pktfilter *f = &x->f.pkt;
	uint32_t flow = 0;
	bool dev = false;

	if (!pktfilter_wants_fields(f))
		return 0;
	if (!x->nr_spans)
		return ovp_err(-ENOENT, "packet filters: the recording has no packet span");
	for (int i = 0; i < x->nr_map; i++) {
		if (!x->map[i].nr_roles)
			continue;
		dev |= pktfilter_fields__has_dev(&x->map[i].pf);
		flow |= x->map[i].pf.has;
	}
	if (f->dev && !dev)
		return ovp_err(-ENOENT, "--dev: the packet events have no device field");
	for (int k = 0; k < PKTFILTER_NR_FIELDS; k++)
		if (f->has_flow[k] && !(flow & (1u << k)))
			return ovp_err(-ENOENT, "%s: the packet events have no field %s",
				       pktfilter_opt_names[k], pktfilter_field_names[k]);
	return 0;
}

/* engine/blame.h: is a span still pending from that start? */
static bool ex_pending(void *ctx, int span, uint64_t key, uint64_t t0)
{
	struct ex_timeline *x = ctx;
	uint64_t t;

	return span_engine__pending_start(x->spans[span].eng, key, &t) && t == t0;
}

int ex_blame_ready(struct ex_timeline *x)
{
	int err;

	if (!x->nr_spans || x->f.no_blame)
		return 0;
	err = blame__new(&x->blame, x->s, x->nr_spans, ex_pending, x);
	if (!err && x->blame && *blame__missing(x->blame))
		ovp_warn("export: blame without %s: the CPU state they change is not known "
			 "(ovsperf-probe's blame set records them)", blame__missing(x->blame));
	return err;
}

int ex_blame_event(struct ex_timeline *x, const struct pdata_sample *sm)
{
	int ret;

	if (++x->blame_since_prune >= EX_BLAME_PRUNE_EVERY) {
		x->blame_since_prune = 0;
		blame__prune(x->blame);
	}
	ret = blame__event(x->blame, sm, sm->evsel->idx);
	return ret < 0 ? ret : 0;
}
