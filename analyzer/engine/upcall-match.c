// SPDX-License-Identifier: Apache-2.0
/*
 * engine/upcall-match.c - the upcall-cost engine: per-thread batching of handler
 * events and linear-time matching of kernel upcalls to recv_upcalls (see the
 * header for the pipeline).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/upcall-match.h"
#include "ovsperf/err.h"
#include "ovsperf/hash.h"
#include "ovsperf/hmap.h"
#include "decode/pkthdr.h"

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
	e->who = "upcall-cost";
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
	free(e->bytes);
	free(e->sets);
	free(e->batches);
	free(e->threads);
	ovp_values__exit(&e->k2v);
	ovp_values__exit(&e->v2k);
	ovp_values__exit(&e->overhead);
	ovp_values__exit(&e->k2k);
	memset(e, 0, sizeof(*e));
}

/*
 * upcall_cost.py's checksum exception applies when more than this many bytes
 * are compared: shorter captures end before the checksum of most packets.
 */
#define CSUM_MIN_COMPARE 56

/* Offset of the TCP/UDP checksum within the @n compared bytes, or -1. */
static long csum_offset(const uint8_t *p, size_t n)
{
	return n > CSUM_MIN_COMPARE ? pkthdr_l4_csum_offset(p, n, NULL) : -1;
}

/* Hash of @p[0..@n) with the two bytes at @skip (when >= 0) read as zero. */
static uint64_t hash_masked(const uint8_t *p, size_t n, long skip)
{
	/* Packet bytes come from the recording: keyed by the process's secret
	 * (ovsperf/hash.h), eight bytes a step, the skipped ones read as zero. */
	const struct ovp_hash_secret *s = &ovp_hash_secret;
	uint64_t h = s->k0 ^ n, w;
	size_t i, k;

	for (i = 0; i < n; i += 8) {
		for (w = 0, k = 0; k < 8 && i + k < n; k++) {
			long at = (long)(i + k);

			if (at != skip && at != skip + 1)
				w |= (uint64_t)p[i + k] << (8 * k);
		}
		h = ovp_hash_mix(h ^ w, s->k1);
	}
	h = ovp_hash_mix(h, s->k2);
	return h ? h : 1;
}

int uc_engine__add_event(struct uc_engine *e, const struct uc_input *in)
{
	bool keep_bytes = in->type == UC_DP_UPCALL || in->type == UC_RECV_UPCALL;
	bool reported = in->type == UC_DP_UPCALL || in->reported;
	size_t nr = in->bytes ? in->nr_bytes : 0;
	struct uc_event *ev;

	if (in->type >= UC_NR_TYPES)
		return 0;
	if (reported)
		e->total[in->type]++;
	if (!in->usable)
		return 0;
	if (reported)
		e->valid[in->type]++;
	if (e->nr_ev >= UC_MAX_EVENTS || e->refused) {
		/* Past the cap: kept no more, even once there is room (none is
		 * made), so the results cover a prefix of the recording. */
		if (!e->refused++)
			ovp_warn_cap("%s: more than %d upcall events to match: later ones are "
				     "counted but not matched (results cover the recording up "
				     "to there)", e->who, UC_MAX_EVENTS);
		return 0;
	}
	e->stored[in->type]++;
	if (e->nr_ev == e->cap_ev) {
		size_t n = e->cap_ev ? e->cap_ev * 2 : 1024;
		struct uc_event *p = realloc(e->ev, n * sizeof(*p));

		if (!p)
			return NOMEM();
		e->ev = p;
		e->cap_ev = n;
	}
	if (nr > UC_MAX_BYTES)
		nr = UC_MAX_BYTES;
	if (nr > in->pkt_len)
		nr = in->pkt_len;
	ev = &e->ev[e->nr_ev++];
	memset(ev, 0, sizeof(*ev));
	ev->ts = in->ts;
	ev->tid = in->tid;
	ev->type = (uint8_t)in->type;
	ev->pkt_len = in->pkt_len;
	ev->reported = reported;
	ev->port = in->port;
	if (in->port != UC_PORT_NONE)
		*(in->type == UC_DP_UPCALL ? &e->port_dp : &e->port_recv) = true;
	ev->has_bytes = nr > 0;
	if (!nr)
		return 0;
	ev->hash = hash_masked(in->bytes, nr, -1);
	ev->mhash = hash_masked(in->bytes, nr, csum_offset(in->bytes, nr));
	ev->nr_bytes = (uint16_t)nr;
	if (in->head_len && in->head_len < nr) {
		/* Only the linear part is the packet's (upcall_cost.py's pkt_frag_len). */
		ev->short_head = true;
		ev->nr_bytes = (uint16_t)in->head_len;
	}
	if (!keep_bytes)
		return 0;
	if (e->nr_bytes + nr > e->cap_bytes) {
		size_t n = e->cap_bytes ? e->cap_bytes * 2 : 65536;
		uint8_t *p;

		while (n < e->nr_bytes + nr)
			n *= 2;
		p = realloc(e->bytes, n);
		if (!p)
			return NOMEM();
		e->bytes = p;
		e->cap_bytes = n;
	}
	ev->bytes_off = (uint32_t)e->nr_bytes;
	memcpy(e->bytes + e->nr_bytes, in->bytes, nr);
	e->nr_bytes += nr;
	return 0;
}

int uc_engine__add(struct uc_engine *e, enum uc_type type, uint64_t ts, uint32_t tid,
		   bool usable, uint32_t pkt_len, const uint8_t *bytes, size_t nr_bytes)
{
	struct uc_input in = {
		.type = type, .ts = ts, .tid = tid, .usable = usable, .reported = true,
		.pkt_len = pkt_len, .bytes = bytes, .nr_bytes = nr_bytes, .port = UC_PORT_NONE,
	};

	return uc_engine__add_event(e, &in);
}

int64_t uc_key_in_port(const uint8_t *p, uint32_t n)
{
	uint32_t off = 0;

	while (p && off + 4 <= n) {
		uint16_t len, type;
		uint32_t port;

		memcpy(&len, p + off, 2);
		memcpy(&type, p + off + 2, 2);
		type &= 0x3fff;		/* NLA_F_NESTED, NLA_F_NET_BYTEORDER */
		if (len < 4)
			break;
		if (type == 16)
			return UC_PORT_TUNNEL;
		if (off + len > n)
			break;
		if (type == 3 && len >= 8) {
			memcpy(&port, p + off + 4, 4);
			return port;
		}
		off += (len + 3u) & ~3u;
	}
	return UC_PORT_NONE;
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
	bool reported;			/* the current event's thread is reported */
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
	}
	if (b->nr_batch && e->ev[b->batch[0]].reported) {
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
	if (b->reported)
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

	b->reported = ev->reported;
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
				b->e->unc.put_extra += b->reported;
				return next_batch(b);
			}
		}
		b->slots[b->batch[b->collecting]].put = i;
		b->has_put = true;
	} else if (ev->type == UC_OP_FLOW_EXECUTE) {
		if (b->has_exec) {
			next_batch_set(b);
			if (b->collecting >= b->nr_batch) {
				b->e->unc.exec_out_of_sync += b->reported;
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
					b->e->unc.exec_out_of_sync += b->reported;
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
	struct ovp_hmap_node node;	/* in the table of groups, by (len, hash) */
	uint32_t len;
	uint64_t hash;
	size_t begin, end, cursor;	/* range in the sorted recv index array; members
					 * before cursor are matched or too early */
};

static uint64_t key_hash(const struct uc_engine *e, const struct uc_event *ev)
{
	return e->dp_bytes ? ev->mhash : 0;
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

static size_t group_hash(uint32_t len, uint64_t hash)
{
	return (size_t)ovp_hash_mix(hash ^ len, ovp_hash_secret.k2);
}

/*
 * Does kernel upcall @dp pair with @recv (upcall_cost.py's test, lengths
 * already equal)?  Sets *@csum when only the L4 checksum differs.
 */
static bool pairs(const struct uc_engine *e, const struct uc_event *dp,
		  const struct uc_event *recv, bool *csum)
{
	const uint8_t *a, *b;
	size_t n, i, diff = 0;
	long off;

	*csum = false;
	if (dp->port != UC_PORT_NONE && recv->port != UC_PORT_NONE &&
	    recv->port != UC_PORT_TUNNEL && dp->port != recv->port)
		return false;
	if (!e->dp_bytes)
		return true;
	if (dp->has_bytes != recv->has_bytes)
		return false;
	if (!dp->has_bytes)
		return true;
	a = e->bytes + dp->bytes_off;
	b = e->bytes + recv->bytes_off;
	n = dp->nr_bytes < recv->nr_bytes ? dp->nr_bytes : recv->nr_bytes;
	for (i = 0; i < n && diff <= 2; i++)
		diff += a[i] != b[i];
	if (!diff)
		return true;
	if (diff > 2)
		return false;
	/* Differences only in the checksum: the kernel fills it in later. */
	off = csum_offset(a, n);
	if (off < 0 || off != csum_offset(b, n))
		return false;
	diff -= (a[off] != b[off]) + (a[off + 1] != b[off + 1]);
	*csum = !diff;
	return !diff;
}

static void add_set(struct uc_engine *e, const struct slot *slots, long dp, long r)
{
	struct uc_set *set;

	if (!e->ev[r].reported) {
		e->unc.sets_not_reported++;
		return;
	}
	set = &e->sets[e->nr_sets++];
	set->dp = dp;
	set->recv = r;
	set->put = slots[r].put;
	set->exec = slots[r].exec;
	set->pkt_exec = slots[r].pkt_exec;
}

static int match(struct uc_engine *e, const struct slot *slots)
{
	long *recv = NULL, *by_time = NULL;
	struct group *groups = NULL;
	struct ovp_hmap table;		/* groups by (len, hash) */
	size_t nr_recv = 0, nr_groups = 0, i, time_head = 0;
	bool *used = NULL;
	int err = -ENOMEM;

	ovp_hmap_init(&table);
	recv = malloc((e->stored[UC_RECV_UPCALL] + 1) * sizeof(*recv));
	by_time = malloc((e->stored[UC_RECV_UPCALL] + 1) * sizeof(*by_time));
	used = calloc(e->nr_ev + 1, sizeof(*used));
	e->sets = malloc((e->stored[UC_DP_UPCALL] + 1) * sizeof(*e->sets));
	if (!recv || !by_time || !used || !e->sets)
		goto out;
	for (i = 0; i < e->nr_ev; i++)
		if (e->ev[i].type == UC_RECV_UPCALL)
			by_time[nr_recv] = recv[nr_recv] = (long)i, nr_recv++;
	qsort_r(recv, nr_recv, sizeof(*recv), cmp_key_idx, e);
	/* Every group is in the array before the table holds any: no move. */
	groups = malloc((nr_recv + 1) * sizeof(*groups));
	if (!groups)
		goto out;
	(void)ovp_hmap_reserve(&table, nr_recv);
	for (i = 0; i < nr_recv; i++) {
		const struct uc_event *ev = &e->ev[recv[i]];
		uint64_t h = key_hash(e, ev);
		struct group *g;

		if (nr_groups && groups[nr_groups - 1].len == ev->pkt_len &&
		    groups[nr_groups - 1].hash == h) {
			groups[nr_groups - 1].end = i + 1;
			continue;
		}
		g = &groups[nr_groups++];
		g->len = ev->pkt_len;
		g->hash = h;
		g->begin = i;
		g->end = i + 1;
		g->cursor = i;
		ovp_hmap_insert_nocap(&table, &g->node, group_hash(ev->pkt_len, h));
	}

	for (i = 0; i < e->nr_ev; i++) {
		const struct uc_event *dp = &e->ev[i];
		struct group *g = NULL;
		long r = -1;
		bool csum = false;
		size_t k;

		if (dp->type != UC_DP_UPCALL)
			continue;
		if (dp->short_head) {
			/* Compared on its linear part only: no group holds the
			 * candidates, scan every later receive (rare). */
			while (time_head < nr_recv && by_time[time_head] < (long)i)
				time_head++;
			for (k = time_head; k < nr_recv && r < 0; k++) {
				const struct uc_event *rv = &e->ev[by_time[k]];

				if (!used[by_time[k]] && rv->pkt_len == dp->pkt_len &&
				    pairs(e, dp, rv, &csum))
					r = by_time[k];
			}
		} else {
			uint64_t h = key_hash(e, dp);

			OVP_HMAP_FOR_EACH_WITH_HASH (g, node, group_hash(dp->pkt_len, h), &table)
				if (g->len == dp->pkt_len && g->hash == h)
					break;
			/* Receives before this upcall can match no later one either. */
			while (g && g->cursor < g->end &&
			       (recv[g->cursor] < (long)i || used[recv[g->cursor]]))
				g->cursor++;
			for (k = g ? g->cursor : 0; g && k < g->end && r < 0; k++) {
				if (!used[recv[k]] && pairs(e, dp, &e->ev[recv[k]], &csum))
					r = recv[k];
			}
		}
		if (r < 0) {
			e->unc.dp_no_recv++;
			continue;
		}
		used[r] = true;
		e->unc.csum_matches += csum && e->ev[r].reported;
		add_set(e, slots, (long)i, r);
	}
	for (i = 0; i < nr_recv; i++)
		if (!used[recv[i]] && e->ev[recv[i]].reported)
			e->unc.recv_no_dp++;
	err = 0;
out:
	free(recv);
	free(by_time);
	free(used);
	free(groups);
	ovp_hmap_exit(&table);
	return err ? NOMEM() : 0;
}

static int add_value(struct ovp_values *v, uint64_t later, uint64_t earlier)
{
	return later >= earlier ? ovp_values__add(v, later - earlier) : 0;
}

int uc_engine__sections(struct uc_engine *e)
{
	size_t i;
	int err = 0;

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
	return err;
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
	e->unc.by_port = e->port_dp && e->port_recv;
	err = match(e, b.slots);
	if (err)
		goto out;
	err = uc_engine__sections(e);
out:
	free(b.slots);
	free(b.batch);
	free(b.pexec);
	free(order);
	return err == -ENOMEM ? NOMEM() : err;
}
