// SPDX-License-Identifier: Apache-2.0
/*
 * report/upcall-cost.c - `ovsperf-analyze upcall-cost`: upcall_cost.py from
 * a recording of the upcall-cost probe set (or the same events recorded by
 * plain perf): events per type, upcalls per handler thread, upcalls per
 * batch, and the four cost sections (kernel upcall -> vswitchd receive,
 * vswitchd execute -> kernel packet execute, overhead = total minus lookup,
 * kernel upcall -> kernel packet execute), plus what could not be
 * correlated and why.
 *
 * Glue only: samples are decoded by report/upcall-input.c (shared with the
 * timeline export, whose upcall flows are this engine's sets) and fed to the
 * engine (engine/upcall-match.c), which does the batching and the matching.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/analyze.h"
#include "engine/upcall-match.h"
#include "ovsperf/evdec.h"
#include "report/upcall-input.h"
#include "report/upcall-sets.h"

extern const struct report_ops report_upcall_cost_ops;

enum {
	OPT_UC_HANDLER_FILTER = 256,
	OPT_UC_BUCKETS,
	OPT_UC_SETS,
	OPT_UC_WRITE_SETS,
	OPT_UC_READ_SETS,
	OPT_UC_STOP,
};

struct uc_report {
	struct report base;
	struct pdata_tool tool;
	struct uc_engine engine;
	bool engine_ready;
	char *handler_filter;		/* --handler-filter, comma separated (owned) */
	int buckets;			/* --histogram-buckets */
	struct pdata_session *s;
	struct uc_inputs in;		/* the events and their fields */
	bool warned_length;		/* the length-only warning was printed */
	bool show_sets;			/* --sets: print each section's data set */
	const char *write_sets;		/* --write-sets FILE */
	const char *read_sets;		/* --read-sets FILE: no recording */
	struct uc_stored stored;	/* ...what it holds besides the engine's data */
	uint64_t stop;			/* --stop N: events read at most (0: all) */
	uint64_t nr_read;		/* events of the five types read */
};

static const struct option uc_options[] = {
	{ "handler-filter", required_argument, NULL, OPT_UC_HANDLER_FILTER },
	{ "histogram-buckets", required_argument, NULL, OPT_UC_BUCKETS },
	{ "sets", no_argument, NULL, OPT_UC_SETS },
	{ "write-sets", required_argument, NULL, OPT_UC_WRITE_SETS },
	{ "read-sets", required_argument, NULL, OPT_UC_READ_SETS },
	{ "stop", required_argument, NULL, OPT_UC_STOP },
	{ NULL, 0, NULL, 0 },
};

static const char uc_usage[] =
	"      --handler-filter NAMES    report only handler threads with these names\n"
	"                                (comma separated); upcalls are paired with\n"
	"                                every handler's receives first\n"
	"  -b, --histogram-buckets N     buckets per cost histogram (default 20)\n"
	"      --sets                    print each cost section's data set (its values,\n"
	"                                us) before its histogram, as upcall_cost.py;\n"
	"                                with --json, the matched sets too\n"
	"      --write-sets FILE         store the matched event sets (times of their\n"
	"                                events, threads, batches, counts) as JSON\n"
	"      --read-sets FILE          make the report from a --write-sets FILE instead\n"
	"                                of a recording\n"
	"  -s, --stop N                  use only the first N events (of the five types)\n"
	"                                and stop reading, as upcall_cost.py --stop\n";

static struct uc_report *to_uc(struct report *r)
{
	return container_of(r, struct uc_report, base);
}

static int uc_option(struct report *r, int key, const char *arg)
{
	struct uc_report *uc = to_uc(r);
	char *end;
	long v;

	switch (key) {
	case OPT_UC_HANDLER_FILTER:
		free(uc->handler_filter);
		uc->handler_filter = strdup(arg);
		return uc->handler_filter ? 0 : ovp_err(-ENOMEM, "out of memory");
	case 'b':
	case OPT_UC_BUCKETS:
		v = strtol(arg, &end, 10);
		if (end == arg || *end || v < 1 || v > 1000)
			return ovp_err(-EINVAL, "bad number of buckets '%s' (1-1000)", arg);
		uc->buckets = (int)v;
		return 0;
	case OPT_UC_SETS:
		uc->show_sets = true;
		return 0;
	case OPT_UC_WRITE_SETS:
		uc->write_sets = arg;
		return 0;
	case OPT_UC_READ_SETS:
		uc->read_sets = arg;
		return 0;
	case 's':
	case OPT_UC_STOP:
		v = strtol(arg, &end, 10);
		if (end == arg || *end || v < 1)
			return ovp_err(-EINVAL, "bad --stop '%s': a number of events > 0", arg);
		uc->stop = (uint64_t)v;
		return 0;
	}
	return ovp_err(-EINVAL, "upcall-cost: unknown option");
}


static int uc_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct uc_report *uc = container_of(tool, struct uc_report, tool);
	int err;

	uc->s = s;
	err = uc_inputs__init(&uc->in, s);
	if (err)
		return err;
	uc_engine__init(&uc->engine, uc->in.dp_bytes);
	uc->engine_ready = true;
	return 0;
}

/* Is @comm one of the --handler-filter names? */
static bool handler_kept(const struct uc_report *uc, const char *comm)
{
	const char *p = uc->handler_filter;
	size_t n;

	if (!p)
		return true;
	if (!comm)
		return false;
	n = strlen(comm);
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, comm, n))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static int uc_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	struct uc_report *uc = container_of(tool, struct uc_report, tool);
	struct uc_input in = { .reported = true };
	uint8_t buf[UC_MAX_BYTES];
	int t = uc_inputs__type(&uc->in, sample);

	if (t < 0)
		return 0;
	/* upcall_cost.py --stop counts every event received. */
	if (uc->stop && uc->nr_read >= uc->stop)
		return 0;
	if (uc->stop && ++uc->nr_read == uc->stop)
		pdata_session__stop(uc->s);	/* read no further */
	/* Every handler's events are paired; the filter only chooses what is reported. */
	if (t != UC_DP_UPCALL)
		in.reported = handler_kept(uc, pdata_session__comm(uc->s, sample->tid));
	uc_inputs__decode(&uc->in, t, sample, &in, buf);
	return uc_engine__add_event(&uc->engine, &in);
}

static const char *session_comm(void *arg, uint32_t tid)
{
	return pdata_session__comm(arg, tid);
}

static uint64_t missed(const struct uc_report *uc, int t);

static int write_sets(struct uc_report *uc)
{
	const char *names[UC_NR_TYPES];
	uint64_t miss[UC_NR_TYPES];
	json_t *o;
	int t, err;

	for (t = 0; t < UC_NR_TYPES; t++) {
		names[t] = uc->in.f[t].evsel ? uc->in.f[t].evsel->name : NULL;
		miss[t] = missed(uc, t);
	}
	o = uc_sets__to_json(&uc->engine, pdata_session__path(uc->s), names, miss,
			     session_comm, uc->s);
	if (!o)
		return ovp_err(-ENOMEM, "upcall-cost: out of memory");
	err = json_dump_file(o, uc->write_sets, JSON_COMPACT);
	json_decref(o);
	return err ? ovp_err(-EIO, "cannot write %s", uc->write_sets) : 0;
}

static int uc_done(struct pdata_tool *tool, struct pdata_session *s)
{
	struct uc_report *uc = container_of(tool, struct uc_report, tool);
	const struct uc_engine *e = &uc->engine;
	int err;

	if (!uc->engine_ready)
		return 0;
	if (e->unc.by_length_only && e->stored[UC_DP_UPCALL] && e->stored[UC_RECV_UPCALL])
		ovp_warn("upcall-cost: the kernel upcall events (%s) carry no packet bytes: "
			 "upcalls were paired with receives by packet length only, which pairs "
			 "two packets of one length wrongly when they are received out of order; "
			 "record the upcall-cost probe set (its ovs_dp_upcall kprobe copies the "
			 "packet and its in-port)", uc->in.f[UC_DP_UPCALL].evsel->name);
	err = uc_engine__finish(&uc->engine);
	if (!err && uc->write_sets)
		err = write_sets(uc);
	return err;
}

/* --read-sets: the report comes from the file, not from a recording. */
static int uc_no_recording(struct report *r)
{
	struct uc_report *uc = to_uc(r);
	int err;

	if (!uc->read_sets)
		return 0;
	if (uc->write_sets || uc->stop || uc->handler_filter)
		return ovp_err(-EINVAL, "--read-sets: --write-sets, --stop and --handler-filter "
			       "apply to a recording");
	uc_engine__init(&uc->engine, false);
	err = uc_sets__load(&uc->engine, &uc->stored, uc->read_sets);
	uc->engine_ready = !err;
	return err ? err : 1;
}

static bool uc_applicable(struct pdata_session *s)
{
	return uc_inputs__applicable(s);
}

static struct pdata_tool *uc_tool(struct report *r)
{
	return &to_uc(r)->tool;
}

/*
 * Output.
 */
static uint64_t missed(const struct uc_report *uc, int t)
{
	const struct uc_fields *f = &uc->in.f[t];

	if (uc->read_sets)
		return uc->stored.missed[t];
	return f->evsel ? f->evsel->nr_lost + f->evsel->nr_lost_samples : 0;
}

static bool recorded(const struct uc_report *uc, int t)
{
	return uc->read_sets ? uc->stored.event[t] != NULL : uc->in.f[t].evsel != NULL;
}

static const char *event_name(const struct uc_report *uc, int t)
{
	return uc->read_sets ? uc->stored.event[t] : uc->in.f[t].evsel ? uc->in.f[t].evsel->name : NULL;
}

/* The name of handler thread e->threads[@i]. */
static const char *thread_name(const struct uc_report *uc, size_t i)
{
	if (uc->read_sets)
		return i < uc->stored.nr_thread_names ? uc->stored.thread_name[i] : NULL;
	return pdata_session__comm(uc->s, uc->engine.threads[i].tid);
}

/* upcall_cost.py --sets: the data set, as Python prints a list of floats. */
static void print_data_set(FILE *out, const struct ovp_values *v)
{
	size_t i, n = ovp_values__count(v);

	if (!v->v && n) {
		fprintf(out, "# (the %zu values were not kept: the memory bound was reached)\n", n);
		return;
	}
	fputc('[', out);
	for (i = 0; i < n; i++) {
		char b[32];
		size_t len;

		len = (size_t)snprintf(b, sizeof(b), "%" PRIu64 ".%03" PRIu64, v->v[i] / 1000,
				       v->v[i] % 1000);
		while (len > 2 && b[len - 1] == '0' && b[len - 2] != '.')
			b[--len] = 0;
		fprintf(out, "%s%s", i ? ", " : "", b);
	}
	fputs("]\n", out);
}

static double median_us(struct ovp_values *v)
{
	size_t n = ovp_values__count(v);

	if (!n)
		return 0;
	ovp_values__sort(v);
	if (n % 2)
		return v->v[n / 2] / 1e3;
	return (v->v[n / 2 - 1] + v->v[n / 2]) / 2e3;
}

static void print_bar(FILE *out, uint64_t n, uint64_t scale)
{
	uint64_t i;

	for (i = 0; i < n / scale; i++)
		fputs("\xe2\x88\x8e", out);	/* U+220E, as text_histogram3 */
}

static void print_costs(struct uc_report *uc, FILE *out, const char *title, struct ovp_values *v)
{
	size_t n = ovp_values__count(v), i;
	double min, max, mean, sd, width;
	uint64_t *counts, top = 0, scale;

	fprintf(out, "\n=> %s (microseconds):\n", title);
	if (uc->show_sets)
		print_data_set(out, v);
	if (!n) {
		fprintf(out, "# NumSamples = 0\n");
		return;
	}
	min = ovp_values__min(v) / 1e3;
	max = ovp_values__max(v) / 1e3;
	mean = ovp_values__mean(v) / 1e3;
	sd = ovp_values__stddev(v) / 1e3;
	fprintf(out, "# NumSamples = %zu; Min = %.2f; Max = %.2f\n", n, min, max);
	fprintf(out, "# Mean = %f; Variance = %f; SD = %f; Median %f\n", mean, sd * sd, sd,
		median_us(v));
	counts = calloc(uc->buckets, sizeof(*counts));
	if (!counts)
		return;
	width = (max - min) / uc->buckets;
	for (i = 0; i < n; i++) {
		double x = v->v[i] / 1e3;
		int b = width > 0 ? (int)((x - min) / width) : 0;

		if (b >= uc->buckets)
			b = uc->buckets - 1;
		counts[b]++;
	}
	for (i = 0; i < (size_t)uc->buckets; i++)
		if (counts[i] > top)
			top = counts[i];
	scale = top > 40 ? (top + 39) / 40 : 1;
	fprintf(out, "# each \xe2\x88\x8e represents a count of %" PRIu64 "\n", scale);
	for (i = 0; i < (size_t)uc->buckets; i++) {
		fprintf(out, "%10.4f - %10.4f [%6" PRIu64 "]: ", min + width * i,
			min + width * (i + 1), counts[i]);
		print_bar(out, counts[i], scale);
		fputc('\n', out);
		if (width <= 0)
			break;
	}
	free(counts);
}

static void batch_buckets(const struct uc_engine *e, uint64_t b[64], uint64_t *high,
			  uint64_t *min, uint64_t *max, uint64_t *samples)
{
	size_t i;

	memset(b, 0, 64 * sizeof(*b));
	*high = *max = *samples = 0;
	*min = 64;
	for (i = 0; i < e->nr_batches; i++) {
		uint64_t x = e->batches[i];

		if (x < *min)
			*min = x;
		if (x > *max)
			*max = x;
		if (!x)
			continue;
		if (x > 64)
			(*high)++;
		else
			b[x - 1]++;
		(*samples)++;
	}
}

static int uc_emit_text(struct report *r, FILE *out)
{
	struct uc_report *uc = to_uc(r);
	struct uc_engine *e = &uc->engine;
	uint64_t b[64], high, min, max, samples, top = 0, scale, usable;
	const struct uc_uncorrelated *u = &e->unc;
	size_t i;
	int t;

	if (!uc->engine_ready)
		return 0;
	/* The usable events (what the engine keeps, or what the stored sets
	 * were made from). */
	for (t = 0, usable = 0; t < UC_NR_TYPES; t++)
		usable += e->valid[t];
	fprintf(out, "- Analyzing results (%" PRIu64 " events)...\n", usable);
	fprintf(out, "\n=> Events received per type (usable/total) [missed events]:\n");
	for (t = 0; t < UC_NR_TYPES; t++)
		fprintf(out, "  %-36s: %10" PRIu64 "/%10" PRIu64 " [%10" PRIu64 "]%s\n",
			uc_type_names[t], e->valid[t], e->total[t], missed(uc, t),
			recorded(uc, t) ? "" : "  (not recorded)");
	if (!e->nr_sets) {
		fprintf(out, "No upcall data sets where found!!\n");
	} else {
		fprintf(out, "\n- Analyzing %zu event sets...\n", e->nr_sets);
	}
	fprintf(out, "\n=> Upcalls handled per thread:\n");
	for (i = 0; i < e->nr_threads; i++) {
		const char *comm = thread_name(uc, i);
		char name[64];

		snprintf(name, sizeof(name), "%s (%u)", comm ? comm : "<unknown>",
			 e->threads[i].tid);
		fprintf(out, "  %-36s: %10" PRIu64 "\n", name, e->threads[i].upcalls);
	}

	fprintf(out, "\n=> Histogram of upcalls per batch:\n");
	batch_buckets(e, b, &high, &min, &max, &samples);
	if (!e->nr_batches) {
		fprintf(out, "# NumSamples = 0\n");
	} else {
		for (i = 0; i < 64; i++)
			top = b[i] > top ? b[i] : top;
		top = high > top ? high : top;
		scale = top > 4 ? top / 4 : 1;
		fprintf(out, "# NumSamples = %" PRIu64 "; Min = %" PRIu64 "; Max = %" PRIu64 "\n",
			samples, min, max);
		fprintf(out, "# each \xe2\x88\x8e represents a count of %" PRIu64 "\n", scale);
		for (i = 0; i < 32; i++) {
			int pad;

			fprintf(out, "%5zu [%8" PRIu64 "]: ", i + 1, b[i]);
			print_bar(out, b[i], scale);
			pad = 22 - (int)(b[i] / scale);
			fprintf(out, "%*s  %5zu [%8" PRIu64 "]: ", pad > 0 ? pad : 0, "", i + 33,
				b[i + 32]);
			print_bar(out, b[i + 32], scale);
			fputc('\n', out);
		}
		if (high) {
			fprintf(out, "%5s [%8" PRIu64 "]: ", ">64", high);
			print_bar(out, high, scale);
			fputc('\n', out);
		}
	}

	print_costs(uc, out, "Kernel upcall action to vswitchd receive", &e->k2v);
	print_costs(uc, out, "vswitchd execute to kernel receive", &e->v2k);
	print_costs(uc, out, "Upcall overhead (total time minus lookup)", &e->overhead);
	print_costs(uc, out, "Kernel upcall to kernel packet execute", &e->k2k);

	fprintf(out, "\n=> Not correlated:\n");
	fprintf(out, "  %-44s: %10" PRIu64 "  (no later recv_upcall with the same length%s)\n",
		"kernel upcalls without recv_upcall", u->dp_no_recv,
		u->by_length_only ? "" : " and packet bytes");
	fprintf(out, "  %-44s: %10" PRIu64 "  (no earlier matching kernel upcall)\n",
		"recv_upcalls without kernel upcall", u->recv_no_dp);
	fprintf(out, "  %-44s: %10" PRIu64 "  (packet matches no upcall of its batch)\n",
		"op_flow_execute out of sync", u->exec_out_of_sync);
	fprintf(out, "  %-44s: %10" PRIu64 "  (more than the batch's upcalls)\n",
		"op_flow_put left over", u->put_extra);
	fprintf(out, "  %-44s: %10" PRIu64 "  (more than the batch's executes)\n",
		"ovs_packet_cmd_execute left over", u->pkt_exec_extra);
	fprintf(out, "  %-44s: %10" PRIu64 " / %" PRIu64 " / %" PRIu64 "\n",
		"sets without put / execute / packet execute", u->sets_no_put, u->sets_no_exec,
		u->sets_no_pkt_exec);
	if (uc->handler_filter)
		fprintf(out, "  %-44s: %10" PRIu64 "  (--handler-filter)\n",
			"upcalls received by other handlers", u->sets_not_reported);
	fprintf(out, "\n=> Paired by: in-port %s, length, packet bytes %s",
		u->by_port ? "yes" : "no (not recorded on both sides)",
		u->by_length_only ? "no (the kernel events carry none)" : "yes");
	if (!u->by_length_only)
		fprintf(out, " (%" PRIu64 " differing only in the L4 checksum)", u->csum_matches);
	fputc('\n', out);
	return 0;
}

/* The costs as a log2 histogram [{lo_ns, hi_ns, count}] of the non-empty
 * buckets (bounds powers of two: histograms of several hosts merge). */
static json_t *log2_json(struct ovp_values *v)
{
	uint64_t counts[64] = { 0 };
	size_t n = ovp_values__count(v), i;
	json_t *a = json_array();

	for (i = 0; i < n; i++) {
		uint64_t x = v->v[i];

		counts[x ? 63 - __builtin_clzll(x) : 0]++;
	}
	for (i = 0; i < 64; i++) {
		json_t *b;

		if (!counts[i])
			continue;
		b = json_object();
		json_object_set_new(b, "lo_ns", json_integer(i ? (json_int_t)1 << i : 0));
		json_object_set_new(b, "hi_ns", json_integer(i < 62 ? (json_int_t)2 << i
								    : INT64_MAX));
		json_object_set_new(b, "count", json_integer((json_int_t)counts[i]));
		json_array_append_new(a, b);
	}
	return a;
}

static json_t *costs_json(struct ovp_values *v)
{
	json_t *o = json_object();
	size_t n = ovp_values__count(v);

	json_object_set_new(o, "count", json_integer((json_int_t)n));
	json_object_set_new(o, "min_ns", json_integer((json_int_t)ovp_values__min(v)));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)ovp_values__max(v)));
	json_object_set_new(o, "mean_ns", json_real(ovp_values__mean(v)));
	json_object_set_new(o, "stddev_ns", json_real(ovp_values__stddev(v)));
	json_object_set_new(o, "median_ns", json_real(median_us(v) * 1e3));
	json_object_set_new(o, "p99_ns", json_integer((json_int_t)ovp_values__percentile(v, 99)));
	json_object_set_new(o, "total_ns", json_integer((json_int_t)ovp_values__sum(v)));
	json_object_set_new(o, "histogram", log2_json(v));
	return o;
}

static int uc_emit_json(struct report *r, json_t *reports)
{
	struct uc_report *uc = to_uc(r);
	struct uc_engine *e = &uc->engine;
	const struct uc_uncorrelated *u = &e->unc;
	json_t *o = json_object(), *events = json_array(), *threads = json_array();
	json_t *batch = json_object(), *bk = json_array(), *unc = json_object();
	uint64_t b[64], high, min, max, samples;
	size_t i;
	int t;

	for (t = 0; t < UC_NR_TYPES; t++) {
		json_t *x = json_object();

		json_object_set_new(x, "type", json_string(uc_type_names[t]));
		json_object_set_new(x, "event", event_name(uc, t) ? json_string(event_name(uc, t))
							       : json_null());
		json_object_set_new(x, "usable", json_integer((json_int_t)e->valid[t]));
		json_object_set_new(x, "total", json_integer((json_int_t)e->total[t]));
		json_object_set_new(x, "missed", json_integer((json_int_t)missed(uc, t)));
		json_array_append_new(events, x);
	}
	json_object_set_new(o, "events", events);
	json_object_set_new(o, "sets", json_integer((json_int_t)e->nr_sets));
	for (i = 0; i < e->nr_threads; i++) {
		const char *comm = thread_name(uc, i);
		json_t *x = json_object();

		json_object_set_new(x, "tid", json_integer(e->threads[i].tid));
		json_object_set_new(x, "name", comm ? json_string(comm) : json_null());
		json_object_set_new(x, "upcalls", json_integer((json_int_t)e->threads[i].upcalls));
		json_array_append_new(threads, x);
	}
	json_object_set_new(o, "threads", threads);
	batch_buckets(e, b, &high, &min, &max, &samples);
	json_object_set_new(batch, "samples", json_integer((json_int_t)samples));
	json_object_set_new(batch, "min", json_integer((json_int_t)(e->nr_batches ? min : 0)));
	json_object_set_new(batch, "max", json_integer((json_int_t)max));
	for (i = 0; i < 64; i++) {
		json_t *x;

		if (!b[i])
			continue;
		x = json_object();
		json_object_set_new(x, "size", json_integer((json_int_t)i + 1));
		json_object_set_new(x, "count", json_integer((json_int_t)b[i]));
		json_array_append_new(bk, x);
	}
	json_object_set_new(batch, "buckets", bk);
	json_object_set_new(batch, "over_64", json_integer((json_int_t)high));
	json_object_set_new(o, "batch_histogram", batch);
	json_object_set_new(o, "kernel_to_vswitchd", costs_json(&e->k2v));
	json_object_set_new(o, "vswitchd_to_kernel", costs_json(&e->v2k));
	json_object_set_new(o, "overhead", costs_json(&e->overhead));
	json_object_set_new(o, "kernel_to_kernel_exec", costs_json(&e->k2k));
	json_object_set_new(unc, "dp_upcall_no_recv", json_integer((json_int_t)u->dp_no_recv));
	json_object_set_new(unc, "recv_no_dp_upcall", json_integer((json_int_t)u->recv_no_dp));
	json_object_set_new(unc, "exec_out_of_sync", json_integer((json_int_t)u->exec_out_of_sync));
	json_object_set_new(unc, "put_left_over", json_integer((json_int_t)u->put_extra));
	json_object_set_new(unc, "pkt_exec_left_over", json_integer((json_int_t)u->pkt_exec_extra));
	json_object_set_new(unc, "sets_no_put", json_integer((json_int_t)u->sets_no_put));
	json_object_set_new(unc, "sets_no_exec", json_integer((json_int_t)u->sets_no_exec));
	json_object_set_new(unc, "sets_no_pkt_exec", json_integer((json_int_t)u->sets_no_pkt_exec));
	json_object_set_new(unc, "matched_by_length_only", json_boolean(u->by_length_only));
	json_object_set_new(unc, "matched_by_port", json_boolean(u->by_port));
	json_object_set_new(unc, "checksum_only_differences",
			    json_integer((json_int_t)u->csum_matches));
	json_object_set_new(unc, "other_handlers", json_integer((json_int_t)u->sets_not_reported));
	json_object_set_new(o, "uncorrelated", unc);
	if (uc->read_sets)
		json_object_set_new(o, "read_sets", json_string(uc->read_sets));
	if (uc->show_sets) {
		json_t *x = uc_sets__to_json(e, NULL, (const char *const[UC_NR_TYPES]){ NULL },
					     (const uint64_t[UC_NR_TYPES]){ 0 }, NULL, NULL);

		json_object_set_new(o, "event_sets", x ? json_incref(json_object_get(x, "sets"))
						     : json_null());
		json_decref(x);
	}
	json_object_set_new(reports, r->ops->json_key, o);
	return 0;
}

static void uc_destroy(struct report *r)
{
	struct uc_report *uc;

	if (!r)
		return;
	uc = to_uc(r);
	uc_engine__exit(&uc->engine);
	uc_stored__exit(&uc->stored);
	free(uc->handler_filter);
	free(uc);
}

static int uc_create(struct report **out, struct analyze_ctx *ctx)
{
	struct uc_report *uc = calloc(1, sizeof(*uc));

	if (!uc)
		return ovp_err(-ENOMEM, "upcall-cost: out of memory");
	uc->base.ops = &report_upcall_cost_ops;
	uc->base.ctx = ctx;
	uc->buckets = 20;
	pdata_tool__init(&uc->tool);
	uc->tool.ready = uc_ready;
	uc->tool.sample = uc_sample;
	uc->tool.done = uc_done;
	*out = &uc->base;
	return 0;
}

const struct report_ops report_upcall_cost_ops = {
	.name = "upcall-cost",
	.json_key = "upcall_cost",
	.summary = "cost of an upcall: kernel -> handler -> flow put/execute -> kernel "
		   "(upcall_cost.py)",
	.usage = uc_usage,
	.options = uc_options,
	.shortopts = "b:s:",
	.no_recording = uc_no_recording,
	.create = uc_create,
	.option = uc_option,
	.applicable = uc_applicable,
	.tool = uc_tool,
	.emit_text = uc_emit_text,
	.emit_json = uc_emit_json,
	.destroy = uc_destroy,
};
