// SPDX-License-Identifier: Apache-2.0
/*
 * gen-synth.c - benchmark input: a large synthetic perf.data of packets
 * crossing the backlog, written with the project's perf.data writer.
 *
 * Each packet is net:netif_rx on one CPU, net:netif_receive_skb 1-3 us later
 * (usually on the same CPU, sometimes on another one as with RPS, rarely
 * much later), then skb:consume_skb or skb:kfree_skb; sched:sched_switch
 * records are sprinkled in.  skb addresses come from a small slab-like pool
 * with a LIFO free list, so addresses are reused within microseconds, as on a
 * real host.  The formats are the running kernel's (tracefs) and the payloads
 * are laid out from their field offsets.
 *
 * Records are written like perf record drains its ring buffers: one round per
 * time window, each CPU's records of the window in a block (so CPUs are
 * interleaved), a FINISHED_ROUND after each round.
 *
 * With -k, the CPUs' kernel activity too, as the latency report's blame
 * needs it: every 8th packet a NET_RX softirq (irq:softirq_entry/exit) on
 * its CPU, every 64th an interrupt handler (irq:irq_handler_entry/exit),
 * and each sched:sched_switch preceded by a sched:sched_wakeup; 1 packet in
 * 256 is freed without being received (a drop).
 *
 * Adversarial modes (-m), for the bounds on memory and the hash (bench/bounds.py):
 *  noend    packets that never end: net:netif_rx only, each on a new skb
 *           address (no netif_receive_skb, no free), at the same rate;
 *  collide  the same, the addresses chosen so that the span table's former
 *           hash (the 64-bit finalizer of MurmurHash3, no key) put them all
 *           in one bucket of any table of up to 2^20 buckets;
 *  threads  a new short-lived thread for each packet slot: switched in,
 *           switched out, then its EXIT record (PERF_RECORD_EXIT), as a
 *           fork-per-request server makes them;
 *  live     the same threads, but they never exit (switched out asleep),
 *           each named by a COMM record (t100000, ...) when it starts: as
 *           many threads and names alive at once, for the caps on threads;
 *  devs     normal packets, each on a device of its own name (dev0, dev1,
 *           ...), for the cap on interned device names.
 *  cpus     normal packets whose samples claim CPU numbers 0 .. 2047 (each
 *           sample in turn), for the cap on latency's per-CPU rows.
 *
 * Usage: gen-synth -o OUT -n EVENTS [-c CPUS] [-w RECORDS_PER_ROUND] [-s SEED]
 *        [-t TRACEFS] [-k] [-m normal|noend|collide|threads|live|devs|cpus]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata.h"
#include "ovsperf/pdata-writer.h"

#define MAX_CPUS 64
#define SKB_POOL 16384

enum { EV_RX, EV_RECV, EV_CONSUME, EV_KFREE, EV_SWITCH, EV_WAKEUP, EV_SOFT_ENTRY, EV_SOFT_EXIT,
       EV_IRQ_ENTRY, EV_IRQ_EXIT, NR_EV, EV_EXIT_REC = NR_EV, EV_COMM_REC };

/* Events written: the first NR_BASE_EV, or all with -k. */
#define NR_BASE_EV (EV_SWITCH + 1)
static int nr_ev = NR_BASE_EV;

static const struct {
	const char *system, *name;
} events[NR_EV] = {
	[EV_RX] = { "net", "netif_rx" },
	[EV_RECV] = { "net", "netif_receive_skb" },
	[EV_CONSUME] = { "skb", "consume_skb" },
	[EV_KFREE] = { "skb", "kfree_skb" },
	[EV_SWITCH] = { "sched", "sched_switch" },
	[EV_WAKEUP] = { "sched", "sched_wakeup" },
	[EV_SOFT_ENTRY] = { "irq", "softirq_entry" },
	[EV_SOFT_EXIT] = { "irq", "softirq_exit" },
	[EV_IRQ_ENTRY] = { "irq", "irq_handler_entry" },
	[EV_IRQ_EXIT] = { "irq", "irq_handler_exit" },
};

/* Offset and size of a field, read from the event's format text. */
struct fld {
	int off, size;
};

struct evfmt {
	uint64_t id;		/* tracepoint id (attr.config, common_type) */
	int raw_size;		/* payload bytes before dynamic data */
	struct fld skbaddr, len, name, location, protocol, reason;
	struct fld prev_comm, prev_pid, prev_prio, prev_state, next_comm, next_pid, next_prio;
	struct fld comm, pid, prio, target_cpu, vec, irq, ret;
};

static struct evfmt fmt[NR_EV];

enum mode { MODE_NORMAL, MODE_NOEND, MODE_COLLIDE, MODE_THREADS, MODE_LIVE, MODE_DEVS, MODE_CPUS };
static enum mode mode = MODE_NORMAL;

/* A pending event: generated ahead, written in its round. */
struct pev {
	uint64_t time;
	uint64_t skb;
	uint32_t cpu, tid;
	uint8_t type;			/* EV_*, or EV_EXIT_REC / EV_COMM_REC: a record of tid */
	uint16_t len;
	uint32_t dev;			/* devs[] index; -m devs: the N of devN */
};

struct vec {
	struct pev *v;
	size_t nr, cap;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fast and good enough for traffic shapes. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint64_t rnd_range(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static void vec_push(struct vec *v, const struct pev *e)
{
	if (v->nr == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 1024;
		v->v = realloc(v->v, v->cap * sizeof(*v->v));
		if (!v->v) {
			fprintf(stderr, "gen-synth: out of memory\n");
			exit(1);
		}
	}
	v->v[v->nr++] = *e;
}

static int cmp_pev(const void *a, const void *b)
{
	const struct pev *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 16);
	n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* "field:TYPE NAME;\toffset:N;\tsize:M;" -> N, M; {-1, 0} when absent. */
static struct fld find_fld(const char *text, const char *name)
{
	struct fld f = { -1, 0 };
	const char *p = text;
	size_t nl = strlen(name);

	while ((p = strstr(p, "field:"))) {
		const char *semi = strchr(p, ';'), *q;

		if (!semi)
			break;
		/* The name ends right before ';' or '[' and after a space or '*'. */
		for (q = semi; q > p && q[-1] != ' ' && q[-1] != '*'; q--)
			;
		if ((size_t)(semi - q) >= nl && !strncmp(q, name, nl) &&
		    (q[nl] == ';' || q[nl] == '[')) {
			const char *o = strstr(semi, "offset:"), *s = strstr(semi, "size:");

			if (o && s) {
				f.off = atoi(o + 7);
				f.size = atoi(s + 5);
			}
			return f;
		}
		p = semi;
	}
	return f;
}

static int load_formats(struct pdata_tracing *t, const char *tracefs)
{
	int i, err;

	for (i = 0; i < nr_ev; i++) {
		char path[4096], *text;
		struct evfmt *e = &fmt[i];
		const char *p;
		int end = 8;

		err = pdata_tracing__add_tracefs_event(t, tracefs, events[i].system,
						       events[i].name, &e->id);
		if (err)
			return err;
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, events[i].system,
			 events[i].name);
		text = read_file(path);
		if (!text)
			return ovp_err(-errno, "%s: cannot read", path);
		e->skbaddr = find_fld(text, "skbaddr");
		e->len = find_fld(text, "len");
		e->name = find_fld(text, "name");
		e->location = find_fld(text, "location");
		e->protocol = find_fld(text, "protocol");
		e->reason = find_fld(text, "reason");
		e->prev_comm = find_fld(text, "prev_comm");
		e->prev_pid = find_fld(text, "prev_pid");
		e->prev_prio = find_fld(text, "prev_prio");
		e->prev_state = find_fld(text, "prev_state");
		e->next_comm = find_fld(text, "next_comm");
		e->next_pid = find_fld(text, "next_pid");
		e->next_prio = find_fld(text, "next_prio");
		e->comm = find_fld(text, "comm");
		e->pid = find_fld(text, "pid");
		e->prio = find_fld(text, "prio");
		e->target_cpu = find_fld(text, "target_cpu");
		e->vec = find_fld(text, "vec");
		e->irq = find_fld(text, "irq");
		e->ret = find_fld(text, "ret");
		/* Payload size: the end of the last field. */
		for (p = text; (p = strstr(p, "offset:")); p++) {
			const char *s = strstr(p, "size:");
			int o = atoi(p + 7), sz = s ? atoi(s + 5) : 0;

			if (o + sz > end)
				end = o + sz;
		}
		e->raw_size = end;
		free(text);
		if (i <= EV_KFREE && e->skbaddr.off < 0)
			return ovp_err(-EINVAL, "%s:%s has no skbaddr field", events[i].system,
				       events[i].name);
	}
	return 0;
}

static void put(uint8_t *raw, struct fld f, uint64_t v)
{
	if (f.off < 0)
		return;
	memcpy(raw + f.off, &v, f.size < 8 ? (size_t)f.size : 8);
}

static void put_str(uint8_t *raw, struct fld f, const char *s)
{
	if (f.off < 0)
		return;
	strncpy((char *)raw + f.off, s, (size_t)f.size);
}

static const char *const devs[] = { "vnet0", "vnet1", "eth0", "ovs-p1" };

/* PERF_RECORD_EXIT of thread e->tid, with the sample_id_all trailer
 * (TID, TIME, CPU, IDENTIFIER of the attrs' sample_type order). */
static size_t build_exit(uint8_t *buf, const struct pev *e)
{
	struct {
		struct perf_event_header h;
		uint32_t pid, ppid, tid, ptid;
		uint64_t time;
		uint32_t s_pid, s_tid;		/* sample_id: TID */
		uint64_t s_time;		/* TIME */
		uint32_t s_cpu, s_res;		/* CPU */
		uint64_t s_id;			/* IDENTIFIER */
	} r = { .h = { PERF_RECORD_EXIT, 0, sizeof(r) } };

	r.pid = r.tid = r.s_pid = r.s_tid = e->tid;
	r.ppid = r.ptid = 1;
	r.time = r.s_time = e->time;
	r.s_cpu = e->cpu;
	r.s_id = (uint64_t)EV_SWITCH * MAX_CPUS + e->cpu + 1;
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

/* PERF_RECORD_COMM naming thread e->tid "t<tid>" (its own process). */
static size_t build_comm(uint8_t *buf, const struct pev *e)
{
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		char comm[16];
		uint32_t s_pid, s_tid;		/* sample_id: TID */
		uint64_t s_time;		/* TIME */
		uint32_t s_cpu, s_res;		/* CPU */
		uint64_t s_id;			/* IDENTIFIER */
	} r = { .h = { PERF_RECORD_COMM, 0, sizeof(r) } };

	r.pid = r.tid = r.s_pid = r.s_tid = e->tid;
	snprintf(r.comm, sizeof(r.comm), "t%u", e->tid);
	r.s_time = e->time;
	r.s_cpu = e->cpu;
	r.s_id = (uint64_t)EV_SWITCH * MAX_CPUS + e->cpu + 1;
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

/*
 * The skb address of noend packet @n: new ones, slab-like (256 bytes apart),
 * or for collide ones the former span hash maps to a multiple of 2^20.
 * That hash was h = x ^ x>>33, h *= C, h ^= h>>33 on the key: each step is
 * inverted (the xorshift by 33 is its own inverse on 64 bits).
 */
static uint64_t noend_skb(uint64_t n)
{
	const uint64_t cinv = 0x4f74430c22a54005ull;	/* C^-1 mod 2^64 */
	uint64_t h = (n + 1) << 20;

	if (mode != MODE_COLLIDE)
		return 0xffff888100000000ull + n * 0x100;
	h ^= h >> 33;
	h *= cinv;
	return h ^ h >> 33;
}

/* PERF_RECORD_SAMPLE: IDENTIFIER|IP|TID|TIME|CPU|PERIOD|RAW, like perf record. */
static size_t build_sample(uint8_t *buf, const struct pev *e)
{
	const struct evfmt *f = &fmt[e->type];
	struct perf_event_header *h = (struct perf_event_header *)buf;
	uint64_t *u = (uint64_t *)(buf + 8);
	uint8_t *raw;
	uint32_t raw_size, pad;

	u[0] = (uint64_t)e->type * MAX_CPUS + e->cpu + 1;	/* IDENTIFIER */
	u[1] = 0xffffffff81a00000ull + e->type * 0x100;	/* IP */
	u[2] = (uint64_t)e->tid << 32 | e->tid;			/* pid, tid */
	u[3] = e->time;						/* TIME */
	u[4] = e->cpu;						/* cpu, res */
	if (mode == MODE_CPUS) {
		/* Samples claim CPU numbers far beyond the real ones: each
		 * sample in turn one of 0 .. 2047. */
		static uint32_t nth;

		u[4] = nth++ % 2048;
	}
	u[5] = 1;						/* PERIOD */
	raw = buf + 8 + 6 * 8 + 4;
	raw_size = (uint32_t)f->raw_size;
	memset(raw, 0, 256);
	put(raw, (struct fld){ 0, 2 }, f->id);
	put(raw, (struct fld){ 4, 4 }, e->tid);
	switch (e->type) {
	case EV_RX:
	case EV_RECV: {
		char name[16];
		const char *dev = devs[e->dev % 4];
		uint32_t dl;

		if (mode == MODE_DEVS) {
			snprintf(name, sizeof(name), "dev%u", e->dev);
			dev = name;
		}
		dl = (uint32_t)strlen(dev) + 1;

		put(raw, f->skbaddr, e->skb);
		put(raw, f->len, e->len);
		/* __data_loc: length << 16 | offset, string after the fields. */
		put(raw, f->name, (uint64_t)dl << 16 | raw_size);
		memcpy(raw + raw_size, dev, dl);
		raw_size += dl;
		break;
	}
	case EV_CONSUME:
		put(raw, f->skbaddr, e->skb);
		put(raw, f->location, 0xffffffff81c0f000ull);
		break;
	case EV_KFREE:
		put(raw, f->skbaddr, e->skb);
		put(raw, f->location, 0xffffffff81c0f100ull);
		put(raw, f->protocol, 0x0008);
		put(raw, f->reason, 2);
		break;
	case EV_SWITCH:
		if (mode == MODE_THREADS || mode == MODE_LIVE) {
			/* A short-lived thread e->tid and the CPU's worker e->cpu + 2000:
			 * skb 1 = the thread comes in, 0 = it goes out (exiting, or
			 * asleep when live). */
			uint32_t worker = 2000 + e->cpu, prev = e->skb ? worker : e->tid;

			put_str(raw, f->prev_comm, e->skb ? "handler1" : "worker");
			put(raw, f->prev_pid, prev);
			put(raw, f->prev_prio, 120);
			put(raw, f->prev_state, e->skb || mode == MODE_LIVE ? 1 : 0x10); /* S; EXIT_DEAD */
			put_str(raw, f->next_comm, e->skb ? "worker" : "handler1");
			put(raw, f->next_pid, e->skb ? e->tid : worker);
			put(raw, f->next_prio, 120);
			break;
		}
		put_str(raw, f->prev_comm, "handler1");
		put(raw, f->prev_pid, e->tid);
		put(raw, f->prev_prio, 120);
		put(raw, f->prev_state, 1);
		put_str(raw, f->next_comm, "revalidator2");
		put(raw, f->next_pid, e->tid + 100);
		put(raw, f->next_prio, 120);
		break;
	case EV_WAKEUP:
		put_str(raw, f->comm, "revalidator2");
		put(raw, f->pid, e->tid + 100);
		put(raw, f->prio, 120);
		put(raw, f->target_cpu, e->cpu);
		break;
	case EV_SOFT_ENTRY:
	case EV_SOFT_EXIT:
		put(raw, f->vec, 3);	/* NET_RX */
		break;
	case EV_IRQ_ENTRY: {
		static const char irqname[] = "virtio0-input.0";

		put(raw, f->irq, 24);
		put(raw, f->name, (uint64_t)sizeof(irqname) << 16 | raw_size);
		memcpy(raw + raw_size, irqname, sizeof(irqname));
		raw_size += sizeof(irqname);
		break;
	}
	case EV_IRQ_EXIT:
		put(raw, f->irq, 24);
		put(raw, f->ret, 1);
		break;
	}
	/* The kernel pads so that u32 size + payload keep the record 8-aligned. */
	pad = (raw_size + 4 + 7) / 8 * 8 - 4 - raw_size;
	raw_size += pad;
	memcpy(buf + 8 + 6 * 8, &raw_size, 4);
	h->type = PERF_RECORD_SAMPLE;
	h->misc = PERF_RECORD_MISC_KERNEL;
	h->size = (uint16_t)(8 + 6 * 8 + 4 + raw_size);
	return h->size;
}

static void usage(void)
{
	fprintf(stderr, "usage: gen-synth -o OUT -n EVENTS [-c CPUS] [-w RECORDS_PER_ROUND] "
		"[-s SEED] [-t TRACEFS] [-k] [-m normal|noend|collide|threads|live|devs|cpus]\n");
	exit(2);
}

struct gen {
	uint64_t skb_free[SKB_POOL];	/* LIFO free list of skb addresses */
	size_t nr_free;
	struct vec freeing;		/* skbs freed at .time, not yet reusable */
	uint64_t cpu_clock[MAX_CPUS];	/* next netif_rx time per CPU */
	uint64_t nr_noend;		/* noend/collide packets, threads or devices made */
	struct vec future;		/* events after the current window */
	struct vec cur[MAX_CPUS];	/* this window's events, by CPU */
	int ncpus;
};

static void emit(struct gen *g, uint64_t win_end, const struct pev *e)
{
	if (e->time < win_end)
		vec_push(&g->cur[e->cpu], e);
	else
		vec_push(&g->future, e);
}

/* One packet starting on @cpu at @t. */
static uint64_t packet(struct gen *g, int cpu, uint64_t t, uint64_t win_end)
{
	struct pev e = { .cpu = (uint32_t)cpu, .tid = 2000 + (uint32_t)cpu };
	uint64_t skb, r = rnd(), n = 1;
	int rcpu = cpu;

	if (mode == MODE_NOEND || mode == MODE_COLLIDE) {
		e.skb = noend_skb(g->nr_noend++);
		e.len = (uint16_t)(64 + r % 1400);
		e.dev = (uint32_t)((r >> 16) & 0xff) % 4;
		e.type = EV_RX;
		e.time = t;
		emit(g, win_end, &e);
		return 1;
	}
	if (mode == MODE_THREADS || mode == MODE_LIVE) {
		/* Thread 100000 + n: in, out 2-10 us later, EXIT after that (the
		 * kernel writes it before the last switch-out; order kept simple;
		 * none when live). */
		e.tid = 100000 + (uint32_t)g->nr_noend++;
		if (mode == MODE_LIVE) {
			e.type = EV_COMM_REC;	/* its name, just before it runs */
			e.time = t++;
			emit(g, win_end, &e);
		}
		e.type = EV_SWITCH;
		e.time = t;
		e.skb = 1;		/* switch in: prev = the CPU's worker */
		emit(g, win_end, &e);
		e.time = t + rnd_range(2000, 10000);
		e.skb = 0;		/* switch out: next = the CPU's worker */
		emit(g, win_end, &e);
		if (mode == MODE_LIVE)
			return 3;
		e.time += 100;
		e.type = EV_EXIT_REC;
		emit(g, win_end, &e);
		return 3;
	}
	if (!g->nr_free)
		return 0;	/* pool exhausted: skip a beat, as a full backlog drops */
	skb = g->skb_free[--g->nr_free];
	e.skb = skb;
	e.len = (uint16_t)(64 + r % 1400);
	e.dev = mode == MODE_DEVS ? (uint32_t)g->nr_noend++ : (uint32_t)((r >> 16) & 0xff) % 4;
	e.type = EV_RX;
	e.time = t;
	emit(g, win_end, &e);

	/* 1 in 16 packets is steered to another CPU; 1 in 1000 waits long. */
	if (((r >> 24) & 15) == 0 && g->ncpus > 1)
		rcpu = (cpu + 1 + (int)((r >> 28) % (uint64_t)(g->ncpus - 1))) % g->ncpus;
	e.cpu = (uint32_t)rcpu;
	e.tid = 2000 + (uint32_t)rcpu;
	e.type = EV_RECV;
	e.time = t + rnd_range(1000, 3000);
	if ((r >> 32) % 1000 == 0)
		e.time += rnd_range(50000, 500000);
	/* With -k, 1 in 256 packets is dropped before it is received. */
	if (nr_ev == NR_BASE_EV || (r >> 50) % 256)
		emit(g, win_end, &e);
	n++;

	e.type = (r >> 42) % 10 ? EV_CONSUME : EV_KFREE;
	e.time += rnd_range(500, 2000);
	emit(g, win_end, &e);
	n++;
	/* The address is free again once the packet is consumed: it becomes
	 * reusable in the first window starting after that time. */
	vec_push(&g->freeing, &e);
	return n;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *tracefs = "/sys/kernel/tracing";
	uint64_t nr_events = 0, written = 0, per_round = 4096, t0 = 1000000000000ull;
	static uint8_t buf[1024];
	struct pdata_tracing *tr = NULL;
	struct pdata_writer *w = NULL;
	struct gen *g;
	int c, i, err;

	rng_state = 0x9e3779b97f4a7c15ull;
	g = calloc(1, sizeof(*g));
	if (!g)
		return 1;
	g->ncpus = 4;
	while ((c = getopt(argc, argv, "o:n:c:w:s:t:km:")) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'n': nr_events = strtoull(optarg, NULL, 0); break;
		case 'c': g->ncpus = atoi(optarg); break;
		case 'w': per_round = strtoull(optarg, NULL, 0); break;
		case 's': rng_state = strtoull(optarg, NULL, 0) | 1; break;
		case 't': tracefs = optarg; break;
		case 'k': nr_ev = NR_EV; break;
		case 'm':
			if (!strcmp(optarg, "normal"))
				mode = MODE_NORMAL;
			else if (!strcmp(optarg, "noend"))
				mode = MODE_NOEND;
			else if (!strcmp(optarg, "collide"))
				mode = MODE_COLLIDE;
			else if (!strcmp(optarg, "threads"))
				mode = MODE_THREADS;
			else if (!strcmp(optarg, "live"))
				mode = MODE_LIVE;
			else if (!strcmp(optarg, "devs"))
				mode = MODE_DEVS;
			else if (!strcmp(optarg, "cpus"))
				mode = MODE_CPUS;
			else
				usage();
			break;
		default: usage();
		}
	}
	if (!out || !nr_events || g->ncpus < 1 || g->ncpus > MAX_CPUS || !per_round)
		usage();
	for (i = 0; i < SKB_POOL; i++)
		g->skb_free[g->nr_free++] = 0xffff888100000000ull + (uint64_t)(SKB_POOL - i) * 0x100;
	for (i = 0; i < g->ncpus; i++)
		g->cpu_clock[i] = t0 + (uint64_t)i * 97;

	err = pdata_tracing__new_tracefs(&tr, tracefs);
	err = err ?: load_formats(tr, tracefs);
	err = err ?: pdata_writer__open(&w, out);
	for (i = 0; !err && i < nr_ev; i++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT,
			.size = sizeof(attr),
			.config = fmt[i].id,
			.sample_period = 1,
			.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
				       PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
				       PERF_SAMPLE_RAW,
			.read_format = PERF_FORMAT_ID,
			.sample_id_all = 1,
			.disabled = 1,
			.inherit = 1,
		};
		uint64_t ids[MAX_CPUS];
		char name[128];
		int k;

		for (k = 0; k < g->ncpus; k++)
			ids[k] = (uint64_t)i * MAX_CPUS + (uint64_t)k + 1;
		snprintf(name, sizeof(name), "%s:%s", events[i].system, events[i].name);
		err = pdata_writer__add_attr(w, &attr, ids, (size_t)g->ncpus, name);
	}
	/* One COMM per worker thread, like perf's synthesized ones (time 0). */
	for (i = 0; !err && i < g->ncpus; i++) {
		struct {
			struct perf_event_header h;
			uint32_t pid, tid;
			char comm[16];
			uint64_t trailer[4];	/* TID, TIME, CPU, IDENTIFIER: all 0 */
		} cr = { .h = { PERF_RECORD_COMM, 0, sizeof(cr) } };

		cr.pid = cr.tid = 2000 + (uint32_t)i;
		snprintf(cr.comm, sizeof(cr.comm), "handler%u", (unsigned int)(i % 1000));
		err = pdata_writer__write(w, &cr, sizeof(cr));
	}
	err = err ?: pdata_writer__finished_round(w);

	/*
	 * Rounds: a window of time holding about per_round records.  Packets
	 * arrive every 300-900 ns on each CPU (~3 records each).
	 */
	{
		uint64_t win = per_round * 600 / 3 / (uint64_t)g->ncpus, win_end = t0;

		while (!err && written < nr_events) {
			size_t k;
			int cpu;

			/* skbs freed before this window starts are reusable: the
			 * most recently freed is handed out first, as slabs do. */
			if (g->freeing.nr)	/* qsort(NULL, 0) is undefined */
				qsort(g->freeing.v, g->freeing.nr, sizeof(*g->freeing.v), cmp_pev);
			for (k = 0; k < g->freeing.nr && g->freeing.v[k].time < win_end; k++)
				g->skb_free[g->nr_free++] = g->freeing.v[k].skb;
			if (g->freeing.nr > k)
				memmove(g->freeing.v, g->freeing.v + k,
					(g->freeing.nr - k) * sizeof(*g->freeing.v));
			g->freeing.nr -= k;
			win_end += win;
			/* Pending events that fall into this window. */
			for (k = 0; k < g->future.nr;) {
				if (g->future.v[k].time < win_end) {
					vec_push(&g->cur[g->future.v[k].cpu], &g->future.v[k]);
					g->future.v[k] = g->future.v[--g->future.nr];
				} else {
					k++;
				}
			}
			for (cpu = 0; cpu < g->ncpus; cpu++) {
				while (g->cpu_clock[cpu] < win_end) {
					uint64_t t = g->cpu_clock[cpu];

					packet(g, cpu, t, win_end);
					if (mode == MODE_NORMAL && rnd() % 32 == 0) {
						struct pev s = { .time = t + 150, .cpu = (uint32_t)cpu,
								 .tid = 2000 + (uint32_t)cpu,
								 .type = EV_SWITCH };

						emit(g, win_end, &s);
						if (nr_ev > NR_BASE_EV) {
							s.type = EV_WAKEUP;
							s.time = t + 120;
							emit(g, win_end, &s);
						}
					}
					if (nr_ev > NR_BASE_EV && rnd() % 8 == 0) {
						/* Between this packet's start and the next's. */
						struct pev s = { .time = t + 160, .cpu = (uint32_t)cpu,
								 .tid = 2000 + (uint32_t)cpu,
								 .type = EV_SOFT_ENTRY };

						emit(g, win_end, &s);
						if (rnd() % 8 == 0) {
							s.type = EV_IRQ_ENTRY;
							s.time = t + 200;
							emit(g, win_end, &s);
							s.type = EV_IRQ_EXIT;
							s.time = t + 230;
							emit(g, win_end, &s);
						}
						s.type = EV_SOFT_EXIT;
						s.time = t + 280;
						emit(g, win_end, &s);
					}
					g->cpu_clock[cpu] += rnd_range(300, 900);
				}
			}
			/* Drain: each CPU's buffer in time order, CPU after CPU. */
			for (cpu = 0; !err && cpu < g->ncpus; cpu++) {
				struct vec *v = &g->cur[cpu];

				qsort(v->v, v->nr, sizeof(*v->v), cmp_pev);
				for (k = 0; !err && k < v->nr; k++) {
					size_t sz = v->v[k].type == EV_EXIT_REC ?
						    build_exit(buf, &v->v[k]) :
						    v->v[k].type == EV_COMM_REC ?
						    build_comm(buf, &v->v[k]) :
						    build_sample(buf, &v->v[k]);

					err = pdata_writer__write(w, buf, sz);
					written++;
				}
				v->nr = 0;
			}
			err = err ?: pdata_writer__finished_round(w);
		}
	}
	if (!err)
		err = pdata_writer__set_tracing(w, tr);
	err = err ?: pdata_writer__set_host_features(w);
	err = err ?: pdata_writer__set_cmdline(w, argc, argv);
	err = pdata_writer__close(w, err);
	pdata_tracing__delete(tr);
	for (i = 0; i < MAX_CPUS; i++)
		free(g->cur[i].v);
	free(g->future.v);
	free(g->freeing.v);
	free(g);
	if (err) {
		fprintf(stderr, "gen-synth: %s\n", ovp_errmsg());
		return 1;
	}
	printf("%" PRIu64 "\n", written);
	return 0;
}
