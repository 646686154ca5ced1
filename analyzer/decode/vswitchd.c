// SPDX-License-Identifier: Apache-2.0
/*
 * decode/vswitchd.c - the ovs-vswitchd processes of a recording (see the
 * header).
 */
#include <string.h>

#include "decode/vswitchd.h"

struct found {
	int64_t *pids;
	int nr;
};

/* Keep the KD_MAX_VSWITCHD smallest PIDs, sorted. */
static int on_thread(uint32_t tid, int64_t pid, const char *comm, void *arg)
{
	struct found *f = arg;
	int i;

	if (!comm || strcmp(comm, "ovs-vswitchd"))
		return 0;
	if (pid < 0)
		pid = tid;
	for (i = 0; i < f->nr && f->pids[i] < pid; i++)
		;
	if ((i < f->nr && f->pids[i] == pid) || i == KD_MAX_VSWITCHD)
		return 0;
	f->nr -= f->nr == KD_MAX_VSWITCHD;
	memmove(&f->pids[i + 1], &f->pids[i], (size_t)(f->nr - i) * sizeof(*f->pids));
	f->pids[i] = pid;
	f->nr++;
	return 0;
}

int kd_find_vswitchd(const struct pdata_session *s, int64_t pids[KD_MAX_VSWITCHD])
{
	struct found f = { .pids = pids, .nr = 0 };

	pdata_session__for_each_thread(s, on_thread, &f);
	return f.nr;
}
