/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscalls-local.h - the generated tables (syscalls-tbl.c) as seen by
 * syscalls.c.  Each table is indexed by syscall number; holes are NULL.
 */
#ifndef OVSPERF_SYSCALLS_LOCAL_H
#define OVSPERF_SYSCALLS_LOCAL_H

extern const char *const ovp_syscalls_x86_64[];
extern const unsigned int ovp_syscalls_x86_64_size;
extern const char *const ovp_syscalls_aarch64[];
extern const unsigned int ovp_syscalls_aarch64_size;

#endif /* OVSPERF_SYSCALLS_LOCAL_H */
