// SPDX-License-Identifier: Apache-2.0
/*
 * out/text-drops.c - the text of `ovsperf-analyze drops`, written from the
 * report's model (report/drops.c: reports.drops of ovsperf-json(7), plus
 * _reason_names): the reasons with their locations, devices and callchains,
 * then the drops by location, device and flow, and the normal frees.
 *
 * A writer: it reads the model and nothing else.
 */
#include <inttypes.h>
#include <string.h>

#include "ovsperf/strutil.h"
#include "out/text.h"

/* A string member; "?" when absent (a name that is not UTF-8 has no JSON
 * string: the model leaves it out). */
static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static uint64_t num(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

static double pct(uint64_t part, uint64_t total)
{
	return 100.0 * part / total;
}

/* A "locations" array: LOCATION, COUNT and % of @total. */
static void print_locs(FILE *out, const json_t *locs, uint64_t total, int indent)
{
	const json_t *l;
	size_t i;

	fprintf(out, "%*s%-48s %10s %7s\n", indent, "", "LOCATION", "COUNT", "%");
	json_array_foreach(locs, i, l)
		fprintf(out, "%*s%-48s %10" PRIu64 " %6.1f%%\n", indent, "", str(l, "location"),
			num(l, "count"), total ? pct(num(l, "count"), total) : 0.0);
}

static const char *dev_name(const json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "device"));

	return s ? s : "(unknown)";
}

/* One reason: its locations, devices and most frequent callchains. */
static void print_reason(FILE *out, const json_t *r, bool has_dev)
{
	const json_t *v, *f;
	uint64_t count = num(r, "count");
	size_t i, k;

	fprintf(out, "\n%s: %" PRIu64 " drop%s\n", str(r, "reason"), count,
		count == 1 ? "" : "s");
	print_locs(out, json_object_get(r, "locations"), count, 4);
	if (has_dev) {
		fprintf(out, "    %-48s %10s\n", "DEVICE", "COUNT");
		json_array_foreach(json_object_get(r, "devices"), i, v)
			fprintf(out, "    %-48s %10" PRIu64 "\n", dev_name(v), num(v, "count"));
	}
	json_array_foreach(json_object_get(r, "callchains"), i, v) {
		uint64_t n = num(v, "count");

		fprintf(out, "    callchain #%zu: %" PRIu64 " time%s\n", i + 1, n,
			n == 1 ? "" : "s");
		json_array_foreach(json_object_get(v, "frames"), k, f)
			fprintf(out, "        %s\n", json_string_value(f) ?: "?");
	}
}

int text_drops(const json_t *m, FILE *out)
{
	const json_t *v, *reasons = json_object_get(m, "reasons");
	const json_t *normal = json_object_get(m, "normal_frees");
	const json_t *identity = json_object_get(m, "identity");
	bool has_dev = json_object_get(m, "devices") != NULL;
	uint64_t drops = num(m, "drops");
	char t1[32], t2[32];
	size_t i;

	fprintf(out, "DROPS: packets freed by");
	json_array_foreach(json_object_get(m, "events"), i, v)
		fprintf(out, "%s%s", i ? ", " : " ", json_string_value(v) ?: "?");
	fprintf(out, "\n");
	if (json_is_true(json_object_get(m, "reason_field")))
		fprintf(out, "Reasons: named from the recording's own format (%" PRIu64 " names)\n",
			num(m, "_reason_names"));
	else
		fprintf(out, "Reasons: not recorded (this kernel's kfree_skb has no reason "
			"field)\n");
	if (num(m, "_seen_twice"))
		fprintf(out, "Counted once: %" PRIu64 " drop%s seen both by an Open vSwitch drop "
			"probe and by skb:kfree_skb\n", num(m, "_seen_twice"),
			num(m, "_seen_twice") == 1 ? "" : "s");
	if (json_is_string(identity))
		fprintf(out, "Devices: the last device each dropped packet passed (identity: %s)\n",
			!strcmp(json_string_value(identity), "head") ?
			"(head, skb)" : "skb address, frees as boundaries");
	fprintf(out, "\nDrops: %" PRIu64, drops);
	if (drops)
		fprintf(out, "  first %s  last %s", ovp_fmt_ns(num(m, "first_ns"), t1, sizeof(t1)),
			ovp_fmt_ns(num(m, "last_ns"), t2, sizeof(t2)));
	fprintf(out, "\n\n");
	if (json_array_size(reasons)) {
		fprintf(out, "%-32s %10s %7s  %-18s %-18s\n", "REASON", "COUNT", "%", "FIRST",
			"LAST");
		json_array_foreach(reasons, i, v)
			fprintf(out, "%-32s %10" PRIu64 " %6.1f%%  %-18s %-18s\n", str(v, "reason"),
				num(v, "count"), pct(num(v, "count"), drops),
				ovp_fmt_ns(num(v, "first_ns"), t1, sizeof(t1)),
				ovp_fmt_ns(num(v, "last_ns"), t2, sizeof(t2)));
		json_array_foreach(reasons, i, v)
			print_reason(out, v, has_dev);
		fprintf(out, "\nDrops by location:\n");
		print_locs(out, json_object_get(m, "locations"), drops, 2);
		if (has_dev) {
			fprintf(out, "\nDrops by device:\n  %-48s %10s %7s\n", "DEVICE", "COUNT",
				"%");
			json_array_foreach(json_object_get(m, "devices"), i, v)
				fprintf(out, "  %-48s %10" PRIu64 " %6.1f%%\n", dev_name(v),
					num(v, "count"), pct(num(v, "count"), drops));
		}
		if (json_array_size(json_object_get(m, "flows"))) {
			fprintf(out, "\nDrops by flow:\n  %-48s %10s\n", "FLOW", "COUNT");
			json_array_foreach(json_object_get(m, "flows"), i, v)
				fprintf(out, "  %-48s %10" PRIu64 "\n", str(v, "flow"),
					num(v, "count"));
		}
	}
	fprintf(out, "\nNormal frees (not drops): %" PRIu64 " (consume_skb %" PRIu64
		", kfree_skb reason CONSUMED %" PRIu64 ")\n", num(normal, "count"),
		num(normal, "consume_skb"), num(normal, "kfree_skb_consumed"));
	if (num(normal, "count"))
		print_locs(out, json_object_get(normal, "locations"), num(normal, "count"), 2);
	if (num(m, "lost_events"))
		fprintf(out, "\nWarning: %" PRIu64 " events were lost: counts are lower bounds\n",
			num(m, "lost_events"));
	return 0;
}
