// SPDX-License-Identifier: Apache-2.0
/*
 * out/text-kernel-delay.c - the text of `ovsperf-analyze kernel-delay`, in
 * kernel_delay.py's look, drawn from the report's model
 * (report/kernel-delay.c: the "kernel_delay" object of ovsperf-json(7) plus
 * its '_' members) and from nothing else.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "out/hist-json.h"
#include "out/text.h"
#include "ovsperf/strutil.h"

#define INDENT "                            "

static uint64_t u64(const json_t *o, const char *key)
{
	return out_json_u64(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static const char *fmt_n(uint64_t v, char *buf)
{
	return ovp_fmt_thousands(v, buf, 32);
}

/* Soft IRQs by total, descending (vector order among equals). */
static void print_softirqs(FILE *out, const json_t *si)
{
	size_t order[64], n = 0, a, b;
	uint64_t count = 0, total = 0;
	char b1[32], b2[32];

	for (a = 0; a < json_array_size(si) && n < 64; a++)
		order[n++] = a;
	for (a = 1; a < n; a++)
		for (b = a; b > 0 && u64(json_array_get(si, order[b]), "total_ns") >
					 u64(json_array_get(si, order[b - 1]), "total_ns"); b--) {
			size_t tmp = order[b];

			order[b] = order[b - 1];
			order[b - 1] = tmp;
		}
	for (a = 0; a < n; a++) {
		const json_t *x = json_array_get(si, order[a]);

		if (!a)
			fprintf(out, "\n%-10s %-16s %s\n%s%-20s %7s  %10s  %16s  %16s\n", "", "",
				"[SOFT IRQ STATISTICS]", INDENT, "NAME", "VECT_NR", "COUNT",
				"TOTAL ns", "MAX ns");
		fprintf(out, "%s%-20.20s %7u  %10" PRIu64 "  %16s  %16s\n", INDENT, str(x, "name"),
			(unsigned int)u64(x, "vec"), u64(x, "count"), fmt_n(u64(x, "total_ns"), b1),
			fmt_n(u64(x, "max_ns"), b2));
		count += u64(x, "count");
		total += u64(x, "total_ns");
	}
	if (count)
		fprintf(out, "%s%-20.20s %7s  %10" PRIu64 "  %16s\n", INDENT, "TOTAL:", "", count,
			fmt_n(total, b1));
}

/* One section of run, ready, stopped time: printed when it counted any. */
static void print_acc(FILE *out, const char *title, const char *cnt, const json_t *a)
{
	char b1[32], b2[32];

	if (!u64(a, "count"))
		return;
	fprintf(out, "\n%-10s %-16s %s\n%s%-10s  %16s  %16s\n", "", "", title, INDENT, cnt,
		"TOTAL ns", "MAX ns");
	fprintf(out, "%s%10" PRIu64 "  %16s  %16s\n", INDENT, u64(a, "count"),
		fmt_n(u64(a, "total_ns"), b1), fmt_n(u64(a, "max_ns"), b2));
}

static void print_thread(FILE *out, const json_t *t, bool long_poll_all)
{
	const json_t *run = json_object_get(t, "run"), *lp = json_object_get(t, "long_poll");
	const json_t *tot = json_object_get(t, "_sys_total"), *x;
	char b1[32], b2[32], b3[32];
	uint64_t count = 0, total = 0;
	size_t i;

	fprintf(out, "%-10u %-16s %s\n%s%-20s %6s  %10s  %16s  %16s\n",
		(unsigned int)u64(t, "tid"), str(t, "name"), "[SYSCALL STATISTICS]", INDENT,
		"NAME", "NUMBER", "COUNT", "TOTAL ns", "MAX ns");
	json_array_foreach(json_object_get(t, "syscalls"), i, x)
		fprintf(out, "%s%-20.20s %6ld  %10" PRIu64 "  %16s  %16s\n", INDENT,
			str(x, "name"), (long)json_integer_value(json_object_get(x, "nr")),
			u64(x, "count"), fmt_n(u64(x, "total_ns"), b1),
			fmt_n(u64(x, "max_ns"), b2));
	if (u64(tot, "count"))
		fprintf(out, "%s%-20.20s %6s  %10" PRIu64 "  %16s\n", INDENT, "TOTAL( - poll):",
			"", u64(tot, "count"), fmt_n(u64(tot, "total_ns"), b1));

	if (u64(run, "count")) {
		fprintf(out, "\n%-10s %-16s %s\n%s%-10s  %16s  %16s  %16s\n", "", "",
			"[THREAD RUN STATISTICS]", INDENT, "SCHED_CNT", "TOTAL ns", "MIN ns",
			"MAX ns");
		fprintf(out, "%s%10" PRIu64 "  %16s  %16s  %16s\n", INDENT, u64(run, "count"),
			fmt_n(u64(run, "total_ns"), b1), fmt_n(u64(run, "min_ns"), b2),
			fmt_n(u64(run, "max_ns"), b3));
	}
	print_acc(out, "[THREAD READY STATISTICS]", "SCHED_CNT", json_object_get(t, "ready"));
	print_acc(out, "[THREAD STOPPED STATISTICS]", "STOP_CNT", json_object_get(t, "stopped"));
	if (u64(lp, "count") && long_poll_all) {
		/* OVS master's kernel_delay.py columns. */
		fprintf(out, "\n%-10s %-16s %s\n%s%-10s  %16s  %16s  %16s\n", "", "",
			"[LONG POLL STATISTICS]", INDENT, "COUNT", "AVERAGE ns", "MIN ns",
			"MAX ns");
		fprintf(out, "%s%10" PRIu64 "  %16s  %16s  %16s\n", INDENT, u64(lp, "count"),
			fmt_n(u64(lp, "total_ns") / u64(lp, "count"), b1),
			fmt_n(u64(lp, "min_ns"), b2), fmt_n(u64(lp, "max_ns"), b3));
	} else {
		print_acc(out, "[LONG POLL STATISTICS]", "COUNT", lp);
	}
	json_array_foreach(json_object_get(t, "hardirq"), i, x) {
		if (!i)
			fprintf(out, "\n%-10s %-16s %s\n%s%-20s  %10s  %16s  %16s\n", "", "",
				"[HARD IRQ STATISTICS]", INDENT, "NAME", "COUNT", "TOTAL ns",
				"MAX ns");
		fprintf(out, "%s%-20.20s  %10" PRIu64 "  %16s  %16s\n", INDENT, str(x, "name"),
			u64(x, "count"), fmt_n(u64(x, "total_ns"), b1),
			fmt_n(u64(x, "max_ns"), b2));
		count += u64(x, "count");
		total += u64(x, "total_ns");
	}
	if (count)
		fprintf(out, "%s%-20.20s  %10" PRIu64 "  %16s\n", INDENT, "TOTAL:", count,
			fmt_n(total, b1));
	print_softirqs(out, json_object_get(t, "softirq"));
}

static void print_events(FILE *out, const json_t *evs)
{
	const json_t *e, *f;
	char b1[32];
	size_t i, k;

	if (!json_array_size(evs))
		return;
	fprintf(out, "\n\n# SYSCALL EVENTS:\n  %19s %19s %10s %-16s %10s  %s\n", "ENTRY (ns)",
		"EXIT (ns)", "TID", "COMM", "DELTA (us)", "SYSCALL");
	fprintf(out, "  %s %s %s %s %s  %s\n", "-------------------", "-------------------",
		"----------", "----------------", "----------", "----------------");
	json_array_foreach(evs, i, e) {
		uint64_t entry = u64(e, "entry_ns"), exit = u64(e, "exit_ns");

		fprintf(out, "  %19" PRIu64 " %19" PRIu64 " %10u %-16s %10s  %s\n", entry, exit,
			(unsigned int)u64(e, "tid"), str(e, "comm"), fmt_n((exit - entry) / 1000, b1),
			str(e, "name"));
		/* The frames are there unless --stack-trace-size 0. */
		json_array_foreach(json_object_get(e, "frames"), k, f)
			fprintf(out, "          %s\n", json_string_value(f));
	}
}

static void print_upcalls(FILE *out, const json_t *u)
{
	const json_t *x;
	size_t i;

	fprintf(out, "\n# UPCALL STATISTICS (ovs_dp_upcall):\n  Total upcalls       : %" PRIu64
		" [errors %" PRIu64 "]\n", u64(u, "count"), u64(u, "errors"));
	json_array_foreach(json_object_get(u, "per_cpu"), i, x)
		fprintf(out, "  [CPU %03" PRIu64 "]           : %" PRIu64 "\n", u64(x, "cpu"),
			u64(x, "count"));
	json_array_foreach(json_object_get(u, "per_error"), i, x) {
		int64_t err = json_integer_value(json_object_get(x, "error"));

		fprintf(out, "  error %-13" PRId64 ": %" PRIu64 " (%s)\n", err, u64(x, "count"),
			strerror((int)-err));
	}
	if (u64(u, "_other_errors"))
		fprintf(out, "  other errors       : %" PRIu64 "\n", u64(u, "_other_errors"));
}

static void print_busiest(FILE *out, const json_t *model)
{
	const json_t *tids = json_object_get(model, "busiest_tids");
	const json_t *names = json_object_get(model, "_busiest_names");
	size_t i, nr = json_array_size(tids);

	fprintf(out, "# No ovs-vswitchd in the recording: the %zu busiest threads (time on a "
		"CPU plus in system calls) of every process:", nr);
	for (i = 0; i < nr; i++) {
		const char *comm = json_string_value(json_array_get(names, i));

		fprintf(out, "%s %" PRIu64 " (%s)", i ? "," : "",
			out_json_u64(json_array_get(tids, i)), comm ? comm : "?");
	}
	fprintf(out, "\n# Others: ovsperf-analyze kernel-delay --pid PID FILE\n");
}

static void print_sample(FILE *out, const json_t *s, bool long_poll_all)
{
	uint64_t start_trig = u64(s, "start_trigger_ns"), stop_trig = u64(s, "stop_trigger_ns");
	const json_t *t;
	char b2[32];
	size_t j;

	if (start_trig)
		fprintf(out, "# Start sampling (trigger@%" PRIu64 ") @%s\n", start_trig,
			str(s, "_start"));
	else
		fprintf(out, "# Start sampling @%s\n", str(s, "_start"));
	if (stop_trig)
		fprintf(out, "# Stop sampling (trigger@%" PRIu64 ") @%s\n", stop_trig,
			str(s, "_end"));
	else
		fprintf(out, "# Stop sampling @%s%s\n", str(s, "_end"),
			json_is_true(json_object_get(s, "partial")) ? " (end of the recording)" : "");
	if (json_is_true(json_object_get(s, "skipped"))) {
		fprintf(out, "# Sample dump skipped, delta %s ns\n",
			fmt_n(stop_trig - start_trig, b2));
		return;
	}
	if (start_trig && stop_trig)
		fprintf(out, "# Triggered sample dump, stop-start delta %s ns\n",
			fmt_n(stop_trig - start_trig, b2));
	else
		fprintf(out, "# Sample dump (%s ns)\n",
			fmt_n(u64(s, "end_ns") - u64(s, "start_ns"), b2));
	fprintf(out, "%-10s %-16s %s\n", "TID", "THREAD", "<RESOURCE SPECIFIC>");
	fprintf(out, "%-10s %-16s %s\n", "----------", "----------------",
		"----------------------------------------------------------------------------");
	json_array_foreach(json_object_get(s, "threads"), j, t) {
		if (j)
			fputc('\n', out);
		print_thread(out, t, long_poll_all);
	}
	print_events(out, json_object_get(s, "syscall_events"));
	if (json_object_get(s, "upcalls"))
		print_upcalls(out, json_object_get(s, "upcalls"));
}

int text_kernel_delay(const json_t *model, FILE *out)
{
	const json_t *samples = json_object_get(model, "samples"), *s;
	bool long_poll_all = json_is_true(json_object_get(model, "_long_poll_all"));
	size_t i;

	if (json_is_true(json_object_get(model, "_no_text")))
		return 0;
	if (json_object_get(model, "skipped")) {
		fprintf(out, "# kernel-delay skipped: %s\n", str(model, "skipped"));
		return 0;
	}
	if (json_object_get(model, "busiest_tids"))
		print_busiest(out, model);
	if (!json_array_size(samples))
		fprintf(out, "# No sample: %s\n",
			json_is_true(json_object_get(model, "_triggers"))
				? "the trigger never fired in the recording"
				: "no event in the recording");
	json_array_foreach(samples, i, s) {
		if (i)
			fputc('\n', out);
		print_sample(out, s, long_poll_all);
	}
	if (json_is_true(json_object_get(model, "_trigger_miss_warning")))
		fprintf(out, "\n# WARNING: %" PRIu64 " start triggers fired while a window was "
			"open or within --sample-interval of the last one\n",
			u64(model, "trigger_miss"));
	return 0;
}
