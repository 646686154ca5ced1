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
 */
#ifndef OVSPERF_STATS_H
#define OVSPERF_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable array of values; exact percentiles.  Embed and init/exit it. */
struct ovp_values {
	uint64_t *v;		/* the values, in insertion order until sorted */
	size_t n, cap;		/* number of values, allocated slots */
	bool sorted;		/* v[] is sorted ascending (set lazily) */
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

/**
 * ovp_values__add() - append one value.
 * @vals: the set.
 * @v: the value.
 *
 * Return: 0, or -ENOMEM (message set) if the array could not grow.
 */
int ovp_values__add(struct ovp_values *vals, uint64_t v);

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
 * @vals: the set; sorted in place on first use (insertion order is lost).
 * @p: percentile in [0, 100]; values outside are clamped.
 *
 * Return: the value at rank max(1, ceil(p / 100 * n)), or 0 if empty.
 */
uint64_t ovp_values__percentile(struct ovp_values *vals, double p);

/**
 * ovp_values__lowest() - the @k smallest values, ascending.
 * @vals: the set (sorted in place).
 * @k: how many are wanted.
 * @out: receives min(k, n) values.
 *
 * Return: the number of values written.
 */
size_t ovp_values__lowest(struct ovp_values *vals, size_t k, uint64_t *out);

/**
 * ovp_values__highest() - the @k largest values, descending.
 * @vals: the set (sorted in place).
 * @k: how many are wanted.
 * @out: receives min(k, n) values.
 *
 * Return: the number of values written.
 */
size_t ovp_values__highest(struct ovp_values *vals, size_t k, uint64_t *out);

/* Sort in place (ascending) if not sorted yet.  Exposed for reports that
 * walk vals->v in order after this call. */
void ovp_values__sort(struct ovp_values *vals);

#endif /* OVSPERF_STATS_H */
