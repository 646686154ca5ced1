/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/trace-json.h - a streaming writer of the Trace Event Format (the JSON
 * object form, {"traceEvents": [...]}) that ui.perfetto.dev and
 * chrome://tracing open.  Events are formatted and written one at a time
 * (plain file, or gzip through zlib when the name ends in ".gz"); nothing
 * is buffered beyond the stdio/zlib buffer.
 *
 *	et_open(&w, "out.json.gz");
 *	et_thread_name(&w, pid, tid, "handler1");
 *	et_begin(&w, pid, tid, ts, "syscall", "read", NULL);
 *	et_end(&w, pid, tid, ts2, "\"ret\":1");
 *	err = et_close(&w);		// the first write error, if any
 *
 * Timestamps are nanoseconds; the file holds microseconds with three
 * decimals ("ts":1234.567), which both viewers read exactly.  Args are given
 * as the inside of a JSON object ("\"nr\":0,\"ret\":1"), already escaped
 * (et_escape() helps), or NULL.
 */
#ifndef OVSPERF_EXPORT_TRACE_H
#define OVSPERF_EXPORT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/timeline-sink.h"

struct ovp_outfile;

struct et_writer {
	struct ex_sink sink;		/* the writer as the timeline pass sees it */
	struct ovp_outfile *out;	/* the file (outfile.h), or NULL */
	FILE *f;			/* plain output, or NULL */
	void *gz;			/* gzFile when writing .gz, or NULL */
	bool first;			/* no event written yet (no comma) */
	int err;			/* sticky: first write error (negative errno) */
	uint64_t nr_events;		/* events written */
	size_t len;			/* bytes in buf */
	char buf[1 << 16];		/* output buffer (formatting without stdio) */
};

/**
 * et_open() - start writing @path ("-" = stdout) through a temporary that
 * replaces it on et_close() (outfile.h), and write the document's head.
 * Return: 0 or negative errno (message set); et_abort() then frees it.
 */
int et_open(struct et_writer *w, const char *path);

/* The sink view of @w (report/timeline-sink.h); valid after et_open(). */
static inline struct ex_sink *et_sink(struct et_writer *w)
{
	return &w->sink;
}

/**
 * et_close() - write the tail, close the file and put it in place.  Safe on
 * a writer that failed to open.
 * Return: 0, or the first write error (message set); the target is then
 * untouched.
 */
int et_close(struct et_writer *w);

/* Drop what was written (the target is untouched); safe to call twice. */
void et_abort(struct et_writer *w);

/* Copy @s into @buf as the inside of a JSON string (always terminated). */
const char *et_escape(const char *s, char *buf, size_t size);

/* Metadata: process / thread names and sort order. */
void et_process_name(struct et_writer *w, int64_t pid, const char *name);
void et_thread_name(struct et_writer *w, int64_t pid, int64_t tid, const char *name);
void et_thread_sort(struct et_writer *w, int64_t pid, int64_t tid, int64_t index);

/* Duration events on a thread track ("B" / "E"); they must nest. */
void et_begin(struct et_writer *w, int64_t pid, int64_t tid, uint64_t ts, const char *cat,
	      const char *name, const char *args);
void et_end(struct et_writer *w, int64_t pid, int64_t tid, uint64_t ts, const char *args);

/* A complete slice ("X"). */
void et_complete(struct et_writer *w, int64_t pid, int64_t tid, uint64_t ts, uint64_t dur,
		 const char *cat, const char *name, const char *args);

/* Async slices ("b", "n", "e") of id @id (written as a hex string). */
void et_async(struct et_writer *w, char ph, int64_t pid, uint64_t ts, const char *cat,
	      const char *name, uint64_t id, const char *args);

/* Flow events ("s" start, "f" finish, bound to the enclosing slice). */
void et_flow(struct et_writer *w, char ph, int64_t pid, int64_t tid, uint64_t ts,
	     const char *cat, const char *name, uint64_t id);

/* A counter sample ("C"): @args holds one "series":value per series. */
void et_counter(struct et_writer *w, int64_t pid, uint64_t ts, const char *name,
		const char *args);

#endif /* OVSPERF_EXPORT_TRACE_H */
