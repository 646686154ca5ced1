// SPDX-License-Identifier: Apache-2.0
/*
 * evfmt.c - the print format whitelist of evfmt.h, applied to every event
 * of the tracing data right after libtraceevent parsed it, so no format of
 * a recording reaches a printf-family call unchecked.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "ovsperf/evfmt.h"

/* Up to 3 digits or a '*'; false for longer numbers (absurd padding). */
static bool number(const char **p)
{
	int n = 0;

	if (**p == '*') {
		(*p)++;
		return true;
	}
	while (isdigit((unsigned char)**p)) {
		if (++n > 3)
			return false;
		(*p)++;
	}
	return true;
}

/* Check one conversion at *@pp (just after the '%'); advance past it, or
 * on failure to the character refused. */
static bool conversion_ok(const char **pp)
{
	const char *p = *pp;
	bool ok = false;
	int len = 0;		/* length modifier characters */

	while (*p && strchr("#-+ 0", *p))
		p++;
	if (!number(&p))
		goto out;
	if (*p == '.') {
		p++;
		if (!number(&p))
			goto out;
	}
	if (p[0] == 'h' && p[1] == 'h')
		p += 2, len = 2;
	else if (p[0] == 'l' && p[1] == 'l')
		p += 2, len = 2;
	else if (*p && strchr("hlLzjt", *p))
		p++, len = 1;
	switch (*p) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		ok = true;
		p++;
		break;
	case 'c': case 's':
		ok = !len;	/* %lc and %ls take wide characters */
		if (ok)
			p++;
		break;
	case 'p':
		ok = !len;
		if (ok)
			for (p++; isalnum((unsigned char)*p); p++)
				;
		break;
	default:
		break;
	}
out:
	*pp = p;
	return ok;
}

bool evfmt_format_ok(const char *fmt, char *why, size_t len)
{
	const char *p = fmt;

	if (!fmt) {
		if (why && len)
			snprintf(why, len, "no print format");
		return false;
	}
	while ((p = strchr(p, '%'))) {
		const char *start = p++;

		if (*p == '%') {
			p++;
			continue;
		}
		if (!conversion_ok(&p)) {
			if (why && len) {
				/* The refused text up to the character refused,
				 * printable bytes only. */
				int n = (int)(p - start) + (*p ? 1 : 0);

				snprintf(why, len, "%.*s", n, start);
				for (char *c = why; *c; c++)
					if (!isprint((unsigned char)*c))
						*c = '?';
			}
			return false;
		}
	}
	return true;
}

int evfmt_check_events(struct tep_handle *tep)
{
	struct tep_event **events = tep ? tep_list_events(tep, TEP_EVENT_SORT_ID) : NULL;
	int i, n = 0;

	for (i = 0; events && events[i]; i++) {
		struct tep_event *ev = events[i];

		if (!evfmt_format_ok(ev->print_fmt.format, NULL, 0)) {
			/* PRINTRAW: fields instead of the format; FAILED: each
			 * field raw too, not through the format's conversion
			 * for it (libtraceevent's print cache). */
			ev->flags |= TEP_EVENT_FL_PRINTRAW | TEP_EVENT_FL_FAILED;
			n++;
		}
	}
	return n;
}
