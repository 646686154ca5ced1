// SPDX-License-Identifier: Apache-2.0
/*
 * usdt-list.c - `ovsperf-probe list --usdt BINARY`: the USDT probes of an
 * ELF file's .note.stapsdt, one line per site, as bcc's tplist -l shows
 * them, so that a user sees what u:PROVIDER:NAME can name before
 * installing anything.  Reads the file only (probe-elf.c walks the notes).
 *
 *	PROBE                          ADDRESS            SEMAPHORE          ARGUMENTS
 *	dpif_recv:recv_upcall          0x000000000000211d -                  8@-12(%r13) ...
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "ovsperf/err.h"
#include "probe-local.h"

struct usdt_list {
	FILE *out;
	size_t nr;
};

static int list_one(const struct probe_usdt_note *n, void *arg)
{
	struct usdt_list *l = arg;
	char name[256], sema[24];

	snprintf(name, sizeof(name), "%s:%s", n->provider, n->name);
	if (n->sema)
		snprintf(sema, sizeof(sema), "0x%016" PRIx64, n->sema);
	else
		snprintf(sema, sizeof(sema), "-");
	if (!l->nr)
		fprintf(l->out, "%-30s %-18s %-18s %s\n", "PROBE", "ADDRESS", "SEMAPHORE",
			"ARGUMENTS");
	fprintf(l->out, "%-30s 0x%016" PRIx64 " %-18s%s%.*s\n", name, n->pc, sema,
		n->args_len && n->args[0] ? " " : "", (int)n->args_len, n->args);
	l->nr++;
	return 0;
}

int probe_usdt_list(const char *path, FILE *out)
{
	struct usdt_list l = { .out = out };
	int err;

	err = probe_elf_usdt_each(path, list_one, &l);
	if (!err && ferror(out))
		err = ovp_err(-EIO, "write failed");
	return err;
}
