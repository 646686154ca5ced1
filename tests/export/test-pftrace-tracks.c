// SPDX-License-Identifier: Apache-2.0
/*
 * test-pftrace-tracks.c - drive the Perfetto protobuf writer (out/pftrace.c)
 * past its set of tracks remembered as described (PF_MAX_TRACKS, 65,536;
 * ovsperf-analyze(1), LIMITS), which `export` itself cannot reach (the
 * timeline's own caps keep spans, counter series and CPUs far fewer): CPU
 * tracks of N CPU numbers from PF_MAX_CPUS up (the ones kept in that set),
 * each used by one slice, then each by a second one.  Writes the trace
 * uncompressed (level 0) to OUT; check_pftrace_tracks.py decodes it.
 * Exit 0 when the writer reported no error, 1 otherwise.
 *
 * Usage: test-pftrace-tracks OUT.pftrace N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ovsperf/err.h"
#include "out/pftrace.h"

int main(int argc, char **argv)
{
	unsigned long n = argc == 3 ? strtoul(argv[2], NULL, 0) : 0, c;
	struct pf_writer w;
	struct ex_sink *s;
	FILE *f;
	int err;

	if (!n) {
		fprintf(stderr, "usage: test-pftrace-tracks OUT.pftrace N\n");
		return 2;
	}
	f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	err = pf_open(&w, f, 0);
	s = pf_sink(&w);
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (c = 0; c < n; c++) {
			uint64_t ts = 1000000000ULL + (pass * n + c) * 1000;

			s->ops->cpu_begin(s, (uint32_t)(PF_MAX_CPUS + c), ts, "test",
					  pass ? "second" : "first", NULL, 0);
			s->ops->cpu_end(s, (uint32_t)(PF_MAX_CPUS + c), ts + 500);
		}
	}
	err = err ?: s->err;
	err = pf_close(&w) ?: err;
	if (fclose(f) && !err)
		err = ovp_err(-EIO, "%s: cannot write", argv[1]);
	if (err) {
		ovp_print_error("%s", ovp_errmsg());
		return 1;
	}
	return 0;
}
