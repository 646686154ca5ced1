/* SPDX-License-Identifier: Apache-2.0 */
/*
 * safefile.h - opening and reading files whose names come from outside the
 * program: a path in a recording (MMAP2 file names, build-id caches), a
 * path a user or a probe set names (--kallsyms, probe sets, binaries).
 * Such a path may name a FIFO (whose open blocks until a writer comes), a
 * device that never ends (/dev/zero) or a file of any size; these helpers
 * never block on it and never read without bound.
 */
#ifndef OVSPERF_SAFEFILE_H
#define OVSPERF_SAFEFILE_H

#include <stddef.h>
#include <stdint.h>

/* The most ovp_read_file() reads: a text file (kallsyms, a probe set, a
 * tracefs format) larger than this is refused. */
#define OVP_READ_FILE_MAX ((size_t)128 << 20)

/**
 * ovp_open_regular() - open @path for reading if it is a regular file.
 * @path: the file.
 * @max_size: refuse a file larger than this many bytes (0: no limit).
 * @sizep: receives its size (st_size; 0 for procfs/sysfs files), or NULL.
 *
 * The open uses O_NONBLOCK, so a FIFO or a device never blocks it, and
 * O_CLOEXEC; fstat() then refuses anything but a regular file.  The
 * descriptor returned reads normally (O_NONBLOCK is cleared).
 *
 * Return: a descriptor the caller closes, or negative errno with the
 * message "PATH: not a regular file (a FIFO)" (-EINVAL), "PATH: larger than
 * N bytes" (-EFBIG) or "PATH: reason" set.
 */
int ovp_open_regular(const char *path, uint64_t max_size, uint64_t *sizep);

/**
 * ovp_read_file_max() - read a whole regular file into a NUL-terminated
 * buffer, at most @max bytes (procfs and tracefs files have no size: they
 * are read to their end, up to @max).
 * @textp: receives the buffer; the caller frees it.
 * @sizep: receives the length without the NUL (may be NULL).
 *
 * Return: 0, or negative errno with "cannot read PATH: reason" set (-EFBIG
 * when the file holds more than @max bytes).
 */
int ovp_read_file_max(const char *path, size_t max, char **textp, size_t *sizep);

#endif /* OVSPERF_SAFEFILE_H */
