// SPDX-License-Identifier: Apache-2.0
/*
 * engine/kdelay.c - the kernel-delay counting engine: windows, per-thread
 * start stamps and accumulators, with kernel_delay.py's rules.
 *
 * Windows.  Time mode without --sample-time: one window from the first event
 * to the end of the recording.  Time mode with it: windows of that length,
 * back to back with --sample-interval gaps, starting at the first event.
 * Trigger mode (as the seed's capture_on state machine): a start trigger
 * opens a window only when the engine is ready (no window open and the
 * interval after the previous one has passed; otherwise it is a "trigger
 * miss"); without a stop trigger the window lasts --sample-time; a stop
 * trigger closes an open window.  Without a start trigger the window opens at
 * once (first event, or end of the previous window plus the interval).
 * A window whose stop-start delta is below --trigger-delta is reported as
 * skipped and does not count against --sample-count.
 *
 * Per thread, as the eBPF program of kernel_delay.py:
 *  - syscall: sys_enter stamps, sys_exit counts (tid, exit id);
 *  - run: sched_switch-in stamps, sched_switch-out counts;
 *  - ready: wakeup, or a switch-out in TASK_RUNNING (preemption), stamps;
 *    switch-in counts;
 *  - stopped: switch-out with __TASK_STOPPED stamps, wakeup counts;
 *  - hard IRQ: entry on the interrupted thread stamps (with the name), exit
 *    counts unless it returned IRQ_NONE; soft IRQ: likewise by vector;
 *  - long poll (ours): from the return of poll()/ppoll() to the next call,
 *    counted when longer than cfg.long_poll_ns (OVS's "Unreasonably long
 *    poll interval" is the same measure from inside the process);
 *    with cfg.long_poll_all, every interval between poll() calls (not ppoll),
 *    as OVS master's kernel_delay.py.
 *
 * Hooks (struct kd_hooks): a consumer asked at each start stamp whether it
 * follows the interval (not followed: no stamp) and told at each end; with
 * cfg.intervals_only nothing is counted and the idle task's IRQs are paired
 * too.  Without hooks each stamp costs one predictable branch more.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kdelay.h"
#include "ovsperf/err.h"
#include "ovsperf/hash.h"

/* sched_switch prev_state: TASK_REPORT bits; preemption shows TASK_REPORT_MAX
 * (0x100 on 4.14+) with no state bit, so "running" is no bit below it. */
#define KD_STATE_MASK 0xffu
#define KD_TASK_STOPPED 0x4u

/* "No start stamp" (0 is a valid time for synthetic events). */
#define KD_NONE UINT64_MAX

/* Per-thread state; lives in the engine's hash for the whole run. */
struct kd_thread {
	struct ovp_hmap_node node;	/* in the engine's threads, by tid */
	uint32_t tid;
	int64_t pid;			/* -1 until known */
	bool active;			/* has counts in the open window */
	/* Start stamps of the open window (KD_NONE = none). */
	uint64_t sys_start, run_start, ready_start, stop_start, poll_exit;
	uint64_t irq_start, softirq_start;
	unsigned int softirq_vec;
	char irq_name[KD_IRQ_NAME];
	uint64_t exited;		/* time of its EXIT record, KD_NONE = alive */
	bool retire;			/* exited long ago: free when its window closes */
	/* Accumulators of the open window (not allocated with intervals_only:
	 * a thread is then KD_THREAD_HEAD bytes). */
	struct kd_acc *sys;		/* KD_MAX_SYSCALL entries, allocated on first use */
	struct kd_sys_acc sys_high[8];	/* numbers >= KD_MAX_SYSCALL */
	size_t nr_sys_high;
	struct kd_acc run, ready, stopped, long_poll;
	struct kd_irq_acc irq[KD_MAX_IRQ];
	size_t nr_irq;
	struct kd_acc softirq[KD_NR_VEC];
};

/* What a thread takes with intervals_only: no accumulator but sys (NULL). */
#define KD_THREAD_HEAD (offsetof(struct kd_thread, sys_high))

/* Are statistics kept (not intervals_only)?  Every accumulator is behind it. */
static inline bool counting(const struct kd_engine *e)
{
	return !e->cfg.intervals_only;
}

static const char *const softirq_names[] = {
	"hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched",
	"hrtimer", "rcu",
};

const char *kd_softirq_name(unsigned int vec)
{
	return vec < sizeof(softirq_names) / sizeof(softirq_names[0]) ? softirq_names[vec] : NULL;
}

static void acc_add(struct kd_acc *a, uint64_t delta)
{
	if (!a->count || delta < a->min_ns)
		a->min_ns = delta;
	if (delta > a->max_ns)
		a->max_ns = delta;
	a->count++;
	a->total_ns += delta;
}

void kd_sys_total(const struct kd_thread_stats *t, long poll_nr, uint64_t *count,
		  uint64_t *total_ns)
{
	size_t i;

	*count = 0;
	*total_ns = 0;
	for (i = 0; i < t->nr_sys; i++) {
		if (t->sys[i].nr == poll_nr)
			continue;
		*count += t->sys[i].acc.count;
		*total_ns += t->sys[i].acc.total_ns;
	}
}

static void clear_stamps(struct kd_thread *t)
{
	t->sys_start = t->run_start = t->ready_start = t->stop_start = KD_NONE;
	t->poll_exit = t->irq_start = t->softirq_start = KD_NONE;
}

/* May an interval of @kind begin here?  Always, without hooks. */
static inline bool may_stamp(const struct kd_engine *e, enum kd_interval kind, uint32_t tid,
			     int64_t pid, const struct kd_event *ev)
{
	const struct kd_hooks *h = e->cfg.hooks;

	return !h || h->begin(h->arg, kind, tid, pid, ev);
}

/* An interval ends: tell the consumer. */
static inline void ended(const struct kd_engine *e, enum kd_interval kind, uint32_t tid,
			 uint64_t start, const struct kd_event *ev)
{
	const struct kd_hooks *h = e->cfg.hooks;

	if (h)
		h->end(h->arg, kind, tid, start, ev);
}

/*
 * Thread hash.
 */
static struct kd_thread *find_thread(struct kd_engine *e, uint32_t tid)
{
	struct kd_thread *t;

	/* Events come in runs of one thread (sys_enter, sys_exit, ...). */
	if (e->hot && e->hot->tid == tid)
		return e->hot;
	OVP_HMAP_FOR_EACH_WITH_HASH (t, node, (size_t)ovp_hash64(tid), &e->threads)
		if (t->tid == tid)
			return e->hot = t;
	return NULL;
}

/* Take @t out of the table and free it. */
static void remove_thread(struct kd_engine *e, struct kd_thread *t)
{
	if (e->hot == t)
		e->hot = NULL;
	ovp_hmap_remove(&e->threads, &t->node);
	free(t->sys);
	free(t);
	e->freed_threads++;
}

/* The thread @tid, created if new; NULL (message set) when out of memory.
 * Beyond KD_MAX_THREADS, the overflow thread: counted, never reported. */
static struct kd_thread *get_thread(struct kd_engine *e, uint32_t tid, int64_t pid)
{
	struct kd_thread *t = find_thread(e, tid);

	if (t) {
		if (pid >= 0)
			t->pid = pid;
		return t;
	}
	if (ovp_hmap_count(&e->threads) >= KD_MAX_THREADS) {
		e->untracked++;
		return e->overflow;
	}
	t = calloc(1, counting(e) ? sizeof(*t) : KD_THREAD_HEAD);
	if (!t) {
		ovp_err(-ENOMEM, "kernel-delay: out of memory");
		return NULL;
	}
	t->tid = tid;
	t->pid = pid;
	t->exited = KD_NONE;
	clear_stamps(t);
	ovp_hmap_insert_nocap(&e->threads, &t->node, (size_t)ovp_hash64(tid));
	return t;
}

/* The idle task of @cpu (intervals only, else NULL): its IRQs. */
static struct kd_thread *idle_thread(struct kd_engine *e, uint32_t cpu, bool create)
{
	if (!e->cfg.intervals_only || cpu >= KD_IDLE_BASE)
		return NULL;
	return create ? get_thread(e, KD_IDLE_BASE + cpu, 0) : find_thread(e, KD_IDLE_BASE + cpu);
}

/* Is @pid (possibly unknown) one we count?  Unknown pids are kept and
 * decided when the window closes. */
static bool monitored(const struct kd_engine *e, int64_t pid)
{
	return e->cfg.pid < 0 || pid < 0 || pid == e->cfg.pid;
}

int kd_engine__init(struct kd_engine *e, const struct kd_config *cfg)
{
	memset(e, 0, sizeof(*e));
	ovp_hmap_init(&e->threads);
	(void)ovp_hmap_reserve(&e->threads, 128);	/* the former table's first size */
	e->cfg = *cfg;
	e->overflow = calloc(1, sizeof(*e->overflow));
	if (!e->overflow)
		return ovp_err(-ENOMEM, "kernel-delay: out of memory");
	e->overflow->pid = -1;
	e->overflow->exited = KD_NONE;
	clear_stamps(e->overflow);
	return 0;
}

static void sample_free(struct kd_sample *s)
{
	size_t i;

	for (i = 0; i < s->nr_threads; i++)
		free(s->threads[i].sys);
	free(s->threads);
	free(s->events);
	free(s->ips);
	free(s->upcall_cpu);
}

void kd_engine__exit(struct kd_engine *e)
{
	struct ovp_hmap_node *next;
	struct kd_thread *t;
	size_t i;

	if (!e)
		return;
	if (e->threads.buckets) {
		OVP_HMAP_FOR_EACH_SAFE (t, next, node, &e->threads) {
			free(t->sys);
			free(t);
		}
		ovp_hmap_exit(&e->threads);
	}
	if (e->overflow)
		free(e->overflow->sys);
	free(e->overflow);
	exitq__exit(&e->exited);
	for (i = 0; i < e->nr_samples; i++)
		sample_free(&e->samples[i]);
	free(e->samples);
	free(e->events);
	free(e->ips);
	free(e->upcall_cpu);
	memset(e, 0, sizeof(*e));
}

/*
 * Windows.
 */

/* Forget all start stamps and counts (reset_capture()). */
static void reset_threads(struct kd_engine *e)
{
	struct ovp_hmap_node *next;
	struct kd_thread *t;

	OVP_HMAP_FOR_EACH_SAFE (t, next, node, &e->threads) {
		if (t->retire) {
			/* Exited long ago, reported now: gone. */
			remove_thread(e, t);
			continue;
		}
		t->sys_start = t->run_start = t->ready_start = t->stop_start = KD_NONE;
		t->poll_exit = t->irq_start = t->softirq_start = KD_NONE;
		if (!t->active)
			continue;
		if (t->sys)
			memset(t->sys, 0, KD_MAX_SYSCALL * sizeof(*t->sys));
		t->nr_sys_high = 0;
		memset(&t->run, 0, sizeof(t->run));
		memset(&t->ready, 0, sizeof(t->ready));
		memset(&t->stopped, 0, sizeof(t->stopped));
		memset(&t->long_poll, 0, sizeof(t->long_poll));
		t->nr_irq = 0;
		memset(t->softirq, 0, sizeof(t->softirq));
		t->active = false;
	}
	e->nr_events = e->nr_ips = 0;
	if (e->upcall_cpu)
		memset(e->upcall_cpu, 0, e->nr_upcall_cpu * sizeof(*e->upcall_cpu));
	e->upcalls = e->upcall_errors = e->upcall_err_other = 0;
	e->nr_upcall_err = 0;
}

static void open_window(struct kd_engine *e, uint64_t t, uint64_t trigger)
{
	reset_threads(e);
	e->open = true;
	e->win_start = t;
	e->start_trigger_ns = trigger;
}

static int cmp_sys(const void *a, const void *b)
{
	const struct kd_sys_acc *x = a, *y = b;

	if (x->acc.total_ns != y->acc.total_ns)
		return x->acc.total_ns < y->acc.total_ns ? 1 : -1;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static int cmp_irq(const void *a, const void *b)
{
	const struct kd_irq_acc *x = a, *y = b;

	if (x->acc.total_ns != y->acc.total_ns)
		return x->acc.total_ns < y->acc.total_ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int cmp_tid(const void *a, const void *b)
{
	const struct kd_thread_stats *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Copy thread @t's counts into @out (allocates the syscall array). */
static int thread_snapshot(const struct kd_thread *t, int64_t pid, struct kd_thread_stats *out)
{
	size_t n = t->nr_sys_high, i, k = 0;

	memset(out, 0, sizeof(*out));
	out->tid = t->tid;
	out->pid = pid;
	if (t->sys)
		for (i = 0; i < KD_MAX_SYSCALL; i++)
			n += t->sys[i].count != 0;
	if (n) {
		out->sys = calloc(n, sizeof(*out->sys));
		if (!out->sys)
			return ovp_err(-ENOMEM, "kernel-delay: out of memory");
		for (i = 0; t->sys && i < KD_MAX_SYSCALL; i++) {
			if (!t->sys[i].count)
				continue;
			out->sys[k].nr = (long)i;
			out->sys[k++].acc = t->sys[i];
		}
		for (i = 0; i < t->nr_sys_high; i++)
			out->sys[k++] = t->sys_high[i];
		out->nr_sys = k;
		qsort(out->sys, k, sizeof(*out->sys), cmp_sys);
	}
	out->run = t->run;
	out->ready = t->ready;
	out->stopped = t->stopped;
	out->long_poll = t->long_poll;
	memcpy(out->irq, t->irq, sizeof(out->irq));
	out->nr_irq = t->nr_irq;
	qsort(out->irq, out->nr_irq, sizeof(out->irq[0]), cmp_irq);
	memcpy(out->softirq, t->softirq, sizeof(out->softirq));
	return 0;
}

static int64_t thread_pid(struct kd_engine *e, struct kd_thread *t)
{
	if (t->pid < 0 && e->cfg.pid_of)
		t->pid = e->cfg.pid_of(e->cfg.arg, t->tid);
	return t->pid;
}

/* Close the open window at @t; @stop_trigger is its time or 0. */
static int close_window(struct kd_engine *e, uint64_t t, uint64_t stop_trigger, bool partial)
{
	struct kd_thread *th;
	struct kd_sample *s;
	size_t i, k;
	int err;

	e->open = false;
	e->next_open = t + e->cfg.sample_interval_ns;
	if (e->cfg.pid < 0 && e->cfg.resolve_pid) {
		err = e->cfg.resolve_pid(e->cfg.arg, &e->cfg.pid);
		if (err)
			return err;
	}
	if (e->nr_samples == e->cap_samples) {
		size_t n = e->cap_samples ? e->cap_samples * 2 : 8;
		struct kd_sample *p = realloc(e->samples, n * sizeof(*p));

		if (!p)
			return ovp_err(-ENOMEM, "kernel-delay: out of memory");
		e->samples = p;
		e->cap_samples = n;
	}
	s = &e->samples[e->nr_samples++];
	memset(s, 0, sizeof(*s));
	s->start_ns = e->win_start;
	s->end_ns = t;
	s->start_trigger_ns = e->start_trigger_ns;
	s->stop_trigger_ns = stop_trigger;
	s->partial = partial;
	if (e->cfg.intervals_only) {	/* the hooks had the intervals: no statistics */
		reset_threads(e);
		return 0;
	}
	if (e->cfg.has_start_trigger && e->cfg.has_stop_trigger && s->start_trigger_ns &&
	    stop_trigger && stop_trigger - s->start_trigger_ns < e->cfg.trigger_delta_ns) {
		s->skipped = true;
		reset_threads(e);
		return 0;
	}
	e->done++;
	if (e->cfg.sample_count && e->done >= e->cfg.sample_count)
		e->finished = true;

	k = 0;
	OVP_HMAP_FOR_EACH (th, node, &e->threads)
		k += th->active;
	s->threads = k ? calloc(k, sizeof(*s->threads)) : NULL;
	if (k && !s->threads)
		return ovp_err(-ENOMEM, "kernel-delay: out of memory");
	OVP_HMAP_FOR_EACH (th, node, &e->threads) {
		int64_t pid;

		if (!th->active)
			continue;
		pid = thread_pid(e, th);
		if (e->cfg.pid >= 0 && pid != e->cfg.pid)
			continue;
		err = thread_snapshot(th, pid, &s->threads[s->nr_threads]);
		if (err)
			return err;
		s->nr_threads++;
	}
	if (s->nr_threads)
		qsort(s->threads, s->nr_threads, sizeof(*s->threads), cmp_tid);

	/* Syscall events of monitored threads (their pid may be new now). */
	for (i = 0; i < e->nr_events; i++) {
		struct kd_sysevent *ev = &e->events[i];

		if (ev->pid < 0 && e->cfg.pid_of)
			ev->pid = e->cfg.pid_of(e->cfg.arg, ev->tid);
		if (e->cfg.pid >= 0 && ev->pid >= 0 && ev->pid != e->cfg.pid)
			continue;
		if (!s->events) {
			s->events = malloc(e->nr_events * sizeof(*s->events));
			s->ips = e->nr_ips ? malloc(e->nr_ips * sizeof(*s->ips)) : NULL;
			if (!s->events || (e->nr_ips && !s->ips))
				return ovp_err(-ENOMEM, "kernel-delay: out of memory");
		}
		s->events[s->nr_events] = *ev;
		s->events[s->nr_events].ips_off = s->nr_ips;
		/* Without call chains there is no ips array at all. */
		if (ev->nr_ips)
			memcpy(s->ips + s->nr_ips, e->ips + ev->ips_off,
			       ev->nr_ips * sizeof(*s->ips));
		s->nr_ips += ev->nr_ips;
		s->nr_events++;
	}

	if (e->upcalls) {
		s->upcall_cpu = calloc(e->nr_upcall_cpu, sizeof(*s->upcall_cpu));
		if (!s->upcall_cpu)
			return ovp_err(-ENOMEM, "kernel-delay: out of memory");
		memcpy(s->upcall_cpu, e->upcall_cpu, e->nr_upcall_cpu * sizeof(*s->upcall_cpu));
		s->nr_upcall_cpu = e->nr_upcall_cpu;
	}
	s->upcalls = e->upcalls;
	s->upcall_errors = e->upcall_errors;
	s->upcall_err_other = e->upcall_err_other;
	memcpy(s->upcall_err, e->upcall_err, sizeof(s->upcall_err));
	s->nr_upcall_err = e->nr_upcall_err;
	reset_threads(e);
	return 0;
}

/* Open and close windows of time mode up to time @t (exclusive). */
static int advance_time(struct kd_engine *e, uint64_t t)
{
	int err;

	if (!e->started) {
		e->started = true;
		e->next_open = t;
	}
	while (!e->finished) {
		if (e->open) {
			uint64_t end;

			if (e->cfg.has_stop_trigger || !e->cfg.sample_time_ns)
				return 0;	/* closed by a trigger or by the end */
			end = e->win_start + e->cfg.sample_time_ns;
			if (t < end)
				return 0;
			err = close_window(e, end, 0, false);
			if (err)
				return err;
			continue;
		}
		if (e->cfg.has_start_trigger || t < e->next_open)
			return 0;	/* opened by a trigger, or not yet */
		open_window(e, e->next_open, 0);
	}
	return 0;
}

static struct kd_thread *counted_thread(struct kd_engine *e, uint32_t tid, int64_t pid)
{
	struct kd_thread *t;

	if (!monitored(e, pid))
		return NULL;
	t = get_thread(e, tid, pid);
	return t;
}

static bool is_poll(const struct kd_engine *e, long nr)
{
	return nr >= 0 && (nr == e->cfg.poll_nr || nr == e->cfg.ppoll_nr);
}

/* A syscall that ends or starts a LONG POLL interval. */
static bool is_long_poll_call(const struct kd_engine *e, long nr)
{
	if (e->cfg.long_poll_all)
		return nr >= 0 && nr == e->cfg.poll_nr;
	return is_poll(e, nr);
}

static int record_syscall(struct kd_engine *e, const struct kd_event *ev, uint64_t start)
{
	struct kd_sysevent *se;

	if (e->cfg.syscall_events_min_ns && ev->time - start <= e->cfg.syscall_events_min_ns)
		return 0;
	if (e->cfg.skip_poll_events && ev->sys.nr == e->cfg.poll_nr)
		return 0;
	if (e->nr_events == e->cap_events) {
		size_t n = e->cap_events ? e->cap_events * 2 : 64;
		struct kd_sysevent *p = realloc(e->events, n * sizeof(*p));

		if (!p)
			return ovp_err(-ENOMEM, "kernel-delay: out of memory");
		e->events = p;
		e->cap_events = n;
	}
	if (e->nr_ips + ev->sys.nr_ips > e->cap_ips) {
		size_t n = e->cap_ips ? e->cap_ips : 1024;
		uint64_t *p;

		while (n < e->nr_ips + ev->sys.nr_ips)
			n *= 2;
		p = realloc(e->ips, n * sizeof(*p));
		if (!p)
			return ovp_err(-ENOMEM, "kernel-delay: out of memory");
		e->ips = p;
		e->cap_ips = n;
	}
	se = &e->events[e->nr_events++];
	se->entry_ns = start;
	se->exit_ns = ev->time;
	se->tid = ev->tid;
	se->pid = ev->pid;
	se->nr = ev->sys.nr;
	se->ips_off = e->nr_ips;
	se->nr_ips = ev->sys.nr_ips;
	if (ev->sys.nr_ips)
		memcpy(e->ips + e->nr_ips, ev->sys.ips, ev->sys.nr_ips * sizeof(*e->ips));
	e->nr_ips += ev->sys.nr_ips;
	return 0;
}

static int sys_exit(struct kd_engine *e, struct kd_thread *t, const struct kd_event *ev)
{
	uint64_t start = t->sys_start, delta;
	long nr = ev->sys.nr;
	struct kd_acc *a = NULL;
	size_t i;

	/* Master's kernel_delay.py stamps the poll() return before it looks for
	 * the entry: a poll() already under way when the window opened counts. */
	if (e->cfg.long_poll_all && is_long_poll_call(e, nr))
		t->poll_exit = ev->time;
	if (start == KD_NONE || ev->time < start)
		return 0;
	t->sys_start = KD_NONE;
	ended(e, KD_IV_SYSCALL, t->tid, start, ev);
	if (e->cfg.intervals_only)
		return 0;
	delta = ev->time - start;
	if (nr >= 0 && nr < KD_MAX_SYSCALL) {
		if (!t->sys) {
			t->sys = calloc(KD_MAX_SYSCALL, sizeof(*t->sys));
			if (!t->sys)
				return ovp_err(-ENOMEM, "kernel-delay: out of memory");
		}
		a = &t->sys[nr];
	} else {
		for (i = 0; i < t->nr_sys_high && !a; i++)
			if (t->sys_high[i].nr == nr)
				a = &t->sys_high[i].acc;
		if (!a && t->nr_sys_high < sizeof(t->sys_high) / sizeof(t->sys_high[0])) {
			memset(&t->sys_high[t->nr_sys_high], 0, sizeof(t->sys_high[0]));
			t->sys_high[t->nr_sys_high].nr = nr;
			a = &t->sys_high[t->nr_sys_high++].acc;
		}
		if (!a)
			return 0;
	}
	acc_add(a, delta);
	t->active = true;
	if (is_long_poll_call(e, nr))
		t->poll_exit = ev->time;
	if (e->cfg.syscall_events)
		return record_syscall(e, ev, start);
	return 0;
}

static void irq_exit(struct kd_engine *e, struct kd_thread *t, const struct kd_event *ev)
{
	struct kd_irq_acc *a = NULL;
	size_t i;

	if (t->irq_start == KD_NONE || ev->time < t->irq_start)
		return;
	ended(e, KD_IV_IRQ, t->tid, t->irq_start, ev);
	if (ev->irq.ret != 0 && counting(e)) {
		for (i = 0; i < t->nr_irq && !a; i++)
			if (!strcmp(t->irq[i].name, t->irq_name))
				a = &t->irq[i];
		if (!a) {
			if (t->nr_irq < KD_MAX_IRQ) {
				a = &t->irq[t->nr_irq++];
				memset(a, 0, sizeof(*a));
				memcpy(a->name, t->irq_name, sizeof(a->name));
			} else {
				a = &t->irq[KD_MAX_IRQ - 1];
				strcpy(a->name, "<other>");
			}
		}
		acc_add(&a->acc, ev->time - t->irq_start);
		t->active = true;
	}
	t->irq_start = KD_NONE;
}

static int upcall_ret(struct kd_engine *e, const struct kd_event *ev)
{
	size_t i;

	if (ev->cpu != (uint32_t)-1 && ev->cpu < 65536) {
		if (ev->cpu >= e->nr_upcall_cpu) {
			size_t n = ev->cpu + 1;
			uint64_t *p = realloc(e->upcall_cpu, n * sizeof(*p));

			if (!p)
				return ovp_err(-ENOMEM, "kernel-delay: out of memory");
			memset(p + e->nr_upcall_cpu, 0, (n - e->nr_upcall_cpu) * sizeof(*p));
			e->upcall_cpu = p;
			e->nr_upcall_cpu = n;
		}
		e->upcall_cpu[ev->cpu]++;
	}
	e->upcalls++;
	if (!ev->upcall.ret)
		return 0;
	e->upcall_errors++;
	for (i = 0; i < e->nr_upcall_err; i++) {
		if (e->upcall_err[i].err == ev->upcall.ret) {
			e->upcall_err[i].count++;
			return 0;
		}
	}
	if (e->nr_upcall_err < KD_MAX_UPCALL_ERR) {
		e->upcall_err[e->nr_upcall_err].err = ev->upcall.ret;
		e->upcall_err[e->nr_upcall_err++].count = 1;
	} else {
		e->upcall_err_other++;
	}
	return 0;
}

static int count_event(struct kd_engine *e, const struct kd_event *ev)
{
	struct kd_thread *t;
	bool follow;

	switch (ev->type) {
	case KD_EV_NONE:
		return 0;
	case KD_EV_SYS_ENTER:
		t = counted_thread(e, ev->tid, ev->pid);
		if (!t)
			return 0;
		if (may_stamp(e, KD_IV_SYSCALL, t->tid, ev->pid, ev))
			t->sys_start = ev->time;
		if (is_long_poll_call(e, ev->sys.nr) && t->poll_exit != KD_NONE) {
			uint64_t gap = ev->time - t->poll_exit;

			if ((gap > e->cfg.long_poll_ns || e->cfg.long_poll_all) && counting(e)) {
				acc_add(&t->long_poll, gap);
				t->active = true;
			}
			t->poll_exit = KD_NONE;
		}
		return 0;
	case KD_EV_SYS_EXIT:
		t = counted_thread(e, ev->tid, ev->pid);
		return t ? sys_exit(e, t, ev) : 0;
	case KD_EV_SWITCH:
		if (monitored(e, ev->sw.prev_pid) && ev->sw.prev_tid) {
			t = get_thread(e, ev->sw.prev_tid, ev->sw.prev_pid);
			if (!t)
				return -ENOMEM;
			if (!(ev->sw.prev_state & KD_STATE_MASK) &&
			    may_stamp(e, KD_IV_READY, t->tid, ev->sw.prev_pid, ev))
				t->ready_start = ev->time;
			if (ev->sw.prev_state & KD_TASK_STOPPED)
				t->stop_start = ev->time;
			if (t->run_start != KD_NONE && ev->time >= t->run_start) {
				ended(e, KD_IV_RUN, t->tid, t->run_start, ev);
				if (counting(e)) {
					acc_add(&t->run, ev->time - t->run_start);
					t->active = true;
				}
			}
			t->run_start = KD_NONE;
		}
		follow = may_stamp(e, KD_IV_RUN, ev->sw.next_tid, ev->sw.next_pid, ev);
		if (monitored(e, ev->sw.next_pid) && ev->sw.next_tid) {
			t = get_thread(e, ev->sw.next_tid, ev->sw.next_pid);
			if (!t)
				return -ENOMEM;
			if (t->ready_start != KD_NONE && ev->time >= t->ready_start) {
				ended(e, KD_IV_READY, t->tid, t->ready_start, ev);
				if (counting(e)) {
					acc_add(&t->ready, ev->time - t->ready_start);
					t->active = true;
				}
			}
			t->ready_start = KD_NONE;
			if (follow)
				t->run_start = ev->time;
		}
		return 0;
	case KD_EV_WAKEUP:
		if (!monitored(e, ev->wake.pid) || !ev->wake.tid)
			return 0;
		t = get_thread(e, ev->wake.tid, ev->wake.pid);
		if (!t)
			return -ENOMEM;
		if (may_stamp(e, KD_IV_READY, t->tid, ev->wake.pid, ev))
			t->ready_start = ev->time;
		if (t->stop_start != KD_NONE && ev->time >= t->stop_start && counting(e)) {
			acc_add(&t->stopped, ev->time - t->stop_start);
			t->active = true;
		}
		t->stop_start = KD_NONE;
		return 0;
	case KD_EV_IRQ_ENTRY:
		t = counted_thread(e, ev->tid, ev->pid);
		if (!ev->tid)
			t = idle_thread(e, ev->cpu, true);
		if (!t || !may_stamp(e, KD_IV_IRQ, t->tid, ev->pid, ev))
			return 0;
		t->irq_start = ev->time;
		strncpy(t->irq_name, ev->irq.name ? ev->irq.name : "", sizeof(t->irq_name) - 1);
		t->irq_name[sizeof(t->irq_name) - 1] = '\0';
		return 0;
	case KD_EV_IRQ_EXIT:
		t = ev->tid ? find_thread(e, ev->tid) : idle_thread(e, ev->cpu, false);
		if (t && monitored(e, ev->pid))
			irq_exit(e, t, ev);
		return 0;
	case KD_EV_SOFTIRQ_ENTRY:
		t = counted_thread(e, ev->tid, ev->pid);
		if (!ev->tid)
			t = idle_thread(e, ev->cpu, true);
		if (!t || !may_stamp(e, KD_IV_SOFTIRQ, t->tid, ev->pid, ev))
			return 0;
		t->softirq_start = ev->time;
		t->softirq_vec = ev->softirq.vec;
		return 0;
	case KD_EV_SOFTIRQ_EXIT:
		t = ev->tid ? find_thread(e, ev->tid) : idle_thread(e, ev->cpu, false);
		if (!t || !monitored(e, ev->pid) || t->softirq_start == KD_NONE ||
		    ev->time < t->softirq_start)
			return 0;
		ended(e, KD_IV_SOFTIRQ, t->tid, t->softirq_start, ev);
		/* Counted under the vector of the entry, as the seed does. */
		if (t->softirq_vec < KD_NR_VEC && counting(e)) {
			acc_add(&t->softirq[t->softirq_vec], ev->time - t->softirq_start);
			t->active = true;
		}
		t->softirq_start = KD_NONE;
		return 0;
	case KD_EV_UPCALL_RET:
		return upcall_ret(e, ev);
	}
	return 0;
}

bool kd_engine__thread_open(const struct kd_engine *e, uint32_t tid)
{
	const struct kd_thread *t = find_thread((struct kd_engine *)e, tid);

	return t && (t->run_start != KD_NONE || t->ready_start != KD_NONE);
}

bool kd_engine__wants_stack(const struct kd_engine *e, const struct kd_event *ev)
{
	const struct kd_thread *t;

	if (!e->cfg.syscall_events || !e->open || e->finished || ev->type != KD_EV_SYS_EXIT)
		return false;
	if (e->cfg.skip_poll_events && ev->sys.nr == e->cfg.poll_nr)
		return false;
	t = find_thread((struct kd_engine *)e, ev->tid);
	if (!t || t->sys_start == KD_NONE || ev->time < t->sys_start)
		return false;
	return !e->cfg.syscall_events_min_ns ||
	       ev->time - t->sys_start > e->cfg.syscall_events_min_ns;
}

/*
 * Exited threads.  An exit that is due (engine/exitq.h): its thread (if still the
 * one that exited) is freed when nothing of it can be reported (no counts
 * in the open window, or of another process than the monitored one), else
 * freed when its window closes.
 */
static void retire(struct kd_engine *e, const struct exitq_ent *x)
{
	struct kd_thread *t;

	t = find_thread(e, x->tid);
	if (!t || t->exited != x->time)
		return;		/* freed already, or a new thread with that tid */
	if (t->active && !e->cfg.intervals_only &&
	    (e->cfg.pid < 0 || thread_pid(e, t) == e->cfg.pid)) {
		t->retire = true;
		return;
	}
	remove_thread(e, t);
}

/* Retire the threads that exited more than the horizon before @now. */
static inline void retire_due(struct kd_engine *e, uint64_t now)
{
	struct exitq_ent x;

	while (exitq__pop_due(&e->exited, now, &x))
		retire(e, &x);
}

int kd_engine__thread_exit(struct kd_engine *e, uint32_t tid, uint64_t time)
{
	struct kd_thread *t = find_thread(e, tid);
	struct exitq_ent early;
	int ret;

	retire_due(e, time);
	if (!t)
		return 0;
	t->exited = time;
	ret = exitq__push(&e->exited, tid, time, &early);
	if (ret == 1)
		retire(e, &early);	/* no room: the oldest goes before its horizon */
	return ret < 0 ? ret : 0;
}

int kd_engine__event(struct kd_engine *e, const struct kd_event *ev)
{
	int err;

	if (e->exited.nr)
		retire_due(e, ev->time);
	e->last_time = ev->time;
	/* The usual case, one window open until a trigger or the end: nothing to
	 * advance (advance_time() would return at once). */
	if (e->open && e->started && (e->cfg.has_stop_trigger || !e->cfg.sample_time_ns))
		err = 0;
	else
		err = advance_time(e, ev->time);
	if (err)
		return err;
	if (e->finished)
		return 0;

	if (ev->trigger & KD_TRIGGER_STOP && e->open) {
		err = close_window(e, ev->time, ev->time, false);
		if (err || e->finished)
			return err;
		/* Without a start trigger the next window opens after the gap. */
		err = advance_time(e, ev->time);
		if (err)
			return err;
	}
	if (ev->trigger & KD_TRIGGER_START && e->cfg.has_start_trigger) {
		if (!e->open && ev->time >= e->next_open)
			open_window(e, ev->time, ev->time);
		else
			e->trigger_miss++;
	}
	if (!e->open)
		return 0;
	return count_event(e, ev);
}

int kd_engine__finish(struct kd_engine *e)
{
	bool partial;

	if (e->untracked)
		ovp_warn_cap("kernel-delay: more than %d threads at once: %" PRIu64 " more were not "
			     "followed (their events are not counted)", KD_MAX_THREADS, e->untracked);
	if (!e->open || e->finished)
		return 0;
	/* A window meant to end at a time or a trigger is cut short. */
	partial = e->cfg.has_stop_trigger || e->cfg.sample_time_ns;
	return close_window(e, e->last_time, 0, partial);
}
