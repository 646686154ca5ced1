// SPDX-License-Identifier: Apache-2.0
/*
 * test-probe.c - unit tests of the probe-set modules (no root, no kernel
 * support needed): set parsing and its errors, USDT argument translation
 * for every operand form (and the ones that cannot be fetched), BTF member
 * offsets from a synthetic BTF blob (and the running kernel's when it has
 * one), ELF lookups on the USDT test program (and on a copy whose .stapsdt.base
 * moved, as prelink does), the exact tracefs text of
 * every kprobe set (dry run, synthetic BTF) against tests/probe/expected/,
 * and the install logic against a fake tracefs directory (missing kprobe
 * support, missing function, reuse of an identical event, conflict).
 *
 * Usage: test-probe USDT_PROG EXPECTED_DIR SETS_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ovsperf/err.h>

#include "probe-local.h"
#include "record-filter.h"
#include "probe.h"

static int failures;
static int checks;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		checks++;                                                            \
		if (!(cond)) {                                                       \
			failures++;                                                  \
			fprintf(stderr, "%s:%d: CHECK(%s) failed (last error: %s)\n", \
				__FILE__, __LINE__, #cond, ovp_errmsg());            \
		}                                                                    \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *a_ = (a), *b_ = (b);                                          \
		checks++;                                                                 \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                       \
			failures++;                                                       \
			fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__,      \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
		}                                                                         \
	} while (0)

static char tmpdir[] = "/tmp/test-probe.XXXXXX";

/* --- set parsing --- */

/* A command-line word is a trigger (kernel_delay syntax) or a set. */
static void test_is_trigger(void)
{
	static const char *const yes[] = { "k:ovs_dp_upcall", "kr:f", "t:sched:sched_switch",
					   "u:main:run_start", "up:f", "upr:/usr/bin/x:f" };
	static const char *const no[] = { "ovs-dp", "kernel-delay", "./k:x", "kx:f", "u",
					  "upr", "T:sched:sched_switch", "" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(probe_is_trigger(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!probe_is_trigger(no[i]));
}

static void test_parse(void)
{
	struct probe_set *set = NULL;
	const struct probe_spec *s;
	int err;

	err = probe_set__parse("t",
			       "# comment\n"
			       "description  A test set  \n"
			       "\n"
			       "k:openvswitch:do_output skb=arg2:skb flow\n"
			       "kr:ovs_dp_upcall ret=retval:s32 optional\n"
			       "t:sched:sched_switch\n"
			       "u:dpif_recv:recv_upcall pkt=+0(arg3):x8[64]\n"
			       "up:/lib/libc.so.6:malloc n=arg1:u64\n"
			       "upr:func.isra.0\n",
			       &set);
	CHECK(err == 0);
	if (err)
		return;
	CHECK_STR(probe_set__description(set), "A test set");
	CHECK(set->nr_specs == 6);
	s = &set->specs[0];
	CHECK(s->kind == PROBE_KPROBE && s->flow && !s->optional && s->line == 4);
	CHECK_STR(s->module, "openvswitch");
	CHECK_STR(s->target, "do_output");
	CHECK_STR(s->event, "do_output");
	CHECK(s->nr_fields == 1);
	CHECK_STR(s->fields[0].name, "skb");
	CHECK_STR(s->fields[0].fetch, "arg2");
	CHECK_STR(s->fields[0].type, "skb");
	s = &set->specs[1];
	CHECK(s->kind == PROBE_KRETPROBE && s->optional && !s->module);
	CHECK_STR(s->event, "ovs_dp_upcall__return");
	s = &set->specs[2];
	CHECK(s->kind == PROBE_TRACEPOINT);
	CHECK_STR(s->target, "sched:sched_switch");
	CHECK_STR(s->event, "sched_switch");
	s = &set->specs[3];
	CHECK(s->kind == PROBE_USDT);
	CHECK_STR(s->target, "dpif_recv:recv_upcall");
	CHECK_STR(s->event, "recv_upcall");
	CHECK_STR(s->fields[0].fetch, "+0(arg3)");
	CHECK_STR(s->fields[0].type, "x8[64]");
	s = &set->specs[4];
	CHECK(s->kind == PROBE_UPROBE);
	CHECK_STR(s->path, "/lib/libc.so.6");
	CHECK_STR(s->target, "malloc");
	s = &set->specs[5];
	CHECK(s->kind == PROBE_URETPROBE);
	CHECK_STR(s->event, "func_isra_0__return");

	CHECK(probe_set__add_trigger(set, "k:ip_rcv skb=arg1:skb") == 0);
	CHECK(set->nr_specs == 7);
	CHECK(probe_set__add_trigger(set, "x:foo") == -EINVAL);
	CHECK(strstr(ovp_errmsg(), "unknown trigger type 'x:'") != NULL);
	probe_set__delete(set);

	/* Errors name the line. */
	set = NULL;
	CHECK(probe_set__parse("bad", "k:foo\nk:bar skb\n", &set) == -EINVAL && !set);
	CHECK(strstr(ovp_errmsg(), "bad:2:") != NULL);
	CHECK(probe_set__parse("bad", "k:foo skb=arg1 flow\n", &set) == -EINVAL);
	CHECK(strstr(ovp_errmsg(), "'flow' needs a field of type skb") != NULL);
	CHECK(probe_set__parse("bad", "t:sched:sched_switch x=arg1\n", &set) == -EINVAL);
	CHECK(probe_set__parse("bad", "u:only_provider\n", &set) == -EINVAL);
	CHECK(probe_set__parse("bad", "k:foo x=*arg1\n", &set) == -EINVAL);
	CHECK(strstr(ovp_errmsg(), "bad fetch") != NULL);
	CHECK(probe_set__parse("bad", "# nothing\n", &set) == -EINVAL);
	CHECK(strstr(ovp_errmsg(), "no probes") != NULL);
	CHECK(probe_set__load("no-such-set", &set) == -ENOENT);
	CHECK(strstr(ovp_errmsg(), "no probe set 'no-such-set'") != NULL);
}

/* --- USDT argument translation --- */

static int fake_sym(void *ctx, const char *sym, uint64_t *offp)
{
	if (strcmp(sym, "global"))
		return -ENOENT;
	*offp = 0x4030;
	return 0;
}

static void usdt(const struct probe_arch *arch, const char *spec, const char *fetch,
		 const char *type)
{
	char *f = NULL, *t = NULL;
	int err = probe_usdt_arg(arch, spec, fake_sym, NULL, &f, &t);

	if (!fetch) {
		CHECK(err == -EOPNOTSUPP);
		if (err != -EOPNOTSUPP)
			fprintf(stderr, "  spec %s gave %d %s\n", spec, err, f ? f : "");
		return;
	}
	CHECK(err == 0);
	CHECK_STR(f, fetch);
	CHECK_STR(t, type);
	free(f);
	free(t);
}

static void test_usdt_args(void)
{
	const struct probe_arch *x86 = probe_arch_find("x86_64");
	const struct probe_arch *arm = probe_arch_find("arm64");
	char *f, *t;

	CHECK(x86 && arm);
	if (!x86 || !arm)
		return;
	usdt(x86, "-8@%rax", "%ax", "s64");
	usdt(x86, "4@-4(%rbp)", "-4(%bp)", "u32");
	usdt(x86, "8@16(%rsp)", "+16(%sp)", "u64");
	usdt(x86, "-4@$5", "\\5", "s32");
	usdt(x86, "-4@%r14d", "%r14", "s32");
	usdt(x86, "1@%sil", "%si", "u8");
	usdt(x86, "2@%r9w", "%r9", "u16");
	usdt(x86, "8@(%rdi)", "+0(%di)", "u64");
	usdt(x86, "8@0x10(%rbx)", "+16(%bx)", "u64");
	usdt(x86, "-4@global(%rip)", "@+16432", "s32");
	usdt(x86, "8@global+8(%rip)", "@+16440", "u64");
	usdt(x86, "%rdx", "%dx", "u64");	/* no size: 8 bytes */
	/* Forms a uprobe cannot fetch. */
	usdt(x86, "8@-8(%rbp,%rax,8)", NULL, NULL);
	usdt(x86, "1@%ah", NULL, NULL);
	usdt(x86, "8@0x10(%rip)", NULL, NULL);
	usdt(x86, "8@%fs:0x28", NULL, NULL);
	usdt(x86, "4@unknown(%rip)", NULL, NULL);
	CHECK(probe_usdt_arg(x86, "3@%rax", NULL, NULL, &f, &t) == -EINVAL);

	CHECK(arm->nr_args == 8);
	CHECK_STR(arm->args[0], "%x0");
	CHECK_STR(x86->args[1], "%si");
	usdt(arm, "-8@x0", "%x0", "s64");
	usdt(arm, "4@[sp, 16]", "+16(%sp)", "u32");
	usdt(arm, "8@[x1]", "+0(%x1)", "u64");
	usdt(arm, "-4@[x29, -8]", "-8(%x29)", "s32");
	usdt(arm, "-4@#5", "\\5", "s32");
}

/* --- BTF --- */

/* Append a little-endian u32 (the test runs on the host's byte order). */
static void put32(uint8_t **p, uint32_t v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

#define INFO(kind, kflag, vlen) (((uint32_t)(kflag) << 31) | ((uint32_t)(kind) << 24) | (vlen))

/* Write a small BTF file: int, int *, struct sk_buff, an anonymous union,
 * struct genl_info, a typedef and struct net_device. */
static int write_btf(const char *path)
{
	static const char strs[] = "\0int\0sk_buff\0head\0data\0flags\0next\0tstamp\0genl_info\0attrs\0skb_t"
				   "\0dev\0net_device\0name";
	/* Offsets of the names in strs. */
	enum { S_INT = 1, S_SKB = 5, S_HEAD = 13, S_DATA = 18, S_FLAGS = 23, S_NEXT = 29,
	       S_TSTAMP = 34, S_GENL = 41, S_ATTRS = 51, S_SKBT = 57, S_DEV = 63, S_NETDEV = 67,
	       S_NAME = 78 };
	uint8_t buf[1024], *p = buf + 24, *types = p;
	uint32_t type_len;
	FILE *f;

	/* [1] int: name, info (INT), size 4, encoding (32 bits) */
	put32(&p, S_INT); put32(&p, INFO(1, 0, 0)); put32(&p, 4); put32(&p, 32);
	/* [2] int *: PTR to type 1 */
	put32(&p, 0); put32(&p, INFO(2, 0, 0)); put32(&p, 1);
	/* [3] struct sk_buff, size 232, kind_flag (bitfield offsets), 5 members */
	put32(&p, S_SKB); put32(&p, INFO(4, 1, 5)); put32(&p, 232);
	put32(&p, 0); put32(&p, 4); put32(&p, 8 * 8);		/* anonymous union at byte 8 */
	put32(&p, S_HEAD); put32(&p, 2); put32(&p, 192 * 8);	/* head at 192 */
	put32(&p, S_DATA); put32(&p, 2); put32(&p, 200 * 8);	/* data at 200 */
	put32(&p, S_FLAGS); put32(&p, 1); put32(&p, (3u << 24) | (208 * 8)); /* 3-bit bitfield */
	put32(&p, S_DEV); put32(&p, 2); put32(&p, 216 * 8);	/* dev at 216 */
	/* [4] anonymous union, size 16, 2 members */
	put32(&p, 0); put32(&p, INFO(5, 0, 2)); put32(&p, 16);
	put32(&p, S_NEXT); put32(&p, 2); put32(&p, 0);		/* next at union+0 */
	put32(&p, S_TSTAMP); put32(&p, 1); put32(&p, 64);	/* tstamp at union+8 */
	/* [5] struct genl_info, size 40, 1 member */
	put32(&p, S_GENL); put32(&p, INFO(4, 0, 1)); put32(&p, 40);
	put32(&p, S_ATTRS); put32(&p, 2); put32(&p, 32 * 8);	/* attrs at 32 */
	/* [6] typedef skb_t -> 3 */
	put32(&p, S_SKBT); put32(&p, INFO(8, 0, 0)); put32(&p, 3);
	/* [7] struct net_device, size 64, 1 member */
	put32(&p, S_NETDEV); put32(&p, INFO(4, 0, 1)); put32(&p, 64);
	put32(&p, S_NAME); put32(&p, 1); put32(&p, 48 * 8);	/* name at 48 */
	type_len = p - types;
	memcpy(p, strs, sizeof(strs));
	p += sizeof(strs);
	/* Header: magic, version 1, flags 0, hdr_len 24, type_off, type_len, str_off, str_len */
	{
		uint8_t *h = buf;
		uint16_t magic = 0xeB9F;

		memcpy(h, &magic, 2);
		h[2] = 1;
		h[3] = 0;
		h += 4;
		put32(&h, 24);
		put32(&h, 0);
		put32(&h, type_len);
		put32(&h, type_len);
		put32(&h, sizeof(strs));
	}
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fwrite(buf, 1, p - buf, f);
	fclose(f);
	return 0;
}

/*
 * Write the split BTF of a module "mod" on top of write_btf()'s file: its
 * types are numbered on from 8, its strings on from the base's str_len.
 * struct sw_phy { int priority; int skb_mark; int in_port; } and
 * struct sw_flow_key { struct genl_info tun; (at 0) struct sw_phy phy; (at 256) }.
 */
static int write_split_btf(const char *base, const char *path)
{
	static const char strs[] = "\0sw_flow_key\0phy\0in_port\0priority\0sw_phy\0tun";
	enum { S_KEY = 1, S_PHY = 13, S_INPORT = 17, S_PRIO = 25, S_SWPHY = 34, S_TUN = 41 };
	uint8_t buf[512], *p = buf + 24, *types = p, hdr[24];
	uint32_t type_len, b;
	FILE *f;

	f = fopen(base, "r");
	if (!f || fread(hdr, 1, 24, f) != 24) {
		if (f)
			fclose(f);
		return -EIO;
	}
	fclose(f);
	memcpy(&b, hdr + 20, 4);	/* the base's str_len */
	/* [8] struct sw_phy, size 12, 3 members */
	put32(&p, b + S_SWPHY); put32(&p, INFO(4, 0, 3)); put32(&p, 12);
	put32(&p, b + S_PRIO); put32(&p, 1); put32(&p, 0);
	put32(&p, 0); put32(&p, 1); put32(&p, 32);		/* anonymous int, skb_mark */
	put32(&p, b + S_INPORT); put32(&p, 1); put32(&p, 64);	/* in_port at 8 */
	/* [9] struct sw_flow_key, size 300, 2 members */
	put32(&p, b + S_KEY); put32(&p, INFO(4, 0, 2)); put32(&p, 300);
	put32(&p, b + S_TUN); put32(&p, 5); put32(&p, 0);	/* base's genl_info */
	put32(&p, b + S_PHY); put32(&p, 8); put32(&p, 256 * 8);
	type_len = p - types;
	memcpy(p, strs, sizeof(strs));
	p += sizeof(strs);
	{
		uint8_t *h = buf;
		uint16_t magic = 0xeB9F;

		memcpy(h, &magic, 2);
		h[2] = 1;
		h[3] = 0;
		h += 4;
		put32(&h, 24);
		put32(&h, 0);
		put32(&h, type_len);
		put32(&h, type_len);
		put32(&h, sizeof(strs));
	}
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fwrite(buf, 1, p - buf, f);
	fclose(f);
	return 0;
}

static char btf_path[64];

static void test_btf(void)
{
	uint32_t off = 0, head = 0, data = 0;

	snprintf(btf_path, sizeof(btf_path), "%s/btf", tmpdir);
	CHECK(write_btf(btf_path) == 0);
	CHECK(probe_btf_offset(btf_path, "sk_buff", "head", &off) == 0 && off == 192);
	CHECK(probe_btf_offset(btf_path, "sk_buff", "data", &off) == 0 && off == 200);
	CHECK(probe_btf_offset(btf_path, "sk_buff", "next", &off) == 0 && off == 8);
	CHECK(probe_btf_offset(btf_path, "sk_buff", "tstamp", &off) == 0 && off == 16);
	CHECK(probe_btf_offset(btf_path, "genl_info", "attrs", &off) == 0 && off == 32);
	CHECK(probe_btf_offset(btf_path, "sk_buff", "flags", &off) == -EINVAL);
	CHECK(strstr(ovp_errmsg(), "bitfield") != NULL);
	CHECK(probe_btf_offset(btf_path, "sk_buff", "nope", &off) == -ENOENT);
	CHECK(probe_btf_offset(btf_path, "nope", "head", &off) == -ENOENT);
	CHECK(probe_btf_offset("/nonexistent/btf", "sk_buff", "head", &off) == -ENOENT);
	CHECK(probe_btf_offset("/etc/hostname", "sk_buff", "head", &off) == -EINVAL);

	/* A module's split BTF: its own structs, member paths through its and
	 * the base's types, the base's structs; a module without BTF file. */
	{
		char split[80];

		snprintf(split, sizeof(split), "%s/mod", tmpdir);
		CHECK(write_split_btf(btf_path, split) == 0);
		off = 0;
		CHECK(probe_btf_offset_module(btf_path, "mod", "sw_flow_key", "phy.in_port",
					      &off) == 0 && off == 264);
		CHECK(probe_btf_offset_module(btf_path, "mod", "sw_flow_key", "tun.attrs",
					      &off) == 0 && off == 32);
		CHECK(probe_btf_offset_module(btf_path, "mod", "sw_phy", "in_port", &off) == 0 &&
		      off == 8);
		CHECK(probe_btf_offset_module(btf_path, "mod", "sk_buff", "data", &off) == 0 &&
		      off == 200);
		CHECK(probe_btf_offset_module(btf_path, "mod", "sw_flow_key", "phy.nope",
					      &off) == -ENOENT);
		CHECK(probe_btf_offset_module(btf_path, "nomod", "sk_buff", "head", &off) == 0 &&
		      off == 192);
		CHECK(probe_btf_offset_module(btf_path, "nomod", "sw_flow_key", "phy", &off) ==
		      -ENOENT);
		/* The base alone again: the module's structs are gone. */
		CHECK(probe_btf_offset(btf_path, "sw_flow_key", "phy", &off) == -ENOENT);
		CHECK(probe_btf_offset(btf_path, "sk_buff", "head", &off) == 0 && off == 192);
		unlink(split);
	}

	/* The running kernel: 'unsigned char *head, *data;' are adjacent in every
	 * kernel, and struct genl_info has attrs. */
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0) {
		CHECK(probe_btf_offset("/sys/kernel/btf/vmlinux", "sk_buff", "head", &head) == 0);
		CHECK(probe_btf_offset("/sys/kernel/btf/vmlinux", "sk_buff", "data", &data) == 0);
		CHECK(data == head + 8 && head > 64 && head < 512);
		CHECK(probe_btf_offset("/sys/kernel/btf/vmlinux", "genl_info", "attrs", &off) == 0);
	} else {
		printf("note: no /sys/kernel/btf/vmlinux, kernel BTF check skipped\n");
	}
}

/* --- ELF --- */

static void test_elf(const char *prog)
{
	struct probe_usdt_site *sites;
	uint64_t off, va;
	size_t nr;

	CHECK(probe_elf_usdt(prog, "main", "run_start", &sites, &nr) == 0);
	CHECK(nr == 1 && sites && sites[0].offset && !sites[0].sema_offset);
	CHECK(nr == 1 && sites && !strcmp(sites[0].args, ""));
	probe_elf_usdt_free(sites, nr);
	CHECK(probe_elf_usdt(prog, "test", "sema", &sites, &nr) == 0);
	CHECK(nr == 1 && sites && sites[0].sema_offset != 0);
	probe_elf_usdt_free(sites, nr);
	CHECK(probe_elf_usdt(prog, "test", "args", &sites, &nr) == 0);
	/* Four argument specs, one of them the immediate 5. */
	if (nr == 1) {
		char *a = sites[0].args;
		int n = 1;

		for (; *a; a++)
			n += *a == ' ';
		CHECK(n == 4);
		CHECK(strstr(sites[0].args, "@$5") != NULL);
	}
	probe_elf_usdt_free(sites, nr);
	CHECK(probe_elf_usdt(prog, "main", "nope", &sites, &nr) == -ENOENT);
	CHECK(strstr(ovp_errmsg(), "has no USDT probe main:nope") != NULL);
	CHECK(probe_elf_usdt("/etc/hostname", "main", "x", &sites, &nr) == -EINVAL);
	CHECK(probe_elf_usdt("/nonexistent", "main", "x", &sites, &nr) == -ENOENT);
	CHECK(probe_elf_sym(prog, "usdt_work", false, &off) == 0 && off);
	CHECK(probe_elf_sym(prog, "usdt_global", false, &off) == -ENOENT);
	CHECK(probe_elf_sym_vaddr(prog, "usdt_global", &va) == 0 && va);
	CHECK(probe_elf_sym(prog, "no_such_function", false, &off) == -ENOENT);
}

/*
 * Prelink moves sections but not the notes: simulate it by moving
 * .stapsdt.base of a copy by @shift bytes; every probe pc and semaphore
 * must follow (backwards: the layout keeps them inside their segments).
 */
static int move_stapsdt_base(const char *src, const char *dst, int64_t shift)
{
	char cmd[600];
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	int fd, err = -ENOENT;
	Elf *elf;

	snprintf(cmd, sizeof(cmd), "cp %s %s", src, dst);
	if (system(cmd))
		return -EIO;
	elf_version(EV_CURRENT);
	fd = open(dst, O_RDWR);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
		while ((scn = elf_nextscn(elf, scn))) {
			const char *n;

			if (!gelf_getshdr(scn, &sh))
				continue;
			n = elf_strptr(elf, shstrndx, sh.sh_name);
			if (n && !strcmp(n, ".stapsdt.base")) {
				sh.sh_addr += shift;
				gelf_update_shdr(scn, &sh);
				err = elf_update(elf, ELF_C_WRITE) < 0 ? -EIO : 0;
				break;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

static void test_prelink(const char *prog)
{
	struct probe_usdt_site *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	char copy[300];

	snprintf(copy, sizeof(copy), "%s/prelinked", tmpdir);
	CHECK(move_stapsdt_base(prog, copy, -2) == 0);
	CHECK(probe_elf_usdt(prog, "main", "poll_block", &a, &na) == 0);
	CHECK(probe_elf_usdt(copy, "main", "poll_block", &b, &nb) == 0);
	CHECK(na == 1 && nb == 1 && b[0].offset == a[0].offset - 2);
	probe_elf_usdt_free(a, na);
	probe_elf_usdt_free(b, nb);
	CHECK(probe_elf_usdt(prog, "test", "sema", &a, &na) == 0);
	CHECK(probe_elf_usdt(copy, "test", "sema", &b, &nb) == 0);
	CHECK(na == 1 && nb == 1 && b[0].sema_offset == a[0].sema_offset - 2);
	probe_elf_usdt_free(a, na);
	probe_elf_usdt_free(b, nb);
}

/* --- dry run text --- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static char *dry_run(const char *set_name, struct probe_opts *opts, int *errp)
{
	struct probe_set *set = NULL;
	struct probe_install inst;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	*errp = probe_set__load(set_name, &set);
	opts->dry_run = true;
	opts->dry_out = out;
	if (!*errp)
		*errp = probe_install__create(&inst, opts, &set, 1);
	if (!*errp)
		probe_install__exit(&inst);
	fclose(out);
	probe_set__delete(set);
	return text;
}

static void test_kprobe_text(const char *expected_dir)
{
	static const char *const sets[] = { "ovs-dp", "backlog", "kernel-delay" };
	struct probe_opts opts = { .btf = btf_path };
	char path[512], *text, *want;
	size_t i;
	int err;

	setenv("OVSPERF_ARCH", "x86_64", 1);
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		text = dry_run(sets[i], &opts, &err);
		CHECK(err == 0);
		snprintf(path, sizeof(path), "%s/%s.txt", expected_dir, sets[i]);
		want = slurp(path);
		CHECK(want != NULL);
		CHECK_STR(text, want);
		free(text);
		free(want);
	}
	/* upcall-cost's kprobe reads genl_info->attrs through BTF. */
	{
		struct probe_set *set = NULL;
		struct probe_install inst;
		char *t = NULL;
		size_t len;
		FILE *out = open_memstream(&t, &len);

		CHECK(probe_set__parse("k", "k:openvswitch:ovs_packet_cmd_execute nlskb=arg1:x64 "
					    "pkt=+4(+8(+genl_info.attrs(arg2))):x8[64]\n", &set) == 0);
		opts.dry_out = out;
		CHECK(probe_install__create(&inst, &opts, &set, 1) == 0);
		fclose(out);
		CHECK_STR(t, "p:ovsperf/ovs_packet_cmd_execute openvswitch:ovs_packet_cmd_execute "
			     "nlskb=%di:x64 pkt=+4(+8(+32(%si))):x8[64]\n");
		probe_install__exit(&inst);
		probe_set__delete(set);
		free(t);
	}
	/* arm64: arguments in x0..x7. */
	setenv("OVSPERF_ARCH", "aarch64", 1);
	text = dry_run("ovs-dp", &opts, &err);
	{
		const char *want = "p:ovsperf/ovs_vport_receive openvswitch:ovs_vport_receive "
				   "skb=%x1:x64 head=+192(%x1):x64 dev=+48(+216(%x1)):string "
				   "eth=+0(+200(%x1)):x8[64]\n";

		CHECK(err == 0 && text && !strncmp(text, want, strlen(want)));
		if (text && strncmp(text, want, strlen(want)))
			fprintf(stderr, "  arm64 text: %s", text);
	}
	free(text);
	setenv("OVSPERF_ARCH", "x86_64", 1);
	/* --no-flow: neither head nor flow fields. */
	opts.no_flow = true;
	text = dry_run("backlog", &opts, &err);
	CHECK(err == 0 && text && !strstr(text, "head=") && !strstr(text, "nh="));
	CHECK(text && strstr(text, "p:ovsperf/ip_rcv ip_rcv skb=%di:x64\n"));
	free(text);
	unsetenv("OVSPERF_ARCH");
}

/* --- fake tracefs --- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int install_text(const char *text, const char *tracefs)
{
	struct probe_opts opts = { .btf = btf_path, .tracefs = tracefs };
	struct probe_set *set = NULL;
	struct probe_install inst;
	int err;

	err = probe_set__parse("fake", text, &set);
	if (!err)
		err = probe_install__create(&inst, &opts, &set, 1);
	if (!err) {
		CHECK(inst.nr_events >= 1);
		CHECK(!inst.events[0].created);	/* only reuse happens in these tests */
		probe_install__exit(&inst);
	}
	probe_set__delete(set);
	return err;
}

static void test_fake_tracefs(void)
{
	char dir[256], cmd[600], *text;
	size_t nr;
	FILE *out;
	size_t len;
	int err;

	snprintf(dir, sizeof(dir), "%s/tracefs", tmpdir);
	mkdir(dir, 0755);
	write_file(dir, "dynamic_events", "");
	write_file(dir, "uprobe_events", "");
	write_file(dir, "available_filter_functions", "ip_rcv\nenqueue_to_backlog\n"
			"ovs_vport_receive [openvswitch]\n");
	setenv("OVSPERF_ARCH", "x86_64", 1);

	/* A kernel without kprobe_events: the one-line error. */
	err = install_text("k:openvswitch:ovs_vport_receive skb=arg2:skb\n", dir);
	CHECK(err == -EOPNOTSUPP);
	CHECK(strstr(ovp_errmsg(), "this kernel has no kprobe events") != NULL);
	CHECK(!strchr(ovp_errmsg(), '\n'));

	write_file(dir, "kprobe_events", "");
	/* A function that is not traceable. */
	err = install_text("k:do_output skb=arg2:skb\n", dir);
	CHECK(err == -ENOENT);
	CHECK(strstr(ovp_errmsg(), "function do_output is missing or inlined") != NULL);
	CHECK(strstr(ovp_errmsg(), "available_filter_functions") != NULL);
	/* A module function whose module is not loaded. */
	err = install_text("k:no_such_module_xyz:some_func\n", dir);
	CHECK(err == -ENOENT);
	CHECK(strstr(ovp_errmsg(), "module no_such_module_xyz is not loaded") != NULL);
	/* A tracepoint of a module that is not loaded, and one that exists. */
	err = install_text("t:no_such_module_xyz:ev\n", dir);
	CHECK(err == -ENOENT && strstr(ovp_errmsg(), "module no_such_module_xyz is not loaded"));
	snprintf(cmd, sizeof(cmd), "%s/events/sched/sched_switch", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/events/sched/sched_switch", dir);
	CHECK(system(cmd) == 0);
	CHECK(install_text("t:sched:sched_switch\n", dir) == 0);
	err = install_text("t:sched:no_such_event\n", dir);
	CHECK(err == -ENOENT && strstr(ovp_errmsg(), "tracepoint sched:no_such_event not found in"));

	/* An identical existing event is reused (nothing written). */
	write_file(dir, "dynamic_events",
		   "p:ovsperf/ip_rcv ip_rcv skb=%di:x64 head=+192(%di):x64\n"
		   "p:ovsperf/run_start /bin/x:0x0000000000001139\n");
	CHECK(install_text("k:ip_rcv skb=arg1:skb\n", dir) == 0);
	text = slurp(strcat(strcpy(cmd, dir), "/dynamic_events"));
	CHECK(text && !strcmp(text, "p:ovsperf/ip_rcv ip_rcv skb=%di:x64 head=+192(%di):x64\n"
				    "p:ovsperf/run_start /bin/x:0x0000000000001139\n"));
	free(text);
	/* The same name with another definition is a conflict. */
	err = install_text("k:ip_rcv skb=arg1:x64\n", dir);
	CHECK(err == -EEXIST);
	CHECK(strstr(ovp_errmsg(), "ovsperf:ip_rcv already exists with another definition") != NULL);

	/* list shows ours, once each (uprobe lines are not kprobes). */
	{
		struct probe_opts o = { .tracefs = dir };

		text = NULL;
		out = open_memstream(&text, &len);
		CHECK(probe_list(&o, out, &nr) == 0);
		fclose(out);
		CHECK(nr == 2);
		CHECK_STR(text, "ovsperf:ip_rcv\tkprobe\tip_rcv skb=%di:x64 head=+192(%di):x64\n"
				"ovsperf:run_start\tuprobe\t/bin/x:0x0000000000001139\n");
		free(text);
	}
	unsetenv("OVSPERF_ARCH");
}

/* -p made system-wide: which events need it, and each event's filter. */
static void test_record_filter(void)
{
	static const char *const kd[] = { "raw_syscalls:sys_enter", "sched:sched_switch" };
	static const char *const usdt[] = { "ovsperf:run_start", "raw_syscalls:sys_exit" };
	pid_t tids[200], *mine = NULL;
	size_t nr = 0, nr_new = 9;
	char *f = NULL;

	CHECK(record_filter__needed(kd, 2));
	CHECK(!record_filter__needed(usdt, 2));
	tids[0] = 10, tids[1] = 11;
	CHECK(record_filter__build("sched:sched_switch", tids, 2, &f) == 0);
	CHECK_STR(f, "prev_pid == 10 || prev_pid == 11 || next_pid == 10 || next_pid == 11");
	free(f);
	CHECK(record_filter__build("sched:sched_wakeup_new", tids, 2, &f) == 0);
	CHECK_STR(f, "pid == 10 || pid == 11");
	free(f);
	CHECK(record_filter__build("irq:softirq_entry", tids, 1, &f) == 0);
	CHECK_STR(f, "common_pid == 10");
	free(f);
	/* Too many threads for one page: refused, saying what to do. */
	for (int i = 0; i < 200; i++)
		tids[i] = 1000000 + i;
	f = NULL;
	CHECK(record_filter__build("sched:sched_switch", tids, 200, &f) == -E2BIG && !f);
	CHECK(strstr(ovp_errmsg(), "record system-wide (-a)") != NULL);
	/* This process: its threads, none new. */
	CHECK(record_filter__tids(getpid(), &mine, &nr) == 0 && nr >= 1 && mine[0] > 0);
	CHECK(record_filter__new_threads(getpid(), mine, nr, &nr_new) == 0 && nr_new == 0);
	CHECK(record_filter__new_threads(getpid(), mine, 0, &nr_new) == 0 && nr_new == nr);
	free(mine);
	CHECK(record_filter__tids(-5, &mine, &nr) == -ESRCH);
}

int main(int argc, char **argv)
{
	char cmd[300];

	if (argc != 4) {
		fprintf(stderr, "usage: test-probe USDT_PROG EXPECTED_DIR SETS_DIR\n");
		return 2;
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	setenv("OVSPERF_PROBESETS", argv[3], 1);
	ovp_set_quiet(true);
	test_is_trigger();
	test_parse();
	test_record_filter();
	test_usdt_args();
	test_btf();
	test_elf(argv[1]);
	test_prelink(argv[1]);
	test_kprobe_text(argv[2]);
	test_fake_tracefs();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
