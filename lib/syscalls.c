// SPDX-License-Identifier: Apache-2.0
/*
 * syscalls.c - syscall name <-> number lookups over the generated tables
 * (see syscalls.h; the tables come from scripts/gen-syscalls).
 */
#include <stddef.h>
#include <string.h>

#include "ovsperf/syscalls.h"
#include "syscalls-local.h"

struct sc_table {
	const char *const *names;	/* indexed by number, NULL holes */
	const unsigned int *size;	/* number of slots in names */
};

/* The architecture this binary runs on, used when the caller passes NULL. */
#if defined(__x86_64__)
#define HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define HOST_ARCH "aarch64"
#else
#define HOST_ARCH ""
#endif

/*
 * perf stores `uname -m` as the ARCH feature; accept the other common
 * spellings too.  32-bit x86 ("i686") has a different table and is unknown.
 */
static const struct sc_table *find_table(const char *arch)
{
	static const struct sc_table x86_64 = { ovp_syscalls_x86_64, &ovp_syscalls_x86_64_size };
	static const struct sc_table aarch64 = { ovp_syscalls_aarch64,
						 &ovp_syscalls_aarch64_size };

	if (!arch)
		arch = HOST_ARCH;
	if (!strcmp(arch, "x86_64") || !strcmp(arch, "x86") || !strcmp(arch, "amd64"))
		return &x86_64;
	if (!strcmp(arch, "aarch64") || !strcmp(arch, "arm64"))
		return &aarch64;
	return NULL;
}

bool ovp_syscall_arch_known(const char *arch)
{
	return find_table(arch) != NULL;
}

const char *ovp_syscall_name(const char *arch, long nr)
{
	const struct sc_table *t = find_table(arch);

	if (!t || nr < 0 || (unsigned long)nr >= *t->size)
		return NULL;
	return t->names[nr];
}

long ovp_syscall_nr(const char *arch, const char *name)
{
	const struct sc_table *t = find_table(arch);
	unsigned int i;

	if (!t || !name)
		return -1;
	for (i = 0; i < *t->size; i++)
		if (t->names[i] && !strcmp(t->names[i], name))
			return i;
	return -1;
}
