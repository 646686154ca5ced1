/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fpe-guard.h - survive an integer division by zero inside libtraceevent
 * (lib-internal).
 *
 * A recording's format texts are input: libtraceevent evaluates their print
 * arguments, and a format such as "... / REC->len" (or a constant folded
 * while parsing) divides by zero on a hostile or corrupted file; SIGFPE would
 * kill the whole program (found by tests/fuzz).  The parser and the payload
 * printer run inside OVP_FPE_TRY: a SIGFPE raised there jumps back out and
 * the caller skips that one event or payload.
 *
 * The SIGFPE handler is installed once per process, on first use; it jumps
 * only when the faulting thread is inside OVP_FPE_TRY, otherwise it restores
 * the default action so the fault kills the program as it would have.
 * Arming costs no system call, so it may wrap per-sample work.
 */
#ifndef OVSPERF_FPE_GUARD_H
#define OVSPERF_FPE_GUARD_H

#include <setjmp.h>
#include <stdbool.h>

void ovp_fpe__arm(sigjmp_buf *jb);
void ovp_fpe__disarm(void);
void ovp_fpe__recover(void);

/*
 * Run @stmt; @caught becomes true if it raised SIGFPE (the rest of @stmt
 * was then skipped; anything it allocated may be lost), false otherwise.
 */
#define OVP_FPE_TRY(caught, stmt)                       \
	do {                                            \
		sigjmp_buf fpe_jb__;                    \
                                                        \
		(caught) = false;                       \
		if (sigsetjmp(fpe_jb__, 0) == 0) {      \
			ovp_fpe__arm(&fpe_jb__);        \
			stmt;                           \
			ovp_fpe__disarm();              \
		} else {                                \
			ovp_fpe__recover();             \
			(caught) = true;                \
		}                                       \
	} while (0)

#endif /* OVSPERF_FPE_GUARD_H */
