// SPDX-License-Identifier: Apache-2.0
/*
 * test-archive.c - unit tests of lib/archive.c, the ovsperf archive reader:
 * archives are built here byte by byte (ustar headers, GNU 'L' long names,
 * pax 'x' paths, directories, "./" names) and compressed with libzstd, then
 * read back; damaged ones (bad checksum, truncation, no perf.data, a zstd
 * file that is no tar) must fail with the documented codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "ovsperf/archive.h"
#include "ovsperf/err.h"

static int failures;

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                             \
		}                                                               \
	} while (0)

/* A tar being built in memory. */
struct tar {
	unsigned char *p;
	size_t len;
};

static void tar_put(struct tar *t, const void *data, size_t n)
{
	if (!n)
		return;
	t->p = realloc(t->p, t->len + n);
	memcpy(t->p + t->len, data, n);
	t->len += n;
}

/* One header (+ data + padding).  @type '0' file, '5' dir, 'L', 'x'. */
static void tar_add(struct tar *t, const char *name, char type, const void *data, size_t n,
		    bool bad_sum)
{
	unsigned char h[512] = { 0 }, zero[512] = { 0 };
	unsigned int sum = 0;
	size_t i;

	memcpy(h, name, strlen(name) > 100 ? 100 : strlen(name));
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011zo", n);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum + (bad_sum ? 1 : 0));
	tar_put(t, h, 512);
	tar_put(t, data, n);
	if (n % 512)
		tar_put(t, zero, 512 - n % 512);
}

static void tar_end(struct tar *t)
{
	unsigned char zero[1024] = { 0 };

	tar_put(t, zero, sizeof(zero));
}

/* Compress @t into a temporary file, cut to @cut bytes if non-zero. */
static int zfile(const void *data, size_t n, size_t cut)
{
	size_t cap = ZSTD_compressBound(n), z;
	void *buf = malloc(cap);
	char path[] = "/tmp/test-archive-XXXXXX";
	int fd = mkstemp(path);

	unlink(path);
	z = ZSTD_compress(buf, cap, data, n, 3);
	if (ZSTD_isError(z) || fd < 0)
		abort();
	if (write(fd, buf, cut ? cut : z) < 0)
		abort();
	free(buf);
	return fd;
}

static void test_members(void)
{
	static const char perf[] = "PERFILE2 fake recording bytes";
	static const char syms[] = "# path: /usr/sbin/ovs-vswitchd\n# build-id: ab\n"
				   "0000000000001000 10 T main\n";
	static const char syms2[] = "# path: /usr/sbin/ovs-vswitchd-other\n0 0 T x\n";
	char longname[300], pax[400], big[1300];
	struct archive_reader *a = NULL;
	struct tar t = { 0 };
	const char *m;
	size_t size, n;
	char buf[64];
	int fd, err, pfd;

	memset(big, 'k', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	/* A GNU long name: an 'L' member holding the name of the next one. */
	snprintf(longname, sizeof(longname), "symbols/%0200d.syms", 7);
	/* A pax record's length counts itself: "NNN path=...\n". */
	n = 0;
	for (size = 1; size != n;) {
		size = n;
		n = snprintf(pax, sizeof(pax), "%zu path=symbols/pax-%0150d.syms\n", size, 1);
	}

	tar_add(&t, "./", '5', NULL, 0, false);
	tar_add(&t, "./perf.data", '0', perf, sizeof(perf) - 1, false);
	tar_add(&t, "kallsyms", '0', big, sizeof(big), false);
	tar_add(&t, "././L", 'L', longname, strlen(longname) + 1, false);
	tar_add(&t, "truncated-name", '0', syms, sizeof(syms) - 1, false);
	tar_add(&t, "PaxHeaders/x", 'x', pax, n, false);
	tar_add(&t, "short", '0', syms2, sizeof(syms2) - 1, false);
	tar_add(&t, "empty", '0', "", 0, false);
	tar_add(&t, "MANIFEST", '0', "ovsperf-archive: 1\n", 19, false);
	tar_end(&t);

	fd = zfile(t.p, t.len, 0);
	err = archive_reader__open(&a, fd);
	CHECK(err == 0);
	if (err) {
		fprintf(stderr, "  %s\n", ovp_errmsg());
		goto out;
	}
	/* perf.data is in a file of its own, at offset 0. */
	pfd = archive_reader__perf_data_fd(a);
	CHECK(pfd >= 0);
	CHECK(read(pfd, buf, sizeof(buf)) == (ssize_t)sizeof(perf) - 1);
	CHECK(!memcmp(buf, perf, sizeof(perf) - 1));
	CHECK(archive_reader__member(a, "perf.data", NULL) == NULL);

	m = archive_reader__member(a, "kallsyms", &size);
	CHECK(m && size == sizeof(big) && m[size] == '\0' && !memcmp(m, big, size));
	m = archive_reader__member(a, longname, &size);
	CHECK(m && size == sizeof(syms) - 1 && !strcmp(m, syms));
	CHECK(archive_reader__member(a, "truncated-name", NULL) == NULL);
	snprintf(pax, sizeof(pax), "symbols/pax-%0150d.syms", 1);
	m = archive_reader__member(a, pax, &size);
	CHECK(m && !strcmp(m, syms2));
	m = archive_reader__member(a, "empty", &size);
	CHECK(m && size == 0 && m[0] == '\0');
	CHECK(archive_reader__member(a, "MANIFEST", NULL) != NULL);
	CHECK(archive_reader__member(a, "nope", NULL) == NULL);
	/* Directories are not members; order is the archive's. */
	CHECK(archive_reader__nr_members(a) == 6);
	CHECK(!strcmp(archive_reader__member_name(a, 0), "perf.data"));
	CHECK(!strcmp(archive_reader__member_name(a, 5), "MANIFEST"));
	CHECK(archive_reader__member_name(a, 6) == NULL);

	/* Symbols by the binary's path, not a prefix of it. */
	m = archive_reader__symbols(a, "/usr/sbin/ovs-vswitchd", &size);
	CHECK(m && !strcmp(m, syms));
	m = archive_reader__symbols(a, "/usr/sbin/ovs-vswitchd-other", NULL);
	CHECK(m && !strcmp(m, syms2));
	CHECK(archive_reader__symbols(a, "/usr/sbin/ovs", NULL) == NULL);
	CHECK(archive_reader__symbols(a, "/bin/true", NULL) == NULL);
	m = archive_reader__symbols_by_build_id(a, "ab", NULL);
	CHECK(m && !strcmp(m, syms));
	CHECK(archive_reader__symbols_by_build_id(a, "a", NULL) == NULL);
	CHECK(archive_reader__symbols_by_build_id(a, "abc", NULL) == NULL);
	CHECK(archive_reader__symbols_by_build_id(a, "", NULL) == NULL);
out:
	archive_reader__close(a);
	close(fd);
	free(t.p);
}

/* Open a damaged archive: @want error code and a message containing @msg. */
static void expect_error(const char *what, const void *data, size_t n, size_t cut, int want,
			 const char *msg)
{
	struct archive_reader *a = NULL;
	int fd = zfile(data, n, cut), err;

	err = archive_reader__open(&a, fd);
	if (err != want || !strstr(ovp_errmsg(), msg)) {
		fprintf(stderr, "FAIL: %s: got %d \"%s\", want %d \"%s\"\n", what, err,
			ovp_errmsg(), want, msg);
		failures++;
	}
	CHECK(a == NULL);
	archive_reader__close(a);
	close(fd);
	ovp_err_clear();
}

static void test_errors(void)
{
	static const char perf[] = "PERFILE2";
	char text[2048];
	struct tar t = { 0 };
	size_t full;

	/* No perf.data. */
	tar_add(&t, "kallsyms", '0', "x", 1, false);
	tar_end(&t);
	expect_error("no perf.data", t.p, t.len, 0, -ENOENT, "no perf.data");
	free(t.p);
	memset(&t, 0, sizeof(t));

	/* A bad checksum on the second header. */
	tar_add(&t, "perf.data", '0', perf, 8, false);
	tar_add(&t, "kallsyms", '0', "x", 1, true);
	tar_end(&t);
	expect_error("bad checksum", t.p, t.len, 0, -EBADMSG, "damaged tar header at offset 1024");
	free(t.p);
	memset(&t, 0, sizeof(t));

	/* zstd around something that is not a tar (a compressed perf.data). */
	memset(text, 'p', sizeof(text));
	expect_error("not a tar", text, sizeof(text), 0, -EPROTONOSUPPORT, "not a tar");

	/* Truncated: inside the perf.data member, and in the middle of the frame. */
	memset(text, 'd', sizeof(text));
	tar_add(&t, "perf.data", '0', text, sizeof(text), false);
	tar_add(&t, "kallsyms", '0', text, 100, false);
	tar_end(&t);
	{
		size_t cap = ZSTD_compressBound(t.len);
		void *z = malloc(cap);

		/* Level 1 so the frame grows with the data being cut. */
		full = ZSTD_compress(z, cap, t.p, t.len, 1);
		free(z);
	}
	expect_error("truncated frame", t.p, t.len, full / 2, -EBADMSG, "truncated archive");
	/* A stream cut after a member boundary, without the end blocks, is
	 * accepted only when the zstd frame is complete: cut the tar itself. */
	expect_error("tar cut in a member", t.p, 512 + 1000, 0, -EBADMSG,
		     "perf.data: truncated archive");
	free(t.p);
}

struct sym_seen {
	int n;
	char names[4][32];
	uint64_t addr[4], size[4];
	char type[4];
};

static int on_sym(uint64_t addr, uint64_t size, char type, const char *name, size_t len,
		  void *arg)
{
	struct sym_seen *s = arg;

	if (s->n == 4)
		return 7;
	s->addr[s->n] = addr;
	s->size[s->n] = size;
	s->type[s->n] = type;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%.*s", (int)len, name);
	s->n++;
	return 0;
}

static void test_symbols_parse(void)
{
	/* What ovsperf-probe archive writes, plus lines to skip. */
	static const char text[] =
		"# path: /usr/sbin/ovs-vswitchd\n"
		"# build-id: 0011\n"
		"# table: .symtab\n"
		"0000000000401000 2a T main\n"
		"garbage line\n"
		"00000000004010a0 0 t udpif_upcall_handler\n"
		"zz 1 T bad_addr\n"
		"0000000000600000 8 D global_counter";	/* no final newline */
	struct sym_seen s = { 0 };
	char many[512] = "";
	int i;

	CHECK(archive_symbols__for_each(text, on_sym, &s) == 0);
	CHECK(s.n == 3);
	CHECK(s.addr[0] == 0x401000 && s.size[0] == 0x2a && s.type[0] == 'T' &&
	      !strcmp(s.names[0], "main"));
	CHECK(s.addr[1] == 0x4010a0 && s.size[1] == 0 && s.type[1] == 't' &&
	      !strcmp(s.names[1], "udpif_upcall_handler"));
	CHECK(s.addr[2] == 0x600000 && s.type[2] == 'D' && !strcmp(s.names[2], "global_counter"));
	/* A non-zero return stops the walk. */
	for (i = 0; i < 6; i++)
		strcat(many, "1 1 T f\n");
	memset(&s, 0, sizeof(s));
	CHECK(archive_symbols__for_each(many, on_sym, &s) == 7 && s.n == 4);
	CHECK(archive_symbols__for_each("", on_sym, &s) == 0);
}

static int print_sym(uint64_t addr, uint64_t size, char type, const char *name, size_t len,
		     void *arg)
{
	(void)arg;
	printf("%016llx %llx %c %.*s\n", (unsigned long long)addr, (unsigned long long)size,
	       type, (int)len, name);
	return 0;
}

/* test-archive ARCHIVE BINARY: print BINARY's stored symbols as parsed. */
static int dump_symbols(const char *path, const char *binary)
{
	struct archive_reader *a;
	const char *text;
	int fd = open(path, O_RDONLY), err;

	if (fd < 0 || !archive_is_zstd(fd)) {
		fprintf(stderr, "%s: not an archive\n", path);
		return 2;
	}
	err = archive_reader__open(&a, fd);
	close(fd);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, ovp_errmsg());
		return 2;
	}
	text = archive_reader__symbols(a, binary, NULL);
	if (text)
		archive_symbols__for_each(text, print_sym, NULL);
	archive_reader__close(a);
	return text ? 0 : 3;
}

int main(int argc, char **argv)
{
	if (argc == 3)
		return dump_symbols(argv[1], argv[2]);
	test_symbols_parse();
	test_members();
	test_errors();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("archive: all checks passed\n");
	return failures ? 1 : 0;
}
