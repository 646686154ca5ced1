// SPDX-License-Identifier: Apache-2.0
/*
 * perf-cmd.c - the events of probe sets as perf record's -e options
 * (`ovsperf-probe perf-cmd`): each event once, an optional probe only when it
 * is installed, the further sites of a USDT probe that install created, and
 * --exclude-perf after raw_syscalls tracepoints.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tracefs.h>

#include "probe-local.h"

/* The tracefs directory, if there is one (perf-cmd does not need it). */
static const char *perfcmd_tracefs(void)
{
	const char *dir = getenv("OVSPERF_TRACEFS");
	struct stat st;

	if (!dir || !*dir)
		dir = tracefs_tracing_dir();
	return dir && !stat(dir, &st) ? dir : NULL;
}

static bool optional_missing(const struct probe_spec *s)
{
	const char *dir = perfcmd_tracefs();
	char path[4096];
	struct stat st;

	if (!s->optional || s->kind == PROBE_TRACEPOINT || !dir)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s", dir, PROBE_GROUP, s->event);
	return stat(path, &st) != 0;
}

/* Events of further sites of a USDT probe that install created ("NAME_1"). */
static void print_more_sites(const struct probe_spec *s, FILE *out)
{
	const char *dir = perfcmd_tracefs();
	char path[4096];
	struct stat st;
	int i;

	if (s->kind != PROBE_USDT || !dir)
		return;
	for (i = 1;; i++) {
		snprintf(path, sizeof(path), "%s/events/%s/%s_%d", dir, PROBE_GROUP, s->event, i);
		if (stat(path, &st))
			break;
		fprintf(out, " -e %s:%s_%d", PROBE_GROUP, s->event, i);
	}
}

void probe_sets__perf_events(struct probe_set *const *sets, size_t nr, bool space, FILE *out)
{
	size_t i, j, k;

	for (i = 0, k = 0; i < nr; i++) {
		for (j = 0; j < sets[i]->nr_specs; j++) {
			const struct probe_spec *s = &sets[i]->specs[j];
			size_t m;
			bool dup = false;

			/* The same event from two sets is recorded once. */
			for (m = 0; m < i && !dup; m++) {
				size_t q;

				for (q = 0; q < sets[m]->nr_specs && !dup; q++)
					dup = sets[m]->specs[q].kind == s->kind &&
					      !strcmp(sets[m]->specs[q].event, s->event);
			}
			for (m = 0; m < j && !dup; m++)
				dup = sets[i]->specs[m].kind == s->kind &&
				      !strcmp(sets[i]->specs[m].event, s->event);
			if (dup || optional_missing(s))
				continue;
			if (s->kind == PROBE_TRACEPOINT)
				fprintf(out, "%s-e %s", k++ || space ? " " : "", s->target);
			else
				fprintf(out, "%s-e %s:%s", k++ || space ? " " : "", PROBE_GROUP,
					s->event);
			print_more_sites(s, out);
			/* perf's own syscalls would feed back into the recording. */
			if (s->kind == PROBE_TRACEPOINT && !strncmp(s->target, "raw_syscalls:", 13))
				fputs(" --exclude-perf", out);
		}
	}
}
