// SPDX-License-Identifier: Apache-2.0
/*
 * upcall-pkt.c - a stand-in for ovs-vswitchd's handler thread for the
 * pcapng export test: fires the USDT probe dpif_recv:recv_upcall with OVS's
 * arguments (dpif name, upcall type, packet data, packet size, flow key, key
 * size: lib/dpif-netlink.c) for real Ethernet frames built here (IPv4 UDP,
 * ICMP echo and TCP SYN with valid checksums, of growing sizes, so some are
 * longer than the probe set's 128 captured bytes).
 *
 * Usage: upcall-pkt COUNT DELAY_MS
 * Waits DELAY_MS (so a recording can start), fires COUNT probes, and prints
 * one line per packet: "INDEX PROTO LENGTH" (PROTO: UDP, ICMP or TCP).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

/* The OVS dpif_upcall type DPIF_UC_MISS. */
#define UC_MISS 0

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Build frame @i into @buf; returns its length and its protocol's name. */
static size_t build(uint8_t *buf, int i, const char **proto)
{
	static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	uint8_t *ip = buf + 14, *l4 = ip + 20;
	size_t payload = 16 + (size_t)i * 23 % 300, l4len;
	uint32_t sum;
	int kind = i % 3;

	memset(buf, 0, 2048);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = 0x08;		/* ETH_P_IP */
	ip[0] = 0x45;
	ip[8] = 64;		/* TTL */
	ip[12] = 10, ip[13] = 199, ip[14] = 0, ip[15] = 1;
	ip[16] = 10, ip[17] = 199, ip[18] = 0, ip[19] = 2;
	if (kind == 0) {
		*proto = "UDP";
		ip[9] = 17;
		l4len = 8 + payload;
		l4[0] = 0x9c, l4[1] = 0x40;	/* 40000 */
		l4[2] = 0x1b, l4[3] = 0x58;	/* 7000 */
		l4[4] = (uint8_t)(l4len >> 8), l4[5] = (uint8_t)l4len;
		memset(l4 + 8, 'a' + i % 26, payload);
	} else if (kind == 1) {
		*proto = "ICMP";
		ip[9] = 1;
		l4len = 8 + payload;
		l4[0] = 8;			/* echo request */
		l4[5] = (uint8_t)i;		/* id */
		l4[7] = (uint8_t)i;		/* sequence */
		memset(l4 + 8, 'A' + i % 26, payload);
		sum = csum(l4, l4len, 0);
		l4[2] = (uint8_t)(sum >> 8), l4[3] = (uint8_t)sum;
	} else {
		*proto = "TCP";
		ip[9] = 6;
		l4len = 20;
		l4[0] = 0x9c, l4[1] = 0x41;	/* 40001 */
		l4[3] = 80;
		l4[7] = (uint8_t)i;		/* seq */
		l4[12] = 5 << 4;		/* data offset */
		l4[13] = 0x02;			/* SYN */
		l4[14] = 0xfa, l4[15] = 0xf0;	/* window */
	}
	ip[2] = (uint8_t)((20 + l4len) >> 8), ip[3] = (uint8_t)(20 + l4len);
	ip[5] = (uint8_t)i;		/* IP id */
	sum = csum(ip, 20, 0);
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	if (kind != 1) {
		/* UDP/TCP checksum over the pseudo header and the segment. */
		uint8_t ph[12];

		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = ip[9];
		ph[10] = (uint8_t)(l4len >> 8), ph[11] = (uint8_t)l4len;
		sum = (uint16_t)~csum(ph, 12, 0);
		sum = csum(l4, l4len, sum);
		if (kind == 0) {
			l4[6] = (uint8_t)(sum >> 8), l4[7] = (uint8_t)sum;
		} else {
			l4[16] = (uint8_t)(sum >> 8), l4[17] = (uint8_t)sum;
		}
	}
	return 14 + 20 + l4len;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 12;
	int delay = argc > 2 ? atoi(argv[2]) : 1000;
	static uint8_t buf[2048];
	static const uint8_t key[16] = { 1, 2, 3, 4 };
	const char *dpif = "system@ovs-system";
	const char *proto;
	int i;

	usleep((useconds_t)delay * 1000);
	for (i = 0; i < n; i++) {
		size_t len = build(buf, i, &proto);
		/* volatile: the probe's operands stay real values at -O2. */
		volatile uint32_t size = (uint32_t)len;

		DTRACE_PROBE6(dpif_recv, recv_upcall, dpif, UC_MISS, buf, size, key, sizeof(key));
		printf("%d %s %zu\n", i, proto, len);
		usleep(2000);
	}
	return 0;
}
