// SPDX-License-Identifier: Apache-2.0
/*
 * main.c - ovsperf-probe: install, list and remove the probe sets that
 * ovsperf-analyze's reports need, print the perf record line for them, or
 * record without perf (record.c).  One function per subcommand, dispatched
 * by a name table; only this file prints errors.
 */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <tracefs.h>

#include <ovsperf/err.h>
#include <ovsperf/outfile.h>
#include <ovsperf/strutil.h>

#include "probe.h"
#include "archive.h"
#include "record.h"

#ifndef OVSPERF_VERSION
#define OVSPERF_VERSION "0"
#endif

static const char main_usage[] =
	"Usage: ovsperf-probe COMMAND [OPTION]... [ARG]...\n"
	"Install the kprobes, uprobes and USDT probes ovsperf-analyze needs (group 'ovsperf').\n"
	"\n"
	"Commands:\n"
	"  install SET...   create the events of the probe sets (idempotent)\n"
	"  list             show the ovsperf events that exist (--sets: available sets)\n"
	"  remove SET...    remove the events of the sets (--all: every ovsperf event)\n"
	"  perf-cmd SET...  print the 'perf record' command line for the sets\n"
	"  record           record the sets into a perf.data file without perf\n"
	"  archive          pack a recording with what is needed to analyze it elsewhere\n"
	"\n"
	"A SET is a name (ovs-dp, backlog, upcall-cost, upcall-monitor, bridge-loop,\n"
	"kernel-delay, blame), the path of a .probes file, or a trigger: k:FUNC,\n"
	"kr:FUNC, t:SYSTEM:EVENT, u:PROVIDER:NAME, up:FUNC, upr:FUNC.\n"
	"\n"
	"Run 'ovsperf-probe COMMAND --help' for the options of a command.\n"
	"See ovsperf-probe(1) and ovsperf-probes(5).\n"
	"\n"
	"Examples:\n"
	"  ovsperf-probe install bridge-loop --binary /usr/sbin/ovs-vswitchd\n"
	"  perf record -a $(ovsperf-probe perf-cmd --events bridge-loop) -- sleep 10\n"
	"  ovsperf-probe remove --all\n";

static const char install_usage[] =
	"Usage: ovsperf-probe install [OPTION]... SET...\n"
	"Create the tracefs events of the probe sets in group 'ovsperf'.  Events that\n"
	"already exist identically are reused; if one probe fails, the events created\n"
	"by this command are removed again.\n"
	"\n"
	"  -b, --binary PATH   ELF file for u:/up:/upr: probes (default: the running\n"
	"                      ovs-vswitchd)\n"
	"  -p, --pid PID       take the binary from /proc/PID/exe; up: functions not in\n"
	"                      it are looked up in the libraries PID has mapped\n"
	"  -n, --dry-run       print the definitions instead of writing them\n"
	"      --no-flow       read no BTF: leave out skb->head, the flow field nh and\n"
	"                      +STRUCT.MEMBER fields\n"
	"      --btf FILE      kernel BTF (default /sys/kernel/btf/vmlinux)\n"
	"      --tracefs DIR   tracefs directory (default $OVSPERF_TRACEFS, else the\n"
	"                      mounted one; mounted on /sys/kernel/tracing if needed)\n"
	"  -q, --quiet         no warnings\n"
	"  -h, --help          this help\n";

static const char list_usage[] =
	"Usage: ovsperf-probe list [OPTION]...\n"
	"Print the ovsperf events that exist: NAME, KIND, ADDRESS and FETCH ARGS.\n"
	"\n"
	"  -s, --sets          list the available probe sets instead\n"
	"  -u, --usdt BINARY   list the USDT probes in BINARY's .note.stapsdt instead\n"
	"                      (PROVIDER:NAME, address, semaphore, argument specs; one\n"
	"                      line per site), as bcc's tplist -l\n"
	"      --tracefs DIR   tracefs directory (default $OVSPERF_TRACEFS or the system's)\n"
	"  -h, --help          this help\n";

static const char remove_usage[] =
	"Usage: ovsperf-probe remove [OPTION]... SET...\n"
	"       ovsperf-probe remove --all\n"
	"Remove the ovsperf events of the sets, or all of them.  Only events of group\n"
	"'ovsperf' are touched.\n"
	"\n"
	"  -a, --all           remove every ovsperf event\n"
	"  -n, --dry-run       print the removal lines instead of writing them\n"
	"      --tracefs DIR   tracefs directory\n"
	"  -h, --help          this help\n";

static const char perfcmd_usage[] =
	"Usage: ovsperf-probe perf-cmd [OPTION]... SET...\n"
	"Print the 'perf record' command line that records the events of the sets\n"
	"(install them first).  Optional probes that are not installed are left out.\n"
	"\n"
	"  -o, --output FILE   add '-o FILE'\n"
	"  -e, --events        print only the -e options\n"
	"  -h, --help          this help\n";

enum { OPT_NO_FLOW = 256, OPT_BTF, OPT_TRACEFS };

static int usage_error(const char *cmd)
{
	fprintf(stderr, "Try 'ovsperf-probe %s--help'.\n", cmd);
	return OVP_EXIT_USAGE;
}

static int fail(void)
{
	ovp_print_error("%s", ovp_errmsg());
	return OVP_EXIT_INPUT;
}

/* Load the sets named in argv[optind..]; triggers form one extra set. */
static int load_sets(int argc, char **argv, struct probe_set ***setsp, size_t *nrp)
{
	struct probe_set **sets = calloc(argc + 1, sizeof(*sets));
	struct probe_set *trig = NULL;
	size_t nr = 0;
	int i, err = 0;

	if (!sets)
		return -ENOMEM;
	for (i = optind; i < argc && !err; i++) {
		if (probe_is_trigger(argv[i])) {
			if (!trig) {
				err = probe_set__parse("command line", argv[i], &trig);
				if (!err)
					sets[nr++] = trig;
			} else {
				err = probe_set__add_trigger(trig, argv[i]);
			}
		} else {
			err = probe_set__load(argv[i], &sets[nr]);
			if (!err)
				nr++;
		}
	}
	if (err) {
		while (nr)
			probe_set__delete(sets[--nr]);
		free(sets);
		return err;
	}
	*setsp = sets;
	*nrp = nr;
	return 0;
}

static void free_sets(struct probe_set **sets, size_t nr)
{
	while (nr)
		probe_set__delete(sets[--nr]);
	free(sets);
}

static volatile sig_atomic_t install_stop;

static void on_install_signal(int sig)
{
	install_stop = sig;
}

static int cmd_install(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "binary", required_argument, NULL, 'b' },
		{ "pid", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-flow", no_argument, NULL, OPT_NO_FLOW },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "tracefs", required_argument, NULL, OPT_TRACEFS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts opts = { 0 };
	struct probe_install inst;
	struct probe_set **sets;
	size_t nr, i, created = 0;
	uint64_t num;
	int c, err;

	while ((c = getopt_long(argc, argv, "b:p:nqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': opts.binary = optarg; break;
		case 'p':
			if (ovp_parse_uint_opt("--pid", optarg, 1, INT32_MAX, &num)) {
				ovp_print_error("%s", ovp_errmsg());
				return OVP_EXIT_USAGE;
			}
			opts.pid = (pid_t)num;
			break;
		case 'n': opts.dry_run = true; break;
		case OPT_NO_FLOW: opts.no_flow = true; break;
		case OPT_BTF: opts.btf = optarg; break;
		case OPT_TRACEFS: opts.tracefs = optarg; break;
		case 'q': ovp_set_quiet(true); break;
		case 'h': fputs(install_usage, stdout); return OVP_EXIT_OK;
		default: return usage_error("install ");
		}
	}
	if (optind == argc) {
		ovp_print_error("install: which probe sets? (e.g. ovsperf-probe install ovs-dp)");
		return usage_error("install ");
	}
	if (opts.binary && opts.pid) {
		ovp_print_error("install: --binary and --pid exclude each other");
		return OVP_EXIT_USAGE;
	}
	err = load_sets(argc, argv, &sets, &nr);
	if (err)
		return fail();
	{
		/* SIGINT/SIGTERM stop the install before its next probe and
		 * remove what it created: never a partial set. */
		struct sigaction sa = { .sa_handler = on_install_signal }, old_int, old_term;

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		install_stop = 0;
		opts.stop = &install_stop;
		err = probe_install__create(&inst, &opts, sets, nr);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	free_sets(sets, nr);
	if (err == -EINTR) {
		ovp_print_error("install: %s", ovp_errmsg());
		return 128 + install_stop;
	}
	if (err)
		return fail();
	for (i = 0; i < inst.nr_events; i++)
		created += inst.events[i].created;
	if (!opts.dry_run)
		printf("%zu events ready (%zu created): ", inst.nr_events, created);
	for (i = 0; !opts.dry_run && i < inst.nr_events; i++)
		printf("%s%s", i ? " " : "", inst.events[i].name);
	if (!opts.dry_run)
		putchar('\n');
	probe_install__exit(&inst);
	return OVP_EXIT_OK;
}

/* Print "NAME<TAB>DESCRIPTION<TAB>PATH" for every set file found. */
static int list_sets(void)
{
	const char *dirs[4];
	char *list, *dir, *save, *dot;
	struct probe_set *set;
	struct dirent *de;
	int i, n;
	DIR *d;

	n = probe_set_dirs(dirs);
	for (i = 0; i < n; i++) {
		if (!dirs[i] || !*dirs[i] || !(list = strdup(dirs[i])))
			continue;
		for (dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			d = opendir(dir);
			if (!d)
				continue;
			while ((de = readdir(d))) {
				char path[4096];

				dot = strstr(de->d_name, ".probes");
				if (!dot || dot[7])
					continue;
				snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
				if (probe_set__load(path, &set)) {
					ovp_warn("%s", ovp_errmsg());
					continue;
				}
				printf("%-14s %s\t%s\n", probe_set__name(set),
				       probe_set__description(set), path);
				probe_set__delete(set);
			}
			closedir(d);
		}
		free(list);
	}
	return OVP_EXIT_OK;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sets", no_argument, NULL, 's' },
		{ "usdt", required_argument, NULL, 'u' },
		{ "tracefs", required_argument, NULL, OPT_TRACEFS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts opts = { 0 };
	const char *usdt = NULL;
	bool sets = false;
	size_t nr;
	int c;

	while ((c = getopt_long(argc, argv, "su:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': sets = true; break;
		case 'u': usdt = optarg; break;
		case OPT_TRACEFS: opts.tracefs = optarg; break;
		case 'h': fputs(list_usage, stdout); return OVP_EXIT_OK;
		default: return usage_error("list ");
		}
	}
	if (optind != argc) {
		ovp_print_error("list: unexpected argument '%s'", argv[optind]);
		return usage_error("list ");
	}
	if (sets)
		return list_sets();
	if (usdt)
		return probe_usdt_list(usdt, stdout) ? fail() : OVP_EXIT_OK;
	if (probe_list(&opts, stdout, &nr))
		return fail();
	if (!nr)
		fprintf(stderr, "%s: no ovsperf events installed\n", ovp_progname());
	return OVP_EXIT_OK;
}

static int cmd_remove(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "tracefs", required_argument, NULL, OPT_TRACEFS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts opts = { 0 };
	struct probe_set **sets;
	bool all = false;
	size_t nr, removed;
	int c, err;

	while ((c = getopt_long(argc, argv, "anh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'n': opts.dry_run = true; break;
		case OPT_TRACEFS: opts.tracefs = optarg; break;
		case 'h': fputs(remove_usage, stdout); return OVP_EXIT_OK;
		default: return usage_error("remove ");
		}
	}
	if (all == (optind < argc)) {
		ovp_print_error("remove: give either SET... or --all");
		return usage_error("remove ");
	}
	if (all) {
		err = probe_remove_all(&opts, &removed);
	} else {
		err = load_sets(argc, argv, &sets, &nr);
		if (err)
			return fail();
		err = probe_set__remove(&opts, sets, nr, &removed);
		free_sets(sets, nr);
	}
	if (err)
		return fail();
	if (!opts.dry_run)
		printf("%zu events removed\n", removed);
	return OVP_EXIT_OK;
}

/*
 * An optional probe that install could not create (kernel-delay's kretprobe
 * on a kernel without kprobes) must not be in the perf command line, or
 * perf refuses to start.  Unknown (no tracefs): keep it.
 */
static int cmd_perf_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "events", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	struct probe_set **sets;
	bool only_events = false;
	size_t nr;
	int c;

	while ((c = getopt_long(argc, argv, "o:eh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'e': only_events = true; break;
		case 'h': fputs(perfcmd_usage, stdout); return OVP_EXIT_OK;
		default: return usage_error("perf-cmd ");
		}
	}
	if (optind == argc) {
		ovp_print_error("perf-cmd: which probe sets?");
		return usage_error("perf-cmd ");
	}
	if (load_sets(argc, argv, &sets, &nr))
		return fail();
	if (!only_events)
		printf("perf record -a%s%s", output ? " -o " : "", output ? output : "");
	probe_sets__perf_events(sets, nr, !only_events, stdout);
	putchar('\n');
	free_sets(sets, nr);
	return OVP_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "install", cmd_install },
	{ "list", cmd_list },
	{ "remove", cmd_remove },
	{ "perf-cmd", cmd_perf_cmd },
	{ "record", cmd_record },
	{ "archive", cmd_archive },
};

static int run(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(main_usage, stderr);
		return OVP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(main_usage, stdout);
		return OVP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ovsperf-probe %s\n", OVSPERF_VERSION);
		return OVP_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			optind = 1;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	ovp_print_error("unknown command '%s'", argv[1]);
	fputs(main_usage, stderr);
	return OVP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	ovp_set_progname(argv[0]);
	ovp_output_init();
	/* A write error on stdout is an error (exit 1); a reader that went
	 * away ends us quietly by SIGPIPE. */
	return ovp_output_finish(run(argc, argv));
}
