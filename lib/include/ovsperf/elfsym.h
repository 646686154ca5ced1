/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elfsym.h - reading an ELF file's symbols, loadable segments and GNU build
 * id, with libelf.  One reader for the three programs' needs: the probe
 * (uprobe file offsets of functions and USDT notes), the recorder (build ids,
 * the symbol tables `archive` packs) and the analyzer's user symbolization.
 *
 *	struct ovp_elf *e;
 *
 *	err = ovp_elf__open(&e, "/usr/sbin/ovs-vswitchd");
 *	err = err ?: ovp_elf__for_each_sym(e, OVP_ELF_SYMTAB, fn, arg);
 *	ovp_elf__close(e);
 *
 * The file is opened with ovp_open_regular() (safefile.h): a FIFO or a
 * device is refused without blocking, and libelf checks every section
 * against the size of the regular file.
 */
#ifndef OVSPERF_ELFSYM_H
#define OVSPERF_ELFSYM_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ovp_elf;

/**
 * ovp_elf__open() - open an ELF file.
 * @out: receives the reader; free it with ovp_elf__close().
 * @path: the file (a regular file only).
 *
 * Return: 0, or negative errno with the message of ovp_open_regular()
 * ("PATH: reason"), "PATH: not an ELF file" (-EINVAL) or "libelf: reason".
 */
int ovp_elf__open(struct ovp_elf **out, const char *path);

/**
 * ovp_elf__open_fd() - like ovp_elf__open() on a descriptor already open
 * (for instance a build-id cache's copy of @path).
 * @fd: the descriptor; ovp_elf__close() closes it, and so does a failure.
 * @path: for messages only.
 */
int ovp_elf__open_fd(struct ovp_elf **out, int fd, const char *path);

/* Close the file and free the reader; accepts NULL. */
void ovp_elf__close(struct ovp_elf *e);

/* The libelf handle, for what this reader does not cover (notes). */
Elf *ovp_elf__libelf(const struct ovp_elf *e);

/* The two symbol tables. */
enum ovp_elf_table {
	OVP_ELF_SYMTAB,		/* .symtab: every symbol, static functions too */
	OVP_ELF_DYNSYM,		/* .dynsym: the dynamic (exported) symbols */
};

/* One symbol, as ovp_elf__for_each_sym() gives it (borrowed). */
struct ovp_elf_sym {
	const char *name;	/* never NULL (a symbol whose name is unreadable is skipped) */
	uint64_t value;		/* st_value: the virtual address */
	uint64_t size;		/* st_size */
	unsigned char type;	/* GELF_ST_TYPE: STT_FUNC, STT_OBJECT... */
	unsigned char bind;	/* GELF_ST_BIND: STB_LOCAL, STB_GLOBAL... */
	uint16_t shndx;		/* st_shndx; SHN_UNDEF for an undefined symbol */
};

/* Return 0 to go on, anything else to stop (returned by the walk). */
typedef int (*ovp_elf_sym_fn)(const struct ovp_elf_sym *sym, void *arg);

/**
 * ovp_elf__has_table() - whether @e has table @t.
 * @nr_syms: receives its number of entries (may be NULL).
 * @str_size: receives the size of its string table (may be NULL; 0 when
 *            the string table cannot be read).
 */
bool ovp_elf__has_table(const struct ovp_elf *e, enum ovp_elf_table t, size_t *nr_syms,
			size_t *str_size);

/**
 * ovp_elf__for_each_sym() - call @fn for each symbol of table @t, in table
 * order (entry 0, the null symbol, included).
 *
 * Return: 0 (also when there is no such table), or what @fn returned.
 */
int ovp_elf__for_each_sym(const struct ovp_elf *e, enum ovp_elf_table t, ovp_elf_sym_fn fn,
			  void *arg);

/* A PT_LOAD segment: file offsets [offset, offset + filesz) are mapped at
 * virtual addresses [vaddr, vaddr + filesz). */
struct ovp_elf_load {
	uint64_t offset, vaddr, filesz;
};

/**
 * ovp_elf__loads() - the PT_LOAD segments, in program header order.
 * @loads: receives at most @max of them.
 *
 * Return: how many were stored, or -EINVAL when the program headers cannot
 * be read.
 */
int ovp_elf__loads(const struct ovp_elf *e, struct ovp_elf_load *loads, size_t max);

/**
 * ovp_elf__vaddr_to_offset() - the file offset of virtual address @va,
 * through the PT_LOAD segment holding it.
 * @deltap: receives that segment's p_vaddr - p_offset (may be NULL).
 *
 * Return: 0, -ENOENT (in no segment), -EINVAL (no program headers).
 */
int ovp_elf__vaddr_to_offset(const struct ovp_elf *e, uint64_t va, uint64_t *offp,
			     uint64_t *deltap);

/**
 * ovp_elf__build_id() - the GNU build id of @e (its first NT_GNU_BUILD_ID
 * note), at most 20 bytes.
 *
 * Return: its size, 0 when there is none.
 */
size_t ovp_elf__build_id(const struct ovp_elf *e, uint8_t id[20]);

/* ovp_elf__build_id() of the file @path; 0 when it has none or cannot be
 * read (no message left set). */
size_t ovp_elf_file_build_id(const char *path, uint8_t id[20]);

/**
 * ovp_elf_note_build_id() - the GNU build id in a buffer of ELF notes (a
 * note section, or /sys/kernel/notes), in this machine's byte order.
 *
 * Return: its size (at most 20), 0 when there is none.
 */
size_t ovp_elf_note_build_id(const void *notes, size_t size, uint8_t id[20]);

#endif /* OVSPERF_ELFSYM_H */
