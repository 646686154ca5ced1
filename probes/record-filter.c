// SPDX-License-Identifier: Apache-2.0
/*
 * record-filter.c - `ovsperf-probe record -p PID` for sets that need other
 * tasks' scheduler events (kernel-delay's run and ready times).
 *
 * A per-task perf event only fires while its task runs: a thread's
 * sched_switch *to* it runs in the previous task, its wakeups in the waker,
 * so per-task recording misses what run and ready time are made of.  Such
 * recordings are therefore made system-wide, on every CPU, with a tracepoint
 * filter per event that keeps the process's threads, as kernel_delay.py
 * filters in BPF and scripts/make-testdata does for testdata/kdelay.data:
 *	sched:sched_switch	prev_pid == T || ... || next_pid == T || ...
 *	sched:sched_wakeup*	pid == T || ...		(the wakee)
 *	everything else		common_pid == T || ...	(the task it ran in)
 * The thread list is the process's at the start: threads it creates later
 * are not followed (record_filter__new_threads() tells).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ovsperf/err.h>

#include "record-filter.h"

static const char *const sched_events[] = {
	"sched:sched_switch", "sched:sched_wakeup", "sched:sched_wakeup_new",
	"sched:sched_waking",
};

bool record_filter__needed(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(sched_events) / sizeof(sched_events[0]); k++)
			if (!strcmp(names[i], sched_events[k]))
				return true;
	return false;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

int record_filter__tids(pid_t pid, pid_t **tidsp, size_t *nrp)
{
	char path[64];
	struct dirent *d;
	pid_t *tids = NULL;
	size_t nr = 0, cap = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return ovp_err(-ESRCH, "no process %d", pid);
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		if (nr == cap) {
			pid_t *t = realloc(tids, (cap = cap ? cap * 2 : 16) * sizeof(*t));

			if (!t) {
				free(tids);
				closedir(dir);
				return ovp_err(-ENOMEM, "out of memory");
			}
			tids = t;
		}
		tids[nr++] = atoi(d->d_name);
	}
	closedir(dir);
	if (!nr) {
		free(tids);
		return ovp_err(-ESRCH, "no threads in process %d", pid);
	}
	qsort(tids, nr, sizeof(*tids), cmp_pid);
	*tidsp = tids;
	*nrp = nr;
	return 0;
}

/* Append "FIELD == T" for every tid, joined by " || ". */
static int append_terms(char *buf, size_t size, size_t *len, const char *field,
			const pid_t *tids, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		int n = snprintf(buf + *len, size - *len, "%s%s == %d", *len ? " || " : "", field,
				 tids[i]);

		if (n < 0 || (size_t)n >= size - *len)
			return -E2BIG;
		*len += (size_t)n;
	}
	return 0;
}

int record_filter__build(const char *event, const pid_t *tids, size_t nr, char **out)
{
	char *buf = malloc(RECORD_FILTER_MAX);
	size_t len = 0;
	int err;

	if (!buf)
		return ovp_err(-ENOMEM, "out of memory");
	buf[0] = '\0';
	if (!strcmp(event, "sched:sched_switch")) {
		err = append_terms(buf, RECORD_FILTER_MAX, &len, "prev_pid", tids, nr);
		err = err ?: append_terms(buf, RECORD_FILTER_MAX, &len, "next_pid", tids, nr);
	} else if (!strncmp(event, "sched:sched_wak", 15)) {
		err = append_terms(buf, RECORD_FILTER_MAX, &len, "pid", tids, nr);
	} else {
		err = append_terms(buf, RECORD_FILTER_MAX, &len, "common_pid", tids, nr);
	}
	if (err) {
		free(buf);
		return ovp_err(err, "-p: the process has %zu threads, too many for the tracepoint "
			       "filter of %s (at most %d characters); record system-wide (-a) "
			       "and give ovsperf-analyze kernel-delay --pid", nr, event,
			       RECORD_FILTER_MAX - 1);
	}
	*out = buf;
	return 0;
}

int record_filter__new_threads(pid_t pid, const pid_t *tids, size_t nr, size_t *nr_new)
{
	pid_t *now = NULL;
	size_t n = 0;
	int err;

	*nr_new = 0;
	err = record_filter__tids(pid, &now, &n);
	if (err == -ESRCH) {
		ovp_err_clear();
		return 0;	/* the process is gone: nothing new to miss */
	}
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		if (!bsearch(&now[i], tids, nr, sizeof(*tids), cmp_pid))
			(*nr_new)++;
	free(now);
	return 0;
}
