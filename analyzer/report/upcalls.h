/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/upcalls.h - what `ovsperf-analyze upcalls` streams while it reads:
 * one plain item per upcall (struct upcall_item), given to the writer paired
 * with the report in cmd/commands.c (out/upcall-lines.c: a text line, or one
 * JSON line with --json).  The summary at the end is the report's model
 * (out/text-upcalls.c).
 *
 * An item holds values and borrowed bytes only (valid for the call): the
 * report has decoded what the writer shows (the flow key's attributes, the
 * packet summary), so a writer needs no decoder and no session.
 */
#ifndef OVSPERF_REPORT_UPCALLS_H
#define OVSPERF_REPORT_UPCALLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* How the flow key or the packet is shown (-k / -d). */
enum upcall_show {
	UPCALL_SHOW_NONE,
	UPCALL_SHOW_HEX,		/* a hex dump of the captured bytes */
	UPCALL_SHOW_DECODE,		/* key: netlink attributes; packet: one line */
};

/* One netlink attribute of a captured flow key (OVS_KEY_ATTR_*). */
struct upcall_attr {
	uint16_t len;			/* nla_len as written */
	uint16_t type;			/* nla_type (flag bits kept) */
	const char *name;		/* "OVS_KEY_ATTR_IN_PORT", "<UNKNOWN>" */
	const uint8_t *data;		/* payload captured (borrowed) */
	uint32_t data_len;
	bool truncated;			/* nla_len runs past the captured bytes */
};

/* How the walk of the key's attributes ended. */
enum upcall_attrs_end {
	UPCALL_ATTRS_END,		/* at the end of the captured bytes */
	UPCALL_ATTRS_SHORT_HEADER,	/* fewer than 4 bytes were left */
	UPCALL_ATTRS_BAD_LEN,		/* an nla_len below 4 */
};

/* One upcall: received by a handler, or failed in the kernel (result != 0). */
struct upcall_item {
	uint64_t time_ns;		/* recording time */
	bool has_tod;			/* tod_ns known (the recording has CLOCK_DATA) */
	uint64_t tod_ns;		/* wall clock, ns since the epoch */
	uint32_t cpu, pid, tid;
	const char *comm;		/* "<unknown>" when not recorded */
	const char *dpif;		/* NULL: not recorded */
	const char *dev;		/* failed upcalls: the device ("" unknown); else NULL */
	uint64_t type, pkt_len, key_len;
	int64_t result;
	enum upcall_show key_mode, pkt_mode;
	/* The flow key's captured bytes, NULL when the recording has none. */
	const uint8_t *key;
	uint32_t key_n;			/* bytes shown (-f) */
	uint32_t key_captured;		/* bytes captured */
	bool has_in_port;		/* OVS_KEY_ATTR_IN_PORT in the bytes shown */
	uint32_t in_port;
	/* Its attributes, when decoded (with --json, or -k nlraw). */
	const struct upcall_attr *attrs;
	uint32_t nr_attrs;
	enum upcall_attrs_end attrs_end;
	/* The packet's captured bytes, NULL when the recording has none. */
	const uint8_t *pkt;
	uint32_t pkt_n;			/* bytes shown (-s) */
	uint32_t pkt_captured;		/* bytes captured */
	const char *pkt_summary;	/* one line (with --json, or -d decode), or NULL */
	uint64_t pkt_no;		/* number of the packet shown (upcall_monitor's "1:") */
};

/* What comes before the first upcall. */
struct upcall_header {
	bool has_clock;			/* the recording has CLOCK_DATA: */
	uint64_t clock_ns;		/* its reference point's recording time */
	uint64_t clock_tod_ns;		/* and wall clock */
};

/*
 * struct upcall_writer - the writer of the streamed items.
 * @header: what precedes the items (NULL: nothing).
 * @item: one upcall.
 * Both return 0, or a negative errno with ovp_err() set.
 */
struct upcall_writer {
	int (*header)(const struct upcall_header *h, FILE *out);
	int (*item)(const struct upcall_item *u, FILE *out);
};

#endif /* OVSPERF_REPORT_UPCALLS_H */
