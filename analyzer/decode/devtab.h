/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/devtab.h - interned device names for the packet reports (journey, drops):
 * each distinct name gets a small id once, so per-event state holds a
 * uint32_t instead of a string.  Lookup is a hash probe, not a scan, since
 * an OVS host may have hundreds of ports.
 */
#ifndef OVSPERF_DEVTAB_H
#define OVSPERF_DEVTAB_H

#include <stddef.h>
#include <stdint.h>

struct devtab {
	char **names;			/* id - 1 -> name (owned) */
	size_t nr, cap;
	uint32_t *slots;		/* open addressing: id, 0 = empty */
	size_t nr_slots;		/* power of two, > 2 * nr */
};

/* Embedded: zero-initialise, then devtab__exit() frees everything. */
void devtab__exit(struct devtab *t);

/**
 * devtab__intern() - the id of @name, added if new.
 * Return: id >= 1; 0 for an empty name or when out of memory (the device
 * then shows as unknown).
 */
uint32_t devtab__intern(struct devtab *t, const char *name);

/* The name of @id (>= 1, as returned by devtab__intern()). */
static inline const char *devtab__name(const struct devtab *t, uint32_t id)
{
	return t->names[id - 1];
}

#endif /* OVSPERF_DEVTAB_H */
