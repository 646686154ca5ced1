/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/latency-local.h - what the files of the latency report share:
 * the report's state (options, spans, event map, interned attributes) and
 * the result each span's engine streams into.
 *
 *	report/latency.c         options, the pdata_tool callbacks feeding the
 *	                         span engines, life cycle
 *	report/latency-result.c  the engines' sinks: completed spans and hops
 *	                         into statistics, groups, best/worst lists
 *	report/latency-model.c   model(): the results as reports.latency
 *	                         (ovsperf-json(7)) plus '_' members for the text
 *
 * The text writer (out/text-latency.c) reads only the model.
 */
#ifndef OVSPERF_REPORT_LATENCY_LOCAL_H
#define OVSPERF_REPORT_LATENCY_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "report/report.h"
#include "decode/devkey.h"
#include "decode/pktfilter.h"
#include "engine/backlog-depth.h"
#include "engine/blame.h"
#include "engine/latency-timeline.h"
#include "engine/pktid.h"
#include "engine/lostwin.h"
#include "engine/span.h"
#include "engine/spanspec.h"
#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/hist.h"
#include "ovsperf/hmap.h"
#include "ovsperf/intern.h"
#include "ovsperf/stats.h"

extern const struct report_ops report_latency_ops;

#define MAX_SPANS 4
#define MAX_ALTS SPANSPEC_MAX_ALTS
#define MAX_ROLES 4


/* Presets, free events and key fields: engine/spanspec.h (shared with the timeline
 * export). */

/* Device and flow of a packet, interned: spans carry the id (index + 1).
 * Hashed and compared as words: no padding. */
/* Caps of the interned device names and attributes (see struct lat_report):
 * each device has a row of statistics per span (a few KB), hence fewer
 * devices than other reports keep. */
#define LAT_MAX_DEVS 4096
#define LAT_MAX_ATTRS 262144

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
	struct backlog_depth *bq;	/* the backlog preset's depth (stage 1
					 * dequeues) in lat_report.bq, else NULL */
	struct pktid_table *ids;	/* packet identities (ident head) */
	uint64_t events[SPAN_MAX_STAGES];	/* events seen per stage */
	int nr_ignored;			/* events left out (spanspec): all */
	char *ignored[SPANSPEC_MAX_IGNORED][2];	/* the first: (left out, used) */
};

/* Stored kernel stacks (threshold mode): rec->stack = index + 1. */
struct lat_stack {
	size_t off, nr;			/* into stack_ips */
	uint32_t cpu;			/* of the completing event */
};

/* A device name short enough to have a key (dev_key_of()), so that the hot
 * path finds its id from the event's bytes without copying the name. */
struct lat_dev_key {
	struct ovp_hmap_node node;	/* in lat_report.dev_keys */
	struct dev_key k;
	uint32_t id;			/* its id in lat_report.devs */
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

	/* Interned attributes and device names, capped (ovsperf-analyze(1),
	 * LIMITS): past LAT_MAX_DEVS names an event has no device, past
	 * LAT_MAX_ATTRS (device, flow) pairs no attribute (one warning each). */
	struct ovp_intern attrs;	/* struct lat_attr, by attr id */
	struct ovp_intern devs;		/* device names, by dev id */
	uint32_t *dev_attr;		/* [dev id - 1]: attr id of the device alone, 0 = not yet */
	size_t nr_dev_attr;
	struct ovp_hmap dev_keys;	/* struct lat_dev_key by key: names under 16 bytes */

	/* Stacks of spans over --threshold-us. */
	struct lat_stack *stacks;
	size_t nr_stacks, cap_stacks;
	uint64_t *stack_ips;
	size_t nr_ips, cap_ips;

	/* LOST windows (engine/lostwin.h) and the last sample time. */
	struct lostwin lostw;		/* last sample time per CPU: LOST windows */
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


/* A set of latencies with its cross-CPU count and histogram. */
struct lat_set {
	struct ovp_values vals;
	uint64_t cross_cpu;
	/* Histograms, made from the values by set_hists() when the result is
	 * finalized (not per packet): exact either way, since every bucket of
	 * an approximate set lies within one slot of both (see set_hists()). */
	struct hist_log2 h_ns;		/* JSON */
	struct hist_log2 h_us;		/* text */
	/* Its standard deviation, a pass over all values: computed once by
	 * the model, though a group may show the same set again (@alias). */
	double stddev;
	bool has_stddev;
};

/* Group sets (per egress, CPU, device), found by a small integer id.  A
 * group may stand for another set holding the same values (@alias): the
 * only egress of a span whose last stage has one event is the span. */
struct lat_group {
	uint64_t id;
	struct lat_set set;
	struct lat_set *alias;		/* the group's set when non-NULL, else &set */
};

/* Ids below this (CPUs, device ids, egress alternatives) find their group
 * by index, without a search. */
#define LAT_GROUP_DIRECT 256

/* At most this many per-CPU rows (distinct CPU numbers of first stages):
 * packets of CPUs beyond are in every other table, not in a row. */
#define LAT_MAX_CPU_ROWS 1024

struct lat_groups {
	struct lat_group *g;
	size_t n, cap;
	size_t max;				/* groups at most; 0: no cap */
	uint64_t refused;			/* packets of groups beyond max */
	struct ovp_values_budget *budget;	/* of the groups' sets */
	uint32_t direct[LAT_GROUP_DIRECT];	/* [id]: index + 1 in g, 0 = none */
};

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

static inline const struct lat_attr *attr_of(const struct lat_report *r, uint32_t id)
{
	return id && id <= ovp_intern__count(&r->attrs) ? ovp_intern__key(&r->attrs, id, NULL)
							 : NULL;
}

static inline const char *dev_of(const struct lat_report *r, uint32_t attr)
{
	const struct lat_attr *a = attr_of(r, attr);

	return a && a->dev ? ovp_intern__str(&r->devs, a->dev) : NULL;
}

static inline struct lat_set *group_set(struct lat_group *g)
{
	return g->alias ? g->alias : &g->set;
}

static inline uint64_t rec_lat(const struct span_rec *rec, int nst)
{
	return rec->t[nst - 1] - rec->t[0];
}

/*
 * The traversals of interval (k - 1 -> k).  With two stages they are the
 * spans themselves: the engine adds the hop of the last stage only together
 * with the completed span, over the same times, CPUs, attribute and LOST
 * windows; so that set is not kept twice.
 */
static inline struct lat_set *hop_set(struct lat_result *res, int k)
{
	return res->sp->nr_stages == 2 ? &res->full : &res->hop[k];
}

static inline uint64_t sum_stages(const uint64_t *a, int n)
{
	uint64_t s = 0;

	for (int k = 0; k < n; k++)
		s += a[k];
	return s;
}

/* report/latency-result.c: every span's engine streams into r->results
 * (called once the spans are known); the engines are told how far LOST
 * windows can still reach back; after the last record, result @i in the
 * order the model shows it; freeing. */
int lat_stream_setup(struct lat_report *r);
int lat_stream_flush(struct lat_report *r, uint64_t horizon);
struct lat_result *lat_result_finalize(struct lat_report *r, int i);
void lat_result_exit(struct lat_result *res);

/* report/latency-model.c: report_ops.model of the latency report. */
int lat_model(struct report *base, json_t **model);

#endif /* OVSPERF_REPORT_LATENCY_LOCAL_H */
