// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/main.c - ovsperf-analyze: command dispatch and the report runner.
 *
 *	ovsperf-analyze [COMMAND] [OPTIONS] [FILE]
 *
 * COMMAND is a report (latency, kernel-delay, ...) or a plain command
 * (script, info, ...).  Without one, every report the recording allows runs.
 * FILE may also be given with -r or -i; "-" reads a pipe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/analyze.h"
#include "cmd/filtercheck.h"
#include "ovsperf/outfile.h"

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: ovsperf-analyze [COMMAND] [OPTIONS] [FILE]\n"
		"\n"
		"Post-mortem analysis of perf.data recordings of Open vSwitch and kernel\n"
		"networking.  FILE defaults to perf.data; -r FILE and -i FILE name it too,\n"
		"and \"-\" reads a pipe (perf record -o - ... | ovsperf-analyze CMD -).\n"
		"Without COMMAND, every report the recording's events allow is run.\n"
		"\n"
		"Reports:\n");
	for (i = 0; i < analyze_nr_reports; i++) {
		const struct report_ops *r = analyze_reports[i];

		if (r)
			fprintf(out, "  %-14s %s\n", r->name, r->summary);
	}
	fprintf(out, "\nCommands:\n");
	for (i = 0; analyze_commands[i].name; i++) {
		if (analyze_commands[i].main)
			fprintf(out, "  %-14s %s\n", analyze_commands[i].name,
				analyze_commands[i].summary);
	}
	fprintf(out, "\nCommon options:\n%s", analyze_common_usage);
	fprintf(out, "  -V, --version          print the version and exit\n"
		     "\n'ovsperf-analyze COMMAND --help' describes a command's options;\n"
		     "man ovsperf-analyze(1) and ovsperf-json(7) describe the reports.\n");
}

static const struct report_ops *find_report(const char *name)
{
	size_t i;

	for (i = 0; i < analyze_nr_reports; i++) {
		const struct report_ops *r = analyze_reports[i];

		if (r && !strcmp(r->name, name))
			return r;
	}
	return NULL;
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; analyze_commands[i].name; i++) {
		if (analyze_commands[i].main && !strcmp(analyze_commands[i].name, name))
			return &analyze_commands[i];
	}
	return NULL;
}

/* Build one getopt_long table: the report's options then the common ones. */
static struct option *merge_options(const struct option *a, const struct option *b)
{
	size_t na = 0, nb = 0;
	struct option *all;

	while (a && a[na].name)
		na++;
	while (b && b[nb].name)
		nb++;
	all = calloc(na + nb + 1, sizeof(*all));
	if (!all)
		return NULL;
	if (na)
		memcpy(all, a, na * sizeof(*a));
	if (nb)
		memcpy(all + na, b, nb * sizeof(*b));
	return all;
}

static void report_usage(const struct report_ops *ops, FILE *out)
{
	fprintf(out, "Usage: ovsperf-analyze %s [OPTIONS] [FILE]\n\n%s.\n\n", ops->name,
		ops->summary);
	if (ops->usage && ops->usage[0])
		fprintf(out, "Options:\n%s\n", ops->usage);
	fprintf(out, "Common options:\n%s", analyze_common_usage);
}

/* Emit a report that needed no recording (report_ops.no_recording). */
static int run_without_recording(struct analyze_ctx *ctx, struct report *r)
{
	json_t *reports;
	int err;

	if (!ctx->json)
		return analyze_emit_report(r, stdout, NULL) ? -1 : 0;
	reports = json_object();
	err = analyze_emit_report(r, NULL, reports);
	err = err ?: analyze_print_json(NULL, reports);
	if (err)
		ovp_print_error("%s", ovp_errmsg());
	return err ? -1 : 0;
}

/*
 * Run @ops (or every applicable report when @ops is NULL) with argv holding
 * the options and the file.
 */
static int run_reports(const struct report_ops *ops, int argc, char **argv)
{
	struct analyze_ctx ctx = { .input = NULL };
	struct report *reports[32];
	int nr = 0, err = 0, opt, i, longindex = -1, status = OVP_EXIT_INPUT;
	struct filtercheck fc;
	struct option *longopts;
	char shortopts[64] = "r:i:hqV";

	longopts = merge_options(ops ? ops->options : NULL, analyze_common_options);
	if (!longopts) {
		ovp_print_error("out of memory");
		return OVP_EXIT_INPUT;
	}
	if (ops && ops->shortopts)
		strncat(shortopts, ops->shortopts, sizeof(shortopts) - strlen(shortopts) - 1);

	if (ops) {
		err = ops->create(&reports[0], &ctx);
		if (err) {
			ovp_print_error("%s", ovp_errmsg());
			free(longopts);
			return OVP_EXIT_INPUT;
		}
		nr = 1;
	}

	filtercheck__init(&fc);
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, &longindex)) != -1) {
		const char *optname = longindex >= 0 ? longopts[longindex].name : NULL;

		/* A short option: its long name (-p is --pid in every report). */
		for (i = 0; !optname && longopts[i].name; i++)
			if (longopts[i].val == opt)
				optname = longopts[i].name;
		if (!optname && opt == 'p')
			optname = "pid";
		longindex = -1;
		if (opt == 'h') {
			if (ops)
				report_usage(ops, stdout);
			else
				usage(stdout);
			err = 0;
			goto out_usage_done;
		}
		if (opt == 'V') {
			printf("ovsperf-analyze %s\n", OVSPERF_VERSION);
			goto out_usage_done;
		}
		if (opt == '?') {
			fprintf(stderr, "Try 'ovsperf-analyze %s--help' for more information.\n",
				ops ? "COMMAND " : "");
			err = -EINVAL;
			goto out_usage;
		}
		err = analyze_common_option(&ctx, opt, optarg);
		if (err < 0)
			goto out_usage_msg;
		if (err == 1) {
			err = 0;
			continue;
		}
		if (!ops) {
			err = ovp_err(-EINVAL, "option '%s' needs a report command",
				      argv[optind - 1]);
			goto out_usage_msg;
		}
		/* argparse's "-s=50000" is "-s 50000" (getopt would give "=50000"). */
		if (optarg && optarg[0] == '=' && optind > 0 && argv[optind - 1][1] != '-' &&
		    optarg == argv[optind - 1] + 2)
			optarg++;
		/* argparse's optional values: "-s 50000" as well as "-s50000". */
		if (!optarg && ops->value_follows && optind < argc &&
		    ops->value_follows(opt, argv[optind]))
			optarg = argv[optind++];
		err = ops->option(reports[0], opt, optarg);
		if (err < 0)
			goto out_usage_msg;
		filtercheck__note(&fc, optname, optarg);
	}
	if (filtercheck__active(&fc))
		ctx.filters = &fc;
	if (ops && ops->no_recording) {
		err = ops->no_recording(reports[0]);
		if (err < 0) {
			ovp_print_error("%s", ovp_errmsg());
			err = -1;
			goto out;
		}
		if (err > 0) {
			if (optind < argc || ctx.input) {
				err = ovp_err(-EINVAL, "%s: no recording is read with these options",
					      optind < argc ? argv[optind] : ctx.input);
				goto out_usage_msg;
			}
			err = run_without_recording(&ctx, reports[0]);
			status = err ? OVP_EXIT_INPUT : OVP_EXIT_OK;
			goto out;
		}
		err = 0;
	}
	if (optind < argc) {
		if (ctx.input || optind + 1 < argc) {
			err = ovp_err(-EINVAL, "more than one input file given");
			goto out_usage_msg;
		}
		ctx.input = argv[optind];
	}
	if (!ctx.input)
		ctx.input = "perf.data";
	ovp_set_quiet(ctx.quiet);

	err = analyze_open(&ctx);
	if (err) {
		ovp_print_error("%s", ovp_errmsg());
		goto out;
	}
	if (pdata_session__info(ctx.session)->features_lost) {
		/* Reports find their events by name and decode them with the
		 * formats of TRACING_DATA: a file cut before its feature
		 * sections has neither (the reader's warning said why). */
		ovp_print_error("%s: no report can be made without the event names and formats "
				"(lost with the end of the file); 'ovsperf-analyze script' and "
				"'info' show the records that are left", ctx.input);
		goto out;
	}

	if (!ops) {
		size_t k;

		/* A pipe says which events it holds in its first records. */
		err = pdata_session__read_header(ctx.session);
		if (err) {
			ovp_err_prefix(err, "%s", ctx.input);
			ovp_print_error("%s", ovp_errmsg());
			goto out;
		}
		ctx.all_reports = true;
		for (k = 0; k < analyze_nr_reports && nr < 32; k++) {
			const struct report_ops *r = analyze_reports[k];

			if (!r || !r->applicable || !r->applicable(ctx.session))
				continue;
			err = r->create(&reports[nr], &ctx);
			if (err) {
				ovp_print_error("%s", ovp_errmsg());
				goto out;
			}
			nr++;
		}
		if (!nr) {
			ovp_err(-ENOENT, "%s: no report applies to this recording's events "
				"(see 'ovsperf-analyze info %s')", ctx.input, ctx.input);
			ovp_print_error("%s", ovp_errmsg());
			err = -ENOENT;
			goto out;
		}
	}

	analyze_catch_signals(ctx.session);
	err = analyze_run_reports(&ctx, reports, nr);
	analyze_catch_signals(NULL);
	if (err)
		ovp_print_error("%s", ovp_errmsg());
	status = analyze_exit_status(ctx.session, err);
out:
	for (i = 0; i < nr; i++)
		reports[i]->ops->destroy(reports[i]);
	analyze_ctx__exit(&ctx);
	filtercheck__exit(&fc);
	free(longopts);
	/* A filter that matches nothing is a command-line mistake. */
	if (err == FILTERCHECK_NOTHING)
		return OVP_EXIT_USAGE;
	return status;

out_usage_msg:
	ovp_print_error("%s", ovp_errmsg());
out_usage:
	for (i = 0; i < nr; i++)
		reports[i]->ops->destroy(reports[i]);
	filtercheck__exit(&fc);
	free(longopts);
	return OVP_EXIT_USAGE;
out_usage_done:
	for (i = 0; i < nr; i++)
		reports[i]->ops->destroy(reports[i]);
	filtercheck__exit(&fc);
	free(longopts);
	return OVP_EXIT_OK;
}

static int run(int argc, char **argv)
{
	const struct report_ops *rep;
	const struct command *cmd;

	if (argc >= 2 && argv[1][0] != '-') {
		cmd = find_command(argv[1]);
		if (cmd)
			return cmd->main(argc - 1, argv + 1);
		rep = find_report(argv[1]);
		if (rep)
			return run_reports(rep, argc - 1, argv + 1);
		/* A name that is neither a command nor an existing file is a typo. */
		if (access(argv[1], F_OK) != 0) {
			ovp_print_error("'%s' is neither a command nor a file "
					"(see 'ovsperf-analyze --help')", argv[1]);
			return OVP_EXIT_USAGE;
		}
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return OVP_EXIT_OK;
	}
	return run_reports(NULL, argc, argv);
}

int main(int argc, char **argv)
{
	ovp_set_progname("ovsperf-analyze");
	ovp_output_init();
	/* A write error on stdout is an error (exit 1); a reader that went
	 * away ends us quietly by SIGPIPE. */
	return ovp_output_finish(run(argc, argv));
}
