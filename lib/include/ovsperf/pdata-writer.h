/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdata-writer.h - writing perf.data files (file mode, PERFILE2) that `perf
 * script`, `perf report` and ovsperf-analyze read.
 *
 * Used by `ovsperf-probe record` and by the synthetic-file benchmark.  The
 * writer is buffered and never seeks until it is closed:
 *
 *	struct pdata_writer *w;
 *
 *	err = pdata_writer__open(&w, "perf.data");
 *	err = err ?: pdata_writer__add_attr(w, &attr, ids, nr_ids, "sched:sched_switch");
 *	... more attributes, all before the first record ...
 *	err = err ?: pdata_writer__write(w, record, record->header.size);  // many times
 *	err = err ?: pdata_writer__finished_round(w);                      // after each pass
 *	err = err ?: pdata_writer__set_feature(w, PDATA_FEAT_TRACING_DATA, buf, size);
 *	err = err ?: pdata_writer__set_host_features(w);
 *	err = pdata_writer__close(w, err);	// finishes the file when err == 0
 *
 * Layout written: header (104 bytes) | attrs (perf_event_attr + ids section
 * each) | ids arrays | data records | feature section table | feature
 * payloads (with pdata_writer__tracing_in_data(), a HEADER_TRACING_DATA
 * record before the data records: inside the data section while the file
 * is written, outside it once closed).  EVENT_DESC is generated from the attributes' names unless the
 * caller sets it.
 */
#ifndef OVSPERF_PDATA_WRITER_H
#define OVSPERF_PDATA_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>

struct pdata_writer;

/**
 * pdata_writer__open() - start writing a perf.data file.
 * @out: receives the writer; finish or discard it with pdata_writer__close().
 * @path: file name (borrowed until close).  The file is written through a
 *	temporary beside it (mode 0600 when new) that replaces it on a
 *	successful close (ovsperf/outfile.h); until then a file of that name is
 *	untouched (a program killed meanwhile leaves the temporary, with what
 *	it wrote).  A target that is not a regular file is written in place
 *	and must be seekable.
 *
 * Return: 0 or negative errno (message set).
 */
int pdata_writer__open(struct pdata_writer **out, const char *path);

/**
 * pdata_writer__open_in_place() - start writing the perf.data file @path in
 * place, as perf record does (OVP_OUTFILE_IN_PLACE, ovsperf/outfile.h): an
 * existing non-empty regular file is first renamed to @path.old (replacing
 * an older one) and @path is written directly (mode 0600 when new).  With
 * pdata_writer__tracing_in_data(), a writer killed at any moment leaves a
 * @path that reads to its last flush.  A close with an error removes @path
 * and renames @path.old back.
 *
 * Return: 0 or negative errno (message set).
 */
int pdata_writer__open_in_place(struct pdata_writer **out, const char *path);

/**
 * pdata_writer__open_fd() - like pdata_writer__open() on an open file.
 * @out: receives the writer.
 * @fd: a seekable file descriptor open for writing, positioned anywhere; the
 *      file is written from offset 0.  The writer does not close it.
 *
 * Return: 0 or negative errno.
 */
int pdata_writer__open_fd(struct pdata_writer **out, int fd);

/**
 * pdata_writer__open_pipe() - write a pipe-mode stream (perf record -o -) on
 * @fd, which need not be seekable and is not closed.  Records go out as they
 * come; the attributes, the features set before the first record and the
 * tracing data go first (set TRACING_DATA and the features a reader needs
 * early, such as CLOCK_DATA, before the first record); features set later go
 * at close.  The tracing data of a stream has no kallsyms block: perf skips
 * that block by seeking, which a pipe cannot.
 * Return: 0 or negative errno.
 */
int pdata_writer__open_pipe(struct pdata_writer **out, int fd);

/* At close, *@size receives the number of bytes the file or stream has. */
void pdata_writer__set_size_out(struct pdata_writer *w, uint64_t *size);

/**
 * pdata_writer__tracing_in_data() - in file mode, also write TRACING_DATA as
 * the first record of the data section (a HEADER_TRACING_DATA record without
 * the kallsyms block, as a pipe carries it), besides the feature written at
 * close.  With the header rewritten at every flush, a writer killed at any
 * moment (SIGKILL) then leaves a file whose formats and flushed records can
 * be read.  The final header's data section starts after that record, so a
 * finished file has its formats once, in the feature (perf reads a second
 * copy wrongly).  Call before the first record and before the tracing data
 * is set with pdata_writer__set_tracing().
 *
 * Return: 0, -EBUSY when records were already written.
 */
int pdata_writer__tracing_in_data(struct pdata_writer *w);

/**
 * pdata_writer__add_attr() - describe one event of the recording.
 * @w: the writer.
 * @attr: the attribute as opened (attr->size says how much of it is valid);
 *        copied.
 * @ids: the kernel ids of the event (one per opened fd, PERF_EVENT_IOC_ID);
 *       copied.  Samples carry one of them in PERF_SAMPLE_IDENTIFIER/ID.
 * @nr_ids: how many.
 * @name: the event's name for EVENT_DESC ("sched:sched_switch"); copied.
 *
 * All attributes must be added before the first record is written.
 *
 * Return: 0, -EBUSY when records were already written, -ENOMEM.
 */
int pdata_writer__add_attr(struct pdata_writer *w, const struct perf_event_attr *attr,
			   const uint64_t *ids, size_t nr_ids, const char *name);

/**
 * pdata_writer__write() - append records to the data section.
 * @w: the writer.
 * @data: one or more whole records, each starting with a struct
 *        perf_event_header whose size is a multiple of 8; copied.
 * @size: bytes in @data.
 *
 * Return: 0 or negative errno (-EINVAL on a malformed record, -EIO and
 * friends from write()).
 */
int pdata_writer__write(struct pdata_writer *w, const void *data, size_t size);

/**
 * pdata_writer__finished_round() - append a PERF_RECORD_FINISHED_ROUND.
 * @w: the writer.
 *
 * Tells readers that every record written before the previous round marker
 * is older than every record after this one (perf's ordering contract).
 *
 * Return: 0 or negative errno.
 */
int pdata_writer__finished_round(struct pdata_writer *w);

/**
 * pdata_writer__flush() - write the records buffered so far, and the header
 * for them (data size = whole records on disk, no features yet).
 * @w: the writer.
 *
 * Records are also flushed whenever the buffer fills; calling this after
 * each pass over the ring buffers bounds what a writer killed by SIGKILL
 * loses to that pass.
 *
 * Return: 0 or negative errno.
 */
int pdata_writer__flush(struct pdata_writer *w);

/**
 * pdata_writer__set_feature() - set the payload of a header feature.
 * @w: the writer.
 * @feat: feature bit (enum pdata_feature in pdata.h), 1..255.
 * @data: the payload in perf's on-disk form; copied.  Replaces an earlier one.
 * @size: bytes.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int pdata_writer__set_feature(struct pdata_writer *w, int feat, const void *data, size_t size);

/**
 * pdata_writer__set_string() - set a string feature (HOSTNAME, OSRELEASE,
 * VERSION, ARCH, CPUDESC, CPUID) in perf's form: u32 length (padded to 64)
 * followed by the NUL-padded string.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int pdata_writer__set_string(struct pdata_writer *w, int feat, const char *s);

/**
 * pdata_writer__set_cmdline() - set the CMDLINE feature (a string list).
 * @w: the writer.
 * @argc: number of arguments.
 * @argv: the arguments.
 *
 * Return: 0, -ENOMEM.
 */
int pdata_writer__set_cmdline(struct pdata_writer *w, int argc, char *const *argv);

/**
 * pdata_writer__set_host_features() - set HOSTNAME, OSRELEASE, ARCH, VERSION
 * and NRCPUS from this machine (uname, sysconf), and CPUDESC, CPUID and
 * TOTAL_MEM when /proc/cpuinfo and /proc/meminfo have them.
 *
 * Return: 0, -ENOMEM.
 */
int pdata_writer__set_host_features(struct pdata_writer *w);

/*
 * Tracing data (the TRACING_DATA feature): trace-cmd's "tracing" format,
 * version 0.6, holding the formats of the recorded tracepoints.  Build it
 * from tracefs (record) or from literal text (tests, benchmarks).
 */
struct pdata_tracing;

/**
 * pdata_tracing__new() - start tracing data.
 * @out: receives it; free with pdata_tracing__delete().
 * @header_page: text of events/header_page; copied.
 * @header_event: text of events/header_event; copied.
 *
 * Return: 0, -ENOMEM.
 */
int pdata_tracing__new(struct pdata_tracing **out, const char *header_page,
		       const char *header_event);

/**
 * pdata_tracing__new_tracefs() - start tracing data with the headers of the
 * running kernel.
 * @out: receives it.
 * @tracefs: tracefs mount point ("/sys/kernel/tracing").
 *
 * Return: 0, or negative errno when the headers cannot be read.
 */
int pdata_tracing__new_tracefs(struct pdata_tracing **out, const char *tracefs);

/**
 * pdata_tracing__add_format() - add one event format.
 * @t: the tracing data.
 * @system: its system ("sched"); events are grouped by system on output.
 * @format: the text of its `format` file; copied.
 *
 * Return: 0, -ENOMEM.
 */
int pdata_tracing__add_format(struct pdata_tracing *t, const char *system, const char *format);

/**
 * pdata_tracing__add_tracefs_event() - add the format of SYSTEM:EVENT read
 * from @tracefs/events/SYSTEM/EVENT/format.
 * @id: receives the event id (attr.config) when not NULL.
 *
 * Return: 0, -ENOENT when there is no such event (message set).
 */
int pdata_tracing__add_tracefs_event(struct pdata_tracing *t, const char *tracefs,
				     const char *system, const char *event, uint64_t *id);

/**
 * pdata_tracing__set_text() - set one of the trailing text blocks.
 * @t: the tracing data.
 * @which: 0 kallsyms, 1 printk formats, 2 saved cmdlines.
 * @text: the text (NULL for none); copied.
 * @size: bytes of @text.
 *
 * perf skips the kallsyms block when reading, so it may hold the real
 * /proc/kallsyms: the recording then carries its own kernel symbols.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int pdata_tracing__set_text(struct pdata_tracing *t, int which, const char *text, size_t size);

/* Free tracing data; accepts NULL. */
void pdata_tracing__delete(struct pdata_tracing *t);

/**
 * pdata_writer__set_tracing() - serialise @t into the TRACING_DATA feature.
 *
 * Return: 0, -ENOMEM.
 */
int pdata_writer__set_tracing(struct pdata_writer *w, const struct pdata_tracing *t);

/* Bytes of records written to the data section so far. */
uint64_t pdata_writer__data_size(const struct pdata_writer *w);

/**
 * pdata_writer__close() - finish the file and free the writer.
 * @w: the writer (NULL is accepted and returns @err).
 * @err: 0 to finish the file (flush, feature sections, header); a negative
 *       errno to only free the writer.  A file made by pdata_writer__open()
 *       is then put in place, or, on any error, dropped (its target left as
 *       it was); one given to pdata_writer__open_fd() is left unfinished
 *       (perf rejects it).
 *
 * Return: @err when non-zero, else 0 or the negative errno of the final
 * writes (message set).
 */
int pdata_writer__close(struct pdata_writer *w, int err);

#endif /* OVSPERF_PDATA_WRITER_H */
