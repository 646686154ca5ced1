// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-arena.c - memory for the records that do not live in the file
 * mapping (records read from a pipe, decompressed zstd payloads, unaligned
 * records): 4 MiB chunks, reference counted by the queued records that
 * point into them, recycled (a few kept spare) when the count drops to zero.
 */
#include <stdlib.h>
#include <string.h>

#include "pdata-local.h"

#define ARENA_CHUNK (4u << 20)

void *pdata__arena_alloc(struct arena *a, size_t size, struct arena_chunk **owner)
{
	struct arena_chunk *c = a->cur;
	size_t need = (size + 7) & ~(size_t)7;

	if (!c || c->size - c->used < need) {
		size_t csize = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		if (c) {
			c->sealed = true;
			if (!c->refs) {
				c->next = a->free;
				a->free = c;
			}
		}
		c = NULL;
		if (a->free && a->free->size >= csize) {
			c = a->free;
			a->free = c->next;
		}
		if (!c) {
			c = malloc(sizeof(*c) + csize);
			if (!c)
				return NULL;
			c->size = csize;
			c->all_prev = NULL;
			c->all_next = a->all;
			if (a->all)
				a->all->all_prev = c;
			a->all = c;
			a->nr_chunks++;
		}
		c->next = NULL;
		c->used = 0;
		c->refs = 0;
		c->sealed = false;
		a->cur = c;
	}
	*owner = c;
	c->used += need;
	return c->data + c->used - need;
}

void pdata__arena_unref(struct arena *a, struct arena_chunk *c)
{
	if (--c->refs == 0 && c->sealed) {
		/* Keep at most a couple of spare chunks. */
		if (a->nr_chunks > 4) {
			if (c->all_prev)
				c->all_prev->all_next = c->all_next;
			else
				a->all = c->all_next;
			if (c->all_next)
				c->all_next->all_prev = c->all_prev;
			a->nr_chunks--;
			free(c);
			return;
		}
		c->next = a->free;
		a->free = c;
	}
}

void pdata__arena_exit(struct arena *a)
{
	struct arena_chunk *c = a->all;

	while (c) {
		struct arena_chunk *n = c->all_next;

		free(c);
		c = n;
	}
	memset(a, 0, sizeof(*a));
}
