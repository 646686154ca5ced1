// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/export.c - `ovsperf-analyze export`: the recording as a timeline for
 * ui.perfetto.dev (--perfetto OUT: Perfetto's protobuf trace, or Trace Event
 * Format JSON for chrome://tracing too, gzip when OUT ends in .gz) and/or its
 * packet bytes as pcapng (--pcap OUT).  One streaming pass feeds both:
 *
 *	options -> session -> [export-timeline -> export-pftrace | export-trace,
 *				export-pcapng] tools -> files
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/analyze.h"
#include "out/pcapng.h"
#include "out/pftrace.h"
#include "report/timeline.h"
#include "out/trace-json.h"
#include "cmd/filtercheck.h"
#include "decode/pktfilter.h"
#include "ovsperf/outfile.h"
#include "ovsperf/strutil.h"
#include "engine/spanspec.h"

enum {
	OPT_EX_PERFETTO = 256,
	OPT_EX_PCAP,
	OPT_EX_PID,
	OPT_EX_SPAN,
	OPT_EX_LINKTYPE,
	OPT_EX_FORMAT,
	OPT_EX_LEVEL,
	OPT_EX_SPAN_TIMEOUT,
	OPT_EX_NO_BLAME,
};

static const struct option ex_options[] = {
	{ "perfetto", required_argument, NULL, OPT_EX_PERFETTO },
	{ "pcap", required_argument, NULL, OPT_EX_PCAP },
	{ "pid", required_argument, NULL, OPT_EX_PID },
	{ "span", required_argument, NULL, OPT_EX_SPAN },
	{ "linktype", required_argument, NULL, OPT_EX_LINKTYPE },
	{ "format", required_argument, NULL, OPT_EX_FORMAT },
	{ "level", required_argument, NULL, OPT_EX_LEVEL },
	{ "span-timeout", required_argument, NULL, OPT_EX_SPAN_TIMEOUT },
	{ "no-blame", no_argument, NULL, OPT_EX_NO_BLAME },
	PKTFILTER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char ex_usage[] =
	"Usage: ovsperf-analyze export [--perfetto OUT] [--pcap OUT.pcapng] [OPTIONS] [FILE]\n\n"
	"Export the recording for viewers: a timeline for ui.perfetto.dev and\n"
	"chrome://tracing, and/or the recorded packet bytes for Wireshark.\n\n"
	"Options:\n"
	"      --perfetto OUT      timeline for ui.perfetto.dev: thread tracks (syscalls,\n"
	"                          IRQs, main loop), run/ready tracks, CPU tracks,\n"
	"                          packet spans, upcall flows, counters\n"
	"      --format F          file format of --perfetto: proto (Perfetto's protobuf\n"
	"                          trace, deflate-compressed packets) or json (Trace\n"
	"                          Event Format, gzip if OUT ends in .gz); default:\n"
	"                          json when OUT ends in .json or .json.gz or is \"-\",\n"
	"                          else proto\n"
	"      --level N           deflate level of the proto format, 0 (none) to 12\n"
	"                          (default 1: fastest; 4 is about 15% smaller and\n"
	"                          a third slower)\n"
	"      --pcap OUT          pcapng of the packets whose bytes were recorded\n"
	"      --linktype T        link type of the pcapng interfaces: ether (default)\n"
	"                          or raw (bytes start with the IP header)\n"
	"      --pid PID           only threads of process PID\n"
	PKTFILTER_USAGE("packets seen on device NAME\n",
			"only what begins in this range (perf's secs.nsecs)\n")
	"                          --cpu and --time also pick the thread slices and\n"
	"                          counters; in the pcapng, --dev is the interface and\n"
	"                          the flow is read from the packet's headers\n"
	"      --span SPEC         packet span (latency's syntax) instead of the presets\n"
	"      --span-timeout SECONDS  a packet span still open this long after its start\n"
	"                          makes no slice and is forgotten (default 5; 0 = never)\n"
	"      --no-blame          packet slices without their blame (computed when the\n"
	"                          recording has sched/irq events)\n";

enum ex_format { EX_FMT_AUTO, EX_FMT_PROTO, EX_FMT_JSON };

struct ex_opts {
	const char *perfetto, *pcap;
	enum ex_format format;
	int level;
	struct ex_filter f;
	uint16_t linktype;
	struct filtercheck fc;	/* --cpu/--dev/--time/--pid checked against the recording */
};

static int ex_option(int key, const char *arg, void *a)
{
	struct ex_opts *o = a;
	uint64_t num;
	int err;

	if (key == PKTFILTER_OPT_CPU || key == PKTFILTER_OPT_DEV || key == PKTFILTER_OPT_TIME)
		filtercheck__note(&o->fc, key == PKTFILTER_OPT_CPU ? "cpu" :
				  key == PKTFILTER_OPT_DEV ? "dev" : "time", arg);
	if (pktfilter_is_option(key))
		return pktfilter_option(&o->f.pkt, key, arg);
	switch (key) {
	case OPT_EX_PERFETTO:
		o->perfetto = arg;
		return 0;
	case OPT_EX_PCAP:
		o->pcap = arg;
		return 0;
	case OPT_EX_PID:
		err = ovp_parse_uint_opt("--pid", arg, 0, INT32_MAX, &num);
		if (err)
			return err;
		o->f.pid = (long)num;
		filtercheck__note(&o->fc, "pid", arg);
		return 0;
	case OPT_EX_SPAN:
		o->f.span = arg;
		return 0;
	case OPT_EX_FORMAT:
		if (!strcmp(arg, "proto") || !strcmp(arg, "protobuf"))
			o->format = EX_FMT_PROTO;
		else if (!strcmp(arg, "json"))
			o->format = EX_FMT_JSON;
		else
			return ovp_err(-EINVAL, "--format: proto or json, not '%s'", arg);
		return 0;
	case OPT_EX_LEVEL:
		err = ovp_parse_uint_opt("--level", arg, 0, 12, &num);
		if (err)
			return err;
		o->level = (int)num;
		return 0;
	case OPT_EX_SPAN_TIMEOUT:
		return spanspec__parse_timeout("--span-timeout", arg, &o->f.span_timeout_ns);
	case OPT_EX_NO_BLAME:
		o->f.no_blame = true;
		return 0;
	case OPT_EX_LINKTYPE:
		if (!strcmp(arg, "ether") || !strcmp(arg, "ethernet"))
			o->linktype = EX_LINKTYPE_ETHERNET;
		else if (!strcmp(arg, "raw") || !strcmp(arg, "ip"))
			o->linktype = EX_LINKTYPE_RAW;
		else
			return ovp_err(-EINVAL, "--linktype: ether or raw, not '%s'", arg);
		return 0;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The format of --perfetto OUT: as given, else by OUT's name. */
static bool want_proto(const struct ex_opts *o)
{
	if (o->format != EX_FMT_AUTO)
		return o->format == EX_FMT_PROTO;
	return strcmp(o->perfetto, "-") && !ends_with(o->perfetto, ".json") &&
	       !ends_with(o->perfetto, ".json.gz");
}

int cmd_export(int argc, char **argv)
{
	struct ex_opts o = { .f = { .pid = -1, .span_timeout_ns = SPANSPEC_TIMEOUT_NS },
			     .linktype = EX_LINKTYPE_ETHERNET, .level = 1 };
	struct analyze_ctx ctx = { .input = NULL, .without = ANALYZE_WITHOUT_JSON |
								 ANALYZE_WITHOUT_HTML };
	struct ex_timeline *tl = NULL;
	struct ex_pcap *pc = NULL;
	struct et_writer w = { .f = NULL };
	struct pf_writer pw = { .f = NULL };
	struct ovp_outfile *pof = NULL;	/* the protobuf trace's file */
	bool proto = false, output_err = false;
	struct analyze_mux fw;	/* both writers in one pass */
	uint64_t nr_events;
	int err, ret = OVP_EXIT_INPUT;

	pktfilter_init(&o.f.pkt);
	filtercheck__init(&o.fc);
	err = analyze_parse_args(&ctx, argc, argv, ex_options, ex_usage, ex_option, &o);
	if (err) {
		filtercheck__exit(&o.fc);
		return err > 0 ? OVP_EXIT_OK : OVP_EXIT_USAGE;
	}
	if (!o.perfetto && !o.pcap) {
		ovp_print_error("export: give --perfetto OUT and/or --pcap OUT");
		filtercheck__exit(&o.fc);
		return OVP_EXIT_USAGE;
	}
	err = analyze_open(&ctx);
	if (err)
		goto out;

	/* Each output goes to a temporary beside it, renamed into place once
	 * complete (ovsperf/outfile.h): a failed or interrupted export leaves
	 * any file of that name as it was. */
	analyze_mux__init(&fw);
	if (o.perfetto) {
		proto = want_proto(&o);
		if (proto) {
			err = ovp_outfile__open(&pof, o.perfetto, OVP_OUTFILE_DASH);
			if (!err && !ovp_outfile__stream(pof))
				err = -ENOMEM;
			output_err = err;
			err = err ?: pf_open(&pw, ovp_outfile__stream(pof), o.level);
		} else {
			err = et_open(&w, o.perfetto);
			output_err = err;
		}
		err = err ?: ex_timeline__new(&tl, proto ? pf_sink(&pw) : et_sink(&w), &o.f);
		if (err)
			goto out;
		analyze_mux__add(&fw, ex_timeline__tool(tl));
	}
	if (o.pcap) {
		/* With a trace to write, a recording without packet bytes costs
		 * only the pcapng (a warning, exit status 2). */
		err = ex_pcap__new(&pc, o.pcap, &o.f, o.linktype, o.perfetto != NULL);
		if (err) {
			output_err = true;
			goto out;
		}
		analyze_mux__add(&fw, ex_pcap__tool(pc));
	}
	if (filtercheck__active(&o.fc))
		analyze_mux__add(&fw, filtercheck__tool(&o.fc));
	err = pdata_session__process(ctx.session, &fw.tool);
	if (err) {
		output_err = (proto ? pw.sink.err : w.err) || (pc && ex_pcap__error(pc));
		if (proto && pw.sink.err)
			err = ovp_outfile__failed(pof, pw.sink.err);
		if (!output_err)
			ovp_err_prefix(err, "%s", ctx.input);
		goto out;
	}
	/* A filter that matches nothing: one line saying what the recording
	 * has, exit status 1, and no output written (the targets as they were). */
	if (filtercheck__active(&o.fc) && filtercheck__verdict(&o.fc, ctx.input)) {
		ovp_print_error("%s", ovp_errmsg());
		ret = OVP_EXIT_USAGE;
		err = 0;
		goto drop;
	}
	ret = OVP_EXIT_OK;
	if (o.perfetto) {
		const struct ex_counts *c = ex_timeline__counts(tl);

		if (proto) {
			nr_events = pw.nr_events;
			err = pf_close(&pw);
			if (err) {
				err = ovp_outfile__failed(pof, err);
				ovp_outfile__abort(pof);
			} else {
				err = ovp_outfile__commit(pof);
			}
			pof = NULL;
		} else {
			nr_events = w.nr_events;
			err = et_close(&w);
		}
		if (err) {
			output_err = true;
			goto out;
		}
		if (!ctx.quiet)
			fprintf(stderr, "%s: %" PRIu64 " trace events: %" PRIu64 " syscalls, %"
				PRIu64 " run, %" PRIu64 " ready, %" PRIu64 " irq, %" PRIu64
				" softirq, %" PRIu64 " loop runs, %" PRIu64 " poll waits, %" PRIu64
				" packets, %" PRIu64 " upcall flows\n", o.perfetto, nr_events,
				c->syscalls, c->runs, c->readies, c->irqs, c->softirqs,
				c->loop_runs, c->loop_waits, c->packets, c->upcall_flows);
	}
	if (o.pcap && ex_pcap__skipped(pc)) {
		ovp_warn("export: %s not written: %s", o.pcap, ex_pcap__skipped(pc));
		ret = OVP_EXIT_INPUT;
	}
	if (o.pcap) {
		err = ex_pcap__close(pc);
		if (err) {
			output_err = true;
			goto out;
		}
		if (!ctx.quiet && !ex_pcap__skipped(pc))
			fprintf(stderr, "%s: %" PRIu64 " packets\n", o.pcap,
				ex_pcap__nr_packets(pc));
	}
	/* Damaged or truncated data: the files hold what was read (partial,
	 * one warning said where the data stopped), the exit status says so. */
	if (ret == OVP_EXIT_OK)
		ret = analyze_exit_status(ctx.session, 0);
out:
	if (err) {
		ret = output_err ? OVP_EXIT_OUTPUT : OVP_EXIT_INPUT;
		if (output_err)
			ovp_err_prefix(err, "export");
		ovp_print_error("%s", ovp_errmsg());
	}
drop:
	/* What was not closed above is not a result: dropped, its target as
	 * it was. */
	et_abort(&w);
	pf_close(&pw);
	ovp_outfile__abort(pof);
	ex_timeline__delete(tl);
	ex_pcap__delete(pc);
	pdata_session__close(ctx.session);
	filtercheck__exit(&o.fc);
	return ret;
}
