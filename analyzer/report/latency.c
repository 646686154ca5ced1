// SPDX-License-Identifier: Apache-2.0
/*
 * report/latency.c - `ovsperf-analyze latency`: per-packet latency between
 * probe points, the successor of perf-ovs-latency.sh /
 * ovs-perf-latency.py and enqueue_to_iprec_latency.py.  This file holds the
 * report's options and the pdata_tool callbacks that feed its engines:
 *
 *	ready():   spans from --span, --preset or every applicable preset;
 *		   each event of the recording mapped to its (span, stage, alt)
 *		   roles with pre-resolved key/device/flow field handles,
 *		   indexed by evsel idx
 *	sample():  key read -> span_engine__event() / span_engine__free(),
 *		   blame, backlog depth, --interval timeline
 *	lost():    LOST window (last sample on that CPU, LOST record time)
 *	done():    span_engine__drain()
 *
 * The engines stream completed spans into report/latency-result.c;
 * report/latency-model.c makes the model (reports.latency) that the writers
 * read: out/text-latency.c for the text, the JSON document, HTML.
 *
 * The policy lives in engine/span.c; the man page (LATENCY) documents both.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/hash.h"
#include "ovsperf/strutil.h"
#include "report/latency-local.h"

/* Options (val >= 256, below OPT_COMMON_BASE). */
enum {
	OPT_PRESET = 256,
	OPT_SPAN,
	OPT_KEY,
	OPT_TABLE,
	OPT_LIMIT,
	OPT_TOP,
	OPT_HIST,
	OPT_THRESHOLD,
	OPT_NO_BLAME,
	OPT_INTERVAL,
	OPT_SPAN_TIMEOUT,
};

static const struct option lat_options[] = {
	{ "preset", required_argument, NULL, OPT_PRESET },
	{ "span", required_argument, NULL, OPT_SPAN },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "hist", required_argument, NULL, OPT_HIST },
	{ "threshold-us", required_argument, NULL, OPT_THRESHOLD },
	{ "no-blame", no_argument, NULL, OPT_NO_BLAME },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "span-timeout", required_argument, NULL, OPT_SPAN_TIMEOUT },
	PKTFILTER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char lat_usage[] =
	"      --preset NAME       ovs-dp (ovs_vport_receive -> do_output | ovs_dp_upcall)\n"
	"                          or backlog (enqueue_to_backlog | net:netif_rx ->\n"
	"                          __netif_receive_skb | net:netif_receive_skb [-> ip_rcv]);\n"
	"                          default: every preset whose events are recorded\n"
	"      --span 'A[,A2]->B[,B2][->C]'  a custom span of event names\n"
	"      --key auto|skb|head|FIELD  packet identity: skb = the skb address (field\n"
	"                          skb or skbaddr), head = (skb->head, skb) as retis,\n"
	"                          clones fork their parent's span; auto (default) = head\n"
	"                          when every stage event carries skb->head, else skb;\n"
	"                          another word names the key field\n"
	"      --table             one row per packet (CPU, skb, latency, stage times)\n"
	"      --limit N           at most N table rows\n"
	"      --top N             N best and N worst packets (default 5)\n"
	"      --hist linear[:WIDTH_US]|log2  span histogram (default log2)\n"
	"      --threshold-us N    list each packet slower than N us with its CPUs,\n"
	"                          device, flow, kernel stack (record with -g) and blame\n"
	"      --no-blame          do not say where the time went (blame is computed when\n"
	"                          the recording has sched:sched_switch or irq events)\n"
	"      --interval SECONDS  latency over time: count, p50, p99, max and drops per\n"
	"                          bucket of SECONDS (wall clock with perf record -k mono)\n"
	"      --span-timeout SECONDS  a packet whose span has not ended this long after\n"
	"                          its start (recording time) is counted unfinished\n"
	"                          (expired) and forgotten (default 5; 0 = never)\n"
	PKTFILTER_USAGE("packets of device NAME\n",
			"packets whose span lies within [START, END] (perf\n"
			"                          script timestamps)\n");

/* A count option kept in a long (--limit, --top). */
static int lat_parse_long(const char *opt, const char *arg, long *out)
{
	uint64_t v;
	int err = ovp_parse_uint_opt(opt, arg, 0, LONG_MAX, &v);

	if (!err)
		*out = (long)v;
	return err;
}

static int lat_option(struct report *base, int key, const char *arg)
{
	struct lat_report *r = container_of(base, struct lat_report, base);
	uint64_t v;
	int err;

	switch (key) {
	case OPT_PRESET:
		for (size_t i = 0; i < spanspec_nr_presets; i++) {
			if (!strcmp(arg, spanspec_presets[i].name)) {
				r->preset = spanspec_presets[i].name;
				return 0;
			}
		}
		return ovp_err(-EINVAL, "--preset: unknown preset '%s' (ovs-dp, backlog)", arg);
	case OPT_SPAN:
		r->span_spec = arg;
		return 0;
	case OPT_KEY:
		r->key_field = NULL;
		if (!strcmp(arg, "auto") || !strcmp(arg, "skb") || !strcmp(arg, "head"))
			return pktid_key_parse(arg, &r->want_key);
		r->key_field = arg;
		return 0;
	case OPT_TABLE:
		r->table = true;
		return 0;
	case OPT_LIMIT:
		return lat_parse_long("--limit", arg, &r->limit);
	case OPT_TOP:
		return lat_parse_long("--top", arg, &r->top);
	case OPT_HIST:
		if (!strcmp(arg, "log2")) {
			r->hist_linear = false;
			return 0;
		}
		if (strncmp(arg, "linear", 6) || (arg[6] && arg[6] != ':'))
			return ovp_err(-EINVAL, "--hist: expected log2 or linear[:WIDTH_US], not '%s'",
				       arg);
		r->hist_linear = true;
		if (arg[6] == ':') {
			err = ovp_parse_uint_opt("--hist linear", arg + 7, 1, LONG_MAX, &v);
			if (err)
				return err;
			r->hist_width_us = v;
		}
		return 0;
	case OPT_NO_BLAME:
		r->no_blame = true;
		return 0;
	case OPT_INTERVAL: {
		char *end;
		double sec;

		errno = 0;
		sec = strtod(arg, &end);
		if (errno || end == arg || *end || !(sec >= 1e-6) || sec > 1e6)
			return ovp_err(-EINVAL, "--interval: '%s' is not a number of seconds "
				       "(1e-6 to 1e6)", arg);
		r->interval_ns = (uint64_t)llround(sec * 1e9);
		return 0;
	}
	case OPT_THRESHOLD:
		/* In ns it must fit 64 bits. */
		err = ovp_parse_uint_opt("--threshold-us", arg, 1, UINT64_MAX / 1000, &v);
		if (err)
			return err;
		r->threshold_ns = v * 1000;
		return 0;
	case OPT_SPAN_TIMEOUT:
		return spanspec__parse_timeout("--span-timeout", arg, &r->span_timeout_ns);
	default:
		if (pktfilter_is_option(key))
			return pktfilter_option(&r->filt, key, arg);
		return ovp_err(-EINVAL, "latency: unknown option");
	}
}

/*
 * Setup: spans and the event map.
 */

static bool any_match(struct pdata_session *s, const char *pattern)
{
	int i, n = pdata_session__nr_evsels(s);

	for (i = 0; i < n; i++)
		if (pdata_evsel__matches(pdata_session__evsel(s, i), pattern))
			return true;
	return false;
}

static int add_role(struct lat_report *r, int idx, int span, int stage, int alt)
{
	struct lat_evmap *m = &r->evmap[idx];

	if (m->is_free)
		return ovp_err(-EINVAL, "event %s frees skbs: it cannot be a span stage",
			       pdata_session__evsel(r->base.ctx->session, idx)->name);
	for (int i = 0; i < m->nr_roles; i++) {
		if (m->roles[i].span == span)
			return ovp_err(-EINVAL, "event %s appears twice in span %s",
				       pdata_session__evsel(r->base.ctx->session, idx)->name,
				       r->spans[span].name);
	}
	if (m->nr_roles == MAX_ROLES)
		return ovp_err(-EINVAL, "event %s is in too many spans",
			       pdata_session__evsel(r->base.ctx->session, idx)->name);
	m->roles[m->nr_roles].span = span;
	m->roles[m->nr_roles].stage = stage;
	m->roles[m->nr_roles].alt = alt;
	m->nr_roles++;
	return 0;
}

/* Free the names a span holds (its stages' events, labels, left-out events). */
static void span_free_names(struct lat_span *sp)
{
	for (int k = 0; k < SPAN_MAX_STAGES; k++) {
		for (int a = 0; a < MAX_ALTS; a++)
			free(sp->stages[k].alt_names[a]);
		free(sp->stages[k].label);
	}
	for (int k = 0; k < SPANSPEC_MAX_IGNORED; k++) {
		free(sp->ignored[k][0]);
		free(sp->ignored[k][1]);
	}
	free(sp->name);
}

/*
 * Build span @r->spans[nr_spans] from @spec.  With @s NULL only the syntax
 * is checked.  @strict: a missing event is an error (explicit --span or
 * --preset); otherwise the span is just not applicable (returns 1).
 */
static int build_span(struct lat_report *r, struct pdata_session *s, const char *name,
		      const char *spec, bool strict)
{
	struct lat_span *sp = &r->spans[r->nr_spans];
	struct spanspec ss;
	int err, nst, i;

	memset(sp, 0, sizeof(*sp));
	err = spanspec__parse(&ss, name, spec, s, strict);
	if (err)
		return err;
	nst = ss.nr_stages;
	for (i = 0; i < nst && !err; i++) {
		struct lat_stage *st = &sp->stages[i];

		for (int a = 0; a < ss.stages[i].nr_alts && !err; a++) {
			int idx = ss.stages[i].evsel[a];

			st->alt_names[a] = strdup(pdata_session__evsel(s, idx)->name);
			if (!st->alt_names[a])
				err = ovp_err(-ENOMEM, "out of memory");
			else
				err = add_role(r, idx, r->nr_spans, i, a);
			st->nr_alts = a + 1;
		}
	}
	/* The events left out for one that answers the same choice: named in
	 * the report (each packet would otherwise be seen twice). */
	for (i = 0; i < ss.nr_ignored && i < SPANSPEC_MAX_IGNORED && !err; i++) {
		sp->ignored[i][0] = strdup(pdata_session__evsel(s, ss.ignored[i].evsel)->name);
		sp->ignored[i][1] = strdup(pdata_session__evsel(s, ss.ignored[i].used)->name);
		if (!sp->ignored[i][0] || !sp->ignored[i][1])
			err = ovp_err(-ENOMEM, "out of memory");
	}
	sp->nr_ignored = ss.nr_ignored;
	if (err)
		goto out;
	sp->nr_stages = nst;
	sp->name = strdup(name);
	sp->bq = strcmp(name, "backlog") ? NULL : &r->bq[r->nr_spans];
	for (i = 0; i < nst; i++) {
		struct lat_stage *st = &sp->stages[i];
		size_t sz = 1;

		for (int a = 0; a < st->nr_alts; a++)
			sz += strlen(st->alt_names[a] ? st->alt_names[a] : "") + 1;
		st->label = calloc(1, sz);
		for (int a = 0; st->label && a < st->nr_alts; a++) {
			if (a)
				strcat(st->label, ",");
			strcat(st->label, st->alt_names[a] ? st->alt_names[a] : "");
		}
	}
	if (!s)
		goto out;
	err = span_engine__new(&sp->eng, nst);
	err = err ?: span_engine__set_expiry(sp->eng, r->span_timeout_ns, SPANSPEC_MAX_OPEN);
	if (!err)
		r->nr_spans++;
out:
	if (err) {
		/* Undo the roles this span added and free its names. */
		for (i = 0; i < r->nr_evsels; i++) {
			struct lat_evmap *m = &r->evmap[i];

			for (int k = 0; k < m->nr_roles; k++) {
				if (m->roles[k].span == r->nr_spans) {
					m->roles[k] = m->roles[--m->nr_roles];
					k--;
				}
			}
		}
		span_free_names(sp);
		memset(sp, 0, sizeof(*sp));
	}
	return err;
}

/*
 * The identity of each span: the key field, or with --key auto/head the
 * packet identity of engine/pktid.h (auto: when every stage event carries a head).
 * @all_head, @any_head: per span, whether every / some stage event has one.
 */
static int resolve_identity(struct lat_report *r, const bool *all_head, const bool *any_head)
{
	for (int i = 0; i < r->nr_spans; i++) {
		struct lat_span *sp = &r->spans[i];
		int err;

		sp->ident = PKTID_KEY_SKB;
		if (r->key_field || r->want_key == PKTID_KEY_SKB)
			continue;
		if (r->want_key == PKTID_KEY_AUTO && !all_head[i])
			continue;
		if (!any_head[i]) {
			sp->ident_fell_back = true;
			ovp_warn("span %s: --key head: no stage event carries skb->head; keyed by "
				 "skb address", sp->name);
			continue;
		}
		sp->ident = PKTID_KEY_HEAD;
		err = pktid_table__new(&sp->ids, PKTID_KEY_HEAD, 1000000);
		if (err)
			return err;
		pktid_table__warn_at_cap(sp->ids, "latency --key head",
					 "the least recently seen lost their identity (their open "
					 "spans stay unfinished, their later events count as orphans)");
	}
	return 0;
}

/* Resolve key, device and flow fields of every event with a role. */
static int resolve_fields(struct lat_report *r, struct pdata_session *s)
{
	const char *key_one[2] = { r->key_field, NULL };
	const char *const *keys = r->key_field ? key_one : spanspec_key_fields;
	bool all_head[MAX_SPANS], any_head[MAX_SPANS];
	int i, f, err;

	for (i = 0; i < MAX_SPANS; i++) {
		all_head[i] = true;
		any_head[i] = false;
	}

	for (i = 0; i < r->nr_evsels; i++) {
		struct lat_evmap *m = &r->evmap[i];
		struct pdata_evsel *ev = pdata_session__evsel(s, i);

		if (!m->nr_roles && !m->is_free)
			continue;
		if (evdec_field__find_any(&m->key, ev, m->is_free ? spanspec_key_fields : keys)) {
			if (m->is_free) {
				m->is_free = false;	/* cannot tell which skb: ignore it */
				continue;
			}
			return ovp_err(-ENOENT, "event %s has no field %s%s", ev->name,
				       r->key_field ? r->key_field : "skb or skbaddr",
				       r->key_field ? "" : " (name the key with --key FIELD)");
		}
		m->kind = pktid_event_kind(ev->name);
		evdec_field__find_any(&m->head, ev, pktid_head_fields);
		if (!m->nr_roles)
			continue;
		for (int k = 0; k < m->nr_roles; k++) {
			struct lat_span *sp = &r->spans[m->roles[k].span];
			struct evdec_field tmp;

			all_head[m->roles[k].span] &= evdec_field__resolved(&m->head);
			any_head[m->roles[k].span] |= evdec_field__resolved(&m->head);

			for (int j = 0; !sp->key_name && keys[j]; j++)
				if (!evdec_field__find(&tmp, ev, keys[j]))
					sp->key_name = keys[j];
		}
		m->has_attr = pktfilter_fields__resolve(&m->pf, ev, PKTFILTER_ANY_EVENT);
		for (int k = 0; k < m->nr_roles; k++) {
			r->spans[m->roles[k].span].has_dev |= pktfilter_fields__has_dev(&m->pf);
			r->spans[m->roles[k].span].has_flow |= m->pf.has;
		}
	}
	err = resolve_identity(r, all_head, any_head);
	if (err)
		return err;
	/* A filter on a field no span event carries is an error, not "0 packets". */
	for (int sp = 0; sp < r->nr_spans; sp++) {
		if (r->filt.dev && !r->spans[sp].has_dev)
			return ovp_err(-ENOENT, "--dev: the events of span %s have no device field "
				       "(dev or name)", r->spans[sp].name);
		for (f = 0; f < PKTFILTER_NR_FIELDS; f++) {
			if (r->filt.has_flow[f] && !(r->spans[sp].has_flow & (1u << f)))
				return ovp_err(-ENOENT, "%s: the events of span %s have no field %s",
					       pktfilter_opt_names[f], r->spans[sp].name,
					       pktfilter_field_names[f]);
		}
	}
	return 0;
}

/* engine/blame.h: is a span still pending from that start? */
static bool lat_pending(void *ctx, int span, uint64_t key, uint64_t t0)
{
	struct lat_report *r = ctx;
	uint64_t t;

	return span_engine__pending_start(r->spans[span].eng, key, &t) && t == t0;
}

static int lat_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct lat_report *r = container_of(tool, struct lat_report, tool);
	int i, err;
	size_t p;

	r->nr_evsels = pdata_session__nr_evsels(s);
	r->evmap = calloc(r->nr_evsels ? r->nr_evsels : 1, sizeof(*r->evmap));
	if (!r->evmap)
		return ovp_err(-ENOMEM, "out of memory");
	for (i = 0; i < r->nr_evsels; i++) {
		for (p = 0; p < spanspec_nr_free_events; p++)
			if (pdata_evsel__matches(pdata_session__evsel(s, i), spanspec_free_events[p]))
				r->evmap[i].is_free = true;
	}

	if (r->span_spec) {
		err = build_span(r, s, "custom", r->span_spec, true);
	} else if (r->preset) {
		for (p = 0; strcmp(spanspec_presets[p].name, r->preset); p++)
			;
		err = build_span(r, s, spanspec_presets[p].name, spanspec_presets[p].spec, true);
	} else {
		err = 0;
		for (p = 0; p < spanspec_nr_presets && !err; p++) {
			err = build_span(r, s, spanspec_presets[p].name, spanspec_presets[p].spec, false);
			if (err == 1)
				err = 0;
		}
		if (!err && !r->nr_spans)
			err = ovp_err(-ENOENT, "latency: the recording has the events of no preset "
				      "(ovs-dp: ovs_vport_receive, do_output/ovs_dp_upcall; backlog: "
				      "enqueue_to_backlog or net:netif_rx, __netif_receive_skb or "
				      "net:netif_receive_skb); name them with --span");
	}
	err = err ?: resolve_fields(r, s);
	if (!err)
		spanspec__warn_reused(s, "latency");
	err = err ?: lat_stream_setup(r);
	if (!r->no_blame)
		err = err ?: blame__new(&r->blame, s, r->nr_spans, lat_pending, r);
	if (!err && r->blame && *blame__missing(r->blame))
		ovp_warn("latency: blame without %s: the CPU state they change is not known "
			 "(ovsperf-probe's blame set records them)",
			 blame__missing(r->blame));
	return err;
}

/*
 * Per-sample path.
 */

/* Device id of key @k, 0 when not interned yet. */
static inline uint32_t dev_find_key(const struct lat_report *r, const struct dev_key *k)
{
	const struct lat_dev_key *e;

	OVP_HMAP_FOR_EACH_WITH_HASH (e, node, dev_key_hash(k), &r->dev_keys)
		if (e->k.w[0] == k->w[0] && e->k.w[1] == k->w[1])
			return e->id;
	return 0;
}

/* The id of device @name (>= 1, in first-seen order), added when new; 0 when
 * out of memory or past the cap. */
static uint32_t intern_dev(struct lat_report *r, const char *name)
{
	struct lat_dev_key *e;
	size_t len = strlen(name);
	uint32_t n = (uint32_t)(len < 16 ? len + 1 : 16), id;
	size_t count = ovp_intern__count(&r->devs);
	struct dev_key k;
	int ret = ovp_intern__put(&r->devs, name, len, &id);

	if (ret == OVP_HMAP_FULL)
		ovp_warn_cap("latency: more than %d distinct device names: the events of the "
			     "others carry no device (--dev does not match them)", LAT_MAX_DEVS);
	if (ret || !id)
		return 0;
	if (ovp_intern__count(&r->devs) == count ||
	    !dev_key_of((const uint8_t *)name, n, n, &k))
		return id;
	/* New and short: findable by its key (or by name only, if no memory). */
	e = malloc(sizeof(*e));
	if (e) {
		e->k = k;
		e->id = id;
		ovp_hmap_insert_nocap(&r->dev_keys, &e->node, dev_key_hash(&k));
	}
	return id;
}

/* The id of device/flow @a, added when new (0 when out of memory).  @a is
 * compared as bytes: zero it before filling it. */
static uint32_t intern_attr(struct lat_report *r, const struct lat_attr *a)
{
	uint32_t id;

	if (ovp_intern__put(&r->attrs, a, sizeof(*a), &id) == OVP_HMAP_FULL)
		ovp_warn_cap("latency: more than %d distinct (device, flow) attributes: the "
			     "events of the others carry neither (shown as -, no --dev or flow "
			     "filter matches them)", LAT_MAX_ATTRS);
	return id;
}

/* The attribute id of a device without flow (@a->dev set), kept in
 * r->dev_attr so later samples skip the hash. */
static uint32_t dev_attr(struct lat_report *r, const struct lat_attr *a)
{
	uint32_t id = intern_attr(r, a);

	if (a->dev > r->nr_dev_attr) {
		size_t n = a->dev + 16;
		uint32_t *d = realloc(r->dev_attr, n * sizeof(*d));

		if (!d)
			return id;
		memset(d + r->nr_dev_attr, 0, (n - r->nr_dev_attr) * sizeof(*d));
		r->dev_attr = d;
		r->nr_dev_attr = n;
	}
	r->dev_attr[a->dev - 1] = id;
	return id;
}

static uint32_t sample_attr(struct lat_report *r, const struct lat_evmap *m,
			    const struct pdata_sample *sample)
{
	struct lat_attr a;
	const char *dev;
	char buf[64];

	memset(&a, 0, sizeof(a));
	if (m->pf.dev.is_string && evdec_field__resolved(&m->pf.dev)) {
		/* A known device without copying its name: by its key. */
		uint32_t len = 0;
		const uint8_t *d = evdec_field__bytes(&m->pf.dev, sample, &len);
		struct dev_key k;

		if (d && len &&
		    dev_key_of(d, len, sample->raw_size - (size_t)(d - (const uint8_t *)sample->raw_data),
			       &k))
			a.dev = dev_find_key(r, &k);
	}
	if (!a.dev) {
		dev = pktfilter_fields__dev(&m->pf, sample, buf, sizeof(buf));
		if (dev && dev[0])
			a.dev = intern_dev(r, dev);
	}
	if (!m->pf.has) {
		/* No flow field: the attribute is the device's, interned once. */
		if (!a.dev)
			return 0;
		if (a.dev <= r->nr_dev_attr && r->dev_attr[a.dev - 1])
			return r->dev_attr[a.dev - 1];
		return dev_attr(r, &a);
	}
	pktfilter_fields__flow(&m->pf, sample, &a.flow);
	return (a.dev || a.flow.has) ? intern_attr(r, &a) : 0;
}

static int keep_stack(struct lat_report *r, struct span_rec *rec,
		      const struct pdata_sample *sample)
{
	const struct pdata_callchain *cc = &sample->callchain;
	struct lat_stack *st;

	if (!cc->nr)
		return 0;
	if (r->nr_stacks == r->cap_stacks) {
		size_t cap = r->cap_stacks ? r->cap_stacks * 2 : 64;
		struct lat_stack *n = realloc(r->stacks, cap * sizeof(*n));

		if (!n)
			return ovp_err(-ENOMEM, "out of memory for stacks");
		r->stacks = n;
		r->cap_stacks = cap;
	}
	while (r->nr_ips + cc->nr > r->cap_ips) {
		size_t cap = r->cap_ips ? r->cap_ips * 2 : 4096;
		uint64_t *n = realloc(r->stack_ips, cap * sizeof(*n));

		if (!n)
			return ovp_err(-ENOMEM, "out of memory for stacks");
		r->stack_ips = n;
		r->cap_ips = cap;
	}
	st = &r->stacks[r->nr_stacks++];
	st->off = r->nr_ips;
	st->nr = cc->nr;
	st->cpu = sample->cpu;
	memcpy(r->stack_ips + r->nr_ips, cc->ips, cc->nr * sizeof(uint64_t));
	r->nr_ips += cc->nr;
	rec->stack = r->nr_stacks;
	return 0;
}

/*
 * The span key of an event: the key field's value, or its packet identity
 * (ident head).  Return: the enum pktid_result of the identity (PKTID_CONT
 * for a key field), or -ENOMEM.
 */
static inline int span_key(struct lat_span *sp, const struct lat_evmap *m,
		    const struct pdata_sample *sample, uint64_t skb, uint64_t *key,
		    struct pktid_ref *ref)
{
	uint64_t head = 0;
	int ret;

	*key = skb;
	if (sp->ident != PKTID_KEY_HEAD || !skb) {
		ref->parent = 0;	/* what the callers read of it then */
		return PKTID_CONT;
	}
	memset(ref, 0, sizeof(*ref));
	if (evdec_field__resolved(&m->head))
		head = evdec_field__u64(&m->head, sample);
	ret = pktid_table__event(sp->ids, skb, head, m->is_free ? m->kind : PKTID_EV_SEEN, ref);
	if (ret >= 0)
		*key = ref->id;
	return ret;
}

/* An event's attribute, computed when a span first wants it (once per event
 * for all its roles): most later-stage events advance a span that has one. */
struct lat_lazy_attr {
	struct lat_report *r;
	const struct lat_evmap *m;
	const struct pdata_sample *sample;
	uint32_t attr;
	bool done;
};

static uint32_t lazy_attr(void *ctx)
{
	struct lat_lazy_attr *lz = ctx;

	if (!lz->done) {
		lz->attr = sample_attr(lz->r, lz->m, lz->sample);
		lz->done = true;
	}
	return lz->attr;
}

static int lat_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	struct lat_report *r = container_of(tool, struct lat_report, tool);
	const struct lat_evmap *m;
	struct lat_lazy_attr lz;
	struct pktid_ref ref;
	struct span_rec *rec;
	uint64_t skb, key;
	int i, ret;

	if (sample->time) {
		if (!r->tl_started && r->interval_ns) {
			const struct pdata_info *in = pdata_session__info(r->base.ctx->session);
			uint64_t o = sample->time;

			/* With wall-clock time, buckets start on multiples of the
			 * interval (a spike at 10:42:13 is in the bucket of 10:42:13). */
			if (in->has_clock_data && o >= in->clock_clk_ns)
				o -= (in->clock_tod_ns + (o - in->clock_clk_ns)) % r->interval_ns;
			for (i = 0; i < r->nr_spans; i++)
				lat_tl__init(&r->tls[i], r->interval_ns, o);
			r->tl_started = true;
		}
		r->last_time = sample->time;
		if (sample->cpu != (uint32_t)-1) {
			ret = lostwin__seen(&r->lostw, sample->cpu, sample->time);
			if (ret)
				return ret;
		}
	}
	if (++r->since_flush >= LAT_FLUSH_EVERY) {
		ret = lat_stream_flush(r, lostwin__horizon(&r->lostw));
		if (ret)
			return ret;
	}
	if (!sample->evsel || sample->evsel->idx >= r->nr_evsels)
		return 0;
	if (r->blame) {
		ret = blame__event(r->blame, sample, sample->evsel->idx);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	m = &r->evmap[sample->evsel->idx];
	if (m->is_free) {
		skb = evdec_field__u64(&m->key, sample);
		for (i = 0; i < r->nr_spans; i++) {
			ret = span_key(&r->spans[i], m, sample, skb, &key, &ref);
			if (ret < 0)
				return ret;
			if (ret != PKTID_FOLLOWUP && span_engine__free(r->spans[i].eng, key, sample->time) &&
			    r->tl_started) {
				ret = lat_tl__drop(&r->tls[i], sample->time);
				if (ret)
					return ret;
			}
		}
		return 0;
	}
	if (!m->nr_roles)
		return 0;
	skb = evdec_field__u64(&m->key, sample);
	lz.r = r;
	lz.m = m;
	lz.sample = sample;
	lz.attr = 0;
	lz.done = !m->has_attr;
	for (i = 0; i < m->nr_roles; i++) {
		const struct lat_role *role = &m->roles[i];
		struct lat_span *sp = &r->spans[role->span];
		struct span_engine *eng = sp->eng;

		sp->events[role->stage]++;
		ret = span_key(sp, m, sample, skb, &key, &ref);
		/* A clone's first event: it goes on from its parent's span. */
		if (ret == PKTID_CLONE && role->stage) {
			uint64_t t0;

			ret = span_engine__fork(eng, ref.parent, key);
			if (ret == 1 && r->blame && span_engine__pending_start(eng, key, &t0))
				ret = blame__started(r->blame, role->span, key, t0);
		}
		if (ret < 0)
			return ret;
		/* A start always wants the attribute: computed here, not called back. */
		if (role->stage == 0)
			ret = span_engine__event(eng, 0, role->alt, key, sample->time, sample->cpu,
						 lazy_attr(&lz));
		else
			ret = span_engine__event_lazy(eng, role->stage, role->alt, key,
						      sample->time, sample->cpu, lazy_attr, &lz);
		if (ret < 0)
			return ret;
		if (r->blame && (ret == SPAN_STARTED || ret == SPAN_RESTARTED)) {
			ret = blame__started(r->blame, role->span, key, sample->time);
			if (ret < 0)
				return ret;
			continue;
		}
		/* A packet left its CPU's backlog (stage 1): the depth of later
		 * ones counts it.  Tested where the span completes, or past the
		 * test of completion: no cost to the other spans' events. */
		if (ret != SPAN_COMPLETED) {
			if (ret == SPAN_ADVANCED && sp->bq && role->stage == 1) {
				ret = backlog_depth__dequeue(sp->bq, sample->cpu, sample->time);
				if (ret)
					return ret;
			}
			continue;
		}
		rec = span_engine__last(eng);
		if (sp->bq) {
			if (role->stage == 1)
				ret = backlog_depth__dequeue_last(sp->bq, sample->cpu, sample->time,
								  rec->t[0], &rec->qdepth);
			else
				rec->qdepth = backlog_depth__qdepth(sp->bq, rec->cpu[1], rec->t[0],
								    rec->t[1]);
			if (ret < 0)
				return ret;
		}
		if (r->blame) {
			ret = blame__complete(r->blame, rec, sp->nr_stages, &rec->blame);
			if (ret)
				return ret;
		}
		if (sp->ident == PKTID_KEY_HEAD) {
			rec->skb = skb;
			rec->parent = ref.parent;
		}
		if (r->threshold_ns && rec->t[role->stage] - rec->t[0] > r->threshold_ns) {
			ret = keep_stack(r, rec, sample);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* The LOST-window rule (engine/lostwin.h) gives the window; the span
 * engines forget or mark the spans it reaches. */
static int lat_lost(struct pdata_tool *tool, const struct pdata_lost *lost)
{
	struct lat_report *r = container_of(tool, struct lat_report, tool);
	uint64_t lo, hi;
	int i, err;

	if (!lostwin__window(&r->lostw, lost, r->last_time, &lo, &hi))
		return 0;
	for (i = 0; i < r->nr_spans; i++) {
		err = span_engine__lost(r->spans[i].eng, lo, hi);
		if (err)
			return err;
	}
	return 0;
}

static int lat_done(struct pdata_tool *tool, struct pdata_session *s)
{
	struct lat_report *r = container_of(tool, struct lat_report, tool);
	int err;

	for (int i = 0; i < r->nr_spans; i++) {
		const struct span_counts *c = span_engine__counts(r->spans[i].eng);

		err = span_engine__drain(r->spans[i].eng);
		if (err)
			return err;
		if (c->expired_cap)
			ovp_warn_cap("span %s: more than %d packets were in flight at once: the oldest "
				     "%" PRIu64 " expired before --span-timeout (counted unfinished)",
				     r->spans[i].name, SPANSPEC_MAX_OPEN, c->expired_cap);
	}
	return 0;
}

/*
 * Life cycle.
 */

static int lat_create(struct report **out, struct analyze_ctx *ctx)
{
	struct lat_report *r = calloc(1, sizeof(*r));

	if (!r)
		return ovp_err(-ENOMEM, "out of memory");
	r->base.ops = &report_latency_ops;
	r->base.ctx = ctx;
	r->top = 5;
	r->span_timeout_ns = SPANSPEC_TIMEOUT_NS;
	ovp_intern__init(&r->attrs, LAT_MAX_ATTRS);
	ovp_intern__init(&r->devs, LAT_MAX_DEVS);
	ovp_hmap_init(&r->dev_keys);
	pktfilter_init(&r->filt);
	pdata_tool__init(&r->tool);
	r->tool.ready = lat_ready;
	r->tool.sample = lat_sample;
	r->tool.lost = lat_lost;
	r->tool.done = lat_done;
	*out = &r->base;
	return 0;
}

static bool lat_applicable(struct pdata_session *s)
{
	/* A preset applies when its first stage and its second have events. */
	static const char *const first[] = { "ovs_vport_receive", "enqueue_to_backlog",
					     "net:netif_rx" };
	static const char *const second[] = { "do_output", "ovs_dp_upcall", "__netif_receive_skb",
					      "net:netif_receive_skb" };
	bool a = false, b = false;

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		a = a || any_match(s, first[i]);
	for (size_t i = 0; i < sizeof(second) / sizeof(second[0]); i++)
		b = b || any_match(s, second[i]);
	return a && b;
}

static struct pdata_tool *lat_tool(struct report *base)
{
	return &container_of(base, struct lat_report, base)->tool;
}

static void lat_destroy(struct report *base)
{
	struct ovp_hmap_node *next;
	struct lat_dev_key *dk;
	struct lat_report *r;

	if (!base)
		return;
	r = container_of(base, struct lat_report, base);
	for (int i = 0; i < r->nr_spans && r->results; i++)
		lat_result_exit(&r->results[i]);
	free(r->results);
	for (int i = 0; i < r->nr_spans; i++) {
		struct lat_span *sp = &r->spans[i];

		span_engine__delete(sp->eng);
		pktid_table__delete(sp->ids);
		span_free_names(sp);
	}
	OVP_HMAP_FOR_EACH_SAFE (dk, next, node, &r->dev_keys)
		free(dk);
	ovp_hmap_exit(&r->dev_keys);
	ovp_intern__exit(&r->devs);
	ovp_intern__exit(&r->attrs);
	free(r->dev_attr);
	free(r->stacks);
	free(r->stack_ips);
	lostwin__exit(&r->lostw);
	free(r->evmap);
	blame__delete(r->blame);
	for (int i = 0; i < MAX_SPANS; i++) {
		lat_tl__exit(&r->tls[i]);
		backlog_depth__exit(&r->bq[i]);
	}
	free(r);
}

const struct report_ops report_latency_ops = {
	.name = "latency",
	.json_key = "latency",
	.summary = "per-packet latency between probe points (OVS datapath, backlog, custom)",
	.usage = lat_usage,
	.options = lat_options,
	.shortopts = NULL,
	.create = lat_create,
	.option = lat_option,
	.applicable = lat_applicable,
	.tool = lat_tool,
	.model = lat_model,
	.destroy = lat_destroy,
};
