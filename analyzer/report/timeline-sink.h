/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/timeline-sink.h - what the timeline pass (report/timeline.c) writes, said
 * once for both file formats of `ovsperf-analyze export --perfetto`:
 *
 *	engines --hooks--> report/timeline.c --(struct ex_sink ops)--> out/trace-json.c
 *	                                     \-> out/pftrace.c (Perfetto protobuf)
 *
 * Tracks are named by the (pid, tid) pairs of the JSON form: a thread is
 * (pid, tid); an extra track of a thread (its run/ready track) has its own
 * tid and names its parent; pseudo processes (packets, counters) have pids no
 * task has.  Slice arguments come as typed key/value pairs (struct ex_arg),
 * so the protobuf writer encodes numbers without formatting them.
 *
 * Every op is optional for a writer only where said; calls never fail: a
 * writer keeps its first error (ex_sink.err) and the pass checks it per
 * sample.
 */
#ifndef OVSPERF_EXPORT_SINK_H
#define OVSPERF_EXPORT_SINK_H

#include <stdbool.h>
#include <stdint.h>

/* Track keys (the JSON form's tids) that no real task has (pid_max is at
 * most 2^22): the idle task of CPU n, and the run/ready track of tid t. */
#define EX_IDLE_BASE 0x20000000u	/* idle task of CPU n: pid 0, tid base + n */
#define EX_SCHED_BASE 0x40000000u	/* run/ready track of tid t: tid base + t */

/* Kinds of argument values. */
enum ex_arg_kind {
	EXA_INT,			/* v.i, signed decimal */
	EXA_UINT,			/* v.u, unsigned decimal */
	EXA_PTR,			/* v.u, an address (JSON: "0x..." string) */
	EXA_STR,			/* v.s, a string (JSON-escaped by the writer) */
	EXA_BOOL,			/* v.u != 0 */
};

/* One argument of a slice: key (a static string) and value.  @sid, when not
 * 0, names a string value for the whole trace: an argument with the same
 * sid always has the same string, so a writer may know it by its sid. */
struct ex_arg {
	const char *key;
	enum ex_arg_kind kind;
	uint32_t sid;
	union {
		int64_t i;
		uint64_t u;
		const char *s;
	} v;
};

#define EXA_I(k, x) ((struct ex_arg){ .key = (k), .kind = EXA_INT, .v.i = (int64_t)(x) })
#define EXA_U(k, x) ((struct ex_arg){ .key = (k), .kind = EXA_UINT, .v.u = (uint64_t)(x) })
#define EXA_P(k, x) ((struct ex_arg){ .key = (k), .kind = EXA_PTR, .v.u = (uint64_t)(x) })
#define EXA_S(k, x) ((struct ex_arg){ .key = (k), .kind = EXA_STR, .v.s = (x) })
#define EXA_SID(k, x, id) ((struct ex_arg){ .key = (k), .kind = EXA_STR, .sid = (id), .v.s = (x) })
#define EXA_B(k, x) ((struct ex_arg){ .key = (k), .kind = EXA_BOOL, .v.u = !!(x) })

/* A completed packet span (engine/span.h), written as one async slice.  Its
 * span and stage names stay unchanged at their addresses until the sink is
 * closed (a writer may know them by address). */
struct ex_packet {
	uint64_t id;			/* unique per trace, from 1 */
	const char *span;		/* span name ("backlog", "custom", ...) */
	unsigned int span_idx;		/* index of the span (0..EX_MAX_SPANS-1) */
	unsigned int nr_stages;		/* >= 2 */
	const char *const *stages;	/* stage event names, per stage */
	const uint64_t *t;		/* stage times (ns), per stage */
	const uint32_t *cpu;		/* stage CPUs, per stage */
	uint64_t skb, gen;		/* the packet's key and its generation */
	const char *dev;		/* device name, or NULL */
	uint32_t dev_id;		/* its id (>= 1: the same id, the same name) */
	bool lost_window;		/* overlaps a LOST window */
	/* Where its time went (the recording has sched/irq events): the
	 * arguments of the slice's end, "blame<i>" (what: "softirq NET_RX",
	 * "task comm (tid T, pid P)", ...) and "blame<i>_ns" for its largest
	 * parts, i from 1 (the names with their sid); NULL / 0 when no blame. */
	const struct ex_arg *blame;
	int nr_blame;
};

/* Parts of a packet's blame its slice names (the args of struct ex_packet). */
#define EX_MAX_BLAME 3

struct ex_sink;

struct ex_sink_ops {
	/* Names: a process; a thread track (@sort < 0: no order given); an extra
	 * track @tid of thread @parent_tid.  Called again on a rename. */
	void (*process)(struct ex_sink *s, int64_t pid, const char *name);
	void (*thread)(struct ex_sink *s, int64_t pid, int64_t tid, const char *name, int64_t sort);
	void (*subtrack)(struct ex_sink *s, int64_t pid, int64_t tid, int64_t parent_tid,
			 const char *name, int64_t sort);
	/* Nested slices on a thread track, and complete ones (begin in the past). */
	void (*begin)(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
		      const char *name, const struct ex_arg *args, int nr_args);
	void (*end)(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts,
		    const struct ex_arg *args, int nr_args);
	void (*complete)(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, uint64_t dur,
			 const char *cat, const char *name, const struct ex_arg *args, int nr_args);
	/* A point event on a thread track, source of flow @flow_out and/or end of
	 * flow @flow_in (0 = none).  The JSON writer draws it as a 1 ns slice and
	 * its flows through flow() below. */
	void (*instant)(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
			const char *name, const struct ex_arg *args, int nr_args, uint64_t flow_out,
			uint64_t flow_in);
	/* Flow @id from (pid, tid, ts) to (pid2, tid2, ts2), once its end is known
	 * (NULL where instant() carries the flows). */
	void (*flow)(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, int64_t pid2,
		     int64_t tid2, uint64_t ts2, uint64_t id);
	void (*packet)(struct ex_sink *s, int64_t pid, const struct ex_packet *p);
	/* Counter @name at @ts: @nr values; series i is "@series<i>", or
	 * "@series" alone when @indexed is false (then @nr is 1). */
	void (*counter)(struct ex_sink *s, int64_t pid, uint64_t ts, const char *name,
			const char *series, bool indexed, const uint64_t *vals, unsigned int nr);
	/* CPU tracks (what ran on each CPU); NULL when the format has none. */
	void (*cpu_begin)(struct ex_sink *s, uint32_t cpu, uint64_t ts, const char *cat,
			  const char *name, const struct ex_arg *args, int nr_args);
	void (*cpu_end)(struct ex_sink *s, uint32_t cpu, uint64_t ts);
};

/* A writer: its ops and its sticky error, embedded in the writer's struct. */
struct ex_sink {
	const struct ex_sink_ops *ops;
	int err;			/* first write error (negative errno), or 0 */
};

#endif /* OVSPERF_EXPORT_SINK_H */
