// SPDX-License-Identifier: Apache-2.0
/*
 * ksyms.c - kernel symbol table from kallsyms text (see ksyms.h).
 *
 * The text is copied once and split in place: names and module names point
 * into that copy, so a table is two allocations however many symbols it has.
 * Every symbol line is parsed (data symbols too, to bound the size of the
 * text symbol before them), sorted by address, then only text symbols are
 * kept for lookups.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/strutil.h"

struct ksym {
	uint64_t addr;		/* start address */
	uint64_t size;		/* distance to the next higher address, 0 for the last */
	const char *name;	/* points into ksyms.text */
	const char *module;	/* without brackets, NULL for the kernel image */
	size_t idx;		/* line order, breaks address ties (first alias wins) */
	bool text;		/* type t/T/w/W */
};

struct ksyms {
	char *text;		/* NUL-split copy of the kallsyms text */
	struct ksym *syms;	/* text symbols, by address then line order */
	size_t nr;		/* number of entries in syms */
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool is_text_type(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

/*
 * Parse one NUL-terminated line "ADDR TYPE NAME[\t[MODULE]]" in place.
 * Returns false for lines that are not symbol lines (blank, garbage).
 */
static bool parse_line(char *line, struct ksym *sym, char *type)
{
	char *end, *name, *mod;

	sym->addr = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || !end[1] || end[2] != ' ' || !end[3])
		return false;
	*type = end[1];
	name = end + 3;
	mod = strpbrk(name, " \t");
	sym->module = NULL;
	if (mod) {
		*mod++ = '\0';
		mod += strspn(mod, " \t");
		if (*mod == '[') {
			char *close = strchr(++mod, ']');

			if (close)
				*close = '\0';
			sym->module = *mod ? mod : NULL;
		}
	}
	sym->name = name;
	return *name != '\0';
}

/* Build the table from @text, of which @ks takes ownership. */
static int ksyms_build(struct ksyms *ks, char *text, size_t size)
{
	struct ksym *all = NULL, *tmp;
	size_t nr = 0, cap = 0, i, j;
	bool nonzero = false;
	char *line = text, *end = text + size, *nl;

	ks->text = text;
	while (line < end) {
		struct ksym sym;
		char type;

		nl = memchr(line, '\n', end - line);
		if (nl)
			*nl = '\0';
		if (parse_line(line, &sym, &type) && type != 'a' && type != 'A') {
			if (nr == cap) {
				cap = cap ? cap * 2 : 4096;
				tmp = realloc(all, cap * sizeof(*all));
				if (!tmp) {
					free(all);
					return ovp_err(-ENOMEM, "kallsyms: out of memory");
				}
				all = tmp;
			}
			sym.size = 0;
			sym.idx = nr;
			sym.text = is_text_type(type);
			if (sym.addr)
				nonzero = true;
			all[nr++] = sym;
		}
		line = nl ? nl + 1 : end;
	}
	if (nr && !nonzero) {
		free(all);
		return ovp_err(-EPERM, "kallsyms has no addresses (kptr_restrict?)");
	}
	if (nr)
		qsort(all, nr, sizeof(*all), cmp_ksym);
	/* Size: up to the next higher address of any symbol.  j runs ahead. */
	for (i = 0, j = 0; i < nr; i++) {
		if (j <= i)
			j = i + 1;
		while (j < nr && all[j].addr == all[i].addr)
			j++;
		all[i].size = j < nr ? all[j].addr - all[i].addr : 0;
	}
	for (i = 0, j = 0; i < nr; i++)
		if (all[i].text)
			all[j++] = all[i];
	if (!j) {
		free(all);
		return ovp_err(-ENOENT, "kallsyms has no text symbols");
	}
	tmp = realloc(all, j * sizeof(*all));
	ks->syms = tmp ? tmp : all;
	ks->nr = j;
	return 0;
}

int ksyms__load_buf(struct ksyms **out, const char *text, size_t size)
{
	struct ksyms *ks;
	char *copy;
	int err;

	*out = NULL;
	ks = calloc(1, sizeof(*ks));
	copy = malloc(size + 1);
	if (!ks || !copy) {
		free(ks);
		free(copy);
		return ovp_err(-ENOMEM, "kallsyms: out of memory");
	}
	if (size)
		memcpy(copy, text, size);
	copy[size] = '\0';
	err = ksyms_build(ks, copy, size);
	if (err) {
		ksyms__free(ks);
		return err;
	}
	*out = ks;
	return 0;
}

int ksyms__load_file(struct ksyms **out, const char *path)
{
	size_t size = 0;
	char *buf = NULL;
	int err;

	*out = NULL;
	/* /proc/kallsyms reports size 0: read to its end (a regular file
	 * only, at most OVP_READ_FILE_MAX bytes). */
	err = ovp_read_file(path, &buf, &size);
	if (err)
		return err;
	err = ksyms__load_buf(out, buf, size);
	if (err)
		ovp_err_prefix(err, "%s", path);
	free(buf);
	return err;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->text);
	free(ks);
}

/* The symbol containing @addr, or NULL. */
static const struct ksym *find(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi, mid;
	const struct ksym *s;

	if (!ks || !ks->nr)
		return NULL;
	hi = ks->nr;
	/* Find the first symbol above addr; the candidate is the one before. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &ks->syms[lo - 1];
	while (s > ks->syms && s[-1].addr == s->addr)
		s--;
	if (s->size ? addr - s->addr >= s->size : addr != s->addr)
		return NULL;
	return s;
}

const char *ksyms__lookup(const struct ksyms *ks, uint64_t addr, uint64_t *offset,
			  uint64_t *size)
{
	const struct ksym *s = find(ks, addr);

	if (!s)
		return NULL;
	if (offset)
		*offset = addr - s->addr;
	if (size)
		*size = s->size;
	return s->name;
}

const char *ksyms__module(const struct ksyms *ks, uint64_t addr)
{
	const struct ksym *s = find(ks, addr);

	return s ? s->module : NULL;
}

uint64_t ksyms__addr(const struct ksyms *ks, const char *name)
{
	const struct ksym *best = NULL;
	size_t i;

	if (!ks)
		return 0;
	/* Rare (probe setup): a scan is fine.  Lowest line number wins. */
	for (i = 0; i < ks->nr; i++)
		if (!strcmp(ks->syms[i].name, name) && (!best || ks->syms[i].idx < best->idx))
			best = &ks->syms[i];
	return best ? best->addr : 0;
}

int ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	const struct ksym *s = find(ks, addr);

	if (!s)
		return snprintf(buf, len, "0x%" PRIx64, addr);
	if (s->module)
		return snprintf(buf, len, "%s+0x%" PRIx64 "/0x%" PRIx64 " [%s]", s->name,
				addr - s->addr, s->size, s->module);
	return snprintf(buf, len, "%s+0x%" PRIx64 "/0x%" PRIx64, s->name, addr - s->addr,
			s->size);
}

size_t ksyms__count(const struct ksyms *ks)
{
	return ks ? ks->nr : 0;
}
