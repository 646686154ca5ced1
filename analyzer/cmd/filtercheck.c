// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/filtercheck.c - the "filter matches nothing" check of the report commands
 * (see cmd/filtercheck.h): a pdata_tool that notes the recording's CPUs, time
 * span, devices and processes while the reports run, and the verdict.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/filtercheck.h"

static int fc_ready(struct pdata_tool *tool, struct pdata_session *s);
static int fc_sample(struct pdata_tool *tool, const struct pdata_sample *sm);

void filtercheck__init(struct filtercheck *fc)
{
	memset(fc, 0, sizeof(*fc));
	pktfilter_init(&fc->f);
	pdata_tool__init(&fc->tool);
	fc->tool.ready = fc_ready;
	fc->tool.sample = fc_sample;
}

void filtercheck__exit(struct filtercheck *fc)
{
	free(fc->pf);
	free(fc->pids);
	fc->pf = NULL;
	fc->pids = NULL;
}

int filtercheck__note(struct filtercheck *fc, const char *name, const char *arg)
{
	char *end;
	int err = 0;

	if (!name || !arg)
		return 0;
	if (!strcmp(name, "cpu")) {
		err = pktfilter_option(&fc->f, PKTFILTER_OPT_CPU, arg);
		fc->cpu_arg = err ? NULL : arg;
	} else if (!strcmp(name, "dev") || !strcmp(name, "interface")) {
		err = pktfilter_option(&fc->f, PKTFILTER_OPT_DEV, arg);
		fc->dev_arg = err ? NULL : arg;
	} else if (!strcmp(name, "time")) {
		err = pktfilter_option(&fc->f, PKTFILTER_OPT_TIME, arg);
		fc->time_arg = err ? NULL : arg;
	} else if (!strcmp(name, "pid")) {
		errno = 0;
		fc->pid = strtoll(arg, &end, 10);
		fc->pid_arg = errno || end == arg || *end ? NULL : arg;
	}
	return err;
}

bool filtercheck__active(const struct filtercheck *fc)
{
	return fc->cpu_arg || fc->dev_arg || fc->time_arg || fc->pid_arg;
}

static uint64_t hash_pid(int64_t pid)
{
	uint64_t h = (uint64_t)pid * 0x9e3779b97f4a7c15ULL;

	return h ^ (h >> 29);
}

/* Count a sample of process @pid (slots with n == 0 are empty). */
static int count_pid(struct filtercheck *fc, int64_t pid)
{
	size_t i;

	if (fc->nr_pids * 2 >= fc->cap_pids) {
		size_t cap = fc->cap_pids ? fc->cap_pids * 2 : 256, k;
		struct filtercheck_pid *n = calloc(cap, sizeof(*n));

		if (!n)
			return ovp_err(-ENOMEM, "out of memory");
		for (k = 0; k < fc->cap_pids; k++) {
			if (!fc->pids[k].n)
				continue;
			for (i = hash_pid(fc->pids[k].pid) & (cap - 1); n[i].n; i = (i + 1) & (cap - 1))
				;
			n[i] = fc->pids[k];
		}
		free(fc->pids);
		fc->pids = n;
		fc->cap_pids = cap;
	}
	for (i = hash_pid(pid) & (fc->cap_pids - 1); fc->pids[i].n && fc->pids[i].pid != pid;
	     i = (i + 1) & (fc->cap_pids - 1))
		;
	if (!fc->pids[i].n) {
		fc->pids[i].pid = pid;
		fc->nr_pids++;
	}
	fc->pids[i].n++;
	return 0;
}

static void note_dev(struct filtercheck *fc, const char *dev)
{
	int i;

	if (pktfilter_dev_ok(&fc->f, dev)) {
		fc->hit_dev = true;
		return;
	}
	for (i = 0; i < fc->nr_devs; i++)
		if (!strcmp(fc->devs[i], dev))
			return;
	if (fc->nr_devs == (int)(sizeof(fc->devs) / sizeof(fc->devs[0]))) {
		fc->more_devs = true;
		return;
	}
	snprintf(fc->devs[fc->nr_devs++], sizeof(fc->devs[0]), "%s", dev);
}

static int fc_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct filtercheck *fc = container_of(tool, struct filtercheck, tool);
	int i, n = pdata_session__nr_evsels(s);

	fc->s = s;
	if (!fc->dev_arg || !n)
		return 0;
	fc->pf = calloc(n, sizeof(*fc->pf));
	if (!fc->pf)
		return ovp_err(-ENOMEM, "out of memory");
	fc->nr_pf = n;
	for (i = 0; i < n; i++)
		pktfilter_fields__resolve(&fc->pf[i], pdata_session__evsel(s, i),
					  PKTFILTER_ANY_EVENT);
	return 0;
}

static int fc_sample(struct pdata_tool *tool, const struct pdata_sample *sm)
{
	struct filtercheck *fc = container_of(tool, struct filtercheck, tool);

	fc->nr_samples++;
	if (sm->time) {
		if (!fc->first || sm->time < fc->first)
			fc->first = sm->time;
		if (sm->time > fc->last)
			fc->last = sm->time;
		if (fc->time_arg && pktfilter_time_ok(&fc->f, sm->time, sm->time))
			fc->hit_time++;
	}
	if (sm->cpu != (uint32_t)-1) {
		ovp_cpuset__set(&fc->cpus, sm->cpu);
		fc->any_cpu = true;
		if (fc->cpu_arg && pktfilter_cpu_ok(&fc->f, sm->cpu))
			fc->hit_cpu = true;
	}
	if (fc->dev_arg && sm->evsel && sm->evsel->idx < fc->nr_pf &&
	    pktfilter_fields__has_dev(&fc->pf[sm->evsel->idx])) {
		char buf[64];
		const char *dev = pktfilter_fields__dev(&fc->pf[sm->evsel->idx], sm, buf,
							sizeof(buf));

		if (dev && *dev)
			note_dev(fc, dev);
	}
	if (fc->pid_arg) {
		if ((int64_t)sm->pid == fc->pid)
			fc->hit_pid = true;
		return count_pid(fc, (int64_t)sm->pid);
	}
	return 0;
}

/* "0-1,4" */
static void cpus_text(const struct ovp_cpuset *set, char *buf, size_t size)
{
	size_t len = 0;
	long c, start;

	buf[0] = '\0';
	for (c = 0; c < OVP_MAX_CPUS && len < size; c++) {
		if (!ovp_cpuset__has(set, c))
			continue;
		start = c;
		while (c + 1 < OVP_MAX_CPUS && ovp_cpuset__has(set, c + 1))
			c++;
		len += snprintf(buf + len, size - len, "%s%ld", len ? "," : "", start);
		if (c > start && len < size)
			len += snprintf(buf + len, size - len, "-%ld", c);
	}
}

static int cmp_pid_count(const void *a, const void *b)
{
	const struct filtercheck_pid *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int find_pid_cb(uint32_t tid, int64_t pid, const char *comm, void *arg)
{
	struct filtercheck *fc = arg;

	(void)comm;
	if (pid == fc->pid || (pid < 0 && (int64_t)tid == fc->pid))
		fc->hit_pid = true;
	return 0;
}

static int pid_verdict(struct filtercheck *fc, const char *input)
{
	char list[512] = "";
	size_t len = 0, i, k = 0;

	if (fc->s)
		pdata_session__for_each_thread(fc->s, find_pid_cb, fc);
	if (fc->hit_pid)
		return 0;
	/* The busiest processes first: compact the table and sort it. */
	for (i = 0; i < fc->cap_pids; i++)
		if (fc->pids[i].n)
			fc->pids[k++] = fc->pids[i];
	if (k)
		qsort(fc->pids, k, sizeof(*fc->pids), cmp_pid_count);
	for (i = 0; i < k && i < 5 && len < sizeof(list); i++) {
		const char *comm = fc->s ? pdata_session__comm(fc->s, (uint32_t)fc->pids[i].pid) : NULL;

		len += snprintf(list + len, sizeof(list) - len, "%s%s %" PRId64 " (%" PRIu64
				" samples)", i ? ", " : "", comm ? comm : "?", fc->pids[i].pid,
				fc->pids[i].n);
	}
	if (k > 5 && len < sizeof(list))
		snprintf(list + len, sizeof(list) - len, " and %zu more", k - 5);
	return ovp_err(FILTERCHECK_NOTHING, "%s: --pid %s matches nothing in the recording: "
		       "its processes (PIDs) are %s", input, fc->pid_arg, k ? list : "none");
}

int filtercheck__verdict(struct filtercheck *fc, const char *input)
{
	char buf[512];

	if (fc->cpu_arg && fc->any_cpu && !fc->hit_cpu) {
		cpus_text(&fc->cpus, buf, sizeof(buf));
		return ovp_err(FILTERCHECK_NOTHING, "%s: --cpu %s matches nothing in the recording: "
			       "its CPUs are %s", input, fc->cpu_arg, buf);
	}
	if (fc->time_arg && fc->nr_samples && !fc->hit_time)
		return ovp_err(FILTERCHECK_NOTHING, "%s: --time %s matches nothing in the "
			       "recording: it spans %" PRIu64 ".%09" PRIu64 " to %" PRIu64 ".%09"
			       PRIu64, input, fc->time_arg, fc->first / 1000000000,
			       fc->first % 1000000000, fc->last / 1000000000,
			       fc->last % 1000000000);
	if (fc->dev_arg && !fc->hit_dev && fc->nr_devs) {
		size_t len = 0;
		int i;

		buf[0] = '\0';
		for (i = 0; i < fc->nr_devs && len < sizeof(buf); i++)
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "",
					fc->devs[i]);
		return ovp_err(FILTERCHECK_NOTHING, "%s: --dev %s matches nothing in the "
			       "recording: its devices are %s%s", input, fc->dev_arg, buf,
			       fc->more_devs ? ", ..." : "");
	}
	if (fc->pid_arg && fc->nr_samples)
		return pid_verdict(fc, input);
	return 0;
}

