// SPDX-License-Identifier: Apache-2.0
/*
 * test-devtab.c - unit test of analyzer/decode/devtab.c: ids are stable, names
 * round-trip, empty names get no id, and the table grows past many names.
 */
#include <stdio.h>

#include "../lib/check.h"
#include "decode/devtab.h"

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
	CHECK_U64(t.nr, 1002);
	CHECK(t.nr_slots > 2 * t.nr);
	devtab__exit(&t);
	CHECK_U64(t.nr, 0);
	devtab__exit(&t);
	CHECK_DONE();
}
