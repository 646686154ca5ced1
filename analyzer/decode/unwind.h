/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/unwind.h - user-space stack unwinding of `perf record --call-graph
 * dwarf` samples (PERF_SAMPLE_REGS_USER + PERF_SAMPLE_STACK_USER) with
 * libdwfl, for the stacks of kernel-delay's syscall events.  x86_64 only.
 */
#ifndef OVSPERF_KDELAY_UNWIND_H
#define OVSPERF_KDELAY_UNWIND_H

#include <stddef.h>
#include <stdint.h>

struct kd_usym;
struct kd_unwind;
struct pdata_sample;

/* New unwinder over the mappings known to @u (borrowed).  0 or -ENOMEM. */
int kd_unwind__new(struct kd_unwind **out, struct kd_usym *u);

/* Free it (NULL ok). */
void kd_unwind__free(struct kd_unwind *w);

/*
 * kd_unwind__user() - unwind the user stack copied in @s for process @pid.
 * @ips: receives up to @max return addresses, innermost first (the first is
 *	the user IP at the time of the sample).
 *
 * Return: the number of addresses written; 0 when the sample has no user
 * registers or stack, the ABI is not x86_64, or no frame could be found.
 */
size_t kd_unwind__user(struct kd_unwind *w, int64_t pid, const struct pdata_sample *s,
		       uint64_t *ips, size_t max);

#endif /* OVSPERF_KDELAY_UNWIND_H */
