// SPDX-License-Identifier: Apache-2.0
/*
 * fpe-guard.c - the SIGFPE trap behind OVP_FPE_TRY (see fpe-guard.h).
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "fpe-guard.h"

/* The jump buffer of this thread's OVP_FPE_TRY, NULL outside one. */
static _Thread_local sigjmp_buf *fpe_jmp;
static pthread_once_t fpe_once = PTHREAD_ONCE_INIT;

static void fpe_handler(int sig)
{
	sigjmp_buf *jb = fpe_jmp;

	if (jb) {
		fpe_jmp = NULL;
		siglongjmp(*jb, 1);
	}
	/* Not ours: returning re-executes the faulting instruction, which now
	 * gets the default action. */
	signal(sig, SIG_DFL);
}

static void fpe_install(void)
{
	struct sigaction sa;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sa.sa_handler = fpe_handler;
	sigaction(SIGFPE, &sa, NULL);
}

void ovp_fpe__arm(sigjmp_buf *jb)
{
	pthread_once(&fpe_once, fpe_install);
	fpe_jmp = jb;
}

void ovp_fpe__disarm(void)
{
	fpe_jmp = NULL;
}

void ovp_fpe__recover(void)
{
	sigset_t set;

	/* The handler was left by a jump, not a return: SIGFPE is still
	 * blocked in this thread (sigsetjmp did not save the mask). */
	sigemptyset(&set);
	sigaddset(&set, SIGFPE);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}
