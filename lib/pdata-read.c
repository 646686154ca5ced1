// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-read.c - the record reader: reading the records of a perf.data file
 * or stream and delivering them to a pdata_tool in time order.
 *
 *	source (file map | pipe buffer) -> record -> [COMPRESSED: zstd ->
 *	records] -> user records handled at once (attrs, features, rounds) ->
 *	kernel records queued by timestamp -> FINISHED_ROUND flushes -> sample
 *	decoding -> tool callbacks.
 *
 * Why a round flush is safe (perf's argument, session.c): perf writes a
 * FINISHED_ROUND after each pass over all its ring buffers.  Every record of
 * the next pass is newer than anything read from the same buffer before, so
 * once a round is complete, nothing that comes later can be older than the
 * maximum timestamp of the round *before* it.  Flushing up to that bound
 * keeps memory to about two rounds of records.
 *
 * File-backed records are not copied: the file is mapped and queue entries
 * point into it; pages already delivered are dropped with MADV_DONTNEED so
 * resident memory follows the queue, not the file size.  Pipe and
 * decompressed records are copied once into a reference-counted arena.
 *
 * Hot path (bench/RESULTS.md): a mapped file's timed SAMPLE records go
 * straight from the map to the queue (queue_mapped_samples()), and a round
 * is delivered by one loop (flush_queue()) into which the queue's pop, the
 * sample decoding and the call of the tool are inlined; everything else
 * takes the generic path (src_next(), process_record()).
 *
 * Around it: the session (pdata-session.c: open, close, accessors), the
 * header (pdata-header.c), sample decoding (pdata-sample.[ch]), the thread
 * map (pdata-threads.c), the arena of copied records (pdata-arena.c),
 * compressed input (pdata-zstd.c) and the progress line (progress.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "pdata-local.h"
#include "pdata-sample.h"

/* The largest payload that follows a pipe-mode record (TRACING_DATA): it is
 * held in memory whole. */
#define PIPE_PAYLOAD_MAX ((size_t)256 << 20)
#define TRIM_STEP (32ull << 20)

/*
 * Delivery of kernel records (in time order).
 */
static int deliver_other(struct pdata_session *s, const union perf_event *event,
			 uint64_t file_offset);

/* Inline into the flush loop: nearly every record is a sample. */
static inline __attribute__((always_inline)) int
deliver(struct pdata_session *s, const union perf_event *event, uint64_t file_offset,
	struct pdata_evsel *ev_hint)
{
	struct pdata_tool *tool = s->tool;
	struct pdata_sample *sample = &s->cur;
	uint32_t type = event->header.type;
	int err;

	if (type != PERF_RECORD_SAMPLE)
		return deliver_other(s, event, file_offset);
	s->stats.nr_records[type]++;
	err = pdata__parse_sample(s, event, ev_hint, sample);
	if (err) {
		if (err == -ENOENT)
			s->stats.nr_unknown_id++;
		else
			s->stats.nr_bad_samples++;
		return 0;
	}
	sample->file_offset = file_offset;
	sample->evsel->nr_samples++;
	s->stats.nr_samples++;
	if (sample->time) {
		if (!s->stats.first_time || sample->time < s->stats.first_time)
			s->stats.first_time = sample->time;
		if (sample->time > s->stats.last_time)
			s->stats.last_time = sample->time;
	}
	return tool->sample(tool, sample);
}

/* LOST and LOST_SAMPLES: counted on the session and their event, handed
 * to the tool decoded; @trailer: their sample_id_all trailer. */
static int deliver_lost(struct pdata_session *s, const union perf_event *event,
			const struct pdata_sample *trailer)
{
	struct pdata_tool *tool = s->tool;
	struct pdata_lost lost;

	if (pdata_lost__decode(event, &lost))
		return 0;
	lost.time = trailer->time;
	lost.cpu = trailer->cpu;
	lost.pid = trailer->pid;
	lost.tid = trailer->tid;
	lost.file_offset = trailer->file_offset;
	if (lost.type == PERF_RECORD_LOST) {
		/* The record names the id whose buffer overflowed. */
		lost.evsel = pdata__evsel_by_id(s, lost.id);
		if (!lost.evsel && s->nr_evsels == 1)
			lost.evsel = s->evsels[0];
		s->stats.nr_lost += lost.nr;
		s->stats.nr_lost_records++;
		if (lost.evsel)
			lost.evsel->nr_lost += lost.nr;
	} else {
		lost.id = trailer->id;
		lost.evsel = trailer->evsel;
		s->stats.nr_lost_samples += lost.nr;
		if (lost.evsel)
			lost.evsel->nr_lost_samples += lost.nr;
	}
	return tool->lost(tool, &lost);
}

static int deliver_other(struct pdata_session *s, const union perf_event *event,
			 uint64_t file_offset)
{
	struct pdata_tool *tool = s->tool;
	struct pdata_sample sample;
	uint32_t type = event->header.type;

	s->stats.nr_records[type]++;
	pdata__parse_trailer(s, event, &sample);
	sample.file_offset = file_offset;
	switch (type) {
	case PERF_RECORD_COMM:
		if (event->header.size < 8 + 8 + 1)
			return 0;
		pdata__thread_comm(s, event);
		return tool->comm(tool, event, &sample);
	case PERF_RECORD_FORK:
		if (event->header.size < 8 + 24)
			return 0;
		pdata__thread_fork(s, event);
		return tool->fork(tool, event, &sample);
	case PERF_RECORD_EXIT:
		return tool->exit(tool, event, &sample);
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		return tool->mmap(tool, event, &sample);
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
		return deliver_lost(s, event, &sample);
	case PERF_RECORD_THROTTLE:
		s->stats.nr_throttle++;
		return tool->other(tool, event, &sample);
	case PERF_RECORD_UNTHROTTLE:
		s->stats.nr_unthrottle++;
		return tool->other(tool, event, &sample);
	default:
		return tool->other(tool, event, &sample);
	}
}

static inline int deliver_entry(struct pdata_session *s, const struct oq_entry *e)
{
	int err = deliver(s, e->rec, e->file_offset, (struct pdata_evsel *)e->aux);

	if (e->owner) {
		s->copied_bytes -= ((const struct perf_event_header *)e->rec)->size +
				   sizeof(struct oq_entry);
		pdata__arena_unref(&s->arena, e->owner);
	}
	return err;
}

static int oq_deliver(const struct oq_entry *e, void *arg)
{
	return deliver_entry(arg, e);
}

/* Deliver every queued record with time <= @limit (the hot loop: the queue's
 * pop and the sample decoding are inlined here). */
static int flush_queue(struct pdata_session *s, uint64_t limit)
{
	int err;

	while (s->q.nr_runs && oq_top_time(&s->q) <= limit) {
		/* In place: nothing is queued while records are delivered. */
		err = deliver_entry(s, oq_pop_ref(&s->q));
		if (err)
			return err;
	}
	return 0;
}

static int send_ready__(struct pdata_session *s);

/* Tell the tool the session is ready, once; a failure is remembered (the
 * damaged-data path calls it again). */
static int send_ready(struct pdata_session *s)
{
	if (s->ready_sent)
		return s->ready_err;
	s->ready_sent = true;
	s->ready_err = send_ready__(s);
	return s->ready_err;
}

static int send_ready__(struct pdata_session *s)
{
	int err;

	if (s->pipe) {
		err = pdata__finish_evsels(s);
		if (err)
			return err;
	}
	if (!s->nr_evsels)
		return ovp_err(-EBADMSG, "no event attributes before the first record");
	err = pdata__choose_kallsyms(s);
	if (err)
		return err;
	return s->tool->ready(s->tool, s);
}

/* More records (or more bytes of copied records) queued than allowed
 * without a FINISHED_ROUND: deliver the oldest half now. */
static int queue_overflow(struct pdata_session *s)
{
	if (!s->stats.nr_forced_flushes)
		ovp_warn("%s: more than %zu records or %zu MiB of copied records queued without "
			 "a FINISHED_ROUND: flushing early; order may differ from perf's", s->path,
			 s->opts.queue_max_entries, s->opts.queue_max_copied >> 20);
	s->stats.nr_forced_flushes++;
	return oq_flush_half(&s->q, oq_deliver, s);
}

/* Queue or deliver a kernel record.  @owner: arena chunk or NULL. */
static int queue_record(struct pdata_session *s, const union perf_event *event, uint64_t off,
			struct arena_chunk *owner)
{
	struct pdata_evsel *ev = NULL;
	uint64_t time;
	int err;

	if (!s->ready_sent) {
		/* Pipe mode: the kernel MMAP is the first record after the header
		 * records (perf synthesizes it first). */
		kboot__note_mmap(&s->kboot, event);
		err = send_ready(s);
		if (err)
			return err;
	}
	time = s->opts.no_ordering ? 0 : pdata__record_time(s, event, &ev);
	if (!time)
		return deliver(s, event, off, NULL);	/* perf: -ETIME, delivered at once */
	if (owner)
		owner->refs++;
	err = oq_push(&s->q, time, event, off, owner, ev);
	if (err) {
		if (owner)
			owner->refs--;
		return ovp_err(err, "out of memory queueing records");
	}
	if (owner) {
		/* A copy (pipe, zstd): what it holds is not bounded by a file. */
		s->copied_bytes += event->header.size + sizeof(struct oq_entry);
		if (s->copied_bytes > s->opts.queue_max_copied)
			return queue_overflow(s);
	}
	if (s->q.nr_entries > s->opts.queue_max_entries)
		return queue_overflow(s);
	return 0;
}

/*
 * Fast path of the main loop for a mapped file: a run of aligned SAMPLE
 * records with a timestamp goes straight to the ordering queue, without the
 * generic reader (src_next()) and dispatch (process_record()), whose
 * per-record work this repeats for that case only.  Stops before any record
 * it does not take (which the generic path then reads) and at the end of the
 * data (return 0), or at the next progress point, @n & @mask == 0 (return 1).
 */
static int queue_mapped_samples(struct pdata_session *s, uint64_t *n, uint64_t mask)
{
	const uint8_t *map = s->map;
	uint64_t pos = s->src_pos, end = s->src_end;
	int err = 0;

	while (pos < end && end - pos >= sizeof(struct perf_event_header) && !(pos & 7)) {
		const union perf_event *event = (const union perf_event *)(map + pos);
		uint32_t size = event->header.size;
		struct pdata_evsel *ev;
		uint64_t time;

		if (event->header.type != PERF_RECORD_SAMPLE ||
		    size < sizeof(struct perf_event_header) || size > end - pos)
			break;
		time = pdata__record_time(s, event, &ev);
		if (!time)
			break;
		if (end - pos > 1024)
			__builtin_prefetch(map + pos + 1024);
		err = oq_push(&s->q, time, event, pos, NULL, ev);
		if (err) {
			err = ovp_err(err, "out of memory queueing records");
			break;
		}
		pos += size;
		if (s->q.nr_entries > s->opts.queue_max_entries) {
			s->src_pos = pos;
			err = queue_overflow(s);
			if (err)
				break;
		}
		if ((++*n & mask) == 0) {
			s->src_pos = pos;
			s->stats.bytes_read = pos - (s->pipe ? 16 : s->hdr.data.offset);
			return 1;
		}
	}
	s->src_pos = pos;
	s->stats.bytes_read = pos - (s->pipe ? 16 : s->hdr.data.offset);
	return err;
}

static int process_record(struct pdata_session *s, const union perf_event *event, uint64_t off,
			  struct arena_chunk *owner);


/*
 * A file whose data opens with a HEADER_TRACING_DATA record (ovsperf-probe
 * record writes its formats there, pdata_writer__tracing_in_data(), so that
 * a recording killed before its feature sections keeps them): read the
 * formats now, before the evsels are finished, as from the feature; the
 * record is skipped when the data is processed.  Names then come from the
 * formats, so the features of a killed recording are not lost for reports.
 * Return: 0, or -ENOMEM.
 */
int pdata__read_data_tracing(struct pdata_session *s)
{
	uint64_t off = s->hdr.data.offset, left = s->file_size - off;
	const uint8_t *rec = s->map + off;
	struct perf_event_header eh;
	uint32_t tsize;
	int err;

	if (left < 16)
		return 0;
	memcpy(&eh, rec, sizeof(eh));
	memcpy(&tsize, rec + 8, 4);
	if (eh.type != PDATA_RECORD_HEADER_TRACING_DATA || eh.size < 16 || eh.size % 8 ||
	    eh.size > left || tsize > left - eh.size)
		return 0;	/* processed (and any damage reported) with the data */
	err = pdata__parse_tracing_data(s, rec + eh.size, tsize);
	if (err)
		ovp_warn("%s: tracing data: %s", s->path, ovp_errmsg());
	if (err == -ENOMEM)
		return err;
	s->data_tracing = true;
	s->info.features[0] |= 1ULL << PDATA_FEAT_TRACING_DATA;
	s->info.features_lost = false;
	return 0;
}

/*
 * Pipe-mode HEADER_* records and the other perf "user" records, handled as
 * they come (perf does not queue them either).
 */
static int read_extra(struct pdata_session *s, uint64_t n, const uint8_t **data);
static int skip_extra(struct pdata_session *s, uint64_t n);

static int process_user_record(struct pdata_session *s, const union perf_event *event, uint64_t off)
{
	const uint8_t *rec = (const uint8_t *)event;
	uint32_t size = event->header.size;
	int err;

	switch (event->header.type) {
	case PDATA_RECORD_FINISHED_ROUND:
		if (s->opts.no_ordering)
			return 0;
		err = flush_queue(s, s->last_round_max);
		s->last_round_max = s->q.max_time;
		return err;
	case PDATA_RECORD_FINISHED_INIT:
		return send_ready(s);
	case PDATA_RECORD_HEADER_ATTR: {
		struct perf_event_attr attr;
		uint32_t asz;
		uint64_t nr_ids;

		if (size < 8 + PERF_ATTR_SIZE_VER0)
			return ovp_err(-EBADMSG, "ATTR record too short (at offset %" PRIu64 ")", off);
		memcpy(&asz, rec + 8 + offsetof(struct perf_event_attr, size), 4);
		if (asz == 0)
			asz = PERF_ATTR_SIZE_VER0;
		if (asz < PERF_ATTR_SIZE_VER0 || asz > size - 8)
			return ovp_err(-EBADMSG, "ATTR record: bad attr size %u (at offset %" PRIu64 ")",
				       asz, off);
		if (s->ready_sent) {
			ovp_warn("%s: event attribute added after the first records: ignored",
				 s->path);
			return 0;
		}
		memset(&attr, 0, sizeof(attr));
		memcpy(&attr, rec + 8, asz < sizeof(attr) ? asz : sizeof(attr));
		nr_ids = (size - 8 - asz) / 8;
		{
			uint64_t *ids = NULL;

			if (nr_ids) {
				ids = malloc(nr_ids * 8);
				if (!ids)
					return -ENOMEM;
				memcpy(ids, rec + 8 + asz, nr_ids * 8);
			}
			err = pdata__add_attr(s, &attr, asz, ids, nr_ids);
			free(ids);
		}
		return err;
	}
	case PDATA_RECORD_HEADER_TRACING_DATA: {
		const uint8_t *data;
		uint32_t tsize;

		if (size < 12)
			return ovp_err(-EBADMSG, "TRACING_DATA record too short (at offset %" PRIu64 ")",
				       off);
		tsize = rd32(rec + 8);
		err = read_extra(s, tsize, &data);
		if (err)
			return err;
		if (s->data_tracing && !s->pipe && off == s->hdr.data.offset)
			return 0;	/* read with the header (pdata__read_data_tracing()) */
		err = pdata__parse_tracing_data(s, data, tsize);
		if (err)
			ovp_warn("%s: tracing data: %s", s->path, ovp_errmsg());
		s->info.features[0] |= 1ULL << PDATA_FEAT_TRACING_DATA;
		return err == -ENOMEM ? err : 0;
	}
	case PDATA_RECORD_HEADER_BUILD_ID: {
		err = pdata__process_feature(s, PDATA_FEAT_BUILD_ID, rec, size);
		if (err)
			ovp_warn("%s: BUILD_ID record: %s", s->path, ovp_errmsg());
		return err == -ENOMEM ? err : 0;
	}
	case PDATA_RECORD_HEADER_FEATURE: {
		uint64_t feat;

		/* No payload: perf's mark after the last feature it sends
		 * (HEADER_LAST_FEATURE, whose number grows with perf). */
		if (size <= 16)
			return 0;
		feat = rd64(rec + 8);
		if (!feat || feat >= PDATA_FEAT_MAX) {
			s->stats.nr_unknown_features++;	/* beyond perf's feature bitmap */
			return 0;
		}
		err = pdata__process_feature(s, (int)feat, rec + 16, size - 16);
		if (err)
			ovp_warn("%s: feature %s: %s; ignored", s->path,
				 pdata_feature_name((int)feat) ?: "?", ovp_errmsg());
		return err == -ENOMEM ? err : 0;
	}
	case PDATA_RECORD_EVENT_UPDATE: {
		/* type 1 (NAME): u64 type, u64 id, char name[] */
		if (size > 24 && rd64(rec + 8) == 1) {
			char *name = strndup((const char *)rec + 24, size - 24);

			if (!name)
				return -ENOMEM;
			err = pdata__set_evsel_name(s, rd64(rec + 16), name);
			free(name);
			return err;
		}
		return 0;
	}
	case PDATA_RECORD_COMPRESSED:
	case PDATA_RECORD_COMPRESSED2:
		return pdata__zstd_records(s, event, off, process_record);
	case PDATA_RECORD_AUXTRACE:
		/* AUX data follows the record: skip it. */
		if (size < 16)
			return 0;
		return skip_extra(s, rd64(rec + 8));
	default:
		return 0;
	}
}

static int process_record(struct pdata_session *s, const union perf_event *event, uint64_t off,
			  struct arena_chunk *owner)
{
	uint32_t type = event->header.type;

	if (type == PERF_RECORD_SAMPLE)	/* nearly every record: skip the tests below */
		return queue_record(s, event, off, owner);
	if (type >= PDATA_RECORD_MAX) {
		s->stats.nr_unknown++;
		return 0;
	}
	if (type >= 64) {
		s->stats.nr_records[type]++;
		return process_user_record(s, event, off);
	}
	if (type == 0 || !pdata__record_named(type)) {
		s->stats.nr_unknown++;
		return 0;
	}
	return queue_record(s, event, off, owner);
}

/*
 * The data is damaged or cut short: results will be partial.  One warning
 * per session says so (the first damage found is the one that matters).
 */
static void __attribute__((format(printf, 2, 3)))
note_truncated(struct pdata_session *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!s->stats.truncated) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		ovp_warn("%s: %s", s->path, msg);
	}
	s->stats.truncated = true;
}

/*
 * Sources: the file map (file mode, or a pipe stream saved to a file) or a
 * real pipe read through a buffer.
 */
static int pipe_fill(struct pdata_session *s, size_t need)
{
	if (s->pbuf_len - s->pbuf_pos >= need)
		return 0;
	if (s->pbuf_pos) {
		memmove(s->pbuf, s->pbuf + s->pbuf_pos, s->pbuf_len - s->pbuf_pos);
		s->pbuf_len -= s->pbuf_pos;
		s->pbuf_pos = 0;
	}
	while (s->pbuf_len < need && !s->eof && !s->interrupted) {
		ssize_t n;

		/* Grow with the data that really arrives, not to the size a
		 * (maybe corrupt) record claims: a stream cannot make us
		 * allocate much more than it sends (found by tests/fuzz). */
		if (s->pbuf_len == s->pbuf_size) {
			size_t cap = s->pbuf_size * 2 < need ? s->pbuf_size * 2 : need;
			uint8_t *b = realloc(s->pbuf, cap);

			if (!b)
				return -ENOMEM;
			s->pbuf = b;
			s->pbuf_size = cap;
		}
		n = read(s->fd, s->pbuf + s->pbuf_len, s->pbuf_size - s->pbuf_len);

		if (n < 0 && errno == EINTR)
			continue;	/* the loop checks s->interrupted */
		if (n < 0)
			return ovp_err(-errno, "read error: %s", strerror(errno));
		if (n == 0)
			s->eof = true;
		s->pbuf_len += (size_t)n;
	}
	return s->pbuf_len - s->pbuf_pos >= need ? 0 : -ENODATA;
}

static int read_extra(struct pdata_session *s, uint64_t n, const uint8_t **data)
{
	if (s->map) {
		if (n > s->src_end - s->src_pos) {
			return ovp_err(-EBADMSG, "payload of %" PRIu64 " bytes runs past the end of the data "
				       "(at offset %" PRIu64 ")", n, s->src_pos);
		}
		*data = s->map + s->src_pos;
		s->src_pos += n;
		return 0;
	}
	if (n > PIPE_PAYLOAD_MAX)
		return ovp_err(-EBADMSG, "payload of %" PRIu64 " bytes is larger than %zu MiB (at "
			       "offset %" PRIu64 ")", n, PIPE_PAYLOAD_MAX >> 20, s->stream_off);
	if (pipe_fill(s, n)) {
		return ovp_err(-EBADMSG, "stream ended inside a payload (at offset %" PRIu64 ")",
			       s->stream_off);
	}
	*data = s->pbuf + s->pbuf_pos;
	s->pbuf_pos += n;
	s->stream_off += n;
	return 0;
}

static int src_next(struct pdata_session *s, const union perf_event **ev, uint64_t *off,
		    struct arena_chunk **owner);

/* Where the records start (a pipe stream saved to a file: after its header). */
static void src_init(struct pdata_session *s)
{
	s->src_inited = true;
	s->src_pos = s->src_end = s->stream_off = 0;
	if (s->map && s->pipe) {
		s->src_pos = 16;
		s->src_end = s->file_size;
	}
}

/* The type of the next record without consuming it: 1, or 0 at the end. */
static int src_peek_type(struct pdata_session *s, uint32_t *type)
{
	struct perf_event_header h;

	if (s->map) {
		if (s->src_end - s->src_pos < sizeof(h))
			return 0;
		memcpy(&h, s->map + s->src_pos, sizeof(h));
	} else {
		if (pipe_fill(s, sizeof(h)))
			return 0;
		memcpy(&h, s->pbuf + s->pbuf_pos, sizeof(h));
	}
	*type = h.type;
	return 1;
}

int pdata_session__read_header(struct pdata_session *s)
{
	const union perf_event *ev;
	struct arena_chunk *owner;
	uint64_t off;
	uint32_t type;
	int r, err;

	if (!s->pipe || s->processed || s->src_inited)
		return 0;
	src_init(s);
	/* perf writes the header records (attributes, tracing data, features,
	 * build-ids) before the first kernel record; FINISHED_INIT and
	 * FINISHED_ROUND belong to the processing.  A user record of a type
	 * this version does not know (a newer perf's) is skipped, counted. */
	while (src_peek_type(s, &type) && type >= 64 &&
	       type != PDATA_RECORD_FINISHED_ROUND && type != PDATA_RECORD_FINISHED_INIT &&
	       type != PDATA_RECORD_COMPRESSED && type != PDATA_RECORD_COMPRESSED2) {
		r = src_next(s, &ev, &off, &owner);
		if (r <= 0)
			return r;
		if (type >= PDATA_RECORD_MAX) {
			s->stats.nr_unknown++;
			continue;
		}
		s->stats.nr_records[type]++;
		/* (a record not queued holds no reference on its arena chunk) */
		err = process_user_record(s, ev, off);
		if (err)
			return err;
	}
	return pdata__finish_evsels(s);
}

/* Skip @n bytes that follow a record (AUX data), through the pipe buffer in
 * windows: a stream cannot make us hold what we do not use. */
static int skip_extra(struct pdata_session *s, uint64_t n)
{
	const uint8_t *data;

	if (s->map)
		return read_extra(s, n, &data);
	while (n) {
		size_t k = n < s->pbuf_size ? (size_t)n : s->pbuf_size;
		int err = read_extra(s, k, &data);

		if (err)
			return err;
		n -= k;
	}
	return 0;
}

/* Next record: 1 and *ev/off/owner set, 0 at the end, <0 on error. */
static int src_next(struct pdata_session *s, const union perf_event **ev, uint64_t *off,
		    struct arena_chunk **owner)
{
	struct perf_event_header h;
	void *copy;

	*owner = NULL;
	if (s->map) {
		if (s->src_pos >= s->src_end)
			return 0;
		if (s->src_end - s->src_pos < sizeof(h)) {
			note_truncated(s, "data ends inside a record header (at offset %" PRIu64
				       "): truncated recording, results cover what was read",
				       s->src_pos);
			return 0;
		}
		memcpy(&h, s->map + s->src_pos, sizeof(h));
		/* Records are read once, in order: ask for the cache lines a few
		 * records ahead (x86 drops a prefetch of an unmapped page). */
		if (s->src_end - s->src_pos > 1024)
			__builtin_prefetch(s->map + s->src_pos + 1024);
		if (h.size < sizeof(h))
			return ovp_err(-EBADMSG, "bad record size %u (at offset %" PRIu64 ")", h.size,
				       s->src_pos);
		if (h.size > s->src_end - s->src_pos) {
			note_truncated(s, "data ends inside a %s record of %u bytes (at offset %" PRIu64
				       "): truncated recording, results cover what was read",
				       pdata_record_name(h.type), h.size, s->src_pos);
			return 0;
		}
		*off = s->src_pos;
		if ((s->src_pos & 7) == 0) {
			*ev = (const union perf_event *)(s->map + s->src_pos);
		} else {
			/* Unaligned (after pipe-mode TRACING_DATA): copy so fields
			 * can be read as u64. */
			copy = pdata__arena_alloc(&s->arena, h.size, owner);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, s->map + s->src_pos, h.size);
			*ev = copy;
		}
		s->src_pos += h.size;
		s->stats.bytes_read = s->src_pos - (s->pipe ? 16 : s->hdr.data.offset);
		return 1;
	}
	if (s->interrupted)
		return 0;
	if (pipe_fill(s, sizeof(h))) {
		if (s->pbuf_len != s->pbuf_pos && !s->interrupted)
			note_truncated(s, "stream ends inside a record header (after %" PRIu64
				       " bytes): truncated, results cover what was read",
				       s->stream_off + 16);
		return 0;
	}
	memcpy(&h, s->pbuf + s->pbuf_pos, sizeof(h));
	if (h.size < sizeof(h))
		return ovp_err(-EBADMSG, "bad record size %u (at offset %" PRIu64 ")", h.size,
			       s->stream_off + 16);
	if (pipe_fill(s, h.size)) {
		if (s->interrupted)
			return 0;
		note_truncated(s, "stream ends inside a %s record of %u bytes (after %" PRIu64
			       " bytes): truncated, results cover what was read",
			       pdata_record_name(h.type), h.size, s->stream_off + 16);
		return 0;
	}
	copy = pdata__arena_alloc(&s->arena, h.size, owner);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s->pbuf + s->pbuf_pos, h.size);
	*ev = copy;
	*off = 0;
	s->pbuf_pos += h.size;
	s->stream_off += h.size;
	s->stats.bytes_read = s->stream_off;
	return 1;
}

/* Drop pages of the map that nothing queued points into any more. */
static void trim_map(struct pdata_session *s)
{
	uint64_t lim = oq_min_file_offset(&s->q), page = 4096;

	if (lim > s->src_pos)
		lim = s->src_pos;
	lim &= ~(page - 1);
	if (lim > s->trimmed + TRIM_STEP) {
		uint64_t from = s->trimmed & ~(page - 1);

		madvise((void *)(s->map + from), lim - from, MADV_DONTNEED);
		s->trimmed = lim;
	}
}

static bool header_has_features(const struct pdata_session *s)
{
	size_t i;

	for (i = 0; i < sizeof(s->hdr.adds_features) / sizeof(s->hdr.adds_features[0]); i++)
		if (s->hdr.adds_features[i])
			return true;
	return false;
}

int pdata_session__process(struct pdata_session *s, struct pdata_tool *tool)
{
	const union perf_event *ev = NULL;
	struct arena_chunk *owner;
	uint64_t off = 0, n = 0;
	uint64_t progress_mask = 0xffff, progress_delay = 1000000000ull;
	int r = 0, err = 0;

	if (s->processed)
		return ovp_err(-EINVAL, "a session is processed once");
	s->processed = true;
	s->tool = tool;
	if (!s->src_inited)
		src_init(s);
	/* A pipe's source was set by src_init() (and read_header may have read
	 * on); a file's records are its data section. */
	if (s->map && !s->pipe) {
		s->src_pos = s->hdr.data.offset;
		s->src_end = s->hdr.data.offset + s->hdr.data.size;
		if (s->src_end > s->file_size || s->src_end < s->src_pos)
			s->src_end = s->file_size;
		if (!s->feature_table_ok &&
		    ((!s->hdr.data.size && s->file_size > s->src_end) || !header_has_features(s))) {
			/* The recorder did not finish (killed): its header counts
			 * the records it had flushed, or none, and no feature table
			 * follows them.  perf reads such a file's data to the end;
			 * so do we. */
			note_truncated(s, "the header counts %" PRIu64 " bytes of data and no "
				       "feature table follows them (the recorder did not finish?): "
				       "reading the data to the end of the file", s->hdr.data.size);
			s->src_end = s->file_size;
		}
		err = send_ready(s);
		if (err)
			goto out;
	}
	/* OVSPERF_PROGRESS_TEST=1 (tests): check after every 1024 records and
	 * show progress at once, so small recordings exercise it. */
	if (getenv("OVSPERF_PROGRESS_TEST")) {
		progress_mask = 0x3ff;
		progress_delay = 0;
	}
	/* A file read in under a second shows none. */
	progress__start(&s->progress, s->opts.progress, progress_delay);

	for (;;) {
		if (s->map && s->ready_sent && !s->opts.no_ordering) {
			r = queue_mapped_samples(s, &n, progress_mask);
			if (r < 0) {
				err = r;
				goto out;
			}
			if (!r)
				goto generic;	/* stopped before another record, or at the end */
		} else {
generic:
			r = src_next(s, &ev, &off, &owner);
			if (r != 1)
				break;
			err = process_record(s, ev, off, owner);
			if (err == -EBADMSG) {
				/* The reader's code for damaged data (a callback
				 * never returns it): stop here, keep what was read. */
				r = err;
				break;
			}
			if (err)
				goto out;
			++n;
		}
		if ((n & progress_mask) == 0) {
			if (s->map && !s->pipe)
				trim_map(s);
			progress__tick(&s->progress, s->stats.nr_samples, s->stats.bytes_read,
				       s->map ? s->hdr.data.size : 0);
		}
		if (s->interrupted)
			break;
	}
	if (r < 0 && r != -ENOMEM) {
		/* Damaged or unreadable data: deliver what came before it, say
		 * where it stopped. */
		note_truncated(s, "%s: the data after it cannot be read; results cover the %" PRIu64
			       " bytes of data before it", ovp_errmsg(), s->stats.bytes_read);
	} else if (r < 0) {
		err = r;
		goto out;
	}
	if (s->interrupted && !s->stopped && !s->eof && (s->map ? s->src_pos < s->src_end : true))
		s->stats.interrupted = true;
	err = send_ready(s);
	err = err ?: flush_queue(s, UINT64_MAX);
	err = err ?: tool->done(tool, s);
out:
	s->stats.nr_out_of_order = s->q.nr_out_of_order;
	progress__end(&s->progress);
	return err;
}

void pdata_session__interrupt(struct pdata_session *s)
{
	s->interrupted = true;
}

void pdata_session__stop(struct pdata_session *s)
{
	s->stopped = true;
	s->interrupted = true;
}

bool pdata_session__is_stream(const struct pdata_session *s)
{
	return !s->map;
}
