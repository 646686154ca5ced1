// SPDX-License-Identifier: Apache-2.0
/*
 * report/journey.c - `ovsperf-analyze journey`: every packet's events in
 * time order, one block per packet, like `retis sort`.
 *
 *	ready():   every event with an skb field (skbaddr / skb) joins, with
 *		   its head, device, length, flow and drop-reason fields
 *		   resolved once; the identity (--key) is chosen from what the
 *		   events carry (engine/pktid.h)
 *	sample():  pktid_table__event() gives the event a packet; the event is
 *		   appended to that packet's list (pooled nodes, no malloc);
 *		   with sched/irq events in the recording, the blame engine
 *		   (engine/blame.h) is fed every sample and charged the interval
 *		   since the packet's previous event (blame__add())
 *	end of a packet (free, eviction, end of recording): the filters are
 *		   applied and the packet, as a plain item with its names
 *		   resolved (report/journey.h), goes to the block writer
 *		   (out/journey-blocks.c: text, or one JSON line), which writes
 *		   it to a spool file; then the nodes go back to the pools
 *	model():   the summary counters, reports.journey (out/text-journey.c
 *		   prints them after the spool, which cmd/analyze.c copies out).
 *
 * In the pipeline: the report layer, between the packet identity engine
 * (engine/pktid.c) and the writers of its blocks and of its model.
 *
 * Memory is bounded by the packets in flight (--max-inflight) times the
 * events kept per packet (--max-events); blocks appear in the order the
 * packets end, which is what keeps it bounded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/strutil.h"
#include "decode/devtab.h"
#include "decode/pktfilter.h"
#include "engine/blame.h"
#include "engine/pktid.h"
#include "engine/spanspec.h"
#include "decode/skbreason.h"
#include "report/journey.h"
#include "report/report.h"

extern const struct report_ops report_journey_ops;

#define POOL_CHUNK 1024
/* Samples between two prunings of the blame timelines. */
#define JOURNEY_PRUNE_EVERY 4096
/* Packets the default run shows (ovsperf-analyze FILE). */
#define JOURNEY_DEFAULT_LIMIT 10

static const char *const len_fields[] = { "len", "pkt_len", NULL };

/* One event of a packet. */
struct jev {
	struct jev *next;		/* next event of the packet, or free list */
	uint64_t time;
	uint64_t head;			/* 0 = not carried */
	uint64_t loc;			/* free location, 0 = none */
	uint32_t cpu, tid;
	uint32_t dev;			/* device id + 1, 0 = none */
	uint32_t len;
	uint32_t reason;
	uint16_t evsel;
	bool has_len, has_reason;
};

/* A packet (one identity) being followed. */
struct jpkt {
	struct jpkt *next;		/* free list */
	uint64_t id, parent, skb;
	uint64_t head;			/* first head seen, 0 = none */
	struct jev *first, *last;
	uint32_t nr;			/* events kept */
	uint32_t nr_over;		/* events beyond --max-events, not kept */
	bool through;			/* has a --through event */
	uint32_t blame;			/* its blame so far (engine/blame.h id), 0 = none */
	uint64_t blame_ns;		/* the time its parts add up to */
	struct pktfilter_pkt filt;	/* times, CPUs, devices, first flow values */
};

/* Per event of the recording (indexed by evsel idx): fields resolved once. */
struct jmap {
	bool used;			/* has an skb field */
	enum pktid_ev kind;
	struct evdec_field skb, head, len, reason, loc;
	struct pktfilter_fields pf;	/* device and flow */
	struct skbreason_table *reasons;
};

/* A pool of fixed-size nodes chained through their first member. */
struct pool {
	size_t size;
	void *free;
	void **chunks;
	size_t nr_chunks, cap_chunks;
};

struct journey {
	struct report base;
	struct pdata_tool tool;

	/* Options. */
	enum pktid_key want_key;
	uint64_t min_events;
	const char *through;
	uint64_t max_inflight;
	uint64_t max_events;
	uint64_t limit;			/* packets shown, 0 = all */
	struct pktfilter filt;		/* --cpu, --dev, flow, --time */
	bool no_blame;			/* --no-blame */

	/* Setup. */
	struct pdata_session *s;
	struct ksyms *ksyms;
	enum pktid_key key;		/* resolved */
	bool key_fell_back;		/* --key head without any head field */
	int nr_evsels;
	struct jmap *map;
	int through_idx;		/* -1 = none */
	char **events_used;		/* names of the events followed */
	int nr_used;
	uint32_t flow_seen;		/* bit per flow field some event carries */

	/* State. */
	struct pktid_table *ids;
	struct pool evpool, pktpool;
	struct devtab devs;		/* device names: jev.dev ids */
	const struct journey_writer *writer;	/* of the blocks (out/journey-blocks.c) */
	FILE *spool;			/* the blocks, until the report's turn */
	struct journey_event *items;	/* the events of the packet being written */
	uint32_t cap_items;
	struct blame *blame;		/* NULL: no sched/irq events, or --no-blame */
	struct journey_blame *bitems;	/* the blame of the packet being written */
	uint32_t cap_bitems;
	uint32_t since_prune;		/* samples since the timelines were pruned */
	int err;			/* sticky error of the end callback */

	/* Counters. */
	uint64_t nr_events;		/* events given a packet */
	uint64_t nr_no_skb;		/* events with skb 0 (ignored) */
	uint64_t nr_packets;		/* packets ended */
	uint64_t nr_shown;
	uint64_t nr_filtered;		/* ended but not shown (filters) */
	uint64_t nr_limited;		/* passed the filters but over --limit */
	uint64_t nr_over;		/* events not kept: --max-events */
	uint64_t nr_followups;		/* kfree_skbmem folded into a free */
	uint64_t nr_clones_shown;
	uint64_t nr_lost_events;	/* PERF_RECORD_LOST */
};

enum {
	OPT_KEY = 256,
	OPT_MIN_EVENTS,
	OPT_THROUGH,
	OPT_MAX_INFLIGHT,
	OPT_MAX_EVENTS,
	OPT_LIMIT,
	OPT_NO_BLAME,
};

static const struct option j_options[] = {
	{ "key", required_argument, NULL, OPT_KEY },
	{ "min-events", required_argument, NULL, OPT_MIN_EVENTS },
	{ "through", required_argument, NULL, OPT_THROUGH },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "max-events", required_argument, NULL, OPT_MAX_EVENTS },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "no-blame", no_argument, NULL, OPT_NO_BLAME },
	PKTFILTER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char j_usage[] =
	"      --key auto|skb|head  packet identity: (head, skb) as retis when the events\n"
	"                          carry skb->head, else the skb address (default auto)\n"
	"      --min-events N      packets with at least N events (default 1)\n"
	"      --through EVENT     packets with an EVENT event (\"net:netif_rx\", \"do_output\")\n"
	"      --max-inflight N    packets followed at once; the least recently seen is\n"
	"                          evicted (shown, and counted) beyond (default 1000000)\n"
	"      --max-events N      events kept per packet (default 256; more are counted)\n"
	"      --limit N           show at most N packets (0 = all)\n"
	"      --no-blame          do not say where each packet's time went (blame is\n"
	"                          computed when the recording has sched/irq events)\n"
	PKTFILTER_USAGE("packets with an event on device NAME\n",
			"packets whose events all lie within [START, END]\n"
			"                          (perf script timestamps, e.g. 911.43,911.50)\n")
	"  --json writes JSON Lines, one packet per line, then on the last line the\n"
	"  JSON document with the summary (ovsperf-json(7), reports.journey).\n";

/* Number options: a whole number, at most what a signed 64-bit value holds. */
static int parse_num(const char *opt, const char *arg, uint64_t min, uint64_t *out)
{
	return ovp_parse_uint_opt(opt, arg, min, INT64_MAX, out);
}

/*
 * Pools.
 */

static void *pool_get(struct pool *p)
{
	void *n;

	if (!p->free) {
		char *c;
		size_t i;

		if (p->nr_chunks == p->cap_chunks) {
			size_t cap = p->cap_chunks ? p->cap_chunks * 2 : 16;
			void **a = realloc(p->chunks, cap * sizeof(*a));

			if (!a)
				return NULL;
			p->chunks = a;
			p->cap_chunks = cap;
		}
		c = malloc(p->size * POOL_CHUNK);
		if (!c)
			return NULL;
		p->chunks[p->nr_chunks++] = c;
		for (i = 0; i < POOL_CHUNK; i++) {
			*(void **)(c + i * p->size) = p->free;
			p->free = c + i * p->size;
		}
	}
	n = p->free;
	p->free = *(void **)n;
	memset(n, 0, p->size);
	return n;
}

static void pool_put(struct pool *p, void *n)
{
	*(void **)n = p->free;
	p->free = n;
}

static void pool_exit(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nr_chunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
}

/*
 * Options.
 */

static int j_create(struct report **out, struct analyze_ctx *ctx)
{
	struct journey *j = calloc(1, sizeof(*j));

	if (!j)
		return ovp_err(-ENOMEM, "out of memory");
	j->base.ops = &report_journey_ops;
	j->base.ctx = ctx;
	j->want_key = PKTID_KEY_AUTO;
	j->min_events = 1;
	j->max_inflight = 1000000;
	j->max_events = 256;
	pktfilter_init(&j->filt);
	j->through_idx = -1;
	if (ctx->all_reports)
		j->limit = JOURNEY_DEFAULT_LIMIT;
	j->evpool.size = sizeof(struct jev);
	j->pktpool.size = sizeof(struct jpkt);
	*out = &j->base;
	return 0;
}

static int j_option(struct report *r, int key, const char *arg)
{
	struct journey *j = container_of(r, struct journey, base);

	switch (key) {
	case OPT_KEY:
		return pktid_key_parse(arg, &j->want_key);
	case OPT_MIN_EVENTS:
		return parse_num("--min-events", arg, 0, &j->min_events);
	case OPT_THROUGH:
		j->through = arg;
		return 0;
	case OPT_MAX_INFLIGHT:
		return parse_num("--max-inflight", arg, 1, &j->max_inflight);
	case OPT_MAX_EVENTS:
		return parse_num("--max-events", arg, 1, &j->max_events);
	case OPT_LIMIT:
		return parse_num("--limit", arg, 0, &j->limit);
	case OPT_NO_BLAME:
		j->no_blame = true;
		return 0;
	default:
		if (pktfilter_is_option(key))
			return pktfilter_option(&j->filt, key, arg);
		return ovp_err(-EINVAL, "journey: unknown option");
	}
}

/*
 * Setup.
 */

static void on_end(void *arg, uint64_t id, enum pktid_end why, uint64_t user);

static int j_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct journey *j = container_of(tool, struct journey, tool);
	bool have_head = false;
	int i, f, err;

	j->s = s;
	j->nr_evsels = pdata_session__nr_evsels(s);
	j->map = calloc(j->nr_evsels ? j->nr_evsels : 1, sizeof(*j->map));
	j->events_used = calloc(j->nr_evsels ? j->nr_evsels : 1, sizeof(*j->events_used));
	if (!j->map || !j->events_used)
		return ovp_err(-ENOMEM, "out of memory");
	for (i = 0; i < j->nr_evsels; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		struct jmap *m = &j->map[i];

		if (evdec_field__find_any(&m->skb, ev, pktid_skb_fields))
			continue;
		m->used = true;
		j->events_used[j->nr_used++] = ev->name;
		m->kind = pktid_event_kind(ev->name);
		if (!evdec_field__find_any(&m->head, ev, pktid_head_fields))
			have_head = true;
		pktfilter_fields__resolve(&m->pf, ev, PKTFILTER_ANY_EVENT);
		j->flow_seen |= m->pf.has;
		evdec_field__find_any(&m->len, ev, len_fields);
		if (!evdec_field__find(&m->reason, ev, "reason")) {
			err = skbreason_table__new(&m->reasons, ev, "reason");
			if (err)
				return err;
		}
		if (m->kind != PKTID_EV_SEEN)
			evdec_field__find(&m->loc, ev, "location");
	}
	if (!j->nr_used)
		return ovp_err(-ENOENT, "no event of the recording carries an skb (skbaddr or skb "
			       "field): record net:*, skb:* or an ovsperf-probe skb set");
	if (j->through) {
		for (i = 0; i < j->nr_evsels; i++) {
			if (j->map[i].used && pdata_evsel__matches(pdata_session__evsel(s, i), j->through)) {
				j->through_idx = i;
				break;
			}
		}
		if (j->through_idx < 0)
			return ovp_err(-ENOENT, "--through: no event '%s' with an skb in the "
				       "recording", j->through);
	}
	for (f = 0; f < PKTFILTER_NR_FIELDS; f++) {
		if (j->filt.has_flow[f] && !(j->flow_seen & (1u << f)))
			return ovp_err(-ENOENT, "%s: no event of the recording carries this field "
				       "(record with an ovsperf-probe set with 'flow')",
				       pktfilter_opt_names[f]);
	}
	j->key = pktid_key_resolve(j->want_key, have_head);
	j->key_fell_back = j->want_key == PKTID_KEY_HEAD && !have_head;
	spanspec__warn_reused(s, "journey");
	if (j->key_fell_back)
		ovp_warn("--key head: no event carries skb->head; identifying packets by skb "
			 "address");
	j->ksyms = analyze_ctx__ksyms(j->base.ctx);
	j->writer = j->base.items;
	if (!j->writer)
		return ovp_err(-ENOSYS, "journey: no block writer registered");
	j->spool = tmpfile();
	if (!j->spool)
		return ovp_err(-errno, "journey: cannot create a temporary file");
	if (j->writer->header) {
		struct journey_header h = {
			.head_key = j->key == PKTID_KEY_HEAD,
			.key_fell_back = j->key_fell_back,
			.skb_asked = j->key != PKTID_KEY_HEAD && have_head,
			.events = (const char *const *)j->events_used,
			.nr_events = j->nr_used,
		};

		err = j->writer->header(&h, j->spool);
		if (err)
			return err;
	}
	err = pktid_table__new(&j->ids, j->key, j->max_inflight);
	if (err)
		return err;
	pktid_table__set_end_cb(j->ids, on_end, j);
	pktid_table__warn_at_cap(j->ids, "journey",
				 "the least recently seen lost their identity (their paths end "
				 "there, marked evicted; --max-inflight)");
	/* Blame: the intervals between a packet's events, no span queues (the
	 * oldest packet in flight says how much timeline is still needed). */
	if (!j->no_blame)
		err = blame__new(&j->blame, s, 0, NULL, NULL);
	/* In the default run latency says it already. */
	if (!err && j->blame && *blame__missing(j->blame) && !j->base.ctx->all_reports)
		ovp_warn("journey: blame without %s: the CPU state they change is not known "
			 "(ovsperf-probe's blame set records them)", blame__missing(j->blame));
	return err;
}

/*
 * Per event.
 */

/* Drop the CPU timelines before the last event of the least recently seen
 * packet in flight: no later interval starts earlier. */
static void prune_blame(struct journey *j, uint64_t now)
{
	const struct jpkt *p = (const struct jpkt *)(uintptr_t)pktid_table__oldest_user(j->ids);

	j->since_prune = 0;
	blame__prune_to(j->blame, p ? p->filt.last : now);
}

static int j_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	struct journey *j = container_of(tool, struct journey, tool);
	struct jmap *m;
	struct pktid_ref ref;
	struct jpkt *p;
	struct jev *e;
	uint64_t skb, head = 0;
	char dev[64];
	int res;

	if (j->err)
		return j->err;
	if (!sample->evsel || sample->evsel->idx >= j->nr_evsels)
		return 0;
	if (j->blame) {
		if (++j->since_prune >= JOURNEY_PRUNE_EVERY)
			prune_blame(j, sample->time);
		res = blame__event(j->blame, sample, sample->evsel->idx);
		if (res)
			return res < 0 ? res : 0;
	}
	m = &j->map[sample->evsel->idx];
	if (!m->used)
		return 0;
	skb = evdec_field__u64(&m->skb, sample);
	if (!skb) {
		j->nr_no_skb++;
		return 0;
	}
	if (evdec_field__resolved(&m->head))
		head = evdec_field__u64(&m->head, sample);
	res = pktid_table__event(j->ids, skb, head, m->kind, &ref);
	if (res < 0)
		return res;
	if (j->err)
		return j->err;
	if (res == PKTID_FOLLOWUP) {
		j->nr_followups++;
		return 0;
	}
	j->nr_events++;
	p = (struct jpkt *)(uintptr_t)*ref.user;
	if (!p) {
		p = pool_get(&j->pktpool);
		if (!p)
			return ovp_err(-ENOMEM, "journey: out of memory for packets in flight");
		p->id = ref.id;
		p->parent = ref.parent;
		p->skb = skb;
		p->filt.first = sample->time;
		*ref.user = (uint64_t)(uintptr_t)p;
	} else if (j->blame && sample->time > p->filt.last) {
		/* The interval since its last event, on this event's CPU (none
		 * for an event out of time order: a damaged file). */
		res = blame__add(j->blame, &p->blame, p->blame_ns, sample->cpu, p->filt.last,
				 sample->time);
		if (res)
			return res;
		p->blame_ns += sample->time - p->filt.last;
	}
	/* A clone may learn its parent after its first event (head seen later). */
	p->parent = ref.parent;
	if (!p->head)
		p->head = head;
	p->filt.last = sample->time;
	if ((int)sample->evsel->idx == j->through_idx)
		p->through = true;
	p->filt.cpu_hit |= pktfilter_cpu_ok(&j->filt, sample->cpu);
	pktfilter_fields__flow(&m->pf, sample, &p->filt.flow);
	if (p->nr >= j->max_events) {
		p->nr_over++;
		j->nr_over++;
		return 0;
	}
	e = pool_get(&j->evpool);
	if (!e)
		return ovp_err(-ENOMEM, "journey: out of memory for events in flight");
	e->time = sample->time;
	e->head = head;
	e->cpu = sample->cpu;
	e->tid = sample->tid;
	e->evsel = sample->evsel->idx;
	if (pktfilter_fields__dev(&m->pf, sample, dev, sizeof(dev))) {
		e->dev = devtab__intern(&j->devs, dev);
		if (e->dev)
			p->filt.dev_hit |= pktfilter_dev_ok(&j->filt, devtab__name(&j->devs, e->dev));
	}
	if (evdec_field__resolved(&m->len) && evdec_field__ok(&m->len, sample)) {
		e->len = evdec_field__u64(&m->len, sample);
		e->has_len = true;
	}
	if (evdec_field__resolved(&m->reason) && evdec_field__ok(&m->reason, sample)) {
		e->reason = evdec_field__u64(&m->reason, sample);
		e->has_reason = true;
	}
	if (evdec_field__resolved(&m->loc))
		e->loc = evdec_field__u64(&m->loc, sample);
	if (p->last)
		p->last->next = e;
	else
		p->first = e;
	p->last = e;
	p->nr++;
	return 0;
}

/*
 * End of a packet: filter, write the block, recycle.
 */

static bool keep_packet(struct journey *j, const struct jpkt *p)
{
	if ((uint64_t)p->nr + p->nr_over < j->min_events)
		return false;
	if (j->through_idx >= 0 && !p->through)
		return false;
	return pktfilter_match(&j->filt, &p->filt);
}

/* The packet's blame as the item's plain parts (names from the engine). */
static int blame_items(struct journey *j, const struct jpkt *p, struct journey_packet *item)
{
	const struct blame_item *it;
	size_t n = blame__items(j->blame, p->blame, p->blame_ns, &it);

	if (n > j->cap_bitems) {
		struct journey_blame *a = realloc(j->bitems, n * sizeof(*a));

		if (!a)
			return ovp_err(-ENOMEM, "journey: out of memory");
		j->bitems = a;
		j->cap_bitems = (uint32_t)n;
	}
	for (size_t i = 0; i < n; i++) {
		const struct blame_ent *e = blame__ent(j->blame, it[i].ent);
		struct journey_blame *x = &j->bitems[i];

		x->kind = e->kind == BLAME_TASK ? JOURNEY_BLAME_TASK :
			  e->kind == BLAME_SOFTIRQ ? JOURNEY_BLAME_SOFTIRQ :
			  e->kind == BLAME_HARDIRQ ? JOURNEY_BLAME_HARDIRQ :
			  e->kind == BLAME_IDLE ? JOURNEY_BLAME_IDLE : JOURNEY_BLAME_UNKNOWN;
		x->kind_name = blame_kind_name(e->kind);
		x->name = e->name;
		x->num = e->num;
		x->pid = e->pid;
		x->ns = it[i].ns;
		x->runnable_ns = it[i].runnable_ns;
	}
	item->blamed = true;
	item->blame = j->bitems;
	item->nr_blame = (uint32_t)n;
	return 0;
}

/* The packet as a plain item (names and strings resolved) to the writer. */
static int write_packet(struct journey *j, const struct jpkt *p, enum pktid_end why)
{
	struct journey_packet item = {
		.id = p->id,
		.parent = p->parent,
		.skb = p->skb,
		.head = p->head,
		.end = why == PKTID_END_FREED ? JOURNEY_FREED :
		       why == PKTID_END_EVICTED ? JOURNEY_EVICTED : JOURNEY_IN_FLIGHT,
		.first_ns = p->first ? p->first->time : 0,
		.last_ns = p->filt.last,
		.nr_events = p->nr + p->nr_over,
		.nr_not_kept = p->nr_over,
	};
	const struct jev *e;
	int err;

	if (p->nr > j->cap_items) {
		struct journey_event *a = realloc(j->items, p->nr * sizeof(*a));

		if (!a)
			return ovp_err(-ENOMEM, "journey: out of memory");
		j->items = a;
		j->cap_items = p->nr;
	}
	for (e = p->first; e; e = e->next) {
		struct journey_event *x = &j->items[item.nr++];

		x->event = pdata_session__evsel(j->s, e->evsel)->name;
		x->time_ns = e->time;
		x->cpu = e->cpu;
		x->tid = e->tid;
		x->comm = pdata_session__comm(j->s, e->tid);
		x->dev = e->dev ? devtab__name(&j->devs, e->dev) : NULL;
		x->has_len = e->has_len;
		x->len = e->len;
		x->head = e->head;
		x->reason = e->has_reason ? skbreason_table__name(j->map[e->evsel].reasons,
								  e->reason, x->reason_buf,
								  sizeof(x->reason_buf)) : NULL;
		x->location = NULL;
		if (e->loc) {
			ksyms__format(j->ksyms, e->loc, x->location_buf, sizeof(x->location_buf));
			x->location = x->location_buf;
		}
	}
	item.events = j->items;
	if (j->blame) {
		err = blame_items(j, p, &item);
		if (err)
			return err;
	}
	err = j->writer->packet(&item, j->spool);
	return err ? ovp_err(err, "journey: cannot write the spool file") : 0;
}

static void on_end(void *arg, uint64_t id, enum pktid_end why, uint64_t user)
{
	struct journey *j = arg;
	struct jpkt *p = (struct jpkt *)(uintptr_t)user;
	struct jev *e, *next;

	(void)id;
	if (!p)
		return;
	j->nr_packets++;
	if (!keep_packet(j, p)) {
		j->nr_filtered++;
	} else if (j->limit && j->nr_shown >= j->limit) {
		j->nr_limited++;
	} else {
		j->nr_shown++;
		if (p->parent)
			j->nr_clones_shown++;
		/* The default run's one document holds the summary only. */
		if (!j->base.ctx->json || !j->base.ctx->all_reports) {
			int err = write_packet(j, p, why);

			if (err && !j->err)
				j->err = err;
		}
	}
	for (e = p->first; e; e = next) {
		next = e->next;
		pool_put(&j->evpool, e);
	}
	if (j->blame)
		blame__put(j->blame, p->blame);
	pool_put(&j->pktpool, p);
}

static int j_lost(struct pdata_tool *tool, const struct pdata_lost *lost)
{
	struct journey *j = container_of(tool, struct journey, tool);

	if (lost->type == PERF_RECORD_LOST)
		j->nr_lost_events += lost->nr;
	return 0;
}

static int j_done(struct pdata_tool *tool, struct pdata_session *s)
{
	struct journey *j = container_of(tool, struct journey, tool);

	(void)s;
	if (j->ids)
		pktid_table__finish(j->ids);
	if (j->err)
		return j->err;
	if (j->spool && (fflush(j->spool) || ferror(j->spool)))
		return ovp_err(-EIO, "journey: cannot write the spool file");
	return 0;
}

/*
 * The model: reports.journey of the JSON document, the summary of the run
 * (the blocks went out while reading), plus for the text: _default_run (the
 * packets over the default limit are named differently), _identities (the
 * identity counts exist), _max_events and _lost_events.
 */
static int j_model(struct report *r, json_t **model)
{
	struct journey *j = container_of(r, struct journey, base);
	const struct pktid_counts *c = j->ids ? pktid_table__counts(j->ids) : NULL;
	json_t *o = json_object(), *evs = json_array();
	int i;

	json_object_set_new(o, "identity", json_string(pktid_key_name(j->key)));
	json_object_set_new(o, "identity_requested", json_string(pktid_key_name(j->want_key)));
	for (i = 0; i < j->nr_used; i++)
		json_array_append_new(evs, json_string(j->events_used[i]));
	json_object_set_new(o, "events", evs);
	json_object_set_new(o, "packets", json_integer(j->nr_packets));
	json_object_set_new(o, "packets_shown", json_integer(j->nr_shown));
	json_object_set_new(o, "packets_filtered", json_integer(j->nr_filtered));
	json_object_set_new(o, "packets_over_limit", json_integer(j->nr_limited));
	json_object_set_new(o, "events_total", json_integer(j->nr_events));
	json_object_set_new(o, "events_not_kept", json_integer(j->nr_over));
	json_object_set_new(o, "events_null_skb", json_integer(j->nr_no_skb));
	json_object_set_new(o, "kfree_skbmem_followups", json_integer(j->nr_followups));
	json_object_set_new(o, "freed", json_integer(c ? c->freed : 0));
	json_object_set_new(o, "in_flight_at_end", json_integer(c ? c->finished : 0));
	json_object_set_new(o, "evicted", json_integer(c ? c->evicted : 0));
	json_object_set_new(o, "max_inflight", json_integer(j->max_inflight));
	json_object_set_new(o, "clones", json_integer(c ? c->clones : 0));
	json_object_set_new(o, "head_changes", json_integer(c ? c->head_changes : 0));
	json_object_set_new(o, "max_in_flight_seen", json_integer(c ? c->max_live : 0));
	json_object_set_new(o, "_default_run", json_boolean(j->base.ctx->all_reports));
	json_object_set_new(o, "_identities", json_boolean(c));
	json_object_set_new(o, "_max_events", json_integer(j->max_events));
	json_object_set_new(o, "_lost_events", json_integer(j->nr_lost_events));
	*model = o;
	return 0;
}

/* The blocks written while reading (the framework copies them out in the
 * report's turn: other reports print before it in the default run). */
static FILE *j_spool(struct report *r)
{
	return container_of(r, struct journey, base)->spool;
}

static struct pdata_tool *j_tool(struct report *r)
{
	struct journey *j = container_of(r, struct journey, base);

	pdata_tool__init(&j->tool);
	j->tool.ready = j_ready;
	j->tool.sample = j_sample;
	j->tool.lost = j_lost;
	j->tool.done = j_done;
	return &j->tool;
}

static void j_destroy(struct report *r)
{
	struct journey *j;
	int k;

	if (!r)
		return;
	j = container_of(r, struct journey, base);
	pktid_table__delete(j->ids);
	blame__delete(j->blame);
	free(j->bitems);
	pool_exit(&j->evpool);
	pool_exit(&j->pktpool);
	devtab__exit(&j->devs);
	for (k = 0; j->map && k < j->nr_evsels; k++)
		skbreason_table__free(j->map[k].reasons);
	free(j->map);
	free(j->events_used);
	free(j->items);
	if (j->spool)
		fclose(j->spool);
	free(j);
}

/* In the default run when an event carries an skb: the first
 * JOURNEY_DEFAULT_LIMIT packets (all of them by name: `journey FILE`). */
static bool j_applicable(struct pdata_session *s)
{
	static const char *const skb_fields[] = { "skbaddr", "skb", NULL };
	struct evdec_field f;
	int i, n = pdata_session__nr_evsels(s);

	for (i = 0; i < n; i++)
		if (!evdec_field__find_any(&f, pdata_session__evsel(s, i), skb_fields))
			return true;
	return false;
}

const struct report_ops report_journey_ops = {
	.name = "journey",
	.json_key = "journey",
	.summary = "every packet's events in time order, one block per packet (clones linked)",
	.usage = j_usage,
	.options = j_options,
	.shortopts = NULL,
	.create = j_create,
	.option = j_option,
	.applicable = j_applicable,
	.tool = j_tool,
	.model = j_model,
	.destroy = j_destroy,
	.spool = j_spool,
	.json_lines = true,
};
