// SPDX-License-Identifier: Apache-2.0
/*
 * test-reader.c - the perf.data reader (lib/pdata-*.c) on synthetic files
 * written with lib/pdata-writer.c: sample decoding, evsel lookup by id,
 * FINISHED_ROUND semantics (perf's rule: at each round marker, deliver what
 * is older than or equal to the previous round's largest timestamp), ties,
 * late records, LOST records (every decoded field), file-order mode, the
 * queue cap, a file truncated inside a record, and a stream whose header
 * records hold one of an unknown type.
 *
 * To see *when* records are delivered, not only in which order, the file
 * carries "markers" after each FINISHED_ROUND: bare THROTTLE records (8
 * bytes, no sample_id_all trailer, so no timestamp) that the reader hands
 * over at once, as perf does with records it cannot time.
 *
 * Usage: test-reader DIR (scratch directory for the files).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/check.h"
#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"
#include "ovsperf/pdata.h"

#define SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
		     PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD)

static const uint64_t ids_dense_a[] = { 100, 101 }, ids_dense_b[] = { 200 };
/* Ids far apart (and 0): the reader's hashed lookup instead of its direct
 * table (which takes ids spanning fewer than 4096 values). */
static const uint64_t ids_sparse_a[] = { 0, 1ULL << 40 }, ids_sparse_b[] = { UINT64_MAX - 1 };
static const uint64_t *ids_a = ids_dense_a, *ids_b = ids_dense_b;

/* A sample: header, then the PERF_SAMPLE_* fields in the kernel's order. */
struct rec_sample {
	struct perf_event_header h;
	uint64_t id;		/* IDENTIFIER */
	uint64_t ip;		/* IP */
	uint32_t pid, tid;	/* TID */
	uint64_t time;		/* TIME */
	uint32_t cpu, res;	/* CPU */
	uint64_t period;	/* PERIOD */
};

/* A LOST record with its sample_id_all trailer (TID, TIME, CPU, IDENTIFIER). */
struct rec_lost {
	struct perf_event_header h;
	uint64_t id, lost;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
	uint64_t identifier;
};

/* What the tool saw, in delivery order: 'S' + ip, 'M' marker, 'L' lost. */
struct log_tool {
	struct pdata_tool tool;
	char kind[64];
	uint64_t ip[64];
	uint64_t file_offset[64];
	int n;
	bool fields_ok;
	bool ready_seen;
};

#define container_of(p, type, m) ((type *)((char *)(p) - offsetof(type, m)))

/* Event names come from EVENT_DESC, a header feature: a file cut inside its
 * data has none, and its events are named after their attributes. */
static const char *name_a = "test:a", *name_b = "test:b";

static int log_ready(struct pdata_tool *t, struct pdata_session *s)
{
	container_of(t, struct log_tool, tool)->ready_seen = true;
	return 0;
}

static int log_sample(struct pdata_tool *t, const struct pdata_sample *s)
{
	struct log_tool *lt = container_of(t, struct log_tool, tool);
	uint64_t ip = s->ip;

	/* Every field as written by sample() below. */
	if (s->pid != 100 + ip || s->tid != 200 + ip || s->cpu != ip % 2 ||
	    s->period != 1000 + ip || !s->evsel ||
	    strcmp(s->evsel->name, (ip % 2) ? name_a : name_b) ||
	    s->id != ((ip % 2) ? ids_a[ip % 4 == 1] : ids_b[0])) {
		fprintf(stderr, "sample ip %" PRIu64 ": bad fields (pid %u tid %u cpu %u period %"
			PRIu64 " id %" PRIu64 " evsel %s)\n", ip, s->pid, s->tid, s->cpu, s->period,
			s->id, s->evsel ? s->evsel->name : "-");
		lt->fields_ok = false;
	}
	if (lt->n < 64) {
		lt->kind[lt->n] = 'S';
		lt->file_offset[lt->n] = s->file_offset;
		lt->ip[lt->n++] = ip;
	}
	return 0;
}

static int log_other(struct pdata_tool *t, const union perf_event *e,
		     const struct pdata_sample *s)
{
	struct log_tool *lt = container_of(t, struct log_tool, tool);

	if (e->header.type == PERF_RECORD_THROTTLE && lt->n < 64) {
		lt->kind[lt->n] = 'M';
		lt->ip[lt->n++] = 0;
	}
	return 0;
}

static int log_lost(struct pdata_tool *t, const struct pdata_lost *l)
{
	struct log_tool *lt = container_of(t, struct log_tool, tool);

	/* The decoded record: the count, the id, the event, the trailer. */
	if (l->type != PERF_RECORD_LOST || l->id != ids_b[0] || !l->evsel ||
	    strcmp(l->evsel->name, name_b) || l->time != l->nr + 19 || l->cpu != 1 ||
	    l->pid != 1 || l->tid != 1 || !l->event || l->file_offset == 0) {
		fprintf(stderr, "lost %" PRIu64 ": bad fields\n", l->nr);
		lt->fields_ok = false;
	}
	if (lt->n < 64) {
		lt->kind[lt->n] = 'L';
		lt->ip[lt->n++] = l->nr;
	}
	return 0;
}

/* The delivery log as text: "M 2 3 4 5 L7 1 M ...". */
static const char *log_text(const struct log_tool *lt, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < lt->n && len < size; i++) {
		if (lt->kind[i] == 'S')
			len += snprintf(buf + len, size - len, "%s%" PRIu64, i ? " " : "", lt->ip[i]);
		else if (lt->kind[i] == 'L')
			len += snprintf(buf + len, size - len, "%sL%" PRIu64, i ? " " : "", lt->ip[i]);
		else
			len += snprintf(buf + len, size - len, "%sM", i ? " " : "");
	}
	return buf;
}

/* Odd ips belong to test:a (ids 100/101), even ones to test:b (id 200). */
static int sample(struct pdata_writer *w, uint64_t ip, uint64_t time)
{
	struct rec_sample r = {
		.h = { .type = PERF_RECORD_SAMPLE, .misc = PERF_RECORD_MISC_KERNEL,
		       .size = sizeof(r) },
		.id = (ip % 2) ? ids_a[ip % 4 == 1] : ids_b[0],
		.ip = ip,
		.pid = (uint32_t)(100 + ip),
		.tid = (uint32_t)(200 + ip),
		.time = time,
		.cpu = (uint32_t)(ip % 2),
		.period = 1000 + ip,
	};

	return pdata_writer__write(w, &r, sizeof(r));
}

static int marker(struct pdata_writer *w)
{
	struct perf_event_header h = { .type = PERF_RECORD_THROTTLE, .size = sizeof(h) };

	return pdata_writer__write(w, &h, sizeof(h));
}

static int lost(struct pdata_writer *w, uint64_t n, uint64_t time)
{
	struct rec_lost r = {
		.h = { .type = PERF_RECORD_LOST, .size = sizeof(r) },
		.id = ids_b[0], .lost = n, .pid = 1, .tid = 1, .time = time, .cpu = 1,
		.identifier = ids_b[0],
	};

	return pdata_writer__write(w, &r, sizeof(r));
}

/*
 * The test file:
 *	round 1: ip 1 @30, ip 2 @10, ip 3 @20, ip 4 @20	(3 and 4 tie)
 *	FINISHED_ROUND, marker
 *	round 2: ip 5 @25, LOST 7 @26, ip 6 @40, ip 7 @35
 *	FINISHED_ROUND, marker
 *	round 3: ip 8 @38, ip 9 @15 (older than what was delivered), ip 10 @50
 */
static int write_file(const char *path)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(a), .config = PERF_COUNT_SW_DUMMY,
		.sample_period = 1, .sample_type = SAMPLE_TYPE, .sample_id_all = 1,
	};
	struct perf_event_attr b = a;
	struct pdata_writer *w;
	int err;

	b.config = PERF_COUNT_SW_CPU_CLOCK;
	err = pdata_writer__open(&w, path);
	if (err)
		return err;
	err = pdata_writer__add_attr(w, &a, ids_a, 2, "test:a") ?:
	      pdata_writer__add_attr(w, &b, ids_b, 1, "test:b") ?:
	      sample(w, 1, 30) ?: sample(w, 2, 10) ?: sample(w, 3, 20) ?: sample(w, 4, 20) ?:
	      pdata_writer__finished_round(w) ?: marker(w) ?:
	      sample(w, 5, 25) ?: lost(w, 7, 26) ?: sample(w, 6, 40) ?: sample(w, 7, 35) ?:
	      pdata_writer__finished_round(w) ?: marker(w) ?:
	      sample(w, 8, 38) ?: sample(w, 9, 15) ?: sample(w, 10, 50);
	return pdata_writer__close(w, err);
}

static int run(const char *path, const struct pdata_open_opts *opts, struct log_tool *lt,
	       struct pdata_session **out)
{
	struct pdata_session *s;
	int err;

	memset(lt, 0, sizeof(*lt));
	lt->fields_ok = true;
	pdata_tool__init(&lt->tool);
	lt->tool.ready = log_ready;
	lt->tool.sample = log_sample;
	lt->tool.other = log_other;
	lt->tool.lost = log_lost;
	err = pdata_session__open(&s, path, opts);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, ovp_errmsg());
		return err;
	}
	err = pdata_session__process(s, &lt->tool);
	if (out)
		*out = s;
	else
		pdata_session__close(s);
	return err;
}

static void test_rounds(const char *path)
{
	struct pdata_session *s = NULL;
	struct log_tool lt;
	const struct pdata_stats *st;
	char buf[256];

	CHECK(run(path, NULL, &lt, &s) == 0);
	if (!s)
		return;
	CHECK(lt.ready_seen);
	CHECK(lt.fields_ok);
	/* Round 1 is held back at the first marker (the previous round's max is
	 * 0); at the second, everything <= 30 (round 1's max) goes, the lost
	 * record in its time place; the rest, the late ip 9 first, at the end. */
	CHECK_STR(log_text(&lt, buf, sizeof(buf)), "M 2 3 4 5 L7 1 M 9 7 8 6 10");
	st = pdata_session__stats(s);
	CHECK_U64(st->nr_samples, 10);
	CHECK_U64(st->nr_lost, 7);
	CHECK_U64(st->nr_lost_records, 1);
	CHECK_U64(st->nr_out_of_order, 1);
	CHECK_U64(st->nr_records[PDATA_RECORD_FINISHED_ROUND], 2);
	CHECK_U64(st->nr_throttle, 2);
	CHECK_U64(st->first_time, 10);
	CHECK_U64(st->last_time, 50);
	CHECK(!st->truncated);
	CHECK_U64(pdata_session__nr_evsels(s), 2);
	CHECK(pdata_session__find_evsel(s, "test:a") == pdata_session__evsel(s, 0));
	CHECK(pdata_session__find_evsel(s, "b") == pdata_session__evsel(s, 1));
	CHECK_U64(pdata_session__evsel(s, 0)->nr_samples, 5);
	CHECK_U64(pdata_session__evsel(s, 1)->nr_samples, 5);
	CHECK_U64(pdata_session__evsel(s, 1)->nr_lost, 7);
	pdata_session__close(s);
}

/* The same file with ids far apart: same delivery, same evsels. */
static void test_sparse_ids(const char *dir)
{
	struct log_tool lt;
	char path[4096], buf[256];

	snprintf(path, sizeof(path), "%s/sparse-ids.data", dir);
	ids_a = ids_sparse_a;
	ids_b = ids_sparse_b;
	CHECK(write_file(path) == 0);
	CHECK(run(path, NULL, &lt, NULL) == 0);
	CHECK(lt.fields_ok);
	CHECK_STR(log_text(&lt, buf, sizeof(buf)), "M 2 3 4 5 L7 1 M 9 7 8 6 10");
	ids_a = ids_dense_a;
	ids_b = ids_dense_b;
}

static void test_file_order(const char *path)
{
	struct pdata_open_opts o = { .sz = sizeof(o), .no_ordering = true };
	struct log_tool lt;
	char buf[256];

	CHECK(run(path, &o, &lt, NULL) == 0);
	CHECK(lt.fields_ok);
	CHECK_STR(log_text(&lt, buf, sizeof(buf)), "1 2 3 4 M 5 L7 6 7 M 8 9 10");
}

/* A queue cap below a round's size: flushed early (oldest half), nothing lost. */
static void test_queue_cap(const char *path)
{
	struct pdata_open_opts o = { .sz = sizeof(o), .queue_max_entries = 2 };
	struct pdata_session *s = NULL;
	struct log_tool lt;
	int i, n = 0;

	ovp_set_quiet(true);
	CHECK(run(path, &o, &lt, &s) == 0);
	ovp_set_quiet(false);
	if (!s)
		return;
	for (i = 0; i < lt.n; i++)
		n += lt.kind[i] == 'S';
	CHECK_U64(n, 10);
	CHECK(pdata_session__stats(s)->nr_forced_flushes > 0);
	pdata_session__close(s);
}

/* Cut inside ip 9's record: everything before it is delivered, in order. */
static void test_truncated(const char *path, const char *dir)
{
	struct pdata_session *s = NULL;
	struct log_tool full, lt;
	char cut[4096], buf[256];
	uint64_t off9 = 0;
	FILE *in, *out;
	int i, c;

	CHECK(run(path, NULL, &full, NULL) == 0);
	for (i = 0; i < full.n; i++)
		if (full.kind[i] == 'S' && full.ip[i] == 9)
			off9 = full.file_offset[i];
	CHECK(off9 > 0);
	snprintf(cut, sizeof(cut), "%s/truncated.data", dir);
	in = fopen(path, "rb");
	out = fopen(cut, "wb");
	CHECK(in && out);
	if (!in || !out)
		return;
	for (i = 0; (uint64_t)i < off9 + 12 && (c = fgetc(in)) != EOF; i++)
		fputc(c, out);
	fclose(in);
	fclose(out);
	ovp_set_quiet(true);
	name_a = "dummy";
	name_b = "cpu-clock";
	CHECK(run(cut, NULL, &lt, &s) == 0);
	name_a = "test:a";
	name_b = "test:b";
	ovp_set_quiet(false);
	if (!s)
		return;
	CHECK(lt.fields_ok);
	CHECK_STR(log_text(&lt, buf, sizeof(buf)), "M 2 3 4 5 L7 1 M 7 8 6");
	CHECK(pdata_session__stats(s)->truncated);
	CHECK_U64(pdata_session__stats(s)->nr_samples, 8);
	pdata_session__close(s);
}

/*
 * A stream whose header records hold one of a type this version does not
 * know (a newer perf's), before the attributes: pdata_session__read_header()
 * skips it (counted) and still reads the attributes after it.
 */
static void test_unknown_in_header(const char *dir)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(a), .config = PERF_COUNT_SW_DUMMY,
		.sample_period = 1, .sample_type = SAMPLE_TYPE, .sample_id_all = 1,
	};
	struct { struct perf_event_header h; uint64_t x; } u = { .h = { .type = 99, .size = 16 } };
	struct pdata_writer *w = NULL;
	struct pdata_session *s = NULL;
	char path[4096], *buf = NULL;
	size_t n = 0;
	FILE *f;
	int fd, err;

	snprintf(path, sizeof(path), "%s/unknown-in-header.pipe.data", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	err = pdata_writer__open_pipe(&w, fd);
	err = err ?: pdata_writer__add_attr(w, &a, ids_a, 2, "test:a");
	err = err ?: sample(w, 1, 10) ?: sample(w, 3, 20);
	CHECK(pdata_writer__close(w, err) == 0);
	close(fd);
	/* The unknown record right after the 16-byte stream header. */
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	buf = malloc(1 << 16);
	if (buf)
		n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	f = fopen(path, "wb");
	CHECK(buf && n > 16 && f);
	if (!buf || n <= 16 || !f) {
		free(buf);
		if (f)
			fclose(f);
		return;
	}
	CHECK(fwrite(buf, 1, 16, f) == 16 && fwrite(&u, 1, sizeof(u), f) == sizeof(u) &&
	      fwrite(buf + 16, 1, n - 16, f) == n - 16);
	CHECK(fclose(f) == 0);
	free(buf);

	CHECK(pdata_session__open(&s, path, NULL) == 0);
	if (!s)
		return;
	CHECK(pdata_session__read_header(s) == 0);
	CHECK_U64(pdata_session__nr_evsels(s), 1);
	CHECK(pdata_session__find_evsel(s, "test:a") != NULL);
	CHECK_U64(pdata_session__stats(s)->nr_unknown, 1);
	pdata_session__close(s);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[4096];
	int err;

	ovp_set_progname("test-reader");
	snprintf(path, sizeof(path), "%s/rounds.data", dir);
	err = write_file(path);
	if (err) {
		fprintf(stderr, "cannot write %s: %s\n", path, ovp_errmsg());
		return 1;
	}
	test_rounds(path);
	test_file_order(path);
	test_queue_cap(path);
	test_truncated(path, dir);
	test_sparse_ids(dir);
	test_unknown_in_header(dir);
	CHECK_DONE();
}
