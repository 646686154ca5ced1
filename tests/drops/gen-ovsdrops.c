// SPDX-License-Identifier: Apache-2.0
/*
 * gen-ovsdrops.c - write a small perf.data whose drops come from the probes
 * the drops report counts beside skb:kfree_skb (ovsperf-analyze(1), drops):
 * a probe named ovs_kfree_skb_reason (skb and OVS's drop reason, as a
 * kprobe on the kernel function of that name fetches them) and one named
 * ovs_drop in a group of the user's (skb only, no reason).
 *
 * Packet i (0 .. N-1) has an skb of its own (0xffff888100000000 + i * 256)
 * and is seen at 1000 s + i * 10 us by ovsperf:ovs_vport_receive on device
 * "vp<i % 3>" (CPU i % 2) and by ovsperf:ovs_drop_stats (a probe whose name
 * only begins like a drop probe's: not a drop); 2 us later its fate, by
 * i % 6:
 *	0  skb:kfree_skb, reason 5 (NO_SOCKET in the format's table)
 *	1  skb:kfree_skb, reason 1 (CONSUMED: a normal free)
 *	2  ovsperf:ovs_kfree_skb_reason, reason 0x30003 (OVS_DROP_EXPLICIT)
 *	3  ovsperf:ovs_kfree_skb_reason, reason 0x30005 (OVS_DROP_METER)
 *	4  mine:ovs_drop (no reason field)
 *	5  skb:consume_skb
 * With "ovs-only", fates 0, 1 and 5 are not written and the file has no
 * skb:* event at all.  With "both", each drop by an OVS probe is also seen
 * by skb:kfree_skb on the same CPU, as when Open vSwitch's
 * ovs_kfree_skb_reason() calls kfree_skb_reason(): for fates 2 and 4 the
 * probe comes first and skb:kfree_skb 100 ns later (reason 0x30003, and
 * 0x30001 for ovs_drop), for fate 3 skb:kfree_skb (0x30005) comes first;
 * and fate 0's skb is the address of packet i - 4 (fate 2, same CPU) used
 * again, a distinct drop after another drop on that CPU.
 * tests/drops/check_ovsdrops.py knows this layout.
 *
 * Usage: gen-ovsdrops OUT.data N [ovs-only|both]
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

#define COMMON_FIELDS TEST_COMMON_FIELDS
#define PROBE_IP_SKB                                                                    \
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"              \
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n"

enum { EV_RECV, EV_STATS, EV_KFREE, EV_OVS_REASON, EV_OVS_DROP, EV_CONSUME, EV_NR };

static const struct {
	const char *name, *system, *format;
	bool skb_system;	/* left out with "ovs-only" */
} evs[EV_NR] = {
	[EV_RECV] = { "ovsperf:ovs_vport_receive", "ovsperf",
		"name: ovs_vport_receive\nID: 9201\nformat:\n" COMMON_FIELDS PROBE_IP_SKB
		"\tfield:__data_loc char[] dev;\toffset:24;\tsize:4;\tsigned:1;\n\n"
		"print fmt: \"(%lx) skb=0x%Lx dev=%s\", REC->__probe_ip, REC->skb, "
		"__get_str(dev)\n" },
	[EV_STATS] = { "ovsperf:ovs_drop_stats", "ovsperf",
		"name: ovs_drop_stats\nID: 9202\nformat:\n" COMMON_FIELDS PROBE_IP_SKB "\n"
		"print fmt: \"(%lx) skb=0x%Lx\", REC->__probe_ip, REC->skb\n" },
	[EV_KFREE] = { "skb:kfree_skb", "skb",
		"name: kfree_skb\nID: 9203\nformat:\n" COMMON_FIELDS
		"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:void * rx_sk;\toffset:24;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned short protocol;\toffset:32;\tsize:2;\tsigned:0;\n"
		"\tfield:enum skb_drop_reason reason;\toffset:36;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"skbaddr=%p rx_sk=%p protocol=%u location=%pS reason: %s\", "
		"REC->skbaddr, REC->rx_sk, REC->protocol, REC->location, "
		"__print_symbolic(REC->reason, { 1, \"CONSUMED\" }, { 2, \"NOT_SPECIFIED\" }, "
		"{ 5, \"NO_SOCKET\" })\n", true },
	[EV_OVS_REASON] = { "ovsperf:ovs_kfree_skb_reason", "ovsperf",
		"name: ovs_kfree_skb_reason\nID: 9204\nformat:\n" COMMON_FIELDS PROBE_IP_SKB
		"\tfield:u32 reason;\toffset:24;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"(%lx) skb=0x%Lx reason=%u\", REC->__probe_ip, REC->skb, "
		"REC->reason\n" },
	[EV_OVS_DROP] = { "mine:ovs_drop", "mine",
		"name: ovs_drop\nID: 9205\nformat:\n" COMMON_FIELDS PROBE_IP_SKB "\n"
		"print fmt: \"(%lx) skb=0x%Lx\", REC->__probe_ip, REC->skb\n" },
	[EV_CONSUME] = { "skb:consume_skb", "skb",
		"name: consume_skb\nID: 9206\nformat:\n" COMMON_FIELDS
		"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n\n"
		"print fmt: \"skbaddr=%p location=%pS\", REC->skbaddr, REC->location\n", true },
};

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |  \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)

/* One sample of event @ev: @raw (@rlen bytes after the common fields). */
static int sample(struct pdata_writer *w, int ev, uint64_t time, uint32_t cpu, const void *raw,
		  size_t rlen)
{
	uint8_t rec[256], payload[128] = { 0 };
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	uint64_t id = 100 + ev, ip = 0, period = 1;
	uint32_t pid = 1000 + cpu, c[2] = { cpu, 0 }, raw_size;
	uint16_t type = 9201 + ev;
	size_t len = sizeof(h);

	memcpy(payload, &type, 2);
	memcpy(payload + 4, &pid, 4);
	memcpy(payload + 8, raw, rlen);
	/* The kernel pads raw data so that u32 size + data is 8-aligned. */
	raw_size = (uint32_t)((8 + rlen + 4 + 7) / 8 * 8 - 4);
#define PUT(p, n) (memcpy(rec + len, (p), (n)), len += (n))
	PUT(&id, 8);
	PUT(&ip, 8);
	PUT(&pid, 4);
	PUT(&pid, 4);
	PUT(&time, 8);
	PUT(c, 8);
	PUT(&period, 8);
	PUT(&raw_size, 4);
	PUT(payload, raw_size);
#undef PUT
	h.size = (uint16_t)len;
	memcpy(rec, &h, sizeof(h));
	return pdata_writer__write(w, rec, len);
}

/* skb:kfree_skb of @skb at @t on @cpu with @reason. */
static int kfree(struct pdata_writer *w, uint64_t skb, uint64_t t, uint32_t cpu, uint32_t reason)
{
	uint64_t loc = 0xffffffff81003123ULL;
	uint8_t raw[32] = { 0 };

	memcpy(raw, &skb, 8);
	memcpy(raw + 8, &loc, 8);
	memcpy(raw + 28, &reason, 4);
	return sample(w, EV_KFREE, t, cpu, raw, 32);
}

static int packet(struct pdata_writer *w, unsigned int i, bool ovs_only, bool both)
{
	uint64_t skb = 0xffff888100000000ULL + (uint64_t)i * 256, t = 1000000000000ULL + i * 10000ULL;
	uint64_t probe_ip = 0xffffffffc0100000ULL, loc = 0xffffffff81003123ULL;
	uint32_t cpu = i % 2, reason;
	uint8_t raw[64] = { 0 };
	char dev[8];
	int err = 0;

	if (both && i % 6 == 0 && i >= 4)
		skb -= 4 * 256;
	/* ovs_vport_receive: __probe_ip, skb, dev (its __data_loc at 24 points
	 * at the string, at 28 from the record's start); raw[] starts after
	 * the common fields (offset 8). */
	snprintf(dev, sizeof(dev), "vp%u", i % 3);
	memcpy(raw, &probe_ip, 8);
	memcpy(raw + 8, &skb, 8);
	reason = (uint32_t)(strlen(dev) + 1) << 16 | 28;
	memcpy(raw + 16, &reason, 4);
	memcpy(raw + 20, dev, strlen(dev) + 1);
	err = sample(w, EV_RECV, t, cpu, raw, 20 + strlen(dev) + 1);
	err = err ?: sample(w, EV_STATS, t + 500, cpu, raw, 16);
	if (err)
		return err;
	t += 2000;
	memset(raw, 0, sizeof(raw));
	switch (i % 6) {
	case 0:
	case 1:
		if (ovs_only)
			return 0;
		return kfree(w, skb, t, cpu, i % 6 ? 1 : 5);
	case 2:
	case 3:
		reason = i % 6 == 2 ? 0x30003 : 0x30005;
		if (both && i % 6 == 3) {
			err = kfree(w, skb, t, cpu, reason);
			t += 100;
		}
		memcpy(raw, &probe_ip, 8);
		memcpy(raw + 8, &skb, 8);
		memcpy(raw + 16, &reason, 4);
		err = err ?: sample(w, EV_OVS_REASON, t, cpu, raw, 20);
		if (both && i % 6 == 2)
			err = err ?: kfree(w, skb, t + 100, cpu, reason);
		return err;
	case 4:
		memcpy(raw, &probe_ip, 8);
		memcpy(raw + 8, &skb, 8);
		err = sample(w, EV_OVS_DROP, t, cpu, raw, 16);
		if (both)
			err = err ?: kfree(w, skb, t + 100, cpu, 0x30001);
		return err;
	default:
		if (ovs_only)
			return 0;
		memcpy(raw, &skb, 8);
		memcpy(raw + 8, &loc, 8);
		return sample(w, EV_CONSUME, t, cpu, raw, 16);
	}
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 0, i;
	bool ovs_only = argc > 3 && !strcmp(argv[3], "ovs-only");
	bool both = argc > 3 && !strcmp(argv[3], "both");
	struct pdata_tracing *t = NULL;
	struct pdata_writer *w = NULL;
	int err, k;

	if (argc < 3 || argc > 4 || !n || (argc == 4 && !ovs_only && !both)) {
		fprintf(stderr, "usage: gen-ovsdrops OUT.data N [ovs-only|both]\n");
		return 1;
	}
	err = pdata_writer__open(&w, argv[1]);
	for (k = 0; k < EV_NR && !err; k++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .config = 9201 + k,
			.sample_period = 1, .sample_type = SAMPLE_TYPE, .sample_id_all = 1,
		};
		uint64_t id = 100 + k;

		if (!(ovs_only && evs[k].skb_system))
			err = pdata_writer__add_attr(w, &attr, &id, 1, evs[k].name);
	}
	for (i = 0; i < n && !err; i++) {
		err = packet(w, i, ovs_only, both);
		if (!err && i % 16 == 15)
			err = pdata_writer__finished_round(w);
	}
	err = err ?: pdata_writer__finished_round(w);
	err = err ?: pdata_tracing__new(&t, header_page, header_event);
	for (k = 0; k < EV_NR && !err; k++) {
		if (!(ovs_only && evs[k].skb_system))
			err = pdata_tracing__add_format(t, evs[k].system, evs[k].format);
	}
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
