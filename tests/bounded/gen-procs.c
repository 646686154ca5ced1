// SPDX-License-Identifier: Apache-2.0
/*
 * gen-procs.c - write a perf.data with many short-lived processes, for the
 * export's cap on named processes (ovsperf-analyze(1), LIMITS: 65,536):
 * more processes than that over the recording, never more threads alive at
 * once than the timeline's own cap.
 *
 * Process k (0 .. N-1) has pid 1000000 + 2k and is named "p<pid>" by a
 * PERF_RECORD_COMM; from process ONE on (default: all), it also has a second
 * thread, tid pid + 1, named "p<pid>.1".  At 1000 s + k * 100 us its threads
 * are switched in (sched:sched_switch from the CPU's idle task), the main
 * one on CPU 0, the second on CPU 1; 5 us later they are switched out
 * asleep (prev_state S) and, 1 us after that, exit (PERF_RECORD_EXIT).  A
 * thread's state goes 5 s of recording time after its exit, so about 50,000
 * threads are followed at once.
 *
 * Usage: gen-procs OUT.data N [ONE]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define SWITCH_ID 372
static const char switch_format[] =
	"name: sched_switch\nID: 372\nformat:\n" TEST_COMMON_FIELDS
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
	"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
	"\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%ld ==> next_comm=%s "
	"next_pid=%d next_prio=%d\", REC->prev_comm, REC->prev_pid, REC->prev_prio, "
	"REC->prev_state, REC->next_comm, REC->next_pid, REC->next_prio\n";

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |  \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)

/* The sample_id trailer of a non-sample record (TID, TIME, CPU, IDENTIFIER). */
struct trailer {
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
	uint64_t id;
};

static struct trailer trailer(uint32_t pid, uint32_t tid, uint64_t time, uint32_t cpu)
{
	return (struct trailer){ .pid = pid, .tid = tid, .time = time, .cpu = cpu,
				 .id = 100 + cpu };
}

static int comm(struct pdata_writer *w, uint32_t pid, uint32_t tid, const char *name,
		uint64_t time, uint32_t cpu)
{
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		char comm[16];
		struct trailer s;
	} r = { .h = { PERF_RECORD_COMM, 0, sizeof(r) }, .pid = pid, .tid = tid };

	snprintf(r.comm, sizeof(r.comm), "%s", name);
	r.s = trailer(pid, tid, time, cpu);
	return pdata_writer__write(w, &r, sizeof(r));
}

static int exit_rec(struct pdata_writer *w, uint32_t pid, uint32_t tid, uint64_t time,
		    uint32_t cpu)
{
	struct {
		struct perf_event_header h;
		uint32_t pid, ppid, tid, ptid;
		uint64_t time;
		struct trailer s;
	} r = { .h = { PERF_RECORD_EXIT, 0, sizeof(r) }, .pid = pid, .ppid = 1, .tid = tid,
		.ptid = 1, .time = time };

	r.s = trailer(pid, tid, time, cpu);
	return pdata_writer__write(w, &r, sizeof(r));
}

/* sched_switch on @cpu from @prev (pid/tid @ppid/@prev) to @next. */
static int sw(struct pdata_writer *w, uint64_t time, uint32_t cpu, uint32_t ppid, uint32_t prev,
	      const char *prev_comm, int64_t prev_state, uint32_t next, const char *next_comm)
{
	struct {
		struct perf_event_header h;
		uint64_t id, ip;
		uint32_t pid, tid;
		uint64_t time;
		uint32_t cpu, res;
		uint64_t period;
		uint32_t raw_size;
		uint8_t raw[68];	/* 64 bytes of payload, padded: 4 + 68 = 72 */
	} __attribute__((packed)) r = { .h = { PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL,
					       sizeof(r) },
					.id = 100 + cpu, .pid = ppid, .tid = prev, .time = time,
					.cpu = cpu, .period = 1, .raw_size = 68 };
	uint16_t type = SWITCH_ID;
	int32_t prio = 120;

	memcpy(r.raw, &type, 2);
	memcpy(r.raw + 4, &prev, 4);
	snprintf((char *)r.raw + 8, 16, "%s", prev_comm);
	memcpy(r.raw + 24, &prev, 4);
	memcpy(r.raw + 28, &prio, 4);
	memcpy(r.raw + 32, &prev_state, 8);
	snprintf((char *)r.raw + 40, 16, "%s", next_comm);
	memcpy(r.raw + 56, &next, 4);
	memcpy(r.raw + 60, &prio, 4);
	return pdata_writer__write(w, &r, sizeof(r));
}

static int process(struct pdata_writer *w, uint32_t k, bool two)
{
	uint32_t pid = 1000000 + 2 * k, c;
	uint64_t t = 1000000000000ULL + (uint64_t)k * 100000;
	char name[2][16];
	int err = 0;

	snprintf(name[0], sizeof(name[0]), "p%u", pid);
	snprintf(name[1], sizeof(name[1]), "p%u.1", pid);
	for (c = 0; c < (two ? 2u : 1u) && !err; c++)
		err = comm(w, pid, pid + c, name[c], t, c);
	for (c = 0; c < (two ? 2u : 1u) && !err; c++) {
		const char *idle = c ? "swapper/1" : "swapper/0";

		err = sw(w, t + 1000, c, 0, 0, idle, 0, pid + c, name[c]);
		err = err ?: sw(w, t + 6000, c, pid, pid + c, name[c], 1, 0, idle);
		err = err ?: exit_rec(w, pid, pid + c, t + 7000, c);
	}
	return err;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 0;
	uint32_t one = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0, k;
	struct pdata_tracing *t = NULL;
	struct pdata_writer *w = NULL;
	int err;

	if (argc < 3 || argc > 4 || !n) {
		fprintf(stderr, "usage: gen-procs OUT.data N [ONE]\n");
		return 1;
	}
	err = pdata_writer__open(&w, argv[1]);
	if (!err) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .config = SWITCH_ID,
			.sample_period = 1, .sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t ids[2] = { 100, 101 };

		err = pdata_writer__add_attr(w, &attr, ids, 2, "sched:sched_switch");
	}
	for (k = 0; k < n && !err; k++) {
		err = process(w, k, k >= one);
		if (!err && k % 64 == 63)
			err = pdata_writer__finished_round(w);
	}
	err = err ?: pdata_writer__finished_round(w);
	err = err ?: pdata_tracing__new(&t, header_page, header_event);
	err = err ?: pdata_tracing__add_format(t, "sched", switch_format);
	err = err ?: pdata_writer__set_tracing(w, t);
	err = err ?: pdata_writer__set_host_features(w);
	err = pdata_writer__close(w, err);
	pdata_tracing__delete(t);
	if (err) {
		ovp_print_error("%s: %s", argv[1], ovp_errmsg());
		return 2;
	}
	return 0;
}
