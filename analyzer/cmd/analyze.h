/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/analyze.h - the ovsperf-analyze framework: commands, reports and their
 * common context.
 *
 * A report (report/report.h) is a pdata_tool feeding its engines, and a
 * model: the plain result the report computes from them once the recording
 * is read.
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
 * What a report lists while the recording is read (bridge-loop --list,
 * upcalls, journey) does not wait for the model: each plain item goes to the
 * report's item writer (out/items.h), which analyze_run_reports() gives the
 * report in struct report's items (report/report.h).
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
#include "report/report.h"

/* Close the session and free the symbols. */
void analyze_ctx__exit(struct analyze_ctx *ctx);

/* A non-report command: gets the parsed context and its remaining args. */
struct command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);	/* argv[0] is the command name */
};

/* The registries (cmd/commands.c).  analyze_reports[] has
 * analyze_nr_reports entries, some of which may be NULL. */
extern const struct report_ops *const analyze_reports[];
/* The text writer of a report with a model (NULL: none registered). */
report_text_fn analyze_text_writer(const struct report_ops *ops);
extern const size_t analyze_nr_reports;
/*
 * analyze_item_writer() - the writer of the items a report streams while it
 * reads (journey's packets, upcalls' lines): its JSON Lines form (@json) or
 * its text.  The writers are in out/ (out/items.h) and their type is the
 * report's own (report/<name>.h); cmd/commands.c pairs them, and the runner
 * gives a report its writer in report.items.  NULL: none.
 */
const void *analyze_item_writer(const struct report_ops *ops, bool json);
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
 * for SIGTERM); OVP_EXIT_INPUT when the data was truncated or damaged, or a
 * table reached its cap (ovp_warn_cap(): partial results, one warning
 * printed); else OVP_EXIT_OK.  Also prints on stderr the warning of an
 * interruption, and of records that arrived out of time order.
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
