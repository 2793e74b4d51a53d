/*
 * bench/seccomp-cost: what xenon-hv's seccomp filters cost per system call
 * on the hot paths (issue 15: "no measurable change to guest I/O"), with no
 * KVM: a child process calls the same system call CALLS times with and
 * without its thread kind's filter (hv_seccomp_prepare/hv_seccomp_enter, the
 * build-time filters xenon-hv loads), ROUNDS rounds, interleaved:
 *   vcpu-ioctl    a vCPU thread's ioctl of KVM's type (KVM_GET_API_VERSION)
 *                 on an eventfd: the filter lets it through (a rule on the
 *                 request number), the file fails it with ENOTTY; never
 *                 /dev/kvm;
 *   io-pwritev    an I/O thread's 512-byte pwritev to a tmpfs file
 *                 (/dev/shm);
 *   io-uring      an I/O thread's io_uring_enter with nothing to submit;
 *   hotadd-pwritev  the same pwritev on a hot-added device's I/O thread,
 *                 under the main thread's filter and its own (stacked).
 * Prints, per case, the median and minimum over the rounds of ns of CPU
 * time (the child's thread's, user and system) per call without and with
 * the filter, and the difference of the minimums.
 * Usage: seccomp-cost [ROUNDS [CALLS]]   (defaults 15, 200000; no root needed)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench/child.h"
#include "hypervisor/hv.h"

static char file[] = "/dev/shm/xenon-seccomp-cost.XXXXXX";

/* The call under test on fd, n times: 0, or -1 if it did not behave as expected. */
static int vcpu_ioctl(int fd, long n)
{
	for (long i = 0; i < n; i++)
		if (ioctl(fd, KVM_GET_API_VERSION, 0) != -1 || errno != ENOTTY)
			return -1;
	return 0;
}

static int io_pwritev(int fd, long n)
{
	static char buf[512];
	struct iovec iov = {buf, sizeof(buf)};

	for (long i = 0; i < n; i++)
		if (pwritev(fd, &iov, 1, 0) != sizeof(buf))
			return -1;
	return 0;
}

static int io_uring(int fd, long n)
{
	for (long i = 0; i < n; i++)
		if (syscall(SYS_io_uring_enter, fd, 0, 0, 0, NULL, 0) < 0)
			return -1;
	return 0;
}

static int open_eventfd(void)
{
	return eventfd(0, EFD_CLOEXEC);
}

static int open_file(void)
{
	return open(file, O_RDWR | O_CLOEXEC);
}

static int open_ring(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return (int)syscall(SYS_io_uring_setup, 4, &p);
}

static const struct bench_case {
	const char *name;
	int (*open)(void);
	int (*run)(int fd, long n);
	int kinds[2]; /* filters loaded in order; -1: none */
} cases[] = {
    {"vcpu-ioctl", open_eventfd, vcpu_ioctl, {HV_THREAD_VCPU, -1}},
    {"io-pwritev", open_file, io_pwritev, {HV_THREAD_IO, -1}},
    {"io-uring", open_ring, io_uring, {HV_THREAD_IO, -1}},
    {"hotadd-pwritev", open_file, io_pwritev, {HV_THREAD_MAIN, HV_THREAD_IO}},
};

/* The child's CPU time (user and system): on a loaded host the wall clock counts the waits for a CPU. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct run {
	const struct bench_case *c;
	int filtered;
	long calls;
};

/* In the child: the case's calls, under its filters or none; ns per call (-1: failed). */
static double calls_ns(const void *arg)
{
	const struct run *r = arg;
	const struct bench_case *c = r->c;
	int fd = c->open(), rc = fd < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	double t0;

	if (!rc && r->filtered)
		rc = hv_seccomp_prepare(-1, -1);
	for (unsigned k = 0; !rc && r->filtered && k < 2 && c->kinds[k] >= 0; k++)
		rc = hv_seccomp_enter(c->kinds[k]);
	rc = rc || c->run(fd, r->calls / 10); /* warm */
	t0 = now_ns();
	rc = rc || c->run(fd, r->calls);
	return rc ? -1 : (now_ns() - t0) / r->calls;
}

static double once(const struct bench_case *c, int filtered, long calls)
{
	struct run r = {c, filtered, calls};
	double ns = bench_child(calls_ns, &r);

	if (ns < 0) {
		fprintf(stderr, "seccomp-cost: %s (%s) failed\n", c->name, filtered ? "filtered" : "plain");
		unlink(file);
		exit(1);
	}
	return ns;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 15, fd;
	long calls = argc > 2 ? atol(argv[2]) : 200000;

	if (argc > 3 || rounds < 1 || calls < 10) {
		fprintf(stderr, "usage: seccomp-cost [ROUNDS [CALLS]]\n");
		return 2;
	}
	fd = mkstemp(file);
	if (fd < 0 || close(fd)) {
		fprintf(stderr, "seccomp-cost: cannot create %s: %s\n", file, strerror(errno));
		return 1;
	}
	printf("%-16s %12s %12s %12s %12s %10s\n", "ns per call", "plain med", "plain min", "filter med",
	       "filter min", "added min");
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double plain[rounds], filtered[rounds], pmed, fmed;

		for (int r = 0; r < rounds; r++) { /* interleaved */
			plain[r] = once(&cases[c], 0, calls);
			filtered[r] = once(&cases[c], 1, calls);
		}
		pmed = bench_median(plain, rounds); /* sorted: [0] is the minimum */
		fmed = bench_median(filtered, rounds);
		printf("%-16s %12.1f %12.1f %12.1f %12.1f %+10.1f\n", cases[c].name, pmed, plain[0], fmed,
		       filtered[0], filtered[0] - plain[0]);
	}
	unlink(file);
	return 0;
}
