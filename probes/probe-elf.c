// SPDX-License-Identifier: Apache-2.0
/*
 * probe-elf.c - ELF lookups for uprobes, through the ELF reader of lib/
 * (ovsperf/elfsym.h): a symbol's file offset (uprobes take file offsets, so
 * PIE executables and shared libraries need no load address) and the sites
 * of USDT probes from .note.stapsdt.
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
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include <ovsperf/elfsym.h>
#include <ovsperf/err.h>

#include "probe-local.h"

#define NT_STAPSDT 3

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

struct sym_find {
	const char *name;
	bool objects;
	uint64_t va;
};

static int sym_match(const struct ovp_elf_sym *sym, void *arg)
{
	struct sym_find *f = arg;

	if (sym->shndx == SHN_UNDEF || !sym->value)
		return 0;
	if (sym->type != STT_FUNC && sym->type != STT_GNU_IFUNC &&
	    !(f->objects && sym->type == STT_OBJECT))
		return 0;
	if (strcmp(sym->name, f->name))
		return 0;
	f->va = sym->value;
	return 1;
}

/* Look @sym up; *offp gets its file offset, or its address when @vaddr. */
static int elf_sym(const char *path, const char *sym, bool objects, bool vaddr, uint64_t *offp)
{
	struct sym_find f = { .name = sym, .objects = objects };
	struct ovp_elf *e;
	int err;

	err = ovp_elf__open(&e, path);
	if (err)
		return err;
	/* .symtab first: it also has the static functions .dynsym lacks. */
	err = ovp_elf__for_each_sym(e, OVP_ELF_SYMTAB, sym_match, &f) ||
	      ovp_elf__for_each_sym(e, OVP_ELF_DYNSYM, sym_match, &f) ? 0 : -ENOENT;
	if (!err && vaddr) {
		*offp = f.va;
	} else if (!err && ovp_elf__vaddr_to_offset(e, f.va, offp, NULL))
		err = ovp_err(-EINVAL, "%s: symbol %s at 0x%llx is outside every loadable segment",
			      path, sym, (unsigned long long)f.va);
	else if (err)
		err = ovp_err(-ENOENT, "%s: no %s '%s' in its symbol tables%s", path,
			      objects ? "symbol" : "function", sym,
			      " (stripped binary, or a static function that was inlined?)");
	ovp_elf__close(e);
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
	struct ovp_elf *e;
	Elf_Scn *scn = NULL;
	GElf_Nhdr nh;
	Elf *elf;
	Elf_Data *data;
	int err;

	err = ovp_elf__open(&e, path);
	if (err)
		return err;
	elf = ovp_elf__libelf(e);
	asz = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	have_base = find_section(elf, ".stapsdt.base", &base_sh) != NULL;

	while ((scn = elf_nextscn(elf, scn)) && !err) {
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
			n.pc = note_addr(elf, desc, asz);
			n.base = note_addr(elf, desc + asz, asz);
			n.sema = note_addr(elf, desc + 2 * asz, asz);
			/* Prelinked or moved: the note's base says by how much. */
			if (have_base && n.base) {
				n.pc += base_sh.sh_addr - n.base;
				if (n.sema)
					n.sema += base_sh.sh_addr - n.base;
			}
			n.pc_ok = !ovp_elf__vaddr_to_offset(e, n.pc, &n.pc_offset, &n.delta);
			n.sema_ok = !n.sema ||
				    !ovp_elf__vaddr_to_offset(e, n.sema, &n.sema_offset, NULL);
			err = fn(&n, arg);
		}
	}
	if (!err && !have_notes)
		err = ovp_err(-ENOENT, "%s has no USDT probes (no .note.stapsdt; was it built with --enable-usdt-probes?)",
			      path);
	ovp_elf__close(e);
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
