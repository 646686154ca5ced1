// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/info.c - `ovsperf-analyze info`: what a recording holds.  Header
 * features (host, kernel, arch, CPUs, command line), each event with its
 * sample count and losses, records by type, first/last sample time and
 * duration.  Reads the whole file (counts need it); --json gives the
 * "recording" object of ovsperf-json(7) plus "records" and "features".
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cmd/analyze.h"
#include "out/html.h"

static const char *sample_type_str(uint64_t t, char *buf, size_t size)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bits[] = {
		{ PERF_SAMPLE_IP, "IP" }, { PERF_SAMPLE_TID, "TID" },
		{ PERF_SAMPLE_TIME, "TIME" }, { PERF_SAMPLE_ADDR, "ADDR" },
		{ PERF_SAMPLE_READ, "READ" }, { PERF_SAMPLE_CALLCHAIN, "CALLCHAIN" },
		{ PERF_SAMPLE_ID, "ID" }, { PERF_SAMPLE_CPU, "CPU" },
		{ PERF_SAMPLE_PERIOD, "PERIOD" }, { PERF_SAMPLE_STREAM_ID, "STREAM_ID" },
		{ PERF_SAMPLE_RAW, "RAW" }, { PERF_SAMPLE_BRANCH_STACK, "BRANCH_STACK" },
		{ PERF_SAMPLE_REGS_USER, "REGS_USER" }, { PERF_SAMPLE_STACK_USER, "STACK_USER" },
		{ PERF_SAMPLE_WEIGHT, "WEIGHT" }, { PERF_SAMPLE_DATA_SRC, "DATA_SRC" },
		{ PERF_SAMPLE_IDENTIFIER, "IDENTIFIER" }, { PERF_SAMPLE_TRANSACTION, "TRANSACTION" },
		{ PERF_SAMPLE_REGS_INTR, "REGS_INTR" }, { PERF_SAMPLE_PHYS_ADDR, "PHYS_ADDR" },
		{ PERF_SAMPLE_AUX, "AUX" }, { PERF_SAMPLE_CGROUP, "CGROUP" },
		{ PERF_SAMPLE_DATA_PAGE_SIZE, "DATA_PAGE_SIZE" },
		{ PERF_SAMPLE_CODE_PAGE_SIZE, "CODE_PAGE_SIZE" },
		{ PERF_SAMPLE_WEIGHT_STRUCT, "WEIGHT_STRUCT" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(t & bits[i].bit))
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", len ? "|" : "",
					bits[i].name);
	}
	return buf;
}

static void print_time(FILE *out, const char *label, uint64_t ns)
{
	fprintf(out, "%-16s %" PRIu64 ".%09" PRIu64 "\n", label, ns / UINT64_C(1000000000),
		ns % UINT64_C(1000000000));
}

static int info_text(struct pdata_session *s, FILE *out)
{
	const struct pdata_info *in = pdata_session__info(s);
	const struct pdata_stats *st = pdata_session__stats(s);
	int i, n = pdata_session__nr_evsels(s);
	uint64_t total = 0;
	char buf[512];

	fprintf(out, "%-16s %s\n", "file:", pdata_session__path(s));
	fprintf(out, "%-16s %s%s\n", "format:", in->pipe_mode ? "pipe stream" : "file",
		in->compressed ? ", zstd compressed records" : "");
#define STR(label, v) fprintf(out, "%-16s %s\n", label, (v) ? (v) : "(not recorded)")
	STR("hostname:", in->hostname);
	STR("os release:", in->os_release);
	STR("arch:", in->arch);
	fprintf(out, "%-16s %u online, %u available\n", "cpus:", in->nr_cpus_online,
		in->nr_cpus_avail);
	STR("cpu:", in->cpu_desc);
	if (in->total_mem_kb)
		fprintf(out, "%-16s %" PRIu64 " kB\n", "memory:", in->total_mem_kb);
	STR("perf version:", in->version);
	STR("command line:", in->cmdline);
	if (in->has_clockid)
		fprintf(out, "%-16s %" PRIu64 "\n", "clockid:", in->clockid);
	if (in->has_clock_data)
		fprintf(out, "%-16s tod %" PRIu64 " ns at clock %" PRIu64 " ns\n", "clock data:",
			in->clock_tod_ns, in->clock_clk_ns);
	if (in->kallsyms_host)
		fprintf(out, "%-16s %s\n", "kallsyms:",
			"this machine's /proc/kallsyms (it runs the recorded boot)");
	else if (in->kallsyms && !strcmp(in->kallsyms_source, "recording"))
		fprintf(out, "%-16s %s\n", "kallsyms:", "stored with the recording");
	else if (in->kallsyms && !strcmp(in->kallsyms_source, "archive"))
		fprintf(out, "%-16s %s\n", "kallsyms:", "from the archive");
	else if (in->kallsyms)
		fprintf(out, "%-16s --kallsyms %s\n", "kallsyms:", in->kallsyms_source);
	else if (in->kallsyms_refused)
		fprintf(out, "%-16s %s\n", "kallsyms:", "refused: not the recorded boot's");
	else
		fprintf(out, "%-16s %s\n", "kallsyms:", "not stored (use --kallsyms FILE)");
	fprintf(out, "%-16s", "features:");
	for (i = 1; i < PDATA_FEAT_MAX; i++)
		if (pdata_session__has_feature(s, i) && pdata_feature_name(i))
			fprintf(out, " %s", pdata_feature_name(i));
	if (st->nr_unknown_features)
		fprintf(out, " (and %" PRIu64 " unknown, skipped)", st->nr_unknown_features);
	fputc('\n', out);
	if (pdata_session__nr_build_ids(s))
		fprintf(out, "%-16s %d\n", "build ids:", pdata_session__nr_build_ids(s));

	fprintf(out, "\n%-40s %12s %10s %10s  %s\n", "EVENT", "SAMPLES", "LOST", "LOST-SMPL",
		"SAMPLE TYPE");
	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);

		total += ev->nr_samples;
		fprintf(out, "%-40s %12" PRIu64 " %10" PRIu64 " %10" PRIu64 "  %s\n", ev->name,
			ev->nr_samples, ev->nr_lost, ev->nr_lost_samples,
			sample_type_str(ev->attr.sample_type, buf, sizeof(buf)));
	}
	fprintf(out, "%-40s %12" PRIu64 "\n\n", "total", total);

	fprintf(out, "RECORDS\n");
	for (i = 0; i < PDATA_RECORD_MAX; i++)
		if (st->nr_records[i])
			fprintf(out, "  %-22s %12" PRIu64 "\n", pdata_record_name(i), st->nr_records[i]);
	if (st->nr_unknown)
		fprintf(out, "  %-22s %12" PRIu64 " (skipped)\n", "unknown types", st->nr_unknown);
	fputc('\n', out);
	if (total) {
		print_time(out, "first sample:", st->first_time);
		print_time(out, "last sample:", st->last_time);
		fprintf(out, "%-16s %.6f s\n", "duration:",
			(double)(st->last_time - st->first_time) / 1e9);
	}
	if (st->nr_out_of_order)
		fprintf(out, "%-16s %" PRIu64 " records arrived after later ones were delivered\n",
			"out of order:", st->nr_out_of_order);
	if (st->nr_unknown_id || st->nr_bad_samples)
		fprintf(out, "%-16s %" PRIu64 " with unknown id, %" PRIu64 " malformed\n",
			"skipped samples:", st->nr_unknown_id, st->nr_bad_samples);
	fprintf(out, "%-16s %" PRIu64 " events in %" PRIu64 " LOST records, %" PRIu64
		" samples (LOST_SAMPLES)\n", "lost:", st->nr_lost, st->nr_lost_records,
		st->nr_lost_samples);
	if (st->truncated)
		fprintf(out, "WARNING: the recording is truncated or corrupt; counts cover the %" PRIu64
			" bytes read\n", st->bytes_read);
	if (st->interrupted)
		fprintf(out, "WARNING: interrupted by a signal; counts are partial: they cover the %"
			PRIu64 " bytes read\n", st->bytes_read);
	return 0;
#undef STR
}

/* The "reports" member of info's JSON document ({"info": ...}). */
static json_t *info_reports(struct pdata_session *s)
{
	const struct pdata_stats *st = pdata_session__stats(s);
	json_t *reports = json_object(), *info = json_object(), *recs = json_object();
	json_t *feats = json_array(), *evs = json_array();
	int i, n = pdata_session__nr_evsels(s);

	for (i = 1; i < PDATA_FEAT_MAX; i++)
		if (pdata_session__has_feature(s, i) && pdata_feature_name(i))
			json_array_append_new(feats, json_string(pdata_feature_name(i)));
	for (i = 0; i < PDATA_RECORD_MAX; i++)
		if (st->nr_records[i])
			json_object_set_new(recs, pdata_record_name(i), json_integer(st->nr_records[i]));
	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		json_t *e = json_object();

		json_object_set_new(e, "name", json_string(ev->name));
		json_object_set_new(e, "samples", json_integer(ev->nr_samples));
		json_object_set_new(e, "lost", json_integer(ev->nr_lost));
		json_object_set_new(e, "lost_samples", json_integer(ev->nr_lost_samples));
		json_object_set_new(e, "type", json_integer(ev->attr.type));
		json_object_set_new(e, "config", json_integer((json_int_t)ev->attr.config));
		json_object_set_new(e, "sample_type", json_integer((json_int_t)ev->attr.sample_type));
		json_array_append_new(evs, e);
	}
	json_object_set_new(info, "features", feats);
	json_object_set_new(info, "records", recs);
	json_object_set_new(info, "unknown_records", json_integer(st->nr_unknown));
	json_object_set_new(info, "unknown_features", json_integer(st->nr_unknown_features));
	json_object_set_new(info, "out_of_order", json_integer(st->nr_out_of_order));
	json_object_set_new(info, "events", evs);
	json_object_set_new(reports, "info", info);
	return reports;
}

/* The document on stdout (--json) and/or as an HTML page (--html FILE). */
static int info_json(struct analyze_ctx *ctx)
{
	json_t *reports = info_reports(ctx->session);
	int err = 0, e;

	if (ctx->html_path) {
		json_t *doc = analyze_json_doc(ctx->session, json_incref(reports));

		err = out_html_write(ctx->html_path, doc);
		json_decref(doc);
	}
	if (!ctx->json) {
		json_decref(reports);
		return err;
	}
	e = analyze_print_json(ctx->session, reports);
	return err ?: e;
}

static const char info_usage[] =
	"Usage: ovsperf-analyze info [OPTIONS] [FILE]\n\n"
	"Recording facts: header features, events with sample and loss counts,\n"
	"records by type, first/last sample time and duration.\n";

int cmd_info(int argc, char **argv)
{
	struct analyze_ctx ctx = { .input = NULL };
	struct pdata_tool tool;
	int err;

	err = analyze_parse_args(&ctx, argc, argv, NULL, info_usage, NULL, NULL);
	if (err)
		return err > 0 ? OVP_EXIT_OK : OVP_EXIT_USAGE;
	err = analyze_open(&ctx);
	if (err) {
		ovp_print_error("%s", ovp_errmsg());
		return OVP_EXIT_INPUT;
	}
	pdata_tool__init(&tool);
	analyze_catch_signals(ctx.session);
	err = pdata_session__process(ctx.session, &tool);
	analyze_catch_signals(NULL);
	if (err) {
		/* Corrupt data: print what was counted, then the error. */
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", ovp_errmsg());
		if (!ctx.json)
			info_text(ctx.session, stdout);
		if ((ctx.json || ctx.html_path) && info_json(&ctx))
			ovp_print_error("%s", ovp_errmsg());
		ovp_print_error("%s: %s", ctx.input, msg);
	} else {
		err = ctx.json ? 0 : info_text(ctx.session, stdout);
		if (!err && (ctx.json || ctx.html_path))
			err = info_json(&ctx);
		if (err)
			ovp_print_error("%s", ovp_errmsg());
	}
	err = analyze_exit_status(ctx.session, err);
	pdata_session__close(ctx.session);
	return err;
}
