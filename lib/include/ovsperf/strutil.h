/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strutil.h - small string helpers shared by the command lines and reports:
 * time formatting, duration / time-range / CPU-list parsing, thousands
 * separators.
 */
#ifndef OVSPERF_STRUTIL_H
#define OVSPERF_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * ovp_fmt_ns() - format a nanosecond timestamp as "secs.nsecs" ("%lu.%09lu"),
 * the way perf script prints sample times.
 * @ns: nanoseconds.
 * @buf: output buffer.
 * @len: its size (32 bytes always suffice).
 *
 * Return: @buf.
 */
char *ovp_fmt_ns(uint64_t ns, char *buf, size_t len);

/**
 * ovp_fmt_tod() - format a wall-clock time (ns since the epoch) as
 * "2026-12-06 19:07:11.105155 UTC" (microseconds, as perf script -F tod).
 * @buf: output buffer (48 bytes always suffice).
 *
 * Return: @buf.
 */
char *ovp_fmt_tod(uint64_t tod_ns, char *buf, size_t len);

/**
 * ovp_fmt_thousands() - format @v with ',' every three digits ("1,187,986,454"),
 * as kernel_delay prints its ns columns.
 * @buf: output buffer (32 bytes always suffice).
 *
 * Return: @buf.
 */
char *ovp_fmt_thousands(uint64_t v, char *buf, size_t len);

/**
 * ovp_parse_duration() - parse a duration into nanoseconds.
 * @s: a number (integer or decimal) with an optional unit: "ns", "us", "ms",
 *     "s", "m" (minutes), "h"; a plain number is nanoseconds.  Examples:
 *     "10ms", "1.5s", "200us", "250".
 * @ns: receives the value, rounded to the nearest nanosecond.
 *
 * Return: 0, or -EINVAL for bad syntax / negative values, -ERANGE on
 * overflow (message set).
 */
int ovp_parse_duration(const char *s, uint64_t *ns);

/**
 * ovp_parse_uint_opt() - parse the decimal value of a number option.
 * @opt: the option as the user spelled it ("--limit"), named in the error.
 * @arg: the text to parse: decimal digits only (no sign, no space, no unit).
 * @min, @max: the accepted range, inclusive.
 * @out: receives the value.
 *
 * Every number option of both programs goes through here, so their errors
 * read alike: "--limit: expected a whole number from 0 to 100, not 'x'".
 *
 * Return: 0, or -EINVAL (bad syntax) or -ERANGE (out of range), message set.
 */
int ovp_parse_uint_opt(const char *opt, const char *arg, uint64_t min, uint64_t max,
		       uint64_t *out);

/**
 * ovp_parse_timestamp() - parse a "secs[.frac]" timestamp (perf script
 * style, up to 9 fractional digits) into nanoseconds.
 *
 * Return: 0, -EINVAL or -ERANGE (message set).
 */
int ovp_parse_timestamp(const char *s, uint64_t *ns);

/**
 * ovp_parse_time_range() - parse perf's "--time START,END".
 * @s: "START,END", "START," or ",END"; each side a "secs[.frac]" timestamp.
 * @start: receives START in ns, 0 if omitted.
 * @end: receives END in ns, UINT64_MAX if omitted.
 *
 * Return: 0, or -EINVAL (no comma, bad timestamp, END < START) (message set).
 */
int ovp_parse_time_range(const char *s, uint64_t *start, uint64_t *end);

/* Maximum CPU number + 1 a CPU list may name. */
#define OVP_MAX_CPUS 4096

/* A set of CPUs, as a bitmap. */
struct ovp_cpuset {
	uint64_t bits[OVP_MAX_CPUS / 64];	/* bit n set = CPU n in the set */
};

/**
 * ovp_parse_cpu_list() - parse a CPU list like "0-3,7" (the sysfs "cpulist"
 * format) into @set, which is cleared first.
 *
 * Return: 0, or -EINVAL for bad syntax, a reversed range or an empty list,
 * -ERANGE for a CPU >= OVP_MAX_CPUS (message set).
 */
int ovp_parse_cpu_list(const char *s, struct ovp_cpuset *set);

/* True if @cpu is in @set (false for out-of-range values). */
bool ovp_cpuset__has(const struct ovp_cpuset *set, long cpu);

/* Add @cpu to @set (ignored if out of range). */
void ovp_cpuset__set(struct ovp_cpuset *set, long cpu);

/* Number of CPUs in @set. */
unsigned int ovp_cpuset__count(const struct ovp_cpuset *set);

/**
 * ovp_read_file() - read a whole regular file (procfs and tracefs files have
 * no size: read to their end) into a NUL-terminated buffer, at most
 * OVP_READ_FILE_MAX bytes (safefile.h: a FIFO, a device or a larger file is
 * refused; the open never blocks).
 * @textp: receives the buffer; the caller frees it.
 * @sizep: receives the length without the NUL (may be NULL).
 *
 * Return: 0, or negative errno with "cannot read PATH: reason" set.
 */
int ovp_read_file(const char *path, char **textp, size_t *sizep);

#endif /* OVSPERF_STRUTIL_H */
