/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record-filter.h - `ovsperf-probe record -p PID` made system-wide with
 * tracepoint filters, for sets whose analysis needs other tasks' scheduler
 * events (see record-filter.c).
 */
#ifndef OVSPERF_PROBE_RECORD_FILTER_H
#define OVSPERF_PROBE_RECORD_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Longest filter, with its NUL: the kernel copies at most a page. */
#define RECORD_FILTER_MAX 4096

/* Do the events @names ("SYSTEM:EVENT") include a scheduler event whose
 * per-task recording would miss what happens in other tasks? */
bool record_filter__needed(const char *const *names, size_t n);

/**
 * record_filter__tids() - the thread ids of process @pid, sorted.
 * @tidsp: receives the array (the caller frees it).
 * @nrp: receives its length.
 * Return: 0, -ESRCH (no such process) or -ENOMEM (message set).
 */
int record_filter__tids(pid_t pid, pid_t **tidsp, size_t *nrp);

/**
 * record_filter__build() - the tracepoint filter of @event for threads @tids.
 * @event: "SYSTEM:EVENT".
 * @tids: the threads (@nr of them).
 * @out: receives the filter (the caller frees it).
 * Return: 0, -E2BIG when it would be longer than RECORD_FILTER_MAX (the
 * message says what to do instead), -ENOMEM.
 */
int record_filter__build(const char *event, const pid_t *tids, size_t nr, char **out);

/**
 * record_filter__new_threads() - how many threads of @pid are not in @tids
 * (created after the filter was made, so not recorded).
 * Return: 0 (a process that is gone has none) or -ENOMEM.
 */
int record_filter__new_threads(pid_t pid, const pid_t *tids, size_t nr, size_t *nr_new);

#endif /* OVSPERF_PROBE_RECORD_FILTER_H */
