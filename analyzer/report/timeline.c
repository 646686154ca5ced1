// SPDX-License-Identifier: Apache-2.0
/*
 * report/timeline.c - the timeline pass of `ovsperf-analyze export
 * --perfetto`: samples in time order -> Trace Event Format events, written
 * as they are decided (see report/timeline.h for the tracks).
 *
 * A consumer of the engines, as a report is: no pairing rule is written
 * here.  Per sample:
 *
 *	raw_syscalls, sched, irq --kd_event--> engine/kdelay.c (intervals_only)
 *	    --hooks: may an interval begin / it ended--> thread B/E slices,
 *	    run/ready X slices, and the CPU tracks (kd_begin(), kd_end())
 *	main:run_start, poll_block --> engine/bridge-loop.c --bl_begin()/bl_end()
 *	    --> main-loop run and poll-wait slices
 *	packet events --> engine/span.c in stream mode --> one packet per
 *	    completed span (report/timeline-packets.c); LOST windows from
 *	    engine/lostwin.c
 *	upcall events --> engine/upcall-match.c (report/upcall-input.c decodes
 *	    them as the upcall-cost report does) --> instants and flows, written
 *	    at the end (report/timeline-upcalls.c)
 *
 * So the slice and flow counts are the reports' counts (tests/export checks
 * it on every testdata recording).  What is decided here is drawing: the
 * filters (--time, --cpu, --pid) decide at an interval's begin whether it is
 * followed (an interval not followed is as if its begin event were not
 * there), slices nest on a track (one still open when an outer one ends is
 * closed as incomplete), a ready slice is drawn from the thread's last
 * switch-out when the wakeup came while it still ran, and the tracks and
 * names of threads, CPUs and counters.
 *
 * Memory: per thread a fixed record here and one in the kernel-delay engine
 * (both freed a horizon after the thread exits), per skb address a
 * generation counter, the upcall events until the end; the span engines keep
 * no completed span.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "report/report.h"
#include "decode/devtab.h"
#include "report/timeline.h"
#include "report/timeline-local.h"
#include "report/timeline-sink.h"
#include "engine/bridge-loop.h"
#include "engine/kdelay.h"
#include "ovsperf/evdec.h"
#include "ovsperf/syscalls.h"
#include "decode/pktfilter.h"
#include "engine/span.h"
#include "engine/spanspec.h"

/* Packet span presets, free events and key fields: engine/spanspec.h. */
static const char *const ex_len_fields[] = { "len", "arg4", "pkt_len", "size", NULL };

/*
 * Names and tracks.
 */


/* A process whose name was written. */
struct ex_pid {
	struct ovp_hmap_node node;	/* in ex_timeline.pids */
	uint32_t pid;
};

static struct ex_thread *find_thread(struct ex_timeline *x, uint32_t key)
{
	struct ex_thread *t;

	if (x->hot && x->hot->key == key)
		return x->hot;
	OVP_HMAP_FOR_EACH_WITH_HASH (t, node, (size_t)ovp_hash64(key), &x->threads)
		if (t->key == key)
			return x->hot = t;
	return NULL;
}

/* The thread record of @key, created when new; NULL when out of memory
 * (x->thread_oom set) or when EX_MAX_THREADS are followed (the thread is not
 * drawn; the refusals are counted, ex_done() warns). */
static struct ex_thread *get_thread(struct ex_timeline *x, uint32_t key, int64_t pid)
{
	/* The thread of the previous lookup: most events follow one of the same
	 * thread (sys_enter, then the engine's hook for it). */
	struct ex_thread *t = find_thread(x, key);

	x->thread_oom = false;
	if (t)
		return t;
	if (ovp_hmap_is_full(&x->threads)) {
		x->thread_refusals++;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		x->thread_oom = true;
		ovp_err(-ENOMEM, "export: out of memory");
		return NULL;
	}
	t->key = key;
	t->pid = pid;
	t->last_out = EX_NONE;
	t->exited = EX_NONE;
	ovp_hmap_insert_nocap(&x->threads, &t->node, (size_t)ovp_hash64(key));
	return x->hot = t;
}

/* A sample's thread is not followed: an error only when out of memory (a
 * hook's error, kept for the sample's return). */
static bool no_thread(struct ex_timeline *x)
{
	if (x->thread_oom)
		x->hook_err = -ENOMEM;
	return false;
}

/* An exit that is due: the thread's state goes if it is still the thread
 * that exited and nothing of it is open (its last slices were written). */
static void retire_thread(struct ex_timeline *x, const struct exitq_ent *e)
{
	struct ex_thread *t = find_thread(x, e->tid);

	if (t && t->exited == e->time && !t->depth && !kd_engine__thread_open(&x->kd, t->key)) {
		ovp_hmap_remove(&x->threads, &t->node);
		x->hot = NULL;
		free(t);
	}
}

/* Add @pid to the set of named processes; true if it was new (or the set is
 * at EX_MAX_PROCS: then it is named again, nothing is lost). */
static bool pid_add(struct ex_timeline *x, uint32_t pid)
{
	struct ex_pid *p;
	size_t hash = (size_t)ovp_hash64(pid);

	OVP_HMAP_FOR_EACH_WITH_HASH (p, node, hash, &x->pids)
		if (p->pid == pid)
			return false;
	if (ovp_hmap_is_full(&x->pids))
		return true;
	p = malloc(sizeof(*p));
	if (!p)
		return true;
	p->pid = pid;
	ovp_hmap_insert_nocap(&x->pids, &p->node, hash);
	return true;
}

static const char *comm_of(struct ex_timeline *x, uint32_t tid, char *buf, size_t size)
{
	const char *c = pdata_session__comm(x->s, tid);

	if (c)
		return c;
	snprintf(buf, size, "tid %u", tid);
	return buf;
}

/* Write the names of @t's process and thread when not done yet. */
void ex_name_thread(struct ex_timeline *x, struct ex_thread *t)
{
	char buf[64], name[64];

	if (t->named)
		return;
	t->named = true;
	if (t->key >= EX_IDLE_BASE) {
		if (!x->idle_named) {
			x->idle_named = true;
			x->w->ops->process(x->w, 0, "idle (swapper)");
		}
		snprintf(name, sizeof(name), "swapper/%u", t->key - EX_IDLE_BASE);
		x->w->ops->thread(x->w, 0, t->key, name, -1);
		return;
	}
	if (pid_add(x, (uint32_t)t->pid))
		x->w->ops->process(x->w, t->pid, comm_of(x, (uint32_t)t->pid, buf, sizeof(buf)));
	x->w->ops->thread(x->w, t->pid, t->key, comm_of(x, t->key, buf, sizeof(buf)),
			  (int64_t)t->key * 2);
}

static void name_sched(struct ex_timeline *x, struct ex_thread *t)
{
	char buf[64], name[96];

	if (t->sched_named)
		return;
	t->sched_named = true;
	ex_name_thread(x, t);
	snprintf(name, sizeof(name), "%s (run/ready)", comm_of(x, t->key, buf, sizeof(buf)));
	x->w->ops->subtrack(x->w, t->pid, EX_SCHED_BASE + t->key, t->key, name,
			    (int64_t)t->key * 2 + 1);
}

/*
 * Filters.
 */

static bool pid_ok(const struct ex_timeline *x, int64_t pid)
{
	return x->f.pid < 0 || pid == x->f.pid;
}

/* May a slice begin at this sample on a thread of @pid? */
static bool may_begin(const struct ex_timeline *x, const struct pdata_sample *sm, int64_t pid)
{
	return ex_in_time(x, sm->time) && ex_cpu_ok(x, sm->cpu) && pid_ok(x, pid);
}

/*
 * Thread tracks: a stack of open slices per thread.
 */

static int64_t track_tid(const struct ex_thread *t)
{
	return t->key;
}

/* Close the innermost open slice of @kind (and, as incomplete, every slice
 * opened inside it).  Return: whether one was open. */
static const struct ex_arg ex_incomplete = EXA_B("incomplete", true);

static bool end_slice(struct ex_timeline *x, struct ex_thread *t, uint64_t ts, int kind,
		      const struct ex_arg *args, int nr_args)
{
	int i;

	for (i = t->depth - 1; i >= 0 && t->stack[i] != kind; i--)
		;
	if (i < 0)
		return false;
	while (t->depth - 1 > i) {
		x->w->ops->end(x->w, t->pid, track_tid(t), ts, &ex_incomplete, 1);
		x->counts.incomplete++;
		t->depth--;
	}
	x->w->ops->end(x->w, t->pid, track_tid(t), ts, args, nr_args);
	t->depth--;
	return true;
}

/* Open a slice; one of the same kind still open lost its end (it is closed
 * as incomplete, as the reports forget a start stamp that is overwritten). */
static void begin_slice(struct ex_timeline *x, struct ex_thread *t, uint64_t ts, int kind,
			const char *cat, const char *name, const struct ex_arg *args, int nr_args)
{
	if (end_slice(x, t, ts, kind, &ex_incomplete, 1))
		x->counts.incomplete++;
	if (t->depth == EX_MAX_DEPTH)
		return;
	ex_name_thread(x, t);
	x->w->ops->begin(x->w, t->pid, track_tid(t), ts, cat, name, args, nr_args);
	t->stack[t->depth++] = (uint8_t)kind;
}

/* A writer with CPU tracks: the thread slices leave out their CPU. */
static bool lean(const struct ex_timeline *x)
{
	return x->w->ops->cpu_begin != NULL;
}

/*
 * CPU tracks (writers that have them): the task that ran on each CPU, switch
 * to switch, with the hard and soft IRQs it took nested inside.
 */

enum ex_cpu_kind { C_TASK, C_IRQ, C_SOFTIRQ };

/* Close the innermost open slice of @kind on @cpu and every one inside it. */
static void cpu_close(struct ex_timeline *x, uint32_t cpu, uint64_t ts, int kind)
{
	struct ex_cpu *c = &x->cpus[cpu];
	int i;

	for (i = c->depth - 1; i >= 0 && c->stack[i] != kind; i--)
		;
	while (i >= 0 && c->depth > i) {
		x->w->ops->cpu_end(x->w, cpu, ts);
		c->depth--;
	}
}

static void cpu_begin(struct ex_timeline *x, const struct pdata_sample *sm, int kind,
		      const char *cat, const char *name, const struct ex_arg *args, int nr_args)
{
	struct ex_cpu *c;

	if (!x->w->ops->cpu_begin || sm->cpu >= EX_MAX_CPUS)
		return;
	c = &x->cpus[sm->cpu];
	cpu_close(x, sm->cpu, sm->time, kind);
	if (c->depth == EX_MAX_DEPTH)
		return;
	x->w->ops->cpu_begin(x->w, sm->cpu, sm->time, cat, name, args, nr_args);
	c->stack[c->depth++] = (uint8_t)kind;
}

static void cpu_end(struct ex_timeline *x, const struct pdata_sample *sm, int kind)
{
	if (x->w->ops->cpu_begin && sm->cpu < EX_MAX_CPUS)
		cpu_close(x, sm->cpu, sm->time, kind);
}

/* sched_switch on a CPU: the task slice of @next begins (none for idle). */
static void cpu_switch(struct ex_timeline *x, const struct pdata_sample *sm, uint32_t next,
		       int64_t next_pid)
{
	char buf[64];

	if (!x->w->ops->cpu_begin || sm->cpu >= EX_MAX_CPUS)
		return;
	cpu_close(x, sm->cpu, sm->time, C_TASK);
	if (!next || !may_begin(x, sm, next_pid))
		return;
	struct ex_arg a[] = { EXA_U("tid", next), EXA_I("pid", next_pid) };

	cpu_begin(x, sm, C_TASK, "task", comm_of(x, next, buf, sizeof(buf)), a, 2);
}

/* The track of the task a sample ran in (idle tasks per CPU). */
struct ex_thread *ex_sample_thread(struct ex_timeline *x, const struct pdata_sample *sm)
{
	if (!sm->tid) {
		x->thread_oom = false;
		return sm->cpu == (uint32_t)-1 ? NULL : get_thread(x, EX_IDLE_BASE + sm->cpu, 0);
	}
	return get_thread(x, sm->tid, sm->pid);
}

/*
 * Thread tracks from the engines' intervals: the kernel-delay engine
 * (engine/kdelay.h: syscalls, run, ready, hard and soft IRQs) and the
 * bridge-loop engine (engine/bridge-loop.h: main-loop run and poll wait) pair
 * the events; their hooks say here when an interval begins (a B slice, or a
 * stamp for the run/ready X slices) and when it ends.  The filters decide at
 * the begin: an interval not followed is as if its begin event were not there.
 */

/* The name of syscall @nr, NULL when unknown: the table's answers kept (the
 * lookup compares the architecture's name at every call). */
static const char *syscall_name(struct ex_timeline *x, long nr)
{
	if (nr < 0 || nr >= EX_SYS_NAMES)
		return ovp_syscall_name(x->arch, nr);
	if (!x->sys_known[nr]) {
		x->sys_known[nr] = true;
		x->sys_name[nr] = ovp_syscall_name(x->arch, nr);
	}
	return x->sys_name[nr];
}

static bool begin_sys(struct ex_timeline *x, const struct pdata_sample *sm, long nr)
{
	struct ex_thread *t;
	char name[64];
	const char *sys;

	if (!may_begin(x, sm, sm->pid))
		return false;
	t = get_thread(x, sm->tid, sm->pid);
	if (!t)
		return no_thread(x);
	sys = syscall_name(x, nr);
	if (!sys) {
		snprintf(name, sizeof(name), "syscall %ld", nr);
		sys = name;
	}
	struct ex_arg a[] = { EXA_I("nr", nr), EXA_I("cpu", (int)sm->cpu) };

	/* With CPU tracks the CPU is seen there, and a known name says nr. */
	if (lean(x))
		begin_slice(x, t, sm->time, K_SYS, "syscall", sys, a, sys == name);
	else
		begin_slice(x, t, sm->time, K_SYS, "syscall", sys, a, 2);
	return true;
}

static bool begin_irq(struct ex_timeline *x, const struct ex_evmap *m,
		      const struct pdata_sample *sm, bool soft)
{
	struct ex_thread *t;
	char name[96], str[64];
	const char *vname;
	uint64_t v = evdec_field__u64(&m->f1, sm);

	if (!may_begin(x, sm, sm->tid ? (int64_t)sm->pid : 0))
		return false;
	t = ex_sample_thread(x, sm);
	if (!t)
		return no_thread(x);
	if (soft) {
		vname = kd_softirq_name((unsigned int)v);
		if (vname)
			snprintf(name, sizeof(name), "softirq %s", vname);
		else
			snprintf(name, sizeof(name), "softirq %" PRIu64, v);
		struct ex_arg a[] = { EXA_U("vec", v), EXA_I("cpu", (int)sm->cpu) };

		begin_slice(x, t, sm->time, K_SOFTIRQ, "softirq", name, a, lean(x) ? 1 : 2);
		cpu_begin(x, sm, C_SOFTIRQ, "softirq", name, a, 1);
	} else {
		snprintf(name, sizeof(name), "irq %" PRIu64 " %s", v,
			 evdec_field__str(&m->f2, sm, str, sizeof(str)));
		struct ex_arg a[] = { EXA_U("irq", v), EXA_I("cpu", (int)sm->cpu) };

		begin_slice(x, t, sm->time, K_IRQ, "irq", name, a, lean(x) ? 1 : 2);
		cpu_begin(x, sm, C_IRQ, "irq", name, a, 1);
	}
	return true;
}

/* A thread's run or ready interval may begin: followed when the filters pass
 * and its process is known. */
static bool begin_sched(struct ex_timeline *x, const struct pdata_sample *sm, uint32_t tid,
			int64_t pid)
{
	if (!tid || pid < 0 || !may_begin(x, sm, pid))
		return false;
	return get_thread(x, tid, pid) ? true : no_thread(x);
}

static bool kd_begin(void *arg, enum kd_interval kind, uint32_t tid, int64_t pid,
		     const struct kd_event *ev)
{
	struct ex_timeline *x = arg;
	const struct pdata_sample *sm = x->cur_sm;

	switch (kind) {
	case KD_IV_SYSCALL:
		return begin_sys(x, sm, ev->sys.nr);
	case KD_IV_RUN:
		/* Every switch: the CPU track changes task first. */
		cpu_switch(x, sm, ev->sw.next_tid, ev->sw.next_pid);
		return begin_sched(x, sm, tid, pid);
	case KD_IV_READY:
		return begin_sched(x, sm, tid, pid);
	case KD_IV_IRQ:
	case KD_IV_SOFTIRQ:
		return begin_irq(x, x->cur_m, sm, kind == KD_IV_SOFTIRQ);
	}
	return false;
}

static void kd_end(void *arg, enum kd_interval kind, uint32_t tid, uint64_t start,
		   const struct kd_event *ev)
{
	struct ex_timeline *x = arg;
	const struct pdata_sample *sm = x->cur_sm;
	const struct ex_evmap *m = x->cur_m;
	struct ex_thread *t = find_thread(x, tid);
	uint64_t from = start;

	if (!t)
		return;
	switch (kind) {
	case KD_IV_SYSCALL: {
		struct ex_arg ret = EXA_I("ret", evdec_field__s64(&m->f2, sm));

		if (end_slice(x, t, sm->time, K_SYS, &ret, 1))
			x->counts.syscalls++;
		return;
	}
	case KD_IV_IRQ: {
		struct ex_arg ret = EXA_I("ret", evdec_field__s64(&m->f2, sm));

		if (end_slice(x, t, sm->time, K_IRQ, &ret, 1))
			x->counts.irqs++;
		return;
	}
	case KD_IV_SOFTIRQ:
		if (end_slice(x, t, sm->time, K_SOFTIRQ, NULL, 0))
			x->counts.softirqs++;
		return;
	case KD_IV_RUN:
		name_sched(x, t);
		x->w->ops->complete(x->w, t->pid, EX_SCHED_BASE + t->key, start, ev->time - start,
				    "sched", "run", NULL, 0);
		x->counts.runs++;
		return;
	case KD_IV_READY:
		/* Drawn from the switch-out when the wakeup came while it still ran
		 * (the engine counts from the wakeup: the count is the same). */
		if (t->last_out != EX_NONE && t->last_out > from)
			from = t->last_out;
		name_sched(x, t);
		x->w->ops->complete(x->w, t->pid, EX_SCHED_BASE + t->key, from, ev->time - from,
				    "sched", "ready", NULL, 0);
		x->counts.readies++;
		return;
	}
}

static bool bl_begin(void *arg, uint32_t tid, uint64_t time, bool run)
{
	struct ex_timeline *x = arg;
	const struct pdata_sample *sm = x->cur_sm;
	struct ex_arg args = EXA_I("cpu", (int)sm->cpu);
	struct ex_thread *t;

	if (!may_begin(x, sm, sm->pid))
		return false;
	t = get_thread(x, tid, sm->pid);
	if (!t)
		return no_thread(x);
	begin_slice(x, t, time, run ? K_LOOP_RUN : K_LOOP_WAIT, "loop",
		    run ? "main loop run" : "poll wait", &args, !lean(x));
	return true;
}

static void bl_end(void *arg, uint32_t tid, uint64_t time, bool run, uint64_t ns)
{
	struct ex_timeline *x = arg;
	struct ex_thread *t = find_thread(x, tid);

	(void)ns;
	if (t && end_slice(x, t, time, run ? K_LOOP_RUN : K_LOOP_WAIT, NULL, 0)) {
		if (run)
			x->counts.loop_runs++;
		else
			x->counts.loop_waits++;
	}
}

/* A sample of a kernel-delay event: decoded for the engine, which calls the
 * hooks above. */
static int on_kd(struct ex_timeline *x, const struct ex_evmap *m, const struct pdata_sample *sm)
{
	struct kd_event ev = {
		.time = sm->time,
		.cpu = sm->cpu,
		.tid = sm->tid,
		.pid = sm->pid,
	};
	uint32_t prev;
	struct ex_thread *t;

	switch (m->h) {
	case H_SYS_ENTER:
	case H_SYS_EXIT:
		if (!sm->tid)
			return 0;
		ev.type = m->h == H_SYS_ENTER ? KD_EV_SYS_ENTER : KD_EV_SYS_EXIT;
		/* The exit's number only counts in statistics (none here). */
		ev.sys.nr = m->h == H_SYS_ENTER ? (long)evdec_field__s64(&m->f1, sm) : -1;
		break;
	case H_SWITCH:
		ev.type = KD_EV_SWITCH;
		prev = (uint32_t)evdec_field__u64(&m->f1, sm);
		ev.sw.prev_tid = prev;
		ev.sw.prev_state = evdec_field__u64(&m->f2, sm);
		ev.sw.next_tid = (uint32_t)evdec_field__u64(&m->f3, sm);
		ev.sw.prev_pid = prev == sm->tid ? (int64_t)sm->pid : pdata_session__pid_of(x->s, prev);
		ev.sw.next_pid = pdata_session__pid_of(x->s, ev.sw.next_tid);
		/* The last switch-out of a thread on the timeline: where its
		 * ready slice is drawn from (kd_end()). */
		if (prev) {
			bool begin = ev.sw.prev_pid >= 0 && may_begin(x, sm, ev.sw.prev_pid);

			t = begin ? get_thread(x, prev, ev.sw.prev_pid) : find_thread(x, prev);
			if (begin && !t && x->thread_oom)
				return -ENOMEM;
			if (t)
				t->last_out = sm->time;
		}
		break;
	case H_WAKEUP:
		ev.type = KD_EV_WAKEUP;
		ev.wake.tid = (uint32_t)evdec_field__u64(&m->f1, sm);
		ev.wake.pid = pdata_session__pid_of(x->s, ev.wake.tid);
		break;
	case H_IRQ_ENTRY:
		ev.type = KD_EV_IRQ_ENTRY;
		break;
	case H_IRQ_EXIT:
		ev.type = KD_EV_IRQ_EXIT;
		ev.irq.ret = (int)evdec_field__s64(&m->f2, sm);
		cpu_end(x, sm, C_IRQ);
		break;
	case H_SOFTIRQ_ENTRY:
		ev.type = KD_EV_SOFTIRQ_ENTRY;
		ev.softirq.vec = (unsigned int)evdec_field__u64(&m->f1, sm);
		break;
	case H_SOFTIRQ_EXIT:
		ev.type = KD_EV_SOFTIRQ_EXIT;
		ev.softirq.vec = (unsigned int)evdec_field__u64(&m->f1, sm);
		cpu_end(x, sm, C_SOFTIRQ);
		break;
	default:
		return 0;
	}
	return kd_engine__event(&x->kd, &ev) ?: x->hook_err;
}

/*
 * Packet spans.
 */

/* The index of the first event (in recording order) matching @pattern, or -1. */
static int first_match(struct pdata_session *s, const char *pattern)
{
	const struct pdata_evsel *ev = pdata_session__find_evsel(s, pattern);

	return ev ? ev->idx : -1;
}

/*
 * Counters.
 */

static void flush_bucket(struct ex_timeline *x)
{
	if (!x->bucket_open)
		return;
	if (!x->cnt_named) {
		x->cnt_named = true;
		x->w->ops->process(x->w, EX_CNT_PID, "ovsperf counters");
	}
	x->w->ops->counter(x->w, EX_CNT_PID, x->bucket * 1000000, "events per ms", "cpu", true,
			   x->cpu_count, x->nr_cpus);
	memset(x->cpu_count, 0, sizeof(x->cpu_count));
	x->bucket_open = false;
}

static void count_event(struct ex_timeline *x, const struct pdata_sample *sm)
{
	uint64_t b = sm->time / 1000000;

	if (!ex_in_time(x, sm->time) || !ex_cpu_ok(x, sm->cpu) || sm->cpu >= EX_MAX_CPUS)
		return;
	if (x->bucket_open && b != x->bucket) {
		uint64_t prev = x->bucket;

		flush_bucket(x);
		/* A gap: one zero sample so the graph falls to zero in between. */
		if (b > prev + 1) {
			x->bucket = prev + 1;
			x->bucket_open = true;
			flush_bucket(x);
		}
	}
	if (!x->bucket_open) {
		x->bucket = b;
		x->bucket_open = true;
	}
	if (sm->cpu + 1 > x->nr_cpus)
		x->nr_cpus = sm->cpu + 1;
	x->cpu_count[sm->cpu]++;
}

/*
 * The tool.
 */

static int ex_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct ex_timeline *x = container_of(tool, struct ex_timeline, tool);
	const struct pdata_info *info = pdata_session__info(s);
	int i, err = 0;
	size_t p;

	x->s = s;
	x->arch = info->arch;
	x->nr_map = pdata_session__nr_evsels(s);
	x->map = calloc(x->nr_map ? (size_t)x->nr_map : 1, sizeof(*x->map));
	if (!x->map)
		return ovp_err(-ENOMEM, "export: out of memory");
	if (info->nr_cpus_avail && info->nr_cpus_avail <= EX_MAX_CPUS)
		x->nr_cpus = info->nr_cpus_avail;
	for (i = 0; i < x->nr_map; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		struct ex_evmap *m = &x->map[i];
		const char *e = ev->event ? ev->event : ev->name;

		if (!strcmp(ev->name, "raw_syscalls:sys_enter")) {
			if (!evdec_field__find(&m->f1, ev, "id"))
				m->h = H_SYS_ENTER;
		} else if (!strcmp(ev->name, "raw_syscalls:sys_exit")) {
			if (!evdec_field__find(&m->f1, ev, "id") &&
			    !evdec_field__find(&m->f2, ev, "ret"))
				m->h = H_SYS_EXIT;
		} else if (!strcmp(ev->name, "sched:sched_switch")) {
			if (!evdec_field__find(&m->f1, ev, "prev_pid") &&
			    !evdec_field__find(&m->f2, ev, "prev_state") &&
			    !evdec_field__find(&m->f3, ev, "next_pid"))
				m->h = H_SWITCH;
		} else if (!strcmp(ev->name, "sched:sched_wakeup") ||
			   !strcmp(ev->name, "sched:sched_wakeup_new")) {
			if (!evdec_field__find(&m->f1, ev, "pid"))
				m->h = H_WAKEUP;
		} else if (!strcmp(ev->name, "irq:irq_handler_entry")) {
			if (!evdec_field__find(&m->f1, ev, "irq")) {
				evdec_field__find(&m->f2, ev, "name");
				m->h = H_IRQ_ENTRY;
			}
		} else if (!strcmp(ev->name, "irq:irq_handler_exit")) {
			if (!evdec_field__find(&m->f1, ev, "irq")) {
				evdec_field__find(&m->f2, ev, "ret");
				m->h = H_IRQ_EXIT;
			}
		} else if (!strcmp(ev->name, "irq:softirq_entry")) {
			if (!evdec_field__find(&m->f1, ev, "vec"))
				m->h = H_SOFTIRQ_ENTRY;
		} else if (!strcmp(ev->name, "irq:softirq_exit")) {
			if (!evdec_field__find(&m->f1, ev, "vec"))
				m->h = H_SOFTIRQ_EXIT;
		} else if (!strcmp(e, "run_start")) {
			m->h = H_RUN_START;
		} else if (!strcmp(e, "poll_block")) {
			m->h = H_POLL_BLOCK;
		} else if (!strcmp(e, "recv_upcall")) {
			evdec_field__find_any(&m->f1, ev, ex_len_fields);
			m->h = H_RECV_UPCALL;
		} else if (!strcmp(e, "ovs_dp_upcall") && first_match(s, "ovs_dp_upcall") == i) {
			/* One probe point, one event: the first recorded of its names. */
			evdec_field__find_any(&m->f1, ev, ex_len_fields);
			m->h = H_DP_UPCALL;
		}
		for (p = 0; p < spanspec_nr_free_events; p++)
			if (pdata_evsel__matches(ev, spanspec_free_events[p]) &&
			    !evdec_field__find_any(&m->key, ev, spanspec_key_fields))
				m->is_free = true;
	}
	if (x->f.span) {
		err = ex_add_span(x, "custom", x->f.span, true);
	} else {
		for (p = 0; p < spanspec_nr_presets && !err; p++)
			err = ex_add_span(x, spanspec_presets[p].name, spanspec_presets[p].spec, false);
	}
	if (!err && x->nr_spans)
		spanspec__warn_reused(s, "export");
	return err ?: ex_upcalls_ready(x) ?: ex_check_filters(x) ?: ex_blame_ready(x);
}

static int ex_sample(struct pdata_tool *tool, const struct pdata_sample *sm)
{
	struct ex_timeline *x = container_of(tool, struct ex_timeline, tool);
	const struct ex_evmap *m;
	int err = 0;

	if (x->exited.nr) {
		struct exitq_ent e;

		while (exitq__pop_due(&x->exited, sm->time, &e))
			retire_thread(x, &e);
	}
	if (!sm->evsel || sm->evsel->idx >= x->nr_map)
		return 0;
	if (sm->time > x->last_time)
		x->last_time = sm->time;
	if (sm->cpu != (uint32_t)-1 && sm->cpu < EX_MAX_CPUS && x->nr_spans &&
	    lostwin__seen(&x->lost, sm->cpu, sm->time))
		return -ENOMEM;
	count_event(x, sm);
	if (x->blame) {
		err = ex_blame_event(x, sm);
		if (err)
			return err;
	}
	m = &x->map[sm->evsel->idx];
	x->cur_sm = sm;
	x->cur_m = m;
	switch (m->h) {
	case H_NONE:
		break;
	case H_SYS_ENTER:
	case H_SYS_EXIT:
	case H_SWITCH:
	case H_WAKEUP:
	case H_IRQ_ENTRY:
	case H_IRQ_EXIT:
	case H_SOFTIRQ_ENTRY:
	case H_SOFTIRQ_EXIT:
		err = on_kd(x, m, sm);
		break;
	case H_RUN_START:
	case H_POLL_BLOCK:
		if (sm->tid)
			err = bl_engine__event(&x->bl, sm->tid, sm->time,
					       m->h == H_RUN_START ? BL_RUN_START : BL_POLL_BLOCK)
			      ?: x->hook_err;
		break;
	case H_DP_UPCALL:
	case H_RECV_UPCALL:
		break;
	}
	if (!err && (m->uc_type >= 0 || m->h == H_DP_UPCALL || m->h == H_RECV_UPCALL))
		err = ex_on_upcall(x, m, sm);
	if (!err && (m->nr_roles || m->is_free))
		err = ex_on_packet(x, m, sm);
	return err ?: x->w->err;
}

/* A COMM record renames a thread already on the timeline. */
/* A thread exited: its track state goes a horizon later (engine/exitq.h), so that a
 * recording of many short-lived threads is exported in bounded memory. */
static int ex_exit(struct pdata_tool *tool, const union perf_event *event,
		   const struct pdata_sample *sample)
{
	struct ex_timeline *x = container_of(tool, struct ex_timeline, tool);
	uint64_t time = sample && sample->time ? sample->time : event->fork.time;
	struct ex_thread *t = event->fork.tid ? find_thread(x, event->fork.tid) : NULL;
	struct exitq_ent early;
	int ret;

	if (!t)
		return 0;
	ret = kd_engine__thread_exit(&x->kd, event->fork.tid, time);
	if (ret)
		return ret;
	t->exited = time;
	ret = exitq__push(&x->exited, event->fork.tid, time, &early);
	if (ret == 1)
		retire_thread(x, &early);
	return ret < 0 ? ret : 0;
}

static int ex_comm(struct pdata_tool *tool, const union perf_event *event,
		   const struct pdata_sample *sample)
{
	struct ex_timeline *x = container_of(tool, struct ex_timeline, tool);
	struct ex_thread *t = find_thread(x, event->comm.tid);
	char name[96];

	(void)sample;
	if (!t || !t->named)
		return 0;
	x->w->ops->thread(x->w, t->pid, t->key, event->comm.comm, -1);
	if (event->comm.tid == event->comm.pid)
		x->w->ops->process(x->w, t->pid, event->comm.comm);
	if (t->sched_named) {
		snprintf(name, sizeof(name), "%s (run/ready)", event->comm.comm);
		x->w->ops->subtrack(x->w, t->pid, EX_SCHED_BASE + t->key, t->key, name, -1);
	}
	return 0;
}

static int ex_lost(struct pdata_tool *tool, const struct pdata_lost *lost)
{
	struct ex_timeline *x = container_of(tool, struct ex_timeline, tool);
	uint64_t n = lost->nr;
	uint64_t ts = lost->time ? lost->time : x->last_time, lo, hi;

	/* perf appends untimed LOST_SAMPLES totals at the end: not new losses. */
	if (!n || (lost->type != PERF_RECORD_LOST && !lost->time))
		return 0;
	if (!x->cnt_named) {
		x->cnt_named = true;
		x->w->ops->process(x->w, EX_CNT_PID, "ovsperf counters");
	}
	x->lost_total += n;
	if (x->nr_spans && lostwin__window(&x->lost, lost, x->last_time, &lo, &hi)) {
		if (x->nr_lost_win == x->cap_lost_win) {
			size_t cap = x->cap_lost_win ? x->cap_lost_win * 2 : 16;
			uint64_t(*w)[2] = realloc(x->lost_win, cap * sizeof(*w));

			if (!w)
				return ovp_err(-ENOMEM, "export: out of memory");
			x->lost_win = w;
			x->cap_lost_win = cap;
		}
		x->lost_win[x->nr_lost_win][0] = lo;
		x->lost_win[x->nr_lost_win++][1] = hi;
		for (int i = 0; i < x->nr_spans; i++) {
			int err = span_engine__lost(x->spans[i].eng, lo, hi);

			if (err)
				return err;
		}
	}
	x->w->ops->counter(x->w, EX_CNT_PID, ts, "lost events", "lost", false, &x->lost_total, 1);
	return 0;
}

static int cmp_thread_key(const void *a, const void *b)
{
	const struct ex_thread *x = *(const struct ex_thread *const *)a;
	const struct ex_thread *y = *(const struct ex_thread *const *)b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static int ex_done(struct pdata_tool *tool, struct pdata_session *s)
{
	struct ex_timeline *x = container_of(tool, struct ex_timeline, tool);
	struct ex_thread **open = NULL, *t;
	size_t i, nr_open = 0;

	(void)s;
	flush_bucket(x);
	if (ex_upcalls_done(x))
		return x->w->err ?: -ENOMEM;
	/*
	 * Slices still open at the end lost their end: close them, marked, in
	 * the order of the threads' keys (the table's order is the hash's, which
	 * changes from run to run).
	 */
	OVP_HMAP_FOR_EACH (t, node, &x->threads)
		nr_open += t->depth != 0;
	if (nr_open) {
		open = malloc(nr_open * sizeof(*open));
		if (!open)
			return ovp_err(-ENOMEM, "export: out of memory");
		nr_open = 0;
		OVP_HMAP_FOR_EACH (t, node, &x->threads)
			if (t->depth)
				open[nr_open++] = t;
		qsort(open, nr_open, sizeof(*open), cmp_thread_key);
	}
	for (i = 0; i < nr_open; i++) {
		t = open[i];
		while (t->depth) {
			x->w->ops->end(x->w, t->pid, track_tid(t), x->last_time, &ex_incomplete, 1);
			x->counts.incomplete++;
			t->depth--;
		}
	}
	free(open);
	if (x->w->ops->cpu_begin)
		for (uint32_t c = 0; c < EX_MAX_CPUS; c++)
			while (x->cpus[c].depth) {
				x->w->ops->cpu_end(x->w, c, x->last_time);
				x->cpus[c].depth--;
			}
	for (int k = 0; k < x->nr_spans; k++) {
		const struct span_counts *c = span_engine__counts(x->spans[k].eng);

		span_engine__finish(x->spans[k].eng);
		if (c->expired_cap)
			ovp_warn_cap("export: span %s: more than %d packets were in flight at once: "
				     "the oldest %" PRIu64 " expired before --span-timeout (no slice)",
				     x->spans[k].name, SPANSPEC_MAX_OPEN, c->expired_cap);
	}
	/* (The kernel-delay engine follows as many: its refusals are the same
	 * loss, said once.) */
	if (x->thread_refusals || x->kd.untracked)
		ovp_warn_cap("export: more than %d threads at once: the events of the others are not "
			 "drawn (%" PRIu64 " of them)", EX_MAX_THREADS,
			 x->thread_refusals + x->kd.untracked);
	if (x->gen_resets)
		ovp_warn_cap("export: more than %d skb addresses: packet generations (gen) "
			     "counted again from 0, %" PRIu64 " time(s)", EX_MAX_GENS, x->gen_resets);
	return x->w->err;
}

int ex_timeline__new(struct ex_timeline **out, struct ex_sink *w, const struct ex_filter *f)
{
	struct ex_timeline *x = calloc(1, sizeof(*x));

	*out = NULL;
	if (!x)
		return ovp_err(-ENOMEM, "export: out of memory");
	x->w = w;
	x->f = *f;
	ovp_intern__init(&x->attrs, EX_MAX_ATTRS);
	ovp_hmap_init(&x->threads);
	ovp_hmap_set_cap(&x->threads, EX_MAX_THREADS);
	ovp_hmap_init(&x->pids);
	ovp_hmap_set_cap(&x->pids, EX_MAX_PROCS);
	ovp_hmap_init(&x->gens);
	pdata_tool__init(&x->tool);
	x->tool.ready = ex_ready;
	x->tool.sample = ex_sample;
	x->tool.comm = ex_comm;
	x->tool.exit = ex_exit;
	x->tool.lost = ex_lost;
	x->tool.done = ex_done;
	x->kd_hooks = (struct kd_hooks){ .begin = kd_begin, .end = kd_end, .arg = x };
	struct kd_config kc = {
		.pid = -1, .poll_nr = -1, .ppoll_nr = -1,
		.hooks = &x->kd_hooks, .intervals_only = true,
	};
	if (kd_engine__init(&x->kd, &kc) || bl_engine__init(&x->bl, bl_end, x)) {
		ex_timeline__delete(x);
		return -ENOMEM;
	}
	bl_engine__follow(&x->bl, bl_begin, true);
	*out = x;
	return 0;
}

struct pdata_tool *ex_timeline__tool(struct ex_timeline *t)
{
	return &t->tool;
}

const struct ex_counts *ex_timeline__counts(const struct ex_timeline *t)
{
	return &t->counts;
}

/* The thread and process tables with their records. */
static void free_tables(struct ex_timeline *x)
{
	struct ovp_hmap_node *next;
	struct ex_thread *t;
	struct ex_pid *p;

	OVP_HMAP_FOR_EACH_SAFE (t, next, node, &x->threads)
		free(t);
	OVP_HMAP_FOR_EACH_SAFE (p, next, node, &x->pids)
		free(p);
	ovp_hmap_exit(&x->threads);
	ovp_hmap_exit(&x->pids);
	ovp_hmap_exit(&x->gens);
}

void ex_timeline__delete(struct ex_timeline *x)
{
	if (!x)
		return;
	for (int s = 0; s < x->nr_spans; s++) {
		span_engine__delete(x->spans[s].eng);
		for (int k = 0; k < SPAN_MAX_STAGES; k++)
			for (int a = 0; a < EX_MAX_ALTS; a++)
				free(x->spans[s].alt_names[k][a]);
	}
	blame__delete(x->blame);
	for (size_t i = 0; i < x->nr_blame_what; i++)
		free(x->blame_what[i]);
	free(x->blame_what);
	kd_engine__exit(&x->kd);
	bl_engine__exit(&x->bl);
	devtab__exit(&x->devs);
	exitq__exit(&x->exited);
	ovp_intern__exit(&x->attrs);
	free(x->dev_attr);
	lostwin__exit(&x->lost);
	free(x->lost_win);
	for (size_t i = 0; i < EX_MAX_GENS / EX_GEN_CHUNK; i++)
		free(x->gen_chunks[i]);
	free_tables(x);
	uc_engine__exit(&x->uc);
	free(x->upcalls);
	free(x->map);
	free(x);
}
