// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-sample.c - decoding the fields of records: a PERF_RECORD_SAMPLE
 * with any sample_type (the common layouts are decoded inline by
 * pdata-sample.h), the sample_id_all trailer of the other records, and
 * PERF_RECORD_LOST / LOST_SAMPLES (struct pdata_lost).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pdata-sample.h"

/* Find the evsel of a non-sample record from its sample_id_all trailer. */
static struct pdata_evsel *trailer_evsel(struct pdata_session *s, const uint8_t *rec, size_t size)
{
	if (s->nr_evsels == 1)
		return s->evsels[0];
	if (!s->sample_id_all || s->is_pos < 0 || (size_t)s->is_pos * 8 + 8 > size)
		return NULL;
	return pdata__evsel_by_id(s, rd64(rec + size - (size_t)s->is_pos * 8));
}

#define NEED(n)                                                                  \
	do {                                                                     \
		if ((size_t)(end - p) < (size_t)(n))                              \
			return -EBADMSG;                                         \
	} while (0)

static int parse_read_format(const struct perf_event_attr *attr, const uint8_t **pp,
			     const uint8_t *end)
{
	const uint8_t *p = *pp;
	uint64_t rf = attr->read_format, per = 1, nr;

	if (rf & PERF_FORMAT_ID)
		per++;
	if (rf & PERF_FORMAT_LOST)
		per++;
	if (rf & PERF_FORMAT_GROUP) {
		NEED(8);
		nr = rd64(p);
		p += 8;
		if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
			p += 8;
		if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
			p += 8;
		if (p > end || nr > (uint64_t)(end - p) / 8 / per)
			return -EBADMSG;
		p += nr * per * 8;
	} else {
		uint64_t n = per;

		if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
			n++;
		if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
			n++;
		NEED(n * 8);
		p += n * 8;
	}
	*pp = p;
	return 0;
}

int pdata__parse_sample_general(struct pdata_evsel *ev, const uint8_t *p, const uint8_t *end,
				struct pdata_sample *out)
{
	uint64_t type = ev->attr.sample_type;
	if (type & PERF_SAMPLE_IDENTIFIER) {
		NEED(8);
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_IP) {
		NEED(8);
		out->ip = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_TID) {
		NEED(8);
		out->pid = rd32(p);
		out->tid = rd32(p + 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_TIME) {
		NEED(8);
		out->time = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ADDR) {
		NEED(8);
		out->addr = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ID) {
		NEED(8);
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_STREAM_ID) {
		NEED(8);
		out->stream_id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CPU) {
		NEED(8);
		out->cpu = rd32(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_PERIOD) {
		NEED(8);
		out->period = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_READ) {
		const uint8_t *start = p;

		if (parse_read_format(&ev->attr, &p, end))
			return -EBADMSG;
		out->read_data = start;
		out->read_size = (uint32_t)(p - start);
	}
	if (type & PERF_SAMPLE_CALLCHAIN) {
		uint64_t nr;

		NEED(8);
		nr = rd64(p);
		p += 8;
		if (nr > (uint64_t)(end - p) / 8)
			return -EBADMSG;
		out->callchain.nr = nr;
		out->callchain.ips = (const uint64_t *)p;
		p += nr * 8;
	}
	if (type & PERF_SAMPLE_RAW) {
		uint32_t sz;

		NEED(4);
		sz = rd32(p);
		p += 4;
		NEED(sz);
		out->raw_size = sz;
		out->raw_data = p;
		p += sz;
	}
	if (type & PERF_SAMPLE_BRANCH_STACK) {
		uint64_t nr;

		NEED(8);
		nr = rd64(p);
		out->branch_stack = p;
		p += 8;
		if (ev->attr.branch_sample_type & PERF_SAMPLE_BRANCH_HW_INDEX) {
			NEED(8);
			p += 8;
		}
		/* struct perf_branch_entry: from, to, flags. */
		if (nr > (uint64_t)(end - p) / 24)
			return -EBADMSG;
		p += nr * 24;
	}
	if (type & PERF_SAMPLE_REGS_USER) {
		NEED(8);
		out->user_regs_abi = rd64(p);
		p += 8;
		if (out->user_regs_abi) {
			uint64_t n = (uint64_t)__builtin_popcountll(ev->attr.sample_regs_user);

			NEED(n * 8);
			out->user_regs_mask = ev->attr.sample_regs_user;
			out->user_regs = (const uint64_t *)p;
			p += n * 8;
		}
	}
	if (type & PERF_SAMPLE_STACK_USER) {
		uint64_t sz;

		NEED(8);
		sz = rd64(p);
		p += 8;
		if (sz > (uint64_t)(end - p))
			return -EBADMSG;
		out->user_stack_size = sz;
		out->user_stack = p;
		p += sz;
		if (sz) {
			NEED(8);
			out->user_stack_dyn_size = rd64(p);
			p += 8;
		}
	}
	if (type & (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT)) {
		NEED(8);
		out->weight = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_DATA_SRC) {
		NEED(8);
		out->data_src = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_TRANSACTION) {
		NEED(8);
		out->transaction = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_REGS_INTR) {
		uint64_t abi;

		NEED(8);
		abi = rd64(p);
		p += 8;
		if (abi) {
			uint64_t n = (uint64_t)__builtin_popcountll(ev->attr.sample_regs_intr);

			NEED(n * 8);
			p += n * 8;
		}
	}
	if (type & PERF_SAMPLE_PHYS_ADDR) {
		NEED(8);
		out->phys_addr = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CGROUP) {
		NEED(8);
		out->cgroup = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_DATA_PAGE_SIZE) {
		NEED(8);
		out->data_page_size = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CODE_PAGE_SIZE) {
		NEED(8);
		out->code_page_size = rd64(p);
		p += 8;
	}
	/* PERF_SAMPLE_AUX and later fields are not used; nothing follows that we read. */
	return 0;
}

/* Decode the sample_id_all trailer of a non-sample record. */
void pdata__parse_trailer(struct pdata_session *s, const union perf_event *event,
			  struct pdata_sample *out)
{
	const uint8_t *rec = (const uint8_t *)event;
	uint64_t type = s->sample_type_first;
	size_t size = event->header.size, n = 0;
	const uint8_t *p;

	sample_clear(out);
	out->cpu = UINT32_MAX;
	out->event = event;
	if (!s->sample_id_all)
		return;
	n += !!(type & PERF_SAMPLE_TID) + !!(type & PERF_SAMPLE_TIME) + !!(type & PERF_SAMPLE_ID) +
	     !!(type & PERF_SAMPLE_STREAM_ID) + !!(type & PERF_SAMPLE_CPU) +
	     !!(type & PERF_SAMPLE_IDENTIFIER);
	if (n * 8 + sizeof(struct perf_event_header) > size)
		return;
	out->evsel = trailer_evsel(s, rec, size);
	p = rec + size - n * 8;
	if (type & PERF_SAMPLE_TID) {
		out->pid = rd32(p);
		out->tid = rd32(p + 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_TIME) {
		out->time = rd64(p);
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
	if (type & PERF_SAMPLE_IDENTIFIER)
		out->id = rd64(p);
}


int pdata_lost__decode(const union perf_event *event, struct pdata_lost *out)
{
	uint32_t type = event->header.type;

	memset(out, 0, sizeof(*out));
	out->cpu = UINT32_MAX;
	out->type = type;
	out->event = event;
	switch (type) {
	case PERF_RECORD_LOST:
		if (event->header.size < sizeof(struct perf_event_header) + 16)
			return -EBADMSG;
		out->id = event->lost.id;
		out->nr = event->lost.lost;
		return 0;
	case PERF_RECORD_LOST_SAMPLES:
		if (event->header.size < sizeof(struct perf_event_header) + 8)
			return -EBADMSG;
		out->nr = event->lost_samples.lost;
		return 0;
	default:
		return -ENOENT;
	}
}
