// SPDX-License-Identifier: Apache-2.0
/*
 * probe-elf.c - ELF lookups for uprobes, with libelf: a symbol's file offset
 * (uprobes take file offsets, so PIE executables and shared libraries need
 * no load address) and the sites of USDT probes from .note.stapsdt.
 *
 * A stapsdt note's descriptor holds three addresses - the probe's pc, the
 * link-time address of .stapsdt.base and the semaphore (0 if none) - followed
 * by "provider\0name\0args\0".  When the file was prelinked, the section
 * moved but the note did not: the pc and semaphore are shifted by
 * (.stapsdt.base's sh_addr - the note's base).  Virtual addresses become file
 * offsets through the PT_LOAD segment that contains them; the semaphore's
 * file offset is what the uprobe reference counter "(0xOFF)" takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ovsperf/err.h>
#include <ovsperf/safefile.h>

#include "probe-local.h"

#define NT_STAPSDT 3

struct elf_file {
	int fd;
	Elf *elf;
};

static int elf_open(const char *path, struct elf_file *ef)
{
	ef->elf = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ovp_err(-EINVAL, "libelf: %s", elf_errmsg(-1));
	/* A binary named by a user or a probe set: a regular file only. */
	ef->fd = ovp_open_regular(path, 0, NULL);
	if (ef->fd < 0)
		return ef->fd;
	ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF) {
		if (ef->elf)
			elf_end(ef->elf);
		close(ef->fd);
		return ovp_err(-EINVAL, "%s: not an ELF file", path);
	}
	return 0;
}

static void elf_close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	close(ef->fd);
}

/* File offset of virtual address @va, through the PT_LOAD holding it; @deltap
 * (may be NULL) receives that segment's p_vaddr - p_offset. */
static int vaddr_to_offset__(Elf *elf, uint64_t va, uint64_t *offp, uint64_t *deltap)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (va >= ph.p_vaddr && va < ph.p_vaddr + ph.p_filesz) {
			*offp = va - ph.p_vaddr + ph.p_offset;
			if (deltap)
				*deltap = ph.p_vaddr - ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int vaddr_to_offset(Elf *elf, uint64_t va, uint64_t *offp)
{
	return vaddr_to_offset__(elf, va, offp, NULL);
}

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	const char *n;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

static int sym_in_table(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *name,
			bool objects, uint64_t *vap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;
	GElf_Sym sym;
	const char *s;
	int type;

	if (!data || !sh->sh_entsize)
		return -ENOENT;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC && !(objects && type == STT_OBJECT))
			continue;
		s = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (s && !strcmp(s, name)) {
			*vap = sym.st_value;
			return 0;
		}
	}
	return -ENOENT;
}

/* Look @sym up; *offp gets its file offset, or its address when @vaddr. */
static int elf_sym(const char *path, const char *sym, bool objects, bool vaddr, uint64_t *offp)
{
	struct elf_file ef;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint64_t va = 0;
	int err;

	err = elf_open(path, &ef);
	if (err)
		return err;
	err = -ENOENT;
	/* .symtab first: it also has the static functions .dynsym lacks. */
	while (err && (scn = elf_nextscn(ef.elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			err = sym_in_table(ef.elf, scn, &sh, sym, objects, &va);
	scn = NULL;
	while (err && (scn = elf_nextscn(ef.elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
			err = sym_in_table(ef.elf, scn, &sh, sym, objects, &va);
	if (!err && vaddr) {
		*offp = va;
	} else if (!err && vaddr_to_offset(ef.elf, va, offp))
		err = ovp_err(-EINVAL, "%s: symbol %s at 0x%llx is outside every loadable segment",
			      path, sym, (unsigned long long)va);
	else if (err)
		err = ovp_err(-ENOENT, "%s: no %s '%s' in its symbol tables%s", path,
			      objects ? "symbol" : "function", sym,
			      " (stripped binary, or a static function that was inlined?)");
	elf_close(&ef);
	return err;
}

int probe_elf_sym(const char *path, const char *sym, bool objects, uint64_t *offp)
{
	return elf_sym(path, sym, objects, false, offp);
}

int probe_elf_sym_vaddr(const char *path, const char *sym, uint64_t *vap)
{
	return elf_sym(path, sym, true, true, vap);
}

void probe_elf_usdt_free(struct probe_usdt_site *sites, size_t nr)
{
	size_t i;

	for (i = 0; sites && i < nr; i++)
		free(sites[i].args);
	free(sites);
}

/* Read one address of the note descriptor (4 or 8 bytes, file byte order). */
static uint64_t note_addr(Elf *elf, const char *p, size_t size)
{
	bool swap = elf_getident(elf, NULL)[EI_DATA] !=
		    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB);
	uint64_t v64;
	uint32_t v32;

	if (size == 4) {
		memcpy(&v32, p, 4);
		return swap ? __builtin_bswap32(v32) : v32;
	}
	memcpy(&v64, p, 8);
	return swap ? __builtin_bswap64(v64) : v64;
}

int probe_elf_usdt_each(const char *path, probe_usdt_note_fn fn, void *arg)
{
	size_t off, name_off, desc_off, asz;
	GElf_Shdr sh, base_sh;
	bool have_base, have_notes = false;
	struct elf_file ef;
	Elf_Scn *scn = NULL;
	GElf_Nhdr nh;
	Elf_Data *data;
	int err;

	err = elf_open(path, &ef);
	if (err)
		return err;
	asz = gelf_getclass(ef.elf) == ELFCLASS32 ? 4 : 8;
	have_base = find_section(ef.elf, ".stapsdt.base", &base_sh) != NULL;

	while ((scn = elf_nextscn(ef.elf, scn)) && !err) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		off = 0;
		while (!err && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *desc = (const char *)data->d_buf + desc_off;
			const char *pname, *args, *end = desc + nh.n_descsz;
			struct probe_usdt_note n = { 0 };

			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((const char *)data->d_buf + name_off, "stapsdt", 8) ||
			    nh.n_descsz < 3 * asz + 3)
				continue;
			have_notes = true;
			n.provider = desc + 3 * asz;
			pname = memchr(n.provider, '\0', end - n.provider);
			if (!pname++ || pname >= end)
				continue;
			args = memchr(pname, '\0', end - pname);
			if (!args++ || args > end)
				continue;
			n.name = pname;
			n.args = args;
			n.args_len = (size_t)(end - args);
			n.pc = note_addr(ef.elf, desc, asz);
			n.base = note_addr(ef.elf, desc + asz, asz);
			n.sema = note_addr(ef.elf, desc + 2 * asz, asz);
			/* Prelinked or moved: the note's base says by how much. */
			if (have_base && n.base) {
				n.pc += base_sh.sh_addr - n.base;
				if (n.sema)
					n.sema += base_sh.sh_addr - n.base;
			}
			n.pc_ok = !vaddr_to_offset__(ef.elf, n.pc, &n.pc_offset, &n.delta);
			n.sema_ok = !n.sema || !vaddr_to_offset(ef.elf, n.sema, &n.sema_offset);
			err = fn(&n, arg);
		}
	}
	if (!err && !have_notes)
		err = ovp_err(-ENOENT, "%s has no USDT probes (no .note.stapsdt; was it built with --enable-usdt-probes?)",
			      path);
	elf_close(&ef);
	return err;
}

struct usdt_find {
	const char *path, *provider, *name;
	struct probe_usdt_site *sites;
	size_t nr;
};

static int usdt_find_one(const struct probe_usdt_note *n, void *arg)
{
	struct usdt_find *f = arg;
	struct probe_usdt_site *ns;

	if (strcmp(n->provider, f->provider) || strcmp(n->name, f->name))
		return 0;
	if (!n->pc_ok || !n->sema_ok)
		return ovp_err(-EINVAL, "%s: USDT %s:%s at 0x%llx is outside every loadable segment",
			       f->path, f->provider, f->name, (unsigned long long)n->pc);
	ns = realloc(f->sites, (f->nr + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	f->sites = ns;
	ns[f->nr].offset = n->pc_offset;
	ns[f->nr].sema_offset = n->sema ? n->sema_offset : 0;
	ns[f->nr].delta = n->delta;
	ns[f->nr].args = strndup(n->args, n->args_len);
	if (!ns[f->nr++].args)
		return -ENOMEM;
	return 0;
}

int probe_elf_usdt(const char *path, const char *provider, const char *name,
		   struct probe_usdt_site **sitesp, size_t *nrp)
{
	struct usdt_find f = { .path = path, .provider = provider, .name = name };
	int err;

	*sitesp = NULL;
	*nrp = 0;
	err = probe_elf_usdt_each(path, usdt_find_one, &f);
	if (!err && !f.nr)
		err = ovp_err(-ENOENT, "%s has no USDT probe %s:%s", path, provider, name);
	if (err) {
		probe_elf_usdt_free(f.sites, f.nr);
		return err;
	}
	*sitesp = f.sites;
	*nrp = f.nr;
	return 0;
}
