/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.h - the tiny check macros of the lib unit tests.  A failed check
 * prints file:line and the expression, and the test exits 1 at the end.
 */
#ifndef OVSPERF_TEST_CHECK_H
#define OVSPERF_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                               \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

#define CHECK_U64(a, b)                                                               \
	do {                                                                          \
		uint64_t a_ = (a), b_ = (b);                                          \
		if (a_ != b_) {                                                       \
			fprintf(stderr, "%s:%d: %s == %" PRIu64 ", expected %s == %" PRIu64 \
				"\n", __FILE__, __LINE__, #a, a_, #b, b_);            \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                   \
			fprintf(stderr, "%s:%d: %s is\n[%s]\nexpected\n[%s]\n", __FILE__, \
				__LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

#define CHECK_DONE()                                                                  \
	do {                                                                          \
		if (check_failures)                                                   \
			fprintf(stderr, "%d check(s) failed\n", check_failures);      \
		return check_failures ? 1 : 0;                                        \
	} while (0)

#endif /* OVSPERF_TEST_CHECK_H */
