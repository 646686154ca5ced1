// SPDX-License-Identifier: Apache-2.0
/*
 * engine/backlog-depth.c - backlog queue depth at enqueue (see engine/backlog-depth.h):
 * computed per packet, given as JSON for the latency report's model (the
 * text writer, out/text-latency.c, prints it from there).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backlog-depth.h"
#include "ovsperf/err.h"

void backlog_depth__exit(struct backlog_depth *d)
{
	for (size_t c = 0; c < d->ncpus; c++)
		free(d->cpus[c].t);
	free(d->cpus);
	memset(d, 0, sizeof(*d));
}

static struct bq_cpu *cpu_get(struct backlog_depth *d, uint32_t cpu)
{
	if (cpu >= 4096)
		return NULL;
	if (cpu >= d->ncpus) {
		struct bq_cpu *a;

		/* Cache-line aligned: grown by hand, realloc() would not keep it. */
		if (posix_memalign((void **)&a, 64, (cpu + 1) * sizeof(*a)))
			return NULL;
		if (d->ncpus)
			memcpy(a, d->cpus, d->ncpus * sizeof(*a));
		memset(a + d->ncpus, 0, (cpu + 1 - d->ncpus) * sizeof(*a));
		free(d->cpus);
		d->cpus = a;
		d->ncpus = cpu + 1;
	}
	return &d->cpus[cpu];
}

/* The first dequeue of a CPU (its ring allocated) or one beyond the CPUs
 * seen so far. */
int backlog_depth__dequeue_slow(struct backlog_depth *d, uint32_t cpu, uint64_t t)
{
	struct bq_cpu *c = cpu_get(d, cpu);

	if (!c)
		return cpu >= 4096 ? 0 : ovp_err(-ENOMEM, "out of memory");
	if (!c->t) {
		c->t = calloc(BQ_KEEP, sizeof(*c->t));	/* the window reads all slots */
		if (!c->t)
			return ovp_err(-ENOMEM, "out of memory");
	}
	c->t[c->total++ & (BQ_KEEP - 1)] = t;
	return 0;
}

uint64_t backlog_depth__count_after(const struct bq_cpu *c, uint64_t t)
{
	uint64_t lo = c->total > BQ_KEEP ? c->total - BQ_KEEP : 0, hi = c->total;

	/* The first dequeue after @t: the slots are in time order. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2, v = c->t[mid & (BQ_KEEP - 1)];

		if (v > t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return c->total - lo;
}

/* A CPU beyond those seen so far. */
int backlog_depth__add_slow(struct backlog_depth *d, uint32_t cpu, uint32_t qdepth)
{
	if (!cpu_get(d, cpu))
		return cpu >= 4096 ? 0 : ovp_err(-ENOMEM, "out of memory");
	return backlog_depth__add(d, cpu, qdepth);
}

json_t *backlog_depth__json(const struct backlog_depth *d)
{
	json_t *o = json_object(), *cpus = json_array();
	uint64_t count = 0, sum = 0, max = 0, saturated = 0;
	struct hist_log2 hist;

	memset(&hist, 0, sizeof(hist));
	for (size_t c = 0; c < d->ncpus; c++) {
		const struct bq_cpu *q = &d->cpus[c];
		uint64_t n = 0;
		json_t *e;

		for (int i = 0; i < BQ_SLOTS; i++) {
			hist.slots[i] += q->slots[i];
			n += q->slots[i];
		}
		hist.count += n;
		count += n;
		sum += q->sum;
		if (q->max > max)
			max = q->max;
		saturated += q->saturated;
		if (!n)
			continue;
		e = json_object();
		json_object_set_new(e, "cpu", json_integer(c));
		json_object_set_new(e, "count", json_integer(n));
		json_object_set_new(e, "mean", json_real((double)q->sum / n));
		json_object_set_new(e, "max", json_integer(q->max));
		json_array_append_new(cpus, e);
	}
	json_object_set_new(o, "count", json_integer(count));
	json_object_set_new(o, "mean", count ? json_real((double)sum / count) : json_null());
	json_object_set_new(o, "max", json_integer(max));
	json_object_set_new(o, "saturated", json_integer(saturated));
	json_object_set_new(o, "depth_histogram", hist_log2__to_json(&hist, "lo", "hi"));
	json_object_set_new(o, "by_cpu", cpus);
	return o;
}
