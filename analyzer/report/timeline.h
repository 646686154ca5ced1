/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/timeline.h - the pdata_tool behind `ovsperf-analyze export
 * --perfetto`: turns the recording, in one streaming pass, into timeline
 * tracks made of the engines' intervals (report/timeline.c) and written
 * through a sink (report/timeline-sink.h: the protobuf writer
 * out/pftrace.h or the JSON writer out/trace-json.h), as the man page's
 * EXPORT section describes:
 *
 *	thread track (pid, tid)	 syscalls, hard/soft IRQs, main-loop run and
 *				 poll wait (B/E, properly nested)
 *	sched track		 run and ready intervals of the thread (X)
 *	"packets" process	 one async slice per packet span (engine/span.h engine)
 *	"ovsperf" process	 events per ms per CPU, lost events (counters)
 *	flows			 kernel upcall -> vswitchd recv_upcall, as the
 *				 upcall-cost engine matches them
 *	CPU tracks		 task, hard and soft IRQ slices per CPU (writers
 *				 with cpu_begin: the protobuf one)
 */
#ifndef OVSPERF_EXPORT_TIMELINE_H
#define OVSPERF_EXPORT_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "ovsperf/pdata.h"
#include "decode/pktfilter.h"

struct ex_sink;
struct ex_timeline;

/* Filters, as the reports' options. */
struct ex_filter {
	struct pktfilter pkt;		/* --time, --cpu, --dev, flow filters (decode/pktfilter.h) */
	int64_t pid;			/* --pid: -1 = every process */
	const char *span;		/* --span SPEC: packet span instead of the presets */
	uint64_t span_timeout_ns;	/* --span-timeout: open spans expire (0 = never) */
	bool no_blame;			/* --no-blame: packet slices without blame args */
};

/* What the pass wrote, for the summary line and the tests. */
struct ex_counts {
	uint64_t syscalls, irqs, softirqs, runs, readies, loop_runs, loop_waits;
	uint64_t packets, upcall_flows, incomplete;
};

/**
 * ex_timeline__new() - a timeline exporter writing to @w (borrowed; must
 * outlive the exporter).
 * Return: 0 or -ENOMEM (message set).
 */
int ex_timeline__new(struct ex_timeline **out, struct ex_sink *w, const struct ex_filter *f);

/* Its pdata_tool, to give to pdata_session__process(). */
struct pdata_tool *ex_timeline__tool(struct ex_timeline *t);

/* Counts of what was written (valid after processing). */
const struct ex_counts *ex_timeline__counts(const struct ex_timeline *t);

/* Free everything (NULL ok); the writer is not closed. */
void ex_timeline__delete(struct ex_timeline *t);

#endif /* OVSPERF_EXPORT_TIMELINE_H */
