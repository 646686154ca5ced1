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

/* Entry point of the `archive` subcommand; argv[0] is "archive". */
int cmd_archive(int argc, char **argv);

#include <stdbool.h>
#include <stddef.h>

struct pdata_session;

/*
 * archive_choose_kallsyms() - the kallsyms text to pack with recording
 * @input (session @s): --kallsyms @path (NULL: none given) when it belongs to
 * the recorded boot, else this machine's /proc/kallsyms when it runs that
 * boot (*@host set: /proc/modules belongs too), else none (*@text NULL, one
 * warning).  The caller frees *@text.
 *
 * Return: 0, or negative errno (--kallsyms unreadable or of another boot).
 */
int archive_choose_kallsyms(struct pdata_session *s, const char *input, const char *path,
			    char **text, size_t *size, bool *host);

#endif
