/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/bridge-loop.h - what `ovsperf-analyze bridge-loop --list` streams
 * while it reads: one plain item per iteration of ovs-vswitchd's main loop
 * (struct bl_iteration), given to the writer paired with the report in
 * cmd/commands.c (out/bridge-loop-lines.c).  The histograms at the end are
 * the report's model (out/text-bridge-loop.c).
 */
#ifndef OVSPERF_REPORT_BRIDGE_LOOP_H
#define OVSPERF_REPORT_BRIDGE_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One interval of one thread, as soon as it is paired. */
struct bl_iteration {
	uint32_t tid;
	const char *comm;		/* the thread's name, NULL: unknown (borrowed) */
	bool run;			/* run time (run_start -> poll_block), else
					 * poll_block() wait (poll_block -> run_start) */
	uint64_t ns;			/* its length */
};

/*
 * struct bl_writer - the writer of the streamed iterations.
 * @header: what precedes them.
 * @iteration: one iteration.
 * Both return 0, or a negative errno with ovp_err() set.
 */
struct bl_writer {
	int (*header)(FILE *out);
	int (*iteration)(const struct bl_iteration *it, FILE *out);
};

#endif /* OVSPERF_REPORT_BRIDGE_LOOP_H */
