// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-kallsyms.c - the kernel symbols of a recording: which kallsyms text
 * the session hands to its tools, and the check that it belongs to the
 * recorded boot (kboot.h).
 *
 * Candidates, first one present wins: --kallsyms FILE (plain or zstd), the
 * kallsyms of an ovsperf archive, the kallsyms stored in the recording's
 * tracing data (ovsperf-probe record).  A candidate whose reference symbol
 * (_text) is not where the recording's kernel MMAP says it was is refused
 * with one warning: kernel addresses are then printed raw, never with the
 * names of another boot.  With no candidate, this machine's /proc/kallsyms
 * is used when kboot__host_matches() shows it is the recorded boot's, as
 * perf does; it is read only when a symbol is first needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "ovsperf/err.h"
#include "ovsperf/strutil.h"
#include "ovsperf/archive.h"
#include "pdata-local.h"

#define HOST_KALLSYMS "/proc/kallsyms"

/*
 * The kernel MMAP is among the first records of the data (perf synthesizes
 * it before anything else), never compressed: look at a few records before
 * the first sample.  A pipe-mode stream saved to a file is mapped too; its
 * TRACING_DATA record is followed by the tracing data it announces.
 */
static void scan_kernel_mmap(struct pdata_session *s)
{
	uint64_t pos = s->hdr.data.offset, end = s->hdr.data.offset + s->hdr.data.size;
	_Alignas(8) uint8_t rec[4096 + 128];
	int i;

	if (s->pipe) {
		pos = 16;
		end = s->file_size;
	} else if (end > s->file_size || end < pos || !s->hdr.data.size) {
		end = s->file_size;
	}
	for (i = 0; i < 256 && pos + sizeof(struct perf_event_header) <= end; i++) {
		struct perf_event_header h;

		memcpy(&h, s->map + pos, sizeof(h));
		if (h.size < sizeof(h) || h.size > end - pos || h.type == PERF_RECORD_SAMPLE ||
		    h.type == PDATA_RECORD_COMPRESSED)
			return;
		if ((h.type == PERF_RECORD_MMAP || h.type == PERF_RECORD_MMAP2) &&
		    h.size <= sizeof(rec)) {
			memcpy(rec, s->map + pos, h.size);
			if (kboot__note_mmap(&s->kboot, (const union perf_event *)rec))
				return;
		}
		if (h.type == PDATA_RECORD_HEADER_TRACING_DATA && s->pipe) {
			uint32_t tsize;

			if (h.size < 12)
				return;
			memcpy(&tsize, s->map + pos + 8, 4);
			if (tsize > end - pos - h.size)
				return;
			pos += tsize;
		}
		pos += h.size;
	}
}

/* HEADER_OSRELEASE and the [kernel.kallsyms] build-id, known at ready. */
static void fill_kboot(struct pdata_session *s)
{
	int i;

	if (s->kboot_filled)
		return;
	s->kboot_filled = true;
	if (s->map)
		scan_kernel_mmap(s);
	s->kboot.os_release = s->info.os_release;
	for (i = 0; i < s->nr_build_ids; i++) {
		const struct pdata_build_id *b = &s->build_ids[i];

		if (b->kernel && b->filename && !strcmp(b->filename, "[kernel.kallsyms]") &&
		    b->size) {
			memcpy(s->kboot.build_id, b->id, b->size);
			s->kboot.build_id_size = b->size;
			break;
		}
	}
}

const struct kboot *pdata_session__kboot(struct pdata_session *s)
{
	fill_kboot(s);
	return &s->kboot;
}

/* libtraceevent's %pS through this machine's kallsyms, read on first use. */
static char *host_func_resolver(void *priv, unsigned long long *addrp, char **modp)
{
	struct ksyms *ks = pdata_session__host_ksyms(priv);
	uint64_t off;
	const char *name;

	name = ks ? ksyms__lookup(ks, *addrp, &off, NULL) : NULL;
	if (!name)
		return NULL;
	if (modp)
		*modp = (char *)ksyms__module(ks, *addrp);
	*addrp -= off;
	return (char *)name;
}

struct ksyms *pdata_session__host_ksyms(struct pdata_session *s)
{
	int err;

	if (!s->info.kallsyms_host || s->host_ksyms_tried)
		return s->host_ksyms;
	s->host_ksyms_tried = true;
	err = ksyms__load_file(&s->host_ksyms, HOST_KALLSYMS);
	if (err) {
		ovp_warn("%s: %s: kernel addresses are shown raw", s->path, ovp_errmsg());
		return NULL;
	}
	/* The kernel cannot have been replaced since ready, but the table read
	 * now is what gets used: check it too. */
	if (s->kboot.text_addr && ksyms__addr(s->host_ksyms, s->kboot.text_sym) != s->kboot.text_addr) {
		ovp_warn("%s: %s changed since it was checked: kernel addresses are shown raw",
			 s->path, HOST_KALLSYMS);
		ksyms__free(s->host_ksyms);
		s->host_ksyms = NULL;
	}
	return s->host_ksyms;
}

int pdata__choose_kallsyms(struct pdata_session *s)
{
	const char *text = NULL, *source = NULL;
	char why[160];
	size_t size = 0;
	int err;

	fill_kboot(s);
	if (s->opts.kallsyms_path) {
		/* Read here so a bad --kallsyms fails before any output. */
		err = kallsyms_read_file(s->opts.kallsyms_path, &s->ext_kallsyms);
		if (err)
			return ovp_err_prefix(err, "--kallsyms");
		text = s->ext_kallsyms;
		size = strlen(text);
		source = s->opts.kallsyms_path;
	} else if (s->archive && archive_reader__member(s->archive, "kallsyms", &size) && size) {
		/* An archive's kallsyms was read as root on the recording host;
		 * the recording's own copy may hold zeroed addresses (perf
		 * record run as a user). */
		s->ext_kallsyms = strndup(archive_reader__member(s->archive, "kallsyms", &size),
					  size);
		if (!s->ext_kallsyms)
			return ovp_err(-ENOMEM, "out of memory");
		text = s->ext_kallsyms;
		size = strlen(text);
		source = "archive";
	} else if (s->tracing_kallsyms) {
		text = s->tracing_kallsyms;
		size = s->tracing_kallsyms_size;
		source = "recording";
	}
	if (text) {
		if (kboot__check_kallsyms(&s->kboot, text, size, why, sizeof(why)) < 0) {
			ovp_warn("%s: %s is not the recorded boot's kallsyms (%s): kernel addresses "
				 "are shown raw", s->path,
				 s->opts.kallsyms_path ? s->opts.kallsyms_path :
				 !strcmp(source, "archive") ? "the archive's kallsyms" :
							      "the stored kallsyms", why);
			s->info.kallsyms_refused = true;
			return 0;
		}
		s->info.kallsyms = text;
		s->info.kallsyms_size = size;
		s->info.kallsyms_source = source;
		/* %pS and friends in print formats resolve through
		 * libtraceevent's own function map. */
		if (s->tep)
			tep_parse_kallsyms(s->tep, text);
		return 0;
	}
	if (kboot__host_matches(&s->kboot, HOST_KALLSYMS, "/sys/kernel/notes", NULL)) {
		s->info.kallsyms_host = true;
		s->info.kallsyms_source = HOST_KALLSYMS;
		if (s->tep)
			tep_set_function_resolver(s->tep, host_func_resolver, s);
	}
	return 0;
}
