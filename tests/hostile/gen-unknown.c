// SPDX-License-Identifier: Apache-2.0
/*
 * gen-unknown.c - a recording as a newer perf writes it, with what this
 * version does not know (tests/hostile/unknown.py):
 *
 *   gen-unknown file OUT      a perf.data (lib/pdata-writer.c) with header
 *                             features 40 and 200 (no name here) beside
 *                             HOSTNAME, and among its three samples a kernel
 *                             record of type 40 (with a sample_id_all
 *                             trailer) and a user record of type 99;
 *   gen-unknown pipe OUT      the same as a pipe-mode stream, where the
 *                             features are HEADER_FEATURE records, plus one
 *                             HEADER_FEATURE record of number 300 (beyond
 *                             perf's 256-bit feature bitmap) and perf's end
 *                             mark (HEADER_FEATURE without payload), which
 *                             is no feature.
 *
 * The reader must skip each one, count it (info: "unknown types", "(and N
 * unknown, skipped)"; JSON unknown_records, unknown_features) and deliver
 * every sample.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"
#include "ovsperf/pdata.h"

#define SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU)
#define EVENT_ID 7

/* A SAMPLE, and the sample_id_all trailer of other records: the fields of
 * SAMPLE_TYPE in their order for each (IDENTIFIER first in a sample, last
 * in a trailer). */
struct sample_rec {
	struct perf_event_header h;
	uint64_t id;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
};

struct unknown_kernel_rec {
	struct perf_event_header h;
	uint64_t payload;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
	uint64_t id;
};

static int sample(struct pdata_writer *w, uint64_t time)
{
	struct sample_rec r = {
		.h = { .type = PERF_RECORD_SAMPLE, .size = sizeof(r) },
		.id = EVENT_ID, .pid = 42, .tid = 42, .time = time, .cpu = 1,
	};

	return pdata_writer__write(w, &r, sizeof(r));
}

int main(int argc, char **argv)
{
	static const char feat40[8] = "newer40", feat200[16] = "newer perf 200";
	struct perf_event_attr a;
	struct pdata_writer *w = NULL;
	struct unknown_kernel_rec k = {
		.h = { .type = 40, .size = sizeof(k) },
		.payload = 0x1234, .pid = 42, .tid = 42, .time = 150, .cpu = 1, .id = EVENT_ID,
	};
	struct { struct perf_event_header h; uint64_t x; } u = {
		.h = { .type = 99, .size = sizeof(u) }, .x = 5,
	};
	struct { struct perf_event_header h; uint64_t feat, x; } f300 = {
		.h = { .type = PDATA_RECORD_HEADER_FEATURE, .size = sizeof(f300) },
		.feat = 300, .x = 1,
	};
	struct { struct perf_event_header h; uint64_t feat; } last = {
		.h = { .type = PDATA_RECORD_HEADER_FEATURE, .size = sizeof(last) }, .feat = 33,
	};
	uint64_t id = EVENT_ID;
	bool pipe;
	int err, fd = -1;

	ovp_set_progname("gen-unknown");
	if (argc != 3 || (strcmp(argv[1], "file") && strcmp(argv[1], "pipe"))) {
		fprintf(stderr, "usage: gen-unknown file|pipe OUT\n");
		return 2;
	}
	pipe = !strcmp(argv[1], "pipe");
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 1;
	a.sample_type = SAMPLE_TYPE;
	a.sample_id_all = 1;
	if (pipe) {
		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		err = pdata_writer__open_pipe(&w, fd);
	} else {
		err = pdata_writer__open(&w, argv[2]);
	}
	err = err ?: pdata_writer__add_attr(w, &a, &id, 1, "cpu-clock");
	err = err ?: pdata_writer__set_string(w, PDATA_FEAT_HOSTNAME, "newer-perf-host");
	err = err ?: pdata_writer__set_feature(w, 40, feat40, sizeof(feat40));
	err = err ?: pdata_writer__set_feature(w, 200, feat200, sizeof(feat200));
	err = err ?: sample(w, 100);
	if (pipe)
		err = err ?: pdata_writer__write(w, &f300, sizeof(f300)) ?:
		      pdata_writer__write(w, &last, sizeof(last));
	err = err ?: pdata_writer__write(w, &k, sizeof(k));
	err = err ?: pdata_writer__write(w, &u, sizeof(u));
	err = err ?: sample(w, 200) ?: sample(w, 300) ?: pdata_writer__finished_round(w);
	err = pdata_writer__close(w, err);
	if (fd >= 0 && close(fd) && !err)
		err = ovp_err(-1, "%s: close failed", argv[2]);
	if (err) {
		fprintf(stderr, "gen-unknown: %s\n", ovp_errmsg());
		return 1;
	}
	return 0;
}
