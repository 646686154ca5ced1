// SPDX-License-Identifier: Apache-2.0
/*
 * oqueue.c - timestamp ordering of records (see oqueue.h for the design).
 *
 * Why this matches perf: perf's ordered_events keeps one sorted list and
 * inserts each event after every queued event with a timestamp <= its own,
 * so ties keep arrival order.  Here an entry is appended to the newest run
 * when it does not go back in time, otherwise it opens a new run; runs are
 * merged on (head time, run sequence), and since a run's entries all arrived
 * before any entry of a later run, ties again come out in arrival order.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oqueue.h"

/* Blocks grow from 8 to 512 entries along a run: shuffled input (many tiny
 * runs) stays small, long sorted runs amortise the block headers. */
#define OQ_BLOCK_MIN 8
#define OQ_BLOCK_MAX 512

struct oq_block {
	struct oq_block *next;
	uint32_t cap;
	struct oq_entry e[];
};

struct oq_run {
	uint64_t head_time;		/* time of the head entry: heap key, no pointer chase */
	uint64_t seq;			/* creation order: tie breaker */
	struct oq_block *first, *last;
	uint32_t head;			/* next entry to deliver, in first */
	uint32_t tail;			/* next free slot, in last */
	uint64_t last_time;		/* time of the newest entry */
	size_t heap_idx;
	bool in_heap;
	struct oq_run *next_free;
};

void oq_init(struct oqueue *q)
{
	memset(q, 0, sizeof(*q));
}

static void free_block_list(struct oq_block *b)
{
	while (b) {
		struct oq_block *next = b->next;

		free(b);
		b = next;
	}
}

void oq_exit(struct oqueue *q)
{
	/* Decide before the heap is freed: the tail is usually one of its runs. */
	struct oq_run *lone_tail = q->tail && !q->tail->in_heap ? q->tail : NULL;
	size_t i;

	for (i = 0; i < q->heap_nr; i++) {
		free_block_list(q->heap[i]->first);
		free(q->heap[i]);
	}
	if (lone_tail) {
		free_block_list(lone_tail->first);
		free(lone_tail);
	}
	while (q->free_runs) {
		struct oq_run *r = q->free_runs;

		q->free_runs = r->next_free;
		free(r);
	}
	for (i = 0; i < OQ_NR_CLASSES; i++)
		free_block_list(q->free_blocks[i]);
	free(q->heap);
	memset(q, 0, sizeof(*q));
}

/* Size class of a block capacity: 8 -> 0, 16 -> 1, ... 512 -> 6. */
static unsigned int block_class(uint32_t cap)
{
	return (unsigned int)__builtin_ctz(cap) - __builtin_ctz(OQ_BLOCK_MIN);
}

static struct oq_block *block_get(struct oqueue *q, uint32_t cap)
{
	struct oq_block *b = q->free_blocks[block_class(cap)];

	if (b) {
		q->free_blocks[block_class(cap)] = b->next;
		b->next = NULL;
		return b;
	}
	b = malloc(sizeof(*b) + (size_t)cap * sizeof(struct oq_entry));
	if (!b)
		return NULL;
	b->next = NULL;
	b->cap = cap;
	q->nr_blocks++;
	return b;
}

static void block_put(struct oqueue *q, struct oq_block *b)
{
	/* Keep a bounded free list: large runs of blocks go back to malloc. */
	if (q->nr_blocks > 4096) {
		free(b);
		q->nr_blocks--;
		return;
	}
	b->next = q->free_blocks[block_class(b->cap)];
	q->free_blocks[block_class(b->cap)] = b;
}

static struct oq_run *run_get(struct oqueue *q)
{
	struct oq_run *r = q->free_runs;

	if (r)
		q->free_runs = r->next_free;
	else
		r = malloc(sizeof(*r));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->seq = q->next_run_seq++;
	return r;
}

static void run_put(struct oqueue *q, struct oq_run *r)
{
	struct oq_block *b = r->first;

	while (b) {
		struct oq_block *next = b->next;

		block_put(q, b);
		b = next;
	}
	r->next_free = q->free_runs;
	q->free_runs = r;
}

static inline bool run_less(const struct oq_run *a, const struct oq_run *b)
{
	return a->head_time < b->head_time || (a->head_time == b->head_time && a->seq < b->seq);
}

static void heap_swap(struct oqueue *q, size_t i, size_t j)
{
	struct oq_run *t = q->heap[i];

	q->heap[i] = q->heap[j];
	q->heap[j] = t;
	q->heap[i]->heap_idx = i;
	q->heap[j]->heap_idx = j;
}

static void heap_up(struct oqueue *q, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!run_less(q->heap[i], q->heap[p]))
			break;
		heap_swap(q, i, p);
		i = p;
	}
}

static void heap_down(struct oqueue *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->heap_nr && run_less(q->heap[l], q->heap[m]))
			m = l;
		if (r < q->heap_nr && run_less(q->heap[r], q->heap[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(q, i, m);
		i = m;
	}
}

static int heap_push(struct oqueue *q, struct oq_run *r)
{
	if (q->heap_nr == q->heap_cap) {
		size_t cap = q->heap_cap ? q->heap_cap * 2 : 64;
		struct oq_run **h = realloc(q->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		q->heap = h;
		q->heap_cap = cap;
	}
	r->heap_idx = q->heap_nr;
	r->in_heap = true;
	q->heap[q->heap_nr++] = r;
	heap_up(q, r->heap_idx);
	return 0;
}

static void heap_pop_top(struct oqueue *q)
{
	q->heap[0]->in_heap = false;
	q->heap_nr--;
	if (q->heap_nr) {
		q->heap[0] = q->heap[q->heap_nr];
		q->heap[0]->heap_idx = 0;
		heap_down(q, 0);
	}
}

int oq_queue(struct oqueue *q, const struct oq_entry *e)
{
	struct oq_run *r = q->tail;

	if (e->time < q->last_flush)
		q->nr_out_of_order++;
	if (!r || e->time < r->last_time) {
		struct oq_block *b;

		r = run_get(q);
		if (!r)
			return -ENOMEM;
		b = block_get(q, OQ_BLOCK_MIN);
		if (!b) {
			r->next_free = q->free_runs;
			q->free_runs = r;
			return -ENOMEM;
		}
		r->first = r->last = b;
		/* The old tail stays in the heap if it has entries; else it is
		 * already gone (freed when it emptied). */
		q->tail = r;
	} else if (r->tail == r->last->cap) {
		uint32_t cap = r->last->cap * 2;
		struct oq_block *b;

		b = block_get(q, cap > OQ_BLOCK_MAX ? OQ_BLOCK_MAX : cap);
		if (!b)
			return -ENOMEM;
		r->last->next = b;
		r->last = b;
		r->tail = 0;
	}
	r->last->e[r->tail++] = *e;
	r->last_time = e->time;
	q->nr_entries++;
	if (e->time > q->max_time)
		q->max_time = e->time;
	if (!r->in_heap) {
		r->head_time = e->time;
		return heap_push(q, r);
	}
	return 0;
}

/* Deliver the top run's head entry and fix the run and the heap. */
static int pop_one(struct oqueue *q, oq_deliver_fn fn, void *arg)
{
	struct oq_run *r = q->heap[0];
	struct oq_entry e = r->first->e[r->head];
	bool empty;

	r->head++;
	if (r->first == r->last) {
		empty = r->head == r->tail;
	} else {
		empty = false;
		if (r->head == r->first->cap) {
			struct oq_block *b = r->first;

			r->first = b->next;
			r->head = 0;
			block_put(q, b);
		}
	}
	if (empty) {
		heap_pop_top(q);
		if (q->tail == r)
			q->tail = NULL;
		run_put(q, r);
	} else {
		r->head_time = r->first->e[r->head].time;
		/* Sorted runs: the top usually stays the smallest; skip the sift
		 * when neither child is smaller. */
		if (q->heap_nr > 1 && (run_less(q->heap[1], r) ||
				       (q->heap_nr > 2 && run_less(q->heap[2], r))))
			heap_down(q, 0);
	}
	q->nr_entries--;
	q->last_flush = e.time;
	return fn(&e, arg);
}

int oq_flush(struct oqueue *q, uint64_t limit, oq_deliver_fn fn, void *arg)
{
	int err;

	while (q->heap_nr) {
		if (q->heap[0]->head_time > limit)
			break;
		err = pop_one(q, fn, arg);
		if (err)
			return err;
	}
	return 0;
}

int oq_flush_half(struct oqueue *q, oq_deliver_fn fn, void *arg)
{
	size_t n = q->nr_entries / 2;
	int err;

	while (n-- && q->heap_nr) {
		err = pop_one(q, fn, arg);
		if (err)
			return err;
	}
	return 0;
}

uint64_t oq_min_file_offset(const struct oqueue *q)
{
	uint64_t min = UINT64_MAX;
	size_t i;

	for (i = 0; i < q->heap_nr; i++) {
		const struct oq_run *r = q->heap[i];
		uint64_t off = r->first->e[r->head].file_offset;

		if (off < min)
			min = off;
	}
	return min;
}
