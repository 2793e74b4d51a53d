/*
 * bench/sandbox-setup: what entering the sandboxes costs on their own, with
 * no KVM (bench/sandbox-host runs it): for xenon-hv, hv_sandbox_enter and
 * the main thread's seccomp filter in a fresh child (each measure alone,
 * all of them, none), and libxl's spawn of it with and without a PID
 * namespace of its own (fork or clone3 CLONE_NEWPID, interleaved: until the
 * child runs, and until its exit is reaped); for xenstored, exec to READY=1 (NOTIFY_SOCKET, sent
 * once the sandbox is entered) with and without --no-sandbox.
 * the same in-process (xsd_seccomp_prepare and xsd_sandbox_enter in a child,
 * as root without --user: capabilities, no_new_privs, seccomp).
 * Usage: sandbox-setup hv RUNS | sandbox-setup xenstored RUNS XENSTORED DIR
 * Prints one line per case: name, median and minimum in microseconds.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/child.h"
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "nspid.h"
#include "xenstored/sandbox.h"

/* control.c stays out of this program: no control socket here. */
int hv_control_dirfd(struct hv_vm *vm)
{
	(void)vm;
	return -1;
}

int hv_control_unlinker(struct hv_vm *vm)
{
	(void)vm;
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void report(const char *name, double *v, int n)
{
	double med = bench_median(v, n);

	printf("%-22s %10.1f %10.1f\n", name, med, v[0]);
}

struct measures {
	uint32_t off; /* xenon-hv's measures turned off */
	int xsd;      /* xenstored's sandbox instead */
};

/* In the child: enter the sandbox; the time it took (-1: failed). */
static double enter(const void *arg)
{
	const struct measures *m = arg;
	static struct hv_vm vm;
	struct xsd_sandbox sb = {.log_fd = -1};
	double t0;

	vm.args.nr_vcpus = 1;
	vm.args.uid = HV_SANDBOX_UID_BASE + 4000;
	vm.args.gid = HV_SANDBOX_UID_BASE + 4000;
	vm.args.sandbox_off = m->off;
	t0 = now_us();
	if (m->xsd ? xsd_seccomp_prepare() || xsd_sandbox_enter(&sb)
		   : hv_sandbox_enter(&vm) || hv_seccomp_enter(HV_THREAD_MAIN))
		return -1;
	return now_us() - t0;
}

/* In a child: enter xenon-hv's sandbox with the measures in off turned off (xsd: xenstored's); the time it
 * took. */
static double hv_once(uint32_t off, int xsd)
{
	struct measures m = {off, xsd};
	double us = bench_child(enter, &m);

	if (us < 0) {
		fprintf(stderr, "sandbox-setup: the child failed (off %#x)\n", off);
		exit(1);
	}
	return us;
}

/* fork (or with newpid clone3 CLONE_NEWPID, as libxl spawns xenon-hv): until the child runs, until reaped. */
static void spawn_once(int newpid, double *to_child, double *to_reaped)
{
	int pfd[2], status;
	double t0, t_child = -1;
	pid_t pid;

	if (pipe(pfd))
		exit(1);
	t0 = now_us();
	pid = newpid ? nspid_fork_newpid() : fork();
	if (pid == 0) {
		t_child = now_us();
		_exit(write(pfd[1], &t_child, sizeof(t_child)) == sizeof(t_child) ? 0 : 1);
	}
	if (pid < 0) {
		fprintf(stderr, "sandbox-setup: %s: %s\n", newpid ? "clone3 CLONE_NEWPID" : "fork",
			strerror(newpid ? -pid : errno));
		exit(1);
	}
	close(pfd[1]);
	if (read(pfd[0], &t_child, sizeof(t_child)) != sizeof(t_child))
		t_child = -1;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	*to_reaped = now_us() - t0;
	*to_child = t_child - t0;
	if (t_child < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "sandbox-setup: the spawned child failed (status %#x)\n", status);
		exit(1);
	}
}

static void bench_spawn(int runs)
{
	double run[2][runs], reaped[2][runs];

	for (int i = 0; i < runs; i++)
		for (int newpid = 0; newpid < 2; newpid++)
			spawn_once(newpid, &run[newpid][i], &reaped[newpid][i]);
	report("spawn fork to child", run[0], runs);
	report("spawn newpid to child", run[1], runs);
	report("spawn fork to reaped", reaped[0], runs);
	report("spawn newpid to reaped", reaped[1], runs);
}

static void bench_hv(int runs)
{
	static const char *const names[] = HVCTL_SANDBOX_NAMES;
	double v[runs];

	/* none, every measure, then each alone (seccomp brings no_new_privs along) */
	for (int c = -2; c < 6; c++) {
		uint32_t off = c == -2 ? HVCTL_SANDBOX_ALL : c == -1 ? 0 : HVCTL_SANDBOX_ALL & ~(1u << c);
		char name[64];

		for (int i = 0; i < runs; i++)
			v[i] = hv_once(off, 0);
		snprintf(name, sizeof(name), "hv %s", c == -2 ? "none" : c == -1 ? "all" : names[c]);
		report(name, v, runs);
	}
	bench_spawn(runs);
}

/* exec xenstored, wait for its READY=1: the time it took. */
static double xsd_once(const char *xsd, const char *dir, int sandbox)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char sock[256], buf[64];
	int fd, status;
	double t0, us;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	snprintf(sock, sizeof(sock), "%s/xs.sock", dir);
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		exit(1);
	t0 = now_us();
	pid = fork();
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", sa.sun_path, 1);
		execl(xsd, xsd, "-N", "-I", "-s", sock, sandbox ? NULL : "--no-sandbox", (char *)NULL);
		_exit(127);
	}
	if (recv(fd, buf, sizeof(buf), 0) <= 0)
		exit(1);
	us = now_us() - t0;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(fd);
	return us;
}

static void bench_xsd(int runs, const char *xsd, const char *dir)
{
	double on[runs], off[runs];

	for (int i = 0; i < runs; i++)
		on[i] = hv_once(0, 1);
	report("xenstored entry", on, runs);

	for (int i = 0; i < runs; i++) { /* interleaved */
		on[i] = xsd_once(xsd, dir, 1);
		off[i] = xsd_once(xsd, dir, 0);
	}
	report("xenstored sandbox", on, runs);
	report("xenstored no sandbox", off, runs);
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 0;

	if (argc == 3 && !strcmp(argv[1], "hv") && runs > 0)
		bench_hv(runs);
	else if (argc == 5 && !strcmp(argv[1], "xenstored") && runs > 0)
		bench_xsd(runs, argv[3], argv[4]);
	else {
		fprintf(stderr,
			"usage: sandbox-setup hv RUNS | sandbox-setup xenstored RUNS XENSTORED DIR\n");
		return 2;
	}
	return 0;
}
