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

#include "ovsperf/intern.h"

/* Most distinct device names a report keeps (ovsperf-analyze(1), LIMITS). */
#define DEVTAB_MAX 65536

struct devtab {
	struct ovp_intern names;	/* the names, by id */
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

/* The name of @id (>= 1, as returned by devtab__intern()). */
static inline const char *devtab__name(const struct devtab *t, uint32_t id)
{
	return ovp_intern__str(&t->names, id);
}

#endif /* OVSPERF_DEVTAB_H */
