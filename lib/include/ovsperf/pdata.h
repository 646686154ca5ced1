/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdata.h - reading perf.data: the session, its events and the tool interface.
 *
 * Pipeline: file (or pipe) -> records -> ordered queue (FINISHED_ROUND
 * semantics, as perf) -> decoded samples -> a struct pdata_tool's callbacks.
 *
 *	struct my_tool { struct pdata_tool tool; ... } t;
 *	struct pdata_session *s;
 *
 *	pdata_tool__init(&t.tool);
 *	t.tool.ready = my_ready;	// attrs and tracing data known: resolve fields
 *	t.tool.sample = my_sample;	// one call per sample, in time order
 *	err = pdata_session__open(&s, "perf.data", NULL);
 *	err = err ?: pdata_session__process(s, &t.tool);
 *	pdata_session__close(s);
 *
 * Everything handed to a callback (samples, records) is borrowed for the
 * duration of the call only; copy what you keep.  A negative return from a
 * callback stops processing and is returned by pdata_session__process().
 */
#ifndef OVSPERF_PDATA_H
#define OVSPERF_PDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>
#include <perf/event.h>	/* union perf_event and its records (libperf) */

struct tep_handle;
struct tep_event;
struct pdata_session;
struct archive_reader;
struct ksyms;
struct kboot;

/* Records of the perf tool itself (tools/perf/util/event.h), not in the uapi. */
enum pdata_user_record {
	PDATA_RECORD_HEADER_ATTR = 64,
	PDATA_RECORD_HEADER_EVENT_TYPE = 65,
	PDATA_RECORD_HEADER_TRACING_DATA = 66,
	PDATA_RECORD_HEADER_BUILD_ID = 67,
	PDATA_RECORD_FINISHED_ROUND = 68,
	PDATA_RECORD_ID_INDEX = 69,
	PDATA_RECORD_AUXTRACE_INFO = 70,
	PDATA_RECORD_AUXTRACE = 71,
	PDATA_RECORD_AUXTRACE_ERROR = 72,
	PDATA_RECORD_THREAD_MAP = 73,
	PDATA_RECORD_CPU_MAP = 74,
	PDATA_RECORD_STAT_CONFIG = 75,
	PDATA_RECORD_STAT = 76,
	PDATA_RECORD_STAT_ROUND = 77,
	PDATA_RECORD_EVENT_UPDATE = 78,
	PDATA_RECORD_TIME_CONV = 79,
	PDATA_RECORD_HEADER_FEATURE = 80,
	PDATA_RECORD_COMPRESSED = 81,
	PDATA_RECORD_FINISHED_INIT = 82,
	PDATA_RECORD_COMPRESSED2 = 83,
	PDATA_RECORD_MAX = 84,
};

/* Header feature bits (tools/perf/util/header.h). */
enum pdata_feature {
	PDATA_FEAT_TRACING_DATA = 1,
	PDATA_FEAT_BUILD_ID = 2,
	PDATA_FEAT_HOSTNAME = 3,
	PDATA_FEAT_OSRELEASE = 4,
	PDATA_FEAT_VERSION = 5,
	PDATA_FEAT_ARCH = 6,
	PDATA_FEAT_NRCPUS = 7,
	PDATA_FEAT_CPUDESC = 8,
	PDATA_FEAT_CPUID = 9,
	PDATA_FEAT_TOTAL_MEM = 10,
	PDATA_FEAT_CMDLINE = 11,
	PDATA_FEAT_EVENT_DESC = 12,
	PDATA_FEAT_CPU_TOPOLOGY = 13,
	PDATA_FEAT_NUMA_TOPOLOGY = 14,
	PDATA_FEAT_BRANCH_STACK = 15,
	PDATA_FEAT_PMU_MAPPINGS = 16,
	PDATA_FEAT_GROUP_DESC = 17,
	PDATA_FEAT_AUXTRACE = 18,
	PDATA_FEAT_STAT = 19,
	PDATA_FEAT_CACHE = 20,
	PDATA_FEAT_SAMPLE_TIME = 21,
	PDATA_FEAT_MEM_TOPOLOGY = 22,
	PDATA_FEAT_CLOCKID = 23,
	PDATA_FEAT_DIR_FORMAT = 24,
	PDATA_FEAT_BPF_PROG_INFO = 25,
	PDATA_FEAT_BPF_BTF = 26,
	PDATA_FEAT_COMPRESSED = 27,
	PDATA_FEAT_CPU_PMU_CAPS = 28,
	PDATA_FEAT_CLOCK_DATA = 29,
	PDATA_FEAT_HYBRID_TOPOLOGY = 30,
	PDATA_FEAT_PMU_CAPS = 31,
	PDATA_FEAT_MAX = 256,
};

/**
 * struct pdata_evsel - one event of the recording (one perf_event_attr).
 *
 * Owned by the session; valid until pdata_session__close().
 */
struct pdata_evsel {
	int idx;			/* position in the session, 0..nr_evsels-1 */
	struct perf_event_attr attr;	/* zero-extended to our sizeof */
	char *name;			/* "sched:sched_switch", "ovsperf:run_start", "cycles" */
	const char *system;		/* tracepoint system ("sched"), or NULL */
	const char *event;		/* tracepoint name ("sched_switch"), or the name */
	struct tep_event *tp;		/* libtraceevent format, NULL if not a tracepoint */
	uint64_t nr_samples;		/* samples delivered so far */
	uint64_t nr_lost_samples;	/* from PERF_RECORD_LOST_SAMPLES */
	uint64_t nr_lost;		/* from PERF_RECORD_LOST attributed to this event */
};

/* A user-space or kernel call chain: nr entries, context markers included. */
struct pdata_callchain {
	uint64_t nr;
	const uint64_t *ips;
};

/**
 * struct pdata_sample - a decoded PERF_RECORD_SAMPLE (or the sample_id_all
 * trailer of another record).  Fields absent from the event's sample_type
 * are zero, except time, which is 0 when absent, and cpu, which is
 * (uint32_t)-1 when absent.  Pointers point into the record.
 */
struct pdata_sample {
	struct pdata_evsel *evsel;	/* the event this sample belongs to */
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;			/* ns, perf_clock or the clockid recorded */
	uint64_t addr;
	uint64_t id;
	uint64_t stream_id;
	uint32_t cpu;
	uint64_t period;
	uint64_t weight;
	uint64_t data_src;
	uint64_t transaction;
	uint64_t phys_addr;
	uint64_t cgroup;
	uint64_t data_page_size;
	uint64_t code_page_size;
	struct pdata_callchain callchain;	/* nr == 0 when absent */
	uint32_t raw_size;
	const void *raw_data;		/* tracepoint payload, NULL when absent */
	const void *read_data;		/* PERF_SAMPLE_READ payload */
	uint32_t read_size;
	const void *branch_stack;	/* struct perf_branch_stack, or NULL */
	uint64_t user_regs_abi;
	uint64_t user_regs_mask;
	const uint64_t *user_regs;	/* hweight(mask) registers */
	uint64_t user_stack_size;	/* bytes of user stack copied */
	const void *user_stack;
	uint64_t user_stack_dyn_size;
	const union perf_event *event;	/* the raw record */
	uint64_t file_offset;		/* offset of the record in the file (0 in pipe mode) */
};

/* Recording-wide facts from the header features (strings may be NULL). */
struct pdata_info {
	const char *hostname;
	const char *os_release;
	const char *version;		/* perf version that wrote the file */
	const char *arch;
	const char *cpu_desc;
	const char *cpuid;
	const char *cmdline;		/* argv joined by spaces */
	uint32_t nr_cpus_avail;
	uint32_t nr_cpus_online;
	uint64_t total_mem_kb;
	uint64_t clockid;
	bool has_clockid;
	uint64_t clock_tod_ns;		/* CLOCK_DATA: wall clock at clock_clk_ns */
	uint64_t clock_clk_ns;
	bool has_clock_data;
	bool pipe_mode;
	bool compressed;		/* zstd records present (perf record -z) */
	uint64_t data_offset, data_size;
	uint64_t features[PDATA_FEAT_MAX / 64];	/* feature bitmap */
	bool features_lost;		/* file mode: the file ends before the feature sections
					 * (truncated): event names and formats are unknown */
	const char *kallsyms;		/* kallsyms text: --kallsyms (plain or zstd), else the one
					 * stored with the recording, else NULL (ready on) */
	size_t kallsyms_size;
	const char *kallsyms_source;	/* where kallsyms came from: the --kallsyms path,
					 * "archive", "recording"; "/proc/kallsyms" when
					 * kallsyms_host; NULL when none */
	bool kallsyms_host;		/* this machine runs the recorded boot: use
					 * pdata_session__host_ksyms() (kallsyms is NULL) */
	bool kallsyms_refused;		/* a kallsyms text of another boot was refused
					 * (one warning said which and why) */
};

/*
 * pdata_info__tod() - the wall-clock time (ns since the epoch, UTC) of sample
 * time @t, from the recording's CLOCK_DATA (perf record -k, ovsperf-probe
 * record): valid when the samples use the clock CLOCK_DATA describes.
 * Return: false when the recording has no CLOCK_DATA.
 */
static inline bool pdata_info__tod(const struct pdata_info *info, uint64_t t, uint64_t *tod)
{
	if (!info->has_clock_data)
		return false;
	*tod = info->clock_tod_ns + (t - info->clock_clk_ns);	/* modulo 2^64: t may be earlier */
	return true;
}

/* A BUILD_ID feature entry. */
struct pdata_build_id {
	uint32_t pid;
	bool kernel;			/* misc says kernel */
	uint8_t size;			/* bytes of id */
	uint8_t id[20];
	const char *filename;
};

/* Counters kept while processing; all reports print them. */
struct pdata_stats {
	uint64_t nr_records[PDATA_RECORD_MAX];	/* by record type (types >= MAX in nr_unknown) */
	uint64_t nr_unknown;		/* records of unknown type, skipped */
	uint64_t nr_unknown_features;	/* header features of unknown number (a newer
					 * perf's), skipped */
	uint64_t nr_samples;
	uint64_t nr_lost;		/* events lost (sum of PERF_RECORD_LOST.lost) */
	uint64_t nr_lost_records;	/* PERF_RECORD_LOST records */
	uint64_t nr_lost_samples;	/* sum of PERF_RECORD_LOST_SAMPLES.lost */
	uint64_t nr_throttle, nr_unthrottle;
	uint64_t nr_out_of_order;	/* queued behind what was already flushed */
	uint64_t nr_unknown_id;		/* samples whose id matches no attribute */
	uint64_t nr_bad_samples;	/* samples that failed to parse, skipped */
	uint64_t nr_forced_flushes;	/* queue over its cap: flushed early */
	uint64_t first_time, last_time;	/* of delivered timestamped records */
	bool truncated;			/* data ended inside a record, or damaged data
					 * stopped the reading: results are partial */
	bool interrupted;		/* pdata_session__interrupt() stopped the reading
					 * before the end of the data: results are partial */
	uint64_t bytes_read;		/* data bytes consumed */
};

/**
 * struct pdata_lost - a decoded PERF_RECORD_LOST or PERF_RECORD_LOST_SAMPLES.
 *
 * LOST: a ring buffer overflowed and the kernel dropped @nr records of the
 * event whose sample id is @id (perf counts them as "events").  LOST_SAMPLES:
 * the kernel dropped @nr samples of the event (perf record appends one per
 * event at the end, untimed, from the events' lost counters).  The time, cpu
 * and thread are the record's sample_id_all trailer, when it has one.
 */
struct pdata_lost {
	uint32_t type;			/* PERF_RECORD_LOST or PERF_RECORD_LOST_SAMPLES */
	uint64_t nr;			/* records (LOST) or samples (LOST_SAMPLES) lost */
	uint64_t id;			/* LOST: the id the losses belong to; LOST_SAMPLES:
					 * the trailer's id (0 when none) */
	struct pdata_evsel *evsel;	/* the event they are counted on (nr_lost,
					 * nr_lost_samples), NULL if unknown */
	uint64_t time;			/* from the trailer; 0 when unknown */
	uint32_t cpu;			/* from the trailer; (uint32_t)-1 when unknown */
	uint32_t pid, tid;		/* from the trailer; 0 when unknown */
	const union perf_event *event;	/* the raw record */
	uint64_t file_offset;		/* of the record in the file (0 in pipe mode) */
};

/**
 * pdata_lost__decode() - decode the body of a LOST or LOST_SAMPLES record
 * without a session (a recorder reading its ring buffers): type, nr, id
 * (LOST only) and event; time 0, cpu (uint32_t)-1, no evsel.  The session
 * gives tools the whole decoded record (pdata_tool.lost).
 *
 * Return: 0, -ENOENT if @event is of another type, -EBADMSG if it is too
 * short to hold its count.
 */
int pdata_lost__decode(const union perf_event *event, struct pdata_lost *out);

/**
 * struct pdata_tool - callbacks of a consumer of the session.
 *
 * Initialise with pdata_tool__init(), which stubs every slot, then set the
 * ones you need.  Records are delivered in time order.  @sample is the
 * sample_id_all trailer for non-sample records (evsel may be NULL when the
 * recording has none).  Return 0 to go on, negative errno to stop.
 */
struct pdata_tool {
	/* Attributes, tracing data and header features are known. Called once. */
	int (*ready)(struct pdata_tool *tool, struct pdata_session *session);
	int (*sample)(struct pdata_tool *tool, const struct pdata_sample *sample);
	int (*comm)(struct pdata_tool *tool, const union perf_event *event,
		    const struct pdata_sample *sample);
	int (*fork)(struct pdata_tool *tool, const union perf_event *event,
		    const struct pdata_sample *sample);
	int (*exit)(struct pdata_tool *tool, const union perf_event *event,
		    const struct pdata_sample *sample);
	/* PERF_RECORD_MMAP and PERF_RECORD_MMAP2. */
	int (*mmap)(struct pdata_tool *tool, const union perf_event *event,
		    const struct pdata_sample *sample);
	/* PERF_RECORD_LOST and PERF_RECORD_LOST_SAMPLES, decoded. */
	int (*lost)(struct pdata_tool *tool, const struct pdata_lost *lost);
	/* Any other record (THROTTLE, SWITCH, KSYMBOL, ...), in time order. */
	int (*other)(struct pdata_tool *tool, const union perf_event *event,
		     const struct pdata_sample *sample);
	/* All records delivered; called once at the end. */
	int (*done)(struct pdata_tool *tool, struct pdata_session *session);
};

void pdata_tool__init(struct pdata_tool *tool);

/* Options of pdata_session__open(); zero means default. */
struct pdata_open_opts {
	size_t sz;			/* sizeof(struct pdata_open_opts) */
	size_t queue_max_entries;	/* ordering queue cap (default 4M entries) */
	bool no_ordering;		/* deliver in file order */
	bool progress;			/* show progress on stderr (if a terminal) */
	const char *kallsyms_path;	/* --kallsyms: overrides the stored kallsyms */
	size_t queue_max_copied;	/* bytes of copied records (pipe, zstd) queued,
					 * entries included (default 64 MiB) */
};

/**
 * pdata_session__open() - open a perf.data file (or "-" for stdin) and read its
 * header, attributes and features (file mode) or prepare to read them from the
 * stream (pipe mode).
 * @out: receives the session; the caller closes it with pdata_session__close().
 * @path: file name, "-" for stdin.
 * @opts: options or NULL.
 *
 * Return: 0 or negative errno; ovp_errmsg() says what is wrong ("at offset N").
 */
int pdata_session__open(struct pdata_session **out, const char *path,
			const struct pdata_open_opts *opts);

/**
 * pdata_session__process() - read every record and deliver it to @tool in
 * time order.  May be called once per session.
 *
 * Return: 0, a callback's negative return, or negative errno on bad input.
 * Damaged data (a file or stream that ends inside a record, a record whose
 * size or content cannot be read past) is not an error: the records before
 * the damage are delivered, tool->done() is called, one warning says where
 * the data stopped, stats.truncated is set and 0 is returned.  The same
 * holds after pdata_session__interrupt(), with stats.interrupted set when
 * data was left unread.
 */
int pdata_session__process(struct pdata_session *s, struct pdata_tool *tool);

/**
 * pdata_session__read_header() - pipe mode: read the header records at the
 * start of the stream (attributes, tracing data, features) now, so that the
 * events are known before pdata_session__process() (which goes on from
 * there).  Nothing for a file (its header is read by open).
 *
 * Return: 0 or negative errno (message set).
 */
int pdata_session__read_header(struct pdata_session *s);

/* Ask a running pdata_session__process() to stop (signal safe): the results
 * are partial, stats.interrupted is set when data was left unread. */
void pdata_session__interrupt(struct pdata_session *s);

/* A tool has read all it wants (e.g. upcall-cost --stop N): the reading
 * stops after the current record, and that is no interruption. */
void pdata_session__stop(struct pdata_session *s);

/* Records come from a live stream (a pipe, a socket), not a file: the end of
 * the data is when the writer closes it. */
bool pdata_session__is_stream(const struct pdata_session *s);

void pdata_session__close(struct pdata_session *s);

const char *pdata_session__path(const struct pdata_session *s);
/* The ovsperf archive the recording was read from (its kallsyms are used;
 * archive_reader__symbols() has the user binaries' symbol tables), or NULL
 * when the input is a plain perf.data.  Owned by the session. */
const struct archive_reader *pdata_session__archive(const struct pdata_session *s);
const struct pdata_info *pdata_session__info(const struct pdata_session *s);

/**
 * pdata_session__host_ksyms() - this machine's /proc/kallsyms, when
 * info.kallsyms_host says it belongs to the recorded boot.  Read on the
 * first call (it takes up to half a second), kept by the session.
 *
 * Return: the table (owned by the session), or NULL if it is not the
 * recorded boot's or cannot be read (a warning says why).
 */
struct ksyms *pdata_session__host_ksyms(struct pdata_session *s);

/**
 * pdata_session__kboot() - what the recording says about the kernel boot
 * it was made on (kboot.h): the kernel MMAP's _text address (from the first
 * records of a file), the kernel build-id, the release.  Known after open
 * for a file; a live pipe fills it when processing starts.
 *
 * Return: the facts, owned by the session; zero fields are unknown.
 */
const struct kboot *pdata_session__kboot(struct pdata_session *s);
const struct pdata_stats *pdata_session__stats(const struct pdata_session *s);
bool pdata_session__has_feature(const struct pdata_session *s, int feat);

int pdata_session__nr_evsels(const struct pdata_session *s);
struct pdata_evsel *pdata_session__evsel(const struct pdata_session *s, int idx);

/* Exact full name ("sched:sched_switch") or, if @name has no ':', the first
 * event whose event part equals @name whatever its group ("run_start" matches
 * "sdt_main:run_start" and "ovsperf:run_start").  NULL if none. */
struct pdata_evsel *pdata_session__find_evsel(const struct pdata_session *s, const char *name);

/**
 * pdata_evsel__matches() - does @ev answer to the event name @pattern?
 * @ev: an event of the recording.
 * @pattern: a full name ("probe:do_output"), or an event name without a
 *	group ("do_output"), which matches that event in any group
 *	("probe:do_output", "ovsperf:do_output").
 *
 * The rule of pdata_session__find_evsel(), for one event: reports use it to
 * map the names of their options and presets to the recording's events.
 *
 * Return: true when the full name equals @pattern, or @pattern has no ':'
 * and the event part of the name equals it.
 */
bool pdata_evsel__matches(const struct pdata_evsel *ev, const char *pattern);

/* The event whose event part is @event and, when @system is not NULL, whose
 * tracepoint system is @system ("raw_syscalls", "sys_enter").  NULL if none. */
struct pdata_evsel *pdata_session__find_event(const struct pdata_session *s, const char *system,
					      const char *event);

/* The libtraceevent handle holding the recording's own formats (may be NULL
 * when the recording has no tracing data). */
struct tep_handle *pdata_session__tep(const struct pdata_session *s);

/* BUILD_ID entries. */
int pdata_session__nr_build_ids(const struct pdata_session *s);
const struct pdata_build_id *pdata_session__build_id(const struct pdata_session *s, int i);

/* Thread names as known at this point of processing (COMM records, then the
 * tracing data's saved cmdlines).  NULL when unknown. */
const char *pdata_session__comm(const struct pdata_session *s, uint32_t tid);
/* Process id of @tid when known from COMM/FORK records, else -1. */
int64_t pdata_session__pid_of(const struct pdata_session *s, uint32_t tid);

/* Iterate over all thread ids known (COMM/FORK), for reports.
 * Calls fn(tid, pid, comm, arg) for each; stops when fn returns non-zero. */
int pdata_session__for_each_thread(const struct pdata_session *s,
				   int (*fn)(uint32_t tid, int64_t pid, const char *comm, void *arg),
				   void *arg);

/* Name of a record type ("SAMPLE", "FINISHED_ROUND"), "UNKNOWN" otherwise. */
const char *pdata_record_name(uint32_t type);
/* Name of a feature bit ("HOSTNAME"), NULL otherwise. */
const char *pdata_feature_name(int feat);

#endif /* OVSPERF_PDATA_H */
