// SPDX-License-Identifier: Apache-2.0
/*
 * test-devtab.c - unit test of analyzer/decode/devtab.c: ids are stable, names
 * round-trip, empty names get no id, the table grows past many names, and
 * past DEVTAB_MAX names new ones get no id with one warning while known ones
 * keep theirs.
 */
#include <stdio.h>

#include "../lib/check.h"
#include "decode/devtab.h"
#include "ovsperf/err.h"

int main(void)
{
	struct devtab t = { 0 };
	char name[32];
	uint32_t ids[1000];
	int i, bad = 0;

	CHECK_U64(devtab__intern(&t, ""), 0);
	CHECK_U64(devtab__intern(&t, "eth0"), 1);
	CHECK_U64(devtab__intern(&t, "br-int"), 2);
	CHECK_U64(devtab__intern(&t, "eth0"), 1);
	CHECK_STR(devtab__name(&t, 2), "br-int");
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "vport%d", i);
		ids[i] = devtab__intern(&t, name);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "vport%d", i);
		if (ids[i] != (uint32_t)i + 3 || devtab__intern(&t, name) != ids[i] ||
		    strcmp(devtab__name(&t, ids[i]), name))
			bad++;
	}
	CHECK_U64(bad, 0);
	CHECK_U64(ovp_intern__count(&t.names), 1002);
	devtab__exit(&t);
	devtab__exit(&t);

	/* The cap: DEVTAB_MAX names, then new names are refused, warned once. */
	for (i = 0; i < DEVTAB_MAX; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		if (devtab__intern(&t, name) != (uint32_t)i + 1)
			bad++;
	}
	CHECK_U64(bad, 0);
	CHECK_U64(ovp_warn_count(), 0);
	CHECK_U64(devtab__intern(&t, "one-too-many"), 0);
	CHECK_U64(ovp_warn_count(), 1);
	CHECK_U64(devtab__intern(&t, "two-too-many"), 0);
	CHECK_U64(ovp_warn_count(), 1);
	CHECK_U64(devtab__intern(&t, "p7"), 8);
	CHECK_U64(ovp_intern__refused(&t.names), 2);
	devtab__exit(&t);
	CHECK_DONE();
}
