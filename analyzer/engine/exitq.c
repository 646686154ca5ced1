// SPDX-License-Identifier: Apache-2.0
/*
 * engine/exitq.c - the queue of exited threads (see engine/exitq.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exitq.h"
#include "ovsperf/err.h"

int exitq__push(struct exitq *q, uint32_t tid, uint64_t time, struct exitq_ent *early)
{
	int ret = 0;

	if (q->nr == EXITQ_MAX) {
		*early = q->v[q->head];
		q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
		q->nr--;
		ret = 1;
	}
	if (q->nr == q->cap) {
		/* Grow, unwrapped: the oldest goes to slot 0. */
		size_t n = q->cap ? q->cap * 2 : 256, k;
		struct exitq_ent *v = malloc(n * sizeof(*v));

		if (!v)
			return ovp_err(-ENOMEM, "out of memory for exited threads");
		for (k = 0; k < q->nr; k++)
			v[k] = q->v[(q->head + k) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = n;
		q->head = 0;
	}
	q->v[(q->head + q->nr++) % q->cap] = (struct exitq_ent){ .tid = tid, .time = time };
	return ret;
}

void exitq__exit(struct exitq *q)
{
	free(q->v);
	memset(q, 0, sizeof(*q));
}
