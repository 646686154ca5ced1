/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/backlog-depth.h - the depth of a CPU's backlog queue when a packet was
 * enqueued to it, derived from the backlog span's own events (latency
 * report, preset backlog).
 *
 * The backlog is a FIFO per CPU: every packet enqueued to CPU c before packet
 * X and still queued when X was enqueued is dequeued on c before X.  So X's
 * depth at enqueue is the number of dequeues (stage-1 events that advanced
 * some packet) on c strictly between X's enqueue and X's dequeue.  Packets
 * the recording does not follow (no enqueue event) are not counted.
 *
 * Per CPU, the times of the last BQ_KEEP dequeues are kept (a ring): a depth
 * that reaches past them is reported as at least that many (saturated).
 *
 * Cost: this runs for every packet of the backlog span, on the latency
 * report's hot path, so the ring is searched from its end (the answer is
 * nearly always among the newest few slots) without data-dependent
 * branches, the ring's pointer and count share one cache line, and the
 * totals are summed from the CPUs only when asked.  The search relies on the
 * dequeues being in time order, which is the reader's delivery order (as
 * perf's); a recording whose rounds break that order has no defined depth
 * (the walk this replaced then depended on the packets before).
 */
#ifndef OVSPERF_BACKLOG_DEPTH_H
#define OVSPERF_BACKLOG_DEPTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ovsperf/hist.h"

#define BQ_KEEP 4096			/* a power of two */
#define BQ_SLOTS 16			/* log2 slots of a depth, at most BQ_KEEP */

_Static_assert((BQ_KEEP & (BQ_KEEP - 1)) == 0 && BQ_KEEP < (1u << BQ_SLOTS),
	       "BQ_KEEP: a power of two whose log2 slot fits BQ_SLOTS");

/* One CPU: its dequeue ring (one cache line with the count), and the
 * depths of its reported packets (count = sum of the slots). */
struct bq_cpu {
	uint64_t *t;			/* ring: dequeue k in slot k % BQ_KEEP */
	uint64_t total;			/* dequeues so far */
	uint64_t sum, max;		/* depths of the reported packets */
	uint64_t saturated;		/* of them, depths past the ring */
	uint64_t pad[3];		/* the histogram starts a new line */
	uint64_t slots[BQ_SLOTS];	/* log2 histogram of their depths */
} __attribute__((aligned(64)));

struct backlog_depth {
	struct bq_cpu *cpus;
	size_t ncpus;
};

void backlog_depth__exit(struct backlog_depth *d);
int backlog_depth__dequeue_slow(struct backlog_depth *d, uint32_t cpu, uint64_t t);
int backlog_depth__add_slow(struct backlog_depth *d, uint32_t cpu, uint32_t qdepth);
/* How many of CPU @c's kept dequeues are after @t; for a depth that
 * reaches past the last BQ_DEPTH_WINDOW. */
uint64_t backlog_depth__count_after(const struct bq_cpu *c, uint64_t t);

/* A packet left CPU @cpu's backlog at @t (time order). */
static inline int backlog_depth__dequeue(struct backlog_depth *d, uint32_t cpu, uint64_t t)
{
	struct bq_cpu *c;

	if (__builtin_expect(cpu >= d->ncpus || !d->cpus[cpu].t, 0))
		return backlog_depth__dequeue_slow(d, cpu, t);
	c = &d->cpus[cpu];
	c->t[c->total++ & (BQ_KEEP - 1)] = t;
	return 0;
}

/*
 * The depth at enqueue of a packet enqueued at @t0 and dequeued at @t1 on
 * @cpu (after its own dequeue was fed), as struct span_rec's qdepth: depth
 * + 1, bit 31 set when it reaches past the kept dequeues (saturated).
 *
 * The dequeues come in time order, so those after t0 are the newest ones,
 * and among them those at or after t1 (the packet's own, later ones) the
 * newest again: the depth is the difference of two counts over the end of
 * the ring.  Those after t0 are found among the last BQ_DEPTH_WINDOW slots
 * by a binary search without branches (a slot's value cannot mispredict),
 * which answers nearly every packet; only a count that fills the window goes
 * on over the whole ring.  Those at or after t1 are walked from the end: one
 * step, the packet's own, unless its span completed after later dequeues.
 * Dequeue k (from 0) sits in slot k % BQ_KEEP while k >= total - BQ_KEEP.
 */
#define BQ_DEPTH_WINDOW 8

static inline uint32_t bq_cpu__qdepth(const struct bq_cpu *c, uint64_t t0, uint64_t t1,
				      uint64_t after1)
{
	const uint64_t m = BQ_KEEP - 1, *t = c->t, total = c->total;
	uint64_t kept = total < BQ_KEEP ? total : BQ_KEEP, after0 = 0;
	uint32_t sat = 0;

	if (__builtin_expect(kept >= BQ_DEPTH_WINDOW, 1)) {
		uint64_t b = total - BQ_DEPTH_WINDOW, le = 0;	/* slots at or before t0 */

		/* Three halvings find le up to 7; le = 8 (the newest dequeue
		 * at or before t0) reads as 7, one dequeue after t0 too many,
		 * which changes nothing: the newest is at or after t1 >= t0, so
		 * then t0 = t1 = its time and it is counted at or after t1 too. */
		le += (uint64_t)(t[(b + 3) & m] <= t0) << 2;
		le += (uint64_t)(t[(b + le + 1) & m] <= t0) << 1;
		le += t[(b + le) & m] <= t0;
		after0 = BQ_DEPTH_WINDOW - le;
		if (__builtin_expect(!le, 0)) {
			after0 = backlog_depth__count_after(c, t0);
			sat = after0 == kept && total > BQ_KEEP;
		}
	} else {
		while (after0 < kept && t[(total - 1 - after0) & m] > t0)
			after0++;
	}
	/* Those at or after t1 from the end (@after1 known already): usually
	 * none but the packet's own. */
	while (after1 < kept && t[(total - 1 - after1) & m] >= t1)
		after1++;
	return ((after0 > after1 ? (uint32_t)(after0 - after1) : 0) + 1) | sat << 31;
}

static inline uint32_t backlog_depth__qdepth(const struct backlog_depth *d, uint32_t cpu,
					     uint64_t t0, uint64_t t1)
{
	if (__builtin_expect(cpu >= d->ncpus || !d->cpus[cpu].total, 0))
		return 1;
	return bq_cpu__qdepth(&d->cpus[cpu], t0, t1, 0);
}

/* The packet enqueued at @t0 left CPU @cpu's backlog at @t, completing its
 * span: backlog_depth__dequeue() and backlog_depth__qdepth() in one, the
 * qdepth in *@qdepth. */
static inline int backlog_depth__dequeue_last(struct backlog_depth *d, uint32_t cpu,
					      uint64_t t, uint64_t t0, uint32_t *qdepth)
{
	struct bq_cpu *c;
	int err;

	if (__builtin_expect(cpu >= d->ncpus || !d->cpus[cpu].t, 0)) {
		err = backlog_depth__dequeue_slow(d, cpu, t);
		*qdepth = backlog_depth__qdepth(d, cpu, t0, t);
		return err;
	}
	c = &d->cpus[cpu];
	c->t[c->total++ & (BQ_KEEP - 1)] = t;
	*qdepth = bq_cpu__qdepth(c, t0, t, 1);	/* its own: at t */
	return 0;
}

/* Count a reported packet's depth, @qdepth as backlog_depth__qdepth() gave
 * it (per CPU only: the totals are summed from the CPUs when asked). */
static inline int backlog_depth__add(struct backlog_depth *d, uint32_t cpu, uint32_t qdepth)
{
	uint32_t depth = (qdepth & 0x7fffffffu) - 1;
	struct bq_cpu *c;

	if (__builtin_expect(cpu >= d->ncpus, 0))
		return backlog_depth__add_slow(d, cpu, qdepth);
	c = &d->cpus[cpu];
	c->slots[hist_log2__slot(depth)]++;
	c->sum += depth;
	c->max = depth > c->max ? depth : c->max;
	c->saturated += qdepth >> 31;
	return 0;
}

/* The depths as the model's "backlog_depth" object. */
json_t *backlog_depth__json(const struct backlog_depth *d);

#endif /* OVSPERF_BACKLOG_DEPTH_H */
