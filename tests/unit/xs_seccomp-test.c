/*
 * xenstored's seccomp filter (xenstored/seccomp_rules.c), for real: a
 * child process enters it as the daemon does, then tries what a client
 * that took over xenstored would: execve, socket(AF_INET), ptrace, an
 * executable mapping. Each is trapped (SIGSYS): the handler logs the call
 * by name and the child exits XSD_EXIT_SECCOMP. What the daemon needs (a
 * Unix socket, the journal's open/write/fdatasync/rename/unlink)
 * still works. The filter is the one compiled at build time
 * (xenstored/_seccomp_bpf.c), patched: for several pids, byte for byte the
 * one libseccomp builds from the table (seccomp_rules.c) now. No root
 * needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "seccomp_try.h"
#include "unit.h"
#include "seccomp_same.h"
#include "xenstored/sandbox.h"
#include "xenstored/seccomp_rules.h"

static char dir[] = "/tmp/xs_seccomp-test.XXXXXX";

static void try_exec_map(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* What the daemon does: a Unix socket, a journal written and replaced, memory. */
static void try_allowed(void)
{
	char path[64], tmp[64];
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), fd;
	void *p = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s/journal", dir);
	snprintf(tmp, sizeof(tmp), "%s/journal.tmp", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s < 0 || !p || syscall(SYS_tgkill, getpid(), gettid(), 0) || fd < 0 || write(fd, "x", 1) != 1 ||
	    fdatasync(fd) || ftruncate(fd, 0) || close(fd) || rename(tmp, path) || unlink(path))
		_exit(98);
	free(p);
	_exit(0);
}

/* xenstored's filter, as the daemon enters it. */
static int enter(int kind)
{
	(void)kind;
	return xsd_seccomp_prepare() || xsd_seccomp_enter(-1);
}

static const struct {
	const char *name; /* as the handler names the call */
	void (*fn)(void);
} attempts[] = {
    {"execve", try_execve},	  {"socket", try_socket}, {"ptrace", try_ptrace},
    {"tgkill", try_tgkill_other}, {"mmap", try_exec_map},
};

static void test_forbidden(void)
{
	char err[1024], want[256];

	for (unsigned i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		int st = seccomp_try_child(enter, 0, attempts[i].fn, err, sizeof(err));

		snprintf(want, sizeof(want),
			 "xenstored: seccomp: the main thread made a forbidden system call: %s (",
			 attempts[i].name);
		if (!(WIFEXITED(st) && WEXITSTATUS(st) == XSD_EXIT_SECCOMP) || !strstr(err, want))
			printf("# %s: wait status %#x, stderr: %s\n", attempts[i].name, st, err);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == XSD_EXIT_SECCOMP);
		CHECK(strstr(err, want) != NULL);
		CHECK(strstr(err, "; xenstored stops\n") != NULL);
	}
}

static void test_allowed(void)
{
	char err[1024];
	int st = seccomp_try_child(enter, 0, try_allowed, err, sizeof(err));

	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		printf("# wait status %#x, stderr: %s\n", st, err);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_same(void)
{
	/* not 1: AF_UNIX (see seccomp_same.h) */
	static const long pids[] = {2, 3, 12345, 4194304, 0x7fffffff};

	for (unsigned i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		seccomp_check_same(&xsd_seccomp_set, &xsd_seccomp_bpf, &pids[i]);
}

static void test_refused(void)
{
	const long pid = getpid();

	seccomp_check_refused(&xsd_seccomp_bpf, &pid, 1);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_same);
	RUN(test_refused);
	RUN(test_forbidden);
	RUN(test_allowed);
	rmdir(dir);
	return unit_done();
}
