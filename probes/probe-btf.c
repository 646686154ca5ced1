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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ovsperf/err.h>

#include "probe-local.h"

#define BTF_MAGIC 0xeB9F

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

/* The one cached BTF file. */
static struct {
	char *path;		/* file the cache holds */
	char *buf;		/* whole file */
	const char *strs;	/* string section */
	uint32_t str_len;
	const struct btf_type **types;	/* types[id], id >= 1 */
	uint32_t nr_types;
} cache;

#define KIND(t) (((t)->info >> 24) & 0x1f)
#define VLEN(t) ((t)->info & 0xffff)
#define KFLAG(t) ((t)->info >> 31)

static const char *btf_str(uint32_t off)
{
	return off < cache.str_len ? cache.strs + off : "";
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

static void cache_reset(void)
{
	free(cache.path);
	free(cache.buf);
	free(cache.types);
	memset(&cache, 0, sizeof(cache));
}

static int btf_load(const char *path)
{
	const struct btf_header *h;
	const char *p, *end;
	size_t len = 0, cap = 0, n;
	FILE *f;

	if (cache.path && !strcmp(cache.path, path))
		return 0;
	cache_reset();
	f = fopen(path, "r");
	if (!f)
		return ovp_err(-errno, "%s: %s", path, strerror(errno));
	do {
		if (len + 65536 > cap) {
			char *nb = realloc(cache.buf, cap = cap ? cap * 2 : 1 << 20);

			if (!nb) {
				fclose(f);
				return -ENOMEM;
			}
			cache.buf = nb;
		}
		n = fread(cache.buf + len, 1, 65536, f);
		len += n;
	} while (n);
	fclose(f);

	h = (const struct btf_header *)cache.buf;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) ||
	    (uint64_t)h->hdr_len + h->type_off + h->type_len > len ||
	    (uint64_t)h->hdr_len + h->str_off + h->str_len > len)
		goto bad;
	cache.strs = cache.buf + h->hdr_len + h->str_off;
	cache.str_len = h->str_len;
	p = cache.buf + h->hdr_len + h->type_off;
	end = p + h->type_len;
	cap = 0;
	cache.nr_types = 1;	/* id 0 is void */
	while (p + sizeof(struct btf_type) <= end) {
		const struct btf_type *t = (const struct btf_type *)p;

		if (cache.nr_types >= cap) {
			const struct btf_type **nt;

			cap = cap ? cap * 2 : 65536;
			nt = realloc(cache.types, cap * sizeof(*nt));
			if (!nt)
				return -ENOMEM;
			cache.types = nt;
		}
		cache.types[cache.nr_types++] = t;
		p += sizeof(*t) + extra_size(t);
	}
	if (p != end)
		goto bad;
	cache.path = strdup(path);
	return cache.path ? 0 : -ENOMEM;
bad:
	cache_reset();
	return ovp_err(-EINVAL, "%s: not a BTF file (or an unsupported BTF version)", path);
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

/* Search @member in struct/union @t, descending into anonymous members. */
static int find_member(const struct btf_type *t, const char *member, int depth, uint32_t *bitsp)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);
	uint32_t i, bits;

	if (depth > 8)
		return -ENOENT;
	for (i = 0; i < VLEN(t); i++) {
		bits = KFLAG(t) ? m[i].offset & 0xffffff : m[i].offset;
		if (m[i].name_off && !strcmp(btf_str(m[i].name_off), member)) {
			if (KFLAG(t) && (m[i].offset >> 24))
				return -EINVAL;
			*bitsp = bits;
			return 0;
		}
		if (!m[i].name_off) {
			const struct btf_type *sub = resolve(m[i].type);
			uint32_t subbits;

			if (sub && (KIND(sub) == BTF_KIND_STRUCT || KIND(sub) == BTF_KIND_UNION) &&
			    !find_member(sub, member, depth + 1, &subbits)) {
				*bitsp = bits + subbits;
				return 0;
			}
		}
	}
	return -ENOENT;
}

int probe_btf_offset(const char *btf_path, const char *strct, const char *member, uint32_t *offp)
{
	bool found_struct = false;
	uint32_t id, bits;
	int err;

	err = btf_load(btf_path);
	if (err)
		return err;
	for (id = 1; id < cache.nr_types; id++) {
		const struct btf_type *t = cache.types[id];

		if (KIND(t) != BTF_KIND_STRUCT && KIND(t) != BTF_KIND_UNION)
			continue;
		if (strcmp(btf_str(t->name_off), strct))
			continue;
		found_struct = true;
		err = find_member(t, member, 0, &bits);
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
