/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/hist-json.h - for the text writers: a histogram of a report model (the
 * bucket arrays hist_log2__to_json() and hist_lin__to_json() write) turned
 * back into a struct hist_log2 / hist_lin, so lib/hist.c's printers draw it
 * exactly as they draw the report's own histogram.
 */
#ifndef OVSPERF_OUT_HIST_JSON_H
#define OVSPERF_OUT_HIST_JSON_H

#include <stdint.h>

#include <jansson.h>

#include "ovsperf/hist.h"

/**
 * out_hist_log2_from_json() - fill @h (zeroed here) from @buckets.
 * @lo_key: the buckets' lower-bound member ("lo_us").
 */
void out_hist_log2_from_json(struct hist_log2 *h, const json_t *buckets, const char *lo_key);

/**
 * out_hist_lin_from_json() - set up @h with the histogram's @shape
 * ({"min", "max", "step"}, a '_' member of the model) and fill it from
 * @buckets (lower bound @lo_key, upper bound @hi_key; the underflow bucket
 * is [0, min), the overflow one has a null upper bound).
 *
 * Return: 0, or negative errno (message set); @h is then safe to
 * hist_lin__exit().
 */
int out_hist_lin_from_json(struct hist_lin *h, const json_t *shape, const json_t *buckets,
			   const char *lo_key, const char *hi_key);

/* A non-negative JSON number as uint64_t (integers, and the reals the
 * histograms use above INT64_MAX); 0 for anything else. */
uint64_t out_json_u64(const json_t *v);

#endif /* OVSPERF_OUT_HIST_JSON_H */
