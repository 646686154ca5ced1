// SPDX-License-Identifier: Apache-2.0
/*
 * test-kboot.c - the recorded boot against kallsyms texts (kboot.h): the
 * kernel MMAP and MMAP2 records perf writes, a kallsyms whose _text moved
 * (refused), one without _text or with kptr_restrict zeros (cannot tell),
 * the build-id note of /sys/kernel/notes, and the host rule (release,
 * build-id and _text must all agree, one of the last two compared) on fake
 * /proc/kallsyms and notes files.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovsperf/kboot.h"
#include "check.h"

/* "[kernel.kallsyms]_text" MMAP as perf synthesizes it (pid -1). */
static size_t kernel_mmap(uint8_t *buf, uint32_t type, uint32_t pid, uint64_t pgoff,
			  const char *name)
{
	size_t off = type == PERF_RECORD_MMAP ? 40 : 72, size;
	struct perf_event_header h = { .type = type };

	size = (off + strlen(name) + 1 + 7) & ~7ul;
	memset(buf, 0, size);
	h.size = size;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + 8, &pid, 4);
	memcpy(buf + 32, &pgoff, 8);
	memcpy(buf + off, name, strlen(name));
	return size;
}

static const char kallsyms[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff93400000 T _stext\n"
	"ffffffff93400000 T _text\n"
	"ffffffff93400100 t _text_helper\n"		/* longer name: no match */
	"ffffffffc0a01000 t _text\t[mod]\n";		/* module symbol: no match */

static const char *write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	return path;
}

/* An ELF note file like /sys/kernel/notes: a Xen note, then GNU build-id. */
static size_t notes(uint8_t *buf, const uint8_t *id, uint32_t idsz)
{
	uint32_t hdr[3];
	size_t n = 0;

	hdr[0] = 4, hdr[1] = 4, hdr[2] = 6;
	memcpy(buf + n, hdr, 12), n += 12;
	memcpy(buf + n, "Xen\0", 4), n += 4;
	memcpy(buf + n, "\1\2\3\4", 4), n += 4;
	hdr[0] = 4, hdr[1] = idsz, hdr[2] = 3;
	memcpy(buf + n, hdr, 12), n += 12;
	memcpy(buf + n, "GNU\0", 4), n += 4;
	memcpy(buf + n, id, idsz), n += (idsz + 3) & ~3u;
	return n;
}

int main(void)
{
	_Alignas(8) uint8_t rec[256];
	struct kboot kb = { 0 };
	uint8_t id[20], got[20], nbuf[128];
	char why[200] = "", dir[] = "/tmp/test-kboot-XXXXXX", p1[64], p2[64];
	size_t i;

	/* The kernel MMAP, MMAP and MMAP2; a user MMAP is not it. */
	kernel_mmap(rec, PERF_RECORD_MMAP, 1234, 0xffffffff93400000, "[kernel.kallsyms]_text");
	CHECK(!kboot__note_mmap(&kb, (union perf_event *)rec));
	kernel_mmap(rec, PERF_RECORD_MMAP, -1, 0xffffffff93400000, "/usr/bin/true");
	CHECK(!kboot__note_mmap(&kb, (union perf_event *)rec));
	kernel_mmap(rec, PERF_RECORD_MMAP2, -1, 0xffffffff81000000, "[kernel.kallsyms]_stext");
	CHECK(kboot__note_mmap(&kb, (union perf_event *)rec));
	CHECK_U64(kb.text_addr, 0xffffffff81000000);
	CHECK_STR(kb.text_sym, "_stext");
	kernel_mmap(rec, PERF_RECORD_MMAP, -1, 0xffffffff93400000, "[kernel.kallsyms]_text");
	CHECK(kboot__note_mmap(&kb, (union perf_event *)rec));
	CHECK_U64(kb.text_addr, 0xffffffff93400000);
	CHECK_STR(kb.text_sym, "_text");

	/* kallsyms texts. */
	CHECK_U64(kallsyms_text_addr(kallsyms, strlen(kallsyms), "_text"), 0xffffffff93400000);
	CHECK_U64(kallsyms_text_addr(kallsyms, strlen(kallsyms), "_tex"), 0);
	CHECK_U64(kallsyms_text_addr(kallsyms, strlen(kallsyms), "fixed_percpu_data"), 0);
	CHECK(kboot__check_kallsyms(&kb, kallsyms, strlen(kallsyms), why, sizeof(why)) == 1);
	kb.text_addr = 0xffffffff98600000;
	CHECK(kboot__check_kallsyms(&kb, kallsyms, strlen(kallsyms), why, sizeof(why)) == -1);
	CHECK_STR(why, "its _text is at 0xffffffff93400000 but the recorded kernel's is at "
		       "0xffffffff98600000");
	CHECK(kboot__check_kallsyms(&kb, "0000000000000000 T _text\n", 25, why, 8) == 0);
	CHECK(kboot__check_kallsyms(&kb, "ffffffff81000000 T x\n", 21, why, sizeof(why)) == -1);
	CHECK_STR(why, "it has no _text line to compare with the recorded kernel's "
		       "0xffffffff98600000");
	kb.text_addr = 0;
	CHECK(kboot__check_kallsyms(&kb, kallsyms, strlen(kallsyms), why, sizeof(why)) == 0);

	/* Build-id notes. */
	for (i = 0; i < sizeof(id); i++)
		id[i] = 0xa0 + i;
	if (!mkdtemp(dir))
		abort();
	snprintf(p1, sizeof(p1), "%s/notes", dir);
	snprintf(p2, sizeof(p2), "%s/kallsyms", dir);
	write_file(p1, nbuf, notes(nbuf, id, 20));
	CHECK(kboot__read_build_id(p1, got) == 20 && !memcmp(got, id, 20));
	CHECK(kboot__read_build_id("/nonexistent", got) == 0);
	write_file(p2, kallsyms, strlen(kallsyms));

	/* The host rule. */
	memset(&kb, 0, sizeof(kb));
	CHECK(!kboot__host_matches(&kb, p2, p1, "6.1.0"));	/* nothing compared */
	kb.os_release = "6.1.0";
	kb.text_addr = 0xffffffff93400000;
	strcpy(kb.text_sym, "_text");
	CHECK(kboot__host_matches(&kb, p2, p1, "6.1.0"));
	CHECK(!kboot__host_matches(&kb, p2, p1, "6.1.1"));	/* another release */
	kb.text_addr = 0xffffffff93600000;			/* another KASLR base */
	CHECK(!kboot__host_matches(&kb, p2, p1, "6.1.0"));
	kb.text_addr = 0;
	memcpy(kb.build_id, id, 20);
	kb.build_id_size = 20;
	CHECK(kboot__host_matches(&kb, p2, p1, "6.1.0"));	/* build-id alone */
	kb.build_id[3] ^= 1;
	CHECK(!kboot__host_matches(&kb, p2, p1, "6.1.0"));	/* another build */
	kb.build_id[3] ^= 1;
	kb.text_addr = 0xffffffff93400000;
	CHECK(kboot__host_matches(&kb, p2, p1, "6.1.0"));	/* all three */
	write_file(p2, "0000000000000000 T _text\n", 25);	/* kptr_restrict */
	CHECK(!kboot__host_matches(&kb, p2, p1, "6.1.0"));

	unlink(p1);
	unlink(p2);
	rmdir(dir);
	CHECK_DONE();
}
