// SPDX-License-Identifier: Apache-2.0
/*
 * hmap.c - the one hash table (see ovsperf/hmap.h): the parts that are not
 * on a per-event path (growth, bucket-order iteration, sorting).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "ovsperf/hmap.h"

void ovp_hmap_init(struct ovp_hmap *h)
{
	h->buckets = &h->one;
	h->one = NULL;
	h->mask = 0;
	h->n = 0;
	h->cap = SIZE_MAX;
	h->refused = 0;
}

void ovp_hmap_exit(struct ovp_hmap *h)
{
	if (h && h->buckets != &h->one)
		free(h->buckets);
	if (h)
		h->buckets = NULL;
}

void ovp_hmap_set_cap(struct ovp_hmap *h, size_t cap)
{
	h->cap = cap ? cap : SIZE_MAX;
}

/* Move every node to a new array of @mask + 1 buckets; -ENOMEM keeps the old. */
static int resize(struct ovp_hmap *h, size_t mask)
{
	struct ovp_hmap_node **b, *n, *next;
	size_t i;

	if (mask > SIZE_MAX / sizeof(*b) - 1)
		return -ENOMEM;
	b = calloc(mask + 1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = 0; i <= h->mask; i++) {
		for (n = h->buckets[i]; n; n = next) {
			struct ovp_hmap_node **to = &b[n->hash & mask];

			next = n->next;
			n->next = *to;
			*to = n;
		}
	}
	if (h->buckets != &h->one)
		free(h->buckets);
	h->buckets = b;
	h->mask = mask;
	return 0;
}

void ovp_hmap_expand__(struct ovp_hmap *h)
{
	/* Doubling: the load goes back to one node per bucket. */
	(void)resize(h, h->mask * 2 + 1);
}

int ovp_hmap_reserve(struct ovp_hmap *h, size_t n)
{
	size_t mask = h->mask;

	while (mask + 1 < n && mask < SIZE_MAX / 4)
		mask = mask * 2 + 1;
	return mask == h->mask ? 0 : resize(h, mask);
}

struct ovp_hmap_node *ovp_hmap_first(const struct ovp_hmap *h)
{
	for (size_t i = 0; i <= h->mask; i++) {
		if (h->buckets[i])
			return h->buckets[i];
	}
	return NULL;
}

struct ovp_hmap_node *ovp_hmap_next(const struct ovp_hmap *h, const struct ovp_hmap_node *node)
{
	if (node->next)
		return node->next;
	for (size_t i = (node->hash & h->mask) + 1; i <= h->mask; i++) {
		if (h->buckets[i])
			return h->buckets[i];
	}
	return NULL;
}

int ovp_hmap_sorted(const struct ovp_hmap *h, int (*cmp)(const void *, const void *),
		    struct ovp_hmap_node ***out)
{
	struct ovp_hmap_node **a, *n;
	size_t i = 0;

	*out = NULL;
	if (!h->n)
		return 0;
	a = malloc(h->n * sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (n = ovp_hmap_first(h); n; n = ovp_hmap_next(h, n))
		a[i++] = n;
	qsort(a, i, sizeof(*a), cmp);
	*out = a;
	return 0;
}

size_t ovp_hmap_max_chain(const struct ovp_hmap *h)
{
	size_t max = 0;

	for (size_t i = 0; i <= h->mask; i++) {
		size_t len = 0;

		for (const struct ovp_hmap_node *n = h->buckets[i]; n; n = n->next)
			len++;
		if (len > max)
			max = len;
	}
	return max;
}
