// SPDX-License-Identifier: Apache-2.0
/*
 * safefile.c - opening and reading files named from outside the program
 * without blocking and without reading without end (see safefile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovsperf/err.h"
#include "ovsperf/safefile.h"
#include "ovsperf/strutil.h"

static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISDIR(mode))
		return "a directory";
	return "not a plain file";
}

int ovp_open_regular(const char *path, uint64_t max_size, uint64_t *sizep)
{
	struct stat st;
	int fd, flags, err;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		return ovp_err(err, "%s: %s", path, strerror(-err));
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return ovp_err(err, "%s: %s", path, strerror(-err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ovp_err(-EINVAL, "%s: not a regular file (%s)", path, file_kind(st.st_mode));
	}
	if (max_size && (uint64_t)st.st_size > max_size) {
		close(fd);
		return ovp_err(-EFBIG, "%s: larger than %" PRIu64 " bytes (%" PRIu64 ")", path,
			       max_size, (uint64_t)st.st_size);
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	if (sizep)
		*sizep = (uint64_t)st.st_size;
	return fd;
}

int ovp_read_file_max(const char *path, size_t max, char **textp, size_t *sizep)
{
	size_t len = 0, cap = 1 << 16;
	char *p = NULL, *q;
	int fd, err = 0;

	fd = ovp_open_regular(path, max, NULL);
	if (fd < 0) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", ovp_errmsg());
		return ovp_err(fd, "cannot read %s", msg);
	}
	p = malloc(cap);
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			/* One byte past @max tells a file of exactly @max bytes
			 * from a longer one. */
			if (cap > max + 1) {
				err = -EFBIG;
				goto out;
			}
			q = realloc(p, cap * 2);
			if (!q) {
				err = -ENOMEM;
				goto out;
			}
			p = q;
			cap *= 2;
		}
		n = read(fd, p + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > max) {
			err = -EFBIG;
			goto out;
		}
	}
	p[len] = '\0';
out:
	close(fd);
	if (err) {
		free(p);
		if (err == -EFBIG)
			return ovp_err(err, "cannot read %s: larger than %zu bytes", path, max);
		return ovp_err(err, "cannot read %s: %s", path, strerror(-err));
	}
	*textp = p;
	if (sizep)
		*sizep = len;
	return 0;
}
