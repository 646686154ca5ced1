/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record-workload.h - the command `ovsperf-probe record ... -- CMD ARGS`
 * runs and records, as perf record's workload: forked first and held before
 * exec until the events are open, so its first instruction is recorded.
 */
#ifndef OVSPERF_PROBE_RECORD_WORKLOAD_H
#define OVSPERF_PROBE_RECORD_WORKLOAD_H

#include <stdbool.h>
#include <sys/types.h>

struct rec_workload {
	pid_t pid;		/* the child, 0 when none */
	int go_fd;		/* write end: closing it lets the child exec */
	int err_fd;		/* read end: the child's errno when exec failed */
	char *path;		/* CMD resolved through PATH (owned) */
	bool exited;		/* reaped */
	int status;		/* its wait status once exited */
};

/**
 * rec_workload__prepare() - fork the child that will exec @argv, stopped
 * before exec; resolves argv[0] through PATH first (the USDT/uprobe target
 * when no --binary is given).  With @stdout_to_stderr the child's stdout is
 * its stderr (the recorder's stdout carries the recording).
 * Return: 0, or negative errno with the message set (nothing forked).
 */
int rec_workload__prepare(struct rec_workload *w, char *const *argv, bool stdout_to_stderr);

/**
 * rec_workload__start() - let the child exec.
 * Return: 0, or -errno with the message set when exec failed (the child has
 * then exited and been reaped).
 */
int rec_workload__start(struct rec_workload *w);

/* Has the child exited?  Reaps it without blocking. */
bool rec_workload__done(struct rec_workload *w);

/* Kill (when still running, SIGTERM) and reap the child; frees @w's
 * memory.  Accepts a workload never prepared. */
void rec_workload__exit(struct rec_workload *w);

#endif
