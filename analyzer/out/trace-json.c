// SPDX-License-Identifier: Apache-2.0
/*
 * out/trace-json.c - the streaming Trace Event Format writer of
 * `ovsperf-analyze export --perfetto` (see out/trace-json.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "ovsperf/container.h"
#include "out/trace-json.h"
#include "ovsperf/err.h"
#include "ovsperf/outfile.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Write the buffer out. */
static void drain(struct et_writer *w)
{
	if (!w->err && w->len) {
		if (w->gz) {
			if (gzwrite(w->gz, w->buf, (unsigned int)w->len) != (int)w->len) {
				int e = errno, zerr;

				gzerror(w->gz, &zerr);
				w->err = ovp_outfile__failed(w->out, zerr == Z_ERRNO && e ? -e : -EIO);
			}
		} else if (fwrite(w->buf, 1, w->len, w->f) != w->len) {
			w->err = ovp_outfile__failed(w->out, errno ? -errno : -EIO);
		}
	}
	w->len = 0;
}

/* Room for @len more bytes (an event's pieces are short). */
static char *room(struct et_writer *w, size_t len)
{
	if (w->len + len > sizeof(w->buf))
		drain(w);
	return w->buf + w->len;
}

static void put(struct et_writer *w, const char *s, size_t len)
{
	if (len > sizeof(w->buf) / 2)
		len = sizeof(w->buf) / 2;
	memcpy(room(w, len), s, len);
	w->len += len;
}

static void puts_(struct et_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Decimal digits of @v, without stdio (this is the hot path of the export). */
static void put_u64(struct et_writer *w, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	char *p = room(w, (size_t)n);

	for (int i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	w->len += (size_t)n;
}

static void put_i64(struct et_writer *w, int64_t v)
{
	if (v < 0) {
		put(w, "-", 1);
		put_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(w, (uint64_t)v);
	}
}

static void put_hex(struct et_writer *w, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = digits[v & 15];
		v >>= 4;
	} while (v);
	char *p = room(w, (size_t)n);

	for (int i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	w->len += (size_t)n;
}

static const struct ex_sink_ops et_sink_ops;

int et_open(struct et_writer *w, const char *path)
{
	int fd;

	memset(w, 0, sizeof(*w));
	w->sink.ops = &et_sink_ops;
	w->first = true;
	w->err = ovp_outfile__open(&w->out, path, OVP_OUTFILE_DASH);
	if (w->err)
		return w->err;
	if (ends_with(path, ".gz")) {
		/* zlib closes its own descriptor; the outfile closes (and renames)
		 * the original after gzclose() has flushed. */
		fd = dup(ovp_outfile__fd(w->out));
		w->gz = fd < 0 ? NULL : gzdopen(fd, "wb1");
		if (!w->gz) {
			w->err = ovp_outfile__failed(w->out, fd < 0 ? -errno : -ENOMEM);
			if (fd >= 0)
				close(fd);
			return w->err;
		}
		/* Level 1: the trace is text with few symbols, level 6 is 3 times
		 * slower for a file 20% smaller. */
		gzbuffer(w->gz, 1 << 17);
	} else {
		w->f = ovp_outfile__stream(w->out);
		if (!w->f)
			return w->err = -ENOMEM;
	}
	puts_(w, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
	return w->err;
}

int et_close(struct et_writer *w)
{
	int err;

	if (!w->out)
		return w->err;
	puts_(w, "\n]}\n");
	drain(w);
	if (w->gz) {
		int e, zret;

		errno = 0;
		zret = gzclose(w->gz);
		e = errno;
		if (zret != Z_OK && !w->err)
			w->err = ovp_outfile__failed(w->out, zret == Z_ERRNO && e ? -e : -EIO);
	}
	w->f = NULL;
	w->gz = NULL;
	if (w->err) {
		ovp_outfile__abort(w->out);
		w->out = NULL;
		/* The message of the first error stays (abort sets none). */
		return w->err;
	}
	err = ovp_outfile__commit(w->out);
	w->out = NULL;
	w->err = err;
	return err;
}

void et_abort(struct et_writer *w)
{
	if (w->gz)
		gzclose(w->gz);
	w->gz = NULL;
	w->f = NULL;
	ovp_outfile__abort(w->out);
	w->out = NULL;
}

const char *et_escape(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; s && *s && n + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Thread names are bytes, not UTF-8: escape what is not ASCII. */
			n += (size_t)snprintf(buf + n, size - n, "\\u%04x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Start an event: the separator and the common keys. */
/* Start an event: the separator and the common keys. */
static void head(struct et_writer *w, char ph, int64_t pid, int64_t tid)
{
	char start[] = ",\n{\"ph\":\"?\",\"pid\":";

	start[9] = ph;
	if (w->first)
		puts_(w, start + 2);
	else
		puts_(w, start);
	w->first = false;
	w->nr_events++;
	put_i64(w, pid);
	puts_(w, ",\"tid\":");
	put_i64(w, tid);
}

/* ,"key":us.nnn (microseconds with the nanoseconds as decimals). */
static void ts_key(struct et_writer *w, const char *key, uint64_t ns)
{
	char frac[5] = { '.', 0, 0, 0, 0 };
	unsigned int r = (unsigned int)(ns % 1000);

	put(w, ",\"", 2);
	puts_(w, key);
	put(w, "\":", 2);
	put_u64(w, ns / 1000);
	frac[1] = (char)('0' + r / 100);
	frac[2] = (char)('0' + r / 10 % 10);
	frac[3] = (char)('0' + r % 10);
	put(w, frac, 4);
}

static void tail(struct et_writer *w, const char *args)
{
	if (args && *args) {
		puts_(w, ",\"args\":{");
		puts_(w, args);
		put(w, "}}", 2);
	} else {
		put(w, "}", 1);
	}
}

static void name_cat(struct et_writer *w, const char *cat, const char *name)
{
	char ebuf[256];

	if (cat) {
		puts_(w, ",\"cat\":\"");
		puts_(w, cat);
		put(w, "\"", 1);
	}
	if (name) {
		puts_(w, ",\"name\":\"");
		puts_(w, et_escape(name, ebuf, sizeof(ebuf)));
		put(w, "\"", 1);
	}
}

static void meta(struct et_writer *w, int64_t pid, int64_t tid, const char *what,
		 const char *key, const char *val)
{
	char ebuf[256];

	head(w, 'M', pid, tid);
	puts_(w, ",\"name\":\"");
	puts_(w, what);
	puts_(w, "\",\"args\":{\"");
	puts_(w, key);
	puts_(w, "\":");
	if (val) {
		put(w, "\"", 1);
		puts_(w, et_escape(val, ebuf, sizeof(ebuf)));
		put(w, "\"", 1);
	}
}

void et_process_name(struct et_writer *w, int64_t pid, const char *name)
{
	meta(w, pid, 0, "process_name", "name", name);
	put(w, "}}", 2);
}

void et_thread_name(struct et_writer *w, int64_t pid, int64_t tid, const char *name)
{
	meta(w, pid, tid, "thread_name", "name", name);
	put(w, "}}", 2);
}

void et_thread_sort(struct et_writer *w, int64_t pid, int64_t tid, int64_t index)
{
	meta(w, pid, tid, "thread_sort_index", "sort_index", NULL);
	put_i64(w, index);
	put(w, "}}", 2);
}

void et_begin(struct et_writer *w, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
	      const char *name, const char *args)
{
	head(w, 'B', pid, tid);
	ts_key(w, "ts", ts);
	name_cat(w, cat, name);
	tail(w, args);
}

void et_end(struct et_writer *w, int64_t pid, int64_t tid, uint64_t ts, const char *args)
{
	head(w, 'E', pid, tid);
	ts_key(w, "ts", ts);
	tail(w, args);
}

void et_complete(struct et_writer *w, int64_t pid, int64_t tid, uint64_t ts, uint64_t dur,
		 const char *cat, const char *name, const char *args)
{
	head(w, 'X', pid, tid);
	ts_key(w, "ts", ts);
	ts_key(w, "dur", dur);
	name_cat(w, cat, name);
	tail(w, args);
}

void et_async(struct et_writer *w, char ph, int64_t pid, uint64_t ts, const char *cat,
	      const char *name, uint64_t id, const char *args)
{
	head(w, ph, pid, pid);
	ts_key(w, "ts", ts);
	name_cat(w, cat, name);
	puts_(w, ",\"id\":\"0x");
	put_hex(w, id);
	put(w, "\"", 1);
	tail(w, args);
}

void et_flow(struct et_writer *w, char ph, int64_t pid, int64_t tid, uint64_t ts,
	     const char *cat, const char *name, uint64_t id)
{
	head(w, ph, pid, tid);
	ts_key(w, "ts", ts);
	name_cat(w, cat, name);
	puts_(w, ",\"id\":\"0x");
	put_hex(w, id);
	puts_(w, ph == 'f' ? "\",\"bp\":\"e\"}" : "\"}");
}

void et_counter(struct et_writer *w, int64_t pid, uint64_t ts, const char *name,
		const char *args)
{
	head(w, 'C', pid, pid);
	ts_key(w, "ts", ts);
	name_cat(w, NULL, name);
	tail(w, args);
}

/*
 * The sink (report/timeline-sink.h): typed arguments formatted here.
 */

static struct et_writer *of(struct ex_sink *s)
{
	return container_of(s, struct et_writer, sink);
}

/* ,"args":{...}} or } */
static void tail_args(struct et_writer *w, const struct ex_arg *a, int n)
{
	char ebuf[256];

	if (!n) {
		put(w, "}", 1);
		return;
	}
	puts_(w, ",\"args\":{");
	for (int i = 0; i < n; i++) {
		if (i)
			put(w, ",", 1);
		put(w, "\"", 1);
		puts_(w, a[i].key);
		put(w, "\":", 2);
		switch (a[i].kind) {
		case EXA_INT:
			put_i64(w, a[i].v.i);
			break;
		case EXA_UINT:
			put_u64(w, a[i].v.u);
			break;
		case EXA_PTR:
			put(w, "\"0x", 3);
			put_hex(w, a[i].v.u);
			put(w, "\"", 1);
			break;
		case EXA_STR:
			put(w, "\"", 1);
			puts_(w, et_escape(a[i].v.s, ebuf, sizeof(ebuf)));
			put(w, "\"", 1);
			break;
		case EXA_BOOL:
			puts_(w, a[i].v.u ? "true" : "false");
			break;
		}
	}
	put(w, "}}", 2);
}

static void sk_process(struct ex_sink *s, int64_t pid, const char *name)
{
	et_process_name(of(s), pid, name);
	s->err = of(s)->err;
}

static void sk_thread(struct ex_sink *s, int64_t pid, int64_t tid, const char *name, int64_t sort)
{
	et_thread_name(of(s), pid, tid, name);
	if (sort >= 0)
		et_thread_sort(of(s), pid, tid, sort);
	s->err = of(s)->err;
}

static void sk_subtrack(struct ex_sink *s, int64_t pid, int64_t tid, int64_t parent_tid,
			const char *name, int64_t sort)
{
	(void)parent_tid;
	sk_thread(s, pid, tid, name, sort);
}

static void sk_begin(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
		     const char *name, const struct ex_arg *args, int nr_args)
{
	struct et_writer *w = of(s);

	head(w, 'B', pid, tid);
	ts_key(w, "ts", ts);
	name_cat(w, cat, name);
	tail_args(w, args, nr_args);
	s->err = w->err;
}

static void sk_end(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts,
		   const struct ex_arg *args, int nr_args)
{
	struct et_writer *w = of(s);

	head(w, 'E', pid, tid);
	ts_key(w, "ts", ts);
	tail_args(w, args, nr_args);
	s->err = w->err;
}

static void sk_complete(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, uint64_t dur,
			const char *cat, const char *name, const struct ex_arg *args, int nr_args)
{
	struct et_writer *w = of(s);

	head(w, 'X', pid, tid);
	ts_key(w, "ts", ts);
	ts_key(w, "dur", dur);
	name_cat(w, cat, name);
	tail_args(w, args, nr_args);
	s->err = w->err;
}

/* 1 ns, not 0: a flow arrow binds to the slice open at its time. */
static void sk_instant(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
		       const char *name, const struct ex_arg *args, int nr_args, uint64_t flow_out,
		       uint64_t flow_in)
{
	(void)flow_out;
	(void)flow_in;
	sk_complete(s, pid, tid, ts, 1, cat, name, args, nr_args);
}

static void sk_flow(struct ex_sink *s, int64_t pid, int64_t tid, uint64_t ts, int64_t pid2,
		    int64_t tid2, uint64_t ts2, uint64_t id)
{
	et_flow(of(s), 's', pid, tid, ts, "upcall", "upcall", id);
	et_flow(of(s), 'f', pid2, tid2, ts2, "upcall", "upcall", id);
	s->err = of(s)->err;
}

static void async_args(struct et_writer *w, char ph, int64_t pid, uint64_t ts, const char *name,
		       uint64_t id, const struct ex_arg *args, int nr_args)
{
	head(w, ph, pid, pid);
	ts_key(w, "ts", ts);
	name_cat(w, "packet", name);
	puts_(w, ",\"id\":\"0x");
	put_hex(w, id);
	put(w, "\"", 1);
	tail_args(w, args, nr_args);
}

static void sk_packet(struct ex_sink *s, int64_t pid, const struct ex_packet *p)
{
	struct et_writer *w = of(s);
	unsigned int nst = p->nr_stages, k;
	char cpus[128];
	size_t n = 0;

	for (k = 0; k < nst; k++)
		n += (size_t)snprintf(cpus + n, n < sizeof(cpus) ? sizeof(cpus) - n : 0, "%s%u",
				      k ? "," : "", p->cpu[k]);
	struct ex_arg b[] = {
		EXA_P("skb", p->skb), EXA_U("gen", p->gen), EXA_S("cpus", cpus),
		EXA_S("device", p->dev ? p->dev : ""),
	};
	async_args(w, 'b', pid, p->t[0], p->span, p->id, b, 4);
	for (k = 0; k < nst; k++) {
		struct ex_arg a[] = { EXA_U("cpu", p->cpu[k]), EXA_U("stage", k) };

		async_args(w, 'n', pid, p->t[k], p->stages[k] ? p->stages[k] : "?", p->id, a, 2);
	}
	struct ex_arg e[2 + 2 * EX_MAX_BLAME] = {
		EXA_U("latency_ns", p->t[nst - 1] - p->t[0]), EXA_B("lost_window", true),
	};
	int ne = p->lost_window ? 2 : 1;

	for (int i = 0; i < p->nr_blame && i < 2 * EX_MAX_BLAME; i++)
		e[ne++] = p->blame[i];
	async_args(w, 'e', pid, p->t[nst - 1], p->span, p->id, e, ne);
	s->err = w->err;
}

static void sk_counter(struct ex_sink *s, int64_t pid, uint64_t ts, const char *name,
		       const char *series, bool indexed, const uint64_t *vals, unsigned int nr)
{
	struct et_writer *w = of(s);

	head(w, 'C', pid, pid);
	ts_key(w, "ts", ts);
	name_cat(w, NULL, name);
	puts_(w, ",\"args\":{");
	for (unsigned int i = 0; i < nr; i++) {
		put(w, i ? ",\"" : "\"", i ? 2 : 1);
		puts_(w, series);
		if (indexed)
			put_u64(w, i);
		put(w, "\":", 2);
		put_u64(w, vals[i]);
	}
	put(w, "}}", 2);
	s->err = w->err;
}

static const struct ex_sink_ops et_sink_ops = {
	.process = sk_process,
	.thread = sk_thread,
	.subtrack = sk_subtrack,
	.begin = sk_begin,
	.end = sk_end,
	.complete = sk_complete,
	.instant = sk_instant,
	.flow = sk_flow,
	.packet = sk_packet,
	.counter = sk_counter,
};
