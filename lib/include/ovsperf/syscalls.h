/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscalls.h - system call number <-> name tables, so reports can print
 * "recvmsg" for raw_syscalls:sys_exit id 47.  The tables are generated from
 * the kernel UAPI headers by scripts/gen-syscalls and committed
 * (lib/syscalls-tbl.c); they are not generated at build time.
 *
 * @arch is perf's ARCH feature string (HEADER_ARCH, `uname -m` of the
 * recording machine): "x86_64" (also accepted: "x86", "amd64") and
 * "aarch64" (also "arm64").  NULL means the architecture we run on.
 */
#ifndef OVSPERF_SYSCALLS_H
#define OVSPERF_SYSCALLS_H

#include <stdbool.h>

/* True if @arch has a syscall table. */
bool ovp_syscall_arch_known(const char *arch);

/* Name of syscall @nr ("recvmsg"); NULL if @arch or @nr is unknown. */
const char *ovp_syscall_name(const char *arch, long nr);

/* Number of syscall @name; -1 if @arch or @name is unknown. */
long ovp_syscall_nr(const char *arch, const char *name);

#endif /* OVSPERF_SYSCALLS_H */
