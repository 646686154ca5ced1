// SPDX-License-Identifier: Apache-2.0
/*
 * test-ksyms.c - kallsyms parsing and lookups on a synthetic table (aliases,
 * data symbols bounding a function, absolute symbols, modules, unsorted
 * lines, no trailing newline, kptr_restrict zeros), the same table through a
 * file, and /proc/kallsyms of this machine when it shows addresses.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/ksyms.h"
#include "check.h"

static const char synth[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T startup_64\n"		/* alias: _stext wins */
	"ffffffff81000100 t helper\n"
	"ffffffff81000180 D some_data\n"		/* ends helper at 0x80 */
	"ffffffff81000200 T later_func\n"
	"0000000000000000 A fixed_percpu_data\n"	/* absolute: ignored */
	"ffffffffc0a01000 t mod_func\t[openvswitch]\n"
	"ffffffffc0a01080 t mod_func2\t[openvswitch]\n"
	"ffffffffc0a02000 r mod_rodata\t[openvswitch]\n"
	"ffffffff81000300 W weak_fn\n"			/* out of order */
	"ffffffff81000400 T _etext";			/* no newline */

static void check_synth(const struct ksyms *ks)
{
	uint64_t off = 99, size = 99;
	char buf[128];

	CHECK_U64(ksyms__count(ks), 8);
	CHECK_STR(ksyms__lookup(ks, 0xffffffff81000000, &off, &size), "_stext");
	CHECK_U64(off, 0);
	CHECK_U64(size, 0x100);
	CHECK_STR(ksyms__lookup(ks, 0xffffffff810000ff, NULL, NULL), "_stext");
	CHECK_STR(ksyms__lookup(ks, 0xffffffff81000150, &off, &size), "helper");
	CHECK_U64(off, 0x50);
	CHECK_U64(size, 0x80);
	CHECK(ksyms__lookup(ks, 0xffffffff810001a0, NULL, NULL) == NULL);
	CHECK(ksyms__lookup(ks, 0xffffffff80ffffff, NULL, NULL) == NULL);
	CHECK(ksyms__lookup(ks, 0, NULL, NULL) == NULL);
	CHECK_STR(ksyms__lookup(ks, 0xffffffff81000333, &off, &size), "weak_fn");
	CHECK_U64(size, 0x100);
	CHECK_STR(ksyms__lookup(ks, 0xffffffffc0a010ff, &off, &size), "mod_func2");
	CHECK_U64(off, 0x7f);
	CHECK_U64(size, 0xf80);
	/* In the module's rodata, past mod_func2. */
	CHECK(ksyms__lookup(ks, 0xffffffffc0a02010, NULL, NULL) == NULL);

	CHECK_STR(ksyms__module(ks, 0xffffffffc0a01004), "openvswitch");
	CHECK(ksyms__module(ks, 0xffffffff81000150) == NULL);
	CHECK_U64(ksyms__addr(ks, "startup_64"), 0xffffffff81000000);
	CHECK_U64(ksyms__addr(ks, "_etext"), 0xffffffff81000400);
	CHECK_U64(ksyms__addr(ks, "some_data"), 0);
	CHECK_U64(ksyms__addr(ks, "nope"), 0);

	ksyms__format(ks, 0xffffffff81000150, buf, sizeof(buf));
	CHECK_STR(buf, "helper+0x50/0x80");
	ksyms__format(ks, 0xffffffff81000100, buf, sizeof(buf));
	CHECK_STR(buf, "helper+0x0/0x80");
	ksyms__format(ks, 0xffffffffc0a01004, buf, sizeof(buf));
	CHECK_STR(buf, "mod_func+0x4/0x80 [openvswitch]");
	ksyms__format(ks, 0xffffffff810001a0, buf, sizeof(buf));
	CHECK_STR(buf, "0xffffffff810001a0");
	/* snprintf-like: full length returned, output cut and terminated. */
	CHECK(ksyms__format(ks, 0xffffffff81000150, buf, 8) == 16);
	CHECK_STR(buf, "helper+");
}

static void test_synth(void)
{
	struct ksyms *ks = NULL;
	char *buf;

	/* Bytes past @size must not be read: follow the text with junk. */
	buf = malloc(sizeof(synth) + 8);
	memcpy(buf, synth, sizeof(synth) - 1);
	memcpy(buf + sizeof(synth) - 1, "JUNK\nxx", 8);
	CHECK(ksyms__load_buf(&ks, buf, sizeof(synth) - 1) == 0);
	free(buf);
	if (ks)
		check_synth(ks);
	ksyms__free(ks);
}

static void test_file(void)
{
	char path[] = "/tmp/test-ksyms-XXXXXX";
	struct ksyms *ks = (struct ksyms *)1;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, synth, sizeof(synth) - 1) == (ssize_t)sizeof(synth) - 1);
	close(fd);
	CHECK(ksyms__load_file(&ks, path) == 0);
	if (ks)
		check_synth(ks);
	ksyms__free(ks);
	unlink(path);

	ks = (struct ksyms *)1;
	CHECK(ksyms__load_file(&ks, "/nonexistent/kallsyms") == -ENOENT);
	CHECK(ks == NULL);
	CHECK(strstr(ovp_errmsg(), "/nonexistent/kallsyms") != NULL);
}

static void test_errors(void)
{
	static const char zeros[] = "0000000000000000 T _stext\n"
				    "0000000000000000 t helper\n"
				    "0000000000000000 T _etext\n";
	static const char data_only[] = "ffffffff82000000 D foo\n";
	struct ksyms *ks = NULL;

	CHECK(ksyms__load_buf(&ks, zeros, sizeof(zeros) - 1) == -EPERM);
	CHECK(ks == NULL);
	CHECK(strstr(ovp_errmsg(), "kptr_restrict") != NULL);
	CHECK(ksyms__load_buf(&ks, data_only, sizeof(data_only) - 1) == -ENOENT);
	CHECK(ksyms__load_buf(&ks, "", 0) == -ENOENT);
	CHECK(ksyms__load_buf(&ks, NULL, 0) == -ENOENT);
	CHECK(ksyms__load_buf(&ks, "garbage line\n\n", 14) == -ENOENT);
	ksyms__free(NULL);
	CHECK(ksyms__lookup(NULL, 0x1000, NULL, NULL) == NULL);
	CHECK(ksyms__count(NULL) == 0);
}

/* The last text symbol has no successor: it matches its own address only. */
static void test_last(void)
{
	static const char t[] = "ffffffff81000000 T a\nffffffff81000010 T b\n";
	struct ksyms *ks = NULL;
	uint64_t off, size = 1;

	CHECK(ksyms__load_buf(&ks, t, sizeof(t) - 1) == 0);
	CHECK_STR(ksyms__lookup(ks, 0xffffffff81000010, &off, &size), "b");
	CHECK_U64(size, 0);
	CHECK(ksyms__lookup(ks, 0xffffffff81000011, NULL, NULL) == NULL);
	CHECK_STR(ksyms__lookup(ks, 0xffffffff8100000f, NULL, NULL), "a");
	ksyms__free(ks);
}

/* This machine's table, when kptr_restrict lets us see it. */
static void test_proc(void)
{
	struct ksyms *ks = NULL;
	uint64_t addr, off, size;
	char buf[256];
	int err;

	err = ksyms__load_file(&ks, "/proc/kallsyms");
	if (err == -EPERM || err == -ENOENT || err == -EACCES) {
		printf("skipping /proc/kallsyms: %s\n", ovp_errmsg());
		return;
	}
	CHECK(err == 0);
	if (!ks)
		return;
	CHECK(ksyms__count(ks) > 1000);
	addr = ksyms__addr(ks, "vfs_read");
	CHECK(addr != 0);
	CHECK_STR(ksyms__lookup(ks, addr + 1, &off, &size), "vfs_read");
	CHECK_U64(off, 1);
	CHECK(size > 1 && size < 65536);
	ksyms__format(ks, addr + 1, buf, sizeof(buf));
	CHECK(strncmp(buf, "vfs_read+0x1/0x", 15) == 0);
	ksyms__free(ks);
}

int main(void)
{
	test_synth();
	test_file();
	test_errors();
	test_last();
	test_proc();
	CHECK_DONE();
}
