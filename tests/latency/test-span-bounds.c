// SPDX-License-Identifier: Apache-2.0
/*
 * test-span-bounds.c - the span engine's bounds (analyzer/engine/span.c): spans
 * expire a timeout after their start (exactly: one that ends at the timeout
 * completes, one nanosecond later it is unfinished), the cap on open spans
 * expires the oldest, and the table of open spans is not slowed by keys a
 * recording chose to collide; plus a randomised comparison against a naive
 * model with expiry.
 *
 * Run with OVSPERF_HASH_SEED set (CMake does) so the chain lengths it checks
 * are the same on every run.
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

static struct span_engine *new_engine(unsigned int n, uint64_t timeout, size_t cap)
{
	struct span_engine *e;

	if (span_engine__new(&e, n) || span_engine__set_expiry(e, timeout, cap)) {
		fprintf(stderr, "span_engine__new failed\n");
		exit(1);
	}
	return e;
}

/* A span ending exactly at the timeout completes; one ns later it expired. */
static void test_timeout_edge(void)
{
	struct span_engine *e = new_engine(2, 100, 0);
	const struct span_counts *c = span_engine__counts(e);

	CHECK_EQ(span_engine__event(e, 0, 0, 1, 1000, 0, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__event(e, 1, 0, 1, 1100, 0, 0), SPAN_COMPLETED);
	CHECK_EQ(span_engine__event(e, 0, 0, 2, 2000, 0, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__event(e, 1, 0, 2, 2101, 0, 0), SPAN_ORPHAN);
	CHECK_EQ(c->completed, 1);
	CHECK_EQ(c->expired[0], 1);
	CHECK_EQ(c->unfinished[0], 1);
	CHECK_EQ(c->orphan_ends, 1);
	CHECK_EQ(span_engine__nr_pending(e), 0);
	/* Another key's event moves the clock too; at finish, open spans are
	 * unfinished but not expired. */
	CHECK_EQ(span_engine__event(e, 0, 0, 3, 3000, 0, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__event(e, 0, 0, 4, 3050, 0, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__event(e, 0, 0, 5, 3101, 0, 0), SPAN_STARTED);
	CHECK_EQ(c->expired[0], 2);	/* key 3 */
	CHECK_EQ(span_engine__event(e, 1, 0, 4, 3150, 0, 0), SPAN_COMPLETED);
	span_engine__finish(e);
	CHECK_EQ(c->unfinished[0], 3);	/* keys 2, 3 expired; 5 open at the end */
	CHECK_EQ(c->expired[0], 2);
	CHECK_EQ(c->expired_cap, 0);
	span_engine__delete(e);
}

/* Expiry counts the stage reached; a free or a restart after the timeout
 * finds nothing / starts anew; setting expiry after an event is refused. */
static void test_timeout_stages(void)
{
	struct span_engine *e = new_engine(3, 100, 0);
	const struct span_counts *c = span_engine__counts(e);

	span_engine__event(e, 0, 0, 1, 0, 0, 0);
	span_engine__event(e, 1, 0, 1, 50, 0, 0);
	span_engine__event(e, 0, 0, 2, 60, 0, 0);
	CHECK(!span_engine__free(e, 1, 101));	/* expired first: nothing to drop */
	CHECK_EQ(c->expired[1], 1);
	CHECK_EQ(c->dropped[1], 0);
	/* A restart moves the span to the young end: key 2 restarted at 150 is
	 * not expired at 200 although it first started at 60. */
	CHECK_EQ(span_engine__event(e, 0, 0, 2, 150, 0, 0), SPAN_RESTARTED);
	CHECK_EQ(span_engine__event(e, 1, 0, 2, 200, 0, 0), SPAN_ADVANCED);
	CHECK_EQ(span_engine__event(e, 2, 0, 2, 250, 0, 0), SPAN_COMPLETED);
	CHECK(span_engine__set_expiry(e, 5, 0) < 0);
	span_engine__delete(e);
}

/* The cap: a start beyond it expires the oldest open span (also through a
 * fork); the others go on. */
static void test_cap(void)
{
	struct span_engine *e = new_engine(2, 0, 3);
	const struct span_counts *c = span_engine__counts(e);

	for (uint64_t k = 1; k <= 3; k++)
		span_engine__event(e, 0, 0, k, k, 0, 0);
	CHECK_EQ(span_engine__event(e, 0, 0, 4, 10, 0, 0), SPAN_STARTED);
	CHECK_EQ(span_engine__nr_pending(e), 3);
	CHECK_EQ(c->expired_cap, 1);
	CHECK_EQ(span_engine__event(e, 1, 0, 1, 11, 0, 0), SPAN_ORPHAN);	/* gone */
	CHECK_EQ(span_engine__event(e, 1, 0, 2, 12, 0, 0), SPAN_COMPLETED);
	/* Open: 3 (t 3), 4 (t 10).  A fork of 3 goes right after it in age. */
	CHECK_EQ(span_engine__fork(e, 3, 30), 1);
	CHECK_EQ(span_engine__event(e, 0, 0, 5, 13, 0, 0), SPAN_STARTED);	/* expires 3 */
	CHECK_EQ(span_engine__event(e, 0, 0, 6, 14, 0, 0), SPAN_STARTED);	/* expires 30 */
	CHECK_EQ(span_engine__event(e, 1, 0, 3, 15, 0, 0), SPAN_ORPHAN);
	CHECK_EQ(span_engine__event(e, 1, 0, 30, 15, 0, 0), SPAN_ORPHAN);
	CHECK_EQ(span_engine__event(e, 1, 0, 4, 16, 0, 0), SPAN_COMPLETED);
	CHECK_EQ(c->expired_cap, 3);
	CHECK_EQ(c->expired[0], 3);
	/* A fork at the cap whose parent is the oldest: the parent gives way,
	 * nothing is forked. */
	span_engine__event(e, 0, 0, 7, 17, 0, 0);	/* open: 5, 6, 7 */
	CHECK_EQ(span_engine__fork(e, 5, 50), 0);
	CHECK_EQ(span_engine__nr_pending(e), 2);
	span_engine__finish(e);
	CHECK_EQ(c->unfinished[0], 4 + 2);
	span_engine__delete(e);
}

/*
 * Hash flooding: keys chosen so that the former hash of this table (the
 * MurmurHash3 finalizer, no key) puts them all in bucket 0 of any table of
 * up to 2^20 buckets.  Inverting it: h = (i + 1) << 20, undo the xorshifts
 * (each is its own inverse) and the multiply.
 */
static uint64_t old_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static uint64_t colliding_key(uint64_t i)
{
	uint64_t h = (i + 1) << 20;

	h ^= h >> 33;
	h *= 0x4f74430c22a54005ULL;	/* the multiplier's inverse mod 2^64 */
	return h ^ h >> 33;
}

static void test_flood(void)
{
	struct span_engine *e = new_engine(2, 0, 0);
	const size_t n = 80000;

	for (size_t i = 0; i < n; i++) {
		uint64_t k = colliding_key(i);

		/* The keys do collide under the former hash... */
		if ((old_hash(k) & ((1u << 20) - 1)) != 0) {
			CHECK(!"a key that does not collide");
			break;
		}
		span_engine__event(e, 0, 0, k, i, 0, 0);
	}
	CHECK_EQ(span_engine__nr_pending(e), n);
	/* ...and are spread now: 80,000 keys in >= 32,768 buckets.  With the
	 * fixed seed the longest chain is a fixed number; any seed gives one of
	 * about 10 (the former hash: 80,000). */
	printf("test-span-bounds: longest chain of %zu colliding keys: %zu\n", n,
	       span_engine__max_chain(e));
	CHECK(span_engine__max_chain(e) <= 16);
	span_engine__delete(e);
}

/* A naive model of the policy with expiry (no forks), against the engine. */
#define MODEL_KEYS 48
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned int next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng >> 11);
}

struct model {
	int stage[MODEL_KEYS];		/* -1 = not open */
	uint64_t t0[MODEL_KEYS];
	uint64_t seq[MODEL_KEYS];	/* start order, for the cap's "oldest" */
	uint64_t next_seq;
	struct span_counts c;
};

static void model_expire(struct model *m, uint64_t now, uint64_t timeout)
{
	while (timeout) {	/* 0 = never */
		int oldest = -1;

		for (int k = 0; k < MODEL_KEYS; k++)
			if (m->stage[k] >= 0 && (oldest < 0 || m->seq[k] < m->seq[oldest]))
				oldest = k;
		if (oldest < 0 || now <= m->t0[oldest] || now - m->t0[oldest] <= timeout)
			return;
		m->c.expired[m->stage[oldest]]++;
		m->c.unfinished[m->stage[oldest]]++;
		m->stage[oldest] = -1;
	}
}

static void test_random(unsigned int nst, uint64_t timeout, size_t cap)
{
	struct span_engine *e = new_engine(nst, timeout, cap);
	const struct span_counts *c = span_engine__counts(e);
	struct model m;
	uint64_t t = 0;

	memset(&m, 0, sizeof(m));
	for (int k = 0; k < MODEL_KEYS; k++)
		m.stage[k] = -1;
	for (int i = 0; i < 200000; i++) {
		unsigned int k = next_rand() % MODEL_KEYS, r = next_rand() % 100;
		uint64_t key = 0xffff888000000000ULL + (uint64_t)k * 256;
		unsigned int stage;
		size_t open = 0;

		t += next_rand() % 40;
		model_expire(&m, t, timeout);
		if (r < 5) {
			bool was = m.stage[k] >= 0;

			if (was)
				m.c.dropped[m.stage[k]]++;
			m.stage[k] = -1;
			CHECK(span_engine__free(e, key, t) == was);
			continue;
		}
		stage = r < 40 ? 0 : (m.stage[k] >= 0 && r < 90 ? (unsigned int)m.stage[k] + 1 :
				      next_rand() % nst);
		if (stage >= nst)
			stage = nst - 1;
		if (stage == 0) {
			m.c.started++;
			if (m.stage[k] >= 0) {
				m.c.reused[m.stage[k]]++;
			} else {
				for (int j = 0; j < MODEL_KEYS; j++)
					open += m.stage[j] >= 0;
				if (cap && open >= cap) {
					int oldest = -1;

					for (int j = 0; j < MODEL_KEYS; j++)
						if (m.stage[j] >= 0 &&
						    (oldest < 0 || m.seq[j] < m.seq[oldest]))
							oldest = j;
					m.c.expired[m.stage[oldest]]++;
					m.c.unfinished[m.stage[oldest]]++;
					m.c.expired_cap++;
					m.stage[oldest] = -1;
				}
			}
			m.stage[k] = 0;
			m.t0[k] = t;
			m.seq[k] = m.next_seq++;
		} else if (m.stage[k] == (int)stage - 1) {
			m.stage[k] = (int)stage;
			if (stage == nst - 1) {
				m.c.completed++;
				m.stage[k] = -1;
			}
		} else if (stage == nst - 1) {
			m.c.orphan_ends++;
		} else {
			m.c.orphan_mids++;
		}
		if (span_engine__event(e, stage, 0, key, t, 0, 0) < 0)
			CHECK(!"event failed");
	}
	span_engine__finish(e);
	for (int k = 0; k < MODEL_KEYS; k++)
		if (m.stage[k] >= 0)
			m.c.unfinished[m.stage[k]]++;
	CHECK_EQ(c->started, m.c.started);
	CHECK_EQ(c->completed, m.c.completed);
	CHECK_EQ(c->orphan_mids, m.c.orphan_mids);
	CHECK_EQ(c->orphan_ends, m.c.orphan_ends);
	CHECK_EQ(c->expired_cap, m.c.expired_cap);
	for (unsigned int s = 0; s < nst; s++) {
		CHECK_EQ(c->reused[s], m.c.reused[s]);
		CHECK_EQ(c->dropped[s], m.c.dropped[s]);
		CHECK_EQ(c->unfinished[s], m.c.unfinished[s]);
		CHECK_EQ(c->expired[s], m.c.expired[s]);
	}
	span_engine__delete(e);
}

int main(void)
{
	test_timeout_edge();
	test_timeout_stages();
	test_cap();
	test_flood();
	test_random(2, 300, 0);
	test_random(4, 500, 0);
	test_random(3, 0, 12);
	test_random(SPAN_MAX_STAGES, 800, 20);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test-span-bounds: all checks passed\n");
	return 0;
}
