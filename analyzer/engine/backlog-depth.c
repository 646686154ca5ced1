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
		struct bq_cpu *a = realloc(d->cpus, (cpu + 1) * sizeof(*a));

		if (!a)
			return NULL;
		memset(a + d->ncpus, 0, (cpu + 1 - d->ncpus) * sizeof(*a));
		d->cpus = a;
		d->ncpus = cpu + 1;
	}
	return &d->cpus[cpu];
}

int backlog_depth__dequeue(struct backlog_depth *d, uint32_t cpu, uint64_t t)
{
	struct bq_cpu *c = cpu_get(d, cpu);

	if (!c)
		return cpu >= 4096 ? 0 : ovp_err(-ENOMEM, "out of memory");
	if (!c->t) {
		c->t = malloc(BQ_KEEP * sizeof(*c->t));
		if (!c->t)
			return ovp_err(-ENOMEM, "out of memory");
	}
	if (c->n == BQ_KEEP) {
		c->head = (c->head + 1) % BQ_KEEP;
		c->n--;
		c->wrapped = true;
	}
	c->t[(c->head + c->n++) % BQ_KEEP] = t;
	c->total++;
	return 0;
}

/*
 * Absolute numbers: the k-th dequeue of a CPU (from 0) sits in slot
 * k % BQ_KEEP while k >= total - n.  A cursor, the first dequeue after the
 * last packet's enqueue, moves by a step or two per packet: packets leave a
 * FIFO in the order they entered it, so enqueue times mostly grow.
 */
static inline uint64_t at_abs(const struct bq_cpu *c, uint64_t k)
{
	return c->t[k & (BQ_KEEP - 1)];
}

uint32_t backlog_depth__at(struct backlog_depth *d, uint32_t cpu, uint64_t t0, uint64_t t1,
			   bool *saturated)
{
	struct bq_cpu *c = cpu < d->ncpus ? &d->cpus[cpu] : NULL;
	uint64_t oldest, lo, hi;

	*saturated = false;
	if (!c || !c->n)
		return 0;
	oldest = c->total - c->n;
	lo = c->cursor < oldest ? oldest : c->cursor;
	if (lo > c->total)
		lo = c->total;
	/* First dequeue after t0. */
	while (lo > oldest && at_abs(c, lo - 1) > t0)
		lo--;
	while (lo < c->total && at_abs(c, lo) <= t0)
		lo++;
	c->cursor = lo;
	/* Dequeues before t1 only: not the packet's own, nor later ones. */
	for (hi = c->total; hi > lo && at_abs(c, hi - 1) >= t1; hi--)
		;
	*saturated = lo == oldest && c->wrapped;
	return (uint32_t)(hi - lo);
}

int backlog_depth__add(struct backlog_depth *d, uint32_t cpu, uint32_t depth, bool saturated)
{
	struct bq_cpu *c = cpu_get(d, cpu);

	if (!c)
		return cpu >= 4096 ? 0 : ovp_err(-ENOMEM, "out of memory");
	c->count++;
	c->sum += depth;
	if (depth > c->max)
		c->max = depth;
	d->count++;
	d->sum += depth;
	if (depth > d->max)
		d->max = depth;
	d->saturated += saturated;
	hist_log2__add(&d->hist, depth);
	return 0;
}

json_t *backlog_depth__json(const struct backlog_depth *d)
{
	json_t *o = json_object(), *cpus = json_array();

	json_object_set_new(o, "count", json_integer(d->count));
	json_object_set_new(o, "mean", d->count ? json_real((double)d->sum / d->count) : json_null());
	json_object_set_new(o, "max", json_integer(d->max));
	json_object_set_new(o, "saturated", json_integer(d->saturated));
	json_object_set_new(o, "depth_histogram", hist_log2__to_json(&d->hist, "lo", "hi"));
	for (size_t c = 0; c < d->ncpus; c++) {
		const struct bq_cpu *q = &d->cpus[c];
		json_t *e;

		if (!q->count)
			continue;
		e = json_object();
		json_object_set_new(e, "cpu", json_integer(c));
		json_object_set_new(e, "count", json_integer(q->count));
		json_object_set_new(e, "mean", json_real((double)q->sum / q->count));
		json_object_set_new(e, "max", json_integer(q->max));
		json_array_append_new(cpus, e);
	}
	json_object_set_new(o, "by_cpu", cpus);
	return o;
}
