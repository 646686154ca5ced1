/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe-local.h - internals of the probe-set modules: parsed set lines
 * (probe-spec.c), register tables and USDT argument translation
 * (probe-arch.c), ELF symbols and USDT notes (probe-elf.c), BTF member
 * offsets (probe-btf.c); probe-tracefs.c turns them into tracefs definitions.
 */
#ifndef OVSPERF_PROBE_LOCAL_H
#define OVSPERF_PROBE_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probe.h"

/* What a set line asks for (its trigger prefix). */
enum probe_kind {
	PROBE_KPROBE,		/* k:[MOD:]FUNC */
	PROBE_KRETPROBE,	/* kr:[MOD:]FUNC */
	PROBE_TRACEPOINT,	/* t:SYSTEM:EVENT */
	PROBE_USDT,		/* u:PROVIDER:NAME */
	PROBE_UPROBE,		/* up:[PATH:]FUNC */
	PROBE_URETPROBE,	/* upr:[PATH:]FUNC */
};

/* One NAME=FETCH[:TYPE] word of a set line. */
struct probe_field {
	char *name;	/* field name in the event */
	char *fetch;	/* set syntax: argN, retval, +OFF(FETCH), +STRUCT.MEMBER(FETCH) */
	char *type;	/* tracefs type ("x64", "u32", "x8[64]", "string"), "skb", or NULL */
};

/* One probe line of a set. */
struct probe_spec {
	enum probe_kind kind;
	char *module;		/* k/kr: kernel module, or NULL for the core kernel */
	char *target;		/* k/kr/up/upr: function; t: "SYSTEM:EVENT"; u: "PROVIDER:NAME" */
	char *path;		/* up/upr: explicit ELF file, or NULL for the target binary */
	char *event;		/* event name: in group ovsperf, or the tracepoint's EVENT */
	struct probe_field *fields;
	size_t nr_fields;
	bool flow;		/* add IPv4 flow fields read through skb->data */
	bool optional;		/* failing to install it is only a warning */
	int line;		/* line number in the set file (0: trigger) */
};

struct probe_set {
	char *name;		/* "ovs-dp" */
	char *path;		/* file it was read from, or NULL */
	char *description;	/* one line, "" if none */
	struct probe_spec *specs;
	size_t nr_specs;
};

/* Kind as written in a set file ("k", "kr", ...). */
const char *probe_kind_prefix(enum probe_kind kind);

/* --- probe-arch.c --- */

/* Register names and calling convention of one architecture. */
struct probe_arch {
	const char *name;		/* uname -m: "x86_64", "aarch64" */
	const char *const *args;	/* tracefs registers of integer args 1..nr_args */
	int nr_args;
};

/* The architecture to generate for: $OVSPERF_ARCH or the build's. */
const struct probe_arch *probe_arch_get(void);
const struct probe_arch *probe_arch_find(const char *name);

/* Resolve a data symbol of the probed binary to the OFFSET of a uprobe
 * "@+OFFSET" fetch (for RIP-relative USDT operands): the kernel adds OFFSET
 * to the probe's mapping base (probe address - probe file offset), so this
 * is the symbol's address minus the probe segment's p_vaddr - p_offset.
 * Returns 0 or a negative errno. */
typedef int (*probe_sym_fn)(void *ctx, const char *sym, uint64_t *offp);

/**
 * probe_usdt_arg() - translate one USDT argument spec to a uprobe fetch arg.
 * @arch: architecture of the binary.
 * @spec: one argument ("-8@%rax", "4@-4(%rbp)", "8@16(%rsp)", "-4@$5").
 * @sym: symbol resolver for "sym(%rip)" forms (may be NULL).
 * @ctx: passed to @sym.
 * @fetch: receives the fetch expression without type ("%ax", "+16(%sp)"); malloc'd.
 * @type: receives the type ("s64", "u32"); malloc'd.
 *
 * Return: 0; -EOPNOTSUPP (message says why) for forms uprobes cannot fetch
 * (indexed addressing, high-byte registers, numeric RIP-relative); -EINVAL.
 */
int probe_usdt_arg(const struct probe_arch *arch, const char *spec, probe_sym_fn sym, void *ctx,
		   char **fetch, char **type);

/* --- probe-target.c --- */

/**
 * probe_target_binary() - the ELF file of u:/up:/upr: probes: @o->binary
 * (made absolute), else the executable of @o->pid, else that of the running
 * ovs-vswitchd.
 * @binp: receives the path (malloc'd).
 *
 * Return: 0, or negative errno (message set).
 */
int probe_target_binary(const struct probe_opts *o, char **binp);

/**
 * probe_sym_in_maps() - the file mapped by process @pid that defines
 * function @func (a shared library), and the function's file offset there.
 * @filep: receives the file's path (malloc'd).
 *
 * Return: 0, -ENOENT (none has it), -ENOMEM.  No message is left set.
 */
int probe_sym_in_maps(pid_t pid, const char *func, char **filep, uint64_t *offp);

/* --- probe-elf.c --- */

/* One site of a USDT probe in an ELF file. */
struct probe_usdt_site {
	uint64_t offset;	/* file offset of the probe instruction */
	uint64_t sema_offset;	/* file offset of the semaphore, 0 when none */
	uint64_t delta;		/* p_vaddr - p_offset of the probe's segment */
	char *args;		/* argument specs, space separated ("" when none) */
};

/**
 * probe_elf_usdt() - find the sites of USDT probe PROVIDER:NAME.
 * @path: ELF file.
 * @provider: provider.
 * @name: probe name.
 * @sitesp: receives a malloc'd array; free with probe_elf_usdt_free().
 * @nrp: number of sites.
 *
 * Return: 0; -ENOENT (no such file, no .note.stapsdt, or no such probe: the
 * message says which), -EINVAL (not ELF).
 */
int probe_elf_usdt(const char *path, const char *provider, const char *name,
		   struct probe_usdt_site **sitesp, size_t *nrp);
void probe_elf_usdt_free(struct probe_usdt_site *sites, size_t nr);

/* One note of .note.stapsdt, as probe_elf_usdt_each() gives it (borrowed). */
struct probe_usdt_note {
	const char *provider, *name;
	const char *args;	/* argument specs, not NUL terminated: @args_len */
	size_t args_len;
	uint64_t pc;		/* probe address (vaddr), moved by .stapsdt.base */
	uint64_t base;		/* the note's .stapsdt.base address */
	uint64_t sema;		/* semaphore vaddr, 0 when none */
	uint64_t pc_offset;	/* file offset of @pc (valid when @pc_ok) */
	uint64_t delta;		/* p_vaddr - p_offset of its segment */
	uint64_t sema_offset;	/* file offset of @sema (valid when @sema_ok) */
	bool pc_ok, sema_ok;	/* inside a loadable segment */
};

typedef int (*probe_usdt_note_fn)(const struct probe_usdt_note *note, void *arg);

/**
 * probe_elf_usdt_each() - call @fn for every USDT note of @path, in file
 * order; a non-zero return of @fn stops the walk and is returned.
 *
 * Return: 0; -ENOENT (no such file or no .note.stapsdt), -EINVAL (not ELF),
 * or what @fn returned.
 */
int probe_elf_usdt_each(const char *path, probe_usdt_note_fn fn, void *arg);


/**
 * probe_elf_sym() - file offset of a symbol (functions, and objects when
 * @objects), from .symtab then .dynsym, for uprobes on PIE executables and
 * shared libraries alike.
 *
 * Return: 0, -ENOENT (no such symbol), -EINVAL (not ELF).
 */
int probe_elf_sym(const char *path, const char *sym, bool objects, uint64_t *offp);

/* The link-time address of a function or data symbol (for "@+OFF" fetches). */
int probe_elf_sym_vaddr(const char *path, const char *sym, uint64_t *vap);

/* --- probe-btf.c --- */

/**
 * probe_btf_offset() - byte offset of MEMBER in struct STRUCT, from BTF.
 * @btf_path: BTF file (/sys/kernel/btf/vmlinux).
 * @strct: struct name ("sk_buff").
 * @member: member name ("head"); searched in anonymous sub-structs and unions.
 * @offp: receives the offset in bytes.
 *
 * The file is read once and cached per path.
 *
 * Return: 0; -ENOENT (no file, struct or member), -EINVAL (malformed BTF or
 * a bitfield member).
 */
int probe_btf_offset(const char *btf_path, const char *strct, const char *member, uint32_t *offp);

/**
 * probe_btf_offset_module() - probe_btf_offset() for a probe in kernel module
 * @module: its structs are looked up in the module's split BTF (the file
 * @module beside @btf_path, /sys/kernel/btf/openvswitch) first, then in
 * @btf_path.  @member may be a path of members ("phy.in_port").  A module
 * without BTF file is looked up in @btf_path alone.  @module NULL: the same
 * as probe_btf_offset().
 *
 * Return: as probe_btf_offset().
 */
int probe_btf_offset_module(const char *btf_path, const char *module, const char *strct,
			    const char *member, uint32_t *offp);

#endif /* OVSPERF_PROBE_LOCAL_H */
