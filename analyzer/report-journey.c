// SPDX-License-Identifier: Apache-2.0
/*
 * report-journey.c - `ovsperf-analyze journey`: every packet's events in
 * time order, one block per packet, like `retis sort` (issue 11).
 *
 *	ready():   every event with an skb field (skbaddr / skb) joins, with
 *		   its head, device, length, flow and drop-reason fields
 *		   resolved once; the identity (--key) is chosen from what the
 *		   events carry (pktid.h)
 *	sample():  pktid_table__event() gives the event a packet; the event is
 *		   appended to that packet's list (pooled nodes, no malloc)
 *	end of a packet (free, eviction, end of recording): the filters are
 *		   applied and the block is written to a spool file (text, or
 *		   one JSON line), then the nodes go back to the pools
 *	emit_*():  header, the spool, the summary counters.
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

#include "analyze.h"
#include "ovsperf/evdec.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/strutil.h"
#include "devtab.h"
#include "pktid.h"
#include "skbreason.h"

extern const struct report_ops report_journey_ops;

#define POOL_CHUNK 1024

static const char *const dev_fields[] = { "dev", "name", "devname", "ifname", NULL };
static const char *const len_fields[] = { "len", "pkt_len", NULL };

enum flow_field { FL_SADDR, FL_DADDR, FL_SPORT, FL_DPORT, FL_PROTO, FL_NR };
static const char *const saddr_fields[] = { "saddr", "src_ip", "sip", NULL };
static const char *const daddr_fields[] = { "daddr", "dst_ip", "dip", NULL };
static const char *const sport_fields[] = { "sport", "src_port", NULL };
static const char *const dport_fields[] = { "dport", "dst_port", NULL };
/* "protocol" only on probes: skb:kfree_skb's protocol is the ethertype. */
static const char *const proto_fields[] = { "ip_proto", "l4_proto", "proto", NULL };
static const char *const proto_probe_fields[] = { "ip_proto", "l4_proto", "proto", "protocol",
						  NULL };
static const char *const *const flow_fields[FL_NR] = {
	saddr_fields, daddr_fields, sport_fields, dport_fields, proto_fields,
};

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
	uint64_t last_time;		/* of the last event, kept or not */
	bool through;			/* has a --through event */
	bool cpu_hit;			/* has an event on a --cpu CPU */
	bool dev_hit;			/* has an event on the --dev device */
	uint32_t flow_has;		/* bit per flow field seen */
	uint32_t flow[FL_NR];		/* first value seen of each */
};

/* Per event of the recording (indexed by evsel idx): fields resolved once. */
struct jmap {
	bool used;			/* has an skb field */
	enum pktid_ev kind;
	struct evdec_field skb, head, dev, len, reason, loc;
	struct evdec_field flow[FL_NR];
	bool probe;			/* a dynamic probe: ports in network order */
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
	long min_events;
	const char *through;
	long max_inflight;
	long max_events;
	long limit;			/* packets shown, 0 = all */
	bool has_cpu_filter;
	struct ovp_cpuset cpus;
	const char *dev_filter;
	bool has_flow_filter[FL_NR];
	uint32_t flow_filter[FL_NR];
	uint64_t time_start, time_end;

	/* Setup. */
	struct pdata_session *s;
	struct ksyms *ksyms;
	enum pktid_key key;		/* resolved */
	bool key_fell_back;		/* --key head without any head field */
	int nr_evsels;
	struct jmap *map;
	int through_idx;		/* -1 = none */
	int dev_filter_id;		/* device id + 1 of --dev, 0 = not seen yet */
	char **events_used;		/* names of the events followed */
	int nr_used;
	bool flow_seen[FL_NR];		/* some event carries this flow field */

	/* State. */
	struct pktid_table *ids;
	struct pool evpool, pktpool;
	struct devtab devs;		/* device names: jev.dev ids */
	FILE *spool;
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
	OPT_CPU,
	OPT_DEV,
	OPT_SRC_IP,
	OPT_DST_IP,
	OPT_SRC_PORT,
	OPT_DST_PORT,
	OPT_PROTOCOL,
	OPT_TIME,
};

static const struct option j_options[] = {
	{ "key", required_argument, NULL, OPT_KEY },
	{ "min-events", required_argument, NULL, OPT_MIN_EVENTS },
	{ "through", required_argument, NULL, OPT_THROUGH },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "max-events", required_argument, NULL, OPT_MAX_EVENTS },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "interface", required_argument, NULL, OPT_DEV },
	{ "src-ip", required_argument, NULL, OPT_SRC_IP },
	{ "dst-ip", required_argument, NULL, OPT_DST_IP },
	{ "src-port", required_argument, NULL, OPT_SRC_PORT },
	{ "dst-port", required_argument, NULL, OPT_DST_PORT },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "time", required_argument, NULL, OPT_TIME },
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
	"      --cpu LIST          packets with an event on a CPU of LIST (e.g. 0-3,7)\n"
	"      --dev, --interface NAME  packets with an event on device NAME\n"
	"      --src-ip A, --dst-ip A, --src-port N, --dst-port N, --protocol P\n"
	"                          flow filters (events must carry these fields)\n"
	"      --time START,END    packets whose events all lie within [START, END]\n"
	"                          (perf script timestamps, e.g. 911.43,911.50)\n"
	"  --json writes JSON Lines, one packet per line, then on the last line the\n"
	"  JSON document with the summary (ovsperf-json(7), reports.journey).\n";

static int parse_long(const char *opt, const char *arg, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0)
		return ovp_err(-EINVAL, "%s: expected a number >= 0, not '%s'", opt, arg);
	*out = v;
	return 0;
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
	j->time_end = UINT64_MAX;
	j->through_idx = -1;
	j->evpool.size = sizeof(struct jev);
	j->pktpool.size = sizeof(struct jpkt);
	*out = &j->base;
	return 0;
}

static int j_option(struct report *r, int key, const char *arg)
{
	struct journey *j = container_of(r, struct journey, base);
	struct in_addr a;
	long v;
	int err, f;

	switch (key) {
	case OPT_KEY:
		return pktid_key_parse(arg, &j->want_key);
	case OPT_MIN_EVENTS:
		return parse_long("--min-events", arg, &j->min_events);
	case OPT_THROUGH:
		j->through = arg;
		return 0;
	case OPT_MAX_INFLIGHT:
		err = parse_long("--max-inflight", arg, &j->max_inflight);
		if (!err && !j->max_inflight)
			return ovp_err(-EINVAL, "--max-inflight: must be > 0");
		return err;
	case OPT_MAX_EVENTS:
		err = parse_long("--max-events", arg, &j->max_events);
		if (!err && !j->max_events)
			return ovp_err(-EINVAL, "--max-events: must be > 0");
		return err;
	case OPT_LIMIT:
		return parse_long("--limit", arg, &j->limit);
	case OPT_CPU:
		err = ovp_parse_cpu_list(arg, &j->cpus);
		if (err)
			return ovp_err_prefix(err, "--cpu");
		j->has_cpu_filter = true;
		return 0;
	case OPT_DEV:
		j->dev_filter = arg;
		return 0;
	case OPT_SRC_IP:
	case OPT_DST_IP:
		if (inet_pton(AF_INET, arg, &a) != 1)
			return ovp_err(-EINVAL, "%s: expected an IPv4 address, not '%s'",
				       key == OPT_SRC_IP ? "--src-ip" : "--dst-ip", arg);
		f = key == OPT_SRC_IP ? FL_SADDR : FL_DADDR;
		j->has_flow_filter[f] = true;
		j->flow_filter[f] = a.s_addr;
		return 0;
	case OPT_SRC_PORT:
	case OPT_DST_PORT:
		err = parse_long(key == OPT_SRC_PORT ? "--src-port" : "--dst-port", arg, &v);
		if (err)
			return err;
		if (v > 65535)
			return ovp_err(-EINVAL, "port %ld out of range", v);
		f = key == OPT_SRC_PORT ? FL_SPORT : FL_DPORT;
		j->has_flow_filter[f] = true;
		j->flow_filter[f] = v;
		return 0;
	case OPT_PROTOCOL:
		if (!strcmp(arg, "tcp"))
			v = 6;
		else if (!strcmp(arg, "udp"))
			v = 17;
		else if (!strcmp(arg, "icmp"))
			v = 1;
		else if (!strcmp(arg, "sctp"))
			v = 132;
		else if (parse_long("--protocol", arg, &v) || v > 255)
			return ovp_err(-EINVAL, "--protocol: expected tcp, udp, icmp, sctp or a "
				       "number 0-255, not '%s'", arg);
		j->has_flow_filter[FL_PROTO] = true;
		j->flow_filter[FL_PROTO] = v;
		return 0;
	case OPT_TIME:
		err = ovp_parse_time_range(arg, &j->time_start, &j->time_end);
		return err ? ovp_err_prefix(err, "--time") : 0;
	default:
		return ovp_err(-EINVAL, "journey: unknown option");
	}
}

/*
 * Setup.
 */

static bool ev_matches(const struct pdata_evsel *ev, const char *pattern)
{
	const char *colon;

	if (!strcmp(ev->name, pattern))
		return true;
	if (strchr(pattern, ':'))
		return false;
	colon = strchr(ev->name, ':');
	return colon && !strcmp(colon + 1, pattern);
}

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
		struct evdec_field probe_ip;

		if (evdec_field__find_any(&m->skb, ev, pktid_skb_fields))
			continue;
		m->used = true;
		j->events_used[j->nr_used++] = ev->name;
		m->kind = pktid_event_kind(ev->name);
		m->probe = evdec_field__find(&probe_ip, ev, "__probe_ip") == 0;
		if (!evdec_field__find_any(&m->head, ev, pktid_head_fields))
			have_head = true;
		evdec_field__find_any(&m->dev, ev, dev_fields);
		evdec_field__find_any(&m->len, ev, len_fields);
		if (!evdec_field__find(&m->reason, ev, "reason")) {
			err = skbreason_table__new(&m->reasons, ev, "reason");
			if (err)
				return err;
		}
		if (m->kind != PKTID_EV_SEEN)
			evdec_field__find(&m->loc, ev, "location");
		for (f = 0; f < FL_NR; f++) {
			const char *const *names = flow_fields[f];

			if (f == FL_PROTO && m->probe)
				names = proto_probe_fields;
			if (!evdec_field__find_any(&m->flow[f], ev, names))
				j->flow_seen[f] = true;
		}
	}
	if (!j->nr_used)
		return ovp_err(-ENOENT, "no event of the recording carries an skb (skbaddr or skb "
			       "field): record net:*, skb:* or an ovsperf-probe skb set");
	if (j->through) {
		for (i = 0; i < j->nr_evsels; i++) {
			if (j->map[i].used && ev_matches(pdata_session__evsel(s, i), j->through)) {
				j->through_idx = i;
				break;
			}
		}
		if (j->through_idx < 0)
			return ovp_err(-ENOENT, "--through: no event '%s' with an skb in the "
				       "recording", j->through);
	}
	for (f = 0; f < FL_NR; f++) {
		static const char *const names[FL_NR] = {
			"--src-ip", "--dst-ip", "--src-port", "--dst-port", "--protocol",
		};

		if (j->has_flow_filter[f] && !j->flow_seen[f])
			return ovp_err(-ENOENT, "%s: no event of the recording carries this field "
				       "(record with an ovsperf-probe set with 'flow')", names[f]);
	}
	j->key = pktid_key_resolve(j->want_key, have_head);
	j->key_fell_back = j->want_key == PKTID_KEY_HEAD && !have_head;
	if (j->key_fell_back)
		ovp_warn("--key head: no event carries skb->head; identifying packets by skb "
			 "address");
	j->ksyms = analyze_ctx__ksyms(j->base.ctx);
	j->spool = tmpfile();
	if (!j->spool)
		return ovp_err(-errno, "journey: cannot create a temporary file");
	err = pktid_table__new(&j->ids, j->key, j->max_inflight);
	if (err)
		return err;
	pktid_table__set_end_cb(j->ids, on_end, j);
	return 0;
}

/*
 * Per event.
 */

static void read_flow(struct journey *j, const struct jmap *m, const struct pdata_sample *sample,
		      struct jpkt *p)
{
	char buf[64];
	int f;

	(void)j;
	for (f = 0; f < FL_NR; f++) {
		const struct evdec_field *fl = &m->flow[f];
		struct in_addr in;
		uint64_t v;

		if (!evdec_field__resolved(fl) || (p->flow_has & (1u << f)))
			continue;
		if (fl->is_string) {
			evdec_field__str(fl, sample, buf, sizeof(buf));
			if ((f == FL_SADDR || f == FL_DADDR) && inet_pton(AF_INET, buf, &in) == 1)
				v = in.s_addr;
			else
				v = strtoull(buf, NULL, 0);
		} else {
			/* Addresses are bytes in network order: read as a native u32
			 * they compare equal to inet_pton's s_addr. */
			v = evdec_field__u64(fl, sample);
			if ((f == FL_SPORT || f == FL_DPORT) && m->probe)
				v = ntohs((uint16_t)v);
		}
		p->flow[f] = (uint32_t)v;
		p->flow_has |= 1u << f;
	}
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
		*ref.user = (uint64_t)(uintptr_t)p;
	}
	/* A clone may learn its parent after its first event (head seen later). */
	p->parent = ref.parent;
	if (!p->head)
		p->head = head;
	p->last_time = sample->time;
	if ((int)sample->evsel->idx == j->through_idx)
		p->through = true;
	if (j->has_cpu_filter && ovp_cpuset__has(&j->cpus, sample->cpu))
		p->cpu_hit = true;
	read_flow(j, m, sample, p);
	if (p->nr >= (uint64_t)j->max_events) {
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
	if (evdec_field__resolved(&m->dev)) {
		evdec_field__str(&m->dev, sample, dev, sizeof(dev));
		e->dev = devtab__intern(&j->devs, dev);
		if (j->dev_filter && e->dev &&
		    !strcmp(devtab__name(&j->devs, e->dev), j->dev_filter))
			p->dev_hit = true;
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
	int f;

	if ((long)(p->nr + p->nr_over) < j->min_events)
		return false;
	if (j->through_idx >= 0 && !p->through)
		return false;
	if (j->has_cpu_filter && !p->cpu_hit)
		return false;
	if (j->dev_filter && !p->dev_hit)
		return false;
	for (f = 0; f < FL_NR; f++) {
		if (j->has_flow_filter[f] &&
		    (!(p->flow_has & (1u << f)) || p->flow[f] != j->flow_filter[f]))
			return false;
	}
	if (p->first && (p->first->time < j->time_start || p->last_time > j->time_end))
		return false;
	return true;
}

static const char *end_name(enum pktid_end why)
{
	switch (why) {
	case PKTID_END_FREED:
		return "freed";
	case PKTID_END_EVICTED:
		return "evicted";
	default:
		return "in flight at the end";
	}
}

static const char *reason_name(struct journey *j, const struct jev *e, char *buf, size_t len)
{
	return skbreason_table__name(j->map[e->evsel].reasons, e->reason, buf, len);
}

static void write_text(struct journey *j, const struct jpkt *p, enum pktid_end why)
{
	const struct jev *e;
	FILE *out = j->spool;
	uint64_t prev = 0, t0 = p->first ? p->first->time : 0;
	char ts[32], buf[160], rbuf[32];

	fprintf(out, "packet %" PRIu64, p->id);
	if (p->parent)
		fprintf(out, " (clone of packet %" PRIu64 ")", p->parent);
	fprintf(out, "  skb 0x%" PRIx64, p->skb);
	if (p->head)
		fprintf(out, "  head 0x%" PRIx64, p->head);
	fprintf(out, "  %" PRIu32 " event%s  %.3f us  %s\n", p->nr + p->nr_over,
		p->nr + p->nr_over == 1 ? "" : "s", (p->last_time - t0) / 1000.0, end_name(why));
	fprintf(out, "  %-18s %12s %12s %4s  %-20s %-14s %s\n", "TIME", "+PREV(us)", "+FIRST(us)",
		"CPU", "THREAD", "DEVICE", "EVENT");
	for (e = p->first; e; e = e->next) {
		const char *comm = pdata_session__comm(j->s, e->tid);
		char thread[64];

		snprintf(thread, sizeof(thread), "%s/%" PRIu32, comm ? comm : "?", e->tid);
		fprintf(out, "  %-18s %12.3f %12.3f %4" PRIu32 "  %-20s %-14s %s",
			ovp_fmt_ns(e->time, ts, sizeof(ts)),
			e == p->first ? 0.0 : (e->time - prev) / 1000.0, (e->time - t0) / 1000.0,
			e->cpu, thread, e->dev ? devtab__name(&j->devs, e->dev) : "-",
			pdata_session__evsel(j->s, e->evsel)->name);
		if (e->has_len)
			fprintf(out, " len=%" PRIu32, e->len);
		if (e->head && e->head != p->head)
			fprintf(out, " head=0x%" PRIx64, e->head);
		if (e->has_reason)
			fprintf(out, " reason=%s", reason_name(j, e, rbuf, sizeof(rbuf)));
		if (e->loc) {
			ksyms__format(j->ksyms, e->loc, buf, sizeof(buf));
			fprintf(out, " at %s", buf);
		}
		fputc('\n', out);
		prev = e->time;
	}
	if (p->nr_over)
		fprintf(out, "  [... %" PRIu32 " more events not kept; --max-events]\n",
			p->nr_over);
	fputc('\n', out);
}

static char *hex(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

static int write_json(struct journey *j, const struct jpkt *p, enum pktid_end why)
{
	json_t *o = json_object(), *evs = json_array();
	const struct jev *e;
	uint64_t prev = 0, t0 = p->first ? p->first->time : 0;
	char buf[160];
	int err;

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "parent", p->parent ? json_integer(p->parent) : json_null());
	json_object_set_new(o, "skb", json_string(hex(p->skb, buf, sizeof(buf))));
	json_object_set_new(o, "head", p->head ? json_string(hex(p->head, buf, sizeof(buf))) :
						 json_null());
	json_object_set_new(o, "end", json_string(why == PKTID_END_FREED ? "freed" :
						  why == PKTID_END_EVICTED ? "evicted" :
						  "in_flight"));
	json_object_set_new(o, "first_ns", json_integer(t0));
	json_object_set_new(o, "last_ns", json_integer(p->last_time));
	json_object_set_new(o, "duration_ns", json_integer(p->last_time - t0));
	json_object_set_new(o, "nr_events", json_integer(p->nr + p->nr_over));
	json_object_set_new(o, "events_not_kept", json_integer(p->nr_over));
	for (e = p->first; e; e = e->next) {
		json_t *ev = json_object();
		const char *comm = pdata_session__comm(j->s, e->tid);

		json_object_set_new(ev, "event",
				    json_string(pdata_session__evsel(j->s, e->evsel)->name));
		json_object_set_new(ev, "time_ns", json_integer(e->time));
		json_object_set_new(ev, "delta_ns",
				    json_integer(e == p->first ? 0 : e->time - prev));
		json_object_set_new(ev, "since_first_ns", json_integer(e->time - t0));
		json_object_set_new(ev, "cpu", json_integer(e->cpu));
		json_object_set_new(ev, "tid", json_integer(e->tid));
		json_object_set_new(ev, "comm", comm ? json_string(comm) : json_null());
		json_object_set_new(ev, "dev", e->dev ? json_string(devtab__name(&j->devs, e->dev))
						: json_null());
		if (e->has_len)
			json_object_set_new(ev, "len", json_integer(e->len));
		if (e->head)
			json_object_set_new(ev, "head",
					    json_string(hex(e->head, buf, sizeof(buf))));
		if (e->has_reason) {
			char rbuf[32];

			json_object_set_new(ev, "reason",
					    json_string(reason_name(j, e, rbuf, sizeof(rbuf))));
		}
		if (e->loc) {
			ksyms__format(j->ksyms, e->loc, buf, sizeof(buf));
			json_object_set_new(ev, "location", json_string(buf));
		}
		json_array_append_new(evs, ev);
		prev = e->time;
	}
	json_object_set_new(o, "events", evs);
	err = json_dumpf(o, j->spool, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', j->spool);
	json_decref(o);
	return err ? ovp_err(-EIO, "journey: cannot write the spool file") : 0;
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
	} else if (j->limit && j->nr_shown >= (uint64_t)j->limit) {
		j->nr_limited++;
	} else {
		j->nr_shown++;
		if (p->parent)
			j->nr_clones_shown++;
		if (j->base.ctx->json) {
			int err = write_json(j, p, why);

			if (err && !j->err)
				j->err = err;
		} else {
			write_text(j, p, why);
		}
	}
	for (e = p->first; e; e = next) {
		next = e->next;
		pool_put(&j->evpool, e);
	}
	pool_put(&j->pktpool, p);
}

static int j_lost(struct pdata_tool *tool, const union perf_event *event,
		  const struct pdata_sample *sample)
{
	struct journey *j = container_of(tool, struct journey, tool);

	(void)sample;
	if (event->header.type == PERF_RECORD_LOST)
		j->nr_lost_events += event->lost.lost;
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
 * Output.
 */

static const char *identity_text(const struct journey *j)
{
	if (j->key == PKTID_KEY_HEAD)
		return "(skb->head, skb) as retis: clones share the head and are linked to "
		       "their parent; free events end an skb";
	return "skb address, free events as boundaries (no event carries skb->head: clones "
	       "are not linked)";
}

static int copy_spool(struct journey *j, FILE *out)
{
	char buf[65536];
	size_t n;

	if (!j->spool)
		return 0;
	rewind(j->spool);
	while ((n = fread(buf, 1, sizeof(buf), j->spool)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			return ovp_err(-EIO, "cannot write the output");
	}
	return ferror(j->spool) ? ovp_err(-EIO, "journey: cannot read the spool file") : 0;
}

static int j_emit_text(struct report *r, FILE *out)
{
	struct journey *j = container_of(r, struct journey, base);
	const struct pktid_counts *c = j->ids ? pktid_table__counts(j->ids) : NULL;
	int i, err;

	fprintf(out, "JOURNEY: every packet's events in time order (blocks in the order the "
		"packets end)\n");
	fprintf(out, "Identity: %s%s\n", identity_text(j),
		j->key_fell_back ? " [--key head asked]" : "");
	fprintf(out, "Events followed:");
	for (i = 0; i < j->nr_used; i++)
		fprintf(out, "%s%s", i ? ", " : " ", j->events_used[i]);
	fprintf(out, "\n\n");
	err = copy_spool(j, out);
	if (err)
		return err;
	fprintf(out, "Packets: %" PRIu64 " shown", j->nr_shown);
	if (j->nr_filtered)
		fprintf(out, ", %" PRIu64 " filtered out", j->nr_filtered);
	if (j->nr_limited)
		fprintf(out, ", %" PRIu64 " over --limit", j->nr_limited);
	fprintf(out, " (of %" PRIu64 "; %" PRIu64 " events)\n", j->nr_packets, j->nr_events);
	if (c) {
		fprintf(out, "Identities: %" PRIu64 " freed, %" PRIu64 " in flight at the end, %"
			PRIu64 " evicted (--max-inflight %ld), %" PRIu64 " clones, at most %"
			PRIu64 " in flight\n", c->freed, c->finished, c->evicted, j->max_inflight,
			c->clones, c->max_live);
		if (c->head_changes)
			fprintf(out, "Head changes (data reallocated under a live skb): %" PRIu64
				"\n", c->head_changes);
	}
	if (j->nr_followups)
		fprintf(out, "kfree_skbmem events folded into the free just before: %" PRIu64
			"\n", j->nr_followups);
	if (j->nr_over)
		fprintf(out, "Events not kept (--max-events %ld): %" PRIu64 "\n", j->max_events,
			j->nr_over);
	if (j->nr_no_skb)
		fprintf(out, "Events with a null skb (ignored): %" PRIu64 "\n", j->nr_no_skb);
	if (j->nr_lost_events)
		fprintf(out, "Warning: %" PRIu64 " events were lost: journeys around the losses "
			"are incomplete\n", j->nr_lost_events);
	return 0;
}

/*
 * JSON: the packets are JSON Lines written to stdout here, one per line;
 * reports.journey in the document that follows holds the summary (also the
 * part of the --html page).
 */
static int j_emit_json(struct report *r, json_t *reports)
{
	struct journey *j = container_of(r, struct journey, base);
	const struct pktid_counts *c = j->ids ? pktid_table__counts(j->ids) : NULL;
	json_t *o = json_object(), *evs = json_array();
	int i, err;

	/* With --html alone the model is built for the page and the text blocks
	 * are printed by emit_text(): only --json writes the packet lines. */
	if (j->base.ctx->json) {
		err = copy_spool(j, stdout);
		if (err) {
			json_decref(o);
			json_decref(evs);
			return err;
		}
		fflush(stdout);
	}
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
	json_object_set_new(reports, "journey", o);
	return 0;
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
	pool_exit(&j->evpool);
	pool_exit(&j->pktpool);
	devtab__exit(&j->devs);
	for (k = 0; j->map && k < j->nr_evsels; k++)
		skbreason_table__free(j->map[k].reasons);
	free(j->map);
	free(j->events_used);
	if (j->spool)
		fclose(j->spool);
	free(j);
}

/* Not part of the default run: a journey is one block per packet of the
 * whole recording; ask for it by name. */
static bool j_applicable(struct pdata_session *s)
{
	(void)s;
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
	.emit_text = j_emit_text,
	.emit_json = j_emit_json,
	.destroy = j_destroy,
	.json_lines = true,
};
