// SPDX-License-Identifier: Apache-2.0
/*
 * err.c - thread-local error messages and warnings (see err.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ovsperf/err.h"

static __thread char errmsg[1024];
static const char *progname = "ovsperf";
static unsigned long nr_warnings;
static bool quiet;
static bool cap_reached;		/* ovp_warn_cap() was called */

int ovp_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return code ? code : -EINVAL;
}

int ovp_err_prefix(int code, const char *fmt, ...)
{
	char old[sizeof(errmsg)];
	char pre[512];
	va_list ap;

	memcpy(old, errmsg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	if (!old[0])
		snprintf(old, sizeof(old), "%s", strerror(code < 0 ? -code : code));
	/* Truncation of an over-long message is fine. */
	strncpy(errmsg, pre, sizeof(errmsg) - 1);
	errmsg[sizeof(errmsg) - 1] = '\0';
	strncat(errmsg, ": ", sizeof(errmsg) - strlen(errmsg) - 1);
	strncat(errmsg, old, sizeof(errmsg) - strlen(errmsg) - 1);
	return code ? code : -EINVAL;
}

const char *ovp_errmsg(void)
{
	return errmsg;
}

void ovp_err_clear(void)
{
	errmsg[0] = '\0';
}

void ovp_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *ovp_progname(void)
{
	return progname;
}

void ovp_set_quiet(bool q)
{
	quiet = q;
}

/* Count a warning and print it as "PROG: warning: MSG" unless quiet. */
static void __attribute__((format(printf, 1, 0))) vwarn(const char *fmt, va_list ap)
{
	nr_warnings++;
	if (quiet)
		return;
	fprintf(stderr, "%s: warning: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ovp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

unsigned long ovp_warn_count(void)
{
	return nr_warnings;
}

void ovp_warn_cap(const char *fmt, ...)
{
	va_list ap;

	cap_reached = true;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

bool ovp_cap_reached(void)
{
	return cap_reached;
}

void ovp_print_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#ifdef OVSPERF_SANITIZE
/*
 * LeakSanitizer suppressions built into sanitizer builds (every ovsperf
 * binary links this file), so tests need no LSAN_OPTIONS.  Only leaks inside
 * our dependencies, never ours:
 * - libtraceevent loses a few bytes when it rejects a damaged event format;
 * - libperf's perf_evsel__delete() frees neither the id arrays of
 *   perf_evlist__mmap() nor the evsel's share of the cpu and thread maps
 *   (perf's own evsel__exit() does): once, at exit of ovsperf-probe record.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n"
	       "leak:perf_evsel__alloc_id\n"
	       "leak:perf_thread_map__realloc\n"
	       "leak:perf_cpu_map__alloc\n";
}
#endif
