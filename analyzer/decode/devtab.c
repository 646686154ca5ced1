// SPDX-License-Identifier: Apache-2.0
/*
 * decode/devtab.c - interned device names (see decode/devtab.h): an array of names and an
 * open-addressing table of ids keyed by the name's seeded hash, doubled when
 * half full.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/devtab.h"
#include "ovsperf/hash.h"

/* Names come from the recording: the seeded hash. */
static uint64_t hash_str(const char *s)
{
	return ovp_hash_bytes(s, strlen(s));
}

void devtab__exit(struct devtab *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->names[i]);
	free(t->names);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* Put @id into the slots (there is room). */
static void place(uint32_t *slots, size_t nr_slots, const char *name, uint32_t id)
{
	size_t i = hash_str(name) & (nr_slots - 1);

	while (slots[i])
		i = (i + 1) & (nr_slots - 1);
	slots[i] = id;
}

static int grow_slots(struct devtab *t)
{
	size_t n = t->nr_slots ? t->nr_slots * 2 : 64, i;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -1;
	for (i = 0; i < t->nr; i++)
		place(s, n, t->names[i], i + 1);
	free(t->slots);
	t->slots = s;
	t->nr_slots = n;
	return 0;
}

uint32_t devtab__intern(struct devtab *t, const char *name)
{
	size_t i;
	char *copy;

	if (!name[0])
		return 0;
	if (t->nr_slots) {
		for (i = hash_str(name) & (t->nr_slots - 1); t->slots[i];
		     i = (i + 1) & (t->nr_slots - 1)) {
			if (!strcmp(t->names[t->slots[i] - 1], name))
				return t->slots[i];
		}
	}
	if ((t->nr + 1) * 2 > t->nr_slots && grow_slots(t))
		return 0;
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **a = realloc(t->names, cap * sizeof(*a));

		if (!a)
			return 0;
		t->names = a;
		t->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return 0;
	t->names[t->nr++] = copy;
	place(t->slots, t->nr_slots, name, t->nr);
	return t->nr;
}
