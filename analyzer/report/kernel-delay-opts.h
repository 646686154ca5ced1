/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/kernel-delay-opts.h - options of `ovsperf-analyze kernel-delay`
 * (report/kernel-delay-opts.c), handled by the report (report/kernel-delay.c);
 * whole numbers go through ovp_parse_uint_opt().
 */
#ifndef OVSPERF_KDELAY_OPTS_H
#define OVSPERF_KDELAY_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

/* Long-option keys (short ones are their letters: 'p', 's', 'D'). */
enum kd_opt {
	OPT_PID = 256,
	OPT_SAMPLE_TIME,
	OPT_SAMPLE_COUNT,
	OPT_SAMPLE_INTERVAL,
	OPT_START_TRIGGER,
	OPT_STOP_TRIGGER,
	OPT_TRIGGER_DELTA,
	OPT_SYSCALL_EVENTS,
	OPT_SKIP_POLL,
	OPT_STACK_SIZE,
	OPT_LONG_POLL,
	OPT_DEBUG,
	OPT_BUFFER_PAGES,
};

/* The getopt_long table and the help text. */
extern const struct option kd_options[];
extern const char kd_usage[];

/* A plain number is seconds (kernel_delay's float SECONDS); else a duration
 * with a unit.  Return: 0 or -EINVAL (message set). */
int kd_parse_seconds(const char *arg, uint64_t *ns);

/* Whether @next is the value of option @key given without one (argparse's
 * nargs='?': "-s 50000", "-D 3"). */
bool kd_value_follows(int key, const char *next);

#endif
