/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/blame.h - where a packet's latency went: per-packet blame from the sched
 * and irq events of the same recording (the latency report's "Where the time
 * went", threshold events and JSON `blame` objects; the blame of each packet
 * of journey, interval by interval with blame__add(); the blame args of the
 * export's packet slices).
 *
 * Policy (man ovsperf-analyze(1), LATENCY, "Blame"):
 *
 *  - each interval of a span (stage i-1 -> stage i) is charged on the CPU of
 *    its END event (stage i's), from that CPU's own events in time order;
 *  - at each instant that CPU was inside a hard irq handler (irq_handler_entry
 *    .. exit: `hardirq`, the handler's name), else inside a softirq
 *    (softirq_entry .. exit: `softirq`, the vector's name), else running the
 *    task sched_switch last put on it (`task`: comm, tid and pid; pid 0 is
 *    `idle`), or, before the first sched_switch seen on that CPU, `unknown`;
 *    nested irqs charge the innermost; the parts add up to the interval;
 *  - the interval's handler is the task running on that CPU at the end
 *    event; it is runnable from a sched_wakeup while not running, or from
 *    being switched out in state R, until it is switched in; a `task` part
 *    also says how much of it the handler was runnable (scheduling delay).
 *
 * Memory: per CPU, a ring of the points where what it did changed.  Points
 * older than the oldest start of a pending span are dropped (blame__prune());
 * past BLAME_MAX_POINTS points on one CPU the oldest go anyway, and an
 * interval reaching before the kept part charges that part `unknown`
 * (counted: blame__truncated()).
 *
 * A packet's blame is a refcounted set (id, 0 = none): the latency report
 * takes one reference when the span completes, one per list that keeps the
 * record, and drops them when it is done with the record.
 */
#ifndef OVSPERF_BLAME_H
#define OVSPERF_BLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "engine/span.h"

struct pdata_session;
struct pdata_sample;

enum blame_kind {
	BLAME_UNKNOWN,
	BLAME_IDLE,
	BLAME_TASK,
	BLAME_SOFTIRQ,
	BLAME_HARDIRQ,
};

/* What a CPU was doing: one entity of the blame. */
struct blame_ent {
	uint8_t kind;			/* enum blame_kind */
	uint32_t num;			/* tid (task), vector (softirq), irq (hardirq) */
	int32_t pid;			/* task: its process id, -1 = not seen */
	char name[32];			/* comm, vector name, handler name */
};

/* One entity's share of a packet's latency (or of the tail's). */
struct blame_item {
	uint32_t ent;			/* entity id (blame__ent()) */
	uint64_t ns;			/* time charged to it */
	uint64_t runnable_ns;		/* of which the handler was runnable (tasks) */
};

struct blame;

/* Is a key of span @span still pending with start @t0?  (span engine) */
typedef bool (*blame_pending_fn)(void *ctx, int span, uint64_t key, uint64_t t0);

/**
 * blame__new() - blame for the spans of a recording.
 * @out: receives the object, or NULL when the recording has neither
 *	sched:sched_switch nor any irq event (no blame, no cost).
 * @s: the session (its events resolved once).
 * @nr_spans: spans of the report (index 0..nr_spans-1).
 * @pending: asked by blame__prune() whether a started span still needs the
 *	timelines; @ctx is passed to it.
 *
 * Return: 0 or -ENOMEM (message set).
 */
int blame__new(struct blame **out, struct pdata_session *s, int nr_spans,
	       blame_pending_fn pending, void *ctx);
void blame__delete(struct blame *b);

/* The events blame needs that the recording lacks, comma separated ("" when
 * none). */
const char *blame__missing(const struct blame *b);

int blame__event_slow(struct blame *b, const struct pdata_sample *s, uint8_t kind);

/* What blame__tail_offer() decides inline, per span. */
struct blame_tail_head {
	uint64_t floor;			/* spans below it are left out ... */
	size_t floor_n;			/* ... while fewer than this were reported */
	bool left_out;			/* some span was left out of the p99 heap */
};

/* The per-event kind table and the tails' floors (first bytes of struct
 * blame). */
struct blame_head {
	uint8_t *evkind;		/* [evsel idx]: 0 = not a sched/irq event */
	int nr_evsels;
	struct blame_tail_head *tails;	/* [span] */
};

/**
 * blame__event() - feed one sample (every sample, in time order).
 * Return: 1 if it was a sched/irq event (consumed), 0 if not, -ENOMEM.
 */
static inline int blame__event(struct blame *b, const struct pdata_sample *s, int idx)
{
	const struct blame_head *h = (const struct blame_head *)b;

	if (idx < 0 || idx >= h->nr_evsels || !h->evkind[idx])
		return 0;
	return blame__event_slow(b, s, h->evkind[idx]);
}

/* A span of @span keyed @key started at @t0 (also a fork, with its parent's
 * start): the timelines are kept from @t0 on while it is pending. */
int blame__started(struct blame *b, int span, uint64_t key, uint64_t t0);

/* Drop the points no pending span needs (call every so many samples; with
 * no spans, the points before the newest event). */
void blame__prune(struct blame *b);

/* Drop the points before @horizon (but the one in force at it): for a
 * caller that knows the oldest start it still needs (no span queues). */
void blame__prune_to(struct blame *b, uint64_t horizon);

/**
 * blame__complete() - the blame of completed span @rec (@nst stages).
 * @id: receives the set's id with one reference (0 when none could be made).
 * Return: 0 or -ENOMEM (message set).
 */
int blame__complete(struct blame *b, const struct span_rec *rec, unsigned int nst, uint32_t *id);

/**
 * blame__add() - charge one more interval (@a, @e] of a packet, on @cpu (its
 * END event's), to the packet's blame *@id (0: none yet), by the same policy
 * as blame__complete(); call it at the end event (the timelines are known up
 * to it).  *@id is replaced by the set with the parts so far (its one
 * reference moves to the new id); @before is the time its parts add up to
 * (the packet's time up to @a).  An interval of 0 ns changes nothing.
 * Return: 0 or -ENOMEM (message set).
 */
int blame__add(struct blame *b, uint32_t *id, uint64_t before, uint32_t cpu, uint64_t a,
	       uint64_t e);

/* An id with this bit is no set: the whole span went to entity (id & ~BLAME_ONE),
 * with no runnable time (most spans: nothing else ran on the CPUs meanwhile). */
#define BLAME_ONE 0x80000000u

void blame__get_slow(struct blame *b, uint32_t id);
void blame__put_slow(struct blame *b, uint32_t id);

/* One more / one less reference to set @id (0 or a BLAME_ONE id: nothing). */
static inline void blame__get(struct blame *b, uint32_t id)
{
	if (id && !(id & BLAME_ONE))
		blame__get_slow(b, id);
}

static inline void blame__put(struct blame *b, uint32_t id)
{
	if (id && !(id & BLAME_ONE))
		blame__put_slow(b, id);
}

/* The items of set @id of a span of latency @lat, largest first (a one-entity
 * id's item is valid until the next call); returns their number. */
size_t blame__items(struct blame *b, uint32_t id, uint64_t lat, const struct blame_item **items);
const struct blame_ent *blame__ent(const struct blame *b, uint32_t ent);
const char *blame_kind_name(uint8_t kind);

/**
 * blame__tail_offer() - a reported span of @span with latency @lat and
 * blame set @id, for the tail: with a fixed @threshold (ns, > 0) added at once
 * when @lat >= it, else kept while it may be at or above the p99 (the caller
 * says how many spans were reported so far, @n).
 * Return: 0 or -ENOMEM.
 */
int blame__tail_offer_slow(struct blame *b, int span, uint64_t lat, uint32_t id,
			   uint64_t threshold, size_t n);

static inline int blame__tail_offer(struct blame *b, int span, uint64_t lat, uint32_t id,
				    uint64_t threshold, size_t n)
{
	struct blame_tail_head *th = &((struct blame_head *)b)->tails[span];

	if (lat < th->floor && n < th->floor_n) {
		th->left_out = true;
		return 0;
	}
	return blame__tail_offer_slow(b, span, lat, id, threshold, n);
}

/* The tail of @span: the items of its spans with latency >= @threshold,
 * largest first (valid until the next call); *spans gets their number and
 * *exact false when spans at the threshold may be missing. */
size_t blame__tail(struct blame *b, int span, uint64_t threshold, const struct blame_item **items,
		   uint64_t *spans, bool *exact);

/* Items as a JSON array of {kind, name, [tid, pid | vec | irq], ns, share,
 * [runnable_ns]}: what the latency report's model carries (its text writer
 * prints them from there). */
json_t *blame__items_json(const struct blame *b, const struct blame_item *it, size_t n);

/* Intervals that reached before the kept timeline (charged unknown there). */
uint64_t blame__truncated(const struct blame *b);

#endif /* OVSPERF_BLAME_H */
