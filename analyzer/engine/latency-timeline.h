/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/latency-timeline.h - latency over time for the latency report (--interval):
 * per time bucket, the spans that completed in it (count, p50, p99, max,
 * exact: nearest rank) and the spans dropped by a free event in it.
 *
 * Spans reach the report in completion order, so a bucket is final once a
 * span completes in a later one: only the open bucket's latencies are kept.
 * Buckets start at the first sample of the recording and are @width ns wide.
 */
#ifndef OVSPERF_LATENCY_TIMELINE_H
#define OVSPERF_LATENCY_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct pdata_info;

struct lat_tl_bucket {
	uint64_t count, p50, p99, max, drops;
};

struct lat_tl {
	uint64_t width;			/* ns */
	uint64_t origin;		/* time of bucket 0 */
	struct lat_tl_bucket *b;
	size_t nb, cap;
	size_t open;			/* the bucket whose latencies are in vals */
	uint64_t *vals;
	size_t nv, capv;
};

/* Start: buckets of @width ns from @origin.  Allocates nothing. */
void lat_tl__init(struct lat_tl *tl, uint64_t width, uint64_t origin);
void lat_tl__exit(struct lat_tl *tl);

/* A span completed at @end with latency @lat (in completion order). */
int lat_tl__add(struct lat_tl *tl, uint64_t end, uint64_t lat);
/* A pending span was dropped at @t. */
int lat_tl__drop(struct lat_tl *tl, uint64_t t);
/* Close the open bucket (before output). */
void lat_tl__finish(struct lat_tl *tl);

/* The buckets as a JSON array (the model's "timeline"); stamps (start_utc)
 * are wall-clock (UTC) when @info has CLOCK_DATA. */
json_t *lat_tl__json(const struct lat_tl *tl, const struct pdata_info *info);

#endif /* OVSPERF_LATENCY_TIMELINE_H */
