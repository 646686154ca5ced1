// SPDX-License-Identifier: Apache-2.0
/*
 * probe-tracefs.c - turn probe specs into tracefs dynamic events in group
 * "ovsperf" and remove them again, through libtracefs.
 *
 * For each spec: resolve where it goes (kernel function, ELF offset of a
 * function or of each USDT site), translate its fields to fetch args
 * (registers of the running arch, USDT operands, BTF member offsets), then
 * reuse an identical existing event, or create it.  Creation is all or
 * nothing: when a probe fails, every event this call created is removed
 * before the error returns.  Kernel preconditions (kprobe support, module
 * loaded, function traceable) are checked first so the user gets one line
 * that says what is missing rather than the kernel's bare EINVAL.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include <ovsperf/err.h>

#include "probe-local.h"

#define DYN_TYPES (TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE | \
		   TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE)
#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"

/*
 * Every ovsperf dynamic event, once each.  libtracefs 1.6 reads kprobes and
 * uprobes from the same dynamic_events file and its kprobe parser also
 * accepts uprobe lines ("p:ovsperf/x /bin/y:0x..."), so drop kprobe entries
 * whose address is a path.
 */
static struct tracefs_dynevent **get_ours(void)
{
	struct tracefs_dynevent **all = tracefs_dynevent_get_all(DYN_TYPES, PROBE_GROUP);
	enum tracefs_dynevent_type t;
	char *addr;
	size_t i, n = 0;

	for (i = 0; all && all[i]; i++) {
		t = tracefs_dynevent_info(all[i], NULL, NULL, NULL, &addr, NULL);
		if ((t == TRACEFS_DYNEVENT_KPROBE || t == TRACEFS_DYNEVENT_KRETPROBE) && addr &&
		    strchr(addr, '/'))
			tracefs_dynevent_free(all[i]);
		else
			all[n++] = all[i];
		free(addr);
	}
	if (all)
		all[n] = NULL;
	return all;
}

/* State of one install (or remove) call. */
struct ctx {
	const struct probe_opts *opts;
	const struct probe_arch *arch;
	const char *btf;		/* BTF file, NULL when absent */
	bool btf_warned;		/* "no BTF" said once */
	char *binary;			/* resolved target binary for u:/up:, lazily */
	char *funcs;			/* available_filter_functions, NULL if unreadable */
	bool funcs_read;
	struct tracefs_dynevent **existing;	/* ovsperf events before we started */
	FILE *out;			/* dry-run output */
};

/* One dynamic event to create (a spec may give several: USDT sites). */
struct def {
	enum probe_kind kind;
	char *event;
	char *addr;		/* "openvswitch:do_output", "/usr/sbin/x:0x00000000000012ab(0x4010)" */
	char *args;		/* fetch args, "" when none */
	char *file;		/* uprobes: ELF file */
	uint64_t offset;	/* uprobes: file offset */
	uint64_t sema;		/* uprobes: semaphore file offset, 0 if none */
};

static void def_free(struct def *d)
{
	free(d->event);
	free(d->addr);
	free(d->args);
	free(d->file);
}

static int appendf(char **s, const char *fmt, ...) __printf(2, 3);

/* Append a formatted string to *s, separated by a space. */
static int appendf(char **s, const char *fmt, ...)
{
	char *add, *n;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (!*s || !**s) {
		free(*s);
		*s = add;
		return 0;
	}
	r = asprintf(&n, "%s %s", *s, add);
	free(add);
	if (r < 0)
		return -ENOMEM;
	free(*s);
	*s = n;
	return 0;
}

static bool is_kernel(enum probe_kind k)
{
	return k == PROBE_KPROBE || k == PROBE_KRETPROBE;
}

static bool is_return(enum probe_kind k)
{
	return k == PROBE_KRETPROBE || k == PROBE_URETPROBE;
}

static const char *def_prefix(enum probe_kind k)
{
	return is_return(k) ? "r" : "p";
}

static char *def_line(const struct def *d)
{
	char *line;

	if (asprintf(&line, "%s:%s/%s %s%s%s", def_prefix(d->kind), PROBE_GROUP, d->event, d->addr,
		     *d->args ? " " : "", d->args) < 0)
		return NULL;
	return line;
}

/* --- tracefs location --- */

static int use_tracefs(const struct probe_opts *opts, bool need_write)
{
	const char *dir = opts && opts->tracefs ? opts->tracefs : getenv("OVSPERF_TRACEFS");
	struct stat st;

	if (dir && *dir) {
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			return ovp_err(-ENODEV, "tracefs directory %s does not exist", dir);
		return tracefs_set_tracing_dir((char *)dir) ? -ENOMEM : 0;
	}
	tracefs_set_tracing_dir(NULL);
	if (need_write && geteuid() != 0)
		return ovp_err(-EPERM, "must be root to change tracefs probes (run with sudo)");
	/* Finds tracefs, mounting it on /sys/kernel/tracing when it is not
	 * mounted (tracefs_tracing_dir_is_mounted() of libtracefs 1.6 leaks). */
	if (!tracefs_tracing_dir())
		return ovp_err(-ENODEV,
			       "tracefs is not mounted and mounting it failed: mount -t tracefs nodev /sys/kernel/tracing");
	return 0;
}

/* --- preconditions --- */

/* Does TRACEFS/@name exist?  (tracefs_file_exists() of libtracefs 1.6 caches
 * negative answers, which hides files created after the first look.) */
static bool tfs_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tracefs_tracing_dir(), name);
	return stat(path, &st) == 0;
}

static bool module_loaded(const char *mod)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return access(path, F_OK) == 0;
}

/* Is @func listed in available_filter_functions?  1 yes, 0 no, -1 unknown. */
static int func_traceable(struct ctx *c, const char *func)
{
	size_t len = strlen(func);
	const char *p;

	if (!c->funcs_read) {
		c->funcs_read = true;
		c->funcs = tracefs_instance_file_read(NULL, "available_filter_functions", NULL);
	}
	if (!c->funcs)
		return -1;
	for (p = c->funcs; (p = strstr(p, func)); p += len) {
		if (p != c->funcs && p[-1] != '\n')
			continue;
		if (p[len] == '\n' || p[len] == ' ' || p[len] == '\t' || !p[len])
			return 1;
	}
	return 0;
}

static int check_kernel_probe(struct ctx *c, const struct probe_spec *s)
{
	int t;

	if (!tfs_exists("kprobe_events"))
		return ovp_err(-EOPNOTSUPP,
			       "this kernel has no kprobe events (no kprobe_events in tracefs, CONFIG_KPROBE_EVENTS off): cannot probe %s",
			       s->target);
	t = func_traceable(c, s->target);
	if (t == 1)
		return 0;
	if (s->module && !module_loaded(s->module))
		return ovp_err(-ENOENT, "module %s is not loaded (modprobe %s): cannot probe %s",
			       s->module, s->module, s->target);
	if (t == 0)
		return ovp_err(-ENOENT,
			       "function %s is missing or inlined (not in %s/available_filter_functions)",
			       s->target, tracefs_tracing_dir());
	return 0;
}

static int check_tracepoint(const struct probe_spec *s)
{
	char *sys = strdup(s->target), *ev, *dir;
	int err = 0;

	if (!sys)
		return -ENOMEM;
	ev = strchr(sys, ':');
	*ev++ = '\0';
	if (asprintf(&dir, "events/%s/%s", sys, ev) < 0) {
		free(sys);
		return -ENOMEM;
	}
	if (!tfs_exists(dir)) {
		char *sysdir = strchr(dir, '/') + 1;

		*strchr(sysdir, '/') = '\0';
		if (!tfs_exists(dir) && !module_loaded(sys))
			err = ovp_err(-ENOENT, "tracepoint %s not found: module %s is not loaded (modprobe %s)",
				      s->target, sys, sys);
		else
			err = ovp_err(-ENOENT, "tracepoint %s not found in %s/events", s->target,
				      tracefs_tracing_dir());
	}
	free(dir);
	free(sys);
	return err;
}

/* --- target binary --- */

/* The binary of u:/up:/upr: probes (probe-target.c), resolved once. */
static int target_binary(struct ctx *c, const char **pathp)
{
	int err = 0;

	if (!c->binary)
		err = probe_target_binary(c->opts, &c->binary);
	*pathp = c->binary;
	return err;
}

/* --- fetch args --- */

static int btf_member(struct ctx *c, const char *strct, const char *member, uint32_t *offp)
{
	if (!c->btf)
		return -ENOENT;
	return probe_btf_offset(c->btf, strct, member, offp);
}

/* A member of a struct the probe's module may define (its split BTF). */
static int btf_member_of(struct ctx *c, const struct probe_spec *s, const char *strct,
			 const char *member, uint32_t *offp)
{
	if (!c->btf)
		return -ENOENT;
	return probe_btf_offset_module(c->btf, s->module, strct, member, offp);
}

/* USDT argument fetches of the current site, for "argN". */
struct usdt_args {
	char **fetch;
	char **type;
	char **why;	/* message when argument i cannot be fetched */
	int nr;
};

/*
 * Translate set-syntax @expr into a tracefs fetch arg.  -ENOENT means "needs
 * BTF that is not there" (the field is dropped with a warning).
 */
static int translate(struct ctx *c, const struct probe_spec *s, const struct usdt_args *ua,
		     const char *expr, char **out)
{
	const char *open;
	char *inner = NULL, *offs, *dot;
	uint32_t boff;
	int n, err;

	if (!strncmp(expr, "arg", 3)) {
		n = atoi(expr + 3);
		if (s->kind == PROBE_USDT) {
			if (!ua || n < 1 || n > ua->nr)
				return ovp_err(-EINVAL, "%s: USDT probe has %d arguments, no %s",
					       s->target, ua ? ua->nr : 0, expr);
			if (!ua->fetch[n - 1])
				return ovp_err(-EOPNOTSUPP, "%s %s: %s", s->target, expr,
					       ua->why[n - 1]);
			*out = strdup(ua->fetch[n - 1]);
		} else {
			if (n < 1 || n > c->arch->nr_args)
				return ovp_err(-EINVAL, "%s: only %d register arguments on %s",
					       expr, c->arch->nr_args, c->arch->name);
			if (is_return(s->kind))
				return ovp_err(-EINVAL, "%s: arguments are not available in a return probe",
					       s->target);
			*out = strdup(c->arch->args[n - 1]);
		}
		return *out ? 0 : -ENOMEM;
	}
	if (!strcmp(expr, "retval")) {
		if (!is_return(s->kind))
			return ovp_err(-EINVAL, "retval is only available in kr:/upr: probes");
		*out = strdup("$retval");
		return *out ? 0 : -ENOMEM;
	}
	/* +OFF(INNER) or +STRUCT.MEMBER(INNER) */
	open = strchr(expr, '(');
	offs = strndup(expr + 1, open - expr - 1);
	if (!offs)
		return -ENOMEM;
	dot = strchr(offs, '.');
	if (dot) {
		*dot = '\0';
		err = btf_member_of(c, s, offs, dot + 1, &boff);
		if (err) {
			free(offs);
			return err == -ENOENT ? -ENOENT : err;
		}
		free(offs);
		if (asprintf(&offs, "%s%u", *expr == '-' ? "-" : "", boff) < 0)
			return -ENOMEM;
	} else {
		char *e;

		strtoll(offs, &e, 0);
		if (e == offs || *e) {
			err = ovp_err(-EINVAL, "bad offset '%s' in %s", offs, expr);
			free(offs);
			return err;
		}
	}
	inner = strndup(open + 1, strlen(open + 1) - 1);
	if (!inner) {
		free(offs);
		return -ENOMEM;
	}
	err = translate(c, s, ua, inner, out);
	if (!err) {
		char *t = *out;

		if (asprintf(out, "%s%s(%s)", *expr == '-' ? "-" : "+",
			     offs[0] == '-' ? offs + 1 : offs, t) < 0)
			err = -ENOMEM;
		free(t);
	}
	free(inner);
	free(offs);
	return err;
}

static void warn_btf(struct ctx *c, const struct probe_spec *s, const char *what)
{
	if (!c->btf && c->btf_warned)
		return;
	ovp_warn("%s: %s skipped (%s)", s->target, what,
		 c->btf ? ovp_errmsg() : "no kernel BTF: " DEFAULT_BTF " is missing");
	if (!c->btf)
		c->btf_warned = true;
}

/* Fields read through skb: head (identity across clones) and, with 'flow',
 * the first 64 bytes at skb->data (nh): an IPv4 header with all its options
 * and the ports after it, or an IPv6 header, its first extension headers and
 * the ports.  The analyzer decodes the flow from them (and none from
 * anything that is not an IP header). */
static int skb_fields(struct ctx *c, const struct probe_spec *s, const char *skb, char **args)
{
	uint32_t head, data;
	int err;

	err = btf_member(c, "sk_buff", "head", &head);
	if (err == -ENOMEM)
		return err;
	if (err)
		warn_btf(c, s, "field head");
	else if ((err = appendf(args, "head=+%u(%s):x64", head, skb)))
		return err;
	if (!s->flow)
		return 0;
	err = btf_member(c, "sk_buff", "data", &data);
	if (err == -ENOMEM)
		return err;
	if (err) {
		warn_btf(c, s, "flow fields");
		return 0;
	}
	return appendf(args, "nh=+0(+%u(%s)):x8[64]", data, skb);
}

static int build_args(struct ctx *c, const struct probe_spec *s, const struct usdt_args *ua,
		      char **args)
{
	bool skb_done = false;
	size_t i;
	int n, err;

	*args = strdup("");
	if (!*args)
		return -ENOMEM;
	/* USDT probes fetch all their arguments as arg1..argN by default. */
	for (n = 0; ua && n < ua->nr; n++) {
		if (!ua->fetch[n]) {
			ovp_warn("%s: arg%d not fetched: %s", s->target, n + 1, ua->why[n]);
			continue;
		}
		err = appendf(args, "arg%d=%s:%s", n + 1, ua->fetch[n], ua->type[n]);
		if (err)
			return err;
	}
	for (i = 0; i < s->nr_fields; i++) {
		const struct probe_field *f = &s->fields[i];
		bool skb = f->type && !strcmp(f->type, "skb");
		const char *type = f->type;
		char *fetch;

		err = translate(c, s, ua, f->fetch, &fetch);
		if (err == -ENOENT) {
			warn_btf(c, s, f->name);
			continue;
		}
		if (err)
			return ovp_err_prefix(err, "field %s", f->name);
		if (!type || skb) {
			type = "x64";
			if (s->kind == PROBE_USDT && !strncmp(f->fetch, "arg", 3))
				type = ua->type[atoi(f->fetch + 3) - 1];
		}
		err = appendf(args, "%s=%s:%s", f->name, fetch, type);
		if (!err && skb && !skb_done) {
			skb_done = true;
			err = skb_fields(c, s, fetch, args);
		}
		free(fetch);
		if (err)
			return err;
	}
	return 0;
}

static void usdt_args_free(struct usdt_args *ua)
{
	int i;

	for (i = 0; i < ua->nr; i++) {
		free(ua->fetch[i]);
		free(ua->type[i]);
		free(ua->why[i]);
	}
	free(ua->fetch);
	free(ua->type);
	free(ua->why);
	memset(ua, 0, sizeof(*ua));
}

/* What data_sym() needs to place a symbol relative to the probe. */
struct sym_ctx {
	const char *file;
	uint64_t delta;		/* probe segment's p_vaddr - p_offset */
};

static int data_sym(void *ctx, const char *sym, uint64_t *offp)
{
	const struct sym_ctx *sc = ctx;
	uint64_t va;
	int err;

	err = probe_elf_sym_vaddr(sc->file, sym, &va);
	if (!err)
		*offp = va - sc->delta;
	return err;
}

static int usdt_args_parse(struct ctx *c, const char *file, const struct probe_usdt_site *site,
			   struct usdt_args *ua)
{
	struct sym_ctx sc = { file, site->delta };
	const char *specs = site->args;
	char *copy = strdup(specs), *tok, *save;
	int err = 0, n = 0;

	memset(ua, 0, sizeof(*ua));
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		n++;
	ua->fetch = calloc(n + 1, sizeof(char *));
	ua->type = calloc(n + 1, sizeof(char *));
	ua->why = calloc(n + 1, sizeof(char *));
	if (!ua->fetch || !ua->type || !ua->why) {
		free(copy);
		return -ENOMEM;
	}
	strcpy(copy, specs);
	for (tok = strtok_r(copy, " ", &save); tok && !err; tok = strtok_r(NULL, " ", &save)) {
		err = probe_usdt_arg(c->arch, tok, data_sym, &sc, &ua->fetch[ua->nr],
				     &ua->type[ua->nr]);
		if (err == -EOPNOTSUPP) {
			ua->why[ua->nr] = strdup(ovp_errmsg());
			err = 0;
		}
		ua->nr++;
	}
	free(copy);
	return err;
}

/* Build the definitions of spec @s; appends to @defs. */
static int build_defs(struct ctx *c, const struct probe_spec *s, struct def **defs, size_t *nr)
{
	struct probe_usdt_site *sites = NULL;
	size_t nsites = 1, i;
	const char *file = NULL;
	char *libfile = NULL;
	uint64_t off = 0;
	struct def *nd;
	int err = 0;

	if (is_kernel(s->kind)) {
		if (!c->opts || !c->opts->dry_run) {
			err = check_kernel_probe(c, s);
			if (err)
				return err;
		}
	} else if (s->kind == PROBE_USDT) {
		char *prov = strdup(s->target), *name;

		if (!prov)
			return -ENOMEM;
		name = strchr(prov, ':');
		*name++ = '\0';
		err = target_binary(c, &file);
		err = err ?: probe_elf_usdt(file, prov, name, &sites, &nsites);
		free(prov);
		if (err)
			return err;
	} else {
		if (s->path) {
			/* uprobe_events wants the file's absolute path. */
			libfile = realpath(s->path, NULL);
			if (!libfile)
				return ovp_err(-errno, "%s: %s", s->path, strerror(errno));
			file = libfile;
		} else {
			err = target_binary(c, &file);
			if (err)
				return err;
		}
		err = probe_elf_sym(file, s->target, false, &off);
		if (err == -ENOENT && !s->path && c->opts && c->opts->pid &&
		    !probe_sym_in_maps(c->opts->pid, s->target, &libfile, &off)) {
			file = libfile;
			err = 0;
		}
		if (err)
			return err;
	}

	nd = realloc(*defs, (*nr + nsites) * sizeof(*nd));
	if (!nd) {
		err = -ENOMEM;
		goto out;
	}
	*defs = nd;
	for (i = 0; i < nsites && !err; i++) {
		struct def *d = &nd[*nr];
		struct usdt_args ua = { 0 };

		memset(d, 0, sizeof(*d));
		d->kind = s->kind;
		/* Further sites of one USDT probe: NAME_1, NAME_2 (as perf probe does). */
		if (i)
			err = asprintf(&d->event, "%s_%zu", s->event, i) < 0 ? -ENOMEM : 0;
		else
			d->event = strdup(s->event);
		if (!d->event)
			err = -ENOMEM;
		if (!err && sites)
			err = usdt_args_parse(c, file, &sites[i], &ua);
		if (!err)
			err = build_args(c, s, sites ? &ua : NULL, &d->args);
		usdt_args_free(&ua);
		if (!err && is_kernel(s->kind)) {
			if (s->module)
				err = asprintf(&d->addr, "%s:%s", s->module, s->target) < 0 ? -ENOMEM : 0;
			else
				err = (d->addr = strdup(s->target)) ? 0 : -ENOMEM;
		} else if (!err) {
			d->file = strdup(file);
			d->offset = sites ? sites[i].offset : off;
			d->sema = sites ? sites[i].sema_offset : 0;
			/* The same text libtracefs' tracefs_uprobe_alloc() writes. */
			if (!d->file || asprintf(&d->addr, "%s:0x%0*llx", file, (int)(sizeof(void *) * 2),
						 (unsigned long long)d->offset) < 0)
				err = -ENOMEM;
			if (!err && d->sema) {
				char *a = d->addr;

				if (asprintf(&d->addr, "%s(0x%llx)", a, (unsigned long long)d->sema) < 0)
					err = -ENOMEM;
				free(a);
			}
		}
		(*nr)++;
	}
out:
	free(libfile);
	probe_elf_usdt_free(sites, nsites);
	return err;
}

/* --- existing events --- */

/* Canonical form of an address for comparison ("0x0000...12ab" == "0x12ab"). */
static void canon_addr(const char *addr, char *buf, size_t size)
{
	const char *colon = strrchr(addr, ':');
	unsigned long long off, ref;
	int n = 0;

	if (colon && sscanf(colon + 1, "0x%llx%n", &off, &n) == 1) {
		if (sscanf(colon + 1 + n, "(0x%llx)", &ref) == 1)
			snprintf(buf, size, "%.*s:%llx(%llx)", (int)(colon - addr), addr, off, ref);
		else
			snprintf(buf, size, "%.*s:%llx", (int)(colon - addr), addr, off);
		return;
	}
	snprintf(buf, size, "%s", addr);
}

/* Returns 1 if @d exists identically, 0 if absent, or -EEXIST. */
static int existing_match(struct ctx *c, const struct def *d)
{
	char a[PATH_MAX + 64], b[PATH_MAX + 64];
	char *sys, *ev, *prefix, *addr, *fmt;
	enum tracefs_dynevent_type t;
	int ret = 0;
	size_t i;

	for (i = 0; c->existing && c->existing[i]; i++) {
		t = tracefs_dynevent_info(c->existing[i], &sys, &ev, &prefix, &addr, &fmt);
		if (ev && !strcmp(ev, d->event)) {
			bool ret_probe = t == TRACEFS_DYNEVENT_KRETPROBE ||
					 t == TRACEFS_DYNEVENT_URETPROBE;

			canon_addr(addr ? addr : "", a, sizeof(a));
			canon_addr(d->addr, b, sizeof(b));
			ret = ret_probe == is_return(d->kind) && !strcmp(a, b) &&
			      !strcmp(fmt ? fmt : "", d->args) ? 1 : -EEXIST;
			if (ret < 0)
				ovp_err(-EEXIST,
					"%s:%s already exists with another definition (%s %s): 'ovsperf-probe remove' it first",
					PROBE_GROUP, d->event, addr ? addr : "", fmt ? fmt : "");
		}
		free(sys);
		free(ev);
		free(prefix);
		free(addr);
		free(fmt);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- create / destroy --- */

static int kernel_error(const char *what, int err)
{
	char *log = tracefs_error_last(NULL);
	int ret;

	if (log)
		log[strcspn(log, "\n")] = '\0';
	if (err == EPERM || err == EACCES)
		ret = ovp_err(-EPERM, "cannot write %s: %s (not root?)", what, strerror(err));
	else
		ret = ovp_err(-(err ? err : EINVAL), "kernel rejected %s: %s%s%s", what,
			      strerror(err ? err : EINVAL), log && *log ? ": " : "",
			      log ? log : "");
	free(log);
	return ret;
}

static int create_def(const struct def *d)
{
	struct tracefs_dynevent *dev = NULL;
	char *line = def_line(d);
	int ret = 0;

	if (!line)
		return -ENOMEM;
	errno = 0;
	switch (d->kind) {
	case PROBE_KPROBE:
		dev = tracefs_kprobe_alloc(PROBE_GROUP, d->event, d->addr, d->args);
		break;
	case PROBE_KRETPROBE:
		dev = tracefs_kretprobe_alloc(PROBE_GROUP, d->event, d->addr, d->args, 0);
		break;
	case PROBE_URETPROBE:
		dev = tracefs_uretprobe_alloc(PROBE_GROUP, d->event, d->file, d->offset, d->args);
		break;
	case PROBE_UPROBE:
	case PROBE_USDT:
		if (!d->sema) {
			dev = tracefs_uprobe_alloc(PROBE_GROUP, d->event, d->file, d->offset, d->args);
			break;
		}
		/* tracefs_uprobe_alloc() cannot express the "(REF_CTR_OFFSET)" suffix that
		 * makes the kernel increment the USDT semaphore: write the line. */
		if (!tfs_exists("uprobe_events"))
			ret = ovp_err(-EOPNOTSUPP, "this kernel has no uprobe events");
		else if (tracefs_instance_file_append(NULL, "uprobe_events", line) < 0)
			ret = kernel_error(line, errno);
		free(line);
		return ret;
	default:
		break;
	}
	if (!dev) {
		free(line);
		return -ENOMEM;
	}
	if (!is_kernel(d->kind) && !tfs_exists("uprobe_events"))
		ret = ovp_err(-EOPNOTSUPP, "this kernel has no uprobe events (CONFIG_UPROBE_EVENTS off)");
	else if (tracefs_dynevent_create(dev))
		ret = kernel_error(line, errno);
	tracefs_dynevent_free(dev);
	free(line);
	return ret;
}

/* Remove dynamic event @dev (force-disabling it first). */
static int destroy_dynevent(struct tracefs_dynevent *dev, const char *event)
{
	errno = 0;
	if (!tracefs_dynevent_destroy(dev, true))
		return 0;
	if (errno == EBUSY)
		return ovp_err(-EBUSY, "%s:%s is in use (is perf still recording?)", PROBE_GROUP,
			       event);
	return kernel_error(event, errno);
}

/*
 * Remove ovsperf event @event if it exists.  Looked up in the list of all
 * ovsperf events: tracefs_dynevent_get() (libtracefs 1.6) misses kretprobes
 * that the kernel lists as "r10:".
 */
static int destroy_event(const char *event)
{
	struct tracefs_dynevent **all = get_ours();
	char *sys, *ev, *prefix, *addr, *fmt;
	int ret = 0;
	size_t i;

	for (i = 0; all && all[i]; i++) {
		tracefs_dynevent_info(all[i], &sys, &ev, &prefix, &addr, &fmt);
		if (ev && !strcmp(ev, event))
			ret = destroy_dynevent(all[i], event);
		free(sys);
		free(ev);
		free(prefix);
		free(addr);
		free(fmt);
	}
	tracefs_dynevent_list_free(all);
	return ret;
}

static int inst_add(struct probe_install *inst, const char *name, const char *definition,
		    bool created)
{
	struct probe_event *ne = realloc(inst->events, (inst->nr_events + 1) * sizeof(*ne));

	if (!ne)
		return -ENOMEM;
	inst->events = ne;
	ne = &ne[inst->nr_events];
	ne->name = strdup(name);
	ne->definition = definition ? strdup(definition) : NULL;
	ne->created = created;
	if (!ne->name || (definition && !ne->definition)) {
		free(ne->name);
		free(ne->definition);
		return -ENOMEM;
	}
	inst->nr_events++;
	return 0;
}

static const struct probe_event *inst_find(const struct probe_install *inst, const char *name)
{
	size_t i;

	for (i = 0; i < inst->nr_events; i++)
		if (!strcmp(inst->events[i].name, name))
			return &inst->events[i];
	return NULL;
}

void probe_install__exit(struct probe_install *inst)
{
	size_t i;

	if (!inst)
		return;
	for (i = 0; i < inst->nr_events; i++) {
		free(inst->events[i].name);
		free(inst->events[i].definition);
	}
	free(inst->events);
	free(inst->tracefs);
	memset(inst, 0, sizeof(*inst));
}

int probe_install__destroy(struct probe_install *inst)
{
	int err, ret = 0;
	size_t i;

	if (!inst || inst->dry_run || !inst->nr_events)
		return 0;
	if (inst->tracefs && tracefs_set_tracing_dir(inst->tracefs))
		return -ENOMEM;
	for (i = inst->nr_events; i-- > 0;) {
		if (!inst->events[i].created)
			continue;
		err = destroy_event(strchr(inst->events[i].name, ':') + 1);
		if (!err)
			inst->events[i].created = false;
		else if (!ret)
			ret = err;
	}
	return ret;
}

static void ctx_exit(struct ctx *c)
{
	free(c->binary);
	free(c->funcs);
	tracefs_dynevent_list_free(c->existing);
}

/* Install spec @s; events go to @inst.  */
static int install_spec(struct ctx *c, struct probe_install *inst, const struct probe_spec *s)
{
	struct def *defs = NULL;
	size_t nr = 0, i;
	char name[512];
	int err = 0, m;

	if (s->kind == PROBE_TRACEPOINT) {
		if (inst_find(inst, s->target))
			return 0;
		if (!c->opts || !c->opts->dry_run)
			err = check_tracepoint(s);
		return err ?: inst_add(inst, s->target, NULL, false);
	}
	err = build_defs(c, s, &defs, &nr);
	for (i = 0; !err && i < nr; i++) {
		const struct probe_event *prev;
		char *line = def_line(&defs[i]);

		if (!line) {
			err = -ENOMEM;
			break;
		}
		snprintf(name, sizeof(name), "%s:%s", PROBE_GROUP, defs[i].event);
		prev = inst_find(inst, name);
		if (prev) {
			/* Two sets may share a probe; they must agree on it. */
			if (prev->definition && strcmp(prev->definition, line))
				err = ovp_err(-EEXIST, "%s is defined differently by two sets:\n  %s\n  %s",
					      name, prev->definition, line);
		} else if (c->opts && c->opts->dry_run) {
			fprintf(c->out, "%s\n", line);
			err = inst_add(inst, name, line, false);
		} else if ((m = existing_match(c, &defs[i])) != 0) {
			err = m < 0 ? m : inst_add(inst, name, line, false);
		} else {
			err = create_def(&defs[i]);
			if (!err) {
				err = inst_add(inst, name, line, true);
				if (err)
					destroy_event(defs[i].event);
			}
		}
		free(line);
	}
	for (i = 0; i < nr; i++)
		def_free(&defs[i]);
	free(defs);
	return err;
}

int probe_install__create(struct probe_install *inst, const struct probe_opts *opts,
			  struct probe_set *const *sets, size_t nr_sets)
{
	static const struct probe_opts defaults;
	struct ctx c = { 0 };
	size_t i, j;
	int err = 0;

	memset(inst, 0, sizeof(*inst));
	if (!opts)
		opts = &defaults;
	c.opts = opts;
	c.out = opts->dry_out ? opts->dry_out : stdout;
	c.arch = probe_arch_get();
	if (!c.arch)
		return ovp_err(-EOPNOTSUPP, "unsupported architecture (x86_64 and aarch64 are known)");
	c.btf = opts->btf ? opts->btf : DEFAULT_BTF;
	if (access(c.btf, R_OK)) {
		if (opts->btf)
			return ovp_err(-errno, "%s: %s", opts->btf, strerror(errno));
		c.btf = NULL;
	}
	if (opts->no_flow)
		c.btf = NULL, c.btf_warned = true;
	inst->dry_run = opts->dry_run;

	/* A dry run needs no tracefs unless one was named (then existing
	 * events and kernel checks are skipped anyway). */
	if (!opts->dry_run || opts->tracefs || getenv("OVSPERF_TRACEFS")) {
		err = use_tracefs(opts, !opts->dry_run);
		if (err)
			return err;
		inst->tracefs = strdup(tracefs_tracing_dir());
		if (!inst->tracefs)
			return -ENOMEM;
		c.existing = get_ours();
	}

	for (i = 0; i < nr_sets && !err; i++) {
		for (j = 0; j < sets[i]->nr_specs && !err; j++) {
			const struct probe_spec *s = &sets[i]->specs[j];

			if (opts->stop && *opts->stop) {
				err = ovp_err(-EINTR, "interrupted by %s",
					      *opts->stop == SIGTERM ? "SIGTERM" : "SIGINT");
				break;
			}
			err = install_spec(&c, inst, s);
			if (err && err != -ENOMEM && s->optional) {
				ovp_warn("%s: optional probe %s:%s not installed: %s", sets[i]->name,
					 probe_kind_prefix(s->kind), s->target, ovp_errmsg());
				ovp_err_clear();
				err = 0;
			} else if (err && err != -ENOMEM) {
				err = ovp_err_prefix(err, "%s", sets[i]->name);
			}
		}
	}
	ctx_exit(&c);
	if (err) {
		/* Roll back: keep the message of the failure, not of the removal. */
		char *msg = strdup(ovp_errmsg());
		size_t nr_created = 0;
		int rerr;

		for (i = 0; i < inst->nr_events; i++)
			nr_created += inst->events[i].created;
		rerr = probe_install__destroy(inst);
		if (msg) {
			if (err == -EINTR && rerr) {
				char *why = strdup(ovp_errmsg());

				ovp_err(err, "%s: removing the events it had created failed: %s", msg,
					why ? why : strerror(-rerr));
				free(why);
			} else if (err == -EINTR) {
				ovp_err(err, "%s: %s", msg, nr_created ? "the events it had created "
					"were removed" : "it had created no event");
			} else {
				ovp_err(err, "%s", msg);
			}
			free(msg);
		}
		probe_install__exit(inst);
	}
	return err;
}

/* Is @ev the event of @s, or of a further USDT site ("NAME_1")? */
static bool spec_event(const struct probe_spec *s, const char *ev)
{
	size_t len = strlen(s->event);

	if (strncmp(ev, s->event, len))
		return false;
	if (!ev[len])
		return true;
	return s->kind == PROBE_USDT && ev[len] == '_' && ev[len + 1] &&
	       strspn(ev + len + 1, "0123456789") == strlen(ev + len + 1);
}

/* Does event @ev of our group belong to one of @sets (all when @sets is NULL)? */
static bool in_sets(struct probe_set *const *sets, size_t nr_sets, const char *ev)
{
	size_t j, k;

	if (!sets)
		return true;
	for (j = 0; j < nr_sets; j++)
		for (k = 0; k < sets[j]->nr_specs; k++)
			if (sets[j]->specs[k].kind != PROBE_TRACEPOINT &&
			    spec_event(&sets[j]->specs[k], ev))
				return true;
	return false;
}

/* Remove (or, dry run, print) our dynamic events that in_sets() selects. */
static int remove_ours(const struct probe_opts *opts, struct probe_set *const *sets,
		       size_t nr_sets, size_t *removed)
{
	struct tracefs_dynevent **all;
	char *sys, *ev, *prefix, *addr, *fmt;
	size_t n = 0, i;
	int err;

	if (removed)
		*removed = 0;
	err = use_tracefs(opts, !(opts && opts->dry_run));
	if (err)
		return err;
	all = get_ours();
	for (i = 0; all && all[i] && !err; i++) {
		tracefs_dynevent_info(all[i], &sys, &ev, &prefix, &addr, &fmt);
		if (in_sets(sets, nr_sets, ev)) {
			if (opts && opts->dry_run)
				fprintf(opts->dry_out ? opts->dry_out : stdout, "-:%s/%s\n", sys, ev);
			else
				err = destroy_dynevent(all[i], ev);
			if (!err)
				n++;
		}
		free(sys);
		free(ev);
		free(prefix);
		free(addr);
		free(fmt);
	}
	tracefs_dynevent_list_free(all);
	if (removed)
		*removed = n;
	return err;
}

int probe_remove_all(const struct probe_opts *opts, size_t *removed)
{
	return remove_ours(opts, NULL, 0, removed);
}

int probe_set__remove(const struct probe_opts *opts, struct probe_set *const *sets,
		      size_t nr_sets, size_t *removed)
{
	if (!nr_sets) {		/* no set: nothing of ours is theirs */
		if (removed)
			*removed = 0;
		return 0;
	}
	return remove_ours(opts, sets, nr_sets, removed);
}

int probe_list(const struct probe_opts *opts, FILE *out, size_t *nr)
{
	struct tracefs_dynevent **all;
	char *sys, *ev, *prefix, *addr, *fmt;
	const char *kind;
	enum tracefs_dynevent_type t;
	size_t i;
	int err;

	*nr = 0;
	err = use_tracefs(opts, false);
	if (err)
		return err;
	all = get_ours();
	for (i = 0; all && all[i]; i++) {
		t = tracefs_dynevent_info(all[i], &sys, &ev, &prefix, &addr, &fmt);
		switch (t) {
		case TRACEFS_DYNEVENT_KPROBE: kind = "kprobe"; break;
		case TRACEFS_DYNEVENT_KRETPROBE: kind = "kretprobe"; break;
		case TRACEFS_DYNEVENT_UPROBE: kind = "uprobe"; break;
		case TRACEFS_DYNEVENT_URETPROBE: kind = "uretprobe"; break;
		default: kind = "?"; break;
		}
		fprintf(out, "%s:%s\t%s\t%s%s%s\n", sys, ev, kind, addr ? addr : "",
			fmt && *fmt ? " " : "", fmt ? fmt : "");
		(*nr)++;
		free(sys);
		free(ev);
		free(prefix);
		free(addr);
		free(fmt);
	}
	tracefs_dynevent_list_free(all);
	return 0;
}
