// SPDX-License-Identifier: Apache-2.0
/*
 * decode/upcall-decode.c - flow key attributes and packet summaries for
 * `ovsperf-analyze upcalls` (see decode/upcall-decode.h).
 *
 * Everything here reads only the bytes it is given: a capture may stop in
 * the middle of a header (the probe set fetches the first 128 bytes), and
 * each layer checks its own length before it reads.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode/upcall-decode.h"

/* enum ovs_key_attr of include/uapi/linux/openvswitch.h, in order. */
static const char *const key_attr_names[] = {
	"OVS_KEY_ATTR_UNSPEC",
	"OVS_KEY_ATTR_ENCAP",
	"OVS_KEY_ATTR_PRIORITY",
	"OVS_KEY_ATTR_IN_PORT",
	"OVS_KEY_ATTR_ETHERNET",
	"OVS_KEY_ATTR_VLAN",
	"OVS_KEY_ATTR_ETHERTYPE",
	"OVS_KEY_ATTR_IPV4",
	"OVS_KEY_ATTR_IPV6",
	"OVS_KEY_ATTR_TCP",
	"OVS_KEY_ATTR_UDP",
	"OVS_KEY_ATTR_ICMP",
	"OVS_KEY_ATTR_ICMPV6",
	"OVS_KEY_ATTR_ARP",
	"OVS_KEY_ATTR_ND",
	"OVS_KEY_ATTR_SKB_MARK",
	"OVS_KEY_ATTR_TUNNEL",
	"OVS_KEY_ATTR_SCTP",
	"OVS_KEY_ATTR_TCP_FLAGS",
	"OVS_KEY_ATTR_DP_HASH",
	"OVS_KEY_ATTR_RECIRC_ID",
	"OVS_KEY_ATTR_MPLS",
	"OVS_KEY_ATTR_CT_STATE",
	"OVS_KEY_ATTR_CT_ZONE",
	"OVS_KEY_ATTR_CT_MARK",
	"OVS_KEY_ATTR_CT_LABELS",
	"OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4",
	"OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6",
	"OVS_KEY_ATTR_NSH",
	"OVS_KEY_ATTR_PACKET_TYPE",
	"OVS_KEY_ATTR_ND_EXTENSIONS",
	"OVS_KEY_ATTR_TUNNEL_INFO",
	"OVS_KEY_ATTR_IPV6_EXTHDRS",
};

const char *upcall_key_attr_name(unsigned int type)
{
	if (type < sizeof(key_attr_names) / sizeof(key_attr_names[0]))
		return key_attr_names[type];
	return "<UNKNOWN>";
}

enum upcall_nla_status upcall_nla_next(const uint8_t *key, uint32_t len, uint32_t *off,
				       struct upcall_nla *out)
{
	uint32_t left;

	if (*off >= len)
		return UPCALL_NLA_END;
	left = len - *off;
	if (left < 4)
		return UPCALL_NLA_SHORT_HEADER;
	memcpy(&out->len, key + *off, 2);
	memcpy(&out->type, key + *off + 2, 2);
	if (out->len < 4)
		return UPCALL_NLA_BAD_LEN;
	out->data = key + *off + 4;
	out->truncated = out->len > left;
	out->data_len = (out->truncated ? left : out->len) - 4;
	/* A truncated attribute is the last: nothing after it was captured. */
	*off = out->truncated ? len : *off + ((out->len + 3u) & ~3u);
	return UPCALL_NLA_OK;
}

bool upcall_key_in_port(const uint8_t *key, uint32_t len, uint32_t *port)
{
	struct upcall_nla a;
	uint32_t off = 0;

	while (upcall_nla_next(key, len, &off, &a) == UPCALL_NLA_OK) {
		if ((a.type & 0x3fff) == 3 && !a.truncated && a.data_len == 4) {
			memcpy(port, a.data, 4);
			return true;
		}
	}
	return false;
}

/* A bounded line buffer: appends stop at its end, which stays a string. */
struct line {
	char *buf;
	size_t size, pos;
};

__attribute__((format(printf, 2, 3)))
static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->pos >= l->size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->pos, l->size - l->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->pos += (size_t)n < l->size - l->pos ? (size_t)n : l->size - l->pos - 1;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void mac(struct line *l, const uint8_t *m)
{
	add(l, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void ip4(struct line *l, const uint8_t *a)
{
	add(l, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void ip6(struct line *l, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	add(l, "%s", inet_ntop(AF_INET6, a, s, sizeof(s)) ? s : "?");
}

static void tcp(struct line *l, const uint8_t *p, uint32_t len)
{
	/* tcpdump's letters, in its order; ACK is ".". */
	static const struct { uint8_t bit; char c; } flags[] = {
		{ 0x01, 'F' }, { 0x02, 'S' }, { 0x04, 'R' }, { 0x08, 'P' },
		{ 0x10, '.' }, { 0x20, 'U' }, { 0x40, 'E' }, { 0x80, 'W' },
	};
	size_t i;

	if (len < 14) {
		add(l, ", TCP truncated");
		return;
	}
	add(l, ", TCP %u > %u flags [", be16(p), be16(p + 2));
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (p[13] & flags[i].bit)
			add(l, "%c", flags[i].c);
	add(l, "] seq %u", be32(p + 4));
	if (p[13] & 0x10)
		add(l, " ack %u", be32(p + 8));
}

static void udp(struct line *l, const uint8_t *p, uint32_t len)
{
	if (len < 8) {
		add(l, ", UDP truncated");
		return;
	}
	add(l, ", UDP %u > %u len %u", be16(p), be16(p + 2), be16(p + 4));
}

static void icmp(struct line *l, const char *name, const uint8_t *p, uint32_t len, bool v6)
{
	static const struct { uint8_t type; bool v6; const char *name; } types[] = {
		{ 0, false, "echo-reply" }, { 8, false, "echo-request" },
		{ 3, false, "dest-unreach" }, { 11, false, "time-exceeded" },
		{ 128, true, "echo-request" }, { 129, true, "echo-reply" },
		{ 133, true, "router-solicit" }, { 134, true, "router-advert" },
		{ 135, true, "neighbor-solicit" }, { 136, true, "neighbor-advert" },
	};
	const char *tname = NULL;
	bool echo;
	size_t i;

	if (len < 4) {
		add(l, ", %s truncated", name);
		return;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == p[0] && types[i].v6 == v6)
			tname = types[i].name;
	echo = v6 ? (p[0] == 128 || p[0] == 129) : (p[0] == 0 || p[0] == 8);
	if (!tname) {
		add(l, ", %s type %u code %u", name, p[0], p[1]);
		return;
	}
	add(l, ", %s %s", name, tname);
	if (echo && len >= 8)
		add(l, " id 0x%04x seq %u", be16(p + 4), be16(p + 6));
}

static void l4(struct line *l, uint8_t proto, const uint8_t *p, uint32_t len, bool v6)
{
	switch (proto) {
	case 6:
		tcp(l, p, len);
		break;
	case 17:
		udp(l, p, len);
		break;
	case 1:
		if (!v6)
			icmp(l, "ICMP", p, len, false);
		else
			add(l, ", proto %u", proto);
		break;
	case 58:
		if (v6)
			icmp(l, "ICMPv6", p, len, true);
		else
			add(l, ", proto %u", proto);
		break;
	default:
		add(l, ", proto %u", proto);
	}
}

static void ipv4(struct line *l, const uint8_t *p, uint32_t len)
{
	uint32_t ihl;
	uint16_t frag;

	if (len < 20 || p[0] >> 4 != 4 || (p[0] & 15) < 5) {
		add(l, len < 20 ? ", IPv4 truncated" : ", IPv4 bad header");
		return;
	}
	ihl = (uint32_t)(p[0] & 15) * 4;
	frag = be16(p + 6);
	add(l, ", IPv4 ");
	ip4(l, p + 12);
	add(l, " > ");
	ip4(l, p + 16);
	add(l, " ttl %u len %u", p[8], be16(p + 2));
	if (frag & 0x3fff)
		add(l, " frag offset %u%s", (frag & 0x1fffu) * 8, frag & 0x2000 ? " MF" : "");
	if (frag & 0x1fff) {
		add(l, " proto %u", p[9]);
		return;
	}
	if (len < ihl) {
		add(l, ", IPv4 options truncated");
		return;
	}
	l4(l, p[9], p + ihl, len - ihl, false);
}

static void ipv6(struct line *l, const uint8_t *p, uint32_t len)
{
	if (len < 40) {
		add(l, ", IPv6 truncated");
		return;
	}
	add(l, ", IPv6 ");
	ip6(l, p + 8);
	add(l, " > ");
	ip6(l, p + 24);
	add(l, " hlim %u plen %u", p[7], be16(p + 4));
	l4(l, p[6], p + 40, len - 40, true);
}

static void arp(struct line *l, const uint8_t *p, uint32_t len)
{
	uint16_t op;

	/* Ethernet/IPv4 ARP only: hardware 1, protocol 0x0800, sizes 6 and 4. */
	if (len < 28) {
		add(l, ", ARP truncated");
		return;
	}
	op = be16(p + 6);
	if (be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		add(l, ", ARP op %u", op);
		return;
	}
	if (op == 1) {
		add(l, ", ARP request who-has ");
		ip4(l, p + 24);
		add(l, " tell ");
		ip4(l, p + 14);
	} else if (op == 2) {
		add(l, ", ARP reply ");
		ip4(l, p + 14);
		add(l, " is-at ");
		mac(l, p + 8);
	} else {
		add(l, ", ARP op %u", op);
	}
}

void upcall_packet_summary(const uint8_t *pkt, uint32_t len, char *buf, size_t size)
{
	struct line l = { .buf = buf, .size = size };
	uint32_t off = 12;
	uint16_t type;

	buf[0] = 0;
	if (len < 14) {
		add(&l, "Ethernet truncated (%u bytes)", len);
		return;
	}
	add(&l, "Ethernet ");
	mac(&l, pkt + 6);
	add(&l, " > ");
	mac(&l, pkt);
	for (;;) {
		type = be16(pkt + off);
		if (type != 0x8100 && type != 0x88a8)
			break;
		if (off + 6 > len) {
			add(&l, ", VLAN truncated");
			return;
		}
		add(&l, ", VLAN %u pcp %u", be16(pkt + off + 2) & 0xfffu, pkt[off + 2] >> 5);
		off += 4;
	}
	off += 2;
	switch (type) {
	case 0x0800:
		ipv4(&l, pkt + off, len - off);
		break;
	case 0x86dd:
		ipv6(&l, pkt + off, len - off);
		break;
	case 0x0806:
		arp(&l, pkt + off, len - off);
		break;
	default:
		add(&l, ", EtherType 0x%04x", type);
	}
}
