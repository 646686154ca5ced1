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
 */
#ifndef OVSPERF_BACKLOG_DEPTH_H
#define OVSPERF_BACKLOG_DEPTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ovsperf/hist.h"

#define BQ_KEEP 4096

struct bq_cpu {
	uint64_t *t;			/* ring of dequeue times, BQ_KEEP slots */
	size_t head, n;
	bool wrapped;			/* dequeues were dropped from the ring */
	uint64_t total;			/* dequeues so far */
	uint64_t cursor;		/* first dequeue after the last enqueue asked */
	uint64_t count, sum, max;	/* depths of the reported packets */
};

struct backlog_depth {
	struct bq_cpu *cpus;
	size_t ncpus;
	struct hist_log2 hist;		/* depths of the reported packets */
	uint64_t count, sum, max, saturated;
};

void backlog_depth__exit(struct backlog_depth *d);
/* A packet left CPU @cpu's backlog at @t (time order). */
int backlog_depth__dequeue(struct backlog_depth *d, uint32_t cpu, uint64_t t);
/* The depth at enqueue of a packet enqueued at @t0 and dequeued at @t1 on
 * @cpu (after its own dequeue was fed); *@saturated when it reaches past the
 * kept dequeues. */
uint32_t backlog_depth__at(struct backlog_depth *d, uint32_t cpu, uint64_t t0, uint64_t t1,
			   bool *saturated);
/* Count a reported packet's depth. */
int backlog_depth__add(struct backlog_depth *d, uint32_t cpu, uint32_t depth, bool saturated);

/* The depths as the model's "backlog_depth" object. */
json_t *backlog_depth__json(const struct backlog_depth *d);

#endif /* OVSPERF_BACKLOG_DEPTH_H */
