// SPDX-License-Identifier: Apache-2.0
/*
 * out/text-latency.c - the text writer of the latency report: prints the
 * report's model (reports.latency of ovsperf-json(7), built by
 * report/latency-model.c) and reads nothing else.
 *
 * Per span, in this order: the span and its identity, the --table rows, the
 * best and worst packets, the statistics of the span, its intervals and hops
 * and per egress, CPU and device, the packet counters, where the time of the
 * tail went (blame), the backlog depth (backlog preset), the latency over
 * time (--interval), the histograms and the --threshold-us events.
 *
 * Besides the public members it reads the model's '_' members (documented
 * where the model is built): the histograms of microseconds, the linear
 * histogram, the number of LOST records and the facts of a few lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out/text.h"
#include "ovsperf/err.h"
#include "ovsperf/hist.h"
#include "ovsperf/stats.h"
#include "ovsperf/strutil.h"

/* The model's unsigned numbers (jansson keeps them as json_int_t). */
static uint64_t u64(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static bool is(const json_t *o, const char *key, const char *value)
{
	return !strcmp(str(o, key), value);
}

/* A span's stages: the labels (alternatives joined by ',') and the event
 * names of each stage. */
struct span_view {
	const json_t *o;		/* the span's object */
	int nst;			/* stages */
	const json_t *stages;		/* [stage]: array of event names */
	char **label;			/* [stage] */
};

static int view_init(struct span_view *v, const json_t *o)
{
	const json_t *alts, *name;
	size_t k, a;

	memset(v, 0, sizeof(*v));
	v->o = o;
	v->stages = json_object_get(o, "stages");
	v->nst = (int)json_array_size(v->stages);
	v->label = calloc(v->nst ? v->nst : 1, sizeof(*v->label));
	if (!v->label)
		return -1;
	json_array_foreach(v->stages, k, alts) {
		size_t sz = 1;

		json_array_foreach(alts, a, name)
			sz += strlen(json_string_value(name)) + 1;
		v->label[k] = calloc(1, sz);
		if (!v->label[k])
			return -1;
		json_array_foreach(alts, a, name) {
			if (a)
				strcat(v->label[k], ",");
			strcat(v->label[k], json_string_value(name));
		}
	}
	return 0;
}

static void view_exit(struct span_view *v)
{
	for (int k = 0; v->label && k < v->nst; k++)
		free(v->label[k]);
	free(v->label);
}

static size_t nr_alts(const struct span_view *v, int k)
{
	return json_array_size(json_array_get(v->stages, k));
}

static const char *alt_name(const struct span_view *v, int k, size_t a)
{
	return json_string_value(json_array_get(json_array_get(v->stages, k), a));
}

/* A record's values at stage @k. */
static uint64_t rec_time(const json_t *rec, int k)
{
	return (uint64_t)json_integer_value(json_array_get(json_object_get(rec, "times_ns"), k));
}

static unsigned int rec_cpu(const json_t *rec, int k)
{
	return (unsigned int)json_integer_value(json_array_get(json_object_get(rec, "cpus"), k));
}

static const char *rec_event(const json_t *rec, int k)
{
	return json_string_value(json_array_get(json_object_get(rec, "events"), k));
}

/* The skb address of a record (its "key", written "%#" PRIx64). */
static uint64_t rec_skb(const json_t *rec)
{
	return strtoull(str(rec, "key"), NULL, 16);
}

/* A log2 histogram back from its JSON buckets ({lo, hi, count}). */
static void hist_log2_of(struct hist_log2 *h, const json_t *buckets, const char *lo_key)
{
	const json_t *b, *lo;
	size_t i;

	memset(h, 0, sizeof(*h));
	json_array_foreach(buckets, i, b) {
		unsigned int slot;
		uint64_t n = u64(b, "count");

		lo = json_object_get(b, lo_key);
		/* Bounds past INT64_MAX are reals: the last slot. */
		slot = json_is_integer(lo) ? hist_log2__slot((uint64_t)json_integer_value(lo))
					   : HIST_LOG2_SLOTS - 1;
		h->slots[slot] += n;
		h->count += n;
	}
}

static void fmt_us(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void print_stats_header(FILE *out, const char *what)
{
	fprintf(out, "  %-40s %8s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", what, "count",
		"min", "mean", "stddev", "p50", "p90", "p99", "p99.9", "max", "cross-cpu");
}

/* One statistics row of a set ({count, min_ns, mean_ns, ...}). */
static void print_set_row(FILE *out, const char *label, const json_t *s)
{
	static const char *const keys[] = { "min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns",
					     "max_ns" };
	char b[8][32];
	uint64_t count = u64(s, "count");

	/* A label wider than its column gets a line of its own. */
	if (strlen(label) > 40) {
		fprintf(out, "  %s\n", label);
		label = "";
	}
	if (!count) {
		fprintf(out, "  %-40s %8d\n", label, 0);
		return;
	}
	for (int i = 0; i < 6; i++)
		fmt_us(u64(s, keys[i]), b[i], 32);
	fmt_us((uint64_t)llround(json_real_value(json_object_get(s, "mean_ns"))), b[6], 32);
	fmt_us((uint64_t)llround(json_real_value(json_object_get(s, "stddev_ns"))), b[7], 32);
	fprintf(out, "  %-40s %8" PRIu64 " %9s %9s %9s %9s %9s %9s %9s %9s %9" PRIu64 "%s\n",
		label, count, b[0], b[6], b[7], b[1], b[2], b[3], b[4], b[5],
		u64(s, "cross_cpu"), is(s, "percentiles", "exact") ? "" : "  ~");
}

static bool set_approx(const json_t *s)
{
	return !is(s, "percentiles", "exact");
}

/* Does some statistic the text shows have approximate percentiles? */
static bool span_approx(const json_t *o)
{
	static const char *const lists[] = { "intervals", "hops", "by_egress", "by_cpu", "by_dev" };
	const json_t *s;
	size_t i, j;

	if (set_approx(o))
		return true;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const json_t *a = json_object_get(o, lists[i]);

		/* One egress is not shown (it is the span). */
		if (i == 2 && json_array_size(a) <= 1)
			continue;
		json_array_foreach(a, j, s)
			if (set_approx(s))
				return true;
	}
	return false;
}

static void print_flow(FILE *out, const json_t *rec, const char *indent)
{
	const json_t *fl = json_object_get(rec, "flow");
	bool v6 = json_is_true(json_object_get(fl, "_ipv6"));
	const char *s, *d;

	if (!fl)
		return;
	s = json_object_get(fl, "src_ip") ? str(fl, "src_ip") : "?";
	d = json_object_get(fl, "dst_ip") ? str(fl, "dst_ip") : "?";
	fprintf(out, "%sFlow: ", indent);
	if (json_object_get(fl, "protocol"))
		fprintf(out, "proto %u ", (unsigned int)u64(fl, "protocol"));
	fprintf(out, v6 ? "[%s]" : "%s", s);
	if (json_object_get(fl, "src_port"))
		fprintf(out, ":%u", (unsigned int)u64(fl, "src_port"));
	fprintf(out, v6 ? " -> [%s]" : " -> %s", d);
	if (json_object_get(fl, "dst_port"))
		fprintf(out, ":%u", (unsigned int)u64(fl, "dst_port"));
	fputc('\n', out);
}

/* Blame items ({kind, name, tid, pid, irq, ns, runnable_ns}) as rows. */
static void print_blame_items(FILE *out, const json_t *items, const char *indent)
{
	const json_t *it;
	uint64_t total = 0;
	char who[64];
	size_t i;

	json_array_foreach(items, i, it)
		total += u64(it, "ns");
	fprintf(out, "%s%-8s %-36s %12s %7s %14s\n", indent, "kind", "name", "time (us)", "share",
		"runnable (us)");
	json_array_foreach(items, i, it) {
		const char *name = str(it, "name");
		const json_t *pid = json_object_get(it, "pid");
		bool task = is(it, "kind", "task");
		uint64_t ns = u64(it, "ns"), runnable = u64(it, "runnable_ns");

		if (task && json_is_integer(pid))
			snprintf(who, sizeof(who), "%s (tid %u, pid %d)", name,
				 (unsigned int)u64(it, "tid"), (int)json_integer_value(pid));
		else if (task)
			snprintf(who, sizeof(who), "%s (tid %u)", name, (unsigned int)u64(it, "tid"));
		else if (is(it, "kind", "hardirq"))
			snprintf(who, sizeof(who), "%s (irq %u)", name, (unsigned int)u64(it, "irq"));
		else
			snprintf(who, sizeof(who), "%s", name);
		fprintf(out, "%s%-8s %-36s %12.3f %6.1f%%", indent, str(it, "kind"), who, ns / 1e3,
			total ? 100.0 * ns / total : 0.0);
		if (task && runnable)
			fprintf(out, " %14.3f", runnable / 1e3);
		fputc('\n', out);
	}
}

static int col_width(const char *name)
{
	int n = (int)strlen(name);

	return n > 18 ? n : 18;
}

/* The --table rows: one timestamp column per stage event. */
static void print_table(FILE *out, const struct span_view *v)
{
	const json_t *rows = json_object_get(v->o, "packets"), *rec;
	uint64_t nr = u64(v->o, "count");
	char ts[32], lat[32];
	size_t i, a, n = json_array_size(rows);
	int k;

	/* Columns are as wide as a timestamp or their event's name. */
	fprintf(out, "CPU skb                latency(us)");
	for (k = 0; k < v->nst; k++)
		for (a = 0; a < nr_alts(v, k); a++)
			fprintf(out, "   %-*s", col_width(alt_name(v, k, a)), alt_name(v, k, a));
	fputc('\n', out);
	json_array_foreach(rows, i, rec) {
		snprintf(lat, sizeof(lat), "%.2f", u64(rec, "latency_ns") / 1000.0);
		fprintf(out, "%03u %#018" PRIx64 " %8s   ", rec_cpu(rec, 0), rec_skb(rec), lat);
		for (k = 0; k < v->nst; k++) {
			for (a = 0; a < nr_alts(v, k); a++) {
				int w = col_width(alt_name(v, k, a));

				if (!strcmp(alt_name(v, k, a), rec_event(rec, k)))
					fprintf(out, "   %-*s", w, ovp_fmt_ns(rec_time(rec, k), ts,
									 sizeof(ts)));
				else
					fprintf(out, "   %-*s", w, "");
			}
		}
		fputc('\n', out);
	}
	if (n < nr)
		fprintf(out, "[... %" PRIu64 " more rows; --limit 0 shows all]\n", nr - n);
}

static void print_rec_line(FILE *out, const struct span_view *v, const json_t *rec)
{
	char lat[32], ts[32];
	int nst = v->nst;

	snprintf(lat, sizeof(lat), "%.2f", u64(rec, "latency_ns") / 1000.0);
	fprintf(out, "    %10s us  skb %#018" PRIx64 "  cpu", lat, rec_skb(rec));
	for (int k = 0; k < nst; k++)
		fprintf(out, "%s%u", k ? ">" : " ", rec_cpu(rec, k));
	fprintf(out, "  at");
	for (int k = 0; k < nst; k++)
		fprintf(out, " %s", ovp_fmt_ns(rec_time(rec, k), ts, sizeof(ts)));
	if (nr_alts(v, nst - 1) > 1)
		fprintf(out, " (%s)", rec_event(rec, nst - 1));
	fputc('\n', out);
}

/* " LABEL=N" for the stages but the last, from a {label: N} object. */
static void print_by_stage(FILE *out, const struct span_view *v, const char *key)
{
	const json_t *o = json_object_get(v->o, key);

	for (int k = 0; k < v->nst - 1; k++)
		fprintf(out, " %s=%" PRIu64, v->label[k], u64(o, v->label[k]));
}

/* Spans that expired, when some did (a line the report has only then). */
static void print_expired(FILE *out, const struct span_view *v)
{
	uint64_t n = u64(v->o, "expired"), cap = u64(v->o, "expired_cap");

	if (!n)
		return;
	fprintf(out, "  expired:      %" PRIu64 " of the unfinished (at stage:", n);
	print_by_stage(out, v, "expired_by_stage");
	fputc(')', out);
	if (n > cap)
		fprintf(out, "; %" PRIu64 " open longer than %.9g s (--span-timeout)", n - cap,
			u64(v->o, "span_timeout_ns") / 1e9);
	if (cap)
		fprintf(out, "; %" PRIu64 " the oldest when %d were open", cap,
			(int)u64(v->o, "_max_open"));
	fputc('\n', out);
}

static void print_counts(FILE *out, const struct span_view *v)
{
	static const char *const by_stage[] = { "unfinished", "reused", "dropped" };
	const json_t *o = v->o, *ev = json_object_get(o, "events_by_stage");
	int k;

	fprintf(out, "Packet counters:\n");
	fprintf(out, "  events:      ");
	for (k = 0; k < v->nst; k++)
		fprintf(out, " %s=%" PRIu64, v->label[k], u64(ev, v->label[k]));
	fputc('\n', out);
	fprintf(out, "  started:      %" PRIu64 "\n", u64(o, "started"));
	fprintf(out, "  completed:    %" PRIu64 "\n", u64(o, "completed"));
	for (size_t i = 0; i < sizeof(by_stage) / sizeof(by_stage[0]); i++) {
		char label[32], key[32];

		snprintf(label, sizeof(label), "%s:", by_stage[i]);
		fprintf(out, "  %-13s %" PRIu64, label, u64(o, by_stage[i]));
		if (u64(o, by_stage[i])) {
			fprintf(out, " (at stage:");
			snprintf(key, sizeof(key), "%s_by_stage", by_stage[i]);
			print_by_stage(out, v, key);
			fputc(')', out);
		}
		fputc('\n', out);
	}
	print_expired(out, v);
	fprintf(out, "  orphan mids:  %" PRIu64 "\n", u64(o, "orphan_mids"));
	fprintf(out, "  orphan ends:  %" PRIu64 "\n", u64(o, "orphan_ends"));
	if (is(o, "identity", "head"))
		fprintf(out, "  clone forks:  %" PRIu64 "\n", u64(o, "forks"));
	fprintf(out, "  lost windows: %" PRIu64 " spans, %" PRIu64 " hops discarded (%" PRIu64
		" LOST records)\n", u64(o, "lost_windows"), u64(o, "lost_hops"),
		u64(o, "_lost_records"));
}

/* by_egress (kind 0, shown with two egresses or more), by_cpu (1, always),
 * by_dev (2, when some device was seen). */
static void print_groups(FILE *out, const char *title, const struct span_view *v,
			 const char *key, int kind)
{
	const json_t *gs = json_object_get(v->o, key), *g;
	char label[96];
	size_t i;

	if (json_array_size(gs) <= (kind == 0 ? 1u : 0u) && kind != 1)
		return;
	fprintf(out, "\n");
	print_stats_header(out, title);
	json_array_foreach(gs, i, g) {
		if (kind == 0)
			snprintf(label, sizeof(label), "%s", str(g, "event"));
		else if (kind == 1)
			snprintf(label, sizeof(label), "cpu %" PRIu64, u64(g, "cpu"));
		else
			snprintf(label, sizeof(label), "%s",
				 json_is_string(json_object_get(g, "dev")) ? str(g, "dev")
									  : "(none)");
		print_set_row(out, label, g);
	}
}

static void print_tail_blame(FILE *out, const json_t *o)
{
	const json_t *bl = json_object_get(o, "blame"), *items;

	if (!json_is_object(bl)) {
		if (json_object_get(o, "_blame_needs"))
			fprintf(out, "\nWhere the time went: record %s to know\n",
				str(o, "_blame_needs"));
		return;
	}
	items = json_object_get(bl, "items");
	fprintf(out, "\nWhere the time went (%" PRIu64 " spans with latency >= %.3f us%s%s):\n",
		u64(bl, "spans"), u64(bl, "threshold_ns") / 1e3,
		json_object_get(o, "threshold_ns") ? "" : ", the p99",
		json_is_true(json_object_get(bl, "exact")) ? "" :
		"; some spans at that latency left out");
	if (!json_array_size(items))
		fprintf(out, "  none\n");
	else
		print_blame_items(out, items, "  ");
}

/* The backlog preset's queue depth at enqueue. */
static void print_backlog_depth(FILE *out, const json_t *d)
{
	const json_t *c;
	uint64_t count = u64(d, "count");
	size_t i;

	fprintf(out, "\nBacklog queue depth at enqueue (packets ahead on the CPU's backlog):\n");
	fprintf(out, "  %-10s %10s %10s %10s\n", "cpu", "packets", "mean", "max");
	json_array_foreach(json_object_get(d, "by_cpu"), i, c)
		fprintf(out, "  cpu %-6zu %10" PRIu64 " %10.2f %10" PRIu64 "\n",
			(size_t)u64(c, "cpu"), u64(c, "count"),
			json_real_value(json_object_get(c, "mean")), u64(c, "max"));
	if (count)
		fprintf(out, "  %-10s %10" PRIu64 " %10.2f %10" PRIu64 "\n", "all", count,
			json_real_value(json_object_get(d, "mean")), u64(d, "max"));
	if (u64(d, "saturated"))
		fprintf(out, "  %" PRIu64 " packets had more than %u ahead (counted as %u)\n",
			u64(d, "saturated"), (unsigned int)u64(d, "_keep"),
			(unsigned int)u64(d, "_keep"));
	if (count) {
		struct hist_log2 h;

		hist_log2_of(&h, json_object_get(d, "depth_histogram"), "lo");
		fprintf(out, "    Depth distribution:\n");
		hist_log2__print_pct(&h, out, "pkts", 6);
	}
}

/* --interval: the timeline's buckets; stamps are wall clock (start_utc)
 * when the recording has CLOCK_DATA, else seconds since the first bucket. */
static void print_timeline(FILE *out, const json_t *o)
{
	const json_t *tl = json_object_get(o, "timeline"), *b;
	bool wall = json_is_true(json_object_get(o, "_wall_clock"));
	uint64_t origin = u64(json_array_get(tl, 0), "start_ns");
	char ts[64];
	size_t i;

	fprintf(out, "\nLatency over time (spans by completion time, %.6f s buckets, %s):\n",
		u64(o, "interval_ns") / 1e9, wall ? "UTC from the recording's CLOCK_DATA" :
		"seconds since the first sample; record with -k mono for wall-clock time");
	fprintf(out, "  %-26s %10s %12s %12s %12s %8s\n", "start", "count", "p50 (us)", "p99 (us)",
		"max (us)", "drops");
	json_array_foreach(tl, i, b) {
		uint64_t t = u64(b, "start_ns") - origin;

		if (json_object_get(b, "start_utc"))
			snprintf(ts, sizeof(ts), "%s", str(b, "start_utc"));
		else
			snprintf(ts, sizeof(ts), "+%" PRIu64 ".%06u", t / 1000000000u,
				 (unsigned int)(t % 1000000000u / 1000));
		if (!u64(b, "count")) {
			fprintf(out, "  %-26s %10u %12s %12s %12s %8" PRIu64 "\n", ts, 0u, "-", "-",
				"-", u64(b, "drops"));
			continue;
		}
		fprintf(out, "  %-26s %10" PRIu64 " %12.3f %12.3f %12.3f %8" PRIu64 "\n", ts,
			u64(b, "count"), u64(b, "p50_ns") / 1e3, u64(b, "p99_ns") / 1e3,
			u64(b, "max_ns") / 1e3, u64(b, "drops"));
	}
}

/* --hist linear: "_hist_linear" {width, max, buckets} back into a histogram. */
static void print_hist_linear(FILE *out, const json_t *l)
{
	uint64_t w = u64(l, "width");
	const json_t *b;
	struct hist_lin h;
	size_t i;

	if (!hist_lin__init(&h, 0, u64(l, "max"), w)) {
		json_array_foreach(json_object_get(l, "buckets"), i, b) {
			uint64_t n = u64(b, "count"), lo = u64(b, "lo");

			if (json_is_null(json_object_get(b, "hi")))
				h.over += n;
			else if ((lo - h.min) / w < h.nr_slots)
				h.slots[(lo - h.min) / w] += n;
			h.count += n;
		}
		fprintf(out, "    Latency distribution (us, linear, width %" PRIu64 "):\n", w);
		hist_lin__print(&h, out, "us");
	}
	hist_lin__exit(&h);
}

static void print_log2_us(FILE *out, const json_t *set)
{
	struct hist_log2 h;

	hist_log2_of(&h, json_object_get(set, "_histogram_us"), "lo");
	hist_log2__print_pct(&h, out, "us", 6);
}

static void print_threshold(FILE *out, const struct span_view *v)
{
	uint64_t thr = u64(v->o, "threshold_ns");
	const json_t *rec, *sym;
	int nst = v->nst;
	char ts[32], wall[48];
	size_t i, j, nr = 0;

	fprintf(out, "\nThreshold events (latency > %" PRIu64 " us):\n", thr / 1000);
	json_array_foreach(json_object_get(v->o, "over_threshold"), i, rec) {
		uint64_t lat = u64(rec, "latency_ns");
		const char *dev = json_string_value(json_object_get(rec, "dev"));
		const json_t *stack = json_object_get(rec, "stack");

		if (lat <= thr)
			continue;
		nr++;
		fprintf(out, "================================================================"
			"================\nHIGH LATENCY EVENT #%zu\n", nr);
		fprintf(out, "  Latency: %.3f ms (threshold: %.3f ms)\n", lat / 1e6, thr / 1e6);
		fprintf(out, "  skb: %s%s%s\n", str(rec, "key"), dev ? "  device: " : "",
			dev ? dev : "");
		print_flow(out, rec, "  ");
		fprintf(out, "  CPUs:");
		for (int k = 0; k < nst; k++)
			fprintf(out, " %s=%u", rec_event(rec, k), rec_cpu(rec, k));
		fputc('\n', out);
		if (rec_cpu(rec, 0) != rec_cpu(rec, 1))
			fprintf(out, "  ^^^ CROSS-CPU MIGRATION DETECTED ^^^\n");
		fprintf(out, "  Timestamps:");
		for (int k = 0; k < nst; k++)
			fprintf(out, " %s", ovp_fmt_ns(rec_time(rec, k), ts, sizeof(ts)));
		fputc('\n', out);
		if (json_object_get(rec, "_tod_ns"))
			fprintf(out, "  Wall clock: %s\n",
				ovp_fmt_tod(u64(rec, "_tod_ns"), wall, sizeof(wall)));
		if (json_object_get(rec, "backlog_depth"))
			fprintf(out, "  Backlog depth at enqueue: %u%s packets ahead on cpu %u\n",
				(unsigned int)u64(rec, "backlog_depth"),
				json_is_true(json_object_get(rec, "_backlog_saturated")) ?
				" or more" : "", rec_cpu(rec, 1));
		if (json_object_get(rec, "blame")) {
			fprintf(out, "  Where the time went:\n");
			print_blame_items(out, json_object_get(rec, "blame"), "    ");
		}
		if (stack) {
			fprintf(out, "  Kernel stack (at %s, cpu %u):\n", rec_event(rec, nst - 1),
				(unsigned int)u64(rec, "_stack_cpu"));
			json_array_foreach(stack, j, sym)
				fprintf(out, "    %s\n", json_string_value(sym));
		} else {
			fprintf(out, "  (no kernel stack: record with -g)\n");
		}
	}
	if (!nr)
		fprintf(out, "  none\n");
}

/* The events left out for another at the same point: one line each. */
static void print_ignored(FILE *out, const json_t *o)
{
	const json_t *ig = json_object_get(o, "ignored_events"), *e;
	size_t i;

	json_array_foreach(ig, i, e)
		fprintf(out, "Not used: %s (%s is used for the same point: each packet would "
			"be seen twice)\n", str(e, "event"), str(e, "used"));
	json_int_t more = json_integer_value(json_object_get(o, "_ignored_more"));

	if (more)
		fprintf(out, "Not used: %" JSON_INTEGER_FORMAT " more event%s\n", more,
			more == 1 ? "" : "s");
	if (json_array_size(ig))
		fputc('\n', out);
}

static void print_span(FILE *out, const struct span_view *v)
{
	const json_t *o = v->o, *best = json_object_get(o, "best");
	const json_t *worst = json_object_get(o, "worst"), *hops = json_object_get(o, "hops");
	bool linear = is(o, "_hist", "linear");
	int nst = v->nst, k;
	char label[160];
	size_t i, n;

	fprintf(out, "Latency span %s: ", str(o, "name"));
	for (k = 0; k < nst; k++)
		fprintf(out, "%s%s", k ? " -> " : "", v->label[k]);
	if (is(o, "identity", "head"))
		fprintf(out, "\nIdentity: (skb->head, skb) as retis: a clone forks its parent's "
			"span; free events end a packet\n\n");
	else if (is(o, "identity", "field"))
		fprintf(out, "\nIdentity: key field %s\n\n", str(o, "key"));
	else
		fprintf(out, "\nIdentity: skb address (field %s)%s\n\n", str(o, "key"),
			is(o, "identity_requested", "head") ? "; --key head asked, but no stage "
			"event carries skb->head" : "");
	print_ignored(out, o);

	if (json_object_get(o, "packets")) {
		print_table(out, v);
		fputc('\n', out);
	}
	n = json_array_size(best);
	if (n) {
		fprintf(out, "Best cases:\n");
		for (i = 0; i < n; i++)
			print_rec_line(out, v, json_array_get(best, i));
		fprintf(out, "Worst cases:\n");
		for (i = 0; i < n; i++)
			print_rec_line(out, v, json_array_get(worst, i));
		fputc('\n', out);
	}

	fprintf(out, "Latency (us):\n");
	print_stats_header(out, "");
	snprintf(label, sizeof(label), "span %s->%s", v->label[0], v->label[nst - 1]);
	print_set_row(out, label, o);
	if (nst > 2) {
		for (k = 1; k < nst; k++) {
			snprintf(label, sizeof(label), "interval %s->%s", v->label[k - 1],
				 v->label[k]);
			print_set_row(out, label,
				      json_array_get(json_object_get(o, "intervals"), k - 1));
		}
	}
	for (k = 1; k < nst; k++) {
		snprintf(label, sizeof(label), "hops %s->%s", v->label[k - 1], v->label[k]);
		print_set_row(out, label, json_array_get(hops, k - 1));
	}
	print_groups(out, "per egress", v, "by_egress", 0);
	print_groups(out, "per CPU (first stage)", v, "by_cpu", 1);
	if (json_object_get(o, "by_dev"))
		print_groups(out, "per device", v, "by_dev", 2);
	if (span_approx(o))
		fprintf(out, "  ~ too many values to keep (%u MB for all statistics): percentiles "
			"from a log-linear\n    histogram, within 1/%d of the exact value; count, "
			"min, mean, max exact\n", (unsigned int)u64(o, "_values_budget_mb"),
			1 << OVP_VALUES_SUB_BITS);
	fputc('\n', out);
	print_counts(out, v);
	print_tail_blame(out, o);
	if (json_object_get(o, "backlog_depth"))
		print_backlog_depth(out, json_object_get(o, "backlog_depth"));
	if (json_object_get(o, "interval_ns"))
		print_timeline(out, o);

	/* Histograms: one per hop interval, then the span. */
	fprintf(out, "\nLatency distributions:\n");
	for (k = 1; k < nst; k++) {
		const json_t *hop = json_array_get(hops, k - 1);

		fprintf(out, "\n  STAGE%d_%s -> STAGE%d_%s:\n", k, v->label[k - 1], k + 1,
			v->label[k]);
		fprintf(out, "    Total samples: %" PRIu64 "\n", u64(hop, "count"));
		fprintf(out, "    Cross-CPU:     %" PRIu64 "\n", u64(hop, "cross_cpu"));
		fprintf(out, "    Latency distribution:\n");
		print_log2_us(out, hop);
	}
	if (nst > 2 || linear) {
		fprintf(out, "\n  span %s -> %s:\n", v->label[0], v->label[nst - 1]);
		fprintf(out, "    Total samples: %" PRIu64 "\n", u64(o, "count"));
		if (linear && u64(o, "count")) {
			if (json_object_get(o, "_hist_linear"))
				print_hist_linear(out, json_object_get(o, "_hist_linear"));
		} else {
			fprintf(out, "    Latency distribution:\n");
			print_log2_us(out, o);
		}
	}
	if (json_object_get(o, "threshold_ns"))
		print_threshold(out, v);
}

int text_latency(const json_t *model, FILE *out)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(model, "spans"), i, o) {
		struct span_view v;

		if (i)
			fputc('\n', out);
		if (view_init(&v, o)) {
			view_exit(&v);
			return ovp_err(-ENOMEM, "out of memory");
		}
		print_span(out, &v);
		view_exit(&v);
	}
	return 0;
}
