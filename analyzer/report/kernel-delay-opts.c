// SPDX-License-Identifier: Apache-2.0
/*
 * report/kernel-delay-opts.c - the options of `ovsperf-analyze kernel-delay`, spelled as
 * kernel_delay.py's (argparse) are: the table, the help text, the time
 * parser, and which optional values may follow as the next argument
 * ("-s 50000").  Whole numbers go through ovp_parse_uint_opt().  Part of
 * the report (report/kernel-delay.c), which handles the options.
 */
#include <errno.h>
#include <stdlib.h>

#include "report/kernel-delay-opts.h"
#include "ovsperf/err.h"
#include "ovsperf/strutil.h"

const struct option kd_options[] = {
	{ "pid", required_argument, NULL, OPT_PID },
	{ "sample-time", required_argument, NULL, OPT_SAMPLE_TIME },
	{ "sample-count", required_argument, NULL, OPT_SAMPLE_COUNT },
	{ "sample-interval", required_argument, NULL, OPT_SAMPLE_INTERVAL },
	{ "start-trigger", required_argument, NULL, OPT_START_TRIGGER },
	{ "stop-trigger", required_argument, NULL, OPT_STOP_TRIGGER },
	{ "trigger-delta", required_argument, NULL, OPT_TRIGGER_DELTA },
	{ "syscall-events", optional_argument, NULL, OPT_SYSCALL_EVENTS },
	{ "skip-syscall-poll-events", no_argument, NULL, OPT_SKIP_POLL },
	{ "stack-trace-size", required_argument, NULL, OPT_STACK_SIZE },
	{ "long-poll", required_argument, NULL, OPT_LONG_POLL },
	{ "debug", optional_argument, NULL, OPT_DEBUG },
	{ "buffer-page-count", required_argument, NULL, OPT_BUFFER_PAGES },
	{ NULL, 0, NULL, 0 },
};

const char kd_usage[] =
	"  -p, --pid PID              the monitored process (default: the ovs-vswitchd\n"
	"                             named in the recording's COMM records)\n"
	"      --sample-time T        window length (seconds, or with a unit: 500ms);\n"
	"                             default: the whole recording is one window\n"
	"      --sample-count N       number of windows (default 1 with --sample-time or\n"
	"                             triggers; 0 = as many as the recording holds)\n"
	"      --sample-interval T    gap between windows (seconds or with a unit)\n"
	"      --start-trigger EV     open a window on event EV (perf name, or\n"
	"                             kernel_delay's u:PROV:PROBE, t:SYS:EV, k:FUNC,\n"
	"                             kr:FUNC, up:FUNC, upr:FUNC)\n"
	"      --stop-trigger EV      close the window on event EV\n"
	"      --trigger-delta NS     skip windows whose stop-start delta is below NS\n"
	"  -s, --syscall-events [NS]  list each syscall (longer than NS) with its stacks\n"
	"                             (a number after -s is its value, as in\n"
	"                             kernel_delay.py: -s 50000, -s50000, -s=50000)\n"
	"      --skip-syscall-poll-events  leave poll() out of that list\n"
	"      --stack-trace-size N   0: do not print the stacks of syscall events\n"
	"      --long-poll T          LONG POLL threshold (default 1s); 'all': every\n"
	"                             poll() to poll() interval with AVERAGE/MIN/MAX\n"
	"                             columns, as OVS master's kernel_delay.py\n"
	"  -D, --debug [N]            accepted for kernel_delay.py; no eBPF program here,\n"
	"                             so it changes nothing\n"
	"      --buffer-page-count N  accepted for kernel_delay.py; the buffer size was\n"
	"                             chosen at record time (ovsperf-probe record -m)\n";

/* A plain number is seconds (kernel_delay's float SECONDS); else a duration. */
int kd_parse_seconds(const char *arg, uint64_t *ns)
{
	char *end;
	double v;

	v = strtod(arg, &end);
	if (end != arg && !*end) {
		if (v < 0 || v > 1e9)
			return ovp_err(-EINVAL, "bad time '%s'", arg);
		*ns = (uint64_t)(v * 1e9 + 0.5);
		return 0;
	}
	return ovp_parse_duration(arg, ns);
}

/* "-s 50000", "-D 3": a number after an option with an optional value is that
 * value (argparse's nargs='?'); anything else is the next argument. */
bool kd_value_follows(int key, const char *next)
{
	const char *p = next;

	if (key != 's' && key != OPT_SYSCALL_EVENTS && key != 'D' && key != OPT_DEBUG)
		return false;
	if (!*p)
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !*p;
}
