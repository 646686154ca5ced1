/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.h - error and warning reporting shared by every ovsperf module.
 *
 * Fallible functions return 0 or a negative errno.  The detail goes into a
 * thread-local message set by ovp_err(), which returns the code so callers can
 * write `return ovp_err(-EINVAL, "bad thing %d", x);`.  Only main() prints the
 * message (ovp_die_msg / ovp_errmsg).  Warnings are printed at once, prefixed
 * with the program name, and counted.
 */
#ifndef OVSPERF_ERR_H
#define OVSPERF_ERR_H

#include <stdarg.h>
#include <stdbool.h>

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

/* Exit codes used by both programs. */
enum ovp_exit {
	OVP_EXIT_OK = 0,
	OVP_EXIT_USAGE = 1,	/* bad command line */
	OVP_EXIT_OUTPUT = 1,	/* an output could not be written (outfile.h) */
	OVP_EXIT_INPUT = 2,	/* bad input file, or an operation that failed */
};

/**
 * ovp_err() - record an error message for the current thread.
 * @code: negative errno (or 0, which is turned into -EINVAL).
 * @fmt: printf-style message, without program name or newline.
 *
 * Return: @code, so it can be returned directly.
 */
int ovp_err(int code, const char *fmt, ...) __printf(2, 3);

/* Like ovp_err() but prefixes the existing message: "ctx: old message". */
int ovp_err_prefix(int code, const char *fmt, ...) __printf(2, 3);

/* The message of the last ovp_err() on this thread ("" if none). */
const char *ovp_errmsg(void);

/* Forget the current message. */
void ovp_err_clear(void);

/* The program name used as prefix by ovp_warn() and ovp_die(). */
void ovp_set_progname(const char *name);
const char *ovp_progname(void);

/* Print "PROG: warning: MSG" on stderr, and count it. */
void ovp_warn(const char *fmt, ...) __printf(1, 2);
unsigned long ovp_warn_count(void);

/*
 * ovp_warn_cap() - the one warning of a table that reached its cap (a table
 * keyed by values from the input, ovsperf-analyze(1), LIMITS): printed as
 * ovp_warn() does; the results are then partial, so the command exits
 * OVP_EXIT_INPUT (ovp_cap_reached()), even under --quiet.
 */
void ovp_warn_cap(const char *fmt, ...) __printf(1, 2);
/* Has a cap been reached (ovp_warn_cap())? */
bool ovp_cap_reached(void);

/* Silence warnings (--quiet still reports errors). */
void ovp_set_quiet(bool quiet);

/* Print "PROG: MSG" on stderr (MSG from printf args). */
void ovp_print_error(const char *fmt, ...) __printf(1, 2);

#endif /* OVSPERF_ERR_H */
