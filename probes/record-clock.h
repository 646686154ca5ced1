/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record-clock.h - sample clock and CLOCK_DATA of `ovsperf-probe record`
 * (record-clock.c).
 */
#ifndef OVSPERF_PROBE_RECORD_CLOCK_H
#define OVSPERF_PROBE_RECORD_CLOCK_H

#include <linux/perf_event.h>

struct pdata_writer;

/* Make @attr sample CLOCK_MONOTONIC, the clock CLOCK_DATA describes. */
void rec_clock__attr(struct perf_event_attr *attr);

/* Set the CLOCKID and CLOCK_DATA features of @w (wall clock now).
 * Return: 0 or negative errno (message set). */
int rec_clock__set_features(struct pdata_writer *w);

#endif
