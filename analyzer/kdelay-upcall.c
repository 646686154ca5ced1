// SPDX-License-Identifier: Apache-2.0
/*
 * kdelay-upcall.c - the upcall-cost engine: per-thread batching of handler
 * events and linear-time matching of kernel upcalls to recv_upcalls (see the
 * header for the pipeline).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kdelay-upcall.h"
#include "ovsperf/err.h"

const char *const uc_type_names[UC_NR_TYPES] = {
	[UC_DP_UPCALL] = "openvswitch__dp_upcall",
	[UC_RECV_UPCALL] = "dpif_recv__recv_upcall",
	[UC_OP_FLOW_PUT] = "dpif_netlink_operate__op_flow_put",
	[UC_OP_FLOW_EXECUTE] = "dpif_netlink_operate__op_flow_execute",
	[UC_OVS_PKT_EXEC] = "ktrace__ovs_packet_cmd_execute",
};

#define NOMEM() ovp_err(-ENOMEM, "upcall-cost: out of memory")

void uc_engine__init(struct uc_engine *e, bool dp_bytes)
{
	memset(e, 0, sizeof(*e));
	e->dp_bytes = dp_bytes;
	e->unc.by_length_only = !dp_bytes;
	ovp_values__init(&e->k2v);
	ovp_values__init(&e->v2k);
	ovp_values__init(&e->overhead);
	ovp_values__init(&e->k2k);
}

void uc_engine__exit(struct uc_engine *e)
{
	if (!e)
		return;
	free(e->ev);
	free(e->sets);
	free(e->batches);
	free(e->threads);
	ovp_values__exit(&e->k2v);
	ovp_values__exit(&e->v2k);
	ovp_values__exit(&e->overhead);
	ovp_values__exit(&e->k2k);
	memset(e, 0, sizeof(*e));
}

/* FNV-1a, 64 bit. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

int uc_engine__add(struct uc_engine *e, enum uc_type type, uint64_t ts, uint32_t tid,
		   bool usable, uint32_t pkt_len, const uint8_t *bytes, size_t nr_bytes)
{
	struct uc_event *ev;

	if (type >= UC_NR_TYPES)
		return 0;
	e->total[type]++;
	if (!usable)
		return 0;
	e->valid[type]++;
	if (e->nr_ev == e->cap_ev) {
		size_t n = e->cap_ev ? e->cap_ev * 2 : 1024;
		struct uc_event *p = realloc(e->ev, n * sizeof(*p));

		if (!p)
			return NOMEM();
		e->ev = p;
		e->cap_ev = n;
	}
	ev = &e->ev[e->nr_ev++];
	ev->ts = ts;
	ev->tid = tid;
	ev->type = (uint8_t)type;
	ev->pkt_len = pkt_len;
	ev->has_bytes = bytes && nr_bytes;
	ev->hash = ev->has_bytes ? hash_bytes(bytes, nr_bytes) : 0;
	return 0;
}

/*
 * Batching (upcall_cost.py's collect_event_sets(), per thread).
 */
struct slot {
	long put, exec, pkt_exec;	/* events attached to a recv_upcall */
};

struct batcher {
	struct uc_engine *e;
	struct slot *slots;		/* indexed by event index */
	long *batch;			/* recv_upcall indices of the batch */
	size_t nr_batch, cap_batch;
	long *pexec;			/* queued packet executes */
	size_t nr_pexec, head_pexec, cap_pexec;
	bool batching, has_put, has_exec;
	size_t collecting;
	uint64_t thread_upcalls;
};

static int push_long(long **v, size_t *nr, size_t *cap, long x)
{
	if (*nr == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		long *p = realloc(*v, n * sizeof(*p));

		if (!p)
			return NOMEM();
		*v = p;
		*cap = n;
	}
	(*v)[(*nr)++] = x;
	return 0;
}

static int next_batch(struct batcher *b)
{
	struct uc_engine *e = b->e;
	size_t i;

	if (b->nr_batch) {
		for (i = 0; i < b->nr_batch && b->head_pexec < b->nr_pexec; i++)
			if (b->slots[b->batch[i]].exec >= 0)
				b->slots[b->batch[i]].pkt_exec = b->pexec[b->head_pexec++];
		if (e->nr_batches == e->cap_batches) {
			size_t n = e->cap_batches ? e->cap_batches * 2 : 64;
			uint64_t *p = realloc(e->batches, n * sizeof(*p));

			if (!p)
				return NOMEM();
			e->batches = p;
			e->cap_batches = n;
		}
		e->batches[e->nr_batches++] = b->nr_batch;
		b->thread_upcalls += b->nr_batch;
	}
	e->unc.pkt_exec_extra += b->nr_pexec - b->head_pexec;
	b->batching = true;
	b->nr_batch = 0;
	b->nr_pexec = b->head_pexec = 0;
	b->has_put = b->has_exec = false;
	b->collecting = 0;
	return 0;
}

static void next_batch_set(struct batcher *b)
{
	b->has_put = b->has_exec = false;
	b->collecting++;
}

static bool same_packet(const struct uc_event *a, const struct uc_event *b)
{
	return a->pkt_len == b->pkt_len && a->has_bytes == b->has_bytes && a->hash == b->hash;
}

/* One handler-side event @i of the thread being batched. */
static int batch_event(struct batcher *b, long i)
{
	const struct uc_event *ev = &b->e->ev[i];
	int err;

	if (b->batching) {
		if (ev->type == UC_RECV_UPCALL)
			return push_long(&b->batch, &b->nr_batch, &b->cap_batch, i);
		if (!b->nr_batch)
			return 0;
		b->batching = false;
		b->collecting = 0;
	}
	if (ev->type == UC_RECV_UPCALL) {
		err = next_batch(b);
		return err ?: push_long(&b->batch, &b->nr_batch, &b->cap_batch, i);
	}
	if (ev->type == UC_OP_FLOW_PUT) {
		if (b->has_put) {
			next_batch_set(b);
			if (b->collecting >= b->nr_batch) {
				b->e->unc.put_extra++;
				return next_batch(b);
			}
		}
		b->slots[b->batch[b->collecting]].put = i;
		b->has_put = true;
	} else if (ev->type == UC_OP_FLOW_EXECUTE) {
		if (b->has_exec) {
			next_batch_set(b);
			if (b->collecting >= b->nr_batch) {
				b->e->unc.exec_out_of_sync++;
				return next_batch(b);
			}
		}
		if (same_packet(ev, &b->e->ev[b->batch[b->collecting]])) {
			b->slots[b->batch[b->collecting]].exec = i;
			b->has_put = b->has_exec = true;
		} else {
			/* An upcall of the batch got no execute: try the next ones. */
			size_t next = b->collecting + 1;

			for (;; next++) {
				if (next >= b->nr_batch) {
					b->e->unc.exec_out_of_sync++;
					err = next_batch(b);
					if (err)
						return err;
					break;
				}
				if (same_packet(ev, &b->e->ev[b->batch[next]])) {
					struct slot *from = &b->slots[b->batch[b->collecting]];
					struct slot *to = &b->slots[b->batch[next]];

					*to = *from;
					from->put = from->exec = from->pkt_exec = -1;
					b->collecting = next;
					to->exec = i;
					b->has_put = b->has_exec = true;
					break;
				}
			}
		}
	} else if (ev->type == UC_OVS_PKT_EXEC) {
		return push_long(&b->pexec, &b->nr_pexec, &b->cap_pexec, i);
	}
	if (b->collecting >= b->nr_batch)
		return next_batch(b);
	return 0;
}

static int cmp_tid_idx(const void *a, const void *b, void *arg)
{
	const struct uc_event *ev = arg;
	long x = *(const long *)a, y = *(const long *)b;

	if (ev[x].tid != ev[y].tid)
		return ev[x].tid < ev[y].tid ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Matching: recv_upcalls grouped by key, each group in time order.
 */
struct group {
	uint32_t len;
	uint64_t hash;
	size_t begin, end, cursor;	/* range in the sorted recv index array */
};

static uint64_t key_hash(const struct uc_engine *e, const struct uc_event *ev)
{
	return e->dp_bytes ? ev->hash : 0;
}

static int cmp_key_idx(const void *a, const void *b, void *arg)
{
	const struct uc_engine *e = arg;
	long x = *(const long *)a, y = *(const long *)b;
	const struct uc_event *p = &e->ev[x], *q = &e->ev[y];
	uint64_t hp = key_hash(e, p), hq = key_hash(e, q);

	if (p->pkt_len != q->pkt_len)
		return p->pkt_len < q->pkt_len ? -1 : 1;
	if (hp != hq)
		return hp < hq ? -1 : 1;
	return x < y ? -1 : x > y;
}

static size_t slot_of(uint32_t len, uint64_t hash, size_t n)
{
	return (size_t)((hash ^ (len * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull >> 17) &
	       (n - 1);
}

static int match(struct uc_engine *e, const struct slot *slots)
{
	long *recv = NULL;
	struct group *groups = NULL;
	size_t *table = NULL, nr_recv = 0, nr_groups = 0, tsize = 1, i;
	int err = -ENOMEM;

	recv = malloc((e->valid[UC_RECV_UPCALL] + 1) * sizeof(*recv));
	e->sets = malloc((e->valid[UC_DP_UPCALL] + 1) * sizeof(*e->sets));
	if (!recv || !e->sets)
		goto out;
	for (i = 0; i < e->nr_ev; i++)
		if (e->ev[i].type == UC_RECV_UPCALL)
			recv[nr_recv++] = (long)i;
	qsort_r(recv, nr_recv, sizeof(*recv), cmp_key_idx, e);
	groups = malloc((nr_recv + 1) * sizeof(*groups));
	while (tsize < 2 * (nr_recv + 1))
		tsize *= 2;
	table = malloc(tsize * sizeof(*table));
	if (!groups || !table)
		goto out;
	for (i = 0; i < tsize; i++)
		table[i] = SIZE_MAX;
	for (i = 0; i < nr_recv; i++) {
		const struct uc_event *ev = &e->ev[recv[i]];
		uint64_t h = key_hash(e, ev);
		size_t s;

		if (nr_groups && groups[nr_groups - 1].len == ev->pkt_len &&
		    groups[nr_groups - 1].hash == h) {
			groups[nr_groups - 1].end = i + 1;
			continue;
		}
		groups[nr_groups] = (struct group){ ev->pkt_len, h, i, i + 1, i };
		s = slot_of(ev->pkt_len, h, tsize);
		while (table[s] != SIZE_MAX)
			s = (s + 1) & (tsize - 1);
		table[s] = nr_groups++;
	}

	for (i = 0; i < e->nr_ev; i++) {
		const struct uc_event *dp = &e->ev[i];
		uint64_t h;
		struct group *g = NULL;
		size_t s;

		if (dp->type != UC_DP_UPCALL)
			continue;
		h = key_hash(e, dp);
		for (s = slot_of(dp->pkt_len, h, tsize); table[s] != SIZE_MAX;
		     s = (s + 1) & (tsize - 1)) {
			if (groups[table[s]].len == dp->pkt_len && groups[table[s]].hash == h) {
				g = &groups[table[s]];
				break;
			}
		}
		/* recv_upcalls before this upcall can match no later one either. */
		while (g && g->cursor < g->end && recv[g->cursor] < (long)i)
			g->cursor++;
		if (!g || g->cursor == g->end) {
			e->unc.dp_no_recv++;
			continue;
		}
		{
			long r = recv[g->cursor++];
			struct uc_set *set = &e->sets[e->nr_sets++];

			set->dp = (long)i;
			set->recv = r;
			set->put = slots[r].put;
			set->exec = slots[r].exec;
			set->pkt_exec = slots[r].pkt_exec;
		}
	}
	e->unc.recv_no_dp = nr_recv - e->nr_sets;
	err = 0;
out:
	free(recv);
	free(groups);
	free(table);
	return err ? NOMEM() : 0;
}

static int add_value(struct ovp_values *v, uint64_t later, uint64_t earlier)
{
	return later >= earlier ? ovp_values__add(v, later - earlier) : 0;
}

int uc_engine__finish(struct uc_engine *e)
{
	struct batcher b = { .e = e };
	long *order = NULL;
	size_t n = 0, i;
	int err = -ENOMEM;

	b.slots = malloc((e->nr_ev + 1) * sizeof(*b.slots));
	order = malloc((e->nr_ev + 1) * sizeof(*order));
	e->threads = calloc(e->nr_ev + 1, sizeof(*e->threads));
	if (!b.slots || !order || !e->threads)
		goto out;
	for (i = 0; i < e->nr_ev; i++) {
		b.slots[i].put = b.slots[i].exec = b.slots[i].pkt_exec = -1;
		if (e->ev[i].type != UC_DP_UPCALL)
			order[n++] = (long)i;
	}
	qsort_r(order, n, sizeof(*order), cmp_tid_idx, e->ev);
	for (i = 0; i < n; i++) {
		if (!i || e->ev[order[i]].tid != e->ev[order[i - 1]].tid) {
			b.batching = true;
			b.nr_batch = b.nr_pexec = b.head_pexec = 0;
			b.has_put = b.has_exec = false;
			b.collecting = 0;
			b.thread_upcalls = 0;
		}
		err = batch_event(&b, order[i]);
		if (err)
			goto out;
		if (i + 1 == n || e->ev[order[i + 1]].tid != e->ev[order[i]].tid) {
			err = next_batch(&b);
			if (err)
				goto out;
			if (b.thread_upcalls) {
				e->threads[e->nr_threads].tid = e->ev[order[i]].tid;
				e->threads[e->nr_threads++].upcalls = b.thread_upcalls;
			}
		}
	}
	err = match(e, b.slots);
	if (err)
		goto out;
	for (i = 0; i < e->nr_sets && !err; i++) {
		const struct uc_set *s = &e->sets[i];
		const struct uc_event *dp = &e->ev[s->dp], *recv = &e->ev[s->recv];

		err = add_value(&e->k2v, recv->ts, dp->ts);
		if (s->put < 0)
			e->unc.sets_no_put++;
		if (s->exec < 0)
			e->unc.sets_no_exec++;
		if (s->pkt_exec < 0) {
			e->unc.sets_no_pkt_exec++;
			continue;
		}
		if (s->put >= 0) {
			uint64_t total = e->ev[s->pkt_exec].ts - dp->ts;
			uint64_t lookup = e->ev[s->put].ts - recv->ts;

			err = err ?: add_value(&e->overhead, total, lookup);
		}
		if (s->exec >= 0)
			err = err ?: add_value(&e->v2k, e->ev[s->pkt_exec].ts, e->ev[s->exec].ts);
		err = err ?: add_value(&e->k2k, e->ev[s->pkt_exec].ts, dp->ts);
	}
out:
	free(b.slots);
	free(b.batch);
	free(b.pexec);
	free(order);
	return err == -ENOMEM ? NOMEM() : err;
}
