/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/journey.h - what `ovsperf-analyze journey` streams while it reads:
 * one plain item per packet that ends (struct journey_packet), given to the
 * writer paired with the report in cmd/commands.c (out/journey-blocks.c: a
 * text block, or one JSON line with --json).  The summary at the end is the
 * report's model (out/text-journey.c).
 *
 * An item holds values and strings only, valid for the call: the report has
 * named what the writer shows (events, threads, devices, drop reasons,
 * locations), so a writer needs no engine, no session and no symbols.
 */
#ifndef OVSPERF_REPORT_JOURNEY_H
#define OVSPERF_REPORT_JOURNEY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One event of a packet. */
struct journey_event {
	const char *event;		/* the event's name ("net:netif_rx") */
	uint64_t time_ns;
	uint32_t cpu, tid;
	const char *comm;		/* NULL: not known */
	const char *dev;		/* NULL: none carried */
	bool has_len;
	uint32_t len;
	uint64_t head;			/* skb->head, 0: not carried */
	const char *reason;		/* drop reason, NULL: none */
	const char *location;		/* free location symbolized, NULL: none */
	char reason_buf[32];		/* storage for the two above */
	char location_buf[160];
};

/* Why a packet's journey ended. */
enum journey_end {
	JOURNEY_FREED,			/* a free event */
	JOURNEY_EVICTED,		/* --max-inflight packets were followed */
	JOURNEY_IN_FLIGHT,		/* the end of the recording */
};

/* What a part of a packet's blame is (man ovsperf-analyze(1), JOURNEY). */
enum journey_blame_kind {
	JOURNEY_BLAME_UNKNOWN,		/* before the first sched_switch on that CPU */
	JOURNEY_BLAME_IDLE,
	JOURNEY_BLAME_TASK,		/* num: tid */
	JOURNEY_BLAME_SOFTIRQ,		/* num: vector */
	JOURNEY_BLAME_HARDIRQ,		/* num: irq */
};

/* One part of a packet's blame: where some of its time went. */
struct journey_blame {
	enum journey_blame_kind kind;
	const char *kind_name;		/* "task", "softirq", ... */
	const char *name;		/* comm, vector name, handler name */
	uint32_t num;			/* tid, vector or irq */
	int32_t pid;			/* task: its process id, -1 = not seen */
	uint64_t ns;			/* time charged to it */
	uint64_t runnable_ns;		/* task: of which the next handler was runnable */
};

/* One packet (identity) and the events kept of it, in time order. */
struct journey_packet {
	uint64_t id;			/* from 1 */
	uint64_t parent;		/* the packet it is a clone of, 0: none */
	uint64_t skb;			/* skb address */
	uint64_t head;			/* first skb->head seen, 0: none */
	enum journey_end end;
	uint64_t first_ns;		/* time of the first event kept */
	uint64_t last_ns;		/* time of the last event (kept or not) */
	uint32_t nr_events;		/* events of the packet, kept or not */
	uint32_t nr_not_kept;		/* beyond --max-events */
	const struct journey_event *events;
	uint32_t nr;			/* events kept */
	bool blamed;			/* blame computed (sched/irq events recorded) */
	const struct journey_blame *blame;	/* its parts, largest first; they add up to
						 * last_ns - first_ns (events in time order) */
	uint32_t nr_blame;
};

/* What comes before the first packet. */
struct journey_header {
	bool head_key;			/* identity (skb->head, skb), else skb address */
	bool key_fell_back;		/* --key head asked, no event carries the head */
	bool skb_asked;			/* --key skb while events carry the head */
	const char *const *events;	/* names of the events followed */
	int nr_events;
};

/*
 * struct journey_writer - the writer of the streamed items.
 * @header: what precedes the packets (NULL: nothing).
 * @packet: one packet.
 * Both return 0, or a negative errno.
 */
struct journey_writer {
	int (*header)(const struct journey_header *h, FILE *out);
	int (*packet)(const struct journey_packet *p, FILE *out);
};

#endif /* OVSPERF_REPORT_JOURNEY_H */
