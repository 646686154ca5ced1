// SPDX-License-Identifier: Apache-2.0
/*
 * report/upcall-input.c - the upcall-cost engine's input from a recording
 * (see report/upcall-input.h).
 */
#include <errno.h>
#include <string.h>

#include "report/upcall-input.h"
#include "ovsperf/err.h"

/*
 * The kernel upcall event: a probe on ovs_dp_upcall that copies the packet
 * (field pkt, as the shipped set's) pairs by bytes, so it is preferred to the
 * openvswitch:ovs_dp_upcall tracepoint, which has no bytes.
 */
static struct pdata_evsel *find_dp_upcall(struct pdata_session *s)
{
	int i, n = pdata_session__nr_evsels(s);

	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		struct evdec_field f;

		if (pdata_evsel__matches(ev, "ovs_dp_upcall") &&
		    !evdec_field__find(&f, ev, "pkt") && f.is_array)
			return ev;
	}
	return pdata_session__find_event(s, "openvswitch", "ovs_dp_upcall") ?:
	       pdata_session__find_event(s, NULL, "ovs_dp_upcall");
}

static struct pdata_evsel *find_type(struct pdata_session *s, enum uc_type t)
{
	switch (t) {
	case UC_DP_UPCALL:
		return find_dp_upcall(s);
	case UC_RECV_UPCALL:
		return pdata_session__find_event(s, NULL, "recv_upcall");
	case UC_OP_FLOW_PUT:
		return pdata_session__find_event(s, NULL, "op_flow_put");
	case UC_OP_FLOW_EXECUTE:
		return pdata_session__find_event(s, NULL, "op_flow_execute");
	case UC_OVS_PKT_EXEC:
		return pdata_session__find_event(s, NULL, "ovs_packet_cmd_execute");
	default:
		return NULL;
	}
}

bool uc_inputs__applicable(struct pdata_session *s)
{
	return find_type(s, UC_DP_UPCALL) && find_type(s, UC_RECV_UPCALL);
}

int uc_inputs__init(struct uc_inputs *in, struct pdata_session *s)
{
	static const char *const pkt_names[] = { "pkt", "packet", "data", NULL };
	bool has_pkt[UC_NR_TYPES] = { false };
	int t;

	memset(in, 0, sizeof(*in));
	in->cmp_len = UINT32_MAX;
	for (t = 0; t < UC_NR_TYPES; t++) {
		struct uc_fields *f = &in->f[t];

		f->evsel = find_type(s, t);
		if (!f->evsel)
			continue;
		switch (t) {
		case UC_DP_UPCALL:
			evdec_field__find(&f->len, f->evsel, "len");
			evdec_field__find(&f->type, f->evsel, "upcall_cmd");
			evdec_field__find(&f->port, f->evsel, "in_port");
			evdec_field__find(&f->data_len, f->evsel, "data_len");
			break;
		case UC_RECV_UPCALL:
			evdec_field__find(&f->type, f->evsel, "arg2");
			evdec_field__find(&f->len, f->evsel, "arg4");
			evdec_field__find(&f->key_len, f->evsel, "arg6");
			if (evdec_field__find(&f->key, f->evsel, "key") || !f->key.is_array)
				memset(&f->key, 0, sizeof(f->key));
			break;
		case UC_OP_FLOW_EXECUTE:
			evdec_field__find(&f->len, f->evsel, "arg4");
			break;
		default:
			break;
		}
		if (t == UC_DP_UPCALL || t == UC_RECV_UPCALL || t == UC_OP_FLOW_EXECUTE) {
			has_pkt[t] = !evdec_field__find_any(&f->pkt, f->evsel, pkt_names) &&
				     f->pkt.is_array;
			if (has_pkt[t] && (evdec_field__find(&f->pkt2, f->evsel, "pkt2") ||
					   !f->pkt2.is_array))
				memset(&f->pkt2, 0, sizeof(f->pkt2));
			if (!evdec_field__resolved(&f->len))
				return ovp_err(-EINVAL, "upcall-cost: event %s has no packet length "
					       "field", f->evsel->name);
		}
	}
	if (!in->f[UC_DP_UPCALL].evsel || !in->f[UC_RECV_UPCALL].evsel)
		return ovp_err(-ENOENT, "upcall-cost: the recording needs at least the "
			       "openvswitch:ovs_dp_upcall and dpif_recv:recv_upcall events "
			       "(ovsperf-probe record upcall-cost)");
	/*
	 * Executes are matched to upcalls by the handler's bytes when both carry
	 * them; kernel upcalls by bytes only when they carry them too (the
	 * openvswitch tracepoint does not: then by length).  One prefix length
	 * for every compared event, so one hash per event serves both.
	 */
	in->use_bytes = has_pkt[UC_RECV_UPCALL] &&
			(has_pkt[UC_OP_FLOW_EXECUTE] || !in->f[UC_OP_FLOW_EXECUTE].evsel);
	in->dp_bytes = in->use_bytes && has_pkt[UC_DP_UPCALL];
	for (t = 0; t < UC_NR_TYPES && in->use_bytes; t++) {
		uint32_t size = in->f[t].pkt.size + in->f[t].pkt2.size;

		if (has_pkt[t] && (t != UC_DP_UPCALL || in->dp_bytes) && size < in->cmp_len)
			in->cmp_len = size;
	}
	if (in->cmp_len > UC_MAX_BYTES)
		in->cmp_len = UC_MAX_BYTES;
	if (!in->use_bytes)
		in->cmp_len = 0;
	return 0;
}

/* The event's packet bytes (pkt, then pkt2 when it has both) into @buf. */
static uint32_t packet_bytes(const struct uc_inputs *in, const struct uc_fields *f,
			     const struct pdata_sample *sample, uint8_t *buf, uint32_t len)
{
	const uint8_t *p;
	uint32_t nr = 0, nr2 = 0;

	p = evdec_field__data(&f->pkt, sample, &nr);
	if (!p)
		return 0;
	if (nr > UC_MAX_BYTES)
		nr = UC_MAX_BYTES;
	memcpy(buf, p, nr);
	if (nr == f->pkt.size && evdec_field__resolved(&f->pkt2)) {
		p = evdec_field__data(&f->pkt2, sample, &nr2);
		if (p && nr2 > UC_MAX_BYTES - nr)
			nr2 = UC_MAX_BYTES - nr;
		if (p)
			memcpy(buf + nr, p, nr2);
		nr += p ? nr2 : 0;
	}
	if (nr > in->cmp_len)
		nr = in->cmp_len;
	return nr > len ? len : nr;
}

void uc_inputs__decode(const struct uc_inputs *in, int t, const struct pdata_sample *sample,
		       struct uc_input *out, uint8_t buf[UC_MAX_BYTES])
{
	const struct uc_fields *f = &in->f[t];
	uint32_t len = 0;
	bool usable = true;

	out->port = UC_PORT_NONE;
	out->bytes = NULL;
	out->nr_bytes = 0;
	out->head_len = 0;
	if (evdec_field__resolved(&f->len))
		len = (uint32_t)evdec_field__u64(&f->len, sample);
	switch (t) {
	case UC_DP_UPCALL:
		/* Only OVS_PACKET_CMD_MISS (1) upcalls with a packet. */
		usable = len > 0 && (!evdec_field__resolved(&f->type) ||
				     evdec_field__u64(&f->type, sample) == 1);
		break;
	case UC_RECV_UPCALL:
		/* Only DPIF_UC_MISS (0) with a packet and a flow key. */
		usable = len > 0 && evdec_field__u64(&f->type, sample) == 0 &&
			 (!evdec_field__resolved(&f->key_len) ||
			  evdec_field__u64(&f->key_len, sample) > 0);
		break;
	case UC_OP_FLOW_EXECUTE:
		usable = len > 0;
		break;
	default:
		break;
	}
	if (in->use_bytes && evdec_field__resolved(&f->pkt) &&
	    (t != UC_DP_UPCALL || in->dp_bytes)) {
		out->nr_bytes = packet_bytes(in, f, sample, buf, len);
		out->bytes = buf;
	}
	if (t == UC_DP_UPCALL) {
		if (evdec_field__resolved(&f->port))
			out->port = (int64_t)evdec_field__u64(&f->port, sample);
		/* A nonlinear skb: only skb->len - skb->data_len bytes are at skb->data. */
		if (evdec_field__resolved(&f->data_len)) {
			uint64_t dl = evdec_field__u64(&f->data_len, sample);

			/* All of it in fragments: upcall_cost.py drops the upcall. */
			if (dl && dl < len)
				out->head_len = (uint32_t)(len - dl);
			else if (dl && in->dp_bytes)
				usable = false;
		}
	} else if (t == UC_RECV_UPCALL && evdec_field__resolved(&f->key)) {
		uint32_t nk = 0, klen = UINT32_MAX;
		const uint8_t *k = evdec_field__data(&f->key, sample, &nk);

		if (evdec_field__resolved(&f->key_len))
			klen = (uint32_t)evdec_field__u64(&f->key_len, sample);
		if (k)
			out->port = uc_key_in_port(k, nk < klen ? nk : klen);
	}
	out->type = t;
	out->ts = sample->time;
	out->tid = sample->tid;
	out->usable = usable;
	out->pkt_len = len;
}
