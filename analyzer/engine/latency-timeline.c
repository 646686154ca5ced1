// SPDX-License-Identifier: Apache-2.0
/*
 * engine/latency-timeline.c - latency over time (--interval) for the latency report
 * (see engine/latency-timeline.h): computes the buckets and gives them as
 * JSON for the report's model; the text writer (out/text-latency.c) prints
 * them from there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/latency-timeline.h"
#include "ovsperf/err.h"
#include "ovsperf/pdata.h"

void lat_tl__init(struct lat_tl *tl, uint64_t width, uint64_t origin)
{
	memset(tl, 0, sizeof(*tl));
	tl->width = width;
	tl->origin = origin;
}

void lat_tl__exit(struct lat_tl *tl)
{
	free(tl->b);
	free(tl->vals);
	memset(tl, 0, sizeof(*tl));
}

/* Bucket @i exists (zeroed when new). */
static int bucket(struct lat_tl *tl, size_t i)
{
	if (i < tl->nb)
		return 0;
	if (i >= tl->cap) {
		size_t cap = tl->cap ? tl->cap : 64;
		struct lat_tl_bucket *b;

		while (cap <= i)
			cap *= 2;
		b = realloc(tl->b, cap * sizeof(*b));
		if (!b)
			return ovp_err(-ENOMEM, "--interval: out of memory for %zu buckets", cap);
		tl->b = b;
		tl->cap = cap;
	}
	memset(tl->b + tl->nb, 0, (i + 1 - tl->nb) * sizeof(*tl->b));
	tl->nb = i + 1;
	return 0;
}

static size_t index_of(const struct lat_tl *tl, uint64_t t)
{
	return t > tl->origin ? (size_t)((t - tl->origin) / tl->width) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank (stats.h) of the sorted @n values. */
static uint64_t rank(const uint64_t *v, size_t n, unsigned int pct)
{
	size_t r = (size_t)(((unsigned __int128)n * pct + 99) / 100);

	return v[(r ? r : 1) - 1];
}

/* The open bucket's figures from its latencies. */
static void close_open(struct lat_tl *tl)
{
	struct lat_tl_bucket *b;

	if (!tl->nv)
		return;
	b = &tl->b[tl->open];
	qsort(tl->vals, tl->nv, sizeof(*tl->vals), cmp_u64);
	b->count = tl->nv;
	b->p50 = rank(tl->vals, tl->nv, 50);
	b->p99 = rank(tl->vals, tl->nv, 99);
	b->max = tl->vals[tl->nv - 1];
	tl->nv = 0;
}

int lat_tl__add(struct lat_tl *tl, uint64_t end, uint64_t lat)
{
	size_t i = index_of(tl, end);
	int err;

	if (i != tl->open) {
		close_open(tl);
		tl->open = i;
	}
	err = bucket(tl, i);
	if (err)
		return err;
	if (tl->nv == tl->capv) {
		size_t cap = tl->capv ? tl->capv * 2 : 1024;
		uint64_t *v = realloc(tl->vals, cap * sizeof(*v));

		if (!v)
			return ovp_err(-ENOMEM, "--interval: out of memory");
		tl->vals = v;
		tl->capv = cap;
	}
	tl->vals[tl->nv++] = lat;
	return 0;
}

int lat_tl__drop(struct lat_tl *tl, uint64_t t)
{
	size_t i = index_of(tl, t);
	int err = bucket(tl, i);

	if (!err)
		tl->b[i].drops++;
	return err;
}

void lat_tl__finish(struct lat_tl *tl)
{
	close_open(tl);
}

/* The stamp of bucket @i: wall clock or seconds since the first sample. */
static void stamp(const struct lat_tl *tl, const struct pdata_info *info, size_t i, char *buf,
		  size_t size)
{
	uint64_t t = tl->origin + i * tl->width;

	if (info && info->has_clock_data && t >= info->clock_clk_ns) {
		uint64_t tod = info->clock_tod_ns + (t - info->clock_clk_ns);
		time_t secs = (time_t)(tod / 1000000000u);
		struct tm tm;
		char d[32];

		gmtime_r(&secs, &tm);
		strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, size, "%s.%06u", d, (unsigned int)(tod % 1000000000u / 1000));
	} else {
		snprintf(buf, size, "+%" PRIu64 ".%06u", (t - tl->origin) / 1000000000u,
			 (unsigned int)((t - tl->origin) % 1000000000u / 1000));
	}
}

json_t *lat_tl__json(const struct lat_tl *tl, const struct pdata_info *info)
{
	json_t *a = json_array();
	char ts[64];

	for (size_t i = 0; i < tl->nb; i++) {
		const struct lat_tl_bucket *b = &tl->b[i];
		json_t *o = json_object();

		json_object_set_new(o, "start_ns", json_integer(tl->origin + i * tl->width));
		if (info && info->has_clock_data) {
			stamp(tl, info, i, ts, sizeof(ts));
			json_object_set_new(o, "start_utc", json_string(ts));
		}
		json_object_set_new(o, "count", json_integer(b->count));
		json_object_set_new(o, "p50_ns", b->count ? json_integer(b->p50) : json_null());
		json_object_set_new(o, "p99_ns", b->count ? json_integer(b->p99) : json_null());
		json_object_set_new(o, "max_ns", b->count ? json_integer(b->max) : json_null());
		json_object_set_new(o, "drops", json_integer(b->drops));
		json_array_append_new(a, o);
	}
	return a;
}
