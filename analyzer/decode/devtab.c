// SPDX-License-Identifier: Apache-2.0
/*
 * decode/devtab.c - interned device names (see decode/devtab.h), on the
 * project's interning table.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/devtab.h"
#include "ovsperf/err.h"

void devtab__exit(struct devtab *t)
{
	struct ovp_hmap_node *next;
	struct devtab_key *e;

	if (t->ready) {
		ovp_intern__exit(&t->names);
		OVP_HMAP_FOR_EACH_SAFE (e, next, node, &t->keys)
			free(e);
		ovp_hmap_exit(&t->keys);
	}
	t->ready = false;
}

uint32_t devtab__intern(struct devtab *t, const char *name)
{
	size_t len = strlen(name), count;
	struct devtab_key *e;
	struct dev_key k;
	uint32_t id;
	int ret;

	if (!name[0])
		return 0;
	if (!t->ready) {
		ovp_intern__init(&t->names, DEVTAB_MAX);
		ovp_hmap_init(&t->keys);
		t->ready = true;
	}
	count = ovp_intern__count(&t->names);
	ret = ovp_intern__put(&t->names, name, len, &id);
	if (ret == OVP_HMAP_FULL)
		ovp_warn_cap("more than %d distinct device names: the events of the others are "
			     "counted under an unknown device", DEVTAB_MAX);
	if (ret || !id || ovp_intern__count(&t->names) == count ||
	    !dev_key_of((const uint8_t *)name, (uint32_t)(len < 16 ? len + 1 : 16),
			len < 16 ? len + 1 : 16, &k))
		return id;
	/* New and short: findable by its key (by name alone if no memory). */
	e = malloc(sizeof(*e));
	if (e) {
		e->k = k;
		e->id = id;
		ovp_hmap_insert_nocap(&t->keys, &e->node, dev_key_hash(&k));
	}
	return id;
}
