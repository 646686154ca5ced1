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
 *
 * In the pipeline: the report layer.  Its tool reads the recv_upcall and
 * ovs_dp_upcall events (bytes decoded by decode/upcall-decode.c) and gives
 * each upcall, as a plain item (report/upcalls.h), to its line writer
 * (out/upcall-lines.c: text, or JSON Lines with --json); model() is the count
 * summary, reports.upcalls, which out/text-upcalls.c prints after the lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/strutil.h"
#include "decode/upcall-decode.h"
#include "report/upcalls.h"
#include "report/report.h"

extern const struct report_ops report_upcalls_ops;

enum {
	OPT_UP_KEY_DECODE = 256,
	OPT_UP_PKT_DECODE,
	OPT_UP_RESULT,
	OPT_UP_PID,
	OPT_UP_KEY_SIZE,
	OPT_UP_PKT_SIZE,
};

enum up_result { UP_ANY, UP_OK, UP_ERROR };

/* Byte-array fields key, key2, ... or pkt, pkt2, ...: one capture. */
#define UP_MAX_PARTS 32
#define UP_MAX_CAPTURE 2048
/* Attributes of a captured key: at least 4 bytes each. */
#define UP_MAX_ATTRS (UP_MAX_CAPTURE / 4 + 1)
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
	enum upcall_show key_mode, pkt_mode;
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
	struct upcall_attr attrs[UP_MAX_ATTRS];	/* the key's, decoded */
	char summary[512];		/* the packet's, decoded */
	const struct upcall_writer *writer;	/* of the lines (out/upcall-lines.c) */
	struct upcall_header header;	/* written before the first line, or the summary */
	bool header_pending;		/* not written yet */
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
	"      --result RESULT         any (default), ok: received upcalls, error: upcalls\n"
	"                              the kernel failed to send (needs the ovs_dp_upcall\n"
	"                              tracepoint and return probe: upcall-monitor set)\n"
	"  -p, --pid PID               only the handler threads of process PID\n"
	"  -f, --flow-key-size N       show at most N bytes of each flow key\n"
	"  -s, --packet-size N         show at most N bytes of each packet\n";

static struct up_report *to_up(struct report *r)
{
	return container_of(r, struct up_report, base);
}

static int parse_size(const char *opt, const char *arg, uint32_t *v)
{
	uint64_t n;
	int err = ovp_parse_uint_opt(opt, arg, 1, UP_MAX_CAPTURE, &n);

	if (!err)
		*v = (uint32_t)n;
	return err;
}

static int up_option(struct report *r, int key, const char *arg)
{
	struct up_report *up = to_up(r);
	uint64_t v;
	int err;

	switch (key) {
	case 'k':
	case OPT_UP_KEY_DECODE:
		if (!strcmp(arg, "none"))
			up->key_mode = UPCALL_SHOW_NONE;
		else if (!strcmp(arg, "hex"))
			up->key_mode = UPCALL_SHOW_HEX;
		else if (!strcmp(arg, "nlraw"))
			up->key_mode = UPCALL_SHOW_DECODE;
		else
			return ovp_err(-EINVAL, "--flow-key-decode: '%s' is not none, hex or nlraw",
				       arg);
		return 0;
	case 'd':
	case OPT_UP_PKT_DECODE:
		if (!arg || !strcmp(arg, "decode"))
			up->pkt_mode = UPCALL_SHOW_DECODE;
		else if (!strcmp(arg, "hex"))
			up->pkt_mode = UPCALL_SHOW_HEX;
		else if (!strcmp(arg, "none"))
			up->pkt_mode = UPCALL_SHOW_NONE;
		else
			return ovp_err(-EINVAL, "--packet-decode: '%s' is not decode, hex or none",
				       arg);
		return 0;
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
		err = ovp_parse_uint_opt(key == 'p' ? "-p" : "--pid", arg, 0, UINT32_MAX, &v);
		if (!err)
			up->pid = (int64_t)v;
		return err;
	case 'f':
	case OPT_UP_KEY_SIZE:
		return parse_size(key == 'f' ? "-f" : "--flow-key-size", arg, &up->key_size);
	case 's':
	case OPT_UP_PKT_SIZE:
		return parse_size(key == 's' ? "-s" : "--packet-size", arg, &up->pkt_size);
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
	if (up->key_mode != UPCALL_SHOW_NONE && up->recv_idx >= 0 && !up->key.nr)
		ovp_warn("the recording's recv_upcall has no flow key bytes (fields key, "
			 "key2, ...: record the upcall-monitor probe set): no key to decode");
	if (up->pkt_mode != UPCALL_SHOW_NONE && up->recv_idx >= 0 && !up->pkt.nr)
		ovp_warn("the recording's recv_upcall has no packet bytes (fields pkt, "
			 "pkt2, ...): no packet to decode");
	if (up->ret_idx >= 0) {
		up->nr_cpus = UP_MAX_CPUS;
		up->pending = calloc(up->nr_cpus, sizeof(*up->pending));
		if (!up->pending)
			return ovp_err(-ENOMEM, "upcalls: out of memory");
	}
	/* The lines go out as they are read, after their header.  The header
	 * waits for the first line (or the summary): a filter that matches
	 * nothing in the recording is an error, and then no report is printed. */
	up->writer = up->base.items;
	if (!up->writer)
		return ovp_err(-ENOSYS, "upcalls: no line writer registered");
	if (up->writer->header) {
		const struct pdata_info *info = pdata_session__info(s);

		up->header.has_clock = info->has_clock_data;
		up->header.clock_ns = info->clock_clk_ns;
		up->header.clock_tod_ns = info->clock_tod_ns;
		up->header_pending = true;
	}
	return 0;
}

/* The header, once, before the first line or the summary. */
static int write_header(struct up_report *up)
{
	if (!up->header_pending)
		return 0;
	up->header_pending = false;
	return up->writer->header(&up->header, stdout);
}

/* The key's attributes into up->attrs (what the writer shows of them). */
static void decode_key(struct up_report *up, struct upcall_item *u)
{
	enum upcall_nla_status st;
	struct upcall_nla a;
	uint32_t off = 0;

	u->nr_attrs = 0;
	while ((st = upcall_nla_next(u->key, u->key_n, &off, &a)) == UPCALL_NLA_OK &&
	       u->nr_attrs < UP_MAX_ATTRS) {
		struct upcall_attr *x = &up->attrs[u->nr_attrs++];

		x->len = a.len;
		x->type = a.type;
		x->name = upcall_key_attr_name(a.type);
		x->data = a.data;
		x->data_len = a.data_len;
		x->truncated = a.truncated;
	}
	u->attrs = up->attrs;
	u->attrs_end = st == UPCALL_NLA_SHORT_HEADER ? UPCALL_ATTRS_SHORT_HEADER :
		       st == UPCALL_NLA_BAD_LEN ? UPCALL_ATTRS_BAD_LEN : UPCALL_ATTRS_END;
}

/*
 * One upcall to the writer: the report decodes what the writer shows, and
 * only that (the text shows the key's attributes with -k nlraw, the packet
 * summary with -d decode; JSON Lines both, and the wall clock).
 */
static void emit(struct up_report *up, struct upcall_item *u)
{
	bool json = up->base.ctx->json;
	int err;

	up->nr_shown++;
	u->key_mode = up->key_mode;
	u->pkt_mode = up->pkt_mode;
	if (json)
		u->has_tod = pdata_info__tod(pdata_session__info(up->s), u->time_ns, &u->tod_ns);
	if (u->key && (json || up->pkt_mode != UPCALL_SHOW_NONE))
		u->has_in_port = upcall_key_in_port(u->key, u->key_n, &u->in_port);
	if (u->key && (json || up->key_mode == UPCALL_SHOW_DECODE))
		decode_key(up, u);
	if (u->pkt && (json || up->pkt_mode == UPCALL_SHOW_DECODE)) {
		upcall_packet_summary(u->pkt, u->pkt_n, up->summary, sizeof(up->summary));
		u->pkt_summary = up->summary;
	}
	if (up->pkt_mode != UPCALL_SHOW_NONE && u->pkt && u->pkt_len)
		u->pkt_no = ++up->nr_pkt;
	err = write_header(up) ?: up->writer->item(u, stdout);
	if (err && !up->err)
		up->err = err;
}

static const char *comm_of(struct up_report *up, uint32_t tid)
{
	const char *c = pdata_session__comm(up->s, tid);

	return c ? c : "<unknown>";
}

static int recv_upcall(struct up_report *up, const struct pdata_sample *sm)
{
	struct upcall_item l = {
		.time_ns = sm->time, .cpu = sm->cpu, .pid = sm->pid, .tid = sm->tid,
	};
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
	struct upcall_item l = { 0 };
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
	l.time_ns = p->time;
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

/* reports.upcalls of the JSON document: the counts (out/text-upcalls.c
 * prints them after the lines). */
static int up_model(struct report *r, json_t **model)
{
	struct up_report *up = to_up(r);
	json_t *o;
	int err = write_header(up);

	if (err)
		return err;
	o = json_object();
	json_object_set_new(o, "shown", json_integer((json_int_t)up->nr_shown));
	json_object_set_new(o, "received", json_integer((json_int_t)up->nr_recv));
	json_object_set_new(o, "failed", up->ret_idx >= 0 ?
			    json_integer((json_int_t)up->nr_failed) : json_null());
	json_object_set_new(o, "filtered", json_integer((json_int_t)up->nr_filtered));
	json_object_set_new(o, "unpaired_kernel_events",
			    json_integer((json_int_t)up->nr_unpaired));
	*model = o;
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
	.shortopts = "k:d::p:f:s:",
	.create = up_create,
	.option = up_option,
	.tool = up_tool,
	.model = up_model,
	.destroy = up_destroy,
	.json_lines = true,
	.value_follows = up_value_follows,
};
