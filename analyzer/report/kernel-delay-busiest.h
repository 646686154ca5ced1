/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/kernel-delay-busiest.h - which threads the kernel-delay report shows when the
 * default run finds no ovs-vswitchd: the busiest ones, by time on a CPU
 * plus time in system calls, over all windows.  Part of the report: their
 * tids and names go into its model, out/text-kernel-delay.c prints them.
 */
#ifndef OVSPERF_KDELAY_BUSIEST_H
#define OVSPERF_KDELAY_BUSIEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ovsperf/pdata.h"

#include "engine/kdelay.h"

/* The engine's pid meaning "every process" (any negative pid that no
 * resolve_pid call replaces). */
#define KD_PID_ALL (-2)

/* Threads shown by default. */
#define KD_BUSIEST 5

/**
 * kd_busiest_keep() - keep in every window of @samples only the @keep
 * threads with the largest on-CPU (run) plus syscall time summed over all
 * windows (ties: lower tid first); the others' statistics are freed.
 * @tids: receives the kept tids, busiest first (room for @keep).
 *
 * Return: the number of threads kept (<= @keep).
 */
size_t kd_busiest_keep(struct kd_sample *samples, size_t nr_samples, size_t keep,
		       uint32_t *tids);

/* The JSON array of their names (null: unknown), for the text's comment
 * line that names them (_busiest_names in the model). */
json_t *kd_busiest_names(const struct pdata_session *s, const uint32_t *tids, size_t nr);

/* The JSON array of their tids (busiest_tids). */
json_t *kd_busiest_json(const uint32_t *tids, size_t nr);

#endif /* OVSPERF_KDELAY_BUSIEST_H */
