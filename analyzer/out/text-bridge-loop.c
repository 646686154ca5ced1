// SPDX-License-Identifier: Apache-2.0
/*
 * out/text-bridge-loop.c - the text of `ovsperf-analyze bridge-loop`, in
 * bridge_loop.bt's look, drawn from the report's model (report/bridge-loop.c,
 * the "bridge_loop" object of ovsperf-json(7)) and from nothing else.  The
 * --list lines are out/bridge-loop-lines.c's.
 */
#include <inttypes.h>

#include "out/hist-json.h"
#include "out/text.h"

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_real(v) ? json_real_value(v) : (double)out_json_u64(v);
}

static int print_series(FILE *out, const char *title, const char *var, const json_t *s)
{
	uint64_t n = out_json_u64(json_object_get(s, "count"));
	struct hist_log2 log2;
	struct hist_lin lin;
	int err;

	fprintf(out, "  %s: %" PRIu64, title, n);
	if (n)
		fprintf(out, ", min %.3f us, mean %.3f us, p99 %.3f us, max %.3f us",
			num(s, "min_ns") / 1e3, num(s, "mean_ns") / 1e3, num(s, "p99_ns") / 1e3,
			num(s, "max_ns") / 1e3);
	fputc('\n', out);
	if (!n)
		return 0;
	err = out_hist_lin_from_json(&lin, json_object_get(s, "_histogram_shape"),
				     json_object_get(s, "histogram"), "lo_us", "hi_us");
	if (err)
		return err;
	out_hist_log2_from_json(&log2, json_object_get(s, "log2_histogram"), "lo_us");
	fprintf(out, "\n@%s (us):\n", var);
	hist_lin__print(&lin, out, "usecs");
	fputc('\n', out);
	hist_log2__print(&log2, out, "usecs");
	fputc('\n', out);
	hist_lin__exit(&lin);
	return 0;
}

int text_bridge_loop(const json_t *model, FILE *out)
{
	const json_t *threads = json_object_get(model, "threads"), *t;
	size_t i;
	int err = 0;

	if (json_is_true(json_object_get(model, "_no_text")))
		return 0;
	fprintf(out, "-----\nShowing run time histograms in micro seconds:\n-----\n");
	if (!json_array_size(threads))
		fprintf(out, "No thread hit main:run_start / main:poll_block%s.\n",
			json_is_true(json_object_get(model, "_pid_given")) ? " in that process"
									   : "");
	json_array_foreach(threads, i, t) {
		const char *comm = json_string_value(json_object_get(t, "name"));

		if (i)
			fputc('\n', out);
		fprintf(out, "TID %" PRIu64 " (%s):\n", out_json_u64(json_object_get(t, "tid")),
			comm ? comm : "<unknown>");
		err = err ?: print_series(out, "bridge run loop time  ", "bridge_run_time",
					  json_object_get(t, "run"));
		err = err ?: print_series(out, "poll_block() wait time", "poll_block_wait_time",
					  json_object_get(t, "poll_wait"));
	}
	return err;
}
