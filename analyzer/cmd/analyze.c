// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/analyze.c - what every ovsperf-analyze command shares: common options,
 * opening the recording, the "recording" JSON object, loss lines, and the
 * one-pass runner that feeds several reports from one session.  In the
 * pipeline: the top (cmd/), where each report's model meets its writers
 * (analyze_emit_report(): the items a report spooled while reading, then its
 * model through its text writer or into the JSON document).
 */
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/analyze.h"
#include "cmd/filtercheck.h"
#include "out/html.h"
#include "ovsperf/archive.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/outfile.h"
#include "ovsperf/strutil.h"

const struct option analyze_common_options[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

const char analyze_common_usage[] =
	"  -r, -i, --input FILE   the recording (default perf.data; \"-\" = stdin)\n"
	"      --json             one JSON document on stdout (ovsperf-json(7))\n"
	"      --html FILE        also write a self-contained HTML report\n"
	"      --kallsyms FILE    kernel symbols of the recorded boot (overrides the\n"
	"                         kallsyms stored in the recording; refused when its\n"
	"                         _text is not where the recording's kernel was)\n"
	"  -q, --quiet            no progress and no warnings on stderr\n"
	"  -h, --help             this help\n";

int analyze_common_option(struct analyze_ctx *ctx, int opt, const char *arg)
{
	switch (opt) {
	case 'r':
	case 'i':
		if (ctx->input)
			return ovp_err(-EINVAL, "more than one input file given");
		ctx->input = arg;
		return 1;
	case OPT_JSON:
		ctx->json = true;
		return 1;
	case OPT_HTML:
		ctx->html_path = arg;
		return 1;
	case OPT_KALLSYMS:
		ctx->kallsyms_path = arg;
		return 1;
	case 'q':
		ctx->quiet = true;
		return 1;
	default:
		return 0;
	}
}

/* The common options' help, less the lines of the options in @without. */
static void print_common_usage(FILE *out, unsigned int without)
{
	const char *line = analyze_common_usage, *nl;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		if ((without & ANALYZE_WITHOUT_JSON) && !strncmp(line, "      --json ", 13))
			continue;
		if ((without & ANALYZE_WITHOUT_HTML) && !strncmp(line, "      --html ", 13))
			continue;
		fwrite(line, 1, (size_t)(nl - line) + 1, out);
	}
}

int analyze_parse_args(struct analyze_ctx *ctx, int argc, char **argv,
		       const struct option *extra, const char *usage,
		       int (*handle)(int key, const char *optarg, void *arg), void *arg)
{
	struct option opts[64];
	size_t n = 0, i;
	int opt, err;

	for (i = 0; extra && extra[i].name && n < 32; i++)
		opts[n++] = extra[i];
	for (i = 0; analyze_common_options[i].name; i++)
		opts[n++] = analyze_common_options[i];
	memset(&opts[n], 0, sizeof(opts[n]));

	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:i:hqV", opts, NULL)) != -1) {
		if (opt == 'h') {
			printf("%s\nCommon options:\n", usage);
			print_common_usage(stdout, ctx->without);
			return 1;
		}
		if ((opt == OPT_JSON && (ctx->without & ANALYZE_WITHOUT_JSON)) ||
		    (opt == OPT_HTML && (ctx->without & ANALYZE_WITHOUT_HTML))) {
			/* Accepted and ignored, it would look like it worked. */
			ovp_print_error("%s: %s is not an option of this command (see "
					"'ovsperf-analyze %s --help')", argv[0],
					opt == OPT_JSON ? "--json" : "--html", argv[0]);
			return -EINVAL;
		}
		if (opt == 'V') {
			printf("ovsperf-analyze %s\n", OVSPERF_VERSION);
			return 1;
		}
		if (opt == '?')
			goto bad;
		err = analyze_common_option(ctx, opt, optarg);
		if (err == 0 && handle)
			err = handle(opt, optarg, arg) ?: 1;
		if (err < 0) {
			ovp_print_error("%s", ovp_errmsg());
			goto bad;
		}
		if (err == 0)
			goto bad;
	}
	if (optind < argc) {
		if (ctx->input || optind + 1 < argc) {
			ovp_print_error("more than one input file given");
			goto bad;
		}
		ctx->input = argv[optind];
	}
	if (!ctx->input)
		ctx->input = "perf.data";
	ovp_set_quiet(ctx->quiet);
	return 0;
bad:
	fprintf(stderr, "Try 'ovsperf-analyze %s --help'.\n", argv[0]);
	return -EINVAL;
}

static struct pdata_session *volatile signalled_session;
static volatile sig_atomic_t signalled_stream;	/* the session reads a live stream */
static volatile sig_atomic_t sigint_seen;	/* a first SIGINT left a stream running */
static volatile sig_atomic_t stop_signal;	/* the signal that stopped the reading */

static void on_stop_signal(int sig)
{
	if (sig == SIGINT && signalled_stream && !sigint_seen) {
		/* The writer got it too: read what it flushes until it closes
		 * the stream.  The next SIGINT stops at once. */
		sigint_seen = 1;
		return;
	}
	if (!stop_signal)
		stop_signal = sig;
	if (signalled_session)
		pdata_session__interrupt(signalled_session);
}

void analyze_catch_signals(struct pdata_session *s)
{
	/* What was there before (SIG_DFL, or the handler of an output file
	 * being written, lib/outfile.c): put back when reading ends. */
	static struct sigaction old_int, old_term;
	static bool caught;
	/* No SA_RESTART: a blocking read of a live pipe must return. */
	struct sigaction sa = { .sa_handler = on_stop_signal };

	if (!s) {
		if (caught) {
			signalled_session = NULL;
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			caught = false;
		}
		return;
	}
	stop_signal = 0;
	sigint_seen = 0;
	signalled_stream = pdata_session__is_stream(s);
	signalled_session = s;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, caught ? NULL : &old_int);
	sigaction(SIGTERM, &sa, caught ? NULL : &old_term);
	caught = true;
}

int analyze_exit_status(struct pdata_session *s, int err)
{
	const struct pdata_stats *st;

	if (err || !s)
		return OVP_EXIT_INPUT;
	st = pdata_session__stats(s);
	if (st->interrupted) {
		int sig = stop_signal ? stop_signal : SIGINT;

		ovp_warn("%s: interrupted by %s: results cover the %" PRIu64 " bytes of data read "
			 "before it", pdata_session__path(s), sig == SIGTERM ? "SIGTERM" : "SIGINT",
			 st->bytes_read);
		return 128 + sig;
	}
	/* Records queued behind what was already delivered, as perf warns of
	 * them ("out of order events recorded"): they were processed late, so
	 * an interval they end or start may be missing or wrong. */
	if (st->nr_out_of_order)
		ovp_warn("%s: %" PRIu64 " record%s arrived out of time order, after later ones "
			 "had been processed: intervals they start or end may be missing or "
			 "wrong", pdata_session__path(s), st->nr_out_of_order,
			 st->nr_out_of_order == 1 ? "" : "s");
	/* A cap reached (one warning said which) leaves partial results too. */
	return st->truncated || ovp_cap_reached() ? OVP_EXIT_INPUT : OVP_EXIT_OK;
}

int analyze_open(struct analyze_ctx *ctx)
{
	struct pdata_open_opts opts = {
		.sz = sizeof(opts),
		.progress = !ctx->quiet && isatty(STDERR_FILENO),
		.kallsyms_path = ctx->kallsyms_path,
	};
	int err;

	err = pdata_session__open(&ctx->session, ctx->input, &opts);
	if (err)
		return ovp_err_prefix(err, "%s", ctx->input);
	return 0;
}

void analyze_ctx__exit(struct analyze_ctx *ctx)
{
	ksyms__free(ctx->ksyms);
	ctx->ksyms = NULL;
	pdata_session__close(ctx->session);
	ctx->session = NULL;
}

/* The "archive" member of the recording: what MANIFEST says, and members. */
static json_t *archive_json(const struct archive_reader *a)
{
	static const char *const keys[] = { "ovsperf-archive", "created-by", "source", "hostname",
					    "created" };
	json_t *o = json_object(), *names = json_array();
	size_t i, len;
	int n;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = archive_reader__manifest(a, keys[i], &len);
		char name[32];

		snprintf(name, sizeof(name), "%s", i == 0 ? "format" : keys[i]);
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (v && (i == 0 || i == 4))
			json_object_set_new(o, name, json_integer(strtoll(v, NULL, 10)));
		else
			json_object_set_new(o, name, v ? json_stringn(v, len) : json_null());
	}
	for (n = 0; n < archive_reader__nr_members(a); n++)
		json_array_append_new(names, json_string(archive_reader__member_name(a, n)));
	json_object_set_new(o, "members", names);
	return o;
}

json_t *analyze_recording_json(struct pdata_session *s)
{
	const struct pdata_info *info;
	const struct pdata_stats *st;
	json_t *rec, *counts, *lost;
	uint64_t total = 0;
	int i, n;

	/* A report made without a recording (upcall-cost --read-sets). */
	if (!s)
		return json_null();
	info = pdata_session__info(s);
	st = pdata_session__stats(s);
	rec = json_object();
	counts = json_object();
	lost = json_object();
	n = pdata_session__nr_evsels(s);

	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);

		json_object_set_new(counts, ev->name, json_integer(ev->nr_samples));
		total += ev->nr_samples;
	}
	json_object_set_new(rec, "path", json_string(pdata_session__path(s)));
	json_object_set_new(rec, "events", json_integer(total));
	json_object_set_new(rec, "event_counts", counts);
	json_object_set_new(lost, "events", json_integer(st->nr_lost));
	json_object_set_new(lost, "records", json_integer(st->nr_lost_records));
	json_object_set_new(lost, "samples", json_integer(st->nr_lost_samples));
	/* LOST records and LOST_SAMPLES count the same ring-buffer overflows
	 * (LOST when the kernel can write again; LOST_SAMPLES as the per-event
	 * totals perf appends at the end): they overlap, so the larger one is
	 * the number of events lost, never their sum. */
	json_object_set_new(rec, "lost", json_integer(st->nr_lost > st->nr_lost_samples ?
						      st->nr_lost : st->nr_lost_samples));
	json_object_set_new(rec, "lost_detail", lost);
	json_object_set_new(rec, "truncated", json_boolean(st->truncated));
	json_object_set_new(rec, "interrupted", json_boolean(st->interrupted));
	json_object_set_new(rec, "partial",
			    json_boolean(st->truncated || st->interrupted || ovp_cap_reached()));
	json_object_set_new(rec, "first_ns", json_integer(st->first_time));
	json_object_set_new(rec, "last_ns", json_integer(st->last_time));
	json_object_set_new(rec, "duration_ns",
			    json_integer(st->last_time >= st->first_time ?
					 st->last_time - st->first_time : 0));
	{
		uint64_t tod;
		char b[48];

		json_object_set_new(rec, "wall_clock_first",
				    st->last_time && pdata_info__tod(info, st->first_time, &tod) ?
				    json_string(ovp_fmt_tod(tod, b, sizeof(b))) : json_null());
		json_object_set_new(rec, "wall_clock_last",
				    st->last_time && pdata_info__tod(info, st->last_time, &tod) ?
				    json_string(ovp_fmt_tod(tod, b, sizeof(b))) : json_null());
	}
	json_object_set_new(rec, "hostname", info->hostname ? json_string(info->hostname)
							    : json_null());
	json_object_set_new(rec, "os_release", info->os_release ? json_string(info->os_release)
								: json_null());
	json_object_set_new(rec, "arch", info->arch ? json_string(info->arch) : json_null());
	json_object_set_new(rec, "nr_cpus", json_integer(info->nr_cpus_online));
	json_object_set_new(rec, "nr_cpus_avail", json_integer(info->nr_cpus_avail));
	json_object_set_new(rec, "perf_version", info->version ? json_string(info->version)
							       : json_null());
	json_object_set_new(rec, "cmdline", info->cmdline ? json_string(info->cmdline)
							  : json_null());
	json_object_set_new(rec, "pipe_mode", json_boolean(info->pipe_mode));
	json_object_set_new(rec, "compressed", json_boolean(info->compressed));
	json_object_set_new(rec, "kallsyms_stored", json_boolean(info->kallsyms != NULL));
	json_object_set_new(rec, "kallsyms_source", info->kallsyms_source ?
			    json_string(info->kallsyms_source) : json_null());
	if (pdata_session__archive(s))
		json_object_set_new(rec, "archive", archive_json(pdata_session__archive(s)));
	return rec;
}

void analyze_print_losses(struct pdata_session *s, FILE *out)
{
	const struct pdata_stats *st = pdata_session__stats(s);
	int i, n = pdata_session__nr_evsels(s);

	if (st->nr_lost || st->nr_lost_records)
		fprintf(out, "LOST: %" PRIu64 " events lost in %" PRIu64
			" PERF_RECORD_LOST records (ring buffer overflow)\n",
			st->nr_lost, st->nr_lost_records);
	if (st->nr_lost_samples)
		fprintf(out, "LOST: %" PRIu64 " samples lost (PERF_RECORD_LOST_SAMPLES)\n",
			st->nr_lost_samples);
	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);

		if (ev->nr_lost || ev->nr_lost_samples)
			fprintf(out, "LOST:   %s: %" PRIu64 " events, %" PRIu64 " samples\n",
				ev->name, ev->nr_lost, ev->nr_lost_samples);
	}
	if (st->truncated)
		fprintf(out, "WARNING: the recording is truncated or damaged; results are partial: "
			"they cover what was read (%" PRIu64 " bytes of data)\n", st->bytes_read);
	if (st->interrupted)
		fprintf(out, "WARNING: interrupted by a signal; results are partial: they cover "
			"what was read (%" PRIu64 " bytes of data)\n", st->bytes_read);
}

json_t *analyze_json_doc(struct pdata_session *s, json_t *reports)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "ovsperf_version", json_string(OVSPERF_VERSION));
	json_object_set_new(doc, "schema_version", json_integer(OVP_JSON_SCHEMA_VERSION));
	json_object_set_new(doc, "recording", analyze_recording_json(s));
	json_object_set_new(doc, "reports", reports ? reports : json_object());
	return doc;
}

static int print_json(struct pdata_session *s, json_t *reports, size_t flags)
{
	json_t *doc = analyze_json_doc(s, reports);
	int err;

	err = json_dumpf(doc, stdout, flags | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(doc);
	if (err || ferror(stdout))
		return ovp_stdout_check() ?: ovp_err(-EIO, "cannot write JSON");
	return 0;
}

int analyze_print_json(struct pdata_session *s, json_t *reports)
{
	return print_json(s, reports, JSON_INDENT(2));
}

int analyze_print_json_compact(struct pdata_session *s, json_t *reports)
{
	return print_json(s, reports, JSON_COMPACT);
}

/*
 * The mux: one pdata_tool that forwards every callback to several tools, so
 * `ovsperf-analyze FILE` (and export) read the file once.
 */
#define MUX_FORWARD(cb, ...)                                                   \
	do {                                                                   \
		struct analyze_mux *m = container_of(tool, struct analyze_mux, tool); \
		int i, err;                                                    \
		for (i = 0; i < m->nr; i++) {                                  \
			err = m->tools[i]->cb(m->tools[i], __VA_ARGS__);       \
			if (err)                                               \
				return err;                                    \
		}                                                              \
		return 0;                                                      \
	} while (0)

static int mux_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	MUX_FORWARD(ready, s);
}

static int mux_done(struct pdata_tool *tool, struct pdata_session *s)
{
	MUX_FORWARD(done, s);
}

static int mux_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	MUX_FORWARD(sample, sample);
}

#define MUX_RECORD_CB(cb)                                                           \
	static int mux_##cb(struct pdata_tool *tool, const union perf_event *event,  \
			    const struct pdata_sample *sample)                       \
	{                                                                           \
		MUX_FORWARD(cb, event, sample);                                     \
	}
MUX_RECORD_CB(comm)
MUX_RECORD_CB(fork)
MUX_RECORD_CB(exit)
MUX_RECORD_CB(mmap)
MUX_RECORD_CB(other)

static int mux_lost(struct pdata_tool *tool, const struct pdata_lost *lost)
{
	MUX_FORWARD(lost, lost);
}

void analyze_mux__init(struct analyze_mux *m)
{
	pdata_tool__init(&m->tool);
	m->tool.ready = mux_ready;
	m->tool.done = mux_done;
	m->tool.sample = mux_sample;
	m->tool.comm = mux_comm;
	m->tool.fork = mux_fork;
	m->tool.exit = mux_exit;
	m->tool.mmap = mux_mmap;
	m->tool.lost = mux_lost;
	m->tool.other = mux_other;
	m->nr = 0;
}

int analyze_mux__add(struct analyze_mux *m, struct pdata_tool *tool)
{
	if (m->nr == ANALYZE_MUX_MAX)
		return ovp_err(-E2BIG, "more than %d reports in one pass", ANALYZE_MUX_MAX);
	m->tools[m->nr++] = tool;
	return 0;
}

/*
 * The recording's span in wall-clock time, when it has CLOCK_DATA: one line
 * before the reports, so that their recording times can be matched with a
 * log line (OVS logs are in UTC).
 */
static void print_wall_clock(struct pdata_session *s, FILE *out)
{
	const struct pdata_stats *st = pdata_session__stats(s);
	char a[48], b[48];
	uint64_t first, last;

	if (!st->last_time || !pdata_info__tod(pdata_session__info(s), st->first_time, &first) ||
	    !pdata_info__tod(pdata_session__info(s), st->last_time, &last))
		return;
	fprintf(out, "Wall clock: %s to %s (recording times %.9f to %.9f)\n\n",
		ovp_fmt_tod(first, a, sizeof(a)), ovp_fmt_tod(last, b, sizeof(b)),
		st->first_time / 1e9, st->last_time / 1e9);
}

json_t *analyze_model_public(const json_t *model)
{
	json_t *copy, *v;
	const char *key;
	size_t i;

	if (json_is_object(model)) {
		copy = json_object();
		json_object_foreach((json_t *)model, key, v)
			if (key[0] != '_')
				json_object_set_new(copy, key, analyze_model_public(v));
		return copy;
	}
	if (json_is_array(model)) {
		copy = json_array();
		json_array_foreach(model, i, v)
			json_array_append_new(copy, analyze_model_public(v));
		return copy;
	}
	return json_incref((json_t *)model);
}

/* Copy what a report spooled while reading (report_ops.spool) to @out. */
static int copy_spool(FILE *spool, FILE *out)
{
	char buf[65536];
	size_t n;

	if (fflush(spool) || ferror(spool))
		return ovp_err(-EIO, "cannot write a temporary file");
	rewind(spool);
	while ((n = fread(buf, 1, sizeof(buf), spool)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			return out == stdout ? ovp_stdout_check() ?: -EIO
					     : ovp_err(-EIO, "cannot write the output");
	}
	return ferror(spool) ? ovp_err(-EIO, "cannot read a temporary file") : 0;
}

int analyze_emit_report(struct report *r, FILE *out, json_t *reports)
{
	const struct report_ops *ops = r->ops;
	report_text_fn text;
	json_t *model = NULL;
	int err = 0;

	if (!ops->model) {
		if (reports)
			err = ops->emit_json(r, reports);
		if (!err && out)
			err = ops->emit_text(r, out);
		return err;
	}
	/* The items streamed while reading come before the summary: on the
	 * text output, or (--json) on stdout before the document. */
	if (ops->spool && ops->spool(r)) {
		err = copy_spool(ops->spool(r), out ? out : stdout);
		err = err ?: out ? 0 : ovp_stdout_check();
		if (err)
			return err;
	}
	err = ops->model(r, &model);
	if (err)
		return err;
	if (reports)
		json_object_set_new(reports, ops->json_key, analyze_model_public(model));
	if (out) {
		text = analyze_text_writer(ops);
		err = text ? text(model, out)
			   : ovp_err(-ENOSYS, "%s: no text writer registered", ops->name);
	}
	json_decref(model);
	return err;
}

int analyze_run_reports(struct analyze_ctx *ctx, struct report **reports, int nr)
{
	struct pdata_tool *tool;
	struct analyze_mux mux;
	json_t *json = NULL;
	int i, err;

	/* Reports that stream items while reading write them with these. */
	for (i = 0; i < nr; i++)
		reports[i]->items = analyze_item_writer(reports[i]->ops, ctx->json);
	if (nr == 1 && !ctx->filters) {
		tool = reports[0]->ops->tool(reports[0]);
	} else {
		analyze_mux__init(&mux);
		for (i = 0; i < nr; i++) {
			err = analyze_mux__add(&mux, reports[i]->ops->tool(reports[i]));
			if (err)
				return err;
		}
		if (ctx->filters) {
			err = analyze_mux__add(&mux, filtercheck__tool(ctx->filters));
			if (err)
				return err;
		}
		tool = &mux.tool;
	}

	err = pdata_session__process(ctx->session, tool);
	if (err)
		return ovp_err_prefix(err, "%s", ctx->input);
	/* A filter nothing in the recording matches: say so, print no report. */
	if (ctx->filters) {
		err = filtercheck__verdict(ctx->filters, ctx->input);
		if (err)
			return err;
	}

	/* --html is written from the same JSON model as --json. */
	if (ctx->json || ctx->html_path)
		json = json_object();
	/* Not after the lines of a report that printed while reading. */
	for (i = 0; i < nr && !reports[i]->ops->json_lines; i++)
		;
	if (!ctx->json && i == nr)
		print_wall_clock(ctx->session, stdout);
	for (i = 0; i < nr; i++) {
		if (!ctx->json) {
			if (i)
				fputc('\n', stdout);
			/* Several reports: each one says what it is first. */
			if (ctx->all_reports)
				printf("=== %s: %s ===\n", reports[i]->ops->name,
				       reports[i]->ops->summary);
		}
		err = analyze_emit_report(reports[i], ctx->json ? NULL : stdout, json);
		if (err) {
			json_decref(json);
			return err;
		}
	}
	if (ctx->html_path) {
		json_t *doc = analyze_json_doc(ctx->session, json_incref(json));

		err = out_html_write(ctx->html_path, doc);
		json_decref(doc);
		if (err) {
			json_decref(json);
			return err;
		}
	}
	if (ctx->json) {
		/* The default run writes one document: a report that writes
		 * JSON Lines on its own gives only its summary there. */
		for (i = 0; i < nr && !ctx->all_reports; i++)
			if (reports[i]->ops->json_lines)
				return analyze_print_json_compact(ctx->session, json);
		return analyze_print_json(ctx->session, json);
	}
	json_decref(json);
	analyze_print_losses(ctx->session, stdout);
	return 0;
}
