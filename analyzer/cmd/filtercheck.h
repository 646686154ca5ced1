/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/filtercheck.h - a filter that matches nothing in the recording is a
 * mistake to say, not an empty report to print.
 *
 * The report commands' --cpu, --dev/--interface, --time and --pid options
 * are noted while the command line is parsed (by option name, whatever
 * report defines them); when one was given, a small tool joins the pass and
 * notes what the recording has: the CPUs and the time span of its samples,
 * the device names its events carry, its processes.  After the pass, a
 * filter nothing matched gives one line saying so and what there is
 * ("--cpu 7 matches nothing in the recording: its CPUs are 0-1"), and the
 * command exits 1, before any report is printed.  Without these options the
 * tool is not added: no cost.
 */
#ifndef OVSPERF_FILTERCHECK_H
#define OVSPERF_FILTERCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/analyze.h"
#include "decode/pktfilter.h"
#include "ovsperf/hmap.h"

/* The error filtercheck__verdict() returns: exit status 1, not 2. */
#define FILTERCHECK_NOTHING (-EDOM)

struct filtercheck_pid {
	struct ovp_hmap_node node;	/* in pids, by pid */
	int64_t pid;
	uint64_t n;			/* samples */
};

struct filtercheck {
	struct pdata_tool tool;
	struct pdata_session *s;
	/* What was asked (the argument as given, NULL when not). */
	const char *cpu_arg, *dev_arg, *time_arg, *pid_arg;
	struct pktfilter f;		/* --cpu, --dev and --time parsed */
	int64_t pid;
	/* What the recording has. */
	struct ovp_cpuset cpus;
	bool any_cpu;
	uint64_t first, last;		/* sample times */
	uint64_t nr_samples, hit_time;
	bool hit_cpu, hit_dev, hit_pid;
	struct pktfilter_fields *pf;	/* per evsel */
	int nr_pf;
	char devs[32][32];		/* distinct device names seen (the first 32) */
	int nr_devs;
	bool more_devs;
	struct ovp_hmap pids;		/* struct filtercheck_pid by pid (not movable) */
};

void filtercheck__init(struct filtercheck *fc);
void filtercheck__exit(struct filtercheck *fc);

/**
 * filtercheck__note() - an option of a report command: kept when @name is
 * "cpu", "dev", "interface", "time" or "pid".
 *
 * Return: 0, or negative errno when the argument does not parse (the report
 * itself says so with its own message: this is ignored then).
 */
int filtercheck__note(struct filtercheck *fc, const char *name, const char *arg);

/* Was any of the options given (then add filtercheck__tool() to the pass)? */
bool filtercheck__active(const struct filtercheck *fc);
static inline struct pdata_tool *filtercheck__tool(struct filtercheck *fc)
{
	return &fc->tool;
}

/**
 * filtercheck__verdict() - after the pass.
 *
 * Return: 0, or FILTERCHECK_NOTHING with the message set (the first filter
 * that matched nothing, and what the recording has).
 */
int filtercheck__verdict(struct filtercheck *fc, const char *input);

#endif /* OVSPERF_FILTERCHECK_H */
