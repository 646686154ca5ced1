// SPDX-License-Identifier: Apache-2.0
/*
 * record.c - `ovsperf-probe record`: install probe sets, open their events on
 * every CPU (or for one process) through libperf, drain the ring buffers and
 * write a perf.data with lib/pdata-writer.c that perf and ovsperf-analyze read.
 *
 * Order of work, and why:
 *  1. install the sets (probe.h) and read every event's tracefs format: the
 *     format gives the id to open (attr.config) and goes into TRACING_DATA;
 *  2. open the events disabled and mmap them, read their kernel ids: the
 *     writer needs attributes and ids before the first record; open -o FILE
 *     in place (open_output()): header, attributes and the formats go to
 *     disk first, so a SIGKILLed recording stays readable;
 *  3. enable, then synthesize COMM records of existing threads, the kernel
 *     MMAP and, with -g, the user MMAP records, so names and symbols resolve
 *     post-mortem;
 *  4. loop: drain every ring buffer once, write FINISHED_ROUND
 *     after the pass (every record of an earlier pass is older than every
 *     record of a later one, up to the previous round: perf's contract),
 *     write it out with a header that counts it, poll; until SIGINT/SIGTERM
 *     or --duration;
 *  5. disable, drain a last time, write the features, remove the probes this
 *     run created (also on every error path).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <perf/core.h>
#include <perf/cpumap.h>
#include <perf/event.h>
#include <perf/evlist.h>
#include <perf/evsel.h>
#include <perf/mmap.h>
#include <perf/threadmap.h>

#include "ovsperf/elfsym.h"
#include "ovsperf/err.h"
#include "ovsperf/outfile.h"
#include "ovsperf/pdata.h"
#include "ovsperf/pdata-writer.h"
#include "ovsperf/safefile.h"
#include "ovsperf/strutil.h"
#include "probe.h"
#include "archive.h"
#include "record.h"
#include "record-filter.h"
#include "record-clock.h"
#include "record-workload.h"

/* libperf's ioctl(PERF_EVENT_IOC_SET_FILTER) on every fd of @evsel: exported
 * by libperf.a, declared only in its internal headers. */
int perf_evsel__apply_filter(struct perf_evsel *evsel, const char *filter);

#define DEFAULT_TRACEFS "/sys/kernel/tracing"
#define DEFAULT_PAGES 256
#define MAX_PAGES (1U << 30)	/* -m: 4 TiB of 4 KiB pages per CPU, past any mmap */
#define POLL_MS 100
#define NAME_ALIGN 64

/* The sample layout of every event (like perf record for tracepoints). */
#define RECORD_SAMPLE_TYPE                                                              \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |  \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)
/* Bytes of the sample_id_all trailer for RECORD_SAMPLE_TYPE: TID, TIME, CPU,
 * IDENTIFIER, one u64 each. */
#define ID_TRAILER_SIZE 32

/* One event to record. */
struct rec_event {
	char *name;		/* "SYSTEM:EVENT" */
	uint64_t tp_id;		/* tracefs id (attr.config) */
	struct perf_evsel *evsel;
	uint64_t *ids;		/* kernel ids, one per (cpu, thread) fd */
	size_t nr_ids;
};

/* The state of one `record` run. */
struct recorder {
	/* options */
	const char *output;		/* -o */
	const char *tracefs;		/* --tracefs */
	const char *binary;		/* --binary, for u:/up: probes */
	pid_t pid;			/* -p, 0: system-wide */
	bool filtered;			/* -p recorded system-wide with filters
					 * (record-filter.c) */
	pid_t *tids;			/* ...the threads of the filters */
	size_t nr_tids;
	bool callchain;			/* -g */
	uint64_t duration_ns;		/* --duration, 0: until a signal */
	unsigned int pages;		/* -m, ring buffer pages per CPU */
	bool quiet;			/* -q */
	bool archive;			/* --archive: also pack OUTPUT.tar.zst */
	bool all_cpus;			/* -a */
	int argc;			/* for CMDLINE */
	char **argv;
	char **cmd;			/* the workload after "--", NULL: none */
	bool to_stdout;			/* -o -: a pipe-mode stream on stdout */
	struct rec_workload work;	/* its child */

	/* probes */
	struct probe_set **sets;
	size_t nr_sets;
	struct probe_install inst;	/* events installed for the sets */
	bool installed;

	/* events */
	struct rec_event *events;
	size_t nr_events;
	struct pdata_tracing *tracing;

	/* libperf */
	struct perf_evlist *evlist;
	struct perf_cpu_map *cpus;
	struct perf_thread_map *threads;
	bool opened, mapped;

	/* output */
	struct pdata_writer *writer;
	uint64_t nr_samples;
	uint64_t nr_lost;		/* PERF_RECORD_LOST.lost, summed */
	uint64_t nr_lost_records;	/* PERF_RECORD_LOST records */
	uint64_t nr_lost_samples;	/* PERF_RECORD_LOST_SAMPLES.lost, summed */
	uint64_t nr_records;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static const char record_usage[] =
	"Usage: ovsperf-probe record [SET...] [-e SYSTEM:EVENT]... [-a | -p PID] [-g]\n"
	"                            [--duration TIME] [-o FILE] [options] [-- CMD [ARG]...]\n"
	"\n"
	"Install the probe sets (if needed), record their events and the -e events on\n"
	"every CPU until SIGINT/SIGTERM or --duration, and write a perf.data that\n"
	"`perf script`, `perf report` and `ovsperf-analyze` read.  Probes this run\n"
	"created are removed at the end.  With \"-- CMD\", CMD runs and is recorded\n"
	"(with its children; system-wide with -a) until it exits, as perf record does.\n"
	"\n"
	"  SET                  a probe set name (\"ovs-dp\"), a .probes file, or a trigger\n"
	"                       (k:FUNC, kr:FUNC, t:SYS:EV, u:PROV:NAME, up:FUNC, upr:FUNC)\n"
	"  -e, --event SYS:EV   also record this existing tracefs event (repeatable)\n"
	"  -a, --all-cpus       system-wide (the default)\n"
	"  -p, --pid PID        only the threads of process PID (and their children)\n"
	"  -g, --call-graph     record kernel and user call chains\n"
	"  -d, --duration TIME  stop after TIME (\"10s\", \"500ms\"; a plain number is seconds)\n"
	"  -o, --output FILE    output file (default perf.data); \"-\": a pipe-mode stream\n"
	"                       on stdout, as perf record -o - (the command's stdout\n"
	"                       then goes to stderr)\n"
	"  -m, --mmap-pages N   ring buffer pages per CPU, a power of 2 (default 256)\n"
	"      --binary PATH    ELF file for USDT/uprobe probes (default: the process of\n"
	"                       -p, else the running ovs-vswitchd)\n"
	"      --tracefs DIR    tracefs mount point (default /sys/kernel/tracing)\n"
	"      --archive        also write OUTPUT.tar.zst, as 'ovsperf-probe archive'\n"
	"                       does (recording, kallsyms, symbols of probed binaries)\n"
	"  -q, --quiet          do not print the summary\n"
	"  -h, --help           show this help\n"
	"  -- CMD [ARG]...      run CMD and record while it runs; USDT and uprobe probes\n"
	"                       go on CMD's binary unless --binary names another\n"
	"\n"
	"Examples:\n"
	"  ovsperf-probe record ovs-dp --duration 10s -o ovs.data\n"
	"  ovsperf-probe record upcall-monitor -o up.data -- ./ovs-vswitchd db.sock\n"
	"  ovsperf-probe record -e sched:sched_switch -e raw_syscalls:sys_enter -a -d 1\n";

/* ------------------------------------------------------------------------ */
/* Events. */

static int add_event(struct recorder *r, const char *name)
{
	struct rec_event *ev;
	size_t i;

	for (i = 0; i < r->nr_events; i++)
		if (!strcmp(r->events[i].name, name))
			return 0;	/* -e of an event a set has too */
	if (!strchr(name, ':') || strchr(name, ':') == name || !strchr(name, ':')[1])
		return ovp_err(-EINVAL, "bad event '%s': expected SYSTEM:EVENT", name);
	ev = realloc(r->events, (r->nr_events + 1) * sizeof(*ev));
	if (!ev)
		return ovp_err(-ENOMEM, "out of memory");
	r->events = ev;
	ev = &ev[r->nr_events];
	memset(ev, 0, sizeof(*ev));
	ev->name = strdup(name);
	if (!ev->name)
		return ovp_err(-ENOMEM, "out of memory");
	r->nr_events++;
	return 0;
}

/* Install the sets and collect their events. */
static int install_sets(struct recorder *r)
{
	struct probe_opts opts = {
		.tracefs = r->tracefs,
		.binary = r->binary,
		.pid = r->pid,
		.stop = &stop_requested,
	};
	size_t i;
	int err;

	if (!r->nr_sets)
		return 0;
	/* The workload has not exec'd yet: its /proc entries are ours. */
	if (r->cmd) {
		opts.pid = 0;
		opts.binary = r->binary ?: r->work.path;
	}
	err = probe_install__create(&r->inst, &opts, r->sets, r->nr_sets);
	if (err)
		return err;
	r->installed = true;
	if (!r->tracefs && r->inst.tracefs)
		r->tracefs = r->inst.tracefs;
	for (i = 0; i < r->inst.nr_events && !err; i++)
		err = add_event(r, r->inst.events[i].name);
	return err;
}

/* Read the formats: ids to open, TRACING_DATA to write. */
static int read_formats(struct recorder *r)
{
	size_t i;
	int err;

	err = pdata_tracing__new_tracefs(&r->tracing, r->tracefs);
	if (err)
		return ovp_err_prefix(err, "tracefs at %s", r->tracefs);
	for (i = 0; i < r->nr_events; i++) {
		char *sys = strdup(r->events[i].name), *ev;

		if (!sys)
			return ovp_err(-ENOMEM, "out of memory");
		ev = strchr(sys, ':');
		*ev++ = '\0';
		err = pdata_tracing__add_tracefs_event(r->tracing, r->tracefs, sys, ev,
						       &r->events[i].tp_id);
		free(sys);
		if (err)
			return err;
	}
	return 0;
}

/* Thread ids of process @pid, from /proc/PID/task, as a thread map. */
static int process_threads(pid_t pid, struct perf_thread_map **out)
{
	pid_t *tids;
	size_t nr;
	int err = record_filter__tids(pid, &tids, &nr);

	if (err)
		return err;
	*out = perf_thread_map__new_array((int)nr, tids);
	free(tids);
	return *out ? 0 : ovp_err(-ENOMEM, "out of memory");
}

static int libperf_print(enum libperf_print_level level, const char *fmt, va_list ap)
{
	return 0;	/* errors come back as return values; keep stderr clean */
}

/* Create, open and mmap the events. */
static int open_events(struct recorder *r)
{
	size_t i;
	int err;

	libperf_init(libperf_print);
	r->evlist = perf_evlist__new();
	if (!r->evlist)
		return ovp_err(-ENOMEM, "out of memory");
	/* A workload (-- CMD) is recorded per task from its exec on, as perf
	 * does; only -p PID of a running process takes the filtered path. */
	if (r->pid && !r->cmd) {
		const char **names = calloc(r->nr_events + 1, sizeof(*names));

		if (!names)
			return ovp_err(-ENOMEM, "out of memory");
		for (i = 0; i < r->nr_events; i++)
			names[i] = r->events[i].name;
		r->filtered = record_filter__needed(names, r->nr_events);
		free(names);
	}
	if (r->filtered) {
		err = record_filter__tids(r->pid, &r->tids, &r->nr_tids);
		if (err)
			return err;
	}
	for (i = 0; i < r->nr_events; i++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT,
			.size = sizeof(attr),
			.config = r->events[i].tp_id,
			.sample_period = 1,
			.sample_type = RECORD_SAMPLE_TYPE,
			.read_format = PERF_FORMAT_ID,
			.disabled = 1,
			.sample_id_all = 1,
			.watermark = 1,
			/* wake up at a quarter of the buffer; POLL_MS bounds latency */
			.wakeup_watermark = r->pages * sysconf(_SC_PAGESIZE) / 4,
			.inherit = r->pid && !r->filtered ? 1 : 0,
			/* A workload is recorded from its exec on, as perf does. */
			.enable_on_exec = r->cmd && r->pid ? 1 : 0,
		};

		rec_clock__attr(&attr);
		if (r->callchain)
			attr.sample_type |= PERF_SAMPLE_CALLCHAIN;
		if (i == 0) {
			/* The first event also tracks thread names (and maps for
			 * -g), like perf's tracking event. */
			attr.comm = 1;
			attr.comm_exec = 1;
			attr.task = 1;
			attr.mmap = r->callchain;
		}
		r->events[i].evsel = perf_evsel__new(&attr);
		if (!r->events[i].evsel)
			return ovp_err(-ENOMEM, "out of memory");
		perf_evlist__add(r->evlist, r->events[i].evsel);
	}

	if (r->pid && !r->filtered) {
		err = process_threads(r->pid, &r->threads);
		if (err)
			return err;
	} else {
		r->threads = perf_thread_map__new_dummy();	/* pid -1: every task */
	}
	/* Per CPU even with -p: the kernel refuses to mmap an inherited
	 * per-task event that is not bound to a CPU. */
	r->cpus = perf_cpu_map__new_online_cpus();
	if (!r->cpus || !r->threads)
		return ovp_err(-ENOMEM, "out of memory");
	perf_evlist__set_maps(r->evlist, r->cpus, r->threads);

	errno = 0;
	err = perf_evlist__open(r->evlist);
	if (err) {
		err = errno ? -errno : err < 0 ? err : -EINVAL;
		if (err == -EACCES || err == -EPERM)
			return ovp_err(err, "perf_event_open: permission denied (run as root or "
				       "lower /proc/sys/kernel/perf_event_paranoid)");
		return ovp_err(err, "perf_event_open failed: %s", strerror(-err));
	}
	r->opened = true;
	for (i = 0; i < r->nr_events && r->filtered; i++) {
		char *filter;

		err = record_filter__build(r->events[i].name, r->tids, r->nr_tids, &filter);
		if (err)
			return err;
		err = perf_evsel__apply_filter(r->events[i].evsel, filter);
		free(filter);
		if (err)
			return ovp_err(err < 0 ? err : -EINVAL, "cannot set the thread filter of "
				       "%s (-p)", r->events[i].name);
	}
	errno = 0;
	err = perf_evlist__mmap(r->evlist, r->pages);
	if (err) {
		err = errno ? -errno : -ENOMEM;
		return ovp_err(err, "cannot mmap the ring buffers (%u pages per CPU): %s",
			       r->pages, strerror(-err));
	}
	r->mapped = true;
	return 0;
}

/* The kernel id of every fd of every event.  read_format has PERF_FORMAT_ID,
 * so a read() of the counter returns it; libperf's public API has no other
 * way to reach it. */
static int read_ids(struct recorder *r)
{
	int nr_cpus = perf_cpu_map__nr(r->cpus);
	int nr_threads = perf_thread_map__nr(r->threads);
	size_t i;

	for (i = 0; i < r->nr_events; i++) {
		struct rec_event *ev = &r->events[i];
		int c, t;

		ev->ids = calloc((size_t)nr_cpus * nr_threads, sizeof(*ev->ids));
		if (!ev->ids)
			return ovp_err(-ENOMEM, "out of memory");
		for (c = 0; c < nr_cpus; c++) {
			for (t = 0; t < nr_threads; t++) {
				struct perf_counts_values v = { 0 };
				int err = perf_evsel__read(ev->evsel, c, t, &v);

				if (err)
					return ovp_err(err < 0 ? err : -EIO,
						       "cannot read the id of %s", ev->name);
				ev->ids[ev->nr_ids++] = v.id;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Synthesized records. */

/* Append the zeroed sample_id_all trailer: time 0 and id 0 (readers take the
 * first event for id 0 and deliver time 0 first, as for perf's own). */
static int write_with_trailer(struct recorder *r, void *rec, size_t body)
{
	struct perf_event_header *h = rec;

	memset((char *)rec + body, 0, ID_TRAILER_SIZE);
	h->size = body + ID_TRAILER_SIZE;
	return pdata_writer__write(r->writer, rec, h->size);
}

static int synth_comm(struct recorder *r, pid_t pid, pid_t tid, const char *comm)
{
	struct {
		struct perf_event_header header;
		uint32_t pid, tid;
		char comm[16 + 8 + ID_TRAILER_SIZE];
	} rec = { .header.type = PERF_RECORD_COMM };
	size_t len = strnlen(comm, 15);

	rec.pid = pid;
	rec.tid = tid;
	memcpy(rec.comm, comm, len);
	rec.comm[len] = '\0';
	return write_with_trailer(r, &rec, 16 + (len + 1 + 7) / 8 * 8);
}

static int synth_mmap(struct recorder *r, pid_t pid, pid_t tid, bool kernel, uint64_t start,
		      uint64_t len, uint64_t pgoff, const char *filename)
{
	struct {
		struct perf_event_header header;
		uint32_t pid, tid;
		uint64_t start, len, pgoff;
		char filename[4096 + 8 + ID_TRAILER_SIZE];
	} rec = { .header.type = PERF_RECORD_MMAP };
	size_t flen = strnlen(filename, 4095);

	rec.header.misc = kernel ? PERF_RECORD_MISC_KERNEL : PERF_RECORD_MISC_USER;
	rec.pid = pid;
	rec.tid = tid;
	rec.start = start;
	rec.len = len;
	rec.pgoff = pgoff;
	memset(rec.filename, 0, sizeof(rec.filename));
	memcpy(rec.filename, filename, flen);
	return write_with_trailer(r, &rec, 40 + (flen + 1 + 7) / 8 * 8);
}

/* Executable file mappings of @pid, for user call chains (-g). */
static int synth_maps(struct recorder *r, pid_t pid)
{
	char path[64], line[4352], perms[8], file[4096];
	unsigned long long start, end, pgoff, ino;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;	/* it exited */
	while (!err && fgets(line, sizeof(line), f)) {
		file[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %4095[^\n]", &start, &end, perms,
			   &pgoff, &ino, file) < 5)
			continue;
		if (perms[2] != 'x' || !file[0])
			continue;
		err = synth_mmap(r, pid, pid, false, start, end - start, pgoff, file);
	}
	fclose(f);
	return err;
}

/* The kernel map, relative to _text as perf does ("[kernel.kallsyms]_text"). */
static int synth_kernel_mmap(struct recorder *r)
{
	char line[512], name[256], type;
	unsigned long long addr, text = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    !strcmp(name, "_text")) {
			text = addr;
			break;
		}
	}
	fclose(f);
	if (!text)
		return 0;	/* restricted kallsyms: perf falls back to its own */
	return synth_mmap(r, -1, 0, true, text, ~0ULL - text, text, "[kernel.kallsyms]_text");
}

/* COMM (and MMAP with -g) of the threads that exist before recording starts. */
static int synth_threads(struct recorder *r)
{
	DIR *proc = NULL;
	struct dirent *d;
	int err = 0;

	err = synth_kernel_mmap(r);
	if (!r->pid)
		proc = opendir("/proc");
	while (!err) {
		char path[300], *comm;
		struct dirent *t;
		DIR *task;
		pid_t pid;

		if (r->pid) {
			pid = r->pid;
		} else {
			d = proc ? readdir(proc) : NULL;
			if (!d)
				break;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			pid = atoi(d->d_name);
		}
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		task = opendir(path);
		while (task && !err && (t = readdir(task))) {
			if (t->d_name[0] < '0' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid, t->d_name);
			if (ovp_read_file(path, &comm, NULL))
				continue;	/* the thread exited */
			comm[strcspn(comm, "\n")] = '\0';
			err = synth_comm(r, pid, atoi(t->d_name), comm);
			free(comm);
		}
		if (task)
			closedir(task);
		if (!err && r->callchain)
			err = synth_maps(r, pid);
		if (r->pid)
			break;
	}
	if (proc)
		closedir(proc);
	ovp_err_clear();	/* a vanished thread is not an error */
	return err ?: pdata_writer__finished_round(r->writer);
}

/* ------------------------------------------------------------------------ */
/* Draining. */

/* A LOST or LOST_SAMPLES record of a ring buffer. */
static void count_lost(struct recorder *r, const union perf_event *ev)
{
	struct pdata_lost lost;

	if (pdata_lost__decode(ev, &lost))
		return;
	if (lost.type == PERF_RECORD_LOST) {
		r->nr_lost += lost.nr;
		r->nr_lost_records++;
	} else {
		r->nr_lost_samples += lost.nr;
	}
}

/* One pass over every ring buffer.  Returns the number of records written or
 * a negative errno. */
static int drain(struct recorder *r)
{
	struct perf_mmap *map;
	int nr = 0, err = 0;

	perf_evlist__for_each_mmap(r->evlist, map, false) {
		union perf_event *ev;

		if (perf_mmap__read_init(map) < 0)
			continue;	/* empty */
		while (!err && (ev = perf_mmap__read_event(map))) {
			switch (ev->header.type) {
			case PERF_RECORD_SAMPLE:
				r->nr_samples++;
				break;
			case PERF_RECORD_LOST:
			case PERF_RECORD_LOST_SAMPLES:
				count_lost(r, ev);
				break;
			}
			err = pdata_writer__write(r->writer, ev, ev->header.size);
			perf_mmap__consume(map);
			nr++;
		}
		perf_mmap__read_done(map);
		if (err)
			return err;
	}
	r->nr_records += nr;
	/* On disk after every pass, with a header that says so: killed at any
	 * moment (SIGKILL), the file holds all but the last pass. */
	if (nr)
		err = pdata_writer__finished_round(r->writer) ?: pdata_writer__flush(r->writer);
	return err ?: nr;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int record_loop(struct recorder *r)
{
	uint64_t deadline = r->duration_ns ? now_ns() + r->duration_ns : 0;
	int err = 0;

	while (!stop_requested) {
		int timeout = POLL_MS;
		bool last = r->cmd && rec_workload__done(&r->work);

		err = drain(r);
		if (err < 0)
			break;
		err = 0;
		if (last)
			break;
		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline)
				break;
			if (deadline - now < POLL_MS * 1000000ULL)
				timeout = (deadline - now) / 1000000 + 1;
		}
		perf_evlist__poll(r->evlist, timeout);	/* EINTR on a signal is fine */
	}
	perf_evlist__disable(r->evlist);
	if (!err) {
		/* Records written between the last drain and the disable. */
		err = drain(r);
		err = err < 0 ? err : 0;
	}
	return err;
}

/* ------------------------------------------------------------------------ */
/* Features. */

/* One build_id_event: header, pid, id[20] + size + 3 reserved, filename
 * padded to NAME_ALIGN. */
static void add_build_id(char **buf, size_t *len, bool kernel, const uint8_t *id, size_t idsz,
			 const char *filename)
{
	size_t flen = (strlen(filename) + 1 + NAME_ALIGN - 1) / NAME_ALIGN * NAME_ALIGN;
	size_t size = 8 + 4 + 24 + flen;
	struct perf_event_header h = {
		.type = PDATA_RECORD_HEADER_BUILD_ID,
		.misc = (kernel ? PERF_RECORD_MISC_KERNEL : PERF_RECORD_MISC_USER) |
			(1 << 15) /* PERF_RECORD_MISC_BUILD_ID_SIZE: size byte valid */,
		.size = size,
	};
	int32_t pid = -1;	/* the host machine */
	char *p = realloc(*buf, *len + size);

	if (!p)
		return;		/* the feature is optional: keep what we have */
	*buf = p;
	p += *len;
	memset(p, 0, size);
	memcpy(p, &h, 8);
	memcpy(p + 8, &pid, 4);
	memcpy(p + 12, id, idsz);
	p[12 + 20] = idsz;
	memcpy(p + 36, filename, strlen(filename));
	*len += size;
}

/* Path of the binary of uprobe @event ("GROUP:EVENT") from the uprobe_events
 * text ("p:GROUP/EVENT /path/to/bin:0x1234 args" lines); false if none. */
static bool uprobe_path(const char *uprobes, const char *event, char *path, size_t size)
{
	char want[512];
	const char *line, *next;
	size_t wlen;

	snprintf(want, sizeof(want), "%s", event);
	*strchr(want, ':') = '/';
	wlen = strlen(want);
	for (line = uprobes; *line; line = next) {
		const char *eol = strchrnul(line, '\n');
		const char *name = memchr(line, ':', eol - line);
		const char *bin, *colon;

		next = *eol ? eol + 1 : eol;
		if (!name || (size_t)(eol - name) < wlen + 3 || memcmp(name + 1, want, wlen) ||
		    name[1 + wlen] != ' ' || name[2 + wlen] != '/')
			continue;
		bin = name + 2 + wlen;
		colon = memchr(bin, ':', eol - bin);
		if (!colon || (size_t)(colon - bin) >= size)
			continue;
		memcpy(path, bin, colon - bin);
		path[colon - bin] = '\0';
		return true;
	}
	return false;
}

/* BUILD_ID: the kernel's and those of the binaries of the recorded uprobes
 * (whether a set installed them or they came with -e). */
static int set_build_ids(struct recorder *r)
{
	char *buf = NULL, *notes, *uprobes = NULL, **paths;
	size_t len = 0, nsize, i, j, nr_paths = 0;
	char path[4096];
	uint8_t id[20];
	size_t idsz;
	int err = 0;

	if (!ovp_read_file("/sys/kernel/notes", &notes, &nsize)) {
		idsz = ovp_elf_note_build_id(notes, nsize, id);
		if (idsz)
			add_build_id(&buf, &len, true, id, idsz, "[kernel.kallsyms]");
		free(notes);
	}
	snprintf(path, sizeof(path), "%s/uprobe_events", r->tracefs);
	paths = calloc(r->nr_events + 1, sizeof(*paths));
	if (paths && !ovp_read_file(path, &uprobes, NULL)) {
		for (i = 0; i < r->nr_events; i++) {
			if (!uprobe_path(uprobes, r->events[i].name, path, sizeof(path)))
				continue;
			for (j = 0; j < nr_paths; j++)
				if (!strcmp(paths[j], path))
					break;
			if (j < nr_paths || !(paths[nr_paths] = strdup(path)))
				continue;
			nr_paths++;
			idsz = ovp_elf_file_build_id(path, id);
			if (idsz)
				add_build_id(&buf, &len, false, id, idsz, path);
		}
	}
	ovp_err_clear();
	for (i = 0; i < nr_paths; i++)
		free(paths[i]);
	free(paths);
	free(uprobes);
	if (len)
		err = pdata_writer__set_feature(r->writer, PDATA_FEAT_BUILD_ID, buf, len);
	free(buf);
	return err;
}

/* The features known before the first record: in pipe mode they go out
 * first (the tracing data and CLOCK_DATA are needed to read the samples);
 * the build ids are set at the end. */
static int set_features(struct recorder *r)
{
	static const char *const blocks[3] = { "/proc/kallsyms", "printk_formats",
					       "saved_cmdlines" };
	char path[4096], *text;
	size_t size;
	char **argv;
	int i, err;

	/* The trailing blocks of the tracing data, in pdata_tracing__set_text()
	 * order.  kallsyms goes in whole: perf skips it, ovsperf reads it back.
	 * A block that cannot be read is left empty. */
	for (i = 0; i < 3; i++) {
		if (blocks[i][0] == '/')
			snprintf(path, sizeof(path), "%s", blocks[i]);
		else
			snprintf(path, sizeof(path), "%s/%s", r->tracefs, blocks[i]);
		if (ovp_read_file(path, &text, &size))
			continue;
		err = pdata_tracing__set_text(r->tracing, i, text, size);
		free(text);
		if (err)
			return err;
	}
	ovp_err_clear();
	err = pdata_writer__set_tracing(r->writer, r->tracing);
	err = err ?: pdata_writer__set_host_features(r->writer);
	err = err ?: rec_clock__set_features(r->writer);
	if (err)
		return err;

	argv = calloc(r->argc + 1, sizeof(*argv));
	if (!argv)
		return ovp_err(-ENOMEM, "out of memory");
	argv[0] = "ovsperf-probe";
	for (i = 0; i < r->argc; i++)
		argv[i + 1] = r->argv[i];
	err = pdata_writer__set_cmdline(r->writer, r->argc + 1, argv);
	free(argv);
	return err;
}

/* ------------------------------------------------------------------------ */
/* The command. */

static int parse_args(struct recorder *r, int argc, char **argv)
{
	enum { OPT_BINARY = 256, OPT_TRACEFS, OPT_ARCHIVE };
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "all-cpus", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "call-graph", no_argument, NULL, 'g' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "binary", required_argument, NULL, OPT_BINARY },
		{ "tracefs", required_argument, NULL, OPT_TRACEFS },
		{ "archive", no_argument, NULL, OPT_ARCHIVE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_set *trig = NULL;
	struct stat st;
	int c, err, i;

	/* "-- CMD ARGS": the workload, which getopt must not see (it would move
	 * the "--" before the set names it permutes). */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			if (i + 1 == argc)
				return ovp_err(-EINVAL, "nothing to run after '--'");
			r->cmd = argv + i + 1;
			argc = i;
			break;
		}
	}
	optind = 0;	/* re-initialise getopt: main() may have used it */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "e:ap:gd:o:m:qh", longopts, NULL)) != -1) {
		uint64_t num;
		char *end;

		switch (c) {
		case 'e':
			err = add_event(r, optarg);
			if (err)
				return err;
			break;
		case 'a':
			r->all_cpus = true;
			break;
		case 'p':
			err = ovp_parse_uint_opt("--pid", optarg, 1, INT32_MAX, &num);
			if (err)
				return err;
			r->pid = (pid_t)num;
			break;
		case 'g':
			r->callchain = true;
			break;
		case 'd': {
			double secs = strtod(optarg, &end);

			if (!*end && end != optarg) {
				if (secs <= 0)
					return ovp_err(-EINVAL, "bad duration '%s'", optarg);
				r->duration_ns = secs * 1e9;
			} else if (ovp_parse_duration(optarg, &r->duration_ns) ||
				   !r->duration_ns) {
				return ovp_err(-EINVAL, "bad duration '%s'", optarg);
			}
			break;
		}
		case 'o':
			r->output = optarg;
			r->to_stdout = !strcmp(optarg, "-");
			break;
		case 'm':
			err = ovp_parse_uint_opt("--mmap-pages", optarg, 1, MAX_PAGES, &num);
			if (err)
				return err;
			if (num & (num - 1))
				return ovp_err(-EINVAL, "--mmap-pages: expected a power of 2, not "
					       "'%s'", optarg);
			r->pages = (unsigned int)num;
			break;
		case OPT_BINARY:
			r->binary = optarg;
			break;
		case OPT_TRACEFS:
			r->tracefs = optarg;
			break;
		case OPT_ARCHIVE:
			r->archive = true;
			break;
		case 'q':
			r->quiet = true;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 1;
		default:
			return ovp_err(-EINVAL, "record: unknown option '%s' (see --help)",
				       argv[optind - 1]);
		}
	}
	if (r->all_cpus && r->pid)
		return ovp_err(-EINVAL, "-a and -p exclude each other");
	if (r->cmd && r->pid)
		return ovp_err(-EINVAL, "-p and a command to run exclude each other");
	if (r->to_stdout && r->archive)
		return ovp_err(-EINVAL, "--archive needs an output file, not -o -");
	for (; optind < argc; optind++) {
		struct probe_set **sets;

		/* Triggers ("u:main:run_start") form one extra set. */
		if (probe_is_trigger(argv[optind]) && trig) {
			err = probe_set__add_trigger(trig, argv[optind]);
			if (err)
				return err;
			continue;
		}
		sets = realloc(r->sets, (r->nr_sets + 1) * sizeof(*sets));
		if (!sets)
			return ovp_err(-ENOMEM, "out of memory");
		r->sets = sets;
		if (probe_is_trigger(argv[optind])) {
			err = probe_set__parse("command line", argv[optind], &r->sets[r->nr_sets]);
			trig = err ? NULL : r->sets[r->nr_sets];
		} else {
			err = probe_set__load(argv[optind], &r->sets[r->nr_sets]);
		}
		if (err)
			return err;
		r->nr_sets++;
	}
	if (!r->nr_sets && !r->nr_events)
		return ovp_err(-EINVAL, "nothing to record: give a probe set or -e SYSTEM:EVENT");
	/* The file is written in place and its header rewritten: a FIFO or a
	 * socket cannot be (and opening a FIFO would wait for its reader). */
	if (!r->to_stdout && !stat(r->output, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return ovp_err(-ESPIPE, "cannot write %s: not seekable (a %s): give -o - for a pipe",
			       r->output, S_ISFIFO(st.st_mode) ? "FIFO" : "socket");
	return 0;
}

/*
 * -o FILE, written in place as perf record writes it: an existing non-empty
 * FILE is first renamed to FILE.old.  The formats are the first record of
 * the data and the header counts the records on disk after every pass
 * (drain()), so a recording killed at any moment, even by SIGKILL, leaves a
 * FILE that reads to its last pass; one that fails leaves the earlier FILE
 * as it was (pdata_writer__open_in_place()).
 */
static int open_output(struct recorder *r)
{
	int err = pdata_writer__open_in_place(&r->writer, r->output);

	return err ?: pdata_writer__tracing_in_data(r->writer);
}

/* Undo everything; accepts a half-built recorder. */
static int recorder_exit(struct recorder *r)
{
	size_t i;
	int err = 0;

	if (r->mapped)
		perf_evlist__munmap(r->evlist);
	if (r->opened)
		perf_evlist__close(r->evlist);
	if (r->evlist)
		perf_evlist__delete(r->evlist);	/* deletes the evsels */
	else
		for (i = 0; i < r->nr_events; i++)
			if (r->events[i].evsel)
				perf_evsel__delete(r->events[i].evsel);
	perf_cpu_map__put(r->cpus);
	perf_thread_map__put(r->threads);
	free(r->tids);
	rec_workload__exit(&r->work);
	if (r->installed)
		err = probe_install__destroy(&r->inst);
	probe_install__exit(&r->inst);
	for (i = 0; i < r->nr_sets; i++)
		probe_set__delete(r->sets[i]);
	free(r->sets);
	for (i = 0; i < r->nr_events; i++) {
		free(r->events[i].name);
		free(r->events[i].ids);
	}
	free(r->events);
	pdata_tracing__delete(r->tracing);
	return err;
}

static void print_summary(const struct recorder *r, uint64_t data_size)
{
	double mb = (double)data_size / (1024 * 1024);

	fprintf(stderr, "[ ovsperf-probe record: wrote %.3f MB to %s (%" PRIu64 " samples) ]\n",
		mb, r->to_stdout ? "stdout" : r->output, r->nr_samples);
}

int cmd_record(int argc, char **argv)
{
	struct recorder r = {
		.output = "perf.data",
		.pages = DEFAULT_PAGES,
		.argc = argc,
		.argv = argv,
		.work = { .go_fd = -1, .err_fd = -1 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction old_int, old_term, old_pipe;
	uint64_t data_size = 0;
	int err, cleanup;

	err = parse_args(&r, argc, argv);
	if (err > 0) {
		recorder_exit(&r);
		return OVP_EXIT_OK;	/* --help */
	}
	if (err) {
		ovp_print_error("%s", ovp_errmsg());
		recorder_exit(&r);
		return OVP_EXIT_USAGE;
	}
	if (!r.tracefs)
		r.tracefs = getenv("OVSPERF_TRACEFS") ?: DEFAULT_TRACEFS;

	/* From here a signal stops the recording instead of killing us, so the
	 * probes we install are always removed. */
	stop_requested = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* -o -: a reader that goes away (| head) ends the recording by EPIPE,
	 * and the probes are removed before we die of SIGPIPE, quietly. */
	if (r.to_stdout) {
		struct sigaction ign = { .sa_handler = SIG_IGN };

		sigemptyset(&ign.sa_mask);
		sigaction(SIGPIPE, &ign, &old_pipe);
	}

	if (r.cmd) {
		err = rec_workload__prepare(&r.work, r.cmd, r.to_stdout);
		if (!err && !r.all_cpus)
			r.pid = r.work.pid;
	}
	err = err ?: install_sets(&r);
	err = err ?: read_formats(&r);
	err = err ?: open_events(&r);
	err = err ?: read_ids(&r);
	if (!err && r.to_stdout)
		err = pdata_writer__open_pipe(&r.writer, STDOUT_FILENO);
	else if (!err)
		err = open_output(&r);
	if (!err)
		pdata_writer__set_size_out(r.writer, &data_size);
	for (size_t i = 0; i < r.nr_events && !err; i++)
		err = pdata_writer__add_attr(r.writer, perf_evsel__attr(r.events[i].evsel),
					     r.events[i].ids, r.events[i].nr_ids,
					     r.events[i].name);
	err = err ?: set_features(&r);
	/* Enable before the /proc scan: a thread born in between is then seen
	 * by the kernel's COMM/FORK records, or by the scan, or by both. */
	if (!err && !(r.cmd && r.pid))
		perf_evlist__enable(r.evlist);
	err = err ?: synth_threads(&r);
	if (!err && !stop_requested && !r.quiet && !r.cmd && r.filtered)
		fprintf(stderr, "Recording %zu event%s on every CPU, filtered to the %zu threads "
			"of process %d... (Ctrl-C to stop)\n", r.nr_events,
			r.nr_events == 1 ? "" : "s", r.nr_tids, r.pid);
	else if (!err && !stop_requested && !r.quiet && !r.cmd)
		fprintf(stderr, "Recording %zu event%s%s... (Ctrl-C to stop)\n", r.nr_events,
			r.nr_events == 1 ? "" : "s", r.pid ? "" : " on every CPU");
	if (!err && r.cmd)
		err = rec_workload__start(&r.work);
	err = err ?: record_loop(&r);
	if (!err && r.filtered) {
		size_t nr_new = 0;

		err = record_filter__new_threads(r.pid, r.tids, r.nr_tids, &nr_new);
		if (!err && nr_new)
			ovp_warn("process %d created %zu thread%s during the recording: not "
				 "recorded (-p follows the threads it had at the start)", r.pid,
				 nr_new, nr_new == 1 ? "" : "s");
	}
	err = err ?: set_build_ids(&r);
	/* data_size gets the size of the file or stream written (header,
	 * attributes and features too), as perf record prints it. */
	err = pdata_writer__close(r.writer, err);
	r.writer = NULL;
	if (!err && !r.quiet)
		print_summary(&r, data_size);
	if (!err && r.nr_lost)
		ovp_warn("lost %" PRIu64 " events in %" PRIu64 " chunks: the ring buffers "
			 "overflowed; use a larger -m", r.nr_lost, r.nr_lost_records);
	if (!err && r.nr_lost_samples)
		ovp_warn("the kernel dropped %" PRIu64 " samples", r.nr_lost_samples);
	if (err && !(err == -EPIPE && r.to_stdout))
		ovp_print_error("%s", ovp_errmsg());

	cleanup = recorder_exit(&r);
	if (cleanup) {
		ovp_print_error("removing probes: %s", ovp_errmsg());
		err = err ?: cleanup;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (r.to_stdout) {
		sigaction(SIGPIPE, &old_pipe, NULL);
		if (err == -EPIPE)
			ovp_exit_sigpipe();
	}
	if (!err && r.archive) {
		/* Pack while this boot's kallsyms is the recording's. */
		char *av[] = { "archive", (char *)r.output, NULL };

		return cmd_archive(2, av);
	}
	return err ? OVP_EXIT_INPUT : OVP_EXIT_OK;
}
