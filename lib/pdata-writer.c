// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-writer.c - the perf.data writer (see pdata-writer.h): the last stage of
 * `ovsperf-probe record` and the synthetic-file benchmark.
 *
 * Design: the file is written front to back through one buffer with pwrite()
 * at a tracked offset, so records cost a memcpy.  The 104-byte header is
 * kept current as the file grows: at every flush it says where the
 * attributes and the data are and how many bytes of whole records are on
 * disk, with no features yet, so a writer killed at any moment (SIGKILL)
 * leaves a file readers take for what it is, a recording that did not
 * finish (perf reads such a file's data to its end, and so does
 * ovsperf-analyze).  At close it is rewritten with the final data size and
 * the feature bitmap.  Attributes (and their id arrays) go right after
 * the header, which is why they must all be known before the first record:
 * the data section starts after them.  At close the feature section table
 * (one struct perf_file_section per set feature bit, in bit order) is written
 * right after the data, where perf looks for it (data.offset + data.size),
 * followed by the payloads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/outfile.h"
#include "ovsperf/pdata.h"
#include "ovsperf/pdata-writer.h"
#include "ovsperf/strutil.h"

#ifndef OVSPERF_VERSION
#define OVSPERF_VERSION "0"
#endif

/* perf's padding of header strings (tools/perf/util/header.h NAME_ALIGN). */
#define NAME_ALIGN 64
#define WRITER_BUF_SIZE (1u << 20)
#define ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

_Static_assert(sizeof(struct perf_event_header) == 8, "perf_event_header");

/* On-disk section pointer. */
struct file_section {
	uint64_t offset;	/* from the start of the file */
	uint64_t size;		/* bytes */
};

/* On-disk header (perf's struct perf_file_header), 104 bytes. */
struct file_header {
	uint64_t magic;			/* "PERFILE2" in native byte order */
	uint64_t size;			/* sizeof(struct file_header) */
	uint64_t attr_size;		/* attr + its ids section */
	struct file_section attrs;
	struct file_section data;
	struct file_section event_types;	/* unused, zero */
	uint64_t features[PDATA_FEAT_MAX / 64];	/* feature bitmap */
};

_Static_assert(sizeof(struct file_header) == 104, "perf_file_header is 104 bytes");

/* One attribute of the recording. */
struct writer_attr {
	struct perf_event_attr attr;	/* zero-extended, attr.size = sizeof */
	uint64_t *ids;			/* kernel ids */
	size_t nr_ids;
	char *name;			/* for EVENT_DESC */
};

/* A feature payload. */
struct writer_feat {
	void *data;
	size_t size;
	bool set;
	bool sent;	/* pipe mode: already written as a HEADER_FEATURE record */
};

struct pdata_writer {
	int fd;			/* output file */
	bool own_fd;		/* opened by us: close it */
	struct ovp_outfile *out;	/* pdata_writer__open()'s file, or NULL */
	char *buf;		/* pending bytes, written at @off */
	size_t len;		/* bytes in @buf */
	uint64_t off;		/* file offset of buf[0] */
	bool started;		/* header, attrs and ids are in the buffer */
	bool finishing;		/* close: the final header is written last */
	uint64_t attrs_offset;
	uint64_t data_offset;	/* start of the data section */
	uint64_t data_size;	/* bytes of records */
	struct writer_attr *attrs;
	size_t nr_attrs;
	struct writer_feat feats[PDATA_FEAT_MAX];
	bool pipe;		/* pipe mode: a stream, never seeks */
	bool tracing_in_data;	/* file mode: TRACING_DATA opens the data section */
	size_t ksyms_off;	/* TRACING_DATA's kallsyms block: offset of its u32 */
	size_t ksyms_len;	/* ...and the bytes of text after it */
	uint64_t tracing_rec;	/* bytes of the HEADER_TRACING_DATA record opening the data */
	uint64_t *size_out;	/* receives the bytes written at close, or NULL */
};


static int writer_new(struct pdata_writer **out, int fd, bool own_fd)
{
	struct pdata_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return ovp_err(-ENOMEM, "perf.data writer: out of memory");
	w->buf = malloc(WRITER_BUF_SIZE);
	if (!w->buf) {
		free(w);
		return ovp_err(-ENOMEM, "perf.data writer: out of memory");
	}
	w->fd = fd;
	w->own_fd = own_fd;
	*out = w;
	return 0;
}

static int open_outfile(struct pdata_writer **out, const char *path, unsigned int flags)
{
	struct ovp_outfile *of;
	int err;

	err = ovp_outfile__open(&of, path, OVP_OUTFILE_PRIVATE | flags);
	if (err)
		return err;
	err = writer_new(out, ovp_outfile__fd(of), false);
	if (err) {
		ovp_outfile__abort(of);
		return err;
	}
	(*out)->out = of;
	return 0;
}

int pdata_writer__open(struct pdata_writer **out, const char *path)
{
	/* A recording killed by a signal leaves its temporary: what it holds
	 * can still be read. */
	return open_outfile(out, path, OVP_OUTFILE_KEEP_PARTIAL);
}

int pdata_writer__open_in_place(struct pdata_writer **out, const char *path)
{
	return open_outfile(out, path, OVP_OUTFILE_IN_PLACE);
}

int pdata_writer__open_fd(struct pdata_writer **out, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return ovp_err(-errno, "perf.data writer: bad file descriptor: %s",
			       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ovp_err(-ESPIPE, "perf.data writer: output must be a regular file");
	if (ftruncate(fd, 0) < 0)
		return ovp_err(-errno, "perf.data writer: cannot truncate: %s", strerror(errno));
	return writer_new(out, fd, false);
}

int pdata_writer__open_pipe(struct pdata_writer **out, int fd)
{
	int err = writer_new(out, fd, false);

	if (!err)
		(*out)->pipe = true;
	return err;
}

void pdata_writer__set_size_out(struct pdata_writer *w, uint64_t *size)
{
	w->size_out = size;
}

int pdata_writer__tracing_in_data(struct pdata_writer *w)
{
	if (w->started)
		return ovp_err(-EBUSY, "perf.data writer: tracing data placed after the first "
			       "record");
	w->tracing_in_data = true;
	return 0;
}

static int write_header(struct pdata_writer *w, const uint64_t *features);

/* Write the buffer at its offset (in pipe mode, where the stream is), then,
 * in file mode, the header for what is on disk. */
static int flush(struct pdata_writer *w)
{
	size_t done = 0;

	while (done < w->len) {
		ssize_t n = w->pipe ? write(w->fd, w->buf + done, w->len - done) :
				      pwrite(w->fd, w->buf + done, w->len - done, w->off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 && w->out)
			return ovp_outfile__failed(w->out, n < 0 ? -errno : -EIO);
		if (n <= 0)
			return ovp_err(n < 0 ? -errno : -EIO, "writing perf.data: %s",
				       n < 0 ? strerror(errno) : "short write");
		done += n;
	}
	w->off += w->len;
	w->len = 0;
	/* Every record of an earlier pdata_writer__write() was in the buffer:
	 * w->data_size bytes of whole records are on disk now. */
	if (w->started && !w->finishing && !w->pipe)
		return write_header(w, NULL);
	return 0;
}

/* Append bytes to the file through the buffer. */
static int emit(struct pdata_writer *w, const void *data, size_t size)
{
	const char *p = data;
	int err;

	while (size) {
		size_t n = WRITER_BUF_SIZE - w->len;

		if (n > size)
			n = size;
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		p += n;
		size -= n;
		if (w->len == WRITER_BUF_SIZE) {
			err = flush(w);
			if (err)
				return err;
		}
	}
	return 0;
}

static int emit_zeros(struct pdata_writer *w, size_t size)
{
	static const char zeros[256];
	int err = 0;

	while (size && !err) {
		size_t n = size < sizeof(zeros) ? size : sizeof(zeros);

		err = emit(w, zeros, n);
		size -= n;
	}
	return err;
}

/* File offset of the next byte emitted. */
static uint64_t position(const struct pdata_writer *w)
{
	return w->off + w->len;
}

static int start_pipe(struct pdata_writer *w);

/* TRACING_DATA as a HEADER_TRACING_DATA record: its 16 bytes, then the
 * payload padded to 8 (perf's layout, in a pipe and in a file alike).  The
 * record carries no kallsyms block (a stream's never has one; a file keeps
 * it in the feature, written at close). */
static int emit_tracing_record(struct pdata_writer *w)
{
	const struct writer_feat *tr = &w->feats[PDATA_FEAT_TRACING_DATA];
	const char *data = tr->data;
	size_t ks_end = w->ksyms_len ? w->ksyms_off + 4 + w->ksyms_len : 0;
	size_t size = tr->size - w->ksyms_len;
	struct { struct perf_event_header h; uint32_t size, pad; } rec = {
		.h = { .type = PDATA_RECORD_HEADER_TRACING_DATA, .size = 16 },
		.size = (uint32_t)ALIGN_UP(size, 8),
	};
	static const uint32_t no_ksyms;
	int err;

	err = emit(w, &rec, sizeof(rec));
	if (!ks_end) {
		err = err ?: emit(w, data, tr->size);
	} else {
		err = err ?: emit(w, data, w->ksyms_off);
		err = err ?: emit(w, &no_ksyms, 4);
		err = err ?: emit(w, data + ks_end, tr->size - ks_end);
	}
	return err ?: emit_zeros(w, rec.size - size);
}

/* Lay out the header placeholder, the attributes and their ids. */
static int start(struct pdata_writer *w)
{
	uint64_t ids_off;
	size_t i;
	int err;

	if (w->started)
		return 0;
	w->started = true;
	if (w->pipe)
		return start_pipe(w);
	err = emit_zeros(w, sizeof(struct file_header));
	w->attrs_offset = position(w);
	ids_off = w->attrs_offset +
		  w->nr_attrs * (sizeof(struct perf_event_attr) + sizeof(struct file_section));
	for (i = 0; i < w->nr_attrs && !err; i++) {
		struct file_section ids = {
			.offset = ids_off,
			.size = w->attrs[i].nr_ids * sizeof(uint64_t),
		};

		err = emit(w, &w->attrs[i].attr, sizeof(w->attrs[i].attr));
		err = err ?: emit(w, &ids, sizeof(ids));
		ids_off += ids.size;
	}
	for (i = 0; i < w->nr_attrs && !err; i++)
		err = emit(w, w->attrs[i].ids, w->attrs[i].nr_ids * sizeof(uint64_t));
	w->data_offset = position(w);
	if (!err && w->tracing_in_data && w->feats[PDATA_FEAT_TRACING_DATA].set) {
		/* The first record: the formats are on disk, and counted by the
		 * header, before any sample.  The feature is still written at
		 * close, and the final header's data starts after this record:
		 * perf wants the feature in a file with tracepoints, and reads
		 * the formats once (a second copy breaks its size check). */
		err = emit_tracing_record(w);
		w->tracing_rec = w->data_size = position(w) - w->data_offset;
	}
	return err;
}

int pdata_writer__add_attr(struct pdata_writer *w, const struct perf_event_attr *attr,
			   const uint64_t *ids, size_t nr_ids, const char *name)
{
	struct writer_attr *a, *attrs;
	size_t sz;

	if (w->started)
		return ovp_err(-EBUSY, "perf.data writer: attribute added after the first record");
	attrs = realloc(w->attrs, (w->nr_attrs + 1) * sizeof(*attrs));
	if (!attrs)
		return ovp_err(-ENOMEM, "perf.data writer: out of memory");
	w->attrs = attrs;
	a = &attrs[w->nr_attrs];
	memset(a, 0, sizeof(*a));
	sz = attr->size ? attr->size : PERF_ATTR_SIZE_VER0;
	if (sz > sizeof(a->attr))
		sz = sizeof(a->attr);
	memcpy(&a->attr, attr, sz);
	/* perf reads attr.size bytes of each attribute, then its ids section,
	 * so the stored size must be the one we write. */
	a->attr.size = sizeof(a->attr);
	a->ids = malloc(nr_ids ? nr_ids * sizeof(*ids) : 1);
	a->name = strdup(name ? name : "");
	if (!a->ids || !a->name) {
		free(a->ids);
		free(a->name);
		return ovp_err(-ENOMEM, "perf.data writer: out of memory");
	}
	if (nr_ids)
		memcpy(a->ids, ids, nr_ids * sizeof(*ids));
	a->nr_ids = nr_ids;
	w->nr_attrs++;
	return 0;
}

int pdata_writer__write(struct pdata_writer *w, const void *data, size_t size)
{
	const char *p = data;
	size_t off = 0;
	int err;

	while (off < size) {
		struct perf_event_header hdr;

		if (size - off < sizeof(hdr))
			return ovp_err(-EINVAL, "perf.data writer: truncated record");
		memcpy(&hdr, p + off, sizeof(hdr));
		if (hdr.size < sizeof(hdr) || hdr.size % 8 || hdr.size > size - off)
			return ovp_err(-EINVAL, "perf.data writer: bad record size %u (type %u)",
				       hdr.size, hdr.type);
		off += hdr.size;
	}
	err = start(w);
	err = err ?: emit(w, data, size);
	if (!err)
		w->data_size += size;
	return err;
}

int pdata_writer__finished_round(struct pdata_writer *w)
{
	struct perf_event_header hdr = {
		.type = PDATA_RECORD_FINISHED_ROUND,
		.size = sizeof(hdr),
	};

	return pdata_writer__write(w, &hdr, sizeof(hdr));
}

uint64_t pdata_writer__data_size(const struct pdata_writer *w)
{
	return w->data_size;
}

int pdata_writer__set_feature(struct pdata_writer *w, int feat, const void *data, size_t size)
{
	struct writer_feat *f;
	void *copy;

	if (feat <= 0 || feat >= PDATA_FEAT_MAX)
		return ovp_err(-EINVAL, "perf.data writer: bad feature %d", feat);
	copy = malloc(size ? size : 1);
	if (!copy)
		return ovp_err(-ENOMEM, "perf.data writer: out of memory");
	if (size)
		memcpy(copy, data, size);
	f = &w->feats[feat];
	if (feat == PDATA_FEAT_TRACING_DATA)
		w->ksyms_off = w->ksyms_len = 0;	/* pdata_writer__set_tracing() sets them */
	free(f->data);
	f->data = copy;
	f->size = size;
	f->set = true;
	return 0;
}

/* A growable byte buffer for building payloads. */
struct payload {
	char *p;
	size_t len, cap;
	int err;	/* sticky */
};

static void put(struct payload *b, const void *data, size_t size)
{
	if (b->err)
		return;
	if (b->len + size > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *p;

		while (cap < b->len + size)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + b->len, data, size);
	else
		memset(b->p + b->len, 0, size);
	b->len += size;
}

static void put_u32(struct payload *b, uint32_t v)
{
	put(b, &v, sizeof(v));
}

/* perf's struct perf_header_string: u32 padded length, NUL-padded text. */
static void put_string(struct payload *b, const char *s)
{
	size_t len = strlen(s) + 1;
	size_t olen = ALIGN_UP(len, NAME_ALIGN);

	put_u32(b, olen);
	put(b, s, len);
	put(b, NULL, olen - len);
}

static int set_payload(struct pdata_writer *w, int feat, struct payload *b)
{
	int err = b->err;

	if (err)
		err = ovp_err(err, "perf.data writer: out of memory");
	else
		err = pdata_writer__set_feature(w, feat, b->p, b->len);
	free(b->p);
	return err;
}

int pdata_writer__set_string(struct pdata_writer *w, int feat, const char *s)
{
	struct payload b = { 0 };

	put_string(&b, s);
	return set_payload(w, feat, &b);
}

int pdata_writer__set_cmdline(struct pdata_writer *w, int argc, char *const *argv)
{
	struct payload b = { 0 };
	int i;

	put_u32(&b, argc);
	for (i = 0; i < argc; i++)
		put_string(&b, argv[i]);
	return set_payload(w, PDATA_FEAT_CMDLINE, &b);
}

/* Highest present CPU + 1, from /sys (perf's nr_cpus_avail). */
static uint32_t nr_cpus_present(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? n : 1;
}

/* Value of the first "KEY<blanks>: value" line of a /proc text, or NULL. */
static char *proc_value(const char *text, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == '\t' ||
						  line[klen] == ':')) {
			const char *v = strchr(line, ':');
			size_t n;

			if (!v)
				return NULL;
			v += 1 + strspn(v + 1, " \t");
			n = strcspn(v, "\n");
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return NULL;
}

/* CPUDESC, CPUID ("vendor,family,model,stepping" as perf on x86) and
 * TOTAL_MEM (kB): best effort, missing /proc lines leave them out. */
static int set_cpu_features(struct pdata_writer *w)
{
	char *cpuinfo = NULL, *meminfo = NULL;
	char desc[256], vendor[64], fam[16], model[16], step[16], id[256], mem[64];
	int err = 0;

	if (!ovp_read_file("/proc/cpuinfo", &cpuinfo, NULL)) {
		if (proc_value(cpuinfo, "model name", desc, sizeof(desc)))
			err = pdata_writer__set_string(w, PDATA_FEAT_CPUDESC, desc);
		if (!err && proc_value(cpuinfo, "vendor_id", vendor, sizeof(vendor)) &&
		    proc_value(cpuinfo, "cpu family", fam, sizeof(fam)) &&
		    proc_value(cpuinfo, "model", model, sizeof(model)) &&
		    proc_value(cpuinfo, "stepping", step, sizeof(step))) {
			snprintf(id, sizeof(id), "%s,%s,%s,%s", vendor, fam, model, step);
			err = pdata_writer__set_string(w, PDATA_FEAT_CPUID, id);
		}
	}
	if (!err && !ovp_read_file("/proc/meminfo", &meminfo, NULL) &&
	    proc_value(meminfo, "MemTotal", mem, sizeof(mem))) {
		uint64_t kb = strtoull(mem, NULL, 10);

		err = pdata_writer__set_feature(w, PDATA_FEAT_TOTAL_MEM, &kb, sizeof(kb));
	}
	free(cpuinfo);
	free(meminfo);
	if (!err)
		ovp_err_clear();
	return err;
}

int pdata_writer__set_host_features(struct pdata_writer *w)
{
	struct utsname u;
	uint32_t nrcpus[2];
	long online;
	int err;

	if (uname(&u) < 0)
		return ovp_err(-errno, "uname: %s", strerror(errno));
	online = sysconf(_SC_NPROCESSORS_ONLN);
	nrcpus[0] = nr_cpus_present();		/* available */
	nrcpus[1] = online > 0 ? online : 1;	/* online */
	err = pdata_writer__set_string(w, PDATA_FEAT_HOSTNAME, u.nodename);
	err = err ?: pdata_writer__set_string(w, PDATA_FEAT_OSRELEASE, u.release);
	err = err ?: pdata_writer__set_string(w, PDATA_FEAT_ARCH, u.machine);
	err = err ?: pdata_writer__set_string(w, PDATA_FEAT_VERSION, "ovsperf " OVSPERF_VERSION);
	err = err ?: pdata_writer__set_feature(w, PDATA_FEAT_NRCPUS, nrcpus, sizeof(nrcpus));
	return err ?: set_cpu_features(w);
}

/* EVENT_DESC: u32 nr, u32 attr size, then per event: attr, u32 nr_ids,
 * name string, u64 ids[nr_ids]. */
static int set_event_desc(struct pdata_writer *w)
{
	struct payload b = { 0 };
	size_t i;

	put_u32(&b, w->nr_attrs);
	put_u32(&b, sizeof(struct perf_event_attr));
	for (i = 0; i < w->nr_attrs; i++) {
		put(&b, &w->attrs[i].attr, sizeof(w->attrs[i].attr));
		put_u32(&b, w->attrs[i].nr_ids);
		put_string(&b, w->attrs[i].name);
		put(&b, w->attrs[i].ids, w->attrs[i].nr_ids * sizeof(uint64_t));
	}
	return set_payload(w, PDATA_FEAT_EVENT_DESC, &b);
}

/*
 * Pipe mode (perf record -o -): a 16-byte header, then records only, as perf
 * writes a stream: HEADER_ATTR per event (attribute and ids), EVENT_UPDATE
 * with its name, HEADER_FEATURE per feature set so far, HEADER_TRACING_DATA
 * (the formats, needed before the first sample) and FINISHED_INIT; then the
 * data; at close HEADER_FEATURE for the features set since.  TRACING_DATA,
 * BUILD_ID and EVENT_DESC are not sent as features: perf takes them from
 * their own records, or from the attributes.
 */
static bool pipe_feature(int feat)
{
	return feat != PDATA_FEAT_TRACING_DATA && feat != PDATA_FEAT_BUILD_ID &&
	       feat != PDATA_FEAT_EVENT_DESC;
}

static int emit_record(struct pdata_writer *w, uint32_t type, const void *a, size_t asize,
		       const void *b, size_t bsize)
{
	static const char zeros[8];
	size_t size = sizeof(struct perf_event_header) + asize + bsize;
	struct perf_event_header h = { .type = type, .size = (uint16_t)ALIGN_UP(size, 8) };
	int err;

	if (ALIGN_UP(size, 8) > UINT16_MAX)
		return ovp_err(-E2BIG, "perf.data writer: record of %zu bytes for a pipe", size);
	err = emit(w, &h, sizeof(h));
	err = err ?: emit(w, a, asize);
	err = err ?: emit(w, b, bsize);
	return err ?: emit(w, zeros, h.size - size);
}

static int send_features(struct pdata_writer *w)
{
	int i, err = 0;

	for (i = 1; i < PDATA_FEAT_MAX && !err; i++) {
		uint64_t feat = (uint64_t)i;

		if (!w->feats[i].set || w->feats[i].sent || !pipe_feature(i))
			continue;
		w->feats[i].sent = true;
		err = emit_record(w, PDATA_RECORD_HEADER_FEATURE, &feat, sizeof(feat),
				  w->feats[i].data, w->feats[i].size);
	}
	return err;
}

static int start_pipe(struct pdata_writer *w)
{
	struct { uint64_t magic, size; } h = { .size = 16 };
	const struct writer_feat *tr = &w->feats[PDATA_FEAT_TRACING_DATA];
	size_t i;
	int err;

	memcpy(&h.magic, "PERFILE2", 8);
	err = emit(w, &h, sizeof(h));
	for (i = 0; i < w->nr_attrs && !err; i++) {
		const struct writer_attr *a = &w->attrs[i];
		size_t nlen = strlen(a->name) + 1;
		uint64_t upd[2] = { 1 /* PERF_EVENT_UPDATE__NAME */, a->nr_ids ? a->ids[0] : 0 };

		err = emit_record(w, PDATA_RECORD_HEADER_ATTR, &a->attr, sizeof(a->attr), a->ids,
				  a->nr_ids * sizeof(uint64_t));
		if (!err && a->nr_ids && nlen > 1)
			err = emit_record(w, PDATA_RECORD_EVENT_UPDATE, upd, sizeof(upd), a->name,
					  nlen);
	}
	err = err ?: send_features(w);
	if (!err && tr->set)
		err = emit_tracing_record(w);
	if (!err) {
		struct perf_event_header fi = { .type = PDATA_RECORD_FINISHED_INIT, .size = 8 };

		err = emit(w, &fi, sizeof(fi));
	}
	w->data_offset = position(w);
	return err;
}

/* Feature table and payloads after the data, then the real header. */
/* Write the 104-byte header at offset 0: @features NULL while recording. */
static int write_header(struct pdata_writer *w, const uint64_t *features)
{
	struct file_header h = { 0 };
	ssize_t n;

	memcpy(&h.magic, "PERFILE2", 8);
	h.size = sizeof(h);
	h.attr_size = sizeof(struct perf_event_attr) + sizeof(struct file_section);
	h.attrs.offset = w->attrs_offset;
	h.attrs.size = w->nr_attrs * h.attr_size;
	h.data.offset = w->data_offset;
	h.data.size = w->data_size;
	if (features)
		memcpy(h.features, features, sizeof(h.features));
	do {
		n = pwrite(w->fd, &h, sizeof(h), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(h))
		return ovp_err(n < 0 ? -errno : -EIO, "writing the perf.data header: %s",
			       n < 0 ? strerror(errno) : "short write");
	return 0;
}

int pdata_writer__flush(struct pdata_writer *w)
{
	int err = start(w);

	return err ?: flush(w);
}

static int finish(struct pdata_writer *w)
{
	struct file_section secs[PDATA_FEAT_MAX];
	struct file_header h = { 0 };
	uint64_t table_off, off;
	int i, nr = 0, err;

	err = start(w);
	if (w->pipe) {
		err = err ?: send_features(w);
		err = err ?: flush(w);
		if (!err && w->size_out)
			*w->size_out = w->off;
		return err;
	}
	if (!err && !w->feats[PDATA_FEAT_EVENT_DESC].set && w->nr_attrs)
		err = set_event_desc(w);
	if (err)
		return err;
	for (i = 1; i < PDATA_FEAT_MAX; i++)
		if (w->feats[i].set)
			nr++;
	w->finishing = true;
	table_off = position(w);
	off = table_off + nr * sizeof(struct file_section);
	nr = 0;
	for (i = 1; i < PDATA_FEAT_MAX; i++) {
		if (!w->feats[i].set)
			continue;
		secs[nr].offset = off;
		secs[nr].size = w->feats[i].size;
		off += w->feats[i].size;
		h.features[i / 64] |= 1ULL << (i % 64);
		nr++;
	}
	err = emit(w, secs, nr * sizeof(secs[0]));
	for (i = 1; i < PDATA_FEAT_MAX && !err; i++)
		if (w->feats[i].set)
			err = emit(w, w->feats[i].data, w->feats[i].size);
	err = err ?: flush(w);
	if (err)
		return err;
	if (w->size_out)
		*w->size_out = w->off;
	w->data_offset += w->tracing_rec;
	w->data_size -= w->tracing_rec;
	return write_header(w, h.features);
}

int pdata_writer__close(struct pdata_writer *w, int err)
{
	size_t i;

	if (!w)
		return err;
	if (!err)
		err = finish(w);
	if (w->own_fd && close(w->fd) < 0 && !err)
		err = ovp_err(-errno, "closing perf.data: %s", strerror(errno));
	if (w->out && !err)
		err = ovp_outfile__commit(w->out);
	else
		ovp_outfile__abort(w->out);
	for (i = 0; i < w->nr_attrs; i++) {
		free(w->attrs[i].ids);
		free(w->attrs[i].name);
	}
	for (i = 0; i < PDATA_FEAT_MAX; i++)
		free(w->feats[i].data);
	free(w->attrs);
	free(w->buf);
	free(w);
	return err;
}

/*
 * Tracing data.  The serialised form (trace-cmd's "tracing" file, which perf
 * embeds) is:
 *	"\027\010\104tracing" "0.6\0" u8 big_endian u8 sizeof(long) u32 page_size
 *	"header_page\0" u64 size text   "header_event\0" u64 size text
 *	u32 nr_ftrace_formats (0)
 *	u32 nr_systems { "system\0" u32 nr_events { u64 size format } }
 *	u32 size kallsyms   u32 size printk_formats   u64 size saved_cmdlines
 */

/* One event format. */
struct tracing_format {
	char *system;
	char *text;
};

struct pdata_tracing {
	char *header_page;
	char *header_event;
	struct tracing_format *formats;
	size_t nr_formats;
	char *text[3];		/* kallsyms, printk formats, saved cmdlines */
	size_t text_size[3];
};

int pdata_tracing__new(struct pdata_tracing **out, const char *header_page,
		       const char *header_event)
{
	struct pdata_tracing *t = calloc(1, sizeof(*t));

	if (t) {
		t->header_page = strdup(header_page);
		t->header_event = strdup(header_event);
	}
	if (!t || !t->header_page || !t->header_event) {
		pdata_tracing__delete(t);
		return ovp_err(-ENOMEM, "tracing data: out of memory");
	}
	*out = t;
	return 0;
}


int pdata_tracing__new_tracefs(struct pdata_tracing **out, const char *tracefs)
{
	char path[4096];
	char *page = NULL, *event = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/events/header_page", tracefs);
	err = ovp_read_file(path, &page, NULL);
	snprintf(path, sizeof(path), "%s/events/header_event", tracefs);
	err = err ?: ovp_read_file(path, &event, NULL);
	err = err ?: pdata_tracing__new(out, page, event);
	free(page);
	free(event);
	return err;
}

int pdata_tracing__add_format(struct pdata_tracing *t, const char *system, const char *format)
{
	struct tracing_format *f;

	f = realloc(t->formats, (t->nr_formats + 1) * sizeof(*f));
	if (!f)
		return ovp_err(-ENOMEM, "tracing data: out of memory");
	t->formats = f;
	f = &f[t->nr_formats];
	f->system = strdup(system);
	f->text = strdup(format);
	if (!f->system || !f->text) {
		free(f->system);
		free(f->text);
		return ovp_err(-ENOMEM, "tracing data: out of memory");
	}
	t->nr_formats++;
	return 0;
}

int pdata_tracing__add_tracefs_event(struct pdata_tracing *t, const char *tracefs,
				     const char *system, const char *event, uint64_t *id)
{
	char path[4096];
	char *text, *p;
	int err;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, system, event);
	err = ovp_read_file(path, &text, NULL);
	if (err == -ENOENT)
		return ovp_err(err, "no tracepoint %s:%s in %s", system, event, tracefs);
	if (err)
		return err;
	p = strstr(text, "\nID: ");
	if (!p && !strncmp(text, "ID: ", 4))
		p = text - 1;
	if (!p) {
		free(text);
		return ovp_err(-EINVAL, "%s: no ID line", path);
	}
	if (id)
		*id = strtoull(p + 5, NULL, 10);
	err = pdata_tracing__add_format(t, system, text);
	free(text);
	return err;
}

int pdata_tracing__set_text(struct pdata_tracing *t, int which, const char *text, size_t size)
{
	char *copy = NULL;

	if (which < 0 || which > 2)
		return ovp_err(-EINVAL, "tracing data: bad text block %d", which);
	if (text) {
		copy = malloc(size + 1);
		if (!copy)
			return ovp_err(-ENOMEM, "tracing data: out of memory");
		memcpy(copy, text, size);
		copy[size] = '\0';
	}
	free(t->text[which]);
	t->text[which] = copy;
	t->text_size[which] = text ? size : 0;
	return 0;
}

void pdata_tracing__delete(struct pdata_tracing *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nr_formats; i++) {
		free(t->formats[i].system);
		free(t->formats[i].text);
	}
	for (i = 0; i < 3; i++)
		free(t->text[i]);
	free(t->formats);
	free(t->header_page);
	free(t->header_event);
	free(t);
}

static void put_u64(struct payload *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

int pdata_writer__set_tracing(struct pdata_writer *w, const struct pdata_tracing *t)
{
	static const char magic[] = { 027, 010, 0104, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	struct payload b = { 0 };
	uint32_t nr_systems = 0;
	size_t i, j, ksyms_off;
	uint8_t u8;
	bool *done;
	int err;

	done = calloc(t->nr_formats + 1, sizeof(*done));
	if (!done)
		return ovp_err(-ENOMEM, "tracing data: out of memory");
	put(&b, magic, sizeof(magic));
	put(&b, "0.6", 4);
	u8 = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	put(&b, &u8, 1);
	u8 = sizeof(long);
	put(&b, &u8, 1);
	put_u32(&b, sysconf(_SC_PAGESIZE));
	put(&b, "header_page", 12);
	put_u64(&b, strlen(t->header_page));
	put(&b, t->header_page, strlen(t->header_page));
	put(&b, "header_event", 13);
	put_u64(&b, strlen(t->header_event));
	put(&b, t->header_event, strlen(t->header_event));
	put_u32(&b, 0);		/* ftrace formats */

	for (i = 0; i < t->nr_formats; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(t->formats[i].system, t->formats[j].system))
				break;
		if (j == i)
			nr_systems++;
	}
	put_u32(&b, nr_systems);
	for (i = 0; i < t->nr_formats; i++) {
		uint32_t nr = 0;

		if (done[i])
			continue;
		for (j = i; j < t->nr_formats; j++)
			if (!strcmp(t->formats[i].system, t->formats[j].system))
				nr++;
		put(&b, t->formats[i].system, strlen(t->formats[i].system) + 1);
		put_u32(&b, nr);
		for (j = i; j < t->nr_formats; j++) {
			if (strcmp(t->formats[i].system, t->formats[j].system))
				continue;
			done[j] = true;
			put_u64(&b, strlen(t->formats[j].text));
			put(&b, t->formats[j].text, strlen(t->formats[j].text));
		}
	}
	free(done);
	/* perf skips the kallsyms block with lseek(), which a pipe cannot do:
	 * a stream carries none, as perf's own streams. */
	ksyms_off = b.len;
	put_u32(&b, w->pipe ? 0 : t->text_size[0]);
	if (!w->pipe)
		put(&b, t->text[0], t->text_size[0]);
	put_u32(&b, t->text_size[1]);
	put(&b, t->text[1], t->text_size[1]);
	put_u64(&b, t->text_size[2]);
	put(&b, t->text[2], t->text_size[2]);
	err = set_payload(w, PDATA_FEAT_TRACING_DATA, &b);
	if (!err) {
		w->ksyms_off = ksyms_off;
		w->ksyms_len = w->pipe ? 0 : t->text_size[0];
	}
	return err;
}
