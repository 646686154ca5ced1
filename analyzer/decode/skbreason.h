/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/skbreason.h - names of skb drop reasons, read from the recording itself.
 *
 * skb:kfree_skb prints its `reason` field through __print_symbolic() with
 * the kernel's own table ({ 2, "NOT_SPECIFIED" }, { 3, "NO_SOCKET" }, ...).
 * The numbers change between kernel versions, so the table is taken from
 * the event's print format in the recording's tracing data, never from a
 * list compiled in.  Values outside it are printed as perf script prints
 * them ("0x...") except the drop reasons of Open vSwitch's own subsystem
 * (SKB_DROP_REASON_SUBSYS_OPENVSWITCH << 16), which the tracepoint's table
 * does not list and which are named OVS_DROP_* (net/openvswitch/drop.h).
 */
#ifndef OVSPERF_SKBREASON_H
#define OVSPERF_SKBREASON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pdata_evsel;
struct skbreason_table;

/**
 * skbreason_table__new() - read the symbol table of @field of @evsel from
 * its print format (the __print_symbolic() whose value is REC->@field).
 * @out: receives the table (free with skbreason_table__free()); an event
 *	without such a table gets an empty one (every value printed as a
 *	number).
 *
 * Return: 0 or -ENOMEM (message set).
 */
int skbreason_table__new(struct skbreason_table **out, const struct pdata_evsel *evsel,
			 const char *field);

void skbreason_table__free(struct skbreason_table *t);

/* Number of symbols read from the format. */
size_t skbreason_table__count(const struct skbreason_table *t);

/**
 * skbreason_table__name() - the name of reason @value.
 * @buf: used for values without a name ("0x8f", "OVS_DROP_METER"); at
 *	least 32 bytes.
 *
 * Return: the name (owned by @t, or @buf).
 */
const char *skbreason_table__name(const struct skbreason_table *t, uint64_t value, char *buf,
				  size_t len);

/*
 * Is a kfree_skb with reason @name a normal free rather than a drop?  The
 * kernel marks those SKB_CONSUMED (and, before drop reasons were complete,
 * NOT_DROPPED_YET); since 6.x it reports them through consume_skb instead.
 * NOT_SPECIFIED is a drop (kfree_skb() without a reason).
 */
bool skbreason_is_normal(const char *name);

#endif /* OVSPERF_SKBREASON_H */
