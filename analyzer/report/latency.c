// SPDX-License-Identifier: Apache-2.0
/*
 * report/latency.c - `ovsperf-analyze latency`: per-packet latency between
 * probe points, the successor of perf-ovs-latency.sh /
 * ovs-perf-latency.py and enqueue_to_iprec_latency.py.
 *
 *	ready():   spans from --span, --preset or every applicable preset;
 *		   each event of the recording mapped to its (span, stage, alt)
 *		   roles with pre-resolved key/device/flow field handles,
 *		   indexed by evsel idx
 *	sample():  key read -> span_engine__event() / span_engine__free()
 *	lost():    LOST window (last sample on that CPU, LOST record time)
 *	done():    span_engine__finish()
 *	emit_*():  filters applied to the completed spans and hops, then
 *		   table, best/worst, statistics, breakdowns, histograms,
 *		   threshold events (text), or reports.latency (JSON).
 *
 * The policy lives in engine/span.c; the man page (LATENCY) documents both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/analyze.h"
#include "engine/backlog-depth.h"
#include "engine/blame.h"
#include "engine/latency-timeline.h"
#include "ovsperf/evdec.h"
#include "ovsperf/hash.h"
#include "ovsperf/hist.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/stats.h"
#include "ovsperf/strutil.h"
#include "decode/pktfilter.h"
#include "engine/pktid.h"
#include "engine/span.h"
#include "engine/spanspec.h"

extern const struct report_ops report_latency_ops;

#define MAX_SPANS 4
#define MAX_ALTS SPANSPEC_MAX_ALTS
#define MAX_ROLES 4

/* Presets, free events and key fields: engine/spanspec.h (shared with the timeline
 * export). */

/* Device and flow of a packet, interned: spans carry the id (index + 1).
 * Hashed and compared as words: no padding. */
struct lat_attr {
	uint32_t dev;			/* device string id + 1, 0 = none */
	struct pktfilter_flow flow;
};

/* One role of an event: stage @stage, alternative @alt of span @span. */
struct lat_role {
	uint8_t span, stage, alt;
};

/* Per event of the recording (indexed by evsel idx): fields resolved once. */
struct lat_evmap {
	struct evdec_field key;
	struct evdec_field head;	/* skb->head (probes of ovsperf-probe's skb type) */
	enum pktid_ev kind;		/* what the event does to a packet identity */
	struct pktfilter_fields pf;	/* device and flow */
	bool is_free;			/* one of spanspec_free_events */
	bool has_attr;			/* dev or a flow field resolved */
	int nr_roles;
	struct lat_role roles[MAX_ROLES];
};

struct lat_stage {
	int nr_alts;
	char *alt_names[MAX_ALTS];	/* the resolved event names (display) */
	char *label;			/* alternatives joined by ',' */
};

struct lat_span {
	char *name;			/* preset name or "custom" */
	int nr_stages;
	struct lat_stage stages[SPAN_MAX_STAGES];
	struct span_engine *eng;
	bool has_dev;
	uint32_t has_flow;		/* bit per flow field some event carries */
	const char *key_name;		/* key field of the first stage's event */
	enum pktid_key ident;		/* PKTID_KEY_SKB (the key field) or _HEAD */
	bool ident_fell_back;		/* --key head, but no stage event has a head */
	bool is_backlog;		/* the backlog preset: stage 1 dequeues */
	struct pktid_table *ids;	/* packet identities (ident head) */
	uint64_t events[SPAN_MAX_STAGES];	/* events seen per stage */
};

/* Stored kernel stacks (threshold mode): rec->stack = index + 1. */
struct lat_stack {
	size_t off, nr;			/* into stack_ips */
	uint32_t cpu;			/* of the completing event */
};

/* A device name of up to 15 bytes as two words, zero-padded: the device
 * of a sample is found by one hash and two compares. */
struct dev_key {
	uint64_t w[2];
};

struct lat_report {
	struct report base;
	struct pdata_tool tool;

	/* Options. */
	const char *preset;
	const char *span_spec;
	const char *key_field;		/* --key FIELD, NULL for auto, skb, head */
	enum pktid_key want_key;	/* --key auto (default), skb, head */
	bool table;
	long limit;			/* --limit: table rows (0 = all) */
	long top;			/* --top N */
	bool hist_linear;
	uint64_t hist_width_us;		/* 0 = automatic */
	uint64_t threshold_ns;		/* 0 = off */
	bool no_blame;			/* --no-blame */
	uint64_t interval_ns;		/* --interval, 0 = off */
	bool tl_started;		/* the timelines' origin is set */
	struct lat_tl tls[MAX_SPANS];	/* --interval: [span] */
	struct backlog_depth bq[MAX_SPANS];	/* [span], the backlog preset's */
	uint64_t span_timeout_ns;	/* --span-timeout; 0 = never */
	struct pktfilter filt;		/* --cpu, --dev, flow, --time */

	/* Spans and event map. */
	struct lat_span spans[MAX_SPANS];
	int nr_spans;
	struct lat_evmap *evmap;
	int nr_evsels;

	/* Interned attributes and device names. */
	struct lat_attr *attrs;
	size_t nr_attrs, cap_attrs;
	uint32_t *attr_tab;		/* open addressing: attr id, 0 = empty */
	size_t attr_tab_size;		/* power of two, at least twice nr_attrs */
	char **devs;
	size_t nr_devs, cap_devs;
	uint32_t *dev_attr;		/* [dev id - 1]: attr id of the device alone, 0 = not yet */
	size_t nr_dev_attr;
	struct dev_key *dev_keys;	/* [dev id - 1]: the name as a key (dev_key_of()) */
	bool *dev_keyed;		/* [dev id - 1]: name short enough to have a key */
	uint32_t *dev_tab;		/* open addressing on dev_keys: dev id, 0 = empty */
	size_t dev_tab_size;		/* power of two, at least twice nr_devs */

	/* Stacks of spans over --threshold-us. */
	struct lat_stack *stacks;
	size_t nr_stacks, cap_stacks;
	uint64_t *stack_ips;
	size_t nr_ips, cap_ips;

	/* Last sample time per CPU, for LOST windows. */
	uint64_t *cpu_last;
	size_t nr_cpu_last;
	uint64_t last_time;

	/* Streaming: what each span's completed records and hops add up to
	 * (results[i] is spans[i]'s), the memory of their exact values, and
	 * samples since the engines were last told how far LOST windows can
	 * still reach back. */
	struct lat_result *results;
	struct ovp_values_budget budget;
	unsigned int since_flush;
	bool any_filter;		/* some filter option given: passes() has work */
	struct blame *blame;		/* NULL: the recording has no sched/irq events */
};

/* Completed spans wait this many in the engine (and hops as many) until no
 * LOST window can reach them any more. */
#define LAT_HOLD 32768
/* Samples between two such checks. */
#define LAT_FLUSH_EVERY 1024
/* Bytes of exact latency values, all statistics together; past it the
 * statistic that needs more turns to a histogram (stats.h). */
#define LAT_VALUES_BUDGET (16u << 20)

static int stream_setup(struct lat_report *r);
static int stream_flush(struct lat_report *r, uint64_t horizon);

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

static int lat_parse_ulong(const char *opt, const char *arg, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0)
		return ovp_err(-EINVAL, "%s: '%s' is not a non-negative number", opt, arg);
	*out = v;
	return 0;
}

static int lat_option(struct report *base, int key, const char *arg)
{
	struct lat_report *r = container_of(base, struct lat_report, base);
	long v;
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
		return lat_parse_ulong("--limit", arg, &r->limit);
	case OPT_TOP:
		return lat_parse_ulong("--top", arg, &r->top);
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
			err = lat_parse_ulong("--hist linear", arg + 7, &v);
			if (err)
				return err;
			if (!v)
				return ovp_err(-EINVAL, "--hist linear: the width must be > 0");
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
		err = lat_parse_ulong("--threshold-us", arg, &v);
		if (err)
			return err;
		r->threshold_ns = (uint64_t)v * 1000;
		if (!r->threshold_ns)
			return ovp_err(-EINVAL, "--threshold-us: must be > 0");
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
	if (err)
		goto out;
	sp->nr_stages = nst;
	sp->name = strdup(name);
	sp->is_backlog = !strcmp(name, "backlog");
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
		for (i = 0; i < SPAN_MAX_STAGES; i++) {
			for (int a = 0; a < MAX_ALTS; a++)
				free(sp->stages[i].alt_names[a]);
			free(sp->stages[i].label);
		}
		free(sp->name);
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
	err = err ?: stream_setup(r);
	if (!r->no_blame)
		err = err ?: blame__new(&r->blame, s, r->nr_spans, lat_pending, r);
	if (!err && r->blame && *blame__missing(r->blame))
		ovp_warn("latency: blame without %s: the CPU state they change is not known",
			 blame__missing(r->blame));
	return err;
}

/*
 * Per-sample path.
 */

/* The @n (<= 8) bytes at @d as a little-endian word, zero above; @avail
 * bytes can be read at @d. */
static inline uint64_t load_le_bytes(const uint8_t *d, uint32_t n, size_t avail)
{
	uint64_t w = 0;

	if (!n)
		return 0;
	if (avail >= 8) {
		memcpy(&w, d, 8);
		return n >= 8 ? w : w & (~0ULL >> (64 - 8 * n));
	}
	/* In registers, byte by byte: a copy to a stack buffer read back as a
	 * word would stall store forwarding. */
	for (uint32_t i = 0; i < n; i++)
		w |= (uint64_t)d[i] << (8 * i);
	return w;
}

/*
 * The key of the @len bytes at @d (a string, maybe NUL padded; @avail >= @len
 * bytes readable there): its bytes up to the first NUL, zero-padded to 16.
 * False when the name has 16 bytes or more (no key: looked up by name).
 */
static inline __attribute__((always_inline)) bool dev_key_of(const uint8_t *d, uint32_t len,
							    size_t avail, struct dev_key *k)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint32_t n = len < 16 ? len : 16;
	uint64_t t;

	k->w[0] = load_le_bytes(d, n < 8 ? n : 8, avail);
	k->w[1] = n > 8 ? load_le_bytes(d + 8, n - 8, avail - 8) : 0;
	/* The lowest zero byte (little endian): bytes after it are cleared.
	 * Bytes past @n are zero already. */
	t = (k->w[0] - ones) & ~k->w[0] & highs;
	if (t) {
		unsigned int z = (unsigned int)__builtin_ctzll(t) / 8;

		k->w[0] &= z ? ~0ULL >> (64 - 8 * z) : 0;
		k->w[1] = 0;
		return true;
	}
	t = (k->w[1] - ones) & ~k->w[1] & highs;
	if (t) {
		unsigned int z = (unsigned int)__builtin_ctzll(t) / 8;

		k->w[1] &= z ? ~0ULL >> (64 - 8 * z) : 0;
		return true;
	}
	return false;
}

static size_t dev_key_hash(const struct dev_key *k)
{
	return (size_t)ovp_hash_mix(ovp_hash64(k->w[0]) ^ k->w[1], ovp_hash_secret.k2);
}

/* Device id of key @k, 0 when not interned yet. */
static inline uint32_t dev_find_key(const struct lat_report *r, const struct dev_key *k)
{
	size_t mask = r->dev_tab_size - 1, i;

	if (!r->dev_tab_size)
		return 0;
	for (i = dev_key_hash(k) & mask; r->dev_tab[i]; i = (i + 1) & mask) {
		const struct dev_key *o = &r->dev_keys[r->dev_tab[i] - 1];

		if (o->w[0] == k->w[0] && o->w[1] == k->w[1])
			return r->dev_tab[i];
	}
	return 0;
}

/* Put device @id's key in the table, grown to twice the devices. */
static int dev_tab_add(struct lat_report *r, uint32_t id)
{
	size_t i;

	if ((size_t)id * 2 > r->dev_tab_size) {
		size_t size = r->dev_tab_size ? r->dev_tab_size * 2 : 64;
		uint32_t *tab = calloc(size, sizeof(*tab));

		if (!tab)
			return -ENOMEM;
		free(r->dev_tab);
		r->dev_tab = tab;
		r->dev_tab_size = size;
		for (uint32_t d = 1; d < id; d++)
			if (r->dev_keyed[d - 1] && dev_tab_add(r, d))
				return -ENOMEM;
	}
	for (i = dev_key_hash(&r->dev_keys[id - 1]) & (r->dev_tab_size - 1); r->dev_tab[i];
	     i = (i + 1) & (r->dev_tab_size - 1))
		;
	r->dev_tab[i] = id;
	return 0;
}

static uint32_t intern_dev(struct lat_report *r, const char *name)
{
	struct dev_key k;
	size_t i, len = strlen(name);
	uint32_t n = (uint32_t)(len < 16 ? len + 1 : 16);
	bool keyed = dev_key_of((const uint8_t *)name, n, n, &k);

	if (keyed) {
		uint32_t id = dev_find_key(r, &k);

		if (id)
			return id;
	} else {
		for (i = 0; i < r->nr_devs; i++)
			if (!strcmp(r->devs[i], name))
				return i + 1;
	}
	if (r->nr_devs == r->cap_devs) {
		size_t cap = r->cap_devs ? r->cap_devs * 2 : 16;
		char **d = realloc(r->devs, cap * sizeof(*d));
		struct dev_key *dk = realloc(r->dev_keys, cap * sizeof(*dk));
		bool *kd;

		if (d)
			r->devs = d;
		if (dk)
			r->dev_keys = dk;
		kd = d && dk ? realloc(r->dev_keyed, cap * sizeof(*kd)) : NULL;
		if (!kd)
			return 0;
		r->dev_keyed = kd;
		r->cap_devs = cap;
	}
	r->devs[r->nr_devs] = strdup(name);
	if (!r->devs[r->nr_devs])
		return 0;
	r->dev_keys[r->nr_devs] = k;
	r->dev_keyed[r->nr_devs] = keyed;
	r->nr_devs++;
	if (keyed && dev_tab_add(r, (uint32_t)r->nr_devs)) {
		free(r->devs[--r->nr_devs]);
		return 0;
	}
	return (uint32_t)r->nr_devs;
}

static uint64_t hash_attr(const struct lat_attr *a)
{
	const uint32_t *w = (const uint32_t *)a;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*a) / sizeof(*w); i++)
		h = (h ^ w[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* Put id @id (index + 1) into the open-addressing table. */
static void attr_slot_put(uint32_t *tab, size_t size, uint64_t h, uint32_t id)
{
	size_t i = h & (size - 1);

	while (tab[i])
		i = (i + 1) & (size - 1);
	tab[i] = id;
}

/* The id of device/flow @a, added when new: a hash table of ids, so that
 * many flows cost no more per event than a few. */
static uint32_t intern_attr(struct lat_report *r, const struct lat_attr *a)
{
	uint64_t h = hash_attr(a);
	size_t i;

	if (r->attr_tab_size) {
		for (i = h & (r->attr_tab_size - 1); r->attr_tab[i];
		     i = (i + 1) & (r->attr_tab_size - 1)) {
			if (!memcmp(&r->attrs[r->attr_tab[i] - 1], a, sizeof(*a)))
				return r->attr_tab[i];
		}
	}
	if (r->nr_attrs == r->cap_attrs) {
		size_t cap = r->cap_attrs ? r->cap_attrs * 2 : 64;
		struct lat_attr *n = realloc(r->attrs, cap * sizeof(*n));

		if (!n)
			return 0;
		r->attrs = n;
		r->cap_attrs = cap;
	}
	if ((r->nr_attrs + 1) * 2 > r->attr_tab_size) {
		size_t size = r->attr_tab_size ? r->attr_tab_size * 2 : 256;
		uint32_t *tab = calloc(size, sizeof(*tab));

		if (!tab)
			return 0;
		for (i = 0; i < r->nr_attrs; i++)
			attr_slot_put(tab, size, hash_attr(&r->attrs[i]), i + 1);
		free(r->attr_tab);
		r->attr_tab = tab;
		r->attr_tab_size = size;
	}
	r->attrs[r->nr_attrs] = *a;
	attr_slot_put(r->attr_tab, r->attr_tab_size, h, r->nr_attrs + 1);
	return ++r->nr_attrs;
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

static void note_cpu_time(struct lat_report *r, uint32_t cpu, uint64_t time)
{
	if (cpu >= r->nr_cpu_last) {
		size_t n = cpu + 64;
		uint64_t *a;

		if (cpu >= OVP_MAX_CPUS)
			return;
		a = realloc(r->cpu_last, n * sizeof(*a));
		if (!a)
			return;
		memset(a + r->nr_cpu_last, 0, (n - r->nr_cpu_last) * sizeof(*a));
		r->cpu_last = a;
		r->nr_cpu_last = n;
	}
	r->cpu_last[cpu] = time;
}

/*
 * No LOST record still to come can open a window before this time: a window
 * starts at its CPU's last sample time (lat_lost()), and those only grow.
 * CPUs without a sample yet do not count (a LOST record on such a CPU opens
 * a window at 0: it no longer reaches spans already streamed out; man page).
 */
static uint64_t lost_horizon(const struct lat_report *r)
{
	uint64_t h = UINT64_MAX;

	for (size_t c = 0; c < r->nr_cpu_last; c++)
		if (r->cpu_last[c] && r->cpu_last[c] < h)
			h = r->cpu_last[c];
	return h == UINT64_MAX ? 0 : h;
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
		if (sample->cpu != (uint32_t)-1)
			note_cpu_time(r, sample->cpu, sample->time);
	}
	if (++r->since_flush >= LAT_FLUSH_EVERY) {
		ret = stream_flush(r, lost_horizon(r));
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
		/* A packet left its CPU's backlog: the depth of later ones counts it. */
		if (sp->is_backlog && role->stage == 1 &&
		    (ret == SPAN_ADVANCED || ret == SPAN_COMPLETED)) {
			int err = backlog_depth__dequeue(&r->bq[role->span], sample->cpu,
							 sample->time);

			if (err)
				return err;
		}
		if (r->blame && (ret == SPAN_STARTED || ret == SPAN_RESTARTED)) {
			ret = blame__started(r->blame, role->span, key, sample->time);
			if (ret < 0)
				return ret;
			continue;
		}
		if (ret != SPAN_COMPLETED)
			continue;
		rec = span_engine__last(eng);
		if (sp->is_backlog) {
			bool sat;
			uint32_t d = backlog_depth__at(&r->bq[role->span], rec->cpu[1], rec->t[0],
						       rec->t[1], &sat);

			rec->qdepth = (d + 1) | (sat ? 0x80000000u : 0);
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

/*
 * A LOST record says events were lost on its CPU since the last event we
 * got from that CPU: that is the window.  Without a CPU, the window starts at
 * the oldest last-event time of any CPU (conservative).
 */
static int lat_lost(struct pdata_tool *tool, const union perf_event *event,
		    const struct pdata_sample *sample)
{
	struct lat_report *r = container_of(tool, struct lat_report, tool);
	uint64_t hi = sample && sample->time ? sample->time : r->last_time, lo = 0;
	size_t c;
	int i, err;

	/*
	 * perf record appends a LOST_SAMPLES record per event at the end, with no
	 * time, from the events' lost counters: nothing lost, or the same losses
	 * the LOST records already delimit.  Only timed records make windows.
	 */
	if (event->header.type == PERF_RECORD_LOST_SAMPLES &&
	    (!event->lost_samples.lost || !sample || !sample->time))
		return 0;
	if (event->header.type == PERF_RECORD_LOST && !event->lost.lost)
		return 0;
	if (sample && sample->cpu != (uint32_t)-1) {
		if (sample->cpu < r->nr_cpu_last)
			lo = r->cpu_last[sample->cpu];
	} else {
		lo = UINT64_MAX;
		for (c = 0; c < r->nr_cpu_last; c++)
			if (r->cpu_last[c] && r->cpu_last[c] < lo)
				lo = r->cpu_last[c];
		if (lo == UINT64_MAX)
			lo = 0;
	}
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
			ovp_warn("span %s: more than %d packets were in flight at once: the oldest "
				 "%" PRIu64 " expired before --span-timeout (counted unfinished)",
				 r->spans[i].name, SPANSPEC_MAX_OPEN, c->expired_cap);
	}
	return 0;
}

/*
 * Reporting.
 */

static const struct lat_attr *attr_of(const struct lat_report *r, uint32_t id)
{
	return id && id <= r->nr_attrs ? &r->attrs[id - 1] : NULL;
}

static const char *dev_of(const struct lat_report *r, uint32_t attr)
{
	const struct lat_attr *a = attr_of(r, attr);

	return a && a->dev ? r->devs[a->dev - 1] : NULL;
}

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

/* A set of latencies with its cross-CPU count and histogram. */
struct lat_set {
	struct ovp_values vals;
	uint64_t cross_cpu;
	/* Histograms, made from the values by set_hists() when the result is
	 * finalized (not per packet): exact either way, since every bucket of
	 * an approximate set lies within one slot of both (see set_hists()). */
	struct hist_log2 h_ns;		/* JSON */
	struct hist_log2 h_us;		/* text */
};

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

/* Group sets (per egress, CPU, device), found by a small integer id.  A
 * group may stand for another set holding the same values (@alias): the
 * only egress of a span whose last stage has one event is the span. */
struct lat_group {
	uint64_t id;
	struct lat_set set;
	struct lat_set *alias;		/* the group's set when non-NULL, else &set */
};

static struct lat_set *group_set(struct lat_group *g)
{
	return g->alias ? g->alias : &g->set;
}

/* Ids below this (CPUs, device ids, egress alternatives) find their group
 * by index, without a search. */
#define LAT_GROUP_DIRECT 256

struct lat_groups {
	struct lat_group *g;
	size_t n, cap;
	struct ovp_values_budget *budget;	/* of the groups' sets */
	uint32_t direct[LAT_GROUP_DIRECT];	/* [id]: index + 1 in g, 0 = none */
};

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

/* A completed span kept for the best/worst lists, with its completion
 * number (ties of latency and start time keep completion order). */
struct lat_kept {
	struct span_rec rec;
	uint64_t seq;
};

/* The N best (or worst) spans so far: a heap whose top is the one to go
 * first (the largest of the best, the smallest of the worst). */
struct lat_heap {
	struct lat_kept *a;
	size_t n;
	uint64_t top_lat;	/* latency of a[0] once full: most spans are decided
				 * by comparing with it alone */
};

/* Records kept in completion order (--table, --threshold-us). */
struct lat_recs {
	struct span_rec *a;
	size_t n, cap;
};

/* Everything computed for one span, as its records and hops stream in. */
struct lat_result {
	struct lat_report *r;
	struct lat_span *sp;
	size_t nr;			/* reported records (completed, not lost, filters) */
	struct lat_heap best, worst;	/* --top; sorted by result_finalize() */
	struct lat_recs table;		/* --table: the first --limit (0: all) */
	struct lat_recs over;		/* --threshold-us: those over it */
	struct lat_set full;
	struct lat_set ivl[SPAN_MAX_STAGES];	/* [k]: stage k-1 -> k */
	struct lat_set hop[SPAN_MAX_STAGES];
	struct lat_groups by_egress, by_cpu, by_dev;
	bool finalized;
};

static uint64_t rec_lat(const struct span_rec *rec, int nst)
{
	return rec->t[nst - 1] - rec->t[0];
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
		err = backlog_depth__add(&r->bq[sp - r->spans], rec->cpu[1],
					 (rec->qdepth & 0x7fffffffu) - 1, rec->qdepth >> 31);
	/* Intervals are shown for three stages or more (two: the span). */
	for (k = 1; k < nst && nst > 2 && !err; k++)
		err = set_add(&res->ivl[k], rec->t[k] - rec->t[k - 1],
			      rec->cpu[k] != rec->cpu[k - 1]);
	/* One event at the last stage: its egress group is the span (made in
	 * result_finalize()); not added twice. */
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

/*
 * The traversals of interval (k - 1 -> k).  With two stages they are the
 * spans themselves: the engine adds the hop of the last stage only together
 * with the completed span, over the same times, CPUs, attribute and LOST
 * windows; so that set is not kept twice.
 */
static struct lat_set *hop_set(struct lat_result *res, int k)
{
	return res->sp->nr_stages == 2 ? &res->full : &res->hop[k];
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
}

static void result_exit(struct lat_result *res)
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
static int stream_setup(struct lat_report *r)
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

static int stream_flush(struct lat_report *r, uint64_t horizon)
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
static struct lat_result *result_finalize(struct lat_report *r, int i)
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

static uint64_t sum_stages(const uint64_t *a, int n)
{
	uint64_t s = 0;

	for (int k = 0; k < n; k++)
		s += a[k];
	return s;
}

/*
 * Text.
 */

/* The skb address of a record (its key, unless the key is a packet identity). */
static uint64_t rec_skb(const struct lat_span *sp, const struct span_rec *rec)
{
	return sp->ident == PKTID_KEY_HEAD ? rec->skb : rec->key;
}

/* What the span's keys are: "head" (packet identity), or the key field. */
static const char *key_json(const struct lat_span *sp)
{
	if (sp->ident == PKTID_KEY_HEAD)
		return "head";
	return sp->key_name ? sp->key_name : "skb";
}

static void fmt_us(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void print_set_row(FILE *out, const char *label, struct lat_set *s)
{
	struct ovp_values *v = &s->vals;
	char b[9][32];

	/* A label wider than its column gets a line of its own. */
	if (strlen(label) > 40) {
		fprintf(out, "  %s\n", label);
		label = "";
	}
	if (!ovp_values__count(v)) {
		fprintf(out, "  %-40s %8d\n", label, 0);
		return;
	}
	fmt_us(ovp_values__min(v), b[0], 32);
	fmt_us((uint64_t)llround(ovp_values__mean(v)), b[1], 32);
	fmt_us((uint64_t)llround(ovp_values__stddev(v)), b[2], 32);
	fmt_us(ovp_values__percentile(v, 50), b[3], 32);
	fmt_us(ovp_values__percentile(v, 90), b[4], 32);
	fmt_us(ovp_values__percentile(v, 99), b[5], 32);
	fmt_us(ovp_values__percentile(v, 99.9), b[6], 32);
	fmt_us(ovp_values__max(v), b[7], 32);
	fprintf(out, "  %-40s %8zu %9s %9s %9s %9s %9s %9s %9s %9s %9" PRIu64 "%s\n", label,
		ovp_values__count(v), b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		s->cross_cpu, ovp_values__exact(v) ? "" : "  ~");
}

/* Does some statistic of @res have approximate percentiles? */
static bool result_approx(const struct lat_result *res)
{
	const struct lat_groups *gs[] = { &res->by_egress, &res->by_cpu, &res->by_dev };

	if (!ovp_values__exact(&res->full.vals))
		return true;
	for (int k = 0; k < SPAN_MAX_STAGES; k++)
		if (!ovp_values__exact(&res->ivl[k].vals) || !ovp_values__exact(&res->hop[k].vals))
			return true;
	for (size_t i = 0; i < sizeof(gs) / sizeof(gs[0]); i++)
		for (size_t j = 0; j < gs[i]->n && (i || gs[i]->n > 1); j++)	/* (as printed) */
			if (!ovp_values__exact(&group_set(&gs[i]->g[j])->vals))
				return true;
	return false;
}

static void print_stats_header(FILE *out, const char *what)
{
	fprintf(out, "  %-40s %8s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", what, "count",
		"min", "mean", "stddev", "p50", "p90", "p99", "p99.9", "max", "cross-cpu");
}

static void print_flow(FILE *out, const struct lat_report *r, uint32_t attr, const char *indent)
{
	const struct lat_attr *a = attr_of(r, attr);
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (!a || !a->flow.has)
		return;
	pktfilter_flow_addr(&a->flow, PKTFILTER_SADDR, s, sizeof(s));
	pktfilter_flow_addr(&a->flow, PKTFILTER_DADDR, d, sizeof(d));
	fprintf(out, "%sFlow: ", indent);
	if (a->flow.has & (1u << PKTFILTER_PROTO))
		fprintf(out, "proto %u ", a->flow.f[PKTFILTER_PROTO]);
	fprintf(out, a->flow.family == 6 ? "[%s]" : "%s", s);
	if (a->flow.has & (1u << PKTFILTER_SPORT))
		fprintf(out, ":%u", a->flow.f[PKTFILTER_SPORT]);
	fprintf(out, a->flow.family == 6 ? " -> [%s]" : " -> %s", d);
	if (a->flow.has & (1u << PKTFILTER_DPORT))
		fprintf(out, ":%u", a->flow.f[PKTFILTER_DPORT]);
	fputc('\n', out);
}

static int col_width(const char *name)
{
	int n = (int)strlen(name);

	return n > 18 ? n : 18;
}

/* The seed-000 table: one timestamp column per stage event. */
static void print_table(FILE *out, struct lat_report *r, struct lat_result *res)
{
	struct lat_span *sp = res->sp;
	int nst = sp->nr_stages, k, a;
	char ts[32], lat[32];
	size_t i, n = res->nr;

	if (r->limit && (size_t)r->limit < n)
		n = r->limit;
	if (n > res->table.n)
		n = res->table.n;	/* kept: the first --limit */
	/* Columns are as wide as a timestamp or their event's name. */
	fprintf(out, "CPU skb                latency(us)");
	for (k = 0; k < nst; k++)
		for (a = 0; a < sp->stages[k].nr_alts; a++)
			fprintf(out, "   %-*s", col_width(sp->stages[k].alt_names[a]),
				sp->stages[k].alt_names[a]);
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		const struct span_rec *rec = &res->table.a[i];

		snprintf(lat, sizeof(lat), "%.2f", rec_lat(rec, nst) / 1000.0);
		fprintf(out, "%03u %#018" PRIx64 " %8s   ", rec->cpu[0], rec_skb(sp, rec), lat);
		for (k = 0; k < nst; k++) {
			for (a = 0; a < sp->stages[k].nr_alts; a++) {
				int w = col_width(sp->stages[k].alt_names[a]);

				if (a == rec->alt[k])
					fprintf(out, "   %-*s", w, ovp_fmt_ns(rec->t[k], ts, sizeof(ts)));
				else
					fprintf(out, "   %-*s", w, "");
			}
		}
		fputc('\n', out);
	}
	if (n < res->nr)
		fprintf(out, "[... %zu more rows; --limit 0 shows all]\n", res->nr - n);
}

static void print_rec_line(FILE *out, const struct lat_span *sp, const struct span_rec *rec)
{
	char lat[32], ts[32];
	int nst = sp->nr_stages;

	snprintf(lat, sizeof(lat), "%.2f", rec_lat(rec, nst) / 1000.0);
	fprintf(out, "    %10s us  skb %#018" PRIx64 "  cpu", lat, rec_skb(sp, rec));
	for (int k = 0; k < nst; k++)
		fprintf(out, "%s%u", k ? ">" : " ", rec->cpu[k]);
	fprintf(out, "  at");
	for (int k = 0; k < nst; k++)
		fprintf(out, " %s", ovp_fmt_ns(rec->t[k], ts, sizeof(ts)));
	if (sp->stages[nst - 1].nr_alts > 1)
		fprintf(out, " (%s)", sp->stages[nst - 1].alt_names[rec->alt[nst - 1]]);
	fputc('\n', out);
}

/* Spans that expired, when some did (a line the report has only then). */
static void print_expired(FILE *out, const struct lat_report *r, const struct lat_span *sp,
			  const struct span_counts *c)
{
	uint64_t n = sum_stages(c->expired, sp->nr_stages);

	if (!n)
		return;
	fprintf(out, "  expired:      %" PRIu64 " of the unfinished (at stage:", n);
	for (int k = 0; k < sp->nr_stages - 1; k++)
		fprintf(out, " %s=%" PRIu64, sp->stages[k].label, c->expired[k]);
	fputc(')', out);
	if (n > c->expired_cap)
		fprintf(out, "; %" PRIu64 " open longer than %.9g s (--span-timeout)",
			n - c->expired_cap, r->span_timeout_ns / 1e9);
	if (c->expired_cap)
		fprintf(out, "; %" PRIu64 " the oldest when %d were open", c->expired_cap,
			SPANSPEC_MAX_OPEN);
	fputc('\n', out);
}

static void print_counts(FILE *out, const struct lat_report *r, const struct lat_span *sp)
{
	const struct span_counts *c = span_engine__counts(sp->eng);
	int nst = sp->nr_stages, k;
	const struct {
		const char *name;
		const uint64_t *v;
	} by_stage[] = {
		{ "unfinished", c->unfinished },
		{ "reused", c->reused },
		{ "dropped", c->dropped },
	};

	fprintf(out, "Packet counters:\n");
	fprintf(out, "  events:      ");
	for (k = 0; k < nst; k++)
		fprintf(out, " %s=%" PRIu64, sp->stages[k].label, sp->events[k]);
	fputc('\n', out);
	fprintf(out, "  started:      %" PRIu64 "\n", c->started);
	fprintf(out, "  completed:    %" PRIu64 "\n", c->completed);
	for (size_t i = 0; i < sizeof(by_stage) / sizeof(by_stage[0]); i++) {
		char label[32];

		snprintf(label, sizeof(label), "%s:", by_stage[i].name);
		fprintf(out, "  %-13s %" PRIu64, label, sum_stages(by_stage[i].v, nst));
		if (sum_stages(by_stage[i].v, nst)) {
			fprintf(out, " (at stage:");
			for (k = 0; k < nst - 1; k++)
				fprintf(out, " %s=%" PRIu64, sp->stages[k].label, by_stage[i].v[k]);
			fputc(')', out);
		}
		fputc('\n', out);
	}
	print_expired(out, r, sp, c);
	fprintf(out, "  orphan mids:  %" PRIu64 "\n", c->orphan_mids);
	fprintf(out, "  orphan ends:  %" PRIu64 "\n", c->orphan_ends);
	if (sp->ident == PKTID_KEY_HEAD)
		fprintf(out, "  clone forks:  %" PRIu64 "\n", c->forks);
	fprintf(out, "  lost windows: %" PRIu64 " spans, %" PRIu64 " hops discarded (%" PRIu64
		" LOST records)\n", c->lost_windows, c->lost_hops, c->nr_windows);
}

static void print_groups(FILE *out, const char *title, struct lat_groups *gs,
			 const struct lat_report *r, const struct lat_span *sp, int kind)
{
	char label[96];

	if (gs->n <= (kind == 0 ? 1u : 0u) && kind != 1)
		return;
	fprintf(out, "\n");
	print_stats_header(out, title);
	for (size_t i = 0; i < gs->n; i++) {
		const struct lat_group *g = &gs->g[i];

		if (kind == 0)
			snprintf(label, sizeof(label), "%s",
				 sp->stages[sp->nr_stages - 1].alt_names[g->id]);
		else if (kind == 1)
			snprintf(label, sizeof(label), "cpu %" PRIu64, g->id);
		else
			snprintf(label, sizeof(label), "%s",
				 g->id ? r->devs[g->id - 1] : "(none)");
		print_set_row(out, label, group_set(&gs->g[i]));
	}
}

/* The tail blame is over: spans at or above --threshold-us, else the p99. */
static uint64_t tail_threshold(const struct lat_report *r, struct lat_result *res)
{
	if (r->threshold_ns)
		return r->threshold_ns;
	return res->nr ? ovp_values__percentile(&res->full.vals, 99) : 0;
}

static const char blame_needs[] = "sched:sched_switch, sched:sched_wakeup, irq:softirq_entry, "
				  "irq:softirq_exit, irq:irq_handler_entry, irq:irq_handler_exit";

static void print_tail_blame(FILE *out, struct lat_report *r, struct lat_result *res)
{
	const struct blame_item *it;
	uint64_t thr = tail_threshold(r, res), spans;
	bool exact;
	size_t n;

	if (!r->blame) {
		if (!r->no_blame)
			fprintf(out, "\nWhere the time went: record %s to know\n", blame_needs);
		return;
	}
	n = blame__tail(r->blame, (int)(res->sp - r->spans), thr, &it, &spans, &exact);
	fprintf(out, "\nWhere the time went (%" PRIu64 " spans with latency >= %.3f us%s%s):\n",
		spans, thr / 1e3, r->threshold_ns ? "" : ", the p99",
		exact ? "" : "; some spans at that latency left out");
	if (!n)
		fprintf(out, "  none\n");
	else
		blame__print_items(out, r->blame, it, n, "  ");
}

static void print_threshold(FILE *out, struct lat_report *r, struct lat_result *res)
{
	struct lat_span *sp = res->sp;
	int nst = sp->nr_stages;
	struct ksyms *ks = NULL;
	bool want_syms = false;
	char ts[32], sym[256], wall[48];
	size_t i, nr = 0;
	uint64_t tod;

	for (i = 0; i < res->over.n; i++)
		if (res->over.a[i].stack)
			want_syms = true;
	if (want_syms)
		ks = analyze_ctx__ksyms(r->base.ctx);
	fprintf(out, "\nThreshold events (latency > %" PRIu64 " us):\n", r->threshold_ns / 1000);
	for (i = 0; i < res->over.n; i++) {
		const struct span_rec *rec = &res->over.a[i];
		uint64_t lat = rec_lat(rec, nst);
		const char *dev = dev_of(r, rec->attr);

		if (lat <= r->threshold_ns)
			continue;
		nr++;
		fprintf(out, "================================================================"
			"================\nHIGH LATENCY EVENT #%zu\n", nr);
		fprintf(out, "  Latency: %.3f ms (threshold: %.3f ms)\n", lat / 1e6,
			r->threshold_ns / 1e6);
		fprintf(out, "  skb: %#" PRIx64 "%s%s\n", rec_skb(sp, rec), dev ? "  device: " : "",
			dev ? dev : "");
		print_flow(out, r, rec->attr, "  ");
		fprintf(out, "  CPUs:");
		for (int k = 0; k < nst; k++)
			fprintf(out, " %s=%u", sp->stages[k].alt_names[rec->alt[k]], rec->cpu[k]);
		fputc('\n', out);
		if (rec->cpu[0] != rec->cpu[1])
			fprintf(out, "  ^^^ CROSS-CPU MIGRATION DETECTED ^^^\n");
		fprintf(out, "  Timestamps:");
		for (int k = 0; k < nst; k++)
			fprintf(out, " %s", ovp_fmt_ns(rec->t[k], ts, sizeof(ts)));
		fputc('\n', out);
		if (pdata_info__tod(pdata_session__info(r->base.ctx->session), rec->t[0], &tod))
			fprintf(out, "  Wall clock: %s\n", ovp_fmt_tod(tod, wall, sizeof(wall)));
		if (rec->qdepth)
			fprintf(out, "  Backlog depth at enqueue: %u%s packets ahead on cpu %u\n",
				(rec->qdepth & 0x7fffffffu) - 1, rec->qdepth >> 31 ? " or more" : "",
				rec->cpu[1]);
		if (r->blame) {
			const struct blame_item *it;
			size_t nb = blame__items(r->blame, rec->blame, lat, &it);

			fprintf(out, "  Where the time went:\n");
			blame__print_items(out, r->blame, it, nb, "    ");
		}
		if (rec->stack) {
			const struct lat_stack *st = &r->stacks[rec->stack - 1];

			fprintf(out, "  Kernel stack (at %s, cpu %u):\n",
				sp->stages[nst - 1].alt_names[rec->alt[nst - 1]], st->cpu);
			for (size_t j = 0; j < st->nr; j++) {
				uint64_t ip = r->stack_ips[st->off + j];

				if (ip == PERF_CONTEXT_USER)
					break;		/* the kernel part only */
				if (ip >= PERF_CONTEXT_MAX)
					continue;	/* context markers */
				ksyms__format(ks, ip, sym, sizeof(sym));
				fprintf(out, "    %s\n", sym);
			}
		} else {
			fprintf(out, "  (no kernel stack: record with -g)\n");
		}
	}
	if (!nr)
		fprintf(out, "  none\n");
}

/* ovp_values__for_each() callback: ns values into a linear histogram of us. */
static void hist_lin_add_us(void *ctx, uint64_t ns, uint64_t count)
{
	while (count--)
		hist_lin__add(ctx, ns / 1000);
}

static void print_span(FILE *out, struct lat_report *r, struct lat_result *res)
{
	struct lat_span *sp = res->sp;
	int nst = sp->nr_stages, k;
	char label[160];
	size_t i, n;

	fprintf(out, "Latency span %s: ", sp->name);
	for (k = 0; k < nst; k++)
		fprintf(out, "%s%s", k ? " -> " : "", sp->stages[k].label);
	if (sp->ident == PKTID_KEY_HEAD)
		fprintf(out, "\nIdentity: (skb->head, skb) as retis: a clone forks its parent's "
			"span; free events end a packet\n\n");
	else if (r->key_field)
		fprintf(out, "\nIdentity: key field %s\n\n", key_json(sp));
	else
		fprintf(out, "\nIdentity: skb address (field %s)%s\n\n", key_json(sp),
			sp->ident_fell_back ? "; --key head asked, but no stage event carries "
			"skb->head" : "");

	if (r->table) {
		print_table(out, r, res);
		fputc('\n', out);
	}
	n = res->best.n;
	if (n) {
		fprintf(out, "Best cases:\n");
		for (i = 0; i < n; i++)
			print_rec_line(out, sp, &res->best.a[i].rec);
		fprintf(out, "Worst cases:\n");
		for (i = 0; i < n; i++)
			print_rec_line(out, sp, &res->worst.a[i].rec);
		fputc('\n', out);
	}

	fprintf(out, "Latency (us):\n");
	print_stats_header(out, "");
	snprintf(label, sizeof(label), "span %s->%s", sp->stages[0].label,
		 sp->stages[nst - 1].label);
	print_set_row(out, label, &res->full);
	if (nst > 2) {
		for (k = 1; k < nst; k++) {
			snprintf(label, sizeof(label), "interval %s->%s", sp->stages[k - 1].label,
				 sp->stages[k].label);
			print_set_row(out, label, &res->ivl[k]);
		}
	}
	for (k = 1; k < nst; k++) {
		snprintf(label, sizeof(label), "hops %s->%s", sp->stages[k - 1].label,
			 sp->stages[k].label);
		print_set_row(out, label, hop_set(res, k));
	}
	print_groups(out, "per egress", &res->by_egress, r, sp, 0);
	print_groups(out, "per CPU (first stage)", &res->by_cpu, r, sp, 1);
	if (sp->has_dev)
		print_groups(out, "per device", &res->by_dev, r, sp, 2);
	if (result_approx(res))
		fprintf(out, "  ~ too many values to keep (%u MB for all statistics): percentiles "
			"from a log-linear\n    histogram, within 1/%d of the exact value; count, "
			"min, mean, max exact\n", LAT_VALUES_BUDGET >> 20, 1 << OVP_VALUES_SUB_BITS);
	fputc('\n', out);
	print_counts(out, r, sp);
	print_tail_blame(out, r, res);
	if (sp->is_backlog)
		backlog_depth__print(&r->bq[sp - r->spans], out);
	if (r->interval_ns)
		lat_tl__print(&r->tls[sp - r->spans], pdata_session__info(r->base.ctx->session),
			      out);

	/* Histograms, seed-001 style: one per hop interval, then the span. */
	fprintf(out, "\nLatency distributions:\n");
	for (k = 1; k < nst; k++) {
		fprintf(out, "\n  STAGE%d_%s -> STAGE%d_%s:\n", k, sp->stages[k - 1].label, k + 1,
			sp->stages[k].label);
		fprintf(out, "    Total samples: %zu\n", ovp_values__count(&hop_set(res, k)->vals));
		fprintf(out, "    Cross-CPU:     %" PRIu64 "\n", hop_set(res, k)->cross_cpu);
		fprintf(out, "    Latency distribution:\n");
		hist_log2__print_pct(&hop_set(res, k)->h_us, out, "us", 6);
	}
	if (nst > 2 || r->hist_linear) {
		fprintf(out, "\n  span %s -> %s:\n", sp->stages[0].label, sp->stages[nst - 1].label);
		fprintf(out, "    Total samples: %zu\n", res->nr);
		if (r->hist_linear && res->nr) {
			uint64_t max_us = ovp_values__max(&res->full.vals) / 1000;
			uint64_t w = r->hist_width_us ? r->hist_width_us : max_us / 20 + 1;
			struct hist_lin h;

			if (!hist_lin__init(&h, 0, (max_us / w + 1) * w, w)) {
				ovp_values__for_each(&res->full.vals, hist_lin_add_us, &h);
				fprintf(out, "    Latency distribution (us, linear, width %" PRIu64
					"):\n", w);
				hist_lin__print(&h, out, "us");
			}
			hist_lin__exit(&h);
		} else {
			fprintf(out, "    Latency distribution:\n");
			hist_log2__print_pct(&res->full.h_us, out, "us", 6);
		}
	}
	if (r->threshold_ns)
		print_threshold(out, r, res);
}

static int lat_emit_text(struct report *base, FILE *out)
{
	struct lat_report *r = container_of(base, struct lat_report, base);

	for (int i = 0; i < r->nr_spans; i++) {
		if (i)
			fputc('\n', out);
		print_span(out, r, result_finalize(r, i));
	}
	return 0;
}

/*
 * JSON (man ovsperf-json(7), reports.latency).
 */

static json_t *values_list(struct ovp_values *v, size_t k, bool highest)
{
	json_t *a = json_array();
	uint64_t *buf = calloc(k ? k : 1, sizeof(*buf));
	size_t n;

	if (!buf)
		return a;
	n = highest ? ovp_values__highest(v, k, buf) : ovp_values__lowest(v, k, buf);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(buf[i]));
	free(buf);
	return a;
}

static void set_json(json_t *o, struct lat_set *s, size_t top, bool full)
{
	struct ovp_values *v = &s->vals;

	json_object_set_new(o, "count", json_integer(ovp_values__count(v)));
	json_object_set_new(o, "min_ns", json_integer(ovp_values__min(v)));
	json_object_set_new(o, "mean_ns", json_real(ovp_values__mean(v)));
	json_object_set_new(o, "stddev_ns", json_real(ovp_values__stddev(v)));
	json_object_set_new(o, "p50_ns", json_integer(ovp_values__percentile(v, 50)));
	json_object_set_new(o, "p90_ns", json_integer(ovp_values__percentile(v, 90)));
	json_object_set_new(o, "p99_ns", json_integer(ovp_values__percentile(v, 99)));
	json_object_set_new(o, "p999_ns", json_integer(ovp_values__percentile(v, 99.9)));
	json_object_set_new(o, "max_ns", json_integer(ovp_values__max(v)));
	json_object_set_new(o, "percentiles", json_string(ovp_values__exact(v) ? "exact" : "approx"));
	if (!ovp_values__exact(v))
		json_object_set_new(o, "percentile_resolution", json_real(ovp_values__resolution(v)));
	if (full)
		json_object_set_new(o, "best_ns", values_list(v, top, false));
	json_object_set_new(o, "worst_ns", values_list(v, top, true));
	json_object_set_new(o, "cross_cpu", json_integer(s->cross_cpu));
	json_object_set_new(o, "histogram", hist_log2__to_json(&s->h_ns, "lo_ns", "hi_ns"));
}

static json_t *by_stage_json(const uint64_t *v, const struct lat_span *sp)
{
	json_t *o = json_object();

	for (int k = 0; k < sp->nr_stages - 1; k++)
		json_object_set_new(o, sp->stages[k].label, json_integer(v[k]));
	return o;
}

static json_t *rec_json(const struct lat_report *r, const struct lat_span *sp,
			const struct span_rec *rec)
{
	json_t *o = json_object(), *t = json_array(), *c = json_array(), *ev = json_array();
	const struct lat_attr *a = attr_of(r, rec->attr);
	const char *dev = dev_of(r, rec->attr);
	char buf[32];

	snprintf(buf, sizeof(buf), "%#" PRIx64, rec_skb(sp, rec));
	json_object_set_new(o, "key", json_string(buf));
	if (sp->ident == PKTID_KEY_HEAD) {
		json_object_set_new(o, "packet", json_integer(rec->key));
		json_object_set_new(o, "parent", rec->parent ? json_integer(rec->parent)
							     : json_null());
	}
	json_object_set_new(o, "latency_ns", json_integer(rec_lat(rec, sp->nr_stages)));
	for (int k = 0; k < sp->nr_stages; k++) {
		json_array_append_new(t, json_integer(rec->t[k]));
		json_array_append_new(c, json_integer(rec->cpu[k]));
		json_array_append_new(ev, json_string(sp->stages[k].alt_names[rec->alt[k]]));
	}
	json_object_set_new(o, "times_ns", t);
	json_object_set_new(o, "cpus", c);
	json_object_set_new(o, "events", ev);
	if (dev)
		json_object_set_new(o, "dev", json_string(dev));
	if (a && a->flow.has) {
		json_t *fl = json_object();
		char ip[INET6_ADDRSTRLEN];

		for (int f = PKTFILTER_SADDR; f <= PKTFILTER_DADDR; f++) {
			if (!(a->flow.has & (1u << f)))
				continue;
			pktfilter_flow_addr(&a->flow, f, ip, sizeof(ip));
			json_object_set_new(fl, f == PKTFILTER_SADDR ? "src_ip" : "dst_ip", json_string(ip));
		}
		if (a->flow.has & (1u << PKTFILTER_SPORT))
			json_object_set_new(fl, "src_port", json_integer(a->flow.f[PKTFILTER_SPORT]));
		if (a->flow.has & (1u << PKTFILTER_DPORT))
			json_object_set_new(fl, "dst_port", json_integer(a->flow.f[PKTFILTER_DPORT]));
		if (a->flow.has & (1u << PKTFILTER_PROTO))
			json_object_set_new(fl, "protocol", json_integer(a->flow.f[PKTFILTER_PROTO]));
		json_object_set_new(o, "flow", fl);
	}
	if (rec->qdepth)
		json_object_set_new(o, "backlog_depth",
				    json_integer((rec->qdepth & 0x7fffffffu) - 1));
	if (r->blame) {
		const struct blame_item *it;
		size_t n = blame__items(r->blame, rec->blame, rec_lat(rec, sp->nr_stages), &it);

		json_object_set_new(o, "blame", blame__items_json(r->blame, it, n));
	}
	return o;
}

static json_t *groups_json(struct lat_groups *gs, const struct lat_report *r,
			   const struct lat_span *sp, int kind, size_t top)
{
	json_t *a = json_array();

	for (size_t i = 0; i < gs->n; i++) {
		json_t *o = json_object();
		uint64_t id = gs->g[i].id;

		if (kind == 0)
			json_object_set_new(o, "event", json_string(
				sp->stages[sp->nr_stages - 1].alt_names[id]));
		else if (kind == 1)
			json_object_set_new(o, "cpu", json_integer(id));
		else
			json_object_set_new(o, "dev", id ? json_string(r->devs[id - 1])
							 : json_null());
		set_json(o, group_set(&gs->g[i]), top, false);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *span_json(struct lat_report *r, struct lat_result *res)
{
	struct lat_span *sp = res->sp;
	const struct span_counts *c = span_engine__counts(sp->eng);
	json_t *o = json_object(), *stages = json_array();
	int nst = sp->nr_stages, k;
	size_t top = r->top;
	char name[512];

	json_object_set_new(o, "name", json_string(sp->name));
	for (k = 0; k < nst; k++) {
		json_t *st = json_array();

		for (int a = 0; a < sp->stages[k].nr_alts; a++)
			json_array_append_new(st, json_string(sp->stages[k].alt_names[a]));
		json_array_append_new(stages, st);
	}
	json_object_set_new(o, "stages", stages);
	json_object_set_new(o, "key", json_string(key_json(sp)));
	json_object_set_new(o, "identity", json_string(sp->ident == PKTID_KEY_HEAD ? "head" :
						       r->key_field ? "field" : "skb"));
	json_object_set_new(o, "identity_requested",
			    json_string(r->key_field ? "field" : pktid_key_name(r->want_key)));
	json_object_set_new(o, "forks", json_integer(c->forks));
	set_json(o, &res->full, top, true);
	json_object_set_new(o, "unfinished", json_integer(sum_stages(c->unfinished, nst)));
	json_object_set_new(o, "orphan_mids", json_integer(c->orphan_mids));
	json_object_set_new(o, "orphan_ends", json_integer(c->orphan_ends));
	json_object_set_new(o, "reused", json_integer(sum_stages(c->reused, nst)));
	json_object_set_new(o, "dropped", json_integer(sum_stages(c->dropped, nst)));
	json_object_set_new(o, "lost_windows", json_integer(c->lost_windows));
	json_object_set_new(o, "lost_hops", json_integer(c->lost_hops));
	json_object_set_new(o, "started", json_integer(c->started));
	json_object_set_new(o, "completed", json_integer(c->completed));
	{
		json_t *ev = json_object();

		for (k = 0; k < nst; k++)
			json_object_set_new(ev, sp->stages[k].label, json_integer(sp->events[k]));
		json_object_set_new(o, "events_by_stage", ev);
	}
	json_object_set_new(o, "unfinished_by_stage", by_stage_json(c->unfinished, sp));
	json_object_set_new(o, "reused_by_stage", by_stage_json(c->reused, sp));
	json_object_set_new(o, "dropped_by_stage", by_stage_json(c->dropped, sp));
	/* Only when some span expired: other reports keep their bytes. */
	if (sum_stages(c->expired, nst)) {
		json_object_set_new(o, "expired", json_integer(sum_stages(c->expired, nst)));
		json_object_set_new(o, "expired_by_stage", by_stage_json(c->expired, sp));
		json_object_set_new(o, "expired_cap", json_integer(c->expired_cap));
		json_object_set_new(o, "span_timeout_ns", json_integer(r->span_timeout_ns));
	}

	if (nst > 2) {
		json_t *iv = json_array();

		for (k = 1; k < nst; k++) {
			json_t *i = json_object();

			snprintf(name, sizeof(name), "%s->%s", sp->stages[k - 1].label,
				 sp->stages[k].label);
			json_object_set_new(i, "name", json_string(name));
			set_json(i, &res->ivl[k], top, false);
			json_array_append_new(iv, i);
		}
		json_object_set_new(o, "intervals", iv);
	}
	{
		/* hops[] for every span: with two stages the one interval's
		 * traversals, which are the spans (hop_set()). */
		json_t *hp = json_array();

		for (k = 1; k < nst; k++) {
			json_t *i = json_object();

			snprintf(name, sizeof(name), "%s->%s", sp->stages[k - 1].label,
				 sp->stages[k].label);
			json_object_set_new(i, "name", json_string(name));
			set_json(i, hop_set(res, k), top, false);
			json_array_append_new(hp, i);
		}
		json_object_set_new(o, "hops", hp);
	}
	if (r->blame) {
		const struct blame_item *it;
		uint64_t thr = tail_threshold(r, res), spans;
		json_t *bl = json_object();
		bool exact;
		size_t n = blame__tail(r->blame, (int)(sp - r->spans), thr, &it, &spans, &exact);

		json_object_set_new(bl, "threshold_ns", json_integer(thr));
		json_object_set_new(bl, "spans", json_integer(spans));
		json_object_set_new(bl, "exact", json_boolean(exact));
		json_object_set_new(bl, "truncated", json_integer(blame__truncated(r->blame)));
		json_object_set_new(bl, "items", blame__items_json(r->blame, it, n));
		json_object_set_new(o, "blame", bl);
	} else {
		json_object_set_new(o, "blame", json_null());
	}
	if (sp->is_backlog)
		json_object_set_new(o, "backlog_depth", backlog_depth__json(&r->bq[sp - r->spans]));
	if (r->interval_ns) {
		json_object_set_new(o, "interval_ns", json_integer(r->interval_ns));
		json_object_set_new(o, "timeline",
				    lat_tl__json(&r->tls[sp - r->spans],
						 pdata_session__info(r->base.ctx->session)));
	}
	json_object_set_new(o, "by_egress", groups_json(&res->by_egress, r, sp, 0, top));
	json_object_set_new(o, "by_cpu", groups_json(&res->by_cpu, r, sp, 1, top));
	if (sp->has_dev)
		json_object_set_new(o, "by_dev", groups_json(&res->by_dev, r, sp, 2, top));
	{
		json_t *best = json_array(), *worst = json_array();

		for (size_t i = 0; i < res->best.n; i++) {
			json_array_append_new(best, rec_json(r, sp, &res->best.a[i].rec));
			json_array_append_new(worst, rec_json(r, sp, &res->worst.a[i].rec));
		}
		json_object_set_new(o, "best", best);
		json_object_set_new(o, "worst", worst);
	}
	if (r->table) {
		json_t *rows = json_array();
		for (size_t i = 0; i < res->table.n; i++)
			json_array_append_new(rows, rec_json(r, sp, &res->table.a[i]));
		json_object_set_new(o, "packets", rows);
	}
	if (r->threshold_ns) {
		json_t *ev = json_array();
		struct ksyms *ks = NULL;
		char sym[256];

		for (size_t i = 0; i < res->over.n; i++) {
			const struct span_rec *rec = &res->over.a[i];
			json_t *e = rec_json(r, sp, rec);

			if (rec->stack) {
				const struct lat_stack *st = &r->stacks[rec->stack - 1];
				json_t *stack = json_array();

				if (!ks)
					ks = analyze_ctx__ksyms(r->base.ctx);
				for (size_t j = 0; j < st->nr; j++) {
					uint64_t ip = r->stack_ips[st->off + j];

					if (ip == PERF_CONTEXT_USER)
						break;
					if (ip >= PERF_CONTEXT_MAX)
						continue;
					ksyms__format(ks, ip, sym, sizeof(sym));
					json_array_append_new(stack, json_string(sym));
				}
				json_object_set_new(e, "stack", stack);
			}
			json_array_append_new(ev, e);
		}
		json_object_set_new(o, "threshold_ns", json_integer(r->threshold_ns));
		json_object_set_new(o, "over_threshold", ev);
	}
	return o;
}

static int lat_emit_json(struct report *base, json_t *reports)
{
	struct lat_report *r = container_of(base, struct lat_report, base);
	json_t *o = json_object(), *spans = json_array();

	for (int i = 0; i < r->nr_spans; i++)
		json_array_append_new(spans, span_json(r, result_finalize(r, i)));
	json_object_set_new(o, "spans", spans);
	json_object_set_new(reports, "latency", o);
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
	struct lat_report *r;

	if (!base)
		return;
	r = container_of(base, struct lat_report, base);
	for (int i = 0; i < r->nr_spans && r->results; i++)
		result_exit(&r->results[i]);
	free(r->results);
	for (int i = 0; i < r->nr_spans; i++) {
		struct lat_span *sp = &r->spans[i];

		span_engine__delete(sp->eng);
		pktid_table__delete(sp->ids);
		for (int k = 0; k < SPAN_MAX_STAGES; k++) {
			for (int a = 0; a < MAX_ALTS; a++)
				free(sp->stages[k].alt_names[a]);
			free(sp->stages[k].label);
		}
		free(sp->name);
	}
	for (size_t i = 0; i < r->nr_devs; i++)
		free(r->devs[i]);
	free(r->devs);
	free(r->attrs);
	free(r->attr_tab);
	free(r->dev_attr);
	free(r->dev_keys);
	free(r->dev_keyed);
	free(r->dev_tab);
	free(r->stacks);
	free(r->stack_ips);
	free(r->cpu_last);
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
	.emit_text = lat_emit_text,
	.emit_json = lat_emit_json,
	.destroy = lat_destroy,
};
