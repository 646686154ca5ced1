// SPDX-License-Identifier: Apache-2.0
/*
 * decode/pktfilter.c - the packet filters of the packet reports (latency, journey;
 * drops reads its flows here): option parsing, the device and flow fields
 * of events (resolved once per event, read per sample) and the match of a
 * packet against the filters.  See decode/pktfilter.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata.h"
#include "ovsperf/strutil.h"
#include "decode/pkthdr.h"
#include "decode/pktfilter.h"

/* Address families as the kernel's tracepoints record them (Linux values,
 * whatever the analyzing host's libc says). */
#define LINUX_AF_INET 2
#define LINUX_AF_INET6 10

const char *const pktfilter_opt_names[PKTFILTER_NR_FIELDS] = {
	"--src-ip", "--dst-ip", "--src-port", "--dst-port", "--protocol",
};

const char *const pktfilter_field_names[PKTFILTER_NR_FIELDS] = {
	"saddr", "daddr", "sport", "dport", "ip_proto",
};

/* dev_name: the openvswitch tracepoints (ovs_dp_upcall, ovs_do_execute_action). */
static const char *const dev_fields[] = { "dev", "name", "devname", "ifname", "dev_name", NULL };
static const char *const saddr_fields[] = { "saddr", "src_ip", "sip", "src", NULL };
static const char *const daddr_fields[] = { "daddr", "dst_ip", "dip", "dst", NULL };
static const char *const sport_fields[] = { "sport", "src_port", NULL };
static const char *const dport_fields[] = { "dport", "dst_port", NULL };
static const char *const proto_fields[] = { "ip_proto", "l4_proto", "proto", NULL };
/* "protocol" only on probes: skb:kfree_skb's protocol is the ethertype. */
static const char *const proto_probe_fields[] = { "ip_proto", "l4_proto", "proto", "protocol",
						  NULL };
static const char *const *const flow_fields[PKTFILTER_NR_FIELDS] = {
	saddr_fields, daddr_fields, sport_fields, dport_fields, proto_fields,
};

void pktfilter_init(struct pktfilter *f)
{
	memset(f, 0, sizeof(*f));
	f->time_end = UINT64_MAX;
}

static int parse_protocol(const char *arg, long *out)
{
	uint64_t v;
	static const struct {
		const char *name;
		long nr;
	} names[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "sctp", 132 } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(arg, names[i].name)) {
			*out = names[i].nr;
			return 0;
		}
	}
	if (ovp_parse_uint_opt("--protocol", arg, 0, 255, &v))
		return ovp_err(-EINVAL, "--protocol: expected tcp, udp, icmp, sctp or a number "
			       "from 0 to 255, not '%s'", arg);
	*out = (long)v;
	return 0;
}

int pktfilter_option(struct pktfilter *f, int key, const char *arg)
{
	struct in_addr a;
	uint64_t port;
	int err, fl;
	long v = 0;

	switch (key) {
	case PKTFILTER_OPT_CPU:
		err = ovp_parse_cpu_list(arg, &f->cpus);
		if (err)
			return ovp_err_prefix(err, "--cpu");
		f->has_cpus = true;
		return 0;
	case PKTFILTER_OPT_DEV:
		f->dev = arg;
		return 0;
	case PKTFILTER_OPT_SRC_IP:
	case PKTFILTER_OPT_DST_IP:
		fl = key == PKTFILTER_OPT_SRC_IP ? PKTFILTER_SADDR : PKTFILTER_DADDR;
		if (inet_pton(AF_INET, arg, &a) == 1) {
			f->family[fl] = PKTHDR_IPV4;
			f->flow[fl] = a.s_addr;
		} else if (inet_pton(AF_INET6, arg, f->addr6[fl]) == 1) {
			f->family[fl] = PKTHDR_IPV6;
			f->flow[fl] = 0;
		} else {
			return ovp_err(-EINVAL, "%s: '%s' is not an IPv4 or IPv6 address",
				       pktfilter_opt_names[fl], arg);
		}
		f->has_flow[fl] = true;
		return 0;
	case PKTFILTER_OPT_SRC_PORT:
	case PKTFILTER_OPT_DST_PORT:
		fl = key == PKTFILTER_OPT_SRC_PORT ? PKTFILTER_SPORT : PKTFILTER_DPORT;
		err = ovp_parse_uint_opt(pktfilter_opt_names[fl], arg, 0, 65535, &port);
		if (err)
			return err;
		f->has_flow[fl] = true;
		f->flow[fl] = (uint32_t)port;
		return 0;
	case PKTFILTER_OPT_PROTOCOL:
		err = parse_protocol(arg, &v);
		if (err)
			return err;
		f->has_flow[PKTFILTER_PROTO] = true;
		f->flow[PKTFILTER_PROTO] = (uint32_t)v;
		return 0;
	case PKTFILTER_OPT_TIME:
		err = ovp_parse_time_range(arg, &f->time_start, &f->time_end);
		return err ? ovp_err_prefix(err, "--time") : 0;
	default:
		return ovp_err(-EINVAL, "unknown packet filter option");
	}
}

bool pktfilter_wants_fields(const struct pktfilter *f)
{
	for (int k = 0; k < PKTFILTER_NR_FIELDS; k++)
		if (f->has_flow[k])
			return true;
	return f->dev != NULL;
}

bool pktfilter_fields__resolve(struct pktfilter_fields *pf, const struct pdata_evsel *ev,
			       enum pktfilter_where where)
{
	struct evdec_field probe_ip;

	memset(pf, 0, sizeof(*pf));
	pf->probe = evdec_field__find(&probe_ip, ev, "__probe_ip") == 0;
	evdec_field__find_any(&pf->dev, ev, dev_fields);
	if (where == PKTFILTER_PROBES_ONLY && !pf->probe)
		return evdec_field__resolved(&pf->dev);
	if (pf->probe && !evdec_field__find(&pf->aux, ev, "nh") && pf->aux.is_array) {
		/* The network header's bytes: everything is decoded from them. */
		pf->mode = PKTFILTER_MODE_NH;
		pf->has = (1u << PKTFILTER_NR_FIELDS) - 1;
		return true;
	}
	if (pf->probe && !evdec_field__find(&pf->aux, ev, "eth") && pf->aux.is_array) {
		/* The Ethernet frame's bytes (the OVS datapath's probes). */
		pf->mode = PKTFILTER_MODE_ETH;
		pf->has = (1u << PKTFILTER_NR_FIELDS) - 1;
		return true;
	}
	for (int k = 0; k < PKTFILTER_NR_FIELDS; k++) {
		const char *const *names = flow_fields[k];

		if (k == PKTFILTER_PROTO && pf->probe)
			names = proto_probe_fields;
		if (!evdec_field__find_any(&pf->flow[k], ev, names))
			pf->has |= 1u << k;
	}
	if (pf->probe && !evdec_field__find(&pf->aux, ev, "ip_vihl")) {
		pf->mode = PKTFILTER_MODE_VIHL;
	} else if ((pf->has & (1u << PKTFILTER_SADDR)) && pf->flow[PKTFILTER_SADDR].is_array &&
		   pf->flow[PKTFILTER_SADDR].size >= 16) {
		pf->mode = PKTFILTER_MODE_SOCKADDR;
		pf->has |= 1u << PKTFILTER_SPORT | 1u << PKTFILTER_DPORT;
	} else if (!evdec_field__find(&pf->aux, ev, "family") &&
		   !evdec_field__find(&pf->v6[0], ev, "saddr_v6") &&
		   !evdec_field__find(&pf->v6[1], ev, "daddr_v6")) {
		pf->mode = PKTFILTER_MODE_FAMILY;
		pf->has |= 1u << PKTFILTER_SADDR | 1u << PKTFILTER_DADDR;
	}
	return pf->has || evdec_field__resolved(&pf->dev);
}

const char *pktfilter_fields__dev(const struct pktfilter_fields *pf,
				  const struct pdata_sample *s, char *buf, size_t size)
{
	if (!evdec_field__resolved(&pf->dev))
		return NULL;
	if (pf->dev.is_string) {
		const char *dev = evdec_field__str(&pf->dev, s, buf, size);

		/* The kernel's placeholder when there is none (napi:napi_poll of
		 * the backlog's NAPI, net:* tracepoints' NO_DEV). */
		return dev && strcmp(dev, "(no_device)") ? dev : NULL;
	}
	snprintf(buf, size, "%#" PRIx64, evdec_field__u64(&pf->dev, s));
	return buf;
}

/* Fields @todo of @fl from the event's fields, as they are. */
static void flow_from_fields(const struct pktfilter_fields *pf, const struct pdata_sample *s,
			     struct pktfilter_flow *fl, uint32_t todo)
{
	char buf[64];

	for (int k = 0; todo && k < PKTFILTER_NR_FIELDS; k++) {
		const struct evdec_field *field = &pf->flow[k];
		struct in_addr in;
		uint64_t v;

		if (!(todo & (1u << k)) || !evdec_field__resolved(field))
			continue;
		if (field->is_string) {
			evdec_field__str(field, s, buf, sizeof(buf));
			if ((k == PKTFILTER_SADDR || k == PKTFILTER_DADDR) &&
			    inet_pton(AF_INET, buf, &in) == 1)
				v = in.s_addr;
			else
				v = strtoull(buf, NULL, 0);
		} else {
			/* Addresses are bytes in network order: read as a native u32
			 * they compare equal to inet_pton's s_addr.  Probes read the
			 * ports from the packet: network order too. */
			v = evdec_field__u64(field, s);
			if ((k == PKTFILTER_SPORT || k == PKTFILTER_DPORT) && pf->probe)
				v = ntohs((uint16_t)v);
		}
		fl->f[k] = (uint32_t)v;
		fl->has |= 1u << k;
	}
}

/* Set address @k of @fl: IPv4 from @p[0..4), IPv6 from @p[0..16). */
static void set_addr(struct pktfilter_flow *fl, int k, int family, const uint8_t *p)
{
	uint32_t a4 = 0;

	fl->family = (uint8_t)family;
	if (family == PKTHDR_IPV6) {
		memcpy(fl->addr6[k], p, 16);
	} else {
		memcpy(&a4, p, 4);
	}
	fl->f[k] = a4;
	fl->has |= 1u << k;
}

static void set_field(struct pktfilter_flow *fl, uint32_t todo, int k, uint32_t v)
{
	if (todo & (1u << k)) {
		fl->f[k] = v;
		fl->has |= 1u << k;
	}
}

/* The network header's bytes (field nh), or the Ethernet frame's (eth). */
static void flow_from_nh(const struct pktfilter_fields *pf, const struct pdata_sample *s,
			 struct pktfilter_flow *fl, uint32_t todo)
{
	struct pkthdr_flow h;
	uint32_t n = 0;
	const uint8_t *p = evdec_field__data(&pf->aux, s, &n);

	if (pf->mode == PKTFILTER_MODE_ETH ? !pkthdr_eth_flow(p, n, &h) : !pkthdr_ip_flow(p, n, &h))
		return;
	if (todo & (1u << PKTFILTER_SADDR))
		set_addr(fl, PKTFILTER_SADDR, h.family, h.saddr);
	if (todo & (1u << PKTFILTER_DADDR))
		set_addr(fl, PKTFILTER_DADDR, h.family, h.daddr);
	set_field(fl, todo, PKTFILTER_PROTO, h.proto);
	if (h.has_ports) {
		set_field(fl, todo, PKTFILTER_SPORT, h.sport);
		set_field(fl, todo, PKTFILTER_DPORT, h.dport);
	}
}

/* struct sockaddr_in / sockaddr_in6 in the saddr and daddr arrays. */
static void flow_from_sockaddr(const struct pktfilter_fields *pf, const struct pdata_sample *s,
			       struct pktfilter_flow *fl, uint32_t todo)
{
	for (int k = PKTFILTER_SADDR; k <= PKTFILTER_DADDR; k++) {
		int port = k == PKTFILTER_SADDR ? PKTFILTER_SPORT : PKTFILTER_DPORT;
		uint32_t n = 0;
		const uint8_t *p = evdec_field__data(&pf->flow[k], s, &n);
		uint16_t family;

		if (!p || n < 16)
			continue;
		memcpy(&family, p, 2);	/* sa_family: the recording host's order */
		if (family == LINUX_AF_INET) {
			if (todo & (1u << k))
				set_addr(fl, k, PKTHDR_IPV4, p + 4);
		} else if (family == LINUX_AF_INET6 && n >= 24) {
			if (todo & (1u << k))
				set_addr(fl, k, PKTHDR_IPV6, p + 8);
		} else {
			continue;
		}
		/* sin_port / sin6_port: network order. */
		set_field(fl, todo, port, (uint32_t)(p[2] << 8 | p[3]));
	}
}

void pktfilter_fields__flow(const struct pktfilter_fields *pf, const struct pdata_sample *s,
			    struct pktfilter_flow *fl)
{
	uint32_t todo = pf->has & ~fl->has;
	uint64_t v;

	if (!todo)
		return;
	switch (pf->mode) {
	case PKTFILTER_MODE_NH:
	case PKTFILTER_MODE_ETH:
		flow_from_nh(pf, s, fl, todo);
		return;
	case PKTFILTER_MODE_SOCKADDR:
		flow_from_sockaddr(pf, s, fl, todo);
		return;
	case PKTFILTER_MODE_VIHL:
		/* The probe read an IPv4 header's fields wherever skb->data
		 * pointed: they are a flow only if it was one, and the ports
		 * (read at +20) only with a 20-byte header. */
		v = evdec_field__u64(&pf->aux, s);
		if (v >> 4 != 4 || (v & 0xf) < 5)
			return;
		if ((v & 0xf) != 5)
			todo &= ~(1u << PKTFILTER_SPORT | 1u << PKTFILTER_DPORT);
		flow_from_fields(pf, s, fl, todo);
		return;
	case PKTFILTER_MODE_FAMILY:
		v = evdec_field__u64(&pf->aux, s);
		if (v == LINUX_AF_INET6) {
			for (int k = PKTFILTER_SADDR; k <= PKTFILTER_DADDR; k++) {
				uint32_t n = 0;
				const uint8_t *p = evdec_field__data(&pf->v6[k], s, &n);

				if (p && n >= 16 && (todo & (1u << k)))
					set_addr(fl, k, PKTHDR_IPV6, p);
			}
			todo &= ~(1u << PKTFILTER_SADDR | 1u << PKTFILTER_DADDR);
		} else if (v != LINUX_AF_INET) {
			return;
		}
		flow_from_fields(pf, s, fl, todo);
		return;
	default:
		flow_from_fields(pf, s, fl, todo);
		return;
	}
}

void pktfilter_flow_from_hdr(struct pktfilter_flow *fl, const struct pkthdr_flow *h)
{
	if (h->family == PKTHDR_NONE)
		return;
	set_addr(fl, PKTFILTER_SADDR, h->family, h->saddr);
	set_addr(fl, PKTFILTER_DADDR, h->family, h->daddr);
	set_field(fl, ~0u, PKTFILTER_PROTO, h->proto);
	if (h->has_ports) {
		set_field(fl, ~0u, PKTFILTER_SPORT, h->sport);
		set_field(fl, ~0u, PKTFILTER_DPORT, h->dport);
	}
}

const char *pktfilter_flow_addr(const struct pktfilter_flow *fl, int k, char *buf, size_t size)
{
	struct in_addr in;

	if (!(fl->has & (1u << k)) ||
	    !inet_ntop(fl->family == PKTHDR_IPV6 ? AF_INET6 : AF_INET,
		       fl->family == PKTHDR_IPV6 ? (const void *)fl->addr6[k] :
		       (in.s_addr = fl->f[k], (const void *)&in), buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

bool pktfilter_cpu_ok(const struct pktfilter *f, uint32_t cpu)
{
	return !f->has_cpus || ovp_cpuset__has(&f->cpus, cpu);
}

bool pktfilter_dev_ok(const struct pktfilter *f, const char *dev)
{
	return !f->dev || (dev && !strcmp(dev, f->dev));
}

bool pktfilter_flow_ok(const struct pktfilter *f, const struct pktfilter_flow *fl)
{
	for (int k = 0; k < PKTFILTER_NR_FIELDS; k++) {
		if (!f->has_flow[k])
			continue;
		if (!(fl->has & (1u << k)))
			return false;
		if ((k == PKTFILTER_SADDR || k == PKTFILTER_DADDR) &&
		    f->family[k] == PKTHDR_IPV6) {
			if (fl->family != PKTHDR_IPV6 || memcmp(fl->addr6[k], f->addr6[k], 16))
				return false;
			continue;
		}
		if ((k == PKTFILTER_SADDR || k == PKTFILTER_DADDR) && fl->family == PKTHDR_IPV6)
			return false;
		if (fl->f[k] != f->flow[k])
			return false;
	}
	return true;
}

bool pktfilter_time_ok(const struct pktfilter *f, uint64_t first, uint64_t last)
{
	return first >= f->time_start && last <= f->time_end;
}

bool pktfilter_match(const struct pktfilter *f, const struct pktfilter_pkt *p)
{
	if (!pktfilter_time_ok(f, p->first, p->last))
		return false;
	if (f->has_cpus && !p->cpu_hit)
		return false;
	if (f->dev && !p->dev_hit)
		return false;
	return pktfilter_flow_ok(f, &p->flow);
}

bool pktfilter_match_sample(const struct pktfilter *f, const struct pktfilter_fields *pf,
			    const struct pdata_sample *s)
{
	struct pktfilter_flow fl = { 0 };
	char buf[64];

	/* Cheapest first; the fields are read only for a filter on them. */
	if (!pktfilter_time_ok(f, s->time, s->time) || !pktfilter_cpu_ok(f, s->cpu))
		return false;
	if (f->dev && !pktfilter_dev_ok(f, pktfilter_fields__dev(pf, s, buf, sizeof(buf))))
		return false;
	if (!pktfilter_wants_fields(f))
		return true;
	pktfilter_fields__flow(pf, s, &fl);
	return pktfilter_flow_ok(f, &fl);
}
