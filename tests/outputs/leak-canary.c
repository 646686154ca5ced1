// SPDX-License-Identifier: Apache-2.0
/*
 * leak-canary.c - leaks 4 KB on purpose.  In a sanitizer build it must make
 * LeakSanitizer fail the run: if it does not, leak detection is off in the
 * environment the tests run in (ASAN_OPTIONS=detect_leaks=0, or a runtime
 * without LSan), and no other test would notice a leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

int main(void)
{
	sink = malloc(4096);
	if (sink)
		memset(sink, 1, 4096);
	sink = NULL;	/* unreachable now: a leak */
	puts("leak-canary: leaked 4096 bytes");
	return 0;
}
