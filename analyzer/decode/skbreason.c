// SPDX-License-Identifier: Apache-2.0
/*
 * decode/skbreason.c - skb drop reason names from the recording's own print format
 * (see decode/skbreason.h).  The table is parsed once per event, in ready(), and
 * looked up by binary search per sample.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata.h"
#include "decode/skbreason.h"

/* SKB_DROP_REASON_SUBSYS_OPENVSWITCH and SKB_DROP_REASON_SUBSYS_SHIFT. */
#define SUBSYS_OPENVSWITCH 3
#define SUBSYS_SHIFT 16

/* enum ovs_drop_reason, in order after __OVS_DROP_REASON (subsystem base). */
static const char *const ovs_reasons[] = {
	"OVS_DROP_LAST_ACTION", "OVS_DROP_ACTION_ERROR", "OVS_DROP_EXPLICIT",
	"OVS_DROP_EXPLICIT_WITH_ERROR", "OVS_DROP_METER", "OVS_DROP_RECURSION_LIMIT",
	"OVS_DROP_DEFERRED_LIMIT", "OVS_DROP_FRAG_L2_TOO_LONG", "OVS_DROP_FRAG_INVALID_PROTO",
	"OVS_DROP_CONNTRACK", "OVS_DROP_IP_TTL",
};

struct sym {
	uint64_t value;
	char *name;
};

struct skbreason_table {
	struct sym *syms;		/* sorted by value */
	size_t nr;
};

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

/* Find the __print_symbolic() of REC->@field among @arg and its operands. */
static const struct tep_print_arg *find_symbolic(const struct tep_print_arg *arg,
						 const char *field)
{
	const struct tep_print_arg *f, *r;

	for (; arg; arg = arg->next) {
		if (arg->type == TEP_PRINT_SYMBOL) {
			f = arg->symbol.field;
			if (f && f->type == TEP_PRINT_FIELD && f->field.name &&
			    !strcmp(f->field.name, field))
				return arg;
		} else if (arg->type == TEP_PRINT_OP) {
			r = find_symbolic(arg->op.left, field);
			r = r ?: find_symbolic(arg->op.right, field);
			if (r)
				return r;
		}
	}
	return NULL;
}

int skbreason_table__new(struct skbreason_table **out, const struct pdata_evsel *evsel,
			 const char *field)
{
	const struct tep_print_flag_sym *s;
	const struct tep_print_arg *arg = NULL;
	struct skbreason_table *t;
	size_t n = 0;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ovp_err(-ENOMEM, "out of memory");
	if (evsel && evsel->tp)
		arg = find_symbolic(evsel->tp->print_fmt.args, field);
	for (s = arg ? arg->symbol.symbols : NULL; s; s = s->next)
		n++;
	if (n) {
		t->syms = calloc(n, sizeof(*t->syms));
		if (!t->syms) {
			free(t);
			return ovp_err(-ENOMEM, "out of memory");
		}
	}
	for (s = arg ? arg->symbol.symbols : NULL; s; s = s->next) {
		char *end;
		uint64_t v;

		if (!s->value || !s->str)
			continue;
		v = strtoull(s->value, &end, 0);
		if (end == s->value || *end)
			continue;	/* an expression we cannot evaluate: skip it */
		t->syms[t->nr].value = v;
		t->syms[t->nr].name = strdup(s->str);
		if (!t->syms[t->nr].name) {
			skbreason_table__free(t);
			return ovp_err(-ENOMEM, "out of memory");
		}
		t->nr++;
	}
	if (t->nr)
		qsort(t->syms, t->nr, sizeof(*t->syms), cmp_sym);
	*out = t;
	return 0;
}

void skbreason_table__free(struct skbreason_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nr; i++)
		free(t->syms[i].name);
	free(t->syms);
	free(t);
}

size_t skbreason_table__count(const struct skbreason_table *t)
{
	return t ? t->nr : 0;
}

const char *skbreason_table__name(const struct skbreason_table *t, uint64_t value, char *buf,
				  size_t len)
{
	struct sym key = { .value = value }, *s = NULL;
	uint64_t ovs = value - ((uint64_t)SUBSYS_OPENVSWITCH << SUBSYS_SHIFT);

	if (t && t->nr)
		s = bsearch(&key, t->syms, t->nr, sizeof(*t->syms), cmp_sym);
	if (s)
		return s->name;
	if (value >> SUBSYS_SHIFT == SUBSYS_OPENVSWITCH && ovs >= 1 &&
	    ovs <= sizeof(ovs_reasons) / sizeof(ovs_reasons[0])) {
		snprintf(buf, len, "%s", ovs_reasons[ovs - 1]);
		return buf;
	}
	/* As libtraceevent prints a value its table lacks. */
	snprintf(buf, len, "0x%" PRIx64, value);
	return buf;
}

bool skbreason_is_normal(const char *name)
{
	return name && (!strcmp(name, "CONSUMED") || !strcmp(name, "NOT_DROPPED_YET"));
}
