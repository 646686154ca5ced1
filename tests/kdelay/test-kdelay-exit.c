// SPDX-License-Identifier: Apache-2.0
/*
 * test-kdelay-exit.c - kernel-delay's bounds on per-thread state
 * (analyzer/engine/kdelay.c): threads that exited (EXIT records) are freed
 * a horizon later when nothing of them can be reported, kept until their
 * window closes when it can; freeing from the middle of the thread table
 * loses no other thread; at most EXITQ_MAX wait, at most KD_MAX_THREADS
 * are followed.
 */
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "engine/kdelay.h"
#include "ovsperf/err.h"

#define PID 100
#define SEC 1000000000ull

static void init(struct kd_engine *e)
{
	struct kd_config c = { .pid = PID, .poll_nr = 7, .ppoll_nr = 271, .long_poll_ns = 100 };

	CHECK(kd_engine__init(e, &c) == 0);
}

/* Thread @tid of @pid runs from @t for @ns (switched in, then out). */
static void run(struct kd_engine *e, uint64_t t, uint32_t tid, int64_t pid, uint64_t ns)
{
	struct kd_event ev = { .type = KD_EV_SWITCH, .time = t, .tid = 1, .pid = 1 };

	ev.sw.prev_tid = 1;
	ev.sw.prev_pid = 1;
	ev.sw.prev_state = 1;
	ev.sw.next_tid = tid;
	ev.sw.next_pid = pid;
	CHECK(kd_engine__event(e, &ev) == 0);
	ev.time = t + ns;
	ev.tid = tid;
	ev.pid = pid;
	ev.sw.prev_tid = tid;
	ev.sw.prev_pid = pid;
	ev.sw.next_tid = 1;
	ev.sw.next_pid = 1;
	CHECK(kd_engine__event(e, &ev) == 0);
}

static const struct kd_thread_stats *find(const struct kd_sample *s, uint32_t tid)
{
	for (size_t i = 0; i < s->nr_threads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

/*
 * 20,000 threads of unknown process run and exit; 200 of the monitored one
 * run, half of them exit.  A horizon later the unknown ones are gone, the
 * monitored ones all still counted (those that exited until the window
 * closes), each with its own figures.
 */
static void test_exit_horizon(void)
{
	struct kd_engine e;
	const struct kd_sample *s;
	uint64_t t = SEC;
	uint32_t k;

	init(&e);
	for (k = 0; k < 20000; k++) {
		run(&e, t, 10000 + k, -1, 10);
		CHECK(kd_engine__thread_exit(&e, 10000 + k, t + 20) == 0);
		t += 30;
	}
	/* At most EXITQ_MAX wait: the oldest went before the horizon. */
	CHECK_U64(e.freed_threads, 20000 - EXITQ_MAX);
	for (k = 0; k < 200; k++) {
		run(&e, t, 500 + k, PID, 10 + k);
		if (k % 2)
			CHECK(kd_engine__thread_exit(&e, 500 + k, t + 500) == 0);
		t += 1000;
	}
	/* Each monitored exit pushed one more unknown thread out early. */
	CHECK_U64(e.freed_threads, 20000 - EXITQ_MAX + 100);
	t += EXITQ_HORIZON_NS + 1;
	/* The survivors run again, after the horizon. */
	for (k = 0; k < 200; k += 2)
		run(&e, t + k * 100, 500 + k, PID, 7);
	CHECK_U64(e.freed_threads, 20000);
	CHECK_U64(ovp_hmap_count(&e.threads), 200);	/* task 1, of another process, has no state */
	CHECK(kd_engine__finish(&e) == 0);
	CHECK_U64(e.nr_samples, 1);
	s = &e.samples[0];
	CHECK_U64(s->nr_threads, 200);
	for (k = 0; k < 200; k++) {
		const struct kd_thread_stats *th = find(s, 500 + k);

		CHECK(th != NULL);
		if (!th)
			continue;
		CHECK_U64(th->run.count, k % 2 ? 1 : 2);
		CHECK_U64(th->run.total_ns, 10 + k + (k % 2 ? 0 : 7));
	}
	kd_engine__exit(&e);
}

/* Beyond KD_MAX_THREADS live threads, the others are not followed. */
static void test_max_threads(void)
{
	struct kd_engine e;
	uint64_t t = SEC;
	uint32_t k;

	init(&e);
	for (k = 0; k < KD_MAX_THREADS + 100; k++, t += 20)
		run(&e, t, 10000 + k, -1, 10);
	CHECK_U64(ovp_hmap_count(&e.threads), KD_MAX_THREADS);
	CHECK(e.untracked >= 100);
	run(&e, t, 2, PID, 5);	/* a monitored thread beyond the cap: not counted */
	CHECK(!ovp_cap_reached());
	CHECK(kd_engine__finish(&e) == 0);
	CHECK(ovp_cap_reached());	/* one warning; the command exits 2 */
	CHECK_U64(e.samples[0].nr_threads, 0);
	kd_engine__exit(&e);
}

int main(void)
{
	test_exit_horizon();
	/* Freeing exited threads early loses nothing: no cap reached. */
	CHECK(!ovp_cap_reached());
	test_max_threads();
	CHECK_DONE();
}
