/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oqueue.h - the ordering queue: records in, records out in timestamp order
 * (lib-internal).
 *
 * perf writes each CPU's ring buffer in chunks, so a round of records is a
 * handful of sorted runs.  The queue keeps those runs as they arrive (an
 * append is O(1)) and merges their heads with a small heap keyed by
 * (timestamp, run number), which reproduces perf's order exactly: equal
 * timestamps come out in arrival order, as in ordered-events.c.
 *
 * Entries and run blocks come from free lists: after warm-up, queueing and
 * flushing allocate nothing.
 */
#ifndef OVSPERF_OQUEUE_H
#define OVSPERF_OQUEUE_H

#include <stddef.h>
#include <stdint.h>

struct oq_entry {
	uint64_t time;
	const void *rec;	/* the record (borrowed: file map or arena) */
	uint64_t file_offset;	/* offset in the file, 0 in pipe mode */
	void *owner;		/* arena chunk to release after delivery, or NULL */
	const void *aux;	/* the caller's, carried along (the sample's evsel) */
};

struct oq_run;
struct oq_block;

#define OQ_NR_CLASSES 7

struct oqueue {
	struct oq_run **heap;	/* runs with entries, min-heap on head entry */
	size_t heap_nr, heap_cap;
	struct oq_run *tail;	/* the run new entries are appended to */
	struct oq_run *free_runs;
	struct oq_block *free_blocks[OQ_NR_CLASSES];	/* by size class */
	uint64_t next_run_seq;
	size_t nr_entries;	/* queued, not yet delivered */
	uint64_t last_flush;	/* time of the last delivered entry */
	uint64_t max_time;	/* largest time queued */
	uint64_t nr_out_of_order;
	size_t nr_blocks;	/* allocated, for the memory cap */
};

/* Called for each delivered entry; a negative return stops the flush. */
typedef int (*oq_deliver_fn)(const struct oq_entry *e, void *arg);

void oq_init(struct oqueue *q);
void oq_exit(struct oqueue *q);

/* Queue a copy of @e.  Return: 0 or -ENOMEM. */
int oq_queue(struct oqueue *q, const struct oq_entry *e);

/* Deliver, in order, every entry with time <= @limit (all with UINT64_MAX). */
int oq_flush(struct oqueue *q, uint64_t limit, oq_deliver_fn fn, void *arg);

/* Deliver the oldest half of the queued entries (memory pressure). */
int oq_flush_half(struct oqueue *q, oq_deliver_fn fn, void *arg);

/* Smallest file offset among queued file-backed entries (UINT64_MAX if none):
 * everything of the file before it has been delivered. */
uint64_t oq_min_file_offset(const struct oqueue *q);

#endif /* OVSPERF_OQUEUE_H */
