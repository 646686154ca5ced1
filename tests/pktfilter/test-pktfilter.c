// SPDX-License-Identifier: Apache-2.0
/*
 * test-pktfilter.c - unit test of analyzer/decode/pktfilter.c and of lib's
 * pdata_evsel__matches():
 *  - the options parse to the values the filters compare (addresses as
 *    inet_pton gives them, ports and protocols as numbers, case-insensitive
 *    protocol names) and bad values are refused with the option named;
 *  - pktfilter_match() on hand-made packets: each filter alone, the time
 *    range bounds inclusive, a flow field the packet lacks;
 *  - with a recording (make-clone-data's, argv[1]): the fields each event
 *    resolves (the probe's "protocol" counts, the kfree_skb tracepoint's
 *    ethertype "protocol" does not), the values read per sample (ports turned
 *    to host order) and pktfilter_match_sample() against the same values
 *    decoded here from the raw payload;
 *  - flows from crafted headers (pkthdr_ip_flow(), and pkthdr_eth_flow() for
 *    Ethernet frames, VLAN tags): IPv4 with options (ports
 *    after the real header length), a later IPv4 fragment, IPv6 with TCP,
 *    UDP and extension headers, ARP, other versions and headers cut short
 *    (no flow at all); IPv6 filters; the L4 checksum's offset in frames.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "ovsperf/err.h"
#include "ovsperf/pdata.h"
#include "decode/pkthdr.h"
#include "decode/pktfilter.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

static void test_matches(void)
{
	struct pdata_evsel ev = { .name = "probe:do_output", .event = "do_output" };
	struct pdata_evsel raw = { .name = "ovsperf:xmit" };	/* no event part set */
	struct pdata_evsel plain = { .name = "cycles", .event = "cycles" };

	CHECK(pdata_evsel__matches(&ev, "probe:do_output"));
	CHECK(pdata_evsel__matches(&ev, "do_output"));
	CHECK(!pdata_evsel__matches(&ev, "ovsperf:do_output"));
	CHECK(!pdata_evsel__matches(&ev, "do_outpu"));
	CHECK(!pdata_evsel__matches(&ev, "probe"));
	CHECK(pdata_evsel__matches(&raw, "xmit"));
	CHECK(!pdata_evsel__matches(&raw, "ovsperf"));
	CHECK(pdata_evsel__matches(&plain, "cycles"));
	CHECK(!pdata_evsel__matches(&plain, "x:cycles"));
}

static void test_options(void)
{
	struct pktfilter f;
	struct in_addr a;

	pktfilter_init(&f);
	CHECK(!pktfilter_wants_fields(&f));
	CHECK_U64(f.time_end, UINT64_MAX);
	CHECK(pktfilter_is_option(PKTFILTER_OPT_CPU) && pktfilter_is_option(PKTFILTER_OPT_TIME));
	CHECK(!pktfilter_is_option(256) && !pktfilter_is_option(PKTFILTER_OPT_END));
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_IP, "10.1.2.3"), 0);
	inet_pton(AF_INET, "10.1.2.3", &a);
	CHECK(f.has_flow[PKTFILTER_SADDR] && f.flow[PKTFILTER_SADDR] == a.s_addr);
	CHECK(pktfilter_wants_fields(&f));
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_DST_PORT, "65535"), 0);
	CHECK_U64(f.flow[PKTFILTER_DPORT], 65535);
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_PROTOCOL, "UDP"), 0);
	CHECK_U64(f.flow[PKTFILTER_PROTO], 17);
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_PROTOCOL, "132"), 0);
	CHECK_U64(f.flow[PKTFILTER_PROTO], 132);
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_TIME, "1.5,2"), 0);
	CHECK_U64(f.time_start, 1500000000);
	CHECK_U64(f.time_end, 2000000000);
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_CPU, "1,3-4"), 0);
	CHECK(f.has_cpus && pktfilter_cpu_ok(&f, 3) && !pktfilter_cpu_ok(&f, 2));

	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_DST_IP, "10.1.2"), (uint64_t)-EINVAL);
	CHECK_STR(ovp_errmsg(), "--dst-ip: '10.1.2' is not an IPv4 or IPv6 address");
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_PORT, "65536"), (uint64_t)-ERANGE);
	CHECK_STR(ovp_errmsg(), "--src-port: expected a whole number from 0 to 65535, not '65536'");
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_PORT, "-1"), (uint64_t)-EINVAL);
	CHECK_STR(ovp_errmsg(), "--src-port: expected a whole number from 0 to 65535, not '-1'");
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_PROTOCOL, "256"), (uint64_t)-EINVAL);
	CHECK_STR(ovp_errmsg(), "--protocol: expected tcp, udp, icmp, sctp or a number from 0 to "
				"255, not '256'");
	CHECK(pktfilter_option(&f, PKTFILTER_OPT_CPU, "x") < 0);
	CHECK(!strncmp(ovp_errmsg(), "--cpu", 5));
	CHECK(pktfilter_option(&f, PKTFILTER_OPT_TIME, "3") < 0);
	CHECK(!strncmp(ovp_errmsg(), "--time", 6));
	/* Failed options leave the earlier values. */
	CHECK_U64(f.flow[PKTFILTER_PROTO], 132);
	CHECK_U64(f.time_start, 1500000000);
}

static void test_match(void)
{
	struct pktfilter f;
	struct pktfilter_pkt p = { .first = 100, .last = 200, .cpu_hit = true, .dev_hit = true };

	p.flow.has = 1u << PKTFILTER_SPORT | 1u << PKTFILTER_PROTO;
	p.flow.f[PKTFILTER_SPORT] = 1000;
	p.flow.f[PKTFILTER_PROTO] = 6;
	pktfilter_init(&f);
	CHECK(pktfilter_match(&f, &p));
	/* Hits only count with their filter. */
	p.cpu_hit = p.dev_hit = false;
	CHECK(pktfilter_match(&f, &p));
	f.has_cpus = true;
	CHECK(!pktfilter_match(&f, &p));
	p.cpu_hit = true;
	CHECK(pktfilter_match(&f, &p));
	f.dev = "eth0";
	CHECK(!pktfilter_match(&f, &p));
	CHECK(pktfilter_dev_ok(&f, "eth0") && !pktfilter_dev_ok(&f, "eth1"));
	CHECK(!pktfilter_dev_ok(&f, NULL));
	p.dev_hit = true;
	CHECK(pktfilter_match(&f, &p));
	/* Time: both ends inclusive, the whole packet inside. */
	f.time_start = 100;
	f.time_end = 200;
	CHECK(pktfilter_match(&f, &p));
	f.time_end = 199;
	CHECK(!pktfilter_match(&f, &p));
	f.time_end = 200;
	f.time_start = 101;
	CHECK(!pktfilter_match(&f, &p));
	f.time_start = 0;
	/* Flow: equal values pass, other values and missing fields do not. */
	f.has_flow[PKTFILTER_SPORT] = true;
	f.flow[PKTFILTER_SPORT] = 1000;
	CHECK(pktfilter_match(&f, &p));
	f.flow[PKTFILTER_SPORT] = 1001;
	CHECK(!pktfilter_match(&f, &p));
	f.has_flow[PKTFILTER_SPORT] = false;
	f.has_flow[PKTFILTER_DPORT] = true;
	f.flow[PKTFILTER_DPORT] = 0;
	CHECK(!pktfilter_match(&f, &p));
}

/* The recording: fields of each event, values per sample. */
struct rec_test {
	struct pdata_tool tool;
	struct pktfilter_fields pf[8];
	int nr, xmit, kfree;
	struct pktfilter by_src, by_all;	/* --src-ip 10.199.0.2; every filter */
	uint64_t nr_xmit, nr_src, nr_src_seen, nr_all, nr_all_seen, bad_values;
};

static int rec_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct rec_test *t = container_of(tool, struct rec_test, tool);
	struct pktfilter_fields pf;

	t->nr = pdata_session__nr_evsels(s);
	t->xmit = t->kfree = -1;
	for (int i = 0; i < t->nr && i < 8; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		bool any = pktfilter_fields__resolve(&t->pf[i], ev, PKTFILTER_ANY_EVENT);

		if (!strcmp(ev->name, "ovsperf:xmit")) {
			t->xmit = i;
			CHECK(any && t->pf[i].probe);
			CHECK_U64(t->pf[i].has, 0x1f);	/* "protocol" counts on a probe */
			CHECK(pktfilter_fields__has_dev(&t->pf[i]));
			CHECK(pktfilter_fields__resolve(&pf, ev, PKTFILTER_PROBES_ONLY));
			CHECK_U64(pf.has, 0x1f);
		} else if (!strcmp(ev->name, "skb:kfree_skb")) {
			t->kfree = i;
			/* Its protocol is the ethertype: no flow field. */
			CHECK(!any && !t->pf[i].probe);
			CHECK_U64(t->pf[i].has, 0);
		}
	}
	CHECK(t->xmit >= 0 && t->kfree >= 0);
	return 0;
}

/* The xmit payload as make-clone-data lays it out (offsets of its format). */
static void raw_flow(const uint8_t *raw, uint32_t *saddr, uint32_t *sport, uint32_t *dport,
		     uint32_t *proto, char *dev)
{
	memcpy(saddr, raw + 52, 4);
	*sport = (uint32_t)raw[60] << 8 | raw[61];
	*dport = (uint32_t)raw[62] << 8 | raw[63];
	*proto = raw[64];
	memcpy(dev, raw + 32, 16);
	dev[15] = 0;
}

static int rec_sample(struct pdata_tool *tool, const struct pdata_sample *s)
{
	struct rec_test *t = container_of(tool, struct rec_test, tool);
	uint32_t saddr, sport, dport, proto, want_src;
	struct pktfilter_flow fl = { 0 };
	char dev[16], buf[64];
	int i;

	if (!s->evsel || s->evsel->idx >= 8)
		return 0;
	i = s->evsel->idx;
	if (i != t->xmit) {
		/* No flow: a flow filter never passes, a time-only one does. */
		if (pktfilter_match_sample(&t->by_src, &t->pf[i], s))
			t->bad_values++;
		return 0;
	}
	t->nr_xmit++;
	raw_flow(s->raw_data, &saddr, &sport, &dport, &proto, dev);
	pktfilter_fields__flow(&t->pf[i], s, &fl);
	if (fl.has != 0x1f || fl.f[PKTFILTER_SADDR] != saddr || fl.f[PKTFILTER_SPORT] != sport ||
	    fl.f[PKTFILTER_DPORT] != dport || fl.f[PKTFILTER_PROTO] != proto || proto != 17 ||
	    !pktfilter_fields__dev(&t->pf[i], s, buf, sizeof(buf)) || strcmp(buf, dev))
		t->bad_values++;
	want_src = t->by_src.flow[PKTFILTER_SADDR];
	t->nr_src += saddr == want_src;
	t->nr_src_seen += pktfilter_match_sample(&t->by_src, &t->pf[i], s);
	t->nr_all += saddr == want_src && sport == 1001 && dport == 9998 && !strcmp(dev, "p1") &&
		     s->cpu == 1 && s->time >= t->by_all.time_start;
	t->nr_all_seen += pktfilter_match_sample(&t->by_all, &t->pf[i], s);
	return 0;
}

static void test_recording(const char *path)
{
	struct rec_test t;
	struct pdata_session *s;

	memset(&t, 0, sizeof(t));
	pktfilter_init(&t.by_src);
	CHECK_U64(pktfilter_option(&t.by_src, PKTFILTER_OPT_SRC_IP, "10.199.0.2"), 0);
	pktfilter_init(&t.by_all);
	CHECK_U64(pktfilter_option(&t.by_all, PKTFILTER_OPT_SRC_IP, "10.199.0.2"), 0);
	CHECK_U64(pktfilter_option(&t.by_all, PKTFILTER_OPT_SRC_PORT, "1001"), 0);
	CHECK_U64(pktfilter_option(&t.by_all, PKTFILTER_OPT_DST_PORT, "9998"), 0);
	CHECK_U64(pktfilter_option(&t.by_all, PKTFILTER_OPT_PROTOCOL, "udp"), 0);
	CHECK_U64(pktfilter_option(&t.by_all, PKTFILTER_OPT_DEV, "p1"), 0);
	CHECK_U64(pktfilter_option(&t.by_all, PKTFILTER_OPT_CPU, "1"), 0);
	CHECK_U64(pktfilter_option(&t.by_all, PKTFILTER_OPT_TIME, "7.00004,"), 0);
	pdata_tool__init(&t.tool);
	t.tool.ready = rec_ready;
	t.tool.sample = rec_sample;
	if (pdata_session__open(&s, path, NULL)) {
		fprintf(stderr, "%s: %s\n", path, ovp_errmsg());
		check_failures++;
		return;
	}
	CHECK_U64(pdata_session__process(s, &t.tool), 0);
	pdata_session__close(s);
	CHECK(t.nr_xmit > 20);
	CHECK_U64(t.bad_values, 0);
	CHECK(t.nr_src > 0 && t.nr_src < t.nr_xmit);
	CHECK_U64(t.nr_src_seen, t.nr_src);
	CHECK(t.nr_all > 0);
	CHECK_U64(t.nr_all_seen, t.nr_all);
}

/* IPv4 header of @ihl words, protocol @proto, 10.0.0.1 -> 10.0.0.2, ports
 * 1000 -> 2000 after the header; @frag: fragment offset field. */
static size_t ipv4(uint8_t *p, int ihl, int proto, uint16_t frag)
{
	size_t l4 = (size_t)ihl * 4;

	memset(p, 0, 80);
	p[0] = (uint8_t)(0x40 | ihl);
	p[6] = (uint8_t)(frag >> 8), p[7] = (uint8_t)frag;
	p[9] = (uint8_t)proto;
	p[12] = 10, p[15] = 1;
	p[16] = 10, p[19] = 2;
	for (size_t i = 20; i < l4; i++)
		p[i] = 1;			/* options: NOP */
	p[l4] = 1000 >> 8, p[l4 + 1] = 1000 & 0xff;
	p[l4 + 2] = 2000 >> 8, p[l4 + 3] = 2000 & 0xff;
	return l4 + 4;
}

/* IPv6 header fd00::1 -> fd00::2, next header @nh, then (@ext) a
 * hop-by-hop header of 8 bytes, then ports 1000 -> 2000. */
static size_t ipv6(uint8_t *p, int nh, bool ext)
{
	size_t l4 = 40;

	memset(p, 0, 80);
	p[0] = 0x60;
	p[6] = ext ? 0 : (uint8_t)nh;
	p[8] = 0xfd, p[23] = 1;
	p[24] = 0xfd, p[39] = 2;
	if (ext) {
		p[40] = (uint8_t)nh;		/* next header */
		p[41] = 0;			/* length: (0 + 1) * 8 bytes */
		l4 = 48;
	}
	p[l4] = 1000 >> 8, p[l4 + 1] = 1000 & 0xff;
	p[l4 + 2] = 2000 >> 8, p[l4 + 3] = 2000 & 0xff;
	return l4 + 4;
}

static void test_headers(void)
{
	static const uint8_t a6[16] = { 0xfd, [15] = 1 }, b6[16] = { 0xfd, [15] = 2 };
	uint8_t p[80];
	struct pkthdr_flow h;
	struct pktfilter_flow fl;
	struct pktfilter f;
	char buf[64];
	size_t n;

	/* IPv4, 20-byte header, UDP. */
	n = ipv4(p, 5, 17, 0);
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_IPV4);
	CHECK(h.has_ports && h.sport == 1000 && h.dport == 2000 && h.proto == 17);
	CHECK(h.saddr[0] == 10 && h.saddr[3] == 1 && h.daddr[3] == 2);
	/* IPv4 with 12 bytes of options, TCP: the ports after the options. */
	n = ipv4(p, 8, 6, 0);
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_IPV4);
	CHECK(h.has_ports && h.sport == 1000 && h.dport == 2000 && h.proto == 6);
	/* ...cut before the ports: addresses, no ports; cut inside the options:
	 * no flow. */
	CHECK_U64(pkthdr_ip_flow(p, n - 2, &h), PKTHDR_IPV4);
	CHECK(!h.has_ports);
	CHECK_U64(pkthdr_ip_flow(p, 24, &h), PKTHDR_NONE);
	/* A later fragment: addresses and protocol, no ports. */
	n = ipv4(p, 5, 17, 100);
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_IPV4);
	CHECK(!h.has_ports && h.proto == 17);
	/* IHL below 5, version 5, 19 bytes: no flow. */
	n = ipv4(p, 4, 17, 0);
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_NONE);
	n = ipv4(p, 5, 17, 0);
	p[0] = 0x55;
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_NONE);
	CHECK_U64(pkthdr_ip_flow(p, 19, &h), PKTHDR_NONE);
	/* ARP (hardware type 1, IPv4): not an IP header. */
	memset(p, 0, sizeof(p));
	p[1] = 1, p[2] = 8, p[4] = 6, p[5] = 4, p[7] = 1;
	CHECK_U64(pkthdr_ip_flow(p, 28, &h), PKTHDR_NONE);
	CHECK_U64(pkthdr_ip_flow(NULL, 0, &h), PKTHDR_NONE);
	/* IPv6 TCP, IPv6 UDP behind a hop-by-hop header. */
	n = ipv6(p, 6, false);
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_IPV6);
	CHECK(h.has_ports && h.sport == 1000 && h.dport == 2000 && h.proto == 6);
	CHECK(!memcmp(h.saddr, a6, 16) && !memcmp(h.daddr, b6, 16));
	n = ipv6(p, 17, true);
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_IPV6);
	CHECK(h.has_ports && h.dport == 2000 && h.proto == 17);
	/* ...cut inside the extension header: addresses only; cut in the fixed
	 * header: no flow. */
	CHECK_U64(pkthdr_ip_flow(p, 41, &h), PKTHDR_IPV6);
	CHECK(!h.has_ports);
	CHECK_U64(pkthdr_ip_flow(p, 39, &h), PKTHDR_NONE);

	/* As a packet's flow, against IPv4 and IPv6 filters. */
	CHECK_U64(pkthdr_ip_flow(p, n, &h), PKTHDR_IPV6);
	memset(&fl, 0, sizeof(fl));
	pktfilter_flow_from_hdr(&fl, &h);
	CHECK_STR(pktfilter_flow_addr(&fl, PKTFILTER_SADDR, buf, sizeof(buf)), "fd00::1");
	CHECK_STR(pktfilter_flow_addr(&fl, PKTFILTER_DADDR, buf, sizeof(buf)), "fd00::2");
	pktfilter_init(&f);
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_DST_IP, "fd00::2"), 0);
	CHECK(pktfilter_flow_ok(&f, &fl));
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_IP, "fd00::2"), 0);
	CHECK(!pktfilter_flow_ok(&f, &fl));
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_IP, "0.0.0.0"), 0);
	CHECK(!pktfilter_flow_ok(&f, &fl));	/* an IPv6 flow is no IPv4 0.0.0.0 */
	n = ipv4(p, 6, 17, 0);
	pkthdr_ip_flow(p, n, &h);
	memset(&fl, 0, sizeof(fl));
	pktfilter_flow_from_hdr(&fl, &h);
	CHECK_STR(pktfilter_flow_addr(&fl, PKTFILTER_SADDR, buf, sizeof(buf)), "10.0.0.1");
	pktfilter_init(&f);
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_IP, "10.0.0.1"), 0);
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_PORT, "1000"), 0);
	CHECK(pktfilter_flow_ok(&f, &fl));
	CHECK_U64(pktfilter_option(&f, PKTFILTER_OPT_SRC_IP, "::a00:1"), 0);
	CHECK(!pktfilter_flow_ok(&f, &fl));
	/* ARP has no flow: an empty one, which no flow filter passes. */
	memset(&h, 0, sizeof(h));
	memset(&fl, 0, sizeof(fl));
	pktfilter_flow_from_hdr(&fl, &h);
	CHECK_U64(fl.has, 0);
	CHECK_STR(pktfilter_flow_addr(&fl, PKTFILTER_SADDR, buf, sizeof(buf)), "?");

	/* The L4 checksum in Ethernet frames: UDP, TCP behind options and a
	 * VLAN tag, IPv6 UDP; none for ARP, ICMP, later fragments, a cut one. */
	{
		uint8_t e[100];
		int proto;

		memset(e, 0, sizeof(e));
		e[12] = 0x08, e[13] = 0x00;
		ipv4(e + 14, 5, 17, 0);
		CHECK_U64(pkthdr_l4_csum_offset(e, 100, &proto), 14 + 20 + 6);
		CHECK_U64(proto, 17);
		CHECK_U64(pkthdr_l4_csum_offset(e, 41, NULL), (uint64_t)-1);
		e[12] = 0x81, e[13] = 0x00, e[16] = 0x08, e[17] = 0x00;
		ipv4(e + 18, 7, 6, 0);
		CHECK_U64(pkthdr_l4_csum_offset(e, 100, &proto), 18 + 28 + 16);
		CHECK_U64(proto, 6);
		e[12] = 0x86, e[13] = 0xdd;
		ipv6(e + 14, 17, false);
		CHECK_U64(pkthdr_l4_csum_offset(e, 100, NULL), 14 + 40 + 6);
		e[12] = 0x08, e[13] = 0x00;			/* IPv6 bytes, IPv4 type */
		CHECK_U64(pkthdr_l4_csum_offset(e, 100, NULL), (uint64_t)-1);
		ipv4(e + 14, 5, 1, 0);
		CHECK_U64(pkthdr_l4_csum_offset(e, 100, NULL), (uint64_t)-1);
		ipv4(e + 14, 5, 17, 8);
		CHECK_U64(pkthdr_l4_csum_offset(e, 100, NULL), (uint64_t)-1);
		e[12] = 0x08, e[13] = 0x06;
		CHECK_U64(pkthdr_l4_csum_offset(e, 100, NULL), (uint64_t)-1);
	}

	/* Flows of Ethernet frames (the OVS datapath probes' "eth" bytes):
	 * IPv4 UDP, IPv4 TCP behind a VLAN tag and IP options, IPv6 behind
	 * two tags; none for ARP, a mismatched ethertype, a cut frame. */
	{
		uint8_t e[128];

		memset(e, 0, sizeof(e));
		e[12] = 0x08, e[13] = 0x00;
		ipv4(e + 14, 5, 17, 0);
		CHECK_U64(pkthdr_eth_flow(e, sizeof(e), &h), PKTHDR_IPV4);
		CHECK(h.has_ports && h.sport == 1000 && h.dport == 2000 && h.proto == 17);
		CHECK(h.saddr[0] == 10 && h.daddr[3] == 2);
		CHECK_U64(pkthdr_eth_flow(e, 14 + 20, &h), PKTHDR_IPV4);	/* no ports */
		CHECK(!h.has_ports);
		CHECK_U64(pkthdr_eth_flow(e, 14 + 19, &h), PKTHDR_NONE);
		CHECK_U64(pkthdr_eth_flow(e, 13, &h), PKTHDR_NONE);
		CHECK_U64(pkthdr_eth_flow(NULL, 0, &h), PKTHDR_NONE);
		e[12] = 0x81, e[13] = 0x00, e[16] = 0x08, e[17] = 0x00;
		ipv4(e + 18, 7, 6, 0);
		CHECK_U64(pkthdr_eth_flow(e, sizeof(e), &h), PKTHDR_IPV4);
		CHECK(h.has_ports && h.dport == 2000 && h.proto == 6);
		e[12] = 0x88, e[13] = 0xa8, e[16] = 0x81, e[17] = 0x00;
		e[20] = 0x86, e[21] = 0xdd;
		ipv6(e + 22, 17, false);
		CHECK_U64(pkthdr_eth_flow(e, sizeof(e), &h), PKTHDR_IPV6);
		CHECK(h.has_ports && h.dport == 2000 && !memcmp(h.daddr, b6, 16));
		e[20] = 0x08, e[21] = 0x00;			/* IPv6 bytes, IPv4 type */
		CHECK_U64(pkthdr_eth_flow(e, sizeof(e), &h), PKTHDR_NONE);
		e[20] = 0x08, e[21] = 0x06;			/* ARP */
		CHECK_U64(pkthdr_eth_flow(e, sizeof(e), &h), PKTHDR_NONE);
	}
}

int main(int argc, char **argv)
{
	test_matches();
	test_options();
	test_match();
	test_headers();
	if (argc > 1)
		test_recording(argv[1]);
	CHECK_DONE();
}
