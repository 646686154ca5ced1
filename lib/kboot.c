// SPDX-License-Identifier: Apache-2.0
/*
 * kboot.c - the recorded kernel boot and the kallsyms that belong to it (see
 * kboot.h).  Used by the session when it chooses the kernel symbols of a
 * recording, and by ovsperf-probe archive before it packs /proc/kallsyms.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <zstd.h>

#include "ovsperf/err.h"
#include "ovsperf/safefile.h"
#include "ovsperf/strutil.h"

#include "ovsperf/kboot.h"

#define KERNEL_MMAP_NAME "[kernel.kallsyms]"

/* zstd-compressed text (a kallsyms.zst) is decompressed as it is read, to
 * at most OVP_READ_FILE_MAX bytes. */
static int zstd_to_text(char *in, size_t len, char **out)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t cap = len < (OVP_READ_FILE_MAX >> 2) ? len * 4 + 4096 : OVP_READ_FILE_MAX, ncap, r;
	char *buf = malloc(cap);
	ZSTD_outBuffer ob;

	if (!z || !buf) {
		ZSTD_freeDStream(z);
		free(buf);
		return -ENOMEM;
	}
	ZSTD_initDStream(z);
	ob.dst = buf;
	ob.size = cap - 1;
	ob.pos = 0;
	for (;;) {
		r = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(r)) {
			ZSTD_freeDStream(z);
			free(buf);
			return ovp_err(-EBADMSG, "zstd: %s", ZSTD_getErrorName(r));
		}
		if (!r || (ib.pos == ib.size && ob.pos < ob.size))
			break;	/* the frame is complete, or the input ended */
		if (ob.pos == ob.size) {
			char *b;

			if (cap > OVP_READ_FILE_MAX) {
				ZSTD_freeDStream(z);
				free(buf);
				return ovp_err(-EFBIG, "decompresses to more than %zu MiB",
					       OVP_READ_FILE_MAX >> 20);
			}
			/* Up to one byte past the limit: a text of exactly
			 * OVP_READ_FILE_MAX bytes and its NUL still fit. */
			ncap = cap * 2 < OVP_READ_FILE_MAX + 1 ? cap * 2 : OVP_READ_FILE_MAX + 1;
			b = realloc(buf, ncap);
			if (!b) {
				ZSTD_freeDStream(z);
				free(buf);
				return -ENOMEM;
			}
			buf = b;
			cap = ncap;
			ob.dst = buf;
			ob.size = cap - 1;
		}
	}
	ZSTD_freeDStream(z);
	buf[ob.pos] = '\0';
	*out = buf;
	return 0;
}

int kallsyms_read_file(const char *path, char **out)
{
	size_t len;
	char *buf;
	int err;

	err = ovp_read_file(path, &buf, &len);
	if (err)
		return err;
	if (len >= 4 && !memcmp(buf, "\x28\xb5\x2f\xfd", 4)) {
		err = zstd_to_text(buf, len, out);
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

bool kboot__note_mmap(struct kboot *kb, const union perf_event *event)
{
	const char *name;
	size_t off, max;
	uint64_t pgoff;
	uint32_t pid;

	/* MMAP: pid tid start len pgoff filename; MMAP2 has 32 more bytes
	 * (device or build-id, prot, flags) before the file name. */
	if (event->header.type == PERF_RECORD_MMAP)
		off = 40;
	else if (event->header.type == PERF_RECORD_MMAP2)
		off = 72;
	else
		return false;
	if (event->header.size <= off + sizeof(KERNEL_MMAP_NAME))
		return false;
	memcpy(&pid, (const char *)event + 8, 4);
	memcpy(&pgoff, (const char *)event + 32, 8);
	name = (const char *)event + off;
	max = event->header.size - off;
	if (pid != UINT32_MAX || strncmp(name, KERNEL_MMAP_NAME, strlen(KERNEL_MMAP_NAME)))
		return false;
	name += strlen(KERNEL_MMAP_NAME);
	max -= strlen(KERNEL_MMAP_NAME);
	/* The reference symbol; perf uses _text, or _stext where there is none. */
	snprintf(kb->text_sym, sizeof(kb->text_sym), "%.*s", (int)strnlen(name, max), name);
	if (!kb->text_sym[0])
		snprintf(kb->text_sym, sizeof(kb->text_sym), "_text");
	kb->text_addr = pgoff;
	return true;
}

/* The first line "ADDR T|t NAME" of @text: true and its address in @addr. */
static bool find_text_sym(const char *text, size_t size, const char *name, uint64_t *addr)
{
	size_t nlen = strlen(name);
	const char *p = text, *end = text + size, *nl;

	while (p < end) {
		const char *sp;

		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		/* "ADDR T NAME" (a module symbol has "\t[mod]" after NAME). */
		sp = memchr(p, ' ', nl - p);
		if (sp && nl - sp == (ptrdiff_t)(3 + nlen) && (sp[1] == 'T' || sp[1] == 't') &&
		    sp[2] == ' ' && !memcmp(sp + 3, name, nlen)) {
			char buf[24];
			size_t alen = sp - p;

			if (alen && alen < sizeof(buf)) {
				memcpy(buf, p, alen);
				buf[alen] = '\0';
				*addr = strtoull(buf, NULL, 16);
				return true;
			}
		}
		p = nl + 1;
	}
	return false;
}

uint64_t kallsyms_text_addr(const char *text, size_t size, const char *name)
{
	uint64_t addr = 0;

	return find_text_sym(text, size, name, &addr) ? addr : 0;
}

int kboot__check_kallsyms(const struct kboot *kb, const char *text, size_t size, char *why,
			  size_t len)
{
	uint64_t addr;

	if (!kb->text_addr || !kb->text_sym[0])
		return 0;
	/* Without the reference symbol nothing shows which boot the text is
	 * from (a kallsyms cut to some lines must keep it). */
	if (!find_text_sym(text, size, kb->text_sym, &addr)) {
		snprintf(why, len, "it has no %s line to compare with the recorded kernel's "
			 "0x%" PRIx64, kb->text_sym, kb->text_addr);
		return -1;
	}
	/* Zero addresses (read without the right to see them): left to the
	 * symbol table, which says so. */
	if (!addr)
		return 0;
	if (addr == kb->text_addr)
		return 1;
	snprintf(why, len, "its %s is at 0x%" PRIx64 " but the recorded kernel's is at 0x%" PRIx64,
		 kb->text_sym, addr, kb->text_addr);
	return -1;
}

/* Up to @max bytes of @path (a procfs or sysfs file: no size) into @buf. */
static size_t read_prefix(const char *path, char *buf, size_t max)
{
	size_t got = 0;
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	while (got < max) {
		n = read(fd, buf + got, max - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	return got;
}

int kboot__read_build_id(const char *path, uint8_t id[20])
{
	char buf[4096];
	size_t size = read_prefix(path, buf, sizeof(buf)), pos = 0;

	/* Elf_Nhdr: namesz, descsz, type; name and desc padded to 4 bytes. */
	while (pos + 12 <= size) {
		uint32_t namesz, descsz, type;
		size_t name_off = pos + 12, desc_off;

		memcpy(&namesz, buf + pos, 4);
		memcpy(&descsz, buf + pos + 4, 4);
		memcpy(&type, buf + pos + 8, 4);
		if (namesz > size || descsz > size)
			return 0;
		desc_off = name_off + ((namesz + 3) & ~3u);
		if (desc_off + descsz > size)
			return 0;
		if (type == 3 && namesz == 4 && !memcmp(buf + name_off, "GNU", 4) && descsz &&
		    descsz <= 20) {
			memcpy(id, buf + desc_off, descsz);
			return (int)descsz;
		}
		pos = desc_off + ((descsz + 3) & ~3u);
	}
	return 0;
}

/* The address of @name in the first lines of a kallsyms file (the kernel
 * lists _stext and _text among its first symbols), without reading the
 * whole of /proc/kallsyms, which takes half a second on some kernels: read
 * 16 KiB at a time, up to 256 KiB, until a whole line names it. */
static uint64_t host_text_addr(const char *path, const char *name)
{
	size_t max = 256 * 1024, size = 0, lines;
	char *buf = malloc(max);
	uint64_t addr = 0;
	struct stat st;
	ssize_t n;
	int fd;

	if (!buf)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto out;
	while (!addr && size < max) {
		n = read(fd, buf + size, max - size < 16384 ? max - size : 16384);
		if (n <= 0)
			break;
		size += n;
		/* Only whole lines. */
		for (lines = size; lines && buf[lines - 1] != '\n'; lines--)
			;
		addr = kallsyms_text_addr(buf, lines, name);
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return addr;
}

bool kboot__host_matches(const struct kboot *kb, const char *proc_kallsyms, const char *notes,
			 const char *release)
{
	bool compared = false;
	struct utsname u;
	uint8_t id[20];
	int idsz;

	if (kb->os_release && *kb->os_release) {
		if (!release) {
			if (uname(&u))
				return false;
			release = u.release;
		}
		if (strcmp(kb->os_release, release))
			return false;
	}
	if (kb->build_id_size) {
		idsz = kboot__read_build_id(notes, id);
		if (idsz) {
			size_t n = (size_t)idsz < kb->build_id_size ? (size_t)idsz : kb->build_id_size;

			/* perf pads build-ids to 20 bytes with zeros. */
			if (memcmp(id, kb->build_id, n))
				return false;
			compared = true;
		}
	}
	if (kb->text_addr && kb->text_sym[0]) {
		uint64_t addr = host_text_addr(proc_kallsyms, kb->text_sym);

		/* Zero: kptr_restrict hides the addresses; they cannot be used. */
		if (addr != kb->text_addr)
			return false;
		compared = true;
	}
	return compared;
}
