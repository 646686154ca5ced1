// SPDX-License-Identifier: Apache-2.0
/*
 * gen-upcall.c - write a perf.data of the upcall-cost events with known
 * answers, and the answers.  No recording of this machine can have them (no
 * openvswitch module, no kprobes, and the vmrig's OVS has no USDT probes).
 *
 * The simulated ovs-vswitchd (pid 500) has two handler threads, handler1
 * (501) and handler2 (502).  Each round, the kernel upcalls a batch of
 * packets (openvswitch:ovs_dp_upcall, in softirq context of tid 0); a handler
 * receives them (dpif_recv:recv_upcall), then puts and executes each one
 * (op_flow_put, op_flow_execute), the kernel executing the packet
 * (ovs_packet_cmd_execute) right after each execute or all at the end.
 * Also: upcalls the kernel made but no handler received, two recv_upcalls
 * whose kernel upcall predates the recording, ACTION upcalls (not usable),
 * upcalls that got no put/execute (first or last in their batch, where
 * upcall_cost.py's state machine assigns events unambiguously), and a
 * batch larger than 64.
 *
 * The answers are computed from the simulation's own ground truth (which
 * upcall each event belongs to), not by any correlation: for the whole
 * recording ("all") and for --handler-filter handler2 ("handler2").
 *
 * Usage: gen-upcall bytes|length|set|both|flood:N OUT.data OUT.json
 *   bytes:  every event with a packet carries its bytes, the kernel upcall
 *           too (a probe: ovsperf:ovs_dp_upcall len, upcall_cmd, pkt); several
 *           packets share a length, so only the bytes tell them apart;
 *   set:    the upcall-cost probe set's form: the openvswitch:ovs_dp_upcall
 *           tracepoint (no bytes), recv_upcall and op_flow_execute with pkt;
 *           every packet length differs (kernel upcalls match by length);
 *   length: plain perf form: the tracepoint and USDT arguments only; every
 *           packet length differs;
 *   both:   bytes, and the openvswitch:ovs_dp_upcall tracepoint too, a twin
 *           of every kernel upcall (same time, no bytes): upcall-cost
 *           must prefer the probe with the bytes, so the answers are
 *           those of bytes (the tracepoint pairs by length, wrongly here);
 *   flood:N: bytes, then N kernel upcalls that no handler receives, 1 us
 *           apart (the cap on the events upcall-cost keeps to match).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define COMMON TEST_COMMON_FIELDS

enum { DP, RECV, PUT, EXEC, PEXEC, NR_EV };

static const unsigned int ids[NR_EV] = { 9201, 9202, 9203, 9204, 9205 };
static const char *const names_bytes[NR_EV] = {
	"ovsperf:ovs_dp_upcall", "ovsperf:recv_upcall", "ovsperf:op_flow_put",
	"ovsperf:op_flow_execute", "ovsperf:ovs_packet_cmd_execute",
};
static const char *const names_length[NR_EV] = {
	"openvswitch:ovs_dp_upcall", "sdt_dpif_recv:recv_upcall",
	"sdt_dpif_netlink_operate__:op_flow_put", "sdt_dpif_netlink_operate__:op_flow_execute",
	"probe:ovs_packet_cmd_execute",
};

/* Kernel upcall: skbaddr, len, upcall_cmd, [pkt[64], in_port]. */
static const char dp_fmt_bytes[] =
	"name: ovs_dp_upcall\nID: 9201\nformat:\n" COMMON
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 skbaddr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 len;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:u8 upcall_cmd;\toffset:28;\tsize:1;\tsigned:0;\n"
	"\tfield:u8 pkt[64];\toffset:29;\tsize:64;\tsigned:0;\n"
	"\tfield:u16 in_port;\toffset:93;\tsize:2;\tsigned:0;\n\n"
	"print fmt: \"(%lx) skbaddr=0x%Lx len=%u upcall_cmd=%u\", REC->__probe_ip, "
	"REC->skbaddr, REC->len, REC->upcall_cmd\n";
static const char dp_fmt_length[] =
	"name: ovs_dp_upcall\nID: 9201\nformat:\n" COMMON
	"\tfield:void * dpaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc char[] dp_name;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] dev_name;\toffset:20;\tsize:4;\tsigned:0;\n"
	"\tfield:void * skbaddr;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int len;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned int data_len;\toffset:36;\tsize:4;\tsigned:0;\n"
	"\tfield:u8 upcall_cmd;\toffset:40;\tsize:1;\tsigned:0;\n"
	"\tfield:u32 upcall_port;\toffset:44;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"dpaddr=%p dp_name=%s dev=%s skbaddr=%p len=%u data_len=%u cmd=%u "
	"port=%u\", REC->dpaddr, __get_str(dp_name), __get_str(dev_name), REC->skbaddr, "
	"REC->len, REC->data_len, REC->upcall_cmd, REC->upcall_port\n";
/* recv_upcall: arg1..arg6 (dpif name, type, packet, size, key, key size). */
#define ARGS6                                                                           \
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"             \
	"\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n"                            \
	"\tfield:s32 arg2;\toffset:24;\tsize:4;\tsigned:1;\n"                            \
	"\tfield:u64 arg3;\toffset:28;\tsize:8;\tsigned:0;\n"                            \
	"\tfield:u32 arg4;\toffset:36;\tsize:4;\tsigned:0;\n"                            \
	"\tfield:u64 arg5;\toffset:40;\tsize:8;\tsigned:0;\n"                            \
	"\tfield:u32 arg6;\toffset:48;\tsize:4;\tsigned:0;\n"
static const char recv_fmt_bytes[] =
	"name: recv_upcall\nID: 9202\nformat:\n" COMMON ARGS6
	"\tfield:u8 pkt[64];\toffset:52;\tsize:64;\tsigned:0;\n"
	"\tfield:u8 key[64];\toffset:116;\tsize:64;\tsigned:0;\n\n"
	"print fmt: \"(%lx) type=%d len=%u\", REC->__probe_ip, REC->arg2, REC->arg4\n";
static const char recv_fmt_length[] =
	"name: recv_upcall\nID: 9202\nformat:\n" COMMON ARGS6 "\n"
	"print fmt: \"(%lx) type=%d len=%u\", REC->__probe_ip, REC->arg2, REC->arg4\n";
static const char put_fmt[] =
	"name: op_flow_put\nID: 9203\nformat:\n" COMMON
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx)\", REC->__probe_ip\n";
/* op_flow_execute: arg3 packet, arg4 size. */
#define ARGS4                                                                           \
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"             \
	"\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n"                            \
	"\tfield:u64 arg2;\toffset:24;\tsize:8;\tsigned:0;\n"                            \
	"\tfield:u64 arg3;\toffset:32;\tsize:8;\tsigned:0;\n"                            \
	"\tfield:u32 arg4;\toffset:40;\tsize:4;\tsigned:0;\n"
static const char exec_fmt_bytes[] =
	"name: op_flow_execute\nID: 9204\nformat:\n" COMMON ARGS4
	"\tfield:u8 pkt[64];\toffset:44;\tsize:64;\tsigned:0;\n\n"
	"print fmt: \"(%lx) len=%u\", REC->__probe_ip, REC->arg4\n";
static const char exec_fmt_length[] =
	"name: op_flow_execute\nID: 9204\nformat:\n" COMMON ARGS4 "\n"
	"print fmt: \"(%lx) len=%u\", REC->__probe_ip, REC->arg4\n";
static const char pexec_fmt[] =
	"name: ovs_packet_cmd_execute\nID: 9205\nformat:\n" COMMON
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 nlskb;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx) nlskb=0x%Lx\", REC->__probe_ip, REC->nlskb\n";

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |  \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)

#define VSWITCHD 500
#define MAX_EV 20000

static bool bytes_mode;		/* handler events carry packet bytes */
static bool dp_bytes_mode;	/* ...and the kernel upcall too */
static uint64_t flood;		/* flood:N: kernel upcalls nobody receives, at the end */
static bool dp_twin;		/* both: the tracepoint too, a twin of each kernel upcall */
static bool twin_now;		/* write_sample() writes the twin of a kernel upcall */
#define TWIN_ID 106		/* the twin's sample id */
#define TWIN_TYPE 9206		/* and tracepoint id */

/* One event to write. */
struct gen_ev {
	uint64_t time;
	int ev;
	uint32_t pid, tid, cpu;
	int pkt;		/* packet number, -1 none */
	int cmd;		/* dp upcall_cmd / recv type */
};

static struct gen_ev evs[MAX_EV];
static size_t nr_evs;

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11) % n;
}

/* Length and bytes of packet @p: in bytes mode, only two lengths. */
static uint32_t pkt_len(int p)
{
	return dp_bytes_mode ? 60u + 4u * (uint32_t)(p % 2) : 60u + (uint32_t)p;
}

static void pkt_bytes(int p, uint8_t out[64])
{
	int i;

	for (i = 0; i < 64; i++)
		out[i] = (uint8_t)(i < 12 ? 0xaa : i == 40 ? p & 0xff : i == 41 ? p >> 8 : i);
}

static void add(uint64_t t, int ev, uint32_t tid, int pkt, int cmd)
{
	if (nr_evs == MAX_EV) {
		fprintf(stderr, "gen-upcall: too many events\n");
		exit(2);
	}
	evs[nr_evs++] = (struct gen_ev){ t, ev, tid ? VSWITCHD : 0, tid, tid ? tid % 2 : 1, pkt,
					 cmd };
}

/*
 * Ground truth and the answers.
 */
struct truth {
	uint64_t total[NR_EV], valid[NR_EV];
	uint64_t sets, dp_no_recv, recv_no_dp, no_put, no_exec, no_pexec;
	uint64_t other_handlers;	/* sets of handlers --handler-filter leaves out */
	uint64_t upcalls[2];		/* per handler */
	uint64_t batch[65], over64;	/* batch sizes 1..64 */
	uint64_t nb, bmin, bmax;
	struct series {
		uint64_t count, total, min, max;
	} k2v, v2k, ovh, k2k;
};

static struct truth all, h2;

static void series_add(struct series *s, uint64_t v)
{
	if (!s->count || v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	s->count++;
	s->total += v;
}

static void count_event(int ev, uint32_t tid, bool valid)
{
	all.total[ev]++;
	all.valid[ev] += valid;
	if (ev == DP || tid == 502) {
		h2.total[ev]++;
		h2.valid[ev] += valid;
	}
}

static void count_batch(uint32_t tid, uint64_t k)
{
	struct truth *t[2] = { &all, tid == 502 ? &h2 : NULL };
	int i;

	for (i = 0; i < 2; i++) {
		if (!t[i])
			continue;
		if (!t[i]->nb || k < t[i]->bmin)
			t[i]->bmin = k;
		if (k > t[i]->bmax)
			t[i]->bmax = k;
		t[i]->nb++;
		if (k > 64)
			t[i]->over64++;
		else
			t[i]->batch[k]++;
		t[i]->upcalls[tid - 501] += k;
	}
}

/* One upcall's events, as they really belong together. */
struct upcall {
	uint64_t dp, recv, put, exec, pexec;	/* 0 = absent */
};

static void count_set(uint32_t tid, const struct upcall *u)
{
	struct truth *t[2] = { &all, tid == 502 ? &h2 : NULL };
	int i;

	for (i = 0; i < 2; i++) {
		if (!t[i])
			continue;
		if (!u->dp) {
			t[i]->recv_no_dp++;
			continue;
		}
		t[i]->sets++;
		series_add(&t[i]->k2v, u->recv - u->dp);
		t[i]->no_put += !u->put;
		t[i]->no_exec += !u->exec;
		t[i]->no_pexec += !u->pexec;
		if (!u->pexec)
			continue;
		if (u->put)
			series_add(&t[i]->ovh, (u->pexec - u->dp) - (u->put - u->recv));
		if (u->exec)
			series_add(&t[i]->v2k, u->pexec - u->exec);
		series_add(&t[i]->k2k, u->pexec - u->dp);
	}
}

/* One round: a batch of @k upcalls handled by @tid, starting at @t. */
static uint64_t round_(uint64_t t, uint32_t tid, int k, int *next_pkt, bool stale)
{
	struct upcall u[80];
	int miss = -1, i, first = *next_pkt;
	bool batched = rnd(2);
	uint64_t now;

	/* An upcall without put/execute, first or last in its batch. */
	if (k >= 1 && rnd(4) == 0)
		miss = rnd(2) ? 0 : k - 1;
	memset(u, 0, sizeof(u));
	for (i = 0; i < k; i++) {
		int p = first + i;

		if (!stale) {
			u[i].dp = t + i * 300;
			add(u[i].dp, DP, 0, p, 1);
			count_event(DP, 0, true);
		}
	}
	/* Kernel upcalls nobody receives (a different packet each). */
	if (!stale && rnd(5) == 0) {
		add(t + k * 300 + 50, DP, 0, first + k, 1);
		count_event(DP, 0, true);
		(*next_pkt)++;	/* its packet number is used */
	}
	now = t + 40000 + rnd(20000);
	for (i = 0; i < k; i++) {
		u[i].recv = now;
		add(now, RECV, tid, first + i, 0);
		count_event(RECV, tid, true);
		now += 200 + rnd(300);
	}
	/* Flow puts and executes; packet executes after each or at the end. */
	for (i = 0; i < k; i++) {
		if (i == miss)
			continue;
		now += 5000 + rnd(5000);
		u[i].put = now;
		add(now, PUT, tid, -1, 0);
		count_event(PUT, tid, true);
		now += 1000 + rnd(1000);
		u[i].exec = now;
		add(now, EXEC, tid, first + i, 0);
		count_event(EXEC, tid, true);
		if (!batched) {
			now += 3000 + rnd(3000);
			u[i].pexec = now;
			add(now, PEXEC, tid, -1, 0);
			count_event(PEXEC, tid, true);
		}
	}
	if (batched) {
		for (i = 0; i < k; i++) {
			if (i == miss)
				continue;
			now += 3000 + rnd(3000);
			u[i].pexec = now;
			add(now, PEXEC, tid, -1, 0);
			count_event(PEXEC, tid, true);
		}
	}
	count_batch(tid, (uint64_t)k);
	for (i = 0; i < k; i++)
		count_set(tid, &u[i]);
	*next_pkt += k;
	return now + 100000;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct gen_ev *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

static void put(uint8_t *buf, size_t *len, const void *p, size_t n)
{
	memcpy(buf + *len, p, n);
	*len += n;
}

static int write_sample(struct pdata_writer *w, const struct gen_ev *e)
{
	uint8_t rec[512], raw[256], b[64];
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	uint64_t id = twin_now ? TWIN_ID : 100 + (uint64_t)e->ev;
	uint64_t ip = 0x55550000 + e->ev, period = 1, u64;
	uint32_t cpu[2] = { e->cpu, 0 }, raw_size, u32, len = e->pkt >= 0 ? pkt_len(e->pkt) : 0;
	uint16_t type = twin_now ? TWIN_TYPE : ids[e->ev];
	int32_t s32;
	uint16_t u16;
	size_t n = sizeof(h), rlen = 16;

	memset(raw, 0, sizeof(raw));
	memcpy(raw, &type, 2);
	memcpy(raw + 4, &e->tid, 4);
	u64 = ip;
	memcpy(raw + 8, &u64, 8);
	if (e->pkt >= 0)
		pkt_bytes(e->pkt, b);
	switch (e->ev) {
	case DP:
		if (dp_bytes_mode && !twin_now) {
			u64 = 0xffff888100000000ULL + (uint64_t)e->pkt * 256;
			memcpy(raw + 16, &u64, 8);
			memcpy(raw + 24, &len, 4);
			raw[28] = (uint8_t)e->cmd;
			memcpy(raw + 29, b, 64);
			/* The in-port, as the flow key of its recv_upcall says. */
			u16 = (uint16_t)(1 + e->pkt % 3);
			memcpy(raw + 93, &u16, 2);
			rlen = 95;
		} else {
			static const char dp[] = "ovs-system", dev[] = "veth0";
			uint32_t loc;

			u64 = 0xffff888000001000ULL;
			memcpy(raw + 8, &u64, 8);
			loc = ((uint32_t)sizeof(dp) << 16) | 48;
			memcpy(raw + 16, &loc, 4);
			loc = ((uint32_t)sizeof(dev) << 16) | (48 + sizeof(dp));
			memcpy(raw + 20, &loc, 4);
			u64 = 0xffff888100000000ULL + (uint64_t)e->pkt * 256;
			memcpy(raw + 24, &u64, 8);
			memcpy(raw + 32, &len, 4);
			raw[40] = (uint8_t)e->cmd;
			u32 = 7;
			memcpy(raw + 44, &u32, 4);
			memcpy(raw + 48, dp, sizeof(dp));
			memcpy(raw + 48 + sizeof(dp), dev, sizeof(dev));
			rlen = 48 + sizeof(dp) + sizeof(dev);
		}
		break;
	case RECV:
		u64 = 0x7f0000001000ULL;
		memcpy(raw + 16, &u64, 8);
		s32 = e->cmd;
		memcpy(raw + 24, &s32, 4);
		u64 = 0x7f0000002000ULL;
		memcpy(raw + 28, &u64, 8);
		memcpy(raw + 36, &len, 4);
		memcpy(raw + 40, &u64, 8);
		u32 = 132;
		memcpy(raw + 48, &u32, 4);
		rlen = 52;
		if (bytes_mode) {
			/* Flow key: PRIORITY (2) 0, IN_PORT (3), SKB_MARK (15) 0. */
			static const uint8_t attrs[24] = { 8, 0, 2, 0, 0, 0, 0, 0, 8, 0, 3, 0,
							   0, 0, 0, 0, 8, 0, 15, 0 };

			memcpy(raw + 52, b, 64);
			memset(raw + 116, 0, 64);
			memcpy(raw + 116, attrs, sizeof(attrs));
			u32 = dp_bytes_mode ? 1 + (uint32_t)(e->pkt % 3) : 0;
			memcpy(raw + 116 + 12, &u32, 4);
			rlen = 180;
		}
		break;
	case EXEC:
		u64 = 0x7f0000003000ULL;
		memcpy(raw + 32, &u64, 8);
		memcpy(raw + 40, &len, 4);
		rlen = 44;
		if (bytes_mode) {
			memcpy(raw + 44, b, 64);
			rlen = 108;
		}
		break;
	case PEXEC:
		u64 = 0xffff888200000000ULL;
		memcpy(raw + 16, &u64, 8);
		rlen = 24;
		break;
	default:
		break;
	}
	raw_size = (uint32_t)((rlen + 4 + 7) / 8 * 8 - 4);
	put(rec, &n, &id, 8);
	put(rec, &n, &ip, 8);
	put(rec, &n, &e->pid, 4);
	put(rec, &n, &e->tid, 4);
	put(rec, &n, &e->time, 8);
	put(rec, &n, cpu, 8);
	put(rec, &n, &period, 8);
	put(rec, &n, &raw_size, 4);
	put(rec, &n, raw, raw_size);
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
		.pid = pid, .tid = tid, .spid = pid, .stid = tid, .time = 0, .ident = 100,
	};

	strncpy(r.comm, comm, sizeof(r.comm) - 1);
	return pdata_writer__write(w, &r, sizeof(r));
}

static json_t *series_json(const struct series *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "count", json_integer((json_int_t)s->count));
	json_object_set_new(o, "total_ns", json_integer((json_int_t)s->total));
	json_object_set_new(o, "min_ns", json_integer((json_int_t)s->min));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)s->max));
	return o;
}

static json_t *truth_json(const struct truth *t, bool only_h2)
{
	static const char *const tn[NR_EV] = {
		"openvswitch__dp_upcall", "dpif_recv__recv_upcall",
		"dpif_netlink_operate__op_flow_put", "dpif_netlink_operate__op_flow_execute",
		"ktrace__ovs_packet_cmd_execute",
	};
	json_t *o = json_object(), *ev = json_object(), *th = json_object(), *bk = json_object();
	json_t *unc = json_object();
	int i;

	for (i = 0; i < NR_EV; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "usable", json_integer((json_int_t)t->valid[i]));
		json_object_set_new(x, "total", json_integer((json_int_t)t->total[i]));
		json_object_set_new(ev, tn[i], x);
	}
	json_object_set_new(o, "events", ev);
	json_object_set_new(o, "sets", json_integer((json_int_t)t->sets));
	for (i = 0; i < 2; i++) {
		char tid[16];

		if (only_h2 && i == 0)
			continue;
		snprintf(tid, sizeof(tid), "%d", 501 + i);
		json_object_set_new(th, tid, json_integer((json_int_t)t->upcalls[i]));
	}
	json_object_set_new(o, "threads", th);
	for (i = 1; i <= 64; i++) {
		char sz[8];

		if (!t->batch[i])
			continue;
		snprintf(sz, sizeof(sz), "%d", i);
		json_object_set_new(bk, sz, json_integer((json_int_t)t->batch[i]));
	}
	json_object_set_new(o, "batches", bk);
	json_object_set_new(o, "over_64", json_integer((json_int_t)t->over64));
	json_object_set_new(o, "batch_min", json_integer((json_int_t)t->bmin));
	json_object_set_new(o, "batch_max", json_integer((json_int_t)t->bmax));
	json_object_set_new(o, "kernel_to_vswitchd", series_json(&t->k2v));
	json_object_set_new(o, "vswitchd_to_kernel", series_json(&t->v2k));
	json_object_set_new(o, "overhead", series_json(&t->ovh));
	json_object_set_new(o, "kernel_to_kernel_exec", series_json(&t->k2k));
	json_object_set_new(unc, "dp_upcall_no_recv", json_integer((json_int_t)t->dp_no_recv));
	json_object_set_new(unc, "recv_no_dp_upcall", json_integer((json_int_t)t->recv_no_dp));
	json_object_set_new(unc, "sets_no_put", json_integer((json_int_t)t->no_put));
	json_object_set_new(unc, "sets_no_exec", json_integer((json_int_t)t->no_exec));
	json_object_set_new(unc, "sets_no_pkt_exec", json_integer((json_int_t)t->no_pexec));
	json_object_set_new(unc, "matched_by_length_only", json_boolean(!dp_bytes_mode));
	json_object_set_new(unc, "other_handlers", json_integer((json_int_t)t->other_handlers));
	json_object_set_new(o, "uncorrelated", unc);
	return o;
}

int main(int argc, char **argv)
{
	const char *const *names;
	struct pdata_tracing *tr = NULL;
	struct pdata_writer *w = NULL;
	uint64_t t = 1000000000000ULL;
	int next_pkt = 0, r, err, k;
	json_t *doc;
	size_t i;

	if (!strncmp(argv[1], "flood:", 6)) {
		flood = strtoull(argv[1] + 6, NULL, 10);
		argv[1] = "bytes";
	}
	if (argc == 4 && !strcmp(argv[1], "both")) {
		dp_twin = true;
		argv[1] = "bytes";
	}
	if (argc != 4 || (strcmp(argv[1], "bytes") && strcmp(argv[1], "length") &&
			  strcmp(argv[1], "set"))) {
		fprintf(stderr, "usage: gen-upcall bytes|length|set|both|flood:N OUT.data OUT.json\n");
		return 1;
	}
	bytes_mode = strcmp(argv[1], "length") != 0;
	dp_bytes_mode = !strcmp(argv[1], "bytes");
	names = dp_bytes_mode ? names_bytes : names_length;

	/* Two recv_upcalls whose kernel upcalls came before the recording. */
	t = round_(t, 501, 2, &next_pkt, true);
	for (r = 0; r < 60; r++) {
		uint32_t tid = 501 + (uint32_t)(r % 2);

		/* An ACTION upcall: counted, not usable, no put/execute. */
		if (r % 7 == 3) {
			add(t, DP, 0, next_pkt, 2);
			count_event(DP, 0, false);
			add(t + 30000, RECV, tid, next_pkt, 1);
			count_event(RECV, tid, false);
			next_pkt++;
			t += 100000;
		}
		t = round_(t, tid, r == 30 ? 66 : 1 + (int)rnd(8), &next_pkt, false);
	}
	qsort(evs, nr_evs, sizeof(evs[0]), cmp_ev);
	/* Every usable kernel upcall that is in no set was not received; with
	 * --handler-filter, those received by the other handler are paired all
	 * the same and counted apart (the filter applies after pairing). */
	for (uint64_t f = 0; f < flood; f++) {
		count_event(DP, 0, true);	/* written below, after the rounds */
	}
	all.dp_no_recv = all.valid[DP] - all.sets;
	h2.dp_no_recv = all.dp_no_recv;
	h2.other_handlers = all.sets - h2.sets;

	err = pdata_writer__open(&w, argv[2]);
	for (k = 0; k < NR_EV && !err; k++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .config = ids[k],
			.sample_period = 1, .sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t id = 100 + (uint64_t)k;

		err = pdata_writer__add_attr(w, &attr, &id, 1, names[k]);
	}
	if (dp_twin && !err) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .config = TWIN_TYPE,
			.sample_period = 1, .sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t id = TWIN_ID;

		err = pdata_writer__add_attr(w, &attr, &id, 1, "openvswitch:ovs_dp_upcall");
	}
	err = err ?: write_comm(w, VSWITCHD, VSWITCHD, "ovs-vswitchd");
	err = err ?: write_comm(w, VSWITCHD, 501, "handler1");
	err = err ?: write_comm(w, VSWITCHD, 502, "handler2");
	for (i = 0; i < nr_evs && !err; i++) {
		err = write_sample(w, &evs[i]);
		if (!err && dp_twin && evs[i].ev == DP) {
			twin_now = true;
			err = write_sample(w, &evs[i]);
			twin_now = false;
		}
		if (!err && i % 128 == 127)
			err = pdata_writer__finished_round(w);
	}
	for (uint64_t f = 0; f < flood && !err; f++) {
		struct gen_ev e = { t + f * 1000, DP, 0, 0, 1, next_pkt + (int)(f % 1000), 1 };

		err = write_sample(w, &e);
		if (!err && f % 1024 == 1023)
			err = pdata_writer__finished_round(w);
	}
	err = err ?: pdata_writer__finished_round(w);
	err = err ?: pdata_tracing__new(&tr, header_page, header_event);
	err = err ?: pdata_tracing__add_format(tr, dp_bytes_mode ? "ovsperf" : "openvswitch",
					       dp_bytes_mode ? dp_fmt_bytes : dp_fmt_length);
	err = err ?: pdata_tracing__add_format(tr, dp_bytes_mode ? "ovsperf" : "sdt_dpif_recv",
					       bytes_mode ? recv_fmt_bytes : recv_fmt_length);
	err = err ?: pdata_tracing__add_format(tr, dp_bytes_mode ? "ovsperf" :
					       "sdt_dpif_netlink_operate__", put_fmt);
	err = err ?: pdata_tracing__add_format(tr, dp_bytes_mode ? "ovsperf" :
					       "sdt_dpif_netlink_operate__",
					       bytes_mode ? exec_fmt_bytes : exec_fmt_length);
	err = err ?: pdata_tracing__add_format(tr, dp_bytes_mode ? "ovsperf" : "probe",
					       pexec_fmt);
	if (dp_twin) {
		static char twin_fmt[sizeof(dp_fmt_length) + 16];

		snprintf(twin_fmt, sizeof(twin_fmt), "name: ovs_dp_upcall\nID: %d%s", TWIN_TYPE,
			 strstr(dp_fmt_length, "\nformat:"));
		err = err ?: pdata_tracing__add_format(tr, "openvswitch", twin_fmt);
	}
	err = err ?: pdata_writer__set_tracing(w, tr);
	err = err ?: pdata_writer__set_host_features(w);
	err = pdata_writer__close(w, err);
	pdata_tracing__delete(tr);
	if (err) {
		ovp_print_error("%s: %s", argv[2], ovp_errmsg());
		return 2;
	}
	doc = json_object();
	json_object_set_new(doc, "all", truth_json(&all, false));
	json_object_set_new(doc, "handler2", truth_json(&h2, true));
	if (json_dump_file(doc, argv[3], JSON_INDENT(1) | JSON_SORT_KEYS)) {
		ovp_print_error("%s: cannot write", argv[3]);
		json_decref(doc);
		return 2;
	}
	json_decref(doc);
	return 0;
}
