/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdata-sample.h - decoding the fields of a record: the inline part, used
 * by the reader's hot loop (pdata-read.c) once per sample.  The rare and
 * long cases (every PERF_SAMPLE_* field, the sample_id_all trailer of other
 * records) are out of line in pdata-sample.c.
 */
#ifndef OVSPERF_PDATA_SAMPLE_H
#define OVSPERF_PDATA_SAMPLE_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pdata-local.h"

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Find the evsel of a sample record. */
static inline struct pdata_evsel *sample_evsel(struct pdata_session *s, const uint8_t *body, size_t len)
{
	uint64_t id;
	struct pdata_evsel *ev;

	if (s->nr_evsels == 1)
		return s->evsels[0];
	if (s->id_pos < 0 || (size_t)(s->id_pos + 1) * 8 > len)
		return s->nr_evsels ? s->evsels[0] : NULL;
	id = rd64(body + s->id_pos * 8);
	ev = pdata__evsel_by_id(s, id);
	return ev;
}

/*
 * Zero a sample with unrolled 16-byte stores: a plain memset of its ~230
 * bytes compiles to `rep stos`, whose start-up cost was half of the time
 * spent delivering a tracepoint sample.
 */
typedef uint64_t sample_v2 __attribute__((vector_size(16), may_alias, aligned(8)));

static inline void sample_clear(struct pdata_sample *s)
{
	sample_v2 *p = (sample_v2 *)s, z = { 0, 0 };

#pragma GCC unroll 32
	for (size_t i = 0; i < sizeof(*s) / 16; i++)
		p[i] = z;
	if (sizeof(*s) % 16)
		memset((char *)s + sizeof(*s) / 16 * 16, 0, sizeof(*s) % 16);
}

/*
 * The fixed-size fields that may precede PERF_SAMPLE_RAW, and RAW itself:
 * what perf record asks for with tracepoints and probes (IDENTIFIER, IP, TID,
 * TIME, CPU, PERIOD, RAW).  Such samples are decoded by the fast path below.
 */
#define SIMPLE_SAMPLE_TYPES                                                              \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |   \
	 PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |    \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)
/* What perf record asks for with tracepoints (-e sys:name, -a or not). */
#define PERF_TP_SAMPLE_TYPE                                                            \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |   \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)
/* Bytes of all the fixed fields of SIMPLE_SAMPLE_TYPES (IDENTIFIER to PERIOD). */
#define SIMPLE_FIXED_MAX (9 * 8)

/*
 * Hot path of pdata__parse_sample() for a sample_type within SIMPLE_SAMPLE_TYPES
 * and a record body of at least SIMPLE_FIXED_MAX + 4 bytes (the caller checks
 * both): the fixed fields cannot run past the end, so they need no bounds
 * check, and the fields that cannot be there are not tested.  Same results
 * as the general path.
 */
static inline int parse_simple_sample(uint64_t type, const uint8_t *p, const uint8_t *end,
			       struct pdata_sample *out)
{
	if (type & PERF_SAMPLE_IDENTIFIER) {
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_IP) {
		out->ip = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_TID) {
		out->pid = rd32(p);
		out->tid = rd32(p + 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_TIME) {
		out->time = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ADDR) {
		out->addr = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ID) {
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_STREAM_ID) {
		out->stream_id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CPU) {
		out->cpu = rd32(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_PERIOD) {
		out->period = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_RAW) {
		uint32_t sz = rd32(p);

		p += 4;
		if ((size_t)(end - p) < sz)
			return -EBADMSG;
		out->raw_size = sz;
		out->raw_data = p;
	}
	return 0;
}

/*
 * Decode a PERF_RECORD_SAMPLE, every PERF_SAMPLE_* field in the kernel's
 * order (perf_output_sample()).  Return 0 or -EBADMSG.
 */
int pdata__parse_sample_general(struct pdata_evsel *ev, const uint8_t *p, const uint8_t *end,
				struct pdata_sample *out);

/* Decode the sample_id_all trailer of a non-sample record. */
void pdata__parse_trailer(struct pdata_session *s, const union perf_event *event,
			  struct pdata_sample *out);

/*
 * Decode a PERF_RECORD_SAMPLE into @out; @ev_hint: its evsel when known
 * (looked up when it was queued), else NULL.  Inline: the evsel and the
 * fast paths; the general case out of line.  Return 0, -ENOENT (no evsel
 * for its id) or -EBADMSG.
 */
static inline __attribute__((always_inline)) int
pdata__parse_sample(struct pdata_session *s, const union perf_event *event,
		    struct pdata_evsel *ev_hint, struct pdata_sample *out)
{
	const uint8_t *rec = (const uint8_t *)event;
	const uint8_t *p = rec + sizeof(struct perf_event_header);
	const uint8_t *end = rec + event->header.size;
	struct pdata_evsel *ev;
	uint64_t type;

	/* The evsel was already looked up when the record was queued. */
	ev = ev_hint ?: sample_evsel(s, p, (size_t)(end - p));
	type = ev ? ev->attr.sample_type : 0;
	if (type == PERF_TP_SAMPLE_TYPE && end - p >= 6 * 8 + 4 && out == &s->cur) {
		/* perf record's tracepoint sample: fixed layout, straight-line;
		 * no clearing when the last sample was one too (s->cur_tp). */
		uint32_t sz = rd32(p + 48);

		if (!s->cur_tp) {
			sample_clear(out);
			s->cur_tp = true;
		}
		out->event = event;
		out->evsel = ev;

		out->id = rd64(p);
		out->ip = rd64(p + 8);
		out->pid = rd32(p + 16);
		out->tid = rd32(p + 20);
		out->time = rd64(p + 24);
		out->cpu = rd32(p + 32);
		out->period = rd64(p + 40);
		if (sz > (size_t)(end - p) - 52)
			return -EBADMSG;
		out->raw_size = sz;
		out->raw_data = p + 52;
		return 0;
	}
	if (out == &s->cur)
		s->cur_tp = false;
	sample_clear(out);
	out->cpu = UINT32_MAX;
	out->event = event;
	if (!ev)
		return -ENOENT;
	out->evsel = ev;
	if (!(type & ~SIMPLE_SAMPLE_TYPES) && end - p >= SIMPLE_FIXED_MAX + 4)
		return parse_simple_sample(type, p, end, out);
	return pdata__parse_sample_general(ev, p, end, out);
}

/* Timestamp of a kernel record without decoding all of it; 0 if none.
 * *evp gets the evsel of a sample (NULL for other records). */
static inline uint64_t pdata__record_time(struct pdata_session *s, const union perf_event *event,
					   struct pdata_evsel **evp)
{
	const uint8_t *rec = (const uint8_t *)event;
	size_t size = event->header.size;

	*evp = NULL;
	if (event->header.type == PERF_RECORD_SAMPLE) {
		const uint8_t *body = rec + sizeof(struct perf_event_header);
		struct pdata_evsel *ev = sample_evsel(s, body, size - 8);
		uint64_t type;
		size_t off = 0;

		if (!ev)
			return 0;
		*evp = ev;
		type = ev->attr.sample_type;
		/* perf record's tracepoint layout: the time is the fourth word. */
		if (type == PERF_TP_SAMPLE_TYPE)
			return size - 8 >= 4 * 8 ? rd64(body + 3 * 8) : 0;
		if (!(type & PERF_SAMPLE_TIME))
			return 0;
		off += (type & PERF_SAMPLE_IDENTIFIER) ? 8 : 0;
		off += (type & PERF_SAMPLE_IP) ? 8 : 0;
		off += (type & PERF_SAMPLE_TID) ? 8 : 0;
		if (off + 8 > size - 8)
			return 0;
		return rd64(body + off);
	} else {
		struct pdata_sample tr;

		pdata__parse_trailer(s, event, &tr);
		return tr.time;
	}
}

#endif /* OVSPERF_PDATA_SAMPLE_H */
