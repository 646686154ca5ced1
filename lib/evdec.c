// SPDX-License-Identifier: Apache-2.0
/*
 * evdec.c - tracepoint and probe payload fields, from the recording's own
 * format data (see evdec.h).  The libtraceevent lookup happens once per
 * field; the per-sample reads are plain bounds-checked loads.
 */
#include <errno.h>
#include <string.h>

#include <traceevent/event-parse.h>
#include <traceevent/trace-seq.h>

#include "fpe-guard.h"
#include "ovsperf/evdec.h"
#include "ovsperf/pdata.h"

int evdec_field__find(struct evdec_field *out, const struct pdata_evsel *evsel, const char *name)
{
	struct tep_format_field *f;

	memset(out, 0, sizeof(*out));
	if (!evsel || !evsel->tp)
		return -ENOENT;
	f = tep_find_any_field(evsel->tp, name);
	if (!f)
		return -ENOENT;
	out->f = f;
	out->offset = (uint32_t)f->offset;
	out->size = (uint32_t)f->size;
	out->is_signed = f->flags & TEP_FIELD_IS_SIGNED;
	out->is_dynamic = f->flags & TEP_FIELD_IS_DYNAMIC;
	out->is_relative = f->flags & TEP_FIELD_IS_RELATIVE;
	/* libtraceevent flags u8/s8 arrays as strings too; only char arrays
	 * are text (a fetched packet buffer is u8[N] and holds NUL bytes). */
	out->is_string = (f->flags & TEP_FIELD_IS_STRING) && f->type && strstr(f->type, "char");
	out->is_array = f->flags & TEP_FIELD_IS_ARRAY;
	/* perf/uprobe "string" fetch args are __data_loc char[] */
	if (out->is_dynamic && f->type && strstr(f->type, "char"))
		out->is_string = true;
	return 0;
}

int evdec_field__find_any(struct evdec_field *out, const struct pdata_evsel *evsel,
			  const char *const *names)
{
	for (; *names; names++)
		if (!evdec_field__find(out, evsel, *names))
			return 0;
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

uint64_t evdec_field__u64_slow(const struct evdec_field *f, const struct pdata_sample *s)
{
	const uint8_t *p;

	if (!evdec_field__ok(f, s))
		return 0;
	p = (const uint8_t *)s->raw_data + f->offset;
	switch (f->size) {
	case 1:
		return f->is_signed ? (uint64_t)(int64_t)(int8_t)p[0] : p[0];
	case 2: {
		uint16_t v;

		memcpy(&v, p, 2);
		return f->is_signed ? (uint64_t)(int64_t)(int16_t)v : v;
	}
	case 4: {
		uint32_t v;

		memcpy(&v, p, 4);
		return f->is_signed ? (uint64_t)(int64_t)(int32_t)v : v;
	}
	default: {
		uint64_t v = 0;

		memcpy(&v, p, f->size < 8 ? f->size : 8);
		return v;
	}
	}
}

int64_t evdec_field__s64(const struct evdec_field *f, const struct pdata_sample *s)
{
	return (int64_t)evdec_field__u64(f, s);
}

const void *evdec_field__data(const struct evdec_field *f, const struct pdata_sample *s,
			      uint32_t *len)
{
	const uint8_t *d = evdec_field__bytes(f, s, len);

	if (d && f->is_string)
		*len = (uint32_t)strnlen((const char *)d, *len);
	return d;
}

const char *evdec_field__str(const struct evdec_field *f, const struct pdata_sample *s, char *buf,
			     size_t size)
{
	uint32_t len;
	const void *d = evdec_field__data(f, s, &len);

	if (!size)
		return buf;
	if (!d)
		len = 0;
	if (len >= size)
		len = (uint32_t)size - 1;
	if (len)
		memcpy(buf, d, len);
	buf[len] = '\0';
	return buf;
}

size_t evdec_print_info(struct pdata_session *session, const struct pdata_sample *sample,
			char *buf, size_t size)
{
	struct tep_handle *tep = pdata_session__tep(session);
	struct tep_record rec;
	struct trace_seq seq;
	size_t len = 0;
	bool fpe;

	if (!size)
		return 0;
	buf[0] = '\0';
	if (!tep || !sample->raw_data || !sample->evsel || !sample->evsel->tp)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.ts = sample->time;
	rec.cpu = (int)sample->cpu;
	rec.size = (int)sample->raw_size;
	rec.data = (void *)sample->raw_data;
	trace_seq_init(&seq);
	/* A print format may divide by a payload field that is 0. */
	OVP_FPE_TRY(fpe, tep_print_event(tep, &seq, &rec, "%s", TEP_PRINT_INFO));
	if (!fpe && seq.state == TRACE_SEQ__GOOD) {
		len = seq.len < size - 1 ? seq.len : size - 1;
		memcpy(buf, seq.buffer, len);
		buf[len] = '\0';
	}
	trace_seq_destroy(&seq);
	return len;
}
