// SPDX-License-Identifier: Apache-2.0
/*
 * read-bench.c - the reader alone: opens a perf.data with the session API,
 * resolves the skbaddr field of every tracepoint that has one, reads it from
 * each sample (a minimal real consumer) and prints events, CPU time,
 * events per second and a hash of the delivery order (to check that an
 * optimisation of the reader changes nothing).  Separates the reader's cost from a report's.
 *
 * Usage: read-bench FILE [--no-ordering]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/pdata.h"

struct rb_tool {
	struct pdata_tool tool;
	struct evdec_field *skb;	/* by evsel index; unresolved when absent */
	uint64_t nr, sum, last_time, out_of_order;
	uint64_t order;	/* hash of the delivery order: compares reader versions */
};

static int rb_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct rb_tool *t = (struct rb_tool *)tool;
	int i, n = pdata_session__nr_evsels(s);

	t->skb = calloc((size_t)n, sizeof(*t->skb));
	if (!t->skb)
		return ovp_err(-12, "out of memory");
	for (i = 0; i < n; i++)
		evdec_field__find(&t->skb[i], pdata_session__evsel(s, i), "skbaddr");
	return 0;
}

static int rb_sample(struct pdata_tool *tool, const struct pdata_sample *s)
{
	struct rb_tool *t = (struct rb_tool *)tool;
	const struct evdec_field *f = &t->skb[s->evsel->idx];

	t->nr++;
	if (s->time < t->last_time)
		t->out_of_order++;
	t->last_time = s->time;
	t->order = (t->order ^ s->file_offset ^ (uint64_t)s->evsel->idx << 56 ^ s->cpu) *
		   0x100000001b3ull;
	if (f->f)
		t->sum += evdec_field__u64(f, s);
	return 0;
}

int main(int argc, char **argv)
{
	struct pdata_open_opts opts = { .sz = sizeof(opts) };
	struct rb_tool t = { 0 };
	struct pdata_session *s;
	struct timespec a, b;
	double sec;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: read-bench FILE [--no-ordering]\n");
		return 2;
	}
	opts.no_ordering = argc > 2 && !strcmp(argv[2], "--no-ordering");
	pdata_tool__init(&t.tool);
	t.tool.ready = rb_ready;
	t.tool.sample = rb_sample;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	err = pdata_session__open(&s, argv[1], &opts);
	err = err ?: pdata_session__process(s, &t.tool);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	if (err) {
		ovp_print_error("%s", ovp_errmsg());
		pdata_session__close(s);
		return 1;
	}
	sec = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("events %" PRIu64 " cpu %.3f s rate %.2f M/s out_of_order %" PRIu64
	       " checksum %" PRIx64 " order %" PRIx64 "\n", t.nr, sec, (double)t.nr / sec / 1e6,
	       t.out_of_order, t.sum, t.order);
	pdata_session__close(s);
	free(t.skb);
	return 0;
}
