// SPDX-License-Identifier: Apache-2.0
/*
 * gen-flows.c - write a synthetic perf.data for the latency report's flow,
 * device, egress and threshold paths, which no recording of this machine can
 * exercise (no kprobes here, and the net tracepoints carry no addresses).
 *
 * The events look like the ovs-dp preset's kprobes recorded by
 * `ovsperf-probe record` with fetch arguments: ovsperf:ovs_vport_receive
 * (__probe_ip, skb, dev string, saddr, daddr, sport and dport in network
 * order as read from the packet, ip_proto, ip_vihl: some are an IPv4 header
 * with options or an IPv6 one, hence no flow or no ports), ovsperf:do_output and
 * ovsperf:ovs_dp_upcall (skb), skb:kfree_skb (skbaddr); call chains on the
 * egress events; one PERF_RECORD_LOST; and a kallsyms text stored in the
 * tracing data (so the recording carries its own symbols).  Packets are
 * random (seeded): skb addresses collide, so restarts, orphans, drops and
 * unfinished packets all occur.
 *
 * The test does not trust this program's idea of the answer: the expected
 * numbers are computed from `perf script` output of the file
 * (check_latency.py), like for the real recordings.
 *
 * Usage: gen-flows OUT.data OUT.kallsyms [PACKETS [distinct|drops]]   (default 600;
 * more for timing).  distinct: every packet has a device name and a flow of
 * its own ("d<N>", source address 10.0.0.0 + N, fixed ports), a new skb, and
 * is sent 500 ns after it is received: no drops, orphans, stacks or LOST
 * records (the caps of latency's device and attribute tables).  drops: a flow
 * of its own for each packet (devices as usual), freed (skb:kfree_skb) with
 * a kernel callchain of its own instead of sent (the caps of the drops
 * report's flows and callchains).  twins: the usual packets, and the upcall
 * point recorded ten times, as ovsperf:ovs_dp_upcall and in the groups
 * twin1 .. twin9 (no samples): more events left out of the ovs-dp span than
 * its report lists (ignored_events).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define COMMON_FIELDS TEST_COMMON_FIELDS

enum { EV_RECV, EV_OUTPUT, EV_UPCALL, EV_FREE, NR_EV };

static const char *const ev_names[NR_EV] = {
	"ovsperf:ovs_vport_receive", "ovsperf:do_output", "ovsperf:ovs_dp_upcall",
	"skb:kfree_skb",
};
static const unsigned int ev_ids[NR_EV] = { 9101, 9102, 9103, 9104 };

static const char recv_format[] =
	"name: ovs_vport_receive\nID: 9101\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc char[] dev;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:u32 saddr;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 daddr;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:u16 sport;\toffset:36;\tsize:2;\tsigned:0;\n"
	"\tfield:u16 dport;\toffset:38;\tsize:2;\tsigned:0;\n"
	"\tfield:u8 ip_proto;\toffset:40;\tsize:1;\tsigned:0;\n"
	"\tfield:u8 ip_vihl;\toffset:41;\tsize:1;\tsigned:0;\n\n"
	"print fmt: \"(%lx) skb=0x%Lx dev=%s saddr=0x%x daddr=0x%x sport=%u dport=%u "
	"ip_proto=%u ip_vihl=%u\", REC->__probe_ip, REC->skb, __get_str(dev), REC->saddr, "
	"REC->daddr, REC->sport, REC->dport, REC->ip_proto, REC->ip_vihl\n";
static const char output_format[] =
	"name: do_output\nID: 9102\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx) skb=0x%Lx\", REC->__probe_ip, REC->skb\n";
static const char upcall_format[] =
	"name: ovs_dp_upcall\nID: 9103\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx) skb=0x%Lx\", REC->__probe_ip, REC->skb\n";
static const char free_format[] =
	"name: kfree_skb\nID: 9104\nformat:\n" COMMON_FIELDS
	"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"skbaddr=%p location=%p\", REC->skbaddr, REC->location\n";

/* Kernel symbols of the fake machine; stacks use addresses inside them. */
static const char kallsyms[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81001000 T do_output\n"
	"ffffffff81001200 T ovs_execute_actions\n"
	"ffffffff81001800 t ovs_dp_process_packet\n"
	"ffffffff81002000 T netdev_frame_hook\n"
	"ffffffff81002000 T netdev_frame_hook_alias\n"
	"ffffffff81003000 T __netif_receive_skb_core\n"
	"ffffffff81004000 D _etext\n"
	"ffffffffc0100000 t ovs_vport_receive\t[openvswitch]\n"
	"ffffffffc0100400 t ovs_dp_upcall\t[openvswitch]\n"
	"ffffffffc0100800 t queue_userspace_packet\t[openvswitch]\n"
	"ffffffffc0100c00 t ovs_exit_net\t[openvswitch]\n";

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |  \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW)

/* One event before it is written: sorted by time. */
struct gen_ev {
	uint64_t time;
	int ev;			/* EV_*, or -1 for a LOST record */
	uint32_t cpu;
	uint64_t skb;
	int flow, dev;
	int stack;		/* 0 none, else a stack variant */
	uint32_t uniq;		/* distinct: the packet's number */
};

static bool distinct;		/* a device and a flow per packet */
static bool drop_all;		/* ...each dropped, with a callchain of its own */
#define NR_TWINS 9		/* twins: upcall events beside ovsperf's */

/* What a 'flow' probe (older field form) read at skb->data: the last two
 * are no plain IPv4 header, so their fields are no flow (an IPv4 header with
 * options: the bytes at +20 are not the ports; an IPv6 header read as IPv4:
 * nothing is). */
static const struct {
	const char *saddr, *daddr;
	uint16_t sport, dport;
	uint8_t proto, vihl;
} flows[] = {
	{ "10.11.0.1", "10.11.0.2", 20000, 9000, 17, 0x45 },
	{ "10.11.0.1", "10.11.0.2", 20001, 9001, 17, 0x45 },
	{ "10.11.0.2", "10.11.0.1", 9000, 20000, 17, 0x45 },
	{ "10.11.0.1", "10.11.0.254", 45678, 2181, 6, 0x45 },
	{ "10.11.0.3", "10.11.0.4", 1111, 2222, 6, 0x46 },
	{ "96.0.0.0", "0.8.17.64", 0xfd00, 0, 0, 0x60 },
};
/* Names of 5, 5, 3, 8, 15 (IFNAMSIZ - 1) and 20 bytes: the analyzer keys
 * names of up to 15 bytes in two words and looks longer ones up by name. */
static const char *const devs[] = { "veth1", "veth2", "br0", "ovs-p123", "vnet-0123456789",
				    "a-probe-string-of-20" };
#define NR_DEVS (sizeof(devs) / sizeof(devs[0]))

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11) % n;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct gen_ev *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

/* Append @n bytes to the record buffer. */
static void put(uint8_t *buf, size_t *len, const void *p, size_t n)
{
	memcpy(buf + *len, p, n);
	*len += n;
}

static int write_sample(struct pdata_writer *w, const struct gen_ev *e)
{
	uint8_t rec[512], raw[128];
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	uint64_t id = 100 + e->ev * 10 + e->cpu, ip = 0, period = 1, u64;
	uint32_t pid = 1000 + e->cpu, tid = pid, cpu[2] = { e->cpu, 0 }, raw_size;
	uint64_t chain[8];
	size_t len = sizeof(h), rlen, nchain = 0;
	uint16_t type = ev_ids[e->ev];

	memset(raw, 0, sizeof(raw));
	memcpy(raw, &type, 2);
	memcpy(raw + 4, &pid, 4);
	if (e->ev == EV_FREE) {
		memcpy(raw + 8, &e->skb, 8);
		u64 = 0xffffffff81003123ULL;
		memcpy(raw + 16, &u64, 8);
		rlen = 24;
	} else {
		u64 = 0xffffffff81001000ULL + e->ev;	/* __probe_ip */
		memcpy(raw + 8, &u64, 8);
		memcpy(raw + 16, &e->skb, 8);
		rlen = 24;
		if (e->ev == EV_RECV) {
			char own[16];
			const char *dev = devs[e->dev];
			uint32_t loc, a;
			uint16_t port;

			if (distinct && !drop_all) {
				snprintf(own, sizeof(own), "d%u", e->uniq);
				dev = own;
			}
			loc = ((uint32_t)(strlen(dev) + 1) << 16) | 44;
			memcpy(raw + 24, &loc, 4);
			inet_pton(AF_INET, flows[e->flow].saddr, &a);
			if (distinct)
				a = htonl(0x0a000000u + e->uniq);
			memcpy(raw + 28, &a, 4);
			inet_pton(AF_INET, flows[e->flow].daddr, &a);
			memcpy(raw + 32, &a, 4);
			/* Read from the packet by a probe: network byte order. */
			port = htons(flows[e->flow].sport);
			memcpy(raw + 36, &port, 2);
			port = htons(flows[e->flow].dport);
			memcpy(raw + 38, &port, 2);
			raw[40] = flows[e->flow].proto;
			raw[41] = flows[e->flow].vihl;
			memcpy(raw + 44, dev, strlen(dev) + 1);
			rlen = 44 + strlen(dev) + 1;
		}
	}
	/* The kernel pads raw data so that u32 size + data is 8-aligned. */
	raw_size = (rlen + 4 + 7) / 8 * 8 - 4;

	if (e->stack) {
		chain[nchain++] = PERF_CONTEXT_KERNEL;
		if (e->ev == EV_UPCALL) {
			chain[nchain++] = 0xffffffffc0100400ULL + 0x10 * e->stack;
			chain[nchain++] = 0xffffffff81001804ULL;
		} else {
			chain[nchain++] = 0xffffffff81001000ULL + 0x8 * e->stack;
			chain[nchain++] = 0xffffffff81001234ULL;
		}
		chain[nchain++] = 0xffffffffc0100020ULL;		/* ovs_vport_receive */
		chain[nchain++] = 0xffffffff81002010ULL;		/* the aliased symbol */
		chain[nchain++] = 0xffffffff81004100ULL;		/* past the text: no symbol */
		chain[nchain++] = PERF_CONTEXT_USER;
		chain[nchain++] = 0x7f0000001234ULL;
	}

	put(rec, &len, &id, 8);
	put(rec, &len, &ip, 8);
	put(rec, &len, &pid, 4);
	put(rec, &len, &tid, 4);
	put(rec, &len, &e->time, 8);
	put(rec, &len, cpu, 8);
	put(rec, &len, &period, 8);
	u64 = nchain;
	put(rec, &len, &u64, 8);
	put(rec, &len, chain, nchain * 8);
	put(rec, &len, &raw_size, 4);
	put(rec, &len, raw, raw_size);
	h.size = len;
	memcpy(rec, &h, sizeof(h));
	return pdata_writer__write(w, rec, len);
}

static int write_lost(struct pdata_writer *w, const struct gen_ev *e)
{
	/* PERF_RECORD_LOST {id, lost} + sample_id_all trailer (IDENTIFIER last). */
	struct {
		struct perf_event_header h;
		uint64_t id, lost;
		uint32_t pid, tid;	/* TID */
		uint64_t time;		/* TIME */
		uint32_t cpu, res;	/* CPU */
		uint64_t ident;		/* IDENTIFIER */
	} r = {
		.h = { .type = PERF_RECORD_LOST, .size = sizeof(r) },
		.id = 100 + EV_OUTPUT * 10 + e->cpu, .lost = 3, .pid = 1000 + e->cpu,
		.tid = 1000 + e->cpu, .time = e->time, .cpu = e->cpu,
		.ident = 100 + EV_OUTPUT * 10 + e->cpu,
	};

	return pdata_writer__write(w, &r, sizeof(r));
}

int main(int argc, char **argv)
{
	size_t nr_pkts = argc > 3 ? strtoul(argv[3], NULL, 0) : 600;
	struct gen_ev *evs;
	struct pdata_tracing *t = NULL;
	struct pdata_writer *w = NULL;
	size_t n = 0, i;
	int err, k;
	bool twins;
	FILE *f;

	if (argc < 3 || argc > 5 || !nr_pkts ||
	    (argc == 5 && strcmp(argv[4], "distinct") && strcmp(argv[4], "drops") &&
	     strcmp(argv[4], "twins"))) {
		fprintf(stderr, "usage: gen-flows OUT.data OUT.kallsyms [PACKETS "
			"[distinct|drops|twins]]\n");
		return 1;
	}
	twins = argc == 5 && !strcmp(argv[4], "twins");
	distinct = argc == 5 && !twins;
	drop_all = distinct && !strcmp(argv[4], "drops");
	evs = calloc(nr_pkts * 3 + 64, sizeof(*evs));
	if (!evs)
		return 2;
	for (i = 0; i < nr_pkts; i++) {
		uint64_t t0 = 1000000000000ULL + i * 7000 + rnd(3000);
		struct gen_ev s = {
			.time = t0, .ev = EV_RECV, .cpu = rnd(2), .skb = 0xffff888100000000ULL +
			rnd(48) * 256, .flow = rnd(6), .dev = rnd(NR_DEVS),
		};
		uint32_t fate = rnd(100);

		if (distinct) {
			struct gen_ev e;

			s.skb = 0xffff888100000000ULL + i * 256;
			s.flow = 0;
			s.uniq = (uint32_t)i;
			evs[n++] = s;
			e = s;
			e.ev = drop_all ? EV_FREE : EV_OUTPUT;
			e.stack = drop_all ? (int)i + 1 : 0;
			e.time = t0 + 500;
			evs[n++] = e;
			continue;
		}
		evs[n++] = s;
		if (fate < 90) {
			struct gen_ev e = s;

			e.ev = fate < 70 ? EV_OUTPUT : fate < 85 ? EV_UPCALL : EV_FREE;
			e.time = t0 + 500 + rnd(fate % 7 ? 20000 : 400000);
			e.cpu = rnd(4) ? s.cpu : !s.cpu;
			e.stack = e.ev == EV_FREE ? 0 : 1 + rnd(6);
			evs[n++] = e;
		}
		if (rnd(40) == 0) {
			/* An egress of a packet never seen entering: orphan (mostly). */
			struct gen_ev o = s;

			o.ev = EV_OUTPUT;
			o.skb = 0xffff888200000000ULL + rnd(1000) * 256;
			o.time = t0 + 100;
			evs[n++] = o;
		}
	}
	/* Two LOST windows, one per CPU. */
	if (!distinct) {
		evs[n++] = (struct gen_ev){ .time = 1000000000000ULL + 1200000, .ev = -1,
					    .cpu = 1 };
		evs[n++] = (struct gen_ev){ .time = 1000000000000ULL + 3000000, .ev = -1,
					    .cpu = 0 };
	}
	qsort(evs, n, sizeof(evs[0]), cmp_ev);

	err = pdata_writer__open(&w, argv[1]);
	for (k = 0; k < NR_EV && !err; k++) {
		for (uint32_t c = 0; c < 2 && !err; c++) {
			struct perf_event_attr attr = {
				.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
				.config = ev_ids[k], .sample_period = 1,
				.sample_type = SAMPLE_TYPE, .sample_id_all = 1,
			};
			uint64_t ids[2] = { 100 + k * 10, 101 + k * 10 };

			if (c == 0)
				err = pdata_writer__add_attr(w, &attr, ids, 2, ev_names[k]);
		}
	}
	for (k = 1; twins && k <= NR_TWINS && !err; k++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
			.config = ev_ids[EV_UPCALL] + 10 * k, .sample_period = 1,
			.sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t id = 1000 + k;
		char name[32];

		snprintf(name, sizeof(name), "twin%d:ovs_dp_upcall", k);
		err = pdata_writer__add_attr(w, &attr, &id, 1, name);
	}
	for (i = 0; i < n && !err; i++) {
		err = evs[i].ev < 0 ? write_lost(w, &evs[i]) : write_sample(w, &evs[i]);
		if (!err && i % 64 == 63)
			err = pdata_writer__finished_round(w);
	}
	err = err ?: pdata_writer__finished_round(w);
	err = err ?: pdata_tracing__new(&t, header_page, header_event);
	err = err ?: pdata_tracing__add_format(t, "ovsperf", recv_format);
	err = err ?: pdata_tracing__add_format(t, "ovsperf", output_format);
	err = err ?: pdata_tracing__add_format(t, "ovsperf", upcall_format);
	err = err ?: pdata_tracing__add_format(t, "skb", free_format);
	for (k = 1; twins && k <= NR_TWINS && !err; k++) {
		char group[16], format[sizeof(upcall_format) + 8];

		snprintf(group, sizeof(group), "twin%d", k);
		snprintf(format, sizeof(format), "name: ovs_dp_upcall\nID: %u\n%s",
			 ev_ids[EV_UPCALL] + 10 * k, strstr(upcall_format, "format:"));
		err = pdata_tracing__add_format(t, group, format);
	}
	err = err ?: pdata_tracing__set_text(t, 0, kallsyms, strlen(kallsyms));
	err = err ?: pdata_writer__set_tracing(w, t);
	err = err ?: pdata_writer__set_host_features(w);
	err = pdata_writer__close(w, err);
	pdata_tracing__delete(t);
	free(evs);
	if (err) {
		ovp_print_error("%s: %s", argv[1], ovp_errmsg());
		return 2;
	}
	f = fopen(argv[2], "w");
	if (!f || fputs(kallsyms, f) < 0 || fclose(f)) {
		ovp_print_error("%s: cannot write", argv[2]);
		return 2;
	}
	return 0;
}
