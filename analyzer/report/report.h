/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/report.h - what a report is: the interface every report of
 * ovsperf-analyze implements (struct report_ops) and the context it runs in
 * (struct analyze_ctx).  The commands' framework (cmd/analyze.h) runs
 * reports through this interface; a report needs nothing above this layer.
 *
 * A report is a pdata_tool feeding its engines, and a model: the plain
 * result it computes from them once the recording is read (report_ops.model,
 * one jansson tree = the report's object in the JSON document of
 * ovsperf-json(7), plus '_' members for what only the text shows).  The
 * writers (out/) read only that model.
 */
#ifndef OVSPERF_REPORT_H
#define OVSPERF_REPORT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ovsperf/container.h"
#include "ovsperf/pdata.h"

struct filtercheck;
struct ksyms;
struct report;

/* JSON document version (man/ovsperf-json.7). Bump on incompatible change. */
#define OVP_JSON_SCHEMA_VERSION 1

/* State shared by every command: the common options and the session. */
struct analyze_ctx {
	const char *input;		/* perf.data path, "-" for stdin */
	bool json;			/* --json: one JSON document on stdout */
	const char *html_path;		/* --html FILE */
	bool quiet;			/* --quiet: no progress, no warnings */
	const char *kallsyms_path;	/* --kallsyms FILE */
	struct pdata_session *session;	/* open while reports run */
	bool all_reports;		/* no report named: every applicable one runs,
					 * and one that cannot should step aside */
	struct filtercheck *filters;	/* --cpu/--dev/--time/--pid given: checked against
					 * the recording (cmd/filtercheck.h), else NULL */
	struct ksyms *ksyms;		/* lazily loaded: analyze_ctx__ksyms() */
	bool ksyms_tried;
	unsigned int without;		/* ANALYZE_WITHOUT_*: common options the
					 * command does not take (set before
					 * analyze_parse_args()) */
};

/* Common options a command that is not a report may leave out: refused on
 * its command line with one line, and absent from its --help. */
enum {
	ANALYZE_WITHOUT_JSON = 1 << 0,
	ANALYZE_WITHOUT_HTML = 1 << 1,
};

/*
 * analyze_ctx__ksyms() - kernel symbols for this recording: --kallsyms FILE
 * if given, else the kallsyms stored in the recording, else this machine's
 * /proc/kallsyms when it runs the recorded boot, else NULL.  A text of
 * another boot is never used (the session refuses it, see kboot.h).  Warns
 * once when none are available.
 */
struct ksyms *analyze_ctx__ksyms(struct analyze_ctx *ctx);

/* Options every command understands (-r/-i FILE, --json, --html, --quiet,
 * --kallsyms, -h).  Reports list theirs in report_ops.options with `val`
 * values >= 256 to stay clear of these. */
enum {
	OPT_COMMON_BASE = 0x1000,
	OPT_JSON,
	OPT_HTML,
	OPT_KALLSYMS,
	OPT_QUIET,
};

/**
 * struct report_ops - one report ("latency", "kernel-delay", ...).
 *
 * @name: command name.
 * @json_key: key under "reports" in the JSON document ("kernel_delay").
 * @summary: one line for `ovsperf-analyze --help`.
 * @usage: the report's own options, one per line, for `CMD --help`.
 * @options: getopt_long options of the report (NULL-terminated array, or
 *	NULL); @shortopts: their short letters (or NULL).
 * @create: allocate the report with default options.
 * @option: handle one of @options (key = option's val); return 0, or
 *	negative errno with ovp_err() set (bad usage).
 * @applicable: whether the session's events allow this report (used when
 *	no command is named).
 * @tool: the report's pdata_tool (callbacks); embedded in the report.
 * @model: the report's result once the recording is read (a new reference
 *	in *@model): what every writer reads.
 * @emit_text: print the text report (a report without @model).
 * @emit_json: add the report's object to @reports under @json_key (a report
 *	without @model).
 * @destroy: free everything (NULL-safe).
 * @spool: a report that streams its items while reading (to its item
 *	writer, report.items) into a temporary file instead of stdout, because
 *	other reports print before it: that file, which the runner copies out
 *	before the report's text (or, with --json, before the document);
 *	NULL: none.
 * @json_lines: with --json the report writes JSON Lines (one object per
 *	line) itself; the summary document then follows on one compact line,
 *	so the whole output stays valid JSON Lines.
 * @value_follows: for an option with an optional value given without one
 *	("-s", "--syscall-events"), whether the next argument @next is its
 *	value, as Python's argparse (nargs='?') takes "-s 50000"; NULL: never.
 * @no_recording: called after the options: 1 when the report is made
 *	without a recording (its options named another input), 0 when it
 *	needs one, negative errno (message set) on failure; NULL: 0.
 */
struct report_ops {
	const char *name;
	const char *json_key;
	const char *summary;
	const char *usage;
	const struct option *options;
	const char *shortopts;
	int (*create)(struct report **out, struct analyze_ctx *ctx);
	int (*option)(struct report *r, int key, const char *arg);
	bool (*applicable)(struct pdata_session *s);
	struct pdata_tool *(*tool)(struct report *r);
	int (*model)(struct report *r, json_t **model);
	int (*emit_text)(struct report *r, FILE *out);
	int (*emit_json)(struct report *r, json_t *reports);
	void (*destroy)(struct report *r);
	FILE *(*spool)(struct report *r);
	bool json_lines;
	bool (*value_follows)(int key, const char *next);
	int (*no_recording)(struct report *r);
};

/* Base of every report; reports embed it first and use container_of. */
struct report {
	const struct report_ops *ops;
	struct analyze_ctx *ctx;
	/* The writer of the items the report streams while reading, set by the
	 * runner before the reading (text, or JSON Lines with --json; out/, of
	 * the report's own writer type, report/<name>.h); NULL: none. */
	const void *items;
};

/* A text writer: prints a report's model (out/text.h). */
typedef int (*report_text_fn)(const json_t *model, FILE *out);

#endif /* OVSPERF_REPORT_H */
