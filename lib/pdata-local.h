/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdata-local.h - internals of the perf.data reader shared by its files:
 * pdata-session.c (open, close, accessors), pdata-header.c (header,
 * attributes, features, tracing data), pdata-read.c (records, ordering,
 * delivery), pdata-sample.c (decoding), pdata-threads.c, pdata-arena.c,
 * pdata-zstd.c, pdata-names.c and pdata-kallsyms.c.
 *
 * Who calls whom (no circle): session -> header, read -> header, sample,
 * threads, arena, zstd, kallsyms, progress; zstd -> arena (and back to the
 * reader only through the function it is given); every file -> names.
 */
#ifndef OVSPERF_PDATA_LOCAL_H
#define OVSPERF_PDATA_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsperf/hash.h"
#include "ovsperf/hmap.h"
#include "ovsperf/kboot.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/pdata.h"
#include "oqueue.h"
#include "progress.h"

#define PERF_MAGIC2 0x32454c4946524550ULL	/* "PERFILE2" little endian */
#define PERF_MAGIC2_SWAPPED 0x50455246494c4532ULL

struct perf_file_section {
	uint64_t offset;
	uint64_t size;
};

struct perf_file_header {
	uint64_t magic;
	uint64_t size;
	uint64_t attr_size;
	struct perf_file_section attrs;
	struct perf_file_section data;
	struct perf_file_section event_types;
	uint64_t adds_features[4];
};

/* Maps a sample id to its evsel: open addressing, ids are sparse u64s. */
struct id_map {
	uint64_t *ids;
	int32_t *idx;
	size_t cap, nr;
	/* The kernel numbers ids from one counter: when they span fewer than
	 * ID_DENSE_MAX values, dense[id - dense_base] is the evsel index (-1
	 * none) for dense_n ids, looked up without hashing or probing. */
	int32_t *dense;
	uint64_t dense_base, dense_n;
	uint64_t min_id, max_id;
};

#define ID_DENSE_MAX 4096

/* Most threads a session knows (ovsperf-analyze(1), LIMITS): tids come from
 * the file, one per COMM or FORK record (~64 bytes each).  Beyond, a thread
 * has no name and no process, one warning (pdata-threads.c). */
#define PDATA_MAX_THREADS 1048576

/* A thread known from COMM/FORK records. */
struct pdata_thread {
	struct ovp_hmap_node node;	/* in the session's threads, by tid */
	uint32_t tid;
	int64_t pid;
	char comm[16 + 1];
	bool comm_set;
};

/*
 * Arena for records that do not live in the file mapping (pipe mode reads,
 * decompressed zstd payloads).  Chunks are reference counted by the queued
 * entries that point into them and recycled when the count drops to zero.
 */
struct arena_chunk {
	struct arena_chunk *next;	/* free list */
	struct arena_chunk *all_next, *all_prev;	/* every chunk, for exit */
	size_t size, used;
	uint64_t refs;
	bool sealed;	/* no more appends: free when refs reach 0 */
	_Alignas(8) char data[];	/* records are read as u64s: keep them aligned */
};

struct arena {
	struct arena_chunk *cur;
	struct arena_chunk *free;
	struct arena_chunk *all;
	size_t nr_chunks;
};

struct pdata_session {
	char *path;
	int fd;
	bool pipe;
	volatile bool interrupted;	/* set from a signal handler */
	bool stopped;			/* pdata_session__stop(): a tool read enough */
	bool processed;
	bool ready_sent;
	bool src_inited;		/* src_pos/src_end set (read_header or process) */
	int ready_err;		/* what send_ready() returned the first time */
	bool feature_table_ok;	/* file mode: a well-formed feature table follows the data */
	bool data_tracing;	/* file mode: TRACING_DATA was read from the data's first record */
	struct pdata_open_opts opts;

	/* File mode: the whole file mapped read-only. */
	const uint8_t *map;
	uint64_t file_size;
	uint64_t trimmed;	/* bytes before this were madvise(DONTNEED)ed */
	struct perf_file_header hdr;

	size_t copied_bytes;	/* copied records queued, with their entries */

	/* Pipe mode: a read buffer. */
	uint8_t *pbuf;
	size_t pbuf_size, pbuf_len, pbuf_pos;
	bool eof;

	/* The record source: map positions, or bytes consumed from the pipe. */
	uint64_t src_pos, src_end, stream_off;

	struct pdata_evsel **evsels;
	int nr_evsels;
	struct id_map ids;
	uint64_t sample_type_first;	/* sample_type of the first attr (trailers) */
	bool sample_id_all;
	bool has_identifier;		/* every attr has PERF_SAMPLE_IDENTIFIER */
	int id_pos, is_pos;

	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	char *tracing_kallsyms;		/* kallsyms text from TRACING_DATA */
	size_t tracing_kallsyms_size;
	char *ext_kallsyms;		/* --kallsyms file */
	struct kboot kboot;		/* the recorded boot (pdata-kallsyms.c) */
	bool kboot_filled;
	struct ksyms *host_ksyms;	/* /proc/kallsyms, loaded on first %pS */
	bool host_ksyms_tried;
	struct archive_reader *archive;	/* when the input is an ovsperf archive */

	struct pdata_info info;
	struct pdata_stats stats;
	struct pdata_build_id *build_ids;
	int nr_build_ids;
	char *strings[32];		/* owned strings of info */
	int nr_strings;

	struct ovp_hmap threads;	/* struct pdata_thread by tid (pdata-threads.c) */

	struct oqueue q;
	struct arena arena;
	void *zstd;			/* ZSTD_DStream */
	uint8_t *zbuf;			/* decompression output */
	size_t zbuf_size;
	uint8_t *zrem;			/* partial record carried across COMPRESSED */
	size_t zrem_len, zrem_cap;
	uint64_t comp_mmap_len;

	struct pdata_tool *tool;
	/* The sample handed to the tool (borrowed for the callback only).
	 * cur_tp: it holds no field but those perf record's tracepoint layout
	 * sets, so the next such sample overwrites them without clearing. */
	struct pdata_sample cur;
	bool cur_tp;
	uint64_t last_round_max;	/* perf's next_flush */
	uint64_t cur_round_max;
	struct progress progress;
};

/* pdata-kallsyms.c: set info.kallsyms from --kallsyms, the archive or the
 * recording, refusing a text of another boot; or mark /proc/kallsyms as the
 * recorded boot's (info.kallsyms_host). */
int pdata__choose_kallsyms(struct pdata_session *s);

/* pdata-header.c */
int pdata__read_file_header(struct pdata_session *s);
int pdata__add_attr(struct pdata_session *s, const struct perf_event_attr *attr, uint32_t attr_bytes,
		    const uint64_t *ids, uint64_t nr_ids);
int pdata__process_feature(struct pdata_session *s, int feat, const uint8_t *buf, uint64_t size);
int pdata__parse_tracing_data(struct pdata_session *s, const uint8_t *buf, uint64_t size);
/* File mode without a TRACING_DATA feature: the formats of a HEADER_TRACING_DATA
 * record opening the data (an unfinished ovsperf-probe record), read with the
 * header.  Return: 0 or -ENOMEM. */
int pdata__read_data_tracing(struct pdata_session *s);
int pdata__finish_evsels(struct pdata_session *s);
char *pdata__strdup_owned(struct pdata_session *s, const char *str, size_t len);
int pdata__set_evsel_name(struct pdata_session *s, uint64_t id, const char *name);
/* Sample ids come from the file: the seeded hash. */
static inline uint64_t pdata__hash_id(uint64_t id)
{
	return ovp_hash64(id);
}

/* The evsel of sample id @id, NULL if unknown (inline: once per sample). */
static inline struct pdata_evsel *pdata__evsel_by_id(const struct pdata_session *s, uint64_t id)
{
	const struct id_map *m = &s->ids;
	uint64_t d = id - m->dense_base;
	size_t i;

	if (d < m->dense_n)
		return m->dense[d] >= 0 ? s->evsels[m->dense[d]] : NULL;
	if (!m->cap)
		return NULL;
	i = pdata__hash_id(id) & (m->cap - 1);
	while (m->idx[i] >= 0) {
		if (m->ids[i] == id)
			return s->evsels[m->idx[i]];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

/* pdata-names.c: has record type @type a name (is it known)? */
bool pdata__record_named(uint32_t type);

/* pdata-threads.c: the session's thread map (init after the session is
 * zeroed, exit frees every thread), and what a COMM or FORK record tells of
 * a thread. */
void pdata__threads_init(struct pdata_session *s);
void pdata__threads_exit(struct pdata_session *s);
void pdata__thread_comm(struct pdata_session *s, const union perf_event *event);
void pdata__thread_fork(struct pdata_session *s, const union perf_event *event);

/* pdata-arena.c: @size bytes (8-aligned) for a copied record; *owner gets
 * its chunk, which the queue entry references (owner->refs). */
void *pdata__arena_alloc(struct arena *a, size_t size, struct arena_chunk **owner);
/* A queued record of chunk @c was delivered. */
void pdata__arena_unref(struct arena *a, struct arena_chunk *c);
void pdata__arena_exit(struct arena *a);

/* What the reader does with one record (pdata-read.c's process_record()):
 * @owner is the arena chunk holding a copy, or NULL. */
typedef int pdata_record_fn(struct pdata_session *s, const union perf_event *event, uint64_t off,
			    struct arena_chunk *owner);

/* pdata-zstd.c: decompress a COMPRESSED or COMPRESSED2 record (at file
 * offset @off) and hand each whole record to @process_record, copied into
 * the arena.  Return 0, -ENOMEM, -EBADMSG (message set) or what
 * @process_record returned. */
int pdata__zstd_records(struct pdata_session *s, const union perf_event *event, uint64_t off,
			pdata_record_fn *process_record);
void pdata__zstd_exit(struct pdata_session *s);

#endif /* OVSPERF_PDATA_LOCAL_H */
