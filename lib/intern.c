// SPDX-License-Identifier: Apache-2.0
/*
 * intern.c - the interning table (see ovsperf/intern.h): keys in a hash
 * table of their own nodes, and an array of the nodes by id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/hash.h"
#include "ovsperf/intern.h"

void ovp_intern__init(struct ovp_intern *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	ovp_hmap_init(&t->map);
	ovp_hmap_set_cap(&t->map, cap);
}

void ovp_intern__exit(struct ovp_intern *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->ents[i]);
	free(t->ents);
	ovp_hmap_exit(&t->map);
	memset(t, 0, sizeof(*t));
}

static struct ovp_intern_ent *find(const struct ovp_intern *t, const void *key, size_t len,
				   size_t hash)
{
	struct ovp_intern_ent *e;

	OVP_HMAP_FOR_EACH_WITH_HASH (e, node, hash, &t->map)
		if (e->len == len && !memcmp(e->key, key, len))
			return e;
	return NULL;
}

uint32_t ovp_intern__find(const struct ovp_intern *t, const void *key, size_t len)
{
	const struct ovp_intern_ent *e;

	if (!t->nr)
		return 0;
	e = find(t, key, len, (size_t)ovp_hash_bytes(key, len));
	return e ? e->id : 0;
}

int ovp_intern__put(struct ovp_intern *t, const void *key, size_t len, uint32_t *id)
{
	size_t hash = (size_t)ovp_hash_bytes(key, len);
	struct ovp_intern_ent *e = find(t, key, len, hash);

	*id = 0;
	if (e) {
		*id = e->id;
		return OVP_HMAP_INSERTED;
	}
	if (len >= UINT32_MAX || t->nr >= UINT32_MAX - 1)
		return -ENOMEM;
	if (ovp_hmap_is_full(&t->map))
		return t->map.refused++ ? OVP_HMAP_REFUSED : OVP_HMAP_FULL;
	if (t->nr == t->cap_ents) {
		size_t cap = t->cap_ents ? t->cap_ents * 2 : 16;
		struct ovp_intern_ent **a = realloc(t->ents, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		t->ents = a;
		t->cap_ents = cap;
	}
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	e->len = (uint32_t)len;
	memcpy(e->key, key, len);
	e->key[len] = 0;
	ovp_hmap_insert_nocap(&t->map, &e->node, hash);	/* not full: checked */
	t->ents[t->nr++] = e;
	e->id = (uint32_t)t->nr;
	*id = e->id;
	return OVP_HMAP_INSERTED;
}
