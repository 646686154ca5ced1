/*
 * fake-vswitchd: a stand-in for ovs-vswitchd with the same USDT probes, used
 * to make the testdata/usdt*.data recordings (scripts/make-testdata) and to
 * exercise USDT discovery in ovsperf-probe.  It is built under the output
 * name "ovs-vswitchd" so that its process comm matches the real daemon.
 *
 * The main thread runs the OVS main loop shape:
 *   main:run_start -> work (spin, write to a pipe) -> main:poll_block -> poll()
 * with a work time that cycles through 100..500 us and a 2 ms poll timeout.
 * A "handler1" thread reads the pipe and fires dpif_recv:recv_upcall, whose
 * arguments come in several forms (register, memory, constant, pointer), as
 * the compiler chooses them for the SDT note.  A "revalidator2" thread wakes
 * every 5 ms and fires udpif_revalidator:start_dump (stack pointer, register
 * and global-memory arguments).
 * spin_ns() is never inlined so that a plain uprobe (and uretprobe) can be put on
 * it, with the spin time in %rdi.
 * Usage: ovs-vswitchd [RUN_MS [wait]]   (default 300 ms).
 * With "wait", the threads are created first, then the main thread blocks in
 * read() on stdin and starts the loop (and its RUN_MS clock) when a byte or EOF
 * arrives, so that a recorder can learn the thread ids first.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

/* Set by the main loop when the run time is over. */
static atomic_bool stop;
/* "Upcall" pipe: the main loop writes, handler1 reads. */
static int upcall_pipe[2];
/* Global sequence number, passed to a probe as a memory operand. */
uint64_t fake_upcall_seq;
/* The three threads meet here before they start working. */
static pthread_barrier_t start_barrier;
/* Datapath name, passed to a probe as a string pointer. */
static const char dp_name[] = "system@ovs-system";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

__attribute__((noinline)) static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *handler_main(void *arg)
{
	unsigned char buf[64];
	ssize_t n;

	prctl(PR_SET_NAME, "handler1", 0, 0, 0);
	pthread_barrier_wait(&start_barrier);
	while ((n = read(upcall_pipe[0], buf, sizeof(buf))) > 0) {
		uint32_t len = (uint32_t)n;
		int8_t kind = -3;

		fake_upcall_seq++;
		DTRACE_PROBE5(dpif_recv, recv_upcall, dp_name, buf, len, fake_upcall_seq, kind);
		spin_ns(20000);
	}
	return NULL;
}

static void *revalidator_main(void *arg)
{
	unsigned int dump_seq = 0;

	prctl(PR_SET_NAME, "revalidator2", 0, 0, 0);
	pthread_barrier_wait(&start_barrier);
	while (!atomic_load(&stop)) {
		dump_seq++;
		/* fake_upcall_seq is written by handler1 only: a %rip-relative memory operand. */
		DTRACE_PROBE3(udpif_revalidator, start_dump, &dump_seq, dump_seq, fake_upcall_seq);
		spin_ns(50000);
		sleep_ns(5000000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long run_ms = argc > 1 ? atol(argv[1]) : 300;
	bool wait_stdin = argc > 2 && !strcmp(argv[2], "wait");
	uint64_t end;
	pthread_t handler, revalidator;
	struct pollfd pfd;
	unsigned int iter = 0;
	int idle[2];
	int err;

	prctl(PR_SET_NAME, "ovs-vswitchd", 0, 0, 0);
	if (pipe(upcall_pipe)) {
		perror("pipe");
		return 1;
	}
	pthread_barrier_init(&start_barrier, NULL, 3);
	err = pthread_create(&handler, NULL, handler_main, NULL);
	if (!err)
		err = pthread_create(&revalidator, NULL, revalidator_main, NULL);
	if (err) {
		fprintf(stderr, "pthread_create: %s\n", strerror(err));
		return 1;
	}

	/* Nobody writes to this pipe: poll() on it always times out. */
	if (pipe(idle)) {
		perror("pipe");
		return 1;
	}
	if (wait_stdin) {
		char c;

		if (read(STDIN_FILENO, &c, 1) < 0)
			perror("read stdin");
	}
	pthread_barrier_wait(&start_barrier);
	end = now_ns() + (uint64_t)run_ms * 1000000u;
	pfd.fd = idle[0];
	pfd.events = POLLIN;
	while (now_ns() < end) {
		unsigned char msg[8] = { 0 };

		DTRACE_PROBE(main, run_start);
		spin_ns(100000 * (iter % 5 + 1));
		msg[0] = (unsigned char)iter;
		if (iter % 2 == 0 && write(upcall_pipe[1], msg, sizeof(msg)) < 0)
			break;
		DTRACE_PROBE(main, poll_block);
		poll(&pfd, 1, 2);
		iter++;
	}
	atomic_store(&stop, true);
	close(upcall_pipe[1]);
	pthread_join(handler, NULL);
	pthread_join(revalidator, NULL);
	return 0;
}
