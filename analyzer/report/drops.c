// SPDX-License-Identifier: Apache-2.0
/*
 * report/drops.c - `ovsperf-analyze drops`: where and why packets are
 * dropped, from skb:kfree_skb (with its drop reason where the
 * kernel has it) and Open vSwitch's own drop points when recorded.
 * In the pipeline: the report layer, between the packet identity engine
 * (engine/pktid.c) and the writers, which read only its model
 * (out/text-drops.c for the text; the model itself is reports.drops).
 *
 *	ready():   drop events (skb:kfree_skb, probes named ovs_kfree_skb_reason
 *		   or ovs_drop) and normal frees (skb:consume_skb) resolved;
 *		   every other event with an skb and a device feeds a packet
 *		   identity table (engine/pktid.h) whose slot is the last device seen,
 *		   so a drop is charged to the device its packet last passed
 *	sample():  counts by reason, by (reason, location), by device, by
 *		   flow, first/last time, kernel callchains (-g)
 *	model():   reports.drops of the JSON document, locations symbolized
 *		   and devices and flows named, plus _reason_names for the text.
 *
 * Normal frees are kept apart, as the kernel itself separates them:
 * consume_skb, and kfree_skb with reason CONSUMED / NOT_DROPPED_YET
 * (skbreason_is_normal()).  NOT_SPECIFIED is a drop: kfree_skb() called
 * without a reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/hash.h"
#include "ovsperf/intern.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/strutil.h"
#include "decode/devtab.h"
#include "decode/pktfilter.h"
#include "engine/pktid.h"
#include "decode/skbreason.h"
#include "report/report.h"

extern const struct report_ops report_drops_ops;

#define MAX_FRAMES 16

/* A count with first and last time, keyed by a string id or an address. */
struct dcount {
	uint64_t key;			/* address, device id, or flow id */
	uint64_t count;
	uint64_t first, last;
};

/* A growable list of counts (few entries: linear search). */
struct dlist {
	struct dcount *v;
	size_t nr, cap;
};

/* One drop reason (or the normal-free class). */
struct dreason {
	char *name;
	uint64_t value;			/* raw reason value (first seen) */
	bool has_value;
	uint64_t count;
	uint64_t first, last;
	struct dlist locs;		/* by location address */
	struct dlist devs;		/* by device id + 1 (0 = unknown) */
};

/* A distinct kernel callchain of one reason (chains[id - 1] for the id its
 * key has in chain_ids). */
struct dchain {
	uint32_t reason;		/* index in reasons */
	uint32_t nr;
	uint64_t count;
	uint64_t ips[MAX_FRAMES];
};

/* Most distinct flows and callchains kept (ovsperf-analyze(1), LIMITS). */
#define DROPS_MAX_FLOWS 65536
#define DROPS_MAX_CHAINS 65536

/* What an event of the recording is to this report. */
enum dkind { DK_NONE, DK_PATH, DK_DROP, DK_OVS_DROP, DK_CONSUME };

struct dmap {
	enum dkind kind;
	enum pktid_ev free_kind;
	struct evdec_field skb, head, reason, loc;
	struct pktfilter_fields pf;	/* device; flow on probes ('flow' sets) */
	bool has_flow;
	struct skbreason_table *reasons;
};

/* CPUs whose last drop event is remembered; a CPU sharing a slot with
 * another that dropped in between is not merged, which needs over 1024 CPUs. */
#define DROPS_CPU_SLOTS 1024

struct drop_cpu_last {
	uint64_t skb;
	uint32_t cpu;
	bool ovs;			/* an OVS drop probe, else skb:kfree_skb */
	bool used;
};

struct drops {
	struct report base;
	struct pdata_tool tool;

	/* Options. */
	enum pktid_key want_key;
	uint64_t top;
	struct pktfilter filt;		/* --time only */

	/* Setup. */
	struct pdata_session *s;
	struct ksyms *ksyms;
	enum pktid_key key;
	int nr_evsels;
	struct dmap *map;
	bool has_reason_field;		/* some drop event has a reason */
	bool has_dev;			/* device known for drops (field or path) */
	bool has_flow;
	bool has_callchains;
	char **drop_events;		/* names of the drop events */
	int nr_drop_events;
	size_t nr_reason_syms;

	/* State. */
	struct pktid_table *ids;
	struct dreason *reasons;	/* drops */
	size_t nr_reasons, cap_reasons;
	struct dreason normal;		/* consume_skb + kfree_skb CONSUMED */
	uint64_t nr_consume, nr_kfree_consumed;
	struct dlist locs;		/* all drops by location */
	struct dlist devs;		/* all drops by device */
	/* Interned flows (dlist key = index + 1): the drop event's own flow
	 * fields, else the first flow fields seen on its packet. */
	struct ovp_intern flows;	/* struct pktfilter_flow, by flow id */
	struct dlist flow_counts;
	struct dchain *chains;
	size_t nr_chains, cap_chains;
	struct ovp_intern chain_ids;	/* (reason, kernel ips) -> index + 1 in chains */
	struct devtab devnames;		/* device ids of the counts */
	uint64_t nr_drops, first, last;
	uint64_t nr_lost_events;
	/* The last drop event of each CPU (slot cpu % DROPS_CPU_SLOTS), to count
	 * once a drop that both an OVS drop probe and skb:kfree_skb saw. */
	struct drop_cpu_last last_drop[DROPS_CPU_SLOTS];
	uint64_t nr_seen_twice;
	int err;
};

enum {
	OPT_KEY = 256,
	OPT_TOP,
};

static const struct option d_options[] = {
	{ "key", required_argument, NULL, OPT_KEY },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "time", required_argument, NULL, PKTFILTER_OPT_TIME },
	{ NULL, 0, NULL, 0 },
};

static const char d_usage[] =
	"      --key auto|skb|head  packet identity used to charge a drop to the device\n"
	"                          its packet last passed (default auto, see journey)\n"
	"      --top N             callchains shown per reason when recorded with -g\n"
	"                          (default 3)\n"
	"      --time START,END    drops within [START, END] (perf script timestamps)\n"
	"  Drop locations are symbolized with the recording's kallsyms or --kallsyms.\n";

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * size);
	if (!p)
		return ovp_err(-ENOMEM, "drops: out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

static int dlist_add(struct dlist *l, uint64_t key, uint64_t time)
{
	size_t i;
	int err;

	for (i = 0; i < l->nr; i++) {
		if (l->v[i].key == key) {
			l->v[i].count++;
			l->v[i].last = time;
			return 0;
		}
	}
	err = grow((void **)&l->v, &l->cap, l->nr, sizeof(*l->v));
	if (err)
		return err;
	l->v[l->nr].key = key;
	l->v[l->nr].count = 1;
	l->v[l->nr].first = l->v[l->nr].last = time;
	l->nr++;
	return 0;
}

static int cmp_dcount(const void *a, const void *b)
{
	const struct dcount *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void dlist_sort(struct dlist *l)
{
	if (l->nr > 1)
		qsort(l->v, l->nr, sizeof(*l->v), cmp_dcount);
}

static int d_create(struct report **out, struct analyze_ctx *ctx)
{
	struct drops *d = calloc(1, sizeof(*d));

	if (!d)
		return ovp_err(-ENOMEM, "out of memory");
	d->base.ops = &report_drops_ops;
	ovp_intern__init(&d->flows, DROPS_MAX_FLOWS);
	ovp_intern__init(&d->chain_ids, DROPS_MAX_CHAINS);
	d->base.ctx = ctx;
	d->want_key = PKTID_KEY_AUTO;
	d->top = 3;
	pktfilter_init(&d->filt);
	d->normal.name = "normal free";
	*out = &d->base;
	return 0;
}

static int d_option(struct report *r, int key, const char *arg)
{
	struct drops *d = container_of(r, struct drops, base);

	switch (key) {
	case OPT_KEY:
		return pktid_key_parse(arg, &d->want_key);
	case OPT_TOP:
		return ovp_parse_uint_opt("--top", arg, 0, INT64_MAX, &d->top);
	case PKTFILTER_OPT_TIME:
		return pktfilter_option(&d->filt, key, arg);
	default:
		return ovp_err(-EINVAL, "drops: unknown option");
	}
}

static bool is_ovs_drop(const char *name)
{
	const char *ev = strchr(name, ':');

	ev = ev ? ev + 1 : name;
	return !strcmp(ev, "ovs_kfree_skb_reason") || !strcmp(ev, "ovs_drop");
}

static int d_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct drops *d = container_of(tool, struct drops, tool);
	bool have_head = false, path_dev = false;
	int i, err;

	d->s = s;
	d->nr_evsels = pdata_session__nr_evsels(s);
	d->map = calloc(d->nr_evsels ? d->nr_evsels : 1, sizeof(*d->map));
	d->drop_events = calloc(d->nr_evsels ? d->nr_evsels : 1, sizeof(*d->drop_events));
	if (!d->map || !d->drop_events)
		return ovp_err(-ENOMEM, "out of memory");
	for (i = 0; i < d->nr_evsels; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		struct dmap *m = &d->map[i];

		if (evdec_field__find_any(&m->skb, ev, pktid_skb_fields))
			continue;
		m->free_kind = pktid_event_kind(ev->name);
		if (!evdec_field__find_any(&m->head, ev, pktid_head_fields))
			have_head = true;
		/* Flow fields only on probes (kfree_skb's protocol is an ethertype). */
		pktfilter_fields__resolve(&m->pf, ev, PKTFILTER_PROBES_ONLY);
		m->has_flow = m->pf.has != 0;
		d->has_flow |= m->has_flow;
		if (!strcmp(ev->name, "skb:kfree_skb"))
			m->kind = DK_DROP;
		else if (is_ovs_drop(ev->name))
			m->kind = DK_OVS_DROP;
		else if (!strcmp(ev->name, "skb:consume_skb"))
			m->kind = DK_CONSUME;
		else
			m->kind = DK_PATH;
		if (m->kind == DK_PATH) {
			if (pktfilter_fields__has_dev(&m->pf) || m->has_flow)
				path_dev = true;
			continue;
		}
		evdec_field__find(&m->loc, ev, "location");
		if (m->kind == DK_CONSUME)
			continue;
		d->drop_events[d->nr_drop_events++] = ev->name;
		if (pktfilter_fields__has_dev(&m->pf))
			d->has_dev = true;
		if (!evdec_field__find(&m->reason, ev, "reason")) {
			d->has_reason_field = true;
			err = skbreason_table__new(&m->reasons, ev, "reason");
			if (err)
				return err;
			d->nr_reason_syms += skbreason_table__count(m->reasons);
		}
	}
	if (!d->nr_drop_events)
		return ovp_err(-ENOENT, "no drop event in the recording: record skb:kfree_skb "
			       "(and skb:consume_skb for the normal frees)");
	/* Path events with a device or a flow: follow packets (pktid) so that
	 * a drop is charged to what its packet carried last. */
	if (path_dev)
		d->has_dev = true;
	d->key = pktid_key_resolve(d->want_key, have_head);
	d->ksyms = analyze_ctx__ksyms(d->base.ctx);
	if (path_dev) {
		err = pktid_table__new(&d->ids, d->key, 1000000);
		if (err)
			return err;
		pktid_table__warn_at_cap(d->ids, "drops",
					 "the least recently seen lost their identity (their drops "
					 "are charged only to a device they pass after that)");
	}
	return 0;
}

static struct dreason *find_reason(struct drops *d, const char *name, uint64_t value,
				   bool has_value)
{
	size_t i;

	for (i = 0; i < d->nr_reasons; i++) {
		if (!strcmp(d->reasons[i].name, name))
			return &d->reasons[i];
	}
	if (grow((void **)&d->reasons, &d->cap_reasons, d->nr_reasons, sizeof(*d->reasons)))
		return NULL;
	memset(&d->reasons[d->nr_reasons], 0, sizeof(d->reasons[0]));
	d->reasons[d->nr_reasons].name = strdup(name);
	if (!d->reasons[d->nr_reasons].name)
		return NULL;
	d->reasons[d->nr_reasons].value = value;
	d->reasons[d->nr_reasons].has_value = has_value;
	return &d->reasons[d->nr_reasons++];
}

/* Count the kernel part of the sample's callchain under @reason. */
static int add_chain(struct drops *d, const struct pdata_sample *sample, uint32_t reason)
{
	/* The key: the reason, then the kernel frames. */
	uint64_t key[1 + MAX_FRAMES], *ips = key + 1;
	uint32_t nr = 0, id;
	bool kernel = true;
	size_t i;
	int err;

	for (i = 0; i < sample->callchain.nr && nr < MAX_FRAMES; i++) {
		uint64_t ip = sample->callchain.ips[i];

		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			kernel = ip == (uint64_t)PERF_CONTEXT_KERNEL;
			continue;
		}
		if (kernel)
			ips[nr++] = ip;
	}
	if (!nr)
		return 0;
	d->has_callchains = true;
	key[0] = reason;
	err = grow((void **)&d->chains, &d->cap_chains, d->nr_chains, sizeof(*d->chains));
	if (err)
		return err;
	err = ovp_intern__put(&d->chain_ids, key, (1 + nr) * sizeof(*key), &id);
	if (err == OVP_HMAP_FULL)
		ovp_warn_cap("drops: more than %d distinct kernel callchains: the drops of the "
			     "others are not in the callchain tables", DROPS_MAX_CHAINS);
	if (err < 0)
		return ovp_err(err, "drops: out of memory");
	if (!id)
		return 0;
	if (id <= d->nr_chains) {
		d->chains[id - 1].count++;
		return 0;
	}
	d->chains[d->nr_chains].reason = reason;
	d->chains[d->nr_chains].nr = nr;
	d->chains[d->nr_chains].count = 1;
	memcpy(d->chains[d->nr_chains].ips, ips, nr * sizeof(*ips));
	d->nr_chains++;
	return 0;
}

/* Flow id of @f, added if new; 0 when out of memory or past the cap (one
 * warning).  Hashed: called once per packet of a path event with flow fields. */
static uint32_t intern_flow(struct drops *d, const struct pktfilter_flow *f)
{
	uint32_t id;

	if (ovp_intern__put(&d->flows, f, sizeof(*f), &id) == OVP_HMAP_FULL)
		ovp_warn_cap("drops: more than %d distinct flows: the drops of the others are not "
			     "in the flow table", DROPS_MAX_FLOWS);
	return id;
}

static uint32_t read_flow(struct drops *d, const struct dmap *m, const struct pdata_sample *s)
{
	struct pktfilter_flow f;

	memset(&f, 0, sizeof(f));
	pktfilter_fields__flow(&m->pf, s, &f);
	return intern_flow(d, &f);
}

/*
 * Open vSwitch drops a packet with ovs_kfree_skb_reason(), which calls
 * kfree_skb_reason(): a recording with both a probe on it (or an ovs_drop
 * probe) and skb:kfree_skb sees that drop twice, one event right after the
 * other on the same CPU, for the same skb.  True when the drop event of
 * @skb on @cpu is the second of such a pair: the CPU's previous drop event
 * was of the same skb from the other kind of event.  The pair is counted
 * once, under the first event's reason.
 */
static bool seen_twice(struct drops *d, uint32_t cpu, uint64_t skb, bool ovs)
{
	struct drop_cpu_last *l = &d->last_drop[cpu % DROPS_CPU_SLOTS];
	bool twice = skb && l->used && l->cpu == cpu && l->skb == skb && l->ovs != ovs;

	/* The second of a pair closes it: a third event is a drop again. */
	l->used = !twice;
	l->cpu = cpu;
	l->skb = skb;
	l->ovs = ovs;
	return twice;
}

static int d_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	struct drops *d = container_of(tool, struct drops, tool);
	struct pktid_ref ref = { 0 };
	struct dreason *r;
	struct dmap *m;
	uint64_t skb, head = 0, loc = 0, value = 0;
	uint32_t dev = 0, flow = 0;
	char buf[64], rbuf[32];
	const char *name;
	bool has_value = false;
	int res, err;

	if (!sample->evsel || sample->evsel->idx >= d->nr_evsels)
		return 0;
	m = &d->map[sample->evsel->idx];
	if (m->kind == DK_NONE)
		return 0;
	skb = evdec_field__u64(&m->skb, sample);
	if (pktfilter_fields__dev(&m->pf, sample, buf, sizeof(buf)))
		dev = devtab__intern(&d->devnames, buf);
	/* Follow packets to know the device a dropped one last passed. */
	if (d->ids && skb) {
		if (evdec_field__resolved(&m->head))
			head = evdec_field__u64(&m->head, sample);
		res = pktid_table__event(d->ids, skb, head, m->free_kind, &ref);
		if (res < 0)
			return res;
		/* The slot: last device (low 32 bits), first flow (high 32 bits). */
		if (ref.user) {
			uint32_t sdev = (uint32_t)*ref.user, sflow = *ref.user >> 32;

			if (dev)
				sdev = dev;
			if (!sflow && m->has_flow)
				sflow = read_flow(d, m, sample);
			*ref.user = (uint64_t)sflow << 32 | sdev;
			dev = sdev;
			flow = sflow;
		}
	}
	if (m->kind == DK_PATH)
		return 0;
	if (!pktfilter_match_sample(&d->filt, &m->pf, sample))
		return 0;
	if (evdec_field__resolved(&m->loc))
		loc = evdec_field__u64(&m->loc, sample);
	if (evdec_field__resolved(&m->reason) && evdec_field__ok(&m->reason, sample)) {
		value = evdec_field__u64(&m->reason, sample);
		has_value = true;
		name = skbreason_table__name(m->reasons, value, rbuf, sizeof(rbuf));
	} else {
		name = m->kind == DK_OVS_DROP ? "OVS_DROP" : "(no reason recorded)";
	}
	if (m->kind == DK_CONSUME || (m->kind == DK_DROP && skbreason_is_normal(name))) {
		r = &d->normal;
		if (m->kind == DK_CONSUME)
			d->nr_consume++;
		else
			d->nr_kfree_consumed++;
	} else {
		if (seen_twice(d, sample->cpu, skb, m->kind == DK_OVS_DROP)) {
			d->nr_seen_twice++;
			return 0;
		}
		r = find_reason(d, name, value, has_value);
		if (!r)
			return ovp_err(-ENOMEM, "drops: out of memory");
		if (!d->nr_drops++)
			d->first = sample->time;
		d->last = sample->time;
		err = dlist_add(&d->locs, loc, sample->time);
		err = err ?: dlist_add(&d->devs, dev, sample->time);
		if (m->has_flow)
			flow = read_flow(d, m, sample);
		if (!err && flow)
			err = dlist_add(&d->flow_counts, flow, sample->time);
		err = err ?: add_chain(d, sample, r - d->reasons);
		if (err)
			return err;
	}
	if (!r->count++)
		r->first = sample->time;
	r->last = sample->time;
	err = dlist_add(&r->locs, loc, sample->time);
	return err ?: dlist_add(&r->devs, dev, sample->time);
}

static int d_lost(struct pdata_tool *tool, const struct pdata_lost *lost)
{
	struct drops *d = container_of(tool, struct drops, tool);

	if (lost->type == PERF_RECORD_LOST)
		d->nr_lost_events += lost->nr;
	return 0;
}

static int cmp_reason(const void *a, const void *b)
{
	const struct dreason *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int d_done(struct pdata_tool *tool, struct pdata_session *s)
{
	struct drops *d = container_of(tool, struct drops, tool);
	size_t i;

	(void)s;
	/* Chains refer to reasons by index: re-index them after the sort. */
	if (d->nr_reasons > 1) {
		size_t *newidx = calloc(d->nr_reasons, sizeof(*newidx));
		struct dreason *copy = malloc(d->nr_reasons * sizeof(*copy));

		if (!newidx || !copy) {
			free(newidx);
			free(copy);
			return ovp_err(-ENOMEM, "out of memory");
		}
		memcpy(copy, d->reasons, d->nr_reasons * sizeof(*copy));
		qsort(d->reasons, d->nr_reasons, sizeof(*d->reasons), cmp_reason);
		for (i = 0; i < d->nr_reasons; i++) {
			size_t k;

			for (k = 0; k < d->nr_reasons; k++) {
				if (d->reasons[k].name == copy[i].name)
					newidx[i] = k;
			}
		}
		for (i = 0; i < d->nr_chains; i++)
			d->chains[i].reason = newidx[d->chains[i].reason];
		free(newidx);
		free(copy);
	}
	for (i = 0; i < d->nr_reasons; i++) {
		dlist_sort(&d->reasons[i].locs);
		dlist_sort(&d->reasons[i].devs);
	}
	dlist_sort(&d->normal.locs);
	dlist_sort(&d->locs);
	dlist_sort(&d->devs);
	dlist_sort(&d->flow_counts);
	return 0;
}

/*
 * Output.
 */

static const char *loc_str(struct drops *d, uint64_t addr, char *buf, size_t len)
{
	if (!addr)
		snprintf(buf, len, "(none)");
	else
		ksyms__format(d->ksyms, addr, buf, len);
	return buf;
}

static const char *dev_str(struct drops *d, uint64_t id)
{
	return id ? devtab__name(&d->devnames, id) : "(unknown)";
}

static const char *flow_str(struct drops *d, uint64_t id, char *buf, size_t len)
{
	const struct pktfilter_flow *f = ovp_intern__key(&d->flows, (uint32_t)id, NULL);
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	const char *fmt = f->family == 6 ? "[%s]:%" PRIu32 " -> [%s]:%" PRIu32 " proto %" PRIu32 :
					   "%s:%" PRIu32 " -> %s:%" PRIu32 " proto %" PRIu32;

	pktfilter_flow_addr(f, PKTFILTER_SADDR, s, sizeof(s));
	pktfilter_flow_addr(f, PKTFILTER_DADDR, t, sizeof(t));
	snprintf(buf, len, fmt, s, f->f[PKTFILTER_SPORT], t, f->f[PKTFILTER_DPORT],
		 f->f[PKTFILTER_PROTO]);
	return buf;
}

/* Kernel chains of reason @ri, most frequent first: indexes into chains. */
static size_t top_chains(struct drops *d, uint32_t ri, size_t *out, size_t max)
{
	size_t i, k, n = 0;

	for (i = 0; i < d->nr_chains; i++) {
		if (d->chains[i].reason != ri)
			continue;
		for (k = n; k > 0 && d->chains[out[k - 1]].count < d->chains[i].count; k--) {
			if (k < max)
				out[k] = out[k - 1];
		}
		if (k < max) {
			out[k] = i;
			if (n < max)
				n++;
		}
	}
	return n;
}

static json_t *json_locs(struct drops *d, const struct dlist *l)
{
	json_t *a = json_array();
	char buf[160];
	size_t i;

	for (i = 0; i < l->nr; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "location", json_string(loc_str(d, l->v[i].key, buf,
								      sizeof(buf))));
		snprintf(buf, sizeof(buf), "0x%" PRIx64, l->v[i].key);
		json_object_set_new(o, "address", json_string(buf));
		json_object_set_new(o, "count", json_integer(l->v[i].count));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_devs(struct drops *d, const struct dlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->nr; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "device", l->v[i].key ?
					    json_string(dev_str(d, l->v[i].key)) : json_null());
		json_object_set_new(o, "count", json_integer(l->v[i].count));
		json_array_append_new(a, o);
	}
	return a;
}

/* The report's object of the JSON document (ovsperf-json(7)), plus for the
 * text: _reason_names (names the recording's format gives the reasons). */
static int d_model(struct report *r, json_t **model)
{
	struct drops *d = container_of(r, struct drops, base);
	json_t *o = json_object(), *reasons = json_array(), *a;
	char buf[160];
	size_t i, k, n, idx[64];
	int e;

	a = json_array();
	for (e = 0; e < d->nr_drop_events; e++)
		json_array_append_new(a, json_string(d->drop_events[e]));
	json_object_set_new(o, "events", a);
	json_object_set_new(o, "reason_field", json_boolean(d->has_reason_field));
	json_object_set_new(o, "identity", d->ids ? json_string(pktid_key_name(d->key)) :
						    json_null());
	json_object_set_new(o, "drops", json_integer(d->nr_drops));
	json_object_set_new(o, "first_ns", d->nr_drops ? json_integer(d->first) : json_null());
	json_object_set_new(o, "last_ns", d->nr_drops ? json_integer(d->last) : json_null());
	for (i = 0; i < d->nr_reasons; i++) {
		struct dreason *dr = &d->reasons[i];
		json_t *ro = json_object(), *chains = json_array();

		json_object_set_new(ro, "reason", json_string(dr->name));
		json_object_set_new(ro, "value", dr->has_value ? json_integer(dr->value) :
								 json_null());
		json_object_set_new(ro, "count", json_integer(dr->count));
		json_object_set_new(ro, "first_ns", json_integer(dr->first));
		json_object_set_new(ro, "last_ns", json_integer(dr->last));
		json_object_set_new(ro, "locations", json_locs(d, &dr->locs));
		if (d->has_dev)
			json_object_set_new(ro, "devices", json_devs(d, &dr->devs));
		n = top_chains(d, i, idx, d->top < 64 ? (size_t)d->top : 64);
		for (k = 0; k < n; k++) {
			struct dchain *c = &d->chains[idx[k]];
			json_t *co = json_object(), *frames = json_array();
			uint32_t f;

			for (f = 0; f < c->nr; f++)
				json_array_append_new(frames, json_string(loc_str(d, c->ips[f], buf,
										 sizeof(buf))));
			json_object_set_new(co, "count", json_integer(c->count));
			json_object_set_new(co, "frames", frames);
			json_array_append_new(chains, co);
		}
		if (d->has_callchains)
			json_object_set_new(ro, "callchains", chains);
		else
			json_decref(chains);
		json_array_append_new(reasons, ro);
	}
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "locations", json_locs(d, &d->locs));
	if (d->has_dev)
		json_object_set_new(o, "devices", json_devs(d, &d->devs));
	if (d->flow_counts.nr) {
		a = json_array();
		for (k = 0; k < d->flow_counts.nr; k++) {
			json_t *fo = json_object();

			flow_str(d, d->flow_counts.v[k].key, buf, sizeof(buf));
			json_object_set_new(fo, "flow", json_string(buf));
			json_object_set_new(fo, "count", json_integer(d->flow_counts.v[k].count));
			json_array_append_new(a, fo);
		}
		json_object_set_new(o, "flows", a);
	}
	a = json_object();
	json_object_set_new(a, "count", json_integer(d->normal.count));
	json_object_set_new(a, "consume_skb", json_integer(d->nr_consume));
	json_object_set_new(a, "kfree_skb_consumed", json_integer(d->nr_kfree_consumed));
	json_object_set_new(a, "locations", json_locs(d, &d->normal.locs));
	json_object_set_new(o, "normal_frees", a);
	json_object_set_new(o, "lost_events", json_integer(d->nr_lost_events));
	json_object_set_new(o, "_reason_names", json_integer(d->nr_reason_syms));
	json_object_set_new(o, "_seen_twice", json_integer(d->nr_seen_twice));
	*model = o;
	return 0;
}

static struct pdata_tool *d_tool(struct report *r)
{
	struct drops *d = container_of(r, struct drops, base);

	pdata_tool__init(&d->tool);
	d->tool.ready = d_ready;
	d->tool.sample = d_sample;
	d->tool.lost = d_lost;
	d->tool.done = d_done;
	return &d->tool;
}

static void d_destroy(struct report *r)
{
	struct drops *d;
	size_t i;
	int k;

	if (!r)
		return;
	d = container_of(r, struct drops, base);
	pktid_table__delete(d->ids);
	for (i = 0; i < d->nr_reasons; i++) {
		free(d->reasons[i].name);
		free(d->reasons[i].locs.v);
		free(d->reasons[i].devs.v);
	}
	free(d->reasons);
	free(d->normal.locs.v);
	free(d->normal.devs.v);
	free(d->locs.v);
	free(d->devs.v);
	ovp_intern__exit(&d->flows);
	free(d->flow_counts.v);
	free(d->chains);
	ovp_intern__exit(&d->chain_ids);
	devtab__exit(&d->devnames);
	for (k = 0; d->map && k < d->nr_evsels; k++)
		skbreason_table__free(d->map[k].reasons);
	free(d->map);
	free(d->drop_events);
	free(d);
}

static bool d_applicable(struct pdata_session *s)
{
	int i, n = pdata_session__nr_evsels(s);

	for (i = 0; i < n; i++) {
		const char *name = pdata_session__evsel(s, i)->name;

		if (!strcmp(name, "skb:kfree_skb") || is_ovs_drop(name))
			return true;
	}
	return false;
}

const struct report_ops report_drops_ops = {
	.name = "drops",
	.json_key = "drops",
	.summary = "packet drops by reason, location, device and flow (skb:kfree_skb)",
	.usage = d_usage,
	.options = d_options,
	.shortopts = NULL,
	.create = d_create,
	.option = d_option,
	.applicable = d_applicable,
	.tool = d_tool,
	.model = d_model,
	.destroy = d_destroy,
};
