// SPDX-License-Identifier: Apache-2.0
/*
 * report/bridge-loop.c - `ovsperf-analyze bridge-loop`: bridge_loop.bt from a
 * recording of the main:run_start and main:poll_block USDT probes (whatever
 * their group: sdt_main:, ovsperf:, probe_ovs: ...).  Per thread: run time
 * and poll_block() wait, with count/min/mean/p99/max, bpftrace-style linear
 * histograms and log2 histograms; --list prints every iteration as the
 * bpftrace script does.  The pairing is done by engine/bridge-loop.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/analyze.h"
#include "engine/bridge-loop.h"
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
	char *end;

	switch (key) {
	case 'p':
	case OPT_BL_PID:
		errno = 0;
		bl->pid = strtoll(arg, &end, 10);
		if (errno || end == arg || *end || bl->pid < 0)
			return ovp_err(-EINVAL, "bad PID '%s'", arg);
		return 0;
	case 'l':
	case OPT_BL_LIST:
		bl->list = true;
		return 0;
	}
	return ovp_err(-EINVAL, "bridge-loop: unknown option");
}

static void fmt_hms(uint64_t ns, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%09" PRIu64,
		 ns / 3600 / 1000000000, ns / 60 / 1000000000 % 60, ns / 1000000000 % 60,
		 ns % 1000000000);
}

static void bl_list_line(void *arg, uint32_t tid, uint64_t time, bool run, uint64_t ns)
{
	struct bl_report *bl = arg;
	const char *comm = pdata_session__comm(bl->s, tid);
	char d[48];

	if (bl->base.ctx->json)
		return;
	fmt_hms(ns, d, sizeof(d));
	fprintf(bl->list_out, "- [%u@%s] %s: %s\n", tid, comm ? comm : "<unknown>",
		run ? "bridge run loop time " : "poll_block() wait time", d);
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
	if (bl->list && !bl->base.ctx->json)
		fprintf(bl->list_out, "-----\nIterations of ovs-vswitchd's main() loop:\n-----\n");
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
	return bl_engine__event(&bl->engine, sample->tid, sample->time, kind);
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

static void print_series(FILE *out, const char *title, const char *var, struct bl_series *s)
{
	size_t n = ovp_values__count(&s->ns);

	fprintf(out, "  %s: %zu", title, n);
	if (n)
		fprintf(out, ", min %.3f us, mean %.3f us, p99 %.3f us, max %.3f us",
			ovp_values__min(&s->ns) / 1e3, ovp_values__mean(&s->ns) / 1e3,
			ovp_values__percentile(&s->ns, 99) / 1e3, ovp_values__max(&s->ns) / 1e3);
	fputc('\n', out);
	if (!n)
		return;
	fprintf(out, "\n@%s (us):\n", var);
	hist_lin__print(&s->lin, out, "usecs");
	fputc('\n', out);
	hist_log2__print(&s->log2, out, "usecs");
	fputc('\n', out);
}

static int bl_emit_text(struct report *r, FILE *out)
{
	struct bl_report *bl = to_bl(r);
	struct bl_thread **v;
	size_t n, i;

	if (!bl->engine_ready)
		return 0;
	v = bl_engine__threads(&bl->engine, &n);
	fprintf(out, "-----\nShowing run time histograms in micro seconds:\n-----\n");
	if (!n)
		fprintf(out, "No thread hit main:run_start / main:poll_block%s.\n",
			bl->pid >= 0 ? " in that process" : "");
	for (i = 0; i < n; i++) {
		const char *comm = pdata_session__comm(bl->s, v[i]->tid);

		if (i)
			fputc('\n', out);
		fprintf(out, "TID %u (%s):\n", v[i]->tid, comm ? comm : "<unknown>");
		print_series(out, "bridge run loop time  ", "bridge_run_time", &v[i]->run);
		print_series(out, "poll_block() wait time", "poll_block_wait_time", &v[i]->wait);
	}
	free(v);
	return 0;
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
	return o;
}

static int bl_emit_json(struct report *r, json_t *reports)
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
	json_object_set_new(reports, r->ops->json_key, o);
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
	.emit_text = bl_emit_text,
	.emit_json = bl_emit_json,
	.destroy = bl_destroy,
};
