// SPDX-License-Identifier: Apache-2.0
/*
 * test-outfile.c - unit tests of lib/outfile.c, the one way both programs
 * write a result file: a new or regular target is replaced only by a
 * complete file (its mode, and a symbolic link to it, kept); a device or
 * FIFO is written in place and never unlinked; a failure or a killing
 * signal leaves the target as it was and no temporary behind; the signal
 * handler is there only while a temporary exists.
 *
 * Usage: test-outfile WORKDIR
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/outfile.h"
#include "../lib/check.h"

static char dir[4096];

static char *path_of(const char *name)
{
	static char buf[4][4200];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

/* The file's text ("" when missing), in a static buffer. */
static const char *file_text(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "(missing)";
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* Files of the work directory whose name starts with '.' (temporaries). */
static int nr_hidden(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static bool handler_is_default(int sig)
{
	struct sigaction sa;

	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_DFL;
}

static int write_all(struct ovp_outfile *o, const char *text)
{
	FILE *f = ovp_outfile__stream(o);

	if (!f)
		return -ENOMEM;
	if (fputs(text, f) == EOF)
		return ovp_outfile__failed(o, -errno);
	return 0;
}

static void test_new_file(void)
{
	const char *p = path_of("new.txt");
	struct ovp_outfile *o;
	struct stat st;
	mode_t mask = umask(022);

	unlink(p);
	CHECK(ovp_outfile__open(&o, p, 0) == 0);
	CHECK(!ovp_outfile__direct(o));
	CHECK(nr_hidden() == 1);
	CHECK(!handler_is_default(SIGINT) && !handler_is_default(SIGTERM));
	CHECK(access(p, F_OK) < 0);	/* nothing at the target until commit */
	CHECK(write_all(o, "hello\n") == 0);
	CHECK(ovp_outfile__commit(o) == 0);
	CHECK_STR(file_text(p), "hello\n");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK(nr_hidden() == 0);
	CHECK(handler_is_default(SIGINT) && handler_is_default(SIGTERM));
	umask(mask);
}

static void test_private(void)
{
	const char *p = path_of("private.data");
	struct ovp_outfile *o;
	struct stat st;

	unlink(p);
	CHECK(ovp_outfile__open(&o, p, OVP_OUTFILE_PRIVATE) == 0);
	CHECK(ovp_outfile__commit(o) == 0);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 0);
}

static void test_existing_survives(void)
{
	const char *p = path_of("keep.txt");
	struct ovp_outfile *o;
	struct stat st;

	put_file(p, "precious\n", 0640);
	/* Abort: the target as it was. */
	CHECK(ovp_outfile__open(&o, p, 0) == 0);
	CHECK(write_all(o, "half") == 0);
	ovp_outfile__abort(o);
	CHECK_STR(file_text(p), "precious\n");
	CHECK(nr_hidden() == 0);
	/* A write error noted: commit fails, the target as it was. */
	CHECK(ovp_outfile__open(&o, p, 0) == 0);
	CHECK(write_all(o, "half") == 0);
	CHECK(ovp_outfile__failed(o, -ENOSPC) == -ENOSPC);
	CHECK(ovp_outfile__failed(o, -EIO) == -ENOSPC);	/* the first one stays */
	CHECK(ovp_outfile__commit(o) == -ENOSPC);
	CHECK(strstr(ovp_errmsg(), p) && strstr(ovp_errmsg(), strerror(ENOSPC)));
	CHECK_STR(file_text(p), "precious\n");
	CHECK(nr_hidden() == 0);
	/* Commit: replaced, its mode kept. */
	CHECK(ovp_outfile__open(&o, p, 0) == 0);
	CHECK(write_all(o, "new\n") == 0);
	CHECK(ovp_outfile__commit(o) == 0);
	CHECK_STR(file_text(p), "new\n");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK(nr_hidden() == 0);
}

/* A file we may not write is not replaced either (as another user when
 * root, to whom access() grants everything). */
static void test_read_only(void)
{
	const char *sub = path_of("ro"), *p = path_of("ro/file.txt");
	struct ovp_outfile *o = NULL;
	int st = 0;
	pid_t pid;

	mkdir(sub, 0777);
	chmod(sub, 0777);	/* the directory allows the rename */
	put_file(p, "read-only\n", 0444);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(3);
		if (access(p, R_OK))	/* the refusal must be for the file's mode */
			_exit(5);
		_exit(ovp_outfile__open(&o, p, 0) == -EACCES && !o ? 0 : 4);
	}
	CHECK(pid > 0);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_STR(file_text(p), "read-only\n");
	unlink(p);
	rmdir(sub);
}

static void test_symlink(void)
{
	const char *real = path_of("real.txt"), *link = path_of("link.txt");
	struct ovp_outfile *o;
	struct stat st;

	put_file(real, "old\n", 0644);
	unlink(link);
	CHECK(symlink("real.txt", link) == 0);
	CHECK(ovp_outfile__open(&o, link, 0) == 0);
	CHECK(write_all(o, "via link\n") == 0);
	CHECK(ovp_outfile__commit(o) == 0);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK_STR(file_text(real), "via link\n");
	CHECK(nr_hidden() == 0);
	/* A link to nothing is not replaced. */
	unlink(link);
	CHECK(symlink("nothing-here", link) == 0);
	CHECK(ovp_outfile__open(&o, link, 0) == -ENOENT);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
}

static void test_devices(void)
{
	const char *fifo = path_of("fifo");
	struct ovp_outfile *o;
	struct stat st;
	char buf[64];
	ssize_t n;
	int rd;

	/* /dev/null: written in place. */
	CHECK(ovp_outfile__open(&o, "/dev/null", 0) == 0);
	CHECK(ovp_outfile__direct(o));
	CHECK(write_all(o, "x") == 0);
	CHECK(ovp_outfile__commit(o) == 0);
	CHECK(handler_is_default(SIGINT));
	/* /dev/full: the error names it and the reason; the node stays. */
	CHECK(ovp_outfile__open(&o, "/dev/full", 0) == 0);
	CHECK(ovp_outfile__direct(o));
	CHECK(write_all(o, "x") == 0);
	CHECK(ovp_outfile__commit(o) == -ENOSPC);
	CHECK_STR(ovp_errmsg(), "cannot write /dev/full: No space left on device");
	CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
	/* A FIFO with a reader: written in place, still a FIFO after. */
	unlink(fifo);
	CHECK(mkfifo(fifo, 0600) == 0);
	rd = open(fifo, O_RDONLY | O_NONBLOCK);
	CHECK(rd >= 0);
	CHECK(ovp_outfile__open(&o, fifo, 0) == 0);
	CHECK(ovp_outfile__direct(o));
	CHECK(write_all(o, "through\n") == 0);
	CHECK(ovp_outfile__commit(o) == 0);
	n = read(rd, buf, sizeof(buf) - 1);
	CHECK(n == 8 && !memcmp(buf, "through\n", 8));
	close(rd);
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
	unlink(fifo);
	/* A directory, a missing directory. */
	CHECK(ovp_outfile__open(&o, dir, 0) == -EISDIR);
	CHECK(strstr(ovp_errmsg(), "Is a directory") != NULL);
	CHECK(ovp_outfile__open(&o, path_of("no/such/dir"), 0) == -ENOENT);
	CHECK(nr_hidden() == 0);
}

/* "-" is stdout when asked for, a file named "-" otherwise. */
static void test_dash(void)
{
	struct ovp_outfile *o;
	char cwd[4096];

	CHECK(ovp_outfile__open(&o, "-", OVP_OUTFILE_DASH) == 0);
	CHECK(ovp_outfile__direct(o));
	CHECK(ovp_outfile__stream(o) == stdout);
	CHECK_STR(ovp_outfile__name(o), "standard output");
	CHECK(ovp_outfile__commit(o) == 0);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(chdir(dir) == 0);
	CHECK(ovp_outfile__open(&o, "-", 0) == 0);
	CHECK(!ovp_outfile__direct(o));
	ovp_outfile__abort(o);
	CHECK(chdir(cwd) == 0);
}

/*
 * A child writes half a result to @name (which holds "precious") and is
 * killed by @sig.  Return: the child's wait status.
 */
static int killed_child(const char *name, int sig, unsigned int flags)
{
	const char *p = path_of(name);
	int st = 0;
	pid_t pid;

	put_file(p, "precious\n", 0644);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct ovp_outfile *o;

		if (ovp_outfile__open(&o, p, flags) || write_all(o, "half") ||
		    fflush(ovp_outfile__stream(o)))
			_exit(3);
		raise(sig);
		_exit(4);
	}
	CHECK(pid > 0);
	waitpid(pid, &st, 0);
	return st;
}

static void test_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	size_t i;
	int st;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		st = killed_child("sig.txt", sigs[i], 0);
		/* Died of the signal (the shell sees 128+N), nothing left. */
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i]);
		CHECK_STR(file_text(path_of("sig.txt")), "precious\n");
		CHECK(nr_hidden() == 0);
	}
	/* A recording keeps what it wrote in its temporary. */
	st = killed_child("rec.data", SIGTERM, OVP_OUTFILE_KEEP_PARTIAL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CHECK_STR(file_text(path_of("rec.data")), "precious\n");
	CHECK(nr_hidden() == 1);
}

/* A command's own handler is not replaced, and stays after commit. */
static void on_int(int sig)
{
	(void)sig;
}

static void test_own_handler(void)
{
	struct sigaction sa = { .sa_handler = on_int }, cur;
	struct ovp_outfile *o;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	CHECK(ovp_outfile__open(&o, path_of("own.txt"), 0) == 0);
	sigaction(SIGINT, NULL, &cur);
	CHECK(cur.sa_handler == on_int);
	CHECK(!handler_is_default(SIGTERM));
	CHECK(ovp_outfile__commit(o) == 0);
	sigaction(SIGINT, NULL, &cur);
	CHECK(cur.sa_handler == on_int);
	CHECK(handler_is_default(SIGTERM));
	signal(SIGINT, SIG_DFL);
}

int main(int argc, char **argv)
{
	char cmd[8300];

	if (argc != 2) {
		fprintf(stderr, "usage: test-outfile WORKDIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s' && mkdir -p -- '%s'", dir, dir);
	if (system(cmd) != 0)
		return 2;
	test_new_file();
	test_private();
	test_existing_survives();
	test_read_only();
	test_symlink();
	test_devices();
	test_dash();
	test_signals();
	test_own_handler();
	CHECK_DONE();
}
