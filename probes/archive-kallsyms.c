// SPDX-License-Identifier: Apache-2.0
/*
 * archive-kallsyms.c - which kernel symbols `ovsperf-probe archive` packs
 * with a recording: only the recorded boot's (kboot.h).  This machine's
 * /proc/kallsyms (and /proc/modules) when it runs the boot that made the
 * recording; else the --kallsyms FILE the user gives, checked against the
 * recording's kernel address; else none, with a warning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "ovsperf/err.h"
#include "ovsperf/kboot.h"
#include "ovsperf/strutil.h"
#include "archive.h"

int archive_choose_kallsyms(struct pdata_session *s, const char *input, const char *path,
			    char **text, size_t *size, bool *host)
{
	const struct kboot *kb = pdata_session__kboot(s);
	struct utsname u;
	char why[200];
	int err;

	*text = NULL;
	*size = 0;
	*host = false;
	if (path) {
		err = kallsyms_read_file(path, text);
		if (err)
			return ovp_err_prefix(err, "--kallsyms");
		*size = strlen(*text);
		if (kboot__check_kallsyms(kb, *text, *size, why, sizeof(why)) < 0) {
			free(*text);
			*text = NULL;
			return ovp_err(-EINVAL, "--kallsyms %s is not the kallsyms of the boot that "
				       "made %s (%s)", path, input, why);
		}
		return 0;
	}
	if (kboot__host_matches(kb, "/proc/kallsyms", "/sys/kernel/notes", NULL)) {
		*host = true;
		err = ovp_read_file("/proc/kallsyms", text, size);
		if (err) {
			ovp_warn("archive: kallsyms not stored: %s", ovp_errmsg());
			ovp_err_clear();
			*text = NULL;
			*size = 0;
		}
		return 0;
	}
	if (kb->os_release && uname(&u) == 0 && strcmp(kb->os_release, u.release))
		snprintf(why, sizeof(why), "it was recorded on %s, this machine runs %s",
			 kb->os_release, u.release);
	else if (!kb->text_addr && !kb->build_id_size)
		snprintf(why, sizeof(why), "the recording does not say which boot it is");
	else
		snprintf(why, sizeof(why), "the kernel's address or build-id differs");
	ovp_warn("archive: %s was not recorded on this machine's running boot (%s): "
		 "/proc/kallsyms and /proc/modules not stored; give --kallsyms FILE from the "
		 "recorded boot", input, why);
	return 0;
}
