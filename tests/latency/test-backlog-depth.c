// SPDX-License-Identifier: Apache-2.0
/*
 * test-backlog-depth: the backlog depth at enqueue (engine/backlog-depth.h)
 * against its definition, computed the plain way from every dequeue kept in
 * full: among the last BQ_KEEP dequeues of the packet's CPU, those strictly
 * after its enqueue and strictly before its dequeue; saturated when even the
 * oldest kept one is after the enqueue and some were dropped.  Seeded
 * streams with equal times (ties at t0 and t1), CPUs with fewer dequeues
 * than the search window, depths that fill the window and reach past the
 * ring, and spans that complete after later dequeues (the walk from the
 * end); then the totals of the model object against sums of the same
 * figures.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backlog-depth.h"

#define NCPUS 3
#define MAXDQ 200000

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t *all[NCPUS];	/* every dequeue time, per CPU */
static uint64_t nall[NCPUS];
static int failures;

/* The definition, as the first implementation walked it. */
static uint32_t ref_qdepth(unsigned int cpu, uint64_t t0, uint64_t t1)
{
	uint64_t total = nall[cpu], oldest = total > BQ_KEEP ? total - BQ_KEEP : 0, lo, hi;
	bool sat;

	if (!total)
		return 1;
	for (lo = oldest; lo < total && all[cpu][lo] <= t0; lo++)
		;
	for (hi = total; hi > lo && all[cpu][hi - 1] >= t1; hi--)
		;
	sat = lo == oldest && total > BQ_KEEP;
	return (uint32_t)(hi - lo + 1) | (sat ? 0x80000000u : 0);
}

struct totals {
	uint64_t count, sum, max, sat, slots[BQ_SLOTS];
	uint64_t cpu_count[NCPUS], cpu_sum[NCPUS], cpu_max[NCPUS];
};

static void check(const char *what, unsigned int cpu, uint64_t t0, uint64_t t1, uint32_t got,
		  struct backlog_depth *d, struct totals *tt)
{
	uint32_t want = ref_qdepth(cpu, t0, t1), depth = (want & 0x7fffffffu) - 1;

	if (got != want && failures++ < 10)
		fprintf(stderr, "%s: cpu %u t0 %" PRIu64 " t1 %" PRIu64 " (dequeues %" PRIu64
			"): qdepth 0x%x, expected 0x%x\n", what, cpu, t0, t1, nall[cpu], got, want);
	if (backlog_depth__add(d, cpu, got) && failures++ < 10)
		fprintf(stderr, "%s: add failed\n", what);
	tt->count++;
	tt->sum += depth;
	tt->max = depth > tt->max ? depth : tt->max;
	tt->sat += want >> 31;
	tt->slots[hist_log2__slot(depth)]++;
	tt->cpu_count[cpu]++;
	tt->cpu_sum[cpu] += depth;
	tt->cpu_max[cpu] = depth > tt->cpu_max[cpu] ? depth : tt->cpu_max[cpu];
}

static void dequeue(struct backlog_depth *d, unsigned int cpu, uint64_t t)
{
	if (backlog_depth__dequeue(d, cpu, t) && failures++ < 10)
		fprintf(stderr, "dequeue failed\n");
	all[cpu][nall[cpu]++] = t;
}

static uint64_t u64(const json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

static void check_json(const struct backlog_depth *d, const struct totals *tt)
{
	json_t *o = backlog_depth__json(d), *h = json_object_get(o, "depth_histogram"), *e;
	uint64_t slots[BQ_SLOTS] = { 0 }, nsat = 0;
	size_t i, ncpu = 0;

	if (u64(o, "count") != tt->count || u64(o, "max") != tt->max ||
	    u64(o, "saturated") != tt->sat ||
	    json_real_value(json_object_get(o, "mean")) != (double)tt->sum / tt->count) {
		fprintf(stderr, "totals: count %" PRIu64 " max %" PRIu64 " saturated %" PRIu64
			", expected %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", u64(o, "count"),
			u64(o, "max"), u64(o, "saturated"), tt->count, tt->max, tt->sat);
		failures++;
	}
	json_array_foreach(h, i, e) {
		unsigned int s = hist_log2__slot(u64(e, "lo"));

		if (s < BQ_SLOTS)
			slots[s] = u64(e, "count");
	}
	if (memcmp(slots, tt->slots, sizeof(slots))) {
		fprintf(stderr, "depth histogram differs\n");
		failures++;
	}
	json_array_foreach(json_object_get(o, "by_cpu"), i, e) {
		size_t c = u64(e, "cpu");

		ncpu++;
		if (c >= NCPUS || u64(e, "count") != tt->cpu_count[c] ||
		    u64(e, "max") != tt->cpu_max[c] ||
		    json_real_value(json_object_get(e, "mean")) !=
		    (double)tt->cpu_sum[c] / tt->cpu_count[c]) {
			fprintf(stderr, "by_cpu entry of cpu %zu differs\n", c);
			failures++;
		}
	}
	for (i = 0; i < NCPUS; i++)
		nsat += tt->cpu_count[i] != 0;
	if (ncpu != nsat) {
		fprintf(stderr, "by_cpu: %zu CPUs, expected %" PRIu64 "\n", ncpu, nsat);
		failures++;
	}
	json_decref(o);
}

int main(void)
{
	struct backlog_depth d;
	struct totals tt;
	uint64_t now = 1000, nr_sat = 0, nr_window = 0, nr_small = 0, nr_late = 0;

	memset(&d, 0, sizeof(d));
	memset(&tt, 0, sizeof(tt));
	for (int c = 0; c < NCPUS; c++)
		all[c] = calloc(MAXDQ, sizeof(*all[c]));

	/* A packet on a CPU without dequeues yet: depth 0. */
	check("no dequeue", 2, 10, 20, backlog_depth__qdepth(&d, 2, 10, 20), &d, &tt);

	for (int i = 0; i < 150000; i++) {
		uint64_t r = rnd();
		unsigned int cpu = (unsigned int)(r % NCPUS);
		uint64_t lag, t0;
		uint32_t got;

		/* Equal times now and then: ties at both ends. */
		now += (r >> 8) % 4;
		/* Mostly short waits, some that fill the window, a few longer
		 * than the ring (CPU 0 gets most dequeues to wrap it). */
		switch ((r >> 16) % 64) {
		case 0:
			lag = (r >> 24) % 40000;
			break;
		case 1: case 2: case 3:
			lag = (r >> 24) % 200;
			break;
		default:
			lag = (r >> 24) % 12;
			break;
		}
		t0 = now > lag ? now - lag : 0;
		if ((r >> 40) % 3 == 0)
			cpu = 0;
		if ((r >> 44) % 8 == 0) {
			/* A dequeue of a packet whose span goes on (ADVANCED),
			 * or one that completes later after more dequeues. */
			dequeue(&d, cpu, now);
			if ((r >> 48) % 4 == 0) {
				uint64_t t1 = now;

				for (int k = 0; k < (int)((r >> 52) % 5); k++) {
					now += (r >> (k + 2)) % 3;
					dequeue(&d, cpu, now);
				}
				got = backlog_depth__qdepth(&d, cpu, t0, t1);
				check("late completion", cpu, t0, t1, got, &d, &tt);
				nr_late++;
			}
			continue;
		}
		if (backlog_depth__dequeue_last(&d, cpu, now, t0, &got) && failures++ < 10)
			fprintf(stderr, "dequeue_last failed\n");
		all[cpu][nall[cpu]++] = now;
		check("completion", cpu, t0, now, got, &d, &tt);
		nr_sat += got >> 31;
		nr_window += ((got & 0x7fffffffu) - 1) >= BQ_DEPTH_WINDOW - 1;
		nr_small += nall[cpu] < BQ_DEPTH_WINDOW;
		if (nall[cpu] >= MAXDQ - 16)
			break;
	}
	check_json(&d, &tt);
	/* The streams must have reached every path, or the test proves little. */
	if (!nr_sat || !nr_window || !nr_small || !nr_late || nall[0] <= BQ_KEEP) {
		fprintf(stderr, "paths not reached: saturated %" PRIu64 ", window filled %" PRIu64
			", under the window %" PRIu64 ", late %" PRIu64 ", cpu 0 dequeues %" PRIu64
			"\n", nr_sat, nr_window, nr_small, nr_late, nall[0]);
		failures++;
	}
	printf("%" PRIu64 " depths (%" PRIu64 " saturated, %" PRIu64 " past the window, %" PRIu64
	       " under it, %" PRIu64 " late): %d failures\n", tt.count, nr_sat, nr_window,
	       nr_small, nr_late, failures);
	backlog_depth__exit(&d);
	for (int c = 0; c < NCPUS; c++)
		free(all[c]);
	return failures ? 1 : 0;
}
