// SPDX-License-Identifier: Apache-2.0
/*
 * test-oqueue.c - unit tests of the ordering queue (lib/oqueue.c) against a
 * reference model: a plain array of the pending entries, delivered by a
 * stable sort on (time, arrival).  perf's ordered_events gives that order
 * (ties keep arrival order), so the queue must give exactly it, whatever
 * the interleaving of queueing and flushing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "oqueue.h"

#define MAX_ENTRIES 20000

/* The model: pending entries, and what the queue delivered. */
struct model {
	uint64_t time[MAX_ENTRIES];	/* by arrival number */
	bool pending[MAX_ENTRIES];
	size_t nr;			/* entries queued so far */
	size_t got[MAX_ENTRIES];	/* arrival numbers in delivery order */
	size_t nr_got;
	int stop_after;			/* deliver fails after this many (-1: never) */
};

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int deliver(const struct oq_entry *e, void *arg)
{
	struct model *m = arg;
	size_t idx = (size_t)(uintptr_t)e->rec;

	if (m->nr_got < MAX_ENTRIES)
		m->got[m->nr_got++] = idx;
	if (m->stop_after >= 0 && (int)m->nr_got >= m->stop_after)
		return -ECANCELED;
	return 0;
}

static void queue(struct oqueue *q, struct model *m, uint64_t time)
{
	struct oq_entry e = {
		.time = time,
		.rec = (const void *)(uintptr_t)m->nr,
		.file_offset = 1000 + m->nr * 8,
	};

	m->time[m->nr] = time;
	m->pending[m->nr] = true;
	m->nr++;
	CHECK(oq_queue(q, &e) == 0);
}

/* The arrival number of the pending entry that must come out next. */
static size_t model_next(const struct model *m)
{
	size_t i, best = SIZE_MAX;

	for (i = 0; i < m->nr; i++)
		if (m->pending[i] && (best == SIZE_MAX || m->time[i] < m->time[best]))
			best = i;	/* strict <: the earliest arrival wins a tie */
	return best;
}

static size_t model_count(const struct model *m, uint64_t limit)
{
	size_t i, n = 0;

	for (i = 0; i < m->nr; i++)
		n += m->pending[i] && m->time[i] <= limit;
	return n;
}

/* Check that what the queue delivered since @from is the model's order. */
static bool check_delivered(struct model *m, size_t from)
{
	size_t i;

	for (i = from; i < m->nr_got; i++) {
		size_t want = model_next(m);

		if (want == SIZE_MAX || m->got[i] != want) {
			fprintf(stderr, "delivery %zu: got entry %zu (time %" PRIu64 "), want %zu\n",
				i, m->got[i], m->time[m->got[i]], want);
			return false;
		}
		m->pending[want] = false;
	}
	return true;
}

/* Everything queued comes out sorted, ties in arrival order. */
static void test_sorted_runs(void)
{
	static struct model m;
	struct oqueue q;
	size_t i, run;

	memset(&m, 0, sizeof(m));
	m.stop_after = -1;
	oq_init(&q);
	/* 40 sorted runs of random length, as perf's per-CPU buffers, over a
	 * small time range so that many timestamps are equal. */
	for (run = 0; run < 40; run++) {
		uint64_t t = rnd() % 500;
		size_t len = 1 + rnd() % 300;

		for (i = 0; i < len; i++) {
			t += rnd() % 3;	/* 0: a tie inside the run */
			queue(&q, &m, t);
		}
	}
	CHECK_U64(q.nr_entries, m.nr);
	CHECK(oq_flush(&q, UINT64_MAX, deliver, &m) == 0);
	CHECK_U64(m.nr_got, m.nr);
	CHECK(check_delivered(&m, 0));
	CHECK_U64(q.nr_entries, 0);
	CHECK_U64(q.nr_out_of_order, 0);
	oq_exit(&q);
}

/* Random interleaving of queue, flush(limit) and flush_half. */
static void test_interleaved(unsigned int seed)
{
	static struct model m;
	struct oqueue q;
	uint64_t base = 1000, out_of_order = 0, last_flushed = 0;
	int step;

	memset(&m, 0, sizeof(m));
	m.stop_after = -1;
	rng_state = 0x9e3779b97f4a7c15ull * (seed + 1);
	oq_init(&q);
	for (step = 0; step < 400 && m.nr < MAX_ENTRIES - 100; step++) {
		unsigned int op = rnd() % 10;
		size_t from = m.nr_got;

		if (op < 6) {
			/* A burst from one "CPU": sorted, mostly newer than base. */
			uint64_t t = base - rnd() % 50;
			size_t n = 1 + rnd() % 40;

			while (n--) {
				t += rnd() % 4;
				out_of_order += t < last_flushed;
				queue(&q, &m, t);
			}
			base += 20;
		} else if (op < 9) {
			uint64_t limit = base - rnd() % 100;
			size_t want = model_count(&m, limit);

			CHECK(oq_flush(&q, limit, deliver, &m) == 0);
			CHECK_U64(m.nr_got - from, want);
		} else {
			size_t want = q.nr_entries / 2;

			CHECK(oq_flush_half(&q, deliver, &m) == 0);
			CHECK_U64(m.nr_got - from, want);
		}
		if (!check_delivered(&m, from)) {
			CHECK(!"interleaved order");
			break;
		}
		if (m.nr_got > from)
			last_flushed = m.time[m.got[m.nr_got - 1]];
		/* Every pending entry is still in the queue. */
		CHECK_U64(q.nr_entries, model_count(&m, UINT64_MAX));
		{
			uint64_t min = UINT64_MAX;
			size_t i;

			for (i = 0; i < m.nr; i++)
				if (m.pending[i] && 1000 + i * 8 < min)
					min = 1000 + i * 8;
			CHECK_U64(oq_min_file_offset(&q), min);
		}
	}
	CHECK_U64(q.nr_out_of_order, out_of_order);
	CHECK(oq_flush(&q, UINT64_MAX, deliver, &m) == 0);
	CHECK_U64(m.nr_got, m.nr);
	oq_exit(&q);
}

/* flush(limit) stops at the limit, inclusive; equal times all go. */
static void test_flush_limit(void)
{
	static struct model m;
	struct oqueue q;
	static const uint64_t times[] = { 5, 3, 3, 9, 7, 7, 1, 10 };
	size_t i;

	memset(&m, 0, sizeof(m));
	m.stop_after = -1;
	oq_init(&q);
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		queue(&q, &m, times[i]);
	CHECK(oq_flush(&q, 0, deliver, &m) == 0);
	CHECK_U64(m.nr_got, 0);
	CHECK(oq_flush(&q, 3, deliver, &m) == 0);
	CHECK_U64(m.nr_got, 3);	/* 1, 3, 3 */
	CHECK_U64(m.got[0], 6);
	CHECK_U64(m.got[1], 1);	/* the two 3s in arrival order */
	CHECK_U64(m.got[2], 2);
	CHECK(oq_flush(&q, 7, deliver, &m) == 0);
	CHECK_U64(m.nr_got, 6);	/* 5, 7, 7 */
	CHECK_U64(m.got[3], 0);
	CHECK_U64(m.got[4], 4);
	CHECK_U64(m.got[5], 5);
	CHECK_U64(q.last_flush, 7);
	CHECK_U64(q.max_time, 10);
	/* An entry older than what was delivered: counted, delivered first. */
	queue(&q, &m, 2);
	CHECK_U64(q.nr_out_of_order, 1);
	CHECK(oq_flush(&q, UINT64_MAX, deliver, &m) == 0);
	CHECK_U64(m.nr_got, 9);
	CHECK_U64(m.got[6], 8);	/* time 2 */
	CHECK_U64(m.got[7], 3);	/* 9 */
	CHECK_U64(m.got[8], 7);	/* 10 */
	oq_exit(&q);
}

/* A failing delivery stops the flush; the rest stays queued, in order. */
static void test_deliver_error(void)
{
	static struct model m;
	struct oqueue q;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.stop_after = 3;
	oq_init(&q);
	for (i = 0; i < 10; i++)
		queue(&q, &m, 100 - i * 10 + (i % 2) * 35);
	CHECK(oq_flush(&q, UINT64_MAX, deliver, &m) == -ECANCELED);
	CHECK_U64(m.nr_got, 3);
	CHECK_U64(q.nr_entries, 7);
	m.stop_after = -1;
	CHECK(oq_flush(&q, UINT64_MAX, deliver, &m) == 0);
	CHECK_U64(m.nr_got, 10);
	CHECK(check_delivered(&m, 0));
	oq_exit(&q);
}

/* Closing with entries queued (an error stopped the session) frees them:
 * under ASan this catches use after free and leaks (regression: oq_exit
 * read the tail run after freeing it). */
static void test_exit_with_entries(void)
{
	static struct model m;
	struct oqueue q;
	int round;

	for (round = 0; round < 3; round++) {
		size_t i;

		memset(&m, 0, sizeof(m));
		m.stop_after = -1;
		oq_init(&q);
		for (i = 0; i < 2000; i++)
			queue(&q, &m, rnd() % 1000);
		if (round == 1)
			CHECK(oq_flush(&q, 500, deliver, &m) == 0);
		if (round == 2)
			CHECK(oq_flush_half(&q, deliver, &m) == 0);
		oq_exit(&q);
		CHECK_U64(q.nr_entries, 0);
	}
}

/* After warm-up, a steady queue/flush cycle allocates no new blocks. */
static void test_no_growth(void)
{
	static struct model m;
	struct oqueue q;
	size_t blocks = 0;
	int cycle;

	oq_init(&q);
	for (cycle = 0; cycle < 50; cycle++) {
		size_t i;

		memset(&m, 0, sizeof(m));
		m.stop_after = -1;
		for (i = 0; i < 4000; i++)
			queue(&q, &m, (uint64_t)cycle * 10000 + (i % 4) * 2000 + i / 4);
		CHECK(oq_flush(&q, UINT64_MAX, deliver, &m) == 0);
		CHECK_U64(m.nr_got, 4000);
		if (cycle == 5)
			blocks = q.nr_blocks;
	}
	CHECK_U64(q.nr_blocks, blocks);
	oq_exit(&q);
}

int main(void)
{
	unsigned int seed;

	test_sorted_runs();
	for (seed = 0; seed < 30; seed++)
		test_interleaved(seed);
	test_flush_limit();
	test_deliver_error();
	test_exit_with_entries();
	test_no_growth();
	CHECK_DONE();
}
