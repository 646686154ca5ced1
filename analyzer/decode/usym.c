// SPDX-License-Identifier: Apache-2.0
/*
 * decode/usym.c - user-space symbols for kernel-delay's syscall event stacks.
 *
 * Mappings come from MMAP/MMAP2 records (executable ones only).  A frame
 * address is turned into a file offset (ip - start + pgoff), then into the
 * ELF virtual address through the PT_LOAD segment that holds that offset,
 * then looked up among the file's function symbols (.symtab, else .dynsym).
 * Files are opened on first use, at output time, never per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/usym.h"
#include "ovsperf/archive.h"
#include "ovsperf/elfsym.h"
#include "ovsperf/err.h"
#include "ovsperf/safefile.h"

/* Record layouts (uapi linux/perf_event.h describes them in comments). */
struct rec_header {
	uint32_t type;
	uint16_t misc;
	uint16_t size;
};

struct rec_mmap {
	struct rec_header h;
	uint32_t pid, tid;
	uint64_t start, len, pgoff;
	char filename[];
};

struct rec_mmap2 {
	struct rec_header h;
	uint32_t pid, tid;
	uint64_t start, len, pgoff;
	uint8_t ids[24];		/* maj/min/ino/generation or build id */
	uint32_t prot, flags;
	char filename[];
};

#define REC_MMAP 1
#define REC_MMAP2 10
#define PROT_EXEC_BIT 0x4
#define MISC_MMAP_DATA (1 << 13)

struct usym_sym {
	uint64_t addr, size;
	const char *name;		/* points into the file's strings */
};

struct usym_file {
	char *path;
	char build_id[41];		/* hex, "" when unknown */
	bool loaded, ok;
	struct usym_sym *syms;		/* sorted by addr */
	size_t nr_syms;
	char *strings;			/* all names, one block */
	struct {
		uint64_t off, vaddr, filesz;
	} load[16];
	size_t nr_load;
};

struct usym_map {
	uint32_t pid;
	uint64_t start, len, pgoff;
	struct usym_file *file;
};

struct kd_usym {
	const struct archive_reader *archive;	/* preferred source of symbols */
	unsigned long generation;
	struct usym_map *maps;
	size_t nr_maps, cap_maps;
	struct usym_file **files;
	size_t nr_files, cap_files;
};

int kd_usym__new(struct kd_usym **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : ovp_err(-ENOMEM, "out of memory");
}

void kd_usym__free(struct kd_usym *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->nr_files; i++) {
		free(u->files[i]->path);
		free(u->files[i]->syms);
		free(u->files[i]->strings);
		free(u->files[i]);
	}
	free(u->files);
	free(u->maps);
	free(u);
}

static struct usym_file *get_file(struct kd_usym *u, const char *path)
{
	struct usym_file *f;
	size_t i;

	for (i = 0; i < u->nr_files; i++)
		if (!strcmp(u->files[i]->path, path))
			return u->files[i];
	if (u->nr_files == u->cap_files) {
		size_t n = u->cap_files ? u->cap_files * 2 : 16;
		struct usym_file **p = realloc(u->files, n * sizeof(*p));

		if (!p)
			return NULL;
		u->files = p;
		u->cap_files = n;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	u->files[u->nr_files++] = f;
	return f;
}

void kd_usym__set_archive(struct kd_usym *u, const struct archive_reader *a)
{
	u->archive = a;
}

int kd_usym__build_id(struct kd_usym *u, const char *path, const uint8_t *id, size_t size)
{
	struct usym_file *f = get_file(u, path);
	size_t i;

	if (!f)
		return ovp_err(-ENOMEM, "out of memory");
	if (size > 20)
		size = 20;
	for (i = 0; i < size; i++)
		snprintf(f->build_id + 2 * i, 3, "%02x", id[i]);
	return 0;
}

/*
 * Open @f's file, else its copy in a build-id cache.  The names come from
 * the recording: a FIFO, a device or a directory there is skipped without
 * blocking (ovp_open_regular()), and a regular file bounds what libelf
 * reads (it checks every section against the file size).
 */
static int open_file(const struct usym_file *f)
{
	const char *home = getenv("HOME");
	char path[4200];
	int fd = ovp_open_regular(f->path, 0, NULL);

	if (fd >= 0 || !f->build_id[0])
		goto out;
	snprintf(path, sizeof(path), "%s/.debug/.build-id/%.2s/%s/elf", home ? home : "/root",
		 f->build_id, f->build_id + 2);
	fd = ovp_open_regular(path, 0, NULL);
	if (fd >= 0)
		goto out;
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", f->build_id,
		 f->build_id + 2);
	fd = ovp_open_regular(path, 0, NULL);
out:
	/* A file that cannot be used only leaves its addresses raw. */
	if (fd < 0)
		ovp_err_clear();
	return fd;
}

int kd_usym__mmap(struct kd_usym *u, const union perf_event *event)
{
	const struct rec_header *h = (const void *)event;
	uint64_t start, len, pgoff;
	const char *name;
	uint32_t pid;
	size_t max;
	char path[4096];

	if (h->type == REC_MMAP && h->size > sizeof(struct rec_mmap)) {
		const struct rec_mmap *m = (const void *)event;

		if (h->misc & MISC_MMAP_DATA)
			return 0;
		pid = m->pid, start = m->start, len = m->len, pgoff = m->pgoff;
		name = m->filename;
		max = h->size - sizeof(*m);
	} else if (h->type == REC_MMAP2 && h->size > sizeof(struct rec_mmap2)) {
		const struct rec_mmap2 *m = (const void *)event;

		if (!(m->prot & PROT_EXEC_BIT))
			return 0;
		pid = m->pid, start = m->start, len = m->len, pgoff = m->pgoff;
		name = m->filename;
		max = h->size - sizeof(*m);
	} else {
		return 0;
	}
	snprintf(path, sizeof(path), "%.*s", (int)strnlen(name, max), name);
	if (path[0] != '/')
		return 0;	/* [vdso], anon, ... */
	if (u->nr_maps == u->cap_maps) {
		size_t n = u->cap_maps ? u->cap_maps * 2 : 64;
		struct usym_map *p = realloc(u->maps, n * sizeof(*p));

		if (!p)
			return ovp_err(-ENOMEM, "out of memory");
		u->maps = p;
		u->cap_maps = n;
	}
	u->maps[u->nr_maps].file = get_file(u, path);
	if (!u->maps[u->nr_maps].file)
		return ovp_err(-ENOMEM, "out of memory");
	u->maps[u->nr_maps].pid = pid;
	u->maps[u->nr_maps].start = start;
	u->maps[u->nr_maps].len = len;
	u->maps[u->nr_maps].pgoff = pgoff;
	u->nr_maps++;
	u->generation++;
	return 0;
}

unsigned long kd_usym__generation(const struct kd_usym *u)
{
	return u ? u->generation : 0;
}

int kd_usym__for_each_map(struct kd_usym *u, int64_t pid,
			  int (*fn)(const char *path, uint64_t start, uint64_t len, uint64_t pgoff,
				    void *arg),
			  void *arg)
{
	const char *home = getenv("HOME");
	char cached[4200];
	size_t i;
	int r;

	for (i = 0; u && i < u->nr_maps; i++) {
		const struct usym_map *m = &u->maps[i];
		const char *path = m->file->path;

		size_t j;

		if ((int64_t)m->pid != pid)
			continue;
		for (j = 0; j < i; j++)
			if ((int64_t)u->maps[j].pid == pid && u->maps[j].file == m->file)
				break;
		if (j < i)
			continue;	/* the file's first mapping was given */
		if (access(path, R_OK) && m->file->build_id[0]) {
			snprintf(cached, sizeof(cached), "%s/.debug/.build-id/%.2s/%s/elf",
				 home ? home : "/root", m->file->build_id, m->file->build_id + 2);
			path = cached;
		}
		r = fn(path, m->start, m->len, m->pgoff, arg);
		if (r)
			return r;
	}
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct usym_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Copying the function symbols of one table into a file's arrays, bounded
 * by the string table's size. */
struct table_fill {
	struct usym_file *f;
	size_t *str_used, str_cap;
};

static int table_sym(const struct ovp_elf_sym *sym, void *arg)
{
	struct table_fill *tf = arg;
	struct usym_file *f = tf->f;
	size_t len;

	if (sym->type != STT_FUNC || !sym->value)
		return 0;
	len = strlen(sym->name) + 1;
	if (*tf->str_used + len > tf->str_cap)
		return 1;
	memcpy(f->strings + *tf->str_used, sym->name, len);
	f->syms[f->nr_syms].addr = sym->value;
	f->syms[f->nr_syms].size = sym->size;
	/* An offset until the table is complete (see load_file). */
	f->syms[f->nr_syms].name = (const char *)(uintptr_t)*tf->str_used;
	*tf->str_used += len;
	f->nr_syms++;
	return 0;
}

/* One symbol of an archive's table, into @f (names appended to strings). */
struct arch_fill {
	struct usym_file *f;
	size_t cap_syms, str_used, str_cap;
	bool nomem;
};

static int arch_sym(uint64_t addr, uint64_t size, char type, const char *name, size_t len,
		    void *arg)
{
	struct arch_fill *af = arg;
	struct usym_file *f = af->f;

	if (type != 't' && type != 'T')
		return 0;
	if (f->nr_syms == af->cap_syms) {
		size_t cap = af->cap_syms ? af->cap_syms * 2 : 1024;
		struct usym_sym *n = realloc(f->syms, cap * sizeof(*n));

		if (!n)
			goto nomem;
		f->syms = n;
		af->cap_syms = cap;
	}
	if (af->str_used + len + 1 > af->str_cap) {
		size_t cap = (af->str_used + len + 1) * 2;
		char *n = realloc(f->strings, cap);

		if (!n)
			goto nomem;
		f->strings = n;
		af->str_cap = cap;
	}
	memcpy(f->strings + af->str_used, name, len);
	f->strings[af->str_used + len] = '\0';
	f->syms[f->nr_syms].addr = addr;
	f->syms[f->nr_syms].size = size;
	f->syms[f->nr_syms].name = (const char *)(uintptr_t)af->str_used;	/* fixed up below */
	f->nr_syms++;
	af->str_used += len + 1;
	return 0;
nomem:
	af->nomem = true;
	return -ENOMEM;
}

/*
 * Load @f from the archive's symbols/ member for its path (or build id):
 * "# load: OFFSET VADDR FILESZ" lines, then "ADDR SIZE TYPE NAME" lines.
 * Return: true when the archive had it.
 */
static bool load_from_archive(const struct kd_usym *u, struct usym_file *f)
{
	struct arch_fill af = { .f = f };
	const char *text = NULL, *line;
	size_t i;

	if (!u->archive)
		return false;
	if (f->build_id[0])
		text = archive_reader__symbols_by_build_id(u->archive, f->build_id, NULL);
	if (!text)
		text = archive_reader__symbols(u->archive, f->path, NULL);
	if (!text)
		return false;
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long long off, vaddr, filesz;

		if (f->nr_load < 16 &&
		    sscanf(line, "# load: %llx %llx %llx", &off, &vaddr, &filesz) == 3) {
			f->load[f->nr_load].off = off;
			f->load[f->nr_load].vaddr = vaddr;
			f->load[f->nr_load].filesz = filesz;
			f->nr_load++;
		}
	}
	archive_symbols__for_each(text, arch_sym, &af);
	if (af.nomem) {
		free(f->syms);
		free(f->strings);
		f->syms = NULL;
		f->strings = NULL;
		f->nr_syms = 0;
		return true;	/* loaded, but empty: no local fallback either */
	}
	for (i = 0; i < f->nr_syms; i++)
		f->syms[i].name = f->strings + (uintptr_t)f->syms[i].name;
	if (f->nr_syms)
		qsort(f->syms, f->nr_syms, sizeof(*f->syms), cmp_sym);
	f->ok = true;
	return true;
}

static void load_file(struct usym_file *f)
{
	size_t i, str_used = 0, str_cap = 0, max_syms = 0;
	struct ovp_elf_load loads[16];
	enum ovp_elf_table table;
	struct table_fill tf;
	struct ovp_elf *e;
	int fd, nr;

	f->loaded = true;
	fd = open_file(f);
	if (fd < 0)
		return;
	if (ovp_elf__open_fd(&e, fd, f->path)) {
		ovp_err_clear();	/* not an ELF file: its addresses stay raw */
		return;
	}
	nr = ovp_elf__loads(e, loads, 16);
	if (nr < 0)
		goto out;
	for (i = 0; i < (size_t)nr; i++) {
		f->load[f->nr_load].off = loads[i].offset;
		f->load[f->nr_load].vaddr = loads[i].vaddr;
		f->load[f->nr_load].filesz = loads[i].filesz;
		f->nr_load++;
	}
	table = ovp_elf__has_table(e, OVP_ELF_SYMTAB, NULL, NULL) ? OVP_ELF_SYMTAB
								   : OVP_ELF_DYNSYM;
	/* Names are copied from the linked string table: its size bounds them. */
	if (ovp_elf__has_table(e, table, &max_syms, &str_cap) && str_cap)
		str_cap++;
	if (!str_cap)
		max_syms = 0;
	if (!max_syms)
		goto ok;
	f->syms = calloc(max_syms, sizeof(*f->syms));
	f->strings = malloc(str_cap);
	if (!f->syms || !f->strings)
		goto out;
	tf = (struct table_fill){ .f = f, .str_used = &str_used, .str_cap = str_cap };
	ovp_elf__for_each_sym(e, table, table_sym, &tf);
	for (i = 0; i < f->nr_syms; i++)
		f->syms[i].name = f->strings + (uintptr_t)f->syms[i].name;
	qsort(f->syms, f->nr_syms, sizeof(*f->syms), cmp_sym);
ok:
	f->ok = true;
out:
	ovp_elf__close(e);
}

static const struct usym_sym *lookup(const struct usym_file *f, uint64_t vaddr)
{
	size_t lo = 0, hi = f->nr_syms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	lo--;
	if (f->syms[lo].size && vaddr >= f->syms[lo].addr + f->syms[lo].size)
		return NULL;
	return &f->syms[lo];
}

void kd_usym__format(struct kd_usym *u, int64_t pid, uint64_t ip, char *buf, size_t size)
{
	const struct usym_map *m = NULL;
	const struct usym_sym *sym = NULL;
	const char *base;
	uint64_t off;
	size_t i;

	/* The latest mapping wins (maps are replaced over time). */
	for (i = u ? u->nr_maps : 0; i-- > 0;) {
		const struct usym_map *c = &u->maps[i];

		if ((int64_t)c->pid == pid && ip >= c->start && ip < c->start + c->len) {
			m = c;
			break;
		}
	}
	if (!m) {
		snprintf(buf, size, "[unknown] 0x%" PRIx64, ip);
		return;
	}
	if (!m->file->loaded) {
		m->file->loaded = true;
		if (!load_from_archive(u, m->file))
			load_file(m->file);
	}
	base = strrchr(m->file->path, '/');
	base = base ? base + 1 : m->file->path;
	off = ip - m->start + m->pgoff;
	for (i = 0; i < m->file->nr_load; i++) {
		if (off >= m->file->load[i].off &&
		    off < m->file->load[i].off + m->file->load[i].filesz) {
			sym = lookup(m->file, off - m->file->load[i].off + m->file->load[i].vaddr);
			if (sym)
				off = off - m->file->load[i].off + m->file->load[i].vaddr -
				      sym->addr;
			break;
		}
	}
	if (sym)
		snprintf(buf, size, "%s+0x%" PRIx64 " [%s]", sym->name, off, base);
	else
		snprintf(buf, size, "[unknown] 0x%" PRIx64 " [%s]", ip, base);
}
