// SPDX-License-Identifier: Apache-2.0
/*
 * test-bloop-engine.c - unit tests of the bridge-loop engine with synthetic
 * probe hits: pairing per thread, no double counting, histogram buckets
 * (including the over-range bucket), exact p99, the --list callback and a
 * consumer's begin callback.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../lib/check.h"
#include "engine/bridge-loop.h"

static int listed, listed_run;

static void on_list(void *arg, uint32_t tid, uint64_t time, bool run, uint64_t ns)
{
	(void)arg;
	(void)time;
	listed++;
	listed_run += run;
	if (tid == 2)
		CHECK_U64(ns, run ? 5000 : 7000);
}

/* A consumer of single intervals: begins at even times are not followed. */
static char log_buf[256];
static size_t log_len;

static bool on_begin(void *arg, uint32_t tid, uint64_t time, bool run)
{
	(void)arg;
	log_len += (size_t)snprintf(log_buf + log_len, sizeof(log_buf) - log_len, "B%c%u@%llu ",
				    run ? 'r' : 'w', tid, (unsigned long long)time);
	return time % 2;
}

static void on_end(void *arg, uint32_t tid, uint64_t time, bool run, uint64_t ns)
{
	(void)arg;
	log_len += (size_t)snprintf(log_buf + log_len, sizeof(log_buf) - log_len,
				    "E%c%u@%llu/%llu ", run ? 'r' : 'w', tid,
				    (unsigned long long)time, (unsigned long long)ns);
}

static void test_follow(void)
{
	struct bl_engine e;
	size_t n;

	CHECK(bl_engine__init(&e, on_end, NULL) == 0);
	bl_engine__follow(&e, on_begin, true);
	CHECK(bl_engine__event(&e, 7, 11, BL_RUN_START) == 0);
	CHECK(bl_engine__event(&e, 7, 20, BL_POLL_BLOCK) == 0);	/* wait not followed */
	CHECK(bl_engine__event(&e, 7, 25, BL_RUN_START) == 0);	/* so no wait ends */
	CHECK(bl_engine__event(&e, 7, 30, BL_RUN_START) == 0);	/* run not followed: 25 stays */
	CHECK(bl_engine__event(&e, 7, 41, BL_POLL_BLOCK) == 0);
	/* The end is told before the next begin is asked. */
	CHECK_STR(log_buf, "Br7@11 Er7@20/9 Bw7@20 Br7@25 Br7@30 Er7@41/16 Bw7@41 ");
	/* Intervals only: no statistics kept. */
	free(bl_engine__threads(&e, &n));
	CHECK(n == 1);
	bl_engine__exit(&e);
}

int main(void)
{
	struct bl_engine e;
	struct bl_thread **v;
	size_t n;

	CHECK(bl_engine__init(&e, on_list, NULL) == 0);
	/* Thread 1: a wait before any run_start is not counted. */
	CHECK(bl_engine__event(&e, 1, 100, BL_POLL_BLOCK) == 0);	/* no run yet */
	CHECK(bl_engine__event(&e, 1, 1000, BL_RUN_START) == 0);	/* wait 900 */
	CHECK(bl_engine__event(&e, 1, 3500, BL_POLL_BLOCK) == 0);	/* run 2500 */
	CHECK(bl_engine__event(&e, 1, 3600, BL_POLL_BLOCK) == 0);	/* no new run */
	CHECK(bl_engine__event(&e, 1, 3600 + 40000000000ull, BL_RUN_START) == 0);
	/* Thread 2, interleaved. */
	CHECK(bl_engine__event(&e, 2, 2000, BL_RUN_START) == 0);
	CHECK(bl_engine__event(&e, 2, 7000, BL_POLL_BLOCK) == 0);
	CHECK(bl_engine__event(&e, 2, 14000, BL_RUN_START) == 0);
	v = bl_engine__threads(&e, &n);
	CHECK_U64(n, 2);
	if (n == 2) {
		CHECK_U64(v[0]->tid, 1);
		CHECK_U64(ovp_values__count(&v[0]->run.ns), 1);
		CHECK_U64(ovp_values__max(&v[0]->run.ns), 2500);
		CHECK_U64(v[0]->run.lin.slots[0], 1);	/* 2 us in [0, 1000) */
		CHECK_U64(ovp_values__count(&v[0]->wait.ns), 2);
		CHECK_U64(ovp_values__min(&v[0]->wait.ns), 900);
		CHECK_U64(ovp_values__percentile(&v[0]->wait.ns, 99), 40000000000ull - 3600 + 3600);
		/* 40 s = 40,000,000 us >= 30,000,000: the over-range bucket. */
		CHECK_U64(v[0]->wait.lin.over, 1);
		CHECK_U64(v[0]->wait.lin.slots[0], 1);
		CHECK_U64(v[0]->wait.log2.count, 2);
		CHECK_U64(v[1]->tid, 2);
		CHECK_U64(ovp_values__sum(&v[1]->run.ns), 5000);
		CHECK_U64(ovp_values__sum(&v[1]->wait.ns), 7000);
	}
	CHECK_U64(listed, 5);
	CHECK_U64(listed_run, 2);
	free(v);
	bl_engine__exit(&e);
	test_follow();
	CHECK_DONE();
}
