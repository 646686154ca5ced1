// SPDX-License-Identifier: Apache-2.0
/*
 * report/timeline-upcalls.c - the upcalls of the timeline pass
 * (report/timeline.c): each kernel upcall and each recv_upcall is an instant
 * on its thread's track, and a flow links the two events of one upcall as the
 * upcall-cost engine matches them (engine/upcall-match.h: same in-port,
 * length and bytes, checksum tolerated, first later receive not matched yet),
 * fed with the same input as the upcall-cost report (report/upcall-input.h).
 * The engine matches once the recording is read, so the instants are kept
 * (a few dozen bytes each) and written, with their flows, at the end; on a
 * recording that lacks one of the two events they are written as they come.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "report/report.h"
#include "report/timeline-local.h"

int ex_upcalls_ready(struct ex_timeline *x)
{
	int err, t;

	for (int i = 0; i < x->nr_map; i++)
		x->map[i].uc_type = -1;
	if (!uc_inputs__applicable(x->s))
		return 0;
	err = uc_inputs__init(&x->uci, x->s);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	for (t = 0; t < UC_NR_TYPES; t++)
		if (x->uci.f[t].evsel && x->uci.f[t].evsel->idx < x->nr_map)
			x->map[x->uci.f[t].evsel->idx].uc_type = (int8_t)t;
	uc_engine__init(&x->uc, x->uci.dp_bytes);
	x->uc.who = "export";
	x->uc_on = true;
	return 0;
}

int ex_on_upcall(struct ex_timeline *x, const struct ex_evmap *m, const struct pdata_sample *sm)
{
	bool kernel = m->h == H_DP_UPCALL;
	struct ex_upcall *u;
	struct ex_thread *t;
	long ev = -1;

	if (m->uc_type >= 0) {
		struct uc_input in = { .reported = true };
		uint8_t buf[UC_MAX_BYTES];
		size_t nr = x->uc.nr_ev;
		int err;

		uc_inputs__decode(&x->uci, m->uc_type, sm, &in, buf);
		err = uc_engine__add_event(&x->uc, &in);
		if (err)
			return err;
		if (x->uc.nr_ev > nr)
			ev = (long)nr;		/* stored: its index in the engine */
	}
	if (m->h != H_DP_UPCALL && m->h != H_RECV_UPCALL)
		return 0;
	if (!ex_in_time(x, sm->time) || !ex_cpu_ok(x, sm->cpu) ||
	    (x->f.pid >= 0 && (sm->tid ? (int64_t)sm->pid : 0) != x->f.pid))
		return 0;
	t = ex_sample_thread(x, sm);
	if (!t)
		return x->thread_oom ? -ENOMEM : 0;	/* or not followed */
	ex_name_thread(x, t);
	if (!x->uc_on) {
		/* Nothing to match (no kernel upcall or no recv_upcall event):
		 * written at once, no flow. */
		struct ex_arg args = EXA_U("len", evdec_field__u64(&m->f1, sm));

		x->w->ops->instant(x->w, t->pid, t->key, sm->time, "upcall",
				   kernel ? "ovs_dp_upcall" : "recv_upcall", &args, 1, 0, 0);
		return 0;
	}
	if (x->nr_upcalls == x->cap_upcalls) {
		size_t cap = x->cap_upcalls ? x->cap_upcalls * 2 : 256;
		struct ex_upcall *n = realloc(x->upcalls, cap * sizeof(*n));

		if (!n)
			return ovp_err(-ENOMEM, "export: out of memory");
		x->upcalls = n;
		x->cap_upcalls = cap;
	}
	u = &x->upcalls[x->nr_upcalls++];
	memset(u, 0, sizeof(*u));
	u->ts = sm->time;
	u->pid = t->pid;
	u->tid = t->key;
	u->len = (uint32_t)evdec_field__u64(&m->f1, sm);
	u->ev = ev;
	u->kernel = kernel;
	u->peer = -1;
	return 0;
}

/* Match (uc_engine__finish()) and write every upcall instant with its flow. */
int ex_upcalls_done(struct ex_timeline *x)
{
	long *mark = NULL;
	size_t i;
	int err;

	if (!x->nr_upcalls)
		return 0;
	if (x->uc_on) {
		err = uc_engine__finish(&x->uc);
		if (err)
			return err;
		mark = malloc((x->uc.nr_ev ? x->uc.nr_ev : 1) * sizeof(*mark));
		if (!mark)
			return ovp_err(-ENOMEM, "export: out of memory");
		for (i = 0; i < x->uc.nr_ev; i++)
			mark[i] = -1;
		for (i = 0; i < x->nr_upcalls; i++)
			if (x->upcalls[i].ev >= 0)
				mark[x->upcalls[i].ev] = (long)i;
		/* One flow per matched set whose two events are on the timeline. */
		for (i = 0; i < x->uc.nr_sets; i++) {
			const struct uc_set *st = &x->uc.sets[i];
			long k, r;

			if (st->dp < 0 || st->recv < 0)
				continue;
			k = mark[st->dp];
			r = mark[st->recv];
			if (k < 0 || r < 0 || !x->upcalls[k].kernel || x->upcalls[r].kernel)
				continue;
			x->upcalls[k].flow = x->upcalls[r].flow = ++x->flow_seq;
			x->upcalls[r].peer = k;
			x->counts.upcall_flows++;
		}
		free(mark);
	}
	for (i = 0; i < x->nr_upcalls; i++) {
		const struct ex_upcall *u = &x->upcalls[i];
		struct ex_arg args = EXA_U("len", u->len);

		x->w->ops->instant(x->w, u->pid, u->tid, u->ts, "upcall",
				   u->kernel ? "ovs_dp_upcall" : "recv_upcall", &args, 1,
				   u->kernel ? u->flow : 0, u->kernel ? 0 : u->flow);
		if (u->peer >= 0 && x->w->ops->flow) {
			const struct ex_upcall *k = &x->upcalls[u->peer];

			x->w->ops->flow(x->w, k->pid, k->tid, k->ts, u->pid, u->tid, u->ts, u->flow);
		}
	}
	return x->w->err;
}
