// SPDX-License-Identifier: Apache-2.0
/*
 * decode/devtab.c - interned device names (see decode/devtab.h), on the
 * project's interning table.
 */
#include <string.h>

#include "decode/devtab.h"
#include "ovsperf/err.h"

void devtab__exit(struct devtab *t)
{
	if (t->ready)
		ovp_intern__exit(&t->names);
	t->ready = false;
}

uint32_t devtab__intern(struct devtab *t, const char *name)
{
	uint32_t id;

	if (!name[0])
		return 0;
	if (!t->ready) {
		ovp_intern__init(&t->names, DEVTAB_MAX);
		t->ready = true;
	}
	if (ovp_intern__put(&t->names, name, strlen(name), &id) == OVP_HMAP_FULL)
		ovp_warn_cap("more than %d distinct device names: the events of the others are "
			     "counted under an unknown device", DEVTAB_MAX);
	return id;
}
