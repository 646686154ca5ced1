// SPDX-License-Identifier: Apache-2.0
/*
 * out/text-journey.c - the text summary of `ovsperf-analyze journey`, after
 * its blocks (out/journey-blocks.c), written from the report's model
 * (reports.journey of ovsperf-json(7), plus _default_run, _identities,
 * _max_events and _lost_events): packets shown and left out, identity
 * counts, events not kept or ignored, losses.
 *
 * A writer: it reads the model and nothing else.
 */
#include <inttypes.h>

#include "out/text.h"

static uint64_t num(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

int text_journey(const json_t *m, FILE *out)
{
	uint64_t limited = num(m, "packets_over_limit");

	fprintf(out, "Packets: %" PRIu64 " shown", num(m, "packets_shown"));
	if (num(m, "packets_filtered"))
		fprintf(out, ", %" PRIu64 " filtered out", num(m, "packets_filtered"));
	if (limited && json_is_true(json_object_get(m, "_default_run")))
		fprintf(out, ", %" PRIu64 " more (all of them: ovsperf-analyze journey FILE)",
			limited);
	else if (limited)
		fprintf(out, ", %" PRIu64 " over --limit", limited);
	fprintf(out, " (of %" PRIu64 "; %" PRIu64 " events)\n", num(m, "packets"),
		num(m, "events_total"));
	if (json_is_true(json_object_get(m, "_identities"))) {
		fprintf(out, "Identities: %" PRIu64 " freed, %" PRIu64 " in flight at the end, %"
			PRIu64 " evicted (--max-inflight %" PRIu64 "), %" PRIu64 " clones, at most %"
			PRIu64 " in flight\n", num(m, "freed"), num(m, "in_flight_at_end"),
			num(m, "evicted"), num(m, "max_inflight"), num(m, "clones"),
			num(m, "max_in_flight_seen"));
		if (num(m, "head_changes"))
			fprintf(out, "Head changes (data reallocated under a live skb): %" PRIu64
				"\n", num(m, "head_changes"));
	}
	if (num(m, "kfree_skbmem_followups"))
		fprintf(out, "kfree_skbmem events folded into the free just before: %" PRIu64
			"\n", num(m, "kfree_skbmem_followups"));
	if (num(m, "events_not_kept"))
		fprintf(out, "Events not kept (--max-events %" PRIu64 "): %" PRIu64 "\n",
			num(m, "_max_events"), num(m, "events_not_kept"));
	if (num(m, "events_null_skb"))
		fprintf(out, "Events with a null skb (ignored): %" PRIu64 "\n",
			num(m, "events_null_skb"));
	if (num(m, "_lost_events"))
		fprintf(out, "Warning: %" PRIu64 " events were lost: journeys around the losses "
			"are incomplete\n", num(m, "_lost_events"));
	return 0;
}
