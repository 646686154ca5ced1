// SPDX-License-Identifier: Apache-2.0
/*
 * outfile.c - result files written through a temporary beside the target,
 * and the check of standard output at exit (see outfile.h).
 *
 * Why a temporary: the user names the output, and the file of that name may
 * be a week's recording, or /dev/full.  Writing the result next to it and
 * renaming it into place only once it is complete means a failed or
 * interrupted command never leaves a truncated file where the user expects
 * a result, never deletes a file it did not create, and never unlinks a
 * device node.
 *
 * Why the signal handler: SIGINT or SIGTERM must not leave .NAME.XXXXXX
 * files behind.  While a temporary exists, the default action of the
 * killing signals is replaced by on_fatal_signal(), which unlinks the
 * registered temporaries (unlink() is async-signal-safe; the paths were
 * registered before the first byte was written) and dies of the signal, so
 * the exit status seen by the shell stays 128+N.  A command with its own
 * handler (record stops on SIGINT; the report runner stops reading) is left
 * alone: it stops, aborts or commits, and exits normally.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/outfile.h"

/* Longest file name component kept in a temporary's name (NAME_MAX 255). */
#define TMP_BASE_MAX 200
/* Temporaries that the signal handler can remove at one time. */
#define MAX_PENDING 16

struct ovp_outfile {
	const char *path;	/* the target as named (borrowed) */
	char *target;		/* what rename() replaces (the link's target), or NULL */
	char *tmp;		/* the temporary, or NULL when written directly */
	bool in_place;		/* OVP_OUTFILE_IN_PLACE: the target itself is written */
	char *old;		/* ...and the earlier file was renamed to this NAME.old */
	int fd;			/* the output; -1 once closed */
	FILE *stream;		/* stdio stream on @fd, or NULL */
	bool is_stdout;		/* "-": fd 1, never closed */
	int slot;		/* index in pending[], or -1 */
	bool registered;	/* counted in nr_pending */
	int err;		/* first write error noted (negative errno), or 0 */
};

static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
#define NR_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* Read by the signal handler: only ever a complete pointer or NULL. */
static char *volatile pending[MAX_PENDING];
static int nr_pending;
static bool handler_set[NR_FATAL];	/* our handler replaced SIG_DFL */
static volatile pid_t owner_pid;	/* a forked child never unlinks them */
static bool atexit_set;

static bool output_failed;	/* some output could not be written */
static bool stdout_reported;	/* ... and the error on stdout was reported */
static int stdout_errno;	/* first write error seen on stdout */

static void unlink_pending(void)
{
	int i;

	if (getpid() != owner_pid)
		return;
	for (i = 0; i < MAX_PENDING; i++) {
		const char *p = pending[i];

		if (p)
			unlink(p);
	}
}

static void on_fatal_signal(int sig)
{
	int saved = errno;

	unlink_pending();
	/* SA_RESETHAND restored the default action; @sig is blocked until we
	 * return, and then kills us. */
	raise(sig);
	errno = saved;
}

/* Block the fatal signals around a change of pending[] and the files. */
static void block_fatal(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NR_FATAL; i++)
		sigaddset(&set, fatal_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void unblock_fatal(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

static void install_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_fatal_signal, .sa_flags = SA_RESETHAND };
	struct sigaction cur;
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NR_FATAL; i++) {
		if (handler_set[i] || sigaction(fatal_signals[i], NULL, &cur))
			continue;
		if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL) {
			sigaction(fatal_signals[i], &sa, NULL);
			handler_set[i] = true;
		}
	}
}

static void remove_handlers(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct sigaction cur;
	size_t i;

	sigemptyset(&dfl.sa_mask);
	for (i = 0; i < NR_FATAL; i++) {
		if (!handler_set[i])
			continue;
		handler_set[i] = false;
		/* Someone may have set their own since: keep theirs. */
		if (!sigaction(fatal_signals[i], NULL, &cur) &&
		    !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == on_fatal_signal)
			sigaction(fatal_signals[i], &dfl, NULL);
	}
}

static void at_exit(void)
{
	unlink_pending();
}

/* Register @o->tmp for removal by a killing signal (signals blocked). */
static void add_pending(struct ovp_outfile *o)
{
	int i;

	owner_pid = getpid();
	if (!atexit_set)
		atexit_set = !atexit(at_exit);
	for (i = 0; i < MAX_PENDING; i++) {
		if (!pending[i]) {
			pending[i] = o->tmp;
			o->slot = i;
			break;
		}
	}
	o->registered = true;
	if (nr_pending++ == 0)
		install_handlers();
}

static void drop_pending(struct ovp_outfile *o)
{
	if (!o->registered)
		return;
	o->registered = false;
	if (o->slot >= 0)
		pending[o->slot] = NULL;
	o->slot = -1;
	if (--nr_pending == 0)
		remove_handlers();
}

static int out_error(const char *name, int err)
{
	if (!err)
		err = -EIO;
	output_failed = true;
	return ovp_err(err, "cannot write %s: %s", name, strerror(-err));
}

const char *ovp_outfile__name(const struct ovp_outfile *o)
{
	return o->is_stdout ? "standard output" : o->path;
}

int ovp_outfile__fd(const struct ovp_outfile *o)
{
	return o->fd;
}

bool ovp_outfile__direct(const struct ovp_outfile *o)
{
	return !o->tmp;
}

FILE *ovp_outfile__stream(struct ovp_outfile *o)
{
	if (!o->stream) {
		o->stream = fdopen(o->fd, "w");
		if (!o->stream)
			ovp_err(-errno, "cannot write %s: %s", o->path, strerror(errno));
	}
	return o->stream;
}

static void die_of_sigpipe(void);

int ovp_outfile__failed(struct ovp_outfile *o, int err)
{
	/* Its reader went away (stdout or a FIFO, SIGPIPE ignored): end
	 * quietly, as the default action of SIGPIPE would have. */
	if (err == -EPIPE && o->tmp == NULL)
		die_of_sigpipe();
	if (!o->err)
		o->err = err ? err : -EIO;
	if (o->is_stdout) {
		stdout_reported = true;
		if (!stdout_errno)
			stdout_errno = -o->err;
	}
	return out_error(ovp_outfile__name(o), o->err);
}

/* Make the temporary beside @target; the caller sets its mode. */
static int make_tmp(struct ovp_outfile *o, const char *target)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	int dirlen = slash ? (int)(slash - target) + 1 : 0;
	int baselen = (int)strlen(base);

	if (baselen > TMP_BASE_MAX)
		baselen = TMP_BASE_MAX;
	if (asprintf(&o->tmp, "%.*s.%.*s.XXXXXX", dirlen, target, baselen, base) < 0) {
		o->tmp = NULL;
		return -ENOMEM;
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int err = -errno;

		free(o->tmp);
		o->tmp = NULL;
		return err;
	}
	return 0;
}

/*
 * Whether @path names an open file through /proc: /dev/stdout and
 * /dev/stderr (links to /proc/self/fd/N), /dev/fd/N, /proc/self/fd/N.
 * Even when that file is a regular one it is written in place: it is the
 * file the caller has open, and a rename would put a new file where the
 * caller's descriptor no longer points.
 */
static bool via_proc(const char *path, const struct stat *lst)
{
	char link[8], *dir, *real;
	bool proc = false;
	ssize_t n;

	if (S_ISLNK(lst->st_mode)) {
		n = readlink(path, link, sizeof(link));
		proc = n >= 6 && !memcmp(link, "/proc/", 6);
	}
	dir = strdup(path);
	real = dir ? realpath(dirname(dir), NULL) : NULL;
	if (real && (!strncmp(real, "/proc/", 6) || !strcmp(real, "/proc")))
		proc = true;
	free(real);
	free(dir);
	return proc;
}

/* OVP_OUTFILE_IN_PLACE: keep a non-empty earlier @name as NAME.old and
 * create @name; return 0 or negative errno (the earlier file put back). */
static int open_in_place(struct ovp_outfile *o, const char *name, bool keep_old, mode_t mode)
{
	int err;

	o->in_place = true;
	if (keep_old) {
		if (asprintf(&o->old, "%s.old", name) < 0) {
			o->old = NULL;
			return -ENOMEM;
		}
		if (rename(name, o->old) < 0) {
			err = -errno;
			free(o->old);
			o->old = NULL;
			return err;
		}
	}
	o->fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, mode);
	if (o->fd >= 0)
		return 0;
	err = -errno;
	if (o->old && rename(o->old, name) == 0) {
		free(o->old);
		o->old = NULL;
	}
	return err;
}

/* Undo open_in_place(): remove the new file, put the earlier one back. */
static void undo_in_place(struct ovp_outfile *o)
{
	const char *name = o->target ? o->target : o->path;

	if (!o->in_place)
		return;
	unlink(name);
	if (o->old && rename(o->old, name) < 0)
		ovp_warn("cannot rename %s back to %s: %s", o->old, name, strerror(errno));
}

/* Set up @o for @path; return 0 or negative errno (no message yet). */
static int open__(struct ovp_outfile *o, const char *path, unsigned int flags,
		  sigset_t *blocked)
{
	struct stat st, lst;
	mode_t mask, mode;
	bool exists;
	int err;

	if (!*path)
		return -ENOENT;
	if (lstat(path, &lst) < 0) {
		if (errno != ENOENT)
			return -errno;
		exists = false;
	} else if (stat(path, &st) < 0) {
		/* A symbolic link to nothing: the name belongs to the link. */
		return errno == ENOENT ? -ENOENT : -errno;
	} else {
		exists = true;
	}
	if (exists && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (exists && S_ISLNK(lst.st_mode)) {
		o->target = realpath(path, NULL);
		if (!o->target)
			return -errno;
	}
	/* Devices, FIFOs, sockets, and /dev/stdout or /dev/fd/N are written
	 * where they are: nothing there can be replaced. */
	if (exists && (!S_ISREG(st.st_mode) || via_proc(path, &lst))) {
		o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY |
				   (S_ISREG(st.st_mode) ? O_TRUNC : 0));
		return o->fd < 0 ? -errno : 0;
	}

	/* What open(O_WRONLY) would refuse, rename() must not replace. */
	if (exists && access(o->target ? o->target : path, W_OK) < 0)
		return -errno;
	mask = umask(0);
	umask(mask);
	mode = exists ? st.st_mode & 07777 : ((flags & OVP_OUTFILE_PRIVATE) ? 0600 : 0666) & ~mask;
	block_fatal(blocked);
	if (flags & OVP_OUTFILE_IN_PLACE) {
		err = open_in_place(o, o->target ? o->target : path, exists && st.st_size, mode);
	} else {
		err = make_tmp(o, o->target ? o->target : path);
		if (!err && !(flags & OVP_OUTFILE_KEEP_PARTIAL))
			add_pending(o);
	}
	unblock_fatal(blocked);
	if (err)
		return err;
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(o->fd, st.st_uid, st.st_gid) < 0) {
		/* Not allowed to give it away: the new file is ours. */
	}
	if (fchmod(o->fd, mode) < 0)
		return -errno;
	return 0;
}

int ovp_outfile__open(struct ovp_outfile **out, const char *path, unsigned int flags)
{
	struct ovp_outfile *o = calloc(1, sizeof(*o));
	sigset_t blocked;
	int err;

	*out = NULL;
	if (!o)
		return ovp_err(-ENOMEM, "cannot write %s: out of memory", path);
	o->path = path;
	o->fd = -1;
	o->slot = -1;
	if ((flags & OVP_OUTFILE_DASH) && !strcmp(path, "-")) {
		o->is_stdout = true;
		o->fd = STDOUT_FILENO;
		o->stream = stdout;
		*out = o;
		return 0;
	}
	err = open__(o, path, flags, &blocked);
	if (err) {
		ovp_outfile__abort(o);
		return out_error(path, err);
	}
	*out = o;
	return 0;
}

/* Flush and close the output; return the first error, noted or new. */
static int close__(struct ovp_outfile *o)
{
	int err = o->err;

	if (o->is_stdout) {
		if (fflush(stdout) && !err)
			err = -errno;
		if (ferror(stdout) && !err)
			err = stdout_errno ? -stdout_errno : -EIO;
		clearerr(stdout);
		return err;
	}
	if (o->stream) {
		if (fflush(o->stream) && !err)
			err = -errno;
		if (ferror(o->stream) && !err)
			err = -EIO;
		if (fclose(o->stream) && !err)
			err = -errno;
		o->stream = NULL;
		o->fd = -1;
	} else if (o->fd >= 0) {
		if (close(o->fd) && !err && errno != EINTR)
			err = -errno;
		o->fd = -1;
	}
	return err;
}

static void free__(struct ovp_outfile *o)
{
	free(o->old);
	free(o->tmp);
	free(o->target);
	free(o);
}

int ovp_outfile__commit(struct ovp_outfile *o)
{
	sigset_t blocked;
	int err;

	if (!o)
		return 0;
	err = close__(o);
	if (err == -EPIPE && !o->tmp)
		die_of_sigpipe();
	if (o->is_stdout) {
		if (err) {
			o->err = 0;
			err = ovp_outfile__failed(o, err);
		}
		free__(o);
		return err;
	}
	if (err)
		err = out_error(o->path, err);
	if (err)
		undo_in_place(o);
	if (o->tmp) {
		block_fatal(&blocked);
		if (!err && rename(o->tmp, o->target ? o->target : o->path) < 0)
			err = out_error(o->path, -errno);
		if (err)
			unlink(o->tmp);
		drop_pending(o);
		unblock_fatal(&blocked);
	}
	free__(o);
	return err;
}

void ovp_outfile__abort(struct ovp_outfile *o)
{
	sigset_t blocked;
	int saved;

	if (!o)
		return;
	saved = errno;
	if (o->is_stdout)
		fflush(stdout);
	else
		close__(o);
	undo_in_place(o);
	if (o->tmp) {
		block_fatal(&blocked);
		unlink(o->tmp);
		drop_pending(o);
		unblock_fatal(&blocked);
	}
	free__(o);
	errno = saved;
}

void ovp_output_init(void)
{
	int fd;

	/* A closed 0, 1 or 2 would be the next file opened (an output file
	 * then receiving the text meant for stdout).  Fill it with /dev/null
	 * open in the direction that makes its use fail with EBADF, as it
	 * would have. */
	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
			_exit(OVP_EXIT_OUTPUT);
	}
}

/* End as a write to a pipe without reader does by default: quietly. */
static void __attribute__((noreturn)) die_of_sigpipe(void)
{
	sigset_t set;

	unlink_pending();
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGPIPE);
	_exit(128 + SIGPIPE);
}

void ovp_exit_sigpipe(void)
{
	die_of_sigpipe();
}

/*
 * The errno of a write error on stdout, or 0 when there is none.  @last is
 * errno right after the caller's failed write, or 0.  glibc drops the
 * buffer when a write fails: the flush here fails again (with the reason)
 * only if more was printed since.
 */
static int stdout_error(int last)
{
	int e = 0;

	errno = 0;
	if (fflush(stdout))
		e = errno ? errno : EIO;
	if (!e && !ferror(stdout))
		return 0;
	if (!e)
		e = stdout_errno ? stdout_errno : last && last != EINTR ? last : EIO;
	if (!stdout_errno)
		stdout_errno = e;
	if (e == EPIPE)
		die_of_sigpipe();
	output_failed = true;
	return e;
}

int ovp_stdout_check(void)
{
	int e = stdout_error(errno);

	if (!e)
		return 0;
	stdout_reported = true;
	return ovp_err(-e, "cannot write standard output: %s", strerror(e));
}

int ovp_output_finish(int status)
{
	int e = stdout_error(0);

	/* The last word of a file on NFS can come with close(); a stdout that
	 * was closed before we started (EBADF) and never written is fine. */
	if (!e && fclose(stdout) && errno != EBADF) {
		e = errno;
		output_failed = true;
	}

	if (e && !stdout_reported) {
		stdout_reported = true;
		ovp_print_error("cannot write standard output: %s", strerror(e));
	}
	return output_failed ? OVP_EXIT_OUTPUT : status;
}
