// SPDX-License-Identifier: Apache-2.0
/*
 * engine/lostwin.c - the LOST-window rule (see engine/lostwin.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lostwin.h"
#include "ovsperf/err.h"
#include "ovsperf/strutil.h"

void lostwin__exit(struct lostwin *w)
{
	if (!w)
		return;
	free(w->cpu_last);
	memset(w, 0, sizeof(*w));
}

int lostwin__grow(struct lostwin *w, uint32_t cpu, uint64_t time)
{
	size_t n = (size_t)cpu + 64;
	uint64_t *a;

	if (cpu >= OVP_MAX_CPUS)
		return 0;
	a = realloc(w->cpu_last, n * sizeof(*a));
	if (!a)
		return ovp_err(-ENOMEM, "out of memory");
	memset(a + w->nr_cpu_last, 0, (n - w->nr_cpu_last) * sizeof(*a));
	w->cpu_last = a;
	w->nr_cpu_last = n;
	w->cpu_last[cpu] = time;
	return 0;
}

uint64_t lostwin__horizon(const struct lostwin *w)
{
	uint64_t h = UINT64_MAX;

	for (size_t c = 0; c < w->nr_cpu_last; c++)
		if (w->cpu_last[c] && w->cpu_last[c] < h)
			h = w->cpu_last[c];
	return h == UINT64_MAX ? 0 : h;
}

bool lostwin__window(const struct lostwin *w, const struct pdata_lost *lost, uint64_t last_time,
		     uint64_t *lo, uint64_t *hi)
{
	/*
	 * perf record appends a LOST_SAMPLES record per event at the end, with no
	 * time, from the events' lost counters: nothing lost, or the same losses
	 * the LOST records already delimit.  Only timed records make windows.
	 */
	if (!lost->nr || (lost->type == PERF_RECORD_LOST_SAMPLES && !lost->time))
		return false;
	*hi = lost->time ? lost->time : last_time;
	if (lost->cpu != (uint32_t)-1)
		*lo = lost->cpu < w->nr_cpu_last ? w->cpu_last[lost->cpu] : 0;
	else
		*lo = lostwin__horizon(w);
	return true;
}
