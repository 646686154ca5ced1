// SPDX-License-Identifier: Apache-2.0
/*
 * strutil.c - formatting and parsing helpers for command lines and reports
 * (see strutil.h).  Parsers are exact: decimal fractions are computed in
 * integers, never through a double, so "0.1s" is exactly 100000000 ns.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/safefile.h"
#include "ovsperf/strutil.h"

#define NSEC_PER_SEC UINT64_C(1000000000)

char *ovp_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, ns / NSEC_PER_SEC, ns % NSEC_PER_SEC);
	return buf;
}

char *ovp_fmt_tod(uint64_t tod_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(tod_ns / NSEC_PER_SEC);
	struct tm tm;
	char d[40];

	if (!gmtime_r(&secs, &tm) || !strftime(d, sizeof(d), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(d, sizeof(d), "@%" PRIu64, tod_ns / NSEC_PER_SEC);
	snprintf(buf, len, "%s.%06u UTC", d, (unsigned int)(tod_ns % NSEC_PER_SEC / 1000));
	return buf;
}

char *ovp_fmt_thousands(uint64_t v, char *buf, size_t len)
{
	char digits[24], out[32];
	int n, i, o = 0;

	n = snprintf(digits, sizeof(digits), "%" PRIu64, v);
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return buf;
}

/*
 * Parse "DIGITS[.DIGITS]" at *s, scaled by @mult (units per 1), rounding the
 * fraction to the nearest unit.  Advances *s.  At most @max_frac fractional
 * digits are accepted.
 */
static int parse_decimal(const char **s, uint64_t mult, int max_frac, uint64_t *out,
			 const char *what, const char *orig)
{
	const char *p = *s;
	unsigned __int128 ip = 0, fnum = 0, fden = 1, v;
	int nint = 0, nfrac = 0;

	for (; *p >= '0' && *p <= '9'; p++, nint++) {
		ip = ip * 10 + (unsigned int)(*p - '0');
		if (ip > UINT64_MAX)
			return ovp_err(-ERANGE, "%s '%s' is too large", what, orig);
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++) {
			if (nfrac >= max_frac)
				return ovp_err(-EINVAL, "%s '%s' has more than %d decimals", what,
					       orig, max_frac);
			/* Digits past 10^-20 of the unit cannot matter for ns. */
			if (nfrac < 20) {
				fnum = fnum * 10 + (unsigned int)(*p - '0');
				fden *= 10;
			}
		}
		if (!nfrac)
			return ovp_err(-EINVAL, "%s '%s': digits expected after '.'", what, orig);
	}
	if (!nint && !nfrac)
		return ovp_err(-EINVAL, "%s '%s' is not a number", what, orig);
	v = ip * mult + (fnum * mult + fden / 2) / fden;
	if (v > UINT64_MAX)
		return ovp_err(-ERANGE, "%s '%s' is too large", what, orig);
	*out = (uint64_t)v;
	*s = p;
	return 0;
}

int ovp_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", NSEC_PER_SEC }, { "m", 60 * NSEC_PER_SEC }, { "min", 60 * NSEC_PER_SEC },
		{ "h", 3600 * NSEC_PER_SEC },
	};
	const char *p = s, *unit;
	size_t i;

	if (!s || !*s)
		return ovp_err(-EINVAL, "empty duration");
	if (!((*p >= '0' && *p <= '9') || *p == '.'))
		return ovp_err(-EINVAL, "duration '%s' is not a non-negative number", s);
	/* Find the unit first: the scale must be known to round the fraction. */
	unit = p + strspn(p, "0123456789.");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].suffix))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return ovp_err(-EINVAL, "duration '%s': unknown unit '%s' (ns, us, ms, s, m, h)",
			       s, unit);
	return parse_decimal(&p, units[i].mult, 40, ns, "duration", s) ?:
	       (p == unit ? 0 : ovp_err(-EINVAL, "duration '%s' is not a number", s));
}

int ovp_parse_timestamp(const char *s, uint64_t *ns)
{
	const char *p = s;
	int err;

	if (!s || !*s)
		return ovp_err(-EINVAL, "empty timestamp");
	err = parse_decimal(&p, NSEC_PER_SEC, 9, ns, "timestamp", s);
	if (err)
		return err;
	if (*p)
		return ovp_err(-EINVAL, "timestamp '%s': expected SECS[.FRACTION]", s);
	return 0;
}

int ovp_parse_time_range(const char *s, uint64_t *start, uint64_t *end)
{
	const char *comma = s ? strchr(s, ',') : NULL;
	char lo[64];
	size_t n;
	int err;

	if (!comma)
		return ovp_err(-EINVAL, "time range '%s': expected START,END", s ? s : "");
	n = comma - s;
	if (n >= sizeof(lo))
		return ovp_err(-EINVAL, "time range '%s': START too long", s);
	memcpy(lo, s, n);
	lo[n] = '\0';
	*start = 0;
	*end = UINT64_MAX;
	if (n) {
		err = ovp_parse_timestamp(lo, start);
		if (err)
			return ovp_err_prefix(err, "time range '%s'", s);
	}
	if (comma[1]) {
		err = ovp_parse_timestamp(comma + 1, end);
		if (err)
			return ovp_err_prefix(err, "time range '%s'", s);
	}
	if (!n && !comma[1])
		return ovp_err(-EINVAL, "time range '%s': START or END needed", s);
	if (*end < *start)
		return ovp_err(-EINVAL, "time range '%s': END is before START", s);
	return 0;
}

/* Parse a CPU number at *p; advances *p. */
static int parse_cpu(const char **p, long *cpu, const char *orig)
{
	long v = 0;

	if (**p < '0' || **p > '9')
		return ovp_err(-EINVAL, "CPU list '%s': number expected at '%s'", orig, *p);
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		v = v * 10 + (**p - '0');
		if (v >= OVP_MAX_CPUS)
			return ovp_err(-ERANGE, "CPU list '%s': CPU numbers must be below %d",
				       orig, OVP_MAX_CPUS);
	}
	*cpu = v;
	return 0;
}

int ovp_parse_cpu_list(const char *s, struct ovp_cpuset *set)
{
	const char *p = s;
	long lo, hi, c;
	int err;

	memset(set, 0, sizeof(*set));
	if (!s)
		return ovp_err(-EINVAL, "empty CPU list");
	/* sysfs cpulist files end in a newline. */
	while (*p && *p != '\n') {
		err = parse_cpu(&p, &lo, s);
		if (err)
			return err;
		hi = lo;
		if (*p == '-') {
			p++;
			err = parse_cpu(&p, &hi, s);
			if (err)
				return err;
			if (hi < lo)
				return ovp_err(-EINVAL, "CPU list '%s': range %ld-%ld is reversed",
					       s, lo, hi);
		}
		for (c = lo; c <= hi; c++)
			ovp_cpuset__set(set, c);
		if (*p == ',') {
			p++;
			if (!*p || *p == '\n')
				return ovp_err(-EINVAL, "CPU list '%s' ends with ','", s);
		} else if (*p && *p != '\n') {
			return ovp_err(-EINVAL, "CPU list '%s': unexpected '%c'", s, *p);
		}
	}
	if (*p == '\n' && p[1])
		return ovp_err(-EINVAL, "CPU list '%s': text after newline", s);
	if (!ovp_cpuset__count(set))
		return ovp_err(-EINVAL, "empty CPU list");
	return 0;
}

bool ovp_cpuset__has(const struct ovp_cpuset *set, long cpu)
{
	if (cpu < 0 || cpu >= OVP_MAX_CPUS)
		return false;
	return set->bits[cpu / 64] >> (cpu % 64) & 1;
}

void ovp_cpuset__set(struct ovp_cpuset *set, long cpu)
{
	if (cpu < 0 || cpu >= OVP_MAX_CPUS)
		return;
	set->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

unsigned int ovp_cpuset__count(const struct ovp_cpuset *set)
{
	unsigned int n = 0, i;

	for (i = 0; i < OVP_MAX_CPUS / 64; i++)
		n += __builtin_popcountll(set->bits[i]);
	return n;
}

int ovp_read_file(const char *path, char **textp, size_t *sizep)
{
	return ovp_read_file_max(path, OVP_READ_FILE_MAX, textp, sizep);
}

int ovp_parse_uint_opt(const char *opt, const char *arg, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!arg || !(*arg >= '0' && *arg <= '9'))
		goto bad;
	v = strtoull(arg, &end, 10);
	if (*end)
		goto bad;
	if (errno == ERANGE || v < min || v > max) {
		if (max == UINT64_MAX)
			return ovp_err(-ERANGE, "%s: expected a whole number of at least %" PRIu64
				       ", not '%s'", opt, min, arg);
		return ovp_err(-ERANGE, "%s: expected a whole number from %" PRIu64 " to %" PRIu64
			       ", not '%s'", opt, min, max, arg);
	}
	*out = v;
	return 0;
bad:
	if (max == UINT64_MAX)
		return ovp_err(-EINVAL, "%s: expected a whole number of at least %" PRIu64
			       ", not '%s'", opt, min, arg ? arg : "");
	return ovp_err(-EINVAL, "%s: expected a whole number from %" PRIu64 " to %" PRIu64
		       ", not '%s'", opt, min, max, arg ? arg : "");
}
