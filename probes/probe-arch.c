// SPDX-License-Identifier: Apache-2.0
/*
 * probe-arch.c - what depends on the CPU: the registers holding a function's
 * integer arguments at its entry (kprobe/uprobe "argN"), and the translation
 * of USDT argument specs (from .note.stapsdt, in the assembler's operand
 * syntax) to uprobe fetch arguments.
 *
 * x86_64 (AT&T operands, as GCC's sdt.h emits them):
 *	-8@%rax		-> %ax:s64		register
 *	4@-4(%rbp)	-> -4(%bp):u32		register + displacement
 *	8@16(%rsp)	-> +16(%sp):u64
 *	-4@$5		-> \5:s32		immediate
 *	8@sym+8(%rip)	-> @+FILEOFF:u64	RIP-relative to a symbol of the binary
 * Forms uprobes cannot fetch (no register arithmetic in fetch args):
 *	indexed operands "8@-8(%rbp,%rax,8)", high-byte registers "%ah",
 *	numeric RIP-relative "8@0x10(%rip)" (the next instruction's address is
 *	not known), segment-prefixed "%fs:...".
 *
 * aarch64 (written down for completeness; not tested on hardware here):
 *	-8@x0 -> %x0:s64, 4@[sp, 16] -> +16(%sp):u32, 8@[x1] -> +0(%x1):u64,
 *	-4@#5 -> \5:s32.  Function arguments are x0..x7.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <ovsperf/err.h>

#include "probe-local.h"

static const char *const x86_64_args[] = { "%di", "%si", "%dx", "%cx", "%r8", "%r9" };
static const char *const arm64_args[] = { "%x0", "%x1", "%x2", "%x3", "%x4", "%x5", "%x6", "%x7" };

static const struct probe_arch arches[] = {
	{ "x86_64", x86_64_args, 6 },
	{ "aarch64", arm64_args, 8 },
};

const struct probe_arch *probe_arch_find(const char *name)
{
	size_t i;

	if (!strcmp(name, "arm64"))
		name = "aarch64";
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}

const struct probe_arch *probe_arch_get(void)
{
	const char *env = getenv("OVSPERF_ARCH");
	struct utsname u;

	if (env && *env)
		return probe_arch_find(env);
	if (uname(&u))
		return NULL;
	return probe_arch_find(u.machine);
}

/*
 * x86_64 register names as uprobes know them (regs_query_register_offset):
 * every width of a register maps to the full register; the spec's size
 * gives the width fetched.
 */
static const struct {
	const char *tracefs;
	const char *names[5];
} x86_regs[] = {
	{ "ax", { "rax", "eax", "ax", "al" } },	  { "bx", { "rbx", "ebx", "bx", "bl" } },
	{ "cx", { "rcx", "ecx", "cx", "cl" } },	  { "dx", { "rdx", "edx", "dx", "dl" } },
	{ "si", { "rsi", "esi", "si", "sil" } },  { "di", { "rdi", "edi", "di", "dil" } },
	{ "bp", { "rbp", "ebp", "bp", "bpl" } },  { "sp", { "rsp", "esp", "sp", "spl" } },
	{ "r8", { "r8", "r8d", "r8w", "r8b" } },  { "r9", { "r9", "r9d", "r9w", "r9b" } },
	{ "r10", { "r10", "r10d", "r10w", "r10b" } }, { "r11", { "r11", "r11d", "r11w", "r11b" } },
	{ "r12", { "r12", "r12d", "r12w", "r12b" } }, { "r13", { "r13", "r13d", "r13w", "r13b" } },
	{ "r14", { "r14", "r14d", "r14w", "r14b" } }, { "r15", { "r15", "r15d", "r15w", "r15b" } },
	{ "ip", { "rip", "eip" } },
};

static const char *x86_reg(const char *name, size_t len)
{
	size_t i, j;

	for (i = 0; i < sizeof(x86_regs) / sizeof(x86_regs[0]); i++)
		for (j = 0; j < 5 && x86_regs[i].names[j]; j++)
			if (strlen(x86_regs[i].names[j]) == len &&
			    !strncmp(x86_regs[i].names[j], name, len))
				return x86_regs[i].tracefs;
	return NULL;
}

static int size_type(int size, char **type)
{
	const char *t;

	switch (size) {
	case 1: t = "u8"; break;
	case 2: t = "u16"; break;
	case 4: t = "u32"; break;
	case 8: t = "u64"; break;
	case -1: t = "s8"; break;
	case -2: t = "s16"; break;
	case -4: t = "s32"; break;
	case -8: t = "s64"; break;
	default:
		return ovp_err(-EINVAL, "bad USDT argument size %d", size);
	}
	*type = strdup(t);
	return *type ? 0 : -ENOMEM;
}

/* "+16(%sp)", "-4(%bp)": tracefs wants the sign written once. */
static int deref(char **fetch, long long disp, const char *reg)
{
	return asprintf(fetch, "%s%lld(%%%s)", disp < 0 ? "" : "+", disp, reg) < 0 ? -ENOMEM : 0;
}

static int x86_operand(const char *op, probe_sym_fn sym, void *ctx, char **fetch)
{
	const char *reg, *paren, *end;
	char *sname, *plus;
	long long disp = 0;
	uint64_t off;
	int err;

	if (*op == '%') {
		if (strchr(op, ':'))
			return ovp_err(-EOPNOTSUPP, "segment-prefixed operand '%s'", op);
		reg = x86_reg(op + 1, strlen(op + 1));
		if (!reg)
			return ovp_err(-EOPNOTSUPP, "register '%s' cannot be fetched", op);
		return asprintf(fetch, "%%%s", reg) < 0 ? -ENOMEM : 0;
	}
	if (*op == '$') {
		char *e;

		strtoll(op + 1, &e, 0);
		if (e == op + 1 || *e)
			return ovp_err(-EOPNOTSUPP, "immediate '%s' is not a number", op);
		return asprintf(fetch, "\\%s", op + 1) < 0 ? -ENOMEM : 0;
	}
	paren = strchr(op, '(');
	end = op + strlen(op);
	if (!paren || end[-1] != ')')
		return ovp_err(-EOPNOTSUPP, "memory operand '%s' cannot be fetched", op);
	if (strchr(paren, ','))
		return ovp_err(-EOPNOTSUPP, "indexed operand '%s' cannot be fetched", op);
	if (paren[1] != '%')
		return ovp_err(-EINVAL, "bad operand '%s'", op);
	reg = x86_reg(paren + 2, end - 1 - (paren + 2));
	if (!reg)
		return ovp_err(-EOPNOTSUPP, "base register in '%s' cannot be fetched", op);
	if (paren > op && (isdigit((unsigned char)*op) || *op == '-' || *op == '+')) {
		char *e;

		disp = strtoll(op, &e, 0);
		if (e != paren)
			return ovp_err(-EINVAL, "bad displacement in '%s'", op);
	} else if (paren > op) {
		/* "sym(%rip)" or "sym+8(%rip)": a variable of the binary. */
		if (strcmp(reg, "ip"))
			return ovp_err(-EOPNOTSUPP, "symbolic displacement in '%s'", op);
		if (!sym)
			return ovp_err(-EOPNOTSUPP, "RIP-relative '%s' needs the binary's symbols", op);
		sname = strndup(op, paren - op);
		if (!sname)
			return -ENOMEM;
		plus = strpbrk(sname, "+-");
		if (plus) {
			disp = strtoll(plus, NULL, 0);
			*plus = '\0';
		}
		err = sym(ctx, sname, &off);
		if (err) {
			err = ovp_err(err == -ENOMEM ? err : -EOPNOTSUPP,
				      "RIP-relative operand '%s' cannot be fetched: no symbol '%s'", op,
				      sname);
			free(sname);
			return err;
		}
		free(sname);
		return asprintf(fetch, "@+%llu", (unsigned long long)(off + disp)) < 0 ? -ENOMEM : 0;
	}
	if (!strcmp(reg, "ip"))
		return ovp_err(-EOPNOTSUPP,
			       "numeric RIP-relative operand '%s' cannot be fetched (instruction length unknown)",
			       op);
	return deref(fetch, disp, reg);
}

static int arm64_operand(const char *op, char **fetch)
{
	long long disp = 0;
	char reg[8];
	char *e;
	int n;

	if (*op == '#') {
		strtoll(op + 1, &e, 0);
		if (e == op + 1 || *e)
			return ovp_err(-EOPNOTSUPP, "immediate '%s' is not a number", op);
		return asprintf(fetch, "\\%s", op + 1) < 0 ? -ENOMEM : 0;
	}
	if (*op != '[') {
		if (sscanf(op, "x%d%n", &n, &n) == 1 || !strcmp(op, "sp"))
			return asprintf(fetch, "%%%s", op) < 0 ? -ENOMEM : 0;
		return ovp_err(-EOPNOTSUPP, "register '%s' cannot be fetched", op);
	}
	if (sscanf(op, "[%7[a-z0-9], %lld]", reg, &disp) < 1 && sscanf(op, "[%7[a-z0-9]]", reg) < 1)
		return ovp_err(-EOPNOTSUPP, "memory operand '%s' cannot be fetched", op);
	return deref(fetch, disp, reg);
}

int probe_usdt_arg(const struct probe_arch *arch, const char *spec, probe_sym_fn sym, void *ctx,
		   char **fetch, char **type)
{
	const char *at = strchr(spec, '@');
	int size = 8;
	char *e;
	int err;

	*fetch = NULL;
	*type = NULL;
	if (at) {
		size = strtol(spec, &e, 10);
		if (e != at)
			return ovp_err(-EINVAL, "bad USDT argument '%s'", spec);
		spec = at + 1;
	}
	err = size_type(size, type);
	if (err)
		return err;
	if (!strcmp(arch->name, "x86_64"))
		err = x86_operand(spec, sym, ctx, fetch);
	else
		err = arm64_operand(spec, fetch);
	if (err) {
		free(*type);
		*type = NULL;
	}
	return err;
}
