/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/upcall-decode.h - what `ovsperf-analyze upcalls` shows of an upcall's
 * captured bytes: the netlink attributes of its flow key (OVS_KEY_ATTR_*,
 * as upcall_monitor.py's nlraw mode) and a one-line summary of its packet
 * (Ethernet, VLAN, IPv4, IPv6, TCP, UDP, ICMP, ICMPv6, ARP).
 *
 * Pure functions of the bytes: no allocation, output into caller buffers.
 */
#ifndef OVSPERF_UPCALL_DECODE_H
#define OVSPERF_UPCALL_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The name of OVS_KEY_ATTR_* number @type, "<UNKNOWN>" past the known ones. */
const char *upcall_key_attr_name(unsigned int type);

/*
 * struct upcall_nla - one attribute of a captured flow key, walked by
 * upcall_nla_next().
 */
struct upcall_nla {
	uint16_t len;			/* nla_len as written */
	uint16_t type;			/* nla_type (flag bits kept) */
	const uint8_t *data;		/* payload (borrowed from the key) */
	uint32_t data_len;		/* payload bytes captured */
	bool truncated;			/* nla_len runs past the captured bytes */
};

enum upcall_nla_status {
	UPCALL_NLA_OK,			/* *out is the next attribute */
	UPCALL_NLA_END,			/* no bytes left */
	UPCALL_NLA_SHORT_HEADER,	/* fewer than 4 bytes left */
	UPCALL_NLA_BAD_LEN,		/* nla_len < 4 */
};

/*
 * upcall_nla_next() - the attribute at *@off of @key (@len bytes captured);
 * advances *@off past it (4-byte aligned).  A truncated attribute is
 * returned once with ->truncated set; the walk ends after it.
 */
enum upcall_nla_status upcall_nla_next(const uint8_t *key, uint32_t len, uint32_t *off,
				       struct upcall_nla *out);

/* OVS_KEY_ATTR_IN_PORT of a captured key; false when not captured whole. */
bool upcall_key_in_port(const uint8_t *key, uint32_t len, uint32_t *port);

/*
 * upcall_packet_summary() - one line describing the captured packet bytes
 * @pkt (@len of them), layers separated by ", ":
 *   "Ethernet 04:f4:bc:28:57:01 > 3c:fd:fe:9e:7f:02, IPv4 10.1.0.1 > 10.1.0.2
 *    ttl 64 len 46, UDP 12345 > 53 len 26"
 * A layer cut by the capture is "<Layer> truncated" and ends the line.
 * Always NUL terminated in @buf (@size > 0).
 */
void upcall_packet_summary(const uint8_t *pkt, uint32_t len, char *buf, size_t size);

#endif /* OVSPERF_UPCALL_DECODE_H */
