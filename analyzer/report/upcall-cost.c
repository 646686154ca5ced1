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
 * In the pipeline: the report's options; its pdata_tool, whose samples are
 * decoded by report/upcall-input.c (shared with the timeline export, whose
 * upcall flows are this engine's sets) and fed to the engine
 * (engine/upcall-match.c, which does the batching and the matching); and its
 * model (uc_model(): the "upcall_cost" object of the JSON document, plus '_'
 * members for the text).  out/text-upcall-cost.c prints the text from the
 * model; report/upcall-sets.c stores and reloads the matched sets.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "report/report.h"
#include "engine/upcall-match.h"
#include "ovsperf/evdec.h"
#include "ovsperf/strutil.h"
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
	uint64_t v;
	int err;

	switch (key) {
	case OPT_UC_HANDLER_FILTER:
		free(uc->handler_filter);
		uc->handler_filter = strdup(arg);
		return uc->handler_filter ? 0 : ovp_err(-ENOMEM, "out of memory");
	case 'b':
	case OPT_UC_BUCKETS:
		err = ovp_parse_uint_opt(key == 'b' ? "-b" : "--histogram-buckets", arg, 1, 1000,
					 &v);
		uc->buckets = err ? uc->buckets : (int)v;
		return err;
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
		err = ovp_parse_uint_opt(key == 's' ? "-s" : "--stop", arg, 1, UINT64_MAX, &v);
		uc->stop = err ? uc->stop : v;
		return err;
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
 * The model.
 */
static uint64_t missed(const struct uc_report *uc, int t)
{
	const struct uc_fields *f = &uc->in.f[t];

	if (uc->read_sets)
		return uc->stored.missed[t];
	return f->evsel ? f->evsel->nr_lost + f->evsel->nr_lost_samples : 0;
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

/*
 * What the text adds to a cost section, taken before the statistics below
 * sort the values: "_values" (--sets: the data set in the order the sets
 * were matched, ns; null when the memory bound dropped them), "_buckets"
 * (upcall_cost.py's @buckets equal-width buckets between min and max) and
 * "_median_us" (as the text computes it).
 */
static void costs_text(struct uc_report *uc, json_t *o, struct ovp_values *v)
{
	size_t n = ovp_values__count(v), i;
	json_t *vals, *bk;
	double min, max, width;
	uint64_t *counts;

	if (uc->show_sets) {
		vals = !v->v && n ? json_null() : json_array();
		for (i = 0; v->v && i < n; i++)
			json_array_append_new(vals, json_integer((json_int_t)v->v[i]));
		json_object_set_new(o, "_values", vals);
	}
	if (!n)
		return;
	counts = calloc(uc->buckets, sizeof(*counts));
	bk = json_array();
	if (!counts || !bk || !v->v) {
		free(counts);
		json_decref(bk);
		return;
	}
	min = ovp_values__min(v) / 1e3;
	max = ovp_values__max(v) / 1e3;
	width = (max - min) / uc->buckets;
	for (i = 0; i < n; i++) {
		double x = v->v[i] / 1e3;
		int b = width > 0 ? (int)((x - min) / width) : 0;

		if (b >= uc->buckets)
			b = uc->buckets - 1;
		counts[b]++;
	}
	for (i = 0; i < (size_t)uc->buckets; i++)
		json_array_append_new(bk, json_integer((json_int_t)counts[i]));
	free(counts);
	json_object_set_new(o, "_buckets", bk);
}

static json_t *costs_json(struct uc_report *uc, struct ovp_values *v)
{
	json_t *o = json_object();
	size_t n = ovp_values__count(v);

	costs_text(uc, o, v);
	json_object_set_new(o, "_median_us", json_real(median_us(v)));

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

/*
 * The model: the "upcall_cost" object of ovsperf-json(7), plus for the text
 * "_nr_batches" (batches, empty ones included), "_handler_filter" (given),
 * "_no_text" (no engine: nothing to print) and the '_' members of each cost
 * section (costs_text()).
 */
static int uc_model(struct report *r, json_t **model)
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
	json_object_set_new(o, "kernel_to_vswitchd", costs_json(uc, &e->k2v));
	json_object_set_new(o, "vswitchd_to_kernel", costs_json(uc, &e->v2k));
	json_object_set_new(o, "overhead", costs_json(uc, &e->overhead));
	json_object_set_new(o, "kernel_to_kernel_exec", costs_json(uc, &e->k2k));
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
	json_object_set_new(o, "_nr_batches", json_integer((json_int_t)e->nr_batches));
	json_object_set_new(o, "_handler_filter", json_boolean(uc->handler_filter != NULL));
	if (!uc->engine_ready)
		json_object_set_new(o, "_no_text", json_true());
	*model = o;
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
	.model = uc_model,
	.destroy = uc_destroy,
};
