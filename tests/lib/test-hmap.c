// SPDX-License-Identifier: Apache-2.0
/*
 * test-hmap.c - the hash table and the interning table: lookups among
 * colliding hashes, growth keeping every node, removal while iterating,
 * the cap (one OVP_HMAP_FULL, then OVP_HMAP_REFUSED, counted), sorting for
 * output, and interning ids in first-seen order with a cap.
 */
#include <stdlib.h>

#include "check.h"
#include "ovsperf/hash.h"
#include "ovsperf/hmap.h"
#include "ovsperf/intern.h"

struct elem {
	struct ovp_hmap_node node;
	uint64_t key;
	int seen;
};

static struct elem *find(struct ovp_hmap *h, uint64_t key, size_t hash)
{
	struct elem *e;

	OVP_HMAP_FOR_EACH_WITH_HASH (e, node, hash, h)
		if (e->key == key)
			return e;
	return NULL;
}

/* Every key shares one of 3 hashes: lookups compare keys, not only hashes. */
static void test_collisions(void)
{
	struct ovp_hmap h;
	struct elem e[30];
	size_t i;

	ovp_hmap_init(&h);
	for (i = 0; i < 30; i++) {
		e[i].key = i;
		CHECK(ovp_hmap_insert(&h, &e[i].node, i % 3) == OVP_HMAP_INSERTED);
	}
	CHECK_U64(ovp_hmap_count(&h), 30);
	for (i = 0; i < 30; i++)
		CHECK(find(&h, i, i % 3) == &e[i]);
	CHECK(find(&h, 31, 31 % 3) == NULL);
	/* insert_last: a chain keeps insertion order, oldest first. */
	{
		struct ovp_hmap l;
		struct elem f[4];
		struct elem *it;
		uint64_t k = 0;

		ovp_hmap_init(&l);
		CHECK(ovp_hmap_reserve(&l, 8) == 0);	/* no growth (it reorders chains) */
		for (i = 0; i < 4; i++) {
			f[i].key = i;
			ovp_hmap_insert_last_nocap(&l, &f[i].node, 7);
		}
		OVP_HMAP_FOR_EACH_WITH_HASH (it, node, 7, &l)
			CHECK_U64(it->key, k++);
		CHECK_U64(k, 4);
		ovp_hmap_remove(&l, &f[0].node);
		CHECK(l.buckets[7 & l.mask] == &f[1].node);
		ovp_hmap_exit(&l);
	}
	CHECK(find(&h, 3, 1) == NULL);	/* right key, wrong hash */
	CHECK_U64(ovp_hmap_max_chain(&h) >= 10, 1);
	/* Remove the middle of a chain. */
	ovp_hmap_remove(&h, &e[15].node);
	CHECK(find(&h, 15, 0) == NULL);
	CHECK(find(&h, 12, 0) == &e[12] && find(&h, 18, 0) == &e[18]);
	CHECK_U64(ovp_hmap_count(&h), 29);
	ovp_hmap_exit(&h);
}

/* 100,000 seeded keys: the buckets grow, every node stays findable, chains
 * stay short; a reserve keeps them too. */
static void test_growth(void)
{
	enum { N = 100000 };
	struct elem *e = calloc(N, sizeof(*e));
	struct ovp_hmap h;
	size_t i, n = 0;
	struct elem *it;

	ovp_hmap_init(&h);
	for (i = 0; i < N; i++) {
		e[i].key = i * 4096;
		ovp_hmap_insert_nocap(&h, &e[i].node, ovp_hash64(e[i].key));
	}
	CHECK(h.mask + 1 >= N / 2);
	for (i = 0; i < N; i++)
		CHECK(find(&h, i * 4096, ovp_hash64(i * 4096)) == &e[i]);
	CHECK(ovp_hmap_max_chain(&h) <= 16);
	OVP_HMAP_FOR_EACH (it, node, &h) {
		it->seen++;
		n++;
	}
	CHECK_U64(n, N);
	for (i = 0; i < N; i++)
		CHECK(e[i].seen == 1);
	CHECK(ovp_hmap_reserve(&h, 4 * N) == 0);
	CHECK(h.mask + 1 >= 4 * N);
	for (i = 0; i < N; i += 97)
		CHECK(find(&h, i * 4096, ovp_hash64(i * 4096)) == &e[i]);
	ovp_hmap_exit(&h);
	free(e);
}

/* Removing (and freeing) the current node while iterating visits every
 * node once and empties the table. */
static void test_delete_iter(void)
{
	struct ovp_hmap h;
	struct ovp_hmap_node *next;
	struct elem *it;
	size_t i, n = 0;

	ovp_hmap_init(&h);
	for (i = 0; i < 5000; i++) {
		struct elem *e = calloc(1, sizeof(*e));

		e->key = i;
		ovp_hmap_insert_nocap(&h, &e->node, ovp_hash64(i) & 0xff); /* collisions too */
	}
	OVP_HMAP_FOR_EACH_SAFE (it, next, node, &h) {
		if (it->key % 2 == 0) {
			ovp_hmap_remove(&h, &it->node);
			free(it);
			n++;
		}
	}
	CHECK_U64(n, 2500);
	CHECK_U64(ovp_hmap_count(&h), 2500);
	n = 0;
	OVP_HMAP_FOR_EACH_SAFE (it, next, node, &h) {
		CHECK(it->key % 2 == 1);
		ovp_hmap_remove(&h, &it->node);
		free(it);
		n++;
	}
	CHECK_U64(n, 2500);
	CHECK(ovp_hmap_is_empty(&h) && ovp_hmap_first(&h) == NULL);
	ovp_hmap_exit(&h);
}

static int cmp_key(const void *a, const void *b)
{
	const struct elem *x = OVP_HMAP_OBJ(*(struct ovp_hmap_node *const *)a, x, node);
	const struct elem *y = OVP_HMAP_OBJ(*(struct ovp_hmap_node *const *)b, y, node);

	return x->key < y->key ? -1 : x->key > y->key;
}

/* A cap of 100: the 101st insert says FULL, later ones REFUSED, all counted;
 * room made by a removal takes a node again.  Sorting gives key order. */
static void test_cap(void)
{
	struct elem e[150];
	struct ovp_hmap_node **sorted;
	struct ovp_hmap h;
	size_t i;

	ovp_hmap_init(&h);
	ovp_hmap_set_cap(&h, 100);
	for (i = 0; i < 100; i++) {
		e[i].key = 99 - i;
		CHECK(ovp_hmap_insert(&h, &e[i].node, ovp_hash64(e[i].key)) == OVP_HMAP_INSERTED);
	}
	CHECK(ovp_hmap_is_full(&h));
	e[100].key = 1000;
	CHECK(ovp_hmap_insert(&h, &e[100].node, ovp_hash64(1000)) == OVP_HMAP_FULL);
	for (i = 101; i < 150; i++) {
		e[i].key = 1000 + i;
		CHECK(ovp_hmap_insert(&h, &e[i].node, ovp_hash64(e[i].key)) == OVP_HMAP_REFUSED);
	}
	CHECK_U64(ovp_hmap_count(&h), 100);
	CHECK_U64(ovp_hmap_refused(&h), 50);
	CHECK(find(&h, 1000, ovp_hash64(1000)) == NULL);
	ovp_hmap_remove(&h, &e[0].node);
	CHECK(ovp_hmap_insert(&h, &e[100].node, ovp_hash64(1000)) == OVP_HMAP_INSERTED);
	CHECK(find(&h, 1000, ovp_hash64(1000)) == &e[100]);

	CHECK(ovp_hmap_sorted(&h, cmp_key, &sorted) == 0);
	for (i = 0; i < 99; i++)
		CHECK_U64(OVP_HMAP_OBJ(sorted[i], &e[0], node)->key, i);
	CHECK_U64(OVP_HMAP_OBJ(sorted[99], &e[0], node)->key, 1000);
	free(sorted);
	ovp_hmap_exit(&h);
}

/* Ids in first-seen order, the same id for the same bytes, binary keys,
 * and the cap: new keys refused (FULL once), known keys still found. */
static void test_intern(void)
{
	struct ovp_intern t;
	uint32_t id;
	char name[32];
	size_t len;
	const unsigned char flow[6] = { 1, 0, 2, 0, 3, 0 };

	ovp_intern__init(&t, 1000);
	CHECK(ovp_intern__put(&t, "eth0", 4, &id) == 0 && id == 1);
	CHECK(ovp_intern__put(&t, "eth1", 4, &id) == 0 && id == 2);
	CHECK(ovp_intern__put(&t, "eth0", 4, &id) == 0 && id == 1);
	CHECK(ovp_intern__put(&t, "eth", 3, &id) == 0 && id == 3);
	CHECK(ovp_intern__put(&t, flow, sizeof(flow), &id) == 0 && id == 4);
	CHECK(ovp_intern__put(&t, flow, 3, &id) == 0 && id == 5);
	CHECK_STR(ovp_intern__str(&t, 2), "eth1");
	CHECK(!memcmp(ovp_intern__key(&t, 4, &len), flow, 6) && len == 6);
	CHECK_U64(ovp_intern__find(&t, "eth", 3), 3);
	CHECK_U64(ovp_intern__find(&t, "eth2", 4), 0);
	for (int i = 0; i < 995; i++) {
		snprintf(name, sizeof(name), "port%d", i);
		CHECK(ovp_intern__put(&t, name, strlen(name), &id) == 0 && id == (uint32_t)i + 6);
	}
	CHECK_U64(ovp_intern__count(&t), 1000);
	CHECK(ovp_intern__put(&t, "new0", 4, &id) == OVP_HMAP_FULL && id == 0);
	CHECK(ovp_intern__put(&t, "new1", 4, &id) == OVP_HMAP_REFUSED && id == 0);
	CHECK(ovp_intern__put(&t, "port7", 5, &id) == 0 && id == 13);
	CHECK_U64(ovp_intern__refused(&t), 2);
	CHECK_U64(ovp_intern__count(&t), 1000);
	ovp_intern__exit(&t);
	ovp_intern__exit(&t);	/* twice: zeroed */
}

int main(void)
{
	test_collisions();
	test_growth();
	test_delete_iter();
	test_cap();
	test_intern();
	CHECK_DONE();
}
