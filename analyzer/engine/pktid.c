// SPDX-License-Identifier: Apache-2.0
/*
 * engine/pktid.c - packet identity across clones and skb address reuse (policy in
 * engine/pktid.h).
 *
 * Live identities sit in a hash table (ovsperf/hmap.h) keyed by skb address
 * and in a list ordered by last use (eviction takes its head).  Heads shared
 * by live identities sit in a second table keyed by head, with a count of
 * members (never more heads than identities: the cap on identities bounds
 * both):
 * an unknown skb whose head is there is a clone.  Both kinds of node come
 * from 512-node chunks with free lists.
 *
 * A free event must first be seen by the caller as an event of the identity
 * it ends, so the end is deferred: the identity ends (callback, graveyard,
 * node recycled) at the start of the next call or at finish.  The graveyard
 * is a small direct-mapped cache of skbs ended by a free, so a kfree_skbmem
 * that follows can be folded into the identity that just ended.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/hash.h"
#include "ovsperf/hmap.h"
#include "engine/pktid.h"

#define CHUNK_NODES 512
#define GRAVE_SLOTS 1024

const char *const pktid_head_fields[] = { "head", "skb_head", NULL };
const char *const pktid_skb_fields[] = { "skbaddr", "skb", NULL };

struct group;

/* A live identity. */
struct ident {
	struct ovp_hmap_node node;	/* in skbs (first member: the free list's link) */
	struct ident *prev, *next;	/* LRU list (head = least recently seen) */
	uint64_t skb;			/* key */
	uint64_t id;			/* packet number */
	uint64_t parent;		/* id cloned from, 0 = none */
	uint64_t user;			/* the caller's slot */
	struct group *grp;		/* head group, NULL when no head known */
};

/* A data buffer shared by live identities. */
struct group {
	struct ovp_hmap_node node;	/* in heads (first member: the free list's link) */
	uint64_t head;			/* key */
	uint64_t first_id;		/* identity that brought this head first */
	uint32_t nr;			/* live identities with this head */
};

/* A chunk of nodes (identities and groups share the allocator). */
struct chunk {
	struct chunk *next;
	size_t size;			/* bytes of one node */
	char nodes[];
};

/* An skb ended by a free event, for kfree_skbmem follow-ups. */
struct grave {
	uint64_t skb;			/* 0 = empty */
	uint64_t id, parent;
};

struct pktid_table {
	enum pktid_key key;
	size_t max_inflight;
	struct ovp_hmap skbs;		/* struct ident by skb */
	struct ovp_hmap heads;		/* struct group by head */
	struct ident *lru_head, *lru_tail;
	struct ident *free_idents;
	struct group *free_groups;
	struct chunk *chunks;
	struct ident *pending_end;	/* freed by the last event: ends at the next call */
	uint64_t next_id;
	pktid_end_fn end_fn;
	void *end_arg;
	const char *cap_what, *cap_lost;	/* the warning at the first eviction */
	struct grave graves[GRAVE_SLOTS];
	struct pktid_counts counts;
};

/* skbs and heads come from the recording: the seeded hash. */
static inline size_t hash_u64(uint64_t k)
{
	return (size_t)ovp_hash64(k);
}

/* Free nodes are chained through their first member. */
#define NODE_NEXT(n) (*(void **)(n))

static struct ident *ident_find(const struct pktid_table *t, uint64_t skb)
{
	struct ident *n;

	OVP_HMAP_FOR_EACH_WITH_HASH (n, node, hash_u64(skb), &t->skbs)
		if (n->skb == skb)
			return n;
	return NULL;
}

static struct group *group_find(const struct pktid_table *t, uint64_t head)
{
	struct group *g;

	OVP_HMAP_FOR_EACH_WITH_HASH (g, node, hash_u64(head), &t->heads)
		if (g->head == head)
			return g;
	return NULL;
}

/* Put a node back on its free list. */
static void node_free(void *n, void *free_list)
{
	NODE_NEXT(n) = *(void **)free_list;
	*(void **)free_list = n;
}

/* Add a chunk of @size-byte nodes to the free list at @free_list. */
static int add_chunk(struct pktid_table *t, size_t size, void **free_list)
{
	struct chunk *c = malloc(sizeof(*c) + size * CHUNK_NODES);
	size_t i;

	if (!c)
		return ovp_err(-ENOMEM, "pktid: out of memory for packets in flight");
	c->size = size;
	c->next = t->chunks;
	t->chunks = c;
	for (i = 0; i < CHUNK_NODES; i++) {
		void *n = c->nodes + i * size;

		NODE_NEXT(n) = *free_list;
		*free_list = n;
	}
	return 0;
}

static struct ident *ident_alloc(struct pktid_table *t)
{
	struct ident *n;

	if (!t->free_idents && add_chunk(t, sizeof(struct ident), (void **)&t->free_idents))
		return NULL;
	n = t->free_idents;
	t->free_idents = NODE_NEXT(n);
	memset(n, 0, sizeof(*n));
	return n;
}

static struct group *group_alloc(struct pktid_table *t)
{
	struct group *g;

	if (!t->free_groups && add_chunk(t, sizeof(struct group), (void **)&t->free_groups))
		return NULL;
	g = t->free_groups;
	t->free_groups = NODE_NEXT(g);
	memset(g, 0, sizeof(*g));
	return g;
}

int pktid_table__new(struct pktid_table **out, enum pktid_key key, size_t max_inflight)
{
	struct pktid_table *t;

	*out = NULL;
	if (!max_inflight)
		return ovp_err(-EINVAL, "pktid: at least one packet must be allowed in flight");
	t = calloc(1, sizeof(*t));
	if (!t)
		return ovp_err(-ENOMEM, "pktid: out of memory");
	t->key = key;
	t->max_inflight = max_inflight;
	t->next_id = 1;
	ovp_hmap_init(&t->skbs);
	ovp_hmap_init(&t->heads);
	/* The former tables' first size (a failure only means growing later). */
	(void)ovp_hmap_reserve(&t->skbs, 1024);
	(void)ovp_hmap_reserve(&t->heads, 1024);
	*out = t;
	return 0;
}

void pktid_table__delete(struct pktid_table *t)
{
	struct chunk *c, *next;

	if (!t)
		return;
	for (c = t->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	ovp_hmap_exit(&t->skbs);
	ovp_hmap_exit(&t->heads);
	free(t);
}

void pktid_table__set_end_cb(struct pktid_table *t, pktid_end_fn fn, void *arg)
{
	t->end_fn = fn;
	t->end_arg = arg;
}

void pktid_table__warn_at_cap(struct pktid_table *t, const char *what, const char *lost)
{
	t->cap_what = what;
	t->cap_lost = lost;
}

static void lru_unlink(struct pktid_table *t, struct ident *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		t->lru_head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		t->lru_tail = n->prev;
	n->prev = n->next = NULL;
}

static void lru_append(struct pktid_table *t, struct ident *n)
{
	n->prev = t->lru_tail;
	n->next = NULL;
	if (t->lru_tail)
		t->lru_tail->next = n;
	else
		t->lru_head = n;
	t->lru_tail = n;
}

/* Leave the identity's head group (freed when its last member leaves). */
static void group_leave(struct pktid_table *t, struct ident *n)
{
	struct group *g = n->grp;

	if (!g)
		return;
	n->grp = NULL;
	if (--g->nr)
		return;
	ovp_hmap_remove(&t->heads, &g->node);
	node_free(g, &t->free_groups);
}

/* Join the group of @head (created if none); returns the group or NULL. */
static struct group *group_join(struct pktid_table *t, struct ident *n, uint64_t head)
{
	struct group *g = group_find(t, head);

	if (!g) {
		g = group_alloc(t);
		if (!g)
			return NULL;
		g->head = head;
		g->first_id = n->id;
		ovp_hmap_insert_nocap(&t->heads, &g->node, hash_u64(head));
	}
	g->nr++;
	n->grp = g;
	return g;
}

/* End a live identity: callback, then recycle the node. */
static void ident_end(struct pktid_table *t, struct ident *n, enum pktid_end why)
{
	ovp_hmap_remove(&t->skbs, &n->node);
	lru_unlink(t, n);
	group_leave(t, n);
	if (why == PKTID_END_FREED) {
		struct grave *g = &t->graves[hash_u64(n->skb) & (GRAVE_SLOTS - 1)];

		g->skb = n->skb;
		g->id = n->id;
		g->parent = n->parent;
		t->counts.freed++;
	} else if (why == PKTID_END_EVICTED) {
		if (!t->counts.evicted++ && t->cap_what)
			ovp_warn_cap("%s: more than %zu packets were in flight at once: %s", t->cap_what,
				     t->max_inflight, t->cap_lost);
	} else {
		t->counts.finished++;
	}
	if (t->end_fn)
		t->end_fn(t->end_arg, n->id, why, n->user);
	node_free(n, &t->free_idents);
}

static void flush_pending(struct pktid_table *t)
{
	struct ident *n = t->pending_end;

	if (n) {
		t->pending_end = NULL;
		ident_end(t, n, PKTID_END_FREED);
	}
}

static void fill_ref(struct pktid_ref *ref, struct ident *n)
{
	ref->id = n->id;
	ref->parent = n->parent;
	ref->user = &n->user;
}

int pktid_table__event(struct pktid_table *t, uint64_t skb, uint64_t head, enum pktid_ev kind,
		       struct pktid_ref *ref)
{
	struct grave *gv;
	struct group *g = NULL;
	struct ident *n;
	int res;

	flush_pending(t);
	if (t->key == PKTID_KEY_SKB)
		head = 0;
	gv = &t->graves[hash_u64(skb) & (GRAVE_SLOTS - 1)];

	n = ident_find(t, skb);
	if (n) {
		res = PKTID_CONT;
		if (head && (!n->grp || n->grp->head != head)) {
			/* First head for this skb, or its data was reallocated. */
			if (n->grp)
				t->counts.head_changes++;
			group_leave(t, n);
			g = group_find(t, head);
			if (g && !n->parent && g->first_id != n->id) {
				/* Seen without head first, now sharing a live head. */
				n->parent = g->first_id;
				t->counts.clones++;
			}
			if (!group_join(t, n, head))
				return -ENOMEM;
		}
		lru_unlink(t, n);
		lru_append(t, n);
	} else if (kind == PKTID_EV_FREE_MEM && gv->skb == skb) {
		/* kfree_skbmem after the free that ended this skb's identity. */
		ref->id = gv->id;
		ref->parent = gv->parent;
		ref->user = NULL;
		gv->skb = 0;
		t->counts.followups++;
		return PKTID_FOLLOWUP;
	} else {
		if (ovp_hmap_count(&t->skbs) >= t->max_inflight && t->lru_head)
			ident_end(t, t->lru_head, PKTID_END_EVICTED);
		n = ident_alloc(t);
		if (!n)
			return -ENOMEM;
		n->skb = skb;
		n->id = t->next_id++;
		res = PKTID_NEW;
		if (head) {
			g = group_find(t, head);
			if (g) {
				n->parent = g->first_id;
				res = PKTID_CLONE;
				t->counts.clones++;
			}
			if (!group_join(t, n, head)) {
				node_free(n, &t->free_idents);
				return -ENOMEM;
			}
		}
		ovp_hmap_insert_nocap(&t->skbs, &n->node, hash_u64(skb));
		lru_append(t, n);
		if (gv->skb == skb)
			gv->skb = 0;	/* a new packet at this address: no follow-up */
		t->counts.identities++;
		if (ovp_hmap_count(&t->skbs) > t->counts.max_live)
			t->counts.max_live = ovp_hmap_count(&t->skbs);
	}
	fill_ref(ref, n);
	if (kind != PKTID_EV_SEEN)
		t->pending_end = n;
	return res;
}

/* Order identities by id for a deterministic finish. */
static int cmp_ident_id(const void *a, const void *b)
{
	const struct ident *x = *(struct ident *const *)a, *y = *(struct ident *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void pktid_table__finish(struct pktid_table *t)
{
	struct ident **all, *n;
	size_t i, nr;

	flush_pending(t);
	nr = ovp_hmap_count(&t->skbs);
	if (!nr)
		return;
	all = malloc(nr * sizeof(*all));
	if (!all) {
		/* No memory to sort: end them in LRU order. */
		while (t->lru_head)
			ident_end(t, t->lru_head, PKTID_END_FINISHED);
		return;
	}
	for (i = 0, n = t->lru_head; n && i < nr; n = n->next)
		all[i++] = n;
	nr = i;
	qsort(all, nr, sizeof(*all), cmp_ident_id);
	for (i = 0; i < nr; i++)
		ident_end(t, all[i], PKTID_END_FINISHED);
	free(all);
}

const struct pktid_counts *pktid_table__counts(const struct pktid_table *t)
{
	return &t->counts;
}

size_t pktid_table__nr_live(const struct pktid_table *t)
{
	return ovp_hmap_count(&t->skbs) - (t->pending_end ? 1 : 0);
}

int pktid_key_parse(const char *s, enum pktid_key *key)
{
	if (!strcmp(s, "auto"))
		*key = PKTID_KEY_AUTO;
	else if (!strcmp(s, "skb"))
		*key = PKTID_KEY_SKB;
	else if (!strcmp(s, "head"))
		*key = PKTID_KEY_HEAD;
	else
		return ovp_err(-EINVAL, "--key: expected auto, skb or head, not '%s'", s);
	return 0;
}

const char *pktid_key_name(enum pktid_key key)
{
	switch (key) {
	case PKTID_KEY_SKB:
		return "skb";
	case PKTID_KEY_HEAD:
		return "head";
	default:
		return "auto";
	}
}

enum pktid_key pktid_key_resolve(enum pktid_key want, bool have_head)
{
	if (want == PKTID_KEY_SKB || !have_head)
		return PKTID_KEY_SKB;
	return PKTID_KEY_HEAD;
}

enum pktid_ev pktid_event_kind(const char *name)
{
	const char *ev;

	if (!name)
		return PKTID_EV_SEEN;
	if (!strcmp(name, "skb:kfree_skb") || !strcmp(name, "skb:consume_skb"))
		return PKTID_EV_FREE;
	/* kfree_skbmem is a probe: whatever group ovsperf-probe gave it. */
	ev = strchr(name, ':');
	ev = ev ? ev + 1 : name;
	if (!strcmp(ev, "kfree_skbmem"))
		return PKTID_EV_FREE_MEM;
	return PKTID_EV_SEEN;
}

uint64_t pktid_table__oldest_user(const struct pktid_table *t)
{
	return t->lru_head ? t->lru_head->user : 0;
}
