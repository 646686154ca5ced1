/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/upcall-sets.h - the matched event sets of `ovsperf-analyze upcall-cost`,
 * stored as JSON (--write-sets) and read back (--read-sets) so that the
 * report is made again without the recording, as upcall_cost.py reuses a
 * saved trace with -r.
 */
#ifndef OVSPERF_UPCALL_SETS_H
#define OVSPERF_UPCALL_SETS_H

#include <jansson.h>

#include "engine/upcall-match.h"

/* What a stored file adds to the engine's results: names and losses. */
struct uc_stored {
	char *event[UC_NR_TYPES];	/* recorded event names, NULL: not recorded */
	uint64_t missed[UC_NR_TYPES];
	char **thread_name;		/* per e->threads[i], NULL entries allowed */
	size_t nr_thread_names;
	char *source;			/* the recording the sets came from */
};

/*
 * uc_sets__to_json() - the engine's results after uc_engine__finish():
 * event counts (@event names and @missed per type), every matched set with
 * the times of its events, the handler threads (@comm gives a thread's
 * name, may return NULL), the batch sizes and the uncorrelated counts.
 * Return: a new object, NULL on allocation failure.
 */
json_t *uc_sets__to_json(const struct uc_engine *e, const char *source,
			 const char *const event[UC_NR_TYPES], const uint64_t missed[UC_NR_TYPES],
			 const char *(*comm)(void *arg, uint32_t tid), void *arg);

/*
 * uc_sets__load() - rebuild @e (initialised, empty) and @st from a file
 * written by --write-sets: the sets' events, the sets, threads, batches and
 * counts; the cost sections are computed again from the sets.
 * Return: 0, or negative errno with the message set (bad file: -EINVAL).
 */
int uc_sets__load(struct uc_engine *e, struct uc_stored *st, const char *path);

/* Free what uc_sets__load() allocated in @st. */
void uc_stored__exit(struct uc_stored *st);

#endif
