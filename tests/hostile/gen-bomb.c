// SPDX-License-Identifier: Apache-2.0
/*
 * gen-bomb.c - small hostile inputs that expand to a lot of memory or disk if
 * the reader trusts them (tests/hostile/bombs.py):
 *
 *   gen-bomb zrec OUT N       a perf.data (lib/pdata-writer.c) whose data is
 *                             zstd COMPRESSED2 records that expand to N SAMPLE
 *                             records, all of one timestamp and without a
 *                             FINISHED_ROUND: a reader that queues copies
 *                             until a round ends holds them all;
 *   gen-bomb pipe OUT N       the same N samples uncompressed, as a pipe-mode
 *                             stream (OUT "-": on stdout, into a pipe);
 *   gen-bomb formats OUT N    a perf.data whose tracing data holds N event
 *                             formats that crash libtraceevent's parser (a
 *                             field the print format uses is renamed): the
 *                             reader checks formats in a child process, and
 *                             must not fork once per bad format without end;
 *   gen-bomb archive OUT MB W an ovsperf archive (tar + zstd) whose member
 *                             W ("kallsyms" or "perf.data") declares and holds
 *                             MB MiB of zeros: a few hundred KB on disk;
 *   gen-bomb comms OUT N      a perf.data of N COMM records, each naming a
 *                             thread of its own (tid 100000 + i, "t<i>"),
 *                             then one sample of thread 5 and one of the
 *                             last: the reader's table of threads.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata-writer.h"
#include "ovsperf/pdata.h"

#define SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME)
#define EVENT_ID 7
#define COMPRESSED2_TYPE 83
#define MAX_PAYLOAD 60000

/* SAMPLE with IDENTIFIER, TID, TIME: 8 + 8 + 8 + 8 bytes. */
struct sample_rec {
	struct perf_event_header h;
	uint64_t id;
	uint32_t pid, tid;
	uint64_t time;
};

static void sample(struct sample_rec *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->h.type = PERF_RECORD_SAMPLE;
	r->h.size = sizeof(*r);
	r->id = EVENT_ID;
	r->pid = r->tid = 1000 + (uint32_t)(i % 7);
	r->time = 1000000000ull;	/* one timestamp: nothing may be delivered early */
}

static struct perf_event_attr attr(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_type = SAMPLE_TYPE;
	a.sample_id_all = 1;
	return a;
}

/* Write one COMPRESSED2 record (u64 data size, then the zstd bytes, padded
 * to 8) holding @len bytes of zstd output. */
static int put_compressed(struct pdata_writer *w, const void *data, size_t len)
{
	static uint8_t rec[16 + MAX_PAYLOAD + 8];
	size_t size = (16 + len + 7) / 8 * 8;
	struct perf_event_header h = { .type = COMPRESSED2_TYPE, .size = (uint16_t)size };
	uint64_t dsz = len;

	memset(rec, 0, sizeof(rec));
	memcpy(rec, &h, 8);
	memcpy(rec + 8, &dsz, 8);
	memcpy(rec + 16, data, len);
	return pdata_writer__write(w, rec, size);
}

static int zrec(const char *out, uint64_t n)
{
	struct perf_event_attr a = attr();
	uint64_t id = EVENT_ID, i;
	struct pdata_writer *w;
	ZSTD_CStream *z = ZSTD_createCStream();
	static uint8_t obuf[MAX_PAYLOAD];
	struct sample_rec r;
	int err;

	err = pdata_writer__open(&w, out);
	if (err)
		return err;
	err = pdata_writer__add_attr(w, &a, &id, 1, "cpu-clock");
	ZSTD_initCStream(z, 19);
	for (i = 0; i < n && !err; i++) {
		ZSTD_inBuffer ib = { &r, sizeof(r), 0 };

		sample(&r, i);
		while (ib.pos < ib.size && !err) {
			ZSTD_outBuffer ob = { obuf, sizeof(obuf), 0 };

			ZSTD_compressStream(z, &ob, &ib);
			if (ob.pos)
				err = put_compressed(w, obuf, ob.pos);
		}
	}
	for (;;) {
		ZSTD_outBuffer ob = { obuf, sizeof(obuf), 0 };
		size_t left = ZSTD_endStream(z, &ob);

		if (ob.pos && !err)
			err = put_compressed(w, obuf, ob.pos);
		if (!left || ZSTD_isError(left))
			break;
	}
	ZSTD_freeCStream(z);
	return pdata_writer__close(w, err);
}

static int pipe_stream(const char *out, uint64_t n)
{
	struct perf_event_attr a = attr();
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	struct sample_rec r;
	struct {
		struct perf_event_header h;
		struct perf_event_attr a;
		uint64_t id;
	} ar;
	uint64_t hdr[2] = { 0x32454c4946524550ull, 16 }, i;

	if (!f)
		return -errno;
	memset(&ar, 0, sizeof(ar));
	ar.h.type = 64;	/* HEADER_ATTR */
	ar.h.size = sizeof(ar);
	ar.a = a;
	ar.id = EVENT_ID;
	fwrite(hdr, sizeof(hdr), 1, f);
	fwrite(&ar, sizeof(ar), 1, f);
	for (i = 0; i < n; i++) {
		sample(&r, i);
		fwrite(&r, sizeof(r), 1, f);
	}
	return fclose(f) ? -errno : 0;
}

/* A ustar header for @name of @size bytes. */
static void tar_header(uint8_t h[512], const char *name, uint64_t size)
{
	unsigned int sum = 0, i;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

static int zput(ZSTD_CStream *z, FILE *f, const void *data, size_t len)
{
	static uint8_t obuf[1 << 16];
	ZSTD_inBuffer ib = { data, len, 0 };

	while (ib.pos < ib.size) {
		ZSTD_outBuffer ob = { obuf, sizeof(obuf), 0 };
		size_t r = ZSTD_compressStream(z, &ob, &ib);

		if (ZSTD_isError(r))
			return -EIO;
		fwrite(obuf, 1, ob.pos, f);
	}
	return 0;
}

static int archive(const char *out, uint64_t mb, const char *which)
{
	static uint8_t zeros[1 << 20];
	static uint8_t obuf[1 << 16];
	FILE *f = fopen(out, "w");
	ZSTD_CStream *z = ZSTD_createCStream();
	const char manifest[] = "ovsperf-archive: 1\n";
	uint8_t h[512];
	uint64_t i;
	int err = 0;

	if (!f || !z)
		return -ENOMEM;
	ZSTD_initCStream(z, 3);
	tar_header(h, "MANIFEST", sizeof(manifest) - 1);
	err = err ?: zput(z, f, h, sizeof(h));
	memset(h, 0, sizeof(h));
	memcpy(h, manifest, sizeof(manifest) - 1);
	err = err ?: zput(z, f, h, sizeof(h));
	tar_header(h, which, mb << 20);
	err = err ?: zput(z, f, h, sizeof(h));
	for (i = 0; i < mb && !err; i++)
		err = zput(z, f, zeros, sizeof(zeros));
	memset(h, 0, sizeof(h));
	err = err ?: zput(z, f, h, sizeof(h));
	err = err ?: zput(z, f, h, sizeof(h));
	for (;;) {
		ZSTD_outBuffer ob = { obuf, sizeof(obuf), 0 };
		size_t left = ZSTD_endStream(z, &ob);

		fwrite(obuf, 1, ob.pos, f);
		if (!left || ZSTD_isError(left))
			break;
	}
	ZSTD_freeCStream(z);
	if (fclose(f))
		err = -errno;
	return err;
}

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";
static const char header_event[] = "# compressed entry header\n\ttype_len    :    5 bits\n";

/* sched_switch with "prev_state" renamed: libtraceevent's parser
 * dereferences NULL on its print format (see test-hostile-formats.c). */
static const char fmt_crash[] =
	"name: e%u\nID: %u\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:long pr_v_state;\toffset:8;\tsize:8;\tsigned:1;\n\n"
	"print fmt: \"%%s\", (REC->prev_state & 1) ? __print_flags(REC->prev_state & 1, \"|\", "
	"{ 1, \"S\" }) : \"R\"\n";

static int formats(const char *out, unsigned int n)
{
	struct perf_event_attr a = attr();
	struct pdata_tracing *t = NULL;
	uint64_t id = EVENT_ID;
	struct pdata_writer *w;
	char text[1024];
	unsigned int i;
	int err;

	err = pdata_writer__open(&w, out);
	if (err)
		return err;
	err = pdata_writer__add_attr(w, &a, &id, 1, "cpu-clock");
	err = err ?: pdata_tracing__new(&t, header_page, header_event);
	for (i = 0; i < n && !err; i++) {
		snprintf(text, sizeof(text), fmt_crash, i, 1000 + i);
		err = pdata_tracing__add_format(t, "bomb", text);
	}
	err = err ?: pdata_writer__set_tracing(w, t);
	pdata_tracing__delete(t);
	return pdata_writer__close(w, err);
}

/* N threads named by COMM records, then a sample of thread 5 and of the last. */
static int comms(const char *out, uint64_t n)
{
	struct perf_event_attr a = attr();
	uint64_t id = EVENT_ID, i;
	struct pdata_writer *w;
	struct sample_rec r;
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		char comm[16];
		uint32_t spid, stid;	/* the sample_id_all trailer: TID, TIME, IDENTIFIER */
		uint64_t time, ident;
	} c;
	int err;

	err = pdata_writer__open(&w, out);
	if (err)
		return err;
	err = pdata_writer__add_attr(w, &a, &id, 1, "cpu-clock");
	for (i = 0; i < n && !err; i++) {
		memset(&c, 0, sizeof(c));
		c.h.type = PERF_RECORD_COMM;
		c.h.size = sizeof(c);
		c.pid = c.tid = c.spid = c.stid = 100000 + (uint32_t)i;
		snprintf(c.comm, sizeof(c.comm), "t%u", (unsigned int)i);
		c.time = 1000000000ull + i;
		c.ident = EVENT_ID;
		err = pdata_writer__write(w, &c, sizeof(c));
		if (!err && i % 1024 == 1023)
			err = pdata_writer__finished_round(w);
	}
	for (i = 0; i < 2 && !err; i++) {
		sample(&r, 0);
		r.pid = r.tid = 100000 + (uint32_t)(i ? n - 1 : 5);
		r.time = 1000000000ull + n + i;
		err = pdata_writer__write(w, &r, sizeof(r));
	}
	err = err ?: pdata_writer__finished_round(w);
	return pdata_writer__close(w, err);
}

int main(int argc, char **argv)
{
	int err;

	if (argc == 4 && !strcmp(argv[1], "zrec"))
		err = zrec(argv[2], strtoull(argv[3], NULL, 0));
	else if (argc == 4 && !strcmp(argv[1], "pipe"))
		err = pipe_stream(argv[2], strtoull(argv[3], NULL, 0));
	else if (argc == 4 && !strcmp(argv[1], "formats"))
		err = formats(argv[2], (unsigned int)strtoul(argv[3], NULL, 0));
	else if (argc == 4 && !strcmp(argv[1], "comms"))
		err = comms(argv[2], strtoull(argv[3], NULL, 0));
	else if (argc == 5 && !strcmp(argv[1], "archive"))
		err = archive(argv[2], strtoull(argv[3], NULL, 0), argv[4]);
	else {
		fprintf(stderr, "usage: gen-bomb zrec|pipe|formats|comms OUT N | archive OUT MB "
				"MEMBER\n");
		return 1;
	}
	if (err)
		fprintf(stderr, "gen-bomb: %s\n", ovp_errmsg()[0] ? ovp_errmsg() : strerror(-err));
	return err ? 1 : 0;
}
