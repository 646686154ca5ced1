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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oq_entry {
	uint64_t time;
	const void *rec;	/* the record (borrowed: file map or arena) */
	uint64_t file_offset;	/* offset in the file, 0 in pipe mode */
	void *owner;		/* arena chunk to release after delivery, or NULL */
	const void *aux;	/* the caller's, carried along (the sample's evsel) */
};

struct oq_block {
	struct oq_block *next;
	uint32_t cap;
	struct oq_entry e[];
};

struct oq_run {
	struct oq_block *first, *last;
	uint32_t head;			/* next entry to deliver, in first */
	uint32_t tail;			/* next free slot, in last */
	uint64_t last_time;		/* time of the newest entry */
	bool in_heap;
	struct oq_run *next_free;
};

/* A heap node: the run's head time and sequence are kept in the node, so a
 * comparison touches only the heap array. */
struct oq_hnode {
	uint64_t time;			/* time of the run's head entry */
	uint64_t seq;			/* the run's creation order: tie breaker */
	struct oq_run *run;
};

#define OQ_NR_CLASSES 7

struct oqueue {
	struct oq_hnode *heap;	/* runs with entries, min-heap on (head time, run seq);
				 * heap[heap_nr] and heap[heap_nr + 1] are sentinels */
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

/* Deliver, in order, every entry with time <= @limit (all with UINT64_MAX). */
int oq_flush(struct oqueue *q, uint64_t limit, oq_deliver_fn fn, void *arg);

/* Deliver the oldest half of the queued entries (memory pressure). */
int oq_flush_half(struct oqueue *q, oq_deliver_fn fn, void *arg);

/* Smallest file offset among queued file-backed entries (UINT64_MAX if none):
 * everything of the file before it has been delivered. */
uint64_t oq_min_file_offset(const struct oqueue *q);

/* Slow paths of the inline functions below (oqueue.c). */
int oq_queue_slow(struct oqueue *q, const struct oq_entry *e);
void oq_pop_slow(struct oqueue *q, struct oq_run *r, struct oq_block *b);
void oq_sift_top(struct oqueue *q);

/* (time, seq) as one 128-bit comparison: no branch on data (which run holds
 * the oldest record is as good as random). */
static inline bool oq__node_less(const struct oq_hnode *a, const struct oq_hnode *b)
{
	unsigned __int128 ka = (unsigned __int128)a->time << 64 | a->seq;
	unsigned __int128 kb = (unsigned __int128)b->time << 64 | b->seq;

	return ka < kb;
}

/* Queue an entry made of these fields.  Return: 0 or -ENOMEM.  Inline: the
 * common case is an append to the newest run, which is already in the heap.
 * Fields as arguments, not a struct: a struct built on the caller's stack
 * and copied in 16-byte halves stalls store forwarding. */
static inline int oq_push(struct oqueue *q, uint64_t time, const void *rec, uint64_t file_offset,
			  void *owner, const void *aux)
{
	struct oq_run *r = q->tail;
	struct oq_entry *slot;

	if (!r || time < r->last_time || r->tail == r->last->cap || !r->in_heap) {
		struct oq_entry e = { time, rec, file_offset, owner, aux };

		return oq_queue_slow(q, &e);
	}
	if (time < q->last_flush)
		q->nr_out_of_order++;
	slot = &r->last->e[r->tail++];
	slot->time = time;
	slot->rec = rec;
	slot->file_offset = file_offset;
	slot->owner = owner;
	slot->aux = aux;
	r->last_time = time;
	q->nr_entries++;
	if (time > q->max_time)
		q->max_time = time;
	return 0;
}

/* Queue a copy of @e.  Return: 0 or -ENOMEM. */
static inline int oq_queue(struct oqueue *q, const struct oq_entry *e)
{
	return oq_push(q, e->time, e->rec, e->file_offset, e->owner, e->aux);
}

/* Time of the oldest queued entry; the queue must not be empty. */
static inline uint64_t oq_top_time(const struct oqueue *q)
{
	return q->heap[0].time;
}

/* Take the oldest entry into @e; the queue must not be empty. */
static inline void oq_pop(struct oqueue *q, struct oq_entry *e)
{
	struct oq_hnode *top = &q->heap[0];
	struct oq_run *r = top->run;
	struct oq_block *b = r->first;

	*e = b->e[r->head++];
	q->nr_entries--;
	q->last_flush = e->time;
	if ((b == r->last && r->head == r->tail) || r->head == b->cap) {
		oq_pop_slow(q, r, b);
		return;
	}
	top->time = b->e[r->head].time;
	/* Sorted runs: the top often stays the smallest; no sift then. */
	/* heap[heap_nr] is a sentinel larger than any node: no bounds tests. */
	if ((int)oq__node_less(&q->heap[1], top) | (int)oq__node_less(&q->heap[2], top))
		oq_sift_top(q);
}

#endif /* OVSPERF_OQUEUE_H */
