/*
 * xenstored's seccomp filter (xenstored/sandbox_seccomp.c), for real: a
 * child process enters it as the daemon does, then tries what a client
 * that took over xenstored would: execve, socket(AF_INET), ptrace, an
 * executable mapping. Each is trapped (SIGSYS): the handler logs the call
 * by name and the child exits XSD_EXIT_SECCOMP. What the daemon needs (a
 * Unix socket, the journal's open/write/fdatasync/rename/unlink)
 * still works. No root needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "xenstored/sandbox.h"

static char dir[] = "/tmp/xs_seccomp-test.XXXXXX";

static void try_execve(void)
{
	char *argv[] = {"/bin/true", NULL};

	execve("/bin/true", argv, argv + 1);
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

static const struct {
	const char *name; /* as the handler names the call */
	void (*fn)(void);
} attempts[] = {
    {"execve", try_execve},	  {"socket", try_socket}, {"ptrace", try_ptrace},
    {"tgkill", try_tgkill_other}, {"mmap", try_exec_map},
};

/* Run fn under xenstored's filter in a child; its wait status, and its stderr in err. */
static int run_child(void (*fn)(void), char *err, size_t len)
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
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || xsd_seccomp_prepare() || xsd_seccomp_enter(-1))
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

	for (unsigned i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		int st = run_child(attempts[i].fn, err, sizeof(err));

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
	int st = run_child(try_allowed, err, sizeof(err));

	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		printf("# wait status %#x, stderr: %s\n", st, err);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	test_pid = getpid();
	if (!mkdtemp(dir))
		return 1;
	RUN(test_forbidden);
	RUN(test_allowed);
	rmdir(dir);
	return unit_done();
}
