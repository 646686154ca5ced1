// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz-reader.c - libFuzzer harness for the perf.data reader (lib/pdata-*.c,
 * lib/oqueue.c, lib/evdec.c).
 *
 * Each input is read as a file (written to a memfd and opened through
 * /proc/self/fd, so the file-mode header, feature sections and mmap window
 * are exercised).  An input with a pipe-mode header is also read as a stream
 * (fed through a real pipe by a writer thread, so the stream buffer refills
 * and the short-read paths are exercised).
 *
 * The tool touches everything a report could: every sample field, every
 * tracepoint field through evdec (numbers, strings, arrays), the
 * libtraceevent print of the payload, the callchain, the thread table and
 * the header info.  Errors are fine; crashes, hangs and leaks are not.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "ovsperf/err.h"
#include "ovsperf/evdec.h"
#include "ovsperf/pdata.h"

struct fuzz_tool {
	struct pdata_tool tool;
	struct pdata_session *s;
	uint64_t sink;		/* folds every value read so nothing is optimised away */
	char buf[4096];
};

#define container_of(p, type, m) ((type *)((char *)(p) - offsetof(type, m)))

static int fz_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct fuzz_tool *ft = container_of(tool, struct fuzz_tool, tool);
	const struct pdata_info *in = pdata_session__info(s);
	int i, n = pdata_session__nr_evsels(s);

	ft->s = s;
	for (i = 0; i < n; i++) {
		struct pdata_evsel *ev = pdata_session__evsel(s, i);

		ft->sink += strlen(ev->name) + (ev->event ? strlen(ev->event) : 0);
		if (ev->system)
			ft->sink += strlen(ev->system);
		if (pdata_session__find_evsel(s, ev->name) == NULL)
			abort();	/* an evsel must be found by its own name */
	}
	if (in->hostname)
		ft->sink += strlen(in->hostname);
	if (in->cmdline)
		ft->sink += strlen(in->cmdline);
	if (in->kallsyms)
		ft->sink += strnlen(in->kallsyms, in->kallsyms_size);
	for (i = 0; i < pdata_session__nr_build_ids(s); i++)
		ft->sink += strlen(pdata_session__build_id(s, i)->filename);
	return 0;
}

static void touch_fields(struct fuzz_tool *ft, const struct pdata_sample *sm)
{
	struct tep_format_field **fields, **f;

	if (!sm->evsel->tp)
		return;
	fields = tep_event_fields(sm->evsel->tp);
	for (f = fields; f && *f; f++) {
		struct evdec_field df;
		uint32_t len;
		const uint8_t *d;
		char sbuf[64];

		if (evdec_field__find(&df, sm->evsel, (*f)->name))
			continue;
		ft->sink += evdec_field__u64(&df, sm) + (uint64_t)evdec_field__s64(&df, sm);
		ft->sink += evdec_field__ok(&df, sm);
		d = evdec_field__data(&df, sm, &len);
		if (d && len)
			ft->sink += d[0] + d[len - 1];	/* first and last byte must be readable */
		ft->sink += strlen(evdec_field__str(&df, sm, sbuf, sizeof(sbuf)));
	}
	free(fields);
}

static int fz_sample(struct pdata_tool *tool, const struct pdata_sample *sm)
{
	struct fuzz_tool *ft = container_of(tool, struct fuzz_tool, tool);
	const char *comm = pdata_session__comm(ft->s, sm->tid);
	uint64_t i;

	ft->sink += sm->ip + sm->pid + sm->tid + sm->time + sm->addr + sm->id + sm->stream_id +
		    sm->cpu + sm->period + sm->weight + sm->data_src + sm->transaction +
		    sm->phys_addr + sm->cgroup + sm->data_page_size + sm->code_page_size +
		    sm->user_regs_abi + sm->user_stack_dyn_size + sm->evsel->idx;
	for (i = 0; i < sm->callchain.nr; i++) {
		uint64_t ip;

		memcpy(&ip, &sm->callchain.ips[i], 8);
		ft->sink += ip;
	}
	if (sm->raw_data && sm->raw_size)
		ft->sink += ((const uint8_t *)sm->raw_data)[sm->raw_size - 1];
	if (sm->read_data && sm->read_size)
		ft->sink += ((const uint8_t *)sm->read_data)[sm->read_size - 1];
	if (sm->user_stack && sm->user_stack_size)
		ft->sink += ((const uint8_t *)sm->user_stack)[sm->user_stack_size - 1];
	if (sm->user_regs)
		for (i = 0; i < (uint64_t)__builtin_popcountll(sm->user_regs_mask); i++) {
			uint64_t r;

			memcpy(&r, &sm->user_regs[i], 8);
			ft->sink += r;
		}
	ft->sink += sm->event->header.size;
	if (comm)
		ft->sink += strlen(comm);
	ft->sink += (uint64_t)pdata_session__pid_of(ft->s, sm->tid);
	touch_fields(ft, sm);
	ft->sink += evdec_print_info(ft->s, sm, ft->buf, sizeof(ft->buf));
	return 0;
}

static int fz_record(struct pdata_tool *tool, const union perf_event *ev,
		     const struct pdata_sample *sm)
{
	struct fuzz_tool *ft = container_of(tool, struct fuzz_tool, tool);

	ft->sink += ev->header.type + ev->header.size + sm->time + sm->tid + sm->cpu;
	if (sm->evsel)
		ft->sink += sm->evsel->idx;
	return 0;
}

static int fz_lost(struct pdata_tool *tool, const struct pdata_lost *l)
{
	struct fuzz_tool *ft = container_of(tool, struct fuzz_tool, tool);

	ft->sink += l->event->header.size + l->nr + l->id + l->time + l->tid + l->cpu;
	if (l->evsel)
		ft->sink += l->evsel->idx;
	return 0;
}

static int count_thread(uint32_t tid, int64_t pid, const char *comm, void *arg)
{
	*(uint64_t *)arg += tid + (uint64_t)pid + (comm ? strlen(comm) : 0);
	return 0;
}

static int fz_done(struct pdata_tool *tool, struct pdata_session *s)
{
	struct fuzz_tool *ft = container_of(tool, struct fuzz_tool, tool);
	const struct pdata_stats *st = pdata_session__stats(s);

	pdata_session__for_each_thread(s, count_thread, &ft->sink);
	ft->sink += st->nr_samples + st->nr_lost + st->nr_lost_samples;
	return 0;
}

/* Open @path, process it with the tool, close; errors are expected.
 * @file_order: deliver in file order (no ordering queue). */
static void run_one(const char *path, bool file_order)
{
	struct pdata_open_opts opts = {
		.sz = sizeof(opts),
		.queue_max_entries = 4096,	/* small: forced half flushes happen too */
		.no_ordering = file_order,
	};
	struct fuzz_tool ft;
	struct pdata_session *s;
	int err;

	memset(&ft, 0, sizeof(ft));
	pdata_tool__init(&ft.tool);
	ft.tool.ready = fz_ready;
	ft.tool.sample = fz_sample;
	ft.tool.comm = fz_record;
	ft.tool.fork = fz_record;
	ft.tool.exit = fz_record;
	ft.tool.mmap = fz_record;
	ft.tool.lost = fz_lost;
	ft.tool.other = fz_record;
	ft.tool.done = fz_done;
	ovp_err_clear();
	err = pdata_session__open(&s, path, &opts);
	if (err) {
		if (!ovp_errmsg()[0])
			abort();	/* every error must say what is wrong */
		return;
	}
	ft.s = s;
	err = pdata_session__process(s, &ft.tool);
	(void)err;
	pdata_session__close(s);
	if (ft.sink == 0x5a5a5a5a5a5a5a5aull)
		fprintf(stderr, "%c", 0);	/* keep sink alive */
}

struct feeder {
	int fd;
	const uint8_t *data;
	size_t size;
};

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* reader closed early: fine */
		p += w;
		n -= (size_t)w;
	}
}

static void *feed(void *arg)
{
	struct feeder *f = arg;

	write_all(f->fd, f->data, f->size);
	close(f->fd);
	return NULL;
}

/* Stream @pre + @data through a pipe and read it as "-" would be. */
static void run_pipe(const uint8_t *data, size_t size)
{
	struct feeder f = { .data = data, .size = size };
	int fds[2], saved;
	pthread_t th;
	char path[64];

	if (pipe2(fds, O_CLOEXEC))
		return;
	f.fd = fds[1];
	if (pthread_create(&th, NULL, feed, &f)) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	/* The reader opens by name; /proc/self/fd/N of a pipe is the pipe. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	run_one(path, false);
	saved = fds[0];
	close(saved);	/* unblocks the writer if the reader stopped early */
	pthread_join(th, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	signal(SIGPIPE, SIG_IGN);
	ovp_set_progname("fuzz-reader");
	ovp_set_quiet(true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	fd = memfd_create("fuzz-reader", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	write_all(fd, data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* One input in eight is also read in file order (its last byte
	 * decides, so the mutator can flip it). */
	run_one(path, false);
	if (size && (data[size - 1] & 7) == 7)
		run_one(path, true);
	close(fd);

	if (size >= 16 && !memcmp(data, "PERFILE2", 8)) {
		uint64_t hsize;

		memcpy(&hsize, data + 8, 8);
		if (hsize == 16)
			run_pipe(data, size);
	}
	return 0;
}
