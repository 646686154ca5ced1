/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.h - probe sets: load them from their data files (man ovsperf-probes(5)),
 * install their events in tracefs (group "ovsperf") and remove what we created.
 *
 * Used by `ovsperf-probe install/list/remove/perf-cmd` (probes/main.c) and by
 * `ovsperf-probe record` (probes/record.c), which installs the sets it records,
 * opens the returned events and, at the end, removes those it created:
 *
 *	struct probe_set *set;
 *	struct probe_install inst;
 *	struct probe_opts opts = { .binary = NULL };	// defaults
 *
 *	err = probe_set__load("ovs-dp", &set);
 *	err = err ?: probe_install__create(&inst, &opts, &set, 1);
 *	for (i = 0; i < inst.nr_events; i++)
 *		open inst.events[i].name ("ovsperf:ovs_vport_receive", "sched:sched_switch");
 *	...
 *	probe_install__destroy(&inst);	// removes only events with .created
 *	probe_install__exit(&inst);
 *	probe_set__delete(set);
 */
#ifndef OVSPERF_PROBE_H
#define OVSPERF_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

/* The tracefs group holding every dynamic event we create. */
#define PROBE_GROUP "ovsperf"

/* A parsed probe set (opaque).  Built from a data file or from trigger specs. */
struct probe_set;

/* Options of an install; zero-initialise it for the defaults. */
struct probe_opts {
	/* tracefs mount point; NULL: $OVSPERF_TRACEFS, else the system's
	 * (mounted on /sys/kernel/tracing when it is not mounted yet). */
	const char *tracefs;
	/* ELF file for u:/up:/upr: probes; NULL: the executable of @pid, else
	 * the running ovs-vswitchd. */
	const char *binary;
	/* Process whose executable is used when @binary is NULL; 0: none. */
	pid_t pid;
	/* Do not touch tracefs: print each definition on @dry_out instead. */
	bool dry_run;
	/* Stream for @dry_run (NULL: stdout). */
	FILE *dry_out;
	/* Do not add the BTF-derived flow fields (saddr, daddr, ...). */
	bool no_flow;
	/* vmlinux BTF file; NULL: /sys/kernel/btf/vmlinux. */
	const char *btf;
	/* Set (to the signal number) by the caller's SIGINT/SIGTERM handler:
	 * the install stops before its next probe and removes what it created
	 * (probe_install__create() returns -EINTR).  NULL: not watched. */
	volatile sig_atomic_t *stop;
};

/* One event an install needs. */
struct probe_event {
	/* "SYSTEM:EVENT" as perf names it: "ovsperf:ovs_vport_receive",
	 * "ovsperf:ovs_dp_upcall__return", "sched:sched_switch". */
	char *name;
	/* The dynamic_events line, or NULL for a static tracepoint. */
	char *definition;
	/* True when this install created it (it did not exist before); only
	 * those are removed by probe_install__destroy(). */
	bool created;
};

/* The result of probe_install__create(). */
struct probe_install {
	struct probe_event *events;	/* array of @nr_events, in set order */
	size_t nr_events;
	char *tracefs;			/* tracefs directory used (owned) */
	bool dry_run;			/* nothing was written */
};

/**
 * probe_set__load() - read a probe set data file.
 * @name: a set name ("ovs-dp"), looked up as NAME.probes in $OVSPERF_PROBESETS,
 *        the source tree and the installed data directory; or a path (containing
 *        a '/' or ending in ".probes").
 * @setp: receives the new set; free it with probe_set__delete().
 *
 * Return: 0, -ENOENT when no such set exists, -EINVAL on a syntax error (the
 * message names file and line), -ENOMEM.
 */
int probe_set__load(const char *name, struct probe_set **setp);

/**
 * probe_set__parse() - build a probe set from text in the data file format.
 * @name: name of the set (used in messages).
 * @text: the lines; a line may also be a bare trigger ("k:FUNC", "u:PROV:NAME").
 * @setp: receives the new set; free it with probe_set__delete().
 *
 * Return: 0, -EINVAL on a syntax error, -ENOMEM.
 */
int probe_set__parse(const char *name, const char *text, struct probe_set **setp);

/* Whether @arg is a trigger in kernel_delay syntax (it starts with k:, kr:,
 * t:, u:, up: or upr:) rather than the name or path of a set. */
bool probe_is_trigger(const char *arg);

/**
 * probe_set__add_trigger() - add one probe line to a set.
 * @set: the set.
 * @line: a trigger in kernel_delay syntax (u:PROVIDER:NAME, t:SYSTEM:EVENT,
 *        k:FUNC, kr:FUNC, up:FUNC, upr:FUNC), optionally followed by fields.
 *
 * Return: 0, -EINVAL on a syntax error, -ENOMEM.
 */
int probe_set__add_trigger(struct probe_set *set, const char *line);

/* Name of the set ("ovs-dp"), and its one-line description ("" if none). */
const char *probe_set__name(const struct probe_set *set);
const char *probe_set__description(const struct probe_set *set);

/* Free a set; accepts NULL. */
void probe_set__delete(struct probe_set *set);

/**
 * probe_install__create() - make sure every event of @sets exists in tracefs.
 * @inst: receives the events; release it with probe_install__exit().
 * @opts: options (NULL: defaults).
 * @sets: the sets.
 * @nr_sets: how many.
 *
 * Idempotent: an identical ovsperf event that already exists is reused (and
 * not marked created).  When one definition fails, every event created by
 * this call is removed again before returning.
 *
 * Return: 0; or a negative errno with a one-line message: -EPERM (not root),
 * -EOPNOTSUPP (kernel without kprobe/uprobe events), -ENOENT (function,
 * tracepoint, USDT probe or binary missing; module not loaded), -ENODEV
 * (tracefs not mounted and cannot be mounted), -EINVAL (kernel rejected a
 * definition: the message includes tracefs' error_log).
 */
int probe_install__create(struct probe_install *inst, const struct probe_opts *opts,
			  struct probe_set *const *sets, size_t nr_sets);

/**
 * probe_install__destroy() - remove the events @inst created.
 * @inst: an install (events not marked created are left alone).
 *
 * Return: 0, or the first negative errno (all removals are attempted).
 */
int probe_install__destroy(struct probe_install *inst);

/* Free the memory of @inst (not the events); accepts a zeroed struct. */
void probe_install__exit(struct probe_install *inst);

/**
 * probe_remove_all() - remove every dynamic event in group "ovsperf".
 * @opts: options (tracefs, dry_run).
 * @removed: receives how many were removed (may be NULL).
 *
 * Return: 0 or a negative errno.
 */
int probe_remove_all(const struct probe_opts *opts, size_t *removed);

/**
 * probe_set__remove() - remove the ovsperf events that @sets define.
 * @opts: options (tracefs, dry_run).
 * @sets: the sets (their tracepoints are left alone).
 * @nr_sets: how many.
 * @removed: receives how many events were removed (may be NULL).
 *
 * Return: 0 or a negative errno (-EBUSY when perf still uses an event).
 */
int probe_set__remove(const struct probe_opts *opts, struct probe_set *const *sets,
		      size_t nr_sets, size_t *removed);

/**
 * probe_list() - print the ovsperf events that exist, one a line:
 * "ovsperf:NAME<TAB>KIND<TAB>ADDRESS ARGS".
 * @opts: options (tracefs).
 * @out: stream.
 * @nr: receives the number of events.
 *
 * Return: 0 or a negative errno.
 */
int probe_list(const struct probe_opts *opts, FILE *out, size_t *nr);

/* Directory list searched for sets, in order (NULL entries skipped). */
int probe_set_dirs(const char *dirs[4]);

/**
 * probe_usdt_list() - print the USDT probes of @path, one line per site
 * (PROVIDER:NAME, address, semaphore, argument specs), as bcc's tplist.
 * Return: 0, or the error of the ELF note walk (no such file, no
 * .note.stapsdt, not ELF).
 */
int probe_usdt_list(const char *path, FILE *out);

/**
 * probe_sets__perf_events() - print the events of @sets as perf record's -e
 * options on @out ("-e SYS:EV -e ovsperf:EV ..."): each event once, an
 * optional probe only when it is installed, the further sites of a USDT
 * probe ("ovsperf:NAME_1"), --exclude-perf after raw_syscalls tracepoints.
 * @space: start with a space (after "perf record -a").
 */
void probe_sets__perf_events(struct probe_set *const *sets, size_t nr, bool space, FILE *out);

#endif /* OVSPERF_PROBE_H */
