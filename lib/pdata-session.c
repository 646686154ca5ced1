// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-session.c - reading the records of a perf.data file or stream and
 * delivering them to a pdata_tool in time order.
 *
 *	source (file map | pipe buffer) -> record -> [COMPRESSED: zstd ->
 *	records] -> user records handled at once (attrs, features, rounds) ->
 *	kernel records queued by timestamp -> FINISHED_ROUND flushes -> sample
 *	decoding -> tool callbacks.
 *
 * Why a round flush is safe (perf's argument, session.c): perf writes a
 * FINISHED_ROUND after each pass over all its ring buffers.  Every record of
 * the next pass is newer than anything read from the same buffer before, so
 * once a round is complete, nothing that comes later can be older than the
 * maximum timestamp of the round *before* it.  Flushing up to that bound
 * keeps memory to about two rounds of records.
 *
 * File-backed records are not copied: the file is mapped and queue entries
 * point into it; pages already delivered are dropped with MADV_DONTNEED so
 * resident memory follows the queue, not the file size.  Pipe and
 * decompressed records are copied once into a reference-counted arena.
 *
 * Hot path (bench/RESULTS.md): a mapped file's timed SAMPLE records go
 * straight from the map to the queue (queue_mapped_samples()), and a round
 * is delivered by one loop (flush_queue()) into which the queue's pop, the
 * sample decoding and the call of the tool are inlined; everything else
 * takes the generic path (src_next(), process_record()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <traceevent/event-parse.h>
#include <zstd.h>

#include "ovsperf/archive.h"
#include "ovsperf/err.h"
#include "ovsperf/safefile.h"
#include "ovsperf/strutil.h"
#include "pdata-local.h"

#define ARENA_CHUNK (4u << 20)
#define DEFAULT_QUEUE_MAX (4u << 20)
/* The largest payload that follows a pipe-mode record (TRACING_DATA): it is
 * held in memory whole. */
#define PIPE_PAYLOAD_MAX ((size_t)256 << 20)
/* Records read from a pipe or decompressed are copied; while they wait for
 * their round they cost their size and a queue entry.  Above this, the
 * oldest half is delivered early: a stream or a zstd payload that expands
 * without rounds cannot make the queue grow without bound. */
#define DEFAULT_QUEUE_MAX_COPIED ((size_t)64 << 20)
#define TRIM_STEP (32ull << 20)

static const char *const record_names[PDATA_RECORD_MAX] = {
	[PERF_RECORD_MMAP] = "MMAP",
	[PERF_RECORD_LOST] = "LOST",
	[PERF_RECORD_COMM] = "COMM",
	[PERF_RECORD_EXIT] = "EXIT",
	[PERF_RECORD_THROTTLE] = "THROTTLE",
	[PERF_RECORD_UNTHROTTLE] = "UNTHROTTLE",
	[PERF_RECORD_FORK] = "FORK",
	[PERF_RECORD_READ] = "READ",
	[PERF_RECORD_SAMPLE] = "SAMPLE",
	[PERF_RECORD_MMAP2] = "MMAP2",
	[PERF_RECORD_AUX] = "AUX",
	[PERF_RECORD_ITRACE_START] = "ITRACE_START",
	[PERF_RECORD_LOST_SAMPLES] = "LOST_SAMPLES",
	[PERF_RECORD_SWITCH] = "SWITCH",
	[PERF_RECORD_SWITCH_CPU_WIDE] = "SWITCH_CPU_WIDE",
	[PERF_RECORD_NAMESPACES] = "NAMESPACES",
	[PERF_RECORD_KSYMBOL] = "KSYMBOL",
	[PERF_RECORD_BPF_EVENT] = "BPF_EVENT",
	[PERF_RECORD_CGROUP] = "CGROUP",
	[PERF_RECORD_TEXT_POKE] = "TEXT_POKE",
	[PERF_RECORD_AUX_OUTPUT_HW_ID] = "AUX_OUTPUT_HW_ID",
	[PDATA_RECORD_HEADER_ATTR] = "ATTR",
	[PDATA_RECORD_HEADER_EVENT_TYPE] = "EVENT_TYPE",
	[PDATA_RECORD_HEADER_TRACING_DATA] = "TRACING_DATA",
	[PDATA_RECORD_HEADER_BUILD_ID] = "BUILD_ID",
	[PDATA_RECORD_FINISHED_ROUND] = "FINISHED_ROUND",
	[PDATA_RECORD_ID_INDEX] = "ID_INDEX",
	[PDATA_RECORD_AUXTRACE_INFO] = "AUXTRACE_INFO",
	[PDATA_RECORD_AUXTRACE] = "AUXTRACE",
	[PDATA_RECORD_AUXTRACE_ERROR] = "AUXTRACE_ERROR",
	[PDATA_RECORD_THREAD_MAP] = "THREAD_MAP",
	[PDATA_RECORD_CPU_MAP] = "CPU_MAP",
	[PDATA_RECORD_STAT_CONFIG] = "STAT_CONFIG",
	[PDATA_RECORD_STAT] = "STAT",
	[PDATA_RECORD_STAT_ROUND] = "STAT_ROUND",
	[PDATA_RECORD_EVENT_UPDATE] = "EVENT_UPDATE",
	[PDATA_RECORD_TIME_CONV] = "TIME_CONV",
	[PDATA_RECORD_HEADER_FEATURE] = "FEATURE",
	[PDATA_RECORD_COMPRESSED] = "COMPRESSED",
	[PDATA_RECORD_FINISHED_INIT] = "FINISHED_INIT",
	[PDATA_RECORD_COMPRESSED2] = "COMPRESSED2",
};

const char *pdata_record_name(uint32_t type)
{
	if (type < PDATA_RECORD_MAX && record_names[type])
		return record_names[type];
	return "UNKNOWN";
}

static const char *const feature_names[] = {
	[PDATA_FEAT_TRACING_DATA] = "TRACING_DATA", [PDATA_FEAT_BUILD_ID] = "BUILD_ID",
	[PDATA_FEAT_HOSTNAME] = "HOSTNAME", [PDATA_FEAT_OSRELEASE] = "OSRELEASE",
	[PDATA_FEAT_VERSION] = "VERSION", [PDATA_FEAT_ARCH] = "ARCH",
	[PDATA_FEAT_NRCPUS] = "NRCPUS", [PDATA_FEAT_CPUDESC] = "CPUDESC",
	[PDATA_FEAT_CPUID] = "CPUID", [PDATA_FEAT_TOTAL_MEM] = "TOTAL_MEM",
	[PDATA_FEAT_CMDLINE] = "CMDLINE", [PDATA_FEAT_EVENT_DESC] = "EVENT_DESC",
	[PDATA_FEAT_CPU_TOPOLOGY] = "CPU_TOPOLOGY", [PDATA_FEAT_NUMA_TOPOLOGY] = "NUMA_TOPOLOGY",
	[PDATA_FEAT_BRANCH_STACK] = "BRANCH_STACK", [PDATA_FEAT_PMU_MAPPINGS] = "PMU_MAPPINGS",
	[PDATA_FEAT_GROUP_DESC] = "GROUP_DESC", [PDATA_FEAT_AUXTRACE] = "AUXTRACE",
	[PDATA_FEAT_STAT] = "STAT", [PDATA_FEAT_CACHE] = "CACHE",
	[PDATA_FEAT_SAMPLE_TIME] = "SAMPLE_TIME", [PDATA_FEAT_MEM_TOPOLOGY] = "MEM_TOPOLOGY",
	[PDATA_FEAT_CLOCKID] = "CLOCKID", [PDATA_FEAT_DIR_FORMAT] = "DIR_FORMAT",
	[PDATA_FEAT_BPF_PROG_INFO] = "BPF_PROG_INFO", [PDATA_FEAT_BPF_BTF] = "BPF_BTF",
	[PDATA_FEAT_COMPRESSED] = "COMPRESSED", [PDATA_FEAT_CPU_PMU_CAPS] = "CPU_PMU_CAPS",
	[PDATA_FEAT_CLOCK_DATA] = "CLOCK_DATA", [PDATA_FEAT_HYBRID_TOPOLOGY] = "HYBRID_TOPOLOGY",
	[PDATA_FEAT_PMU_CAPS] = "PMU_CAPS",
};

const char *pdata_feature_name(int feat)
{
	if (feat > 0 && feat < (int)(sizeof(feature_names) / sizeof(feature_names[0])))
		return feature_names[feat];
	return NULL;
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

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

void pdata_tool__init(struct pdata_tool *tool)
{
	tool->ready = stub_session;
	tool->done = stub_session;
	tool->sample = stub_sample;
	tool->comm = stub_record;
	tool->fork = stub_record;
	tool->exit = stub_record;
	tool->mmap = stub_record;
	tool->lost = stub_record;
	tool->other = stub_record;
}

/*
 * Threads: open addressing on tid.
 */
static inline size_t hash_tid(uint32_t tid)
{
	return (size_t)ovp_hash64(tid);
}

struct pdata_thread *pdata__thread(struct pdata_session *s, uint32_t tid, bool create)
{
	struct thread_map *m = &s->threads;
	size_t i;

	if (m->cap) {
		i = hash_tid(tid) & (m->cap - 1);
		while (m->t[i].used) {
			if (m->t[i].tid == tid)
				return &m->t[i];
			i = (i + 1) & (m->cap - 1);
		}
	}
	if (!create)
		return NULL;
	if ((m->nr + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256, j;
		struct pdata_thread *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (j = 0; j < m->cap; j++) {
			if (!m->t[j].used)
				continue;
			i = hash_tid(m->t[j].tid) & (cap - 1);
			while (t[i].used)
				i = (i + 1) & (cap - 1);
			t[i] = m->t[j];
		}
		free(m->t);
		m->t = t;
		m->cap = cap;
	}
	i = hash_tid(tid) & (m->cap - 1);
	while (m->t[i].used)
		i = (i + 1) & (m->cap - 1);
	memset(&m->t[i], 0, sizeof(m->t[i]));
	m->t[i].used = true;
	m->t[i].tid = tid;
	m->t[i].pid = -1;
	m->nr++;
	return &m->t[i];
}

const char *pdata_session__comm(const struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t = pdata__thread((struct pdata_session *)s, tid, false);

	if (t && t->comm_set)
		return t->comm;
	if (tid == 0)
		return "swapper";
	return NULL;
}

int64_t pdata_session__pid_of(const struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t = pdata__thread((struct pdata_session *)s, tid, false);

	return t ? t->pid : -1;
}

int pdata_session__for_each_thread(const struct pdata_session *s,
				   int (*fn)(uint32_t tid, int64_t pid, const char *comm, void *arg),
				   void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < s->threads.cap; i++) {
		const struct pdata_thread *t = &s->threads.t[i];

		if (!t->used)
			continue;
		r = fn(t->tid, t->pid, t->comm_set ? t->comm : NULL, arg);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Arena for copied records.
 */
static void *arena_alloc(struct arena *a, size_t size, struct arena_chunk **owner)
{
	struct arena_chunk *c = a->cur;
	size_t need = (size + 7) & ~(size_t)7;

	if (!c || c->size - c->used < need) {
		size_t csize = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		if (c) {
			c->sealed = true;
			if (!c->refs) {
				c->next = a->free;
				a->free = c;
			}
		}
		c = NULL;
		if (a->free && a->free->size >= csize) {
			c = a->free;
			a->free = c->next;
		}
		if (!c) {
			c = malloc(sizeof(*c) + csize);
			if (!c)
				return NULL;
			c->size = csize;
			c->all_prev = NULL;
			c->all_next = a->all;
			if (a->all)
				a->all->all_prev = c;
			a->all = c;
			a->nr_chunks++;
		}
		c->next = NULL;
		c->used = 0;
		c->refs = 0;
		c->sealed = false;
		a->cur = c;
	}
	*owner = c;
	c->used += need;
	return c->data + c->used - need;
}

static void arena_unref(struct arena *a, struct arena_chunk *c)
{
	if (--c->refs == 0 && c->sealed) {
		/* Keep at most a couple of spare chunks. */
		if (a->nr_chunks > 4) {
			if (c->all_prev)
				c->all_prev->all_next = c->all_next;
			else
				a->all = c->all_next;
			if (c->all_next)
				c->all_next->all_prev = c->all_prev;
			a->nr_chunks--;
			free(c);
			return;
		}
		c->next = a->free;
		a->free = c;
	}
}

static void arena_exit(struct arena *a)
{
	struct arena_chunk *c = a->all;

	while (c) {
		struct arena_chunk *n = c->all_next;

		free(c);
		c = n;
	}
	memset(a, 0, sizeof(*a));
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
	arena_exit(&s->arena);
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
	free(s->threads.t);
	free(s->tracing_kallsyms);
	free(s->ext_kallsyms);
	ksyms__free(s->host_ksyms);
	archive_reader__close(s->archive);
	if (s->zstd)
		ZSTD_freeDStream(s->zstd);
	free(s->zbuf);
	free(s->zrem);
	free(s->pbuf);
	free(s->path);
	free(s);
}

/*
 * Sample decoding.
 */

/* Find the evsel of a sample record. */
static inline struct pdata_evsel *sample_evsel(struct pdata_session *s, const uint8_t *body, size_t len)
{
	uint64_t id;
	struct pdata_evsel *ev;

	if (s->nr_evsels == 1)
		return s->evsels[0];
	if (s->id_pos < 0 || (size_t)(s->id_pos + 1) * 8 > len)
		return s->nr_evsels ? s->evsels[0] : NULL;
	id = rd64(body + s->id_pos * 8);
	ev = pdata__evsel_by_id(s, id);
	return ev;
}

/* Find the evsel of a non-sample record from its sample_id_all trailer. */
static struct pdata_evsel *trailer_evsel(struct pdata_session *s, const uint8_t *rec, size_t size)
{
	if (s->nr_evsels == 1)
		return s->evsels[0];
	if (!s->sample_id_all || s->is_pos < 0 || (size_t)s->is_pos * 8 + 8 > size)
		return NULL;
	return pdata__evsel_by_id(s, rd64(rec + size - (size_t)s->is_pos * 8));
}

#define NEED(n)                                                                  \
	do {                                                                     \
		if ((size_t)(end - p) < (size_t)(n))                              \
			return -EBADMSG;                                         \
	} while (0)

static int parse_read_format(const struct perf_event_attr *attr, const uint8_t **pp,
			     const uint8_t *end)
{
	const uint8_t *p = *pp;
	uint64_t rf = attr->read_format, per = 1, nr;

	if (rf & PERF_FORMAT_ID)
		per++;
	if (rf & PERF_FORMAT_LOST)
		per++;
	if (rf & PERF_FORMAT_GROUP) {
		NEED(8);
		nr = rd64(p);
		p += 8;
		if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
			p += 8;
		if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
			p += 8;
		if (p > end || nr > (uint64_t)(end - p) / 8 / per)
			return -EBADMSG;
		p += nr * per * 8;
	} else {
		uint64_t n = per;

		if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
			n++;
		if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
			n++;
		NEED(n * 8);
		p += n * 8;
	}
	*pp = p;
	return 0;
}

/*
 * Zero a sample with unrolled 16-byte stores: a plain memset of its ~230
 * bytes compiles to `rep stos`, whose start-up cost was half of the time
 * spent delivering a tracepoint sample.
 */
typedef uint64_t sample_v2 __attribute__((vector_size(16), may_alias, aligned(8)));

static inline void sample_clear(struct pdata_sample *s)
{
	sample_v2 *p = (sample_v2 *)s, z = { 0, 0 };

#pragma GCC unroll 32
	for (size_t i = 0; i < sizeof(*s) / 16; i++)
		p[i] = z;
	if (sizeof(*s) % 16)
		memset((char *)s + sizeof(*s) / 16 * 16, 0, sizeof(*s) % 16);
}

/*
 * The fixed-size fields that may precede PERF_SAMPLE_RAW, and RAW itself:
 * what perf record asks for with tracepoints and probes (IDENTIFIER, IP, TID,
 * TIME, CPU, PERIOD, RAW).  Such samples are decoded by the fast path below.
 */
#define SIMPLE_SAMPLE_TYPES                                                              \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |   \
	 PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |    \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)
/* What perf record asks for with tracepoints (-e sys:name, -a or not). */
#define PERF_TP_SAMPLE_TYPE                                                            \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |   \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)
/* Bytes of all the fixed fields of SIMPLE_SAMPLE_TYPES (IDENTIFIER to PERIOD). */
#define SIMPLE_FIXED_MAX (9 * 8)

/*
 * Hot path of parse_sample() for a sample_type within SIMPLE_SAMPLE_TYPES
 * and a record body of at least SIMPLE_FIXED_MAX + 4 bytes (the caller checks
 * both): the fixed fields cannot run past the end, so they need no bounds
 * check, and the fields that cannot be there are not tested.  Same results
 * as the general path.
 */
static inline int parse_simple_sample(uint64_t type, const uint8_t *p, const uint8_t *end,
			       struct pdata_sample *out)
{
	if (type & PERF_SAMPLE_IDENTIFIER) {
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_IP) {
		out->ip = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_TID) {
		out->pid = rd32(p);
		out->tid = rd32(p + 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_TIME) {
		out->time = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ADDR) {
		out->addr = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ID) {
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_STREAM_ID) {
		out->stream_id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CPU) {
		out->cpu = rd32(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_PERIOD) {
		out->period = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_RAW) {
		uint32_t sz = rd32(p);

		p += 4;
		NEED(sz);
		out->raw_size = sz;
		out->raw_data = p;
	}
	return 0;
}

/*
 * Decode a PERF_RECORD_SAMPLE, every PERF_SAMPLE_* field in the kernel's
 * order (perf_output_sample()).  Return 0 or -EBADMSG.
 */
static int parse_sample_general(struct pdata_evsel *ev, const uint8_t *p, const uint8_t *end,
				struct pdata_sample *out);

/* Inline part: the evsel and the fast path; the rest out of line. */
static inline __attribute__((always_inline)) int
parse_sample(struct pdata_session *s, const union perf_event *event, struct pdata_evsel *ev_hint,
	     struct pdata_sample *out)
{
	const uint8_t *rec = (const uint8_t *)event;
	const uint8_t *p = rec + sizeof(struct perf_event_header);
	const uint8_t *end = rec + event->header.size;
	struct pdata_evsel *ev;
	uint64_t type;

	/* The evsel was already looked up when the record was queued. */
	ev = ev_hint ?: sample_evsel(s, p, (size_t)(end - p));
	type = ev ? ev->attr.sample_type : 0;
	if (type == PERF_TP_SAMPLE_TYPE && end - p >= 6 * 8 + 4 && out == &s->cur) {
		/* perf record's tracepoint sample: fixed layout, straight-line;
		 * no clearing when the last sample was one too (s->cur_tp). */
		uint32_t sz = rd32(p + 48);

		if (!s->cur_tp) {
			sample_clear(out);
			s->cur_tp = true;
		}
		out->event = event;
		out->evsel = ev;

		out->id = rd64(p);
		out->ip = rd64(p + 8);
		out->pid = rd32(p + 16);
		out->tid = rd32(p + 20);
		out->time = rd64(p + 24);
		out->cpu = rd32(p + 32);
		out->period = rd64(p + 40);
		if (sz > (size_t)(end - p) - 52)
			return -EBADMSG;
		out->raw_size = sz;
		out->raw_data = p + 52;
		return 0;
	}
	if (out == &s->cur)
		s->cur_tp = false;
	sample_clear(out);
	out->cpu = UINT32_MAX;
	out->event = event;
	if (!ev)
		return -ENOENT;
	out->evsel = ev;
	if (!(type & ~SIMPLE_SAMPLE_TYPES) && end - p >= SIMPLE_FIXED_MAX + 4)
		return parse_simple_sample(type, p, end, out);
	return parse_sample_general(ev, p, end, out);
}

static int parse_sample_general(struct pdata_evsel *ev, const uint8_t *p, const uint8_t *end,
				struct pdata_sample *out)
{
	uint64_t type = ev->attr.sample_type;
	if (type & PERF_SAMPLE_IDENTIFIER) {
		NEED(8);
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_IP) {
		NEED(8);
		out->ip = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_TID) {
		NEED(8);
		out->pid = rd32(p);
		out->tid = rd32(p + 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_TIME) {
		NEED(8);
		out->time = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ADDR) {
		NEED(8);
		out->addr = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ID) {
		NEED(8);
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_STREAM_ID) {
		NEED(8);
		out->stream_id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CPU) {
		NEED(8);
		out->cpu = rd32(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_PERIOD) {
		NEED(8);
		out->period = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_READ) {
		const uint8_t *start = p;

		if (parse_read_format(&ev->attr, &p, end))
			return -EBADMSG;
		out->read_data = start;
		out->read_size = (uint32_t)(p - start);
	}
	if (type & PERF_SAMPLE_CALLCHAIN) {
		uint64_t nr;

		NEED(8);
		nr = rd64(p);
		p += 8;
		if (nr > (uint64_t)(end - p) / 8)
			return -EBADMSG;
		out->callchain.nr = nr;
		out->callchain.ips = (const uint64_t *)p;
		p += nr * 8;
	}
	if (type & PERF_SAMPLE_RAW) {
		uint32_t sz;

		NEED(4);
		sz = rd32(p);
		p += 4;
		NEED(sz);
		out->raw_size = sz;
		out->raw_data = p;
		p += sz;
	}
	if (type & PERF_SAMPLE_BRANCH_STACK) {
		uint64_t nr;

		NEED(8);
		nr = rd64(p);
		out->branch_stack = p;
		p += 8;
		if (ev->attr.branch_sample_type & PERF_SAMPLE_BRANCH_HW_INDEX) {
			NEED(8);
			p += 8;
		}
		/* struct perf_branch_entry: from, to, flags. */
		if (nr > (uint64_t)(end - p) / 24)
			return -EBADMSG;
		p += nr * 24;
	}
	if (type & PERF_SAMPLE_REGS_USER) {
		NEED(8);
		out->user_regs_abi = rd64(p);
		p += 8;
		if (out->user_regs_abi) {
			uint64_t n = (uint64_t)__builtin_popcountll(ev->attr.sample_regs_user);

			NEED(n * 8);
			out->user_regs_mask = ev->attr.sample_regs_user;
			out->user_regs = (const uint64_t *)p;
			p += n * 8;
		}
	}
	if (type & PERF_SAMPLE_STACK_USER) {
		uint64_t sz;

		NEED(8);
		sz = rd64(p);
		p += 8;
		if (sz > (uint64_t)(end - p))
			return -EBADMSG;
		out->user_stack_size = sz;
		out->user_stack = p;
		p += sz;
		if (sz) {
			NEED(8);
			out->user_stack_dyn_size = rd64(p);
			p += 8;
		}
	}
	if (type & (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT)) {
		NEED(8);
		out->weight = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_DATA_SRC) {
		NEED(8);
		out->data_src = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_TRANSACTION) {
		NEED(8);
		out->transaction = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_REGS_INTR) {
		uint64_t abi;

		NEED(8);
		abi = rd64(p);
		p += 8;
		if (abi) {
			uint64_t n = (uint64_t)__builtin_popcountll(ev->attr.sample_regs_intr);

			NEED(n * 8);
			p += n * 8;
		}
	}
	if (type & PERF_SAMPLE_PHYS_ADDR) {
		NEED(8);
		out->phys_addr = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CGROUP) {
		NEED(8);
		out->cgroup = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_DATA_PAGE_SIZE) {
		NEED(8);
		out->data_page_size = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CODE_PAGE_SIZE) {
		NEED(8);
		out->code_page_size = rd64(p);
		p += 8;
	}
	/* PERF_SAMPLE_AUX and later fields are not used; nothing follows that we read. */
	return 0;
}

/* Decode the sample_id_all trailer of a non-sample record. */
static void parse_trailer(struct pdata_session *s, const union perf_event *event,
			  struct pdata_sample *out)
{
	const uint8_t *rec = (const uint8_t *)event;
	uint64_t type = s->sample_type_first;
	size_t size = event->header.size, n = 0;
	const uint8_t *p;

	sample_clear(out);
	out->cpu = UINT32_MAX;
	out->event = event;
	if (!s->sample_id_all)
		return;
	n += !!(type & PERF_SAMPLE_TID) + !!(type & PERF_SAMPLE_TIME) + !!(type & PERF_SAMPLE_ID) +
	     !!(type & PERF_SAMPLE_STREAM_ID) + !!(type & PERF_SAMPLE_CPU) +
	     !!(type & PERF_SAMPLE_IDENTIFIER);
	if (n * 8 + sizeof(struct perf_event_header) > size)
		return;
	out->evsel = trailer_evsel(s, rec, size);
	p = rec + size - n * 8;
	if (type & PERF_SAMPLE_TID) {
		out->pid = rd32(p);
		out->tid = rd32(p + 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_TIME) {
		out->time = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_ID) {
		out->id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_STREAM_ID) {
		out->stream_id = rd64(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_CPU) {
		out->cpu = rd32(p);
		p += 8;
	}
	if (type & PERF_SAMPLE_IDENTIFIER)
		out->id = rd64(p);
}

/* Timestamp of a kernel record without decoding all of it; 0 if none.
 * *evp gets the evsel of a sample (NULL for other records). */
static inline uint64_t record_time(struct pdata_session *s, const union perf_event *event,
			    struct pdata_evsel **evp)
{
	const uint8_t *rec = (const uint8_t *)event;
	size_t size = event->header.size;

	*evp = NULL;
	if (event->header.type == PERF_RECORD_SAMPLE) {
		const uint8_t *body = rec + sizeof(struct perf_event_header);
		struct pdata_evsel *ev = sample_evsel(s, body, size - 8);
		uint64_t type;
		size_t off = 0;

		if (!ev)
			return 0;
		*evp = ev;
		type = ev->attr.sample_type;
		/* perf record's tracepoint layout: the time is the fourth word. */
		if (type == PERF_TP_SAMPLE_TYPE)
			return size - 8 >= 4 * 8 ? rd64(body + 3 * 8) : 0;
		if (!(type & PERF_SAMPLE_TIME))
			return 0;
		off += (type & PERF_SAMPLE_IDENTIFIER) ? 8 : 0;
		off += (type & PERF_SAMPLE_IP) ? 8 : 0;
		off += (type & PERF_SAMPLE_TID) ? 8 : 0;
		if (off + 8 > size - 8)
			return 0;
		return rd64(body + off);
	} else {
		struct pdata_sample tr;

		parse_trailer(s, event, &tr);
		return tr.time;
	}
}

/*
 * Delivery of kernel records (in time order).
 */
static int deliver_other(struct pdata_session *s, const union perf_event *event,
			 uint64_t file_offset);

/* Inline into the flush loop: nearly every record is a sample. */
static inline __attribute__((always_inline)) int
deliver(struct pdata_session *s, const union perf_event *event, uint64_t file_offset,
	struct pdata_evsel *ev_hint)
{
	struct pdata_tool *tool = s->tool;
	struct pdata_sample *sample = &s->cur;
	uint32_t type = event->header.type;
	int err;

	if (type != PERF_RECORD_SAMPLE)
		return deliver_other(s, event, file_offset);
	s->stats.nr_records[type]++;
	err = parse_sample(s, event, ev_hint, sample);
	if (err) {
		if (err == -ENOENT)
			s->stats.nr_unknown_id++;
		else
			s->stats.nr_bad_samples++;
		return 0;
	}
	sample->file_offset = file_offset;
	sample->evsel->nr_samples++;
	s->stats.nr_samples++;
	if (sample->time) {
		if (!s->stats.first_time || sample->time < s->stats.first_time)
			s->stats.first_time = sample->time;
		if (sample->time > s->stats.last_time)
			s->stats.last_time = sample->time;
	}
	return tool->sample(tool, sample);
}

static int deliver_other(struct pdata_session *s, const union perf_event *event,
			 uint64_t file_offset)
{
	struct pdata_tool *tool = s->tool;
	struct pdata_sample sample;
	struct pdata_thread *t;
	uint32_t type = event->header.type;

	s->stats.nr_records[type]++;
	parse_trailer(s, event, &sample);
	sample.file_offset = file_offset;
	switch (type) {
	case PERF_RECORD_COMM:
		if (event->header.size < 8 + 8 + 1)
			return 0;
		t = pdata__thread(s, event->comm.tid, true);
		if (t) {
			size_t max = event->header.size - 16;

			t->pid = event->comm.pid;
			max = max < sizeof(t->comm) - 1 ? max : sizeof(t->comm) - 1;
			memcpy(t->comm, event->comm.comm, max);
			t->comm[max] = '\0';
			t->comm[strnlen(t->comm, max)] = '\0';
			t->comm_set = true;
		}
		return tool->comm(tool, event, &sample);
	case PERF_RECORD_FORK:
		if (event->header.size < 8 + 24)
			return 0;
		{
			struct pdata_thread *parent = pdata__thread(s, event->fork.ptid, false);
			char comm[sizeof(t->comm)];
			bool has = parent && parent->comm_set;

			if (has)
				memcpy(comm, parent->comm, sizeof(comm));
			t = pdata__thread(s, event->fork.tid, true);
			if (t) {
				/* A reused tid starts afresh, as in perf. */
				t->pid = event->fork.pid;
				t->comm_set = has;
				if (has)
					memcpy(t->comm, comm, sizeof(comm));
			}
		}
		return tool->fork(tool, event, &sample);
	case PERF_RECORD_EXIT:
		return tool->exit(tool, event, &sample);
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		return tool->mmap(tool, event, &sample);
	case PERF_RECORD_LOST:
		if (event->header.size < 8 + 16)
			return 0;
		{
			struct pdata_evsel *ev = pdata__evsel_by_id(s, event->lost.id);

			s->stats.nr_lost += event->lost.lost;
			s->stats.nr_lost_records++;
			if (!ev && s->nr_evsels == 1)
				ev = s->evsels[0];
			if (ev)
				ev->nr_lost += event->lost.lost;
		}
		return tool->lost(tool, event, &sample);
	case PERF_RECORD_LOST_SAMPLES:
		if (event->header.size < 8 + 8)
			return 0;
		s->stats.nr_lost_samples += event->lost_samples.lost;
		if (sample.evsel)
			sample.evsel->nr_lost_samples += event->lost_samples.lost;
		return tool->lost(tool, event, &sample);
	case PERF_RECORD_THROTTLE:
		s->stats.nr_throttle++;
		return tool->other(tool, event, &sample);
	case PERF_RECORD_UNTHROTTLE:
		s->stats.nr_unthrottle++;
		return tool->other(tool, event, &sample);
	default:
		return tool->other(tool, event, &sample);
	}
}

static inline int deliver_entry(struct pdata_session *s, const struct oq_entry *e)
{
	int err = deliver(s, e->rec, e->file_offset, (struct pdata_evsel *)e->aux);

	if (e->owner) {
		s->copied_bytes -= ((const struct perf_event_header *)e->rec)->size +
				   sizeof(struct oq_entry);
		arena_unref(&s->arena, e->owner);
	}
	return err;
}

static int oq_deliver(const struct oq_entry *e, void *arg)
{
	return deliver_entry(arg, e);
}

/* Deliver every queued record with time <= @limit (the hot loop: the queue's
 * pop and the sample decoding are inlined here). */
static int flush_queue(struct pdata_session *s, uint64_t limit)
{
	int err;

	while (s->q.nr_runs && oq_top_time(&s->q) <= limit) {
		/* In place: nothing is queued while records are delivered. */
		err = deliver_entry(s, oq_pop_ref(&s->q));
		if (err)
			return err;
	}
	return 0;
}

static int send_ready__(struct pdata_session *s);

/* Tell the tool the session is ready, once; a failure is remembered (the
 * damaged-data path calls it again). */
static int send_ready(struct pdata_session *s)
{
	if (s->ready_sent)
		return s->ready_err;
	s->ready_sent = true;
	s->ready_err = send_ready__(s);
	return s->ready_err;
}

static int send_ready__(struct pdata_session *s)
{
	int err;

	if (s->pipe) {
		err = pdata__finish_evsels(s);
		if (err)
			return err;
	}
	if (!s->nr_evsels)
		return ovp_err(-EBADMSG, "no event attributes before the first record");
	err = pdata__choose_kallsyms(s);
	if (err)
		return err;
	return s->tool->ready(s->tool, s);
}

/* More records (or more bytes of copied records) queued than allowed
 * without a FINISHED_ROUND: deliver the oldest half now. */
static int queue_overflow(struct pdata_session *s)
{
	if (!s->stats.nr_forced_flushes)
		ovp_warn("%s: more than %zu records or %zu MiB of copied records queued without "
			 "a FINISHED_ROUND: flushing early; order may differ from perf's", s->path,
			 s->opts.queue_max_entries, s->opts.queue_max_copied >> 20);
	s->stats.nr_forced_flushes++;
	return oq_flush_half(&s->q, oq_deliver, s);
}

/* Queue or deliver a kernel record.  @owner: arena chunk or NULL. */
static int queue_record(struct pdata_session *s, const union perf_event *event, uint64_t off,
			struct arena_chunk *owner)
{
	struct pdata_evsel *ev = NULL;
	uint64_t time;
	int err;

	if (!s->ready_sent) {
		/* Pipe mode: the kernel MMAP is the first record after the header
		 * records (perf synthesizes it first). */
		kboot__note_mmap(&s->kboot, event);
		err = send_ready(s);
		if (err)
			return err;
	}
	time = s->opts.no_ordering ? 0 : record_time(s, event, &ev);
	if (!time)
		return deliver(s, event, off, NULL);	/* perf: -ETIME, delivered at once */
	if (owner)
		owner->refs++;
	err = oq_push(&s->q, time, event, off, owner, ev);
	if (err) {
		if (owner)
			owner->refs--;
		return ovp_err(err, "out of memory queueing records");
	}
	if (owner) {
		/* A copy (pipe, zstd): what it holds is not bounded by a file. */
		s->copied_bytes += event->header.size + sizeof(struct oq_entry);
		if (s->copied_bytes > s->opts.queue_max_copied)
			return queue_overflow(s);
	}
	if (s->q.nr_entries > s->opts.queue_max_entries)
		return queue_overflow(s);
	return 0;
}

/*
 * Fast path of the main loop for a mapped file: a run of aligned SAMPLE
 * records with a timestamp goes straight to the ordering queue, without the
 * generic reader (src_next()) and dispatch (process_record()), whose
 * per-record work this repeats for that case only.  Stops before any record
 * it does not take (which the generic path then reads) and at the end of the
 * data (return 0), or at the next progress point, @n & @mask == 0 (return 1).
 */
static int queue_mapped_samples(struct pdata_session *s, uint64_t *n, uint64_t mask)
{
	const uint8_t *map = s->map;
	uint64_t pos = s->src_pos, end = s->src_end;
	int err = 0;

	while (pos < end && end - pos >= sizeof(struct perf_event_header) && !(pos & 7)) {
		const union perf_event *event = (const union perf_event *)(map + pos);
		uint32_t size = event->header.size;
		struct pdata_evsel *ev;
		uint64_t time;

		if (event->header.type != PERF_RECORD_SAMPLE ||
		    size < sizeof(struct perf_event_header) || size > end - pos)
			break;
		time = record_time(s, event, &ev);
		if (!time)
			break;
		if (end - pos > 1024)
			__builtin_prefetch(map + pos + 1024);
		err = oq_push(&s->q, time, event, pos, NULL, ev);
		if (err) {
			err = ovp_err(err, "out of memory queueing records");
			break;
		}
		pos += size;
		if (s->q.nr_entries > s->opts.queue_max_entries) {
			s->src_pos = pos;
			err = queue_overflow(s);
			if (err)
				break;
		}
		if ((++*n & mask) == 0) {
			s->src_pos = pos;
			s->stats.bytes_read = pos - (s->pipe ? 16 : s->hdr.data.offset);
			return 1;
		}
	}
	s->src_pos = pos;
	s->stats.bytes_read = pos - (s->pipe ? 16 : s->hdr.data.offset);
	return err;
}

static int process_record(struct pdata_session *s, const union perf_event *event, uint64_t off,
			  struct arena_chunk *owner);

/*
 * A file whose data opens with a HEADER_TRACING_DATA record (ovsperf-probe
 * record writes its formats there, pdata_writer__tracing_in_data(), so that
 * a recording killed before its feature sections keeps them): read the
 * formats now, before the evsels are finished, as from the feature; the
 * record is skipped when the data is processed.  Names then come from the
 * formats, so the features of a killed recording are not lost for reports.
 * Return: 0, or -ENOMEM.
 */
int pdata__read_data_tracing(struct pdata_session *s)
{
	uint64_t off = s->hdr.data.offset, left = s->file_size - off;
	const uint8_t *rec = s->map + off;
	struct perf_event_header eh;
	uint32_t tsize;
	int err;

	if (left < 16)
		return 0;
	memcpy(&eh, rec, sizeof(eh));
	memcpy(&tsize, rec + 8, 4);
	if (eh.type != PDATA_RECORD_HEADER_TRACING_DATA || eh.size < 16 || eh.size % 8 ||
	    eh.size > left || tsize > left - eh.size)
		return 0;	/* processed (and any damage reported) with the data */
	err = pdata__parse_tracing_data(s, rec + eh.size, tsize);
	if (err)
		ovp_warn("%s: tracing data: %s", s->path, ovp_errmsg());
	if (err == -ENOMEM)
		return err;
	s->data_tracing = true;
	s->info.features[0] |= 1ULL << PDATA_FEAT_TRACING_DATA;
	s->info.features_lost = false;
	return 0;
}

/*
 * COMPRESSED: zstd frames whose output is a run of records; a record may be
 * split across two COMPRESSED records (perf compresses ring buffer chunks),
 * so the tail is carried over.
 */
static int process_compressed(struct pdata_session *s, const union perf_event *event, uint64_t off)
{
	const uint8_t *src = (const uint8_t *)event + sizeof(struct perf_event_header);
	size_t src_size = event->header.size - sizeof(struct perf_event_header);
	ZSTD_inBuffer in;
	int err;

	if (event->header.type == PDATA_RECORD_COMPRESSED2) {
		uint64_t dsz;

		if (src_size < 8)
			return ovp_err(-EBADMSG, "COMPRESSED2 record too short (at offset %" PRIu64 ")",
				       off);
		dsz = rd64(src);
		src += 8;
		src_size -= 8;
		if (dsz < src_size)
			src_size = dsz;
	}
	s->info.compressed = true;
	if (!s->zstd) {
		s->zstd = ZSTD_createDStream();
		if (!s->zstd)
			return -ENOMEM;
		ZSTD_initDStream(s->zstd);
		s->zbuf_size = 1 << 20;
		s->zbuf = malloc(s->zbuf_size);
		if (!s->zbuf)
			return -ENOMEM;
	}
	in.src = src;
	in.size = src_size;
	in.pos = 0;
	while (in.pos < in.size) {
		ZSTD_outBuffer outb = { s->zbuf, s->zbuf_size, 0 };
		size_t r = ZSTD_decompressStream(s->zstd, &outb, &in), pos = 0;
		const uint8_t *data;
		size_t len;

		if (ZSTD_isError(r)) {
			ZSTD_initDStream(s->zstd);
			s->zrem_len = 0;
			return ovp_err(-EBADMSG, "COMPRESSED record: zstd: %s (at offset %" PRIu64 ")",
				       ZSTD_getErrorName(r), off);
		}
		if (!outb.pos) {
			if (r == 0 || in.pos == in.size)
				break;
			continue;
		}
		/* Append to the carried-over tail, then cut records. */
		if (s->zrem_len + outb.pos > s->zrem_cap) {
			size_t cap = (s->zrem_len + outb.pos) * 2;
			uint8_t *n = realloc(s->zrem, cap);

			if (!n)
				return -ENOMEM;
			s->zrem = n;
			s->zrem_cap = cap;
		}
		memcpy(s->zrem + s->zrem_len, s->zbuf, outb.pos);
		s->zrem_len += outb.pos;
		data = s->zrem;
		len = s->zrem_len;
		while (len - pos >= sizeof(struct perf_event_header)) {
			struct perf_event_header h;
			struct arena_chunk *owner;
			void *copy;

			memcpy(&h, data + pos, sizeof(h));
			if (h.size < sizeof(h)) {
				s->zrem_len = 0;
				return ovp_err(-EBADMSG, "bad record size %u inside a COMPRESSED record "
					       "(at offset %" PRIu64 ")", h.size, off);
			}
			if (h.size > len - pos)
				break;
			copy = arena_alloc(&s->arena, h.size, &owner);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, data + pos, h.size);
			pos += h.size;
			err = process_record(s, copy, off, owner);
			if (err)
				return err;
		}
		memmove(s->zrem, data + pos, len - pos);
		s->zrem_len = len - pos;
	}
	return 0;
}

/*
 * Pipe-mode HEADER_* records and the other perf "user" records, handled as
 * they come (perf does not queue them either).
 */
static int read_extra(struct pdata_session *s, uint64_t n, const uint8_t **data);
static int skip_extra(struct pdata_session *s, uint64_t n);

static int process_user_record(struct pdata_session *s, const union perf_event *event, uint64_t off)
{
	const uint8_t *rec = (const uint8_t *)event;
	uint32_t size = event->header.size;
	int err;

	switch (event->header.type) {
	case PDATA_RECORD_FINISHED_ROUND:
		if (s->opts.no_ordering)
			return 0;
		err = flush_queue(s, s->last_round_max);
		s->last_round_max = s->q.max_time;
		return err;
	case PDATA_RECORD_FINISHED_INIT:
		return send_ready(s);
	case PDATA_RECORD_HEADER_ATTR: {
		struct perf_event_attr attr;
		uint32_t asz;
		uint64_t nr_ids;

		if (size < 8 + PERF_ATTR_SIZE_VER0)
			return ovp_err(-EBADMSG, "ATTR record too short (at offset %" PRIu64 ")", off);
		memcpy(&asz, rec + 8 + offsetof(struct perf_event_attr, size), 4);
		if (asz == 0)
			asz = PERF_ATTR_SIZE_VER0;
		if (asz < PERF_ATTR_SIZE_VER0 || asz > size - 8)
			return ovp_err(-EBADMSG, "ATTR record: bad attr size %u (at offset %" PRIu64 ")",
				       asz, off);
		if (s->ready_sent) {
			ovp_warn("%s: event attribute added after the first records: ignored",
				 s->path);
			return 0;
		}
		memset(&attr, 0, sizeof(attr));
		memcpy(&attr, rec + 8, asz < sizeof(attr) ? asz : sizeof(attr));
		nr_ids = (size - 8 - asz) / 8;
		{
			uint64_t *ids = NULL;

			if (nr_ids) {
				ids = malloc(nr_ids * 8);
				if (!ids)
					return -ENOMEM;
				memcpy(ids, rec + 8 + asz, nr_ids * 8);
			}
			err = pdata__add_attr(s, &attr, asz, ids, nr_ids);
			free(ids);
		}
		return err;
	}
	case PDATA_RECORD_HEADER_TRACING_DATA: {
		const uint8_t *data;
		uint32_t tsize;

		if (size < 12)
			return ovp_err(-EBADMSG, "TRACING_DATA record too short (at offset %" PRIu64 ")",
				       off);
		tsize = rd32(rec + 8);
		err = read_extra(s, tsize, &data);
		if (err)
			return err;
		if (s->data_tracing && !s->pipe && off == s->hdr.data.offset)
			return 0;	/* read with the header (pdata__read_data_tracing()) */
		err = pdata__parse_tracing_data(s, data, tsize);
		if (err)
			ovp_warn("%s: tracing data: %s", s->path, ovp_errmsg());
		s->info.features[0] |= 1ULL << PDATA_FEAT_TRACING_DATA;
		return err == -ENOMEM ? err : 0;
	}
	case PDATA_RECORD_HEADER_BUILD_ID: {
		err = pdata__process_feature(s, PDATA_FEAT_BUILD_ID, rec, size);
		if (err)
			ovp_warn("%s: BUILD_ID record: %s", s->path, ovp_errmsg());
		return err == -ENOMEM ? err : 0;
	}
	case PDATA_RECORD_HEADER_FEATURE: {
		uint64_t feat;

		if (size < 16)
			return 0;
		feat = rd64(rec + 8);
		if (feat >= PDATA_FEAT_MAX)
			return 0;
		err = pdata__process_feature(s, (int)feat, rec + 16, size - 16);
		if (err)
			ovp_warn("%s: feature %s: %s; ignored", s->path,
				 pdata_feature_name((int)feat) ?: "?", ovp_errmsg());
		return err == -ENOMEM ? err : 0;
	}
	case PDATA_RECORD_EVENT_UPDATE: {
		/* type 1 (NAME): u64 type, u64 id, char name[] */
		if (size > 24 && rd64(rec + 8) == 1) {
			char *name = strndup((const char *)rec + 24, size - 24);

			if (!name)
				return -ENOMEM;
			err = pdata__set_evsel_name(s, rd64(rec + 16), name);
			free(name);
			return err;
		}
		return 0;
	}
	case PDATA_RECORD_COMPRESSED:
	case PDATA_RECORD_COMPRESSED2:
		return process_compressed(s, event, off);
	case PDATA_RECORD_AUXTRACE:
		/* AUX data follows the record: skip it. */
		if (size < 16)
			return 0;
		return skip_extra(s, rd64(rec + 8));
	default:
		return 0;
	}
}

static int process_record(struct pdata_session *s, const union perf_event *event, uint64_t off,
			  struct arena_chunk *owner)
{
	uint32_t type = event->header.type;

	if (type == PERF_RECORD_SAMPLE)	/* nearly every record: skip the tests below */
		return queue_record(s, event, off, owner);
	if (type >= PDATA_RECORD_MAX) {
		s->stats.nr_unknown++;
		return 0;
	}
	if (type >= 64) {
		s->stats.nr_records[type]++;
		return process_user_record(s, event, off);
	}
	if (type == 0 || !record_names[type]) {
		s->stats.nr_unknown++;
		return 0;
	}
	return queue_record(s, event, off, owner);
}

/*
 * The data is damaged or cut short: results will be partial.  One warning
 * per session says so (the first damage found is the one that matters).
 */
static void __attribute__((format(printf, 2, 3)))
note_truncated(struct pdata_session *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!s->stats.truncated) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		ovp_warn("%s: %s", s->path, msg);
	}
	s->stats.truncated = true;
}

/*
 * Sources: the file map (file mode, or a pipe stream saved to a file) or a
 * real pipe read through a buffer.
 */
static int pipe_fill(struct pdata_session *s, size_t need)
{
	if (s->pbuf_len - s->pbuf_pos >= need)
		return 0;
	if (s->pbuf_pos) {
		memmove(s->pbuf, s->pbuf + s->pbuf_pos, s->pbuf_len - s->pbuf_pos);
		s->pbuf_len -= s->pbuf_pos;
		s->pbuf_pos = 0;
	}
	while (s->pbuf_len < need && !s->eof && !s->interrupted) {
		ssize_t n;

		/* Grow with the data that really arrives, not to the size a
		 * (maybe corrupt) record claims: a stream cannot make us
		 * allocate much more than it sends (found by tests/fuzz). */
		if (s->pbuf_len == s->pbuf_size) {
			size_t cap = s->pbuf_size * 2 < need ? s->pbuf_size * 2 : need;
			uint8_t *b = realloc(s->pbuf, cap);

			if (!b)
				return -ENOMEM;
			s->pbuf = b;
			s->pbuf_size = cap;
		}
		n = read(s->fd, s->pbuf + s->pbuf_len, s->pbuf_size - s->pbuf_len);

		if (n < 0 && errno == EINTR)
			continue;	/* the loop checks s->interrupted */
		if (n < 0)
			return ovp_err(-errno, "read error: %s", strerror(errno));
		if (n == 0)
			s->eof = true;
		s->pbuf_len += (size_t)n;
	}
	return s->pbuf_len - s->pbuf_pos >= need ? 0 : -ENODATA;
}

static int read_extra(struct pdata_session *s, uint64_t n, const uint8_t **data)
{
	if (s->map) {
		if (n > s->src_end - s->src_pos) {
			return ovp_err(-EBADMSG, "payload of %" PRIu64 " bytes runs past the end of the data "
				       "(at offset %" PRIu64 ")", n, s->src_pos);
		}
		*data = s->map + s->src_pos;
		s->src_pos += n;
		return 0;
	}
	if (n > PIPE_PAYLOAD_MAX)
		return ovp_err(-EBADMSG, "payload of %" PRIu64 " bytes is larger than %zu MiB (at "
			       "offset %" PRIu64 ")", n, PIPE_PAYLOAD_MAX >> 20, s->stream_off);
	if (pipe_fill(s, n)) {
		return ovp_err(-EBADMSG, "stream ended inside a payload (at offset %" PRIu64 ")",
			       s->stream_off);
	}
	*data = s->pbuf + s->pbuf_pos;
	s->pbuf_pos += n;
	s->stream_off += n;
	return 0;
}

static int src_next(struct pdata_session *s, const union perf_event **ev, uint64_t *off,
		    struct arena_chunk **owner);

/* Where the records start (a pipe stream saved to a file: after its header). */
static void src_init(struct pdata_session *s)
{
	s->src_inited = true;
	s->src_pos = s->src_end = s->stream_off = 0;
	if (s->map && s->pipe) {
		s->src_pos = 16;
		s->src_end = s->file_size;
	}
}

/* The type of the next record without consuming it: 1, or 0 at the end. */
static int src_peek_type(struct pdata_session *s, uint32_t *type)
{
	struct perf_event_header h;

	if (s->map) {
		if (s->src_end - s->src_pos < sizeof(h))
			return 0;
		memcpy(&h, s->map + s->src_pos, sizeof(h));
	} else {
		if (pipe_fill(s, sizeof(h)))
			return 0;
		memcpy(&h, s->pbuf + s->pbuf_pos, sizeof(h));
	}
	*type = h.type;
	return 1;
}

int pdata_session__read_header(struct pdata_session *s)
{
	const union perf_event *ev;
	struct arena_chunk *owner;
	uint64_t off;
	uint32_t type;
	int r, err;

	if (!s->pipe || s->processed || s->src_inited)
		return 0;
	src_init(s);
	/* perf writes the header records (attributes, tracing data, features,
	 * build-ids) before the first kernel record; FINISHED_INIT and
	 * FINISHED_ROUND belong to the processing. */
	while (src_peek_type(s, &type) && type >= 64 && type < PDATA_RECORD_MAX &&
	       type != PDATA_RECORD_FINISHED_ROUND && type != PDATA_RECORD_FINISHED_INIT &&
	       type != PDATA_RECORD_COMPRESSED && type != PDATA_RECORD_COMPRESSED2) {
		r = src_next(s, &ev, &off, &owner);
		if (r <= 0)
			return r;
		s->stats.nr_records[type]++;
		/* (a record not queued holds no reference on its arena chunk) */
		err = process_user_record(s, ev, off);
		if (err)
			return err;
	}
	return pdata__finish_evsels(s);
}

/* Skip @n bytes that follow a record (AUX data), through the pipe buffer in
 * windows: a stream cannot make us hold what we do not use. */
static int skip_extra(struct pdata_session *s, uint64_t n)
{
	const uint8_t *data;

	if (s->map)
		return read_extra(s, n, &data);
	while (n) {
		size_t k = n < s->pbuf_size ? (size_t)n : s->pbuf_size;
		int err = read_extra(s, k, &data);

		if (err)
			return err;
		n -= k;
	}
	return 0;
}

/* Next record: 1 and *ev/off/owner set, 0 at the end, <0 on error. */
static int src_next(struct pdata_session *s, const union perf_event **ev, uint64_t *off,
		    struct arena_chunk **owner)
{
	struct perf_event_header h;
	void *copy;

	*owner = NULL;
	if (s->map) {
		if (s->src_pos >= s->src_end)
			return 0;
		if (s->src_end - s->src_pos < sizeof(h)) {
			note_truncated(s, "data ends inside a record header (at offset %" PRIu64
				       "): truncated recording, results cover what was read",
				       s->src_pos);
			return 0;
		}
		memcpy(&h, s->map + s->src_pos, sizeof(h));
		/* Records are read once, in order: ask for the cache lines a few
		 * records ahead (x86 drops a prefetch of an unmapped page). */
		if (s->src_end - s->src_pos > 1024)
			__builtin_prefetch(s->map + s->src_pos + 1024);
		if (h.size < sizeof(h))
			return ovp_err(-EBADMSG, "bad record size %u (at offset %" PRIu64 ")", h.size,
				       s->src_pos);
		if (h.size > s->src_end - s->src_pos) {
			note_truncated(s, "data ends inside a %s record of %u bytes (at offset %" PRIu64
				       "): truncated recording, results cover what was read",
				       pdata_record_name(h.type), h.size, s->src_pos);
			return 0;
		}
		*off = s->src_pos;
		if ((s->src_pos & 7) == 0) {
			*ev = (const union perf_event *)(s->map + s->src_pos);
		} else {
			/* Unaligned (after pipe-mode TRACING_DATA): copy so fields
			 * can be read as u64. */
			copy = arena_alloc(&s->arena, h.size, owner);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, s->map + s->src_pos, h.size);
			*ev = copy;
		}
		s->src_pos += h.size;
		s->stats.bytes_read = s->src_pos - (s->pipe ? 16 : s->hdr.data.offset);
		return 1;
	}
	if (s->interrupted)
		return 0;
	if (pipe_fill(s, sizeof(h))) {
		if (s->pbuf_len != s->pbuf_pos && !s->interrupted)
			note_truncated(s, "stream ends inside a record header (after %" PRIu64
				       " bytes): truncated, results cover what was read",
				       s->stream_off + 16);
		return 0;
	}
	memcpy(&h, s->pbuf + s->pbuf_pos, sizeof(h));
	if (h.size < sizeof(h))
		return ovp_err(-EBADMSG, "bad record size %u (at offset %" PRIu64 ")", h.size,
			       s->stream_off + 16);
	if (pipe_fill(s, h.size)) {
		if (s->interrupted)
			return 0;
		note_truncated(s, "stream ends inside a %s record of %u bytes (after %" PRIu64
			       " bytes): truncated, results cover what was read",
			       pdata_record_name(h.type), h.size, s->stream_off + 16);
		return 0;
	}
	copy = arena_alloc(&s->arena, h.size, owner);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s->pbuf + s->pbuf_pos, h.size);
	*ev = copy;
	*off = 0;
	s->pbuf_pos += h.size;
	s->stream_off += h.size;
	s->stats.bytes_read = s->stream_off;
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void show_progress(struct pdata_session *s, bool final)
{
	uint64_t t = now_ns(), dt = t - s->progress_t0;
	double rate = dt ? (double)s->stats.nr_samples * 1e9 / (double)dt : 0;

	if (final) {
		fprintf(stderr, "\r%60s\r", "");
		return;
	}
	if (s->map && s->hdr.data.size)
		fprintf(stderr, "\r[%3.0f%%] %" PRIu64 " events, %.1f M events/s ",
			100.0 * (double)s->stats.bytes_read / (double)s->hdr.data.size,
			s->stats.nr_samples, rate / 1e6);
	else
		fprintf(stderr, "\r%" PRIu64 " events, %.1f M events/s ", s->stats.nr_samples,
			rate / 1e6);
}

/* Drop pages of the map that nothing queued points into any more. */
static void trim_map(struct pdata_session *s)
{
	uint64_t lim = oq_min_file_offset(&s->q), page = 4096;

	if (lim > s->src_pos)
		lim = s->src_pos;
	lim &= ~(page - 1);
	if (lim > s->trimmed + TRIM_STEP) {
		uint64_t from = s->trimmed & ~(page - 1);

		madvise((void *)(s->map + from), lim - from, MADV_DONTNEED);
		s->trimmed = lim;
	}
}

static bool header_has_features(const struct pdata_session *s)
{
	size_t i;

	for (i = 0; i < sizeof(s->hdr.adds_features) / sizeof(s->hdr.adds_features[0]); i++)
		if (s->hdr.adds_features[i])
			return true;
	return false;
}

int pdata_session__process(struct pdata_session *s, struct pdata_tool *tool)
{
	const union perf_event *ev = NULL;
	struct arena_chunk *owner;
	uint64_t off = 0, n = 0;
	bool progress = s->opts.progress;
	uint64_t progress_mask = 0xffff, progress_delay = 1000000000ull;
	int r = 0, err = 0;

	if (s->processed)
		return ovp_err(-EINVAL, "a session is processed once");
	s->processed = true;
	s->tool = tool;
	if (!s->src_inited)
		src_init(s);
	/* A pipe's source was set by src_init() (and read_header may have read
	 * on); a file's records are its data section. */
	if (s->map && !s->pipe) {
		s->src_pos = s->hdr.data.offset;
		s->src_end = s->hdr.data.offset + s->hdr.data.size;
		if (s->src_end > s->file_size || s->src_end < s->src_pos)
			s->src_end = s->file_size;
		if (!s->feature_table_ok &&
		    ((!s->hdr.data.size && s->file_size > s->src_end) || !header_has_features(s))) {
			/* The recorder did not finish (killed): its header counts
			 * the records it had flushed, or none, and no feature table
			 * follows them.  perf reads such a file's data to the end;
			 * so do we. */
			note_truncated(s, "the header counts %" PRIu64 " bytes of data and no "
				       "feature table follows them (the recorder did not finish?): "
				       "reading the data to the end of the file", s->hdr.data.size);
			s->src_end = s->file_size;
		}
		err = send_ready(s);
		if (err)
			goto out;
	}
	s->progress_t0 = s->progress_last = now_ns();
	/* OVSPERF_PROGRESS_TEST=1 (tests): check after every 1024 records and
	 * show progress at once, so small recordings exercise it. */
	if (getenv("OVSPERF_PROGRESS_TEST")) {
		progress_mask = 0x3ff;
		progress_delay = 0;
		s->progress_last = 0;
	}

	for (;;) {
		if (s->map && s->ready_sent && !s->opts.no_ordering) {
			r = queue_mapped_samples(s, &n, progress_mask);
			if (r < 0) {
				err = r;
				goto out;
			}
			if (!r)
				goto generic;	/* stopped before another record, or at the end */
		} else {
generic:
			r = src_next(s, &ev, &off, &owner);
			if (r != 1)
				break;
			err = process_record(s, ev, off, owner);
			if (err == -EBADMSG) {
				/* The reader's code for damaged data (a callback
				 * never returns it): stop here, keep what was read. */
				r = err;
				break;
			}
			if (err)
				goto out;
			++n;
		}
		if ((n & progress_mask) == 0) {
			if (s->map && !s->pipe)
				trim_map(s);
			/* At most four lines a second; a file read in under a
			 * second shows none. */
			if (progress && now_ns() - s->progress_last >= 250000000ull) {
				s->progress_last = now_ns();
				if (s->progress_last - s->progress_t0 >= progress_delay) {
					show_progress(s, false);
					s->progress_shown = true;
				}
			}
		}
		if (s->interrupted)
			break;
	}
	if (r < 0 && r != -ENOMEM) {
		/* Damaged or unreadable data: deliver what came before it, say
		 * where it stopped. */
		note_truncated(s, "%s: the data after it cannot be read; results cover the %" PRIu64
			       " bytes of data before it", ovp_errmsg(), s->stats.bytes_read);
	} else if (r < 0) {
		err = r;
		goto out;
	}
	if (s->interrupted && !s->stopped && !s->eof && (s->map ? s->src_pos < s->src_end : true))
		s->stats.interrupted = true;
	err = send_ready(s);
	err = err ?: flush_queue(s, UINT64_MAX);
	err = err ?: tool->done(tool, s);
out:
	s->stats.nr_out_of_order = s->q.nr_out_of_order;
	if (progress && s->progress_shown)
		show_progress(s, true);
	return err;
}

void pdata_session__interrupt(struct pdata_session *s)
{
	s->interrupted = true;
}

void pdata_session__stop(struct pdata_session *s)
{
	s->stopped = true;
	s->interrupted = true;
}

bool pdata_session__is_stream(const struct pdata_session *s)
{
	return !s->map;
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
