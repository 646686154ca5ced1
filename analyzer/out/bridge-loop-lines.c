// SPDX-License-Identifier: Apache-2.0
/*
 * out/bridge-loop-lines.c - the lines `ovsperf-analyze bridge-loop --list`
 * streams while it reads, one per iteration of ovs-vswitchd's main loop
 * (report/bridge-loop.h), as bridge_loop.bt prints them.
 *
 * A writer: it reads the plain item it is given and nothing else.
 */
#include <inttypes.h>

#include "out/items.h"

static int header(FILE *out)
{
	fprintf(out, "-----\nIterations of ovs-vswitchd's main() loop:\n-----\n");
	return 0;
}

static int iteration(const struct bl_iteration *it, FILE *out)
{
	uint64_t ns = it->ns;

	fprintf(out, "- [%u@%s] %s: %" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%09" PRIu64 "\n",
		it->tid, it->comm ? it->comm : "<unknown>",
		it->run ? "bridge run loop time " : "poll_block() wait time",
		ns / 3600 / 1000000000, ns / 60 / 1000000000 % 60, ns / 1000000000 % 60,
		ns % 1000000000);
	return 0;
}

const struct bl_writer bl_text_iterations = {
	.header = header,
	.iteration = iteration,
};
