// SPDX-License-Identifier: Apache-2.0
/*
 * export-trace.c - the streaming Trace Event Format writer of
 * `ovsperf-analyze export --perfetto` (see export-trace.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <zlib.h>

#include "export-trace.h"
#include "ovsperf/err.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static void put(struct et_writer *w, const char *buf, size_t len)
{
	if (w->err || !len)
		return;
	if (w->gz) {
		if (gzwrite(w->gz, buf, (unsigned int)len) != (int)len)
			w->err = ovp_err(-EIO, "gzip write failed");
	} else if (fwrite(buf, 1, len, w->f) != len) {
		w->err = ovp_err(-errno ?: -EIO, "write failed: %s", strerror(errno ?: EIO));
	}
}

static void __attribute__((format(printf, 2, 3))) putf(struct et_writer *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Events are short; longer args are cut by the caller's buffer sizes. */
	put(w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int et_open(struct et_writer *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->first = true;
	if (ends_with(path, ".gz")) {
		w->gz = gzopen(path, "wb6");
		if (!w->gz)
			return ovp_err(-errno ?: -EIO, "%s: %s", path, strerror(errno ?: EIO));
		gzbuffer(w->gz, 1 << 17);
	} else if (!strcmp(path, "-")) {
		w->f = stdout;
	} else {
		w->f = fopen(path, "w");
		if (!w->f)
			return ovp_err(-errno, "%s: %s", path, strerror(errno));
	}
	putf(w, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
	return w->err;
}

int et_close(struct et_writer *w)
{
	int err;

	if (!w->f && !w->gz)
		return w->err;
	putf(w, "\n]}\n");
	if (w->gz) {
		if (gzclose(w->gz) != Z_OK && !w->err)
			w->err = ovp_err(-EIO, "gzip close failed");
	} else if (w->f == stdout) {
		if (fflush(stdout) && !w->err)
			w->err = ovp_err(-EIO, "write failed");
	} else if (fclose(w->f) && !w->err) {
		w->err = ovp_err(-errno, "write failed: %s", strerror(errno));
	}
	w->f = NULL;
	w->gz = NULL;
	err = w->err;
	return err;
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
static void head(struct et_writer *w, char ph, int64_t pid, int64_t tid)
{
	put(w, w->first ? "" : ",\n", w->first ? 0 : 2);
	w->first = false;
	w->nr_events++;
	putf(w, "{\"ph\":\"%c\",\"pid\":%" PRId64 ",\"tid\":%" PRId64, ph, pid, tid);
}

static void ts_key(struct et_writer *w, const char *key, uint64_t ns)
{
	putf(w, ",\"%s\":%" PRIu64 ".%03u", key, ns / 1000, (unsigned int)(ns % 1000));
}

static void tail(struct et_writer *w, const char *args)
{
	if (args && *args)
		putf(w, ",\"args\":{%s}}", args);
	else
		put(w, "}", 1);
}

static void name_cat(struct et_writer *w, const char *cat, const char *name)
{
	char ebuf[256];

	if (cat)
		putf(w, ",\"cat\":\"%s\"", cat);
	if (name)
		putf(w, ",\"name\":\"%s\"", et_escape(name, ebuf, sizeof(ebuf)));
}

void et_process_name(struct et_writer *w, int64_t pid, const char *name)
{
	char ebuf[256];

	head(w, 'M', pid, 0);
	putf(w, ",\"name\":\"process_name\",\"args\":{\"name\":\"%s\"}}",
	     et_escape(name, ebuf, sizeof(ebuf)));
}

void et_thread_name(struct et_writer *w, int64_t pid, int64_t tid, const char *name)
{
	char ebuf[256];

	head(w, 'M', pid, tid);
	putf(w, ",\"name\":\"thread_name\",\"args\":{\"name\":\"%s\"}}",
	     et_escape(name, ebuf, sizeof(ebuf)));
}

void et_thread_sort(struct et_writer *w, int64_t pid, int64_t tid, int64_t index)
{
	head(w, 'M', pid, tid);
	putf(w, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%" PRId64 "}}", index);
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
	putf(w, ",\"id\":\"0x%" PRIx64 "\"", id);
	tail(w, args);
}

void et_flow(struct et_writer *w, char ph, int64_t pid, int64_t tid, uint64_t ts,
	     const char *cat, const char *name, uint64_t id)
{
	head(w, ph, pid, tid);
	ts_key(w, "ts", ts);
	name_cat(w, cat, name);
	putf(w, ",\"id\":\"0x%" PRIx64 "\"%s}", id, ph == 'f' ? ",\"bp\":\"e\"" : "");
}

void et_counter(struct et_writer *w, int64_t pid, uint64_t ts, const char *name,
		const char *args)
{
	head(w, 'C', pid, pid);
	ts_key(w, "ts", ts);
	name_cat(w, NULL, name);
	tail(w, args);
}
