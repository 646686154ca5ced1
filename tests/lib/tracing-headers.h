/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tracing-headers.h - the parts of a recording's tracing data that every
 * test generator writes the same way (lib/pdata-writer.c's pdata_tracing__new()
 * and pdata_tracing__add_format()): the ring buffer's header_page and
 * header_event texts of an x86-64 kernel, and the four common fields that
 * open every event format.
 */
#ifndef OVSPERF_TESTS_TRACING_HEADERS_H
#define OVSPERF_TESTS_TRACING_HEADERS_H

#define TEST_HEADER_PAGE                                                                \
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"                       \
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"                      \
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"                       \
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n"

#define TEST_HEADER_EVENT                                                               \
	"# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n" \
	"\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n" \
	"\ttime_stamp : type == 31\n\tdata max type_len  == 28\n"

/* common_type, common_flags, common_preempt_count, common_pid: 8 bytes. */
#define TEST_COMMON_FIELDS                                                              \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"           \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"           \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"   \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

#endif
