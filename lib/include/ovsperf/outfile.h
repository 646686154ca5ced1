/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outfile.h - every file ovsperf-analyze and ovsperf-probe write as a result
 * (export --perfetto/--pcap, --html, record -o, archive -o) goes through
 * here, so that no command ever destroys what it did not create:
 *
 *	err = ovp_outfile__open(&o, path, OVP_OUTFILE_DASH);
 *	f = ovp_outfile__stream(o);		// or ovp_outfile__fd(o)
 *	... fwrite(..., f) ...; on a failed write: ovp_outfile__failed(o, -errno)
 *	err = ovp_outfile__commit(o);		// or ovp_outfile__abort(o)
 *
 * A target that does not exist or is a regular file is written to a new
 * temporary file beside it (same directory, O_EXCL, named .NAME.XXXXXX) that
 * replaces it by rename() on commit: until then the old file is untouched,
 * and a failed or interrupted command leaves it as it was.  Any other target
 * (a device such as /dev/full or /dev/null, a FIFO, /dev/stdout, "-") is
 * written directly and never unlinked.  Only the temporary is ever removed:
 * on abort, on a failed commit, and when SIGINT, SIGTERM, SIGHUP or SIGPIPE
 * kills the program (the default action of those signals is replaced, while
 * a temporary exists, by a handler that unlinks the temporaries and then
 * dies of the same signal; a command's own handler is left alone).
 *
 * The same module checks standard output: ovp_output_finish() at the end of
 * main() turns a write error on stdout (a full disk, /dev/full) into one
 * error line and OVP_EXIT_OUTPUT, and a reader that went away (EPIPE) into a
 * quiet death by SIGPIPE, as perf does.
 */
#ifndef OVSPERF_OUTFILE_H
#define OVSPERF_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct ovp_outfile;

enum ovp_outfile_flags {
	OVP_OUTFILE_DASH = 1 << 0,	/* "-" is standard output */
	OVP_OUTFILE_PRIVATE = 1 << 1,	/* a new file gets mode 0600, not 0666 */
	OVP_OUTFILE_KEEP_PARTIAL = 1 << 2, /* a killing signal leaves the temporary:
					    * what a recording wrote is kept */
	OVP_OUTFILE_IN_PLACE = 1 << 3,	/* perf record's way: no temporary; an
					 * existing non-empty regular file is
					 * renamed to NAME.old and NAME written
					 * directly (a killing signal leaves it);
					 * a failed commit or an abort removes
					 * NAME and renames NAME.old back */
};

/**
 * ovp_outfile__open() - start writing a result to @path.
 * @out: receives the handle; end it with ovp_outfile__commit() or
 *	ovp_outfile__abort(), which free it.
 * @path: the target (borrowed; must outlive the handle).
 * @flags: OVP_OUTFILE_* flags.
 *
 * A new file gets mode 0666 (0600 with OVP_OUTFILE_PRIVATE) less the umask;
 * an existing regular file keeps its mode (and owner, when we may set it);
 * a symbolic link to a regular file stays a link and its target is replaced.
 *
 * Return: 0, or negative errno with "cannot write PATH: REASON" set
 * (a directory, a missing directory, no permission to create the temporary).
 */
int ovp_outfile__open(struct ovp_outfile **out, const char *path, unsigned int flags);

/* The file descriptor to write to (for pwrite() or a compressor). */
int ovp_outfile__fd(const struct ovp_outfile *o);

/*
 * ovp_outfile__stream() - a stdio stream on the output, made on the first
 * call (stdout itself for "-"); it belongs to the handle.
 * Return: the stream, or NULL (out of memory, message set).
 */
FILE *ovp_outfile__stream(struct ovp_outfile *o);

/* The target as the user named it, or "standard output" for "-". */
const char *ovp_outfile__name(const struct ovp_outfile *o);

/* Whether the target is written in place (not a regular file, or "-"). */
bool ovp_outfile__direct(const struct ovp_outfile *o);

/**
 * ovp_outfile__failed() - note that a write to @o failed with @err
 * (negative errno, taken right after the failed call).
 *
 * Return: the first error noted on @o, with "cannot write PATH: REASON" set.
 */
int ovp_outfile__failed(struct ovp_outfile *o, int err);

/**
 * ovp_outfile__commit() - flush and close the output and, when it went
 * through a temporary, rename it onto the target; frees @o (NULL: 0).
 *
 * Return: 0, or negative errno with "cannot write PATH: REASON" set (an
 * error noted earlier, a failed flush, close or rename); the temporary is
 * then removed and the target untouched.
 */
int ovp_outfile__commit(struct ovp_outfile *o);

/* Close the output, remove the temporary if any, free @o (NULL-safe). */
void ovp_outfile__abort(struct ovp_outfile *o);

/**
 * ovp_stdout_check() - flush standard output and report a write error on it.
 * Call it right after a failed write to stdout (it takes the reason from
 * errno when glibc has dropped the unwritten bytes), or at any time.
 *
 * A reader that went away (EPIPE, when SIGPIPE is ignored) ends the program
 * here, quietly, by SIGPIPE.  The caller prints the message it gets (one
 * line); ovp_output_finish() then adds none.
 *
 * Return: 0, or negative errno with "cannot write standard output: REASON".
 */
int ovp_stdout_check(void);

/*
 * ovp_exit_sigpipe() - end the program as a write to a pipe without reader
 * does by default: quietly, killed by SIGPIPE (status 141 to the shell),
 * even when SIGPIPE was ignored.  For a writer that ignored SIGPIPE to clean
 * up first (remove what it installed) and got EPIPE.
 */
void ovp_exit_sigpipe(void) __attribute__((noreturn));

/*
 * ovp_output_init() - the first call of main(): a standard descriptor
 * (0, 1, 2) that is closed is filled so that no file we open takes its
 * number; its use then fails with EBADF as before.
 */
void ovp_output_init(void);

/**
 * ovp_output_finish() - the last call of main(): flush and close standard
 * output.
 * @status: the exit status the command chose.
 *
 * Prints one line for a write error on standard output that no one has
 * reported yet.
 *
 * Return: OVP_EXIT_OUTPUT when an output (stdout or a file of this module)
 * could not be written, else @status.
 */
int ovp_output_finish(int status);

#endif /* OVSPERF_OUTFILE_H */
