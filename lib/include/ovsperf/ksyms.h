/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ksyms.h - kernel symbol lookup from /proc/kallsyms text.  A recording
 * stores the kallsyms text of the machine it was made on; the analyzer loads
 * it from that buffer (or from a --kallsyms file) and turns kernel addresses
 * (stack entries, skb drop locations, ...) into "func+0x1a/0x80 [module]".
 *
 * Only text symbols (types t, T, w, W) are looked up.  The size of a symbol
 * is the distance to the next higher address of any symbol in the text
 * (absolute 'a'/'A' symbols excepted), so an address in the data after a
 * function is not blamed on that function; the last symbol has size 0 and
 * only matches its own address.  Among aliases (several text symbols at one
 * address) the first one in the text wins, as the kernel's %pS does.
 */
#ifndef OVSPERF_KSYMS_H
#define OVSPERF_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

/**
 * ksyms__load_file() - read a kallsyms-format file.
 * @out: receives the new table; the caller frees it with ksyms__free().
 * @path: e.g. "/proc/kallsyms" or a saved copy.
 *
 * Return: 0; -errno if the file cannot be read; -ENOENT if it holds no text
 * symbols; -EPERM ("kallsyms has no addresses (kptr_restrict?)") if every
 * address is zero.  The message is set on error and *@out is left NULL.
 */
int ksyms__load_file(struct ksyms **out, const char *path);

/**
 * ksyms__load_buf() - parse kallsyms text held in memory.
 * @out: receives the new table; the caller frees it with ksyms__free().
 * @text: the text (need not be NUL-terminated); copied, not kept.
 * @size: bytes in @text.
 *
 * Return: as ksyms__load_file().
 */
int ksyms__load_buf(struct ksyms **out, const char *text, size_t size);

/* Free the table; NULL ok. */
void ksyms__free(struct ksyms *ks);

/**
 * ksyms__lookup() - the function containing @addr.
 * @ks: the table (NULL ok: returns NULL).
 * @addr: kernel address.
 * @offset: if not NULL, receives addr - symbol address.
 * @size: if not NULL, receives the symbol's size.
 *
 * Return: the symbol name (owned by @ks), or NULL if @addr is below the first
 * symbol or past the end of the last one.
 */
const char *ksyms__lookup(const struct ksyms *ks, uint64_t addr, uint64_t *offset,
			  uint64_t *size);

/**
 * ksyms__module() - the module of the symbol containing @addr.
 *
 * Return: the module name without brackets (owned by @ks), or NULL for a
 * symbol of the kernel image or an unknown address.
 */
const char *ksyms__module(const struct ksyms *ks, uint64_t addr);

/**
 * ksyms__addr() - the address of the first text symbol called @name.
 *
 * Return: the address, or 0 if there is no such symbol.
 */
uint64_t ksyms__addr(const struct ksyms *ks, const char *name);

/**
 * ksyms__format() - format @addr like the kernel's %pS.
 * @ks: the table (NULL ok: hex address).
 * @addr: kernel address.
 * @buf: output buffer (always NUL-terminated when @len > 0).
 * @len: size of @buf.
 *
 * Output: "func+0x1a/0x80", "func+0x1a/0x80 [module]" for a module symbol,
 * "0xffffffffc0a01234" for an address no symbol contains.
 *
 * Return: the length of the full string (snprintf-like; may be >= @len).
 */
int ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);

/* Number of text symbols in the table (0 for NULL). */
size_t ksyms__count(const struct ksyms *ks);

#endif /* OVSPERF_KSYMS_H */
