/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/lostwin.h - the LOST-window rule of the packet spans: a LOST record
 * says events were lost on its CPU since the last event of that CPU, so the
 * window is (last sample time of the record's CPU, the record's time);
 * without a CPU it starts at the oldest last-sample time of any CPU
 * (conservative).  perf's untimed LOST_SAMPLES totals at the end of a
 * recording and records that lost nothing open no window.  The span engines
 * (engine/span.h) take the windows: span_engine__lost().
 */
#ifndef OVSPERF_ENGINE_LOSTWIN_H
#define OVSPERF_ENGINE_LOSTWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsperf/pdata.h"

struct lostwin {
	uint64_t *cpu_last;		/* last sample time per CPU, 0 = none yet */
	size_t nr_cpu_last;
};

/* Free (the struct starts zeroed; NULL ok). */
void lostwin__exit(struct lostwin *w);

int lostwin__grow(struct lostwin *w, uint32_t cpu, uint64_t time);

/* A sample of @cpu at @time (CPUs beyond OVP_MAX_CPUS are not followed).
 * Return: 0 or -ENOMEM (message set). */
static inline int lostwin__seen(struct lostwin *w, uint32_t cpu, uint64_t time)
{
	if (cpu >= w->nr_cpu_last)
		return lostwin__grow(w, cpu, time);
	w->cpu_last[cpu] = time;
	return 0;
}

/*
 * lostwin__window() - the window a LOST or LOST_SAMPLES record (decoded by
 * the reader, @lost) opens: *@lo, *@hi; @last_time is the time of the last
 * sample, the end of a window whose record has no time.
 * Return: false when the record opens none.
 */
bool lostwin__window(const struct lostwin *w, const struct pdata_lost *lost, uint64_t last_time,
		     uint64_t *lo, uint64_t *hi);

/* No LOST record still to come can open a window before this time (CPUs
 * without a sample yet do not count). */
uint64_t lostwin__horizon(const struct lostwin *w);

#endif /* OVSPERF_ENGINE_LOSTWIN_H */
