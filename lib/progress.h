/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progress.h - a progress line on stderr for a long read: "[ 42%] N events,
 * R M events/s", redrawn in place at most four times a second, shown only
 * after a delay (a short read shows none), erased at the end.
 *
 *	progress__start(&p, opts.progress, 1000000000);
 *	... at check points: progress__tick(&p, events, bytes_done, bytes_total);
 *	progress__end(&p);
 */
#ifndef OVSPERF_PROGRESS_H
#define OVSPERF_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool on;		/* asked for: draw it */
	bool shown;		/* a line is on the terminal */
	uint64_t t0;		/* start (CLOCK_MONOTONIC ns) */
	uint64_t last;		/* last look at the clock */
	uint64_t delay;		/* nothing is drawn before t0 + delay */
};

/* Start the clock.  @delay_ns 0 draws at the first tick (tests). */
void progress__start(struct progress *p, bool on, uint64_t delay_ns);

/* A check point: redraw if a quarter of a second has passed since the last
 * look and the delay is over.  @total 0: unknown, no percentage. */
void progress__tick(struct progress *p, uint64_t events, uint64_t done, uint64_t total);

/* Erase the line if one was drawn. */
void progress__end(struct progress *p);

#endif /* OVSPERF_PROGRESS_H */
