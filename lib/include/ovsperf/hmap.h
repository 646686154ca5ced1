/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hmap.h - the one hash table of ovsperf: intrusive, chained, power-of-two
 * buckets, growing, with an optional cap (OVS's hmap is the model).
 *
 * The table holds no keys and allocates no nodes.  A user's struct embeds a
 * struct ovp_hmap_node; the caller computes the key's hash (ovsperf/hash.h:
 * seeded, since keys come from the recording), inserts the node with it and
 * finds nodes by walking the nodes of one hash, comparing its own keys:
 *
 *	struct flow { struct ovp_hmap_node node; uint64_t key; ... };
 *
 *	struct flow *f;
 *	OVP_HMAP_FOR_EACH_WITH_HASH (f, node, ovp_hash64(key), &table)
 *		if (f->key == key)
 *			return f;
 *
 * Lookups are inline (a hot path loses nothing to a call); insertion grows
 * the bucket array when the table holds more than two nodes per bucket on
 * average, and keeps the old one (longer chains, still correct) when memory
 * runs out, so inserting never fails for lack of memory.
 *
 * Order: the hash is keyed by a secret that changes between runs, so the
 * order of OVP_HMAP_FOR_EACH does too.  Anything printed from a table must
 * be sorted first (ovp_hmap_sorted()) or come from an ordered structure the
 * caller keeps beside the table (an array by insertion, an age list).
 *
 * Cap: a table given a cap (ovp_hmap_set_cap()) refuses the insertion of a
 * node beyond it.  ovp_hmap_insert() says OVP_HMAP_FULL the first time, so
 * the caller prints one warning naming the table, the cap and what is lost,
 * and OVP_HMAP_REFUSED afterwards; ovp_hmap_refused() counts the refusals
 * for the totals.  A table keyed by something from the file needs a cap
 * (by this, or by evicting as the packet tables do), listed with what is lost
 * in ovsperf-analyze(1), section LIMITS.
 *
 * An initialised table points into itself while empty: don't copy or move a
 * struct ovp_hmap (embed it, or allocate it).
 */
#ifndef OVSPERF_HMAP_H
#define OVSPERF_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Embedded in each element of a table. */
struct ovp_hmap_node {
	struct ovp_hmap_node *next;	/* next node of the same bucket */
	size_t hash;			/* the hash the node was inserted with */
};

struct ovp_hmap {
	struct ovp_hmap_node **buckets;	/* mask + 1 chains */
	struct ovp_hmap_node *one;	/* the only bucket of an unsized table */
	size_t mask;			/* buckets - 1 (a power of two minus one) */
	size_t n;			/* nodes in the table */
	size_t cap;			/* most nodes (SIZE_MAX: no cap) */
	size_t refused;			/* insertions the cap refused */
};

/* Returns of ovp_hmap_insert(). */
enum {
	OVP_HMAP_INSERTED = 0,
	OVP_HMAP_FULL = 1,		/* refused by the cap, for the first time: warn */
	OVP_HMAP_REFUSED = 2,		/* refused by the cap again (already said) */
};

/* An empty table with one bucket and no cap. */
void ovp_hmap_init(struct ovp_hmap *h);

/* Free the buckets (not the nodes: the caller owns them).  Accepts a table
 * that was zeroed and never initialised. */
void ovp_hmap_exit(struct ovp_hmap *h);

/* Refuse insertions beyond @cap nodes (0: no cap). */
void ovp_hmap_set_cap(struct ovp_hmap *h, size_t cap);

/**
 * ovp_hmap_reserve() - size the bucket array for @n nodes at once (a table
 * whose size is known, or a hot table that should not grow in small steps).
 * Return: 0, or -ENOMEM (the table is unchanged and still works).
 */
int ovp_hmap_reserve(struct ovp_hmap *h, size_t n);

/* Grow the buckets (called by the inserts when the chains get long). */
void ovp_hmap_expand__(struct ovp_hmap *h);

static inline size_t ovp_hmap_count(const struct ovp_hmap *h)
{
	return h->n;
}

static inline bool ovp_hmap_is_empty(const struct ovp_hmap *h)
{
	return h->n == 0;
}

/* Insertions the cap refused so far. */
static inline size_t ovp_hmap_refused(const struct ovp_hmap *h)
{
	return h->refused;
}

/* Will the next insertion be refused? */
static inline bool ovp_hmap_is_full(const struct ovp_hmap *h)
{
	return h->n >= h->cap;
}

/**
 * ovp_hmap_insert_nocap() - insert @node with @hash, whatever the cap (a
 * table without one, or a caller that made room itself).  Inline: the hot
 * path of a table of packets in flight.
 */
static inline void ovp_hmap_insert_nocap(struct ovp_hmap *h, struct ovp_hmap_node *node,
					 size_t hash)
{
	struct ovp_hmap_node **b = &h->buckets[hash & h->mask];

	node->hash = hash;
	node->next = *b;
	*b = node;
	if (++h->n > (h->mask + 1) * 2)
		ovp_hmap_expand__(h);
}

/**
 * ovp_hmap_insert_last_nocap() - ovp_hmap_insert_nocap(), but at the end of
 * its bucket's chain, so that the oldest node of a chain comes first.  For a
 * table that mostly removes its oldest nodes (packets in flight, expired
 * oldest first): the removal then finds its node at once.  The walk to the
 * end is cheap right after a failed lookup of the same hash (its nodes are
 * in the cache).
 */
static inline void ovp_hmap_insert_last_nocap(struct ovp_hmap *h, struct ovp_hmap_node *node,
					      size_t hash)
{
	struct ovp_hmap_node **pp = &h->buckets[hash & h->mask];

	while (*pp)
		pp = &(*pp)->next;
	node->hash = hash;
	node->next = NULL;
	*pp = node;
	if (++h->n > (h->mask + 1) * 2)
		ovp_hmap_expand__(h);
}

/**
 * ovp_hmap_insert() - insert @node with @hash unless the table is at its cap.
 * Return: OVP_HMAP_INSERTED; OVP_HMAP_FULL when the cap refused it for the
 * first time (the caller warns once); OVP_HMAP_REFUSED for later refusals.
 * A refused node is not in the table: the caller still owns it.
 */
static inline int ovp_hmap_insert(struct ovp_hmap *h, struct ovp_hmap_node *node, size_t hash)
{
	if (h->n >= h->cap)
		return h->refused++ ? OVP_HMAP_REFUSED : OVP_HMAP_FULL;
	ovp_hmap_insert_nocap(h, node, hash);
	return OVP_HMAP_INSERTED;
}

/* Take @node (which is in @h) out of the table. */
static inline void ovp_hmap_remove(struct ovp_hmap *h, struct ovp_hmap_node *node)
{
	struct ovp_hmap_node **pp = &h->buckets[node->hash & h->mask];

	while (*pp != node)
		pp = &(*pp)->next;
	*pp = node->next;
	h->n--;
}

/* The first node of @h with @hash, or NULL; then ovp_hmap_next_with_hash(). */
static inline struct ovp_hmap_node *ovp_hmap_first_with_hash(const struct ovp_hmap *h,
							     size_t hash)
{
	struct ovp_hmap_node *n = h->buckets[hash & h->mask];

	while (n && n->hash != hash)
		n = n->next;
	return n;
}

static inline struct ovp_hmap_node *ovp_hmap_next_with_hash(const struct ovp_hmap_node *node)
{
	struct ovp_hmap_node *n = node->next;
	size_t hash = node->hash;

	while (n && n->hash != hash)
		n = n->next;
	return n;
}

/* Bucket-order iteration (see "Order" above): the first node, or NULL. */
struct ovp_hmap_node *ovp_hmap_first(const struct ovp_hmap *h);
/* The node after @node in bucket order, or NULL. */
struct ovp_hmap_node *ovp_hmap_next(const struct ovp_hmap *h, const struct ovp_hmap_node *node);

/* The element of type typeof(*OBJ) that holds the node @NODE in MEMBER (NULL
 * for NULL). */
#define OVP_HMAP_OBJ(NODE, OBJ, MEMBER)                                                 \
	({                                                                              \
		struct ovp_hmap_node *n__ = (NODE);                                     \
		n__ ? (__typeof__(OBJ))(void *)((char *)n__ -                           \
						  __builtin_offsetof(__typeof__(*(OBJ)), MEMBER)) \
		    : (__typeof__(OBJ))NULL;                                           \
	})

/* Each element @OBJ of @HMAP whose node (MEMBER) has @HASH (the caller
 * compares its keys: different keys may share a hash). */
#define OVP_HMAP_FOR_EACH_WITH_HASH(OBJ, MEMBER, HASH, HMAP)                            \
	for ((OBJ) = OVP_HMAP_OBJ(ovp_hmap_first_with_hash(HMAP, HASH), OBJ, MEMBER); (OBJ); \
	     (OBJ) = OVP_HMAP_OBJ(ovp_hmap_next_with_hash(&(OBJ)->MEMBER), OBJ, MEMBER))

/* Each element of @HMAP, in bucket order (varies between runs). */
#define OVP_HMAP_FOR_EACH(OBJ, MEMBER, HMAP)                                            \
	for ((OBJ) = OVP_HMAP_OBJ(ovp_hmap_first(HMAP), OBJ, MEMBER); (OBJ);            \
	     (OBJ) = OVP_HMAP_OBJ(ovp_hmap_next(HMAP, &(OBJ)->MEMBER), OBJ, MEMBER))

/* Like OVP_HMAP_FOR_EACH, but the body may remove (and free) @OBJ: @NEXT (a
 * struct ovp_hmap_node *) holds the node after it. */
#define OVP_HMAP_FOR_EACH_SAFE(OBJ, NEXT, MEMBER, HMAP)                                 \
	for ((OBJ) = OVP_HMAP_OBJ(ovp_hmap_first(HMAP), OBJ, MEMBER);                   \
	     (OBJ) && ((NEXT) = ovp_hmap_next(HMAP, &(OBJ)->MEMBER), 1);                \
	     (OBJ) = OVP_HMAP_OBJ(NEXT, OBJ, MEMBER))

/**
 * ovp_hmap_sorted() - the nodes of @h in the order of @cmp, for output that
 * must not depend on the run's hash secret.
 * @cmp: qsort comparison of two `const struct ovp_hmap_node *const *`.
 * @out: set to a malloc'd array of ovp_hmap_count(@h) nodes (the caller frees
 * it; NULL for an empty table).
 * Return: 0, or -ENOMEM.
 */
int ovp_hmap_sorted(const struct ovp_hmap *h, int (*cmp)(const void *, const void *),
		    struct ovp_hmap_node ***out);

/* The longest chain (tests: a flood of colliding keys stays spread). */
size_t ovp_hmap_max_chain(const struct ovp_hmap *h);

#endif /* OVSPERF_HMAP_H */
