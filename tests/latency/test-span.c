// SPDX-License-Identifier: Apache-2.0
/*
 * test-span.c - unit tests of the latency report's span engine
 * (analyzer/engine/span.c): synthetic event sequences fed to the engine directly,
 * one test per rule of the policy, plus a randomised comparison against a
 * naive reference model of the same policy.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/span.h"

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__,   \
				__LINE__, __func__, #cond);                          \
			failures++;                                                  \
		}                                                                    \
	} while (0)

#define CHECK_EQ(a, b)                                                               \
	do {                                                                         \
		uint64_t a_ = (a), b_ = (b);                                         \
		if (a_ != b_) {                                                      \
			fprintf(stderr, "%s:%d: %s: %s = %" PRIu64 ", expected %" PRIu64 \
				"\n", __FILE__, __LINE__, __func__, #a, a_, b_);     \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static struct span_engine *new_engine(unsigned int n)
{
	struct span_engine *e;

	if (span_engine__new(&e, n)) {
		fprintf(stderr, "span_engine__new(%u) failed\n", n);
		exit(1);
	}
	return e;
}

static void test_bad_stages(void)
{
	struct span_engine *e = (void *)1;

	CHECK(span_engine__new(&e, 1) < 0);
	CHECK(e == NULL);
	CHECK(span_engine__new(&e, SPAN_MAX_STAGES + 1) < 0);
}

/* Two stages: start then end completes; the record has both ends. */
static void test_simple(void)
{
	struct span_engine *e = new_engine(2);
	const struct span_rec *r;

	CHECK_EQ(span_engine__event(e, 0, 0, 0xa00, 100, 1, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__nr_pending(e), 1);
	CHECK_EQ(span_engine__event(e, 1, 1, 0xa00, 150, 0, 0), SPAN_COMPLETED);
	CHECK_EQ(span_engine__nr_pending(e), 0);
	span_engine__finish(e);
	CHECK_EQ(span_engine__nr_recs(e), 1);
	r = span_engine__recs(e);
	CHECK_EQ(r->key, 0xa00);
	CHECK_EQ(r->t[0], 100);
	CHECK_EQ(r->t[1], 150);
	CHECK_EQ(r->cpu[0], 1);
	CHECK_EQ(r->cpu[1], 0);
	CHECK_EQ(r->alt[1], 1);
	CHECK(!r->lost);
	CHECK_EQ(span_engine__nr_hops(e), 1);
	CHECK_EQ(span_engine__counts(e)->completed, 1);
	CHECK_EQ(span_engine__counts(e)->started, 1);
	/* The key was forgotten: a second end is an orphan. */
	CHECK_EQ(span_engine__event(e, 1, 0, 0xa00, 160, 0, 0), SPAN_ORPHAN);
	span_engine__delete(e);
}

/* A start on a pending key replaces it (latest start wins) and counts reused. */
static void test_reuse(void)
{
	struct span_engine *e = new_engine(3);
	const struct span_counts *c = span_engine__counts(e);

	CHECK_EQ(span_engine__event(e, 0, 0, 7, 10, 0, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__event(e, 0, 0, 7, 20, 1, 0), SPAN_RESTARTED);
	CHECK_EQ(c->reused[0], 1);
	CHECK_EQ(span_engine__event(e, 1, 0, 7, 25, 1, 0), SPAN_ADVANCED);
	/* Reused after reaching stage 1 (the backlog-twice case). */
	CHECK_EQ(span_engine__event(e, 0, 0, 7, 30, 0, 0), SPAN_RESTARTED);
	CHECK_EQ(c->reused[1], 1);
	CHECK_EQ(span_engine__event(e, 1, 0, 7, 34, 1, 0), SPAN_ADVANCED);
	CHECK_EQ(span_engine__event(e, 2, 0, 7, 40, 1, 0), SPAN_COMPLETED);
	span_engine__finish(e);
	CHECK_EQ(span_engine__nr_recs(e), 1);
	CHECK_EQ(span_engine__recs(e)->t[0], 30);
	CHECK_EQ(span_engine__recs(e)->t[1], 34);
	CHECK_EQ(span_engine__recs(e)->t[2], 40);
	CHECK_EQ(span_engine__recs(e)->cpu[0], 0);
	/* Hops: 0->1 at 20..25, 0->1 at 30..34, 1->2 at 34..40. */
	CHECK_EQ(span_engine__nr_hops(e), 3);
	CHECK_EQ(span_engine__hops(e)[0].t0, 20);
	CHECK_EQ(span_engine__hops(e)[0].t1, 25);
	CHECK_EQ(span_engine__hops(e)[0].stage, 1);
	CHECK_EQ(span_engine__hops(e)[1].t0, 30);
	CHECK_EQ(span_engine__hops(e)[2].stage, 2);
	CHECK_EQ(span_engine__hops(e)[2].cpu0, 1);
	CHECK_EQ(c->reused[0] + c->reused[1], 2);
	span_engine__delete(e);
}

/* Later-stage events advance only from exactly the stage before. */
static void test_orphans(void)
{
	struct span_engine *e = new_engine(3);
	const struct span_counts *c = span_engine__counts(e);

	CHECK_EQ(span_engine__event(e, 2, 0, 1, 5, 0, 0), SPAN_ORPHAN);	/* not pending */
	CHECK_EQ(span_engine__event(e, 1, 0, 1, 6, 0, 0), SPAN_ORPHAN);	/* not pending */
	CHECK_EQ(c->orphan_ends, 1);
	CHECK_EQ(c->orphan_mids, 1);
	CHECK_EQ(span_engine__event(e, 0, 0, 1, 10, 0, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__event(e, 2, 0, 1, 11, 0, 0), SPAN_ORPHAN);	/* skips stage 1 */
	CHECK_EQ(c->orphan_ends, 2);
	CHECK_EQ(span_engine__event(e, 1, 0, 1, 12, 0, 0), SPAN_ADVANCED);	/* still pending */
	CHECK_EQ(span_engine__event(e, 1, 0, 1, 13, 0, 0), SPAN_ORPHAN);	/* already at 1 */
	CHECK_EQ(c->orphan_mids, 2);
	CHECK_EQ(span_engine__event(e, 2, 0, 1, 14, 0, 0), SPAN_COMPLETED);
	span_engine__finish(e);
	CHECK_EQ(span_engine__recs(e)->t[1], 12);	/* the orphan did not move it */
	CHECK_EQ(span_engine__recs(e)->t[2], 14);
	CHECK_EQ(c->completed, 1);
	span_engine__delete(e);
}

/* A free event forgets a pending key (dropped by stage); unknown keys: no-op. */
static void test_free(void)
{
	struct span_engine *e = new_engine(3);
	const struct span_counts *c = span_engine__counts(e);

	CHECK(!span_engine__free(e, 99, 9));
	span_engine__event(e, 0, 0, 1, 10, 0, 0);
	span_engine__event(e, 0, 0, 2, 11, 0, 0);
	span_engine__event(e, 1, 0, 2, 12, 0, 0);
	CHECK(span_engine__free(e, 1, 13));
	CHECK(span_engine__free(e, 2, 14));
	CHECK(!span_engine__free(e, 2, 15));
	CHECK_EQ(c->dropped[0], 1);
	CHECK_EQ(c->dropped[1], 1);
	CHECK_EQ(span_engine__event(e, 2, 0, 2, 13, 0, 0), SPAN_ORPHAN);
	CHECK_EQ(span_engine__nr_pending(e), 0);
	span_engine__finish(e);
	CHECK_EQ(c->unfinished[0] + c->unfinished[1], 0);
	CHECK_EQ(span_engine__nr_recs(e), 0);
	/* The hop 0->1 of key 2 was measured although the span was dropped. */
	CHECK_EQ(span_engine__nr_hops(e), 1);
	span_engine__delete(e);
}

/* Keys pending at the end are unfinished by stage, never records. */
static void test_unfinished(void)
{
	struct span_engine *e = new_engine(3);
	const struct span_counts *c = span_engine__counts(e);

	span_engine__event(e, 0, 0, 1, 10, 0, 0);
	span_engine__event(e, 0, 0, 2, 11, 0, 0);
	span_engine__event(e, 1, 0, 2, 12, 0, 0);
	span_engine__event(e, 0, 0, 3, 13, 0, 0);
	span_engine__finish(e);
	CHECK_EQ(c->unfinished[0], 2);
	CHECK_EQ(c->unfinished[1], 1);
	CHECK_EQ(c->unfinished[2], 0);
	CHECK_EQ(span_engine__nr_recs(e), 0);
	span_engine__delete(e);
}

/* Spans and hops that overlap a LOST window (lo, hi) are flagged at finish. */
static void test_lost(void)
{
	struct span_engine *e = new_engine(2);
	const struct span_counts *c = span_engine__counts(e);
	const struct span_rec *r;
	const struct span_hop *h;

	span_engine__event(e, 0, 0, 1, 10, 0, 0);
	span_engine__event(e, 1, 0, 1, 20, 0, 0);	/* [10,20] overlaps (15,16) */
	span_engine__event(e, 0, 0, 2, 30, 0, 0);
	span_engine__event(e, 1, 0, 2, 40, 0, 0);	/* [30,40] ends at lo = 40: kept */
	span_engine__event(e, 0, 0, 3, 50, 0, 0);
	span_engine__event(e, 1, 0, 3, 55, 0, 0);	/* [50,55] starts at hi = 50: kept */
	span_engine__event(e, 0, 0, 4, 60, 0, 0);
	span_engine__event(e, 1, 0, 4, 70, 0, 0);	/* [60,70] inside merged (58,80) */
	span_engine__event(e, 0, 0, 5, 90, 0, 0);
	span_engine__event(e, 1, 0, 5, 95, 0, 0);	/* [90,95]: no window */
	CHECK_EQ(span_engine__lost(e, 40, 50), 0);
	CHECK_EQ(span_engine__lost(e, 15, 16), 0);
	CHECK_EQ(span_engine__lost(e, 65, 80), 0);	/* unsorted, overlapping */
	CHECK_EQ(span_engine__lost(e, 58, 66), 0);
	span_engine__finish(e);
	r = span_engine__recs(e);
	h = span_engine__hops(e);
	CHECK_EQ(span_engine__nr_recs(e), 5);
	CHECK(r[0].lost);
	CHECK(!r[1].lost);
	CHECK(!r[2].lost);
	CHECK(r[3].lost);
	CHECK(!r[4].lost);
	CHECK(h[0].lost && !h[1].lost && !h[2].lost && h[3].lost && !h[4].lost);
	CHECK_EQ(c->lost_windows, 2);
	CHECK_EQ(c->lost_hops, 2);
	CHECK_EQ(c->nr_windows, 4);
	CHECK_EQ(c->completed, 5);
	span_engine__delete(e);
}

/* The first non-zero attribute sticks; a restart takes the new packet's. */
static void test_attr(void)
{
	struct span_engine *e = new_engine(3);

	span_engine__event(e, 0, 0, 1, 10, 0, 0);
	span_engine__event(e, 1, 0, 1, 11, 0, 5);
	span_engine__event(e, 2, 0, 1, 12, 0, 6);
	span_engine__event(e, 0, 0, 2, 20, 0, 7);
	span_engine__event(e, 0, 0, 2, 21, 0, 8);
	span_engine__event(e, 1, 0, 2, 22, 0, 9);
	span_engine__event(e, 2, 0, 2, 23, 0, 0);
	span_engine__finish(e);
	CHECK_EQ(span_engine__recs(e)[0].attr, 5);
	CHECK_EQ(span_engine__recs(e)[1].attr, 8);
	span_engine__delete(e);
}

/*
 * Randomised: many keys (forcing rehashes and pool growth), random stages,
 * frees and restarts, checked against a naive model of the same policy.
 */
#define MODEL_KEYS 5000

struct model {
	int stage[MODEL_KEYS];	/* -1 = not pending */
	uint64_t t0[MODEL_KEYS];
	struct span_counts c;
	uint64_t sum_latency, nr_hops;
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Fork: a clone's key copies the parent's pending stages; both complete on
 * their own; nothing is copied from a key that is not pending, nor over a
 * pending one. */
static void test_fork(void)
{
	struct span_engine *e = new_engine(3);
	const struct span_rec *r;

	CHECK_EQ(span_engine__event(e, 0, 0, 1, 100, 0, 7), SPAN_STARTED);
	CHECK_EQ(span_engine__event(e, 1, 0, 1, 110, 1, 0), SPAN_ADVANCED);
	CHECK_EQ(span_engine__fork(e, 1, 2), 1);
	CHECK_EQ(span_engine__nr_pending(e), 2);
	CHECK_EQ(span_engine__fork(e, 1, 2), 0);	/* 2 is pending already */
	CHECK_EQ(span_engine__fork(e, 9, 3), 0);	/* 9 is not pending */
	CHECK_EQ(span_engine__event(e, 2, 1, 2, 130, 2, 0), SPAN_COMPLETED);
	CHECK_EQ(span_engine__event(e, 2, 0, 1, 140, 3, 0), SPAN_COMPLETED);
	CHECK_EQ(span_engine__event(e, 2, 0, 3, 150, 3, 0), SPAN_ORPHAN);
	span_engine__finish(e);
	CHECK_EQ(span_engine__nr_recs(e), 2);
	r = span_engine__recs(e);
	CHECK_EQ(r[0].key, 2);
	CHECK_EQ(r[0].t[0], 100);
	CHECK_EQ(r[0].t[1], 110);
	CHECK_EQ(r[0].t[2], 130);
	CHECK_EQ(r[0].cpu[2], 2);
	CHECK_EQ(r[0].alt[2], 1);
	CHECK_EQ(r[0].attr, 7);
	CHECK_EQ(r[1].key, 1);
	CHECK_EQ(r[1].t[2], 140);
	CHECK_EQ(span_engine__counts(e)->forks, 1);
	CHECK_EQ(span_engine__counts(e)->started, 1);
	CHECK_EQ(span_engine__counts(e)->completed, 2);
	CHECK_EQ(span_engine__counts(e)->orphan_ends, 1);
	/* Hops: 0->1 once (before the fork), 1->2 twice. */
	CHECK_EQ(span_engine__nr_hops(e), 3);
	span_engine__delete(e);
}

static void test_random(unsigned int nr_stages)
{
	struct span_engine *e = new_engine(nr_stages);
	const struct span_counts *c = span_engine__counts(e);
	static struct model m;
	uint64_t t = 1000, sum = 0;
	size_t i;
	int k;

	memset(&m, 0, sizeof(m));
	for (k = 0; k < MODEL_KEYS; k++)
		m.stage[k] = -1;
	for (i = 0; i < 400000; i++) {
		unsigned int key = next_rand() % MODEL_KEYS;
		uint64_t skb = 0xffff888000000000ULL + (uint64_t)key * 256;
		unsigned int r = next_rand() % 100;
		int *st = &m.stage[key];

		t += next_rand() % 50;
		if (r < 5) {
			bool was = *st >= 0;

			if (was) {
				m.c.dropped[*st]++;
				*st = -1;
			}
			CHECK(span_engine__free(e, skb, t) == was);
			continue;
		}
		/* Mostly the right next stage, sometimes any stage. */
		unsigned int stage = (r < 60 && *st >= 0 && *st + 1 < (int)nr_stages) ?
				     (unsigned int)*st + 1 : next_rand() % nr_stages;
		int res = span_engine__event(e, stage, 0, skb, t, key % 2, 0);

		if (stage == 0) {
			m.c.started++;
			if (*st >= 0)
				m.c.reused[*st]++;
			CHECK_EQ(res, *st >= 0 ? SPAN_RESTARTED : SPAN_STARTED);
			*st = 0;
			m.t0[key] = t;
		} else if (*st == (int)stage - 1) {
			m.nr_hops++;
			*st = stage;
			if (stage == nr_stages - 1) {
				m.c.completed++;
				m.sum_latency += t - m.t0[key];
				*st = -1;
				CHECK_EQ(res, SPAN_COMPLETED);
			} else {
				CHECK_EQ(res, SPAN_ADVANCED);
			}
		} else {
			if (stage == nr_stages - 1)
				m.c.orphan_ends++;
			else
				m.c.orphan_mids++;
			CHECK_EQ(res, SPAN_ORPHAN);
		}
	}
	for (k = 0; k < MODEL_KEYS; k++)
		if (m.stage[k] >= 0)
			m.c.unfinished[m.stage[k]]++;
	span_engine__finish(e);
	CHECK_EQ(c->started, m.c.started);
	CHECK_EQ(c->completed, m.c.completed);
	CHECK_EQ(c->orphan_mids, m.c.orphan_mids);
	CHECK_EQ(c->orphan_ends, m.c.orphan_ends);
	for (k = 0; k < (int)nr_stages; k++) {
		CHECK_EQ(c->reused[k], m.c.reused[k]);
		CHECK_EQ(c->dropped[k], m.c.dropped[k]);
		CHECK_EQ(c->unfinished[k], m.c.unfinished[k]);
	}
	CHECK_EQ(span_engine__nr_hops(e), m.nr_hops);
	CHECK_EQ(span_engine__nr_recs(e), m.c.completed);
	for (i = 0; i < span_engine__nr_recs(e); i++) {
		const struct span_rec *r = &span_engine__recs(e)[i];

		sum += r->t[nr_stages - 1] - r->t[0];
	}
	CHECK_EQ(sum, m.sum_latency);
	CHECK(m.c.completed > 1000);
	span_engine__delete(e);
}

/* Many keys pending at once: the table grows and everything is found again. */
static void test_many_pending(void)
{
	struct span_engine *e = new_engine(2);
	uint64_t k;

	for (k = 0; k < 100000; k++)
		span_engine__event(e, 0, 0, 0xffff000000000000ULL + k * 4096, k, 0, 0);
	CHECK_EQ(span_engine__nr_pending(e), 100000);
	for (k = 0; k < 100000; k += 2)
		CHECK_EQ(span_engine__event(e, 1, 0, 0xffff000000000000ULL + k * 4096,
					    200000 + k, 1, 0), SPAN_COMPLETED);
	CHECK_EQ(span_engine__nr_pending(e), 50000);
	span_engine__finish(e);
	CHECK_EQ(span_engine__counts(e)->unfinished[0], 50000);
	CHECK_EQ(span_engine__recs(e)[1].t[1] - span_engine__recs(e)[1].t[0], 200000);
	span_engine__delete(e);
}

/* The lazy attribute: asked for at a start and when the span has none yet,
 * never for a span that has one or an event that advances nothing. */
static int lazy_calls;

static uint32_t lazy(void *ctx)
{
	lazy_calls++;
	return *(uint32_t *)ctx;
}

static void test_attr_lazy(void)
{
	struct span_engine *e = new_engine(3);
	uint32_t a;

	a = 0;
	CHECK_EQ(span_engine__event_lazy(e, 0, 0, 1, 10, 0, lazy, &a), SPAN_STARTED);
	CHECK_EQ(lazy_calls, 1);
	a = 7;		/* the span has none: the second stage's is taken */
	CHECK_EQ(span_engine__event_lazy(e, 1, 0, 1, 20, 0, lazy, &a), SPAN_ADVANCED);
	CHECK_EQ(lazy_calls, 2);
	a = 9;		/* it has one now: not asked */
	CHECK_EQ(span_engine__event_lazy(e, 2, 0, 1, 30, 0, lazy, &a), SPAN_COMPLETED);
	CHECK_EQ(lazy_calls, 2);
	CHECK_EQ(span_engine__last(e)->attr, 7);
	CHECK_EQ(span_engine__event_lazy(e, 2, 0, 1, 40, 0, lazy, &a), SPAN_ORPHAN);
	CHECK_EQ(lazy_calls, 2);
	a = 5;
	CHECK_EQ(span_engine__event_lazy(e, 0, 0, 2, 50, 0, lazy, &a), SPAN_STARTED);
	CHECK_EQ(lazy_calls, 3);
	a = 6;
	CHECK_EQ(span_engine__event_lazy(e, 1, 0, 2, 60, 0, lazy, &a), SPAN_ADVANCED);
	CHECK_EQ(span_engine__event_lazy(e, 2, 0, 2, 70, 0, lazy, &a), SPAN_COMPLETED);
	CHECK_EQ(lazy_calls, 3);
	CHECK_EQ(span_engine__last(e)->attr, 5);
	span_engine__delete(e);
}

int main(void)
{
	test_bad_stages();
	test_simple();
	test_reuse();
	test_orphans();
	test_free();
	test_unfinished();
	test_lost();
	test_attr();
	test_attr_lazy();
	test_fork();
	test_random(2);
	test_random(3);
	test_random(SPAN_MAX_STAGES);
	test_many_pending();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test-span: all checks passed\n");
	return 0;
}
