// SPDX-License-Identifier: Apache-2.0
/*
 * report/kernel-delay-busiest.c - the busiest threads of a kernel-delay run over every
 * process (see report/kernel-delay-busiest.h): scored once at the end, over the window
 * results, so the per-event path is unchanged; their tids and names go into
 * the report's model (out/text-kernel-delay.c prints them).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "report/kernel-delay-busiest.h"

struct score {
	uint32_t tid;
	uint64_t ns;
};

static int cmp_score(const void *a, const void *b)
{
	const struct score *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Time of @t: on a CPU plus inside system calls (every syscall counted). */
static uint64_t busy_ns(const struct kd_thread_stats *t)
{
	uint64_t ns = t->run.total_ns;
	size_t i;

	for (i = 0; i < t->nr_sys; i++)
		ns += t->sys[i].acc.total_ns;
	return ns;
}

size_t kd_busiest_keep(struct kd_sample *samples, size_t nr_samples, size_t keep,
		       uint32_t *tids)
{
	struct score *sc = NULL;
	size_t nr = 0, cap = 0, i, j, k, kept;
	uint32_t *sorted;

	/* Every window's threads are sorted by tid: merge them into scores. */
	for (i = 0; i < nr_samples; i++) {
		for (j = 0; j < samples[i].nr_threads; j++) {
			const struct kd_thread_stats *t = &samples[i].threads[j];

			for (k = 0; k < nr && sc[k].tid != t->tid; k++)
				;
			if (k == nr) {
				if (nr == cap) {
					struct score *p;

					cap = cap ? cap * 2 : 64;
					p = realloc(sc, cap * sizeof(*sc));
					if (!p) {
						free(sc);
						return 0;
					}
					sc = p;
				}
				sc[nr].tid = t->tid;
				sc[nr++].ns = 0;
			}
			sc[k].ns += busy_ns(t);
		}
	}
	if (nr)
		qsort(sc, nr, sizeof(*sc), cmp_score);
	kept = nr < keep ? nr : keep;
	for (i = 0; i < kept; i++)
		tids[i] = sc[i].tid;
	free(sc);

	sorted = malloc((kept ? kept : 1) * sizeof(*sorted));
	if (!sorted)
		return 0;
	for (i = 0; i < kept; i++)
		sorted[i] = tids[i];
	qsort(sorted, kept, sizeof(*sorted), cmp_u32);
	for (i = 0; i < nr_samples; i++) {
		struct kd_sample *s = &samples[i];

		for (j = 0, k = 0; j < s->nr_threads; j++) {
			if (bsearch(&s->threads[j].tid, sorted, kept, sizeof(*sorted), cmp_u32))
				s->threads[k++] = s->threads[j];
			else
				free(s->threads[j].sys);
		}
		s->nr_threads = k;
	}
	free(sorted);
	return kept;
}

json_t *kd_busiest_names(const struct pdata_session *s, const uint32_t *tids, size_t nr)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < nr; i++) {
		const char *comm = pdata_session__comm(s, tids[i]);

		json_array_append_new(a, comm ? json_string(comm) : json_null());
	}
	return a;
}

json_t *kd_busiest_json(const uint32_t *tids, size_t nr)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < nr; i++)
		json_array_append_new(a, json_integer(tids[i]));
	return a;
}
