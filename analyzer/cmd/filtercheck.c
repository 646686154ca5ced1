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
#include "ovsperf/hash.h"

static int fc_ready(struct pdata_tool *tool, struct pdata_session *s);
static int fc_sample(struct pdata_tool *tool, const struct pdata_sample *sm);

void filtercheck__init(struct filtercheck *fc)
{
	memset(fc, 0, sizeof(*fc));
	ovp_hmap_init(&fc->pids);
	pktfilter_init(&fc->f);
	pdata_tool__init(&fc->tool);
	fc->tool.ready = fc_ready;
	fc->tool.sample = fc_sample;
}

void filtercheck__exit(struct filtercheck *fc)
{
	struct ovp_hmap_node *next;
	struct filtercheck_pid *p;

	free(fc->pf);
	fc->pf = NULL;
	if (!fc->pids.buckets)
		return;
	OVP_HMAP_FOR_EACH_SAFE (p, next, node, &fc->pids)
		free(p);
	ovp_hmap_exit(&fc->pids);
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

/* Count a sample of process @pid (the recording's pids: the seeded hash). */
static int count_pid(struct filtercheck *fc, int64_t pid)
{
	size_t hash = (size_t)ovp_hash64((uint64_t)pid);
	struct filtercheck_pid *p;

	OVP_HMAP_FOR_EACH_WITH_HASH (p, node, hash, &fc->pids) {
		if (p->pid == pid) {
			p->n++;
			return 0;
		}
	}
	p = malloc(sizeof(*p));
	if (!p)
		return ovp_err(-ENOMEM, "out of memory");
	p->pid = pid;
	p->n = 1;
	ovp_hmap_insert_nocap(&fc->pids, &p->node, hash);
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
	const struct filtercheck_pid *x = OVP_HMAP_OBJ(*(struct ovp_hmap_node *const *)a, x, node);
	const struct filtercheck_pid *y = OVP_HMAP_OBJ(*(struct ovp_hmap_node *const *)b, y, node);

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
	size_t len = 0, i, k = ovp_hmap_count(&fc->pids);
	struct ovp_hmap_node **sorted;

	if (fc->s)
		pdata_session__for_each_thread(fc->s, find_pid_cb, fc);
	if (fc->hit_pid)
		return 0;
	/* The busiest processes first. */
	if (ovp_hmap_sorted(&fc->pids, cmp_pid_count, &sorted))
		return ovp_err(-ENOMEM, "out of memory");
	for (i = 0; i < k && i < 5 && len < sizeof(list); i++) {
		const struct filtercheck_pid *p = OVP_HMAP_OBJ(sorted[i], p, node);
		const char *comm = fc->s ? pdata_session__comm(fc->s, (uint32_t)p->pid) : NULL;

		len += snprintf(list + len, sizeof(list) - len, "%s%s %" PRId64 " (%" PRIu64
				" samples)", i ? ", " : "", comm ? comm : "?", p->pid, p->n);
	}
	free(sorted);
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

