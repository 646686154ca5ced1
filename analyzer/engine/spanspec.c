// SPDX-License-Identifier: Apache-2.0
/*
 * engine/spanspec.c - packet span specifications (see engine/spanspec.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "engine/spanspec.h"

const struct spanspec_preset spanspec_presets[] = {
	{ "ovs-dp", "ovs_vport_receive->do_output,ovs_dp_upcall" },
	{ "backlog", "enqueue_to_backlog|net:netif_rx->__netif_receive_skb|net:netif_receive_skb"
		     "->ip_rcv?" },
};
const size_t spanspec_nr_presets = sizeof(spanspec_presets) / sizeof(spanspec_presets[0]);

const char *const spanspec_free_events[] = { "skb:kfree_skb", "skb:consume_skb", "kfree_skbmem" };
const size_t spanspec_nr_free_events =
	sizeof(spanspec_free_events) / sizeof(spanspec_free_events[0]);

const char *const spanspec_key_fields[] = { "skb", "skbaddr", NULL };

bool spanspec__warn_reused(const struct pdata_session *s, const char *what)
{
	static bool warned;
	int i, n = pdata_session__nr_evsels(s);
	size_t p;

	for (i = 0; i < n; i++)
		for (p = 0; p < spanspec_nr_free_events; p++)
			if (pdata_evsel__matches(pdata_session__evsel(s, i),
						 spanspec_free_events[p]))
				return true;
	if (!warned)
		ovp_warn("%s: the recording has no event that frees an skb (skb:kfree_skb, "
			 "skb:consume_skb or a kfree_skbmem probe): the kernel reuses skb and "
			 "head addresses, so one packet identity may join two packets; record "
			 "skb:kfree_skb and skb:consume_skb too", what);
	warned = true;
	return false;
}

int spanspec__parse_timeout(const char *opt, const char *arg, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0, scale = 1000000000ull;
	const char *p = arg;

	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		sec = sec * 10 + (uint64_t)(*p - '0');
		if (sec > 1000000000ull)	/* 31 years: more is no bound */
			goto bad;
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
		}
	}
	if (*p)
		goto bad;
	*ns = sec * 1000000000ull + frac;
	return 0;
bad:
	return ovp_err(-EINVAL, "%s: '%s' is not a number of seconds (e.g. 5 or 0.5; 0 = never)",
		       opt, arg);
}

const struct spanspec_preset *spanspec__preset(const char *name)
{
	for (size_t i = 0; i < spanspec_nr_presets; i++)
		if (!strcmp(spanspec_presets[i].name, name))
			return &spanspec_presets[i];
	return NULL;
}

/* Add to @st the first event that answers one of the '|' choices of @alt
 * (modified); note in @out the others answering the same choice. */
static int resolve_alt(struct pdata_session *s, const char *spec, char *alt,
		       struct spanspec *out, int *nr_alts, int *evsel)
{
	int n = pdata_session__nr_evsels(s), found = -1;
	char *choice, *save = NULL;

	for (choice = strtok_r(alt, "|", &save); choice && found < 0;
	     choice = strtok_r(NULL, "|", &save)) {
		for (int i = 0; i < n; i++) {
			struct pdata_evsel *ev = pdata_session__evsel(s, i);

			if (!pdata_evsel__matches(ev, choice))
				continue;
			if (found >= 0) {
				if (out->nr_ignored < SPANSPEC_MAX_IGNORED) {
					out->ignored[out->nr_ignored].evsel = i;
					out->ignored[out->nr_ignored].used = found;
				}
				out->nr_ignored++;
				continue;
			}
			found = i;
		}
	}
	/* An alternative the recording lacks is left out of the stage. */
	if (found < 0)
		return 0;
	if (*nr_alts == SPANSPEC_MAX_ALTS)
		return ovp_err(-EINVAL, "span '%s': too many events in a stage", spec);
	evsel[(*nr_alts)++] = found;
	return 0;
}

int spanspec__parse(struct spanspec *out, const char *name, const char *spec,
		    struct pdata_session *s, bool strict)
{
	char *copy = strdup(spec), *stage, *next;
	int err = 0, nst = 0;

	memset(out, 0, sizeof(*out));
	if (!copy)
		return ovp_err(-ENOMEM, "out of memory");
	for (stage = copy; stage; stage = next) {
		char *alt, *save = NULL;
		bool optional = false;
		size_t len;

		next = strstr(stage, "->");
		if (next) {
			*next = '\0';
			next += 2;
		}
		if (!*stage)
			continue;	/* "A->->B" or a trailing "->": nothing there */
		if (nst == SPAN_MAX_STAGES) {
			err = ovp_err(-EINVAL, "span '%s': more than %d stages", spec,
				      SPAN_MAX_STAGES);
			goto out;
		}
		len = strlen(stage);
		if (stage[len - 1] == '?') {
			optional = true;
			stage[len - 1] = '\0';
		}
		for (alt = strtok_r(stage, ",", &save); alt && s; alt = strtok_r(NULL, ",", &save)) {
			err = resolve_alt(s, spec, alt, out, &out->stages[nst].nr_alts,
					  out->stages[nst].evsel);
			if (err)
				goto out;
		}
		if (!out->stages[nst].nr_alts && s) {
			if (optional)
				break;	/* an optional last stage: the span ends earlier */
			if (strict)
				err = ovp_err(-ENOENT, "span %s: no event of stage %d ('%s') in "
					      "the recording (see 'ovsperf-analyze info')", name,
					      nst + 1, spec);
			else
				err = 1;
			goto out;
		}
		nst++;
	}
	if (nst < 2) {
		err = ovp_err(-EINVAL, "span '%s': needs at least two stages (A->B)", spec);
		goto out;
	}
	out->nr_stages = nst;
out:
	free(copy);
	return err;
}
