// SPDX-License-Identifier: Apache-2.0
/*
 * test-kdelay-engine.c - unit tests of the kernel-delay engine with synthetic
 * events: each statistic's start/end rule, the window rules (time slices,
 * triggers, trigger delta, trigger misses), the process filter, and the
 * hooks of a consumer of single intervals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "engine/kdelay.h"

#define PID 100
#define OTHER 200

static struct kd_config base_cfg(void)
{
	struct kd_config c = {
		.pid = PID,
		.poll_nr = 7,
		.ppoll_nr = 271,
		.long_poll_ns = 100,
	};
	return c;
}

static void ev_sys(struct kd_engine *e, uint64_t t, uint32_t tid, int64_t pid, bool enter,
		   long nr)
{
	struct kd_event ev = { .type = enter ? KD_EV_SYS_ENTER : KD_EV_SYS_EXIT, .time = t,
			       .tid = tid, .pid = pid, .cpu = 0 };

	ev.sys.nr = nr;
	CHECK(kd_engine__event(e, &ev) == 0);
}

static void ev_switch(struct kd_engine *e, uint64_t t, uint32_t prev, int64_t prev_pid,
		      uint64_t state, uint32_t next, int64_t next_pid)
{
	struct kd_event ev = { .type = KD_EV_SWITCH, .time = t, .tid = prev, .pid = prev_pid };

	ev.sw.prev_tid = prev;
	ev.sw.prev_pid = prev_pid;
	ev.sw.prev_state = state;
	ev.sw.next_tid = next;
	ev.sw.next_pid = next_pid;
	CHECK(kd_engine__event(e, &ev) == 0);
}

static void ev_wake(struct kd_engine *e, uint64_t t, uint32_t tid, int64_t pid)
{
	struct kd_event ev = { .type = KD_EV_WAKEUP, .time = t, .tid = 0, .pid = 0 };

	ev.wake.tid = tid;
	ev.wake.pid = pid;
	CHECK(kd_engine__event(e, &ev) == 0);
}

static void ev_irq(struct kd_engine *e, uint64_t t, uint32_t tid, bool entry, const char *name,
		   int ret)
{
	struct kd_event ev = { .type = entry ? KD_EV_IRQ_ENTRY : KD_EV_IRQ_EXIT, .time = t,
			       .tid = tid, .pid = PID };

	ev.irq.name = name;
	ev.irq.ret = ret;
	CHECK(kd_engine__event(e, &ev) == 0);
}

static void ev_soft(struct kd_engine *e, uint64_t t, uint32_t tid, bool entry, unsigned int vec)
{
	struct kd_event ev = { .type = entry ? KD_EV_SOFTIRQ_ENTRY : KD_EV_SOFTIRQ_EXIT,
			       .time = t, .tid = tid, .pid = PID };

	ev.softirq.vec = vec;
	CHECK(kd_engine__event(e, &ev) == 0);
}

static void ev_trigger(struct kd_engine *e, uint64_t t, unsigned int bits)
{
	struct kd_event ev = { .type = KD_EV_NONE, .trigger = bits, .time = t, .tid = 1 };

	CHECK(kd_engine__event(e, &ev) == 0);
}

static const struct kd_thread_stats *find(const struct kd_sample *s, uint32_t tid)
{
	size_t i;

	for (i = 0; i < s->nr_threads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

/* Every per-thread rule in one whole-recording window. */
static void test_rules(void)
{
	struct kd_config c = base_cfg();
	const struct kd_thread_stats *t;
	struct kd_engine e;
	uint64_t count, total;

	CHECK(kd_engine__init(&e, &c) == 0);
	/* Exit without an entry in the window: not counted. */
	ev_sys(&e, 50, 1, PID, false, 0);
	/* read: 150 ns, then 50 ns; write 30 ns. */
	ev_sys(&e, 100, 1, PID, true, 0);
	ev_sys(&e, 250, 1, PID, false, 0);
	ev_sys(&e, 300, 1, PID, true, 0);
	ev_sys(&e, 350, 1, PID, false, 0);
	ev_sys(&e, 400, 1, PID, true, 1);
	ev_sys(&e, 430, 1, PID, false, 1);
	/* A thread of another process is not reported. */
	ev_sys(&e, 410, 9, OTHER, true, 0);
	ev_sys(&e, 900, 9, OTHER, false, 0);
	/* Preempted (R+ = 0x100) at 1000, back at 1500, out asleep (S) at 2000. */
	ev_switch(&e, 900, 0, 0, 0, 1, PID);
	ev_switch(&e, 1000, 1, PID, 0x100, 9, OTHER);
	ev_switch(&e, 1500, 9, OTHER, 1, 1, PID);
	ev_switch(&e, 2000, 1, PID, 1, 0, 0);
	/* Stopped (T) at 3000 after running since 2900; woken 3700; in at 3900. */
	ev_switch(&e, 2900, 0, 0, 0, 1, PID);
	ev_switch(&e, 3000, 1, PID, 4, 0, 0);
	ev_wake(&e, 3700, 1, PID);
	ev_switch(&e, 3900, 0, 0, 0, 1, PID);
	/* IRQ_NONE is not counted; a handled one is, by name. */
	ev_irq(&e, 4000, 1, true, "eth0", 0);
	ev_irq(&e, 4010, 1, false, NULL, 0);
	ev_irq(&e, 4100, 1, true, "eth0", 0);
	ev_irq(&e, 4150, 1, false, NULL, 1);
	ev_irq(&e, 4200, 1, true, "timer", 0);
	ev_irq(&e, 4290, 1, false, NULL, 1);
	/* Soft IRQ counted under the entry's vector. */
	ev_soft(&e, 5000, 1, true, 3);
	ev_soft(&e, 5020, 1, false, 3);
	/* poll returns at 6000 and is called again at 6500: long (> 100). */
	ev_sys(&e, 5900, 1, PID, true, 7);
	ev_sys(&e, 6000, 1, PID, false, 7);
	ev_sys(&e, 6500, 1, PID, true, 7);
	ev_sys(&e, 6600, 1, PID, false, 7);
	ev_sys(&e, 6650, 1, PID, true, 7);	/* 50 ns after: not long */
	ev_sys(&e, 6700, 1, PID, false, 7);
	CHECK(kd_engine__finish(&e) == 0);

	CHECK_U64(e.nr_samples, 1);
	CHECK_U64(e.samples[0].start_ns, 50);
	CHECK_U64(e.samples[0].end_ns, 6700);
	CHECK(!e.samples[0].partial);
	CHECK_U64(e.samples[0].nr_threads, 1);
	t = find(&e.samples[0], 1);
	CHECK(t != NULL);
	if (!t)
		goto out;
	/* Sorted by total: poll 300 (3 calls), read 200, write 30. */
	CHECK_U64(t->nr_sys, 3);
	CHECK_U64(t->sys[0].nr, 7);
	CHECK_U64(t->sys[0].acc.count, 3);
	CHECK_U64(t->sys[0].acc.total_ns, 100 + 100 + 50);
	CHECK_U64(t->sys[1].nr, 0);
	CHECK_U64(t->sys[1].acc.count, 2);
	CHECK_U64(t->sys[1].acc.total_ns, 200);
	CHECK_U64(t->sys[1].acc.max_ns, 150);
	CHECK_U64(t->sys[2].nr, 1);
	kd_sys_total(t, 7, &count, &total);
	CHECK_U64(count, 3);
	CHECK_U64(total, 230);
	/* Runs: 900-1000, 1500-2000, 2900-3000 (3900 never ends). */
	CHECK_U64(t->run.count, 3);
	CHECK_U64(t->run.total_ns, 100 + 500 + 100);
	CHECK_U64(t->run.min_ns, 100);
	CHECK_U64(t->run.max_ns, 500);
	/* Ready: 1000-1500 (preempted), 3700-3900 (woken). */
	CHECK_U64(t->ready.count, 2);
	CHECK_U64(t->ready.total_ns, 700);
	CHECK_U64(t->ready.max_ns, 500);
	CHECK_U64(t->stopped.count, 1);
	CHECK_U64(t->stopped.total_ns, 700);
	CHECK_U64(t->nr_irq, 2);
	CHECK_STR(t->irq[0].name, "timer");
	CHECK_U64(t->irq[0].acc.total_ns, 90);
	CHECK_STR(t->irq[1].name, "eth0");
	CHECK_U64(t->irq[1].acc.count, 1);
	CHECK_U64(t->irq[1].acc.total_ns, 50);
	CHECK_U64(t->softirq[3].count, 1);
	CHECK_U64(t->softirq[3].total_ns, 20);
	CHECK_U64(t->long_poll.count, 1);
	CHECK_U64(t->long_poll.total_ns, 500);
out:
	kd_engine__exit(&e);
}

/* Time slices: intervals across a boundary are not counted anywhere. */
static void test_time_windows(void)
{
	struct kd_config c = base_cfg();
	const struct kd_thread_stats *t;
	struct kd_engine e;

	c.sample_time_ns = 1000;
	c.sample_interval_ns = 500;
	c.sample_count = 0;
	CHECK(kd_engine__init(&e, &c) == 0);
	ev_sys(&e, 0, 1, PID, true, 0);		/* window 0: [0, 1000) */
	ev_sys(&e, 100, 1, PID, false, 0);
	ev_sys(&e, 200, 1, PID, true, -1);
	ev_sys(&e, 205, 1, PID, false, -1);
	ev_sys(&e, 900, 1, PID, true, 1);	/* crosses 1000: dropped */
	ev_sys(&e, 1200, 1, PID, false, 1);	/* in the gap */
	ev_sys(&e, 1400, 1, PID, true, 2);	/* gap: not stamped */
	ev_sys(&e, 1600, 1, PID, false, 2);	/* window 1: [1500, 2500) */
	ev_sys(&e, 1700, 1, PID, true, 3);
	ev_sys(&e, 1750, 1, PID, false, 3);
	/* Numbers outside the table (-1: a skipped syscall) count per window too. */
	ev_sys(&e, 1800, 1, PID, true, -1);
	ev_sys(&e, 1810, 1, PID, false, -1);
	ev_sys(&e, 5100, 1, PID, true, 4);	/* windows 2 [3000,4000) empty; 3 open */
	CHECK(kd_engine__finish(&e) == 0);
	CHECK_U64(e.nr_samples, 4);
	CHECK_U64(e.samples[0].end_ns, 1000);
	CHECK_U64(e.samples[0].nr_threads, 1);
	t = find(&e.samples[0], 1);
	CHECK(t && t->nr_sys == 2 && t->sys[0].nr == 0 && t->sys[0].acc.total_ns == 100);
	CHECK(t && t->nr_sys == 2 && t->sys[1].nr == -1 && t->sys[1].acc.total_ns == 5);
	CHECK_U64(e.samples[1].start_ns, 1500);
	t = find(&e.samples[1], 1);
	CHECK(t && t->nr_sys == 2 && t->sys[0].nr == 3 && t->sys[0].acc.total_ns == 50);
	CHECK(t && t->nr_sys == 2 && t->sys[1].nr == -1 && t->sys[1].acc.count == 1 &&
	      t->sys[1].acc.total_ns == 10);
	CHECK_U64(e.samples[2].start_ns, 3000);
	CHECK_U64(e.samples[2].nr_threads, 0);
	CHECK_U64(e.samples[3].start_ns, 4500);
	CHECK(e.samples[3].partial);
	kd_engine__exit(&e);
}

/* Start/stop triggers, --trigger-delta skips, misses while capturing. */
static void test_triggers(void)
{
	struct kd_config c = base_cfg();
	struct kd_engine e;

	c.triggers = c.has_start_trigger = c.has_stop_trigger = true;
	c.trigger_delta_ns = 100;
	c.sample_count = 2;
	CHECK(kd_engine__init(&e, &c) == 0);
	ev_sys(&e, 10, 1, PID, true, 0);	/* before any trigger: ignored */
	ev_sys(&e, 20, 1, PID, false, 0);
	ev_trigger(&e, 100, KD_TRIGGER_START);
	ev_trigger(&e, 150, KD_TRIGGER_STOP);	/* 50 < 100: skipped */
	ev_trigger(&e, 200, KD_TRIGGER_START);
	ev_trigger(&e, 250, KD_TRIGGER_START);	/* already capturing: miss */
	ev_sys(&e, 260, 1, PID, true, 0);
	ev_sys(&e, 280, 1, PID, false, 0);
	ev_trigger(&e, 400, KD_TRIGGER_STOP);
	ev_trigger(&e, 500, KD_TRIGGER_START | KD_TRIGGER_STOP);
	ev_sys(&e, 510, 1, PID, true, 1);
	ev_sys(&e, 520, 1, PID, false, 1);
	ev_trigger(&e, 700, KD_TRIGGER_STOP);
	ev_trigger(&e, 800, KD_TRIGGER_START);	/* count reached: ignored */
	CHECK(kd_engine__finish(&e) == 0);
	CHECK_U64(e.nr_samples, 3);
	CHECK(e.samples[0].skipped);
	CHECK_U64(e.samples[0].start_trigger_ns, 100);
	CHECK_U64(e.samples[0].stop_trigger_ns, 150);
	CHECK(!e.samples[1].skipped);
	CHECK_U64(e.samples[1].start_ns, 200);
	CHECK_U64(e.samples[1].end_ns, 400);
	CHECK_U64(e.samples[1].nr_threads, 1);
	CHECK_U64(e.samples[1].threads[0].sys[0].acc.total_ns, 20);
	CHECK_U64(e.samples[2].start_ns, 500);
	CHECK_U64(e.samples[2].end_ns, 700);
	CHECK_U64(e.samples[2].threads[0].sys[0].nr, 1);
	CHECK_U64(e.trigger_miss, 1);
	kd_engine__exit(&e);
}

/* Unknown pid resolved when the window closes; syscall events and upcalls. */
static int resolve_pid(void *arg, int64_t *pid)
{
	(void)arg;
	*pid = PID;
	return 0;
}

static int64_t pid_of(void *arg, uint32_t tid)
{
	(void)arg;
	return tid == 5 ? OTHER : PID;
}

static void test_resolve_and_events(void)
{
	struct kd_config c = base_cfg();
	struct kd_event ev = { .type = KD_EV_UPCALL_RET };
	uint64_t ips[3] = { 1, 2, 3 };
	struct kd_engine e;

	c.pid = -1;
	c.resolve_pid = resolve_pid;
	c.pid_of = pid_of;
	c.syscall_events = true;
	c.syscall_events_min_ns = 40;
	c.skip_poll_events = true;
	CHECK(kd_engine__init(&e, &c) == 0);
	ev_sys(&e, 0, 4, -1, true, 0);
	ev.type = KD_EV_SYS_EXIT;
	ev.time = 100;
	ev.tid = 4;
	ev.pid = -1;
	ev.sys.nr = 0;
	ev.sys.ips = ips;
	ev.sys.nr_ips = 3;
	CHECK(kd_engine__event(&e, &ev) == 0);
	ev_sys(&e, 110, 4, -1, true, 1);	/* 20 ns: below the threshold */
	ev_sys(&e, 130, 4, -1, false, 1);
	ev_sys(&e, 140, 4, -1, true, 7);	/* poll: skipped from events */
	ev_sys(&e, 300, 4, -1, false, 7);
	ev_sys(&e, 140, 5, -1, true, 0);	/* other process (via pid_of) */
	ev_sys(&e, 300, 5, -1, false, 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = KD_EV_UPCALL_RET;
	ev.time = 310;
	ev.cpu = 1;
	CHECK(kd_engine__event(&e, &ev) == 0);
	ev.upcall.ret = -11;
	ev.cpu = 3;
	CHECK(kd_engine__event(&e, &ev) == 0);
	CHECK(kd_engine__event(&e, &ev) == 0);
	CHECK(kd_engine__finish(&e) == 0);
	CHECK_U64(e.nr_samples, 1);
	CHECK_U64(e.cfg.pid, PID);
	CHECK_U64(e.samples[0].nr_threads, 1);
	CHECK_U64(e.samples[0].threads[0].tid, 4);
	CHECK_U64(e.samples[0].nr_events, 1);
	CHECK_U64(e.samples[0].events[0].entry_ns, 0);
	CHECK_U64(e.samples[0].events[0].nr_ips, 3);
	CHECK_U64(e.samples[0].ips[e.samples[0].events[0].ips_off + 2], 3);
	CHECK_U64(e.samples[0].upcalls, 3);
	CHECK_U64(e.samples[0].upcall_errors, 2);
	CHECK_U64(e.samples[0].nr_upcall_cpu, 4);
	CHECK_U64(e.samples[0].upcall_cpu[3], 2);
	CHECK_U64(e.samples[0].nr_upcall_err, 1);
	CHECK_U64((uint64_t)-e.samples[0].upcall_err[0].err, 11);
	kd_engine__exit(&e);
}

/* Hooks: what a consumer of single intervals (the timeline export) sees. */
struct hook_log {
	char buf[1024];
	size_t len;
	uint32_t veto_tid;		/* begins of this tid are not followed */
};

static bool hook_begin(void *arg, enum kd_interval kind, uint32_t tid, int64_t pid,
		       const struct kd_event *ev)
{
	struct hook_log *l = arg;

	(void)pid;
	l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "B%d:%u@%llu ",
				   (int)kind, tid, (unsigned long long)ev->time);
	return tid != l->veto_tid;
}

static void hook_end(void *arg, enum kd_interval kind, uint32_t tid, uint64_t start,
		     const struct kd_event *ev)
{
	struct hook_log *l = arg;

	l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "E%d:%u@%llu-%llu ",
				   (int)kind, tid, (unsigned long long)start,
				   (unsigned long long)ev->time);
}

static void test_hooks(void)
{
	struct hook_log l = { .veto_tid = 9 };
	const struct kd_hooks h = { .begin = hook_begin, .end = hook_end, .arg = &l };
	struct kd_config c = { .pid = -1, .poll_nr = -1, .ppoll_nr = -1, .hooks = &h,
			       .intervals_only = true };
	struct kd_engine e;
	struct kd_event ev = { .type = KD_EV_IRQ_ENTRY, .time = 60, .tid = 0, .cpu = 3 };

	CHECK(kd_engine__init(&e, &c) == 0);
	/* A syscall; a second sys_enter not followed leaves the first start. */
	ev_sys(&e, 10, 5, 1, true, 0);
	ev_sys(&e, 12, 9, 1, true, 0);		/* vetoed: no stamp for tid 9 */
	ev_sys(&e, 15, 9, 1, false, 0);		/* so no end */
	ev_sys(&e, 20, 5, 1, false, 0);
	/* A switch: run of 5 ends, run of 6 asked, ready of 6 (woken at 25) ends. */
	ev_switch(&e, 21, 0, 0, 0, 5, 1);
	ev_wake(&e, 25, 6, 1);
	ev_switch(&e, 30, 5, 1, 1, 6, 1);
	/* An IRQ of the idle task of CPU 3: paired on its record, not counted. */
	CHECK(kd_engine__event(&e, &ev) == 0);
	ev.type = KD_EV_IRQ_EXIT;
	ev.time = 61;
	ev.irq.ret = 0;
	CHECK(kd_engine__event(&e, &ev) == 0);
	CHECK_STR(l.buf, "B0:5@10 B0:9@12 E0:5@10-20 B1:5@21 B2:6@25 E1:5@21-30 B1:6@30 "
			 "E2:6@25-30 B3:536870915@60 E3:536870915@60-61 ");
	CHECK(kd_engine__thread_open(&e, 6) && !kd_engine__thread_open(&e, 5));
	/* Intervals only: no counts, so the window has no thread. */
	CHECK(kd_engine__finish(&e) == 0);
	CHECK(e.nr_samples == 1 && e.samples[0].nr_threads == 0);
	kd_engine__exit(&e);
}

int main(void)
{
	test_rules();
	test_time_windows();
	test_triggers();
	test_resolve_and_events();
	test_hooks();
	CHECK_DONE();
}
