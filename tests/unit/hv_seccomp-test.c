/*
 * xenon-hv's seccomp filters (hypervisor/sandbox_seccomp.c), for real: a
 * child process installs the filter of each thread kind (main, vCPU, I/O)
 * as xenon-hv does, then tries what a guest that took over xenon-hv would:
 * execve, open a host file, socket(AF_INET), ptrace. Each is trapped
 * (SIGSYS): the handler logs the kind and the call's name and the child
 * ends with HV_EXIT_SECCOMP. What the threads need still works. No KVM and
 * no root needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "unit.h"

static const char *const kind_names[] = {"main", "vCPU", "I/O"};

static void try_execve(void)
{
	char *argv[] = {"/bin/true", NULL};

	execve("/bin/true", argv, argv + 1);
}

static void try_open(void)
{
	open("/etc/passwd", O_RDONLY | O_CLOEXEC);
}

static void try_socket(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
}

static void try_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

static pid_t test_pid; /* the parent: another process for the child */

/* A signal to another process (the test itself; signal 0 harms nothing). */
static void try_tgkill_other(void)
{
	syscall(SYS_tgkill, test_pid, test_pid, 0);
}

/* What every kind may do: memory, time, its own pid, logging. */
static void try_allowed(void)
{
	void *p = malloc(1 << 20);
	struct timespec ts = {0, 1000};

	/* tgkill to its own thread (raise, abort, pthread_kill) */
	if (!p || getpid() <= 0 || write(2, "", 0) < 0 || nanosleep(&ts, NULL) < 0 ||
	    syscall(SYS_tgkill, getpid(), gettid(), 0))
		_exit(98);
	free(p);
	_exit(0);
}

static const struct {
	const char *name; /* as the handler names the call */
	void (*fn)(void);
} attempts[] = {
    {"execve", try_execve}, {"openat", try_open},	  {"socket", try_socket},
    {"ptrace", try_ptrace}, {"tgkill", try_tgkill_other},
};

/* Run fn under kind's filter in a child; its wait status, and its stderr in err. */
static int run_child(enum hv_thread_kind kind, void (*fn)(void), char *err, size_t len)
{
	int pfd[2], status = -1;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hv_seccomp_prepare(-1, -1) ||
		    hv_seccomp_enter(kind))
			_exit(97);
		fn();
		_exit(99); /* not stopped */
	}
	close(pfd[1]);
	while ((size_t)got < len - 1 && (n = read(pfd[0], err + got, len - 1 - got)) > 0)
		got += n;
	err[got] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return status;
}

static void test_forbidden(void)
{
	char err[1024], want[256];

	for (int k = 0; k < HV_THREAD_NR_KINDS; k++)
		for (unsigned i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
			int st = run_child(k, attempts[i].fn, err, sizeof(err));

			snprintf(want, sizeof(want),
				 "seccomp: the %s thread made a forbidden system call: %s (", kind_names[k],
				 attempts[i].name);
			if (!(WIFEXITED(st) && WEXITSTATUS(st) == HV_EXIT_SECCOMP) || !strstr(err, want))
				printf("# %s thread, %s: wait status %#x, stderr: %s\n", kind_names[k],
				       attempts[i].name, st, err);
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == HV_EXIT_SECCOMP);
			CHECK(strstr(err, want) != NULL);
		}
}

static void test_allowed(void)
{
	char err[1024];

	for (int k = 0; k < HV_THREAD_NR_KINDS; k++) {
		int st = run_child(k, try_allowed, err, sizeof(err));

		if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			printf("# %s thread: wait status %#x, stderr: %s\n", kind_names[k], st, err);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

static void test_names(void)
{
	CHECK_STR(hv_seccomp_kind_name(HV_THREAD_MAIN), "main");
	CHECK_STR(hv_seccomp_kind_name(HV_THREAD_VCPU), "vCPU");
	CHECK_STR(hv_seccomp_kind_name(HV_THREAD_IO), "I/O");
}

int main(void)
{
	test_pid = getpid();
	RUN(test_names);
	RUN(test_forbidden);
	RUN(test_allowed);
	return unit_done();
}
