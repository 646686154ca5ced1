// SPDX-License-Identifier: Apache-2.0
/*
 * test-evdec.c - field access of lib/evdec.c on a format parsed by
 * libtraceevent, with a hand-built raw payload (a comment per field).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "check.h"
#include "ovsperf/evdec.h"
#include "ovsperf/pdata.h"

/* An uprobe like upcall-cost's recv_upcall: a u8 packet buffer, a string,
 * signed and unsigned numbers. */
static const char format[] =
	"name: recv_upcall\n"
	"ID: 1234\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u8 pkt[8];\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:s32 err;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:u16 len;\toffset:28;\tsize:2;\tsigned:0;\n"
	"\tfield:__data_loc char[] dev;\toffset:32;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"(%lx) err=%d len=%u dev=%s\", REC->__probe_ip, REC->err, REC->len, "
	"__get_str(dev)\n";

int main(void)
{
	struct tep_handle *tep = tep_alloc();
	struct pdata_evsel ev = { .name = "ovsperf:recv_upcall" };
	struct pdata_sample s = { .evsel = &ev };
	struct evdec_field pkt, err, len, dev, none;
	uint8_t raw[48] = { 0 };
	uint32_t n, loc;
	const uint8_t *d;
	int32_t e = -22;
	uint16_t l = 1500;
	char buf[16];

	CHECK(tep && tep_parse_event(tep, format, sizeof(format) - 1, "ovsperf") == 0);
	ev.tp = tep_find_event(tep, 1234);
	CHECK(ev.tp != NULL);
	if (!ev.tp)
		return 1;

	/* common_type 1234, then the fields at their offsets. */
	raw[0] = 1234 & 0xff;
	raw[1] = 1234 >> 8;
	/* pkt: an Ethernet header fragment with NUL bytes in it */
	memcpy(raw + 16, "\x00\x11\x00\x22\x08\x00\x45\x00", 8);
	memcpy(raw + 24, &e, 4);	/* err = -22 */
	memcpy(raw + 28, &l, 2);	/* len = 1500 */
	loc = (4u << 16) | 40;		/* dev: 4 bytes at offset 40 */
	memcpy(raw + 32, &loc, 4);
	memcpy(raw + 40, "br0", 4);
	s.raw_data = raw;
	s.raw_size = sizeof(raw);

	CHECK(evdec_field__find(&pkt, &ev, "pkt") == 0);
	CHECK(evdec_field__find(&err, &ev, "err") == 0);
	CHECK(evdec_field__find(&len, &ev, "len") == 0);
	CHECK(evdec_field__find(&dev, &ev, "dev") == 0);
	CHECK(evdec_field__find(&none, &ev, "nosuch") == -ENOENT);

	/* A u8 array is bytes, not text: all 8 come back, NULs included. */
	CHECK(!pkt.is_string && pkt.is_array);
	d = evdec_field__data(&pkt, &s, &n);
	CHECK_U64(n, 8);
	CHECK(d && !memcmp(d, "\x00\x11\x00\x22\x08\x00\x45\x00", 8));

	CHECK_U64((uint64_t)evdec_field__s64(&err, &s), (uint64_t)(int64_t)-22);
	CHECK_U64(evdec_field__u64(&len, &s), 1500);
	CHECK(dev.is_string && dev.is_dynamic);
	CHECK(!strcmp(evdec_field__str(&dev, &s, buf, sizeof(buf)), "br0"));

	/* A payload cut short: the field reads as absent, not out of bounds. */
	s.raw_size = 26;
	CHECK(!evdec_field__ok(&len, &s));
	CHECK_U64(evdec_field__u64(&len, &s), 0);
	CHECK(evdec_field__data(&dev, &s, &n) == NULL);

	tep_free(tep);
	return check_failures ? 1 : 0;
}
