// SPDX-License-Identifier: Apache-2.0
/*
 * out/text-upcall-cost.c - the text of `ovsperf-analyze upcall-cost`, in
 * upcall_cost.py's look (its text_histogram3 bars included), drawn from the
 * report's model (report/upcall-cost.c: the "upcall_cost" object of
 * ovsperf-json(7) plus its '_' members) and from nothing else.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "out/hist-json.h"
#include "out/text.h"

static uint64_t u64(const json_t *o, const char *key)
{
	return out_json_u64(json_object_get(o, key));
}

static double real(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_real(v) ? json_real_value(v) : (double)out_json_u64(v);
}

/* upcall_cost.py --sets: the data set, as Python prints a list of floats. */
static void print_data_set(FILE *out, const json_t *vals, uint64_t n)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(vals)) {
		fprintf(out, "# (the %" PRIu64 " values were not kept: the memory bound was "
			"reached)\n", n);
		return;
	}
	fputc('[', out);
	json_array_foreach(vals, i, x) {
		uint64_t v = out_json_u64(x);
		char b[32];
		size_t len;

		len = (size_t)snprintf(b, sizeof(b), "%" PRIu64 ".%03" PRIu64, v / 1000, v % 1000);
		while (len > 2 && b[len - 1] == '0' && b[len - 2] != '.')
			b[--len] = 0;
		fprintf(out, "%s%s", i ? ", " : "", b);
	}
	fputs("]\n", out);
}

static void print_bar(FILE *out, uint64_t n, uint64_t scale)
{
	uint64_t i;

	for (i = 0; i < n / scale; i++)
		fputs("\xe2\x88\x8e", out);	/* U+220E, as text_histogram3 */
}

static void print_costs(FILE *out, const char *title, const json_t *c)
{
	uint64_t n = u64(c, "count"), top = 0, scale;
	const json_t *buckets = json_object_get(c, "_buckets"), *x;
	double min, max, sd, width;
	size_t i, nb;

	fprintf(out, "\n=> %s (microseconds):\n", title);
	if (json_object_get(c, "_values"))
		print_data_set(out, json_object_get(c, "_values"), n);
	if (!n) {
		fprintf(out, "# NumSamples = 0\n");
		return;
	}
	min = u64(c, "min_ns") / 1e3;
	max = u64(c, "max_ns") / 1e3;
	sd = real(c, "stddev_ns") / 1e3;
	fprintf(out, "# NumSamples = %" PRIu64 "; Min = %.2f; Max = %.2f\n", n, min, max);
	fprintf(out, "# Mean = %f; Variance = %f; SD = %f; Median %f\n",
		real(c, "mean_ns") / 1e3, sd * sd, sd, real(c, "_median_us"));
	nb = json_array_size(buckets);
	if (!nb)
		return;
	width = (max - min) / (int)nb;
	json_array_foreach(buckets, i, x)
		if (out_json_u64(x) > top)
			top = out_json_u64(x);
	scale = top > 40 ? (top + 39) / 40 : 1;
	fprintf(out, "# each \xe2\x88\x8e represents a count of %" PRIu64 "\n", scale);
	for (i = 0; i < nb; i++) {
		uint64_t count = out_json_u64(json_array_get(buckets, i));

		fprintf(out, "%10.4f - %10.4f [%6" PRIu64 "]: ", min + width * i,
			min + width * (i + 1), count);
		print_bar(out, count, scale);
		fputc('\n', out);
		if (width <= 0)
			break;
	}
}

/* Upcalls per batch: sizes 1-32 and 33-64 side by side, then over 64. */
static void print_batches(FILE *out, const json_t *model)
{
	const json_t *bh = json_object_get(model, "batch_histogram"), *x;
	uint64_t b[64] = { 0 }, high = u64(bh, "over_64"), top = 0, scale;
	size_t i;

	fprintf(out, "\n=> Histogram of upcalls per batch:\n");
	if (!u64(model, "_nr_batches")) {
		fprintf(out, "# NumSamples = 0\n");
		return;
	}
	json_array_foreach(json_object_get(bh, "buckets"), i, x) {
		uint64_t size = u64(x, "size");

		if (size >= 1 && size <= 64)
			b[size - 1] = u64(x, "count");
	}
	for (i = 0; i < 64; i++)
		top = b[i] > top ? b[i] : top;
	top = high > top ? high : top;
	scale = top > 4 ? top / 4 : 1;
	fprintf(out, "# NumSamples = %" PRIu64 "; Min = %" PRIu64 "; Max = %" PRIu64 "\n",
		u64(bh, "samples"), u64(bh, "min"), u64(bh, "max"));
	fprintf(out, "# each \xe2\x88\x8e represents a count of %" PRIu64 "\n", scale);
	for (i = 0; i < 32; i++) {
		int pad;

		fprintf(out, "%5zu [%8" PRIu64 "]: ", i + 1, b[i]);
		print_bar(out, b[i], scale);
		pad = 22 - (int)(b[i] / scale);
		fprintf(out, "%*s  %5zu [%8" PRIu64 "]: ", pad > 0 ? pad : 0, "", i + 33, b[i + 32]);
		print_bar(out, b[i + 32], scale);
		fputc('\n', out);
	}
	if (high) {
		fprintf(out, "%5s [%8" PRIu64 "]: ", ">64", high);
		print_bar(out, high, scale);
		fputc('\n', out);
	}
}

int text_upcall_cost(const json_t *model, FILE *out)
{
	const json_t *events = json_object_get(model, "events"), *x;
	const json_t *u = json_object_get(model, "uncorrelated");
	bool by_length_only = json_is_true(json_object_get(u, "matched_by_length_only"));
	uint64_t usable = 0, sets = u64(model, "sets");
	size_t i;

	if (json_is_true(json_object_get(model, "_no_text")))
		return 0;
	/* The usable events (what the engine keeps, or what the stored sets
	 * were made from). */
	json_array_foreach(events, i, x)
		usable += u64(x, "usable");
	fprintf(out, "- Analyzing results (%" PRIu64 " events)...\n", usable);
	fprintf(out, "\n=> Events received per type (usable/total) [missed events]:\n");
	json_array_foreach(events, i, x)
		fprintf(out, "  %-36s: %10" PRIu64 "/%10" PRIu64 " [%10" PRIu64 "]%s\n",
			json_string_value(json_object_get(x, "type")), u64(x, "usable"),
			u64(x, "total"), u64(x, "missed"),
			json_is_string(json_object_get(x, "event")) ? "" : "  (not recorded)");
	if (!sets)
		fprintf(out, "No upcall data sets where found!!\n");
	else
		fprintf(out, "\n- Analyzing %" PRIu64 " event sets...\n", sets);
	fprintf(out, "\n=> Upcalls handled per thread:\n");
	json_array_foreach(json_object_get(model, "threads"), i, x) {
		const char *comm = json_string_value(json_object_get(x, "name"));
		char name[64];

		snprintf(name, sizeof(name), "%s (%" PRIu64 ")", comm ? comm : "<unknown>",
			 u64(x, "tid"));
		fprintf(out, "  %-36s: %10" PRIu64 "\n", name, u64(x, "upcalls"));
	}
	print_batches(out, model);

	print_costs(out, "Kernel upcall action to vswitchd receive",
		    json_object_get(model, "kernel_to_vswitchd"));
	print_costs(out, "vswitchd execute to kernel receive",
		    json_object_get(model, "vswitchd_to_kernel"));
	print_costs(out, "Upcall overhead (total time minus lookup)",
		    json_object_get(model, "overhead"));
	print_costs(out, "Kernel upcall to kernel packet execute",
		    json_object_get(model, "kernel_to_kernel_exec"));

	fprintf(out, "\n=> Not correlated:\n");
	fprintf(out, "  %-44s: %10" PRIu64 "  (no later recv_upcall with the same length%s)\n",
		"kernel upcalls without recv_upcall", u64(u, "dp_upcall_no_recv"),
		by_length_only ? "" : " and packet bytes");
	fprintf(out, "  %-44s: %10" PRIu64 "  (no earlier matching kernel upcall)\n",
		"recv_upcalls without kernel upcall", u64(u, "recv_no_dp_upcall"));
	fprintf(out, "  %-44s: %10" PRIu64 "  (packet matches no upcall of its batch)\n",
		"op_flow_execute out of sync", u64(u, "exec_out_of_sync"));
	fprintf(out, "  %-44s: %10" PRIu64 "  (more than the batch's upcalls)\n",
		"op_flow_put left over", u64(u, "put_left_over"));
	fprintf(out, "  %-44s: %10" PRIu64 "  (more than the batch's executes)\n",
		"ovs_packet_cmd_execute left over", u64(u, "pkt_exec_left_over"));
	fprintf(out, "  %-44s: %10" PRIu64 " / %" PRIu64 " / %" PRIu64 "\n",
		"sets without put / execute / packet execute", u64(u, "sets_no_put"),
		u64(u, "sets_no_exec"), u64(u, "sets_no_pkt_exec"));
	if (json_is_true(json_object_get(model, "_handler_filter")))
		fprintf(out, "  %-44s: %10" PRIu64 "  (--handler-filter)\n",
			"upcalls received by other handlers", u64(u, "other_handlers"));
	fprintf(out, "\n=> Paired by: in-port %s, length, packet bytes %s",
		json_is_true(json_object_get(u, "matched_by_port")) ? "yes"
			: "no (not recorded on both sides)",
		by_length_only ? "no (the kernel events carry none)" : "yes");
	if (!by_length_only)
		fprintf(out, " (%" PRIu64 " differing only in the L4 checksum)",
			u64(u, "checksum_only_differences"));
	fputc('\n', out);
	return 0;
}
