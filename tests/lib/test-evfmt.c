// SPDX-License-Identifier: Apache-2.0
/*
 * test-evfmt.c - the print format whitelist (evfmt.h): formats the kernel
 * writes pass, conversions a hostile recording could carry (%n, %Z, %1$s,
 * %ls, huge widths, a lone %) are refused and named up to the character
 * refused; and every print format
 * of this machine's tracefs passes (when tracefs is readable).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/evfmt.h"
#include "check.h"

static const char *const good[] = {
	"skbaddr=%p protocol=%u location=%pS reason: %s",
	"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s",
	"dev=%s napi_id=%#x queue_mapping=%u skbaddr=%p vlan_tagged=%d len=%u",
	"%-16s %08lx %llu %lld %hhu %hu %zu %zx %Lu %5.2d %-*.*s %c 100%%",
	"src %pI4 dst %pI6c sa %pISpc mac %pM uuid %pU %*pbl",
	"(%lX) %o %X %i %jd %td",
	"",
	NULL,
};

static const struct { const char *fmt, *why; } bad[] = {
	{ "x=%n", "%n" },
	{ "len=%0Zd", "%0Z" },
	{ "%1$s", "%1$" },
	{ "%ls", "%ls" },
	{ "%lc", "%lc" },
	{ "%lp", "%lp" },
	{ "%9999d", "%9999" },
	{ "%.9999s", "%.9999" },
	{ "%f", "%f" },
	{ "ok %d then %", "%" },
	{ "%hhhd", "%hhh" },
	{ "%qd", "%q" },
	{ "a=%d b=%\x01", "%?" },
};

int main(void)
{
	char why[32];
	glob_t g;
	size_t i;
	int nr = 0;

	for (i = 0; good[i]; i++) {
		why[0] = '\0';
		CHECK(evfmt_format_ok(good[i], why, sizeof(why)));
		if (why[0])
			fprintf(stderr, "refused %s: %s\n", good[i], why);
	}
	CHECK(!evfmt_format_ok(NULL, why, sizeof(why)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK(!evfmt_format_ok(bad[i].fmt, why, sizeof(why)));
		CHECK_STR(why, bad[i].why);
	}

	/* Every format of this kernel is vouched for. */
	if (!glob("/sys/kernel/tracing/events/*/*/format", 0, NULL, &g) ||
	    !glob("/sys/kernel/debug/tracing/events/*/*/format", 0, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++) {
			char line[8192];
			FILE *f = fopen(g.gl_pathv[i], "r");

			while (f && fgets(line, sizeof(line), f)) {
				char *q;

				if (strncmp(line, "print fmt: \"", 12))
					continue;
				q = line + 12;

				/* The format is the quoted string; the arguments follow. */
				while (*q && *q != '"')
					q += (*q == '\\' && q[1]) ? 2 : 1;
				*q = '\0';
				nr++;
				if (!evfmt_format_ok(line + 12, why, sizeof(why))) {
					fprintf(stderr, "%s: refused %s\n", g.gl_pathv[i], why);
					check_failures++;
				}
			}
			if (f)
				fclose(f);
		}
		globfree(&g);
		printf("%d print formats of this kernel checked\n", nr);
	} else {
		printf("tracefs not readable: this kernel's formats not checked\n");
	}
	CHECK_DONE();
}
