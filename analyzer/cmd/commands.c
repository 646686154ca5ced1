// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/commands.c - the registry of ovsperf-analyze's reports and commands,
 * and where reports meet their writers: the text writer of each report's
 * model (out/text.h) and the writers of the items a report streams while
 * reading (out/items.h).  Reports and writers do not know each other.
 *
 * Reports are listed in the order `ovsperf-analyze FILE` runs them.  They are
 * weak references so that a report file can be added (or left out of a
 * partial build) without touching this table: a missing one is skipped.
 */
#include <stddef.h>

#include "cmd/analyze.h"
#include "out/items.h"
#include "out/text.h"

#define REPORT(sym) extern const struct report_ops sym __attribute__((weak));
REPORT(report_latency_ops)
REPORT(report_kernel_delay_ops)
REPORT(report_bridge_loop_ops)
REPORT(report_upcall_cost_ops)
REPORT(report_journey_ops)
REPORT(report_drops_ops)
REPORT(report_upcalls_ops)
#undef REPORT

const struct report_ops *const analyze_reports[] = {
	&report_latency_ops,
	&report_kernel_delay_ops,
	&report_bridge_loop_ops,
	&report_upcall_cost_ops,
	&report_journey_ops,
	&report_drops_ops,
	&report_upcalls_ops,
};
/* Entries above may be NULL (weak, not linked): iterate up to this count. */
const size_t analyze_nr_reports = sizeof(analyze_reports) / sizeof(analyze_reports[0]);

/* Each report with a model and its text writer (out/text.h): the writers
 * know models only, the reports know no writer; they meet here. */
static const struct {
	const struct report_ops *ops;
	report_text_fn text;
} text_writers[] = {
	{ &report_latency_ops, text_latency },
	{ &report_journey_ops, text_journey },
	{ &report_drops_ops, text_drops },
	{ &report_upcalls_ops, text_upcalls },
	{ &report_kernel_delay_ops, text_kernel_delay },
	{ &report_bridge_loop_ops, text_bridge_loop },
	{ &report_upcall_cost_ops, text_upcall_cost },
	{ NULL, NULL },
};

report_text_fn analyze_text_writer(const struct report_ops *ops)
{
	size_t i;

	for (i = 0; i < sizeof(text_writers) / sizeof(text_writers[0]); i++)
		if (text_writers[i].ops == ops)
			return text_writers[i].text;
	return NULL;
}

/* Each report that streams items while reading and its two item writers
 * (out/items.h), of the report's own writer type (report/<name>.h). */
static const struct {
	const struct report_ops *ops;
	const void *text, *json;
} item_writers[] = {
	{ &report_journey_ops, &journey_text_blocks, &journey_json_blocks },
	{ &report_upcalls_ops, &upcall_text_lines, &upcall_json_lines },
	/* bridge-loop --list: text only (its JSON has no list). */
	{ &report_bridge_loop_ops, &bl_text_iterations, NULL },
};

const void *analyze_item_writer(const struct report_ops *ops, bool json)
{
	size_t i;

	for (i = 0; i < sizeof(item_writers) / sizeof(item_writers[0]); i++)
		if (item_writers[i].ops == ops)
			return json ? item_writers[i].json : item_writers[i].text;
	return NULL;
}

#define COMMAND(fn) int fn(int argc, char **argv) __attribute__((weak));
COMMAND(cmd_script)
COMMAND(cmd_info)
COMMAND(cmd_merge)
COMMAND(cmd_export)
#undef COMMAND

const struct command analyze_commands[] = {
	{ "script", "print every sample as perf script does", cmd_script },
	{ "info", "recording facts: features, events, counts, losses, time span", cmd_info },
	{ "merge", "merge JSON reports from several hosts", cmd_merge },
	{ "export", "export to Perfetto (trace events) or pcapng", cmd_export },
	{ NULL, NULL, NULL },	/* main may be NULL (weak, not linked) */
};
