// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/script.c - `ovsperf-analyze script`: one line per sample, laid out as
 * `perf script --ns -F comm,tid,cpu,time,event,trace`:
 *
 *	COMM TID [CPU] SECS.NSECS: EVENT: FIELDS
 *
 * FIELDS come from the event's own print format (libtraceevent), so the
 * line equals perf's for every tracepoint and probe; a format with a
 * conversion evfmt.h cannot vouch for prints " field=value" pairs instead
 * (one warning).  --json writes one JSON
 * object per sample instead (JSON Lines) with the raw field values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "cmd/analyze.h"
#include "ovsperf/outfile.h"
#include "ovsperf/evdec.h"
#include "ovsperf/evfmt.h"

struct script {
	struct pdata_tool tool;
	struct analyze_ctx *ctx;
	int name_width;
	bool show_lost;
	FILE *out;
	char *buf;
	size_t buf_size;
};

static int script_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct script *sc = container_of(tool, struct script, tool);
	int i, n = pdata_session__nr_evsels(s);

	struct pdata_evsel *refused = NULL;
	int nr_refused = 0;
	char why[32];

	/* perf script pads event names to the longest one. */
	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		int l = (int)strlen(ev->name);

		if (l > sc->name_width)
			sc->name_width = l;
		/* evfmt_check_events() marked the formats it cannot vouch for. */
		if (ev->tp && (ev->tp->flags & TEP_EVENT_FL_PRINTRAW) && !nr_refused++)
			refused = ev;
	}
	if (refused && !sc->ctx->json) {
		evfmt_format_ok(refused->tp->print_fmt.format, why, sizeof(why));
		ovp_warn("%s: the print format of %s%s has a conversion that cannot be vouched "
			 "for (\"%s\"): its fields are printed as field=value", sc->ctx->input,
			 refused->name, nr_refused > 1 ? " and other events" : "", why);
	}
	return 0;
}

static const char *thread_comm(struct pdata_session *s, uint32_t tid, char *buf, size_t size)
{
	const char *c = pdata_session__comm(s, tid);

	if (c)
		return c;
	/* perf names a thread it never saw a COMM for ":TID". */
	snprintf(buf, size, ":%d", (int)tid);
	return buf;
}

static json_t *sample_fields_json(const struct pdata_sample *sample)
{
	struct tep_event *tp = sample->evsel->tp;
	struct tep_format_field **fields, **f;
	json_t *obj = json_object();

	if (!tp || !sample->raw_data)
		return obj;
	fields = tep_event_fields(tp);
	for (f = fields; f && *f; f++) {
		struct evdec_field df;

		if (evdec_field__find(&df, sample->evsel, (*f)->name))
			continue;
		if (df.is_string) {
			char buf[512];

			json_object_set_new(obj, (*f)->name,
					    json_string(evdec_field__str(&df, sample, buf, sizeof(buf))));
		} else if (df.is_array || df.is_dynamic) {
			uint32_t len, i;
			const uint8_t *d = evdec_field__data(&df, sample, &len);
			json_t *arr = json_array();

			for (i = 0; d && i < len; i++)
				json_array_append_new(arr, json_integer(d[i]));
			json_object_set_new(obj, (*f)->name, arr);
		} else if (df.is_signed) {
			json_object_set_new(obj, (*f)->name, json_integer(evdec_field__s64(&df, sample)));
		} else {
			uint64_t v = evdec_field__u64(&df, sample);

			/* JSON integers are signed 64-bit: pointers become hex strings. */
			if (v > INT64_MAX || ((*f)->flags & TEP_FIELD_IS_POINTER)) {
				char hex[32];

				snprintf(hex, sizeof(hex), "0x%" PRIx64, v);
				json_object_set_new(obj, (*f)->name, json_string(hex));
			} else {
				json_object_set_new(obj, (*f)->name, json_integer((json_int_t)v));
			}
		}
	}
	free(fields);
	return obj;
}

static int script_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	struct script *sc = container_of(tool, struct script, tool);
	struct pdata_session *s = sc->ctx->session;
	char cbuf[32];
	const char *comm = thread_comm(s, sample->tid, cbuf, sizeof(cbuf));

	if (sc->ctx->json) {
		json_t *o = json_object();

		json_object_set_new(o, "comm", json_string(comm));
		/* Signed, as the text (and perf) print them: -1 for no task. */
		json_object_set_new(o, "pid", json_integer((int32_t)sample->pid));
		json_object_set_new(o, "tid", json_integer((int32_t)sample->tid));
		json_object_set_new(o, "cpu", json_integer(sample->cpu));
		json_object_set_new(o, "time_ns", json_integer((json_int_t)sample->time));
		json_object_set_new(o, "event", json_string(sample->evsel->name));
		json_object_set_new(o, "fields", sample_fields_json(sample));
		if (sample->callchain.nr) {
			json_t *cc = json_array();
			uint64_t i;

			for (i = 0; i < sample->callchain.nr; i++) {
				char hex[32];
				uint64_t ip;

				memcpy(&ip, &sample->callchain.ips[i], 8);
				snprintf(hex, sizeof(hex), "0x%" PRIx64, ip);
				json_array_append_new(cc, json_string(hex));
			}
			json_object_set_new(o, "callchain", cc);
		}
		json_dumpf(o, sc->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', sc->out);
		json_decref(o);
		return ferror(sc->out) ? ovp_stdout_check() ?: -EIO : 0;
	}

	evdec_print_info(s, sample, sc->buf, sc->buf_size);
	fprintf(sc->out, "%16s %5d [%03d] %5" PRIu64 ".%09" PRIu64 ": %*s: %s\n", comm, (int)sample->tid,
		(int)sample->cpu, (uint64_t)(sample->time / 1000000000ull),
		(uint64_t)(sample->time % 1000000000ull),
		sc->name_width, sample->evsel->name, sc->buf);
	/* Stop reading at the first failed write (a full disk, /dev/full). */
	return ferror(sc->out) ? ovp_stdout_check() ?: -EIO : 0;
}

static int script_lost(struct pdata_tool *tool, const struct pdata_lost *lost)
{
	struct script *sc = container_of(tool, struct script, tool);

	if (!sc->show_lost || sc->ctx->json)
		return 0;
	if (lost->type == PERF_RECORD_LOST)
		fprintf(sc->out, "LOST %" PRIu64 " events!\n", lost->nr);
	else
		fprintf(sc->out, "LOST %" PRIu64 " samples!\n", lost->nr);
	return 0;
}

static const char script_usage[] =
	"Usage: ovsperf-analyze script [OPTIONS] [FILE]\n"
	"\n"
	"Print every sample, one line each, as\n"
	"'perf script --ns -F comm,tid,cpu,time,event,trace' does:\n"
	"  COMM TID [CPU] SECS.NSECS: EVENT: FIELDS\n"
	"FIELDS are printed with the event's own print format.\n"
	"\n"
	"Options:\n"
	"      --show-lost-events print a line for each PERF_RECORD_LOST(_SAMPLES)\n"
	"      --json             JSON Lines: one object per sample with the decoded\n"
	"                         field values (pointers as hex strings)\n";

static int script_option(int key, const char *arg, void *priv)
{
	struct script *sc = priv;

	if (key != 'L')
		return 0;
	sc->show_lost = true;
	return 1;
}

int cmd_script(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "show-lost-events", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct analyze_ctx ctx = { .input = NULL, .without = ANALYZE_WITHOUT_HTML };
	struct script sc = { .ctx = &ctx, .out = stdout };
	int err;

	err = analyze_parse_args(&ctx, argc, argv, extra, script_usage, script_option, &sc);
	if (err)
		return err > 0 ? OVP_EXIT_OK : OVP_EXIT_USAGE;
	err = analyze_open(&ctx);
	if (err) {
		ovp_print_error("%s", ovp_errmsg());
		return OVP_EXIT_INPUT;
	}
	sc.buf_size = 1 << 16;
	sc.buf = malloc(sc.buf_size);
	if (!sc.buf) {
		pdata_session__close(ctx.session);
		return OVP_EXIT_INPUT;
	}
	pdata_tool__init(&sc.tool);
	sc.tool.ready = script_ready;
	sc.tool.sample = script_sample;
	sc.tool.lost = script_lost;
	analyze_catch_signals(ctx.session);
	err = pdata_session__process(ctx.session, &sc.tool);
	analyze_catch_signals(NULL);
	if (!err)
		err = ovp_stdout_check();
	{
		const struct pdata_stats *st = pdata_session__stats(ctx.session);
		char msg[1024];

		/* Warnings first: the error line, if any, is the last. */
		snprintf(msg, sizeof(msg), "%s", ovp_errmsg());
		if (st->nr_lost || st->nr_lost_samples)
			ovp_warn("%s: %" PRIu64 " events and %" PRIu64 " samples were lost while "
				 "recording", ctx.input, st->nr_lost, st->nr_lost_samples);
		if (st->nr_unknown_id || st->nr_bad_samples)
			ovp_warn("%s: %" PRIu64 " samples with an unknown id and %" PRIu64
				 " malformed samples skipped", ctx.input, st->nr_unknown_id,
				 st->nr_bad_samples);
		if (err && ferror(stdout))
			ovp_print_error("%s", msg);	/* not the recording's fault */
		else if (err)
			ovp_print_error("%s: %s", ctx.input, msg);
	}
	err = analyze_exit_status(ctx.session, err);
	free(sc.buf);
	pdata_session__close(ctx.session);
	return err;
}
