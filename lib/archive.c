// SPDX-License-Identifier: Apache-2.0
/*
 * archive.c - reading ovsperf archives (tar + zstd) for pdata_session__open().
 *
 * The archive is decompressed once, as a stream, through a small tar state
 * machine (header -> data -> padding -> header ...), so no member is ever
 * held twice and the perf.data, the only big member, goes straight to an
 * unnamed temporary file (O_TMPFILE in $TMPDIR or /var/tmp, else a memfd)
 * that the session then maps like any perf.data.  Nothing is left on disk,
 * whatever happens: the file has no name.
 *
 * Only what ovsperf-probe archive and GNU/bsd tar write is understood:
 * ustar headers (octal or base-256 sizes, prefix + name), GNU long names
 * ('L') and pax extended headers ('x', the "path" record).  Directories,
 * links and other types are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "ovsperf/archive.h"
#include "ovsperf/err.h"

#define TAR_BLOCK 512
/*
 * Limits, so that a small hostile archive cannot expand into memory or onto
 * the disk without end (a zstd frame of zeros expands 30000 times):
 *  - members other than perf.data are kept in memory: at most 256 MiB each,
 *    512 MiB together;
 *  - everything the archive holds (tar headers and members, perf.data
 *    included) is at most 1024 times the archive's size, plus 16 MiB (real
 *    archives expand 5 to 20 times).
 * A member beyond a limit is refused by the size its header declares,
 * before any of it is written.
 */
#define ARCHIVE_MAX_MEMBER (256ULL << 20)
#define ARCHIVE_MAX_MEMORY (512ULL << 20)
#define ARCHIVE_MAX_RATIO 1024
#define ARCHIVE_SLACK (16ULL << 20)

struct archive_member {
	char *name;
	char *data;		/* NUL-terminated; NULL for perf.data */
	size_t size;
};

struct archive_reader {
	struct archive_member *members;
	int nr_members;
	int perf_fd;		/* the perf.data member, -1 until found */

	/* Parser state. */
	enum { ST_HEADER, ST_DATA, ST_PAD, ST_END } state;
	uint8_t hdr[TAR_BLOCK];
	size_t hdr_len;
	uint64_t left;		/* data bytes of the current member still to come */
	uint64_t pad;		/* padding bytes still to skip */
	uint64_t offset;	/* tar offset of the current header (for messages) */
	uint64_t pos;		/* tar bytes consumed */
	int nr_headers;
	char type;		/* typeflag of the current member */
	char *long_name;	/* from the previous 'L' or 'x' header */
	char *cur_name;
	char *buf;		/* in-memory member being filled */
	size_t buf_len;
	bool to_file;		/* the current member goes to perf_fd */
	int err;		/* sticky */
	uint64_t max_expand;	/* most tar bytes the archive may expand to */
	uint64_t mem_total;	/* bytes of members kept in memory */
};

bool archive_is_zstd(int fd)
{
	uint8_t m[4];

	return pread(fd, m, sizeof(m), 0) == (ssize_t)sizeof(m) &&
	       !memcmp(m, "\x28\xb5\x2f\xfd", 4);
}

/* An unnamed temporary file for perf.data. */
static int temp_fd(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = -1;

	if (dir && *dir)
		fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("ovsperf-archive-perf.data", MFD_CLOEXEC);
	return fd;
}

/* A numeric header field: octal text, or GNU base-256 (high bit set). */
static int tar_number(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (p[0] & 0x80) {
		v = p[0] & 0x7f;
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return -1;
			v = (v << 8) | p[i];
		}
		*out = v;
		return 0;
	}
	while (i < len && (p[i] == ' ' || p[i] == '\0'))
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (p[i] - '0');
	}
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

static bool header_checksum_ok(const uint8_t *h)
{
	uint64_t want;
	unsigned int sum = 0;
	size_t i;

	if (tar_number(h + 148, 8, &want))
		return false;
	for (i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

/* "./a/b" -> "a/b"; "" stays "". */
static char *clean_name(char *name)
{
	while (name[0] == '.' && name[1] == '/') {
		memmove(name, name + 2, strlen(name + 2) + 1);
		while (name[0] == '/')
			memmove(name, name + 1, strlen(name));
	}
	return name;
}

/* The "path" record of a pax header: lines "LEN key=value\n". */
static char *pax_path(const char *data, size_t size)
{
	const char *p = data, *end = data + size;

	while (p < end) {
		char *sp;
		unsigned long len = strtoul(p, &sp, 10);

		if (!len || sp >= end || *sp != ' ' || len > (size_t)(end - p))
			return NULL;
		if ((size_t)(p + len - (sp + 1)) > 5 && !strncmp(sp + 1, "path=", 5))
			return strndup(sp + 6, p + len - (sp + 6) - 1);
		p += len;
	}
	return NULL;
}

static int start_member(struct archive_reader *a)
{
	const uint8_t *h = a->hdr;
	uint64_t size;
	char name[257];
	size_t i;

	for (i = 0; i < TAR_BLOCK && !h[i]; i++)
		;
	if (i == TAR_BLOCK) {
		/* A zero block ends the archive (tar writes two). */
		a->state = ST_END;
		return 0;
	}
	if (!header_checksum_ok(h)) {
		if (!a->nr_headers)
			return ovp_err(-EPROTONOSUPPORT, "a zstd-compressed file, but not a tar "
				       "archive (decompress a plain perf.data with zstd -d)");
		return ovp_err(-EBADMSG, "damaged tar header at offset %llu (bad checksum)",
			       (unsigned long long)a->offset);
	}
	a->nr_headers++;
	if (tar_number(h + 124, 12, &size))
		return ovp_err(-EBADMSG, "damaged tar header at offset %llu (bad size)",
			       (unsigned long long)a->offset);
	a->type = h[156] ? (char)h[156] : '0';
	if (a->long_name) {
		a->cur_name = a->long_name;
		a->long_name = NULL;
	} else {
		/* ustar: prefix (155 at 345) "/" name (100 at 0). */
		size_t len = 0;

		name[0] = '\0';
		if (!memcmp(h + 257, "ustar", 5) && h[345])
			len = (size_t)snprintf(name, sizeof(name), "%.155s/", (const char *)h + 345);
		/* The name field is 100 bytes, NUL-terminated only when shorter. */
		snprintf(name + len, sizeof(name) - len, "%.100s", (const char *)h);
		a->cur_name = strdup(name);
		if (!a->cur_name)
			return ovp_err(-ENOMEM, "out of memory");
	}
	clean_name(a->cur_name);
	if (size > a->max_expand - a->pos)
		return ovp_err(-EFBIG, "archive member %s: %llu bytes: the archive would expand to "
			       "more than %llu bytes (%d times its size + 16 MiB): refused",
			       a->cur_name, (unsigned long long)size,
			       (unsigned long long)a->max_expand, ARCHIVE_MAX_RATIO);
	a->left = size;
	a->pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
	a->to_file = false;
	a->buf = NULL;
	a->buf_len = 0;

	if ((a->type == '0' || a->type == '7') && !strcmp(a->cur_name, "perf.data")) {
		if (a->perf_fd >= 0)
			return ovp_err(-EBADMSG, "two perf.data members in the archive");
		a->perf_fd = temp_fd();
		if (a->perf_fd < 0)
			return ovp_err(-errno, "no temporary file for perf.data: %s",
				       strerror(errno));
		a->to_file = true;
	} else if (a->type == '0' || a->type == '7' || a->type == 'L' || a->type == 'x') {
		if (size > ARCHIVE_MAX_MEMBER || a->mem_total + size > ARCHIVE_MAX_MEMORY)
			return ovp_err(-EFBIG, "archive member %s: %llu bytes is too big (members "
				       "other than perf.data: at most %llu MiB each, %llu MiB "
				       "together)", a->cur_name, (unsigned long long)size,
				       ARCHIVE_MAX_MEMBER >> 20, ARCHIVE_MAX_MEMORY >> 20);
		a->mem_total += size;
		a->buf = malloc(size + 1);
		if (!a->buf)
			return ovp_err(-ENOMEM, "out of memory");
	}
	a->state = ST_DATA;
	return 0;
}

static int end_member(struct archive_reader *a)
{
	struct archive_member *m;

	if (a->buf)
		a->buf[a->buf_len] = '\0';
	if (a->type == 'L') {
		free(a->long_name);
		a->long_name = a->buf;
		a->buf = NULL;
	} else if (a->type == 'x') {
		free(a->long_name);
		a->long_name = pax_path(a->buf, a->buf_len);
		free(a->buf);
		a->buf = NULL;
	} else if (a->type == '0' || a->type == '7') {
		m = realloc(a->members, (a->nr_members + 1) * sizeof(*m));
		if (!m)
			return ovp_err(-ENOMEM, "out of memory");
		a->members = m;
		m += a->nr_members++;
		m->name = a->cur_name;
		m->data = a->buf;
		m->size = a->buf_len;
		a->cur_name = NULL;
		a->buf = NULL;
	}
	free(a->cur_name);
	a->cur_name = NULL;
	free(a->buf);
	a->buf = NULL;
	a->state = ST_PAD;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ovp_err(w < 0 ? -errno : -EIO, "writing perf.data to a temporary "
				       "file: %s", strerror(w < 0 ? errno : EIO));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Feed @n decompressed tar bytes to the state machine. */
static int feed(struct archive_reader *a, const uint8_t *p, size_t n)
{
	int err = 0;

	while (n && !err) {
		size_t k;

		switch (a->state) {
		case ST_HEADER:
			k = TAR_BLOCK - a->hdr_len < n ? TAR_BLOCK - a->hdr_len : n;
			memcpy(a->hdr + a->hdr_len, p, k);
			a->hdr_len += k;
			if (a->hdr_len == TAR_BLOCK) {
				a->offset = a->pos;
				a->hdr_len = 0;
				err = start_member(a);
			}
			break;
		case ST_DATA:
			k = a->left < n ? a->left : n;
			if (a->to_file)
				err = write_all(a->perf_fd, p, k);
			else if (a->buf)
				memcpy(a->buf + a->buf_len, p, k);
			a->buf_len += k;
			a->left -= k;
			break;
		case ST_PAD:
			k = a->pad < n ? a->pad : n;
			a->pad -= k;
			break;
		case ST_END:
		default:
			return 0;	/* whatever follows the end blocks is ignored */
		}
		p += k;
		n -= k;
		a->pos += k;
		if (!err && a->state == ST_DATA && !a->left)
			err = end_member(a);
		if (!err && a->state == ST_PAD && !a->pad)
			a->state = ST_HEADER;
	}
	return err;
}

int archive_reader__open(struct archive_reader **out, int fd)
{
	size_t in_size = ZSTD_DStreamInSize(), out_size = ZSTD_DStreamOutSize(), ret = 1;
	struct archive_reader *a = calloc(1, sizeof(*a));
	uint8_t *in = malloc(in_size), *obuf = malloc(out_size);
	ZSTD_DStream *z = ZSTD_createDStream();
	uint64_t off = 0;
	int err = 0;

	*out = NULL;
	if (!a || !in || !obuf || !z) {
		err = ovp_err(-ENOMEM, "out of memory");
		goto out;
	}
	a->perf_fd = -1;
	{
		struct stat st;

		if (fstat(fd, &st) < 0) {
			err = ovp_err(-errno, "archive: %s", strerror(errno));
			goto out;
		}
		a->max_expand = (uint64_t)st.st_size * ARCHIVE_MAX_RATIO + ARCHIVE_SLACK;
	}
	ZSTD_initDStream(z);
	while (!err && a->state != ST_END) {
		ssize_t n = pread(fd, in, in_size, (off_t)off);
		ZSTD_inBuffer ib = { in, 0, 0 };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = ovp_err(-errno, "reading the archive: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		off += (uint64_t)n;
		ib.size = (size_t)n;
		while (!err && ib.pos < ib.size && a->state != ST_END) {
			ZSTD_outBuffer ob = { obuf, out_size, 0 };

			ret = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(ret)) {
				err = ovp_err(-EBADMSG, "damaged archive: zstd: %s (compressed "
					      "offset about %llu)", ZSTD_getErrorName(ret),
					      (unsigned long long)(off - n + ib.pos));
				break;
			}
			err = feed(a, obuf, ob.pos);
			if (!err && a->pos > a->max_expand)
				err = ovp_err(-EFBIG, "the archive expands to more than %llu bytes "
					      "(%d times its size + 16 MiB): refused",
					      (unsigned long long)a->max_expand, ARCHIVE_MAX_RATIO);
		}
	}
	if (err)
		goto out;
	if (a->state != ST_END && !(a->state == ST_HEADER && !a->hdr_len && ret == 0)) {
		/* The data stopped inside a frame or a member.  A tar without its
		 * end blocks but cut at a member boundary (and a complete zstd
		 * frame) is accepted. */
		err = ovp_err(-EBADMSG, "truncated archive: it ends %s", a->cur_name ?
			      "inside a member" : ret ? "inside a zstd frame" :
			      "inside a tar header");
		if (a->cur_name)
			err = ovp_err_prefix(err, "%s", a->cur_name);
		goto out;
	}
	if (a->perf_fd < 0) {
		err = ovp_err(-ENOENT, "the archive has no perf.data member");
		goto out;
	}
	if (lseek(a->perf_fd, 0, SEEK_SET) < 0) {
		err = ovp_err(-errno, "temporary perf.data: %s", strerror(errno));
		goto out;
	}
	*out = a;
	a = NULL;
out:
	ZSTD_freeDStream(z);
	free(in);
	free(obuf);
	archive_reader__close(a);
	return err;
}

void archive_reader__close(struct archive_reader *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < a->nr_members; i++) {
		free(a->members[i].name);
		free(a->members[i].data);
	}
	free(a->members);
	free(a->long_name);
	free(a->cur_name);
	free(a->buf);
	if (a->perf_fd >= 0)
		close(a->perf_fd);
	free(a);
}

int archive_reader__perf_data_fd(const struct archive_reader *a)
{
	return a->perf_fd;
}

const char *archive_reader__member(const struct archive_reader *a, const char *name,
				   size_t *size)
{
	int i;

	for (i = 0; i < a->nr_members; i++) {
		if (a->members[i].data && !strcmp(a->members[i].name, name)) {
			if (size)
				*size = a->members[i].size;
			return a->members[i].data;
		}
	}
	return NULL;
}

const char *archive_reader__symbols(const struct archive_reader *a, const char *path,
				    size_t *size)
{
	size_t len = strlen(path);
	int i;

	for (i = 0; i < a->nr_members; i++) {
		const struct archive_member *m = &a->members[i];

		if (!m->data || strncmp(m->name, "symbols/", 8) ||
		    strncmp(m->data, "# path: ", 8) || strncmp(m->data + 8, path, len) ||
		    (m->data[8 + len] != '\n' && m->data[8 + len] != '\0'))
			continue;
		if (size)
			*size = m->size;
		return m->data;
	}
	return NULL;
}

const char *archive_reader__symbols_by_build_id(const struct archive_reader *a,
						const char *build_id, size_t *size)
{
	size_t len = strlen(build_id);
	int i;

	if (!len)
		return NULL;
	for (i = 0; i < a->nr_members; i++) {
		const struct archive_member *m = &a->members[i];
		const char *line;

		if (!m->data || strncmp(m->name, "symbols/", 8))
			continue;
		/* The header comments come first: look at them only. */
		for (line = m->data; line && *line == '#'; line = strchr(line, '\n'), line += !!line) {
			if (!strncmp(line, "# build-id: ", 12) && !strncmp(line + 12, build_id, len) &&
			    (line[12 + len] == '\n' || line[12 + len] == '\0')) {
				if (size)
					*size = m->size;
				return m->data;
			}
		}
	}
	return NULL;
}

int archive_symbols__for_each(const char *text,
			      int (*fn)(uint64_t addr, uint64_t size, char type, const char *name,
					size_t name_len, void *arg),
			      void *arg)
{
	const char *line, *next;
	int r;

	for (line = text; line && *line; line = next) {
		const char *end = strchr(line, '\n'), *p, *name;
		unsigned long long addr, size;
		char *q;
		char type;

		next = end ? end + 1 : NULL;
		if (!end)
			end = line + strlen(line);
		if (*line == '#')
			continue;
		/* "ADDR SIZE TYPE NAME" */
		errno = 0;
		addr = strtoull(line, &q, 16);
		if (q == line || *q != ' ' || errno)
			continue;
		p = q + 1;
		size = strtoull(p, &q, 16);
		if (q == p || *q != ' ' || errno)
			continue;
		p = q + 1;
		if (p + 2 >= end || p[1] != ' ')
			continue;
		type = *p;
		name = p + 2;
		r = fn(addr, size, type, name, (size_t)(end - name), arg);
		if (r)
			return r;
	}
	return 0;
}

const char *archive_reader__manifest(const struct archive_reader *a, const char *key,
				     size_t *len)
{
	const char *line = archive_reader__member(a, "MANIFEST", NULL);
	size_t klen = strlen(key);

	for (; line && *line; line = strchr(line, '\n'), line += !!line) {
		const char *end = strchrnul(line, '\n');

		if (!strncmp(line, key, klen) && line[klen] == ':' && line[klen + 1] == ' ') {
			*len = (size_t)(end - line - klen - 2);
			return line + klen + 2;
		}
	}
	return NULL;
}

int archive_reader__nr_members(const struct archive_reader *a)
{
	return a->nr_members;
}

const char *archive_reader__member_name(const struct archive_reader *a, int i)
{
	return i >= 0 && i < a->nr_members ? a->members[i].name : NULL;
}
