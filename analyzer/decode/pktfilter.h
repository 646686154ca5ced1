/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/pktfilter.h - the packet filters every packet report offers (--cpu,
 * --dev/--interface, --src-ip, --dst-ip, --src-port, --dst-port, --protocol,
 * --time START,END) and the device and flow fields they are read from.
 *
 *	options:  PKTFILTER_OPTIONS in the report's getopt table,
 *		  PKTFILTER_USAGE(...) in its usage text, and
 *		  pktfilter_option() for the keys pktfilter_is_option() owns
 *	ready():  pktfilter_fields__resolve() once per event of the recording
 *	sample(): pktfilter_fields__dev() / pktfilter_fields__flow() read the
 *		  event's device and flow
 *	filter:   pktfilter_match() on what a packet showed (its events'
 *		  times, CPUs, devices and flow), or pktfilter_match_sample()
 *		  on one event alone.
 *
 * IPv4 addresses are kept as inet_pton() gives them (network byte order in a
 * native u32), IPv6 addresses as 16 bytes, ports in host order.  A flow is
 * read only from what is one: an IPv4 header (version 4, with its real
 * header length) gives an IPv4 flow, an IPv6 header an IPv6 one (addresses,
 * the header after the extension headers, ports), a tracepoint's address
 * family field or sockaddr chooses between its IPv4 and IPv6 fields; any
 * other packet (ARP, a header cut short) has no flow.  Where a report's packet is a span, the
 * packet's device and flow are those of the event it was given them by; the
 * report decides (e.g. the first event that carried them).
 */
#ifndef OVSPERF_PKTFILTER_H
#define OVSPERF_PKTFILTER_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsperf/evdec.h"
#include "ovsperf/strutil.h"

struct pdata_evsel;
struct pdata_sample;

/* The flow fields, in the order of their options. */
enum pktfilter_field {
	PKTFILTER_SADDR,	/* --src-ip */
	PKTFILTER_DADDR,	/* --dst-ip */
	PKTFILTER_SPORT,	/* --src-port */
	PKTFILTER_DPORT,	/* --dst-port */
	PKTFILTER_PROTO,	/* --protocol (IP protocol number) */
	PKTFILTER_NR_FIELDS,
};

/* getopt values of the options: above the reports' own (256...), below
 * OPT_COMMON_BASE. */
enum {
	PKTFILTER_OPT_CPU = 0x800,
	PKTFILTER_OPT_DEV,
	PKTFILTER_OPT_SRC_IP,
	PKTFILTER_OPT_DST_IP,
	PKTFILTER_OPT_SRC_PORT,
	PKTFILTER_OPT_DST_PORT,
	PKTFILTER_OPT_PROTOCOL,
	PKTFILTER_OPT_TIME,
	PKTFILTER_OPT_END,
};

/* The getopt_long entries, to put in a report's table. */
#define PKTFILTER_OPTIONS                                                                  \
	{ "cpu", required_argument, NULL, PKTFILTER_OPT_CPU },                             \
	{ "dev", required_argument, NULL, PKTFILTER_OPT_DEV },                             \
	{ "interface", required_argument, NULL, PKTFILTER_OPT_DEV },                       \
	{ "src-ip", required_argument, NULL, PKTFILTER_OPT_SRC_IP },                       \
	{ "dst-ip", required_argument, NULL, PKTFILTER_OPT_DST_IP },                       \
	{ "src-port", required_argument, NULL, PKTFILTER_OPT_SRC_PORT },                   \
	{ "dst-port", required_argument, NULL, PKTFILTER_OPT_DST_PORT },                   \
	{ "protocol", required_argument, NULL, PKTFILTER_OPT_PROTOCOL },                   \
	{ "time", required_argument, NULL, PKTFILTER_OPT_TIME }

/* Their usage lines; @DEV and @TIME complete the --dev and --time lines
 * with what "a packet of the device" and "within the range" mean to the
 * report (each ends in "\n"). */
#define PKTFILTER_USAGE(DEV, TIME)                                                         \
	"      --cpu LIST          packets with an event on a CPU of LIST (e.g. 0-3,7)\n"     \
	"      --dev, --interface NAME  " DEV                                                 \
	"      --src-ip A, --dst-ip A, --src-port N, --dst-port N, --protocol P\n"           \
	"                          flow filters (events must carry these fields)\n"          \
	"      --time START,END    " TIME

/* The option names of the flow fields ("--src-ip", ...). */
extern const char *const pktfilter_opt_names[PKTFILTER_NR_FIELDS];
/* The first (usual) event field name of each ("saddr", ..., "ip_proto"). */
extern const char *const pktfilter_field_names[PKTFILTER_NR_FIELDS];

/**
 * struct pktfilter - the filters asked for.  Embedded in the report;
 * pktfilter_init() sets the defaults (no filter).
 */
struct pktfilter {
	bool has_cpus;				/* --cpu given */
	struct ovp_cpuset cpus;
	const char *dev;			/* --dev NAME (borrowed from argv), or NULL */
	bool has_flow[PKTFILTER_NR_FIELDS];	/* flow filter given */
	uint32_t flow[PKTFILTER_NR_FIELDS];	/* its value (IPv4 addresses) */
	uint8_t family[2];			/* --src-ip, --dst-ip: 4 or 6 */
	uint8_t addr6[2][16];			/* ...their IPv6 address */
	uint64_t time_start, time_end;		/* --time: [start, end]; 0, UINT64_MAX */
};

/* A packet's flow: the fields an event carried.  No padding: reports compare
 * and hash it as bytes (zero it first). */
struct pktfilter_flow {
	uint32_t has;				/* bit (1 << enum pktfilter_field) per field */
	uint32_t f[PKTFILTER_NR_FIELDS];	/* IPv4 addresses network order, ports host
						 * order; 0 for IPv6 addresses */
	uint8_t family;				/* of the addresses: 6 for IPv6, else IPv4 */
	uint8_t pad[3];
	uint8_t addr6[2][16];			/* IPv6 source, destination */
};

/* How an event's flow is read (pktfilter_fields__resolve()). */
enum pktfilter_mode {
	PKTFILTER_MODE_FIELDS,	/* saddr, daddr, ... as they are */
	PKTFILTER_MODE_VIHL,	/* ovsperf-probe 'flow' fields: checked against ip_vihl */
	PKTFILTER_MODE_NH,	/* the network header's bytes (field nh) */
	PKTFILTER_MODE_ETH,	/* the Ethernet frame's bytes (field eth) */
	PKTFILTER_MODE_FAMILY,	/* a family field picks saddr/daddr or saddr_v6/daddr_v6 */
	PKTFILTER_MODE_SOCKADDR,/* saddr/daddr are struct sockaddr_in/_in6 */
};

/* What a packet showed the filters, summed up over its events. */
struct pktfilter_pkt {
	uint64_t first, last;			/* times of its first and last event */
	bool cpu_hit;				/* some event passed pktfilter_cpu_ok() */
	bool dev_hit;				/* some event passed pktfilter_dev_ok() */
	struct pktfilter_flow flow;		/* its flow */
};

/* Where flow fields are looked for (pktfilter_fields__resolve()). */
enum pktfilter_where {
	PKTFILTER_ANY_EVENT,	/* every event (tracepoints and probes) */
	PKTFILTER_PROBES_ONLY,	/* dynamic probes only: a tracepoint's fields of these
				 * names may mean other things */
};

/* The device and flow fields of one event of the recording, resolved once. */
struct pktfilter_fields {
	struct evdec_field dev;			/* device name (or number) */
	struct evdec_field flow[PKTFILTER_NR_FIELDS];
	struct evdec_field aux;			/* ip_vihl, nh or family (see mode) */
	struct evdec_field v6[2];		/* saddr_v6, daddr_v6 (MODE_FAMILY) */
	uint8_t mode;				/* enum pktfilter_mode */
	bool probe;				/* a dynamic probe: ports in network order */
	uint32_t has;				/* bit per flow field the event may carry */
};

/* No filter: every packet passes. */
void pktfilter_init(struct pktfilter *f);

/* Is @key one of the PKTFILTER_OPT_* values? */
static inline bool pktfilter_is_option(int key)
{
	return key >= PKTFILTER_OPT_CPU && key < PKTFILTER_OPT_END;
}

/**
 * pktfilter_option() - parse one of the options (@key: PKTFILTER_OPT_*).
 * @f: the filters.
 * @key: getopt value.
 * @arg: its argument (kept, not copied, for --dev).
 *
 * Return: 0, or -EINVAL / -ERANGE with a message naming the option.
 */
int pktfilter_option(struct pktfilter *f, int key, const char *arg);

/* Is any device or flow filter asked for (those need event fields)? */
bool pktfilter_wants_fields(const struct pktfilter *f);

/**
 * pktfilter_fields__resolve() - find the device and flow fields of @ev.
 * @pf: receives the handles (zeroed first).
 * @ev: an event of the recording.
 * @where: which events may give flow fields (the device always counts).
 *
 * How the flow is read (enum pktfilter_mode): a probe's network header
 * bytes "nh" (an array); a probe's Ethernet frame bytes "eth" (an array,
 * the OVS datapath's probes, where skb->data is the MAC header); an ovsperf-probe 'flow' probe's "ip_vihl" with its
 * saddr, daddr, ports (ports only with a 20-byte header, where the probe
 * reads them); saddr/daddr arrays of a struct sockaddr (16 bytes or more,
 * tcp:tcp_send_reset); a "family" field with "saddr_v6"/"daddr_v6"
 * (tcp:tcp_retransmit_skb, sock:inet_sock_set_state); else the fields.
 *
 * The field names: device "dev", "name", "devname", "ifname"; addresses
 * "saddr"/"src_ip"/"sip"/"src" and "daddr"/"dst_ip"/"dip"/"dst"; ports
 * "sport"/"src_port", "dport"/"dst_port"; protocol "ip_proto", "l4_proto",
 * "proto", and on probes also "protocol" (a tracepoint's protocol, as
 * skb:kfree_skb's, is the ethertype).
 *
 * Return: true when the event has a device or a flow field.
 */
bool pktfilter_fields__resolve(struct pktfilter_fields *pf, const struct pdata_evsel *ev,
			       enum pktfilter_where where);

static inline bool pktfilter_fields__has_dev(const struct pktfilter_fields *pf)
{
	return evdec_field__resolved(&pf->dev);
}

/**
 * pktfilter_fields__dev() - the event's device name: a string field as is,
 * a numeric one (an ifindex, a pointer) as "0x..." hex.
 * Return: @buf, or NULL when the event has no device field or its value is
 * the kernel's "(no_device)".
 */
const char *pktfilter_fields__dev(const struct pktfilter_fields *pf,
				  const struct pdata_sample *s, char *buf, size_t size);

/**
 * pktfilter_fields__flow() - read the event's flow fields into @fl, except
 * those already in @fl->has (a packet's first value of each field wins).
 * String fields are parsed (dotted addresses, numbers); probes' ports are
 * in network order and turned to host order.
 */
void pktfilter_fields__flow(const struct pktfilter_fields *pf, const struct pdata_sample *s,
			    struct pktfilter_flow *fl);

struct pkthdr_flow;

/* Fill @fl (zeroed by the caller) from a decoded IP header; a header with no
 * flow (family PKTHDR_NONE) leaves it empty. */
void pktfilter_flow_from_hdr(struct pktfilter_flow *fl, const struct pkthdr_flow *h);

/**
 * pktfilter_flow_addr() - address @k (PKTFILTER_SADDR or PKTFILTER_DADDR) of
 * @fl as text, IPv4 or IPv6; "?" when @fl has none.
 * Return: @buf (at least INET6_ADDRSTRLEN bytes).
 */
const char *pktfilter_flow_addr(const struct pktfilter_flow *fl, int k, char *buf, size_t size);

/* No --cpu, or @cpu is in its list. */
bool pktfilter_cpu_ok(const struct pktfilter *f, uint32_t cpu);
/* No --dev, or @dev (NULL: unknown) is that device. */
bool pktfilter_dev_ok(const struct pktfilter *f, const char *dev);
/* Every flow filter asked for has its value in @fl. */
bool pktfilter_flow_ok(const struct pktfilter *f, const struct pktfilter_flow *fl);
/* [@first, @last] lies within --time. */
bool pktfilter_time_ok(const struct pktfilter *f, uint64_t first, uint64_t last);

/**
 * pktfilter_match() - does a packet pass every filter: its events within
 * --time, one of them on a --cpu CPU, one on the --dev device, its flow
 * equal to each flow filter?
 */
bool pktfilter_match(const struct pktfilter *f, const struct pktfilter_pkt *p);

/**
 * pktfilter_match_sample() - pktfilter_match() for a packet of one event:
 * the sample @s of an event whose fields are @pf.
 */
bool pktfilter_match_sample(const struct pktfilter *f, const struct pktfilter_fields *pf,
			    const struct pdata_sample *s);

#endif /* OVSPERF_PKTFILTER_H */
