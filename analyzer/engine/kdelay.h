/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/kdelay.h - the counting engine of the kernel-delay report
 * (kernel_delay.py semantics), fed with already decoded events so that it can
 * be unit tested with synthetic ones.
 *
 *	report glue: sample -> struct kd_event -> kd_engine__event()
 *	engine: windows (time or trigger mode) -> per-thread start stamps
 *	        -> per-thread accumulators -> one struct kd_sample per window
 *
 * Counting rules (kernel_delay.py): a statistic only counts intervals whose
 * start and end both fall inside a window; every start stamp is forgotten
 * when a window closes.  Threads are keyed by tid in an open-addressing hash;
 * processing an event allocates nothing except the first time a thread (or a
 * thread's syscall table) is seen.
 *
 * The pairing rules live here only.  A consumer that wants the intervals one
 * by one as they happen (the timeline export, report/timeline.c) gives hooks
 * (struct kd_hooks): asked when an interval begins, told when it ends.  The
 * reports leave them NULL (one predictable branch per stamp).
 */
#ifndef OVSPERF_KDELAY_ENGINE_H
#define OVSPERF_KDELAY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsperf/hmap.h"
#include "engine/exitq.h"

/* Syscall numbers below this are counted in a per-thread table. */
#define KD_MAX_SYSCALL 1024
/* Distinct hard IRQ names kept per thread (more are counted as "<other>"). */
#define KD_MAX_IRQ 16
/* IRQ name bytes kept (kernel_delay.py keeps 32 too). */
#define KD_IRQ_NAME 32
/* Soft IRQ vectors (NR_SOFTIRQS is 10; room for more). */
#define KD_NR_VEC 16
/* Distinct upcall error values kept per window. */
#define KD_MAX_UPCALL_ERR 16
/*
 * Bounds on per-thread state (man ovsperf-analyze(1), kernel-delay): a thread
 * whose EXIT record is EXITQ_HORIZON_NS old (recording time; engine/exitq.h) is
 * freed when nothing of it can be reported (no counts in the open window, or
 * not of the monitored process), else when its window closes; at most
 * EXITQ_MAX exited threads wait for that, the oldest going first; at most
 * KD_MAX_THREADS threads are followed, events of more are not counted (one
 * warning).
 */
#define KD_MAX_THREADS 65536

/* Trigger bits of an event (kd_event.trigger). */
#define KD_TRIGGER_START 1u
#define KD_TRIGGER_STOP 2u

enum kd_event_type {
	KD_EV_NONE,		/* only a trigger (or a clock tick) */
	KD_EV_SYS_ENTER,	/* raw_syscalls:sys_enter */
	KD_EV_SYS_EXIT,		/* raw_syscalls:sys_exit */
	KD_EV_SWITCH,		/* sched:sched_switch */
	KD_EV_WAKEUP,		/* sched:sched_wakeup and sched_wakeup_new */
	KD_EV_IRQ_ENTRY,	/* irq:irq_handler_entry */
	KD_EV_IRQ_EXIT,		/* irq:irq_handler_exit */
	KD_EV_SOFTIRQ_ENTRY,	/* irq:softirq_entry */
	KD_EV_SOFTIRQ_EXIT,	/* irq:softirq_exit */
	KD_EV_UPCALL_RET,	/* kretprobe on ovs_dp_upcall: its return value */
};

/* One decoded event.  Pointers are borrowed for the call. */
struct kd_event {
	enum kd_event_type type;
	unsigned int trigger;		/* KD_TRIGGER_* bits */
	uint64_t time;			/* ns */
	uint32_t cpu;
	uint32_t tid;			/* the current task (the sample's tid) */
	int64_t pid;			/* its process, -1 if unknown */
	union {
		struct {
			long nr;			/* syscall number */
			uint64_t nr_ips;		/* callchain (exit only) */
			const uint64_t *ips;
		} sys;
		struct {
			uint32_t prev_tid, next_tid;
			int64_t prev_pid, next_pid;	/* -1 if unknown */
			uint64_t prev_state;		/* tracepoint prev_state */
		} sw;
		struct {
			uint32_t tid;			/* woken task */
			int64_t pid;
		} wake;
		struct {
			const char *name;		/* entry only; NULL ok */
			int ret;			/* exit only; 0 = IRQ_NONE */
		} irq;
		struct {
			unsigned int vec;
		} softirq;
		struct {
			int64_t ret;
		} upcall;
	};
};

/* count / total / min / max of intervals. */
struct kd_acc {
	uint64_t count, total_ns, min_ns, max_ns;
};

struct kd_sys_acc {
	long nr;
	struct kd_acc acc;
};

struct kd_irq_acc {
	char name[KD_IRQ_NAME];
	struct kd_acc acc;
};

/* What a window reports for one thread. */
struct kd_thread_stats {
	uint32_t tid;
	int64_t pid;
	struct kd_sys_acc *sys;		/* nr_sys entries, sorted by total desc; owned */
	size_t nr_sys;
	struct kd_acc run, ready, stopped, long_poll;
	struct kd_irq_acc irq[KD_MAX_IRQ];	/* nr_irq entries, sorted by total desc */
	size_t nr_irq;
	struct kd_acc softirq[KD_NR_VEC];	/* by vector */
};

/* One recorded syscall (--syscall-events). */
struct kd_sysevent {
	uint64_t entry_ns, exit_ns;
	uint32_t tid;
	int64_t pid;
	long nr;
	size_t ips_off, nr_ips;		/* callchain in the sample's ips pool */
};

struct kd_upcall_err {
	int64_t err;
	uint64_t count;
};

/* The result of one window. */
struct kd_sample {
	uint64_t start_ns, end_ns;
	uint64_t start_trigger_ns;	/* 0 when not opened by a trigger */
	uint64_t stop_trigger_ns;	/* 0 when not closed by a trigger */
	bool skipped;			/* trigger delta below --trigger-delta */
	bool partial;			/* the recording ended inside the window */
	struct kd_thread_stats *threads;	/* sorted by tid; owned */
	size_t nr_threads;
	struct kd_sysevent *events;	/* owned */
	size_t nr_events;
	uint64_t *ips;			/* callchain pool of events; owned */
	size_t nr_ips;
	uint64_t *upcall_cpu;		/* upcalls per CPU (nr_upcall_cpu); owned */
	size_t nr_upcall_cpu;
	uint64_t upcalls, upcall_errors;
	struct kd_upcall_err upcall_err[KD_MAX_UPCALL_ERR];
	size_t nr_upcall_err;
	uint64_t upcall_err_other;	/* errors beyond KD_MAX_UPCALL_ERR values */
};

/* Intervals paired by the engine, as given to the hooks. */
enum kd_interval {
	KD_IV_SYSCALL,		/* sys_enter -> sys_exit of the thread */
	KD_IV_RUN,		/* switch-in -> switch-out */
	KD_IV_READY,		/* wakeup, or preemption -> switch-in */
	KD_IV_IRQ,		/* irq_handler_entry -> exit, on the interrupted thread */
	KD_IV_SOFTIRQ,		/* softirq_entry -> exit, likewise */
};

/* Key of the idle task of CPU n with cfg.intervals_only (no real tid is this
 * large: pid_max is at most 2^22). */
#define KD_IDLE_BASE 0x20000000u

/*
 * Hooks of a consumer of single intervals.  Called from kd_engine__event(),
 * in the order the rules decide: at a sched_switch the run of the task
 * switched out ends, then the run of the task switched in begins, then its
 * ready interval ends.
 */
struct kd_hooks {
	/*
	 * An interval of @kind may begin on thread @tid (process @pid, -1 if
	 * unknown) at @ev: return whether the consumer follows it.  One not
	 * followed does not stamp: the thread's earlier start of that kind, if
	 * any, stays.  KD_IV_RUN is asked at every switch, for the task switched
	 * in, the idle task (@tid 0) included.
	 */
	bool (*begin)(void *arg, enum kd_interval kind, uint32_t tid, int64_t pid,
		      const struct kd_event *ev);
	/* Interval @kind of @tid began at @start and ends at @ev (IRQs returning
	 * IRQ_NONE included: the counts leave those out). */
	void (*end)(void *arg, enum kd_interval kind, uint32_t tid, uint64_t start,
		    const struct kd_event *ev);
	void *arg;
};

struct kd_config {
	int64_t pid;			/* monitored process; -1: ask resolve_pid */
	bool triggers;			/* trigger mode (start and/or stop trigger) */
	bool has_start_trigger, has_stop_trigger;
	uint64_t sample_time_ns;	/* 0: whole recording (time mode without triggers) */
	uint64_t sample_count;		/* windows wanted; 0 = no limit */
	uint64_t sample_interval_ns;	/* gap after a window before the next */
	uint64_t trigger_delta_ns;	/* skip trigger windows shorter than this */
	bool syscall_events;		/* record syscall events */
	uint64_t syscall_events_min_ns;	/* ...longer than this (0: all) */
	bool skip_poll_events;		/* ...except poll */
	long poll_nr;			/* syscall number of poll(), -1 if none */
	long ppoll_nr;			/* of ppoll(), -1 if none (LONG POLL only) */
	uint64_t long_poll_ns;		/* LONG POLL threshold */
	bool long_poll_all;		/* every poll() interval, not ppoll() (OVS
					 * master's kernel_delay.py) */
	/* Called when a window closes and pid is still -1: set *pid or fail. */
	int (*resolve_pid)(void *arg, int64_t *pid);
	/* Process of a thread whose pid was not known at event time, or -1. */
	int64_t (*pid_of)(void *arg, uint32_t tid);
	void *arg;
	/* Single intervals to a consumer (NULL: none; the reports). */
	const struct kd_hooks *hooks;
	/* Pair for the hooks only: no statistics (no window results), exited
	 * threads go at their horizon, and hard and soft IRQs of the idle task
	 * are paired too, on one record per CPU (key KD_IDLE_BASE + cpu). */
	bool intervals_only;
};

struct kd_thread;

/* Embedded, not moved after kd_engine__init() (the table points into it). */
struct kd_engine {
	struct kd_config cfg;
	struct ovp_hmap threads;	/* struct kd_thread by tid */
	struct kd_thread *hot;		/* the thread found last, or NULL */
	bool open;			/* a window is capturing */
	bool started;			/* first event seen */
	uint64_t win_start;		/* start of the open window */
	uint64_t next_open;		/* earliest start of the next window */
	uint64_t start_trigger_ns;	/* of the open window, or 0 */
	uint64_t last_time;		/* of the last event */
	uint64_t done;			/* windows reported (skipped ones excluded) */
	uint64_t trigger_miss;		/* start triggers while not ready */
	bool finished;			/* all wanted windows are done */
	/* Pending syscall events and upcall counters of the open window. */
	struct kd_sysevent *events;
	size_t nr_events, cap_events;
	uint64_t *ips;
	size_t nr_ips, cap_ips;
	uint64_t *upcall_cpu;
	size_t nr_upcall_cpu;
	uint64_t upcalls, upcall_errors, upcall_err_other;
	struct kd_upcall_err upcall_err[KD_MAX_UPCALL_ERR];
	size_t nr_upcall_err;
	/* The result: one entry per window, in time order. */
	struct kd_sample *samples;
	size_t nr_samples, cap_samples;
	struct exitq exited;		/* exited threads waiting to be freed */
	struct kd_thread *overflow;	/* stands for the threads beyond KD_MAX_THREADS */
	uint64_t untracked;		/* threads not followed: beyond KD_MAX_THREADS */
	uint64_t freed_threads;		/* exited threads freed */
};

/**
 * kd_engine__init() - set up an engine.
 * @e: the engine (embedded by the caller).
 * @cfg: its configuration (copied).
 *
 * Return: 0 or -ENOMEM (message set).  kd_engine__exit() is safe after a
 * failure.
 */
int kd_engine__init(struct kd_engine *e, const struct kd_config *cfg);

/* Free everything, results included (NULL ok). */
void kd_engine__exit(struct kd_engine *e);

/**
 * kd_engine__thread_exit() - thread @tid exited at @time (PERF_RECORD_EXIT):
 * its state is freed EXITQ_HORIZON_NS later when nothing of it can be
 * reported, else when its window closes.
 *
 * Return: 0 or -ENOMEM (message set).
 */
int kd_engine__thread_exit(struct kd_engine *e, uint32_t tid, uint64_t time);

/**
 * kd_engine__event() - process one event, in time order.
 * @e: the engine.
 * @ev: the event (borrowed).
 *
 * Return: 0, -ENOMEM, or the error of cfg.resolve_pid (message set).
 */
int kd_engine__event(struct kd_engine *e, const struct kd_event *ev);

/**
 * kd_engine__finish() - the recording is over: close the open window (marked
 * partial when it was meant to end later).
 *
 * Return: as kd_engine__event().
 */
int kd_engine__finish(struct kd_engine *e);

/*
 * kd_engine__wants_stack() - would this sys_exit event be listed as a
 * syscall event?  Lets the caller unwind a user stack only when needed.  May
 * say yes for an event that a window change then drops.
 */
bool kd_engine__wants_stack(const struct kd_engine *e, const struct kd_event *ev);

/* Has thread @tid a run or ready interval begun and not ended? */
bool kd_engine__thread_open(const struct kd_engine *e, uint32_t tid);

/* Name of soft IRQ vector @vec ("net_rx"), NULL if unknown. */
const char *kd_softirq_name(unsigned int vec);

/* Syscall total excluding poll (kernel_delay.py's "TOTAL( - poll)"). */
void kd_sys_total(const struct kd_thread_stats *t, long poll_nr, uint64_t *count,
		  uint64_t *total_ns);

#endif /* OVSPERF_KDELAY_ENGINE_H */
