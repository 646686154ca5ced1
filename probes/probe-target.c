// SPDX-License-Identifier: Apache-2.0
/*
 * probe-target.c - which binary a user-space probe (u:, up:, upr:) goes on:
 * --binary PATH, else the executable of --pid, else the running
 * ovs-vswitchd; and, for a function its binary lacks, the shared library
 * mapped by --pid that has it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ovsperf/err.h>

#include "probe-local.h"

static char *exe_of(pid_t pid)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if (n > 10 && !strcmp(buf + n - 10, " (deleted)"))
		buf[n - 10] = '\0';
	return strdup(buf);
}

/* The first running ovs-vswitchd, or 0. */
static pid_t find_vswitchd(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[300], comm[64];
	pid_t pid = 0;
	FILE *f;

	if (!d)
		return 0;
	while (!pid && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "ovs-vswitchd\n"))
			pid = atoi(de->d_name);
		fclose(f);
	}
	closedir(d);
	return pid;
}

int probe_target_binary(const struct probe_opts *o, char **binp)
{
	pid_t pid;

	*binp = NULL;
	if (o && o->binary) {
		*binp = realpath(o->binary, NULL);
		if (!*binp)
			return ovp_err(-errno, "%s: %s", o->binary, strerror(errno));
	} else {
		pid = o && o->pid ? o->pid : find_vswitchd();
		if (!pid)
			return ovp_err(-ENOENT,
				       "ovs-vswitchd is not running: give the binary with --binary PATH (or --pid PID)");
		*binp = exe_of(pid);
		if (!*binp)
			return ovp_err(-ESRCH, "cannot read /proc/%d/exe: %s", (int)pid,
				       strerror(errno));
	}
	return 0;
}

/* Find @func in the files mapped by --pid (shared libraries). */
int probe_sym_in_maps(pid_t pid, const char *func, char **filep, uint64_t *offp)
{
	char path[64], line[PATH_MAX + 128], *file, *last = NULL;
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	while (err && fgets(line, sizeof(line), f)) {
		file = strchr(line, '/');
		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (last && !strcmp(last, file))
			continue;
		free(last);
		last = strdup(file);
		if (!probe_elf_sym(file, func, false, offp)) {
			*filep = strdup(file);
			err = *filep ? 0 : -ENOMEM;
		}
	}
	free(last);
	fclose(f);
	ovp_err_clear();
	return err;
}
