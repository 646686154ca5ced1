// SPDX-License-Identifier: Apache-2.0
/*
 * progress.c - the progress line of a long read (progress.h): the reader
 * (pdata-read.c) ticks it every few thousand records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "progress.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void progress__start(struct progress *p, bool on, uint64_t delay_ns)
{
	p->on = on;
	p->shown = false;
	p->delay = delay_ns;
	p->t0 = p->last = now_ns();
	if (!delay_ns)
		p->last = 0;
}

void progress__tick(struct progress *p, uint64_t events, uint64_t done, uint64_t total)
{
	uint64_t dt;
	double rate;

	/* At most four lines a second; nothing before the delay. */
	if (!p->on || now_ns() - p->last < 250000000ull)
		return;
	p->last = now_ns();
	if (p->last - p->t0 < p->delay)
		return;
	dt = now_ns() - p->t0;
	rate = dt ? (double)events * 1e9 / (double)dt : 0;
	if (total)
		fprintf(stderr, "\r[%3.0f%%] %" PRIu64 " events, %.1f M events/s ",
			100.0 * (double)done / (double)total, events, rate / 1e6);
	else
		fprintf(stderr, "\r%" PRIu64 " events, %.1f M events/s ", events, rate / 1e6);
	p->shown = true;
}

void progress__end(struct progress *p)
{
	if (p->on && p->shown)
		fprintf(stderr, "\r%60s\r", "");
	p->shown = false;
}
