/*
 * xenon-hv's seccomp filters (hypervisor/seccomp_rules.c), for real: a
 * child process installs the filter of each thread kind (main, vCPU, I/O, RAM fill)
 * as xenon-hv does, then tries what a guest that took over xenon-hv would:
 * execve, open a host file, socket(AF_INET), ptrace. Each is trapped
 * (SIGSYS): the handler logs the kind and the call's name and the child
 * ends with HV_EXIT_SECCOMP. What the threads need still works. The filters
 * are those compiled at build time (hypervisor/_seccomp_bpf.c), patched:
 * for several pids and directory fds, byte for byte those libseccomp builds
 * from the tables (seccomp_rules.c) now. No KVM and no root needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "hypervisor/seccomp_rules.h"
#include "seccomp_try.h"
#include "unit.h"
#include "seccomp_same.h"

static const char *const kind_names[] = {"main", "vCPU", "I/O", "RAM fill"};

static void try_open(void)
{
	open("/etc/passwd", O_RDONLY | O_CLOEXEC);
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

/* Kind's filter, as xenon-hv's threads enter theirs. */
static int enter(int kind)
{
	return hv_seccomp_prepare(-1, -1) || hv_seccomp_enter(kind);
}

static const struct {
	const char *name; /* as the handler names the call */
	void (*fn)(void);
} attempts[] = {
    {"execve", try_execve}, {"openat", try_open},	  {"socket", try_socket},
    {"ptrace", try_ptrace}, {"tgkill", try_tgkill_other},
};

static void test_forbidden(void)
{
	char err[1024], want[256];

	for (int k = 0; k < HV_THREAD_NR_KINDS; k++)
		for (unsigned i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
			int st = seccomp_try_child(enter, k, attempts[i].fn, err, sizeof(err));

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
		int st = seccomp_try_child(enter, k, try_allowed, err, sizeof(err));

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
	CHECK_STR(hv_seccomp_kind_name(HV_THREAD_FILL), "RAM fill");
}

/* Own pid, /proc/self/task's fd and the control directory's fd (-1: missing, its rule left out); the
 * pid never equal to the control directory's fd (see seccomp_same.h). */
static void test_same(void)
{
	static const long sets[][HV_SECCOMP_NR_VALUES] = {
	    {1, 3, 4}, {4194304, -1, 7}, {0x7fffffff, 1000, -1}, {12345, -1, -1}, {2, 0, 0},
	};

	for (unsigned i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		seccomp_check_same(&hv_seccomp_set, &hv_seccomp_bpf, sets[i]);
}

static void test_refused(void)
{
	const long vals[HV_SECCOMP_NR_VALUES] = {getpid(), 3, 4};

	seccomp_check_refused(&hv_seccomp_bpf, vals, HV_SECCOMP_NR_VALUES);
}

int main(void)
{
	RUN(test_names);
	RUN(test_same);
	RUN(test_refused);
	RUN(test_forbidden);
	RUN(test_allowed);
	return unit_done();
}
