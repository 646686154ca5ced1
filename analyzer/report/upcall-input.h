/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/upcall-input.h - the events of a recording as the upcall-cost
 * engine's input (engine/upcall-match.h): which event is each of the five
 * types, their fields, and one sample decoded into a struct uc_input.  Used by
 * the upcall-cost report and by the timeline export (its upcall flows are the
 * engine's matched sets), so both pair the same upcalls.
 */
#ifndef OVSPERF_REPORT_UPCALL_INPUT_H
#define OVSPERF_REPORT_UPCALL_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/upcall-match.h"
#include "ovsperf/evdec.h"
#include "ovsperf/pdata.h"

/* Fields of one event type. */
struct uc_fields {
	struct pdata_evsel *evsel;
	struct evdec_field len;		/* packet length */
	struct evdec_field pkt;		/* packet bytes (array), optional */
	struct evdec_field pkt2;	/* ...and the bytes after them, optional */
	struct evdec_field port;	/* kernel upcall: datapath in-port */
	struct evdec_field data_len;	/* kernel upcall: skb->data_len (nonlinear part) */
	struct evdec_field key;		/* recv_upcall: flow key bytes (netlink attributes) */
	struct evdec_field type;	/* recv_upcall arg2 / dp_upcall upcall_cmd */
	struct evdec_field key_len;	/* recv_upcall arg6 */
};

/* The events of the five types and how packets are compared. */
struct uc_inputs {
	struct uc_fields f[UC_NR_TYPES];
	bool use_bytes;			/* recv_upcall/op_flow_execute bytes are compared */
	bool dp_bytes;			/* ...and the kernel upcall's too */
	uint32_t cmp_len;		/* bytes compared (common captured prefix) */
};

/*
 * uc_inputs__init() - find the events of @s and resolve their fields.
 * Return: 0; -ENOENT (message set) when the kernel upcall or the
 * recv_upcall event is missing; -EINVAL (message set) when a packet event
 * has no length field.
 */
int uc_inputs__init(struct uc_inputs *in, struct pdata_session *s);

/* Has @s the kernel upcall and the recv_upcall events? */
bool uc_inputs__applicable(struct pdata_session *s);

/* The type of sample @sm's event, or -1 when it is none of the five. */
static inline int uc_inputs__type(const struct uc_inputs *in, const struct pdata_sample *sm)
{
	for (int t = 0; t < UC_NR_TYPES; t++)
		if (in->f[t].evsel && in->f[t].evsel == sm->evsel)
			return t;
	return -1;
}

/*
 * uc_inputs__decode() - sample @sm of type @t as the engine's input.
 * @out: filled but for .reported (left as the caller set it); its bytes
 *	point into @buf.
 */
void uc_inputs__decode(const struct uc_inputs *in, int t, const struct pdata_sample *sm,
		       struct uc_input *out, uint8_t buf[UC_MAX_BYTES]);

#endif /* OVSPERF_REPORT_UPCALL_INPUT_H */
