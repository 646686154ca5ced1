// SPDX-License-Identifier: Apache-2.0
/*
 * usdt-sema.c - the semaphore-guarded USDT probe of usdt-prog: test:sema
 * fires only while a tracer holds the semaphore (the kernel increments it
 * for a uprobe defined with a reference counter offset).  In its own file
 * because _SDT_HAS_SEMAPHORES gives every probe of a file a semaphore.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short test_sema_semaphore __attribute__((section(".probes")));

/* Returns 1 when the semaphore was set (and the probe fired). */
int usdt_sema_fire(int i)
{
	if (!test_sema_semaphore)
		return 0;
	DTRACE_PROBE1(test, sema, i);
	return 1;
}
