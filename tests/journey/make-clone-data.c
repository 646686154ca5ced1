// SPDX-License-Identifier: Apache-2.0
/*
 * make-clone-data.c - write a small perf.data whose skb events carry
 * skb->head, as ovsperf-probe's skb sets record them on a kernel with
 * kprobes (this test machine has none), to test the (head, skb) identity:
 * packets flooded to three ports (two clones sharing the head), drops,
 * normal frees, kfree_skbmem after a free, a head reallocated under a live
 * skb, skb and head addresses reused after their free, and two packets in
 * flight at once on two CPUs, and one free recorded three times in one
 * nanosecond.
 *
 * The events (formats below, as the kernel and ovsperf-probe lay them out):
 *	ovsperf:xmit         probe: skb, head, dev (char[16]), len and the IPv4
 *	                     flow (saddr, daddr, sport, dport in network order,
 *	                     protocol), as a set with 'flow' fetches them
 *	ovsperf:kfree_skbmem probe: skb, head
 *	skb:consume_skb      tracepoint: skbaddr, location
 *	skb:kfree_skb        tracepoint: skbaddr, location, rx_sk, protocol,
 *	                     reason with a __print_symbolic table whose numbers
 *	                     differ from any real kernel's, so that names can
 *	                     only come from the recording's own format
 *
 * With a third argument "recv", an event ovsperf:recv (the layout of xmit)
 * comes first on each packet's skb, as a probe where packets enter, and the
 * flooded packet sends its clones before itself, as OVS floods: spans
 * ovsperf:recv -> ovsperf:xmit for the latency report (--key head forks the
 * clones' spans from their parent's).  Without it the file holds no recv.
 *
 * With "noend" instead, each packet is one ovsperf:recv on an skb and a head
 * of its own, and nothing else: packets that never end, for the cap on
 * packet identities (tests/bounded/check_caps.py).
 *
 * With "flows", each packet is one ovsperf:recv and one ovsperf:xmit on an
 * skb of its own, with a flow of its own (source address and port count
 * the packets): a complete span per packet, each with a distinct attribute,
 * for the export's cap on packet attributes (tests/bounded/check_export_caps.py).
 *
 * With "long", the file holds three packets on three CPUs, in flight at
 * once, each an skb and a head of its own: ovsperf:xmit events ended by a
 * skb:consume_skb, 300, 256 and 257 events in all (the journey's
 * --max-events, default 256: one packet over it, one at it, one just over
 * it; tests/journey/check_max_events.py knows this layout).  Event i of
 * packet j (0, 1, 2) is at 7 s + i us + j * 300 ns on CPU j.
 *
 * Expected results are not computed here: the test reads the file back with
 * `perf script` and computes them in python (check_journey.py).
 *
 * The kernel symbols are stored in the recording (its tracing data) and
 * written to FILE.kallsyms too: perf script does not use them, the checks
 * resolve perf's raw addresses with that copy.
 *
 * Usage: make-clone-data FILE [NR_PACKETS [recv|noend|flows|long]]
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define COMMON_FIELDS TEST_COMMON_FIELDS

/* EV_RECV last: only written with "recv". */
enum { EV_XMIT, EV_SKBMEM, EV_CONSUME, EV_KFREE, EV_RECV, EV_NR };
static const int ev_ids[EV_NR] = { 9101, 9102, 9103, 9104, 9105 };
static const char *const ev_names[EV_NR] = {
	"ovsperf:xmit", "ovsperf:kfree_skbmem", "skb:consume_skb", "skb:kfree_skb", "ovsperf:recv",
};
static const char *const ev_systems[EV_NR] = { "ovsperf", "ovsperf", "skb", "skb", "ovsperf" };
/* The payload of xmit and recv after their name and ID. */
#define XMIT_FIELDS                                                                     \
	"format:\n" COMMON_FIELDS                                                        \
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"              \
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n"                              \
	"\tfield:u64 head;\toffset:24;\tsize:8;\tsigned:0;\n"                             \
	"\tfield:char dev[16];\toffset:32;\tsize:16;\tsigned:0;\n"                        \
	"\tfield:u32 len;\toffset:48;\tsize:4;\tsigned:0;\n"                              \
	"\tfield:u32 saddr;\toffset:52;\tsize:4;\tsigned:0;\n"                            \
	"\tfield:u32 daddr;\toffset:56;\tsize:4;\tsigned:0;\n"                            \
	"\tfield:u16 sport;\toffset:60;\tsize:2;\tsigned:0;\n"                            \
	"\tfield:u16 dport;\toffset:62;\tsize:2;\tsigned:0;\n"                            \
	"\tfield:u8 protocol;\toffset:64;\tsize:1;\tsigned:0;\n\n"                        \
	"print fmt: \"(%lx) skb=0x%llx head=0x%llx dev=%s len=%u saddr=0x%x daddr=0x%x "   \
	"sport=0x%x dport=0x%x protocol=%u\", REC->__probe_ip, REC->skb, REC->head, REC->dev, " \
	"REC->len, REC->saddr, REC->daddr, REC->sport, REC->dport, REC->protocol\n"
static const char *const ev_formats[EV_NR] = {
	"name: xmit\nID: 9101\n" XMIT_FIELDS,

	"name: kfree_skbmem\nID: 9102\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 head;\toffset:24;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx) skb=0x%llx head=0x%llx\", REC->__probe_ip, REC->skb, REC->head\n",

	"name: consume_skb\nID: 9103\nformat:\n" COMMON_FIELDS
	"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"skbaddr=%p location=%pS\", REC->skbaddr, REC->location\n",

	"name: kfree_skb\nID: 9104\nformat:\n" COMMON_FIELDS
	"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:void * rx_sk;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned short protocol;\toffset:32;\tsize:2;\tsigned:0;\n"
	"\tfield:enum skb_drop_reason reason;\toffset:36;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"skbaddr=%p rx_sk=%p protocol=%u location=%pS reason: %s\", "
	"REC->skbaddr, REC->rx_sk, REC->protocol, REC->location, "
	"__print_symbolic(REC->reason, { 1, \"CONSUMED\" }, { 2, \"NOT_SPECIFIED\" }, "
	"{ 5, \"NO_SOCKET\" }, { 77, \"TC_INGRESS\" })\n",

	"name: recv\nID: 9105\n" XMIT_FIELDS,
};

/* Drop reason numbers of the format above. */
#define R_CONSUMED 1
#define R_NO_SOCKET 5
#define R_TC_INGRESS 77

/* Kernel-looking code addresses for the free locations. */
#define LOC_CONSUME 0xffffffff81a01234ULL
#define LOC_DROP 0xffffffff81b05678ULL
#define PROBE_IP 0xffffffff81c00000ULL

struct raw {
	uint16_t common_type;
	uint8_t common_flags;
	uint8_t common_preempt_count;
	int32_t common_pid;
	uint64_t a;		/* __probe_ip or skbaddr */
	uint64_t b;		/* skb or location */
	uint64_t c;		/* head or rx_sk */
	union {
		char dev[16];	/* xmit */
		struct {
			uint16_t protocol;
			uint16_t pad;
			uint32_t reason;
		} k;		/* kfree_skb */
	} u;
	uint32_t len;
	uint8_t saddr[4], daddr[4];	/* network order, as in the packet */
	uint8_t sport[2], dport[2];
	uint8_t protocol;
} __attribute__((packed));

static const size_t raw_sizes[EV_NR] = { 65, 32, 24, 40, 65 };

/* PERF_RECORD_SAMPLE for IDENTIFIER|IP|TID|TIME|CPU|PERIOD|RAW. */
struct sample_rec {
	struct perf_event_header header;
	uint64_t id;
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
	uint64_t period;
	uint32_t raw_size;
	char raw[96];
} __attribute__((packed));

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |  \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)

/* One event of the scenario before it is written. */
struct ev {
	int type;
	uint64_t time;
	uint32_t cpu;
	uint64_t skb, head;
	const char *dev;
	uint32_t reason;
	int k;			/* packet number: gives its flow */
};

static struct ev evs[1024];
static int nr_evs;
static int cur_k;		/* packet being added */
static bool with_recv;		/* "recv": ovsperf:recv events, clones sent first */
static bool noend;		/* "noend": one ovsperf:recv per packet, nothing else */
static bool flows;		/* "flows": recv and xmit, a flow per packet */
static bool longpk;		/* "long": three packets of 300, 256 and 257 events */

static void add(int type, uint64_t time, uint32_t cpu, uint64_t skb, uint64_t head,
		const char *dev, uint32_t reason)
{
	evs[nr_evs++] = (struct ev){ type, time, cpu, skb, head, dev, reason, cur_k };
}

/*
 * The events of packet @k, starting at @t on @cpu.  Packets of the same
 * parity never overlap in time, so their addresses may be reused.
 */
static void packet(int k, uint64_t t, uint32_t cpu)
{
	uint64_t s = 0xffff888100000000ULL + (k % 2) * 0x100 + ((k / 2) % 3) * 0x1000;
	uint64_t c1 = 0xffff888140000000ULL + (k % 2) * 0x100, c2 = c1 + 0x80;
	uint64_t h = 0xffff888200000000ULL + (k % 2) * 0x1000 + ((k / 2) % 2) * 0x100000;
	uint64_t d = 1000;

	cur_k = k;
	if (with_recv)
		add(EV_RECV, t - 400, cpu, s, h, "in0", 0);
	switch (k % 5) {
	case 0:	/* forwarded, freed normally, then kfree_skbmem */
		add(EV_XMIT, t, cpu, s, h, "p1", 0);
		add(EV_XMIT, t + d, cpu, s, h, "p2", 0);
		add(EV_CONSUME, t + 2 * d, cpu, s, 0, NULL, 0);
		add(EV_SKBMEM, t + 3 * d, cpu, s, h, NULL, 0);
		break;
	case 1:	/* flooded to three ports: two clones share the head (with recv,
		 * the clones go first, the original last, as OVS floods) */
		add(EV_XMIT, with_recv ? t + 2 * d : t, cpu, s, h, "p0", 0);
		add(EV_XMIT, with_recv ? t : t + d, cpu, c1, h, "p1", 0);
		add(EV_XMIT, with_recv ? t + d : t + 2 * d, cpu, c2, h, "p2", 0);
		add(EV_CONSUME, t + 3 * d, cpu, c1, 0, NULL, 0);
		add(EV_KFREE, t + 4 * d, cpu, c2, 0, NULL, R_NO_SOCKET);
		add(EV_CONSUME, t + 5 * d, cpu, s, 0, NULL, 0);
		break;
	case 2:	/* dropped by a tc rule; the first such packet's free is
		 * recorded three times in one nanosecond (a coarse guest clock
		 * lets perf see that): the second and the third are packets of
		 * one event each, with the same time and event */
		add(EV_XMIT, t, cpu, s, h, "p1", 0);
		add(EV_KFREE, t + d, cpu, s, 0, NULL, R_TC_INGRESS);
		if (k == 2 && !noend && !flows) {
			add(EV_KFREE, t + d, cpu, s, 0, NULL, R_TC_INGRESS);
			add(EV_KFREE, t + d, cpu, s, 0, NULL, R_TC_INGRESS);
		}
		break;
	case 3:	/* data reallocated (new head, same skb), then freed normally */
		add(EV_XMIT, t, cpu, s, h, "p1", 0);
		add(EV_XMIT, t + d, cpu, s, h + 0x800, "p2", 0);
		add(EV_KFREE, t + 2 * d, cpu, s, 0, NULL, R_CONSUMED);
		break;
	default: /* freed where no tracepoint fires: only kfree_skbmem */
		add(EV_XMIT, t, cpu, s, h, "p3", 0);
		add(EV_SKBMEM, t + d, cpu, s, h, NULL, 0);
		break;
	}
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

static int write_ev(struct pdata_writer *w, const struct ev *e)
{
	struct sample_rec r;
	struct raw raw;
	size_t raw_size = raw_sizes[e->type], size;

	memset(&r, 0, sizeof(r));
	memset(&raw, 0, sizeof(raw));
	raw.common_type = ev_ids[e->type];
	raw.common_pid = 2000 + e->cpu;
	switch (e->type) {
	case EV_XMIT:
	case EV_RECV:
		raw.a = PROBE_IP + (e->type == EV_RECV ? 0x80 : 0);
		raw.b = e->skb;
		raw.c = e->head;
		snprintf(raw.u.dev, sizeof(raw.u.dev), "%s", e->dev);
		raw.len = 98;
		/* UDP 10.199.0.(1 + k % 3):(1000 + k % 4) -> 10.199.1.1:(9998 or 53);
		 * "flows": 10.(k >> 24).(k >> 16).(k >> 8):(k & 0xff). */
		raw.saddr[0] = raw.daddr[0] = 10;
		raw.saddr[1] = raw.daddr[1] = 199;
		raw.saddr[3] = 1 + e->k % 3;
		raw.daddr[2] = raw.daddr[3] = 1;
		raw.sport[0] = (1000 + e->k % 4) >> 8;
		raw.sport[1] = (1000 + e->k % 4) & 0xff;
		if (flows) {
			raw.saddr[1] = (uint8_t)(e->k >> 24);
			raw.saddr[2] = (uint8_t)(e->k >> 16);
			raw.saddr[3] = (uint8_t)(e->k >> 8);
			raw.sport[0] = 0;
			raw.sport[1] = (uint8_t)e->k;
		}
		raw.dport[0] = (e->k % 2 ? 9998 : 53) >> 8;
		raw.dport[1] = (e->k % 2 ? 9998 : 53) & 0xff;
		raw.protocol = 17;
		break;
	case EV_SKBMEM:
		raw.a = PROBE_IP + 0x40;
		raw.b = e->skb;
		raw.c = e->head;
		break;
	case EV_CONSUME:
		raw.a = e->skb;
		raw.b = LOC_CONSUME;
		break;
	default:
		raw.a = e->skb;
		raw.b = LOC_DROP;
		raw.u.k.protocol = 0x0800;
		raw.u.k.reason = e->reason;
		break;
	}
	memcpy(r.raw, &raw, raw_size);
	/* The kernel pads raw data so that u32 size + data is 8-aligned. */
	raw_size = (raw_size + 4 + 7) / 8 * 8 - 4;
	r.raw_size = raw_size;
	r.id = 100 + e->type;
	r.pid = r.tid = 2000 + e->cpu;
	r.time = e->time;
	r.cpu = e->cpu;
	r.period = 1;
	size = offsetof(struct sample_rec, raw) + raw_size;
	r.header.type = PERF_RECORD_SAMPLE;
	r.header.size = size;
	return pdata_writer__write(w, &r, size);
}

int main(int argc, char **argv)
{
	static const char kallsyms[] =
		"ffffffff81000000 T _text\n"
		"ffffffff81a01200 T skb_free_example\n"
		"ffffffff81b05600 T tc_drop_example\n"
		"ffffffff81c00000 T xmit_example\n"
		"ffffffff81d00000 T _etext\n";
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		.sample_type = SAMPLE_TYPE,
		.read_format = PERF_FORMAT_ID,
		.sample_id_all = 1,
	};
	struct pdata_tracing *t = NULL;
	struct pdata_writer *w = NULL;
	int i, k, nr_packets = argc > 2 ? atoi(argv[2]) : 40, err = 0, nr_types;
	char path[4096];
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: make-clone-data FILE [NR_PACKETS [recv|noend|flows|long]]\n");
		return 2;
	}
	noend = argc > 3 && !strcmp(argv[3], "noend");
	flows = argc > 3 && !strcmp(argv[3], "flows");
	longpk = argc > 3 && !strcmp(argv[3], "long");
	if (longpk)
		nr_packets = 1;
	with_recv = noend || flows || (argc > 3 && !strcmp(argv[3], "recv"));
	nr_types = with_recv ? EV_NR : EV_RECV;
	err = pdata_writer__open(&w, argv[1]);
	for (i = 0; !err && i < nr_types; i++) {
		uint64_t id = 100 + i;

		attr.config = ev_ids[i];
		err = pdata_writer__add_attr(w, &attr, &id, 1, ev_names[i]);
	}
	/* Two packets in flight at once (one per CPU), then the next pair. */
	for (k = 0; !err && k < nr_packets; k += 2) {
		uint64_t t0 = 7000000000ULL + (uint64_t)k * 20000;

		nr_evs = 0;
		if (longpk) {
			static const int nr[3] = { 300, 256, 257 };

			for (int j = 0; j < 3; j++) {
				uint64_t skb = 0xffff888100000000ULL + (uint64_t)j * 0x100;
				uint64_t head = 0xffff888200000000ULL + (uint64_t)j * 0x1000;

				cur_k = j;
				for (int e = 0; e < nr[j]; e++)
					add(e + 1 < nr[j] ? EV_XMIT : EV_CONSUME,
					    t0 + (uint64_t)e * 1000 + (uint64_t)j * 300, (uint32_t)j, skb,
					    e + 1 < nr[j] ? head : 0, "p1", 0);
			}
		} else if (flows) {
			for (int j = 0; j < 2 && k + j < nr_packets; j++) {
				uint64_t skb = 0xffff888100000000ULL + (uint64_t)(k + j) * 0x100;
				uint64_t head = 0xffff888200000000ULL + (uint64_t)(k + j) * 0x1000;

				cur_k = k + j;
				add(EV_RECV, t0 + 500 * j, j, skb, head, "in0", 0);
				add(EV_XMIT, t0 + 500 * j + 100, j, skb, head, "p1", 0);
			}
		} else if (noend) {
			cur_k = k;
			add(EV_RECV, t0, 0, 0xffff888100000000ULL + (uint64_t)k * 0x100,
			    0xffff888200000000ULL + (uint64_t)k * 0x1000, "in0", 0);
			if (k + 1 < nr_packets)
				add(EV_RECV, t0 + 500, 1, 0xffff888100000000ULL + (uint64_t)(k + 1) * 0x100,
				    0xffff888200000000ULL + (uint64_t)(k + 1) * 0x1000, "in0", 0);
		} else {
			packet(k, t0, 0);
			if (k + 1 < nr_packets)
				packet(k + 1, t0 + 500, 1);
		}
		qsort(evs, nr_evs, sizeof(evs[0]), cmp_ev);
		for (i = 0; !err && i < nr_evs; i++)
			err = write_ev(w, &evs[i]);
		err = err ?: pdata_writer__finished_round(w);
	}
	err = err ?: pdata_tracing__new(&t, header_page, header_event);
	for (i = 0; !err && i < nr_types; i++)
		err = pdata_tracing__add_format(t, ev_systems[i], ev_formats[i]);
	err = err ?: pdata_tracing__set_text(t, 0, kallsyms, strlen(kallsyms));
	err = err ?: pdata_tracing__set_text(t, 2, "2000 worker-0\n2001 worker-1\n", 28);
	err = err ?: pdata_writer__set_tracing(w, t);
	err = err ?: pdata_writer__set_host_features(w);
	pdata_tracing__delete(t);
	err = pdata_writer__close(w, err);
	if (err) {
		fprintf(stderr, "make-clone-data: %s\n", ovp_errmsg());
		return 1;
	}
	snprintf(path, sizeof(path), "%s.kallsyms", argv[1]);
	f = fopen(path, "w");
	if (!f || fputs(kallsyms, f) < 0 || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}
