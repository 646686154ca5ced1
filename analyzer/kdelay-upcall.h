/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kdelay-upcall.h - the upcall-cost engine (upcall_cost.py semantics): puts
 * the kernel upcall (openvswitch:ovs_dp_upcall), the handler's
 * dpif_recv:recv_upcall, op_flow_put, op_flow_execute and the kernel's
 * ovs_packet_cmd_execute of one packet together into an "event set", and
 * derives the cost sections from the sets.
 *
 * Events are added in time order (uc_engine__add); uc_engine__finish() then
 *  1. splits the handler-side events per thread and cuts them into batches
 *     with upcall_cost.py's state machine (a batch is a run of recv_upcall
 *     events followed by their put/execute/packet-execute events);
 *  2. matches each kernel upcall to the first later recv_upcall of the same
 *     packet length and packet bytes.  upcall_cost.py scans a list for each
 *     upcall; here recv_upcalls are grouped by (length, hash of the bytes)
 *     and each group is consumed in time order, so the whole match is linear
 *     and gives the same pairs.
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

/* One stored (usable) event. */
struct uc_event {
	uint64_t ts;
	uint64_t hash;		/* of the compared packet bytes (0 when none) */
	uint32_t tid;
	uint32_t pkt_len;
	uint8_t type;
	bool has_bytes;
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
	bool by_length_only;		/* kernel events had no packet bytes */
};

struct uc_thread_count {
	uint32_t tid;
	uint64_t upcalls;		/* recv_upcalls handled (in batches) */
};

struct uc_engine {
	struct uc_event *ev;		/* usable events, in time order */
	size_t nr_ev, cap_ev;
	uint64_t total[UC_NR_TYPES];	/* events seen per type */
	uint64_t valid[UC_NR_TYPES];	/* ...of which usable */
	bool dp_bytes;			/* kernel upcalls carry packet bytes */
	/* Results of uc_engine__finish(). */
	struct uc_set *sets;		/* matched upcalls, in kernel-upcall order */
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
 * will carry packet bytes (else matching uses the length only). */
void uc_engine__init(struct uc_engine *e, bool dp_bytes);

/* Free everything (NULL ok). */
void uc_engine__exit(struct uc_engine *e);

/**
 * uc_engine__add() - one event, in time order.
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

/* Correlate (see the top of the file).  Return: 0 or -ENOMEM. */
int uc_engine__finish(struct uc_engine *e);

#endif /* OVSPERF_KDELAY_UPCALL_H */
