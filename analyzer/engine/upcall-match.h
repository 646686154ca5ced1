/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/upcall-match.h - the upcall-cost engine (upcall_cost.py semantics): puts
 * the kernel upcall (openvswitch:ovs_dp_upcall), the handler's
 * dpif_recv:recv_upcall, op_flow_put, op_flow_execute and the kernel's
 * ovs_packet_cmd_execute of one packet together into an "event set", and
 * derives the cost sections from the sets.
 *
 * Events are added in time order (uc_engine__add); uc_engine__finish() then
 *  1. splits the handler-side events per thread and cuts them into batches
 *     with upcall_cost.py's state machine (a batch is a run of recv_upcall
 *     events followed by their put/execute/packet-execute events);
 *  2. matches each kernel upcall to the first later recv_upcall not matched
 *     yet with upcall_cost.py's rule: the same datapath in-port (when both
 *     sides know it; a recv_upcall of a tunnel port matches any), the same
 *     packet length and the same packet bytes (when both sides carry
 *     them), where bytes that differ only in the TCP/UDP checksum still
 *     match (the kernel upcall sees the packet before its checksum is
 *     filled in) when more than 56 bytes are compared.  upcall_cost.py
 *     scans a list for each upcall; here recv_upcalls are grouped by
 *     (length, hash of the bytes with the checksum left out) and each group
 *     is scanned in time order from its first unmatched member, so the match
 *     is linear in the usual case and gives the same pairs.
 * Matching uses every handler's events; which handlers are reported
 * (--handler-filter) is applied to the result only, so it never changes
 * which upcall pairs with which receive.
 * What cannot be correlated is counted, by reason.
 */
#ifndef OVSPERF_KDELAY_UPCALL_H
#define OVSPERF_KDELAY_UPCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsperf/stats.h"

enum uc_type {
	UC_DP_UPCALL,		/* openvswitch:ovs_dp_upcall (kernel) */
	UC_RECV_UPCALL,		/* dpif_recv:recv_upcall (handler) */
	UC_OP_FLOW_PUT,		/* dpif_netlink_operate__:op_flow_put */
	UC_OP_FLOW_EXECUTE,	/* dpif_netlink_operate__:op_flow_execute */
	UC_OVS_PKT_EXEC,	/* kprobe ovs_packet_cmd_execute (kernel, handler's context) */
	UC_NR_TYPES,
};

/* upcall_cost.py's names of the event types, for the report. */
extern const char *const uc_type_names[UC_NR_TYPES];

/* Most packet bytes compared (upcall_cost.py's default --packet-size is 64;
 * the shipped probe set captures 64 at the kernel, 128 at the handler). */
#define UC_MAX_BYTES 128

/*
 * Most usable events the engine keeps until uc_engine__finish() matches
 * them (ovsperf-analyze(1), LIMITS): matching needs them all, so beyond the
 * cap later events are counted (total, usable) but not kept, and the results
 * cover the recording up to the first event refused, with one warning.
 */
#define UC_MAX_EVENTS 1000000

/* In-port not known (the event carries none). */
#define UC_PORT_NONE (-1)
/* In-port of a tunnel: matches any kernel upcall's port (upcall_cost.py). */
#define UC_PORT_TUNNEL (-2)

/* One event, as the report gives it to uc_engine__add_event(). */
struct uc_input {
	enum uc_type type;
	uint64_t ts;		/* ns */
	uint32_t tid;		/* thread it ran in */
	bool usable;		/* upcall_cost.py would keep it (else only counted) */
	bool reported;		/* handler side: its thread passes --handler-filter */
	uint32_t pkt_len;	/* packet length (0 for events without a packet) */
	const uint8_t *bytes;	/* captured packet bytes, or NULL */
	size_t nr_bytes;	/* how many (capped to pkt_len and UC_MAX_BYTES) */
	uint32_t head_len;	/* kernel upcall of a nonlinear skb: bytes in its
				 * linear part (only those are compared); 0: linear */
	int64_t port;		/* datapath in-port, UC_PORT_NONE or UC_PORT_TUNNEL */
};

/* One stored (usable) event. */
struct uc_event {
	uint64_t ts;
	uint64_t hash;		/* of the compared packet bytes (0 when none) */
	uint64_t mhash;		/* ...with the L4 checksum left out */
	int64_t port;		/* in-port, UC_PORT_NONE, UC_PORT_TUNNEL */
	uint32_t tid;
	uint32_t pkt_len;
	uint32_t bytes_off;	/* its bytes in uc_engine.bytes */
	uint16_t nr_bytes;	/* bytes compared (after head_len) */
	uint8_t type;
	bool has_bytes;
	bool reported;		/* handler side: kept by --handler-filter */
	bool short_head;	/* kernel upcall compared on fewer bytes than the others */
};

/* One correlated upcall: indices into the event array, -1 when absent. */
struct uc_set {
	long dp, recv, put, exec, pkt_exec;
};

/* Why things were not correlated. */
struct uc_uncorrelated {
	uint64_t dp_no_recv;		/* kernel upcall, no later recv_upcall of that packet */
	uint64_t recv_no_dp;		/* recv_upcall no kernel upcall matched */
	uint64_t exec_out_of_sync;	/* op_flow_execute matching no upcall of its batch */
	uint64_t put_extra;		/* op_flow_put beyond the batch's upcalls */
	uint64_t pkt_exec_extra;	/* packet executes left over in a batch */
	uint64_t sets_no_put, sets_no_exec, sets_no_pkt_exec;
	uint64_t sets_not_reported;	/* matched to a handler --handler-filter leaves out */
	uint64_t csum_matches;		/* pairs that differ only in the L4 checksum */
	bool by_length_only;		/* kernel events had no packet bytes */
	bool by_port;			/* in-ports were compared */
};

struct uc_thread_count {
	uint32_t tid;
	uint64_t upcalls;		/* recv_upcalls handled (in batches) */
};

struct uc_engine {
	struct uc_event *ev;		/* usable events, in time order */
	size_t nr_ev, cap_ev;
	uint64_t total[UC_NR_TYPES];	/* events seen per type (handler side: of
					 * reported handlers) */
	uint64_t valid[UC_NR_TYPES];	/* ...of which usable */
	uint64_t stored[UC_NR_TYPES];	/* usable events kept, reported or not */
	uint64_t refused;		/* usable events past UC_MAX_EVENTS, not kept */
	const char *who;		/* the command, for the cap's warning */
	bool dp_bytes;			/* kernel upcalls carry packet bytes */
	uint8_t *bytes;			/* kernel and recv_upcall packet bytes */
	size_t nr_bytes, cap_bytes;
	bool port_dp, port_recv;	/* some kernel upcall / recv_upcall has an in-port */
	/* Results of uc_engine__finish(). */
	struct uc_set *sets;		/* matched upcalls of reported handlers, in
					 * kernel-upcall order */
	size_t nr_sets;
	uint64_t *batches;		/* batch sizes, in order */
	size_t nr_batches, cap_batches;
	struct uc_thread_count *threads;	/* sorted by tid */
	size_t nr_threads;
	struct uc_uncorrelated unc;
	/* Sections, ns. */
	struct ovp_values k2v;		/* kernel upcall -> vswitchd receive */
	struct ovp_values v2k;		/* vswitchd execute -> kernel packet execute */
	struct ovp_values overhead;	/* total minus lookup */
	struct ovp_values k2k;		/* kernel upcall -> kernel packet execute */
};

/* Empty engine (allocates nothing).  @dp_bytes: whether kernel upcalls
 * will carry packet bytes (else matching uses the length only).  The cap's
 * warning names "upcall-cost" unless the caller sets e->who. */
void uc_engine__init(struct uc_engine *e, bool dp_bytes);

/* Free everything (NULL ok). */
void uc_engine__exit(struct uc_engine *e);

/**
 * uc_engine__add() - one event, in time order, of a reported thread, without
 * in-port.
 * @e: the engine.
 * @type: its type.
 * @ts: time, ns.
 * @tid: the thread it ran in.
 * @usable: whether upcall_cost.py would keep it (MISS upcall with a packet,
 *	...); unusable events are only counted.
 * @pkt_len: packet length (0 for events without a packet).
 * @bytes: captured packet bytes, or NULL.
 * @nr_bytes: how many of them to compare (the same prefix length for every
 *	event type, capped to @pkt_len by the caller).
 *
 * Return: 0 or -ENOMEM (message set).
 */
int uc_engine__add(struct uc_engine *e, enum uc_type type, uint64_t ts, uint32_t tid,
		   bool usable, uint32_t pkt_len, const uint8_t *bytes, size_t nr_bytes);

/**
 * uc_engine__add_event() - uc_engine__add() with everything an event can
 * carry (in-port, reported or not, the kernel skb's linear length).
 * Return: 0 or -ENOMEM (message set).
 */
int uc_engine__add_event(struct uc_engine *e, const struct uc_input *in);

/**
 * uc_key_in_port() - the datapath in-port of a recv_upcall from its flow key
 * (netlink attributes, as upcall_cost.py decodes them).
 * @p: the captured key bytes.
 * @n: how many (capped to the key's size by the caller).
 *
 * Return: OVS_KEY_ATTR_IN_PORT (3, u32); UC_PORT_TUNNEL when an
 * OVS_KEY_ATTR_TUNNEL (16) attribute comes first, even cut short;
 * UC_PORT_NONE when neither is found in the bytes.
 */
int64_t uc_key_in_port(const uint8_t *p, uint32_t n);

/* Correlate (see the top of the file).  Return: 0 or -ENOMEM. */
int uc_engine__finish(struct uc_engine *e);

/*
 * uc_engine__sections() - the cost sections (k2v, v2k, overhead, k2k) and
 * the sets_no_* counts from e->sets over e->ev; uc_engine__finish() calls
 * it, and so does the reader of stored sets.  Return: 0 or -ENOMEM.
 */
int uc_engine__sections(struct uc_engine *e);

#endif /* OVSPERF_KDELAY_UPCALL_H */
