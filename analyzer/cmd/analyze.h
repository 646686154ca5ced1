/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/analyze.h - the ovsperf-analyze framework: commands, reports and their
 * common context.
 *
 * A report is a pdata_tool feeding its engines, and a model: the plain result
 * the report computes from its engines once the recording is read.
 *
 *	main -> parse common + report options -> open the session
 *	     -> pdata_session__process(mux of the reports' tools)
 *	     -> each report's model() -> the writers, which read only the model:
 *	        text (out/text-*.c, paired with the report in cmd/commands.c),
 *	        JSON (the model itself, in one document), HTML (from that
 *	        document, out/html.c).
 *
 * The model is one tree (jansson's json_t): the report's object under
 * "reports" in the JSON document, documented in ovsperf-json(7).  Members
 * whose name begins with '_' are for the text writer only (layout facts the
 * JSON document does not carry): analyze_model_public() drops them before the
 * tree is written as JSON.
 *
 * `ovsperf-analyze FILE` (no command) runs every report whose
 * applicable() says the recording's events allow it, in one pass.
 * Commands that are not reports (script, info, merge, export) have a plain
 * main function instead.
 */
#ifndef OVSPERF_ANALYZE_H
#define OVSPERF_ANALYZE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ovsperf/err.h"
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

/* Close the session and free the symbols. */
void analyze_ctx__exit(struct analyze_ctx *ctx);

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
	bool json_lines;
	bool (*value_follows)(int key, const char *next);
	int (*no_recording)(struct report *r);
};

/* Base of every report; reports embed it first and use container_of. */
struct report {
	const struct report_ops *ops;
	struct analyze_ctx *ctx;
};

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

/* A non-report command: gets the parsed context and its remaining args. */
struct command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);	/* argv[0] is the command name */
};

/* A text writer: prints a report's model (out/text.h). */
typedef int (*report_text_fn)(const json_t *model, FILE *out);

/* The registries (cmd/commands.c).  analyze_reports[] has
 * analyze_nr_reports entries, some of which may be NULL. */
extern const struct report_ops *const analyze_reports[];
/* The text writer of a report with a model (NULL: none registered). */
report_text_fn analyze_text_writer(const struct report_ops *ops);
extern const size_t analyze_nr_reports;
extern const struct command analyze_commands[];

/*
 * Helpers for commands.
 */

/* Parse a common option; returns 1 if @opt was one, 0 if not, <0 on error. */
int analyze_common_option(struct analyze_ctx *ctx, int opt, const char *arg);
/* The getopt_long entries of the common options (to append to a command's). */
extern const struct option analyze_common_options[];
extern const char analyze_common_usage[];

/*
 * analyze_parse_args() - option parsing for commands that are not reports:
 * the common options plus @extra (NULL-terminated, may be NULL), each of
 * which is passed to @handle(key, optarg, arg).  Fills ctx->input (default
 * perf.data) and applies --quiet.  The options in ctx->without are refused.
 *
 * Return: 0 to go on, 1 when --help/--version was printed (exit 0),
 * negative on bad usage (message printed; exit OVP_EXIT_USAGE).
 */
int analyze_parse_args(struct analyze_ctx *ctx, int argc, char **argv,
		       const struct option *extra, const char *usage,
		       int (*handle)(int key, const char *optarg, void *arg), void *arg);

/*
 * analyze_catch_signals() - while @s is processed, SIGINT and SIGTERM stop
 * reading (pdata_session__interrupt) instead of killing us, so the report of
 * what was read is printed, marked partial.  On a live stream the first
 * SIGINT does not stop the reading: Ctrl-C in a terminal reaches the whole
 * pipeline, and perf record flushes its buffers and closes the stream as it
 * exits, so the stream is read to its end; a second SIGINT (or a SIGTERM)
 * stops at once.  NULL restores the actions that were there before.
 */
void analyze_catch_signals(struct pdata_session *s);

/*
 * analyze_exit_status() - the exit status of a command that read a
 * recording: OVP_EXIT_INPUT when @err is set; 128 + the signal number when a
 * signal stopped the reading before the end of the data (130 for SIGINT, 143
 * for SIGTERM); OVP_EXIT_INPUT when the data was truncated or damaged (partial
 * results, one warning printed); else OVP_EXIT_OK.  Also prints the warning
 * of an interruption on stderr.
 */
int analyze_exit_status(struct pdata_session *s, int err);

/* Open ctx->input into ctx->session with the common options applied. */
int analyze_open(struct analyze_ctx *ctx);

/* The "recording" JSON object (facts from the header and the stats). */
json_t *analyze_recording_json(struct pdata_session *s);

/* Print one line on stdout for every LOST/LOST_SAMPLES/truncation fact, or
 * nothing when none: every text report ends with it. */
void analyze_print_losses(struct pdata_session *s, FILE *out);

/* The JSON document { "ovsperf_version", "schema_version", "recording",
 * "reports" }; takes ownership of @reports (NULL: empty).  Caller decrefs. */
json_t *analyze_json_doc(struct pdata_session *s, json_t *reports);

/* Print the JSON document { "ovsperf_version", "schema_version",
 * "recording", "reports" } on stdout; takes ownership of @reports. */
int analyze_print_json(struct pdata_session *s, json_t *reports);
/* The same on one line (JSON Lines output). */
int analyze_print_json_compact(struct pdata_session *s, json_t *reports);

/*
 * struct analyze_mux - one pdata_tool forwarding every callback to several
 * tools in order (the first error stops), so one pass feeds them all.
 */
#define ANALYZE_MUX_MAX 32
struct analyze_mux {
	struct pdata_tool tool;		/* give this to pdata_session__process() */
	struct pdata_tool *tools[ANALYZE_MUX_MAX];
	int nr;
};

void analyze_mux__init(struct analyze_mux *m);
/* Return: 0, or -E2BIG beyond ANALYZE_MUX_MAX tools. */
int analyze_mux__add(struct analyze_mux *m, struct pdata_tool *tool);

/* A copy of @model without its '_' members (at any depth): the report's
 * object as the JSON document shows it.  Caller decrefs. */
json_t *analyze_model_public(const json_t *model);

/*
 * analyze_emit_report() - write one report: its model through its text
 * writer (@out not NULL) and/or its public model under its json_key in
 * @reports (not NULL); a report without a model through emit_text/emit_json.
 */
int analyze_emit_report(struct report *r, FILE *out, json_t *reports);

/* Run reports on ctx->session in one pass and emit them (text or JSON). */
int analyze_run_reports(struct analyze_ctx *ctx, struct report **reports, int nr);

#endif /* OVSPERF_ANALYZE_H */
