// SPDX-License-Identifier: Apache-2.0
/*
 * gen-kdupcall.c - write a perf.data with kretprobe results of the kernel's
 * ovs_dp_upcall (as `ovsperf-probe record kernel-delay` records them on a
 * kernel with kprobes and openvswitch: event ovsperf:ovs_dp_upcall__return,
 * field ret) and the answer kernel-delay's UPCALL STATISTICS must give.
 * This machine has neither kprobes nor the openvswitch module.
 *
 * Upcalls are spread over CPUs 0..3; some fail with -ENOSPC, -ENOTCONN or
 * -EAGAIN (seeded random).  Also one sys_enter/sys_exit pair of an
 * ovs-vswitchd thread, so the window has a thread to report, and one of a
 * second thread (tid 501) that no COMM record names.
 *
 * With "two-vswitchd", a second ovs-vswitchd (pid 600, COMM record only):
 * the report cannot choose the process by itself.
 *
 * Usage: gen-kdupcall OUT.data OUT.json [two-vswitchd]
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define COMMON TEST_COMMON_FIELDS

static const char ret_fmt[] =
	"name: ovs_dp_upcall__return\nID: 9301\nformat:\n" COMMON
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:s32 ret;\toffset:24;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"(%lx <- %lx) ret=%d\", REC->__probe_func, REC->__probe_ret_ip, REC->ret\n";
static const char enter_fmt[] =
	"name: sys_enter\nID: 9302\nformat:\n" COMMON
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n\n"
	"print fmt: \"NR %ld\", REC->id\n";
static const char exit_fmt[] =
	"name: sys_exit\nID: 9303\nformat:\n" COMMON
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n\n"
	"print fmt: \"NR %ld = %ld\", REC->id, REC->ret\n";

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |  \
	 PERF_SAMPLE_RAW)

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11) % n;
}

static int sample(struct pdata_writer *w, uint64_t id, uint16_t type, uint32_t pid, uint32_t tid,
		  uint64_t time, uint32_t cpu, const void *payload, size_t size)
{
	uint8_t rec[256], raw[128];
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	uint32_t cpus[2] = { cpu, 0 }, raw_size = (uint32_t)((8 + size + 4 + 7) / 8 * 8 - 4);
	size_t n = sizeof(h);

	memset(raw, 0, sizeof(raw));
	memcpy(raw, &type, 2);
	memcpy(raw + 4, &tid, 4);
	memcpy(raw + 8, payload, size);
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

int main(int argc, char **argv)
{
	static const int errs[] = { 0, 0, 0, 0, 0, -ENOSPC, -ENOTCONN, -EAGAIN };
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		char comm[16];
		uint32_t spid, stid;
		uint64_t time;
		uint32_t cpu, res;
		uint64_t ident;
	} comm = { .h = { .type = PERF_RECORD_COMM, .size = sizeof(comm) }, .pid = 500,
		   .tid = 500, .comm = "ovs-vswitchd", .spid = 500, .stid = 500, .ident = 1 };
	uint64_t per_cpu[4] = { 0 }, per_err[3] = { 0 }, t = 5000000000ULL, total = 0, nerr = 0;
	struct pdata_tracing *tr = NULL;
	struct pdata_writer *w = NULL;
	json_t *doc, *cpus, *ev;
	int err, i, k;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "two-vswitchd"))) {
		fprintf(stderr, "usage: gen-kdupcall OUT.data OUT.json [two-vswitchd]\n");
		return 1;
	}
	err = pdata_writer__open(&w, argv[1]);
	for (k = 0; k < 3 && !err; k++) {
		static const char *const names[] = { "ovsperf:ovs_dp_upcall__return",
						     "raw_syscalls:sys_enter",
						     "raw_syscalls:sys_exit" };
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
			.config = 9301 + (uint64_t)k, .sample_period = 1,
			.sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t id = 1 + (uint64_t)k;

		err = pdata_writer__add_attr(w, &attr, &id, 1, names[k]);
	}
	err = err ?: pdata_writer__write(w, &comm, sizeof(comm));
	if (argc == 4) {
		comm.pid = comm.tid = comm.spid = comm.stid = 600;
		err = err ?: pdata_writer__write(w, &comm, sizeof(comm));
		comm.pid = comm.tid = comm.spid = comm.stid = 500;
	}
	{
		long nr = 7, ret = 0;
		uint8_t enter[56] = { 0 }, exitp[16];

		memcpy(enter, &nr, 8);
		memcpy(exitp, &nr, 8);
		memcpy(exitp + 8, &ret, 8);
		err = err ?: sample(w, 2, 9302, 500, 500, t, 0, enter, sizeof(enter));
		err = err ?: sample(w, 3, 9303, 500, 500, t + 700, 0, exitp, sizeof(exitp));
		/* A thread of it that no COMM record names. */
		err = err ?: sample(w, 2, 9302, 500, 501, t + 800, 1, enter, sizeof(enter));
		err = err ?: sample(w, 3, 9303, 500, 501, t + 900, 1, exitp, sizeof(exitp));
	}
	for (i = 0; i < 500 && !err; i++) {
		uint8_t p[20] = { 0 };
		uint32_t cpu = rnd(4);
		int32_t ret = errs[rnd(8)];
		uint64_t ip = 0xffffffffc0100400ULL;

		t += 1000 + rnd(5000);
		memcpy(p, &ip, 8);
		memcpy(p + 16, &ret, 4);
		err = sample(w, 1, 9301, 0, 0, t, cpu, p, sizeof(p));
		per_cpu[cpu]++;
		total++;
		if (ret) {
			nerr++;
			per_err[ret == -ENOSPC ? 0 : ret == -ENOTCONN ? 1 : 2]++;
		}
	}
	err = err ?: pdata_writer__finished_round(w);
	err = err ?: pdata_tracing__new(&tr, header_page, header_event);
	err = err ?: pdata_tracing__add_format(tr, "ovsperf", ret_fmt);
	err = err ?: pdata_tracing__add_format(tr, "raw_syscalls", enter_fmt);
	err = err ?: pdata_tracing__add_format(tr, "raw_syscalls", exit_fmt);
	err = err ?: pdata_writer__set_tracing(w, tr);
	err = err ?: pdata_writer__set_host_features(w);
	err = pdata_writer__close(w, err);
	pdata_tracing__delete(tr);
	if (err) {
		ovp_print_error("%s: %s", argv[1], ovp_errmsg());
		return 2;
	}
	doc = json_object();
	cpus = json_object();
	ev = json_object();
	for (i = 0; i < 4; i++) {
		char c[8];

		snprintf(c, sizeof(c), "%d", i);
		if (per_cpu[i])
			json_object_set_new(cpus, c, json_integer((json_int_t)per_cpu[i]));
	}
	json_object_set_new(ev, "-28", json_integer((json_int_t)per_err[0]));	/* ENOSPC */
	json_object_set_new(ev, "-107", json_integer((json_int_t)per_err[1]));	/* ENOTCONN */
	json_object_set_new(ev, "-11", json_integer((json_int_t)per_err[2]));	/* EAGAIN */
	json_object_set_new(doc, "count", json_integer((json_int_t)total));
	json_object_set_new(doc, "errors", json_integer((json_int_t)nerr));
	json_object_set_new(doc, "per_cpu", cpus);
	json_object_set_new(doc, "per_error", ev);
	err = json_dump_file(doc, argv[2], JSON_SORT_KEYS);
	json_decref(doc);
	return err ? 2 : 0;
}
