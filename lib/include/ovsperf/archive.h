/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive.h - reading ovsperf archives: one tar file compressed with zstd
 * (written by `ovsperf-probe archive`, members in ovsperf-probe(1), RECORD
 * AND ARCHIVE) holding a perf.data and what analysing it elsewhere needs:
 * kallsyms, modules, os-release, uname, symbols/NAME.syms, MANIFEST.
 *
 * pdata_session__open() opens archives itself (detected by the zstd magic),
 * so every command reads them like a perf.data; reports that symbolize user
 * stacks ask pdata_session__archive() for the stored symbol tables.
 */
#ifndef OVSPERF_ARCHIVE_H
#define OVSPERF_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct archive_reader;

/**
 * archive_is_zstd() - whether the file open on @fd starts with a zstd frame
 * (magic 28 b5 2f fd).  Reads 4 bytes at offset 0 with pread(); the file
 * position is unchanged.
 */
bool archive_is_zstd(int fd);

/**
 * archive_reader__open() - read a whole archive from @fd.
 * @out: receives the reader; free it with archive_reader__close().
 * @fd: the archive, open for reading (borrowed; read from its start).
 *
 * The perf.data member is decompressed into an anonymous memory file
 * (memfd, never a file on disk); every other regular member is kept in
 * memory, NUL-terminated.  ustar, GNU long names ('L') and pax "path"
 * records are understood; "./" prefixes are dropped.
 *
 * Return: 0, or negative errno with ovp_err() set: -EBADMSG for a damaged
 * stream or tar header, -ENOENT when there is no perf.data member,
 * -EPROTONOSUPPORT when the zstd content is not a tar.
 */
int archive_reader__open(struct archive_reader **out, int fd);

/* Free the reader, its members and its perf.data memfd (NULL ok). */
void archive_reader__close(struct archive_reader *a);

/* The perf.data member as a file descriptor (owned by @a, positioned at 0;
 * dup() it to keep it longer than @a). */
int archive_reader__perf_data_fd(const struct archive_reader *a);

/**
 * archive_reader__member() - a member other than perf.data.
 * @a: the reader.
 * @name: member name ("kallsyms", "MANIFEST", "symbols/usr_sbin_ovs-vswitchd.syms").
 * @size: receives its size in bytes (may be NULL).
 *
 * Return: its content (NUL-terminated, owned by @a), or NULL if absent.
 */
const char *archive_reader__member(const struct archive_reader *a, const char *name,
				   size_t *size);

/**
 * archive_reader__symbols() - the stored symbol table of a binary.
 * @a: the reader.
 * @path: the binary's path on the recording host ("/usr/sbin/ovs-vswitchd").
 * @size: receives the text's size (may be NULL).
 *
 * Finds the symbols/ member whose "# path: " line is @path.  Its lines are
 * "ADDR SIZE TYPE NAME" (hex, hex, nm letter) after '#' comment lines.
 *
 * Return: the text (owned by @a), or NULL when the archive has none.
 */
const char *archive_reader__symbols(const struct archive_reader *a, const char *path,
				    size_t *size);

/**
 * archive_reader__symbols_by_build_id() - like archive_reader__symbols(),
 * by the binary's build id instead of its path.
 * @build_id: lower-case hex ("1f0e...", as in the "# build-id: " line).
 */
const char *archive_reader__symbols_by_build_id(const struct archive_reader *a,
						const char *build_id, size_t *size);

/**
 * archive_symbols__for_each() - parse a symbols/ member's text.
 * @text: the text (NUL-terminated, e.g. from archive_reader__symbols()).
 * @fn: called for each symbol line, in file order, with its address, size,
 *	nm type letter and name (@name_len bytes, not NUL-terminated); a
 *	non-zero return stops the walk and is returned.
 *
 * Comment lines ('#') and malformed lines are skipped.
 * Return: 0, or what @fn returned.
 */
int archive_symbols__for_each(const char *text,
			      int (*fn)(uint64_t addr, uint64_t size, char type, const char *name,
					size_t name_len, void *arg),
			      void *arg);

/**
 * archive_reader__manifest() - a value of the MANIFEST member.
 * @a: the reader.
 * @key: the key of a "key: value" line ("hostname", "created", ...).
 * @len: receives the value's length (the value is not NUL-terminated).
 *
 * Return: the first such line's value (owned by @a), or NULL.
 */
const char *archive_reader__manifest(const struct archive_reader *a, const char *key,
				     size_t *len);

/* Number of members (perf.data included) and the name of member @i, in
 * archive order; for listings and tests. */
int archive_reader__nr_members(const struct archive_reader *a);
const char *archive_reader__member_name(const struct archive_reader *a, int i);

#endif /* OVSPERF_ARCHIVE_H */
