// SPDX-License-Identifier: Apache-2.0
/*
 * test-hostile-formats.c - the reader against event formats that make
 * libtraceevent misbehave, in a synthetic recording (lib/pdata-writer.c):
 *
 *  - a print format that divides by a payload field: printing a sample
 *    whose divisor is 0 raises SIGFPE inside libtraceevent; evdec_print_info
 *    must return an empty text and the next samples must print again
 *    (lib/fpe-guard.c);
 *  - a sched_switch format whose prev_state field was renamed (one byte
 *    changed, as a fuzzer or a bad disk does) while the print format still
 *    uses it: libtraceevent's parser dereferences NULL on it; the reader
 *    must check it in a child, skip it and keep the other events;
 *  - a format holding a 0xff byte (libtraceevent reads it as EOF);
 *  - printk format lines without ':' or with a format shorter than 3
 *    bytes (libtraceevent reads outside its copy; a sanitized build
 *    catches it).
 *
 * Usage: test-hostile-formats DIR (scratch directory).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../lib/check.h"
#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/pdata-writer.h"
#include "ovsperf/pdata.h"

#define container_of(p, type, m) ((type *)((char *)(p) - offsetof(type, m)))

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";
static const char header_event[] = "# compressed entry header\n\ttype_len    :    5 bits\n";

/* test:div (id 901): q = a / b computed by the print format. */
static const char fmt_div[] =
	"name: div\nID: 901\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned int a;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned int b;\toffset:12;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"a=%u q=%u\", REC->a, REC->a / REC->b\n";

/* sched:sched_switch (id 902) with "prev_state" renamed "pr_v_state". */
static const char fmt_crash[] =
	"name: sched_switch\n"
	"ID: 902\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	"\tfield:long pr_v_state;\toffset:32;\tsize:8;\tsigned:1;\n"
	"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
	"\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s "
	"next_pid=%d next_prio=%d\", REC->prev_comm, REC->prev_pid, REC->prev_prio, "
	"(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 "
	"| 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)) ? "
	"__print_flags(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 "
	"| 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1), \"|\", { "
	"0x00000001, \"S\" }, { 0x00000002, \"D\" }, { 0x00000004, \"T\" }, { 0x00000008, "
	"\"t\" }, { 0x00000010, \"X\" }, { 0x00000020, \"Z\" }, { 0x00000040, \"P\" }, { "
	"0x00000080, \"I\" }) : \"R\", REC->prev_state & (((0x00000000 | 0x00000001 | "
	"0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << "
	"1) ? \"+\" : \"\", REC->next_comm, REC->next_pid, REC->next_prio\n";

/* test:bin (id 903): a 0xff byte in its name line. */
static const char fmt_bin[] =
	"name: bin\xff\nID: 903\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"print fmt: \"x\"\n";

static const char printk_text[] = "0xffffffff81000000\n:x\nabc:\n0x1 : \"\"\n0x2 : \"ok %d\\n\"\n";

struct rec_sample {
	struct perf_event_header h;
	uint64_t id;		/* IDENTIFIER */
	uint32_t pid, tid;	/* TID */
	uint64_t time;		/* TIME */
	uint32_t cpu, res;	/* CPU */
	uint32_t raw_size;	/* RAW: size, then the payload */
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
	uint32_t a, b;
	uint32_t pad;		/* 4 + raw_size is a multiple of 8 */
} __attribute__((packed));

struct print_tool {
	struct pdata_tool tool;
	struct pdata_session *s;
	char out[8][128];
	int n;
};

static int pt_ready(struct pdata_tool *t, struct pdata_session *s)
{
	container_of(t, struct print_tool, tool)->s = s;
	return 0;
}

static int pt_sample(struct pdata_tool *t, const struct pdata_sample *sm)
{
	struct print_tool *pt = container_of(t, struct print_tool, tool);

	if (pt->n < 8)
		evdec_print_info(pt->s, sm, pt->out[pt->n++], sizeof(pt->out[0]));
	return 0;
}

static int sample(struct pdata_writer *w, uint64_t id, uint16_t type, uint32_t a, uint32_t b,
		  uint64_t time)
{
	struct rec_sample r = {
		.h = { .type = PERF_RECORD_SAMPLE, .size = sizeof(r) },
		.id = id, .pid = 7, .tid = 7, .time = time, .raw_size = 20,
		.common_type = type, .common_pid = 7, .a = a, .b = b,
	};

	return pdata_writer__write(w, &r, sizeof(r));
}

static int write_file(const char *path)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .sample_period = 1,
		.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			       PERF_SAMPLE_CPU | PERF_SAMPLE_RAW,
		.sample_id_all = 1,
	};
	static const uint64_t id1 = 1, id2 = 2, id3 = 3;
	struct pdata_tracing *t = NULL;
	struct pdata_writer *w;
	int err;

	err = pdata_writer__open(&w, path);
	if (err)
		return err;
	err = pdata_tracing__new(&t, header_page, header_event) ?:
	      pdata_tracing__add_format(t, "test", fmt_div) ?:
	      pdata_tracing__add_format(t, "sched", fmt_crash) ?:
	      pdata_tracing__add_format(t, "test", fmt_bin) ?:
	      pdata_tracing__set_text(t, 1, printk_text, sizeof(printk_text) - 1) ?:
	      pdata_writer__set_tracing(w, t);
	attr.config = 901;
	err = err ?: pdata_writer__add_attr(w, &attr, &id1, 1, "test:div");
	attr.config = 902;
	err = err ?: pdata_writer__add_attr(w, &attr, &id2, 1, "sched:sched_switch");
	attr.config = 903;
	err = err ?: pdata_writer__add_attr(w, &attr, &id3, 1, "test:bin");
	err = err ?: sample(w, 1, 901, 10, 2, 100) ?: sample(w, 1, 901, 10, 0, 200) ?:
	      sample(w, 2, 902, 1, 1, 300) ?: sample(w, 3, 903, 1, 1, 400) ?:
	      sample(w, 1, 901, 7, 7, 500) ?: sample(w, 1, 901, 9, 0, 600) ?:
	      sample(w, 1, 901, 9, 3, 700);
	pdata_tracing__delete(t);
	return pdata_writer__close(w, err);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	struct pdata_session *s = NULL;
	struct print_tool pt;
	char path[4096];
	int err;

	ovp_set_progname("test-hostile-formats");
	snprintf(path, sizeof(path), "%s/hostile-formats.data", dir);
	err = write_file(path);
	if (err) {
		fprintf(stderr, "cannot write %s: %s\n", path, ovp_errmsg());
		return 1;
	}
	memset(&pt, 0, sizeof(pt));
	pdata_tool__init(&pt.tool);
	pt.tool.ready = pt_ready;
	pt.tool.sample = pt_sample;
	ovp_set_quiet(true);	/* the skipped formats warn */
	err = pdata_session__open(&s, path, NULL);
	CHECK(err == 0);
	if (err) {
		fprintf(stderr, "%s\n", ovp_errmsg());
		CHECK_DONE();
	}
	CHECK(pdata_session__process(s, &pt.tool) == 0);
	ovp_set_quiet(false);
	CHECK_U64(pdata_session__stats(s)->nr_samples, 7);
	/* The good format is there; the two broken ones were skipped. */
	CHECK(pdata_session__evsel(s, 0)->tp != NULL);
	CHECK(pdata_session__evsel(s, 1)->tp == NULL);
	CHECK(pdata_session__evsel(s, 2)->tp == NULL);
	CHECK_STR(pdata_session__evsel(s, 0)->name, "test:div");
	CHECK_U64(pt.n, 7);
	CHECK_STR(pt.out[0], "a=10 q=5");
	CHECK_STR(pt.out[1], "");	/* 10 / 0: SIGFPE caught, no text */
	CHECK_STR(pt.out[2], "");	/* no format */
	CHECK_STR(pt.out[3], "");
	CHECK_STR(pt.out[4], "a=7 q=1");	/* the guard works again */
	CHECK_STR(pt.out[5], "");	/* and catches a second time */
	CHECK_STR(pt.out[6], "a=9 q=3");
	pdata_session__close(s);
	CHECK_DONE();
}
