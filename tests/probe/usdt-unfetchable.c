// SPDX-License-Identifier: Apache-2.0
/*
 * usdt-unfetchable.c - an x86_64 program whose USDT note has, for probe
 * test:odd, one argument of each form uprobes cannot fetch
 * (ovsperf-probes(5), USDT ARGUMENTS) between two that they can, and a
 * probe test:plain whose arguments are all fetchable.  The notes are
 * written with STAP_PROBE_ASM, so the argument specs are exactly these
 * strings whatever the compiler does:
 *
 *	test:odd	8@%rdi  8@-8(%rbp,%rax,8)  -4@$5  1@%ah  8@%fs:0x28
 *			8@0x10(%rip)  4@no_such_symbol(%rip)
 *	test:plain	8@%rsi  -4@$7
 *
 * Never run: only its ELF notes are read (ovsperf-probe install -n).
 */
#include <sys/sdt.h>

int main(void)
{
	__asm__ volatile(STAP_PROBE_ASM(test, odd, 8@%rdi 8@-8(%rbp,%rax,8) -4@$5 1@%ah
					8@%fs:0x28 8@0x10(%rip) 4@no_such_symbol(%rip)));
	__asm__ volatile(STAP_PROBE_ASM(test, plain, 8@%rsi -4@$7));
	return 0;
}
