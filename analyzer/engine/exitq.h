/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/exitq.h - threads that exited (PERF_RECORD_EXIT), oldest exit first: the
 * queue behind the per-thread tables that free a thread's state a horizon
 * after its exit (kernel-delay's engine, export's thread tracks).
 *
 * A thread's last events follow its EXIT record closely (the final
 * switch-out comes microseconds later), so a table frees its state only
 * EXITQ_HORIZON_NS of recording time after the exit; at most EXITQ_MAX exits
 * wait, and beyond that the oldest leaves early (man ovsperf-analyze(1)).
 *
 *	exitq__push(q, tid, time, &early)	per EXIT record; 1 = early is due now
 *	while (exitq__pop_due(q, now, &x))	per event, cheap when nothing is due
 *		free x.tid's state if it is still the thread that exited at x.time
 */
#ifndef OVSPERF_EXITQ_H
#define OVSPERF_EXITQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXITQ_HORIZON_NS (5ull * 1000000000ull)
#define EXITQ_MAX 8192

/* One exit: the thread and the time of its EXIT record. */
struct exitq_ent {
	uint32_t tid;
	uint64_t time;
};

/* A ring of exits, oldest at head; zero-initialised = empty. */
struct exitq {
	struct exitq_ent *v;		/* cap entries */
	size_t head, nr, cap;
};

/**
 * exitq__push() - queue the exit of @tid at @time.
 * @early: when EXITQ_MAX exits wait already, receives the oldest, taken out
 *	to make room (the caller treats it as due).
 *
 * Return: 1 when @early was set, 0, or -ENOMEM (message set).
 */
int exitq__push(struct exitq *q, uint32_t tid, uint64_t time, struct exitq_ent *early);

/* Take the oldest exit into *@out when it is more than EXITQ_HORIZON_NS
 * before @now; false (nothing taken) otherwise. */
static inline bool exitq__pop_due(struct exitq *q, uint64_t now, struct exitq_ent *out)
{
	const struct exitq_ent *h;

	if (!q->nr)
		return false;
	h = &q->v[q->head];
	if (now <= h->time || now - h->time <= EXITQ_HORIZON_NS)
		return false;
	*out = *h;
	q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
	q->nr--;
	return true;
}

/* Free the queue (the struct itself is the caller's). */
void exitq__exit(struct exitq *q);

#endif /* OVSPERF_EXITQ_H */
