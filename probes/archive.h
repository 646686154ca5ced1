/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive.h - `ovsperf-probe archive`: pack a recording with what its
 * analysis on another machine needs (probes/archive.c), and the choice of
 * the kernel symbols that go with it (probes/archive-kallsyms.c).
 */
#ifndef OVSPERF_PROBE_ARCHIVE_H
#define OVSPERF_PROBE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

struct pdata_session;

/* Entry point of the `archive` subcommand; argv[0] is "archive".  Returns an
 * exit code (enum ovp_exit). */
int cmd_archive(int argc, char **argv);

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
