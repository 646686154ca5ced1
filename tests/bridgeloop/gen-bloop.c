// SPDX-License-Identifier: Apache-2.0
/*
 * gen-bloop.c - write a perf.data of the sdt_main:run_start and
 * sdt_main:poll_block USDT probes (as `perf probe` adds them) for NPROC
 * ovs-vswitchd processes of NTHREADS main-loop threads each, and the
 * answer bridge-loop must give: per thread, its process, its name and the
 * run (run_start -> next poll_block) and wait (poll_block -> next
 * run_start) intervals in the order they happen.
 *
 * Process p (0-based) has PID 700 + 100 * p; its threads are PID, PID + 1,
 * ...; each has a COMM record ("ovs-vswitchd" for the main thread,
 * "loop<p>-<i>" for the others).  The threads of every process take turns
 * in one time order, so a filter by process has to pick the samples apart.
 * Durations are seeded random, spread over several histogram slots.
 *
 * Usage: gen-bloop OUT.data OUT.json NPROC NTHREADS
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

#define ROUNDS 5

static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define COMMON                                                                          \
	TEST_COMMON_FIELDS "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\n"

static const char run_fmt[] = "name: run_start\nID: 9401\nformat:\n" COMMON
			      "print fmt: \"(%lx)\", REC->__probe_ip\n";
static const char poll_fmt[] = "name: poll_block\nID: 9402\nformat:\n" COMMON
			       "print fmt: \"(%lx)\", REC->__probe_ip\n";

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |  \
	 PERF_SAMPLE_RAW)

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11) % n;
}

/* One probe hit: IDENTIFIER, TID, TIME, CPU, RAW (common fields, __probe_ip). */
static int sample(struct pdata_writer *w, uint64_t id, uint16_t type, uint32_t pid, uint32_t tid,
		  uint64_t time, uint32_t cpu)
{
	uint8_t rec[128], raw[20] = { 0 };
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	uint32_t cpus[2] = { cpu, 0 }, raw_size = sizeof(raw);
	uint64_t ip = 0x55d0c0de1000ULL + type;
	size_t n = sizeof(h);

	memcpy(raw, &type, 2);
	memcpy(raw + 4, &tid, 4);
	memcpy(raw + 8, &ip, 8);
#define PUT(p, len) (memcpy(rec + n, p, len), n += len)
	PUT(&id, 8);
	PUT(&pid, 4);
	PUT(&tid, 4);
	PUT(&time, 8);
	PUT(cpus, 8);
	PUT(&raw_size, 4);
	PUT(raw, raw_size);
#undef PUT
	h.size = (uint16_t)n;
	memcpy(rec, &h, sizeof(h));
	return pdata_writer__write(w, rec, n);
}

/* PERF_RECORD_COMM with its sample_id_all trailer (TID, TIME, CPU, IDENTIFIER). */
static int write_comm(struct pdata_writer *w, uint32_t pid, uint32_t tid, const char *comm)
{
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		char comm[16];
		uint32_t spid, stid;
		uint64_t time;
		uint32_t cpu, res;
		uint64_t ident;
	} r = {
		.h = { .type = PERF_RECORD_COMM, .size = sizeof(r) },
		.pid = pid, .tid = tid, .spid = pid, .stid = tid, .time = 0, .ident = 1,
	};

	strncpy(r.comm, comm, sizeof(r.comm) - 1);
	return pdata_writer__write(w, &r, sizeof(r));
}

/* A thread of the answer: its process, its name, its intervals so far. */
struct thread {
	uint32_t pid, tid;
	char name[32];		/* "loopP-T": at most 8 characters */
	json_t *run, *wait;
};

int main(int argc, char **argv)
{
	struct pdata_tracing *tr = NULL;
	struct pdata_writer *w = NULL;
	uint64_t t = 7000000000ULL, *last;
	struct thread *th;
	json_t *doc, *threads;
	long nproc, nthr;
	int err = 0, r, i, n;

	if (argc != 5 || (nproc = strtol(argv[3], NULL, 10)) < 1 || nproc > 9 ||
	    (nthr = strtol(argv[4], NULL, 10)) < 1 || nthr > 99) {
		fprintf(stderr, "usage: gen-bloop OUT.data OUT.json NPROC(1-9) NTHREADS(1-99)\n");
		return 1;
	}
	n = (int)(nproc * nthr);
	th = calloc((size_t)n, sizeof(*th));
	last = calloc((size_t)n, sizeof(*last));
	if (!th || !last)
		return 2;
	for (i = 0; i < n; i++) {
		th[i].pid = 700 + 100 * (uint32_t)(i / nthr);
		th[i].tid = th[i].pid + (uint32_t)(i % nthr);
		if (i % nthr)
			snprintf(th[i].name, sizeof(th[i].name), "loop%d-%d", (int)(i / nthr),
				 (int)(i % nthr));
		else
			snprintf(th[i].name, sizeof(th[i].name), "ovs-vswitchd");
		th[i].run = json_array();
		th[i].wait = json_array();
	}

	err = pdata_writer__open(&w, argv[1]);
	for (i = 0; i < 2 && !err; i++) {
		static const char *const names[] = { "sdt_main:run_start", "sdt_main:poll_block" };
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
			.config = 9401 + (uint64_t)i, .sample_period = 1,
			.sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t id = 1 + (uint64_t)i;

		err = pdata_writer__add_attr(w, &attr, &id, 1, names[i]);
	}
	for (i = 0; i < n && !err; i++)
		err = write_comm(w, th[i].pid, th[i].tid, th[i].name);
	/*
	 * Each round: every thread (of every process, interleaved) hits
	 * run_start, then every thread hits poll_block; a thread's run is its
	 * poll_block minus its run_start, its wait the next round's run_start
	 * minus its poll_block.
	 */
	for (r = 0; r < ROUNDS && !err; r++) {
		for (i = 0; i < n && !err; i++) {
			t += 1000 + rnd(4000000);
			if (r)
				json_array_append_new(th[i].wait, json_integer((json_int_t)(t - last[i])));
			last[i] = t;
			err = sample(w, 1, 9401, th[i].pid, th[i].tid, t, (uint32_t)i % 4);
		}
		for (i = 0; i < n && !err; i++) {
			t += 1000 + rnd(300000);
			json_array_append_new(th[i].run, json_integer((json_int_t)(t - last[i])));
			last[i] = t;
			err = sample(w, 2, 9402, th[i].pid, th[i].tid, t, (uint32_t)i % 4);
		}
	}
	err = err ?: pdata_writer__finished_round(w);
	err = err ?: pdata_tracing__new(&tr, header_page, header_event);
	err = err ?: pdata_tracing__add_format(tr, "sdt_main", run_fmt);
	err = err ?: pdata_tracing__add_format(tr, "sdt_main", poll_fmt);
	err = err ?: pdata_writer__set_tracing(w, tr);
	err = err ?: pdata_writer__set_host_features(w);
	err = pdata_writer__close(w, err);
	pdata_tracing__delete(tr);
	if (err) {
		ovp_print_error("%s: %s", argv[1], ovp_errmsg());
		return 2;
	}
	doc = json_object();
	threads = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(threads, json_pack("{s:i, s:i, s:s, s:o, s:o}", "pid",
							 (int)th[i].pid, "tid", (int)th[i].tid,
							 "name", th[i].name, "run", th[i].run,
							 "wait", th[i].wait));
	json_object_set_new(doc, "threads", threads);
	err = json_dump_file(doc, argv[2], JSON_SORT_KEYS);
	json_decref(doc);
	free(th);
	free(last);
	return err ? 2 : 0;
}
