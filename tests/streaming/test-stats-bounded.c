// SPDX-License-Identifier: Apache-2.0
/*
 * test-stats-bounded.c - ovp_values against a sorted reference: exact mode
 * (quickselect percentiles asked in any order, lowest/highest between them,
 * adds after queries), and bounded mode past its budget (percentiles within
 * 1/256, exact count/sum/min/max/mean and extremes, values below 256 exact,
 * the budget given back on exit).
 */
#include <math.h>
#include <stdlib.h>

#include "ovsperf/stats.h"
#include "check.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

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

static uint64_t ref_rank(const uint64_t *sorted, size_t n, double p)
{
	double r = p / 100.0 * (double)n;
	size_t rank;

	r = ceil(r - r * 1e-12);
	rank = r < 1 ? 1 : (size_t)r;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* A latency-like value: mostly small, a long tail, many duplicates. */
static uint64_t sample_value(unsigned int shape)
{
	uint64_t x = xorshift();

	switch (shape) {
	case 0:
		return 1000 + x % 2000;
	case 1:
		return (x % 100 == 0) ? 1000000 + x % 5000000 : 2000 + x % 300;
	case 2:
		return x % 7;				/* heavy duplicates */
	default:
		return x >> (x % 60);			/* all magnitudes */
	}
}

static const double pcts[] = { 99.9, 50, 0, 90, 100, 99, 1, 25.5, 75, 10 };

static void test_exact(unsigned int shape, size_t n)
{
	uint64_t *ref = malloc(n * sizeof(*ref)), out[16], want[16];
	struct ovp_values v;
	size_t i, k;

	ovp_values__init(&v);
	for (i = 0; i < n; i++) {
		ref[i] = sample_value(shape);
		CHECK(ovp_values__add(&v, ref[i]) == 0);
	}
	qsort(ref, n, sizeof(*ref), cmp);
	for (int round = 0; round < 2; round++) {	/* twice: ranks already fixed */
		for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
			CHECK_U64(ovp_values__percentile(&v, pcts[i]), ref_rank(ref, n, pcts[i]));
			if (i == 3) {
				k = ovp_values__lowest(&v, 16, out);
				CHECK_U64(k, n < 16 ? n : 16);
				CHECK(!memcmp(out, ref, k * sizeof(*out)));
				k = ovp_values__highest(&v, 5, out);
				for (size_t j = 0; j < k; j++)
					want[j] = ref[n - 1 - j];
				CHECK(!memcmp(out, want, k * sizeof(*out)));
			}
		}
	}
	CHECK_U64(ovp_values__min(&v), ref[0]);
	CHECK_U64(ovp_values__max(&v), ref[n - 1]);
	CHECK(ovp_values__exact(&v));
	CHECK(ovp_values__resolution(&v) == 0);
	/* Adding after queries forgets the fixed ranks. */
	CHECK(ovp_values__add(&v, 0) == 0);
	CHECK_U64(ovp_values__percentile(&v, 0), 0);
	k = (n + 2) / 2;			/* rank of p50 among n + 1 values */
	CHECK_U64(ovp_values__percentile(&v, 50), k == 1 ? 0 : ref[k - 2]);
	ovp_values__exit(&v);
	free(ref);
}

static void test_bounded(unsigned int shape, size_t n)
{
	struct ovp_values_budget b = { .left = 4096, .extremes = 5 };
	uint64_t *ref = malloc(n * sizeof(*ref)), out[8];
	unsigned __int128 sum = 0;
	long double mean, var = 0;
	struct ovp_values v;
	size_t i, k;

	ovp_values__init(&v);
	ovp_values__set_budget(&v, &b);
	for (i = 0; i < n; i++) {
		ref[i] = sample_value(shape);
		sum += ref[i];
		CHECK(ovp_values__add(&v, ref[i]) == 0);
	}
	CHECK(!ovp_values__exact(&v));
	CHECK(ovp_values__resolution(&v) == 1.0 / 256);
	CHECK_U64(b.left, 4096);		/* the array's bytes came back */
	qsort(ref, n, sizeof(*ref), cmp);
	CHECK_U64(ovp_values__count(&v), n);
	CHECK_U64(ovp_values__sum(&v), (uint64_t)sum);
	CHECK_U64(ovp_values__min(&v), ref[0]);
	CHECK_U64(ovp_values__max(&v), ref[n - 1]);
	CHECK(ovp_values__mean(&v) == (double)((long double)(uint64_t)(sum / n) +
					       (long double)(uint64_t)(sum % n) / n));
	mean = (long double)sum / n;
	for (i = 0; i < n; i++)
		var += ((long double)ref[i] - mean) * ((long double)ref[i] - mean);
	var /= n;
	/* 1e-5: also under valgrind, whose long double is a double */
	CHECK(fabs(ovp_values__stddev(&v) - sqrt((double)var)) <= 1e-5 * sqrt((double)var) + 1e-9);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t want = ref_rank(ref, n, pcts[i]), got = ovp_values__percentile(&v, pcts[i]);
		double err = fabs((double)got - (double)want);

		if (want < 256)
			CHECK_U64(got, want);		/* small values have exact buckets */
		else
			CHECK(err <= (double)want / 256);
	}
	/* Ranks among the extremes are exact. */
	CHECK_U64(ovp_values__percentile(&v, 100.0 * 3 / n), ref[2]);
	CHECK_U64(ovp_values__percentile(&v, 100.0 * (n - 2) / n), ref[n - 3]);
	k = ovp_values__lowest(&v, 8, out);
	CHECK_U64(k, 5);
	CHECK(!memcmp(out, ref, 5 * sizeof(*out)));
	k = ovp_values__highest(&v, 3, out);
	CHECK_U64(k, 3);
	for (i = 0; i < 3; i++)
		CHECK_U64(out[i], ref[n - 1 - i]);
	ovp_values__exit(&v);
	CHECK_U64(b.left, 4096);
	free(ref);
}

/* Two sets share a budget: the one that outgrows it turns approximate, the
 * other stays exact. */
static void test_shared(void)
{
	struct ovp_values_budget b = { .left = 64 * 8 * 3, .extremes = 2 };
	struct ovp_values big, small;

	ovp_values__init(&big);
	ovp_values__init(&small);
	ovp_values__set_budget(&big, &b);
	ovp_values__set_budget(&small, &b);
	for (int i = 0; i < 60; i++)
		CHECK(ovp_values__add(&small, 60 - i) == 0);
	for (int i = 0; i < 1000; i++)
		CHECK(ovp_values__add(&big, 1000 + i) == 0);
	CHECK(ovp_values__exact(&small));
	CHECK(!ovp_values__exact(&big));
	CHECK_U64(ovp_values__percentile(&small, 50), 30);
	CHECK_U64(ovp_values__percentile(&big, 100), 1999);
	ovp_values__exit(&big);
	ovp_values__exit(&small);
	CHECK_U64(b.left, 64 * 8 * 3);
}

/*
 * The extremes when the set turns approximate: taken from the values kept
 * so far (the smallest and largest of them may be anywhere in the array),
 * then kept up to date.  Orders: ascending, descending, random with
 * duplicates, a V; @k below and above the number of values at the switch
 * (64 with this budget).
 */
static void test_extremes_at_switch(unsigned int order, size_t k)
{
	struct ovp_values_budget b = { .left = 64 * 8, .extremes = k };
	size_t n = 300, i, got;
	uint64_t ref[300], out[300];
	struct ovp_values v;

	ovp_values__init(&v);
	ovp_values__set_budget(&v, &b);
	for (i = 0; i < n; i++) {
		switch (order) {
		case 0: ref[i] = 10 * i; break;
		case 1: ref[i] = 10 * (n - i); break;
		case 2: ref[i] = xorshift() % 50; break;
		default: ref[i] = i < 40 ? 1000 - i : 1000 + i; break;
		}
		CHECK(ovp_values__add(&v, ref[i]) == 0);
	}
	CHECK(!ovp_values__exact(&v));
	qsort(ref, n, sizeof(*ref), cmp);
	got = ovp_values__lowest(&v, k, out);
	CHECK_U64(got, k < n ? k : n);
	for (i = 0; i < got; i++)
		CHECK_U64(out[i], ref[i]);
	got = ovp_values__highest(&v, k, out);
	CHECK_U64(got, k < n ? k : n);
	for (i = 0; i < got; i++)
		CHECK_U64(out[i], ref[n - 1 - i]);
	ovp_values__exit(&v);
}

int main(void)
{
	for (unsigned int order = 0; order < 4; order++) {
		test_extremes_at_switch(order, 1);
		test_extremes_at_switch(order, 5);
		test_extremes_at_switch(order, 100);
	}
	for (unsigned int shape = 0; shape < 4; shape++) {
		test_exact(shape, 1);
		test_exact(shape, 17);
		test_exact(shape, 100003);
		test_bounded(shape, 200000);
	}
	test_shared();
	if (check_failures)
		fprintf(stderr, "test-stats-bounded: %d checks failed\n", check_failures);
	else
		printf("test-stats-bounded: all checks passed\n");
	return check_failures ? 1 : 0;
}
