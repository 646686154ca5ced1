// SPDX-License-Identifier: Apache-2.0
/*
 * test-upcall-engine.c - unit tests of the upcall-cost engine: the seven
 * scenarios upcall_cost.py checks with --unit-test (single upcall, missing
 * flow put, batches, single + batch, two interleaved handler threads, batch
 * with a missing execute, batched packet executes), rebuilt here as
 * synthetic events with their expected sets; then the cost values, the
 * uncorrelated counters and length-only matching.
 */
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "engine/upcall-match.h"

static const uint8_t pkt1[] = { 1, 2, 3, 4, 5 };
static const uint8_t pkt2[] = { 1, 2, 3, 4, 6 };
static const uint8_t pkt3[] = { 1, 2, 3, 4, 7 };

/* One scenario event: type, time, thread, packet (NULL when none). */
struct tev {
	enum uc_type type;
	uint64_t ts;
	uint32_t tid;
	const uint8_t *pkt;
};

#define DP(ts, p) { UC_DP_UPCALL, ts, 100, p }
#define RECV(ts, tid, p) { UC_RECV_UPCALL, ts, tid, p }
#define PUT(ts, tid) { UC_OP_FLOW_PUT, ts, tid, NULL }
#define EXEC(ts, tid, p) { UC_OP_FLOW_EXECUTE, ts, tid, p }
#define PEXEC(ts, tid) { UC_OVS_PKT_EXEC, ts, tid, NULL }

static void feed(struct uc_engine *e, const struct tev *ev, size_t n, bool bytes)
{
	size_t i;

	uc_engine__init(e, bytes);
	for (i = 0; i < n; i++)
		CHECK(uc_engine__add(e, ev[i].type, ev[i].ts, ev[i].tid, true,
				     ev[i].pkt ? 5 : 0, bytes ? ev[i].pkt : NULL,
				     bytes && ev[i].pkt ? 5 : 0) == 0);
	CHECK(uc_engine__finish(e) == 0);
}

/* Expected sets as event indices (-1: absent), in kernel-upcall order. */
static void expect(const char *name, const struct tev *ev, size_t n, const long (*want)[5],
		   size_t nr_want)
{
	struct uc_engine e;
	size_t i;

	feed(&e, ev, n, true);
	CHECK_U64(e.nr_sets, nr_want);
	for (i = 0; i < nr_want && i < e.nr_sets; i++) {
		const struct uc_set *s = &e.sets[i];

		if (s->dp != want[i][0] || s->recv != want[i][1] || s->put != want[i][2] ||
		    s->exec != want[i][3] || s->pkt_exec != want[i][4]) {
			fprintf(stderr, "%s: set %zu is {%ld %ld %ld %ld %ld}, expected "
				"{%ld %ld %ld %ld %ld}\n", name, i, s->dp, s->recv, s->put,
				s->exec, s->pkt_exec, want[i][0], want[i][1], want[i][2],
				want[i][3], want[i][4]);
			check_failures++;
		}
	}
	uc_engine__exit(&e);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_reference_scenarios(void)
{
	static const struct tev t1[] = { DP(1, pkt1), RECV(2, 1, pkt1), PUT(3, 1),
					 EXEC(4, 1, pkt1), PEXEC(5, 1) };
	static const long r1[][5] = { { 0, 1, 2, 3, 4 } };
	static const struct tev t2[] = { DP(1, pkt1), RECV(2, 1, pkt1), EXEC(4, 1, pkt1),
					 PEXEC(5, 1) };
	static const long r2[][5] = { { 0, 1, -1, 2, 3 } };
	static const struct tev t3[] = {
		DP(1, pkt1), DP(2, pkt2), DP(3, pkt3), RECV(4, 1, pkt1), RECV(5, 1, pkt3),
		RECV(6, 1, pkt2), PUT(7, 1), EXEC(8, 1, pkt1), PEXEC(9, 1), PUT(10, 1),
		EXEC(11, 1, pkt3), PEXEC(12, 1), PUT(13, 1), EXEC(14, 1, pkt2), PEXEC(15, 1),
	};
	static const long r3[][5] = { { 0, 3, 6, 7, 8 }, { 1, 5, 12, 13, 14 },
				      { 2, 4, 9, 10, 11 } };
	static const struct tev t4[] = {
		DP(1, pkt1), RECV(2, 1, pkt1), PUT(3, 1), EXEC(4, 1, pkt1), PEXEC(5, 1),
		DP(6, pkt1), DP(7, pkt2), DP(8, pkt3), RECV(9, 1, pkt1), RECV(10, 1, pkt3),
		RECV(11, 1, pkt2), PUT(12, 1), EXEC(13, 1, pkt1), PEXEC(14, 1), PUT(15, 1),
		EXEC(16, 1, pkt3), PEXEC(17, 1), PUT(18, 1), EXEC(14, 1, pkt2), PEXEC(19, 1),
	};
	static const long r4[][5] = { { 0, 1, 2, 3, 4 }, { 5, 8, 11, 12, 13 },
				      { 6, 10, 17, 18, 19 }, { 7, 9, 14, 15, 16 } };
	static const struct tev t5[] = {
		DP(1, pkt1), DP(2, pkt2), RECV(3, 1, pkt1), RECV(4, 2, pkt2), PUT(5, 2),
		PUT(6, 1), EXEC(7, 2, pkt2), EXEC(8, 1, pkt1), PEXEC(9, 1), PEXEC(10, 2),
	};
	static const long r5[][5] = { { 0, 2, 5, 7, 8 }, { 1, 3, 4, 6, 9 } };
	static const struct tev t6[] = {
		DP(1, pkt1), DP(2, pkt2), RECV(3, 1, pkt1), RECV(4, 1, pkt2), PUT(5, 1),
		EXEC(6, 1, pkt2), PEXEC(7, 1),
	};
	static const long r6[][5] = { { 0, 2, -1, -1, -1 }, { 1, 3, 4, 5, 6 } };
	static const struct tev t7[] = {
		DP(1, pkt1), DP(2, pkt2), DP(3, pkt3), RECV(4, 1, pkt1), RECV(5, 1, pkt2),
		RECV(6, 1, pkt3), PUT(7, 1), EXEC(8, 1, pkt1), PUT(9, 1), EXEC(10, 1, pkt2),
		PUT(11, 1), EXEC(12, 1, pkt3), PEXEC(13, 1), PEXEC(14, 1), PEXEC(15, 1),
	};
	static const long r7[][5] = { { 0, 3, 6, 7, 12 }, { 1, 4, 8, 9, 13 },
				      { 2, 5, 10, 11, 14 } };

	expect("single", t1, N(t1), r1, N(r1));
	expect("missing flow put", t2, N(t2), r2, N(r2));
	expect("batched", t3, N(t3), r3, N(r3));
	expect("single + batched", t4, N(t4), r4, N(r4));
	expect("two threads", t5, N(t5), r5, N(r5));
	expect("batch missing exec", t6, N(t6), r6, N(r6));
	expect("batched packet executes", t7, N(t7), r7, N(r7));
}

/* Cost values, batches, per-thread counts and the uncorrelated counters. */
static void test_costs(void)
{
	static const struct tev t[] = {
		RECV(5, 1, pkt3),	/* before any kernel upcall: unmatched */
		PUT(6, 1),
		DP(100, pkt1), DP(110, pkt2),
		RECV(1100, 1, pkt1), RECV(1200, 1, pkt2),
		PUT(1300, 1), EXEC(1400, 1, pkt1), PUT(1500, 1), EXEC(1600, 1, pkt2),
		PEXEC(2000, 1), PEXEC(2500, 1), PEXEC(2600, 1),	/* one too many */
		DP(3000, pkt3),		/* never received */
	};
	struct uc_engine e;

	feed(&e, t, N(t), true);
	CHECK_U64(e.nr_sets, 2);
	CHECK_U64(e.unc.dp_no_recv, 1);
	CHECK_U64(e.unc.recv_no_dp, 1);
	CHECK_U64(e.unc.pkt_exec_extra, 1);
	CHECK_U64(e.unc.sets_no_pkt_exec, 0);
	/* Batches: [recv 5] and [recv 1100, recv 1200]. */
	CHECK_U64(e.nr_batches, 2);
	CHECK_U64(e.batches[0] + e.batches[1], 3);
	CHECK_U64(e.nr_threads, 1);
	CHECK_U64(e.threads[0].upcalls, 3);
	/* kernel -> vswitchd: 1000 and 1090. */
	CHECK_U64(ovp_values__count(&e.k2v), 2);
	CHECK_U64(ovp_values__sum(&e.k2v), 1000 + 1090);
	/* execute -> packet execute: 2000-1400, 2500-1600. */
	CHECK_U64(ovp_values__sum(&e.v2k), 600 + 900);
	/* kernel -> packet execute: 1900, 2390. */
	CHECK_U64(ovp_values__sum(&e.k2k), 1900 + 2390);
	/* overhead: (2000-100)-(1300-1100) = 1700; (2500-110)-(1500-1200) = 2090. */
	CHECK_U64(ovp_values__sum(&e.overhead), 1700 + 2090);
	CHECK_U64(e.total[UC_OVS_PKT_EXEC], 3);
	uc_engine__exit(&e);

	/* Without bytes, equal lengths match in time order. */
	feed(&e, t, N(t), false);
	CHECK(e.unc.by_length_only);
	CHECK_U64(e.nr_sets, 2);
	uc_engine__exit(&e);
}

/* Received in the other order: bytes pair them right, lengths in order. */
static void test_swapped(void)
{
	static const struct tev t[] = {
		DP(1, pkt1), DP(2, pkt2), RECV(3, 1, pkt2), RECV(4, 1, pkt1),
	};
	struct uc_engine e;

	feed(&e, t, N(t), true);
	CHECK_U64(e.nr_sets, 2);
	CHECK_U64(e.sets[0].recv, 3);
	CHECK_U64(e.sets[1].recv, 2);
	uc_engine__exit(&e);
	feed(&e, t, N(t), false);
	CHECK_U64(e.nr_sets, 2);
	CHECK_U64(e.sets[0].recv, 2);
	CHECK_U64(e.sets[1].recv, 3);
	uc_engine__exit(&e);
}

/* Unusable events are counted but not kept. */
static void test_usable(void)
{
	struct uc_engine e;

	uc_engine__init(&e, true);
	CHECK(uc_engine__add(&e, UC_DP_UPCALL, 1, 100, false, 0, NULL, 0) == 0);
	CHECK(uc_engine__add(&e, UC_DP_UPCALL, 2, 100, true, 5, pkt1, 5) == 0);
	CHECK(uc_engine__finish(&e) == 0);
	CHECK_U64(e.total[UC_DP_UPCALL], 2);
	CHECK_U64(e.valid[UC_DP_UPCALL], 1);
	CHECK_U64(e.nr_ev, 1);
	CHECK_U64(e.unc.dp_no_recv, 1);
	uc_engine__exit(&e);
}

/*
 * Packets for the byte rule: Ethernet + IPv4 (optionally with options) or
 * IPv6, + UDP or TCP, @len bytes in all; @tag varies the payload.
 */
static size_t frame(uint8_t *p, size_t len, bool v6, int proto, int ihl, uint8_t tag)
{
	size_t l3 = 14, l4, i;

	memset(p, 0, len);
	for (i = 0; i < 12; i++)
		p[i] = (uint8_t)(0x10 + i);		/* MACs */
	if (v6) {
		p[12] = 0x86, p[13] = 0xdd;
		p[l3] = 0x60;				/* version 6 */
		p[l3 + 6] = (uint8_t)proto;		/* next header */
		p[l3 + 8] = 0xfd, p[l3 + 23] = 1;	/* fd00::1 */
		p[l3 + 24] = 0xfd, p[l3 + 39] = 2;	/* fd00::2 */
		l4 = l3 + 40;
	} else {
		p[12] = 0x08, p[13] = 0x00;
		p[l3] = (uint8_t)(0x40 | ihl);		/* version 4, IHL */
		p[l3 + 9] = (uint8_t)proto;
		p[l3 + 12] = 10, p[l3 + 15] = 1;	/* 10.0.0.1 */
		p[l3 + 16] = 10, p[l3 + 19] = 2;	/* 10.0.0.2 */
		l4 = l3 + (size_t)ihl * 4;
	}
	p[l4] = 0x30, p[l4 + 1] = 0x39;			/* sport 12345 */
	p[l4 + 2] = 0x1b, p[l4 + 3] = 0x58;		/* dport 7000 */
	for (i = l4 + (proto == 6 ? 20 : 8); i < len; i++)
		p[i] = (uint8_t)(tag + i);		/* payload */
	return l4 + (proto == 6 ? 16 : 6);		/* the checksum */
}

static void add(struct uc_engine *e, enum uc_type type, uint64_t ts, uint32_t tid,
		const uint8_t *p, size_t len, int64_t port, bool reported, uint32_t head_len)
{
	struct uc_input in = {
		.type = type, .ts = ts, .tid = tid, .usable = true, .reported = reported,
		.pkt_len = (uint32_t)len, .bytes = p, .nr_bytes = len < 64 ? len : 64,
		.head_len = head_len, .port = port,
	};

	CHECK(uc_engine__add_event(e, &in) == 0);
}

/* Ports, bytes and the checksum exception, where lengths alone mis-pair. */
static void test_byte_rule(void)
{
	uint8_t a[100], b[100], a2[100], c[50], c2[50];
	struct uc_engine e;
	size_t cs;

	/* Two packets of one length, received in the other order: lengths pair
	 * them crosswise, bytes right. */
	frame(a, 100, false, 17, 5, 1);
	frame(b, 100, false, 17, 5, 2);
	uc_engine__init(&e, true);
	add(&e, UC_DP_UPCALL, 1, 0, a, 100, 1, true, 0);
	add(&e, UC_DP_UPCALL, 2, 0, b, 100, 1, true, 0);
	add(&e, UC_RECV_UPCALL, 3, 7, b, 100, 1, true, 0);
	add(&e, UC_RECV_UPCALL, 4, 7, a, 100, 1, true, 0);
	CHECK(uc_engine__finish(&e) == 0);
	CHECK_U64(e.nr_sets, 2);
	CHECK_U64(e.sets[0].recv, 3);
	CHECK_U64(e.sets[1].recv, 2);
	CHECK(e.unc.by_port);
	uc_engine__exit(&e);

	/* The same packet from two ports: the in-port decides; a tunnel port
	 * matches any. */
	uc_engine__init(&e, true);
	add(&e, UC_DP_UPCALL, 1, 0, a, 100, 1, true, 0);
	add(&e, UC_DP_UPCALL, 2, 0, a, 100, 2, true, 0);
	add(&e, UC_DP_UPCALL, 3, 0, a, 100, 5, true, 0);
	add(&e, UC_RECV_UPCALL, 4, 7, a, 100, 2, true, 0);
	add(&e, UC_RECV_UPCALL, 5, 7, a, 100, 1, true, 0);
	add(&e, UC_RECV_UPCALL, 6, 7, a, 100, UC_PORT_TUNNEL, true, 0);
	CHECK(uc_engine__finish(&e) == 0);
	CHECK_U64(e.nr_sets, 3);
	CHECK_U64(e.sets[0].recv, 4);
	CHECK_U64(e.sets[1].recv, 3);
	CHECK_U64(e.sets[2].recv, 5);
	uc_engine__exit(&e);

	/* The L4 checksum filled in after the kernel upcall: IPv4 + UDP, IPv4
	 * with options + TCP, IPv6 + UDP still pair; a payload byte does not;
	 * nor a checksum difference in 56 compared bytes or fewer. */
	for (int k = 0; k < 3; k++) {
		bool v6 = k == 2;
		int proto = k == 1 ? 6 : 17, ihl = k == 1 ? 7 : 5;

		cs = frame(a, 100, v6, proto, ihl, 1);
		memcpy(a2, a, sizeof(a));
		a2[cs] = 0xab, a2[cs + 1] = 0xcd;
		frame(b, 100, v6, proto, ihl, 1);
		b[cs] = 0x12, b[cs + 1] = 0x34;
		b[63] ^= 0xff;				/* payload differs too */
		uc_engine__init(&e, true);
		add(&e, UC_DP_UPCALL, 1, 0, b, 100, 1, true, 0);
		add(&e, UC_DP_UPCALL, 2, 0, a, 100, 1, true, 0);
		add(&e, UC_RECV_UPCALL, 3, 7, a2, 100, 1, true, 0);
		CHECK(uc_engine__finish(&e) == 0);
		CHECK_U64(e.nr_sets, 1);
		CHECK_U64(e.nr_sets ? e.sets[0].dp : 9, 1);
		CHECK_U64(e.unc.csum_matches, 1);
		uc_engine__exit(&e);
	}
	cs = frame(c, 50, false, 17, 5, 1);
	memcpy(c2, c, sizeof(c));
	c2[cs] ^= 1;
	uc_engine__init(&e, true);
	add(&e, UC_DP_UPCALL, 1, 0, c, 50, 1, true, 0);
	add(&e, UC_RECV_UPCALL, 2, 7, c2, 50, 1, true, 0);
	CHECK(uc_engine__finish(&e) == 0);
	CHECK_U64(e.nr_sets, 0);
	uc_engine__exit(&e);

	/* A nonlinear skb: only its linear part (40 bytes) is compared. */
	frame(a, 100, false, 17, 5, 1);
	memcpy(a2, a, sizeof(a));
	a2[60] ^= 0xff;
	uc_engine__init(&e, true);
	add(&e, UC_DP_UPCALL, 1, 0, a2, 100, 1, true, 40);
	add(&e, UC_RECV_UPCALL, 2, 7, a, 100, 1, true, 0);
	CHECK(uc_engine__finish(&e) == 0);
	CHECK_U64(e.nr_sets, 1);
	uc_engine__exit(&e);
}

/* --handler-filter: pairs are made with every handler, then chosen. */
static void test_reported(void)
{
	uint8_t a[100];
	struct uc_engine e;

	frame(a, 100, false, 17, 5, 1);
	uc_engine__init(&e, false);
	/* Lengths only: upcall 1 goes to handler 7 (not reported), upcall 2 to 8. */
	add(&e, UC_DP_UPCALL, 1, 0, NULL, 100, UC_PORT_NONE, true, 0);
	add(&e, UC_DP_UPCALL, 2, 0, NULL, 100, UC_PORT_NONE, true, 0);
	add(&e, UC_RECV_UPCALL, 10, 7, NULL, 100, UC_PORT_NONE, false, 0);
	add(&e, UC_RECV_UPCALL, 1000, 8, NULL, 100, UC_PORT_NONE, true, 0);
	CHECK(uc_engine__finish(&e) == 0);
	CHECK_U64(e.nr_sets, 1);
	CHECK_U64(e.sets[0].dp, 1);
	CHECK_U64(e.sets[0].recv, 3);
	CHECK_U64(ovp_values__max(&e.k2v), 998);
	CHECK_U64(e.unc.sets_not_reported, 1);
	CHECK_U64(e.unc.dp_no_recv, 0);
	CHECK_U64(e.valid[UC_RECV_UPCALL], 1);
	CHECK_U64(e.nr_threads, 1);
	uc_engine__exit(&e);
}

/* The in-port from a flow key's netlink attributes. */
static void test_key_in_port(void)
{
	/* RECIRC_ID (20) 0, DP_HASH (19) 0, PRIORITY (2) 0, IN_PORT (3) 5. */
	static const uint8_t key[] = {
		8, 0, 20, 0, 0, 0, 0, 0,  8, 0, 19, 0, 0, 0, 0, 0,  8, 0, 2, 0, 0, 0, 0, 0,
		8, 0, 3, 0, 5, 0, 0, 0,  8, 0, 15, 0, 0, 0, 0, 0,
	};
	/* A tunnel attribute (nested flag set) before the in-port. */
	static const uint8_t tun[] = {
		8, 0, 20, 0, 0, 0, 0, 0,  40, 0, 16, 0x80, 1, 2, 3, 4,
	};
	/* An attribute of length 2: malformed, stop. */
	static const uint8_t bad[] = { 2, 0, 3, 0, 5, 0, 0, 0 };

	CHECK_U64(uc_key_in_port(key, sizeof(key)), 5);
	CHECK_U64(uc_key_in_port(key, 31), (uint64_t)UC_PORT_NONE);	/* cut in IN_PORT */
	CHECK_U64(uc_key_in_port(tun, sizeof(tun)), (uint64_t)UC_PORT_TUNNEL);
	CHECK_U64(uc_key_in_port(bad, sizeof(bad)), (uint64_t)UC_PORT_NONE);
	CHECK_U64(uc_key_in_port(NULL, 0), (uint64_t)UC_PORT_NONE);
}

int main(void)
{
	test_key_in_port();
	test_reference_scenarios();
	test_costs();
	test_swapped();
	test_usable();
	test_byte_rule();
	test_reported();
	CHECK_DONE();
}
