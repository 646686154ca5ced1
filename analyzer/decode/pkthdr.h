/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/pkthdr.h - reading the packet headers probes copy from the kernel or
 * from ovs-vswitchd: the flow of an IPv4 or IPv6 header or of an Ethernet
 * frame (the flow fields of the packet reports) and the place of the TCP/UDP
 * checksum in an Ethernet frame (the upcall-cost pairing's checksum
 * exception).
 *
 * Every read is bounded by the number of bytes captured: a header cut short
 * gives less (no ports, or no flow), never bytes from beyond the capture.
 */
#ifndef OVSPERF_PKTHDR_H
#define OVSPERF_PKTHDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Address family of a flow (the values of AF_INET and AF_INET6 are not
 * used so that a zeroed struct means "no flow" on every libc). */
enum pkthdr_family {
	PKTHDR_NONE = 0,	/* not an IP packet, or cut short: no flow */
	PKTHDR_IPV4 = 4,
	PKTHDR_IPV6 = 6,
};

/* The flow of one IP header. */
struct pkthdr_flow {
	uint8_t family;		/* enum pkthdr_family */
	uint8_t proto;		/* IPv4 protocol; IPv6: the header after the extension headers */
	bool has_ports;		/* TCP, UDP or SCTP ports were captured (first fragment only) */
	uint16_t sport, dport;	/* host order */
	uint8_t saddr[16];	/* network order; IPv4 uses the first 4 bytes */
	uint8_t daddr[16];
};

/**
 * pkthdr_ip_flow() - the flow of the IP header at @p.
 * @p: the captured bytes, starting at the network header.
 * @n: how many were captured.
 * @fl: receives the flow (zeroed first).
 *
 * IPv4: version 4, header length (IHL) at least 5 words and captured;
 * the ports follow the real header length (options skipped).  IPv6:
 * version 6, hop-by-hop, routing, destination-options, fragment and AH
 * extension headers are walked while captured.  Anything else, or a header
 * cut short, gives family PKTHDR_NONE.
 *
 * Return: @fl->family.
 */
int pkthdr_ip_flow(const uint8_t *p, size_t n, struct pkthdr_flow *fl);

/**
 * pkthdr_eth_flow() - the flow of the Ethernet frame at @p.
 * @p: the captured bytes, starting at the Ethernet header.
 * @n: how many were captured.
 * @fl: receives the flow (zeroed first).
 *
 * Up to two 802.1Q/802.1ad tags are skipped; an IPv4 or IPv6 ethertype whose
 * header agrees with it is read as pkthdr_ip_flow() reads it; anything else
 * gives family PKTHDR_NONE.
 *
 * Return: @fl->family.
 */
int pkthdr_eth_flow(const uint8_t *p, size_t n, struct pkthdr_flow *fl);

/**
 * pkthdr_l4_csum_offset() - where the TCP or UDP checksum of an Ethernet
 * frame is.
 * @p: the frame's captured bytes (Ethernet header first).
 * @n: how many were captured.
 * @proto: receives 6 (TCP) or 17 (UDP) when found; may be NULL.
 *
 * Ethernet, up to two 802.1Q/802.1ad tags, then IPv4 (not a later fragment)
 * or IPv6 (extension headers walked as pkthdr_ip_flow() does), then TCP or
 * UDP.
 *
 * Return: the offset of the checksum's first byte when both its bytes were
 * captured, else -1.
 */
long pkthdr_l4_csum_offset(const uint8_t *p, size_t n, int *proto);

#endif /* OVSPERF_PKTHDR_H */
