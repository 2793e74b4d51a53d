/*
 * What the seccomp tests (hv_seccomp-test, xs_seccomp-test) try under a
 * filter, as a process that took over xenon-hv or xenstored would, and the
 * child that runs one attempt: seccomp_try_child(enter, kind, fn) forks,
 * sets no_new_privs, calls enter(kind) (the filter under test), then fn;
 * returns the wait status and the child's standard error in err.
 */
#ifndef XENON_SECCOMP_TRY_H
#define XENON_SECCOMP_TRY_H

#include <stdio.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t seccomp_try_parent; /* another process for the child: the test itself */

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

/* A signal to another process (signal 0 harms nothing). */
static void try_tgkill_other(void)
{
	syscall(SYS_tgkill, seccomp_try_parent, seccomp_try_parent, 0);
}

static int seccomp_try_child(int (*enter)(int), int kind, void (*fn)(void), char *err, size_t len)
{
	int pfd[2], status = -1;
	ssize_t n, got = 0;
	pid_t pid;

	seccomp_try_parent = getpid();
	if (pipe(pfd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || enter(kind))
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

#endif
