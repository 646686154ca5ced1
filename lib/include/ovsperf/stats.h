/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.h - exact statistics over a set of uint64_t values (latencies in ns,
 * counts, ...).  Reports collect every value in a struct ovp_values and ask
 * for min/max/mean/stddev, exact percentiles and best/worst lists at the end.
 *
 * Percentiles use the nearest-rank definition: for p in [0, 100] over n
 * values sorted ascending, rank = ceil(p / 100 * n), clamped to [1, n], and
 * the result is the value at that 1-based rank.  So p=0 gives the minimum,
 * p=100 the maximum, p=50 of {1,2,3,4} gives 2.  The result is always one of
 * the recorded values, never an interpolation.
 *
 * Bounded memory (opt-in): a set attached to a struct ovp_values_budget with
 * ovp_values__set_budget() draws the bytes of its value array from that
 * shared budget.  When the array would grow past what is left, the set turns
 * approximate: its values go to a log-linear histogram (values below 256
 * exact, above them buckets 1/256 of a power of two wide, so any percentile
 * is within 1/256 relative of the exact one), the @extremes smallest and
 * largest values are kept exactly (so ranks among them, the best/worst
 * lists, min and max stay exact) and the standard deviation comes from
 * running sums.  count, sum, min, max and mean stay exact in both modes.
 * A set without a budget never turns approximate.
 */
#ifndef OVSPERF_STATS_H
#define OVSPERF_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Relative resolution of an approximate set's percentiles: 1 / 2^8. */
#define OVP_VALUES_SUB_BITS 8

/* Memory shared by sets (see top of file); fill it in, then attach sets. */
struct ovp_values_budget {
	size_t left;		/* bytes of exact values still allowed */
	size_t extremes;	/* smallest and largest values kept exactly once a set
				 * is approximate */
};

#define OVP_VALUES_FIXED 8

/* A growable array of values; exact percentiles.  Embed and init/exit it. */
struct ovp_values {
	uint64_t *v;		/* the values, in insertion order until sorted;
				 * NULL when approximate */
	size_t n, cap;		/* number of values, allocated slots */
	bool sorted;		/* v[] is sorted ascending (set lazily) */
	/* Running figures (both modes). */
	uint64_t min, max;	/* UINT64_MAX / 0 while empty */
	unsigned __int128 sum;	/* exact mode; approximate: n * shift + d1 */
	/* Order-statistic positions already in place (exact mode): v[fixed[i]]
	 * holds its sorted value, smaller ones before, larger after.  Valid
	 * while fixed_n == n. */
	size_t fixed[OVP_VALUES_FIXED];
	unsigned int nr_fixed;
	size_t fixed_n;
	/* Bounded mode. */
	struct ovp_values_budget *budget;
	uint64_t *bkt;		/* histogram counts; non-NULL = approximate */
	uint64_t shift;		/* running sums are of (value - shift) */
	__int128 d1;
	unsigned __int128 d2i;	/* squares of deviations below 2^31, exact */
	long double d2;		/* squares of the larger ones */
	uint64_t *lo, *hi;	/* extremes: smallest ascending, largest descending */
	size_t nr_lo, nr_hi;
	/* A value enters the extremes (ovp_values__add_slow()) only while a
	 * list is not full (ext_open) or when it is below lo_thr (the largest
	 * kept smallest) or above hi_thr: one test per value inline. */
	bool ext_open;
	uint64_t lo_thr, hi_thr;
};

/**
 * ovp_values__init() - initialize an empty set (allocates nothing).
 * @vals: the set.
 */
void ovp_values__init(struct ovp_values *vals);

/**
 * ovp_values__exit() - free the values; @vals is empty (and reusable) after.
 * @vals: the set, NULL ok.
 */
void ovp_values__exit(struct ovp_values *vals);

/* The running figures of both modes: count, sum, min, max (internal). */
static inline void ovp_values__count_in(struct ovp_values *vals, uint64_t v)
{
	vals->n++;
	vals->sum += v;
	if (v < vals->min)
		vals->min = v;
	if (v > vals->max)
		vals->max = v;
}

/* The out-of-line part of ovp_values__add(). */
int ovp_values__add_slow(struct ovp_values *vals, uint64_t v);

/* Approximate mode's bucket of @v: values below 256 have their own; above,
 * each power of two is split into 256 (internal). */
static inline size_t ovp_values__bkt(uint64_t v)
{
	const unsigned int sub = 1u << OVP_VALUES_SUB_BITS;
	unsigned int e;

	if (v < sub)
		return (size_t)v;
	e = 63 - (unsigned int)__builtin_clzll(v);	/* >= OVP_VALUES_SUB_BITS */
	return sub + (size_t)(e - OVP_VALUES_SUB_BITS) * sub +
	       (size_t)((v >> (e - OVP_VALUES_SUB_BITS)) - sub);
}

/**
 * ovp_values__add() - append one value.
 * @vals: the set.
 * @v: the value.
 *
 * Return: 0, or -ENOMEM (message set) if the array could not grow.
 */
static inline int ovp_values__add(struct ovp_values *vals, uint64_t v)
{
	/* Hot paths inline (reports add per packet): approximate mode when the
	 * value is no extreme and its deviation squares in 64 bits; exact mode
	 * with room. */
	if (vals->bkt) {
		__int128 d = (__int128)v - (__int128)vals->shift;

		if (vals->ext_open | (v < vals->lo_thr) | (v > vals->hi_thr) |
		    (d <= -(1LL << 31)) | (d >= (1LL << 31)))
			return ovp_values__add_slow(vals, v);
		vals->bkt[ovp_values__bkt(v)]++;
		vals->d1 += d;
		vals->d2i += (uint64_t)((int64_t)d * (int64_t)d);
		vals->n++;	/* the sum is n * shift + d1 */
		if (v < vals->min)
			vals->min = v;
		if (v > vals->max)
			vals->max = v;
		return 0;
	}
	if (vals->n == vals->cap)
		return ovp_values__add_slow(vals, v);
	if (vals->sorted && vals->n && v < vals->v[vals->n - 1])
		vals->sorted = false;
	vals->v[vals->n] = v;
	ovp_values__count_in(vals, v);
	return 0;
}

/* Number of values. */
size_t ovp_values__count(const struct ovp_values *vals);

/* Sum of the values (wraps on overflow, as uint64_t does). */
uint64_t ovp_values__sum(const struct ovp_values *vals);

/* Smallest / largest value; 0 if empty. */
uint64_t ovp_values__min(struct ovp_values *vals);
uint64_t ovp_values__max(struct ovp_values *vals);

/* Arithmetic mean; population standard deviation (divide by n).  0 if empty. */
double ovp_values__mean(struct ovp_values *vals);
double ovp_values__stddev(struct ovp_values *vals);

/**
 * ovp_values__percentile() - nearest-rank percentile (see top of file).
 * @vals: the set; partly reordered in place (insertion order is lost).
 * @p: percentile in [0, 100]; values outside are clamped.
 *
 * Return: the value at rank max(1, ceil(p / 100 * n)), or 0 if empty.
 */
uint64_t ovp_values__percentile(struct ovp_values *vals, double p);

/**
 * ovp_values__lowest() - the @k smallest values, ascending.
 * @vals: the set (partly reordered in place).
 * @k: how many are wanted.
 * @out: receives min(k, n) values.
 *
 * Return: the number of values written (an approximate set has at most
 * its budget's extremes).
 */
size_t ovp_values__lowest(struct ovp_values *vals, size_t k, uint64_t *out);

/**
 * ovp_values__highest() - the @k largest values, descending.
 * @vals: the set (partly reordered in place).
 * @k: how many are wanted.
 * @out: receives min(k, n) values.
 *
 * Return: the number of values written (an approximate set has at most
 * its budget's extremes).
 */
size_t ovp_values__highest(struct ovp_values *vals, size_t k, uint64_t *out);

/* Sort in place (ascending) if not sorted yet.  Exposed for reports that
 * walk vals->v in order after this call (sets without a budget only: an
 * approximate set has no array). */
void ovp_values__sort(struct ovp_values *vals);

/**
 * ovp_values__set_budget() - bound the set's memory by a shared budget.
 * @vals: an empty set.
 * @budget: the budget (outlives the set); ovp_values__exit() gives the
 *          set's bytes back.
 */
void ovp_values__set_budget(struct ovp_values *vals, struct ovp_values_budget *budget);

/* True while every value is kept (percentiles exact). */
bool ovp_values__exact(const struct ovp_values *vals);

/* Relative resolution of the percentiles: 0 when exact, else 1/256. */
double ovp_values__resolution(const struct ovp_values *vals);

/**
 * ovp_values__for_each() - visit the values (any order).
 * @vals: the set.
 * @fn: called with each value and its count: every value with count 1 when
 *      exact; each histogram bucket's middle (clamped to [min, max]) with
 *      its count when approximate.
 * @ctx: passed to @fn.
 */
void ovp_values__for_each(const struct ovp_values *vals,
			  void (*fn)(void *ctx, uint64_t value, uint64_t count), void *ctx);

#endif /* OVSPERF_STATS_H */
