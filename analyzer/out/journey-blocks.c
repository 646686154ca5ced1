// SPDX-License-Identifier: Apache-2.0
/*
 * out/journey-blocks.c - the blocks `ovsperf-analyze journey` streams while
 * it reads, one per packet (report/journey.h): a header line for the packet
 * and a line per event (time, deltas, CPU, thread, device, event and its
 * fields); or, with --json, one JSON object per line.  The text's header
 * (identity, events followed) is written here too, before the first block.
 *
 * A writer: it reads the plain item it is given and nothing else.
 */
#include <errno.h>
#include <inttypes.h>

#include <jansson.h>

#include "ovsperf/err.h"
#include "ovsperf/strutil.h"
#include "out/items.h"

/*
 * Text.
 */

static int text_header(const struct journey_header *h, FILE *out)
{
	int i;

	fprintf(out, "JOURNEY: every packet's events in time order (blocks in the order the "
		"packets end)\n");
	fprintf(out, "Identity: %s%s\n", h->head_key ?
		"(skb->head, skb) as retis: clones share the head and are linked to "
		"their parent; free events end an skb" : h->skb_asked ?
		"skb address, free events as boundaries (--key skb: clones are not linked)" :
		"skb address, free events as boundaries (no event carries skb->head: clones "
		"are not linked)", h->key_fell_back ? " [--key head asked]" : "");
	fprintf(out, "Events followed:");
	for (i = 0; i < h->nr_events; i++)
		fprintf(out, "%s%s", i ? ", " : " ", h->events[i]);
	fprintf(out, "\n\n");
	return 0;
}

static const char *end_text(enum journey_end end)
{
	switch (end) {
	case JOURNEY_FREED:
		return "freed";
	case JOURNEY_EVICTED:
		return "evicted";
	default:
		return "in flight at the end";
	}
}

/* Parts the text line names; the rest are summed up (the JSON has them all). */
#define TEXT_BLAME_PARTS 5

/* The line is built with integer formatting: one per packet, where printf's
 * floating point would cost as much as the rest of the block. */
static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* At most @max bytes of @s. */
static char *put_strn(char *p, const char *s, size_t max)
{
	while (*s && max--)
		*p++ = *s++;
	return p;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* @ns as microseconds with three decimals ("12.345 us"). */
static char *put_us(char *p, uint64_t ns)
{
	unsigned int frac = (unsigned int)(ns % 1000);

	p = put_u64(p, ns / 1000);
	*p++ = '.';
	*p++ = (char)('0' + frac / 100);
	*p++ = (char)('0' + frac / 10 % 10);
	*p++ = (char)('0' + frac % 10);
	return put_str(p, " us");
}

/* " (12.3%" : @ns's share of @total, one decimal, rounded half up. */
static char *put_share(char *p, uint64_t ns, uint64_t total)
{
	uint64_t pm = total ? (uint64_t)(1000.0 * (double)ns / (double)total + 0.5) : 0;

	p = put_str(p, " (");
	p = put_u64(p, pm / 10);
	*p++ = '.';
	*p++ = (char)('0' + pm % 10);
	*p++ = '%';
	return p;
}

/* The compact blame line: the largest parts, largest first, with their
 * share of the packet's time. */
static void text_blame(const struct journey_packet *p, FILE *out)
{
	/* Per part at most ~160 bytes (names cut to 63). */
	char line[64 + TEXT_BLAME_PARTS * 256], *q = line;
	uint64_t total = 0, rest = 0;
	uint32_t i;

	if (!p->nr_blame)
		return;
	for (i = 0; i < p->nr_blame; i++)
		total += p->blame[i].ns;
	q = put_str(q, "  blame:");
	for (i = TEXT_BLAME_PARTS; i < p->nr_blame; i++)
		rest += p->blame[i].ns;
	for (i = 0; i < p->nr_blame && i < TEXT_BLAME_PARTS; i++) {
		const struct journey_blame *b = &p->blame[i];

		q = put_str(q, i ? ", " : " ");
		q = put_str(q, b->kind_name);
		if (b->kind != JOURNEY_BLAME_IDLE && b->kind != JOURNEY_BLAME_UNKNOWN) {
			*q++ = ' ';
			q = put_strn(q, b->name, 63);
		}
		if (b->kind == JOURNEY_BLAME_TASK) {
			q = put_u64(put_str(q, " (tid "), b->num);
			if (b->pid >= 0)
				q = put_u64(put_str(q, ", pid "), (uint64_t)b->pid);
			*q++ = ')';
		} else if (b->kind == JOURNEY_BLAME_HARDIRQ) {
			q = put_u64(put_str(q, " (irq "), b->num);
			*q++ = ')';
		}
		*q++ = ' ';
		q = put_share(put_us(q, b->ns), b->ns, total);
		if (b->runnable_ns)
			q = put_us(put_str(q, ", handler runnable "), b->runnable_ns);
		*q++ = ')';
	}
	if (p->nr_blame > TEXT_BLAME_PARTS) {
		q = put_u64(put_str(q, ", "), p->nr_blame - TEXT_BLAME_PARTS);
		q = put_us(put_str(q, " more "), rest);
		q = put_share(q, rest, total);
		*q++ = ')';
	}
	*q++ = '\n';
	fwrite(line, 1, (size_t)(q - line), out);
}

static int text_packet(const struct journey_packet *p, FILE *out)
{
	uint64_t prev = 0, t0 = p->first_ns;
	char ts[32], thread[64];
	uint32_t i;

	fprintf(out, "packet %" PRIu64, p->id);
	if (p->parent)
		fprintf(out, " (clone of packet %" PRIu64 ")", p->parent);
	fprintf(out, "  skb 0x%" PRIx64, p->skb);
	if (p->head)
		fprintf(out, "  head 0x%" PRIx64, p->head);
	fprintf(out, "  %" PRIu32 " event%s  %.3f us  %s\n", p->nr_events,
		p->nr_events == 1 ? "" : "s", (p->last_ns - t0) / 1000.0, end_text(p->end));
	fprintf(out, "  %-18s %12s %12s %4s  %-20s %-14s %s\n", "TIME", "+PREV(us)", "+FIRST(us)",
		"CPU", "THREAD", "DEVICE", "EVENT");
	for (i = 0; i < p->nr; i++) {
		const struct journey_event *e = &p->events[i];

		snprintf(thread, sizeof(thread), "%s/%" PRIu32, e->comm ? e->comm : "?", e->tid);
		fprintf(out, "  %-18s %12.3f %12.3f %4" PRIu32 "  %-20s %-14s %s",
			ovp_fmt_ns(e->time_ns, ts, sizeof(ts)),
			i ? (e->time_ns - prev) / 1000.0 : 0.0, (e->time_ns - t0) / 1000.0,
			e->cpu, thread, e->dev ? e->dev : "-", e->event);
		if (e->has_len)
			fprintf(out, " len=%" PRIu32, e->len);
		if (e->head && e->head != p->head)
			fprintf(out, " head=0x%" PRIx64, e->head);
		if (e->reason)
			fprintf(out, " reason=%s", e->reason);
		if (e->location)
			fprintf(out, " at %s", e->location);
		fputc('\n', out);
		prev = e->time_ns;
	}
	if (p->nr_not_kept)
		fprintf(out, "  [... %" PRIu32 " more event%s not kept; --max-events]\n",
			p->nr_not_kept, p->nr_not_kept == 1 ? "" : "s");
	text_blame(p, out);
	fputc('\n', out);
	return 0;
}

const struct journey_writer journey_text_blocks = {
	.header = text_header,
	.packet = text_packet,
};

/*
 * JSON Lines.
 */

static json_t *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

/* The blame as the latency report's items: {kind, name, [tid, pid | vec |
 * irq], ns, share, [runnable_ns]}, largest first. */
static json_t *json_blame(const struct journey_packet *p)
{
	json_t *a = json_array();
	uint64_t total = 0;
	uint32_t i;

	for (i = 0; i < p->nr_blame; i++)
		total += p->blame[i].ns;
	for (i = 0; i < p->nr_blame; i++) {
		const struct journey_blame *b = &p->blame[i];
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string(b->kind_name));
		json_object_set_new(o, "name", json_string(b->name));
		if (b->kind == JOURNEY_BLAME_TASK) {
			json_object_set_new(o, "tid", json_integer(b->num));
			json_object_set_new(o, "pid", b->pid >= 0 ? json_integer(b->pid) : json_null());
		} else if (b->kind == JOURNEY_BLAME_SOFTIRQ) {
			json_object_set_new(o, "vec", json_integer(b->num));
		} else if (b->kind == JOURNEY_BLAME_HARDIRQ) {
			json_object_set_new(o, "irq", json_integer(b->num));
		}
		json_object_set_new(o, "ns", json_integer(b->ns));
		json_object_set_new(o, "share", json_real(total ? (double)b->ns / total : 0));
		if (b->kind == JOURNEY_BLAME_TASK)
			json_object_set_new(o, "runnable_ns", json_integer(b->runnable_ns));
		json_array_append_new(a, o);
	}
	return a;
}

static int json_packet(const struct journey_packet *p, FILE *out)
{
	json_t *o = json_object(), *evs = json_array();
	uint64_t prev = 0, t0 = p->first_ns;
	uint32_t i;
	int err;

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "parent", p->parent ? json_integer(p->parent) : json_null());
	json_object_set_new(o, "skb", hex(p->skb));
	json_object_set_new(o, "head", p->head ? hex(p->head) : json_null());
	json_object_set_new(o, "end", json_string(p->end == JOURNEY_FREED ? "freed" :
						  p->end == JOURNEY_EVICTED ? "evicted" :
						  "in_flight"));
	json_object_set_new(o, "first_ns", json_integer(t0));
	json_object_set_new(o, "last_ns", json_integer(p->last_ns));
	json_object_set_new(o, "duration_ns", json_integer(p->last_ns - t0));
	json_object_set_new(o, "nr_events", json_integer(p->nr_events));
	json_object_set_new(o, "events_not_kept", json_integer(p->nr_not_kept));
	for (i = 0; i < p->nr; i++) {
		const struct journey_event *e = &p->events[i];
		json_t *ev = json_object();

		json_object_set_new(ev, "event", json_string(e->event));
		json_object_set_new(ev, "time_ns", json_integer(e->time_ns));
		json_object_set_new(ev, "delta_ns", json_integer(i ? e->time_ns - prev : 0));
		json_object_set_new(ev, "since_first_ns", json_integer(e->time_ns - t0));
		json_object_set_new(ev, "cpu", json_integer(e->cpu));
		json_object_set_new(ev, "tid", json_integer(e->tid));
		json_object_set_new(ev, "comm", e->comm ? json_string(e->comm) : json_null());
		json_object_set_new(ev, "dev", e->dev ? json_string(e->dev) : json_null());
		if (e->has_len)
			json_object_set_new(ev, "len", json_integer(e->len));
		if (e->head)
			json_object_set_new(ev, "head", hex(e->head));
		if (e->reason)
			json_object_set_new(ev, "reason", json_string(e->reason));
		if (e->location)
			json_object_set_new(ev, "location", json_string(e->location));
		json_array_append_new(evs, ev);
		prev = e->time_ns;
	}
	json_object_set_new(o, "events", evs);
	if (p->blamed)
		json_object_set_new(o, "blame", json_blame(p));
	err = json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(o);
	return err ? -EIO : 0;
}

const struct journey_writer journey_json_blocks = {
	.header = NULL,
	.packet = json_packet,
};
