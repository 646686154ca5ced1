// SPDX-License-Identifier: Apache-2.0
/*
 * report/upcalls.c - `ovsperf-analyze upcalls`: upcall_monitor.py from a
 * recording: one line per upcall a handler thread received
 * (dpif_recv:recv_upcall), with its time, CPU, thread, datapath, upcall
 * type, packet and flow key lengths and result; optionally the netlink
 * attributes of the captured flow key (--flow-key-decode nlraw|hex) and a
 * summary or hex dump of the captured packet (--packet-decode).
 *
 * Upcalls the kernel failed to send never reach a handler: when the
 * recording has the openvswitch:ovs_dp_upcall tracepoint and a return probe
 * on ovs_dp_upcall (the upcall-monitor probe set), each failed one is a line
 * too, with its non-zero result, as upcall_monitor.py reports them.
 *
 * Lines are written as samples arrive (time order), so memory does not grow
 * with the recording; the report's end is a count summary.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/analyze.h"
#include "ovsperf/evdec.h"
#include "ovsperf/strutil.h"
#include "decode/upcall-decode.h"

extern const struct report_ops report_upcalls_ops;

enum {
	OPT_UP_KEY_DECODE = 256,
	OPT_UP_PKT_DECODE,
	OPT_UP_RESULT,
	OPT_UP_PID,
	OPT_UP_KEY_SIZE,
	OPT_UP_PKT_SIZE,
};

enum up_mode { UP_NONE, UP_HEX, UP_DECODE };
enum up_result { UP_ANY, UP_OK, UP_ERROR };

/* Byte-array fields key, key2, ... or pkt, pkt2, ...: one capture. */
#define UP_MAX_PARTS 32
#define UP_MAX_CAPTURE 2048
/* Kernel upcalls waiting for their return, one slot per CPU number. */
#define UP_MAX_CPUS 8192
struct up_bytes {
	struct evdec_field part[UP_MAX_PARTS];
	int nr;
};

/* A kernel upcall waiting for its return on this CPU. */
struct up_pending {
	bool set;
	uint64_t time;
	uint32_t tid, pid;
	char dpif[64];
	char dev[32];
	uint32_t type;
	uint32_t len;
};

struct up_report {
	struct report base;
	struct pdata_tool tool;
	/* Options. */
	enum up_mode key_mode, pkt_mode;
	enum up_result result;
	int64_t pid;			/* -1: every process */
	uint32_t key_size, pkt_size;	/* bytes shown at most (0: all captured) */
	/* Session. */
	struct pdata_session *s;
	int recv_idx, dp_idx, ret_idx;	/* event indexes, -1 when absent */
	struct evdec_field dpif, dpif_ptr, type, pkt_len, key_len;
	struct up_bytes pkt, key;
	struct evdec_field dp_name, dp_dev, dp_len, dp_cmd, ret;
	struct up_pending *pending;	/* per CPU */
	uint32_t nr_cpus;
	uint8_t keybuf[UP_MAX_CAPTURE];	/* the key gathered from its parts */
	uint8_t pktbuf[UP_MAX_CAPTURE];	/* the packet gathered from its parts */
	/* Counts. */
	uint64_t nr_recv, nr_failed, nr_shown, nr_filtered, nr_unpaired;
	uint64_t nr_pkt;		/* packet number (upcall_monitor's "1:") */
	int err;			/* sticky write error */
};

static const struct option up_options[] = {
	{ "flow-key-decode", required_argument, NULL, OPT_UP_KEY_DECODE },
	{ "packet-decode", optional_argument, NULL, OPT_UP_PKT_DECODE },
	{ "result", required_argument, NULL, OPT_UP_RESULT },
	{ "pid", required_argument, NULL, OPT_UP_PID },
	{ "flow-key-size", required_argument, NULL, OPT_UP_KEY_SIZE },
	{ "packet-size", required_argument, NULL, OPT_UP_PKT_SIZE },
	{ NULL, 0, NULL, 0 },
};

static const char up_usage[] =
	"  -k, --flow-key-decode MODE  none (default), nlraw: the netlink attributes of\n"
	"                              the captured flow key; hex: its bytes\n"
	"  -d, --packet-decode [MODE]  decode (the default MODE): a one-line summary of\n"
	"                              the captured packet; hex: its bytes; none\n"
	"  -r, --result RESULT         any (default), ok: received upcalls, error: upcalls\n"
	"                              the kernel failed to send (needs the ovs_dp_upcall\n"
	"                              tracepoint and return probe: upcall-monitor set)\n"
	"  -p, --pid PID               only the handler threads of process PID\n"
	"  -f, --flow-key-size N       show at most N bytes of each flow key\n"
	"  -s, --packet-size N         show at most N bytes of each packet\n";

static struct up_report *to_up(struct report *r)
{
	return container_of(r, struct up_report, base);
}

static int parse_size(const char *arg, uint32_t *v)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (end == arg || *end || arg[0] == '-' || n < 1 || n > UP_MAX_CAPTURE)
		return ovp_err(-EINVAL, "bad size '%s' (1-%d bytes)", arg, UP_MAX_CAPTURE);
	*v = (uint32_t)n;
	return 0;
}

static int up_option(struct report *r, int key, const char *arg)
{
	struct up_report *up = to_up(r);
	char *end;
	long long v;

	switch (key) {
	case 'k':
	case OPT_UP_KEY_DECODE:
		if (!strcmp(arg, "none"))
			up->key_mode = UP_NONE;
		else if (!strcmp(arg, "hex"))
			up->key_mode = UP_HEX;
		else if (!strcmp(arg, "nlraw"))
			up->key_mode = UP_DECODE;
		else
			return ovp_err(-EINVAL, "--flow-key-decode: '%s' is not none, hex or nlraw",
				       arg);
		return 0;
	case 'd':
	case OPT_UP_PKT_DECODE:
		if (!arg || !strcmp(arg, "decode"))
			up->pkt_mode = UP_DECODE;
		else if (!strcmp(arg, "hex"))
			up->pkt_mode = UP_HEX;
		else if (!strcmp(arg, "none"))
			up->pkt_mode = UP_NONE;
		else
			return ovp_err(-EINVAL, "--packet-decode: '%s' is not decode, hex or none",
				       arg);
		return 0;
	case 'r':
	case OPT_UP_RESULT:
		if (!strcmp(arg, "any"))
			up->result = UP_ANY;
		else if (!strcmp(arg, "ok"))
			up->result = UP_OK;
		else if (!strcmp(arg, "error"))
			up->result = UP_ERROR;
		else
			return ovp_err(-EINVAL, "--result: '%s' is not any, ok or error", arg);
		return 0;
	case 'p':
	case OPT_UP_PID:
		v = strtoll(arg, &end, 10);
		if (end == arg || *end || v < 0 || v > UINT32_MAX)
			return ovp_err(-EINVAL, "bad pid '%s'", arg);
		up->pid = v;
		return 0;
	case 'f':
	case OPT_UP_KEY_SIZE:
		return parse_size(arg, &up->key_size);
	case 's':
	case OPT_UP_PKT_SIZE:
		return parse_size(arg, &up->pkt_size);
	}
	return ovp_err(-EINVAL, "upcalls: unknown option");
}

/* "-d hex", "-d decode": a mode word after -d is its value. */
static bool up_value_follows(int key, const char *next)
{
	return (key == 'd' || key == OPT_UP_PKT_DECODE) &&
	       (!strcmp(next, "decode") || !strcmp(next, "hex") || !strcmp(next, "none"));
}

/* Byte arrays NAME, NAME2, NAME3, ... of @ev. */
static void find_bytes(struct up_bytes *b, const struct pdata_evsel *ev, const char *name)
{
	char n[32];

	b->nr = 0;
	while (b->nr < UP_MAX_PARTS) {
		struct evdec_field *f = &b->part[b->nr];

		if (b->nr)
			snprintf(n, sizeof(n), "%s%d", name, b->nr + 1);
		else
			snprintf(n, sizeof(n), "%s", name);
		/* "string" fetches (__data_loc char[]) are no byte arrays. */
		if (evdec_field__find(f, ev, n) || !f->is_array || (f->is_dynamic && f->is_string))
			break;
		b->nr++;
	}
}

/* The captured bytes, at most @want of them, gathered into @dst
 * (UP_MAX_CAPTURE bytes). */
static uint32_t gather(const struct up_bytes *b, const struct pdata_sample *sm, uint64_t want,
		       uint8_t *dst)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < b->nr && n < want; i++) {
		uint32_t len;
		struct evdec_field f = b->part[i];
		const uint8_t *d;

		/* Every byte: a char array would stop at its first NUL. */
		f.is_string = false;
		d = evdec_field__bytes(&f, sm, &len);
		if (!d)
			break;
		if (len > want - n)
			len = (uint32_t)(want - n);
		if (len > UP_MAX_CAPTURE - n)
			len = UP_MAX_CAPTURE - n;
		memcpy(dst + n, d, len);
		n += len;
	}
	return n;
}

static int up_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct up_report *up = container_of(tool, struct up_report, tool);
	static const char *const ret_names[] = { "ret", "retval", "arg1", NULL };
	struct pdata_evsel *ev;

	up->s = s;
	up->recv_idx = up->dp_idx = up->ret_idx = -1;
	ev = pdata_session__find_event(s, NULL, "recv_upcall");
	if (ev) {
		up->recv_idx = ev->idx;
		if (evdec_field__find(&up->dpif, ev, "dpif") || !up->dpif.is_string)
			memset(&up->dpif, 0, sizeof(up->dpif));
		evdec_field__find(&up->type, ev, "arg2");
		evdec_field__find(&up->pkt_len, ev, "arg4");
		evdec_field__find(&up->key_len, ev, "arg6");
		find_bytes(&up->pkt, ev, "pkt");
		find_bytes(&up->key, ev, "key");
	}
	ev = pdata_session__find_event(s, "openvswitch", "ovs_dp_upcall");
	if (ev) {
		up->dp_idx = ev->idx;
		evdec_field__find(&up->dp_name, ev, "dp_name");
		if (evdec_field__find(&up->dp_dev, ev, "dev_name"))
			evdec_field__find(&up->dp_dev, ev, "dev");
		evdec_field__find(&up->dp_len, ev, "len");
		evdec_field__find(&up->dp_cmd, ev, "upcall_cmd");
	}
	ev = pdata_session__find_event(s, NULL, "ovs_dp_upcall__return");
	if (ev && !evdec_field__find_any(&up->ret, ev, ret_names))
		up->ret_idx = ev->idx;
	if (up->dp_idx < 0 || up->ret_idx < 0) {
		up->ret_idx = -1;
		if (up->result == UP_ERROR)
			return ovp_err(-ENOENT, "--result error: the recording has no failed "
				       "upcalls to show (it needs the openvswitch:ovs_dp_upcall "
				       "tracepoint and a return probe on ovs_dp_upcall: record "
				       "the upcall-monitor probe set)");
	}
	if (up->recv_idx < 0 && up->ret_idx < 0)
		return ovp_err(-ENOENT, "the recording has no dpif_recv:recv_upcall event "
			       "(record the upcall-monitor probe set)");
	if (up->recv_idx >= 0 && (!evdec_field__resolved(&up->pkt_len) ||
				  !evdec_field__resolved(&up->key_len)))
		return ovp_err(-EINVAL, "recv_upcall has no arg4/arg6 fields: not the "
			       "dpif_recv:recv_upcall USDT of ovs-vswitchd");
	if (up->key_mode != UP_NONE && up->recv_idx >= 0 && !up->key.nr)
		ovp_warn("the recording's recv_upcall has no flow key bytes (fields key, "
			 "key2, ...: record the upcall-monitor probe set): no key to decode");
	if (up->pkt_mode != UP_NONE && up->recv_idx >= 0 && !up->pkt.nr)
		ovp_warn("the recording's recv_upcall has no packet bytes (fields pkt, "
			 "pkt2, ...): no packet to decode");
	if (up->ret_idx >= 0) {
		up->nr_cpus = UP_MAX_CPUS;
		up->pending = calloc(up->nr_cpus, sizeof(*up->pending));
		if (!up->pending)
			return ovp_err(-ENOMEM, "upcalls: out of memory");
	}
	/* The lines go out as they are read: the wall clock comes first, as
	 * the time of the recording's CLOCK_DATA reference point. */
	if (!up->base.ctx->json && pdata_session__info(s)->has_clock_data) {
		const struct pdata_info *info = pdata_session__info(s);
		char t[32], w[48];

		printf("Wall clock: recording time %s is %s\n", ovp_fmt_ns(info->clock_clk_ns, t,
									sizeof(t)),
		       ovp_fmt_tod(info->clock_tod_ns, w, sizeof(w)));
	}
	if (!up->base.ctx->json)
		printf("%-18s %-4s %-16s %-10s %-40s %-4s %-10s %-12s %s\n", "TIME", "CPU",
		       "COMM", "PID", "DPIF_NAME", "TYPE", "PKT_LEN", "FLOW_KEY_LEN", "RESULT");
	return 0;
}

static void hexdump(FILE *out, const uint8_t *d, uint32_t n)
{
	uint32_t i, k;

	for (i = 0; i < n; i += 16) {
		fprintf(out, "    %04x  ", i);
		for (k = i; k < i + 16; k++) {
			if (k < n)
				fprintf(out, "%02X ", d[k]);
			else
				fputs("   ", out);
		}
		fputc(' ', out);
		for (k = i; k < i + 16 && k < n; k++)
			fputc(d[k] >= 0x20 && d[k] < 0x7f ? d[k] : '.', out);
		fputc('\n', out);
	}
}

static void hexstr(char *dst, const uint8_t *d, uint32_t n)
{
	static const char x[] = "0123456789abcdef";
	uint32_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = x[d[i] >> 4];
		dst[2 * i + 1] = x[d[i] & 15];
	}
	dst[2 * n] = 0;
}

/* The nlraw lines of upcall_monitor.py's decode_nlm(), or their JSON. */
static void key_text(FILE *out, const uint8_t *key, uint32_t n)
{
	enum upcall_nla_status st;
	struct upcall_nla a;
	uint32_t off = 0, i;

	while ((st = upcall_nla_next(key, n, &off, &a)) == UPCALL_NLA_OK) {
		fprintf(out, "    nla_len %u, nla_type %s[%u], data:", a.len,
			upcall_key_attr_name(a.type), a.type);
		for (i = 0; i < a.data_len; i++)
			fprintf(out, " %02x", a.data[i]);
		fputs(a.truncated ? " ...\n" : "\n", out);
		if (a.truncated)
			fprintf(out, "    WARN: decode truncated; nla_len > msg_len[%u]\n",
				a.data_len + 4);
	}
	if (st == UPCALL_NLA_SHORT_HEADER)
		fputs("    WARN: decode truncated; can't read header\n", out);
	else if (st == UPCALL_NLA_BAD_LEN)
		fputs("    WARN: decode truncated; nla_len < 4\n", out);
}

static json_t *key_json(const uint8_t *key, uint32_t n)
{
	enum upcall_nla_status st;
	json_t *arr = json_array();
	struct upcall_nla a;
	uint32_t off = 0;
	char hex[2 * UP_MAX_CAPTURE + 1];

	while ((st = upcall_nla_next(key, n, &off, &a)) == UPCALL_NLA_OK) {
		json_t *o = json_object();

		hexstr(hex, a.data, a.data_len);
		json_object_set_new(o, "nla_len", json_integer(a.len));
		json_object_set_new(o, "nla_type", json_integer(a.type));
		json_object_set_new(o, "name", json_string(upcall_key_attr_name(a.type)));
		json_object_set_new(o, "data", json_string(hex));
		if (a.truncated)
			json_object_set_new(o, "truncated", json_true());
		json_array_append_new(arr, o);
	}
	if (st != UPCALL_NLA_END)
		json_array_append_new(arr, json_pack("{s:b}", "damaged", 1));
	return arr;
}

struct up_line {
	uint64_t time;
	uint32_t cpu, pid, tid;
	const char *comm;
	const char *dpif;		/* NULL: not recorded */
	const char *dev;		/* failed upcalls: the device, or NULL */
	uint64_t type, pkt_len, key_len;
	int64_t result;
	const uint8_t *key;		/* captured bytes shown (NULL: none) */
	uint32_t key_n, key_captured;
	const uint8_t *pkt;
	uint32_t pkt_n, pkt_captured;
};

static void emit_json(struct up_report *up, const struct up_line *l)
{
	json_t *o = json_object();
	char hex[2 * UP_MAX_CAPTURE + 1];
	char summary[512], wall[48];
	uint32_t port;
	uint64_t tod;
	char *s;

	json_object_set_new(o, "time_ns", json_integer((json_int_t)l->time));
	if (pdata_info__tod(pdata_session__info(up->s), l->time, &tod))
		json_object_set_new(o, "wall_clock", json_string(ovp_fmt_tod(tod, wall,
									     sizeof(wall))));
	json_object_set_new(o, "cpu", json_integer(l->cpu));
	json_object_set_new(o, "comm", json_string(l->comm));
	json_object_set_new(o, "pid", json_integer(l->pid));
	json_object_set_new(o, "tid", json_integer(l->tid));
	json_object_set_new(o, "dpif", l->dpif ? json_string(l->dpif) : json_null());
	if (l->dev)
		json_object_set_new(o, "dev", json_string(l->dev));
	json_object_set_new(o, "type", json_integer((json_int_t)l->type));
	json_object_set_new(o, "pkt_len", json_integer((json_int_t)l->pkt_len));
	json_object_set_new(o, "key_len", json_integer((json_int_t)l->key_len));
	json_object_set_new(o, "result", json_integer(l->result));
	if (l->key) {
		json_object_set_new(o, "key_captured", json_integer(l->key_captured));
		if (upcall_key_in_port(l->key, l->key_n, &port))
			json_object_set_new(o, "in_port", json_integer(port));
		json_object_set_new(o, "key", key_json(l->key, l->key_n));
		if (up->key_mode == UP_HEX) {
			hexstr(hex, l->key, l->key_n);
			json_object_set_new(o, "key_bytes", json_string(hex));
		}
	}
	if (l->pkt) {
		json_object_set_new(o, "pkt_captured", json_integer(l->pkt_captured));
		upcall_packet_summary(l->pkt, l->pkt_n, summary, sizeof(summary));
		json_object_set_new(o, "packet", json_string(summary));
		if (up->pkt_mode == UP_HEX) {
			hexstr(hex, l->pkt, l->pkt_n);
			json_object_set_new(o, "pkt_bytes", json_string(hex));
		}
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s || puts(s) == EOF)
		up->err = ovp_err(-EIO, "upcalls: write failed");
	free(s);
}

static void emit_text(struct up_report *up, const struct up_line *l)
{
	char dp[128], summary[512], port_s[16] = "?", t[32];
	uint32_t port;

	snprintf(t, sizeof(t), "%" PRIu64 ".%09" PRIu64, l->time / 1000000000u,
		 l->time % 1000000000u);
	if (l->dev && *l->dev)
		snprintf(dp, sizeof(dp), "%s (%s)", l->dev, l->dpif ? l->dpif : "-");
	else
		snprintf(dp, sizeof(dp), "%s", l->dpif ? l->dpif : "-");
	printf("%-18s %-4u %-16s %-10u %-40s %-4" PRIu64 " %-10" PRIu64 " %-12" PRIu64
	       " %" PRId64 "\n", t, l->cpu, l->comm, l->tid, dp, l->type, l->pkt_len,
	       l->key_len, l->result);
	if (l->key && up->key_mode != UP_NONE && l->key_len) {
		printf("  Flow key size %" PRIu64 " bytes, size captured %u bytes.\n",
		       l->key_len, l->key_n);
		if (up->key_mode == UP_HEX)
			hexdump(stdout, l->key, l->key_n);
		else
			key_text(stdout, l->key, l->key_n);
	}
	if (up->pkt_mode != UP_NONE && l->pkt && l->pkt_len) {
		if (l->key && upcall_key_in_port(l->key, l->key_n, &port))
			snprintf(port_s, sizeof(port_s), "%u", port);
		up->nr_pkt++;
		printf("  %" PRIu64 ": Receive dp_port %s, packet size %" PRIu64
		       " bytes, size captured %u bytes.\n", up->nr_pkt, l->dev && *l->dev ?
		       l->dev : port_s, l->pkt_len, l->pkt_n);
		if (up->pkt_mode == UP_HEX) {
			hexdump(stdout, l->pkt, l->pkt_n);
		} else {
			upcall_packet_summary(l->pkt, l->pkt_n, summary, sizeof(summary));
			printf("    %s\n", summary);
		}
	}
	if (ferror(stdout))
		up->err = ovp_err(-EIO, "upcalls: write failed");
}

static void emit(struct up_report *up, const struct up_line *l)
{
	up->nr_shown++;
	if (up->base.ctx->json)
		emit_json(up, l);
	else
		emit_text(up, l);
}

static const char *comm_of(struct up_report *up, uint32_t tid)
{
	const char *c = pdata_session__comm(up->s, tid);

	return c ? c : "<unknown>";
}

static int recv_upcall(struct up_report *up, const struct pdata_sample *sm)
{
	struct up_line l = { .time = sm->time, .cpu = sm->cpu, .pid = sm->pid, .tid = sm->tid };
	char dpif[128];
	uint64_t want;

	up->nr_recv++;
	if (up->result == UP_ERROR || (up->pid >= 0 && sm->pid != (uint64_t)up->pid)) {
		up->nr_filtered++;
		return 0;
	}
	l.comm = comm_of(up, sm->tid);
	if (evdec_field__resolved(&up->dpif))
		l.dpif = evdec_field__str(&up->dpif, sm, dpif, sizeof(dpif));
	l.type = evdec_field__u64(&up->type, sm);
	l.pkt_len = evdec_field__u64(&up->pkt_len, sm);
	l.key_len = evdec_field__u64(&up->key_len, sm);
	if (up->key.nr) {
		/* Bytes past the key's length are the probe's over-read. */
		want = up->key_size && up->key_size < l.key_len ? up->key_size : l.key_len;
		l.key_n = gather(&up->key, sm, l.key_len, up->keybuf);
		l.key_captured = l.key_n;
		if (l.key_n > want)
			l.key_n = (uint32_t)want;
		l.key = up->keybuf;
	}
	if (up->pkt.nr) {
		want = up->pkt_size && up->pkt_size < l.pkt_len ? up->pkt_size : l.pkt_len;
		l.pkt_n = gather(&up->pkt, sm, l.pkt_len, up->pktbuf);
		l.pkt_captured = l.pkt_n;
		if (l.pkt_n > want)
			l.pkt_n = (uint32_t)want;
		l.pkt = up->pktbuf;
	}
	emit(up, &l);
	return 0;
}

static int dp_upcall(struct up_report *up, const struct pdata_sample *sm)
{
	struct up_pending *p;

	if (sm->cpu >= up->nr_cpus) {
		up->nr_unpaired++;	/* a CPU number beyond any machine's */
		return 0;
	}
	p = &up->pending[sm->cpu];
	if (p->set)
		up->nr_unpaired++;
	p->set = true;
	p->time = sm->time;
	p->tid = sm->tid;
	p->pid = sm->pid;
	evdec_field__str(&up->dp_name, sm, p->dpif, sizeof(p->dpif));
	evdec_field__str(&up->dp_dev, sm, p->dev, sizeof(p->dev));
	p->type = (uint32_t)evdec_field__u64(&up->dp_cmd, sm);
	p->len = (uint32_t)evdec_field__u64(&up->dp_len, sm);
	return 0;
}

/*
 * The return of ovs_dp_upcall on the CPU of its tracepoint (it runs with
 * bottom halves off: no migration in between).  A result of 0 is a sent
 * upcall, which recv_upcall reports when a handler gets it.
 */
static int dp_return(struct up_report *up, const struct pdata_sample *sm)
{
	struct up_line l = { 0 };
	struct up_pending *p;
	int64_t ret;

	if (sm->cpu >= up->nr_cpus || !up->pending[sm->cpu].set) {
		up->nr_unpaired++;
		return 0;
	}
	p = &up->pending[sm->cpu];
	p->set = false;
	ret = evdec_field__s64(&up->ret, sm);
	if (up->ret.size == 8)
		ret = (int32_t)ret;	/* an int returned in a 64-bit register */
	if (!ret)
		return 0;
	up->nr_failed++;
	if (up->result == UP_OK || (up->pid >= 0 && p->pid != (uint64_t)up->pid)) {
		up->nr_filtered++;
		return 0;
	}
	l.time = p->time;
	l.cpu = sm->cpu;
	l.pid = p->pid;
	l.tid = p->tid;
	l.comm = comm_of(up, p->tid);
	l.dpif = p->dpif;
	l.dev = p->dev;
	l.type = p->type;
	l.pkt_len = p->len;
	l.result = ret;
	emit(up, &l);
	return 0;
}

static int up_sample(struct pdata_tool *tool, const struct pdata_sample *sm)
{
	struct up_report *up = container_of(tool, struct up_report, tool);
	int idx = sm->evsel->idx, err = 0;

	if (idx == up->recv_idx)
		err = recv_upcall(up, sm);
	else if (idx == up->dp_idx && up->ret_idx >= 0)
		err = dp_upcall(up, sm);
	else if (idx == up->ret_idx)
		err = dp_return(up, sm);
	return err ?: up->err;
}

static int up_emit_text(struct report *r, FILE *out)
{
	struct up_report *up = to_up(r);

	fprintf(out, "\n%" PRIu64 " upcalls shown: %" PRIu64 " received by handlers",
		up->nr_shown, up->nr_recv);
	if (up->ret_idx >= 0)
		fprintf(out, ", %" PRIu64 " failed in the kernel", up->nr_failed);
	else
		fputs(" (failed upcalls not recorded)", out);
	if (up->nr_filtered)
		fprintf(out, ", %" PRIu64 " filtered out", up->nr_filtered);
	fputs(".\n", out);
	return ferror(out) ? ovp_err(-EIO, "upcalls: write failed") : 0;
}

static int up_emit_json(struct report *r, json_t *reports)
{
	struct up_report *up = to_up(r);
	json_t *o = json_object();

	fflush(stdout);
	json_object_set_new(o, "shown", json_integer((json_int_t)up->nr_shown));
	json_object_set_new(o, "received", json_integer((json_int_t)up->nr_recv));
	json_object_set_new(o, "failed", up->ret_idx >= 0 ?
			    json_integer((json_int_t)up->nr_failed) : json_null());
	json_object_set_new(o, "filtered", json_integer((json_int_t)up->nr_filtered));
	json_object_set_new(o, "unpaired_kernel_events",
			    json_integer((json_int_t)up->nr_unpaired));
	json_object_set_new(reports, "upcalls", o);
	return 0;
}

static struct pdata_tool *up_tool(struct report *r)
{
	return &to_up(r)->tool;
}

static void up_destroy(struct report *r)
{
	struct up_report *up;

	if (!r)
		return;
	up = to_up(r);
	free(up->pending);
	free(up);
}

static int up_create(struct report **out, struct analyze_ctx *ctx)
{
	struct up_report *up = calloc(1, sizeof(*up));

	if (!up)
		return ovp_err(-ENOMEM, "upcalls: out of memory");
	up->base.ops = &report_upcalls_ops;
	up->base.ctx = ctx;
	up->pid = -1;
	pdata_tool__init(&up->tool);
	up->tool.ready = up_ready;
	up->tool.sample = up_sample;
	*out = &up->base;
	return 0;
}

/* Not run by `ovsperf-analyze FILE`: one line per upcall is a listing, not a
 * report (no applicable()). */
const struct report_ops report_upcalls_ops = {
	.name = "upcalls",
	.json_key = "upcalls",
	.summary = "one line per upcall a handler received, with flow key and packet "
		   "(upcall_monitor.py)",
	.usage = up_usage,
	.options = up_options,
	.shortopts = "k:d::r:p:f:s:",
	.create = up_create,
	.option = up_option,
	.tool = up_tool,
	.emit_text = up_emit_text,
	.emit_json = up_emit_json,
	.destroy = up_destroy,
	.json_lines = true,
	.value_follows = up_value_follows,
};
