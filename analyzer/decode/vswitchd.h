/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/vswitchd.h - the ovs-vswitchd processes a recording names (its
 * COMM records), for kernel-delay's default monitored process.
 */
#ifndef OVSPERF_KDELAY_VSWITCHD_H
#define OVSPERF_KDELAY_VSWITCHD_H

#include <stdint.h>

#include "ovsperf/pdata.h"

/* Most ovs-vswitchd processes listed. */
#define KD_MAX_VSWITCHD 8

/**
 * kd_find_vswitchd() - the PIDs of the processes whose COMM is ovs-vswitchd.
 * @s: the session (its threads so far).
 * @pids: receives them, ascending: the KD_MAX_VSWITCHD smallest, so the
 *	answer does not depend on the order of the session's thread table.
 *
 * Return: how many (0..KD_MAX_VSWITCHD).
 */
int kd_find_vswitchd(const struct pdata_session *s, int64_t pids[KD_MAX_VSWITCHD]);

#endif /* OVSPERF_KDELAY_VSWITCHD_H */
