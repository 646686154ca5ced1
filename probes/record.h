/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.h - `ovsperf-probe record`: open events with libperf, drain the ring
 * buffers and write a perf.data file (probes/record.c).
 */
#ifndef OVSPERF_PROBE_RECORD_H
#define OVSPERF_PROBE_RECORD_H

/* Entry point of the `record` subcommand; argv[0] is "record".  Returns an
 * exit code (enum ovp_exit). */
int cmd_record(int argc, char **argv);

#endif
