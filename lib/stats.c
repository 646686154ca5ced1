// SPDX-License-Identifier: Apache-2.0
/*
 * stats.c - statistics over collected values (see stats.h).
 *
 * Exact mode: values are kept in one growable array; min, max and the sum
 * are running figures, and order statistics select in place (quickselect)
 * rather than sort: each selected rank stays "fixed" (in its sorted place,
 * partitioning the array), so the next rank only searches between the
 * fixed ranks around it.  A full sort happens only on ovp_values__sort().
 *
 * Bounded mode (a budget attached): when the array may not grow any more,
 * the values move to a log-linear histogram plus the smallest and largest
 * values kept exactly, and the standard deviation comes from running sums
 * of the values minus a shift (the mean at that point).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/stats.h"

#define SUB (1u << OVP_VALUES_SUB_BITS)			/* sub-buckets per power of two */
#define NR_BKT (SUB + (64 - OVP_VALUES_SUB_BITS) * SUB)	/* 256 + 56 * 256 */

void ovp_values__init(struct ovp_values *vals)
{
	memset(vals, 0, sizeof(*vals));
	vals->sorted = true;
	vals->min = UINT64_MAX;
}

void ovp_values__exit(struct ovp_values *vals)
{
	struct ovp_values_budget *b;

	if (!vals)
		return;
	b = vals->budget;
	if (b)
		b->left += vals->cap * sizeof(*vals->v);
	free(vals->v);
	free(vals->bkt);
	free(vals->lo);
	free(vals->hi);
	ovp_values__init(vals);
	vals->budget = b;
}

void ovp_values__set_budget(struct ovp_values *vals, struct ovp_values_budget *budget)
{
	vals->budget = budget;
}

bool ovp_values__exact(const struct ovp_values *vals)
{
	return !vals->bkt;
}

double ovp_values__resolution(const struct ovp_values *vals)
{
	return vals->bkt ? 1.0 / SUB : 0;
}

/* Histogram bucket of @v (stats.h). */
static inline size_t bkt_index(uint64_t v)
{
	return ovp_values__bkt(v);
}

/* The smallest value of bucket @i and the bucket's width. */
static void bkt_range(size_t i, uint64_t *lo, uint64_t *width)
{
	unsigned int e;

	if (i < SUB) {
		*lo = i;
		*width = 1;
		return;
	}
	e = (unsigned int)((i - SUB) / SUB);		/* power: 2^(e + SUB_BITS) */
	*width = 1ULL << e;
	*lo = ((uint64_t)(SUB + (i - SUB) % SUB)) << e;
}

/* A bucket's representative: its middle, within the set's [min, max]. */
static uint64_t bkt_value(const struct ovp_values *vals, size_t i)
{
	uint64_t lo, w, m;

	bkt_range(i, &lo, &w);
	m = lo + (w - 1) / 2;
	if (m < vals->min)
		m = vals->min;
	if (m > vals->max)
		m = vals->max;
	return m;
}

/* Keep @v among the @k smallest (asc) or largest (!asc) in @a[0..*n). */
static void extreme_put(uint64_t *a, size_t *n, size_t k, uint64_t v, bool asc)
{
	size_t i;

	if (*n == k && (asc ? v >= a[k - 1] : v <= a[k - 1]))
		return;
	i = *n < k ? (*n)++ : k - 1;
	while (i && (asc ? v < a[i - 1] : v > a[i - 1])) {
		a[i] = a[i - 1];
		i--;
	}
	a[i] = v;
}

/* An __int128 as a long double; through int64_t when it fits (no libgcc
 * call, same value: both conversions are exact below 2^63). */
static inline long double i128_ld(__int128 d)
{
	return d == (int64_t)d ? (long double)(int64_t)d : (long double)d;
}

/* Add d * d to the running squares: in integers (exact, no x87) when
 * |d| < 2^31, which is every latency below two seconds off the shift. */
static inline void add_square(struct ovp_values *vals, __int128 d)
{
	if (d > -(1LL << 31) && d < (1LL << 31)) {
		int64_t x = (int64_t)d;

		vals->d2i += (uint64_t)(x * x);
	} else {
		long double ld = i128_ld(d);

		vals->d2 += ld * ld;
	}
}

/* The thresholds of the inline add (stats.h) from the extremes kept. */
static void set_thresholds(struct ovp_values *vals)
{
	size_t k = vals->budget->extremes;

	if (!k) {
		vals->ext_open = false;
		vals->lo_thr = 0;		/* nothing is below */
		vals->hi_thr = UINT64_MAX;	/* nor above */
		return;
	}
	vals->ext_open = vals->nr_lo < k || vals->nr_hi < k;
	vals->lo_thr = vals->nr_lo == k ? vals->lo[k - 1] : 0;
	vals->hi_thr = vals->nr_hi == k ? vals->hi[k - 1] : UINT64_MAX;
}

static void approx_add(struct ovp_values *vals, uint64_t v)
{
	__int128 d = (__int128)v - (__int128)vals->shift;
	size_t k = vals->budget->extremes;

	vals->bkt[bkt_index(v)]++;
	vals->d1 += d;
	add_square(vals, d);
	if (k) {
		extreme_put(vals->lo, &vals->nr_lo, k, v, true);
		extreme_put(vals->hi, &vals->nr_hi, k, v, false);
		set_thresholds(vals);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* @a outranks @b at the top of a heap keeping the smallest (@asc: the
 * largest kept is on top) or the largest values. */
static inline bool heap_above(uint64_t a, uint64_t b, bool asc)
{
	return asc ? a > b : a < b;
}

static void kheap_down(uint64_t *h, size_t n, size_t i, bool asc)
{
	uint64_t x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && heap_above(h[c + 1], h[c], asc))
			c++;
		if (!heap_above(h[c], x, asc))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/*
 * The min(@k, @n) smallest (@asc) or largest values of @v[0..n) into @out,
 * ascending (or descending): a heap of the kept ones whose top is the first
 * to go, so a value that does not enter costs one comparison; O(n log k) at
 * worst.  Return: how many were written.
 */
static size_t keep_extremes(const uint64_t *v, size_t n, size_t k, uint64_t *out, bool asc)
{
	size_t m = k < n ? k : n, i;

	memcpy(out, v, m * sizeof(*out));
	for (i = m / 2; i-- > 0;)
		kheap_down(out, m, i, asc);
	for (i = m; i < n; i++) {
		if (!heap_above(out[0], v[i], asc))
			continue;
		out[0] = v[i];
		kheap_down(out, m, 0, asc);
	}
	/* Heap sort: the top goes to the end, leaving the best first. */
	for (i = m; i > 1; i--) {
		uint64_t t = out[0];

		out[0] = out[i - 1];
		out[i - 1] = t;
		kheap_down(out, i - 1, 0, asc);
	}
	return m;
}

/* Exact -> approximate: histogram the values kept so far, free them. */
static int to_approx(struct ovp_values *vals, uint64_t next)
{
	size_t k = vals->budget->extremes, i;
	uint64_t *bkt = calloc(NR_BKT, sizeof(*bkt));

	vals->lo = calloc(k ? k : 1, sizeof(*vals->lo));
	vals->hi = calloc(k ? k : 1, sizeof(*vals->hi));
	if (!bkt || !vals->lo || !vals->hi) {
		free(bkt);
		free(vals->lo);
		free(vals->hi);
		vals->lo = vals->hi = NULL;
		return ovp_err(-ENOMEM, "out of memory for a histogram");
	}
	if (k && vals->n) {
		/* One pass with a bounded heap each (a selection would partition
		 * the whole array, mispredicting on every other value). */
		vals->nr_lo = keep_extremes(vals->v, vals->n, k, vals->lo, true);
		vals->nr_hi = keep_extremes(vals->v, vals->n, k, vals->hi, false);
	}
	vals->bkt = bkt;
	vals->shift = vals->n ? (uint64_t)(vals->sum / vals->n) : next;
	vals->d1 = 0;
	vals->d2i = 0;
	vals->d2 = 0;
	for (i = 0; i < vals->n; i++) {
		__int128 d = (__int128)vals->v[i] - (__int128)vals->shift;

		vals->bkt[bkt_index(vals->v[i])]++;
		vals->d1 += d;
		add_square(vals, d);
	}
	vals->budget->left += vals->cap * sizeof(*vals->v);
	free(vals->v);
	vals->v = NULL;
	vals->cap = 0;
	vals->sorted = false;
	vals->nr_fixed = 0;
	set_thresholds(vals);
	return 0;
}

/* Room for one more value: grow the array, or turn approximate. */
static int make_room(struct ovp_values *vals, uint64_t next)
{
	struct ovp_values_budget *b = vals->budget;
	/* Budgeted sets grow by half: less slack when the budget is tight. */
	size_t cap = !vals->cap ? 64 : b ? vals->cap + vals->cap / 2 : vals->cap * 2;
	uint64_t *nv;

	if (cap < vals->cap || cap > SIZE_MAX / sizeof(*nv))
		return ovp_err(-ENOMEM, "too many values (%zu)", vals->n);
	if (b && (cap - vals->cap) * sizeof(*nv) > b->left) {
		/* Use up what is left when that is still a fair step. */
		size_t more = b->left / sizeof(*nv), step = vals->cap / 8;

		if (more < (step > 64 ? step : 64))
			return to_approx(vals, next);
		cap = vals->cap + more;
	}
	nv = realloc(vals->v, cap * sizeof(*nv));
	if (!nv)
		return ovp_err(-ENOMEM, "out of memory for %zu values", cap);
	if (b)
		b->left -= (cap - vals->cap) * sizeof(*nv);
	vals->v = nv;
	vals->cap = cap;
	return 0;
}

/* ovp_values__add() when the set is approximate or its array is full. */
int ovp_values__add_slow(struct ovp_values *vals, uint64_t v)
{
	int err;

	if (!vals->bkt) {
		err = make_room(vals, v);
		if (err)
			return err;
		if (!vals->bkt)
			return ovp_values__add(vals, v);	/* room now: the exact path */
	}
	approx_add(vals, v);
	ovp_values__count_in(vals, v);
	return 0;
}

size_t ovp_values__count(const struct ovp_values *vals)
{
	return vals->n;
}

/* The exact sum of the values (an approximate set's from its running sums:
 * n * shift stays below 2^127 while n < 2^63). */
static unsigned __int128 total(const struct ovp_values *vals)
{
	if (!vals->bkt)
		return vals->sum;
	return (unsigned __int128)((__int128)vals->n * (__int128)vals->shift + vals->d1);
}

uint64_t ovp_values__sum(const struct ovp_values *vals)
{
	return (uint64_t)total(vals);	/* wraps as a uint64_t sum would */
}

void ovp_values__sort(struct ovp_values *vals)
{
	if (vals->sorted || !vals->v)
		return;
	qsort(vals->v, vals->n, sizeof(vals->v[0]), cmp_u64);
	vals->sorted = true;
}

uint64_t ovp_values__min(struct ovp_values *vals)
{
	return vals->n ? vals->min : 0;
}

uint64_t ovp_values__max(struct ovp_values *vals)
{
	return vals->n ? vals->max : 0;
}

/*
 * The mean as an integer part and a fraction in [0, 1).  The sum is exact in
 * 128 bits (n values below 2^64 cannot pass 2^128), and splitting the
 * quotient keeps full precision even for values near 2^64, where a long
 * double sum would already round.
 */
static void mean_parts(const struct ovp_values *vals, uint64_t *q, long double *frac)
{
	unsigned __int128 sum = total(vals);

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
 * Exact mode: two passes (mean, then squared deviations) instead of sum of
 * squares minus squared sum: the latter cancels catastrophically for large
 * ns values with a small spread.  Deviations are taken from the integer part
 * of the mean in integers first, so they are exact before the fraction is
 * subtracted.  Approximate mode: the same formula from the running sums of
 * deviations from the shift (close to the mean, so little cancellation).
 */
double ovp_values__stddev(struct ovp_values *vals)
{
	long double frac, acc = 0;
	uint64_t q;
	size_t i;

	if (!vals->n)
		return 0;
	if (vals->bkt) {
		long double m = (long double)vals->d1 / vals->n;
		long double var = (vals->d2 + (long double)vals->d2i) / vals->n - m * m;

		return var > 0 ? sqrt((double)var) : 0;
	}
	mean_parts(vals, &q, &frac);
	for (i = 0; i < vals->n; i++) {
		__int128 di = (__int128)vals->v[i] - (__int128)q;
		long double d = i128_ld(di) - frac;

		acc += d * d;
	}
	return sqrt((double)(acc / vals->n));
}

static void insertion_sort(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = a[i];
		size_t j = i;

		while (j && a[j - 1] > x) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

static inline void swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

/*
 * Put the value of sorted rank @k (0-based) of a[lo..hi) at a[k], smaller
 * ones before it, larger ones after.  Hoare partition around the median of
 * three: each round leaves both sides non-empty, so it always progresses.
 */
static void quickselect(uint64_t *a, size_t lo, size_t hi, size_t k)
{
	while (hi - lo > 16) {
		size_t mid = lo + (hi - lo) / 2, i, j;
		uint64_t p;

		if (a[mid] < a[lo])
			swap_u64(&a[mid], &a[lo]);
		if (a[hi - 1] < a[lo])
			swap_u64(&a[hi - 1], &a[lo]);
		if (a[hi - 1] < a[mid])
			swap_u64(&a[hi - 1], &a[mid]);
		p = a[mid];
		i = lo - 1;
		j = hi;
		for (;;) {
			do
				i++;
			while (a[i] < p);
			do
				j--;
			while (a[j] > p);
			if (i >= j)
				break;
			swap_u64(&a[i], &a[j]);
		}
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	insertion_sort(a + lo, hi - lo);
}

/* The value of sorted rank @k (0-based, < n) of an exact set. */
static uint64_t select_rank(struct ovp_values *vals, size_t k)
{
	size_t lo = 0, hi = vals->n;
	unsigned int i;

	if (vals->sorted)
		return vals->v[k];
	if (vals->fixed_n != vals->n) {
		vals->nr_fixed = 0;
		vals->fixed_n = vals->n;
	}
	for (i = 0; i < vals->nr_fixed; i++) {
		size_t p = vals->fixed[i];

		if (p == k)
			return vals->v[k];
		if (p < k && p + 1 > lo)
			lo = p + 1;
		if (p > k && p < hi)
			hi = p;
	}
	quickselect(vals->v, lo, hi, k);
	if (vals->nr_fixed < OVP_VALUES_FIXED)
		vals->fixed[vals->nr_fixed++] = k;
	return vals->v[k];
}

/* The value of 1-based rank @rank of an approximate set. */
static uint64_t approx_rank(const struct ovp_values *vals, size_t rank)
{
	uint64_t seen = 0;
	size_t i;

	if (rank <= vals->nr_lo)
		return vals->lo[rank - 1];
	if (vals->n - rank < vals->nr_hi)
		return vals->hi[vals->n - rank];
	for (i = 0; i < NR_BKT; i++) {
		seen += vals->bkt[i];
		if (seen >= rank)
			return bkt_value(vals, i);
	}
	return vals->max;
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
	if (rank == 1)
		return vals->min;
	if (rank == vals->n)
		return vals->max;
	if (vals->bkt)
		return approx_rank(vals, rank);
	return select_rank(vals, rank - 1);
}

/* Copy @k values from @src to @out in ascending (or descending) order. */
static void copy_sorted(uint64_t *out, const uint64_t *src, size_t k, bool desc)
{
	memcpy(out, src, k * sizeof(*out));
	if (k > 32)
		qsort(out, k, sizeof(*out), cmp_u64);
	else
		insertion_sort(out, k);
	if (desc)
		for (size_t i = 0; i < k / 2; i++)
			swap_u64(&out[i], &out[k - 1 - i]);
}

size_t ovp_values__lowest(struct ovp_values *vals, size_t k, uint64_t *out)
{
	if (k > vals->n)
		k = vals->n;
	if (!k)
		return 0;
	if (vals->bkt) {
		if (k > vals->nr_lo)
			k = vals->nr_lo;
		memcpy(out, vals->lo, k * sizeof(*out));
		return k;
	}
	if (!vals->sorted && k < vals->n)
		select_rank(vals, k - 1);
	copy_sorted(out, vals->v, k, false);
	return k;
}

size_t ovp_values__highest(struct ovp_values *vals, size_t k, uint64_t *out)
{
	if (k > vals->n)
		k = vals->n;
	if (!k)
		return 0;
	if (vals->bkt) {
		if (k > vals->nr_hi)
			k = vals->nr_hi;
		memcpy(out, vals->hi, k * sizeof(*out));
		return k;
	}
	if (!vals->sorted && k < vals->n)
		select_rank(vals, vals->n - k);
	copy_sorted(out, vals->v + vals->n - k, k, true);
	return k;
}

void ovp_values__for_each(const struct ovp_values *vals,
			  void (*fn)(void *ctx, uint64_t value, uint64_t count), void *ctx)
{
	size_t i;

	if (!vals->bkt) {
		for (i = 0; i < vals->n; i++)
			fn(ctx, vals->v[i], 1);
		return;
	}
	for (i = 0; i < NR_BKT; i++)
		if (vals->bkt[i])
			fn(ctx, bkt_value(vals, i), vals->bkt[i]);
}
