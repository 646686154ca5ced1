// SPDX-License-Identifier: Apache-2.0
/*
 * probe-spec.c - probe sets as data files (man ovsperf-probes(5)): find a set
 * by name, parse its lines (triggers in kernel_delay syntax followed by
 * NAME=FETCH[:TYPE] fields and flags) into struct probe_spec.  Nothing here
 * touches tracefs; probe-tracefs.c turns specs into definitions.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ovsperf/err.h>
#include <ovsperf/safefile.h>

#include "probe-local.h"

/* The largest probe set file read (the shipped ones are a few KB). */
#define PROBE_SET_MAX ((size_t)1 << 20)

static const char *const kind_prefix[] = {
	[PROBE_KPROBE] = "k",	 [PROBE_KRETPROBE] = "kr", [PROBE_TRACEPOINT] = "t",
	[PROBE_USDT] = "u",	 [PROBE_UPROBE] = "up",	   [PROBE_URETPROBE] = "upr",
};

const char *probe_kind_prefix(enum probe_kind kind)
{
	return kind_prefix[kind];
}

bool probe_is_trigger(const char *arg)
{
	for (size_t i = 0; i < sizeof(kind_prefix) / sizeof(kind_prefix[0]); i++) {
		size_t n = strlen(kind_prefix[i]);

		if (!strncmp(arg, kind_prefix[i], n) && arg[n] == ':')
			return true;
	}
	return false;
}

static void field_free(struct probe_field *f)
{
	free(f->name);
	free(f->fetch);
	free(f->type);
}

static void spec_free(struct probe_spec *s)
{
	size_t i;

	for (i = 0; i < s->nr_fields; i++)
		field_free(&s->fields[i]);
	free(s->fields);
	free(s->module);
	free(s->target);
	free(s->path);
	free(s->event);
}

void probe_set__delete(struct probe_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->nr_specs; i++)
		spec_free(&set->specs[i]);
	free(set->specs);
	free(set->name);
	free(set->path);
	free(set->description);
	free(set);
}

const char *probe_set__name(const struct probe_set *set)
{
	return set->name;
}

const char *probe_set__description(const struct probe_set *set)
{
	return set->description ? set->description : "";
}

static bool valid_ident(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Split "a:b:c" in place into at most @max parts; returns the count. */
static int split_colon(char *s, char **parts, int max)
{
	int n = 0;

	parts[n++] = s;
	while (n < max && (s = strchr(s, ':'))) {
		*s++ = '\0';
		parts[n++] = s;
	}
	return n;
}

/* Parse the trigger word ("k:openvswitch:do_output") into @s. */
static int parse_trigger(struct probe_spec *s, char *word)
{
	char *p[4];
	char *colon;
	int n;

	colon = strchr(word, ':');
	if (!colon)
		return ovp_err(-EINVAL, "'%s': expected a trigger such as k:FUNC or u:PROVIDER:NAME",
			       word);
	*colon = '\0';
	for (n = 0; n <= PROBE_URETPROBE; n++)
		if (!strcmp(word, kind_prefix[n]))
			break;
	if (n > PROBE_URETPROBE)
		return ovp_err(-EINVAL, "unknown trigger type '%s:' (k, kr, t, u, up, upr)", word);
	s->kind = n;
	word = colon + 1;

	switch (s->kind) {
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		n = split_colon(word, p, 3);
		if (n > 2 || (n == 2 && !valid_ident(p[0])))
			return ovp_err(-EINVAL, "kprobe trigger: expected [MODULE:]FUNC");
		if (n == 2) {
			s->module = strdup(p[0]);
			if (!s->module)
				return -ENOMEM;
		}
		s->target = strdup(p[n - 1]);
		break;
	case PROBE_TRACEPOINT:
	case PROBE_USDT:
		n = split_colon(word, p, 3);
		if (n != 2 || !*p[0] || !valid_ident(p[1]))
			return ovp_err(-EINVAL, "%s: trigger: expected %s", kind_prefix[s->kind],
				       s->kind == PROBE_USDT ? "PROVIDER:NAME" : "SYSTEM:EVENT");
		if (asprintf(&s->target, "%s:%s", p[0], p[1]) < 0)
			s->target = NULL;
		break;
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
		colon = strrchr(word, ':');
		if (colon) {
			*colon = '\0';
			s->path = strdup(word);
			if (!s->path)
				return -ENOMEM;
			word = colon + 1;
		}
		s->target = strdup(word);
		break;
	}
	if (!s->target)
		return -ENOMEM;
	if (s->kind == PROBE_TRACEPOINT || s->kind == PROBE_USDT)
		return 0;
	/* Symbols such as "func.isra.0"; kprobes also take "func+16". */
	if (!*s->target || isdigit((unsigned char)*s->target) ||
	    strspn(s->target, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+") !=
		    strlen(s->target) ||
	    (strchr(s->target, '+') && s->kind > PROBE_KRETPROBE))
		return ovp_err(-EINVAL, "'%s' is not a function name", s->target);
	return 0;
}

/* Default event name: the function, the USDT name or the tracepoint event;
 * return probes get "__return" (kretprobes cannot share the kprobe's name). */
static int set_event_name(struct probe_spec *s)
{
	const char *base = s->target;
	const char *colon = strrchr(base, ':');
	char *ev, *p;

	if (colon && (s->kind == PROBE_USDT || s->kind == PROBE_TRACEPOINT))
		base = colon + 1;
	if (asprintf(&ev, "%s%s", base,
		     s->kind == PROBE_KRETPROBE || s->kind == PROBE_URETPROBE ? "__return" : "") < 0)
		return -ENOMEM;
	/* "func.isra.0" or "func+16" are valid kprobe addresses, not event names. */
	for (p = ev; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
	s->event = ev;
	return 0;
}

/* Find the ':' that starts the type: after the last ')'. */
static char *type_colon(char *fetch)
{
	char *paren = strrchr(fetch, ')');

	return strchr(paren ? paren : fetch, ':');
}

static bool valid_fetch(const char *f)
{
	const char *open;

	if (!strncmp(f, "arg", 3) && f[3]) {
		for (f += 3; *f; f++)
			if (!isdigit((unsigned char)*f))
				return false;
		return true;
	}
	if (!strcmp(f, "retval"))
		return true;
	if (*f != '+' && *f != '-')
		return false;
	open = strchr(f, '(');
	if (!open || f[strlen(f) - 1] != ')' || open == f + 1)
		return false;
	/* The inner expression is checked when it is translated. */
	return true;
}

static int parse_field(struct probe_spec *s, char *word)
{
	struct probe_field *f, *nf;
	char *eq = strchr(word, '=');
	char *colon;

	if (!eq || eq == word)
		return ovp_err(-EINVAL, "'%s': expected NAME=FETCH[:TYPE], 'flow' or 'optional'",
			       word);
	*eq = '\0';
	if (!valid_ident(word))
		return ovp_err(-EINVAL, "'%s' is not a valid field name", word);
	nf = realloc(s->fields, (s->nr_fields + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	s->fields = nf;
	f = &nf[s->nr_fields];
	memset(f, 0, sizeof(*f));
	colon = type_colon(eq + 1);
	if (colon) {
		*colon = '\0';
		f->type = strdup(colon + 1);
		if (!f->type || !*f->type) {
			free(f->type);
			return ovp_err(-EINVAL, "field '%s': empty type", word);
		}
	}
	if (!valid_fetch(eq + 1)) {
		free(f->type);
		return ovp_err(-EINVAL,
			       "field '%s': bad fetch '%s' (argN, retval, +OFF(FETCH), +STRUCT.MEMBER(FETCH))",
			       word, eq + 1);
	}
	f->name = strdup(word);
	f->fetch = strdup(eq + 1);
	s->nr_fields++;
	if (!f->name || !f->fetch)
		return -ENOMEM;
	return 0;
}

static int parse_line(struct probe_set *set, char *line, int lineno)
{
	struct probe_spec *s, *ns;
	char *save, *word;
	int err;

	word = strtok_r(line, " \t", &save);
	ns = realloc(set->specs, (set->nr_specs + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	set->specs = ns;
	s = &ns[set->nr_specs++];
	memset(s, 0, sizeof(*s));
	s->line = lineno;

	err = parse_trigger(s, word);
	err = err ?: set_event_name(s);
	while (!err && (word = strtok_r(NULL, " \t", &save))) {
		if (!strcmp(word, "flow"))
			s->flow = true;
		else if (!strcmp(word, "optional"))
			s->optional = true;
		else
			err = parse_field(s, word);
	}
	if (err)
		return err;
	if (s->kind == PROBE_TRACEPOINT && s->nr_fields)
		return ovp_err(-EINVAL, "tracepoints have their own fields: remove '%s='",
			       s->fields[0].name);
	if (s->flow) {
		size_t i;

		for (i = 0; i < s->nr_fields; i++)
			if (s->fields[i].type && !strcmp(s->fields[i].type, "skb"))
				break;
		if (i == s->nr_fields)
			return ovp_err(-EINVAL, "'flow' needs a field of type skb");
	}
	return 0;
}

static int set_new(const char *name, const char *path, struct probe_set **setp)
{
	struct probe_set *set = calloc(1, sizeof(*set));

	if (!set)
		return -ENOMEM;
	set->name = strdup(name);
	set->path = path ? strdup(path) : NULL;
	set->description = strdup("");
	if (!set->name || (path && !set->path) || !set->description) {
		probe_set__delete(set);
		return -ENOMEM;
	}
	*setp = set;
	return 0;
}

/* Parse @text (modified) line by line into @set. */
static int parse_text(struct probe_set *set, char *text)
{
	char *line, *next, *end;
	int lineno = 0;
	int err = 0;

	for (line = text; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*line || *line == '#')
			continue;
		if (!strncmp(line, "description", 11) && (!line[11] || isspace(line[11]))) {
			line += 11;
			while (isspace((unsigned char)*line))
				line++;
			free(set->description);
			set->description = strdup(line);
			if (!set->description)
				err = -ENOMEM;
			continue;
		}
		err = parse_line(set, line, lineno);
		if (err && err != -ENOMEM)
			err = ovp_err_prefix(err, "%s:%d", set->path ? set->path : set->name,
					     lineno);
	}
	if (!err && !set->nr_specs)
		err = ovp_err(-EINVAL, "%s: the set has no probes", set->path ? set->path : set->name);
	return err;
}

int probe_set__parse(const char *name, const char *text, struct probe_set **setp)
{
	struct probe_set *set;
	char *copy;
	int err;

	err = set_new(name, NULL, &set);
	if (err)
		return err;
	copy = strdup(text);
	err = copy ? parse_text(set, copy) : -ENOMEM;
	free(copy);
	if (err) {
		probe_set__delete(set);
		return err;
	}
	*setp = set;
	return 0;
}

int probe_set__add_trigger(struct probe_set *set, const char *line)
{
	char *copy = strdup(line);
	int err;

	if (!copy)
		return -ENOMEM;
	err = parse_line(set, copy, 0);
	free(copy);
	if (err && err != -ENOMEM)
		err = ovp_err_prefix(err, "trigger '%s'", line);
	return err;
}

int probe_set_dirs(const char *dirs[4])
{
	int n = 0;

	dirs[n++] = getenv("OVSPERF_PROBESETS");
	dirs[n++] = OVSPERF_SRC_PROBESETS;
	dirs[n++] = OVSPERF_DATADIR "/probes";
	dirs[n] = NULL;
	return n;
}


/* Find the file of set @name; returns a malloc'd path or NULL. */
static char *find_set(const char *name)
{
	const char *dirs[4];
	char *path, *list, *dir, *save;
	int i, n;

	n = probe_set_dirs(dirs);
	for (i = 0; i < n; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		/* $OVSPERF_PROBESETS may hold several directories. */
		list = strdup(dirs[i]);
		if (!list)
			return NULL;
		for (dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			if (asprintf(&path, "%s/%s.probes", dir, name) < 0)
				continue;
			if (!access(path, R_OK)) {
				free(list);
				return path;
			}
			free(path);
		}
		free(list);
	}
	return NULL;
}

int probe_set__load(const char *name, struct probe_set **setp)
{
	struct probe_set *set;
	const char *base, *dot;
	char *path, *text, *setname;
	size_t len = strlen(name);
	int err;

	if (!len)
		return ovp_err(-EINVAL, "empty probe set name");
	if (strchr(name, '/') || (len > 7 && !strcmp(name + len - 7, ".probes"))) {
		path = strdup(name);
		if (!path)
			return -ENOMEM;
	} else {
		if (!valid_ident(name) && strspn(name, "abcdefghijklmnopqrstuvwxyz"
						 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len)
			return ovp_err(-EINVAL, "'%s' is not a probe set name", name);
		path = find_set(name);
		if (!path)
			return ovp_err(-ENOENT,
				       "no probe set '%s' (see 'ovsperf-probe list --sets'; searched $OVSPERF_PROBESETS, %s, %s/probes)",
				       name, OVSPERF_SRC_PROBESETS, OVSPERF_DATADIR);
	}
	err = ovp_read_file_max(path, PROBE_SET_MAX, &text, NULL);
	if (err) {
		err = ovp_err_prefix(err, "probe set");
		free(path);
		return err;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dot = strstr(base, ".probes");
	setname = strndup(base, dot ? (size_t)(dot - base) : strlen(base));
	err = setname ? set_new(setname, path, &set) : -ENOMEM;
	free(setname);
	free(path);
	if (!err) {
		err = parse_text(set, text);
		if (err)
			probe_set__delete(set);
		else
			*setp = set;
	}
	free(text);
	return err;
}
