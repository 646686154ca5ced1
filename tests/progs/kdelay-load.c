/*
 * kdelay-load: a small multi-threaded workload for the kernel-delay test
 * recordings (testdata/kdelay*.data, made by scripts/make-testdata).
 *
 * The process names itself "kdelay-load" and runs these threads, each with a
 * recognisable name, for a bounded time:
 *   kd-pipe-w  writes one byte to a pipe, then nanosleep()s 1 ms;
 *   kd-pipe-r  blocks in read() on that pipe (woken by kd-pipe-w);
 *   kd-poll    poll()s with a 3 ms timeout on a pipe that never has data;
 *   kd-spin1   spins, pinned to CPU 0 (together with kd-spin2 it gets
 *   kd-spin2   preempted: two runnable threads on one CPU);
 *   kd-sleepy  alternates 2 ms nanosleep() and a short spin;
 *   kd-io      writes 4 KiB to an unlinked file in /var/tmp and fdatasync()s
 *              it every 3 ms, so that disk interrupts arrive;
 *   kd-spin3   spins pinned to the last CPU (the one taking the disk
 *              interrupts here), so hard and soft irqs hit a workload thread.
 * Usage: kdelay-load [RUN_MS [wait]]   (default 300 ms).
 * With "wait", all threads are created first, then the process blocks in
 * read() on stdin and starts working (and its RUN_MS clock) when a byte or EOF
 * arrives: scripts/make-testdata reads the thread ids from /proc, builds a
 * perf filter with them and lets the workload go from inside perf record.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* Set by main() when the run time is over; every thread polls it. */
static atomic_bool stop;
/* Data pipe between kd-pipe-w and kd-pipe-r. */
static int data_pipe[2];
/* Pipe nobody writes to; kd-poll waits on its read end until the timeout. */
static int idle_pipe[2];
/* All threads and main meet here before working (see "wait" above). */
static pthread_barrier_t start_barrier;

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Busy-loops for @ns nanoseconds of wall-clock time. */
static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;
	volatile unsigned long x = 0;

	while (now_ns() < end)
		x++;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *pipe_writer(void *arg)
{
	char c = 'x';

	while (!atomic_load(&stop)) {
		if (write(data_pipe[1], &c, 1) != 1)
			break;
		sleep_ns(1000000);
	}
	close(data_pipe[1]);
	return NULL;
}

static void *pipe_reader(void *arg)
{
	char buf[16];

	/* Ends with EOF once the writer closes its end. */
	while (read(data_pipe[0], buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static void *poller(void *arg)
{
	struct pollfd pfd = { .fd = idle_pipe[0], .events = POLLIN };

	while (!atomic_load(&stop))
		poll(&pfd, 1, 3);
	return NULL;
}

static void *spinner(void *arg)
{
	pin_cpu(0);
	while (!atomic_load(&stop)) {
		spin_ns(20000000);
		sleep_ns(500000);
	}
	return NULL;
}

static void *last_cpu_spinner(void *arg)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	pin_cpu(ncpus > 1 ? (int)ncpus - 1 : 0);
	while (!atomic_load(&stop)) {
		spin_ns(5000000);
		sleep_ns(1000000);
	}
	return NULL;
}

static void *io_writer(void *arg)
{
	char path[] = "/var/tmp/kdelay-load.XXXXXX";
	static char block[4096];
	int fd = mkstemp(path);

	if (fd < 0)
		return NULL;
	unlink(path);
	memset(block, 'k', sizeof(block));
	while (!atomic_load(&stop)) {
		if (pwrite(fd, block, sizeof(block), 0) != sizeof(block) || fdatasync(fd))
			break;
		sleep_ns(3000000);
	}
	close(fd);
	return NULL;
}

static void *sleepy(void *arg)
{
	while (!atomic_load(&stop)) {
		sleep_ns(2000000);
		spin_ns(200000);
	}
	return NULL;
}

/* One workload thread: its name and body. */
struct thread_desc {
	/* Thread name (comm) set by the thread itself before it starts working. */
	const char *name;
	/* Thread body. */
	void *(*fn)(void *);
};

/* Names the calling thread first, so that its events never carry the parent's comm. */
static void *thread_start(void *arg)
{
	const struct thread_desc *desc = arg;

	prctl(PR_SET_NAME, desc->name, 0, 0, 0);
	pthread_barrier_wait(&start_barrier);
	return desc->fn(NULL);
}

int main(int argc, char **argv)
{
	static const struct thread_desc threads[] = {
		{ "kd-pipe-w", pipe_writer }, { "kd-pipe-r", pipe_reader },
		{ "kd-poll", poller },	      { "kd-spin1", spinner },
		{ "kd-spin2", spinner },      { "kd-sleepy", sleepy },
		{ "kd-io", io_writer },	      { "kd-spin3", last_cpu_spinner },
	};
	enum { N_THREADS = sizeof(threads) / sizeof(threads[0]) };
	pthread_t tids[N_THREADS];
	long run_ms = argc > 1 ? atol(argv[1]) : 300;
	bool wait_stdin = argc > 2 && !strcmp(argv[2], "wait");
	size_t i;

	prctl(PR_SET_NAME, "kdelay-load", 0, 0, 0);
	if (pipe(data_pipe) || pipe(idle_pipe)) {
		perror("pipe");
		return 1;
	}
	pthread_barrier_init(&start_barrier, NULL, N_THREADS + 1);
	for (i = 0; i < N_THREADS; i++) {
		int err = pthread_create(&tids[i], NULL, thread_start, (void *)&threads[i]);

		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	if (wait_stdin) {
		char c;

		if (read(STDIN_FILENO, &c, 1) < 0)
			perror("read stdin");
	}
	pthread_barrier_wait(&start_barrier);
	sleep_ns(run_ms * 1000000L);
	atomic_store(&stop, true);
	for (i = 0; i < N_THREADS; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
