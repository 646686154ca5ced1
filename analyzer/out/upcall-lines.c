// SPDX-License-Identifier: Apache-2.0
/*
 * out/upcall-lines.c - the lines `ovsperf-analyze upcalls` streams while it
 * reads, one per upcall (report/upcalls.h): upcall_monitor.py's text line,
 * with the flow key (netlink attributes or hex dump) and the packet (summary
 * or hex dump) below it; or, with --json, one JSON object per line.
 *
 * A writer: it reads the plain item it is given and nothing else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <jansson.h>

#include "ovsperf/err.h"
#include "ovsperf/strutil.h"
#include "out/items.h"

/* Captured bytes are at most this many (report/upcalls.c). */
#define MAX_CAPTURE 2048

static void hexdump(FILE *out, const uint8_t *d, uint32_t n)
{
	uint32_t i, k;

	for (i = 0; i < n; i += 16) {
		fprintf(out, "    %04x  ", i);
		for (k = i; k < i + 16; k++) {
			if (k < n)
				fprintf(out, "%02X ", d[k]);
			else
				fputs("   ", out);
		}
		fputc(' ', out);
		for (k = i; k < i + 16 && k < n; k++)
			fputc(d[k] >= 0x20 && d[k] < 0x7f ? d[k] : '.', out);
		fputc('\n', out);
	}
}

/* @n bytes as lower-case hex in @dst (2 * @n + 1 bytes). */
static void hexstr(char *dst, const uint8_t *d, uint32_t n)
{
	static const char x[] = "0123456789abcdef";
	uint32_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = x[d[i] >> 4];
		dst[2 * i + 1] = x[d[i] & 15];
	}
	dst[2 * n] = 0;
}

/*
 * Text.
 */

static int text_header(const struct upcall_header *h, FILE *out)
{
	char t[32], w[48];

	/* The wall clock first, as the time of the recording's CLOCK_DATA
	 * reference point: the lines give recording times. */
	if (h->has_clock)
		fprintf(out, "Wall clock: recording time %s is %s\n",
			ovp_fmt_ns(h->clock_ns, t, sizeof(t)),
			ovp_fmt_tod(h->clock_tod_ns, w, sizeof(w)));
	fprintf(out, "%-18s %-4s %-16s %-10s %-40s %-4s %-10s %-12s %s\n", "TIME", "CPU", "COMM",
		"PID", "DPIF_NAME", "TYPE", "PKT_LEN", "FLOW_KEY_LEN", "RESULT");
	return 0;
}

/* The nlraw lines of upcall_monitor.py's decode_nlm(). */
static void key_text(FILE *out, const struct upcall_item *u)
{
	uint32_t i, k;

	for (i = 0; i < u->nr_attrs; i++) {
		const struct upcall_attr *a = &u->attrs[i];

		fprintf(out, "    nla_len %u, nla_type %s[%u], data:", a->len, a->name, a->type);
		for (k = 0; k < a->data_len; k++)
			fprintf(out, " %02x", a->data[k]);
		fputs(a->truncated ? " ...\n" : "\n", out);
		if (a->truncated)
			fprintf(out, "    WARN: decode truncated; nla_len > msg_len[%u]\n",
				a->data_len + 4);
	}
	if (u->attrs_end == UPCALL_ATTRS_SHORT_HEADER)
		fputs("    WARN: decode truncated; can't read header\n", out);
	else if (u->attrs_end == UPCALL_ATTRS_BAD_LEN)
		fputs("    WARN: decode truncated; nla_len < 4\n", out);
}

static int text_item(const struct upcall_item *u, FILE *out)
{
	char dp[128], port_s[16] = "?", t[32];

	snprintf(t, sizeof(t), "%" PRIu64 ".%09" PRIu64, u->time_ns / 1000000000u,
		 u->time_ns % 1000000000u);
	if (u->dev && *u->dev)
		snprintf(dp, sizeof(dp), "%s (%s)", u->dev, u->dpif ? u->dpif : "-");
	else
		snprintf(dp, sizeof(dp), "%s", u->dpif ? u->dpif : "-");
	fprintf(out, "%-18s %-4u %-16s %-10u %-40s %-4" PRIu64 " %-10" PRIu64 " %-12" PRIu64
		" %" PRId64 "\n", t, u->cpu, u->comm, u->tid, dp, u->type, u->pkt_len,
		u->key_len, u->result);
	if (u->key && u->key_mode != UPCALL_SHOW_NONE && u->key_len) {
		fprintf(out, "  Flow key size %" PRIu64 " bytes, size captured %u bytes.\n",
			u->key_len, u->key_n);
		if (u->key_mode == UPCALL_SHOW_HEX)
			hexdump(out, u->key, u->key_n);
		else
			key_text(out, u);
	}
	if (u->pkt_mode != UPCALL_SHOW_NONE && u->pkt && u->pkt_len) {
		if (u->key && u->has_in_port)
			snprintf(port_s, sizeof(port_s), "%u", u->in_port);
		fprintf(out, "  %" PRIu64 ": Receive dp_port %s, packet size %" PRIu64
			" bytes, size captured %u bytes.\n", u->pkt_no,
			u->dev && *u->dev ? u->dev : port_s, u->pkt_len, u->pkt_n);
		if (u->pkt_mode == UPCALL_SHOW_HEX)
			hexdump(out, u->pkt, u->pkt_n);
		else
			fprintf(out, "    %s\n", u->pkt_summary);
	}
	return ferror(out) ? ovp_err(-EIO, "upcalls: write failed") : 0;
}

const struct upcall_writer upcall_text_lines = {
	.header = text_header,
	.item = text_item,
};

/*
 * JSON Lines.
 */

static json_t *key_json(const struct upcall_item *u)
{
	char hex[2 * MAX_CAPTURE + 1];
	json_t *arr = json_array();
	uint32_t i;

	for (i = 0; i < u->nr_attrs; i++) {
		const struct upcall_attr *a = &u->attrs[i];
		json_t *o = json_object();

		hexstr(hex, a->data, a->data_len);
		json_object_set_new(o, "nla_len", json_integer(a->len));
		json_object_set_new(o, "nla_type", json_integer(a->type));
		json_object_set_new(o, "name", json_string(a->name));
		json_object_set_new(o, "data", json_string(hex));
		if (a->truncated)
			json_object_set_new(o, "truncated", json_true());
		json_array_append_new(arr, o);
	}
	if (u->attrs_end != UPCALL_ATTRS_END)
		json_array_append_new(arr, json_pack("{s:b}", "damaged", 1));
	return arr;
}

static int json_item(const struct upcall_item *u, FILE *out)
{
	char hex[2 * MAX_CAPTURE + 1], wall[48];
	json_t *o = json_object();
	char *s;
	int err = 0;

	json_object_set_new(o, "time_ns", json_integer((json_int_t)u->time_ns));
	if (u->has_tod)
		json_object_set_new(o, "wall_clock", json_string(ovp_fmt_tod(u->tod_ns, wall,
									     sizeof(wall))));
	json_object_set_new(o, "cpu", json_integer(u->cpu));
	json_object_set_new(o, "comm", json_string(u->comm));
	json_object_set_new(o, "pid", json_integer(u->pid));
	json_object_set_new(o, "tid", json_integer(u->tid));
	json_object_set_new(o, "dpif", u->dpif ? json_string(u->dpif) : json_null());
	if (u->dev)
		json_object_set_new(o, "dev", json_string(u->dev));
	json_object_set_new(o, "type", json_integer((json_int_t)u->type));
	json_object_set_new(o, "pkt_len", json_integer((json_int_t)u->pkt_len));
	json_object_set_new(o, "key_len", json_integer((json_int_t)u->key_len));
	json_object_set_new(o, "result", json_integer(u->result));
	if (u->key) {
		json_object_set_new(o, "key_captured", json_integer(u->key_captured));
		if (u->has_in_port)
			json_object_set_new(o, "in_port", json_integer(u->in_port));
		json_object_set_new(o, "key", key_json(u));
		if (u->key_mode == UPCALL_SHOW_HEX) {
			hexstr(hex, u->key, u->key_n);
			json_object_set_new(o, "key_bytes", json_string(hex));
		}
	}
	if (u->pkt) {
		json_object_set_new(o, "pkt_captured", json_integer(u->pkt_captured));
		json_object_set_new(o, "packet", json_string(u->pkt_summary));
		if (u->pkt_mode == UPCALL_SHOW_HEX) {
			hexstr(hex, u->pkt, u->pkt_n);
			json_object_set_new(o, "pkt_bytes", json_string(hex));
		}
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s || fputs(s, out) == EOF || fputc('\n', out) == EOF)
		err = ovp_err(-EIO, "upcalls: write failed");
	free(s);
	return err;
}

const struct upcall_writer upcall_json_lines = {
	.header = NULL,
	.item = json_item,
};
