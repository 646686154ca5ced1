/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/span.h - the span engine of the latency report: follows packets (keys,
 * normally skb pointers) through an ordered list of stages and keeps the
 * completed spans, the per-interval traversals ("hops") and the counters of
 * everything that did not complete.
 *
 * The engine knows nothing of perf.data: the report resolves events to
 * stages and fields to keys, then feeds it
 *
 *	span_engine__event(e, stage, alt, key, time, cpu, attr)	per stage event
 *	span_engine__free(e, key)				per free event
 *	span_engine__lost(e, lo, hi)				per LOST window
 *	span_engine__finish(e)					once, at the end
 *
 * in time order.  The policy (man ovsperf-analyze(1), LATENCY):
 *
 *  - a stage-0 event always (re)starts its key; a key still pending (at any
 *    stage) is replaced (latest start wins) and counted in reused[stage];
 *  - a stage-k event (k >= 1) advances the key only if it is pending at
 *    exactly stage k-1; otherwise it is an orphan (orphan_mids, or
 *    orphan_ends for the last stage) and ignored;
 *  - reaching stage k records a hop (stage k-1 -> k), whatever happens to
 *    the span later;
 *  - the last stage completes the span (a struct span_rec) and forgets the key;
 *  - a free event forgets a pending key (dropped[stage]);
 *  - with a timeout (span_engine__set_expiry()), a span still open when an
 *    event comes more than the timeout after its start expires: it is
 *    counted in expired[stage] and unfinished[stage] and forgotten, so a later
 *    event of its key finds nothing; with a cap on open spans, a start that
 *    would exceed it expires the oldest open span first (expired_cap);
 *  - at finish, keys still pending are unfinished[stage]; completed spans and
 *    hops whose time range overlaps a LOST window are discarded (lost_windows,
 *    lost_hops), never reported.
 *
 * Hot path: pending keys live in an open hash table whose nodes come from a
 * chunk pool with a free list; completed spans and hops are appended to
 * growable arrays (amortised, no malloc per event).
 */
#ifndef OVSPERF_SPAN_H
#define OVSPERF_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most stages a span may have. */
#define SPAN_MAX_STAGES 6

/* A completed span (one packet from stage 0 to the last stage). */
struct span_rec {
	uint64_t key;				/* the key (skb address) */
	uint64_t t[SPAN_MAX_STAGES];		/* time of each stage's event, ns */
	uint32_t cpu[SPAN_MAX_STAGES];		/* CPU of each stage's event */
	uint8_t alt[SPAN_MAX_STAGES];		/* which event of the stage (0 = first listed) */
	bool lost;				/* overlaps a LOST window: not reported */
	uint32_t attr;				/* caller's attribute id (first non-zero seen), 0 = none */
	uint32_t stack;				/* caller's stack id, 0 = none (set by the caller) */
	uint64_t skb;				/* caller's: the skb address when the key is a
						 * packet identity, 0 = none (set by the caller) */
	uint64_t parent;			/* caller's: the identity a clone was forked
						 * from, 0 = none (set by the caller) */
	uint32_t blame;				/* caller's blame set id, 0 = none */
	uint32_t qdepth;			/* caller's backlog depth + 1, 0 = none */
};

/* One traversal of interval (stage - 1 -> stage) by some span. */
struct span_hop {
	uint64_t t0, t1;			/* times of the two ends, ns */
	uint32_t cpu0, cpu1;			/* CPUs of the two ends */
	uint32_t attr;				/* the span's attribute id at that point */
	uint8_t stage;				/* the later stage, 1..nr_stages-1 */
	bool lost;				/* overlaps a LOST window: not reported */
};

/* Counters; every array is indexed by the stage the key had reached. */
struct span_counts {
	uint64_t started;			/* stage-0 events */
	uint64_t completed;			/* spans that reached the last stage (incl. lost) */
	uint64_t reused[SPAN_MAX_STAGES];	/* pending span replaced by a newer start */
	uint64_t dropped[SPAN_MAX_STAGES];	/* pending span ended by a free event */
	uint64_t unfinished[SPAN_MAX_STAGES];	/* still pending at the end, or expired */
	uint64_t expired[SPAN_MAX_STAGES];	/* of those, expired (timeout or cap) */
	uint64_t expired_cap;			/* of those, expired early: the cap */
	uint64_t orphan_mids;			/* middle-stage events that advanced nothing */
	uint64_t orphan_ends;			/* last-stage events that completed nothing */
	uint64_t lost_windows;			/* completed spans discarded: overlap a LOST window */
	uint64_t lost_hops;			/* hops discarded for the same reason */
	uint64_t nr_windows;			/* LOST windows seen */
	uint64_t forks;				/* pending spans copied to a clone (fork) */
};

/* What span_engine__event() did with an event. */
enum span_result {
	SPAN_STARTED,		/* new span (key was not pending) */
	SPAN_RESTARTED,		/* new span replacing a pending one (reused) */
	SPAN_ADVANCED,		/* pending span moved one stage on */
	SPAN_COMPLETED,		/* span completed: span_engine__last() is its record */
	SPAN_ORPHAN,		/* ignored, counted as orphan */
};

struct span_engine;

/* Stream-mode sinks: a record or hop leaving the engine (flagged lost when
 * it overlaps a LOST window known by then).  Return 0 or a negative errno. */
typedef int (*span_rec_fn)(void *ctx, const struct span_rec *rec);
typedef int (*span_hop_fn)(void *ctx, const struct span_hop *hop);

/**
 * span_engine__new() - create an engine for spans of @nr_stages stages.
 * @out: receives the engine; free it with span_engine__delete().
 * @nr_stages: 2..SPAN_MAX_STAGES.
 *
 * Return: 0, -EINVAL (bad @nr_stages) or -ENOMEM (message set).
 */
int span_engine__new(struct span_engine **out, unsigned int nr_stages);

/* Free the engine and everything it holds; NULL ok. */
void span_engine__delete(struct span_engine *e);

/**
 * span_engine__set_expiry() - bound the open spans (call before any event).
 * @e: the engine.
 * @timeout_ns: a span still open when the engine's clock (the time of the
 *	events it is fed) is more than this after its start expires; 0 = never.
 * @max_open: most spans open at once; a start beyond it expires the oldest
 *	first (counted in expired_cap); 0 = no cap.
 *
 * Spans that complete within the timeout, with fewer than @max_open open,
 * are followed exactly as without expiry.
 * Return: 0, or -EINVAL after the first event (message set).
 */
int span_engine__set_expiry(struct span_engine *e, uint64_t timeout_ns, size_t max_open);

/**
 * span_engine__event() - feed one stage event.
 * @e: the engine.
 * @stage: the event's stage, 0..nr_stages-1.
 * @alt: which event of that stage it is (kept in the records, e.g. the egress).
 * @key: the key (skb address).
 * @time: event time, ns; events must come in time order.
 * @cpu: the CPU the event ran on.
 * @attr: caller's attribute id for this packet (device/flow), 0 for none;
 *	a span keeps the first non-zero one it is given.
 *
 * Return: a non-negative enum span_result, or -ENOMEM (message set).
 */
int span_engine__event(struct span_engine *e, unsigned int stage, unsigned int alt,
		       uint64_t key, uint64_t time, uint32_t cpu, uint32_t attr);

/* The attribute of the event being fed, computed on demand. */
typedef uint32_t (*span_attr_fn)(void *ctx);

/**
 * span_engine__event_lazy() - span_engine__event() with @attr 0 computed
 * only if needed: @attr_fn(@ctx) is called when the event starts a span or
 * advances one that has no attribute yet, never otherwise (a span keeps the
 * first non-zero attribute, so a later stage's one is seldom wanted).
 */
int span_engine__event_lazy(struct span_engine *e, unsigned int stage, unsigned int alt,
			    uint64_t key, uint64_t time, uint32_t cpu, span_attr_fn attr_fn,
			    void *ctx);

/**
 * span_engine__fork() - a clone: key @key gets a copy of the pending span of
 * @parent (its stages so far), so that both can go on and complete.
 *
 * Used with packet identities (engine/pktid.h) as keys: a clone of a packet that
 * is between two stages continues the span of its parent on its own.
 *
 * Return: 1 when copied (counted in forks), 0 when @parent is not pending
 * or @key is (nothing done), -ENOMEM (message set).
 */
int span_engine__fork(struct span_engine *e, uint64_t parent, uint64_t key);

/**
 * span_engine__free() - a free event (kfree_skb, consume_skb, ...) for @key
 * at @time (which moves the engine's clock, as an event does).
 *
 * Return: true if a pending span was forgotten (counted as dropped).
 */
bool span_engine__free(struct span_engine *e, uint64_t key, uint64_t time);

/**
 * span_engine__lost() - events were lost in the time window (@lo, @hi).
 * Spans and hops overlapping it are discarded at span_engine__finish().
 *
 * Return: 0 or -ENOMEM (message set).
 */
int span_engine__lost(struct span_engine *e, uint64_t lo, uint64_t hi);

/**
 * span_engine__finish() - end of the recording: count the pending keys as
 * unfinished and mark the spans and hops that overlap a LOST window.
 * Call once; no event may be fed after it.
 */
void span_engine__finish(struct span_engine *e);

/**
 * span_engine__stream() - hand completed spans and hops to sinks instead of
 * keeping them all (bounded memory).
 * @e: a new engine (nothing completed yet).
 * @on_rec: called for each completed span, in completion order; NULL = drop.
 * @on_hop: called for each hop, in order; NULL = drop (with two stages,
 *          where a span's one hop is the span, hops are then not kept at
 *          all: a lost span also counts as a lost hop).
 * @ctx: passed to the sinks.
 * @hold: how many records (and, separately, hops) wait in the engine for
 *        span_engine__flush(); when more complete, the oldest goes first.
 *
 * span_engine__nr_recs()/__recs() and __nr_hops()/__hops() then say 0.
 * Return: 0, -EINVAL, or -ENOMEM (message set).
 */
int span_engine__stream(struct span_engine *e, span_rec_fn on_rec, span_hop_fn on_hop,
			void *ctx, size_t hold);

/**
 * span_engine__flush() - stream mode: deliver the held records and hops that
 * end before @horizon, i.e. that no LOST window still to come can overlap
 * (the caller knows: every later window starts at or after @horizon).
 * @e: the engine.
 * @horizon: time, ns; UINT64_MAX delivers everything.
 *
 * Return: 0 or the first sink error.
 */
int span_engine__flush(struct span_engine *e, uint64_t horizon);

/* Stream mode: span_engine__finish(), then deliver everything held.
 * Return: 0 or the first sink error. */
int span_engine__drain(struct span_engine *e);

/* The record of the span the last SPAN_COMPLETED result completed (valid
 * until the next event or flush: records may move when the array grows, or
 * leave the ring in stream mode). */
struct span_rec *span_engine__last(struct span_engine *e);

/* Completed spans in completion order (lost ones included, flagged). */
size_t span_engine__nr_recs(const struct span_engine *e);
const struct span_rec *span_engine__recs(const struct span_engine *e);

/* Hops in the order they happened (lost ones included, flagged). */
size_t span_engine__nr_hops(const struct span_engine *e);
const struct span_hop *span_engine__hops(const struct span_engine *e);

const struct span_counts *span_engine__counts(const struct span_engine *e);
unsigned int span_engine__nr_stages(const struct span_engine *e);
/* Keys pending right now. */
size_t span_engine__nr_pending(const struct span_engine *e);
/* Is @key pending?  If so, *@t0 gets the time of its start. */
bool span_engine__pending_start(struct span_engine *e, uint64_t key, uint64_t *t0);
/* The longest chain of the pending keys' table (tests: the hash spreads
 * keys a recording chose; walks the table). */
size_t span_engine__max_chain(const struct span_engine *e);

#endif /* OVSPERF_SPAN_H */
