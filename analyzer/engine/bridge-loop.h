/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/bridge-loop.h - the bridge-loop engine (bridge_loop.bt semantics): per
 * thread, run time (main:run_start -> main:poll_block) and poll_block wait
 * (main:poll_block -> main:run_start), with exact statistics, bpftrace-style
 * linear histograms and log2 histograms in microseconds.
 *
 * Fed with (tid, time, kind); no recording types, so it is unit tested with
 * synthetic events.  Per-thread state lives in a small hash keyed by tid.
 *
 * The pairing rule lives here only: the --list lines of the report and the
 * main-loop slices of the timeline export (report/timeline.c) both take the
 * intervals from the engine's callbacks (bl_list_fn when one ends,
 * bl_begin_fn when one may begin).
 */
#ifndef OVSPERF_KDELAY_BLOOP_H
#define OVSPERF_KDELAY_BLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsperf/hmap.h"
#include "ovsperf/hist.h"
#include "ovsperf/stats.h"

enum bl_kind {
	BL_RUN_START,		/* main:run_start */
	BL_POLL_BLOCK,		/* main:poll_block */
};

/* One measured quantity of one thread. */
struct bl_series {
	struct ovp_values ns;		/* every interval, ns */
	struct hist_lin lin;		/* bpftrace lhist, in us */
	struct hist_log2 log2;		/* in us */
};

struct bl_thread {
	struct ovp_hmap_node node;	/* in the engine's threads, by tid */
	uint32_t tid;
	uint64_t run_start;		/* last run_start, or BL_NONE */
	uint64_t poll_start;		/* last poll_block, or BL_NONE */
	struct bl_series run;		/* run_start -> poll_block */
	struct bl_series wait;		/* poll_block -> run_start */
};

/* Called for every interval (--list): @run is true for a run time. */
typedef void (*bl_list_fn)(void *arg, uint32_t tid, uint64_t time, bool run, uint64_t ns);

/*
 * Asked when an interval may begin at @time (@run: a run at run_start, else
 * a poll wait at poll_block): return whether the consumer follows it.  One
 * not followed does not stamp: the thread's earlier start of that kind stays.
 */
typedef bool (*bl_begin_fn)(void *arg, uint32_t tid, uint64_t time, bool run);

/* Embedded, not moved after bl_engine__init() (the table points into it). */
struct bl_engine {
	struct ovp_hmap threads;	/* struct bl_thread by tid */
	bl_list_fn list;		/* NULL: no listing */
	void *list_arg;
	bl_begin_fn begin;		/* NULL: every interval is followed */
	bool intervals_only;		/* no statistics: the callbacks are the output */
};

/* Ranges of the linear histograms, in us, as bridge_loop.bt. */
#define BL_RUN_LHIST_MAX 1000000
#define BL_RUN_LHIST_STEP 1000
#define BL_WAIT_LHIST_MAX 30000000
#define BL_WAIT_LHIST_STEP 30000

/* Set up an empty engine; 0 or -ENOMEM. */
int bl_engine__init(struct bl_engine *e, bl_list_fn list, void *list_arg);

/* A consumer of single intervals: @begin asked at each start (with the
 * list_arg of bl_engine__init()); @intervals_only: keep no statistics. */
void bl_engine__follow(struct bl_engine *e, bl_begin_fn begin, bool intervals_only);

/* Free everything (NULL ok). */
void bl_engine__exit(struct bl_engine *e);

/**
 * bl_engine__event() - one probe hit, in time order.
 * @e: the engine.
 * @tid: the thread that hit it.
 * @time: its time, ns.
 * @kind: which probe.
 *
 * An interval is counted once: each start is used by the first matching end
 * (bridge_loop.bt reuses a start if the same end fires twice in a row, which
 * the OVS main loop never does).
 *
 * Return: 0 or -ENOMEM (message set).
 */
int bl_engine__event(struct bl_engine *e, uint32_t tid, uint64_t time, enum bl_kind kind);

/* The threads, sorted by tid, into a new array the caller frees (the
 * entries stay owned by @e).  *@nr gets their number.  NULL if none or out
 * of memory. */
struct bl_thread **bl_engine__threads(struct bl_engine *e, size_t *nr);

#endif /* OVSPERF_KDELAY_BLOOP_H */
