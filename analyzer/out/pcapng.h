/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/pcapng.h - `ovsperf-analyze export --pcap`: the packets whose bytes
 * a recording holds (an array field such as the upcall-cost set's
 * dpif_recv:recv_upcall pkt=+0(arg3):x8[128]) written as a pcapng file that
 * Wireshark and tshark read.
 *
 * One section; one interface block per (event, device) pair, written before
 * its first packet; one enhanced packet block per sample with the sample's
 * time (nanosecond resolution, wall clock when the recording has CLOCK_DATA),
 * the captured bytes, the packet's original length when the event carries it
 * (a truncated capture keeps it), and a comment naming the event, skb, CPU
 * and thread.
 */
#ifndef OVSPERF_EXPORT_PCAPNG_H
#define OVSPERF_EXPORT_PCAPNG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/timeline.h"
#include "ovsperf/pdata.h"

struct ex_pcap;
/* LINKTYPE_ETHERNET: OVS upcalls carry whole Ethernet frames. */
#define EX_LINKTYPE_ETHERNET 1
/* LINKTYPE_RAW: the bytes start with the IP header. */
#define EX_LINKTYPE_RAW 101

/**
 * ex_pcap__new() - start writing @path ("-" = stdout) through a temporary
 * that replaces it on ex_pcap__close() (outfile.h), and write the section
 * header.
 * @out: receives the writer; free it with ex_pcap__delete().
 * @f: filters (time, pid, cpu, dev) applied to the packets; copied.
 * @linktype: link type of every interface (EX_LINKTYPE_*).
 * @optional: a recording without packet bytes is not an error: the writer
 *	then writes nothing, and ex_pcap__skipped() says why.
 *
 * Return: 0 or negative errno (message set).
 */
int ex_pcap__new(struct ex_pcap **out, const char *path, const struct ex_filter *f,
		 uint16_t linktype, bool optional);

/* The first write error (negative errno), or 0. */
int ex_pcap__error(const struct ex_pcap *p);

/* Why an optional pcapng was not written (the message), or NULL. */
const char *ex_pcap__skipped(const struct ex_pcap *p);

/* Its pdata_tool, to give to pdata_session__process(). */
struct pdata_tool *ex_pcap__tool(struct ex_pcap *p);

/* Packets written so far. */
uint64_t ex_pcap__nr_packets(const struct ex_pcap *p);

/* Flush and close the file and put it in place (nothing when skipped).
 * Return: 0 or the first write error (message set; the target untouched). */
int ex_pcap__close(struct ex_pcap *p);

/* Free; a file not closed is dropped, its target untouched (NULL ok). */
void ex_pcap__delete(struct ex_pcap *p);

#endif /* OVSPERF_EXPORT_PCAPNG_H */
