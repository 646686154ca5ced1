// SPDX-License-Identifier: Apache-2.0
/*
 * out/pftrace.c - the Perfetto protobuf writer of `ovsperf-analyze export
 * --perfetto` (see out/pftrace.h for what it writes).
 *
 * The protobuf encoding is done here, by hand: varints, tags and
 * length-delimited fields.  Field numbers are those of Perfetto's public
 * protos (protos/perfetto/trace/trace_packet.proto, track_event/ protos,
 * interned_data/interned_data.proto); tests/export/perfetto-min.proto lists
 * the subset used, and the export test decodes our files with protoc against
 * it.  A packet is built in two small stack buffers (its interned data and
 * its TrackEvent, each short and of known size when their tags are written)
 * and appended to the chunk; a full chunk is deflated into one
 * compressed_packets packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "ovsperf/container.h"
#include "ovsperf/err.h"
#include "out/pftrace.h"
#include "ovsperf/hash.h"
#include "ovsperf/intern.h"

/* Field numbers (Perfetto's protos). */
enum {
	TRACE_PACKET = 1,		/* Trace.packet */

	TP_CLOCK_SNAPSHOT = 6,		/* TracePacket */
	TP_TIMESTAMP = 8,
	TP_SEQ_ID = 10,			/* trusted_packet_sequence_id */
	TP_TRACK_EVENT = 11,
	TP_INTERNED = 12,
	TP_SEQ_FLAGS = 13,
	TP_COMPRESSED = 50,		/* compressed_packets */
	TP_CLOCK_ID = 58,		/* timestamp_clock_id */
	TP_DEFAULTS = 59,		/* trace_packet_defaults */
	TP_TRACK_DESC = 60,

	TE_CATEGORY_IIDS = 3,		/* TrackEvent */
	TE_DEBUG = 4,
	TE_TYPE = 9,
	TE_NAME_IID = 10,
	TE_TRACK_UUID = 11,
	TE_COUNTER_VALUE = 30,
	TE_FLOW_IDS = 47,
	TE_TERM_FLOW_IDS = 48,

	DA_NAME_IID = 1,		/* DebugAnnotation */
	DA_BOOL = 2,
	DA_UINT = 3,
	DA_INT = 4,
	DA_POINTER = 7,
	DA_STRING_IID = 17,

	ID_CATEGORIES = 1,		/* InternedData */
	ID_EVENT_NAMES = 2,
	ID_DEBUG_NAMES = 3,
	ID_DEBUG_STRINGS = 29,
	IE_IID = 1,			/* EventName, EventCategory, DebugAnnotationName, */
	IE_NAME = 2,			/* InternedString: iid, name / str */

	CS_CLOCKS = 1,			/* ClockSnapshot */
	CK_ID = 1,			/* ClockSnapshot.Clock */
	CK_TIMESTAMP = 2,
	CK_INCREMENTAL = 3,
	PD_CLOCK_ID = 58,		/* TracePacketDefaults.timestamp_clock_id */

	TD_UUID = 1,			/* TrackDescriptor */
	TD_NAME = 2,
	TD_PROCESS = 3,
	TD_THREAD = 4,
	TD_PARENT = 5,
	TD_COUNTER = 8,
	PD_PID = 1,			/* ProcessDescriptor */
	PD_NAME = 6,
	THD_PID = 1,			/* ThreadDescriptor */
	THD_TID = 2,
	THD_NAME = 5,
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };
enum { TYPE_SLICE_BEGIN = 1, TYPE_SLICE_END = 2, TYPE_INSTANT = 3, TYPE_COUNTER = 4 };
enum { SEQ_CLEARED = 1 };
#define CLOCK_BOOTTIME 6		/* BuiltinClock */
#define CLOCK_DELTA 64			/* first sequence-scoped clock id */

/* Track uuids: a number and its kind in the low 3 bits, so that the uuids
 * written on every event (threads, CPUs, lanes) take few bytes. */
enum { U_THREAD = 1, U_SCHED, U_IDLE, U_CPU, U_LANE, U_PROCESS, U_OTHER };
#define UUID(n, kind) (((uint64_t)(n) << 3) | (kind))
#define UUID_PROCESS(pid) UUID((uint32_t)(pid), U_PROCESS)
#define UUID_CPU(c) UUID(c, U_CPU)
#define UUID_SPAN(s) UUID(s, U_OTHER)
#define UUID_LANE(s, l) UUID(((uint64_t)(s) << 16) | (l), U_LANE)
#define UUID_COUNTER(n, i) UUID(((uint64_t)(n) + 1) << 16 | (i), U_OTHER)

/* The uuid of the timeline's track key @tid (report/timeline-sink.h). */
static uint64_t track_uuid(int64_t tid)
{
	if (tid >= EX_SCHED_BASE)
		return UUID(tid - EX_SCHED_BASE, U_SCHED);
	if (tid >= EX_IDLE_BASE)
		return UUID(tid - EX_IDLE_BASE, U_IDLE);
	return UUID(tid, U_THREAD);
}
#define PF_PKT_FLOW_BASE (1ull << 48)	/* flow ids of packet stages */

/* Bytes a packet's pieces may take: names are cut to this length. */
#define PF_MAX_STR 200
#define PF_MAX_ARGS 8

/*
 * Encoding.
 */

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *put_tag(uint8_t *p, unsigned int field, unsigned int wt)
{
	return put_varint(p, (uint64_t)field << 3 | wt);
}

static uint8_t *put_uint(uint8_t *p, unsigned int field, uint64_t v)
{
	return put_varint(put_tag(p, field, WT_VARINT), v);
}

static uint8_t *put_fixed64(uint8_t *p, unsigned int field, uint64_t v)
{
	p = put_tag(p, field, WT_I64);
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *put_bytes(uint8_t *p, unsigned int field, const void *b, size_t n)
{
	p = put_varint(put_tag(p, field, WT_LEN), n);
	memcpy(p, b, n);
	return p + n;
}

static size_t str_len(const char *s)
{
	size_t n = strlen(s);

	return n < PF_MAX_STR ? n : PF_MAX_STR;
}

static uint8_t *put_str(uint8_t *p, unsigned int field, const char *s)
{
	return put_bytes(p, field, s, str_len(s));
}

/*
 * Interning: string -> iid, per kind; iids count from 1.
 */

#define PF_CACHE 256
#define PF_KCACHE 256
/* Keys of intern_key(), each table its own: in the debug strings, the
 * "cpus" of a packet (below 2^63), a device by its id, a caller's string by
 * its sid (report/timeline-sink.h); in the event names, a packet's span and
 * stage names by address (unchanged until the sink closes). */
#define PF_KEY_DEV (1ull << 63)
#define PF_KEY_SID (3ull << 62)
#define PF_KEY_PTR (1ull << 63)

/* Iids are the ids of an ovsperf/intern.h table: 1, 2, ... in the order the
 * strings were first seen.  In front of it, a cache of the last entry seen
 * at an address: tables by address answer from it alone; tables by content
 * check it with strcmp() before use (the caller's buffer may hold another
 * string).  And a cache by key (intern_key()): a string the writer makes
 * from numbers, found by those numbers without being compared. */
struct pf_intern {
	struct ovp_intern ids;		/* by content, or by address (by_ptr) */
	struct pf_seq *seq;		/* the sequence whose state it is */
	bool by_ptr;			/* keyed by address: string literals only */
	struct {
		const char *ptr;
		const char *str;	/* the table's copy (by content) */
		uint64_t iid;
	} cache[PF_CACHE];
	struct {
		uint64_t key;		/* 0: empty */
		uint64_t iid;
	} kcache[PF_KCACHE];
};

/* A new table.  Names come from the recording: a sequence whose table
 * holds PF_MAX_INTERNED strings starts again (start_seq()).  NULL when out
 * of memory. */
static struct pf_intern *intern_new(bool by_ptr)
{
	struct pf_intern *t = calloc(1, sizeof(*t));

	if (t) {
		ovp_intern__init(&t->ids, 0);
		t->by_ptr = by_ptr;
	}
	return t;
}

static void intern_free(struct pf_intern *t)
{
	if (!t)
		return;
	ovp_intern__exit(&t->ids);
	free(t);
}

/* Forget every string of @t (its sequence's state is cleared). */
static void intern_clear(struct pf_intern *t)
{
	ovp_intern__exit(&t->ids);
	ovp_intern__init(&t->ids, 0);
	memset(t->cache, 0, sizeof(t->cache));
	memset(t->kcache, 0, sizeof(t->kcache));
}

/* The slot of @s in the address cache of a table. */
static inline size_t cache_slot(const char *s)
{
	return (((uintptr_t)s >> 3) ^ ((uintptr_t)s >> 11)) % PF_CACHE;
}

/* intern() past its cache: the table itself. */
static uint64_t intern_slow(struct pf_writer *w, struct pf_intern *t, const char *s,
			    unsigned int field, uint8_t **idp)
{
	size_t n = 0, nr = ovp_intern__count(&t->ids), ci = cache_slot(s);
	uint32_t id;
	uint8_t body[PF_MAX_STR + 24], *p;
	int r;

	if (t->by_ptr) {
		r = ovp_intern__put(&t->ids, &s, sizeof(s), &id);
	} else {
		n = str_len(s);
		r = ovp_intern__put(&t->ids, s, n, &id);
	}
	if (r || !id) {
		w->sink.err = w->sink.err ?: ovp_err(-ENOMEM, "export: out of memory");
		return 0;
	}
	if (t->by_ptr || !s[n]) {	/* not cut: the cache may answer next time */
		t->cache[ci].ptr = s;
		t->cache[ci].str = t->by_ptr ? s : ovp_intern__str(&t->ids, id);
		t->cache[ci].iid = id;
	}
	if (ovp_intern__count(&t->ids) == nr)
		return id;
	/* Full: its sequence starts again before its next packet. */
	if (ovp_intern__count(&t->ids) >= PF_MAX_INTERNED)
		t->seq->started = false;
	if (t->by_ptr)
		n = str_len(s);
	p = put_uint(body, IE_IID, id);
	p = put_bytes(p, IE_NAME, s, n);
	*idp = put_bytes(*idp, field, body, (size_t)(p - body));
	return id;
}

/*
 * The iid of @s in @t; when new, its entry {iid, name} is appended to the
 * interned data @id as field @field and *@idp advanced.  0 when out of memory
 * (the caller then writes the string itself where it can, or nothing).
 */
static inline uint64_t intern(struct pf_writer *w, struct pf_intern *t, const char *s,
			      unsigned int field, uint8_t **idp)
{
	size_t ci = cache_slot(s);

	if (t->cache[ci].ptr == s && (t->by_ptr || !strcmp(t->cache[ci].str, s)))
		return t->cache[ci].iid;
	return intern_slow(w, t, s, field, idp);
}

/* The CPUs of @pk's stages as a string ("3,3,5") in @buf (16 * 11 bytes). */
static const char *cpus_str(const struct ex_packet *pk, char *buf)
{
	char *c = buf;

	for (unsigned int k = 0; k < pk->nr_stages && k < 16; k++) {
		char tmp[10];
		int d = 0;
		uint32_t v = pk->cpu[k];

		if (k)
			*c++ = ',';
		do {
			tmp[d++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (d)
			*c++ = tmp[--d];
	}
	*c = '\0';
	return buf;
}

/*
 * The iid of @s, a string made from @key (not 0) alone, in the by-content
 * table @t: the same key always gives the same string, so a key found in
 * the cache answers without comparing the string.
 */
static uint64_t intern_key(struct pf_writer *w, struct pf_intern *t, uint64_t key, const char *s,
			   unsigned int field, uint8_t **idp)
{
	unsigned int ci = (unsigned int)(ovp_hash64(key) % PF_KCACHE);
	uint64_t iid;

	if (t->kcache[ci].key == key)
		return t->kcache[ci].iid;
	/* No string: the "cpus" of the packet being written, made now. */
	iid = intern(w, t, s ?: cpus_str(w->pk, w->cpus), field, idp);
	/* Not when intern() filled the table: the sequence starts again,
	 * clearing the cache, before its next packet. */
	if (iid && t->seq->started) {
		t->kcache[ci].key = key;
		t->kcache[ci].iid = iid;
	}
	return iid;
}

/*
 * Chunks and packets.
 */

static void write_out(struct pf_writer *w, const void *b, size_t n)
{
	if (!w->sink.err && fwrite(b, 1, n, w->f) != n)
		w->sink.err = ovp_err(errno ? -errno : -EIO, "write failed: %s",
				      strerror(errno ? errno : EIO));
}

/* Write the chunk out as one compressed_packets packet (or as it is). */
static void flush_chunk(struct pf_writer *w)
{
	uint8_t head[32], *p;
	size_t zn, inner;

	if (!w->len)
		return;
	if (!w->level) {
		write_out(w, w->chunk, w->len);
		w->len = 0;
		return;
	}
	zn = libdeflate_zlib_compress(w->z, w->chunk, w->len, w->zbuf, w->zcap);
	if (!zn) {
		w->sink.err = w->sink.err ?: ovp_err(-EIO, "export: deflate failed");
		w->len = 0;
		return;
	}
	inner = varint_len((uint64_t)TP_COMPRESSED << 3) + varint_len(zn) + zn;
	p = put_tag(head, TRACE_PACKET, WT_LEN);
	p = put_varint(p, inner);
	p = put_tag(p, TP_COMPRESSED, WT_LEN);
	p = put_varint(p, zn);
	write_out(w, head, (size_t)(p - head));
	write_out(w, w->zbuf, zn);
	w->len = 0;
}

/* Append a TracePacket of @n bytes from @parts (@nr pieces) to the chunk. */
static void append(struct pf_writer *w, const uint8_t *const *parts, const size_t *lens, int nr)
{
	size_t n = 0;
	uint8_t *c, *start;

	for (int i = 0; i < nr; i++)
		n += lens[i];
	if (w->len + n + 16 > EX_PF_CHUNK)
		flush_chunk(w);
	c = start = w->chunk + w->len;
	c = put_tag(c, TRACE_PACKET, WT_LEN);
	c = put_varint(c, n);
	for (int i = 0; i < nr; i++) {
		memcpy(c, parts[i], lens[i]);
		c += lens[i];
	}
	w->len += (size_t)(c - start);
	w->raw_bytes += (size_t)(c - start);
	w->nr_packets++;
}

/*
 * The first packet of sequence @q, and the first after one of its interning
 * tables filled up (intern(): the strings of the recording, such as task
 * names, are not kept without bound; the trace still holds them all):
 * clears its incremental state and makes the sequence's incremental clock
 * the default clock of its timestamps (defined by clock_seq() before the
 * next timestamp).
 */
static void start_seq(struct pf_writer *w, struct pf_seq *q)
{
	uint8_t b[32], ck[8], *p = b, *c;

	if (q->starts++) {	/* again: its strings and clock are forgotten */
		intern_clear(q->names);
		intern_clear(q->cats);
		intern_clear(q->keys);
		intern_clear(q->strs);
		q->clocked = false;
	}
	q->started = true;
	p = put_uint(p, TP_SEQ_ID, q->id);
	p = put_uint(p, TP_SEQ_FLAGS, SEQ_CLEARED);
	c = put_uint(ck, PD_CLOCK_ID, CLOCK_DELTA);
	p = put_bytes(p, TP_DEFAULTS, ck, (size_t)(c - ck));
	const uint8_t *parts[] = { b };
	size_t lens[] = { (size_t)(p - b) };

	append(w, parts, lens, 1);
}

/*
 * Before the first timestamp of sequence @q: a ClockSnapshot that starts its
 * incremental clock at @ts (on BOOTTIME, the trace's clock); the packet's
 * own timestamp is on BOOTTIME.
 */
static void clock_seq(struct pf_writer *w, struct pf_seq *q, uint64_t ts)
{
	uint8_t b[128], ck[32], cs[80], *p = b, *c, *d;

	q->clocked = true;
	q->last_ts = ts;
	p = put_uint(p, TP_TIMESTAMP, ts);
	p = put_uint(p, TP_CLOCK_ID, CLOCK_BOOTTIME);
	p = put_uint(p, TP_SEQ_ID, q->id);
	c = put_uint(ck, CK_ID, CLOCK_BOOTTIME);
	c = put_uint(c, CK_TIMESTAMP, ts);
	d = put_bytes(cs, CS_CLOCKS, ck, (size_t)(c - ck));
	c = put_uint(ck, CK_ID, CLOCK_DELTA);
	c = put_uint(c, CK_TIMESTAMP, ts);
	c = put_uint(c, CK_INCREMENTAL, 1);
	d = put_bytes(d, CS_CLOCKS, ck, (size_t)(c - ck));
	p = put_bytes(p, TP_CLOCK_SNAPSHOT, cs, (size_t)(d - cs));
	const uint8_t *parts[] = { b };
	size_t lens[] = { (size_t)(p - b) };

	append(w, parts, lens, 1);
}

/*
 * Append one TracePacket without timestamp on sequence @q (a track
 * descriptor): the sequence id, then the payload (field @field, body @body),
 * written straight into the chunk.
 */
static void emit(struct pf_writer *w, struct pf_seq *q, unsigned int field, const uint8_t *body,
		 size_t blen)
{
	size_t n;
	uint8_t *c;

	if (!q->started)
		start_seq(w, q);
	n = 2 + varint_len((uint64_t)field << 3) + varint_len(blen) + blen;
	if (w->len + n + 16 > EX_PF_CHUNK)
		flush_chunk(w);
	c = w->chunk + w->len;
	*c++ = TRACE_PACKET << 3 | WT_LEN;
	c = put_varint(c, n);
	/* The sequence ids are below 128: one byte. */
	c = put_uint(c, TP_SEQ_ID, q->id);
	c = put_tag(c, field, WT_LEN);
	c = put_varint(c, blen);
	memcpy(c, body, blen);
	c += blen;
	n = (size_t)(c - (w->chunk + w->len));
	w->len += n;
	w->raw_bytes += n;
	w->nr_packets++;
}

/*
 * Track descriptors.
 */

/* A track described. */
struct pf_track {
	struct ovp_hmap_node node;	/* in pf_writer.seen */
	uint64_t uuid;
};

/* Is track @uuid to be described now (not yet, or the set is full)? */
static bool seen_add(struct pf_writer *w, uint64_t uuid)
{
	size_t hash = (size_t)ovp_hash64(uuid);
	struct pf_track *t;

	OVP_HMAP_FOR_EACH_WITH_HASH (t, node, hash, &w->seen)
		if (t->uuid == uuid)
			return false;
	if (ovp_hmap_is_full(&w->seen))
		return true;
	t = malloc(sizeof(*t));
	if (!t) {
		w->sink.err = w->sink.err ?: ovp_err(-ENOMEM, "export: out of memory");
		return false;
	}
	t->uuid = uuid;
	ovp_hmap_insert_nocap(&w->seen, &t->node, hash);
	return true;
}

/* A track: @pid/@tid >= 0 make it a process / thread track. */
static void describe(struct pf_writer *w, uint64_t uuid, uint64_t parent, const char *name,
		     int64_t pid, int64_t tid, bool counter)
{
	uint8_t body[3 * PF_MAX_STR], sub[PF_MAX_STR + 32], *p = body, *q = sub;

	p = put_uint(p, TD_UUID, uuid);
	if (parent)
		p = put_uint(p, TD_PARENT, parent);
	if (tid >= 0) {
		q = put_uint(q, THD_PID, (uint64_t)pid);
		q = put_uint(q, THD_TID, (uint64_t)tid);
		q = put_str(q, THD_NAME, name);
		p = put_bytes(p, TD_THREAD, sub, (size_t)(q - sub));
	} else if (pid >= 0) {
		q = put_uint(q, PD_PID, (uint64_t)pid);
		q = put_str(q, PD_NAME, name);
		p = put_bytes(p, TD_PROCESS, sub, (size_t)(q - sub));
	} else {
		p = put_str(p, TD_NAME, name);
	}
	if (counter)
		p = put_bytes(p, TD_COUNTER, "", 0);
	emit(w, &w->seq[1], TP_TRACK_DESC, body, (size_t)(p - body));
}

static struct pf_writer *of(struct ex_sink *s)
{
	return container_of(s, struct pf_writer, sink);
}

/* Processes: pid 0 (the idle tasks) is a plain track, not a process. */
static void sk_process(struct ex_sink *s, int64_t pid, const char *name)
{
	if (pid == 0)
		describe(of(s), UUID_PROCESS(0), 0, name, -1, -1, false);
	else
		describe(of(s), UUID_PROCESS(pid), 0, name, pid, -1, false);
}

static void sk_thread(struct ex_sink *s, int64_t pid, int64_t tid, const char *name, int64_t sort)
{
	(void)sort;
	if (pid == 0)
		describe(of(s), track_uuid(tid), UUID_PROCESS(0), name, -1, -1, false);
	else
		describe(of(s), track_uuid(tid), 0, name, pid, tid, false);
}

static void sk_subtrack(struct ex_sink *s, int64_t pid, int64_t tid, int64_t parent_tid,
			const char *name, int64_t sort)
{
	(void)parent_tid;
	(void)sort;
	describe(of(s), track_uuid(tid), UUID_PROCESS(pid), name, -1, -1, false);
}

/*
 * Track events.
 */

/* The debug annotations of @args, appended to the TrackEvent at @p. */
static uint8_t *put_args(struct pf_writer *w, struct pf_seq *sq, uint8_t *p, uint8_t **idp,
			 const struct ex_arg *args, const uint64_t *skeys, int nr)
{
	uint8_t *q;
	uint64_t key;

	for (int i = 0; i < nr && i < PF_MAX_ARGS; i++) {
		const struct ex_arg *a = &args[i];

		/* Written in place: an annotation is a name iid and one value,
		 * under 128 bytes, so its length takes the one byte kept. */
		*p = TE_DEBUG << 3 | WT_LEN;
		q = put_uint(p + 2, DA_NAME_IID, intern(w, sq->keys, a->key, ID_DEBUG_NAMES, idp));
		switch (a->kind) {
		case EXA_INT:
			q = put_uint(q, DA_INT, (uint64_t)a->v.i);
			break;
		case EXA_UINT:
			q = put_uint(q, DA_UINT, a->v.u);
			break;
		case EXA_PTR:
			q = put_uint(q, DA_POINTER, a->v.u);
			break;
		case EXA_STR:
			/* The writer's keys (skeys) have bit 63 clear, the
			 * caller's sids set. */
			key = skeys && skeys[i] ? skeys[i]
			      : a->sid	       ? PF_KEY_SID | a->sid
					       : 0;
			q = put_uint(q, DA_STRING_IID,
				     key ? intern_key(w, sq->strs, key, a->v.s, ID_DEBUG_STRINGS, idp)
					 : intern(w, sq->strs, a->v.s, ID_DEBUG_STRINGS, idp));
			break;
		case EXA_BOOL:
			q = put_uint(q, DA_BOOL, a->v.u);
			break;
		}
		p[1] = (uint8_t)(q - (p + 2));
		p = q;
	}
	return p;
}

/*
 * One TrackEvent on @uuid: a packet of the sequence id, the TrackEvent, the
 * interned data it introduces and, last, the timestamp (what changes from one
 * packet to the next comes last, so that deflate finds the rest of the packet
 * in a recent one as one match).  The timestamp is a delta of the sequence's
 * incremental clock, or absolute on BOOTTIME (timestamp_clock_id) for an
 * event dated before the clock's last value.  No packet has
 * SEQ_NEEDS_INCREMENTAL_STATE: the flag tells a reader to skip packets after
 * a loss of state, and both sequences start by clearing their state and lose
 * no packet.
 */
static void event(struct pf_writer *w, uint64_t uuid, uint64_t ts, int type, const char *cat,
		  const char *name, uint64_t nkey, const struct ex_arg *args, const uint64_t *skeys,
		  int nr_args, uint64_t flow_out, uint64_t flow_in, bool has_value, int64_t value)
{
	/* Room: every interned string new (name, category, PF_MAX_ARGS keys
	 * and string values), each under PF_MAX_STR + 24 bytes. */
	uint8_t ib[(2 * PF_MAX_ARGS + 2) * (PF_MAX_STR + 32)], *ip = ib;
	/* In time order: on the first sequence. */
	struct pf_seq *q = &w->seq[w->seq[0].clocked && ts < w->seq[0].last_ts];
	uint8_t *pkt, *tev, *p;
	size_t te_len, len, ilen;
	bool past;

	if (!q->started)
		start_seq(w, q);
	if (!q->clocked)
		clock_seq(w, q, ts);
	past = ts < q->last_ts;
	/* A packet is under 64 KiB, the chunk's spare room. */
	if (w->len + sizeof(ib) + PF_MAX_ARGS * PF_MAX_STR + 256 > EX_PF_CHUNK)
		flush_chunk(w);
	/* Written in place, each length given one byte and moved up in the rare
	 * case it needs more. */
	pkt = w->chunk + w->len;
	/* The sequence ids are below 128: one byte. */
	p = put_uint(pkt + 2, TP_SEQ_ID, q->id);
	*p++ = TP_TRACK_EVENT << 3 | WT_LEN;
	tev = ++p;
	if (cat)
		p = put_uint(p, TE_CATEGORY_IIDS, intern(w, q->cats, cat, ID_CATEGORIES, &ip));
	p = put_uint(p, TE_TYPE, (uint64_t)type);
	if (name)
		p = put_uint(p, TE_NAME_IID,
			     nkey ? intern_key(w, q->names, nkey, name, ID_EVENT_NAMES, &ip)
				  : intern(w, q->names, name, ID_EVENT_NAMES, &ip));
	p = put_uint(p, TE_TRACK_UUID, uuid);
	if (has_value)
		p = put_uint(p, TE_COUNTER_VALUE, (uint64_t)value);
	if (nr_args)
		p = put_args(w, q, p, &ip, args, skeys, nr_args);
	if (flow_out)
		p = put_fixed64(p, TE_FLOW_IDS, flow_out);
	if (flow_in)
		p = put_fixed64(p, TE_TERM_FLOW_IDS, flow_in);
	te_len = (size_t)(p - tev);
	if (te_len >= 0x80) {
		memmove(tev + varint_len(te_len) - 1, tev, te_len);
		p += varint_len(te_len) - 1;
	}
	put_varint(tev - 1, te_len);
	ilen = (size_t)(ip - ib);
	if (ilen) {
		p = put_tag(p, TP_INTERNED, WT_LEN);
		p = put_varint(p, ilen);
		memcpy(p, ib, ilen);
		p += ilen;
	}
	if (past) {
		p = put_uint(p, TP_TIMESTAMP, ts);
		p = put_uint(p, TP_CLOCK_ID, CLOCK_BOOTTIME);
	} else {
		p = put_uint(p, TP_TIMESTAMP, ts - q->last_ts);
		q->last_ts = ts;
	}
	len = (size_t)(p - (pkt + 2));
	if (len >= 0x80)
		memmove(pkt + 1 + varint_len(len), pkt + 2, len);
	pkt[0] = TRACE_PACKET << 3 | WT_LEN;
	put_varint(pkt + 1, len);
	len += 1 + varint_len(len);
	w->len += len;
	w->raw_bytes += len;
	w->nr_packets++;
	w->nr_events++;
}

static void sk_begin(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
		     const char *name, const struct ex_arg *args, int nr_args)
{
	(void)pid;
	event(of(s), track_uuid(tid), ts, TYPE_SLICE_BEGIN, cat, name, 0, args, NULL, nr_args, 0, 0, false,
	      0);
}

static void sk_end(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts,
		   const struct ex_arg *args, int nr_args)
{
	(void)pid;
	event(of(s), track_uuid(tid), ts, TYPE_SLICE_END, NULL, NULL, 0, args, NULL, nr_args, 0, 0,
	      false, 0);
}

static void sk_complete(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, uint64_t dur,
			const char *cat, const char *name, const struct ex_arg *args, int nr_args)
{
	sk_begin(s, pid, tid, ts, cat, name, args, nr_args);
	sk_end(s, pid, tid, ts + dur, NULL, 0);
}

static void sk_instant(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
		       const char *name, const struct ex_arg *args, int nr_args, uint64_t flow_out,
		       uint64_t flow_in)
{
	(void)pid;
	event(of(s), track_uuid(tid), ts, TYPE_INSTANT, cat, name, 0, args, NULL, nr_args, flow_out,
	      flow_in, false, 0);
}

/*
 * Packets: one slice per packet on a lane of its span (lanes are tracks whose
 * packets do not overlap, the first free one is taken), with a child slice
 * per hop when the span has more than two stages; the hops of a packet are
 * linked by one flow.
 */
static uint64_t lane_of(struct pf_writer *w, const struct ex_packet *pk, int64_t pid)
{
	unsigned int s = pk->span_idx < PF_MAX_SPANS ? pk->span_idx : PF_MAX_SPANS - 1;
	uint64_t t0 = pk->t[0], end = pk->t[pk->nr_stages - 1];
	uint32_t l, best = 0;
	char name[PF_MAX_STR + 32];

	if (!w->nr_lanes[s] && seen_add(w, UUID_SPAN(s)))
		describe(w, UUID_SPAN(s), UUID_PROCESS(pid), pk->span, -1, -1, false);
	for (l = 0; l < w->nr_lanes[s]; l++) {
		if (w->lane_end[s][l] <= t0)
			break;
		if (w->lane_end[s][l] < w->lane_end[s][best])
			best = l;
	}
	if (l == w->nr_lanes[s]) {
		if (l == PF_MAX_LANES) {
			l = best;	/* overlaps: the viewer nests it or reports it */
		} else {
			if (!w->lane_end[s]) {
				w->lane_end[s] = calloc(PF_MAX_LANES, sizeof(uint64_t));
				if (!w->lane_end[s]) {
					w->sink.err = w->sink.err ?: ovp_err(-ENOMEM, "export: "
									     "out of memory");
					return 0;
				}
			}
			w->nr_lanes[s]++;
			snprintf(name, sizeof(name), "%s %u", pk->span, l);
			describe(w, UUID_LANE(s, l), UUID_SPAN(s), name, -1, -1, false);
		}
	}
	w->lane_end[s][l] = end;
	return UUID_LANE(s, l);
}

static void sk_packet(struct ex_sink *s, int64_t pid, const struct ex_packet *pk)
{
	struct pf_writer *w = of(s);
	unsigned int nst = pk->nr_stages, k;
	uint64_t uuid = lane_of(w, pk, pid), flow = 0;
	/* The key of the "cpus" string: its CPUs (up to 6, each below 1024) and
	 * their number; 0 (none) past that.  With a key, the string is made
	 * only when the key is not in the cache (intern_key()). */
	uint64_t ckey = nst <= 6 ? (uint64_t)nst << 60 : 0;

	if (!uuid)
		return;
	for (k = 0; k < nst && ckey; k++) {
		if (pk->cpu[k] < 1024)
			ckey |= (uint64_t)pk->cpu[k] << (10 * k);
		else
			ckey = 0;
	}
	w->pk = pk;
	struct ex_arg b[] = {
		EXA_P("skb", pk->skb), EXA_U("gen", pk->gen),
		EXA_S("cpus", ckey ? NULL : cpus_str(pk, w->cpus)),
		EXA_S("device", pk->dev ? pk->dev : ""),
	};
	const uint64_t bkeys[] = { 0, 0, ckey, pk->dev_id ? PF_KEY_DEV | pk->dev_id : 0 };
	struct ex_arg e[1 + 2 * EX_MAX_BLAME];
	int ne = 0;

	event(w, uuid, pk->t[0], TYPE_SLICE_BEGIN, "packet", pk->span, PF_KEY_PTR | (uintptr_t)pk->span, b, bkeys, pk->dev ? 4 : 3,
	      0, 0, false, 0);
	if (nst > 2) {
		flow = PF_PKT_FLOW_BASE + pk->id;
		for (k = 0; k + 1 < nst; k++) {
			struct ex_arg a = EXA_U("cpu", pk->cpu[k]);
			const char *st = pk->stages[k] ? pk->stages[k] : "?";

			event(w, uuid, pk->t[k], TYPE_SLICE_BEGIN, "hop", st,
			      PF_KEY_PTR | (uintptr_t)st, &a, NULL, 1, k + 2 < nst ? flow : 0,
			      k + 2 == nst ? flow : 0, false, 0);
			event(w, uuid, pk->t[k + 1], TYPE_SLICE_END, NULL, NULL, 0, NULL, NULL, 0,
			      0, 0, false, 0);
		}
	}
	if (pk->lost_window)
		e[ne++] = EXA_B("lost_window", true);
	for (int i = 0; i < pk->nr_blame && i < 2 * EX_MAX_BLAME; i++)
		e[ne++] = pk->blame[i];
	event(w, uuid, pk->t[nst - 1], TYPE_SLICE_END, NULL, NULL, 0, e, NULL, ne, 0, 0, false,
	      0);
}

/* Counter tracks: series i of counter @name (the first two names seen get
 * their own uuid ranges, as the timeline has two counters). */
static void sk_counter(struct ex_sink *s, int64_t pid, uint64_t ts, const char *name,
		       const char *series, bool indexed, const uint64_t *vals, unsigned int nr)
{
	struct pf_writer *w = of(s);
	unsigned int c = indexed ? 0 : 1;
	char tname[PF_MAX_STR + 40];

	for (unsigned int i = 0; i < nr; i++) {
		uint64_t uuid = UUID_COUNTER(c, i);

		if (seen_add(w, uuid)) {
			if (indexed)
				snprintf(tname, sizeof(tname), "%s %s%u", name, series, i);
			else
				snprintf(tname, sizeof(tname), "%s", name);
			describe(w, uuid, UUID_PROCESS(pid), tname, -1, -1, true);
		}
		event(w, uuid, ts, TYPE_COUNTER, NULL, NULL, 0, NULL, NULL, 0, 0, 0, true,
		      (int64_t)vals[i]);
	}
}

static void sk_cpu_begin(struct ex_sink *s, uint32_t cpu, uint64_t ts, const char *cat,
			 const char *name, const struct ex_arg *args, int nr_args)
{
	struct pf_writer *w = of(s);
	char tname[32];

	if (cpu < PF_MAX_CPUS ? !(w->cpu_seen[cpu / 64] & (1ull << cpu % 64)) &&
				(w->cpu_seen[cpu / 64] |= 1ull << cpu % 64)
			      : seen_add(w, UUID_CPU(cpu))) {
		snprintf(tname, sizeof(tname), "CPU %u", cpu);
		describe(w, UUID_CPU(cpu), 0, tname, -1, -1, false);
	}
	event(w, UUID_CPU(cpu), ts, TYPE_SLICE_BEGIN, cat, name, 0, args, NULL, nr_args, 0, 0,
	      false, 0);
}

static void sk_cpu_end(struct ex_sink *s, uint32_t cpu, uint64_t ts)
{
	event(of(s), UUID_CPU(cpu), ts, TYPE_SLICE_END, NULL, NULL, 0, NULL, NULL, 0, 0, 0, false,
	      0);
}

static const struct ex_sink_ops pf_sink_ops = {
	.process = sk_process,
	.thread = sk_thread,
	.subtrack = sk_subtrack,
	.begin = sk_begin,
	.end = sk_end,
	.complete = sk_complete,
	.instant = sk_instant,
	.packet = sk_packet,
	.counter = sk_counter,
	.cpu_begin = sk_cpu_begin,
	.cpu_end = sk_cpu_end,
};

static void pf_free(struct pf_writer *w)
{
	struct ovp_hmap_node *next;
	struct pf_track *t;

	if (w->z)
		libdeflate_free_compressor(w->z);
	free(w->chunk);
	free(w->zbuf);
	OVP_HMAP_FOR_EACH_SAFE (t, next, node, &w->seen)
		free(t);
	ovp_hmap_exit(&w->seen);
	for (int i = 0; i < 2; i++) {
		intern_free(w->seq[i].names);
		intern_free(w->seq[i].cats);
		intern_free(w->seq[i].keys);
		intern_free(w->seq[i].strs);
		w->seq[i].names = w->seq[i].cats = w->seq[i].keys = w->seq[i].strs = NULL;
	}
	for (int s = 0; s < PF_MAX_SPANS; s++)
		free(w->lane_end[s]);
	w->z = NULL;
	w->chunk = w->zbuf = NULL;
	memset(w->lane_end, 0, sizeof(w->lane_end));
}

int pf_open(struct pf_writer *w, FILE *f, int level)
{
	memset(w, 0, sizeof(*w));
	w->sink.ops = &pf_sink_ops;
	w->f = f;
	w->level = level;
	w->seq[0].id = 1;
	w->seq[1].id = 2;
	ovp_hmap_init(&w->seen);
	ovp_hmap_set_cap(&w->seen, PF_MAX_TRACKS);
	/* Room for a chunk plus one packet past its threshold. */
	w->chunk = malloc(EX_PF_CHUNK + 65536);
	if (!w->chunk)
		goto nomem;
	for (int i = 0; i < 2; i++) {
		struct pf_seq *q = &w->seq[i];

		/* Categories and argument keys are string literals (report/timeline-sink.h). */
		q->names = intern_new(false);
		q->cats = intern_new(true);
		q->keys = intern_new(true);
		q->strs = intern_new(false);
		if (!q->names || !q->cats || !q->keys || !q->strs)
			goto nomem;
		q->names->seq = q->cats->seq = q->keys->seq = q->strs->seq = q;
	}
	if (level) {
		w->z = libdeflate_alloc_compressor(level);
		if (!w->z)
			goto nomem;
		w->zcap = libdeflate_zlib_compress_bound(w->z, EX_PF_CHUNK + 65536);
		w->zbuf = malloc(w->zcap);
		if (!w->zbuf)
			goto nomem;
	}
	return 0;
nomem:
	pf_free(w);
	w->f = NULL;
	return w->sink.err = ovp_err(-ENOMEM, "export: out of memory");
}

int pf_close(struct pf_writer *w)
{
	if (!w->f)
		return w->sink.err;
	flush_chunk(w);
	if (fflush(w->f) && !w->sink.err)
		w->sink.err = ovp_err(errno ? -errno : -EIO, "write failed: %s",
				      strerror(errno ? errno : EIO));
	pf_free(w);
	w->f = NULL;
	return w->sink.err;
}
