// SPDX-License-Identifier: Apache-2.0
/*
 * gen-upcall-fail.c - write a perf.data with the kernel side of upcalls as
 * the upcall-monitor probe set records them: openvswitch:ovs_dp_upcall
 * (dp_name, dev, len, upcall_cmd) followed on the same CPU by the return of
 * ovs_dp_upcall (ovsperf:ovs_dp_upcall__return, field ret), on CPUs 0..3,
 * interleaved; some fail with -ENOSPC, -ENOTCONN or -EAGAIN (seeded random).
 * Also written: the answer, one JSON object per failed upcall (time_ns,
 * cpu, tid, dpif, dev, type, pkt_len, result), for `ovsperf-analyze upcalls
 * --result error`.  This machine has neither kprobes nor openvswitch.
 *
 * Usage: gen-upcall-fail OUT.data OUT.jsonl
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define COMMON TEST_COMMON_FIELDS

/* The fields of the kernel's tracepoint this report reads, at their 6.1
 * offsets (the rest left out). */
static const char upcall_fmt[] =
	"name: ovs_dp_upcall\nID: 9401\nformat:\n" COMMON
	"\tfield:void * dpaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc char[] dp_name;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] dev_name;\toffset:20;\tsize:4;\tsigned:0;\n"
	"\tfield:void * skbaddr;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int len;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:u8 upcall_cmd;\toffset:36;\tsize:1;\tsigned:0;\n\n"
	"print fmt: \"dp_name=%s dev=%s len=%u upcall_cmd=%u\", __get_str(dp_name), "
	"__get_str(dev_name), REC->len, REC->upcall_cmd\n";

static const char ret_fmt[] =
	"name: ovs_dp_upcall__return\nID: 9402\nformat:\n" COMMON
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:s32 ret;\toffset:24;\tsize:4;\tsigned:1;\n\n";

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |  \
	 PERF_SAMPLE_RAW)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

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
	uint8_t rec[256], raw[160];
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

/* Payload of ovs_dp_upcall (after the 8 common bytes): strings at the end. */
static size_t upcall_payload(uint8_t *p, const char *dp, const char *dev, uint32_t len,
			     uint8_t cmd)
{
	uint32_t dpl = (uint32_t)strlen(dp) + 1, devl = (uint32_t)strlen(dev) + 1;
	/* __data_loc: length << 16 | offset from the start of the raw data,
	 * whose first 8 bytes are the common fields. */
	uint32_t loc_dp = (dpl << 16) | 40, loc_dev = (devl << 16) | (40 + dpl);
	uint64_t skb = 0xffff888001234000ULL;

	memset(p, 0, 32);
	memcpy(p + 8, &loc_dp, 4);
	memcpy(p + 12, &loc_dev, 4);
	memcpy(p + 16, &skb, 8);
	memcpy(p + 24, &len, 4);
	p[28] = cmd;
	memcpy(p + 32, dp, dpl);
	memcpy(p + 32 + dpl, dev, devl);
	return 32 + dpl + devl;
}

int main(int argc, char **argv)
{
	static const int errs[] = { 0, 0, 0, -ENOSPC, -ENOTCONN, -EAGAIN };
	static const char *const devs[] = { "veth1", "eth0", "tap7" };
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		char comm[16];
		uint32_t spid, stid;
		uint64_t time;
		uint32_t cpu, res;
		uint64_t ident;
	} comm = { .h = { .type = PERF_RECORD_COMM, .size = sizeof(comm) }, .pid = 300,
		   .tid = 300, .comm = "ping", .spid = 300, .stid = 300, .ident = 1 };
	uint64_t t = 7000000000ULL, pending_t[4] = { 0 };
	int pending_ret[4], pending_dev[4], pending_len[4], nr_pending[4] = { 0 };
	struct pdata_tracing *tr = NULL;
	struct pdata_writer *w = NULL;
	FILE *ans;
	int err, i, k;

	if (argc != 3) {
		fprintf(stderr, "usage: gen-upcall-fail OUT.data OUT.jsonl\n");
		return 1;
	}
	ans = fopen(argv[2], "w");
	if (!ans)
		return 2;
	err = pdata_writer__open(&w, argv[1]);
	for (k = 0; k < 2 && !err; k++) {
		static const char *const names[] = { "openvswitch:ovs_dp_upcall",
						     "ovsperf:ovs_dp_upcall__return" };
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
			.config = 9401 + (uint64_t)k, .sample_period = 1,
			.sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t id = 1 + (uint64_t)k;

		err = pdata_writer__add_attr(w, &attr, &id, 1, names[k]);
	}
	err = err ?: pdata_writer__write(w, &comm, sizeof(comm));
	/* Each step: a CPU either starts an upcall or returns from its own. */
	for (i = 0; i < 600 && !err; i++) {
		uint32_t cpu = rnd(4);
		uint8_t p[96];

		t += 500 + rnd(3000);
		if (!nr_pending[cpu]) {
			pending_t[cpu] = t;
			pending_ret[cpu] = errs[rnd(6)];
			pending_dev[cpu] = (int)rnd(3);
			pending_len[cpu] = 60 + (int)rnd(1400);
			nr_pending[cpu] = 1;
			err = sample(w, 1, 9401, cpu == 0 ? 300 : 0, cpu == 0 ? 300 : 0, t, cpu, p,
				     upcall_payload(p, "ovs-system", devs[pending_dev[cpu]],
						    (uint32_t)pending_len[cpu], 1));
		} else {
			uint64_t ip = 0xffffffffc0100400ULL;

			memset(p, 0, 24);
			memcpy(p, &ip, 8);
			memcpy(p + 16, &pending_ret[cpu], 4);
			nr_pending[cpu] = 0;
			err = sample(w, 2, 9402, cpu == 0 ? 300 : 0, cpu == 0 ? 300 : 0, t, cpu, p,
				     20);
			if (pending_ret[cpu])
				fprintf(ans, "{\"time_ns\": %llu, \"cpu\": %u, \"tid\": %u, "
					"\"comm\": \"%s\", \"dpif\": \"ovs-system\", \"dev\": \"%s\", "
					"\"type\": 1, \"pkt_len\": %d, \"result\": %d}\n",
					(unsigned long long)pending_t[cpu], cpu, cpu == 0 ? 300 : 0,
					cpu == 0 ? "ping" : "swapper", devs[pending_dev[cpu]],
					pending_len[cpu], pending_ret[cpu]);
		}
	}
	err = err ?: pdata_writer__finished_round(w);
	err = err ?: pdata_tracing__new(&tr, header_page, header_event);
	err = err ?: pdata_tracing__add_format(tr, "openvswitch", upcall_fmt);
	err = err ?: pdata_tracing__add_format(tr, "ovsperf", ret_fmt);
	err = err ?: pdata_writer__set_tracing(w, tr);
	err = err ?: pdata_writer__set_host_features(w);
	err = pdata_writer__close(w, err);
	pdata_tracing__delete(tr);
	if (fclose(ans))
		err = err ?: -EIO;
	if (err) {
		ovp_print_error("%s: %s", argv[1], ovp_errmsg());
		return 2;
	}
	return 0;
}
