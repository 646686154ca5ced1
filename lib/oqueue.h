/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oqueue.h - the ordering queue: records in, records out in timestamp order
 * (lib-internal).
 *
 * perf writes each CPU's ring buffer in chunks, so a round of records is a
 * handful of sorted runs.  The queue keeps those runs as they arrive (an
 * append is O(1)) and merges their heads keyed by (timestamp, run number),
 * which reproduces perf's order exactly: equal timestamps come out in
 * arrival order, as in ordered-events.c.
 *
 * The merge is a tournament (winner) tree over run slots: every internal
 * node holds the slot with the smaller key of its two children, so the
 * oldest head is at the root, and after a pop only the popped slot's path
 * is replayed, log2(slots) levels of one comparison and a conditional move
 * each.  A binary heap does the same with branches on which run wins, and
 * when CPUs interleave that is a coin toss mispredicted every other record;
 * the tree's loop count is fixed by its size, so nothing there mispredicts.
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
	bool in_tree;			/* has a slot in the tree (has entries) */
	uint32_t slot;			/* its slot, while in_tree */
	struct oq_run *next_free;
};

/* A slot's key: its run's head time and the run's creation order (the tie
 * breaker); both UINT64_MAX for a free slot, which loses to every run. */
struct oq_key {
	uint64_t time;
	uint64_t seq;
};

#define OQ_NR_CLASSES 7

struct oqueue {
	/* Tournament over nr_slots (a power of two, >= 2) slots: key[s] and
	 * run[s] per slot; win[n] for n in [1, nr_slots) the winning slot of
	 * node n's subtree (children 2n, 2n + 1), win[nr_slots + s] = s. */
	struct oq_key *key;
	struct oq_run **run;
	uint32_t *win;
	uint32_t nr_slots, depth;	/* depth = log2(nr_slots) */
	uint32_t *free_slots;		/* stack of free slots */
	uint32_t nr_free;
	size_t nr_runs;			/* runs with entries (slots in use) */
	struct oq_run *tail;	/* the run new entries are appended to */
	struct oq_run *free_runs;
	struct oq_block *free_blocks[OQ_NR_CLASSES];	/* by size class */
	uint64_t next_run_seq;
	size_t nr_entries;	/* queued, not yet delivered */
	uint64_t last_flush;	/* time of the last delivered entry */
	uint64_t max_time;	/* largest time queued */
	uint64_t nr_out_of_order;
	size_t nr_blocks;	/* allocated, for the memory cap */
	struct oq_entry spare;	/* oq_pop_ref()'s copy of a block's last entry */
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

/* (time, seq) as one 128-bit comparison: no branch on data (which run holds
 * the oldest record is as good as random). */
static inline bool oq__key_less(const struct oq_key *a, const struct oq_key *b)
{
	unsigned __int128 ka = (unsigned __int128)a->time << 64 | a->seq;
	unsigned __int128 kb = (unsigned __int128)b->time << 64 | b->seq;

	return ka < kb;
}

/*
 * Slot @s's key changed: replay its matches up to the root.  The loop runs
 * q->depth times whatever the keys; the winner so far stays in registers
 * and is picked by conditional moves, and each level loads only its
 * opponent (the sibling subtree's winner, which this replay does not
 * change), so the loads do not wait for the previous level.  Real keys
 * never tie (run numbers differ); free slots tie, and either may win.
 */
static inline void oq__replay(struct oqueue *q, uint32_t s)
{
	const struct oq_key *key = q->key;
	uint32_t *win = q->win;
	uint32_t n = q->nr_slots + s, cur = s;
	uint64_t ct = key[s].time, cs = key[s].seq;

	for (uint32_t d = q->depth; d; d--) {
		uint32_t o = win[n ^ 1];
		uint64_t ot = key[o].time, os = key[o].seq;
		bool lt = ((unsigned __int128)ot << 64 | os) < ((unsigned __int128)ct << 64 | cs);

		cur = lt ? o : cur;
		ct = lt ? ot : ct;
		cs = lt ? os : cs;
		n >>= 1;
		win[n] = cur;
	}
}

/* Queue an entry made of these fields.  Return: 0 or -ENOMEM.  Inline: the
 * common case is an append to the newest run, which already has its slot.
 * Fields as arguments, not a struct: a struct built on the caller's stack
 * and copied in 16-byte halves stalls store forwarding. */
static inline int oq_push(struct oqueue *q, uint64_t time, const void *rec, uint64_t file_offset,
			  void *owner, const void *aux)
{
	struct oq_run *r = q->tail;
	struct oq_entry *slot;

	if (!r || time < r->last_time || r->tail == r->last->cap || !r->in_tree) {
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
	return q->key[q->win[1]].time;
}

/*
 * Take the oldest entry; the queue must not be empty.  Return: the entry,
 * in place (no copy): valid until the next oq_push()/oq_queue(), or a copy
 * in the queue when its block went back to the pool.
 */
static inline const struct oq_entry *oq_pop_ref(struct oqueue *q)
{
	uint32_t s = q->win[1];
	struct oq_run *r = q->run[s];
	struct oq_block *b = r->first;
	const struct oq_entry *e = &b->e[r->head++];

	q->nr_entries--;
	q->last_flush = e->time;
	if ((b == r->last && r->head == r->tail) || r->head == b->cap) {
		q->spare = *e;
		oq_pop_slow(q, r, b);
		return &q->spare;
	}
	q->key[s].time = b->e[r->head].time;
	oq__replay(q, s);
	return e;
}

/* Take the oldest entry into @e; the queue must not be empty. */
static inline void oq_pop(struct oqueue *q, struct oq_entry *e)
{
	*e = *oq_pop_ref(q);
}

#endif /* OVSPERF_OQUEUE_H */
