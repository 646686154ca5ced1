// SPDX-License-Identifier: Apache-2.0
/*
 * engine/span.c - the span engine of the latency report (see engine/span.h for the policy).
 *
 * Pending keys: a hash table (ovsperf/hmap.h) of nodes taken from
 * 1024-node chunks with a free list, so a steady stream of packets
 * allocates nothing once the pool has grown to the number of packets in
 * flight.  Completed spans and hops go to arrays that double when full.
 * LOST windows are collected, then merged and matched against the records
 * by binary search at the end: a span that completes before its window's
 * LOST record is delivered must still be discarded, so this cannot be
 * decided on the fly.
 *
 * Open spans are also on a list in the order of their start (an event at
 * time t only ever appends a start at t, and a clone's copy goes right after
 * its parent, which has the same start), so the ones a timeout or the cap
 * ends are at its head: expiring costs nothing per event but one compare
 * with expire_at, a time never later than the oldest span's expiry.
 *
 * Stream mode (span_engine__stream()): completed spans and hops wait in two
 * fixed rings instead, and go to the caller's sinks, flagged against the
 * windows known then, once the caller says no later window can reach them
 * (span_engine__flush()) or when a ring is full (the oldest goes first).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/hash.h"
#include "ovsperf/hmap.h"
#include "engine/span.h"

#define NODES_PER_CHUNK 1024
/* First size of the stream mode's rings (they grow to the hold). */
#define RING_MIN 256

/* A pending key. */
struct pend {
	struct ovp_hmap_node node;	/* in pend by key; node.next links the free list */
	struct pend *older, *newer;	/* the age list (by start time) */
	uint64_t key;
	uint64_t t[SPAN_MAX_STAGES];	/* times of the stages reached */
	uint32_t cpu[SPAN_MAX_STAGES];
	uint8_t alt[SPAN_MAX_STAGES];
	uint8_t stage;			/* last stage reached */
	uint32_t attr;
};

struct chunk {
	struct chunk *next;
	struct pend nodes[NODES_PER_CHUNK];
};

struct window {
	uint64_t lo, hi;
};

struct span_engine {
	unsigned int nr_stages;
	struct ovp_hmap pend;		/* struct pend by key */
	struct pend *free_nodes;
	struct chunk *chunks;
	struct span_rec *recs;
	size_t nr_recs, cap_recs;
	struct span_hop *hops;
	size_t nr_hops, cap_hops;
	struct window *windows;
	size_t nr_windows, cap_windows;
	bool windows_dirty;		/* windows added since the last merge */
	struct span_counts counts;
	/* Expiry (span_engine__set_expiry()). */
	struct pend *oldest, *newest;	/* the age list's two ends */
	uint64_t timeout;		/* ns; UINT64_MAX = never */
	size_t max_open;		/* most open spans; SIZE_MAX = no cap */
	uint64_t expire_at;		/* <= the oldest span's start + timeout */
	bool finished;
	struct span_rec *last;		/* the record the last completion made */
	/* Stream mode: rings of held records and hops, and the sinks. */
	span_rec_fn on_rec;
	span_hop_fn on_hop;
	void *sink_ctx;
	size_t hold;			/* most held of each; 0 = not streaming */
	bool span_is_hop;		/* two stages, no hop sink: hops not kept */
	struct span_rec *ring_recs;
	size_t head_recs, nr_held_recs, cap_ring_recs;
	struct span_hop *ring_hops;
	size_t head_hops, nr_held_hops, cap_ring_hops;
};

/* Keys come from the recording: the seeded hash (no crafted collisions). */
static inline size_t hash_key(uint64_t key)
{
	return (size_t)ovp_hash64(key);
}

/* The pending span of @key (whose hash is @hash), or NULL. */
static inline struct pend *find(const struct span_engine *e, uint64_t key, size_t hash)
{
	struct pend *p;

	OVP_HMAP_FOR_EACH_WITH_HASH (p, node, hash, &e->pend)
		if (p->key == key)
			return p;
	return NULL;
}

static inline struct pend *lookup(const struct span_engine *e, uint64_t key)
{
	return find(e, key, hash_key(key));
}

static inline size_t nr_pending(const struct span_engine *e)
{
	return ovp_hmap_count(&e->pend);
}

/* Grow an array of @size-byte elements so that one more fits. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	if (ncap > SIZE_MAX / size)
		return ovp_err(-ENOMEM, "span: too many records");
	p = realloc(*arr, ncap * size);
	if (!p)
		return ovp_err(-ENOMEM, "span: out of memory for %zu records", ncap);
	*arr = p;
	*cap = ncap;
	return 0;
}

int span_engine__new(struct span_engine **out, unsigned int nr_stages)
{
	struct span_engine *e;

	*out = NULL;
	if (nr_stages < 2 || nr_stages > SPAN_MAX_STAGES)
		return ovp_err(-EINVAL, "a span needs 2 to %d stages, not %u", SPAN_MAX_STAGES,
			       nr_stages);
	e = calloc(1, sizeof(*e));
	if (!e)
		return ovp_err(-ENOMEM, "out of memory");
	e->nr_stages = nr_stages;
	e->timeout = UINT64_MAX;
	e->max_open = SIZE_MAX;
	e->expire_at = UINT64_MAX;
	ovp_hmap_init(&e->pend);
	/* The first size of the former table (a failure means growing later). */
	(void)ovp_hmap_reserve(&e->pend, 1024);
	*out = e;
	return 0;
}

void span_engine__delete(struct span_engine *e)
{
	struct chunk *c, *next;

	if (!e)
		return;
	for (c = e->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	ovp_hmap_exit(&e->pend);
	free(e->recs);
	free(e->hops);
	free(e->ring_recs);
	free(e->ring_hops);
	free(e->windows);
	free(e);
}

static struct pend *node_get(struct span_engine *e);
static void node_put(struct span_engine *e, struct pend *p);

/* End the oldest open span: expired (and unfinished) at the stage it reached. */
static void expire_oldest(struct span_engine *e)
{
	struct pend *p = e->oldest;

	e->counts.expired[p->stage]++;
	e->counts.unfinished[p->stage]++;
	node_put(e, p);
}

/* The clock is at @now: end the spans that started more than the timeout
 * before it, and say when the next one may. */
static void __attribute__((noinline)) expire(struct span_engine *e, uint64_t now)
{
	while (e->oldest && now > e->oldest->t[0] && now - e->oldest->t[0] > e->timeout)
		expire_oldest(e);
	if (!e->oldest)
		e->expire_at = UINT64_MAX;
	else
		e->expire_at = e->oldest->t[0] > UINT64_MAX - e->timeout ? UINT64_MAX :
			       e->oldest->t[0] + e->timeout;
}

/* One more span is about to open: at the cap, the oldest gives way. */
static inline void make_room(struct span_engine *e)
{
	if (nr_pending(e) < e->max_open)
		return;
	expire_oldest(e);
	e->counts.expired_cap++;
}

int span_engine__set_expiry(struct span_engine *e, uint64_t timeout_ns, size_t max_open)
{
	if (nr_pending(e) || e->counts.started)
		return ovp_err(-EINVAL, "span: expiry must be set before the first event");
	e->timeout = timeout_ns ? timeout_ns : UINT64_MAX;
	e->max_open = max_open ? max_open : SIZE_MAX;
	return 0;
}

static struct pend *node_get(struct span_engine *e)
{
	struct pend *p;

	if (!e->free_nodes) {
		struct chunk *c = malloc(sizeof(*c));
		int i;

		if (!c)
			return NULL;
		c->next = e->chunks;
		e->chunks = c;
		for (i = NODES_PER_CHUNK - 1; i >= 0; i--) {
			c->nodes[i].node.next = e->free_nodes ? &e->free_nodes->node : NULL;
			e->free_nodes = &c->nodes[i];
		}
	}
	p = e->free_nodes;
	e->free_nodes = OVP_HMAP_OBJ(p->node.next, p, node);
	return p;
}

/* Take @p off the age list. */
static inline void age_unlink(struct span_engine *e, struct pend *p)
{
	if (p->older)
		p->older->newer = p->newer;
	else
		e->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		e->newest = p->older;
}

/* Put @p at the young end of the age list (it starts now, at its t[0]). */
static inline void age_append(struct span_engine *e, struct pend *p)
{
	p->newer = NULL;
	p->older = e->newest;
	if (e->newest) {
		e->newest->newer = p;
	} else {
		e->oldest = p;
		/* The list was empty: this span is the oldest. */
		e->expire_at = p->t[0] > UINT64_MAX - e->timeout ? UINT64_MAX :
			       p->t[0] + e->timeout;
	}
	e->newest = p;
}

/* Put @q (a clone's copy of @p, same start) right after @p. */
static inline void age_insert_after(struct span_engine *e, struct pend *p, struct pend *q)
{
	q->older = p;
	q->newer = p->newer;
	if (p->newer)
		p->newer->older = q;
	else
		e->newest = q;
	p->newer = q;
}

/* Take @p out of the table and put it on the free list. */
static void node_put(struct span_engine *e, struct pend *p)
{
	age_unlink(e, p);
	ovp_hmap_remove(&e->pend, &p->node);
	p->node.next = e->free_nodes ? &e->free_nodes->node : NULL;
	e->free_nodes = p;
}

int span_engine__stream(struct span_engine *e, span_rec_fn on_rec, span_hop_fn on_hop,
			void *ctx, size_t hold)
{
	size_t cap = hold < RING_MIN ? hold : RING_MIN;

	if (!hold || e->nr_recs || e->nr_hops)
		return ovp_err(-EINVAL, "span: stream mode must start empty, with a ring");
	e->ring_recs = calloc(cap, sizeof(*e->ring_recs));
	e->ring_hops = calloc(cap, sizeof(*e->ring_hops));
	if (!e->ring_recs || !e->ring_hops) {
		free(e->ring_recs);
		free(e->ring_hops);
		e->ring_recs = NULL;
		e->ring_hops = NULL;
		return ovp_err(-ENOMEM, "span: out of memory for %zu held records", cap);
	}
	e->cap_ring_recs = e->cap_ring_hops = cap;
	e->on_rec = on_rec;
	e->on_hop = on_hop;
	/* Two stages: a span's one hop is the span (same times, CPUs, attribute,
	 * windows); with no sink for it, it is only counted with the span. */
	e->span_is_hop = !on_hop && e->nr_stages == 2;
	e->sink_ctx = ctx;
	e->hold = hold;
	return 0;
}

static int cmp_window(const void *a, const void *b);

/* Sort and merge the windows into disjoint ones (when some were added). */
static void merge_windows(struct span_engine *e)
{
	size_t i, n = 0;

	if (!e->windows_dirty)
		return;
	e->windows_dirty = false;
	qsort(e->windows, e->nr_windows, sizeof(*e->windows), cmp_window);
	for (i = 0; i < e->nr_windows; i++) {
		if (n && e->windows[i].lo <= e->windows[n - 1].hi) {
			if (e->windows[i].hi > e->windows[n - 1].hi)
				e->windows[n - 1].hi = e->windows[i].hi;
		} else {
			e->windows[n++] = e->windows[i];
		}
	}
	e->nr_windows = n;
}

static bool overlaps(const struct window *w, size_t n, uint64_t t0, uint64_t t1);

/* Stream mode: flag the oldest held record and hand it to the sink. */
static int deliver_rec(struct span_engine *e)
{
	struct span_rec *r = &e->ring_recs[e->head_recs];

	merge_windows(e);
	if (e->nr_windows && overlaps(e->windows, e->nr_windows, r->t[0],
				      r->t[e->nr_stages - 1])) {
		r->lost = true;
		e->counts.lost_windows++;
		e->counts.lost_hops += e->span_is_hop;
	}
	e->head_recs = e->head_recs + 1 == e->cap_ring_recs ? 0 : e->head_recs + 1;
	e->nr_held_recs--;
	return e->on_rec ? e->on_rec(e->sink_ctx, r) : 0;
}

static int deliver_hop(struct span_engine *e)
{
	struct span_hop *h = &e->ring_hops[e->head_hops];

	merge_windows(e);
	if (e->nr_windows && overlaps(e->windows, e->nr_windows, h->t0, h->t1)) {
		h->lost = true;
		e->counts.lost_hops++;
	}
	e->head_hops = e->head_hops + 1 == e->cap_ring_hops ? 0 : e->head_hops + 1;
	e->nr_held_hops--;
	return e->on_hop ? e->on_hop(e->sink_ctx, h) : 0;
}

int span_engine__flush(struct span_engine *e, uint64_t horizon)
{
	int err;

	while (e->nr_held_recs &&
	       e->ring_recs[e->head_recs].t[e->nr_stages - 1] < horizon) {
		err = deliver_rec(e);
		if (err)
			return err;
	}
	while (e->nr_held_hops && e->ring_hops[e->head_hops].t1 < horizon) {
		err = deliver_hop(e);
		if (err)
			return err;
	}
	return 0;
}

/* Slot @n after @head in a ring of @cap (no division: this is per packet). */
static inline size_t ring_slot(size_t cap, size_t head, size_t n)
{
	size_t i = head + n;

	return i >= cap ? i - cap : i;
}

/*
 * A full ring of *@cap elements of @size bytes, the oldest at *@head, grows
 * to twice (at most @max), unwrapped: the oldest goes to slot 0.  A ring as
 * large as the most ever held stays in the cache, where one of e->hold
 * would cycle its writes through megabytes.
 */
static int ring_grow(void **ring, size_t *cap, size_t *head, size_t size, size_t max)
{
	size_t ncap = *cap * 2 > max ? max : *cap * 2;
	char *n = malloc(ncap * size), *o = *ring;

	if (!n)
		return ovp_err(-ENOMEM, "span: out of memory for %zu held records", ncap);
	memcpy(n, o + *head * size, (*cap - *head) * size);
	memcpy(n + (*cap - *head) * size, o, *head * size);
	free(o);
	*ring = n;
	*cap = ncap;
	*head = 0;
	return 0;
}

/* Room for one more in a full stream ring: grow it up to the hold, or hand
 * its oldest element to the sink.  Nothing to do while @nr < *@cap. */
static inline int ring_room(struct span_engine *e, void **ring, size_t *cap, size_t *head,
			    size_t nr, size_t size, int (*deliver)(struct span_engine *e))
{
	if (nr < *cap)
		return 0;
	if (*cap < e->hold)
		return ring_grow(ring, cap, head, size, e->hold);
	return deliver(e);
}

static int add_hop(struct span_engine *e, const struct pend *p, unsigned int stage)
{
	struct span_hop *h;
	int err;

	if (e->span_is_hop)
		return 0;
	if (e->hold) {
		err = ring_room(e, (void **)&e->ring_hops, &e->cap_ring_hops, &e->head_hops,
				e->nr_held_hops, sizeof(*e->ring_hops), deliver_hop);
		if (err)
			return err;
		h = &e->ring_hops[ring_slot(e->cap_ring_hops, e->head_hops, e->nr_held_hops++)];
	} else {
		err = grow((void **)&e->hops, &e->cap_hops, e->nr_hops, sizeof(*e->hops));
		if (err)
			return err;
		h = &e->hops[e->nr_hops++];
	}
	h->t0 = p->t[stage - 1];
	h->t1 = p->t[stage];
	h->cpu0 = p->cpu[stage - 1];
	h->cpu1 = p->cpu[stage];
	h->attr = p->attr;
	h->stage = stage;
	h->lost = false;
	return 0;
}

static int complete(struct span_engine *e, struct pend *p)
{
	struct span_rec *r;
	int err;

	if (e->hold) {
		err = ring_room(e, (void **)&e->ring_recs, &e->cap_ring_recs, &e->head_recs,
				e->nr_held_recs, sizeof(*e->ring_recs), deliver_rec);
		if (err)
			return err;
		r = &e->ring_recs[ring_slot(e->cap_ring_recs, e->head_recs, e->nr_held_recs++)];
	} else {
		err = grow((void **)&e->recs, &e->cap_recs, e->nr_recs, sizeof(*e->recs));
		if (err)
			return err;
		r = &e->recs[e->nr_recs++];
	}
	e->last = r;
	/* Field by field, no memset of the whole record (rep stos per packet). */
	r->key = p->key;
	memcpy(r->t, p->t, sizeof(r->t));
	memcpy(r->cpu, p->cpu, sizeof(r->cpu));
	memcpy(r->alt, p->alt, sizeof(r->alt));
	r->lost = false;
	r->attr = p->attr;
	r->stack = 0;
	r->skb = 0;
	r->parent = 0;
	r->blame = 0;
	r->qdepth = 0;
	e->counts.completed++;
	node_put(e, p);
	return SPAN_COMPLETED;
}

/* The engine's event: @attr, or when @attr_fn is given, attr_fn(ctx) where
 * an attribute is wanted. */
static inline __attribute__((always_inline)) int
event(struct span_engine *e, unsigned int stage, unsigned int alt, uint64_t key, uint64_t time,
      uint32_t cpu, uint32_t attr, span_attr_fn attr_fn, void *ctx)
{
	size_t hash = hash_key(key);
	struct pend *p;
	int ret;

	if (stage >= e->nr_stages)
		return ovp_err(-EINVAL, "span: stage %u of %u", stage, e->nr_stages);
	if (time > e->expire_at)
		expire(e, time);
	p = find(e, key, hash);
	if (stage == 0) {
		e->counts.started++;
		if (p) {
			/* Latest start wins, as the BPF maps of the seeds overwrite. */
			e->counts.reused[p->stage]++;
			age_unlink(e, p);
			ret = SPAN_RESTARTED;
		} else {
			if (nr_pending(e) >= e->max_open)
				make_room(e);
			p = node_get(e);
			if (!p)
				return ovp_err(-ENOMEM, "span: out of memory for pending keys");
			p->key = key;
			/* Last in its chain: expiry, oldest first, finds it at once. */
			ovp_hmap_insert_last_nocap(&e->pend, &p->node, hash);	/* room made */
			ret = SPAN_STARTED;
		}
		p->stage = 0;
		p->t[0] = time;
		p->cpu[0] = cpu;
		p->alt[0] = alt;
		p->attr = attr_fn ? attr_fn(ctx) : attr;
		age_append(e, p);
		return ret;
	}

	if (!p || p->stage != stage - 1) {
		if (stage == e->nr_stages - 1)
			e->counts.orphan_ends++;
		else
			e->counts.orphan_mids++;
		return SPAN_ORPHAN;
	}
	p->stage = stage;
	p->t[stage] = time;
	p->cpu[stage] = cpu;
	p->alt[stage] = alt;
	if (!p->attr)
		p->attr = attr_fn ? attr_fn(ctx) : attr;
	ret = add_hop(e, p, stage);
	if (ret)
		return ret;
	if (stage == e->nr_stages - 1)
		return complete(e, p);
	return SPAN_ADVANCED;
}

int span_engine__event(struct span_engine *e, unsigned int stage, unsigned int alt,
		       uint64_t key, uint64_t time, uint32_t cpu, uint32_t attr)
{
	return event(e, stage, alt, key, time, cpu, attr, NULL, NULL);
}

int span_engine__event_lazy(struct span_engine *e, unsigned int stage, unsigned int alt,
			    uint64_t key, uint64_t time, uint32_t cpu, span_attr_fn attr_fn,
			    void *ctx)
{
	return event(e, stage, alt, key, time, cpu, 0, attr_fn, ctx);
}

int span_engine__fork(struct span_engine *e, uint64_t parent, uint64_t key)
{
	size_t hash = hash_key(key);
	struct pend *p, *q;

	p = lookup(e, parent);
	if (!p || find(e, key, hash))
		return 0;
	if (nr_pending(e) >= e->max_open) {
		make_room(e);	/* may end the parent itself */
		p = lookup(e, parent);
		if (!p)
			return 0;
	}
	q = node_get(e);
	if (!q)
		return ovp_err(-ENOMEM, "span: out of memory for pending keys");
	*q = *p;
	q->key = key;
	ovp_hmap_insert_last_nocap(&e->pend, &q->node, hash);	/* room made above */
	age_insert_after(e, p, q);
	e->counts.forks++;
	return 1;
}

bool span_engine__free(struct span_engine *e, uint64_t key, uint64_t time)
{
	struct pend *p;

	if (time > e->expire_at)
		expire(e, time);
	p = lookup(e, key);
	if (!p)
		return false;
	e->counts.dropped[p->stage]++;
	node_put(e, p);
	return true;
}

int span_engine__lost(struct span_engine *e, uint64_t lo, uint64_t hi)
{
	int err;

	err = grow((void **)&e->windows, &e->cap_windows, e->nr_windows, sizeof(*e->windows));
	if (err)
		return err;
	if (hi < lo)
		hi = lo;
	e->windows[e->nr_windows].lo = lo;
	e->windows[e->nr_windows].hi = hi;
	e->nr_windows++;
	e->windows_dirty = true;
	e->counts.nr_windows++;
	return 0;
}

static int cmp_window(const void *a, const void *b)
{
	const struct window *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * Does [t0, t1] overlap a window (lo, hi)?  Events were lost strictly after
 * lo (the last event recorded on that CPU) and before hi (the LOST record),
 * so a span is hit when t0 < hi and t1 > lo.  The windows are sorted and
 * disjoint: find the first whose hi > t0 and check its lo.
 */
static bool overlaps(const struct window *w, size_t n, uint64_t t0, uint64_t t1)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].hi > t0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < n && w[lo].lo < t1;
}

void span_engine__finish(struct span_engine *e)
{
	size_t i, n;

	if (e->finished)
		return;
	e->finished = true;
	for (struct pend *p = e->oldest; p; p = p->newer)
		e->counts.unfinished[p->stage]++;

	if (!e->nr_windows)
		return;
	/* Merge the windows into a sorted list of disjoint ones. */
	merge_windows(e);
	n = e->nr_windows;
	for (i = 0; i < e->nr_recs; i++) {
		struct span_rec *r = &e->recs[i];

		if (overlaps(e->windows, n, r->t[0], r->t[e->nr_stages - 1])) {
			r->lost = true;
			e->counts.lost_windows++;
		}
	}
	for (i = 0; i < e->nr_hops; i++) {
		struct span_hop *h = &e->hops[i];

		if (overlaps(e->windows, n, h->t0, h->t1)) {
			h->lost = true;
			e->counts.lost_hops++;
		}
	}
}

int span_engine__drain(struct span_engine *e)
{
	span_engine__finish(e);
	return span_engine__flush(e, UINT64_MAX);
}

struct span_rec *span_engine__last(struct span_engine *e)
{
	return e->last;
}

size_t span_engine__nr_recs(const struct span_engine *e)
{
	return e->nr_recs;
}

const struct span_rec *span_engine__recs(const struct span_engine *e)
{
	return e->recs;
}

size_t span_engine__nr_hops(const struct span_engine *e)
{
	return e->nr_hops;
}

const struct span_hop *span_engine__hops(const struct span_engine *e)
{
	return e->hops;
}

const struct span_counts *span_engine__counts(const struct span_engine *e)
{
	return &e->counts;
}

unsigned int span_engine__nr_stages(const struct span_engine *e)
{
	return e->nr_stages;
}

size_t span_engine__nr_pending(const struct span_engine *e)
{
	return nr_pending(e);
}

bool span_engine__pending_start(struct span_engine *e, uint64_t key, uint64_t *t0)
{
	struct pend *p = lookup(e, key);

	if (p)
		*t0 = p->t[0];
	return p != NULL;
}

size_t span_engine__max_chain(const struct span_engine *e)
{
	return ovp_hmap_max_chain(&e->pend);
}
