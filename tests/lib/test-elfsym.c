// SPDX-License-Identifier: Apache-2.0
/*
 * test-elfsym.c - lib/elfsym.c, the ELF reader of the probe, the recorder
 * and user symbolization, against binutils' readelf on real files: this test
 * program itself (built by the test, with a .symtab) and /bin/true (.dynsym).
 * Every symbol of each table, in table order, must have readelf's value,
 * size, binding, definedness and name; the PT_LOAD segments and the GNU
 * build id must be readelf's; a function's file offset must be where
 * /proc/self/maps maps its running address.
 */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovsperf/elfsym.h"
#include "ovsperf/err.h"
#include "check.h"

/* One row of `readelf -sW`. */
struct row {
	unsigned long num;
	uint64_t value, size;
	char type[16], bind[16], ndx[16], name[512];
};

struct table {
	struct row *rows;
	size_t nr;
};

/* The rows of table @which (".symtab" or ".dynsym") of @path, from readelf. */
static int readelf_table(const char *path, const char *which, struct table *t)
{
	char cmd[4400], line[1024], hdr[64];
	bool in = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -sW '%s' 2>/dev/null", path);
	snprintf(hdr, sizeof(hdr), "Symbol table '%s'", which);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	t->rows = NULL;
	t->nr = 0;
	while (fgets(line, sizeof(line), p)) {
		struct row r = { 0 };
		unsigned long long v, sz;
		char *at;
		int n;

		if (!strncmp(line, "Symbol table '", 14)) {
			in = !strncmp(line, hdr, strlen(hdr));
			continue;
		}
		if (!in)
			continue;
		n = sscanf(line, " %lu: %llx %llu %15s %15s %*s %15s %511s", &r.num, &v, &sz, r.type,
			   r.bind, r.ndx, r.name);
		if (n < 6)
			continue;
		r.value = v;
		r.size = sz;
		/* readelf adds .dynsym's versions ("free@GLIBC_2.2.5 (2)"): not
		 * the name.  (A .symtab name may hold a '@' of its own.) */
		at = strchr(r.name, '@');
		if (at && !strcmp(which, ".dynsym"))
			*at = '\0';
		t->rows = realloc(t->rows, (t->nr + 1) * sizeof(*t->rows));
		t->rows[t->nr++] = r;
	}
	pclose(p);
	return 0;
}

struct walk {
	const struct table *t;
	size_t i;		/* next table index */
	size_t matched;
};

static const char *bind_name(unsigned char b)
{
	return b == STB_LOCAL ? "LOCAL" : b == STB_GLOBAL ? "GLOBAL" : b == STB_WEAK ? "WEAK" : "?";
}

static const char *type_name(unsigned char t)
{
	switch (t) {
	case STT_NOTYPE: return "NOTYPE";
	case STT_OBJECT: return "OBJECT";
	case STT_FUNC: return "FUNC";
	case STT_SECTION: return "SECTION";
	case STT_FILE: return "FILE";
	case STT_TLS: return "TLS";
	case STT_GNU_IFUNC: return "IFUNC";
	default: return "?";
	}
}

static int compare_sym(const struct ovp_elf_sym *s, void *arg)
{
	struct walk *w = arg;
	const struct row *r;

	if (w->i >= w->t->nr) {
		fprintf(stderr, "symbol %s beyond readelf's %zu rows\n", s->name, w->t->nr);
		check_failures++;
		return 1;
	}
	r = &w->t->rows[w->i++];
	CHECK_U64(s->value, r->value);
	CHECK_U64(s->size, r->size);
	CHECK_STR(bind_name(s->bind), r->bind);
	CHECK_STR(type_name(s->type), r->type);
	CHECK((s->shndx == SHN_UNDEF) == !strcmp(r->ndx, "UND"));
	/* readelf shows a section symbol's name as the section's; elfsym gives
	 * the symbol's own (empty). */
	if (s->type != STT_SECTION)
		CHECK_STR(s->name, r->name);
	w->matched++;
	return 0;
}

static void check_table(const char *path, enum ovp_elf_table which, const char *name,
			size_t min_rows)
{
	struct ovp_elf *e;
	struct table t;
	struct walk w = { .t = &t };
	size_t nr = 0, strsz = 0;

	CHECK(!readelf_table(path, name, &t));
	fprintf(stderr, "%s %s: readelf lists %zu symbols\n", path, name, t.nr);
	CHECK(t.nr >= min_rows);
	CHECK(!ovp_elf__open(&e, path));
	if (!e)
		return;
	CHECK(ovp_elf__has_table(e, which, &nr, &strsz));
	CHECK_U64(nr, t.nr);
	CHECK(strsz > 0);
	CHECK(!ovp_elf__for_each_sym(e, which, compare_sym, &w));
	CHECK_U64(w.matched, t.nr);
	ovp_elf__close(e);
	free(t.rows);
}

/* A function of this program, found by name in its .symtab. */
__attribute__((noinline, used)) int elfsym_test_marker(int x)
{
	return x * 3 + 1;
}

struct find {
	const char *name;
	uint64_t value;
};

static int find_sym(const struct ovp_elf_sym *s, void *arg)
{
	struct find *f = arg;

	if (s->type == STT_FUNC && !strcmp(s->name, f->name)) {
		f->value = s->value;
		return 7;	/* stops the walk, and is returned */
	}
	return 0;
}

/* The file offset of the running address @addr, from /proc/self/maps. */
static int maps_offset(uintptr_t addr, const char *self, uint64_t *off)
{
	char line[4400], file[4096];
	unsigned long long lo, hi, pgoff;
	FILE *f = fopen("/proc/self/maps", "r");
	int found = -1;

	while (f && found && fgets(line, sizeof(line), f)) {
		file[0] = '\0';
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095s", &lo, &hi, &pgoff, file) < 3)
			continue;
		if (addr >= lo && addr < hi && !strcmp(file, self)) {
			*off = addr - lo + pgoff;
			found = 0;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void check_self(const char *self)
{
	struct find fd = { .name = "elfsym_test_marker" };
	struct ovp_elf_load loads[16];
	uint64_t off = 0, delta = 0, want = 0;
	char cmd[4200], line[512], hex[64] = "", want_hex[64] = "";
	uint8_t id[20];
	size_t idsz, i, nr_load_readelf = 0;
	struct ovp_elf *e;
	int nr;
	FILE *p;

	CHECK(!ovp_elf__open(&e, self));
	if (!e)
		return;
	CHECK_U64(ovp_elf__for_each_sym(e, OVP_ELF_SYMTAB, find_sym, &fd), 7);
	CHECK(fd.value != 0);
	CHECK(!ovp_elf__vaddr_to_offset(e, fd.value, &off, &delta));
	CHECK(!maps_offset((uintptr_t)elfsym_test_marker, self, &want));
	CHECK_U64(off, want);
	CHECK_U64(ovp_elf__vaddr_to_offset(e, 0xffffffffffff0000ULL, &off, NULL), (uint64_t)-ENOENT);

	/* Segments and build id against readelf -lW / -n. */
	nr = ovp_elf__loads(e, loads, 16);
	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", self);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		unsigned long long o, v, pa, fs;

		if (sscanf(line, " LOAD 0x%llx 0x%llx 0x%llx 0x%llx", &o, &v, &pa, &fs) == 4) {
			if (nr_load_readelf < (size_t)nr) {
				CHECK_U64(loads[nr_load_readelf].offset, o);
				CHECK_U64(loads[nr_load_readelf].vaddr, v);
				CHECK_U64(loads[nr_load_readelf].filesz, fs);
			}
			nr_load_readelf++;
		}
	}
	if (p)
		pclose(p);
	CHECK(nr > 0);
	CHECK_U64(nr, nr_load_readelf);
	CHECK_U64(ovp_elf__loads(e, loads, 1), 1);

	idsz = ovp_elf__build_id(e, id);
	for (i = 0; i < idsz; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	snprintf(cmd, sizeof(cmd), "readelf -n '%s'", self);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		if (sscanf(line, " Build ID: %63s", want_hex) == 1)
			break;
	if (p)
		pclose(p);
	fprintf(stderr, "%s: build id %s (readelf: %s)\n", self, hex, want_hex);
	CHECK(idsz > 0);
	CHECK_STR(hex, want_hex);
	ovp_elf__close(e);
	CHECK_U64(ovp_elf_file_build_id(self, id), idsz);
	CHECK_U64(ovp_elf_file_build_id("/nonexistent/elfsym", id), 0);
	CHECK(!*ovp_errmsg());
}

static void check_notes(void)
{
	/* namesz 4, descsz 3, type 3 (NT_GNU_BUILD_ID), "GNU\0", 3 bytes + pad;
	 * after a note of another type. */
	static const unsigned char notes[] = {
		4, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 'G', 'N', 'U', 0, 9, 9, 9, 9,
		4, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0, 0xab, 0xcd, 0xef, 0,
	};
	uint8_t id[20] = { 0 };

	CHECK_U64(ovp_elf_note_build_id(notes, sizeof(notes), id), 3);
	CHECK(id[0] == 0xab && id[1] == 0xcd && id[2] == 0xef);
	/* Cut inside the second note: no id, no read past the end. */
	CHECK_U64(ovp_elf_note_build_id(notes, sizeof(notes) - 6, id), 0);
}

static void check_errors(const char *text_file)
{
	struct ovp_elf *e = (void *)1;
	char want[4200];

	CHECK_U64(ovp_elf__open(&e, text_file), (uint64_t)-EINVAL);
	CHECK(e == NULL);
	snprintf(want, sizeof(want), "%s: not an ELF file", text_file);
	CHECK_STR(ovp_errmsg(), want);
	ovp_err_clear();
	CHECK(ovp_elf__open(&e, "/dev/zero") < 0);
	CHECK(strstr(ovp_errmsg(), "not a regular file") != NULL);
	ovp_err_clear();
	CHECK_U64(ovp_elf__open(&e, "/nonexistent/elfsym"), (uint64_t)-ENOENT);
	ovp_err_clear();
	ovp_elf__close(NULL);
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || argc < 2) {
		fprintf(stderr, "usage: test-elfsym SOURCE_FILE (and /proc mounted)\n");
		return 1;
	}
	self[n] = '\0';
	check_table(self, OVP_ELF_SYMTAB, ".symtab", 20);
	check_table(self, OVP_ELF_DYNSYM, ".dynsym", 2);
	check_table("/bin/true", OVP_ELF_DYNSYM, ".dynsym", 10);
	check_self(self);
	check_notes();
	check_errors(argv[1]);
	CHECK_DONE();
}
