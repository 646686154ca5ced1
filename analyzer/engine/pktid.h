/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/pktid.h - packet identity: which events of a recording belong to the same
 * packet, in a way that survives clones and skb address reuse.
 *
 * An skb pointer alone is ambiguous: a clone shares the packet data (the
 * buffer at skb->head) under another struct sk_buff, and the address of a
 * freed skb is reused by the next allocation at once.  Following retis, a
 * packet is identified by (head, skb) when the events carry the data buffer:
 *
 *  - an event whose skb is live continues that skb's identity (if it brings a
 *    new head, the data was reallocated, e.g. by pskb_expand_head(): the
 *    identity follows it);
 *  - an event with an unknown skb but a head shared with live identities is a
 *    clone: a new identity whose parent is the first identity of that head;
 *  - anything else starts a new identity;
 *  - a free event (skb:kfree_skb, skb:consume_skb: PKTID_EV_FREE) belongs to
 *    the skb's identity and ends it, so a later event on the same address is
 *    another packet.  kfree_skbmem (PKTID_EV_FREE_MEM) ends a live identity
 *    too, but right after a tracepoint free of the same skb (the usual
 *    kfree_skb -> __kfree_skb -> kfree_skbmem order) it is a follow-up of the
 *    identity that just ended: PKTID_FOLLOWUP, no new identity.
 *
 * Without head (PKTID_KEY_SKB, or events that lack the field) identity is the
 * skb address with the free events as the only boundaries: clones are
 * separate packets with no parent, and if free events are not recorded a
 * reused address continues the previous packet.
 *
 * Memory is bounded: at most max_inflight live identities; the least recently
 * seen one is evicted (ended with PKTID_END_EVICTED) to make room.  Nodes come
 * from chunk pools with free lists: no malloc per event once the pools have
 * grown to the number of packets in flight.
 *
 *	pktid_table__new(&t, PKTID_KEY_HEAD, 1000000);
 *	pktid_table__set_end_cb(t, on_end, arg);   // identities that end
 *	pktid_table__event(t, skb, head, kind, &ref);  // per event, time order
 *	pktid_table__finish(t);                    // ends the live ones
 *	pktid_table__delete(t);
 */
#ifndef OVSPERF_PKTID_H
#define OVSPERF_PKTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How packets are identified (--key). */
enum pktid_key {
	PKTID_KEY_AUTO,		/* head when the recording's events carry it, else skb */
	PKTID_KEY_SKB,		/* skb address, free events as boundaries */
	PKTID_KEY_HEAD,		/* (head, skb) as retis; skb alone for events without head */
};

/* What an event does to the identity of its skb. */
enum pktid_ev {
	PKTID_EV_SEEN,		/* the packet passes a probe point */
	PKTID_EV_FREE,		/* kfree_skb / consume_skb: ends the skb's identity */
	PKTID_EV_FREE_MEM,	/* kfree_skbmem: ends it, or follows a FREE just before */
};

/* Why an identity ended (the end callback's @why). */
enum pktid_end {
	PKTID_END_FREED,	/* a free event */
	PKTID_END_EVICTED,	/* max_inflight reached: least recently seen evicted */
	PKTID_END_FINISHED,	/* still live at pktid_table__finish() */
};

/* What pktid_table__event() decided for one event. */
enum pktid_result {
	PKTID_NEW,		/* first event of a new identity */
	PKTID_CLONE,		/* first event of a clone (ref.parent set) */
	PKTID_CONT,		/* continues a live identity */
	PKTID_FOLLOWUP,		/* kfree_skbmem after the free of ref.id (ended already) */
};

/**
 * struct pktid_ref - the identity an event was given.
 * @id: packet number, 1, 2, ... in order of first event; never reused.
 * @parent: for a clone, the id of the identity it was cloned from, else 0.
 * @user: a 64-bit slot the caller may use for this identity (zero when the
 *	identity is new); valid until the next call on the table.  NULL for
 *	PKTID_FOLLOWUP.
 */
struct pktid_ref {
	uint64_t id;
	uint64_t parent;
	uint64_t *user;
};

/* Called when an identity ends; @user is its slot (see struct pktid_ref). */
typedef void (*pktid_end_fn)(void *arg, uint64_t id, enum pktid_end why, uint64_t user);

/* Counters of a table. */
struct pktid_counts {
	uint64_t identities;	/* identities created */
	uint64_t clones;	/* of which clones (head shared with a live identity) */
	uint64_t head_changes;	/* live skb seen with a new head (data reallocated) */
	uint64_t freed;		/* ended by a free event */
	uint64_t followups;	/* kfree_skbmem folded into the free just before */
	uint64_t evicted;	/* ended because max_inflight was reached */
	uint64_t finished;	/* still live at the end */
	uint64_t max_live;	/* most identities live at once */
};

struct pktid_table;

/**
 * pktid_table__new() - create an identity table.
 * @out: receives the table; free it with pktid_table__delete().
 * @key: PKTID_KEY_SKB ignores the heads given to pktid_table__event();
 *	PKTID_KEY_HEAD and PKTID_KEY_AUTO use them when non-zero (the caller
 *	resolves AUTO to what the recording has: see pktid_key_resolve()).
 * @max_inflight: most live identities (>= 1).
 *
 * Return: 0, or -ENOMEM / -EINVAL (message set).
 */
int pktid_table__new(struct pktid_table **out, enum pktid_key key, size_t max_inflight);

/* Free the table (live identities are dropped without callbacks); NULL ok. */
void pktid_table__delete(struct pktid_table *t);

/* Set the callback told of every identity that ends (NULL: none). */
void pktid_table__set_end_cb(struct pktid_table *t, pktid_end_fn fn, void *arg);

/**
 * pktid_table__warn_at_cap() - print one warning the first time the cap
 * evicts an identity: "@what: more than N packets were in flight at once:
 * @lost" (both strings must outlive the table), through ovp_warn_cap(): the
 * results are partial and the command exits 2.  Without it evictions are
 * only counted (tests of the table alone).
 */
void pktid_table__warn_at_cap(struct pktid_table *t, const char *what, const char *lost);

/**
 * pktid_table__event() - give an event its identity.
 * @t: the table.
 * @skb: the event's skb address (non-zero).
 * @head: its skb->head, or 0 when the event does not carry it.
 * @kind: what the event does (enum pktid_ev).
 * @ref: receives the identity.
 *
 * Events must come in time order.  The end callback may run inside this
 * call: for an eviction (before the new identity is made) and for a free
 * (after @ref is filled, so the caller sees the event, then the end).
 *
 * Return: a non-negative enum pktid_result, or -ENOMEM (message set).
 */
int pktid_table__event(struct pktid_table *t, uint64_t skb, uint64_t head, enum pktid_ev kind,
		       struct pktid_ref *ref);

/**
 * pktid_table__finish() - end every live identity (PKTID_END_FINISHED, in
 * order of their ids).  Call once at the end of the recording.
 */
void pktid_table__finish(struct pktid_table *t);

const struct pktid_counts *pktid_table__counts(const struct pktid_table *t);
/* Identities live right now. */
size_t pktid_table__nr_live(const struct pktid_table *t);
/* The caller's slot of the least recently seen live identity (0: none). */
uint64_t pktid_table__oldest_user(const struct pktid_table *t);

/**
 * pktid_key_parse() - parse a --key value: "auto", "skb" or "head".
 * Return: 0, or -EINVAL (message set).
 */
int pktid_key_parse(const char *s, enum pktid_key *key);

/* "auto", "skb" or "head". */
const char *pktid_key_name(enum pktid_key key);

/**
 * pktid_key_resolve() - the identity to use for a recording.
 * @want: the --key option.
 * @have_head: whether some event of the recording carries a head field.
 *
 * Return: PKTID_KEY_HEAD or PKTID_KEY_SKB (AUTO resolved; HEAD without any
 * head field falls back to SKB: the caller says so).
 */
enum pktid_key pktid_key_resolve(enum pktid_key want, bool have_head);

/* Names of the head field in events: ovsperf-probe's skb type fetches
 * "head" (also "skb_head"); NULL-terminated. */
extern const char *const pktid_head_fields[];
/* Names of the skb field: "skbaddr" (tracepoints), "skb" (probes). */
extern const char *const pktid_skb_fields[];

/* Is @name (full event name, "skb:kfree_skb") a free event, and which kind?
 * Returns PKTID_EV_FREE, PKTID_EV_FREE_MEM or PKTID_EV_SEEN. */
enum pktid_ev pktid_event_kind(const char *name);

#endif /* OVSPERF_PKTID_H */
