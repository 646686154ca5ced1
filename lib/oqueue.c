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
	/* Decide before the slots are freed: the tail is usually one of their runs. */
	struct oq_run *lone_tail = q->tail && !q->tail->in_tree ? q->tail : NULL;
	size_t i;

	for (i = 0; i < q->nr_slots; i++) {
		if (!q->run[i])
			continue;
		free_block_list(q->run[i]->first);
		free(q->run[i]);
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
	free(q->key);
	free(q->run);
	free(q->win);
	free(q->free_slots);
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

static const struct oq_key free_key = { UINT64_MAX, UINT64_MAX };

/* Twice the slots (at least 2), the new ones free; every match replayed.
 * Only when every slot is in use. */
static int grow_slots(struct oqueue *q)
{
	uint32_t n = q->nr_slots ? q->nr_slots * 2 : 2, i;
	struct oq_key *key;
	struct oq_run **run;
	uint32_t *win, *fs;

	if (n < q->nr_slots || n > (1u << 30))
		return -ENOMEM;
	key = malloc(n * sizeof(*key));
	run = malloc(n * sizeof(*run));
	win = malloc(2 * (size_t)n * sizeof(*win));
	fs = malloc(n * sizeof(*fs));
	if (!key || !run || !win || !fs) {
		free(key);
		free(run);
		free(win);
		free(fs);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		key[i] = i < q->nr_slots ? q->key[i] : free_key;
		run[i] = i < q->nr_slots ? q->run[i] : NULL;
		win[n + i] = i;
	}
	for (i = n - 1; i >= 1; i--) {
		uint32_t a = win[2 * i], b = win[2 * i + 1];

		win[i] = oq__key_less(&key[b], &key[a]) ? b : a;
	}
	/* Called when no slot is free: the free ones are the new, lowest on top. */
	for (i = n; i-- > q->nr_slots;)
		fs[q->nr_free++] = i;
	free(q->key);
	free(q->run);
	free(q->win);
	free(q->free_slots);
	q->key = key;
	q->run = run;
	q->win = win;
	q->free_slots = fs;
	q->nr_slots = n;
	q->depth = (uint32_t)__builtin_ctz(n);
	return 0;
}

/* Run @r, whose head entry has time @time, enters the tournament. */
static int slot_add(struct oqueue *q, struct oq_run *r, uint64_t time)
{
	uint32_t s;

	if (!q->nr_free && grow_slots(q))
		return -ENOMEM;
	s = q->free_slots[--q->nr_free];
	q->key[s].time = time;
	q->key[s].seq = q->next_run_seq++;
	q->run[s] = r;
	r->slot = s;
	r->in_tree = true;
	q->nr_runs++;
	oq__replay(q, s);
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
		/* The old tail keeps its slot if it has entries; else it is
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
	if (!r->in_tree)
		return slot_add(q, r, e->time);
	return 0;
}

void oq_pop_slow(struct oqueue *q, struct oq_run *r, struct oq_block *b)
{
	uint32_t s = r->slot;

	if (b == r->last && r->head == r->tail) {
		/* Empty: its slot is free again. */
		r->in_tree = false;
		if (q->tail == r)
			q->tail = NULL;
		run_put(q, r);
		q->key[s] = free_key;
		q->run[s] = NULL;
		q->free_slots[q->nr_free++] = s;
		q->nr_runs--;
		oq__replay(q, s);
		return;
	}
	if (r->head == b->cap) {
		r->first = b->next;
		r->head = 0;
		block_put(q, b);
	}
	q->key[s].time = r->first->e[r->head].time;
	oq__replay(q, s);
}

int oq_flush(struct oqueue *q, uint64_t limit, oq_deliver_fn fn, void *arg)
{
	int err;

	struct oq_entry e;

	while (q->nr_runs && oq_top_time(q) <= limit) {
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

	while (n-- && q->nr_runs) {
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

	for (i = 0; i < q->nr_slots; i++) {
		const struct oq_run *r = q->run[i];
		uint64_t off;

		if (!r)
			continue;
		off = r->first->e[r->head].file_offset;
		if (off < min)
			min = off;
	}
	return min;
}
