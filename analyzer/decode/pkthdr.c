// SPDX-License-Identifier: Apache-2.0
/*
 * decode/pkthdr.c - IPv4/IPv6 flows and the L4 checksum's offset from captured
 * packet bytes (see decode/pkthdr.h).  Every offset is checked against the capture
 * before it is read.
 */
#include <string.h>

#include "decode/pkthdr.h"

enum {
	IPPROTO_HOPOPTS_ = 0,
	IPPROTO_TCP_ = 6,
	IPPROTO_UDP_ = 17,
	IPPROTO_ROUTING_ = 43,
	IPPROTO_FRAGMENT_ = 44,
	IPPROTO_AH_ = 51,
	IPPROTO_DSTOPTS_ = 60,
	IPPROTO_SCTP_ = 132,
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_ || proto == IPPROTO_SCTP_;
}

/*
 * The transport header of the IP header at @p: its offset in *@l4 and the
 * protocol in *@proto.  Return: 0, or -1 when @p is no IPv4/IPv6 header
 * captured in full; *@l4 is set to 0 when the transport header is not
 * reachable (a later fragment, extension headers cut short).
 */
static int ip_l4(const uint8_t *p, size_t n, size_t *l4, uint8_t *proto)
{
	size_t off;
	int i;

	*l4 = 0;
	if (n < 1)
		return -1;
	if (p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 0xf) * 4;

		if (ihl < 20 || n < ihl)
			return -1;
		*proto = p[9];
		/* A later fragment carries no transport header. */
		if (!(be16(p + 6) & 0x1fff))
			*l4 = ihl;
		return 0;
	}
	if (p[0] >> 4 != 6 || n < 40)
		return -1;
	*proto = p[6];
	off = 40;
	for (i = 0; i < 8; i++) {
		switch (*proto) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
			if (off + 2 > n)
				return 0;
			*proto = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
			continue;
		case IPPROTO_FRAGMENT_:
			if (off + 8 > n)
				return 0;
			*proto = p[off];
			if (be16(p + off + 2) & 0xfff8)
				return 0;
			off += 8;
			continue;
		case IPPROTO_AH_:
			if (off + 2 > n)
				return 0;
			*proto = p[off];
			off += ((size_t)p[off + 1] + 2) * 4;
			continue;
		default:
			*l4 = off;
			return 0;
		}
	}
	return 0;
}

int pkthdr_ip_flow(const uint8_t *p, size_t n, struct pkthdr_flow *fl)
{
	size_t l4;
	uint8_t proto = 0;

	memset(fl, 0, sizeof(*fl));
	if (!p || ip_l4(p, n, &l4, &proto))
		return PKTHDR_NONE;
	fl->proto = proto;
	if (p[0] >> 4 == 4) {
		fl->family = PKTHDR_IPV4;
		memcpy(fl->saddr, p + 12, 4);
		memcpy(fl->daddr, p + 16, 4);
	} else {
		fl->family = PKTHDR_IPV6;
		memcpy(fl->saddr, p + 8, 16);
		memcpy(fl->daddr, p + 24, 16);
	}
	if (l4 && l4 + 4 <= n && has_ports(proto)) {
		fl->has_ports = true;
		fl->sport = be16(p + l4);
		fl->dport = be16(p + l4 + 2);
	}
	return fl->family;
}

/* The network header's offset in an Ethernet frame (up to two VLAN tags)
 * and its ethertype, or -1 when the frame is cut short. */
static long eth_payload(const uint8_t *p, size_t n, uint16_t *typep)
{
	size_t off = 12;
	uint16_t type;
	int tags;

	if (!p || n < 14)
		return -1;
	type = be16(p + off);
	for (tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
		off += 4;
		if (off + 2 > n)
			return -1;
		type = be16(p + off);
	}
	*typep = type;
	return (long)off + 2;
}

int pkthdr_eth_flow(const uint8_t *p, size_t n, struct pkthdr_flow *fl)
{
	uint16_t type;
	long off = eth_payload(p, n, &type);

	memset(fl, 0, sizeof(*fl));
	if (off < 0 || (type != 0x0800 && type != 0x86dd))
		return PKTHDR_NONE;
	if (!pkthdr_ip_flow(p + off, n - (size_t)off, fl))
		return PKTHDR_NONE;
	/* The ethertype and the IP version must agree. */
	if ((type == 0x0800) != (fl->family == PKTHDR_IPV4))
		memset(fl, 0, sizeof(*fl));
	return fl->family;
}

long pkthdr_l4_csum_offset(const uint8_t *p, size_t n, int *protop)
{
	size_t l4, csum, off;
	uint16_t type;
	uint8_t proto = 0;
	long start = eth_payload(p, n, &type);

	if (start < 0)
		return -1;
	off = (size_t)start;
	if ((type != 0x0800 && type != 0x86dd) || ip_l4(p + off, n - off, &l4, &proto) || !l4)
		return -1;
	if ((type == 0x0800) != (p[off] >> 4 == 4))
		return -1;
	if (proto == IPPROTO_TCP_)
		csum = off + l4 + 16;
	else if (proto == IPPROTO_UDP_)
		csum = off + l4 + 6;
	else
		return -1;
	if (csum + 2 > n)
		return -1;
	if (protop)
		*protop = proto;
	return (long)csum;
}
