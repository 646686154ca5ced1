/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evfmt.h - vouching for the print formats of a recording's events.
 *
 * A tracepoint's "print fmt" comes from the recording, and libtraceevent
 * hands the conversions in it to the printf family: a "%n" would write
 * memory, a "%Zd" or "%1$s" is undefined.  Before libtraceevent prints an
 * event, its format is checked against what the kernel's TP_printk formats
 * use and libtraceevent understands:
 *
 *	%[flags][width][.precision][length]conversion
 *	flags      # - + space 0
 *	width      1-3 digits or *; precision the same after '.'
 *	length     hh h l ll L z j t (integer conversions only)
 *	conversion d i u x X o c s, and p with any letters and digits after it
 *	           (libtraceevent's %pS %ps %pI4 %pI6c %pISpc %pM %pU ... extensions)
 *	and %%.
 *
 * An event whose format holds anything else is printed as " field=value"
 * pairs (libtraceevent's raw printing, TEP_EVENT_FL_PRINTRAW), never
 * through its format.
 */
#ifndef OVSPERF_EVFMT_H
#define OVSPERF_EVFMT_H

#include <stdbool.h>
#include <stddef.h>

struct tep_handle;

/**
 * evfmt_format_ok() - is every conversion of print format @fmt one of the
 * list above?
 * @why: if not NULL, receives the first conversion refused ("%n"); @len: size.
 */
bool evfmt_format_ok(const char *fmt, char *why, size_t len);

/**
 * evfmt_check_events() - check the print format of every event parsed into
 * @tep; an event whose format is refused (or that has none) is marked so that
 * libtraceevent prints its fields as field=value (TEP_EVENT_FL_PRINTRAW).
 *
 * Return: the number of events marked.
 */
int evfmt_check_events(struct tep_handle *tep);

#endif /* OVSPERF_EVFMT_H */
