// SPDX-License-Identifier: Apache-2.0
/*
 * out/text-upcalls.c - the text summary of `ovsperf-analyze upcalls`, after
 * its lines (out/upcall-lines.c), written from the report's model
 * (reports.upcalls of ovsperf-json(7): the counts).
 *
 * A writer: it reads the model and nothing else.
 */
#include <errno.h>
#include <inttypes.h>

#include "ovsperf/err.h"
#include "out/text.h"

static uint64_t num(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

int text_upcalls(const json_t *m, FILE *out)
{
	fprintf(out, "\n%" PRIu64 " upcalls shown: %" PRIu64 " received by handlers",
		num(m, "shown"), num(m, "received"));
	if (json_is_integer(json_object_get(m, "failed")))
		fprintf(out, ", %" PRIu64 " failed in the kernel", num(m, "failed"));
	else
		fputs(" (failed upcalls not recorded)", out);
	if (num(m, "filtered"))
		fprintf(out, ", %" PRIu64 " filtered out", num(m, "filtered"));
	fputs(".\n", out);
	return ferror(out) ? ovp_err(-EIO, "upcalls: write failed") : 0;
}
