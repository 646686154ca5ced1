// SPDX-License-Identifier: Apache-2.0
/*
 * test-hist.c - log2 slot boundaries, merge, linear histogram ranges and
 * under/overflow, and the exact text of the three printers (bcc log2,
 * enqueue_to_iprec percent, bpftrace lhist) and of the JSON export.  The
 * expected text is written out by hand from the tools' sample output.
 */
#include <errno.h>
#include <stdlib.h>

#include "ovsperf/hist.h"
#include "check.h"

/* Run a printer into a string; the caller frees it. */
#define CAPTURE(buf, call)                                                            \
	do {                                                                          \
		size_t len_;                                                          \
		FILE *out = open_memstream(&(buf), &len_);                           \
		call;                                                                 \
		fclose(out);                                                          \
	} while (0)

static void test_log2_slots(void)
{
	unsigned int i;

	CHECK_U64(hist_log2__slot(0), 0);
	CHECK_U64(hist_log2__slot(1), 0);
	CHECK_U64(hist_log2__slot(2), 1);
	CHECK_U64(hist_log2__slot(3), 1);
	CHECK_U64(hist_log2__slot(4), 2);
	CHECK_U64(hist_log2__slot(1023), 9);
	CHECK_U64(hist_log2__slot(1024), 10);
	CHECK_U64(hist_log2__slot(1ULL << 63), 63);
	CHECK_U64(hist_log2__slot(UINT64_MAX), 63);
	/* Every slot's bounds map back to it. */
	for (i = 1; i < 63; i++) {
		CHECK_U64(hist_log2__slot(hist_log2__slot_lo(i)), i);
		CHECK_U64(hist_log2__slot(hist_log2__slot_hi(i) - 1), i);
		CHECK_U64(hist_log2__slot(hist_log2__slot_hi(i)), i + 1);
	}
	CHECK_U64(hist_log2__slot_lo(0), 0);
	CHECK_U64(hist_log2__slot_hi(0), 2);
}

static void test_log2_add_merge(void)
{
	struct hist_log2 a = { 0 }, b = { 0 };

	hist_log2__add(&a, 0);
	hist_log2__add(&a, 1);
	hist_log2__add(&a, 1000);
	hist_log2__add(&b, 1000);
	hist_log2__add(&b, UINT64_MAX);
	hist_log2__merge(&a, &b);
	CHECK_U64(a.count, 5);
	CHECK_U64(a.slots[0], 2);
	CHECK_U64(a.slots[9], 2);
	CHECK_U64(a.slots[63], 1);
	CHECK_U64(b.count, 2);
}

static void test_log2_print(void)
{
	struct hist_log2 h = { 0 };
	char *s = NULL;

	/* Empty: header only. */
	CAPTURE(s, hist_log2__print(&h, out, "usecs"));
	CHECK_STR(s, "     usecs               : count    distribution\n");
	free(s);

	/* 5, 6, 7 in slot 2; 100 in slot 6.  Slots 0-1 are trimmed, 3-5 kept. */
	hist_log2__add(&h, 5);
	hist_log2__add(&h, 6);
	hist_log2__add(&h, 7);
	hist_log2__add(&h, 100);
	CAPTURE(s, hist_log2__print(&h, out, "usecs"));
	CHECK_STR(s,
		  "     usecs               : count    distribution\n"
		  "         4 -> 7          : 3        |****************************************|\n"
		  "         8 -> 15         : 0        |                                        |\n"
		  "        16 -> 31         : 0        |                                        |\n"
		  "        32 -> 63         : 0        |                                        |\n"
		  "        64 -> 127        : 1        |*************                           |\n");
	free(s);

	/* Past slot 32 bcc widens the columns and halves the bar. */
	memset(&h, 0, sizeof(h));
	hist_log2__add(&h, 1ULL << 33);
	hist_log2__add(&h, 1ULL << 34);
	hist_log2__add(&h, 1ULL << 34);
	CAPTURE(s, hist_log2__print(&h, out, "nsecs"));
	CHECK_STR(s,
		  "               nsecs                         : count    distribution\n"
		  "          8589934592 -> 17179869183          : 1        |**********          |\n"
		  "         17179869184 -> 34359738367          : 2        |********************|\n");
	free(s);
}

static void test_log2_print_pct(void)
{
	struct hist_log2 h = { 0 };
	char *s = NULL;
	int i;

	CAPTURE(s, hist_log2__print_pct(&h, out, "us", 6));
	CHECK_STR(s, "");
	free(s);

	/* 0-1: 3 of 4 = 75% = 30 of 40 stars; 2-3: 25% = 10 stars. */
	for (i = 0; i < 3; i++)
		hist_log2__add(&h, 1);
	hist_log2__add(&h, 3);
	CAPTURE(s, hist_log2__print_pct(&h, out, "us", 6));
	CHECK_STR(s,
		  "      0-1us           :      3 ( 75.0%) |******************************          |\n"
		  "      2-3us           :      1 ( 25.0%) |**********                              |\n");
	free(s);

	/* Leading empty slots trimmed, inner ones kept; 1/3 = 33.3%, 13.3 -> 13 stars. */
	memset(&h, 0, sizeof(h));
	hist_log2__add(&h, 64);
	hist_log2__add(&h, 65);
	hist_log2__add(&h, 300);
	CAPTURE(s, hist_log2__print_pct(&h, out, "us", 2));
	CHECK_STR(s,
		  "  64-127us        :      2 ( 66.7%) |***************************             |\n"
		  "  128-255us       :      0 (  0.0%) |                                        |\n"
		  "  256-511us       :      1 ( 33.3%) |*************                           |\n");
	free(s);
}

static void test_lin(void)
{
	struct hist_lin h;
	char *s = NULL;
	json_t *j;
	int i;

	CHECK(hist_lin__init(&h, 0, 1000, 0) == -EINVAL);
	hist_lin__exit(&h);
	CHECK(hist_lin__init(&h, 10, 10, 1) == -EINVAL);
	CHECK(hist_lin__init(&h, 0, 100000000, 1) == -EINVAL);
	/* Rounding up to whole steps would pass 2^64. */
	CHECK(hist_lin__init(&h, 1, UINT64_MAX, (UINT64_MAX >> 1) + 1) == -EINVAL);
	/* Just fits: 2 steps of 2^63 - 1 from 1 end exactly at UINT64_MAX. */
	CHECK(hist_lin__init(&h, 1, UINT64_MAX, UINT64_MAX >> 1) == 0);
	CHECK_U64(h.max, UINT64_MAX);
	hist_lin__add(&h, UINT64_MAX - 1);
	CHECK_U64(h.slots[1], 1);
	hist_lin__exit(&h);
	hist_lin__exit(NULL);

	/* 2500 is rounded up to whole steps: 3 slots, max 3000. */
	CHECK(hist_lin__init(&h, 0, 2500, 1000) == 0);
	CHECK_U64(h.nr_slots, 3);
	CHECK_U64(h.max, 3000);
	for (i = 0; i < 3; i++)
		hist_lin__add(&h, 500);
	hist_lin__add(&h, 2999);
	hist_lin__add(&h, 3000);	/* max is exclusive: overflow */
	CHECK_U64(h.count, 5);
	CHECK_U64(h.slots[0], 3);
	CHECK_U64(h.slots[2], 1);
	CHECK_U64(h.over, 1);
	CHECK_U64(h.under, 0);
	CAPTURE(s, hist_lin__print(&h, out, NULL));
	CHECK_STR(s,
		  "[0, 1000)              3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		  "[1000, 2000)           0 |                                                    |\n"
		  "[2000, 3000)           1 |@@@@@@@@@@@@@@@@@                                   |\n"
		  "[3000, ...)            1 |@@@@@@@@@@@@@@@@@                                   |\n");
	free(s);
	hist_lin__exit(&h);
	CHECK(h.slots == NULL);

	/* Underflow shown first; trailing empty slots and zero overflow trimmed. */
	CHECK(hist_lin__init(&h, 100, 500, 100) == 0);
	hist_lin__add(&h, 5);
	hist_lin__add(&h, 100);
	hist_lin__add(&h, 199);
	CAPTURE(s, hist_lin__print(&h, out, "usecs"));
	CHECK_STR(s,
		  "(..., 100)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		  "[100, 200)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
	free(s);
	j = hist_lin__to_json(&h, "lo_us", "hi_us");
	s = json_dumps(j, JSON_COMPACT);
	CHECK_STR(s, "[{\"lo_us\":0,\"hi_us\":100,\"count\":1},"
		     "{\"lo_us\":100,\"hi_us\":200,\"count\":2}]");
	free(s);
	json_decref(j);
	hist_lin__add(&h, 900);
	{
		j = hist_lin__to_json(&h, NULL, NULL);
		s = json_dumps(j, JSON_COMPACT);
		CHECK_STR(s, "[{\"lo\":0,\"hi\":100,\"count\":1},{\"lo\":100,\"hi\":200,\"count\":2},"
			     "{\"lo\":500,\"hi\":null,\"count\":1}]");
		free(s);
		json_decref(j);
	}
	hist_lin__exit(&h);

	/* Empty: prints nothing. */
	CHECK(hist_lin__init(&h, 0, 10, 1) == 0);
	CAPTURE(s, hist_lin__print(&h, out, NULL));
	CHECK_STR(s, "");
	free(s);
	hist_lin__exit(&h);
}

static void test_log2_json(void)
{
	struct hist_log2 h = { 0 };
	json_t *j, *last;
	char *s;

	j = hist_log2__to_json(&h, "lo_ns", "hi_ns");
	CHECK(j && json_array_size(j) == 0);
	json_decref(j);

	hist_log2__add(&h, 0);
	hist_log2__add(&h, 5);
	hist_log2__add(&h, 7);
	j = hist_log2__to_json(&h, "lo_ns", "hi_ns");
	s = json_dumps(j, JSON_COMPACT);
	CHECK_STR(s, "[{\"lo_ns\":0,\"hi_ns\":2,\"count\":1},{\"lo_ns\":4,\"hi_ns\":8,\"count\":2}]");
	free(s);
	json_decref(j);

	/* Slot 63 bounds do not fit a json_int_t: reals. */
	hist_log2__add(&h, UINT64_MAX);
	j = hist_log2__to_json(&h, NULL, NULL);
	CHECK(json_array_size(j) == 3);
	last = json_array_get(j, 2);
	CHECK(json_is_real(json_object_get(last, "lo")));
	CHECK(json_real_value(json_object_get(last, "hi")) == 18446744073709551616.0);
	CHECK(json_integer_value(json_object_get(last, "count")) == 1);
	json_decref(j);
}

int main(void)
{
	test_log2_slots();
	test_log2_add_merge();
	test_log2_print();
	test_log2_print_pct();
	test_lin();
	test_log2_json();
	CHECK_DONE();
}
