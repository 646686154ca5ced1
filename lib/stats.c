// SPDX-License-Identifier: Apache-2.0
/*
 * stats.c - exact statistics over collected values (see stats.h).
 *
 * Values are kept in one growable array; order statistics sort it once,
 * lazily, and adding a value after that just clears the sorted flag.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/stats.h"

void ovp_values__init(struct ovp_values *vals)
{
	memset(vals, 0, sizeof(*vals));
	vals->sorted = true;
}

void ovp_values__exit(struct ovp_values *vals)
{
	if (!vals)
		return;
	free(vals->v);
	ovp_values__init(vals);
}

int ovp_values__add(struct ovp_values *vals, uint64_t v)
{
	if (vals->n == vals->cap) {
		size_t cap = vals->cap ? vals->cap * 2 : 64;
		uint64_t *nv;

		if (cap < vals->cap || cap > SIZE_MAX / sizeof(*nv))
			return ovp_err(-ENOMEM, "too many values (%zu)", vals->n);
		nv = realloc(vals->v, cap * sizeof(*nv));
		if (!nv)
			return ovp_err(-ENOMEM, "out of memory for %zu values", cap);
		vals->v = nv;
		vals->cap = cap;
	}
	if (vals->sorted && vals->n && v < vals->v[vals->n - 1])
		vals->sorted = false;
	vals->v[vals->n++] = v;
	return 0;
}

size_t ovp_values__count(const struct ovp_values *vals)
{
	return vals->n;
}

uint64_t ovp_values__sum(const struct ovp_values *vals)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < vals->n; i++)
		sum += vals->v[i];
	return sum;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void ovp_values__sort(struct ovp_values *vals)
{
	if (vals->sorted)
		return;
	qsort(vals->v, vals->n, sizeof(vals->v[0]), cmp_u64);
	vals->sorted = true;
}

uint64_t ovp_values__min(struct ovp_values *vals)
{
	uint64_t m;
	size_t i;

	if (!vals->n)
		return 0;
	if (vals->sorted)
		return vals->v[0];
	m = vals->v[0];
	for (i = 1; i < vals->n; i++)
		if (vals->v[i] < m)
			m = vals->v[i];
	return m;
}

uint64_t ovp_values__max(struct ovp_values *vals)
{
	uint64_t m;
	size_t i;

	if (!vals->n)
		return 0;
	if (vals->sorted)
		return vals->v[vals->n - 1];
	m = vals->v[0];
	for (i = 1; i < vals->n; i++)
		if (vals->v[i] > m)
			m = vals->v[i];
	return m;
}

/*
 * The mean as an integer part and a fraction in [0, 1).  The sum is exact in
 * 128 bits (n values below 2^64 cannot pass 2^128), and splitting the
 * quotient keeps full precision even for values near 2^64, where a long
 * double sum would already round.
 */
static void mean_parts(const struct ovp_values *vals, uint64_t *q, long double *frac)
{
	unsigned __int128 sum = 0;
	size_t i;

	for (i = 0; i < vals->n; i++)
		sum += vals->v[i];
	*q = (uint64_t)(sum / vals->n);
	*frac = (long double)(uint64_t)(sum % vals->n) / vals->n;
}

double ovp_values__mean(struct ovp_values *vals)
{
	long double frac;
	uint64_t q;

	if (!vals->n)
		return 0;
	mean_parts(vals, &q, &frac);
	return (double)((long double)q + frac);
}

/*
 * Two passes (mean, then squared deviations) instead of sum of squares minus
 * squared sum: the latter cancels catastrophically for large ns values with
 * a small spread.  Deviations are taken from the integer part of the mean in
 * integers first, so they are exact before the fraction is subtracted.
 */
double ovp_values__stddev(struct ovp_values *vals)
{
	long double frac, acc = 0;
	uint64_t q;
	size_t i;

	if (!vals->n)
		return 0;
	mean_parts(vals, &q, &frac);
	for (i = 0; i < vals->n; i++) {
		__int128 di = (__int128)vals->v[i] - (__int128)q;
		long double d = (long double)di - frac;

		acc += d * d;
	}
	return sqrt((double)(acc / vals->n));
}

uint64_t ovp_values__percentile(struct ovp_values *vals, double p)
{
	double r;
	size_t rank;

	if (!vals->n)
		return 0;
	if (!(p > 0))	/* also catches NaN */
		p = 0;
	if (p > 100)
		p = 100;
	ovp_values__sort(vals);
	/*
	 * p / 100 * n in floating point can land a hair above an integer
	 * (e.g. 0.07 * 100 = 7.000000000000001), which ceil() would push to the
	 * next rank; subtracting a tiny relative epsilon keeps exact ranks exact.
	 */
	r = p / 100.0 * (double)vals->n;
	r = ceil(r - r * 1e-12);
	rank = r < 1 ? 1 : (size_t)r;
	if (rank > vals->n)
		rank = vals->n;
	return vals->v[rank - 1];
}

size_t ovp_values__lowest(struct ovp_values *vals, size_t k, uint64_t *out)
{
	size_t i;

	if (k > vals->n)
		k = vals->n;
	ovp_values__sort(vals);
	for (i = 0; i < k; i++)
		out[i] = vals->v[i];
	return k;
}

size_t ovp_values__highest(struct ovp_values *vals, size_t k, uint64_t *out)
{
	size_t i;

	if (k > vals->n)
		k = vals->n;
	ovp_values__sort(vals);
	for (i = 0; i < k; i++)
		out[i] = vals->v[vals->n - 1 - i];
	return k;
}
