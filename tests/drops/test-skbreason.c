// SPDX-License-Identifier: Apache-2.0
/*
 * test-skbreason.c - unit test of analyzer/decode/skbreason.c: the reason names come
 * from the event's own __print_symbolic() table (numbers unlike any kernel's,
 * so no compiled-in list could pass), values outside it print as perf script
 * prints them ("0x..."), Open vSwitch's subsystem reasons get their OVS_DROP_
 * names, a format without the table names nothing, and normal frees are told
 * apart from drops.
 */
#include <string.h>

#include <traceevent/event-parse.h>

#include "../lib/check.h"
#include "ovsperf/pdata.h"
#include "decode/skbreason.h"

static const char kfree_format[] =
	"name: kfree_skb\nID: 77\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:enum skb_drop_reason reason;\toffset:16;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"skbaddr=%p reason: %s\", REC->skbaddr, "
	"__print_symbolic(REC->reason, { 1, \"CONSUMED\" }, { 7, \"NOT_SPECIFIED\" }, "
	"{ 42, \"NO_SOCKET\" }, { 0x10, \"HEX_VALUE\" })\n";

static const char plain_format[] =
	"name: plain\nID: 78\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int reason;\toffset:8;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"reason=%d\", REC->reason\n";

int main(void)
{
	struct tep_handle *tep = tep_alloc();
	struct pdata_evsel ev, plain;
	struct skbreason_table *t = NULL, *p = NULL;
	char buf[32];

	memset(&ev, 0, sizeof(ev));
	memset(&plain, 0, sizeof(plain));
	CHECK(tep != NULL);
	CHECK(tep_parse_format(tep, &ev.tp, kfree_format, strlen(kfree_format), "skb") == 0);
	CHECK(tep_parse_format(tep, &plain.tp, plain_format, strlen(plain_format), "x") == 0);

	CHECK(skbreason_table__new(&t, &ev, "reason") == 0);
	CHECK_U64(skbreason_table__count(t), 4);
	CHECK_STR(skbreason_table__name(t, 42, buf, sizeof(buf)), "NO_SOCKET");
	CHECK_STR(skbreason_table__name(t, 7, buf, sizeof(buf)), "NOT_SPECIFIED");
	CHECK_STR(skbreason_table__name(t, 16, buf, sizeof(buf)), "HEX_VALUE");
	/* Not in the table: as libtraceevent prints it. */
	CHECK_STR(skbreason_table__name(t, 3, buf, sizeof(buf)), "0x3");
	CHECK_STR(skbreason_table__name(t, 200, buf, sizeof(buf)), "0xc8");
	/* Open vSwitch's subsystem (3 << 16): named, first and last known. */
	CHECK_STR(skbreason_table__name(t, 0x30001, buf, sizeof(buf)), "OVS_DROP_LAST_ACTION");
	CHECK_STR(skbreason_table__name(t, 0x30003, buf, sizeof(buf)), "OVS_DROP_EXPLICIT");
	CHECK_STR(skbreason_table__name(t, 0x3000b, buf, sizeof(buf)), "OVS_DROP_IP_TTL");
	CHECK_STR(skbreason_table__name(t, 0x3000c, buf, sizeof(buf)), "0x3000c");
	CHECK_STR(skbreason_table__name(t, 0x30000, buf, sizeof(buf)), "0x30000");
	/* Another field, or an event without a table: every value is a number. */
	CHECK(skbreason_table__new(&p, &plain, "reason") == 0);
	CHECK_U64(skbreason_table__count(p), 0);
	CHECK_STR(skbreason_table__name(p, 42, buf, sizeof(buf)), "0x2a");
	skbreason_table__free(p);
	CHECK(skbreason_table__new(&p, &ev, "skbaddr") == 0);
	CHECK_U64(skbreason_table__count(p), 0);
	skbreason_table__free(p);
	CHECK(skbreason_table__new(&p, NULL, "reason") == 0);
	CHECK_U64(skbreason_table__count(p), 0);
	skbreason_table__free(p);

	CHECK(skbreason_is_normal("CONSUMED"));
	CHECK(skbreason_is_normal("NOT_DROPPED_YET"));
	CHECK(!skbreason_is_normal("NOT_SPECIFIED"));
	CHECK(!skbreason_is_normal("NO_SOCKET"));
	CHECK(!skbreason_is_normal(NULL));

	skbreason_table__free(t);
	skbreason_table__free(NULL);
	tep_free(tep);
	CHECK_DONE();
}
