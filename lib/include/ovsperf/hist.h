/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hist.h - histograms for reports: power-of-two (bcc style) and linear
 * (bpftrace lhist style).  Adding a value never allocates; the linear
 * histogram allocates its slot array once in hist_lin__init().
 *
 * Values are bucketed as given: a caller that wants microseconds adds
 * ns / 1000 and passes "usecs" as the unit label.
 */
#ifndef OVSPERF_HIST_H
#define OVSPERF_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define HIST_LOG2_SLOTS 64

/*
 * Power-of-two histogram.  Slot i (i >= 1) holds [2^i, 2^(i+1)); slot 0 holds
 * 0 and 1.  Zero-initialize it (`struct hist_log2 h = {0};`) before use.
 */
struct hist_log2 {
	uint64_t slots[HIST_LOG2_SLOTS];	/* count per slot */
	uint64_t count;				/* total values added */
};

/* The slot index hist_log2__add() uses for @v. */
static inline unsigned int hist_log2__slot(uint64_t v)
{
	/* 0 and 1 both land in slot 0; no branch (values are data). */
	return 63 - (unsigned int)__builtin_clzll(v | 1);
}

/* Inclusive lower bound and exclusive upper bound of slot @i; for slot 63
 * the upper bound 2^64 does not fit, so UINT64_MAX (inclusive) is returned. */
uint64_t hist_log2__slot_lo(unsigned int i);
uint64_t hist_log2__slot_hi(unsigned int i);

/* Count @v (inline: reports call it per packet). */
static inline void hist_log2__add(struct hist_log2 *h, uint64_t v)
{
	h->slots[hist_log2__slot(v)]++;
	h->count++;
}

/* Add every slot of @src into @dst. */
void hist_log2__merge(struct hist_log2 *dst, const struct hist_log2 *src);

/*
 * Linear histogram with bpftrace lhist(v, min, max, step) semantics: slots of
 * width @step cover [min, max); values below min go to @under, values >= max
 * to @over.  (max - min) is rounded up to a whole number of steps, and @max
 * is moved up accordingly by hist_lin__init().
 */
struct hist_lin {
	uint64_t min, max, step;	/* range [min, max) and slot width */
	uint64_t *slots;		/* nr_slots counters, owned */
	size_t nr_slots;		/* ceil((max - min) / step) */
	uint64_t under, over;		/* values < min, values >= max */
	uint64_t count;			/* total values added */
};

/**
 * hist_lin__init() - set up a linear histogram.
 * @h: the histogram (embedded by the caller).
 * @min: lowest value of the first slot.
 * @max: end of the range (exclusive); must be > @min.
 * @step: slot width; must be > 0.
 *
 * Return: 0, -EINVAL for a bad range/step or more than 1,000,000 slots,
 * -ENOMEM (message set).  On error @h is left safe to hist_lin__exit().
 */
int hist_lin__init(struct hist_lin *h, uint64_t min, uint64_t max, uint64_t step);

/* Free the slot array.  @h NULL ok; safe on a zeroed or failed @h. */
void hist_lin__exit(struct hist_lin *h);

/* Count @v. */
void hist_lin__add(struct hist_lin *h, uint64_t v);

/**
 * hist_log2__print() - print in bcc print_log2_hist() style:
 *
 *	     usecs               : count     distribution
 *	         0 -> 1          : 5        |****                                    |
 *
 * @h: the histogram.
 * @out: where to print.
 * @unit: label of the value column, e.g. "nsecs" or "usecs".
 *
 * Empty leading and trailing slots are left out; nothing but the header is
 * printed for an empty histogram.
 */
void hist_log2__print(const struct hist_log2 *h, FILE *out, const char *unit);

/**
 * hist_log2__print_pct() - print with percentages, enqueue_to_iprec style:
 *
 *	  0-1us           :   8520 ( 55.9%) |************************                |
 *
 * @h: the histogram.
 * @out: where to print.
 * @unit: suffix of the ranges, e.g. "us" or "ns".
 * @indent: spaces before each line.
 *
 * Slots before the first and after the last non-empty one are left out.
 */
void hist_log2__print_pct(const struct hist_log2 *h, FILE *out, const char *unit, int indent);

/**
 * hist_lin__print() - print in bpftrace lhist style:
 *
 *	[0, 1000)          20201 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 *	[1000, 2000)           2 |                                                    |
 *
 * @h: the histogram.
 * @out: where to print.
 * @unit: unused by the bpftrace look (kept for symmetry; may be NULL).
 *
 * Underflow is printed as "(..., min)", overflow as "[max, ...)", each only
 * when non-zero.  Empty leading and trailing slots are left out.
 */
void hist_lin__print(const struct hist_lin *h, FILE *out, const char *unit);

/**
 * hist_log2__to_json() - the non-empty slots as a JSON array of objects
 * {@lo_key: lo, @hi_key: hi, "count": n}, lo inclusive, hi exclusive.
 * @h: the histogram.
 * @lo_key: key of the lower bound, e.g. "lo_ns" ("lo" if NULL).
 * @hi_key: key of the upper bound, e.g. "hi_ns" ("hi" if NULL).
 *
 * The hi of slot 63 (2^64) is emitted as a real, as is any bound above
 * INT64_MAX.
 *
 * Return: a new reference the caller owns, or NULL on allocation failure.
 */
json_t *hist_log2__to_json(const struct hist_log2 *h, const char *lo_key, const char *hi_key);

/**
 * hist_lin__to_json() - like hist_log2__to_json() for a linear histogram.
 * Underflow is emitted with lo 0 and hi min, overflow with lo max and hi
 * null (open-ended), each only when non-zero.  Bounds above INT64_MAX (JSON
 * integers are signed in jansson) are emitted as reals.
 *
 * Return: a new reference the caller owns, or NULL on allocation failure.
 */
json_t *hist_lin__to_json(const struct hist_lin *h, const char *lo_key, const char *hi_key);

#endif /* OVSPERF_HIST_H */
