// SPDX-License-Identifier: Apache-2.0
/*
 * test-stats.c - ovp_values: min/max/mean/stddev, nearest-rank percentiles
 * (hand-worked cases and a brute-force reference on random data), lowest /
 * highest lists, growth past the first allocation.
 */
#include <math.h>
#include <stdlib.h>

#include "ovsperf/stats.h"
#include "check.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank for an integer percentile, all in integers: ceil(p * n / 100). */
static uint64_t ref_pct(const uint64_t *sorted, size_t n, unsigned int p)
{
	size_t rank = (p * n + 99) / 100;

	return sorted[(rank ? rank : 1) - 1];
}

static void test_empty(void)
{
	struct ovp_values v;
	uint64_t out[4];

	ovp_values__init(&v);
	CHECK_U64(ovp_values__min(&v), 0);
	CHECK_U64(ovp_values__max(&v), 0);
	CHECK(ovp_values__mean(&v) == 0);
	CHECK(ovp_values__stddev(&v) == 0);
	CHECK_U64(ovp_values__percentile(&v, 50), 0);
	CHECK_U64(ovp_values__lowest(&v, 4, out), 0);
	CHECK_U64(ovp_values__highest(&v, 4, out), 0);
	ovp_values__exit(&v);
	ovp_values__exit(NULL);
}

static void test_small(void)
{
	static const uint64_t in[] = { 40, 10, 30, 20 };
	struct ovp_values v;
	uint64_t out[8];
	size_t i;

	ovp_values__init(&v);
	for (i = 0; i < 4; i++)
		CHECK(ovp_values__add(&v, in[i]) == 0);
	CHECK_U64(ovp_values__count(&v), 4);
	CHECK_U64(ovp_values__sum(&v), 100);
	/* min/max before any sort: insertion order kept. */
	CHECK_U64(ovp_values__min(&v), 10);
	CHECK_U64(ovp_values__max(&v), 40);
	CHECK_U64(v.v[0], 40);
	CHECK(ovp_values__mean(&v) == 25.0);
	/* deviations -15,-5,5,15: squares 225+25+25+225 = 500, /4 = 125. */
	CHECK(fabs(ovp_values__stddev(&v) - sqrt(125.0)) < 1e-9);
	/* Nearest rank over {10,20,30,40}: rank = ceil(p/100*4), at least 1. */
	CHECK_U64(ovp_values__percentile(&v, 0), 10);
	CHECK_U64(ovp_values__percentile(&v, 1), 10);
	CHECK_U64(ovp_values__percentile(&v, 25), 10);
	CHECK_U64(ovp_values__percentile(&v, 25.1), 20);
	CHECK_U64(ovp_values__percentile(&v, 50), 20);
	CHECK_U64(ovp_values__percentile(&v, 75), 30);
	CHECK_U64(ovp_values__percentile(&v, 99.9), 40);
	CHECK_U64(ovp_values__percentile(&v, 100), 40);
	CHECK_U64(ovp_values__percentile(&v, 250), 40);
	CHECK_U64(ovp_values__percentile(&v, -3), 10);
	CHECK_U64(ovp_values__percentile(&v, NAN), 10);

	CHECK_U64(ovp_values__lowest(&v, 3, out), 3);
	CHECK(out[0] == 10 && out[1] == 20 && out[2] == 30);
	CHECK_U64(ovp_values__highest(&v, 8, out), 4);
	CHECK(out[0] == 40 && out[1] == 30 && out[2] == 20 && out[3] == 10);

	/* Adding after a sort must unsort, and stats must see the new value. */
	CHECK(ovp_values__add(&v, 5) == 0);
	CHECK_U64(ovp_values__percentile(&v, 0), 5);
	CHECK_U64(ovp_values__min(&v), 5);
	CHECK_U64(ovp_values__highest(&v, 1, out), 1);
	CHECK_U64(out[0], 40);
	ovp_values__exit(&v);
	CHECK_U64(v.n, 0);
}

/* The textbook example: 15 20 35 40 50 -> p30 = 20, p40 = 20, p50 = 35, p100 = 50. */
static void test_textbook(void)
{
	static const uint64_t in[] = { 50, 15, 40, 20, 35 };
	struct ovp_values v;
	size_t i;

	ovp_values__init(&v);
	for (i = 0; i < 5; i++)
		ovp_values__add(&v, in[i]);
	CHECK_U64(ovp_values__percentile(&v, 5), 15);
	CHECK_U64(ovp_values__percentile(&v, 30), 20);
	CHECK_U64(ovp_values__percentile(&v, 40), 20);
	CHECK_U64(ovp_values__percentile(&v, 50), 35);
	CHECK_U64(ovp_values__percentile(&v, 100), 50);
	ovp_values__exit(&v);
}

static void test_random(void)
{
	struct ovp_values v;
	uint64_t *ref, out[10];
	size_t n, i;
	unsigned int p;
	long double sum = 0, mean, acc = 0;

	for (n = 1; n <= 3001; n += 500) {
		ovp_values__init(&v);
		ref = malloc(n * sizeof(*ref));
		sum = 0;
		for (i = 0; i < n; i++) {
			/* Mix small values (many ties) and big ones. */
			ref[i] = i % 3 ? xorshift() % 1000 : xorshift() >> 8;
			sum += ref[i];
			CHECK(ovp_values__add(&v, ref[i]) == 0);
		}
		qsort(ref, n, sizeof(*ref), cmp);
		CHECK_U64(ovp_values__min(&v), ref[0]);
		CHECK_U64(ovp_values__max(&v), ref[n - 1]);
		mean = sum / n;
		CHECK(fabsl(ovp_values__mean(&v) - mean) <= mean * 1e-12);
		acc = 0;
		for (i = 0; i < n; i++)
			acc += (ref[i] - mean) * (ref[i] - mean);
		CHECK(fabsl(ovp_values__stddev(&v) - sqrtl(acc / n)) <= sqrtl(acc / n) * 1e-9);
		for (p = 0; p <= 100; p++)
			CHECK_U64(ovp_values__percentile(&v, p), ref_pct(ref, n, p));
		i = ovp_values__highest(&v, 10, out);
		CHECK_U64(i, n < 10 ? n : 10);
		while (i--)
			CHECK_U64(out[i], ref[n - 1 - i]);
		i = ovp_values__lowest(&v, 10, out);
		while (i--)
			CHECK_U64(out[i], ref[i]);
		free(ref);
		ovp_values__exit(&v);
	}
}

/* Values near 2^64: the mean must not overflow, stddev must be ~0. */
static void test_big(void)
{
	struct ovp_values v;
	int i;

	ovp_values__init(&v);
	for (i = 0; i < 1000; i++)
		ovp_values__add(&v, UINT64_MAX - 1);
	CHECK(ovp_values__mean(&v) > 1.8e19);
	CHECK(ovp_values__stddev(&v) < 1);
	CHECK_U64(ovp_values__percentile(&v, 50), UINT64_MAX - 1);
	ovp_values__exit(&v);
}

int main(void)
{
	test_empty();
	test_small();
	test_textbook();
	test_random();
	test_big();
	CHECK_DONE();
}
