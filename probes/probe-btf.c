// SPDX-License-Identifier: Apache-2.0
/*
 * probe-btf.c - struct member offsets from the kernel's BTF
 * (/sys/kernel/btf/vmlinux), so probe sets can fetch skb->head, skb->data or
 * genl_info->attrs without debuginfo or BCC.
 *
 * BTF layout (include/uapi/linux/btf.h): a header (magic 0xeB9F, hdr_len,
 * then type and string section offsets relative to the header's end); types
 * numbered from 1, each a 12-byte struct btf_type (name_off, info = kind<<24 |
 * kind_flag<<31 | vlen, size/type) followed by kind-specific records.  Struct
 * members are (name_off, type, offset) where offset is in bits - with
 * kind_flag set its low 24 bits are the bit offset and the high 8 the
 * bitfield size.  Only the files' native byte order is supported.
 *
 * A module's BTF (/sys/kernel/btf/openvswitch) is split BTF: its types are
 * numbered on from the last vmlinux type, and its string offsets on from the
 * end of vmlinux's string section.  The cache holds vmlinux and at most one
 * module on top of it, in one types[] array.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ovsperf/err.h>
#include <ovsperf/safefile.h>

#include "probe-local.h"

#define BTF_MAGIC 0xeB9F
/* The largest BTF file read (vmlinux BTF is a few MB). */
#define BTF_FILE_MAX ((size_t)64 << 20)

enum {
	BTF_KIND_INT = 1, BTF_KIND_PTR, BTF_KIND_ARRAY, BTF_KIND_STRUCT, BTF_KIND_UNION,
	BTF_KIND_ENUM, BTF_KIND_FWD, BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST,
	BTF_KIND_RESTRICT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_VAR, BTF_KIND_DATASEC,
	BTF_KIND_FLOAT, BTF_KIND_DECL_TAG, BTF_KIND_TYPE_TAG, BTF_KIND_ENUM64,
};

struct btf_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t type_off;	/* relative to the end of the header */
	uint32_t type_len;
	uint32_t str_off;
	uint32_t str_len;
};

struct btf_type {
	uint32_t name_off;
	uint32_t info;		/* vlen: 0-15, kind: 24-28, kind_flag: 31 */
	uint32_t size_type;	/* size for structs, referenced type for modifiers */
};

struct btf_member {
	uint32_t name_off;
	uint32_t type;
	uint32_t offset;	/* bits (see kind_flag) */
};

/* The cached BTF: a base file and, on top of it, one module's split BTF. */
static struct {
	char *path;		/* base file the cache holds */
	char *buf;		/* whole base file */
	const char *strs;	/* base string section */
	uint32_t str_len;
	const struct btf_type **types;	/* types[id], id >= 1 (base, then split) */
	uint32_t nr_types, cap_types;
	uint32_t base_nr_types;	/* ids below this are the base's */
	char *split_path;	/* split file loaded on top, or NULL */
	char *split_buf;
	const char *split_strs;
	uint32_t split_str_len;
} cache;

#define KIND(t) (((t)->info >> 24) & 0x1f)
#define VLEN(t) ((t)->info & 0xffff)
#define KFLAG(t) ((t)->info >> 31)

static const char *btf_str(uint32_t off)
{
	if (off < cache.str_len)
		return cache.strs + off;
	off -= cache.str_len;
	return cache.split_strs && off < cache.split_str_len ? cache.split_strs + off : "";
}

/* Size of the records that follow a btf_type of this kind. */
static size_t extra_size(const struct btf_type *t)
{
	switch (KIND(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12 * VLEN(t);
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8 * VLEN(t);
	default:
		return 0;
	}
}

static void split_reset(void)
{
	free(cache.split_path);
	free(cache.split_buf);
	cache.split_path = cache.split_buf = NULL;
	cache.split_strs = NULL;
	cache.split_str_len = 0;
	if (cache.base_nr_types)
		cache.nr_types = cache.base_nr_types;
}

static void cache_reset(void)
{
	split_reset();
	free(cache.path);
	free(cache.buf);
	free(cache.types);
	memset(&cache, 0, sizeof(cache));
}

/* Read all of @path into *@bufp (the caller frees it). */
static int read_file(const char *path, char **bufp, size_t *lenp)
{
	/* A regular file only (/sys/kernel/btf/vmlinux is one, and so are
	 * module BTF files), at most BTF_FILE_MAX bytes. */
	return ovp_read_file_max(path, BTF_FILE_MAX, bufp, lenp);
}

/* Check the header of @buf and append its types to cache.types[]. */
static int add_types(const char *path, const char *buf, size_t len, const char **strsp,
		     uint32_t *str_lenp)
{
	const struct btf_header *h = (const struct btf_header *)buf;
	const char *p, *end;

	if (len < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) ||
	    (uint64_t)h->hdr_len + h->type_off + h->type_len > len ||
	    (uint64_t)h->hdr_len + h->str_off + h->str_len > len)
		return ovp_err(-EINVAL, "%s: not a BTF file (or an unsupported BTF version)", path);
	*strsp = buf + h->hdr_len + h->str_off;
	*str_lenp = h->str_len;
	p = buf + h->hdr_len + h->type_off;
	end = p + h->type_len;
	while (p + sizeof(struct btf_type) <= end) {
		const struct btf_type *t = (const struct btf_type *)p;

		if (cache.nr_types >= cache.cap_types) {
			const struct btf_type **nt;
			uint32_t cap = cache.cap_types ? cache.cap_types * 2 : 65536;

			nt = realloc(cache.types, cap * sizeof(*nt));
			if (!nt)
				return -ENOMEM;
			cache.types = nt;
			cache.cap_types = cap;
		}
		cache.types[cache.nr_types++] = t;
		p += sizeof(*t) + extra_size(t);
	}
	if (p != end)
		return ovp_err(-EINVAL, "%s: not a BTF file (or an unsupported BTF version)", path);
	return 0;
}

static int btf_load(const char *path)
{
	size_t len;
	int err;

	if (cache.path && !strcmp(cache.path, path)) {
		split_reset();
		return 0;
	}
	cache_reset();
	err = read_file(path, &cache.buf, &len);
	if (err)
		return err;
	cache.nr_types = 1;	/* id 0 is void */
	err = add_types(path, cache.buf, len, &cache.strs, &cache.str_len);
	if (err) {
		cache_reset();
		return err;
	}
	cache.base_nr_types = cache.nr_types;
	cache.path = strdup(path);
	return cache.path ? 0 : -ENOMEM;
}

/* Load @split on top of the base @path (both cached). */
static int btf_load_split(const char *path, const char *split)
{
	size_t len;
	int err;

	if (cache.path && !strcmp(cache.path, path) && cache.split_path &&
	    !strcmp(cache.split_path, split))
		return 0;
	err = btf_load(path);
	if (err)
		return err;
	err = read_file(split, &cache.split_buf, &len);
	if (err)
		return err;
	err = add_types(split, cache.split_buf, len, &cache.split_strs, &cache.split_str_len);
	if (!err) {
		cache.split_path = strdup(split);
		err = cache.split_path ? 0 : -ENOMEM;
	}
	if (err)
		split_reset();
	return err;
}

/* Skip typedefs and qualifiers. */
static const struct btf_type *resolve(uint32_t id)
{
	const struct btf_type *t;
	int depth;

	for (depth = 0; depth < 32 && id && id < cache.nr_types; depth++) {
		t = cache.types[id];
		switch (KIND(t)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->size_type;
			break;
		default:
			return t;
		}
	}
	return NULL;
}

/* Search @member (@len characters) in struct/union @t, descending into
 * anonymous members; *@typep receives the member's type id. */
static int find_member(const struct btf_type *t, const char *member, size_t len, int depth,
		       uint32_t *bitsp, uint32_t *typep)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);
	uint32_t i, bits;

	if (depth > 8)
		return -ENOENT;
	for (i = 0; i < VLEN(t); i++) {
		const char *name = btf_str(m[i].name_off);

		bits = KFLAG(t) ? m[i].offset & 0xffffff : m[i].offset;
		if (m[i].name_off && strlen(name) == len && !strncmp(name, member, len)) {
			if (KFLAG(t) && (m[i].offset >> 24))
				return -EINVAL;
			*bitsp = bits;
			*typep = m[i].type;
			return 0;
		}
		if (!m[i].name_off) {
			const struct btf_type *sub = resolve(m[i].type);
			uint32_t subbits;
			int err;

			if (!sub || (KIND(sub) != BTF_KIND_STRUCT && KIND(sub) != BTF_KIND_UNION))
				continue;
			err = find_member(sub, member, len, depth + 1, &subbits, typep);
			if (err != -ENOENT) {
				*bitsp = bits + subbits;
				return err;
			}
		}
	}
	return -ENOENT;
}

/* The bit offset of member path @path ("phy.in_port": a member of a member)
 * in struct/union @t. */
static int find_path(const struct btf_type *t, const char *path, uint32_t *bitsp)
{
	uint32_t total = 0, bits, type;
	int err;

	for (;;) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		err = find_member(t, path, len, 0, &bits, &type);
		if (err)
			return err;
		total += bits;
		if (!dot)
			break;
		t = resolve(type);
		if (!t || (KIND(t) != BTF_KIND_STRUCT && KIND(t) != BTF_KIND_UNION))
			return -ENOENT;
		path = dot + 1;
	}
	*bitsp = total;
	return 0;
}

/* Search the cached types, the split ones first (a module's own struct). */
static int offset_in_cache(const char *btf_path, const char *strct, const char *member,
			   uint32_t *offp)
{
	bool found_struct = false;
	uint32_t id, k, bits;
	int err;

	for (k = 1; k < cache.nr_types; k++) {
		const struct btf_type *t;

		/* split ids first, then base ids */
		id = k < cache.nr_types - cache.base_nr_types + 1 ?
		     cache.base_nr_types + k - 1 : k - (cache.nr_types - cache.base_nr_types);
		t = cache.types[id];

		if (KIND(t) != BTF_KIND_STRUCT && KIND(t) != BTF_KIND_UNION)
			continue;
		if (strcmp(btf_str(t->name_off), strct))
			continue;
		found_struct = true;
		err = find_path(t, member, &bits);
		if (err == -EINVAL)
			return ovp_err(err, "%s: %s.%s is a bitfield", btf_path, strct, member);
		if (!err) {
			if (bits % 8)
				return ovp_err(-EINVAL, "%s: %s.%s is not byte aligned", btf_path,
					       strct, member);
			*offp = bits / 8;
			return 0;
		}
	}
	if (!found_struct)
		return ovp_err(-ENOENT, "%s: no struct %s", btf_path, strct);
	return ovp_err(-ENOENT, "%s: struct %s has no member %s", btf_path, strct, member);
}

int probe_btf_offset(const char *btf_path, const char *strct, const char *member, uint32_t *offp)
{
	int err = btf_load(btf_path);

	return err ?: offset_in_cache(btf_path, strct, member, offp);
}

int probe_btf_offset_module(const char *btf_path, const char *module, const char *strct,
			    const char *member, uint32_t *offp)
{
	const char *slash = strrchr(btf_path, '/');
	char *split;
	int err;

	if (!module)
		return probe_btf_offset(btf_path, strct, member, offp);
	if (asprintf(&split, "%.*s%s", slash ? (int)(slash - btf_path + 1) : 0, btf_path,
		     module) < 0)
		return -ENOMEM;
	err = btf_load_split(btf_path, split);
	if (err == -ENOENT) {
		/* No BTF for the module: the struct may still be a core one. */
		ovp_err_clear();
		err = btf_load(btf_path);
		if (!err && offset_in_cache(btf_path, strct, member, offp))
			err = ovp_err(-ENOENT, "%s: no struct %s.%s, and no BTF for module %s "
				      "(%s)", btf_path, strct, member, module, split);
		free(split);
		return err;
	}
	err = err ?: offset_in_cache(split, strct, member, offp);
	free(split);
	return err;
}
