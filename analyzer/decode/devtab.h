/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/devtab.h - interned device names for the packet reports (journey, drops,
 * the timeline): each distinct name gets a small id once, so per-event state
 * holds a uint32_t instead of a string.  An ovsperf/intern.h table: ids in
 * first-seen order, a hash lookup, at most DEVTAB_MAX names (the names come
 * from the recording); past the cap, new names show as an unknown device and
 * one warning says so.
 */
#ifndef OVSPERF_DEVTAB_H
#define OVSPERF_DEVTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/devkey.h"
#include "ovsperf/hmap.h"
#include "ovsperf/intern.h"

/* Most distinct device names a report keeps (ovsperf-analyze(1), LIMITS). */
#define DEVTAB_MAX 65536

/* A name of under 16 bytes, found by its key (decode/devkey.h). */
struct devtab_key {
	struct ovp_hmap_node node;	/* in devtab.keys */
	struct dev_key k;
	uint32_t id;
};

struct devtab {
	struct ovp_intern names;	/* the names, by id */
	struct ovp_hmap keys;		/* struct devtab_key: the short names, by key */
	bool ready;			/* names initialised (on the first name) */
};

/* Embedded: zero-initialise (and don't move), then devtab__exit() frees
 * everything. */
void devtab__exit(struct devtab *t);

/**
 * devtab__intern() - the id of @name, added if new.
 * Return: id >= 1; 0 for an empty name, past DEVTAB_MAX names (one warning)
 * or when out of memory (the device then shows as unknown).
 */
uint32_t devtab__intern(struct devtab *t, const char *name);

/* The id of the name whose key is @k (decode/devkey.h), 0 when not added
 * yet (devtab__intern() adds it). */
static inline uint32_t devtab__find_key(const struct devtab *t, const struct dev_key *k)
{
	const struct devtab_key *e;

	if (!t->ready)
		return 0;
	OVP_HMAP_FOR_EACH_WITH_HASH (e, node, dev_key_hash(k), &t->keys)
		if (e->k.w[0] == k->w[0] && e->k.w[1] == k->w[1])
			return e->id;
	return 0;
}

/* The name of @id (>= 1, as returned by devtab__intern()). */
static inline const char *devtab__name(const struct devtab *t, uint32_t id)
{
	return ovp_intern__str(&t->names, id);
}

#endif /* OVSPERF_DEVTAB_H */
