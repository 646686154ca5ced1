/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evdec.h - decoding tracepoint / probe payload fields from the recording's
 * own format data (libtraceevent), resolved once, read often.
 *
 *	struct evdec_field skb;
 *	if (evdec_field__find(&skb, evsel, "skbaddr") == 0)	// once, in ready()
 *		...
 *	uint64_t p = evdec_field__u64(&skb, sample);		// per sample, no lookup
 *
 * Reads are bounds-checked against the sample's raw size: a field that lies
 * outside the payload reads as 0 (numbers) or "" (strings) and
 * evdec_field__ok() tells whether it was really there.
 */
#ifndef OVSPERF_EVDEC_H
#define OVSPERF_EVDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ovsperf/pdata.h"

struct pdata_evsel;
struct pdata_sample;
struct tep_format_field;
struct pdata_session;

struct evdec_field {
	const struct tep_format_field *f;	/* NULL when unresolved */
	uint32_t offset;			/* byte offset in the raw payload */
	uint32_t size;				/* bytes (element size * count for arrays) */
	bool is_signed;
	bool is_dynamic;			/* __data_loc: offset/len word at @offset */
	bool is_relative;			/* __rel_loc: the offset counts from the field's end */
	bool is_string;				/* char[] or __data_loc char[] */
	bool is_array;
};

/**
 * evdec_field__find() - resolve field @name of @evsel.
 * Return: 0, -ENOENT if the event has no such field (or is no tracepoint).
 * @out is zeroed on failure.
 */
int evdec_field__find(struct evdec_field *out, const struct pdata_evsel *evsel, const char *name);

/* Like evdec_field__find() but tries each name of a NULL-terminated list. */
int evdec_field__find_any(struct evdec_field *out, const struct pdata_evsel *evsel,
			  const char *const *names);

static inline bool evdec_field__resolved(const struct evdec_field *f)
{
	return f->f != NULL;
}

/* Integer value (sign-extended when the field is signed); 0 when absent. */
uint64_t evdec_field__u64_slow(const struct evdec_field *f, const struct pdata_sample *s);
int64_t evdec_field__s64(const struct evdec_field *f, const struct pdata_sample *s);

/* Is the field's whole extent inside this sample's payload? */
static inline bool evdec_field__ok(const struct evdec_field *f, const struct pdata_sample *s)
{
	return f->f && s->raw_data && (uint64_t)f->offset + f->size <= s->raw_size;
}

/* Inline for the common 8-byte field (pointers, skb addresses): reports
 * call this per sample. */
static inline uint64_t evdec_field__u64(const struct evdec_field *f, const struct pdata_sample *s)
{
	uint64_t v;

	if (f->size != 8 || !evdec_field__ok(f, s))
		return evdec_field__u64_slow(f, s);
	memcpy(&v, (const uint8_t *)s->raw_data + f->offset, 8);
	return v;
}

/*
 * Bytes of an array or string field (dynamic or fixed); *len gets their
 * number (for strings: up to the first NUL).  NULL when absent.  Points into
 * the sample: borrowed.
 */
const void *evdec_field__data(const struct evdec_field *f, const struct pdata_sample *s,
			      uint32_t *len);

/*
 * Bytes of an array or string field (dynamic or fixed), all of them: for a
 * string, the NUL and whatever follows it up to the field's length are
 * included.  NULL (and *len 0) when absent.  Borrowed from the sample.
 */
static inline const uint8_t *evdec_field__bytes(const struct evdec_field *f,
						const struct pdata_sample *s, uint32_t *len)
{
	const uint8_t *raw = (const uint8_t *)s->raw_data;
	uint32_t off, l;

	*len = 0;
	if (!evdec_field__ok(f, s))
		return NULL;
	if (f->is_dynamic) {
		uint32_t loc;

		memcpy(&loc, raw + f->offset, 4);
		off = loc & 0xffff;
		l = loc >> 16;
		if (f->is_relative)
			off += f->offset + f->size;
	} else {
		off = f->offset;
		l = f->size;
	}
	if ((uint64_t)off + l > s->raw_size)
		return NULL;
	*len = l;
	return raw + off;
}

/* String field copied into @buf (always NUL terminated); returns @buf. */
const char *evdec_field__str(const struct evdec_field *f, const struct pdata_sample *s,
			     char *buf, size_t size);

/*
 * Print the sample's tracepoint payload with its own print format, as
 * perf script's "trace" field does (libtraceevent TEP_PRINT_INFO).  Appends to
 * @buf/@size (always NUL terminated).  Returns the length written.
 */
size_t evdec_print_info(struct pdata_session *s, const struct pdata_sample *sample, char *buf,
			size_t size);

#endif /* OVSPERF_EVDEC_H */
