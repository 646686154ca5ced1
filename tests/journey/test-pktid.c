// SPDX-License-Identifier: Apache-2.0
/*
 * test-pktid.c - unit tests of analyzer/engine/pktid.c: identities by skb and by
 * (head, skb), clones, address reuse after a free, kfree_skbmem follow-ups,
 * head reallocation, eviction at max_inflight, and the end callbacks.
 */
#include <errno.h>
#include <stdlib.h>

#include "../lib/check.h"
#include "engine/pktid.h"
#include "ovsperf/err.h"

#define SKB_A 0xffff888100000100ULL
#define SKB_B 0xffff888100000200ULL
#define SKB_C 0xffff888100000300ULL
#define HEAD_1 0xffff888200001000ULL
#define HEAD_2 0xffff888200002000ULL

/* Ends seen through the callback, in order. */
static struct {
	uint64_t id;
	enum pktid_end why;
	uint64_t user;
} ends[64];
static int nr_ends;

static void on_end(void *arg, uint64_t id, enum pktid_end why, uint64_t user)
{
	(void)arg;
	if (nr_ends < 64) {
		ends[nr_ends].id = id;
		ends[nr_ends].why = why;
		ends[nr_ends].user = user;
	}
	nr_ends++;
}

static struct pktid_table *new_table(enum pktid_key key, size_t max)
{
	struct pktid_table *t = NULL;

	CHECK(pktid_table__new(&t, key, max) == 0);
	if (t)
		pktid_table__set_end_cb(t, on_end, NULL);
	nr_ends = 0;
	return t;
}

/* skb identity: the free ends it, the reused address is another packet. */
static void test_skb_reuse(void)
{
	struct pktid_table *t = new_table(PKTID_KEY_SKB, 100);
	struct pktid_ref r;

	CHECK(pktid_table__event(t, SKB_A, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK_U64(r.id, 1);
	*r.user = 42;
	CHECK(pktid_table__event(t, SKB_A, HEAD_2, PKTID_EV_SEEN, &r) == PKTID_CONT);
	CHECK_U64(r.id, 1);
	CHECK_U64(*r.user, 42);
	CHECK(pktid_table__event(t, SKB_A, 0, PKTID_EV_FREE, &r) == PKTID_CONT);
	CHECK_U64(r.id, 1);
	/* The end is deferred to the next call. */
	CHECK_U64(nr_ends, 0);
	CHECK(pktid_table__event(t, SKB_A, 0, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK_U64(r.id, 2);
	CHECK_U64(*r.user, 0);
	CHECK_U64(nr_ends, 1);
	CHECK_U64(ends[0].id, 1);
	CHECK(ends[0].why == PKTID_END_FREED);
	CHECK_U64(ends[0].user, 42);
	/* A different skb with the same head is not a clone under skb identity. */
	CHECK(pktid_table__event(t, SKB_B, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK_U64(r.parent, 0);
	pktid_table__finish(t);
	CHECK_U64(nr_ends, 3);
	CHECK_U64(ends[1].id, 2);
	CHECK(ends[1].why == PKTID_END_FINISHED);
	CHECK_U64(ends[2].id, 3);
	CHECK_U64(pktid_table__counts(t)->identities, 3);
	CHECK_U64(pktid_table__counts(t)->freed, 1);
	CHECK_U64(pktid_table__counts(t)->finished, 2);
	CHECK_U64(pktid_table__counts(t)->clones, 0);
	pktid_table__delete(t);
}

/* Head identity: a clone shares the head under another skb. */
static void test_clone(void)
{
	struct pktid_table *t = new_table(PKTID_KEY_HEAD, 100);
	struct pktid_ref r;

	CHECK(pktid_table__event(t, SKB_A, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK_U64(r.id, 1);
	CHECK(pktid_table__event(t, SKB_B, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_CLONE);
	CHECK_U64(r.id, 2);
	CHECK_U64(r.parent, 1);
	/* A clone of the clone links to the first identity of the head. */
	CHECK(pktid_table__event(t, SKB_C, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_CLONE);
	CHECK_U64(r.id, 3);
	CHECK_U64(r.parent, 1);
	/* The original is freed; the clones live on and the head stays known. */
	CHECK(pktid_table__event(t, SKB_A, HEAD_1, PKTID_EV_FREE, &r) == PKTID_CONT);
	CHECK_U64(r.id, 1);
	CHECK(pktid_table__event(t, SKB_B, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_CONT);
	CHECK_U64(r.id, 2);
	CHECK_U64(r.parent, 1);
	CHECK_U64(nr_ends, 1);
	/* SKB_A reused for a new packet whose head is still shared: a clone. */
	CHECK(pktid_table__event(t, SKB_A, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_CLONE);
	CHECK_U64(r.id, 4);
	CHECK_U64(r.parent, 1);
	/* Every member of HEAD_1 freed: the head is forgotten. */
	pktid_table__event(t, SKB_A, HEAD_1, PKTID_EV_FREE, &r);
	pktid_table__event(t, SKB_B, HEAD_1, PKTID_EV_FREE, &r);
	pktid_table__event(t, SKB_C, HEAD_1, PKTID_EV_FREE, &r);
	CHECK(pktid_table__event(t, SKB_B, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK_U64(r.id, 5);
	CHECK_U64(r.parent, 0);
	CHECK_U64(pktid_table__counts(t)->clones, 3);
	CHECK_U64(pktid_table__nr_live(t), 1);
	pktid_table__finish(t);
	pktid_table__delete(t);
}

/* Head reallocation: a live skb with a new head keeps its identity. */
static void test_head_change(void)
{
	struct pktid_table *t = new_table(PKTID_KEY_HEAD, 100);
	struct pktid_ref r;

	pktid_table__event(t, SKB_A, HEAD_1, PKTID_EV_SEEN, &r);
	CHECK(pktid_table__event(t, SKB_A, HEAD_2, PKTID_EV_SEEN, &r) == PKTID_CONT);
	CHECK_U64(r.id, 1);
	CHECK_U64(pktid_table__counts(t)->head_changes, 1);
	/* HEAD_1 was left: another skb on it is a new packet, HEAD_2 a clone. */
	CHECK(pktid_table__event(t, SKB_B, HEAD_1, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK(pktid_table__event(t, SKB_C, HEAD_2, PKTID_EV_SEEN, &r) == PKTID_CLONE);
	CHECK_U64(r.parent, 1);
	/* An event without head continues by skb. */
	CHECK(pktid_table__event(t, SKB_C, 0, PKTID_EV_SEEN, &r) == PKTID_CONT);
	CHECK_U64(r.id, 3);
	pktid_table__finish(t);
	pktid_table__delete(t);
}

/* kfree_skbmem right after kfree_skb is a follow-up, not a new packet. */
static void test_followup(void)
{
	struct pktid_table *t = new_table(PKTID_KEY_SKB, 100);
	struct pktid_ref r;

	pktid_table__event(t, SKB_A, 0, PKTID_EV_SEEN, &r);
	pktid_table__event(t, SKB_A, 0, PKTID_EV_FREE, &r);
	CHECK(pktid_table__event(t, SKB_A, 0, PKTID_EV_FREE_MEM, &r) == PKTID_FOLLOWUP);
	CHECK_U64(r.id, 1);
	CHECK(r.user == NULL);
	/* A second one is no follow-up any more: a packet seen only at its free. */
	CHECK(pktid_table__event(t, SKB_A, 0, PKTID_EV_FREE_MEM, &r) == PKTID_NEW);
	CHECK_U64(r.id, 2);
	/* kfree_skbmem on a live skb ends it (frees the tracepoints miss). */
	pktid_table__event(t, SKB_B, 0, PKTID_EV_SEEN, &r);
	CHECK(pktid_table__event(t, SKB_B, 0, PKTID_EV_FREE_MEM, &r) == PKTID_CONT);
	CHECK_U64(r.id, 3);
	/* Reuse between the free and kfree_skbmem: no follow-up. */
	pktid_table__event(t, SKB_C, 0, PKTID_EV_FREE, &r);
	pktid_table__event(t, SKB_C, 0, PKTID_EV_SEEN, &r);
	CHECK_U64(r.id, 5);
	CHECK(pktid_table__event(t, SKB_C, 0, PKTID_EV_FREE_MEM, &r) == PKTID_CONT);
	CHECK_U64(r.id, 5);
	pktid_table__finish(t);
	CHECK_U64(pktid_table__counts(t)->followups, 1);
	CHECK_U64(pktid_table__counts(t)->freed, 5);
	CHECK_U64(pktid_table__nr_live(t), 0);
	pktid_table__delete(t);
}

/* max_inflight: the least recently seen identity is evicted; with
 * pktid_table__warn_at_cap(), one warning at the first eviction only. */
static void test_evict(void)
{
	struct pktid_table *t = new_table(PKTID_KEY_SKB, 2);
	unsigned long warned = ovp_warn_count();
	struct pktid_ref r;

	pktid_table__warn_at_cap(t, "test", "the oldest end early");
	pktid_table__event(t, SKB_A, 0, PKTID_EV_SEEN, &r);
	pktid_table__event(t, SKB_B, 0, PKTID_EV_SEEN, &r);
	pktid_table__event(t, SKB_A, 0, PKTID_EV_SEEN, &r);	/* B is now the oldest */
	CHECK(pktid_table__event(t, SKB_C, 0, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK_U64(nr_ends, 1);
	CHECK_U64(ends[0].id, 2);
	CHECK(ends[0].why == PKTID_END_EVICTED);
	CHECK(pktid_table__event(t, SKB_B, 0, PKTID_EV_SEEN, &r) == PKTID_NEW);
	CHECK_U64(r.id, 4);
	CHECK_U64(ends[1].id, 1);
	CHECK_U64(pktid_table__counts(t)->evicted, 2);
	CHECK_U64(ovp_warn_count() - warned, 1);
	CHECK_U64(pktid_table__counts(t)->max_live, 2);
	pktid_table__finish(t);
	pktid_table__delete(t);
}

/* Many packets: the pools and hash tables grow, ids stay consistent. */
static void test_many(void)
{
	struct pktid_table *t = new_table(PKTID_KEY_HEAD, 1000000);
	struct pktid_ref r;
	uint64_t i, bad = 0;

	for (i = 0; i < 20000; i++) {
		if (pktid_table__event(t, 0x1000 + i * 256, 0x9000000 + i * 4096, PKTID_EV_SEEN,
				       &r) != PKTID_NEW || r.id != i + 1)
			bad++;
	}
	for (i = 0; i < 20000; i++) {
		if (pktid_table__event(t, 0x1000 + i * 256, 0x9000000 + i * 4096, PKTID_EV_FREE,
				       &r) != PKTID_CONT || r.id != i + 1)
			bad++;
	}
	CHECK_U64(bad, 0);
	pktid_table__finish(t);
	CHECK_U64(pktid_table__counts(t)->freed, 20000);
	CHECK_U64(pktid_table__nr_live(t), 0);
	pktid_table__delete(t);
}

static void test_names(void)
{
	enum pktid_key k;

	CHECK(pktid_key_parse("head", &k) == 0 && k == PKTID_KEY_HEAD);
	CHECK(pktid_key_parse("skb", &k) == 0 && k == PKTID_KEY_SKB);
	CHECK(pktid_key_parse("auto", &k) == 0 && k == PKTID_KEY_AUTO);
	CHECK(pktid_key_parse("skbaddr", &k) == -EINVAL);
	CHECK(pktid_key_resolve(PKTID_KEY_AUTO, true) == PKTID_KEY_HEAD);
	CHECK(pktid_key_resolve(PKTID_KEY_AUTO, false) == PKTID_KEY_SKB);
	CHECK(pktid_key_resolve(PKTID_KEY_HEAD, false) == PKTID_KEY_SKB);
	CHECK(pktid_key_resolve(PKTID_KEY_SKB, true) == PKTID_KEY_SKB);
	CHECK(pktid_event_kind("skb:kfree_skb") == PKTID_EV_FREE);
	CHECK(pktid_event_kind("skb:consume_skb") == PKTID_EV_FREE);
	CHECK(pktid_event_kind("ovsperf:kfree_skbmem") == PKTID_EV_FREE_MEM);
	CHECK(pktid_event_kind("net:netif_rx") == PKTID_EV_SEEN);
	CHECK(pktid_table__new(&(struct pktid_table *){ NULL }, PKTID_KEY_SKB, 0) == -EINVAL);
}

int main(void)
{
	test_skb_reuse();
	test_clone();
	test_head_change();
	test_followup();
	test_evict();
	test_many();
	test_names();
	CHECK_DONE();
}
