/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/timeline-local.h - the state of the timeline pass, shared by its
 * files: report/timeline.c (the tool, threads and CPUs from the kernel-delay
 * and bridge-loop engines' hooks, counters), report/timeline-packets.c
 * (packet spans) and report/timeline-upcalls.c (upcall flows).
 */
#ifndef OVSPERF_EXPORT_TIMELINE_LOCAL_H
#define OVSPERF_EXPORT_TIMELINE_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/devtab.h"
#include "engine/blame.h"
#include "report/timeline-sink.h"
#include "report/timeline.h"
#include "engine/bridge-loop.h"
#include "engine/exitq.h"
#include "engine/kdelay.h"
#include "engine/lostwin.h"
#include "engine/upcall-match.h"
#include "report/upcall-input.h"
#include "ovsperf/evdec.h"
#include "ovsperf/hash.h"
#include "ovsperf/hmap.h"
#include "ovsperf/intern.h"
#include "decode/pktfilter.h"
#include "engine/span.h"
#include "engine/spanspec.h"

#define EX_NONE UINT64_MAX
#define EX_MAX_DEPTH 16
/* Track ids that no real task has (pid_max is at most 2^22). */
#define EX_PKT_PID 0x7ffffff0		/* pseudo process of packet spans */
#define EX_CNT_PID 0x7ffffff1		/* pseudo process of the counters */
#define EX_MAX_SPANS 4
/* Most skb addresses whose generation is kept (32 bytes each and a share
 * of the buckets: 9 MB); beyond it the count starts again (man page). */
#define EX_MAX_GENS 262144
#define EX_GEN_CHUNK 4096		/* generations allocated at once */
#define EX_MAX_ALTS SPANSPEC_MAX_ALTS
#define EX_MAX_ROLES 4
#define EX_MAX_CPUS 1024
#define EX_SYS_NAMES 1024		/* syscall numbers whose names are kept */
/* Most threads followed at once (as the kernel-delay engine, whose
 * intervals make their tracks); the events of more are not drawn (man page). */
#define EX_MAX_THREADS KD_MAX_THREADS
/* Most processes remembered as named; beyond, a process is named again with
 * each new thread track of it (man page). */
#define EX_MAX_PROCS 65536
/* Most distinct packet attributes (device and flow); beyond, a packet
 * carries neither (man page). */
#define EX_MAX_ATTRS 65536

_Static_assert(EX_IDLE_BASE == KD_IDLE_BASE, "idle tracks are the kernel-delay engine's idle keys");

/* What a sample of an event means to the timeline. */
enum ex_handler {
	H_NONE,
	H_SYS_ENTER,
	H_SYS_EXIT,
	H_SWITCH,
	H_WAKEUP,
	H_IRQ_ENTRY,
	H_IRQ_EXIT,
	H_SOFTIRQ_ENTRY,
	H_SOFTIRQ_EXIT,
	H_RUN_START,
	H_POLL_BLOCK,
	H_DP_UPCALL,
	H_RECV_UPCALL,
};

/* Kinds of slices on a thread track (its open-slice stack). */
enum ex_kind { K_SYS, K_IRQ, K_SOFTIRQ, K_LOOP_RUN, K_LOOP_WAIT };

struct ex_role {
	uint8_t span, stage, alt;
};

/* Per event of the recording, indexed by evsel idx: fields resolved once. */
struct ex_evmap {
	enum ex_handler h;
	struct evdec_field f1, f2, f3;	/* handler fields (id/ret, prev_pid/...) */
	struct evdec_field key;		/* packet events: the skb */
	struct pktfilter_fields pf;	/* packet events: device and flow */
	int8_t uc_type;			/* its upcall-cost engine type, or -1 */
	bool has_attr;			/* dev or a flow field resolved */
	bool is_free;
	int nr_roles;
	struct ex_role roles[EX_MAX_ROLES];
};

struct ex_span {
	const char *name;
	unsigned int nr_stages;
	char *alt_names[SPAN_MAX_STAGES][EX_MAX_ALTS];
	struct span_engine *eng;
};

/* Device and flow of a packet, interned: spans carry the id (index + 1).
 * Hashed and compared as words: no padding. */
struct ex_attr {
	uint32_t dev;			/* device id (devtab), 0 = none */
	struct pktfilter_flow flow;	/* its flow fields */
};

/* One thread (or one CPU's idle task) with its open slices and stamps. */
struct ex_thread {
	struct ovp_hmap_node node;	/* in ex_timeline.threads, by key */
	uint32_t key;			/* tid, or EX_IDLE_BASE + cpu */
	int64_t pid;			/* process of the track */
	bool named;			/* thread_name written */
	bool sched_named;		/* the run/ready track's name written */
	uint8_t depth;			/* open slices */
	uint8_t stack[EX_MAX_DEPTH];	/* their kinds, innermost last */
	uint64_t last_out;		/* last switch-out, or EX_NONE */
	uint64_t exited;		/* time of its EXIT record, or EX_NONE */
};

/* Slices open on a CPU track. */
struct ex_cpu {
	uint8_t depth;
	uint8_t stack[EX_MAX_DEPTH];	/* enum ex_cpu_kind, innermost last */
};

/* skb address -> how many spans it started (the packet's generation). */
struct ex_gen {
	struct ovp_hmap_node node;	/* in ex_timeline.gens, by key */
	uint64_t key;
	uint64_t gen;
};

/* An upcall event on the timeline, written at the end with its flow. */
struct ex_upcall {
	uint64_t ts;
	int64_t pid, tid;		/* its track */
	uint32_t len;
	bool kernel;			/* ovs_dp_upcall, else recv_upcall */
	long ev;			/* its index in the upcall-cost engine, or -1 */
	long peer;			/* recv_upcall: its kernel upcall's entry, or -1 */
	uint64_t flow;			/* flow id, or 0 */
};

struct ex_timeline {
	struct pdata_tool tool;
	/* The engines whose intervals make the thread tracks (report/timeline.c). */
	struct kd_engine kd;
	struct kd_hooks kd_hooks;
	struct bl_engine bl;
	const struct pdata_sample *cur_sm;	/* the sample being fed to them */
	const struct ex_evmap *cur_m;
	int hook_err;			/* a hook's error, returned for the sample */
	struct ex_sink *w;
	struct ex_filter f;
	struct pdata_session *s;
	const char *arch;
	struct ex_counts counts;
	struct exitq exited;		/* threads whose track state goes (engine/exitq.h) */

	struct ex_evmap *map;
	int nr_map;

	struct ovp_hmap threads;	/* struct ex_thread by key (cap EX_MAX_THREADS) */
	bool thread_oom;		/* the last get_thread() failed for memory */
	uint64_t thread_refusals;	/* lookups of threads beyond EX_MAX_THREADS */
	struct ex_thread *hot;		/* the last thread looked up, or NULL */
	const char *sys_name[EX_SYS_NAMES];	/* syscall names looked up */
	bool sys_known[EX_SYS_NAMES];
	struct ovp_hmap pids;		/* processes named: struct ex_pid (cap EX_MAX_PROCS) */
	bool idle_named;

	struct ex_span spans[EX_MAX_SPANS];
	int nr_spans;
	struct ovp_hmap gens;		/* struct ex_gen by skb address */
	struct ex_gen *gen_chunks[EX_MAX_GENS / EX_GEN_CHUNK];	/* their memory */
	size_t nr_gens;			/* entries of gen_chunks used */
	uint64_t gen_resets;		/* times the table reached EX_MAX_GENS */
	struct devtab devs;		/* interned device names */
	struct ovp_intern attrs;	/* interned attributes (struct ex_attr), by id */
	uint32_t *dev_attr;		/* [device id - 1]: its attribute without flow, 0 = not yet */
	size_t nr_dev_attr;
	uint64_t pkt_seq;
	bool pkt_named;
	struct blame *blame;		/* packets' blame; NULL: no sched/irq events */
	uint32_t blame_since_prune;	/* samples since its timelines were pruned */
	char **blame_what;		/* [blame entity id]: its name as an arg, made once */
	size_t nr_blame_what;
	struct ex_arg blame_args[2 * EX_MAX_BLAME];
	struct lostwin lost;		/* LOST windows (engine/lostwin.h) */
	uint64_t (*lost_win)[2];	/* LOST windows [lo, hi] seen so far */
	size_t nr_lost_win, cap_lost_win;

	struct uc_inputs uci;		/* upcalls: the upcall-cost engine's input */
	struct uc_engine uc;
	bool uc_on;			/* the recording has the events it needs */
	struct ex_upcall *upcalls;	/* upcall instants, in time order */
	size_t nr_upcalls, cap_upcalls;
	uint64_t flow_seq;

	uint64_t bucket;		/* current millisecond of the per-CPU counter */
	bool bucket_open;
	uint64_t cpu_count[EX_MAX_CPUS];
	struct ex_cpu cpus[EX_MAX_CPUS];	/* CPU tracks */
	uint32_t nr_cpus;		/* counter series written */
	uint64_t lost_total;
	bool cnt_named;
	uint64_t last_time;
};

/* Tracks (report/timeline.c): a sample's thread (the CPU's idle task for
 * tid 0; NULL when out of memory, x->thread_oom set, or beyond
 * EX_MAX_THREADS), and its names written when not done yet. */
struct ex_thread *ex_sample_thread(struct ex_timeline *x, const struct pdata_sample *sm);
void ex_name_thread(struct ex_timeline *x, struct ex_thread *t);

/* The filters of a sample: --time; --cpu (a sample without a CPU passes). */
static inline bool ex_in_time(const struct ex_timeline *x, uint64_t ts)
{
	return pktfilter_time_ok(&x->f.pkt, ts, ts);
}

static inline bool ex_cpu_ok(const struct ex_timeline *x, uint32_t cpu)
{
	return cpu == (uint32_t)-1 || pktfilter_cpu_ok(&x->f.pkt, cpu);
}

/*
 * Upcalls (report/timeline-upcalls.c): the events of the upcall-cost engine,
 * fed from ready on; instants and flows written at the end.
 */
int ex_upcalls_ready(struct ex_timeline *x);
int ex_on_upcall(struct ex_timeline *x, const struct ex_evmap *m, const struct pdata_sample *sm);
int ex_upcalls_done(struct ex_timeline *x);

/*
 * Packet spans (report/timeline-packets.c).
 */

/* Add span @name from @spec (engine/spanspec.h) when the recording has its events;
 * @strict: a missing stage is an error.  Return: 0 or negative errno. */
int ex_add_span(struct ex_timeline *x, const char *name, const char *spec, bool strict);

/* A packet filter on a field no span event carries is an error. */
int ex_check_filters(struct ex_timeline *x);

/* A sample of a span event (or of a free event). */
int ex_on_packet(struct ex_timeline *x, const struct ex_evmap *m, const struct pdata_sample *sm);

/* Blame of the packet spans (engine/blame.h), when the recording has
 * sched/irq events and spans: set up, and fed every sample. */
int ex_blame_ready(struct ex_timeline *x);
int ex_blame_event(struct ex_timeline *x, const struct pdata_sample *sm);

#endif /* OVSPERF_EXPORT_TIMELINE_LOCAL_H */
