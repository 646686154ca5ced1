// SPDX-License-Identifier: Apache-2.0
/*
 * test-pdata-writer.c - unit test of the perf.data writer: writes a file with
 * synthetic tracepoint samples of two events on two CPUs (out of order inside
 * each round, as drained from per-CPU ring buffers), COMM records and the
 * header features, then checks the bytes of the header, that ovsperf's reader
 * (pdata_session) gets every sample back in time order with its event, CPU,
 * thread name and kallsyms, and that `perf script` reads the file and prints
 * exactly the expected lines, in time order.  The same recording is also
 * written as a pipe-mode stream (pdata_writer__open_pipe(), features and
 * tracing data set before the first record, CLOCK_DATA among them), which
 * the reader and `perf script -i -` must read to the same samples, with
 * the wall clock.  And as `ovsperf-probe record` writes it: in place over a
 * file that was there (pdata_writer__open_in_place(): the earlier file
 * becomes NAME.old), the formats as the data's first record
 * (pdata_writer__tracing_in_data()); a copy of the file taken after a flush
 * in the middle (what SIGKILL leaves) reads to that flush with its event
 * names, one warning and the truncated flag; the finished file reads as the
 * others, in the reader and in perf script; a close with an error puts the
 * earlier file back.
 *
 * Usage: test-pdata-writer DIR   (DIR receives the file).  Exit 77 when perf is
 * not installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata.h"
#include "ovsperf/pdata-writer.h"

#include "../lib/tracing-headers.h"

static int failures;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                                  \
			failures++;                                                     \
		}                                                                       \
	} while (0)

#define CHECK_OK(expr)                                                                  \
	do {                                                                            \
		int err__ = (expr);                                                     \
		if (err__) {                                                            \
			fprintf(stderr, "%s:%d: %s = %d (%s)\n", __FILE__, __LINE__, #expr, \
				err__, ovp_errmsg());                                    \
			exit(1);                                                        \
		}                                                                       \
	} while (0)

/* Literal copies of a kernel's events/header_page and header_event. */
static const char header_page[] = TEST_HEADER_PAGE;
static const char header_event[] = TEST_HEADER_EVENT;

#define COMMON_FIELDS TEST_COMMON_FIELDS

#define TICK_ID 9001
#define TOCK_ID 9002

static const char tick_format[] =
	"name: tick\nID: 9001\nformat:\n" COMMON_FIELDS
	"\tfield:u64 seq;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int value;\toffset:16;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"seq=%llu value=%d\", REC->seq, REC->value\n";
static const char tock_format[] =
	"name: tock\nID: 9002\nformat:\n" COMMON_FIELDS
	"\tfield:pid_t target;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:char name[16];\toffset:12;\tsize:16;\tsigned:0;\n\n"
	"print fmt: \"target=%d name=%s\", REC->target, REC->name\n";

/* Tracepoint payloads as the kernel lays them out (see the formats). */
struct tick_raw {
	uint16_t common_type;
	uint8_t common_flags;
	uint8_t common_preempt_count;
	int32_t common_pid;
	uint64_t seq;
	int32_t value;
} __attribute__((packed));

struct tock_raw {
	uint16_t common_type;
	uint8_t common_flags;
	uint8_t common_preempt_count;
	int32_t common_pid;
	int32_t target;
	char name[16];
} __attribute__((packed));

/* PERF_RECORD_SAMPLE for IDENTIFIER|IP|TID|TIME|CPU|PERIOD|RAW. */
struct sample_rec {
	struct perf_event_header header;
	uint64_t id;		/* IDENTIFIER */
	uint64_t ip;		/* IP */
	uint32_t pid, tid;	/* TID */
	uint64_t time;		/* TIME */
	uint32_t cpu, res;	/* CPU */
	uint64_t period;	/* PERIOD */
	uint32_t raw_size;	/* RAW: size, then data padded so the record is 8-aligned */
	char raw[60];
} __attribute__((packed));

/* PERF_RECORD_COMM with the sample_id_all trailer (TID, TIME, CPU, IDENTIFIER). */
struct comm_rec {
	struct perf_event_header header;
	uint32_t pid, tid;
	char comm[16];
	uint32_t s_pid, s_tid;	/* trailer: TID */
	uint64_t s_time;	/* TIME */
	uint32_t s_cpu, s_res;	/* CPU */
	uint64_t s_id;		/* IDENTIFIER */
};

#define SAMPLE_TYPE                                                                     \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |  \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)

#define NR_SAMPLES 400
#define PER_ROUND 50

/* Event i: which event, cpu, tid and time; times grow with i. */
static int ev_is_tock(int i) { return i % 3 == 2; }
static int ev_cpu(int i) { return i % 2; }
static int ev_tid(int i) { return 1000 + ev_cpu(i); }
static uint64_t ev_time(int i) { return 5000000000ULL + i * 1234ULL; }

static size_t make_sample(struct sample_rec *r, int i)
{
	size_t raw_size, size;

	memset(r, 0, sizeof(*r));
	r->ip = 0;
	r->pid = r->tid = ev_tid(i);
	r->time = ev_time(i);
	r->cpu = ev_cpu(i);
	r->period = 1;
	if (ev_is_tock(i)) {
		struct tock_raw t = { .common_type = TOCK_ID, .common_pid = r->tid,
				      .target = i };

		snprintf(t.name, sizeof(t.name), "n%d", i);
		memcpy(r->raw, &t, sizeof(t));
		raw_size = sizeof(t);
		r->id = 200 + ev_cpu(i);
	} else {
		struct tick_raw t = { .common_type = TICK_ID, .common_pid = r->tid,
				      .seq = i, .value = -i };

		memcpy(r->raw, &t, sizeof(t));
		raw_size = sizeof(t);
		r->id = 100 + ev_cpu(i);
	}
	/* The kernel pads raw data so that u32 size + data is 8-aligned. */
	raw_size = (raw_size + 4 + 7) / 8 * 8 - 4;
	r->raw_size = raw_size;
	size = offsetof(struct sample_rec, raw) + raw_size;
	r->header.type = PERF_RECORD_SAMPLE;
	r->header.size = size;
	return size;
}

static void expected_line(char *buf, size_t size, int i)
{
	char comm[16];
	uint64_t t = ev_time(i);

	snprintf(comm, sizeof(comm), "worker-%d", ev_cpu(i));
	if (ev_is_tock(i))
		snprintf(buf, size, "%s %d [%03d] %" PRIu64 ".%09" PRIu64
			 ": ovsperf_test:tock: target=%d name=n%d", comm, ev_tid(i), ev_cpu(i),
			 t / 1000000000, t % 1000000000, i, i);
	else
		snprintf(buf, size, "%s %d [%03d] %" PRIu64 ".%09" PRIu64
			 ": ovsperf_test:tick: seq=%d value=%d", comm, ev_tid(i), ev_cpu(i),
			 t / 1000000000, t % 1000000000, i, -i);
}

/* Collapse runs of blanks into one space, strip the ends. */
static void squeeze(char *s)
{
	char *d = s, *p = s;
	int space = 1;

	for (; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			if (!space)
				*d++ = ' ';
			space = 1;
		} else {
			*d++ = *p;
			space = 0;
		}
	}
	if (d > s && d[-1] == ' ')
		d--;
	*d = '\0';
}

static void set_features(struct pdata_writer *w, char **argv)
{
	static const char fake_kallsyms[] = "ffffffff81000000 T _text\nffffffff81000100 T x\n";
	struct pdata_tracing *t;

	CHECK_OK(pdata_tracing__new(&t, header_page, header_event));
	CHECK_OK(pdata_tracing__add_format(t, "ovsperf_test", tick_format));
	CHECK_OK(pdata_tracing__add_format(t, "ovsperf_test", tock_format));
	CHECK_OK(pdata_tracing__set_text(t, 0, fake_kallsyms, strlen(fake_kallsyms)));
	CHECK_OK(pdata_tracing__set_text(t, 2, "1000 worker-0\n", 14));
	CHECK_OK(pdata_writer__set_tracing(w, t));
	pdata_tracing__delete(t);
	CHECK_OK(pdata_writer__set_host_features(w));
	CHECK_OK(pdata_writer__set_cmdline(w, 4, argv));
}

/* CLOCK_DATA: wall clock 2026-01-02 03:04:05 UTC at clock time 5 s. */
#define PIPE_TOD_NS 1767323045000000000ULL
static void set_clock_data(struct pdata_writer *w)
{
	uint8_t d[24];
	uint32_t version = 1, clockid = 1;
	uint64_t tod = PIPE_TOD_NS, clk = 5000000000ULL, res = 1;

	memcpy(d, &version, 4);
	memcpy(d + 4, &clockid, 4);
	memcpy(d + 8, &tod, 8);
	memcpy(d + 16, &clk, 8);
	CHECK_OK(pdata_writer__set_feature(w, PDATA_FEAT_CLOCKID, &res, 8));
	CHECK_OK(pdata_writer__set_feature(w, PDATA_FEAT_CLOCK_DATA, d, sizeof(d)));
}

enum write_mode { MODE_FILE, MODE_PIPE, MODE_IN_PLACE };

/* MODE_IN_PLACE: the copy taken after this round, and its samples. */
#define KILL_ROUND 2
#define KILLED_SAMPLES ((KILL_ROUND + 1) * PER_ROUND)

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	CHECK(in >= 0 && out >= 0);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(out, buf, n) == n);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

static void write_file(const char *path, uint64_t *data_size, enum write_mode mode)
{
	bool pipe_mode = mode == MODE_PIPE, early = mode != MODE_FILE;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		.sample_type = SAMPLE_TYPE,
		.read_format = PERF_FORMAT_ID,
		.sample_id_all = 1,
	};
	uint64_t tick_ids[] = { 100, 101 }, tock_ids[] = { 200, 201 };
	char *argv[] = { "test-pdata-writer", "record", "-e", "ovsperf_test:tick" };
	struct pdata_writer *w;
	struct sample_rec s;
	uint64_t size = 0;
	int i, round, fd = -1;

	if (pipe_mode) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CHECK(fd >= 0);
		CHECK_OK(pdata_writer__open_pipe(&w, fd));
	} else if (mode == MODE_IN_PLACE) {
		CHECK_OK(pdata_writer__open_in_place(&w, path));
		CHECK_OK(pdata_writer__tracing_in_data(w));
	} else {
		CHECK_OK(pdata_writer__open(&w, path));
	}
	pdata_writer__set_size_out(w, &size);
	attr.config = TICK_ID;
	CHECK_OK(pdata_writer__add_attr(w, &attr, tick_ids, 2, "ovsperf_test:tick"));
	attr.config = TOCK_ID;
	CHECK_OK(pdata_writer__add_attr(w, &attr, tock_ids, 2, "ovsperf_test:tock"));
	/* A stream needs the formats before the first sample; so does a file
	 * that has them as its first record. */
	if (early) {
		set_features(w, argv);
		set_clock_data(w);
	}

	/* One COMM per thread, time 0 and id 0 like perf's synthesized ones. */
	for (i = 0; i < 2; i++) {
		struct comm_rec c = {
			.header = { .type = PERF_RECORD_COMM, .size = sizeof(c) },
			.pid = 1000 + i, .tid = 1000 + i,
		};

		snprintf(c.comm, sizeof(c.comm), "worker-%d", i);
		CHECK_OK(pdata_writer__write(w, &c, sizeof(c)));
	}
	CHECK_OK(pdata_writer__finished_round(w));

	/* Attributes are frozen once records are written. */
	CHECK(pdata_writer__add_attr(w, &attr, tock_ids, 2, "late") == -EBUSY);
	/* Malformed records are refused and not written. */
	memset(&s, 0, sizeof(s));
	s.header.size = 12;
	CHECK(pdata_writer__write(w, &s, 16) == -EINVAL);
	s.header.size = 64;
	CHECK(pdata_writer__write(w, &s, 16) == -EINVAL);

	/* Each round: CPU 0's events, then CPU 1's, as one drain pass does. */
	for (round = 0; round < NR_SAMPLES / PER_ROUND; round++) {
		int cpu;

		for (cpu = 0; cpu < 2; cpu++) {
			for (i = round * PER_ROUND; i < (round + 1) * PER_ROUND; i++) {
				if (ev_cpu(i) != cpu)
					continue;
				CHECK_OK(pdata_writer__write(w, &s, make_sample(&s, i)));
			}
		}
		CHECK_OK(pdata_writer__finished_round(w));
		if (mode == MODE_IN_PLACE && round == KILL_ROUND) {
			char killed[4200];

			/* What a SIGKILL now would leave: the file on disk. */
			CHECK_OK(pdata_writer__flush(w));
			snprintf(killed, sizeof(killed), "%s.killed", path);
			copy_file(path, killed);
		}
	}
	*data_size = pdata_writer__data_size(w);

	if (!early)
		set_features(w, argv);
	CHECK_OK(pdata_writer__close(w, 0));
	/* The size reported is the file's. */
	{
		struct stat st;

		CHECK(stat(path, &st) == 0 && (uint64_t)st.st_size == size);
	}
	if (fd >= 0)
		close(fd);
}

/* Check the header bytes: magic, sizes, sections, feature bits, and the
 * feature section table right after the data. */
static void check_header(const char *path, uint64_t data_size)
{
	uint64_t h[13], attr_size, table, off, sec[2], kb = 0, mem_kb = 0;
	char line[256];
	FILE *f = fopen(path, "rb"), *m;
	long end;
	int feat, nr = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fread(h, sizeof(h), 1, f) == 1);
	fseek(f, 0, SEEK_END);
	end = ftell(f);
	CHECK(!memcmp(&h[0], "PERFILE2", 8));
	CHECK(h[1] == 104);
	attr_size = h[2];
	CHECK(attr_size == sizeof(struct perf_event_attr) + 16);
	CHECK(h[3] == 104);			/* attrs follow the header */
	CHECK(h[4] == 2 * attr_size);		/* two attributes */
	/* data after the attrs and their 2 x 2 ids */
	CHECK(h[5] == 104 + 2 * attr_size + 4 * 8);
	CHECK(h[6] == data_size);
	/* 2 COMM (48 bytes each) + FINISHED_ROUNDs + samples. */
	CHECK(data_size > 2 * sizeof(struct comm_rec) + NR_SAMPLES * 64);
	CHECK(h[7] == 0 && h[8] == 0);		/* event_types unused */
	for (feat = 0; feat < 64; feat++) {
		int must = feat == PDATA_FEAT_TRACING_DATA || feat == PDATA_FEAT_HOSTNAME ||
			   feat == PDATA_FEAT_OSRELEASE || feat == PDATA_FEAT_VERSION ||
			   feat == PDATA_FEAT_ARCH || feat == PDATA_FEAT_NRCPUS ||
			   feat == PDATA_FEAT_CMDLINE || feat == PDATA_FEAT_EVENT_DESC ||
			   feat == PDATA_FEAT_TOTAL_MEM;
		/* present when /proc/cpuinfo has the lines (x86 has them) */
		int may = feat == PDATA_FEAT_CPUDESC || feat == PDATA_FEAT_CPUID;
		int set = !!(h[9] & (1ULL << feat));

		CHECK(set == must || may);
		nr += set;
	}
	CHECK(h[10] == 0 && h[11] == 0 && h[12] == 0);

	/* The table: one section per set bit, payloads back to back up to EOF. */
	table = h[5] + h[6];
	off = table + nr * 16;
	for (feat = 1; feat < 64; feat++) {
		if (!(h[9] & (1ULL << feat)))
			continue;
		fseek(f, table, SEEK_SET);
		CHECK(fread(sec, sizeof(sec), 1, f) == 1);
		table += 16;
		CHECK(sec[0] == off);
		off = sec[0] + sec[1];
		if (feat == PDATA_FEAT_TOTAL_MEM) {
			fseek(f, sec[0], SEEK_SET);
			CHECK(sec[1] == 8 && fread(&kb, 8, 1, f) == 1);
		}
	}
	CHECK(off == (uint64_t)end);
	fclose(f);

	/* TOTAL_MEM is MemTotal in kB. */
	m = fopen("/proc/meminfo", "r");
	while (m && fgets(line, sizeof(line), m))
		if (sscanf(line, "MemTotal: %" SCNu64, &mem_kb) == 1)
			break;
	if (m)
		fclose(m);
	CHECK(kb && kb == mem_kb);
}

/* Run perf script and compare every line with the expected one. */
static void check_perf_script(const char *path, bool from_pipe)
{
	char cmd[8192], line[1024], want[1024];
	int n = 0;
	FILE *p;

	if (from_pipe)
		snprintf(cmd, sizeof(cmd), "cat '%s' | perf script -i - --ns "
			 "-F comm,tid,cpu,time,event,trace 2>/dev/null", path);
	else
		snprintf(cmd, sizeof(cmd), "perf script -i '%s' --ns "
			 "-F comm,tid,cpu,time,event,trace 2>/dev/null", path);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		squeeze(line);
		if (n < NR_SAMPLES) {
			expected_line(want, sizeof(want), n);
			if (strcmp(line, want)) {
				fprintf(stderr, "line %d:\n  got  '%s'\n  want '%s'\n", n + 1, line,
					want);
				failures++;
			}
		} else {
			fprintf(stderr, "extra line %d: '%s'\n", n + 1, line);
			failures++;
		}
		n++;
	}
	CHECK(pclose(p) == 0);
	CHECK(n == NR_SAMPLES);
}

/* `perf report --header-only` shows the features we wrote. */
static void check_perf_header(const char *path)
{
	char cmd[8192], line[1024];
	int found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "perf report -i '%s' --header-only 2>&1", path);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		if (strstr(line, "# event : name = ovsperf_test:tick,") ||
		    strstr(line, "# event : name = ovsperf_test:tock,") ||
		    strstr(line, "# cmdline : test-pdata-writer record -e ovsperf_test:tick") ||
		    strstr(line, "# perf version : ovsperf"))
			found++;
	}
	CHECK(pclose(p) == 0);
	CHECK(found == 4);
}

/* Read the file back with ovsperf's own reader (pdata_session). */
struct reader_check {
	struct pdata_tool tool;		/* first member: callbacks get its address */
	struct pdata_session *s;
	int n;				/* samples seen */
	int bad;			/* mismatches */
};

static int rc_sample(struct pdata_tool *tool, const struct pdata_sample *sm)
{
	struct reader_check *rc = (struct reader_check *)tool;
	int i = rc->n++;
	const char *want_ev = ev_is_tock(i) ? "ovsperf_test:tock" : "ovsperf_test:tick";
	const char *comm = pdata_session__comm(rc->s, sm->tid);
	char want_comm[16];
	uint16_t type;

	snprintf(want_comm, sizeof(want_comm), "worker-%d", ev_cpu(i));
	if (i >= NR_SAMPLES || strcmp(sm->evsel->name, want_ev) || sm->time != ev_time(i) ||
	    sm->cpu != (uint32_t)ev_cpu(i) || sm->tid != (uint32_t)ev_tid(i) || !sm->raw_data ||
	    !comm || strcmp(comm, want_comm)) {
		if (rc->bad++ < 5)
			fprintf(stderr, "reader: sample %d: %s t=%" PRIu64 " cpu=%u tid=%u comm=%s\n",
				i, sm->evsel->name, sm->time, sm->cpu, sm->tid, comm ? comm : "?");
		return 0;
	}
	memcpy(&type, sm->raw_data, sizeof(type));
	if (type != (ev_is_tock(i) ? TOCK_ID : TICK_ID))
		rc->bad++;
	return 0;
}

static void check_reader(const char *path, bool stream)
{
	struct reader_check rc = { .n = 0 };
	const struct pdata_info *info;
	int err;

	pdata_tool__init(&rc.tool);
	rc.tool.sample = rc_sample;
	err = pdata_session__open(&rc.s, path, NULL);
	CHECK(err == 0);
	if (err) {
		fprintf(stderr, "reader: %s\n", ovp_errmsg());
		return;
	}
	info = pdata_session__info(rc.s);
	/* A stream's attributes and features are records: known once read. */
	if (stream)
		CHECK(pdata_session__process(rc.s, &rc.tool) == 0);
	CHECK(pdata_session__nr_evsels(rc.s) == 2);
	CHECK(pdata_session__find_evsel(rc.s, "ovsperf_test:tock") != NULL);
	CHECK(info->nr_cpus_online >= 1);
	CHECK(info->cmdline && strstr(info->cmdline, "record -e ovsperf_test:tick"));
	if (!stream)
		CHECK(pdata_session__process(rc.s, &rc.tool) == 0);
	/* The kallsyms block of the tracing data comes back intact; a stream
	 * has none (perf cannot skip it in a pipe), but its CLOCK_DATA. */
	if (stream)
		CHECK(!info->kallsyms_size && info->has_clock_data &&
		      info->clock_tod_ns == PIPE_TOD_NS);
	else
		CHECK(info->kallsyms && info->kallsyms_size == 46 &&
		      !memcmp(info->kallsyms, "ffffffff81000000 T _text\n", 25));
	CHECK(rc.n == NR_SAMPLES);
	CHECK(rc.bad == 0);
	CHECK(pdata_session__stats(rc.s)->nr_out_of_order == 0);
	pdata_session__close(rc.s);
}

/* The stream: same samples for the reader; CLOCK_DATA known before them. */
static void check_pipe(const char *path)
{
	char cmd[8192], line[256];
	int fd = open(path, O_RDONLY), saved = dup(0), n = 0;
	FILE *p;

	CHECK(fd >= 0 && saved >= 0);
	if (fd < 0 || saved < 0)
		return;
	/* The reader takes "-" as stdin, as `ovsperf-analyze CMD -` does. */
	dup2(fd, 0);
	close(fd);
	check_reader("-", true);
	dup2(saved, 0);
	close(saved);
	check_perf_script(path, true);
	/* perf's tod: 03:04:05 + (sample time - 5 s). */
	snprintf(cmd, sizeof(cmd), "cat '%s' | TZ=UTC perf script -i - -F tod 2>/dev/null", path);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		n += !strncmp(line, "2026-01-02 03:04:05.000", 23);
	CHECK(pclose(p) == 0);
	CHECK(n == NR_SAMPLES);
}

/* What a SIGKILLed recorder left: its flushed samples, named, in order; the
 * reader says (once) that the recorder did not finish. */
static void check_killed(const char *path)
{
	struct reader_check rc = { .n = 0 };
	unsigned long warnings = ovp_warn_count();
	int err;

	pdata_tool__init(&rc.tool);
	rc.tool.sample = rc_sample;
	err = pdata_session__open(&rc.s, path, NULL);
	CHECK(err == 0);
	if (err) {
		fprintf(stderr, "killed: %s\n", ovp_errmsg());
		return;
	}
	CHECK(!pdata_session__info(rc.s)->features_lost);
	CHECK(pdata_session__find_evsel(rc.s, "ovsperf_test:tock") != NULL);
	CHECK(pdata_session__process(rc.s, &rc.tool) == 0);
	CHECK(rc.n == KILLED_SAMPLES);
	CHECK(rc.bad == 0);
	CHECK(pdata_session__stats(rc.s)->truncated);
	CHECK(ovp_warn_count() == warnings + 1);
	pdata_session__close(rc.s);
}

/* In place: the earlier file is NAME.old; a failed recording puts it back. */
static void check_in_place(const char *dir)
{
	char path[4200], old[4300], buf[64];
	uint64_t data_size = 0;
	struct pdata_writer *w;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/test-pdata-writer.inplace.data", dir);
	snprintf(old, sizeof(old), "%s.old", path);
	unlink(old);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CHECK(fd >= 0 && write(fd, "earlier\n", 8) == 8);
	close(fd);
	write_file(path, &data_size, MODE_IN_PLACE);
	fd = open(old, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 8 && !memcmp(buf, "earlier\n", 8));
	if (fd >= 0)
		close(fd);
	/* The replaced file's mode is kept. */
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	check_reader(path, false);
	check_perf_script(path, false);
	{
		char killed[4300];

		snprintf(killed, sizeof(killed), "%s.killed", path);
		check_killed(killed);
	}

	/* A recording that fails: NAME (the finished one above) as it was. */
	CHECK(stat(path, &st) == 0);
	CHECK_OK(pdata_writer__open_in_place(&w, path));
	CHECK(access(old, F_OK) == 0);
	CHECK(pdata_writer__close(w, -EIO) == -EIO);
	{
		struct stat st2;

		CHECK(stat(path, &st2) == 0 && st2.st_size == st.st_size && st2.st_ino == st.st_ino);
		CHECK(access(old, F_OK) != 0);
	}
}

int main(int argc, char **argv)
{
	char path[4096];
	uint64_t data_size = 0;

	if (system("perf --version >/dev/null 2>&1")) {
		fprintf(stderr, "SKIP: perf is not installed\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/test-pdata-writer.data", argc > 1 ? argv[1] : ".");
	write_file(path, &data_size, MODE_FILE);
	check_header(path, data_size);
	check_reader(path, false);
	check_perf_script(path, false);
	check_perf_header(path);
	snprintf(path, sizeof(path), "%s/test-pdata-writer.pipe.data", argc > 1 ? argv[1] : ".");
	write_file(path, &data_size, MODE_PIPE);
	check_pipe(path);
	check_in_place(argc > 1 ? argv[1] : ".");
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
