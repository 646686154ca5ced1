// SPDX-License-Identifier: Apache-2.0
/*
 * test-syscalls.c - the generated syscall tables: known numbers on both
 * architectures (the ones kernel_delay prints in its sample output), a
 * cross-check of the x86_64 table against this machine's <sys/syscall.h>,
 * name <-> number round trips and the unknown cases.
 */
#include <sys/syscall.h>

#include "ovsperf/syscalls.h"
#include "check.h"

static void test_x86_64(void)
{
	/* From kernel_delay's sample output (x86_64). */
	CHECK_STR(ovp_syscall_name("x86_64", 46), "sendmsg");
	CHECK_STR(ovp_syscall_name("x86_64", 47), "recvmsg");
	CHECK_STR(ovp_syscall_name("x86_64", 202), "futex");
	CHECK_STR(ovp_syscall_name("x86_64", 7), "poll");
	CHECK_STR(ovp_syscall_name("x86_64", 98), "getrusage");
	CHECK_STR(ovp_syscall_name("x86_64", 435), "clone3");
	CHECK_STR(ovp_syscall_name("x86_64", 217), "getdents64");
	CHECK_STR(ovp_syscall_name("x86", 0), "read");
	CHECK_STR(ovp_syscall_name("amd64", 1), "write");
	CHECK(ovp_syscall_nr("x86_64", "openat") == 257);
	CHECK(ovp_syscall_nr("x86_64", "accept") == 43);
#ifdef __x86_64__
	/* Independent source: glibc's numbers for the machine we run on. */
	CHECK(ovp_syscall_nr(NULL, "recvmsg") == SYS_recvmsg);
	CHECK(ovp_syscall_nr("x86_64", "epoll_wait") == SYS_epoll_wait);
	CHECK(ovp_syscall_nr("x86_64", "sendto") == SYS_sendto);
	CHECK(ovp_syscall_nr("x86_64", "io_uring_enter") == SYS_io_uring_enter);
	CHECK_STR(ovp_syscall_name(NULL, SYS_nanosleep), "nanosleep");
#endif
	/* Holes and out of range. */
	CHECK(ovp_syscall_name("x86_64", 400) == NULL);
	CHECK(ovp_syscall_name("x86_64", -1) == NULL);
	CHECK(ovp_syscall_name("x86_64", 100000) == NULL);
}

static void test_aarch64(void)
{
	CHECK_STR(ovp_syscall_name("aarch64", 63), "read");
	CHECK_STR(ovp_syscall_name("aarch64", 64), "write");
	CHECK_STR(ovp_syscall_name("arm64", 98), "futex");
	CHECK_STR(ovp_syscall_name("aarch64", 212), "recvmsg");
	CHECK_STR(ovp_syscall_name("aarch64", 73), "ppoll");
	/* The __NR3264 aliases resolve to the 64-bit names. */
	CHECK_STR(ovp_syscall_name("aarch64", 25), "fcntl");
	CHECK_STR(ovp_syscall_name("aarch64", 222), "mmap");
	CHECK_STR(ovp_syscall_name("aarch64", 79), "newfstatat");
	CHECK(ovp_syscall_nr("aarch64", "clone3") == 435);
	CHECK(ovp_syscall_nr("aarch64", "renameat") == 38);
	/* arm64 has no legacy open/poll. */
	CHECK(ovp_syscall_nr("aarch64", "open") == -1);
	CHECK(ovp_syscall_nr("aarch64", "poll") == -1);
	CHECK(ovp_syscall_name("aarch64", 244) == NULL);	/* arch_specific_syscall */
}

static void test_round_trip(void)
{
	static const char *const arches[] = { "x86_64", "aarch64" };
	unsigned int a;
	long nr, n;

	for (a = 0; a < 2; a++) {
		n = 0;
		for (nr = 0; nr < 1024; nr++) {
			const char *name = ovp_syscall_name(arches[a], nr);

			if (!name)
				continue;
			n++;
			CHECK(ovp_syscall_nr(arches[a], name) == nr);
		}
		CHECK(n > 290);
	}
}

static void test_unknown(void)
{
	CHECK(!ovp_syscall_arch_known("i686"));
	CHECK(ovp_syscall_arch_known("aarch64"));
	CHECK(ovp_syscall_name("i686", 3) == NULL);
	CHECK(ovp_syscall_name("", 3) == NULL);
	CHECK(ovp_syscall_nr("s390x", "read") == -1);
	CHECK(ovp_syscall_nr("x86_64", "no_such_call") == -1);
	CHECK(ovp_syscall_nr("x86_64", NULL) == -1);
}

int main(void)
{
	test_x86_64();
	test_aarch64();
	test_round_trip();
	test_unknown();
	CHECK_DONE();
}
