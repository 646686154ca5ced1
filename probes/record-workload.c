// SPDX-License-Identifier: Apache-2.0
/*
 * record-workload.c - the workload of `ovsperf-probe record ... -- CMD`:
 * fork, hold the child on a pipe until the recorder has opened its events
 * on the child's pid (inherited by its children), then exec.  An exec
 * failure comes back over a close-on-exec pipe, as in perf's
 * evlist__prepare_workload().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "record-workload.h"

/* @cmd as execvp() would find it, or NULL. */
static char *resolve(const char *cmd)
{
	const char *path = getenv("PATH") ?: "/usr/bin:/bin";
	char buf[4096];

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? NULL : realpath(cmd, NULL);
	while (*path) {
		size_t n = strcspn(path, ":");
		struct stat st;

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", cmd);
		if (!stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK))
			return realpath(buf, NULL);
		path += n + (path[n] == ':');
	}
	return NULL;
}

int rec_workload__prepare(struct rec_workload *w, char *const *argv, bool stdout_to_stderr)
{
	int go[2], errp[2];

	memset(w, 0, sizeof(*w));
	w->go_fd = w->err_fd = -1;
	w->path = resolve(argv[0]);
	if (!w->path)
		return ovp_err(-ENOENT, "cannot run '%s': not found", argv[0]);
	if (pipe2(go, O_CLOEXEC))
		return ovp_err(-errno, "pipe: %s", strerror(errno));
	if (pipe2(errp, O_CLOEXEC)) {
		int e = errno;

		close(go[0]);
		close(go[1]);
		return ovp_err(-e, "pipe: %s", strerror(e));
	}
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		int e = errno;

		close(go[0]);
		close(go[1]);
		close(errp[0]);
		close(errp[1]);
		w->pid = 0;
		return ovp_err(-e, "fork: %s", strerror(e));
	}
	if (!w->pid) {
		char c;
		int e;

		close(go[1]);
		close(errp[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* stdout carries the recording (-o -): keep it clean. */
		if (stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		/* EOF (the recorder closed its end, or died): go. */
		if (read(go[0], &c, 1) < 0)
			_exit(127);
		execv(w->path, argv);
		e = errno;
		if (write(errp[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(errp[1]);
	w->go_fd = go[1];
	w->err_fd = errp[0];
	return 0;
}

int rec_workload__start(struct rec_workload *w)
{
	ssize_t n;
	int e;

	close(w->go_fd);
	w->go_fd = -1;
	/* EOF when exec succeeded (close-on-exec), the errno otherwise. */
	do
		n = read(w->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(w->err_fd);
	w->err_fd = -1;
	if (n == sizeof(e)) {
		waitpid(w->pid, &w->status, 0);
		w->exited = true;
		return ovp_err(-e, "cannot run '%s': %s", w->path, strerror(e));
	}
	return 0;
}

bool rec_workload__done(struct rec_workload *w)
{
	if (!w->pid || w->exited)
		return true;
	if (waitpid(w->pid, &w->status, WNOHANG) == w->pid)
		w->exited = true;
	return w->exited;
}

void rec_workload__exit(struct rec_workload *w)
{
	/* A child still held before exec dies there: signal it first. */
	if (w->pid && !w->exited)
		kill(w->pid, SIGTERM);
	if (w->go_fd >= 0)
		close(w->go_fd);
	if (w->err_fd >= 0)
		close(w->err_fd);
	w->go_fd = w->err_fd = -1;
	if (w->pid && !w->exited) {
		waitpid(w->pid, &w->status, 0);
		w->exited = true;
	}
	free(w->path);
	w->path = NULL;
}
