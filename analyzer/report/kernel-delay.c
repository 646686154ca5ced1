// SPDX-License-Identifier: Apache-2.0
/*
 * report/kernel-delay.c - `ovsperf-analyze kernel-delay`: kernel_delay.py
 * from a recording.  Per thread of the monitored process: syscalls, run and
 * ready time, stopped time, long poll intervals, hard and soft IRQs that hit
 * it; upcall results of ovs_dp_upcall when its kretprobe was recorded.
 *
 * In the pipeline: the report's options (report/kernel-delay-opts.c); its
 * pdata_tool, which decodes the recording's samples (fields resolved once in
 * ready()) into struct kd_event for the engine (engine/kdelay.c, which does
 * the windows and the counting); and its model (kd_model(): the
 * "kernel_delay" object of the JSON document, with thread and syscall names
 * and stacks resolved, plus '_' members for the text).  The text is drawn
 * from the model by out/text-kernel-delay.c.  Events are recognised by name
 * whatever their group, so plain `perf record -e raw_syscalls:*,sched:*,irq:*`
 * recordings work.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ovsperf/err.h"
#include "report/report.h"
#include "report/kernel-delay-busiest.h"
#include "engine/kdelay.h"
#include "decode/vswitchd.h"
#include "decode/unwind.h"
#include "decode/usym.h"
#include "ovsperf/evdec.h"
#include "ovsperf/ksyms.h"
#include "ovsperf/strutil.h"
#include "ovsperf/syscalls.h"
#include "report/kernel-delay-opts.h"

extern const struct report_ops report_kernel_delay_ops;


/* Frames kept per syscall event of a --call-graph dwarf recording. */
#define KD_MAX_CHAIN 256
#define KD_MAX_USER_FRAMES 64

/* What a recorded event means to us; indexed by evsel idx. */
struct kd_handler {
	enum kd_event_type type;
	unsigned int trigger;
	bool process_trigger;	/* u:/up:/upr: trigger: the monitored process only */
};

struct kd_report {
	struct report base;
	struct pdata_tool tool;
	struct kd_engine engine;
	struct kd_config cfg;
	bool engine_ready;
	/* Options. */
	int64_t pid;			/* --pid, -1 = find ovs-vswitchd */
	bool time_opts;			/* any --sample-* option given */
	bool count_given;
	const char *start_trigger, *stop_trigger;
	bool stacks;			/* print callchains of syscall events */
	/* Session state. */
	struct pdata_session *s;
	const char *arch;
	struct kd_handler *map;
	int nr_map;
	struct evdec_field sys_id_enter, sys_id_exit;
	struct evdec_field sw_prev_pid, sw_prev_state, sw_next_pid;
	struct evdec_field wake_pid, wake_new_pid;
	struct evdec_field irq_name, irq_ret, softirq_vec_entry, softirq_vec_exit;
	struct evdec_field upcall_ret;
	struct pdata_evsel *ev_wakeup_new;
	bool have_upcall;
	struct kd_usym *usym;		/* user-space symbolizer (MMAP records) */
	struct kd_unwind *unwind;	/* DWARF unwinder (--call-graph dwarf) */
	bool with_others;		/* run by `ovsperf-analyze FILE` with other reports */
	char *skipped;			/* why the report was skipped (with_others only) */
	bool busiest;			/* with_others, no ovs-vswitchd: busiest threads */
	uint32_t busiest_tids[KD_BUSIEST];
	size_t nr_busiest;
	uint64_t chain[KD_MAX_CHAIN];	/* kernel chain + unwound user frames */
};

static struct kd_report *to_kd(struct report *r)
{
	return container_of(r, struct kd_report, base);
}

static int kd_option(struct report *r, int key, const char *arg)
{
	struct kd_report *kd = to_kd(r);
	uint64_t v;
	int err;

	switch (key) {
	case 'p':
	case OPT_PID:
		err = ovp_parse_uint_opt(key == 'p' ? "-p" : "--pid", arg, 0, INT32_MAX, &v);
		kd->pid = err ? kd->pid : (int64_t)v;
		return err;
	case OPT_SAMPLE_TIME:
		kd->time_opts = true;
		return kd_parse_seconds(arg, &kd->cfg.sample_time_ns);
	case OPT_SAMPLE_COUNT:
		kd->count_given = true;
		return ovp_parse_uint_opt("--sample-count", arg, 0, UINT64_MAX,
					  &kd->cfg.sample_count);
	case OPT_SAMPLE_INTERVAL:
		kd->time_opts = true;
		return kd_parse_seconds(arg, &kd->cfg.sample_interval_ns);
	case OPT_START_TRIGGER:
		kd->start_trigger = arg;
		return 0;
	case OPT_STOP_TRIGGER:
		kd->stop_trigger = arg;
		return 0;
	case OPT_TRIGGER_DELTA:
		/* Nanoseconds, or a duration with its unit. */
		err = ovp_parse_uint_opt("--trigger-delta", arg, 0, UINT64_MAX,
					 &kd->cfg.trigger_delta_ns);
		return err ? ovp_parse_duration(arg, &kd->cfg.trigger_delta_ns) : 0;
	case 's':
	case OPT_SYSCALL_EVENTS:
		kd->cfg.syscall_events = true;
		if (!arg)
			return 0;
		err = ovp_parse_uint_opt(key == 's' ? "-s" : "--syscall-events", arg, 0,
					 UINT64_MAX, &kd->cfg.syscall_events_min_ns);
		return err ? ovp_parse_duration(arg, &kd->cfg.syscall_events_min_ns) : 0;
	case OPT_SKIP_POLL:
		kd->cfg.skip_poll_events = true;
		return 0;
	case OPT_STACK_SIZE:
		err = ovp_parse_uint_opt("--stack-trace-size", arg, 0, UINT64_MAX, &v);
		kd->stacks = err ? kd->stacks : v != 0;
		return err;
	case OPT_LONG_POLL:
		kd->cfg.long_poll_all = !strcmp(arg, "all");
		if (kd->cfg.long_poll_all) {
			kd->cfg.long_poll_ns = 0;
			return 0;
		}
		return kd_parse_seconds(arg, &kd->cfg.long_poll_ns);
	case 'D':
	case OPT_DEBUG:
		/* kernel_delay.py's eBPF debug flags: nothing to debug post-mortem. */
		return !arg ? 0 : ovp_parse_uint_opt(key == 'D' ? "-D" : "--debug", arg, 0,
						     UINT64_MAX, &v);
	case OPT_BUFFER_PAGES:
		return ovp_parse_uint_opt("--buffer-page-count", arg, 0, UINT64_MAX, &v);
	}
	return ovp_err(-EINVAL, "kernel-delay: unknown option");
}

/* The event of a return probe on @func, whatever tool named it. */
static struct pdata_evsel *find_return(struct pdata_session *s, const char *func)
{
	static const char *const suffix[] = { "__return", "_ret", "_return", "__ret" };
	char name[256];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		struct pdata_evsel *ev;

		snprintf(name, sizeof(name), "%s%s", func, suffix[i]);
		ev = pdata_session__find_event(s, NULL, name);
		if (ev)
			return ev;
	}
	return NULL;
}

/* The recorded event a trigger names (see kd_usage). */
static int find_trigger(struct pdata_session *s, const char *spec, struct pdata_evsel **out,
			bool *process)
{
	char buf[256], *a, *b = NULL, *c = NULL;
	struct pdata_evsel *ev = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	a = buf;
	if ((b = strchr(a, ':'))) {
		*b++ = '\0';
		if ((c = strchr(b, ':')))
			*c++ = '\0';
	}
	/* kernel_delay.py attaches USDT probes and uprobes to the process only. */
	*process = b && (!strcmp(a, "u") || !strcmp(a, "usdt") || !strcmp(a, "up") ||
			 !strcmp(a, "uprobe") || !strcmp(a, "ur") || !strcmp(a, "upr") ||
			 !strcmp(a, "uretprobe"));
	if (b && c && (!strcmp(a, "u") || !strcmp(a, "usdt"))) {
		char grp[300];

		ev = pdata_session__find_event(s, b, c);
		snprintf(grp, sizeof(grp), "sdt_%s", b);
		ev = ev ?: pdata_session__find_event(s, grp, c);
		ev = ev ?: pdata_session__find_event(s, NULL, c);
	} else if (b && c && (!strcmp(a, "t") || !strcmp(a, "trace"))) {
		ev = pdata_session__find_event(s, b, c);
	} else if (b && !c && (!strcmp(a, "k") || !strcmp(a, "kprobe") || !strcmp(a, "up") ||
			       !strcmp(a, "uprobe"))) {
		ev = pdata_session__find_event(s, NULL, b);
	} else if (b && !c && (!strcmp(a, "kr") || !strcmp(a, "kretprobe") ||
			       !strcmp(a, "ur") || !strcmp(a, "upr") ||
			       !strcmp(a, "uretprobe"))) {
		ev = find_return(s, b);
	}
	ev = ev ?: pdata_session__find_evsel(s, spec);
	if (!ev)
		return ovp_err(-ENOENT, "trigger '%s': no such event in the recording "
			       "(see 'ovsperf-analyze info')", spec);
	*out = ev;
	return 0;
}

/*
 * Monitored process.
 */
static int kd_resolve_pid(void *arg, int64_t *pid)
{
	struct kd_report *kd = arg;
	int64_t pids[KD_MAX_VSWITCHD];
	int i, nr = kd_find_vswitchd(kd->s, pids);
	char list[128] = "";
	int err;

	if (nr == 1) {
		*pid = pids[0];
		return 0;
	}
	if (!nr && kd->with_others) {
		/* Count every process; kd_done() keeps the busiest threads. */
		kd->busiest = true;
		*pid = KD_PID_ALL;
		return 0;
	}
	if (!nr) {
		err = ovp_err(-ENOENT, "no ovs-vswitchd process in the recording's "
			      "COMM records; name the process with --pid PID");
	} else {
		for (i = 0; i < nr; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%" PRId64,
				 i ? ", " : "", pids[i]);
		err = ovp_err(-EINVAL, "several ovs-vswitchd processes in the "
			      "recording (PIDs %s); choose one with --pid PID", list);
	}
	if (!kd->with_others)
		return ovp_err_prefix(err, "kernel-delay");
	/* Among other reports, this one steps aside instead of failing them all:
	 * a pid no thread has makes the engine count nothing. */
	kd->skipped = strdup(ovp_errmsg());
	ovp_err_clear();
	*pid = INT64_MAX;
	return 0;
}

static int64_t kd_pid_of(void *arg, uint32_t tid)
{
	struct kd_report *kd = arg;

	return pdata_session__pid_of(kd->s, tid);
}

/*
 * Tool callbacks.
 */
static void map_event(struct kd_report *kd, struct pdata_evsel *ev, enum kd_event_type type)
{
	if (ev && ev->idx < kd->nr_map)
		kd->map[ev->idx].type = type;
}

static int kd_ready(struct pdata_tool *tool, struct pdata_session *s)
{
	struct kd_report *kd = container_of(tool, struct kd_report, tool);
	static const char *const ret_names[] = { "ret", "retval", "arg1", "__probe_ret", NULL };
	struct pdata_evsel *ev;
	bool process;
	int err, i;

	kd->s = s;
	kd->arch = pdata_session__info(s)->arch;
	kd->nr_map = pdata_session__nr_evsels(s);
	kd->map = calloc(kd->nr_map ? kd->nr_map : 1, sizeof(*kd->map));
	if (!kd->map)
		return ovp_err(-ENOMEM, "kernel-delay: out of memory");

	ev = pdata_session__find_event(s, "raw_syscalls", "sys_enter");
	if (ev && !evdec_field__find(&kd->sys_id_enter, ev, "id"))
		map_event(kd, ev, KD_EV_SYS_ENTER);
	ev = pdata_session__find_event(s, "raw_syscalls", "sys_exit");
	if (ev && !evdec_field__find(&kd->sys_id_exit, ev, "id"))
		map_event(kd, ev, KD_EV_SYS_EXIT);
	ev = pdata_session__find_event(s, "sched", "sched_switch");
	if (ev && !evdec_field__find(&kd->sw_prev_pid, ev, "prev_pid") &&
	    !evdec_field__find(&kd->sw_prev_state, ev, "prev_state") &&
	    !evdec_field__find(&kd->sw_next_pid, ev, "next_pid"))
		map_event(kd, ev, KD_EV_SWITCH);
	ev = pdata_session__find_event(s, "sched", "sched_wakeup");
	if (ev && !evdec_field__find(&kd->wake_pid, ev, "pid"))
		map_event(kd, ev, KD_EV_WAKEUP);
	ev = pdata_session__find_event(s, "sched", "sched_wakeup_new");
	if (ev && !evdec_field__find(&kd->wake_new_pid, ev, "pid")) {
		map_event(kd, ev, KD_EV_WAKEUP);
		kd->ev_wakeup_new = ev;
	}
	ev = pdata_session__find_event(s, "irq", "irq_handler_entry");
	if (ev && !evdec_field__find(&kd->irq_name, ev, "name"))
		map_event(kd, ev, KD_EV_IRQ_ENTRY);
	ev = pdata_session__find_event(s, "irq", "irq_handler_exit");
	if (ev && !evdec_field__find(&kd->irq_ret, ev, "ret"))
		map_event(kd, ev, KD_EV_IRQ_EXIT);
	ev = pdata_session__find_event(s, "irq", "softirq_entry");
	if (ev && !evdec_field__find(&kd->softirq_vec_entry, ev, "vec"))
		map_event(kd, ev, KD_EV_SOFTIRQ_ENTRY);
	ev = pdata_session__find_event(s, "irq", "softirq_exit");
	if (ev && !evdec_field__find(&kd->softirq_vec_exit, ev, "vec"))
		map_event(kd, ev, KD_EV_SOFTIRQ_EXIT);
	ev = find_return(s, "ovs_dp_upcall");
	if (ev && !evdec_field__find_any(&kd->upcall_ret, ev, ret_names)) {
		map_event(kd, ev, KD_EV_UPCALL_RET);
		kd->have_upcall = true;
	}

	for (i = 0; i < kd->nr_map && kd->map[i].type == KD_EV_NONE; i++)
		;
	if (i == kd->nr_map)
		return ovp_err(-ENOENT, "kernel-delay: the recording has none of the events it needs "
			       "(raw_syscalls:sys_enter/sys_exit, sched:sched_switch/sched_wakeup, "
			       "irq:*; ovsperf-probe record kernel-delay records them)");

	if (kd->start_trigger) {
		err = find_trigger(s, kd->start_trigger, &ev, &process);
		if (err)
			return err;
		kd->map[ev->idx].trigger |= KD_TRIGGER_START;
		kd->map[ev->idx].process_trigger |= process;
	}
	if (kd->stop_trigger) {
		err = find_trigger(s, kd->stop_trigger, &ev, &process);
		if (err)
			return err;
		kd->map[ev->idx].trigger |= KD_TRIGGER_STOP;
		kd->map[ev->idx].process_trigger |= process;
	}

	/* Read from an archive: user symbols come from it, not this machine. */
	kd_usym__set_archive(kd->usym, pdata_session__archive(s));
	for (i = 0; i < pdata_session__nr_build_ids(s); i++) {
		const struct pdata_build_id *b = pdata_session__build_id(s, i);

		if (!b->kernel && b->filename && b->filename[0] == '/') {
			err = kd_usym__build_id(kd->usym, b->filename, b->id, b->size);
			if (err)
				return err;
		}
	}

	kd->cfg.pid = kd->pid;
	kd->cfg.triggers = kd->start_trigger || kd->stop_trigger;
	kd->cfg.has_start_trigger = kd->start_trigger != NULL;
	kd->cfg.has_stop_trigger = kd->stop_trigger != NULL;
	/* kernel_delay.py: a start trigger alone captures --sample-time (0.5 s). */
	if (kd->cfg.has_start_trigger && !kd->cfg.has_stop_trigger && !kd->cfg.sample_time_ns)
		kd->cfg.sample_time_ns = 500000000ull;
	if (!kd->count_given)
		kd->cfg.sample_count = (kd->time_opts || kd->cfg.triggers) ? 1 : 0;
	kd->cfg.poll_nr = ovp_syscall_nr(kd->arch, "poll");
	kd->cfg.ppoll_nr = ovp_syscall_nr(kd->arch, "ppoll");
	kd->cfg.resolve_pid = kd_resolve_pid;
	kd->cfg.pid_of = kd_pid_of;
	kd->cfg.arg = kd;
	err = kd_engine__init(&kd->engine, &kd->cfg);
	if (err)
		return err;
	kd->engine_ready = true;
	return 0;
}

/*
 * Did the monitored process fire this USDT/uprobe trigger?  With no --pid the
 * process is looked up (COMM records seen so far); while it cannot be, any
 * process's hit counts.
 */
static bool trigger_process_ok(struct kd_report *kd, int64_t pid)
{
	int64_t want = kd->engine.cfg.pid;

	if (want < 0) {
		int64_t pids[KD_MAX_VSWITCHD];

		if (kd_find_vswitchd(kd->s, pids) != 1)
			return true;
		want = pids[0];
	}
	return pid < 0 || pid == want;
}

/*
 * A --call-graph dwarf sample has the kernel chain only: append the user
 * frames unwound from its register and stack copy (no allocation).
 */
static void dwarf_chain(struct kd_report *kd, struct kd_event *ev,
			const struct pdata_sample *sample)
{
	size_t n = 0, i, u;

	for (i = 0; i < sample->callchain.nr && n < KD_MAX_CHAIN - KD_MAX_USER_FRAMES - 1; i++) {
		if (sample->callchain.ips[i] == (uint64_t)PERF_CONTEXT_USER)
			break;	/* already has user frames: keep the kernel part */
		kd->chain[n++] = sample->callchain.ips[i];
	}
	kd->chain[n] = (uint64_t)PERF_CONTEXT_USER;
	u = kd_unwind__user(kd->unwind, ev->pid, sample, kd->chain + n + 1, KD_MAX_USER_FRAMES);
	if (!u)
		return;
	ev->sys.ips = kd->chain;
	ev->sys.nr_ips = n + 1 + u;
}

static int kd_sample(struct pdata_tool *tool, const struct pdata_sample *sample)
{
	struct kd_report *kd = container_of(tool, struct kd_report, tool);
	const struct kd_handler *h;
	struct kd_event ev;
	char name[KD_IRQ_NAME];

	static const struct kd_handler none = { KD_EV_NONE, 0 };

	if (!kd->engine_ready)
		return 0;
	/* Every sample moves the clock: windows slice the recording's timeline. */
	h = sample->evsel && sample->evsel->idx < kd->nr_map ? &kd->map[sample->evsel->idx]
							      : &none;
	memset(&ev, 0, sizeof(ev));
	ev.type = h->type;
	ev.trigger = h->trigger;
	ev.time = sample->time;
	ev.cpu = sample->cpu;
	ev.tid = sample->tid;
	if (sample->evsel && sample->evsel->attr.sample_type & PERF_SAMPLE_TID)
		ev.pid = (int64_t)sample->pid;
	else
		ev.pid = pdata_session__pid_of(kd->s, sample->tid);
	switch (h->type) {
	case KD_EV_SYS_ENTER:
		ev.sys.nr = (long)evdec_field__s64(&kd->sys_id_enter, sample);
		break;
	case KD_EV_SYS_EXIT:
		ev.sys.nr = (long)evdec_field__s64(&kd->sys_id_exit, sample);
		ev.sys.nr_ips = sample->callchain.nr;
		ev.sys.ips = sample->callchain.ips;
		if (kd->stacks && sample->user_stack && kd_engine__wants_stack(&kd->engine, &ev))
			dwarf_chain(kd, &ev, sample);
		break;
	case KD_EV_SWITCH:
		ev.sw.prev_tid = (uint32_t)evdec_field__u64(&kd->sw_prev_pid, sample);
		ev.sw.next_tid = (uint32_t)evdec_field__u64(&kd->sw_next_pid, sample);
		ev.sw.prev_state = evdec_field__u64(&kd->sw_prev_state, sample);
		ev.sw.prev_pid = ev.sw.prev_tid == sample->tid ? ev.pid
				 : pdata_session__pid_of(kd->s, ev.sw.prev_tid);
		ev.sw.next_pid = pdata_session__pid_of(kd->s, ev.sw.next_tid);
		break;
	case KD_EV_WAKEUP:
		ev.wake.tid = (uint32_t)evdec_field__u64(sample->evsel == kd->ev_wakeup_new ?
							 &kd->wake_new_pid : &kd->wake_pid,
							 sample);
		ev.wake.pid = pdata_session__pid_of(kd->s, ev.wake.tid);
		break;
	case KD_EV_IRQ_ENTRY:
		ev.irq.name = evdec_field__str(&kd->irq_name, sample, name, sizeof(name));
		break;
	case KD_EV_IRQ_EXIT:
		ev.irq.ret = (int)evdec_field__s64(&kd->irq_ret, sample);
		break;
	case KD_EV_SOFTIRQ_ENTRY:
		ev.softirq.vec = (unsigned int)evdec_field__u64(&kd->softirq_vec_entry, sample);
		break;
	case KD_EV_SOFTIRQ_EXIT:
		ev.softirq.vec = (unsigned int)evdec_field__u64(&kd->softirq_vec_exit, sample);
		break;
	case KD_EV_UPCALL_RET:
		ev.upcall.ret = (int32_t)evdec_field__s64(&kd->upcall_ret, sample);
		break;
	case KD_EV_NONE:
		break;
	}
	if (h->process_trigger && !trigger_process_ok(kd, ev.pid))
		ev.trigger = 0;
	/* perf says -1 for a task that is exiting (its last switch-out): no thread
	 * to charge a syscall or an IRQ to; switch fields are still valid. */
	if (sample->tid == UINT32_MAX && h->type != KD_EV_SWITCH && h->type != KD_EV_WAKEUP &&
	    h->type != KD_EV_UPCALL_RET)
		ev.type = KD_EV_NONE;
	return kd_engine__event(&kd->engine, &ev);
}

static int kd_mmap(struct pdata_tool *tool, const union perf_event *event,
		   const struct pdata_sample *sample)
{
	struct kd_report *kd = container_of(tool, struct kd_report, tool);

	if (!kd->cfg.syscall_events || !kd->stacks)
		return 0;
	return kd_usym__mmap(kd->usym, event);
}

static int kd_exit(struct pdata_tool *tool, const union perf_event *event,
		   const struct pdata_sample *sample)
{
	struct kd_report *kd = container_of(tool, struct kd_report, tool);
	uint64_t time = sample && sample->time ? sample->time : event->fork.time;

	return kd->engine_ready ? kd_engine__thread_exit(&kd->engine, event->fork.tid, time) : 0;
}

static int kd_done(struct pdata_tool *tool, struct pdata_session *s)
{
	struct kd_report *kd = container_of(tool, struct kd_report, tool);
	int err = kd->engine_ready ? kd_engine__finish(&kd->engine) : 0;

	if (!err && kd->busiest)
		kd->nr_busiest = kd_busiest_keep(kd->engine.samples, kd->engine.nr_samples,
						 KD_BUSIEST, kd->busiest_tids);
	return err;
}

static bool kd_applicable(struct pdata_session *s)
{
	return (pdata_session__find_event(s, "raw_syscalls", "sys_enter") &&
		pdata_session__find_event(s, "raw_syscalls", "sys_exit")) ||
	       pdata_session__find_event(s, "sched", "sched_switch");
}

static struct pdata_tool *kd_tool(struct report *r)
{
	return &to_kd(r)->tool;
}

/*
 * Names for the model.
 */
static const char *syscall_name(struct kd_report *kd, long nr, char *buf, size_t size)
{
	const char *n = ovp_syscall_name(kd->arch, nr);

	if (n)
		return n;
	snprintf(buf, size, "<unknown:%ld>", nr);
	return buf;
}

static const char *thread_name(struct kd_report *kd, int64_t pid, uint32_t tid, char *buf,
			       size_t size)
{
	const char *comm = pdata_session__comm(kd->s, tid);

	if (comm)
		return comm;
	snprintf(buf, size, "<unknown:%" PRId64 "/%u>", pid, tid);
	return buf;
}

/* "secs.nsecs" of the recording's clock, plus the wall-clock time in UTC
 * when the recording has CLOCK_DATA (perf record -k). @buf: 80 bytes. */
static const char *fmt_ts(struct kd_report *kd, uint64_t ns, char *buf)
{
	char t[32], w[48];
	uint64_t tod;

	ovp_fmt_ns(ns, t, sizeof(t));
	if (pdata_info__tod(pdata_session__info(kd->s), ns, &tod))
		snprintf(buf, 80, "%s (%s)", t, ovp_fmt_tod(tod, w, sizeof(w)));
	else
		snprintf(buf, 80, "%s", t);
	return buf;
}

struct name_order {
	const char *name;
	const struct kd_thread_stats *t;
};

static int cmp_name(const void *a, const void *b)
{
	const struct name_order *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->t->tid < y->t->tid ? -1 : x->t->tid > y->t->tid);
}

/* Threads of @s ordered by name (kernel_delay.py's order); caller frees. */
static struct name_order *order_threads(struct kd_report *kd, const struct kd_sample *s,
					char (*names)[48])
{
	struct name_order *o = calloc(s->nr_threads ? s->nr_threads : 1, sizeof(*o));
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < s->nr_threads; i++) {
		o[i].t = &s->threads[i];
		o[i].name = thread_name(kd, s->threads[i].pid, s->threads[i].tid, names[i],
					sizeof(names[i]));
	}
	qsort(o, s->nr_threads, sizeof(*o), cmp_name);
	return o;
}

/*
 * Walk a call chain: @fn gets each frame as text ("func+0x1a [kernel]",
 * "func+0x3f [libc.so.6]", "[unknown] 0x...").  Context markers switch between
 * kernel and user frames.
 */
static void walk_frames(struct kd_report *kd, const uint64_t *ips, size_t nr, int64_t pid,
			void (*fn)(const char *frame, void *arg), void *arg)
{
	struct ksyms *ks = analyze_ctx__ksyms(kd->base.ctx);
	bool user = false;
	char buf[512];
	size_t i;

	for (i = 0; i < nr; i++) {
		uint64_t ip = ips[i];

		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			user = ip == (uint64_t)PERF_CONTEXT_USER;
			continue;
		}
		if (!user) {
			uint64_t off;
			const char *sym = ksyms__lookup(ks, ip, &off, NULL);
			const char *mod = ksyms__module(ks, ip);

			if (sym)
				snprintf(buf, sizeof(buf), "%s+0x%" PRIx64 " [%s]", sym, off,
					 mod ? mod : "kernel");
			else
				snprintf(buf, sizeof(buf), "[unknown] 0x%" PRIx64, ip);
		} else {
			kd_usym__format(kd->usym, pid, ip, buf, sizeof(buf));
		}
		fn(buf, arg);
	}
}

static void json_frame(const char *frame, void *arg)
{
	json_array_append_new(arg, json_string(frame));
}

/*
 * The model: the "kernel_delay" object of ovsperf-json(7), plus for the text
 * (out/text-kernel-delay.c) the members whose names start with '_'.
 */
static json_t *acc_json(const struct kd_acc *a, bool min)
{
	json_t *o = json_object();

	json_object_set_new(o, "count", json_integer((json_int_t)a->count));
	json_object_set_new(o, "total_ns", json_integer((json_int_t)a->total_ns));
	if (min)
		json_object_set_new(o, "min_ns", json_integer((json_int_t)a->min_ns));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)a->max_ns));
	return o;
}

static json_t *thread_json(struct kd_report *kd, const struct kd_thread_stats *t,
			   const char *name)
{
	json_t *o = json_object(), *sys = json_array(), *hi = json_array(), *si = json_array();
	uint64_t count, total;
	char nb[32];
	size_t i;

	json_object_set_new(o, "tid", json_integer(t->tid));
	json_object_set_new(o, "pid", json_integer(t->pid));
	json_object_set_new(o, "name", json_string(name));
	for (i = 0; i < t->nr_sys; i++) {
		json_t *x = acc_json(&t->sys[i].acc, false);

		json_object_set_new(x, "nr", json_integer(t->sys[i].nr));
		json_object_set_new(x, "name", json_string(syscall_name(kd, t->sys[i].nr, nb,
									sizeof(nb))));
		json_array_append_new(sys, x);
	}
	json_object_set_new(o, "syscalls", sys);
	json_object_set_new(o, "run", acc_json(&t->run, true));
	json_object_set_new(o, "ready", acc_json(&t->ready, false));
	json_object_set_new(o, "stopped", acc_json(&t->stopped, false));
	json_object_set_new(o, "long_poll", acc_json(&t->long_poll, kd->cfg.long_poll_all));
	for (i = 0; i < t->nr_irq; i++) {
		json_t *x = acc_json(&t->irq[i].acc, false);

		json_object_set_new(x, "name", json_string(t->irq[i].name));
		json_array_append_new(hi, x);
	}
	json_object_set_new(o, "hardirq", hi);
	for (i = 0; i < KD_NR_VEC; i++) {
		const char *vn = kd_softirq_name((unsigned int)i);
		json_t *x;

		if (!t->softirq[i].count)
			continue;
		x = acc_json(&t->softirq[i], false);
		if (!vn) {
			snprintf(nb, sizeof(nb), "<unknown:%zu>", i);
			vn = nb;
		}
		json_object_set_new(x, "name", json_string(vn));
		json_object_set_new(x, "vec", json_integer((json_int_t)i));
		json_array_append_new(si, x);
	}
	json_object_set_new(o, "softirq", si);
	/* Every syscall but poll(), kernel_delay.py's TOTAL( - poll). */
	kd_sys_total(t, kd->cfg.poll_nr, &count, &total);
	json_object_set_new(o, "_sys_total", json_pack("{s:I, s:I}", "count", (json_int_t)count,
						      "total_ns", (json_int_t)total));
	return o;
}

static json_t *sample_json(struct kd_report *kd, const struct kd_sample *s)
{
	json_t *o = json_object(), *threads = json_array();
	struct name_order *ord;
	char (*names)[48];
	char tb[48], tb80[80];
	size_t i;

	json_object_set_new(o, "start_ns", json_integer((json_int_t)s->start_ns));
	json_object_set_new(o, "end_ns", json_integer((json_int_t)s->end_ns));
	json_object_set_new(o, "start_trigger_ns", s->start_trigger_ns ?
			    json_integer((json_int_t)s->start_trigger_ns) : json_null());
	json_object_set_new(o, "stop_trigger_ns", s->stop_trigger_ns ?
			    json_integer((json_int_t)s->stop_trigger_ns) : json_null());
	json_object_set_new(o, "skipped", json_boolean(s->skipped));
	json_object_set_new(o, "partial", json_boolean(s->partial));
	json_object_set_new(o, "_start", json_string(fmt_ts(kd, s->start_ns, tb80)));
	json_object_set_new(o, "_end", json_string(fmt_ts(kd, s->end_ns, tb80)));
	names = calloc(s->nr_threads ? s->nr_threads : 1, sizeof(*names));
	ord = names ? order_threads(kd, s, names) : NULL;
	for (i = 0; ord && i < s->nr_threads; i++)
		json_array_append_new(threads, thread_json(kd, ord[i].t, ord[i].name));
	free(ord);
	free(names);
	json_object_set_new(o, "threads", threads);
	if (kd->cfg.syscall_events) {
		json_t *evs = json_array();

		for (i = 0; i < s->nr_events; i++) {
			const struct kd_sysevent *e = &s->events[i];
			json_t *x = json_object(), *st = json_array();
			char nb[32];
			size_t k;

			json_object_set_new(x, "entry_ns", json_integer((json_int_t)e->entry_ns));
			json_object_set_new(x, "exit_ns", json_integer((json_int_t)e->exit_ns));
			json_object_set_new(x, "tid", json_integer(e->tid));
			json_object_set_new(x, "comm", json_string(thread_name(kd, e->pid, e->tid,
									       tb, sizeof(tb))));
			json_object_set_new(x, "nr", json_integer(e->nr));
			json_object_set_new(x, "name", json_string(syscall_name(kd, e->nr, nb,
										sizeof(nb))));
			/* Hex strings: kernel addresses do not fit a JSON (signed) integer. */
			for (k = 0; k < e->nr_ips; k++) {
				char hex[24];

				snprintf(hex, sizeof(hex), "0x%" PRIx64, s->ips[e->ips_off + k]);
				json_array_append_new(st, json_string(hex));
			}
			json_object_set_new(x, "callchain", st);
			if (kd->stacks) {
				json_t *frames = json_array();

				walk_frames(kd, s->ips + e->ips_off, e->nr_ips, e->pid, json_frame,
					    frames);
				json_object_set_new(x, "frames", frames);
			}
			json_array_append_new(evs, x);
		}
		json_object_set_new(o, "syscall_events", evs);
	}
	if (kd->have_upcall) {
		json_t *u = json_object(), *cpus = json_array(), *errs = json_array();

		json_object_set_new(u, "count", json_integer((json_int_t)s->upcalls));
		json_object_set_new(u, "errors", json_integer((json_int_t)s->upcall_errors));
		for (i = 0; i < s->nr_upcall_cpu; i++) {
			json_t *x;

			if (!s->upcall_cpu[i])
				continue;
			x = json_object();
			json_object_set_new(x, "cpu", json_integer((json_int_t)i));
			json_object_set_new(x, "count", json_integer((json_int_t)s->upcall_cpu[i]));
			json_array_append_new(cpus, x);
		}
		for (i = 0; i < s->nr_upcall_err; i++) {
			json_t *x = json_object();

			json_object_set_new(x, "error", json_integer(s->upcall_err[i].err));
			json_object_set_new(x, "count",
					    json_integer((json_int_t)s->upcall_err[i].count));
			json_array_append_new(errs, x);
		}
		json_object_set_new(u, "per_cpu", cpus);
		json_object_set_new(u, "per_error", errs);
		json_object_set_new(u, "_other_errors", json_integer((json_int_t)s->upcall_err_other));
		json_object_set_new(o, "upcalls", u);
	}
	return o;
}

static int kd_model(struct report *r, json_t **model)
{
	struct kd_report *kd = to_kd(r);
	json_t *o = json_object(), *samples;
	size_t i;

	*model = o;
	if (!kd->engine_ready)
		json_object_set_new(o, "_no_text", json_true());
	if (kd->skipped) {
		json_object_set_new(o, "skipped", json_string(kd->skipped));
		return 0;
	}
	samples = json_array();
	json_object_set_new(o, "pid", kd->engine.cfg.pid >= 0 ?
			    json_integer(kd->engine.cfg.pid) : json_null());
	if (kd->busiest) {
		json_object_set_new(o, "busiest_tids",
				    kd_busiest_json(kd->busiest_tids, kd->nr_busiest));
		json_object_set_new(o, "_busiest_names",
				    kd_busiest_names(kd->s, kd->busiest_tids, kd->nr_busiest));
	}
	json_object_set_new(o, "_triggers", json_boolean(kd->cfg.triggers));
	json_object_set_new(o, "_long_poll_all", json_boolean(kd->cfg.long_poll_all));
	/* Start triggers that opened no window: worth a warning when windows
	 * were to open again and again. */
	json_object_set_new(o, "_trigger_miss_warning",
			    json_boolean(kd->cfg.has_start_trigger && kd->cfg.sample_count != 1 &&
					 kd->engine.trigger_miss));
	for (i = 0; kd->engine_ready && i < kd->engine.nr_samples; i++)
		json_array_append_new(samples, sample_json(kd, &kd->engine.samples[i]));
	json_object_set_new(o, "samples", samples);
	json_object_set_new(o, "trigger_miss", json_integer((json_int_t)kd->engine.trigger_miss));
	return 0;
}

static void kd_destroy(struct report *r)
{
	struct kd_report *kd;

	if (!r)
		return;
	kd = to_kd(r);
	kd_engine__exit(&kd->engine);
	kd_unwind__free(kd->unwind);
	kd_usym__free(kd->usym);
	free(kd->skipped);
	free(kd->map);
	free(kd);
}

static int kd_create(struct report **out, struct analyze_ctx *ctx)
{
	struct kd_report *kd = calloc(1, sizeof(*kd));
	int err;

	if (!kd)
		return ovp_err(-ENOMEM, "kernel-delay: out of memory");
	kd->base.ops = &report_kernel_delay_ops;
	kd->base.ctx = ctx;
	kd->pid = -1;
	kd->stacks = true;
	/* ovsperf-analyze creates a named report before it opens the recording,
	 * and the reports of `ovsperf-analyze FILE` after: an open session says
	 * this one runs with others. */
	kd->with_others = ctx->all_reports;
	kd->cfg.long_poll_ns = 1000000000ull;
	err = kd_usym__new(&kd->usym);
	err = err ?: kd_unwind__new(&kd->unwind, kd->usym);
	if (err) {
		kd_usym__free(kd->usym);
		free(kd);
		return err;
	}
	pdata_tool__init(&kd->tool);
	kd->tool.ready = kd_ready;
	kd->tool.sample = kd_sample;
	kd->tool.mmap = kd_mmap;
	kd->tool.exit = kd_exit;
	kd->tool.done = kd_done;
	*out = &kd->base;
	return 0;
}

const struct report_ops report_kernel_delay_ops = {
	.name = "kernel-delay",
	.json_key = "kernel_delay",
	.summary = "per-thread syscall, run, ready, IRQ and soft IRQ time (kernel_delay.py)",
	.usage = kd_usage,
	.options = kd_options,
	.shortopts = "p:s::D::",
	.value_follows = kd_value_follows,
	.create = kd_create,
	.option = kd_option,
	.applicable = kd_applicable,
	.tool = kd_tool,
	.model = kd_model,
	.destroy = kd_destroy,
};
