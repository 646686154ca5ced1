// SPDX-License-Identifier: Apache-2.0
/*
 * record-clock.c - the clock of `ovsperf-probe record`'s samples and the
 * CLOCK_DATA that maps it to the wall clock, as `perf record -k monotonic`
 * writes them: every event samples CLOCK_MONOTONIC (attr.use_clockid), and
 * the header holds CLOCKID (the clock's resolution, ns) and CLOCK_DATA
 * (version 1, clock id, then a wall-clock time and the CLOCK_MONOTONIC
 * time of the same instant), so reports, `perf script -F tod` and the
 * pcapng export show real dates.
 */
#include <string.h>
#include <time.h>

#include "ovsperf/pdata.h"
#include "ovsperf/pdata-writer.h"
#include "record-clock.h"

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

void rec_clock__attr(struct perf_event_attr *attr)
{
	attr->use_clockid = 1;
	attr->clockid = CLOCK_MONOTONIC;
}

int rec_clock__set_features(struct pdata_writer *w)
{
	struct timespec m1, tod, m2, res;
	uint8_t data[24];
	uint32_t version = 1, clockid = CLOCK_MONOTONIC;
	uint64_t tod_ns, mono_ns, res_ns;
	int err;

	/* The wall clock read between two monotonic reads: their middle is the
	 * monotonic time of that instant, to within half the gap. */
	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &tod);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	mono_ns = ts_ns(&m1) + (ts_ns(&m2) - ts_ns(&m1)) / 2;
	tod_ns = ts_ns(&tod);
	res_ns = clock_getres(CLOCK_MONOTONIC, &res) ? 1 : ts_ns(&res);
	memcpy(data, &version, 4);
	memcpy(data + 4, &clockid, 4);
	memcpy(data + 8, &tod_ns, 8);
	memcpy(data + 16, &mono_ns, 8);
	err = pdata_writer__set_feature(w, PDATA_FEAT_CLOCKID, &res_ns, sizeof(res_ns));
	return err ?: pdata_writer__set_feature(w, PDATA_FEAT_CLOCK_DATA, data, sizeof(data));
}
