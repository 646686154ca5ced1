// SPDX-License-Identifier: Apache-2.0
/*
 * test-span-stream.c - the span engine's stream mode against its classic
 * mode: the same random event sequence (starts, advances, restarts, frees,
 * forks, LOST windows) goes to both; the stream engine is flushed with a
 * horizon no later window reaches behind, and must deliver the same records
 * and hops, in the same order, with the same lost flags and counters.  A
 * small ring (forced delivery) still delivers everything in order, also
 * when its rings grow (wrapped or not) before they reach the hold.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/span.h"
#include "check.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct got {
	struct span_rec *recs;
	size_t nr_recs;
	struct span_hop *hops;
	size_t nr_hops;
};

static int on_rec(void *ctx, const struct span_rec *rec)
{
	struct got *g = ctx;

	g->recs = realloc(g->recs, (g->nr_recs + 1) * sizeof(*g->recs));
	g->recs[g->nr_recs++] = *rec;
	return 0;
}

static int on_hop(void *ctx, const struct span_hop *hop)
{
	struct got *g = ctx;

	g->hops = realloc(g->hops, (g->nr_hops + 1) * sizeof(*g->hops));
	g->hops[g->nr_hops++] = *hop;
	return 0;
}

/* Struct copies need not copy padding: compare field by field. */
static unsigned int g_nst;

/* Field by field, stages in use only (the rest is whatever the pending
 * node held before). */
static bool same_rec(const struct span_rec *x, const struct span_rec *y)
{
	for (unsigned int k = 0; k < g_nst; k++)
		if (x->t[k] != y->t[k] || x->cpu[k] != y->cpu[k] || x->alt[k] != y->alt[k])
			return false;
	return x->key == y->key && x->lost == y->lost && x->attr == y->attr &&
	       x->stack == y->stack;
}

static bool same_hop(const struct span_hop *x, const struct span_hop *y)
{
	return x->t0 == y->t0 && x->t1 == y->t1 && x->cpu0 == y->cpu0 && x->cpu1 == y->cpu1 &&
	       x->attr == y->attr && x->stage == y->stage && x->lost == y->lost;
}

/* @hop_sink false: no hop sink; with two stages the engine then keeps no
 * hops, yet must count the same lost hops (each lost span's one hop). */
static int flush_every = 37;	/* events between two flushes; 0: none */

static void run(unsigned int nst, size_t hold, int nr_events, bool windows, bool hop_sink)
{
	struct span_engine *a, *b;
	struct got g = { 0 };
	uint64_t t = 1000;
	const struct span_counts *ca, *cb;

	g_nst = nst;
	CHECK(span_engine__new(&a, nst) == 0);
	CHECK(span_engine__new(&b, nst) == 0);
	CHECK(span_engine__stream(b, on_rec, hop_sink ? on_hop : NULL, &g, hold) == 0);
	for (int i = 0; i < nr_events; i++) {
		uint64_t x = xorshift(), key = 0x1000 + (x % 64) * 256;
		unsigned int stage = (x >> 8) % nst, cpu = (x >> 16) % 4;
		int ra, rb;

		t += 1 + (x >> 20) % 50;
		if ((x >> 40) % 23 == 0) {
			CHECK(span_engine__free(a, key, t) == span_engine__free(b, key, t));
			continue;
		}
		if ((x >> 40) % 41 == 1) {
			uint64_t child = 0x900000 + (x >> 48) % 16;

			CHECK_U64(span_engine__fork(a, key, child), span_engine__fork(b, key, child));
			continue;
		}
		if (windows && (x >> 40) % 97 == 2) {
			/* A window reaching back at most 300 ns. */
			uint64_t lo = t - (x >> 50) % 300;

			CHECK(span_engine__lost(a, lo, t) == 0);
			CHECK(span_engine__lost(b, lo, t) == 0);
			continue;
		}
		ra = span_engine__event(a, stage, (x >> 24) % 2, key, t, cpu, (x >> 28) % 3);
		rb = span_engine__event(b, stage, (x >> 24) % 2, key, t, cpu, (x >> 28) % 3);
		CHECK_U64(ra, rb);
		if (ra == SPAN_COMPLETED) {
			span_engine__last(a)->stack = i;
			span_engine__last(b)->stack = i;	/* set before delivery */
		}
		if (flush_every && i % flush_every == 0)
			CHECK(span_engine__flush(b, t - 300) == 0);
	}
	span_engine__finish(a);
	CHECK(span_engine__drain(b) == 0);
	CHECK_U64(span_engine__nr_recs(b), 0);
	CHECK_U64(g.nr_recs, span_engine__nr_recs(a));
	CHECK_U64(g.nr_hops, hop_sink ? span_engine__nr_hops(a) : 0);
	for (size_t i = 0; i < g.nr_recs && i < span_engine__nr_recs(a); i++) {
		const struct span_rec *x = &g.recs[i], *y = &span_engine__recs(a)[i];

		if (!same_rec(x, y)) {
			fprintf(stderr, "rec %zu: key %#lx/%#lx t0 %lu/%lu lost %d/%d stack %u/%u\n", i,
				(unsigned long)x->key, (unsigned long)y->key, (unsigned long)x->t[0],
				(unsigned long)y->t[0], x->lost, y->lost, x->stack, y->stack);
			CHECK(same_rec(x, y));
			break;
		}
	}
	for (size_t i = 0; i < g.nr_hops && i < span_engine__nr_hops(a); i++)
		CHECK(same_hop(&g.hops[i], &span_engine__hops(a)[i]));
	ca = span_engine__counts(a);
	cb = span_engine__counts(b);
	CHECK(!memcmp(ca, cb, sizeof(*ca)));
	CHECK(ca->completed > 100);
	if (windows)
		CHECK(ca->lost_windows > 0 && ca->lost_hops > 0);	/* the windows hit something */
	span_engine__delete(a);
	span_engine__delete(b);
	free(g.recs);
	free(g.hops);
}

int main(void)
{
	struct span_engine *e;

	run(2, 100000, 20000, true, true);
	run(2, 100000, 20000, true, false);
	run(2, 4, 20000, false, false);
	run(3, 100000, 20000, true, true);
	run(3, 100000, 20000, true, false);
	run(4, 100000, 30000, true, true);
	run(3, 4, 20000, false, true);	/* a full ring delivers its oldest first */
	/* Rare flushes or none: the rings grow from 256 to 700, wrapped (after
	 * a flush) or not, then deliver their oldest; the order must survive
	 * the unwrapping copies. */
	for (int k = 0; k < 3; k++) {
		flush_every = k == 0 ? 0 : k == 1 ? 1500 : 3100;
		run(3, 700, 60000, false, true);
		run(2, 700, 60000, false, false);
	}
	flush_every = 37;
	CHECK(span_engine__new(&e, 2) == 0);
	CHECK(span_engine__stream(e, on_rec, on_hop, NULL, 0) == -EINVAL);
	span_engine__delete(e);
	if (check_failures)
		fprintf(stderr, "test-span-stream: %d checks failed\n", check_failures);
	else
		printf("test-span-stream: all checks passed\n");
	return check_failures ? 1 : 0;
}
