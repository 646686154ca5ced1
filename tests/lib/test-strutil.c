// SPDX-License-Identifier: Apache-2.0
/*
 * test-strutil.c - time formatting, thousands separators, duration /
 * timestamp / time-range parsing (exact decimals, units, rounding, errors,
 * overflow), CPU lists and number options.
 */
#include <errno.h>
#include <stdint.h>

#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/strutil.h"
#include "check.h"

static void test_fmt(void)
{
	char buf[32], small[6];

	CHECK_STR(ovp_fmt_ns(0, buf, sizeof(buf)), "0.000000000");
	CHECK_STR(ovp_fmt_ns(1, buf, sizeof(buf)), "0.000000001");
	CHECK_STR(ovp_fmt_ns(2161821695964969ULL, buf, sizeof(buf)), "2161821.695964969");
	CHECK_STR(ovp_fmt_ns(UINT64_MAX, buf, sizeof(buf)), "18446744073.709551615");
	CHECK_STR(ovp_fmt_ns(1500000000, small, sizeof(small)), "1.500");

	CHECK_STR(ovp_fmt_thousands(0, buf, sizeof(buf)), "0");
	CHECK_STR(ovp_fmt_thousands(999, buf, sizeof(buf)), "999");
	CHECK_STR(ovp_fmt_thousands(1000, buf, sizeof(buf)), "1,000");
	CHECK_STR(ovp_fmt_thousands(41776, buf, sizeof(buf)), "41,776");
	CHECK_STR(ovp_fmt_thousands(123274761, buf, sizeof(buf)), "123,274,761");
	CHECK_STR(ovp_fmt_thousands(1187986454, buf, sizeof(buf)), "1,187,986,454");
	CHECK_STR(ovp_fmt_thousands(UINT64_MAX, buf, sizeof(buf)),
		  "18,446,744,073,709,551,615");
}

static uint64_t dur(const char *s, int expect_err)
{
	uint64_t ns = 12345;
	int err = ovp_parse_duration(s, &ns);

	if (err != expect_err)
		fprintf(stderr, "duration '%s': got %d, expected %d\n", s, err, expect_err);
	CHECK(err == expect_err);
	return ns;
}

static void test_duration(void)
{
	CHECK_U64(dur("250", 0), 250);
	CHECK_U64(dur("250ns", 0), 250);
	CHECK_U64(dur("200us", 0), 200000);
	CHECK_U64(dur("10ms", 0), 10000000);
	CHECK_U64(dur("1.5s", 0), 1500000000);
	CHECK_U64(dur("0.1s", 0), 100000000);
	CHECK_U64(dur(".5ms", 0), 500000);
	CHECK_U64(dur("2m", 0), 120000000000ULL);
	CHECK_U64(dur("1min", 0), 60000000000ULL);
	CHECK_U64(dur("1h", 0), 3600000000000ULL);
	CHECK_U64(dur("1.0000000004s", 0), 1000000000);	/* rounds down */
	CHECK_U64(dur("1.0000000005s", 0), 1000000001);	/* half rounds up */
	CHECK_U64(dur("0.4", 0), 0);
	CHECK_U64(dur("18446744073709551615", 0), UINT64_MAX);
	dur("18446744073709551616", -ERANGE);
	dur("18446744074s", -ERANGE);
	dur("", -EINVAL);
	dur("ms", -EINVAL);
	dur("10 ms", -EINVAL);
	dur("10sec", -EINVAL);
	dur("-5ms", -EINVAL);
	dur("1.2.3s", -EINVAL);
	dur("1.s", -EINVAL);
	dur("0x10", -EINVAL);
}

static void test_time_range(void)
{
	uint64_t a, b;

	CHECK(ovp_parse_timestamp("2161821.695964969", &a) == 0);
	CHECK_U64(a, 2161821695964969ULL);
	CHECK(ovp_parse_timestamp("12.5", &a) == 0);
	CHECK_U64(a, 12500000000ULL);
	CHECK(ovp_parse_timestamp("7", &a) == 0);
	CHECK_U64(a, 7000000000ULL);
	CHECK(ovp_parse_timestamp("1.0000000001", &a) == -EINVAL);
	CHECK(ovp_parse_timestamp("1.5s", &a) == -EINVAL);
	CHECK(ovp_parse_timestamp("", &a) == -EINVAL);

	CHECK(ovp_parse_time_range("100.5,200.25", &a, &b) == 0);
	CHECK_U64(a, 100500000000ULL);
	CHECK_U64(b, 200250000000ULL);
	CHECK(ovp_parse_time_range("100.5,", &a, &b) == 0);
	CHECK_U64(a, 100500000000ULL);
	CHECK_U64(b, UINT64_MAX);
	CHECK(ovp_parse_time_range(",3", &a, &b) == 0);
	CHECK_U64(a, 0);
	CHECK_U64(b, 3000000000ULL);
	CHECK(ovp_parse_time_range("5,5", &a, &b) == 0);
	CHECK(ovp_parse_time_range("6,5", &a, &b) == -EINVAL);
	CHECK(ovp_parse_time_range("5", &a, &b) == -EINVAL);
	CHECK(ovp_parse_time_range(",", &a, &b) == -EINVAL);
	CHECK(ovp_parse_time_range("x,5", &a, &b) == -EINVAL);
	CHECK(ovp_parse_time_range("1,5,", &a, &b) == -EINVAL);
}

static void test_cpu_list(void)
{
	struct ovp_cpuset set;
	int i;

	CHECK(ovp_parse_cpu_list("0-3,7", &set) == 0);
	CHECK_U64(ovp_cpuset__count(&set), 5);
	for (i = 0; i < 10; i++)
		CHECK(ovp_cpuset__has(&set, i) == (i <= 3 || i == 7));
	CHECK(!ovp_cpuset__has(&set, -1));
	CHECK(!ovp_cpuset__has(&set, OVP_MAX_CPUS));

	CHECK(ovp_parse_cpu_list("5", &set) == 0);
	CHECK_U64(ovp_cpuset__count(&set), 1);
	CHECK(ovp_cpuset__has(&set, 5) && !ovp_cpuset__has(&set, 0));

	/* Sysfs form with a newline; overlapping ranges; bits past 64. */
	CHECK(ovp_parse_cpu_list("0-1,1-2,63-65,4095\n", &set) == 0);
	CHECK_U64(ovp_cpuset__count(&set), 7);
	CHECK(ovp_cpuset__has(&set, 64) && ovp_cpuset__has(&set, 4095));

	CHECK(ovp_parse_cpu_list("4096", &set) == -ERANGE);
	CHECK(ovp_parse_cpu_list("3-1", &set) == -EINVAL);
	CHECK(ovp_parse_cpu_list("", &set) == -EINVAL);
	CHECK(ovp_parse_cpu_list("1,", &set) == -EINVAL);
	CHECK(ovp_parse_cpu_list(",1", &set) == -EINVAL);
	CHECK(ovp_parse_cpu_list("1-", &set) == -EINVAL);
	CHECK(ovp_parse_cpu_list("a", &set) == -EINVAL);
	CHECK(ovp_parse_cpu_list("1 2", &set) == -EINVAL);
	CHECK(ovp_parse_cpu_list("1\n2", &set) == -EINVAL);

	ovp_cpuset__set(&set, -3);	/* ignored, must not crash */
	ovp_cpuset__set(&set, OVP_MAX_CPUS);
}

static void test_uint_opt(void)
{
	uint64_t v = 7;

	CHECK(ovp_parse_uint_opt("--limit", "42", 0, 100, &v) == 0);
	CHECK_U64(v, 42);
	CHECK(ovp_parse_uint_opt("--limit", "0", 0, 100, &v) == 0);
	CHECK_U64(v, 0);
	CHECK(ovp_parse_uint_opt("--limit", "18446744073709551615", 0, UINT64_MAX, &v) == 0);
	CHECK_U64(v, UINT64_MAX);
	v = 7;
	CHECK(ovp_parse_uint_opt("--limit", "101", 0, 100, &v) == -ERANGE);
	CHECK(strcmp(ovp_errmsg(), "--limit: expected a whole number from 0 to 100, not '101'") == 0);
	CHECK(ovp_parse_uint_opt("--top", "0", 1, UINT64_MAX, &v) == -ERANGE);
	CHECK(strcmp(ovp_errmsg(), "--top: expected a whole number of at least 1, not '0'") == 0);
	CHECK(ovp_parse_uint_opt("--top", "18446744073709551616", 0, UINT64_MAX, &v) == -ERANGE);
	CHECK(ovp_parse_uint_opt("-n", "-1", 0, 10, &v) == -EINVAL);
	CHECK(ovp_parse_uint_opt("-n", "+1", 0, 10, &v) == -EINVAL);
	CHECK(ovp_parse_uint_opt("-n", " 1", 0, 10, &v) == -EINVAL);
	CHECK(ovp_parse_uint_opt("-n", "1x", 0, 10, &v) == -EINVAL);
	CHECK(ovp_parse_uint_opt("-n", "", 0, 10, &v) == -EINVAL);
	CHECK(ovp_parse_uint_opt("-n", NULL, 0, 10, &v) == -EINVAL);
	CHECK(strcmp(ovp_errmsg(), "-n: expected a whole number from 0 to 10, not ''") == 0);
	CHECK_U64(v, 7);
}

int main(void)
{
	test_fmt();
	test_duration();
	test_time_range();
	test_cpu_list();
	test_uint_opt();
	CHECK_DONE();
}
