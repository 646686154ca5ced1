/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/usym.h - user-space frame symbolizer for the stacks of syscall
 * events: executable mappings from the recording's MMAP/MMAP2 records, ELF
 * symbol tables (libelf) of the files they name, read when first needed.
 */
#ifndef OVSPERF_KDELAY_USYM_H
#define OVSPERF_KDELAY_USYM_H

#include <stddef.h>
#include <stdint.h>

union perf_event;
struct kd_usym;

/* New empty symbolizer; free with kd_usym__free().  0 or -ENOMEM. */
int kd_usym__new(struct kd_usym **out);

/* Free it and every cached file (NULL ok). */
void kd_usym__free(struct kd_usym *u);

/*
 * Name a build id for @path (from the recording's BUILD_ID feature): when the
 * file cannot be opened at output time, the symbolizer looks for it in
 * perf's build-id cache ($HOME/.debug/.build-id/xx/yyyy/elf) and in
 * /usr/lib/debug/.build-id/xx/yyyy.debug.  0 or -ENOMEM.
 */
int kd_usym__build_id(struct kd_usym *u, const char *path, const uint8_t *id, size_t size);

struct archive_reader;
/* Take symbol tables from this archive (ovsperf-probe archive) before the
 * files of the local machine, which may not be the recorded ones. */
void kd_usym__set_archive(struct kd_usym *u, const struct archive_reader *a);

/* Remember the executable mapping of a PERF_RECORD_MMAP or MMAP2 record
 * (other records and data mappings are ignored).  0 or -ENOMEM. */
int kd_usym__mmap(struct kd_usym *u, const union perf_event *event);

/*
 * Format user address @ip of process @pid as "func+0x1a [file]" (file base
 * name), "[unknown] 0x... [file]" when the file has no symbol for it, or
 * "[unknown] 0x..." when no mapping holds it.
 */
void kd_usym__format(struct kd_usym *u, int64_t pid, uint64_t ip, char *buf, size_t size);

/* Counter bumped by every new mapping (to rebuild views of the maps). */
unsigned long kd_usym__generation(const struct kd_usym *u);

/*
 * Call @fn for the first executable mapping of each file of process @pid, in
 * record order,
 * with the path of the file (or of its build-id cache copy), start, length
 * and file offset.  Stops when @fn returns non-zero and returns that value.
 */
int kd_usym__for_each_map(struct kd_usym *u, int64_t pid,
			  int (*fn)(const char *path, uint64_t start, uint64_t len, uint64_t pgoff,
				    void *arg),
			  void *arg);

#endif /* OVSPERF_KDELAY_USYM_H */
