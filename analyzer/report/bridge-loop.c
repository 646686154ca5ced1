// SPDX-License-Identifier: Apache-2.0
/*
 * report/bridge-loop.c - `ovsperf-analyze bridge-loop`: bridge_loop.bt from a
 * recording of the main:run_start and main:poll_block USDT probes (whatever
 * their group: sdt_main:, ovsperf:, probe_ovs: ...).  Per thread: run time
 * and poll_block() wait, with count/min/mean/p99/max, bpftrace-style linear
 * histograms and log2 histograms; --list prints every iteration as the
 * bpftrace script does.
 *
 * In the pipeline: the report's options, its pdata_tool feeding the engine
 * (engine/bridge-loop.c does the pairing), and its model (bl_model(): the
 * "bridge_loop" object of the JSON document).  The text is drawn from the
 * model by out/text-bridge-loop.c; --list iterations go, as they are paired,
 * one plain item each (report/bridge-loop.h) to the item writer the runner
 * gives the report (out/bridge-loop-lines.c; none with --json).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bridge-loop.h"
#include "ovsperf/err.h"
#include "report/bridge-loop.h"
#include "report/report.h"
#include "ovsperf/strutil.h"

extern const struct report_ops report_bridge_loop_ops;

enum {
	OPT_BL_PID = 256,
	OPT_BL_LIST,
};

struct bl_report {
	struct report base;
	struct pdata_tool tool;
	struct bl_engine engine;
	bool engine_ready;
	int64_t pid;			/* --pid: only this process */
	bool list;			/* --list */
	FILE *list_out;			/* where --list lines go (stdout) */
	int list_err;			/* the first error writing them */
	int run_idx, poll_idx;		/* evsel idx of the probes, -1 if absent */
	struct pdata_session *s;
};

static const struct option bl_options[] = {
	{ "pid", required_argument, NULL, OPT_BL_PID },
	{ "list", no_argument, NULL, OPT_BL_LIST },
	{ NULL, 0, NULL, 0 },
};

static const char bl_usage[] =
	"  -p, --pid PID   only threads of process PID (default: every thread that hit\n"
	"                  the probes)\n"
	"  -l, --list      print each loop iteration, as bridge_loop.bt does\n";

static struct bl_report *to_bl(struct report *r)
{
	return container_of(r, struct bl_report, base);
}

static int bl_option(struct report *r, int key, const char *arg)
{
	struct bl_report *bl = to_bl(r);
	uint64_t v;
	int err;

	switch (key) {
	case 'p':
	case OPT_BL_PID:
		err = ovp_parse_uint_opt(key == 'p' ? "-p" : "--pid", arg, 0, INT32_MAX, &v);
		bl->pid = err ? bl->pid : (int64_t)v;
		return err;
	case 'l':
	case OPT_BL_LIST:
		bl->list = true;
		return 0;
	}
	return ovp_err(-EINVAL, "bridge-loop: unknown option");
}

/* --list: each interval goes to the item writer as it is paired. */
static void bl_list_line(void *arg, uint32_t tid, uint64_t time, bool run, uint64_t ns)
{
	struct bl_report *bl = arg;
	const struct bl_writer *w = bl->base.items;
	struct bl_iteration it = {
		.tid = tid,
		.comm = pdata_session__comm(bl->s, tid),
		.run = run,
		.ns = ns,
	};

	(void)time;
	if (w && !bl->list_err)
		bl->list_err = w->iteration(&it, bl->list_out);
}

static int bl_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct bl_report *bl = container_of(tool, struct bl_report, tool);
	struct pdata_evsel *run = pdata_session__find_evsel(s, "run_start");
	struct pdata_evsel *poll = pdata_session__find_evsel(s, "poll_block");
	int err;

	bl->s = s;
	bl->run_idx = run ? run->idx : -1;
	bl->poll_idx = poll ? poll->idx : -1;
	if (!run || !poll)
		return ovp_err(-ENOENT, "bridge-loop: the recording has no %s event (record the "
			       "main:run_start and main:poll_block USDT probes of ovs-vswitchd)",
			       run ? "poll_block" : "run_start");
	err = bl_engine__init(&bl->engine, bl->list ? bl_list_line : NULL, bl);
	if (err)
		return err;
	bl->engine_ready = true;
	if (bl->list && bl->base.items)
		err = ((const struct bl_writer *)bl->base.items)->header(bl->list_out);
	if (err)
		return err;
	return 0;
}

static int bl_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	struct bl_report *bl = container_of(tool, struct bl_report, tool);
	int idx = sample->evsel ? sample->evsel->idx : -1;
	enum bl_kind kind;

	if (idx == bl->run_idx)
		kind = BL_RUN_START;
	else if (idx == bl->poll_idx)
		kind = BL_POLL_BLOCK;
	else
		return 0;
	if (bl->pid >= 0 && (int64_t)sample->pid != bl->pid)
		return 0;
	return bl_engine__event(&bl->engine, sample->tid, sample->time, kind) ?: bl->list_err;
}

static bool bl_applicable(struct pdata_session *s)
{
	return pdata_session__find_evsel(s, "run_start") &&
	       pdata_session__find_evsel(s, "poll_block");
}

static struct pdata_tool *bl_tool(struct report *r)
{
	return &to_bl(r)->tool;
}

static json_t *series_json(struct bl_series *s)
{
	json_t *o = json_object();
	size_t n = ovp_values__count(&s->ns);

	json_object_set_new(o, "count", json_integer((json_int_t)n));
	json_object_set_new(o, "min_ns", json_integer((json_int_t)ovp_values__min(&s->ns)));
	json_object_set_new(o, "mean_ns", json_real(ovp_values__mean(&s->ns)));
	json_object_set_new(o, "p99_ns",
			    json_integer((json_int_t)ovp_values__percentile(&s->ns, 99)));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)ovp_values__max(&s->ns)));
	json_object_set_new(o, "total_ns", json_integer((json_int_t)ovp_values__sum(&s->ns)));
	json_object_set_new(o, "histogram", hist_lin__to_json(&s->lin, "lo_us", "hi_us"));
	json_object_set_new(o, "log2_histogram", hist_log2__to_json(&s->log2, "lo_us", "hi_us"));
	/* The text draws the linear histogram's empty slots and open ends too. */
	json_object_set_new(o, "_histogram_shape",
			    json_pack("{s:I, s:I, s:I}", "min", (json_int_t)s->lin.min, "max",
				      (json_int_t)s->lin.max, "step", (json_int_t)s->lin.step));
	return o;
}

/*
 * The model: { "threads": [ { tid, name, run, poll_wait } ] } as ovsperf-json(7)
 * documents it; "_pid_given" (the text says "in that process") and
 * "_no_text" (the engine never started: the text prints nothing).
 */
static int bl_model(struct report *r, json_t **model)
{
	struct bl_report *bl = to_bl(r);
	json_t *o = json_object(), *threads = json_array();
	struct bl_thread **v = NULL;
	size_t n = 0, i;

	if (bl->engine_ready)
		v = bl_engine__threads(&bl->engine, &n);
	for (i = 0; i < n; i++) {
		const char *comm = pdata_session__comm(bl->s, v[i]->tid);
		json_t *t = json_object();

		json_object_set_new(t, "tid", json_integer(v[i]->tid));
		json_object_set_new(t, "name", comm ? json_string(comm) : json_null());
		json_object_set_new(t, "run", series_json(&v[i]->run));
		json_object_set_new(t, "poll_wait", series_json(&v[i]->wait));
		json_array_append_new(threads, t);
	}
	free(v);
	json_object_set_new(o, "threads", threads);
	json_object_set_new(o, "_pid_given", json_boolean(bl->pid >= 0));
	if (!bl->engine_ready)
		json_object_set_new(o, "_no_text", json_true());
	*model = o;
	return 0;
}

static void bl_destroy(struct report *r)
{
	struct bl_report *bl;

	if (!r)
		return;
	bl = to_bl(r);
	bl_engine__exit(&bl->engine);
	free(bl);
}

static int bl_create(struct report **out, struct analyze_ctx *ctx)
{
	struct bl_report *bl = calloc(1, sizeof(*bl));

	if (!bl)
		return ovp_err(-ENOMEM, "bridge-loop: out of memory");
	bl->base.ops = &report_bridge_loop_ops;
	bl->base.ctx = ctx;
	bl->pid = -1;
	bl->list_out = stdout;
	bl->run_idx = bl->poll_idx = -1;
	pdata_tool__init(&bl->tool);
	bl->tool.ready = bl_ready;
	bl->tool.sample = bl_sample;
	*out = &bl->base;
	return 0;
}

const struct report_ops report_bridge_loop_ops = {
	.name = "bridge-loop",
	.json_key = "bridge_loop",
	.summary = "ovs-vswitchd main loop run time and poll_block() wait (bridge_loop.bt)",
	.usage = bl_usage,
	.options = bl_options,
	.shortopts = "p:l",
	.create = bl_create,
	.option = bl_option,
	.applicable = bl_applicable,
	.tool = bl_tool,
	.model = bl_model,
	.destroy = bl_destroy,
};
