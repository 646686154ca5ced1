// SPDX-License-Identifier: Apache-2.0
/*
 * usdt-prog.c - a target for ovsperf-probe's uprobe/USDT tests: a main loop
 * with the USDT probes of ovs-vswitchd's bridge loop (main:run_start,
 * main:poll_block), a probe whose arguments land in several operand forms
 * at -O2 (register, stack memory, immediate, RIP-relative global) and a
 * probe guarded by a semaphore (usdt-sema.c), plus a plain function for
 * up:/upr: probes.
 *
 * Usage: usdt-prog ITERATIONS [SLEEP_US]
 * Prints "iterations N semaphore-seen M" at exit; M counts the iterations in
 * which the semaphore was set, i.e. a uprobe with a reference counter was on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

/* Global, so the compiler reads it RIP-relative: "4@usdt_global(%rip)". */
int usdt_global;

int usdt_sema_fire(int i);

/* A function for up:/upr: probes; noinline so it keeps its symbol. */
__attribute__((noinline)) int usdt_work(int x)
{
	usdt_global = x + 100;
	return x * 3;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	int us = argc > 2 ? atoi(argv[2]) : 1000;
	int seen = 0, sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		/* volatile: lives in the stack frame, a memory operand. */
		volatile long twice = 2L * i;

		DTRACE_PROBE(main, run_start);
		sum += usdt_work(i);
		DTRACE_PROBE4(test, args, i, twice, 5, usdt_global);
		seen += usdt_sema_fire(i);
		DTRACE_PROBE(main, poll_block);
		if (us)
			usleep(us);
	}
	printf("iterations %d semaphore-seen %d sum %d\n", n, seen, sum);
	return 0;
}
