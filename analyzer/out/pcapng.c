// SPDX-License-Identifier: Apache-2.0
/*
 * out/pcapng.c - the pcapng writer of `ovsperf-analyze export --pcap`
 * (see out/pcapng.h).  Blocks are written as samples arrive; memory is
 * the table of interfaces.  Block layouts: the pcapng specification
 * (draft-ietf-opsawg-pcapng), little-endian as the host writes them (the
 * byte-order magic tells readers).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/container.h"
#include "ovsperf/err.h"
#include "out/pcapng.h"
#include "decode/pkthdr.h"
#include "ovsperf/evdec.h"
#include "ovsperf/outfile.h"
#include "decode/pktfilter.h"

#include <traceevent/event-parse.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1A2B3C4Du
#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_DESCRIPTION 3
#define OPT_IF_TSRESOL 9
#define EX_MAX_IFACES 256
#define EX_MAX_PARTS 15
#define EX_MAX_CAPLEN 65536

static const char *const pkt_fields[] = { "pkt", "packet", "data", "buf", "payload", NULL };
static const char *const len_fields[] = { "pkt_len", "len", "arg4", "size", "skb_len", NULL };
static const char *const dev_fields[] = { "dpif", "dev", "name", "devname", "ifname", NULL };
static const char *const skb_fields[] = { "skb", "skbaddr", NULL };

/* Per event with packet bytes. */
struct pc_evmap {
	bool packets;			/* has a byte-array field */
	struct evdec_field pkt, len, dev, skb;
	/* pkt2, pkt3, ...: the next bytes of the packet.  The kernel limits a
	 * probe's array fetch to 64 elements (MAX_ARRAY_LEN), so the probe set
	 * captures 128 bytes as pkt=+0(arg3):x8[64] pkt2=+64(arg3):x8[64]. */
	struct evdec_field more[EX_MAX_PARTS];
	int nr_more;
};

struct pc_iface {
	int evsel;			/* event index */
	char name[64];			/* device ("" = none) */
};

struct ex_pcap {
	struct pdata_tool tool;
	struct ovp_outfile *out;	/* the file (outfile.h) */
	FILE *f;			/* its stream */
	int err;			/* sticky write error */
	bool optional;			/* a recording without packet bytes skips it */
	char *skipped;			/* why it was skipped, or NULL */
	struct ex_filter filt;
	uint16_t linktype;
	struct pdata_session *s;
	struct pc_evmap *map;
	int nr_map;
	struct pc_iface ifaces[EX_MAX_IFACES];
	uint32_t nr_ifaces;
	uint64_t nr_packets;
	int64_t clock_off;		/* added to sample times: wall clock, or 0 */
	uint8_t buf[EX_MAX_CAPLEN];	/* a packet captured in several fields */
};

static void put(struct ex_pcap *p, const void *buf, size_t len)
{
	if (!p->err && len && fwrite(buf, 1, len, p->f) != len)
		p->err = ovp_outfile__failed(p->out, errno ? -errno : -EIO);
}

static void put32(struct ex_pcap *p, uint32_t v)
{
	put(p, &v, 4);
}

static void put16(struct ex_pcap *p, uint16_t v)
{
	put(p, &v, 2);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

static void put_opt(struct ex_pcap *p, uint16_t code, const void *val, size_t len)
{
	static const uint8_t zero[4];

	put16(p, code);
	put16(p, (uint16_t)len);
	put(p, val, len);
	put(p, zero, pad4(len) - len);
}

static void write_shb(struct ex_pcap *p)
{
	static const char app[] = "ovsperf-analyze export " OVSPERF_VERSION;
	size_t len = 28 + opt_size(strlen(app)) + 4;
	int64_t section = -1;

	put32(p, PCAPNG_SHB);
	put32(p, (uint32_t)len);
	put32(p, PCAPNG_BOM);
	put16(p, 1);
	put16(p, 0);
	put(p, &section, 8);
	put_opt(p, OPT_SHB_USERAPPL, app, strlen(app));
	put32(p, OPT_END);
	put32(p, (uint32_t)len);
}

/* The interface of (@evsel, @dev), its block written when new; -1 if full. */
static int iface(struct ex_pcap *p, const struct pdata_evsel *ev, const char *dev)
{
	char name[160];
	uint8_t tsresol = 9;	/* 10^-9 s: perf times are nanoseconds */
	struct pc_iface *i;
	size_t len;
	uint32_t k;

	for (k = 0; k < p->nr_ifaces; k++)
		if (p->ifaces[k].evsel == ev->idx && !strcmp(p->ifaces[k].name, dev))
			return (int)k;
	if (p->nr_ifaces == EX_MAX_IFACES)
		return -1;
	i = &p->ifaces[p->nr_ifaces];
	i->evsel = ev->idx;
	snprintf(i->name, sizeof(i->name), "%s", dev);
	snprintf(name, sizeof(name), "%s", *dev ? dev : ev->name);
	len = 20 + opt_size(strlen(name)) + opt_size(strlen(ev->name)) + opt_size(1) + 4;
	put32(p, PCAPNG_IDB);
	put32(p, (uint32_t)len);
	put16(p, p->linktype);
	put16(p, 0);
	put32(p, 0);		/* snaplen: no limit */
	put_opt(p, OPT_IF_NAME, name, strlen(name));
	put_opt(p, OPT_IF_DESCRIPTION, ev->name, strlen(ev->name));
	put_opt(p, OPT_IF_TSRESOL, &tsresol, 1);
	put32(p, OPT_END);
	put32(p, (uint32_t)len);
	return (int)p->nr_ifaces++;
}

/* The bytes of array field @f of sample @sm, all of them: evdec_field__data()
 * stops char arrays at their first NUL, and packets have zeros.  NULL (*@len
 * 0) when the field lies outside the payload. */
static const uint8_t *field_bytes(const struct evdec_field *f, const struct pdata_sample *sm,
				  uint32_t *len)
{
	struct evdec_field bytes = *f;

	/* Every byte: a char array would stop at its first NUL. */
	bytes.is_string = false;
	return evdec_field__data(&bytes, sm, len);
}

/* The name of a resolved field (evdec keeps libtraceevent's handle). */
static const char *pkt_name(const struct evdec_field *f)
{
	return f->f->name;
}

static int pc_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct ex_pcap *p = container_of(tool, struct ex_pcap, tool);
	const struct pdata_info *info = pdata_session__info(s);
	int i, n = 0;

	p->s = s;
	p->nr_map = pdata_session__nr_evsels(s);
	p->map = calloc(p->nr_map ? (size_t)p->nr_map : 1, sizeof(*p->map));
	if (!p->map)
		return ovp_err(-ENOMEM, "export: out of memory");
	if (info->has_clock_data)
		p->clock_off = (int64_t)(info->clock_tod_ns - info->clock_clk_ns);
	for (i = 0; i < p->nr_map; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);
		struct pc_evmap *m = &p->map[i];

		/* u8 arrays count as strings for libtraceevent; "string" fetch
		 * args (__data_loc char[]) are the ones to leave out. */
		if (evdec_field__find_any(&m->pkt, ev, pkt_fields) || !m->pkt.is_array ||
		    (m->pkt.is_dynamic && m->pkt.is_string))
			continue;
		m->packets = true;
		n++;
		for (int k = 0; k < EX_MAX_PARTS; k++) {
			char name[32];

			snprintf(name, sizeof(name), "%s%d", m->pkt.f ? pkt_name(&m->pkt) : "pkt",
				 k + 2);
			if (evdec_field__find(&m->more[k], ev, name) || !m->more[k].is_array ||
			    (m->more[k].is_dynamic && m->more[k].is_string))
				break;
			m->nr_more++;
		}
		evdec_field__find_any(&m->len, ev, len_fields);
		evdec_field__find_any(&m->dev, ev, dev_fields);
		evdec_field__find_any(&m->skb, ev, skb_fields);
	}
	if (!n) {
		int err = ovp_err(-ENOENT, "the recording has no event with packet bytes (a byte "
				  "array field pkt, packet, data or buf: record the upcall-cost "
				  "set, whose recv_upcall fetches pkt=+0(arg3):x8[64] "
				  "pkt2=+64(arg3):x8[64])");

		if (!p->optional)
			return err;
		p->skipped = strdup(ovp_errmsg());
		if (!p->skipped)
			return ovp_err(-ENOMEM, "export: out of memory");
	}
	return 0;
}

/*
 * The flow filters on the captured bytes: Ethernet (VLAN tags skipped) or
 * raw, then IPv4 (its real header length) or IPv6 and the ports of TCP, UDP
 * and SCTP (pkthdr_ip_flow()).  A packet whose headers
 * were not captured does not pass a filter.
 */
static bool flow_passes(const struct ex_pcap *p, const uint8_t *d, uint32_t len)
{
	struct pktfilter_flow fl = { 0 };
	struct pkthdr_flow h;
	uint32_t off = 0;

	/* An empty flow passes only when no flow filter is asked for. */
	if (pktfilter_flow_ok(&p->filt.pkt, &fl))
		return true;
	if (p->linktype == EX_LINKTYPE_ETHERNET) {
		uint16_t type;

		off = 12;
		for (;;) {
			if (off + 2 > len)
				return false;
			type = (uint16_t)(d[off] << 8 | d[off + 1]);
			if (type != 0x8100 && type != 0x88a8)
				break;
			off += 4;
		}
		if (type != 0x0800 && type != 0x86dd)
			return false;
		off += 2;
	}
	if (off >= len || !pkthdr_ip_flow(d + off, len - off, &h))
		return false;
	pktfilter_flow_from_hdr(&fl, &h);
	return pktfilter_flow_ok(&p->filt.pkt, &fl);
}

static int pc_sample(struct pdata_tool *tool, const struct pdata_sample *sm)
{
	struct ex_pcap *p = container_of(tool, struct ex_pcap, tool);
	const struct pc_evmap *m;
	const uint8_t *data;
	static const uint8_t zero[4];
	char dev[64], comment[256], skb[40];
	const char *comm;
	uint32_t caplen, origlen;
	uint64_t ts;
	size_t len, clen;
	int ifc;

	if (p->skipped || !sm->evsel || sm->evsel->idx >= p->nr_map)
		return 0;
	m = &p->map[sm->evsel->idx];
	if (!m->packets)
		return 0;
	if (!pktfilter_time_ok(&p->filt.pkt, sm->time, sm->time) ||
	    (p->filt.pid >= 0 && sm->pid != p->filt.pid) ||
	    !pktfilter_cpu_ok(&p->filt.pkt, sm->cpu))
		return 0;
	data = field_bytes(&m->pkt, sm, &caplen);
	if (!data)
		return 0;
	if (m->nr_more) {
		const uint8_t *part;
		uint32_t plen;

		caplen = caplen < EX_MAX_CAPLEN ? caplen : EX_MAX_CAPLEN;
		memcpy(p->buf, data, caplen);
		for (int k = 0; k < m->nr_more; k++) {
			part = field_bytes(&m->more[k], sm, &plen);
			if (!part || caplen + plen > EX_MAX_CAPLEN)
				break;
			memcpy(p->buf + caplen, part, plen);
			caplen += plen;
		}
		data = p->buf;
	}
	dev[0] = '\0';
	if (evdec_field__resolved(&m->dev))
		evdec_field__str(&m->dev, sm, dev, sizeof(dev));
	if (!pktfilter_dev_ok(&p->filt.pkt, dev))
		return 0;
	origlen = caplen;
	if (evdec_field__resolved(&m->len)) {
		uint64_t l = evdec_field__u64(&m->len, sm);

		/* Short packets: the fetch read past their end; keep only the packet. */
		if (l && l < caplen)
			caplen = (uint32_t)l;
		if (l >= caplen && l < UINT32_MAX)
			origlen = (uint32_t)l;
	}
	if (!flow_passes(p, data, caplen))
		return 0;
	ifc = iface(p, sm->evsel, dev);
	if (ifc < 0)
		return 0;
	comm = pdata_session__comm(p->s, sm->tid);
	skb[0] = '\0';
	if (evdec_field__resolved(&m->skb))
		snprintf(skb, sizeof(skb), " skb=0x%" PRIx64, evdec_field__u64(&m->skb, sm));
	snprintf(comment, sizeof(comment), "event=%s%s cpu=%d thread=%s/%u", sm->evsel->name, skb,
		 (int)sm->cpu, comm ? comm : "?", sm->tid);
	clen = strlen(comment);
	ts = sm->time + (uint64_t)p->clock_off;
	len = 28 + pad4(caplen) + opt_size(clen) + 4 + 4;
	put32(p, PCAPNG_EPB);
	put32(p, (uint32_t)len);
	put32(p, (uint32_t)ifc);
	put32(p, (uint32_t)(ts >> 32));
	put32(p, (uint32_t)ts);
	put32(p, caplen);
	put32(p, origlen);
	put(p, data, caplen);
	put(p, zero, pad4(caplen) - caplen);
	put_opt(p, OPT_COMMENT, comment, clen);
	put32(p, OPT_END);
	put32(p, (uint32_t)len);
	p->nr_packets++;
	return p->err;
}

int ex_pcap__new(struct ex_pcap **out, const char *path, const struct ex_filter *f,
		 uint16_t linktype, bool optional)
{
	struct ex_pcap *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return ovp_err(-ENOMEM, "export: out of memory");
	err = ovp_outfile__open(&p->out, path, OVP_OUTFILE_DASH);
	p->f = err ? NULL : ovp_outfile__stream(p->out);
	if (!p->f) {
		err = err ?: -ENOMEM;
		ovp_outfile__abort(p->out);
		free(p);
		return err;
	}
	p->filt = *f;
	p->linktype = linktype;
	p->optional = optional;
	pdata_tool__init(&p->tool);
	p->tool.ready = pc_ready;
	p->tool.sample = pc_sample;
	write_shb(p);
	*out = p;
	return p->err;
}

struct pdata_tool *ex_pcap__tool(struct ex_pcap *p)
{
	return &p->tool;
}

uint64_t ex_pcap__nr_packets(const struct ex_pcap *p)
{
	return p->nr_packets;
}

int ex_pcap__error(const struct ex_pcap *p)
{
	return p->err;
}

const char *ex_pcap__skipped(const struct ex_pcap *p)
{
	return p->skipped;
}

int ex_pcap__close(struct ex_pcap *p)
{
	int err;

	if (!p->out)
		return p->err;
	p->f = NULL;
	if (p->err || p->skipped) {
		ovp_outfile__abort(p->out);
		p->out = NULL;
		return p->err;
	}
	err = ovp_outfile__commit(p->out);
	p->out = NULL;
	p->err = err;
	return err;
}

void ex_pcap__delete(struct ex_pcap *p)
{
	if (!p)
		return;
	/* Not closed: the pass failed, the file is not a result. */
	p->f = NULL;
	ovp_outfile__abort(p->out);
	free(p->skipped);
	free(p->map);
	free(p);
}
