// SPDX-License-Identifier: Apache-2.0
/*
 * elfsym.c - the one ELF reader of both programs (elfsym.h): symbols of
 * .symtab / .dynsym, PT_LOAD segments, virtual address to file offset, GNU
 * build id.  Callers choose which symbols they keep (functions only,
 * objects too, defined only); this file only walks the tables.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovsperf/elfsym.h"
#include "ovsperf/err.h"
#include "ovsperf/safefile.h"

struct ovp_elf {
	int fd;
	Elf *elf;
};

int ovp_elf__open_fd(struct ovp_elf **out, int fd, const char *path)
{
	struct ovp_elf *e;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		return ovp_err(-EINVAL, "libelf: %s", elf_errmsg(-1));
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		close(fd);
		return ovp_err(-ENOMEM, "out of memory");
	}
	e->fd = fd;
	e->elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		ovp_elf__close(e);
		return ovp_err(-EINVAL, "%s: not an ELF file", path);
	}
	*out = e;
	return 0;
}

int ovp_elf__open(struct ovp_elf **out, const char *path)
{
	int fd;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ovp_err(-EINVAL, "libelf: %s", elf_errmsg(-1));
	fd = ovp_open_regular(path, 0, NULL);
	if (fd < 0)
		return fd;
	return ovp_elf__open_fd(out, fd, path);
}

void ovp_elf__close(struct ovp_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	close(e->fd);
	free(e);
}

Elf *ovp_elf__libelf(const struct ovp_elf *e)
{
	return e->elf;
}

/* The section of table @t (the last one, should there be several). */
static Elf_Scn *table_scn(const struct ovp_elf *e, enum ovp_elf_table t, GElf_Shdr *shp)
{
	Elf64_Word want = t == OVP_ELF_SYMTAB ? SHT_SYMTAB : SHT_DYNSYM;
	Elf_Scn *scn = NULL, *found = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == want) {
			found = scn;
			*shp = sh;
		}
	}
	return found;
}

bool ovp_elf__has_table(const struct ovp_elf *e, enum ovp_elf_table t, size_t *nr_syms,
			size_t *str_size)
{
	GElf_Shdr sh, strsh;

	if (!table_scn(e, t, &sh))
		return false;
	if (nr_syms)
		*nr_syms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	if (str_size)
		*str_size = gelf_getshdr(elf_getscn(e->elf, sh.sh_link), &strsh) ? strsh.sh_size
										 : 0;
	return true;
}

int ovp_elf__for_each_sym(const struct ovp_elf *e, enum ovp_elf_table t, ovp_elf_sym_fn fn,
			  void *arg)
{
	GElf_Shdr sh;
	Elf_Scn *scn = table_scn(e, t, &sh);
	Elf_Data *data;
	size_t i, n;
	int ret;

	if (!scn || !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
		return 0;
	n = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < n; i++) {
		struct ovp_elf_sym s;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		s.name = elf_strptr(e->elf, sh.sh_link, sym.st_name);
		if (!s.name)
			continue;
		s.value = sym.st_value;
		s.size = sym.st_size;
		s.type = GELF_ST_TYPE(sym.st_info);
		s.bind = GELF_ST_BIND(sym.st_info);
		s.shndx = sym.st_shndx;
		ret = fn(&s, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int ovp_elf__loads(const struct ovp_elf *e, struct ovp_elf_load *loads, size_t max)
{
	size_t i, n, nr = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(e->elf, &n))
		return -EINVAL;
	for (i = 0; i < n && nr < max; i++) {
		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		loads[nr].offset = ph.p_offset;
		loads[nr].vaddr = ph.p_vaddr;
		loads[nr].filesz = ph.p_filesz;
		nr++;
	}
	return (int)nr;
}

int ovp_elf__vaddr_to_offset(const struct ovp_elf *e, uint64_t va, uint64_t *offp,
			     uint64_t *deltap)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(e->elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
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

size_t ovp_elf_note_build_id(const void *buf, size_t size, uint8_t id[20])
{
	const char *notes = buf;
	size_t off = 0;

	while (off + 12 <= size) {
		uint32_t namesz, descsz, type;

		memcpy(&namesz, notes + off, 4);
		memcpy(&descsz, notes + off + 4, 4);
		memcpy(&type, notes + off + 8, 4);
		off += 12;
		if (off + ((namesz + 3) & ~3u) + descsz > size)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(notes + off, "GNU", 4) &&
		    descsz && descsz <= 20) {
			memcpy(id, notes + off + 4, descsz);
			return descsz;
		}
		off += ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
	}
	return 0;
}

size_t ovp_elf__build_id(const struct ovp_elf *e, uint8_t id[20])
{
	Elf_Scn *scn = NULL;
	size_t n = 0;

	while (!n && (scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (data && data->d_buf)
			n = ovp_elf_note_build_id(data->d_buf, data->d_size, id);
	}
	return n;
}

size_t ovp_elf_file_build_id(const char *path, uint8_t id[20])
{
	struct ovp_elf *e;
	size_t n;

	if (ovp_elf__open(&e, path)) {
		ovp_err_clear();
		return 0;
	}
	n = ovp_elf__build_id(e, id);
	ovp_elf__close(e);
	return n;
}
