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
		free_block_list(q->heap[i].run->first);
		free(q->heap[i].run);
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

/* Sift node @x down from the hole at @i (the hole method: one write per level). */
static void heap_sift_down(struct oqueue *q, size_t i, struct oq_hnode x)
{
	struct oq_hnode *h = q->heap;
	size_t n = q->heap_nr;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		/* h[n] is the sentinel: the right child needs no bounds test. */
		c += oq__node_less(&h[c + 1], &h[c]);
		if (!oq__node_less(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/* Nodes larger than any real one after the last node: the sift and the pop
 * compare children without testing the heap's size. */
static void set_sentinels(struct oqueue *q)
{
	const struct oq_hnode sent = { UINT64_MAX, UINT64_MAX, NULL };

	q->heap[q->heap_nr] = sent;
	q->heap[q->heap_nr + 1] = sent;
}

static int heap_push(struct oqueue *q, struct oq_run *r, uint64_t time)
{
	struct oq_hnode x = { time, q->next_run_seq++, r };
	size_t i;

	if (q->heap_nr == q->heap_cap) {
		size_t cap = q->heap_cap ? q->heap_cap * 2 : 64;
		/* Two more: the sentinels after the last node. */
		struct oq_hnode *h = realloc(q->heap, (cap + 2) * sizeof(*h));

		if (!h)
			return -ENOMEM;
		q->heap = h;
		q->heap_cap = cap;
	}
	r->in_heap = true;
	i = q->heap_nr++;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!oq__node_less(&x, &q->heap[p]))
			break;
		q->heap[i] = q->heap[p];
		i = p;
	}
	q->heap[i] = x;
	set_sentinels(q);
	return 0;
}

int oq_queue_slow(struct oqueue *q, const struct oq_entry *e)
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
	if (!r->in_heap)
		return heap_push(q, r, e->time);
	return 0;
}

void oq_pop_slow(struct oqueue *q, struct oq_run *r, struct oq_block *b)
{
	struct oq_hnode *top = &q->heap[0];

	if (b == r->last) {
		/* Empty: the last node fills the hole at the top. */
		r->in_heap = false;
		if (q->tail == r)
			q->tail = NULL;
		run_put(q, r);
		if (--q->heap_nr) {
			struct oq_hnode x = q->heap[q->heap_nr];

			set_sentinels(q);
			heap_sift_down(q, 0, x);
		} else {
			set_sentinels(q);
		}
		return;
	}
	if (r->head == b->cap) {
		r->first = b->next;
		r->head = 0;
		block_put(q, b);
	}
	top->time = r->first->e[r->head].time;
	if ((int)oq__node_less(&q->heap[1], top) | (int)oq__node_less(&q->heap[2], top))
		heap_sift_down(q, 0, *top);
}

void oq_sift_top(struct oqueue *q)
{
	heap_sift_down(q, 0, q->heap[0]);
}

int oq_flush(struct oqueue *q, uint64_t limit, oq_deliver_fn fn, void *arg)
{
	int err;

	struct oq_entry e;

	while (q->heap_nr && q->heap[0].time <= limit) {
		oq_pop(q, &e);
		err = fn(&e, arg);
		if (err)
			return err;
	}
	return 0;
}

int oq_flush_half(struct oqueue *q, oq_deliver_fn fn, void *arg)
{
	size_t n = q->nr_entries / 2;
	int err;

	struct oq_entry e;

	while (n-- && q->heap_nr) {
		oq_pop(q, &e);
		err = fn(&e, arg);
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
		const struct oq_run *r = q->heap[i].run;
		uint64_t off = r->first->e[r->head].file_offset;

		if (off < min)
			min = off;
	}
	return min;
}
