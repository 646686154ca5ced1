// SPDX-License-Identifier: Apache-2.0
/*
 * hist.c - log2 and linear histograms and their text/JSON printers (see
 * hist.h).  The text looks copy the tools ovsperf replaces so their users
 * can read the output at a glance: bcc's print_log2_hist() for log2,
 * enqueue_to_iprec_latency's "range : count (pct) |bar|" and bpftrace's
 * lhist() "[lo, hi) count |@@@|".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/hist.h"

/* Limit for hist_lin__init(): more slots than this is a usage mistake. */
#define HIST_LIN_MAX_SLOTS 1000000

uint64_t hist_log2__slot_lo(unsigned int i)
{
	if (i == 0)
		return 0;
	return i < 64 ? 1ULL << i : UINT64_MAX;
}

uint64_t hist_log2__slot_hi(unsigned int i)
{
	return i < 63 ? 1ULL << (i + 1) : UINT64_MAX;
}

void hist_log2__merge(struct hist_log2 *dst, const struct hist_log2 *src)
{
	unsigned int i;

	for (i = 0; i < HIST_LOG2_SLOTS; i++)
		dst->slots[i] += src->slots[i];
	dst->count += src->count;
}

int hist_lin__init(struct hist_lin *h, uint64_t min, uint64_t max, uint64_t step)
{
	uint64_t n;

	memset(h, 0, sizeof(*h));
	if (!step)
		return ovp_err(-EINVAL, "linear histogram: step must be > 0");
	if (max <= min)
		return ovp_err(-EINVAL, "linear histogram: max (%" PRIu64 ") must be above min "
			       "(%" PRIu64 ")", max, min);
	n = (max - min) / step + ((max - min) % step != 0);
	if (n > HIST_LIN_MAX_SLOTS)
		return ovp_err(-EINVAL, "linear histogram: %" PRIu64 " slots, at most %d allowed",
			       n, HIST_LIN_MAX_SLOTS);
	/* Rounded up, min + n * step may not fit in 64 bits (nor n * step). */
	if (step > (UINT64_MAX - min) / n)
		return ovp_err(-EINVAL, "linear histogram: range overflows");
	h->slots = calloc(n, sizeof(*h->slots));
	if (!h->slots)
		return ovp_err(-ENOMEM, "linear histogram: out of memory for %" PRIu64 " slots", n);
	h->min = min;
	h->max = min + n * step;
	h->step = step;
	h->nr_slots = n;
	return 0;
}

void hist_lin__exit(struct hist_lin *h)
{
	if (!h)
		return;
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

void hist_lin__add(struct hist_lin *h, uint64_t v)
{
	h->count++;
	if (v < h->min)
		h->under++;
	else if (v >= h->max)
		h->over++;
	else
		h->slots[(v - h->min) / h->step]++;
}

/* Print @n copies of @c. */
static void put_chars(FILE *out, int c, unsigned int n)
{
	while (n--)
		fputc(c, out);
}

/*
 * A bar of @width cells, @val / @val_max of them filled with @c.  Computed
 * in long double: val * width overflows uint64_t for counts near 2^58.
 */
static void put_bar(FILE *out, int c, uint64_t val, uint64_t val_max, unsigned int width)
{
	unsigned int fill = 0;

	if (val_max)
		fill = (unsigned int)((long double)(val > val_max ? val_max : val) * width / val_max);
	put_chars(out, c, fill);
	put_chars(out, ' ', width - fill);
}

/* First and last non-empty slot; false if the histogram is empty. */
static bool log2_bounds(const struct hist_log2 *h, int *first, int *last, uint64_t *val_max)
{
	int i;

	*first = -1;
	*last = -1;
	*val_max = 0;
	for (i = 0; i < HIST_LOG2_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (*first < 0)
			*first = i;
		*last = i;
		if (h->slots[i] > *val_max)
			*val_max = h->slots[i];
	}
	return *first >= 0;
}

/* Inclusive upper end of slot @i, as the printers show it ("4 -> 7"). */
static uint64_t slot_last(unsigned int i)
{
	return i < 63 ? (1ULL << (i + 1)) - 1 : UINT64_MAX;
}

void hist_log2__print(const struct hist_log2 *h, FILE *out, const char *unit)
{
	int first, last, i, width, stars;
	bool wide;
	uint64_t val_max;

	if (!unit)
		unit = "value";
	if (!log2_bounds(h, &first, &last, &val_max)) {
		fprintf(out, "%5s%-19s : count    distribution\n", "", unit);
		return;
	}
	/* bcc switches to wide columns once the highest bound passes 10 digits. */
	wide = last > 32;
	width = wide ? 20 : 10;
	stars = wide ? 20 : 40;
	fprintf(out, "%*s%-*s : count    distribution\n", wide ? 15 : 5, "", wide ? 29 : 19, unit);
	for (i = first; i <= last; i++) {
		fprintf(out, "%*" PRIu64 " -> %-*" PRIu64 " : %-8" PRIu64 " |", width,
			hist_log2__slot_lo(i), width, slot_last(i), h->slots[i]);
		put_bar(out, '*', h->slots[i], val_max, stars);
		fputs("|\n", out);
	}
}

void hist_log2__print_pct(const struct hist_log2 *h, FILE *out, const char *unit, int indent)
{
	int first, last, i;
	uint64_t val_max, total = 0;
	char label[64];

	if (!unit)
		unit = "";
	if (!log2_bounds(h, &first, &last, &val_max))
		return;
	/* Percentages of what is shown, which is h->count unless slots were
	 * filled behind our back; summing keeps them adding up to 100. */
	for (i = first; i <= last; i++)
		total += h->slots[i];
	for (i = first; i <= last; i++) {
		long double share = (long double)h->slots[i] / total;

		snprintf(label, sizeof(label), "%" PRIu64 "-%" PRIu64 "%s",
			 hist_log2__slot_lo(i), slot_last(i), unit);
		fprintf(out, "%*s%-16s: %6" PRIu64 " (%5.1f%%) |", indent, "", label,
			h->slots[i], (double)(share * 100));
		/* The bar shows the share of all samples, like the percentage. */
		put_bar(out, '*', (uint64_t)(share * 40 + 0.5L), 40, 40);
		fputs("|\n", out);
	}
}

/* bpftrace prints lhist bars 52 cells wide. */
#define LHIST_BAR 52

static void lin_line(FILE *out, const char *label, uint64_t count, uint64_t val_max)
{
	fprintf(out, "%-16s%8" PRIu64 " |", label, count);
	put_bar(out, '@', count, val_max, LHIST_BAR);
	fputs("|\n", out);
}

void hist_lin__print(const struct hist_lin *h, FILE *out, const char *unit)
{
	/* Cells: 0 = underflow, 1..nr_slots = slots, nr_slots + 1 = overflow. */
	size_t ncells = h->nr_slots + 2, first = SIZE_MAX, last = 0, c;
	uint64_t val_max = 0, val;
	char label[64];

	for (c = 0; c < ncells; c++) {
		val = c == 0 ? h->under : c == ncells - 1 ? h->over : h->slots[c - 1];
		if (!val)
			continue;
		if (first == SIZE_MAX)
			first = c;
		last = c;
		if (val > val_max)
			val_max = val;
	}
	if (first == SIZE_MAX)
		return;
	for (c = first; c <= last; c++) {
		if (c == 0) {
			snprintf(label, sizeof(label), "(..., %" PRIu64 ")", h->min);
			val = h->under;
		} else if (c == ncells - 1) {
			snprintf(label, sizeof(label), "[%" PRIu64 ", ...)", h->max);
			val = h->over;
		} else {
			uint64_t lo = h->min + (c - 1) * h->step;

			snprintf(label, sizeof(label), "[%" PRIu64 ", %" PRIu64 ")", lo,
				 lo + h->step);
			val = h->slots[c - 1];
		}
		lin_line(out, label, val, val_max);
	}
}

/* A JSON number for @v: an integer when it fits json_int_t, else a real. */
static json_t *json_u64(uint64_t v)
{
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	return json_real((double)v);
}

/*
 * Append {lo_key: lo, hi_key: hi, "count": n} to @arr; takes the references
 * to @lo and @hi (json_object_set_new() accepts NULL and fails).
 */
static int append_bucket(json_t *arr, const char *lo_key, const char *hi_key, json_t *lo,
			 json_t *hi, uint64_t n)
{
	json_t *o = json_object();

	if (!o) {
		json_decref(lo);
		json_decref(hi);
		return -ENOMEM;
	}
	if (json_object_set_new(o, lo_key, lo) | json_object_set_new(o, hi_key, hi) |
	    json_object_set_new(o, "count", json_u64(n))) {
		json_decref(o);
		return -ENOMEM;
	}
	return json_array_append_new(arr, o) ? -ENOMEM : 0;
}

json_t *hist_log2__to_json(const struct hist_log2 *h, const char *lo_key, const char *hi_key)
{
	json_t *arr = json_array(), *hi;
	unsigned int i;

	if (!arr)
		return NULL;
	lo_key = lo_key ? lo_key : "lo";
	hi_key = hi_key ? hi_key : "hi";
	for (i = 0; i < HIST_LOG2_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		/* The upper bound of slot 63, 2^64, is only representable as a real. */
		hi = i < 63 ? json_u64(hist_log2__slot_hi(i)) : json_real(18446744073709551616.0);
		if (append_bucket(arr, lo_key, hi_key, json_u64(hist_log2__slot_lo(i)), hi,
				  h->slots[i]))
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

json_t *hist_lin__to_json(const struct hist_lin *h, const char *lo_key, const char *hi_key)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	lo_key = lo_key ? lo_key : "lo";
	hi_key = hi_key ? hi_key : "hi";
	if (h->under &&
	    append_bucket(arr, lo_key, hi_key, json_u64(0), json_u64(h->min), h->under))
		goto fail;
	for (i = 0; i < h->nr_slots; i++) {
		uint64_t lo = h->min + i * h->step;

		if (h->slots[i] && append_bucket(arr, lo_key, hi_key, json_u64(lo),
						 json_u64(lo + h->step), h->slots[i]))
			goto fail;
	}
	if (h->over &&
	    append_bucket(arr, lo_key, hi_key, json_u64(h->max), json_null(), h->over))
		goto fail;
	return arr;
fail:
	json_decref(arr);
	return NULL;
}
