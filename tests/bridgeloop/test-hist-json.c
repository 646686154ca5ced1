// SPDX-License-Identifier: Apache-2.0
/*
 * test-hist-json.c - out/hist-json.c: a histogram written as a report model's
 * buckets (hist_lin__to_json / hist_log2__to_json) and read back for the
 * text writers is the same histogram: every slot, the underflow and the
 * overflow of a linear one, slots 0 and 63 of a log2 one, and its printed
 * text byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include "out/hist-json.h"

static int failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__,  \
				__LINE__, #cond);                              \
			failed++;                                              \
		}                                                              \
	} while (0)

/* The text of @print(@h) in a string (caller frees). */
static char *printed(void (*print)(const void *h, FILE *out), const void *h)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	print(h, f);
	fclose(f);
	return buf;
}

static void print_lin(const void *h, FILE *out)
{
	hist_lin__print(h, out, "usecs");
}

static void print_log2(const void *h, FILE *out)
{
	hist_log2__print(h, out, "usecs");
}

static void test_lin(uint64_t min, const uint64_t *vals, size_t n)
{
	struct hist_lin h, back;
	json_t *shape, *buckets;
	char *a, *b;
	size_t i;

	CHECK(!hist_lin__init(&h, min, min + 1000, 100));
	for (i = 0; i < n; i++)
		hist_lin__add(&h, vals[i]);
	buckets = hist_lin__to_json(&h, "lo_us", "hi_us");
	shape = json_pack("{s:I, s:I, s:I}", "min", (json_int_t)h.min, "max", (json_int_t)h.max,
			  "step", (json_int_t)h.step);
	CHECK(!out_hist_lin_from_json(&back, shape, buckets, "lo_us", "hi_us"));
	CHECK(back.under == h.under && back.over == h.over && back.count == h.count);
	CHECK(back.nr_slots == h.nr_slots);
	CHECK(!memcmp(back.slots, h.slots, h.nr_slots * sizeof(*h.slots)));
	a = printed(print_lin, &h);
	b = printed(print_lin, &back);
	CHECK(!strcmp(a, b));
	free(a);
	free(b);
	json_decref(shape);
	json_decref(buckets);
	hist_lin__exit(&h);
	hist_lin__exit(&back);
}

int main(void)
{
	/* Underflow, first slot, a gap of empty slots, last slot, overflow. */
	static const uint64_t lin_vals[] = { 3, 50, 50, 120, 950, 1049, 1050, 99999, 7 };
	/* From 0: no underflow; the [0, 100) slot must stay a slot. */
	static const uint64_t lin0_vals[] = { 0, 99, 100, 5000 };
	static const uint64_t log2_vals[] = { 0, 1, 2, 3, 1000, 1ull << 40, UINT64_MAX,
					      UINT64_MAX - 1 };
	struct hist_log2 h = { 0 }, back;
	json_t *buckets;
	char *a, *b;
	size_t i;

	test_lin(10, lin_vals, sizeof(lin_vals) / sizeof(lin_vals[0]));
	test_lin(0, lin0_vals, sizeof(lin0_vals) / sizeof(lin0_vals[0]));
	test_lin(10, NULL, 0);

	for (i = 0; i < sizeof(log2_vals) / sizeof(log2_vals[0]); i++)
		hist_log2__add(&h, log2_vals[i]);
	buckets = hist_log2__to_json(&h, "lo_us", "hi_us");
	out_hist_log2_from_json(&back, buckets, "lo_us");
	CHECK(!memcmp(&back, &h, sizeof(h)));
	CHECK(back.slots[63] == 2 && back.slots[0] == 2);
	a = printed(print_log2, &h);
	b = printed(print_log2, &back);
	CHECK(!strcmp(a, b));
	free(a);
	free(b);
	json_decref(buckets);

	CHECK(out_json_u64(json_null()) == 0);
	CHECK(out_json_u64(NULL) == 0);
	if (failed)
		fprintf(stderr, "FAIL: %d checks\n", failed);
	else
		printf("ok: linear and log2 histograms survive the model\n");
	return failed != 0;
}
