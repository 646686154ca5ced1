// SPDX-License-Identifier: Apache-2.0
/*
 * engine/blame.c - per-packet blame from sched/irq events (policy: engine/blame.h).
 * It computes only: the latency report puts its items in its model
 * (blame__items_json()), where the text writer (out/text-latency.c) reads them;
 * journey and the export's timeline make plain items of them for their writers.
 *
 * Each CPU's sched_switch, softirq_entry/exit and irq_handler_entry/exit
 * move its state (the task sched_switch put on it, a stack of softirqs and
 * one of hard irq handlers); each change appends a point (time, innermost
 * entity, current task, and for a switch-in when that task became runnable)
 * to the CPU's ring.  A completed span's interval (a, e] charged on CPU c is
 * then a binary search for the point in force at a and a walk to e.
 *
 * The rings are windowed: blame__started() queues each span start (per span,
 * in time order; forks with an older start go to a short side list);
 * blame__prune() drops the queue heads whose span is no longer pending with
 * that start (asking the span engine), and then every point before the
 * oldest start still pending, except the one in force at it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/blame.h"
#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/hash.h"
#include "ovsperf/hmap.h"
#include "ovsperf/intern.h"
#include "ovsperf/pdata.h"

/* Most points one CPU keeps, whatever pending spans need (32 B each). */
#define BLAME_MAX_POINTS (1u << 20)
#define MAX_NEST 8

enum {
	EV_NONE,
	EV_SWITCH,
	EV_WAKEUP,
	EV_SOFT_ENTRY,
	EV_SOFT_EXIT,
	EV_IRQ_ENTRY,
	EV_IRQ_EXIT,
};

static const char *const ev_names[] = {
	[EV_SWITCH] = "sched:sched_switch",
	[EV_WAKEUP] = "sched:sched_wakeup",
	[EV_SOFT_ENTRY] = "irq:softirq_entry",
	[EV_SOFT_EXIT] = "irq:softirq_exit",
	[EV_IRQ_ENTRY] = "irq:irq_handler_entry",
	[EV_IRQ_EXIT] = "irq:irq_handler_exit",
};

static const char *const softirq_names[] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER",
	"RCU",
};

#define NO_TID UINT32_MAX
#define ENT_UNKNOWN 1
#define ENT_IDLE 2

/* From this point on, the CPU did @ent (innermost), running task @tid
 * (NO_TID: not known yet, 0: idle); @woken: at a switch-in, when task @tid
 * became runnable (0: not known or not a switch-in). */
struct bpt {
	uint64_t t;
	uint64_t woken;
	uint32_t ent;
	uint32_t tid;
};

struct bcpu {
	struct bpt *pts;		/* ring, cap a power of two */
	size_t cap, head, n;
	uint64_t cut;			/* points before this were dropped by the cap */
	uint32_t task;			/* entity of the current task, ENT_UNKNOWN */
	uint32_t tid;			/* its tid, NO_TID when not known */
	uint32_t hard[MAX_NEST], soft[MAX_NEST];
	int nhard, nsoft;
};

/* Per-task scheduling state, for the handler's runnable windows. */
struct btask {
	struct ovp_hmap_node node;	/* in tasks, by tid */
	uint32_t tid;			/* key */
	bool running;
	uint64_t since;			/* runnable since (0: not runnable) */
};

/* Fields of one event. */
struct bev {
	struct evdec_field f[5];
};

/* A span start: the timelines are needed from @t0 while it is pending. */
struct bstart {
	uint64_t key, t0;
};

struct bqueue {
	struct bstart *a;
	size_t cap, head, n;		/* ring, cap a power of two */
	struct bstart *odd;		/* starts older than the queue's tail (forks) */
	size_t nodd, capodd;
};

/* A packet's blame: refcounted, items largest first. */
struct bset {
	uint32_t refs;
	uint32_t n;
	struct blame_item *ext;		/* the items when n > 2 (malloc'd) */
	struct blame_item inline_items[2];	/* the items when n <= 2 */
};

static inline struct blame_item *set_items(struct bset *set)
{
	return set->n > 2 ? set->ext : set->inline_items;
}

/* The p99 tail keeps the slowest n / TAIL_DIV + 64 of n spans (1.25 %: the
 * spans at or above the p99 are 1 % and its ties). */
#define TAIL_DIV 80

struct btail_ent {
	uint64_t lat;
	uint32_t id;
};

struct btail {
	/* Fixed threshold: aggregated at once. */
	struct blame_item *agg;
	size_t nagg, capagg;
	uint32_t *agg_of;		/* [ent]: index + 1 into agg */
	size_t nagg_of;
	uint64_t spans;
	/* p99: a min-heap of the spans that may be at or above it. */
	struct btail_ent *heap;
	size_t nheap, capheap;
	bool done;			/* blame__tail() made agg */
	bool exact;
};

/* A window of the handler's runnable time. */
struct bwin {
	uint64_t lo, hi;
};

#define TASKS_PER_CHUNK 1024

/* Caps (the keys come from the recording; ovsperf-analyze(1), LIMITS). */
#define BLAME_MAX_ENTS 65536		/* tasks, softirqs and irqs named */
#define BLAME_MAX_TASKS 65536		/* tasks whose runnable state is followed */

struct btask_chunk {
	struct btask_chunk *next;
	struct btask tasks[TASKS_PER_CHUNK];
};

struct blame {
	struct blame_head h;		/* first: blame__event() reads it */
	struct bev *evs;		/* [evsel idx] */
	char missing[160];

	struct blame_ent *ents;		/* [id - 1] */
	size_t nents, capents;
	struct ovp_intern ent_ids;	/* (kind, num, name) -> id, the same as ents' */

	struct bcpu *cpus;
	size_t ncpus;
	struct ovp_hmap tasks;		/* struct btask by tid */
	struct btask_chunk *task_chunks;	/* where the tasks live (never freed early) */
	size_t task_chunk_used;		/* tasks taken from the newest chunk */
	struct btask beyond;		/* stands for the tasks beyond the cap */
	bool tasks_full;		/* the cap was said */
	uint64_t now;

	int nr_spans;
	struct bqueue *queues;		/* [span] */
	blame_pending_fn pending;
	void *pending_ctx;

	struct bset *sets;		/* [id - 1] */
	size_t nsets, capsets;
	uint32_t *free_sets;
	size_t nfree, capfree;
	struct blame_item *scratch;
	size_t nscratch, capscratch;
	struct btail *tails;		/* [span] */
	uint64_t truncated;
	uint32_t soft_ent[16];		/* entity of softirq vector v, 0 = not yet */
	struct blame_item one;		/* blame__items() of a one-entity id */
	struct bwin *wins;		/* the handler's runnable windows (charge()) */
	size_t capwins;
};

static int grow_array(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * size);
	if (!p)
		return ovp_err(-ENOMEM, "blame: out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * Entities.
 */

/* The id of entity (@kind, @num, @name), made if new; 0 on ENOMEM. */
static uint32_t ent_get(struct blame *b, uint8_t kind, uint32_t num, const char *name,
			size_t len)
{
	/* The key: kind, number, then the name (cut as the entity keeps it). */
	char key[1 + sizeof(uint32_t) + sizeof(((struct blame_ent *)0)->name)];
	struct blame_ent *e;
	uint32_t id;

	if (len >= sizeof(e->name))
		len = sizeof(e->name) - 1;
	key[0] = (char)kind;
	memcpy(key + 1, &num, sizeof(num));
	memcpy(key + 1 + sizeof(num), name, len);
	if (grow_array((void **)&b->ents, &b->capents, b->nents + 1, sizeof(*b->ents)))
		return 0;
	switch (ovp_intern__put(&b->ent_ids, key, 1 + sizeof(num) + len, &id)) {
	case OVP_HMAP_INSERTED:
		break;
	case OVP_HMAP_FULL:
		ovp_warn_cap("blame: more than %d tasks and interrupts named: the time of those "
			     "beyond is charged to unknown", BLAME_MAX_ENTS);
		return ENT_UNKNOWN;
	case OVP_HMAP_REFUSED:
		return ENT_UNKNOWN;
	default:
		return 0;
	}
	if (!id)
		return 0;
	if (id <= b->nents)
		return id;
	/* New: the table's ids count in the same order as the array. */
	e = &b->ents[b->nents++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->num = num;
	e->pid = -1;
	memcpy(e->name, name, len);
	e->name[len] = 0;
	return id;
}

const struct blame_ent *blame__ent(const struct blame *b, uint32_t ent)
{
	return ent && ent <= b->nents ? &b->ents[ent - 1] : NULL;
}

const char *blame_kind_name(uint8_t kind)
{
	static const char *const names[] = { "unknown", "idle", "task", "softirq", "hardirq" };

	return kind < 5 ? names[kind] : "unknown";
}

/*
 * Setup.
 */

int blame__new(struct blame **out, struct pdata_session *s, int nr_spans,
	       blame_pending_fn pending, void *ctx)
{
	int n = pdata_session__nr_evsels(s), i, k;
	bool have[EV_IRQ_EXIT + 1] = { false };
	struct blame *b;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return ovp_err(-ENOMEM, "out of memory");
	ovp_hmap_init(&b->tasks);
	ovp_intern__init(&b->ent_ids, BLAME_MAX_ENTS);
	b->h.nr_evsels = n;
	b->h.evkind = calloc(n ? n : 1, 1);
	b->evs = calloc(n ? n : 1, sizeof(*b->evs));
	b->queues = calloc(nr_spans ? nr_spans : 1, sizeof(*b->queues));
	b->tails = calloc(nr_spans ? nr_spans : 1, sizeof(*b->tails));
	b->h.tails = calloc(nr_spans ? nr_spans : 1, sizeof(*b->h.tails));
	b->nr_spans = nr_spans;
	b->pending = pending;
	b->pending_ctx = ctx;
	if (!b->h.evkind || !b->evs || !b->queues || !b->tails || !b->h.tails)
		goto nomem;
	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		struct evdec_field *f = b->evs[i].f;
		int kind = EV_NONE;

		for (k = EV_SWITCH; k <= EV_IRQ_EXIT; k++)
			if (pdata_evsel__matches(ev, ev_names[k]))
				kind = k;
		if (kind == EV_NONE && pdata_evsel__matches(ev, "sched:sched_wakeup_new"))
			kind = EV_WAKEUP;
		if (kind == EV_NONE)
			continue;
		switch (kind) {
		case EV_SWITCH:
			if (evdec_field__find(&f[0], ev, "prev_pid") ||
			    evdec_field__find(&f[1], ev, "prev_state") ||
			    evdec_field__find(&f[2], ev, "next_pid") ||
			    evdec_field__find(&f[3], ev, "next_comm") ||
			    evdec_field__find(&f[4], ev, "prev_comm"))
				continue;
			break;
		case EV_WAKEUP:
			if (evdec_field__find(&f[0], ev, "pid"))
				continue;
			break;
		case EV_SOFT_ENTRY:
		case EV_SOFT_EXIT:
			if (evdec_field__find(&f[0], ev, "vec"))
				continue;
			break;
		case EV_IRQ_ENTRY:
			if (evdec_field__find(&f[0], ev, "irq") || evdec_field__find(&f[1], ev, "name"))
				continue;
			break;
		case EV_IRQ_EXIT:
			if (evdec_field__find(&f[0], ev, "irq"))
				continue;
			break;
		}
		b->h.evkind[i] = (uint8_t)kind;
		have[kind] = true;
	}
	if (!have[EV_SWITCH] && !have[EV_SOFT_ENTRY] && !have[EV_IRQ_ENTRY]) {
		blame__delete(b);
		return 0;
	}
	for (k = EV_SWITCH; k <= EV_IRQ_EXIT; k++) {
		if (have[k])
			continue;
		if (b->missing[0])
			strcat(b->missing, ", ");
		strcat(b->missing, ev_names[k]);
	}
	if (ent_get(b, BLAME_UNKNOWN, 0, "unknown", 7) != ENT_UNKNOWN ||
	    ent_get(b, BLAME_IDLE, 0, "idle", 4) != ENT_IDLE)
		goto nomem;
	*out = b;
	return 0;
nomem:
	blame__delete(b);
	return ovp_err(-ENOMEM, "out of memory");
}

void blame__delete(struct blame *b)
{
	if (!b)
		return;
	for (size_t c = 0; c < b->ncpus; c++)
		free(b->cpus[c].pts);
	for (size_t i = 0; i < b->nsets; i++)
		if (b->sets[i].n > 2)
			free(b->sets[i].ext);
	for (int i = 0; i < b->nr_spans && b->queues; i++) {
		free(b->queues[i].a);
		free(b->queues[i].odd);
	}
	for (int i = 0; i < b->nr_spans && b->tails; i++) {
		free(b->tails[i].agg);
		free(b->tails[i].agg_of);
		free(b->tails[i].heap);
	}
	free(b->queues);
	free(b->tails);
	free(b->sets);
	free(b->free_sets);
	free(b->scratch);
	free(b->wins);
	free(b->cpus);
	while (b->task_chunks) {
		struct btask_chunk *c = b->task_chunks;

		b->task_chunks = c->next;
		free(c);
	}
	ovp_hmap_exit(&b->tasks);
	free(b->ents);
	ovp_intern__exit(&b->ent_ids);
	free(b->evs);
	free(b->h.evkind);
	free(b->h.tails);
	free(b);
}

const char *blame__missing(const struct blame *b)
{
	return b->missing;
}

uint64_t blame__truncated(const struct blame *b)
{
	return b->truncated;
}

/*
 * Timelines.
 */

static struct bcpu *cpu_get(struct blame *b, uint32_t cpu)
{
	if (cpu >= 4096)
		return NULL;
	if (cpu >= b->ncpus) {
		size_t n = cpu + 1;
		struct bcpu *a = realloc(b->cpus, n * sizeof(*a));

		if (!a)
			return NULL;
		for (size_t c = b->ncpus; c < n; c++) {
			memset(&a[c], 0, sizeof(a[c]));
			a[c].task = ENT_UNKNOWN;
			a[c].tid = NO_TID;
		}
		b->cpus = a;
		b->ncpus = n;
	}
	return &b->cpus[cpu];
}

static inline struct bpt *pt_at(const struct bcpu *c, size_t i)
{
	return &c->pts[(c->head + i) & (c->cap - 1)];
}

static void pt_drop(struct bcpu *c)
{
	c->head = (c->head + 1) & (c->cap - 1);
	c->n--;
}

static int pt_push(struct bcpu *c, uint64_t t, uint64_t woken)
{
	uint32_t ent = c->nhard ? c->hard[c->nhard - 1] : c->nsoft ? c->soft[c->nsoft - 1] : c->task;
	struct bpt *p;

	if (c->n) {
		p = pt_at(c, c->n - 1);
		if (p->ent == ent && p->tid == c->tid && !woken)
			return 0;
	}
	if (c->n == BLAME_MAX_POINTS) {
		pt_drop(c);
		c->cut = pt_at(c, 0)->t;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct bpt *a = malloc(cap * sizeof(*a));

		if (!a)
			return ovp_err(-ENOMEM, "blame: out of memory for CPU timelines");
		for (size_t i = 0; i < c->n; i++)
			a[i] = *pt_at(c, i);
		free(c->pts);
		c->pts = a;
		c->cap = cap;
		c->head = 0;
	}
	p = pt_at(c, c->n++);
	p->t = t;
	p->woken = woken;
	p->ent = ent;
	p->tid = c->tid;
	return 0;
}

/* The scheduling state of @tid, made if new; NULL on ENOMEM. */
static struct btask *task_get(struct blame *b, uint32_t tid)
{
	size_t hash = (size_t)ovp_hash64(tid);
	struct btask *t;

	OVP_HMAP_FOR_EACH_WITH_HASH (t, node, hash, &b->tasks)
		if (t->tid == tid)
			return t;
	if (ovp_hmap_count(&b->tasks) >= BLAME_MAX_TASKS) {
		/* Beyond the cap a task is never runnable: a blank state each time. */
		if (!b->tasks_full)
			ovp_warn_cap("blame: more than %d tasks followed: the tasks beyond count "
				     "as never runnable", BLAME_MAX_TASKS);
		b->tasks_full = true;
		memset(&b->beyond, 0, sizeof(b->beyond));
		b->beyond.tid = tid;
		return &b->beyond;
	}
	if (!b->task_chunks || b->task_chunk_used == TASKS_PER_CHUNK) {
		struct btask_chunk *c = malloc(sizeof(*c));

		if (!c)
			return NULL;
		c->next = b->task_chunks;
		b->task_chunks = c;
		b->task_chunk_used = 0;
	}
	t = &b->task_chunks->tasks[b->task_chunk_used++];
	t->tid = tid;
	t->running = false;
	t->since = 0;
	ovp_hmap_insert_nocap(&b->tasks, &t->node, hash);
	return t;
}

static int on_switch(struct blame *b, struct bcpu *c, const struct pdata_sample *s,
		     const struct evdec_field *f)
{
	uint32_t prev = (uint32_t)evdec_field__u64(&f[0], s);
	uint64_t state = evdec_field__u64(&f[1], s);
	uint32_t next = (uint32_t)evdec_field__u64(&f[2], s);
	const char *comm;
	struct btask *tp, *tn;
	uint32_t len, ent;
	uint64_t woken = 0;

	if (prev) {
		comm = (const char *)evdec_field__bytes(&f[4], s, &len);
		ent = ent_get(b, BLAME_TASK, prev, comm ? comm : "", comm ? strnlen(comm, len) : 0);
		if (!ent)
			return ovp_err(-ENOMEM, "blame: out of memory");
		/* The sample's pid and tid are the outgoing task's. */
		if (s->tid == prev)
			b->ents[ent - 1].pid = (int32_t)s->pid;
		tp = task_get(b, prev);
		if (!tp)
			return ovp_err(-ENOMEM, "blame: out of memory");
		tp->running = false;
		/* Switched out still runnable (R, or R+ when preempted: the
		 * state bits below TASK_REPORT_MAX are 0). */
		tp->since = (state & 0xff) ? 0 : s->time;
	}
	if (next) {
		comm = (const char *)evdec_field__bytes(&f[3], s, &len);
		ent = ent_get(b, BLAME_TASK, next, comm ? comm : "", comm ? strnlen(comm, len) : 0);
		tn = task_get(b, next);
		if (!ent || !tn)
			return ovp_err(-ENOMEM, "blame: out of memory");
		woken = tn->since;
		tn->since = 0;
		tn->running = true;
	} else {
		ent = ENT_IDLE;
	}
	/* Nothing runs a sched_switch inside an irq: contexts still open lost
	 * their exit. */
	c->nhard = c->nsoft = 0;
	c->task = ent;
	c->tid = next;
	return pt_push(c, s->time, woken);
}

int blame__event_slow(struct blame *b, const struct pdata_sample *s, uint8_t kind)
{
	const struct evdec_field *f = b->evs[s->evsel->idx].f;
	struct bcpu *c = cpu_get(b, s->cpu);
	uint32_t num, len, ent;
	const char *name;
	struct btask *t;

	if (s->time > b->now)
		b->now = s->time;
	if (kind == EV_WAKEUP) {
		num = (uint32_t)evdec_field__u64(&f[0], s);
		t = task_get(b, num);
		if (!t)
			return ovp_err(-ENOMEM, "blame: out of memory");
		if (!t->running && !t->since)
			t->since = s->time;
		return 1;
	}
	if (!c)
		return 1;
	switch (kind) {
	case EV_SWITCH:
		return on_switch(b, c, s, f) ?: 1;
	case EV_SOFT_ENTRY:
		num = (uint32_t)evdec_field__u64(&f[0], s);
		ent = num < 16 ? b->soft_ent[num] : 0;
		if (!ent) {
			name = num < sizeof(softirq_names) / sizeof(softirq_names[0]) ?
			       softirq_names[num] : "?";
			ent = ent_get(b, BLAME_SOFTIRQ, num, name, strlen(name));
			if (!ent)
				return ovp_err(-ENOMEM, "blame: out of memory");
			if (num < 16)
				b->soft_ent[num] = ent;
		}
		if (c->nsoft < MAX_NEST)
			c->soft[c->nsoft++] = ent;
		break;
	case EV_SOFT_EXIT:
		if (!c->nsoft)
			return 1;
		c->nsoft--;
		break;
	case EV_IRQ_ENTRY:
		num = (uint32_t)evdec_field__u64(&f[0], s);
		name = (const char *)evdec_field__bytes(&f[1], s, &len);
		ent = ent_get(b, BLAME_HARDIRQ, num, name ? name : "", name ? strnlen(name, len) : 0);
		if (!ent)
			return ovp_err(-ENOMEM, "blame: out of memory");
		if (c->nhard < MAX_NEST)
			c->hard[c->nhard++] = ent;
		break;
	case EV_IRQ_EXIT:
		if (!c->nhard)
			return 1;
		c->nhard--;
		break;
	default:
		return 1;
	}
	return pt_push(c, s->time, 0) ?: 1;
}

/*
 * Windowing.
 */

int blame__started(struct blame *b, int span, uint64_t key, uint64_t t0)
{
	struct bqueue *q = &b->queues[span];
	struct bstart *st;

	if (q->n && q->a[(q->head + q->n - 1) & (q->cap - 1)].t0 > t0) {
		if (grow_array((void **)&q->odd, &q->capodd, q->nodd + 1, sizeof(*q->odd)))
			return -ENOMEM;
		q->odd[q->nodd].key = key;
		q->odd[q->nodd++].t0 = t0;
		return 0;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;
		struct bstart *a = malloc(cap * sizeof(*a));

		if (!a)
			return ovp_err(-ENOMEM, "blame: out of memory");
		for (size_t i = 0; i < q->n; i++)
			a[i] = q->a[(q->head + i) & (q->cap - 1)];
		free(q->a);
		q->a = a;
		q->cap = cap;
		q->head = 0;
	}
	st = &q->a[(q->head + q->n++) & (q->cap - 1)];
	st->key = key;
	st->t0 = t0;
	return 0;
}

void blame__prune(struct blame *b)
{
	uint64_t horizon = b->now;

	for (int s = 0; s < b->nr_spans; s++) {
		struct bqueue *q = &b->queues[s];
		size_t j = 0;

		while (q->n) {
			struct bstart *st = &q->a[q->head];

			if (b->pending(b->pending_ctx, s, st->key, st->t0)) {
				if (st->t0 < horizon)
					horizon = st->t0;
				break;
			}
			q->head = (q->head + 1) & (q->cap - 1);
			q->n--;
		}
		for (size_t i = 0; i < q->nodd; i++) {
			if (!b->pending(b->pending_ctx, s, q->odd[i].key, q->odd[i].t0))
				continue;
			if (q->odd[i].t0 < horizon)
				horizon = q->odd[i].t0;
			q->odd[j++] = q->odd[i];
		}
		q->nodd = j;
	}
	blame__prune_to(b, horizon);
}

void blame__prune_to(struct blame *b, uint64_t horizon)
{
	for (size_t c = 0; c < b->ncpus; c++) {
		struct bcpu *cp = &b->cpus[c];

		while (cp->n >= 2 && pt_at(cp, 1)->t <= horizon)
			pt_drop(cp);
	}
}

/*
 * Blame of a completed span.
 */

/* Index of the last point at or before @t, or -1: a short walk back from
 * the newest point (intervals are mostly short and recent), else a binary
 * search. */
static long pt_find(const struct bcpu *c, uint64_t t)
{
	long lo = 0, hi = (long)c->n - 1, r = -1;

	for (int k = 0; k < 8 && hi >= 0; k++, hi--)
		if (pt_at(c, (size_t)hi)->t <= t)
			return hi;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (pt_at(c, (size_t)mid)->t <= t) {
			r = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return r;
}

static int scratch_add(struct blame *b, uint32_t ent, uint64_t ns, uint64_t runnable)
{
	size_t i;

	if (!ns)
		return 0;
	for (i = 0; i < b->nscratch; i++) {
		if (b->scratch[i].ent == ent) {
			b->scratch[i].ns += ns;
			b->scratch[i].runnable_ns += runnable;
			return 0;
		}
	}
	if (grow_array((void **)&b->scratch, &b->capscratch, b->nscratch + 1, sizeof(*b->scratch)))
		return -ENOMEM;
	b->scratch[b->nscratch].ent = ent;
	b->scratch[b->nscratch].ns = ns;
	b->scratch[b->nscratch++].runnable_ns = runnable;
	return 0;
}

/* The time of windows @w[*@k..@nw) within [@lo, @hi); the windows are in
 * time order and disjoint, the calls' ranges too: *@k moves past the windows
 * that end before @lo. */
static uint64_t overlap(const struct bwin *w, size_t nw, size_t *k, uint64_t lo, uint64_t hi)
{
	uint64_t sum = 0;

	while (*k < nw && w[*k].hi <= lo)
		(*k)++;
	for (size_t i = *k; i < nw && w[i].lo < hi; i++) {
		uint64_t l = w[i].lo > lo ? w[i].lo : lo, h = w[i].hi < hi ? w[i].hi : hi;

		if (h > l)
			sum += h - l;
	}
	return sum;
}

/* Charge interval (@a, @e] on @cpu into the scratch items. */
static int charge(struct blame *b, uint32_t cpu, uint64_t a, uint64_t e)
{
	const struct bcpu *c = cpu < b->ncpus ? &b->cpus[cpu] : NULL;
	size_t nw = 0, k = 0;
	uint32_t handler;
	int err;
	long i, last;
	uint64_t lo;

	if (e <= a)
		return 0;
	if (!c || !c->n)
		return scratch_add(b, ENT_UNKNOWN, e - a, 0);
	if (pt_at(c, c->n - 1)->t <= a)		/* nothing changed since a */
		return scratch_add(b, pt_at(c, c->n - 1)->ent, e - a, 0);
	i = pt_find(c, a);
	if (i < 0) {
		uint64_t first = pt_at(c, 0)->t;

		if (c->cut && a < c->cut)
			b->truncated++;
		err = scratch_add(b, ENT_UNKNOWN, (first < e ? first : e) - a, 0);
		if (err || first >= e)
			return err;
		i = 0;
	}
	last = (long)c->n - 1;
	if (pt_at(c, (size_t)last)->t > e)
		last = pt_find(c, e);
	if (last == i) {
		/* One state all along (the common case). */
		return scratch_add(b, pt_at(c, (size_t)i)->ent, e - (pt_at(c, (size_t)i)->t > a ?
								 pt_at(c, (size_t)i)->t : a), 0);
	}
	handler = pt_at(c, (size_t)last)->tid;
	/* The handler's runnable windows that end in the interval: its
	 * switch-ins there. */
	if (handler && handler != NO_TID) {
		for (long j = i + 1; j <= last; j++) {
			const struct bpt *p = pt_at(c, (size_t)j);

			if (p->tid == handler && p->woken && p->t > a) {
				if (grow_array((void **)&b->wins, &b->capwins, nw + 1,
					       sizeof(*b->wins)))
					return -ENOMEM;
				b->wins[nw].lo = p->woken > a ? p->woken : a;
				b->wins[nw++].hi = p->t;
			}
		}
	}
	for (; i <= last; i++) {
		const struct bpt *p = pt_at(c, (size_t)i);
		uint64_t hi = i < last ? pt_at(c, (size_t)i + 1)->t : e;
		uint64_t run = 0;

		lo = p->t > a ? p->t : a;
		if (hi > e)
			hi = e;
		if (hi <= lo)
			continue;
		if (nw && b->ents[p->ent - 1].kind == BLAME_TASK && p->tid != handler)
			run = overlap(b->wins, nw, &k, lo, hi);
		err = scratch_add(b, p->ent, hi - lo, run);
		if (err)
			return err;
	}
	return 0;
}

static int cmp_item(const void *x, const void *y)
{
	const struct blame_item *a = x, *b = y;

	if (a->ns != b->ns)
		return a->ns > b->ns ? -1 : 1;
	return a->ent < b->ent ? -1 : a->ent > b->ent;
}

static int scratch_to_set(struct blame *b, uint32_t *id);

int blame__complete(struct blame *b, const struct span_rec *rec, unsigned int nst, uint32_t *id)
{
	int err;

	/* Most spans: on each end CPU nothing changed since the interval began,
	 * and it is the same entity everywhere. */
	for (unsigned int k = 1; k < nst; k++) {
		const struct bcpu *c = rec->cpu[k] < b->ncpus ? &b->cpus[rec->cpu[k]] : NULL;
		const struct bpt *p = c && c->n ? pt_at(c, c->n - 1) : NULL;

		if (!p || p->t > rec->t[k - 1] || (k > 1 && (*id & ~BLAME_ONE) != p->ent) ||
		    p->ent >= BLAME_ONE)
			goto slow;
		*id = BLAME_ONE | p->ent;
	}
	return 0;
slow:
	*id = 0;
	b->nscratch = 0;
	for (unsigned int k = 1; k < nst; k++) {
		err = charge(b, rec->cpu[k], rec->t[k - 1], rec->t[k]);
		if (err)
			return err;
	}
	return scratch_to_set(b, id);
}

/* The scratch items as a set: *@id gets its id with one reference (a
 * BLAME_ONE id for one entity without runnable time; 0 when the ids ran out). */
static int scratch_to_set(struct blame *b, uint32_t *id)
{
	struct bset *set;
	uint32_t sid;

	*id = 0;
	/* One entity all along, so no runnable time: the id says it all. */
	if (b->nscratch == 1 && !b->scratch[0].runnable_ns && b->scratch[0].ent < BLAME_ONE) {
		*id = BLAME_ONE | b->scratch[0].ent;
		return 0;
	}
	if (b->nscratch == 2 && cmp_item(&b->scratch[0], &b->scratch[1]) > 0) {
		struct blame_item x = b->scratch[0];

		b->scratch[0] = b->scratch[1];
		b->scratch[1] = x;
	} else if (b->nscratch > 2) {
		qsort(b->scratch, b->nscratch, sizeof(*b->scratch), cmp_item);
	}
	if (b->nfree) {
		sid = b->free_sets[--b->nfree];
	} else {
		if (b->nsets >= UINT32_MAX - 1)
			return 0;
		if (grow_array((void **)&b->sets, &b->capsets, b->nsets + 1, sizeof(*b->sets)))
			return -ENOMEM;
		sid = (uint32_t)++b->nsets;
		b->sets[sid - 1].n = 0;
	}
	set = &b->sets[sid - 1];
	if (b->nscratch > 2) {
		set->ext = malloc(b->nscratch * sizeof(*set->ext));
		if (!set->ext)
			return ovp_err(-ENOMEM, "blame: out of memory");
	}
	set->n = (uint32_t)b->nscratch;
	memcpy(set_items(set), b->scratch, b->nscratch * sizeof(*b->scratch));
	set->refs = 1;
	*id = sid;
	return 0;
}

int blame__add(struct blame *b, uint32_t *id, uint64_t before, uint32_t cpu, uint64_t a,
	       uint64_t e)
{
	const struct bcpu *c = cpu < b->ncpus ? &b->cpus[cpu] : NULL;
	const struct bpt *p = c && c->n ? pt_at(c, c->n - 1) : NULL;
	uint32_t old = *id;
	int err;

	if (e <= a)
		return 0;
	/* Most intervals: nothing changed on that CPU since @a, and it is the
	 * entity of all the parts so far. */
	if (p && p->t <= a && p->ent < BLAME_ONE && (!old || old == (BLAME_ONE | p->ent))) {
		*id = BLAME_ONE | p->ent;
		return 0;
	}
	b->nscratch = 0;
	if (old) {
		const struct blame_item *it;
		size_t n = blame__items(b, old, before, &it);

		for (size_t i = 0; i < n; i++) {
			struct blame_item x = it[i];

			err = scratch_add(b, x.ent, x.ns, x.runnable_ns);
			if (err)
				return err;
		}
	}
	err = charge(b, cpu, a, e);
	if (err)
		return err;
	blame__put(b, old);
	return scratch_to_set(b, id);
}

void blame__get_slow(struct blame *b, uint32_t id)
{
	b->sets[id - 1].refs++;
}

void blame__put_slow(struct blame *b, uint32_t id)
{
	struct bset *set = &b->sets[id - 1];

	if (--set->refs)
		return;
	if (set->n > 2)
		free(set->ext);
	set->n = 0;
	/* The free list can hold every set: it grows with them. */
	if (grow_array((void **)&b->free_sets, &b->capfree, b->nfree + 1, sizeof(*b->free_sets)))
		return;		/* the slot is just not reused */
	b->free_sets[b->nfree++] = id;
}

size_t blame__items(struct blame *b, uint32_t id, uint64_t lat, const struct blame_item **items)
{
	if (!id) {
		*items = NULL;
		return 0;
	}
	if (id & BLAME_ONE) {
		b->one.ent = id & ~BLAME_ONE;
		b->one.ns = lat;
		b->one.runnable_ns = 0;
		*items = &b->one;
		return 1;
	}
	*items = set_items(&b->sets[id - 1]);
	return b->sets[id - 1].n;
}

/*
 * The tail.
 */

static int agg_add(struct btail *t, const struct blame_item *it, size_t n, size_t nents)
{
	if (nents > t->nagg_of) {
		uint32_t *a = realloc(t->agg_of, nents * 2 * sizeof(*a));

		if (!a)
			return ovp_err(-ENOMEM, "blame: out of memory");
		memset(a + t->nagg_of, 0, (nents * 2 - t->nagg_of) * sizeof(*a));
		t->agg_of = a;
		t->nagg_of = nents * 2;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t *slot = &t->agg_of[it[i].ent - 1];

		if (!*slot) {
			if (grow_array((void **)&t->agg, &t->capagg, t->nagg + 1, sizeof(*t->agg)))
				return -ENOMEM;
			t->agg[t->nagg] = it[i];
			t->agg[t->nagg].ns = t->agg[t->nagg].runnable_ns = 0;
			*slot = (uint32_t)++t->nagg;
		}
		t->agg[*slot - 1].ns += it[i].ns;
		t->agg[*slot - 1].runnable_ns += it[i].runnable_ns;
	}
	return 0;
}

static void heap_sift_down(struct btail *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct btail_ent x;

		if (l < t->nheap && t->heap[l].lat < t->heap[m].lat)
			m = l;
		if (l + 1 < t->nheap && t->heap[l + 1].lat < t->heap[m].lat)
			m = l + 1;
		if (m == i)
			return;
		x = t->heap[i];
		t->heap[i] = t->heap[m];
		t->heap[m] = x;
		i = m;
	}
}

static void heap_evict(struct blame *b, struct btail *t, struct blame_tail_head *th)
{
	th->left_out = true;
	blame__put(b, t->heap[0].id);
	t->heap[0] = t->heap[--t->nheap];
	heap_sift_down(t, 0);
}

int blame__tail_offer_slow(struct blame *b, int span, uint64_t lat, uint32_t id,
			   uint64_t threshold, size_t n)
{
	struct blame_tail_head *th = &b->h.tails[span];
	struct btail *t = &b->tails[span];
	size_t limit = n / TAIL_DIV + 64, i;
	const struct blame_item *it;

	if (threshold) {
		th->floor = threshold;
		th->floor_n = SIZE_MAX;
		if (lat < threshold)
			return 0;
		t->spans++;
		n = blame__items(b, id, lat, &it);
		return agg_add(t, it, n, b->nents);
	}
	if (!id)
		return 0;
	if (t->nheap >= limit && lat <= t->heap[0].lat) {
		th->left_out = true;
		return 0;
	}
	if (grow_array((void **)&t->heap, &t->capheap, t->nheap + 1, sizeof(*t->heap)))
		return -ENOMEM;
	blame__get(b, id);
	i = t->nheap++;
	t->heap[i].lat = lat;
	t->heap[i].id = id;
	while (i && t->heap[i].lat < t->heap[(i - 1) / 2].lat) {
		struct btail_ent x = t->heap[i];

		t->heap[i] = t->heap[(i - 1) / 2];
		t->heap[(i - 1) / 2] = x;
		i = (i - 1) / 2;
	}
	while (t->nheap > limit)
		heap_evict(b, t, th);
	/* Until the limit grows past the heap, what is below its top goes. */
	th->floor = t->nheap >= limit ? t->heap[0].lat : 0;
	th->floor_n = t->nheap >= 64 ? (t->nheap - 63) * TAIL_DIV : 0;
	return 0;
}

size_t blame__tail(struct blame *b, int span, uint64_t threshold, const struct blame_item **items,
		   uint64_t *spans, bool *exact)
{
	struct btail *t = &b->tails[span];

	if (!t->done) {
		/* p99 mode: aggregate the kept spans at or above it. */
		t->exact = true;
		for (size_t i = 0; i < t->nheap; i++) {
			if (t->heap[i].lat < threshold)
				continue;
			t->spans++;
			const struct blame_item *it;
			size_t n = blame__items(b, t->heap[i].id, t->heap[i].lat, &it);

			if (agg_add(t, it, n, b->nents))
				break;
		}
		/* What was left out was at most the heap's top then, which only
		 * grows. */
		if (t->nheap && b->h.tails[span].left_out)
			t->exact = threshold > t->heap[0].lat;
		if (t->nagg > 1)
			qsort(t->agg, t->nagg, sizeof(*t->agg), cmp_item);
		t->done = true;
	}
	*exact = t->exact;
	*spans = t->spans;
	*items = t->agg;
	return t->nagg;
}

/*
 * Output.
 */

static uint64_t items_total(const struct blame_item *it, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += it[i].ns;
	return sum;
}

json_t *blame__items_json(const struct blame *b, const struct blame_item *it, size_t n)
{
	uint64_t total = items_total(it, n);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct blame_ent *e = blame__ent(b, it[i].ent);
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string(blame_kind_name(e->kind)));
		json_object_set_new(o, "name", json_string(e->name));
		if (e->kind == BLAME_TASK) {
			json_object_set_new(o, "tid", json_integer(e->num));
			json_object_set_new(o, "pid", e->pid >= 0 ? json_integer(e->pid) : json_null());
		} else if (e->kind == BLAME_SOFTIRQ) {
			json_object_set_new(o, "vec", json_integer(e->num));
		} else if (e->kind == BLAME_HARDIRQ) {
			json_object_set_new(o, "irq", json_integer(e->num));
		}
		json_object_set_new(o, "ns", json_integer(it[i].ns));
		json_object_set_new(o, "share", json_real(total ? (double)it[i].ns / total : 0));
		if (e->kind == BLAME_TASK)
			json_object_set_new(o, "runnable_ns", json_integer(it[i].runnable_ns));
		json_array_append_new(a, o);
	}
	return a;
}
