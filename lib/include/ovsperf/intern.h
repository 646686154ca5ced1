/* SPDX-License-Identifier: Apache-2.0 */
/*
 * intern.h - the one interning table: each distinct key (a device name, a
 * flow tuple, a stack) gets a small id once, so per-event state holds a
 * uint32_t instead of the key.  Ids count from 1 in the order the keys were
 * first seen, so anything printed by id is in a defined order whatever the
 * run's hash secret.  Built on ovsperf/hmap.h, keyed by the seeded hash.
 *
 * A table has a cap (the keys come from the recording): past it,
 * ovp_intern__put() refuses new keys and says OVP_HMAP_FULL once, so the
 * caller warns once; known keys keep their ids.
 */
#ifndef OVSPERF_INTERN_H
#define OVSPERF_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "ovsperf/hmap.h"

/* One key (the table owns it). */
struct ovp_intern_ent {
	struct ovp_hmap_node node;	/* in the table, by the key's hash */
	uint32_t id;			/* its id (>= 1) */
	uint32_t len;			/* bytes of the key */
	char key[];			/* the key, then a NUL (names read as strings) */
};

struct ovp_intern {
	struct ovp_hmap map;		/* struct ovp_intern_ent by key */
	struct ovp_intern_ent **ents;	/* [id - 1] */
	size_t nr, cap_ents;
};

/* An empty table that keeps at most @cap keys (0: no cap).  Not movable. */
void ovp_intern__init(struct ovp_intern *t, size_t cap);

/* Free every key.  Accepts a zeroed table that was never initialised. */
void ovp_intern__exit(struct ovp_intern *t);

/**
 * ovp_intern__put() - the id of the @len bytes at @key, added if new.
 * @id: set to the id (>= 1), or 0 when the key was refused.
 * Return: OVP_HMAP_INSERTED (0) for a known or new key; OVP_HMAP_FULL the
 * first time the cap refused a new key, OVP_HMAP_REFUSED later ones;
 * -ENOMEM when out of memory.
 */
int ovp_intern__put(struct ovp_intern *t, const void *key, size_t len, uint32_t *id);

/* The id of a known key, 0 when it is not in the table. */
uint32_t ovp_intern__find(const struct ovp_intern *t, const void *key, size_t len);

/* The number of keys (the largest id). */
static inline size_t ovp_intern__count(const struct ovp_intern *t)
{
	return t->nr;
}

/* New keys the cap refused so far. */
static inline size_t ovp_intern__refused(const struct ovp_intern *t)
{
	return t->map.refused;
}

/* The key of @id (1..count), its length in *@len when @len is not NULL. */
static inline const void *ovp_intern__key(const struct ovp_intern *t, uint32_t id, size_t *len)
{
	if (len)
		*len = t->ents[id - 1]->len;
	return t->ents[id - 1]->key;
}

/* The key of @id as a string (the table NUL-terminates every key). */
static inline const char *ovp_intern__str(const struct ovp_intern *t, uint32_t id)
{
	return t->ents[id - 1]->key;
}

#endif /* OVSPERF_INTERN_H */
