// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-session.c - the session of one perf.data file or stream: opening it
 * (file map, pipe, ovsperf archive), closing it, the tool stubs and the
 * accessors of what the header and the records told (events, info, stats,
 * build-ids).  Reading the records is pdata-read.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "ovsperf/archive.h"
#include "ovsperf/err.h"
#include "pdata-local.h"

#define DEFAULT_QUEUE_MAX (4u << 20)
/* Records read from a pipe or decompressed are copied; while they wait for
 * their round they cost their size and a queue entry.  Above this, the
 * oldest half is delivered early: a stream or a zstd payload that expands
 * without rounds cannot make the queue grow without bound. */
#define DEFAULT_QUEUE_MAX_COPIED ((size_t)64 << 20)

/*
 * Tool stubs.
 */
static int stub_session(struct pdata_tool *t, struct pdata_session *s)
{
	return 0;
}

static int stub_sample(struct pdata_tool *t, const struct pdata_sample *s)
{
	return 0;
}

static int stub_record(struct pdata_tool *t, const union perf_event *e, const struct pdata_sample *s)
{
	return 0;
}

static int stub_lost(struct pdata_tool *t, const struct pdata_lost *l)
{
	return 0;
}

void pdata_tool__init(struct pdata_tool *tool)
{
	tool->ready = stub_session;
	tool->done = stub_session;
	tool->sample = stub_sample;
	tool->comm = stub_record;
	tool->fork = stub_record;
	tool->exit = stub_record;
	tool->mmap = stub_record;
	tool->lost = stub_lost;
	tool->other = stub_record;
}

/*
 * Opening.
 */
static int read_all_fd(struct pdata_session *s)
{
	/* Pipe mode reads lazily; nothing here. */
	s->pbuf_size = 1 << 20;
	s->pbuf = malloc(s->pbuf_size);
	return s->pbuf ? 0 : -ENOMEM;
}

int pdata_session__open(struct pdata_session **out, const char *path,
			const struct pdata_open_opts *opts)
{
	struct pdata_session *s;
	struct stat st;
	int err = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	if (opts)
		memcpy(&s->opts, opts, opts->sz && opts->sz < sizeof(s->opts) ? opts->sz : sizeof(s->opts));
	if (!s->opts.queue_max_entries)
		s->opts.queue_max_entries = DEFAULT_QUEUE_MAX;
	if (!s->opts.queue_max_copied)
		s->opts.queue_max_copied = DEFAULT_QUEUE_MAX_COPIED;
	s->path = strdup(path);
	oq_init(&s->q);
	pdata__threads_init(s);
	s->stats.first_time = 0;
	if (!s->path) {
		err = -ENOMEM;
		goto fail;
	}

	if (!strcmp(path, "-")) {
		s->fd = STDIN_FILENO;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			err = ovp_err(-errno, "cannot open: %s", strerror(errno));
			goto fail;
		}
	}
	if (fstat(s->fd, &st) < 0) {
		err = ovp_err(-errno, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = ovp_err(-EISDIR, "is a directory (perf record --threads directories are not "
			      "supported)");
		goto fail;
	}

	if (S_ISREG(st.st_mode) && archive_is_zstd(s->fd)) {
		/* An ovsperf archive (tar + zstd): read its perf.data instead, and
		 * its kallsyms in send_ready(). */
		err = archive_reader__open(&s->archive, s->fd);
		if (err)
			goto fail;
		close(s->fd);
		s->fd = dup(archive_reader__perf_data_fd(s->archive));
		if (s->fd < 0 || fstat(s->fd, &st) < 0) {
			err = ovp_err(-errno, "archive: %s", strerror(errno));
			goto fail;
		}
	}
	if (S_ISREG(st.st_mode)) {
		s->file_size = (uint64_t)st.st_size;
		if (s->file_size == 0) {
			err = ovp_err(-EBADMSG, "empty file");
			goto fail;
		}
		s->map = mmap(NULL, s->file_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
		if (s->map == MAP_FAILED) {
			s->map = NULL;
			err = ovp_err(-errno, "cannot map: %s", strerror(errno));
			goto fail;
		}
		madvise((void *)s->map, s->file_size, MADV_SEQUENTIAL);
		err = pdata__read_file_header(s);
		if (err)
			goto fail;
		if (!s->pipe) {
			err = pdata__finish_evsels(s);
			if (err)
				goto fail;
		}
	} else {
		/* A real pipe (or socket, or character device): stream it. */
		uint64_t magic, size;

		s->pipe = true;
		err = read_all_fd(s);
		if (err)
			goto fail;
		for (;;) {
			ssize_t n = read(s->fd, s->pbuf + s->pbuf_len, 16 - s->pbuf_len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			s->pbuf_len += (size_t)n;
			if (s->pbuf_len == 16)
				break;
		}
		if (s->pbuf_len < 16) {
			err = ovp_err(-EBADMSG, "input ended before the pipe header (%zu bytes)",
				      s->pbuf_len);
			goto fail;
		}
		memcpy(&magic, s->pbuf, 8);
		memcpy(&size, s->pbuf + 8, 8);
		if (!memcmp(s->pbuf, "\x28\xb5\x2f\xfd", 4)) {
			err = ovp_err(-EBADMSG, "zstd-compressed input on a pipe: give an ovsperf "
				      "archive by its file name");
			goto fail;
		}
		if (magic != PERF_MAGIC2) {
			err = ovp_err(-EBADMSG, "not a perf.data stream (bad magic at offset 0)");
			goto fail;
		}
		if (size != 16) {
			err = ovp_err(-EBADMSG, "a file-mode perf.data cannot be read from a pipe; "
				      "give its name instead of '-'");
			goto fail;
		}
		s->pbuf_pos = s->pbuf_len = 0;
	}
	s->info.pipe_mode = s->pipe;
	if (!s->pipe) {
		s->info.data_offset = s->hdr.data.offset;
		s->info.data_size = s->hdr.data.size;
	}
	*out = s;
	return 0;
fail:
	pdata_session__close(s);
	return err;
}

void pdata_session__close(struct pdata_session *s)
{
	int i;

	if (!s)
		return;
	oq_exit(&s->q);
	pdata__arena_exit(&s->arena);
	if (s->map)
		munmap((void *)s->map, s->file_size);
	if (s->fd > STDIN_FILENO)
		close(s->fd);
	for (i = 0; i < s->nr_evsels; i++) {
		free(s->evsels[i]->name);
		free(s->evsels[i]);
	}
	free(s->evsels);
	free(s->ids.ids);
	free(s->ids.idx);
	free(s->ids.dense);
	if (s->tep) {
		if (s->plugins)
			tep_unload_plugins(s->plugins, s->tep);
		tep_free(s->tep);
	}
	for (i = 0; i < s->nr_build_ids; i++)
		free((char *)s->build_ids[i].filename);
	free(s->build_ids);
	for (i = 0; i < s->nr_strings; i++)
		free(s->strings[i]);
	pdata__threads_exit(s);
	free(s->tracing_kallsyms);
	free(s->ext_kallsyms);
	ksyms__free(s->host_ksyms);
	archive_reader__close(s->archive);
	pdata__zstd_exit(s);
	free(s->pbuf);
	free(s->path);
	free(s);
}

/*
 * Accessors.
 */
const struct archive_reader *pdata_session__archive(const struct pdata_session *s)
{
	return s->archive;
}

const char *pdata_session__path(const struct pdata_session *s)
{
	return s->path;
}

const struct pdata_info *pdata_session__info(const struct pdata_session *s)
{
	return &s->info;
}

const struct pdata_stats *pdata_session__stats(const struct pdata_session *s)
{
	return &s->stats;
}

bool pdata_session__has_feature(const struct pdata_session *s, int feat)
{
	if (feat <= 0 || feat >= PDATA_FEAT_MAX)
		return false;
	return s->info.features[feat / 64] & (1ULL << (feat % 64));
}

int pdata_session__nr_evsels(const struct pdata_session *s)
{
	return s->nr_evsels;
}

struct pdata_evsel *pdata_session__evsel(const struct pdata_session *s, int idx)
{
	if (idx < 0 || idx >= s->nr_evsels)
		return NULL;
	return s->evsels[idx];
}

bool pdata_evsel__matches(const struct pdata_evsel *ev, const char *pattern)
{
	const char *event;

	if (!strcmp(ev->name, pattern))
		return true;
	if (strchr(pattern, ':'))
		return false;
	/* The event part: the tracepoint's own name, else what follows the
	 * group in the name ("probe:do_output" of a probe without format). */
	event = ev->event;
	if (!event) {
		event = strchr(ev->name, ':');
		if (!event)
			return false;
		event++;
	}
	return !strcmp(event, pattern);
}

struct pdata_evsel *pdata_session__find_evsel(const struct pdata_session *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr_evsels; i++) {
		if (pdata_evsel__matches(s->evsels[i], name))
			return s->evsels[i];
	}
	return NULL;
}

struct pdata_evsel *pdata_session__find_event(const struct pdata_session *s, const char *system,
					      const char *event)
{
	int i;

	for (i = 0; i < s->nr_evsels; i++) {
		struct pdata_evsel *ev = s->evsels[i];

		if (ev->event && !strcmp(ev->event, event) &&
		    (!system || (ev->system && !strcmp(ev->system, system))))
			return ev;
	}
	return NULL;
}

struct tep_handle *pdata_session__tep(const struct pdata_session *s)
{
	return s->tep;
}

int pdata_session__nr_build_ids(const struct pdata_session *s)
{
	return s->nr_build_ids;
}

const struct pdata_build_id *pdata_session__build_id(const struct pdata_session *s, int i)
{
	if (i < 0 || i >= s->nr_build_ids)
		return NULL;
	return &s->build_ids[i];
}
