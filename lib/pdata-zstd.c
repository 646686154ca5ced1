// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-zstd.c - compressed input (perf record -z): a COMPRESSED or
 * COMPRESSED2 record holds zstd frames whose output is a run of records; a
 * record may be split across two COMPRESSED records (perf compresses ring
 * buffer chunks), so the tail is carried over to the next one.  Each whole
 * record is copied into the arena (pdata-arena.c) and handed back to the
 * reader through the function it passes: this file knows nothing of what
 * the records are.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "ovsperf/err.h"
#include "pdata-local.h"

int pdata__zstd_records(struct pdata_session *s, const union perf_event *event, uint64_t off,
			pdata_record_fn *process_record)
{
	const uint8_t *src = (const uint8_t *)event + sizeof(struct perf_event_header);
	size_t src_size = event->header.size - sizeof(struct perf_event_header);
	ZSTD_inBuffer in;
	int err;

	if (event->header.type == PDATA_RECORD_COMPRESSED2) {
		uint64_t dsz;

		if (src_size < 8)
			return ovp_err(-EBADMSG, "COMPRESSED2 record too short (at offset %" PRIu64 ")",
				       off);
		memcpy(&dsz, src, 8);
		src += 8;
		src_size -= 8;
		if (dsz < src_size)
			src_size = dsz;
	}
	s->info.compressed = true;
	if (!s->zstd) {
		s->zstd = ZSTD_createDStream();
		if (!s->zstd)
			return -ENOMEM;
		ZSTD_initDStream(s->zstd);
		s->zbuf_size = 1 << 20;
		s->zbuf = malloc(s->zbuf_size);
		if (!s->zbuf)
			return -ENOMEM;
	}
	in.src = src;
	in.size = src_size;
	in.pos = 0;
	while (in.pos < in.size) {
		ZSTD_outBuffer outb = { s->zbuf, s->zbuf_size, 0 };
		size_t r = ZSTD_decompressStream(s->zstd, &outb, &in), pos = 0;
		const uint8_t *data;
		size_t len;

		if (ZSTD_isError(r)) {
			ZSTD_initDStream(s->zstd);
			s->zrem_len = 0;
			return ovp_err(-EBADMSG, "COMPRESSED record: zstd: %s (at offset %" PRIu64 ")",
				       ZSTD_getErrorName(r), off);
		}
		if (!outb.pos) {
			if (r == 0 || in.pos == in.size)
				break;
			continue;
		}
		/* Append to the carried-over tail, then cut records. */
		if (s->zrem_len + outb.pos > s->zrem_cap) {
			size_t cap = (s->zrem_len + outb.pos) * 2;
			uint8_t *n = realloc(s->zrem, cap);

			if (!n)
				return -ENOMEM;
			s->zrem = n;
			s->zrem_cap = cap;
		}
		memcpy(s->zrem + s->zrem_len, s->zbuf, outb.pos);
		s->zrem_len += outb.pos;
		data = s->zrem;
		len = s->zrem_len;
		while (len - pos >= sizeof(struct perf_event_header)) {
			struct perf_event_header h;
			struct arena_chunk *owner;
			void *copy;

			memcpy(&h, data + pos, sizeof(h));
			if (h.size < sizeof(h)) {
				s->zrem_len = 0;
				return ovp_err(-EBADMSG, "bad record size %u inside a COMPRESSED record "
					       "(at offset %" PRIu64 ")", h.size, off);
			}
			if (h.size > len - pos)
				break;
			copy = pdata__arena_alloc(&s->arena, h.size, &owner);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, data + pos, h.size);
			pos += h.size;
			err = process_record(s, copy, off, owner);
			if (err)
				return err;
		}
		memmove(s->zrem, data + pos, len - pos);
		s->zrem_len = len - pos;
	}
	return 0;
}

void pdata__zstd_exit(struct pdata_session *s)
{
	if (s->zstd)
		ZSTD_freeDStream(s->zstd);
	free(s->zbuf);
	free(s->zrem);
}
