/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/spanspec.h - packet span specifications, shared by the latency report and
 * the timeline export: the presets, the events that free an skb, the key
 * fields, and the parser of "A->B,C->D?" against a recording's events.
 *
 * Syntax: stages are separated by "->"; alternatives of a stage by ',' (all
 * of them count, e.g. two egress points); '|' picks the first event of the
 * list that the recording has; a trailing '?' makes a last stage optional.
 * An event name is matched as pdata_evsel__matches() does ("net:netif_rx",
 * or a bare "do_output" in any group).
 */
#ifndef OVSPERF_SPANSPEC_H
#define OVSPERF_SPANSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "ovsperf/pdata.h"
#include "engine/span.h"

/* Most events a stage may have. */
#define SPANSPEC_MAX_ALTS 8

struct spanspec_preset {
	const char *name;
	const char *spec;
};

extern const struct spanspec_preset spanspec_presets[];
extern const size_t spanspec_nr_presets;

/* Events that free an skb: a pending key is forgotten (dropped). */
extern const char *const spanspec_free_events[];
extern const size_t spanspec_nr_free_events;

/* Fields that carry the skb address, NULL-terminated. */
extern const char *const spanspec_key_fields[];

/**
 * spanspec__warn_reused() - say once per run that packet identities may join
 * two packets.
 * @s: the recording.
 * @what: the report or export that follows packets by address ("latency").
 *
 * skb and head addresses are reused by the kernel as soon as a packet is
 * freed; only a free event (spanspec_free_events) ends an identity.  When the
 * recording has none, one warning on stderr names the events to record; a
 * later call in the same run (the default run's other reports) says nothing.
 *
 * Return: true when the recording has a free event.
 */
bool spanspec__warn_reused(const struct pdata_session *s, const char *what);

/* The preset called @name, NULL if none. */
const struct spanspec_preset *spanspec__preset(const char *name);

/* Events left out of a span that are listed by name (more are counted). */
#define SPANSPEC_MAX_IGNORED 8

/* A span resolved against a recording: each stage's events (evsel indices),
 * and the events left out because an earlier one answers the same choice. */
struct spanspec {
	int nr_stages;
	struct {
		int nr_alts;
		int evsel[SPANSPEC_MAX_ALTS];
	} stages[SPAN_MAX_STAGES];
	int nr_ignored;			/* all of them; the first listed below */
	struct {
		int evsel;		/* the event left out */
		int used;		/* the event used for its choice */
	} ignored[SPANSPEC_MAX_IGNORED];
};

/**
 * spanspec__parse() - resolve @spec against the events of @s.
 * @out: the stages and their events.
 * @name: the span's name, for messages.
 * @spec: the specification (syntax above).
 * @s: the recording; NULL checks the syntax only (no stage has events then).
 * @strict: a required stage without events is an error (else: return 1).
 *
 * One probe point, one event: when a second event of the recording answers
 * the same choice (probe:ovs_dp_upcall and openvswitch:ovs_dp_upcall, the
 * same function probed in two groups, would see each packet twice), the
 * first recorded is used and the other left out: @out->ignored names both,
 * for the report to show.
 *
 * Return: 0, 1 (not applicable: some required stage has no event, and not
 * @strict), or a negative errno (message set).
 */
int spanspec__parse(struct spanspec *out, const char *name, const char *spec,
		    struct pdata_session *s, bool strict);

/*
 * Bounds on the open spans of one span (man ovsperf-analyze(1), "Open spans
 * are bounded"): a span whose end has not come this long after its start, in
 * recording time, expires (--span-timeout); at most this many are open at
 * once, a new one beyond it expires the oldest (one warning).  An open span
 * takes about 128 bytes: the cap keeps them under 9 MB.
 */
#define SPANSPEC_TIMEOUT_NS (5ull * 1000000000ull)
#define SPANSPEC_MAX_OPEN 65536

/**
 * spanspec__parse_timeout() - parse --span-timeout's SECONDS (decimal, e.g.
 * 5 or 0.25; 0 = spans never expire by time).
 * @opt: the option's name, for messages.
 * @arg: the text.
 * @ns: receives nanoseconds (0 = never).
 *
 * Return: 0 or -EINVAL (message set).
 */
int spanspec__parse_timeout(const char *opt, const char *arg, uint64_t *ns);

#endif /* OVSPERF_SPANSPEC_H */
