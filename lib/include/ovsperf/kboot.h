/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kboot.h - which kernel boot a recording was made on, and whether a
 * kallsyms text belongs to it.
 *
 * Kernel addresses in a recording only make sense with the symbols of the
 * boot that made it: with KASLR every boot moves the kernel, and another
 * kernel build has other functions at the same addresses.  A recording says
 * which boot it is, as perf does:
 *
 *  - the kernel MMAP record ("[kernel.kallsyms]_text", pid -1) carries the
 *    address of the reference symbol (_text, or _stext) in its pgoff: the
 *    KASLR base;
 *  - HEADER_BUILD_ID may hold the build-id of [kernel.kallsyms];
 *  - HEADER_OSRELEASE holds `uname -r`.
 *
 * A kallsyms file is checked against the first (its _text address); this
 * machine's /proc/kallsyms against all three (the build-id of the running
 * kernel is in /sys/kernel/notes).
 */
#ifndef OVSPERF_KBOOT_H
#define OVSPERF_KBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsperf/pdata.h"

/* What a recording says about its kernel; zero / empty = not known. */
struct kboot {
	uint64_t text_addr;		/* address of text_sym (kernel MMAP pgoff) */
	char text_sym[32];		/* "_text" or "_stext", from the MMAP file name */
	uint8_t build_id[20];		/* [kernel.kallsyms] build-id */
	uint8_t build_id_size;
	const char *os_release;		/* borrowed */
};

/**
 * kboot__note_mmap() - take the KASLR base from @event if it is the kernel
 * MMAP or MMAP2 record (pid -1, file "[kernel.kallsyms]SYM").
 *
 * Return: true if @event was that record.
 */
bool kboot__note_mmap(struct kboot *kb, const union perf_event *event);

/**
 * kallsyms_text_addr() - the address of text symbol @name in kallsyms text
 * @text (@size bytes, need not be NUL-terminated).
 *
 * Return: the address of the first line "ADDR T|t NAME", or 0 if none.
 */
uint64_t kallsyms_text_addr(const char *text, size_t size, const char *name);

/**
 * kboot__check_kallsyms() - does kallsyms text belong to the recorded boot?
 * @kb: the recording's facts.
 * @text: kallsyms text; @size: its bytes.
 * @why: receives the reason of a mismatch ("its _text is 0x... but the
 *	recording's kernel is at 0x...", or "it has no _text line ..."); @len:
 *	size of @why.
 *
 * Return: 1 when the reference symbol is at the recorded address; 0 when it
 * cannot be told (no kernel MMAP in the recording, or zero addresses in
 * @text); -1 when the addresses differ or @text has no reference symbol
 * while the recording has one: never use that text.
 */
int kboot__check_kallsyms(const struct kboot *kb, const char *text, size_t size, char *why,
			  size_t len);

/**
 * kboot__host_matches() - is this machine running the recorded boot, so
 * that its /proc/kallsyms may be used?
 * @kb: the recording's facts.
 * @proc_kallsyms: normally "/proc/kallsyms" (tests may point elsewhere);
 *	only its first lines are read, to find the reference symbol.
 * @notes: normally "/sys/kernel/notes" (the running kernel's build-id).
 * @release: the running kernel's release (`uname -r`), or NULL to ask uname.
 *
 * Every fact both sides know must agree (release, build-id, reference
 * symbol address), and at least the address or the build-id must have been
 * compared: perf's rule for using the running kernel's symbols.
 *
 * Return: true if /proc/kallsyms can be used for the recording.
 */
bool kboot__host_matches(const struct kboot *kb, const char *proc_kallsyms, const char *notes,
			 const char *release);

/**
 * kboot__read_build_id() - the GNU build-id note in an ELF note file such
 * as /sys/kernel/notes.
 *
 * Return: the id's size (1..20), or 0 if there is none or the file cannot be
 * read.
 */
int kboot__read_build_id(const char *path, uint8_t id[20]);

/**
 * kallsyms_read_file() - read a kallsyms file, plain or zstd-compressed
 * (a kallsyms.zst).
 * @out: receives the NUL-terminated text; the caller frees it.
 *
 * Return: 0, or negative errno with the message set.
 */
int kallsyms_read_file(const char *path, char **out);

#endif /* OVSPERF_KBOOT_H */
