/*
 * Thread ids across PID namespaces, from /proc's NSpid lines (nspid.h).
 */
#include "nspid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* "NSpid:\t1234\t7\n": the first and last ids. */
static int parse_nspid(const char *line, int *outer, int *inner)
{
	const char *p = line + strlen("NSpid:");
	int n = 0;

	for (;;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p || v <= 0 || v > 0x7fffffff)
			break;
		if (!n++)
			*outer = (int)v;
		*inner = (int)v;
		p = end;
	}
	return n ? 0 : -EPROTO;
}

int nspid_read_at(int dirfd, const char *path, int *outer, int *inner)
{
	char buf[4096];
	const char *line;
	ssize_t n;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	line = strstr(buf, "\nNSpid:");
	return line ? parse_nspid(line + 1, outer, inner) : -EPROTO;
}

int nspid_task_at(int task_dirfd, int tid)
{
	int fd = openat(task_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int found = -ESRCH;
	struct dirent *e;
	DIR *d;

	if (tid <= 0)
		return -ESRCH;
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		found = -errno;
		if (fd >= 0)
			close(fd);
		return found;
	}
	while (found == -ESRCH && (e = readdir(d))) {
		char path[300];
		char *end;
		long id = strtol(e->d_name, &end, 10);
		int outer, inner, rc;

		if (*end || id <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/status", e->d_name);
		rc = nspid_read_at(task_dirfd, path, &outer, &inner);
		if (rc == -EPROTO) /* no NSpid: no namespaces to cross */
			inner = (int)id;
		else if (rc < 0)
			continue; /* a thread that has just ended */
		if (inner == tid)
			found = (int)id;
	}
	closedir(d);
	return found;
}

int nspid_task(int pid, int tid)
{
	char path[64];
	int dirfd, rc;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	rc = nspid_task_at(dirfd, tid);
	close(dirfd);
	return rc;
}

int nspid_self(void)
{
	int outer, inner;

	return nspid_read_at(AT_FDCWD, "/proc/self/status", &outer, &inner) == 0 ? outer : (int)getpid();
}

/* struct clone_args of linux/sched.h, its first version (CLONE_ARGS_SIZE_VER0). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int nspid_fork_newpid(void)
{
	struct clone3_args a = {.flags = CLONE_NEWPID, .exit_signal = SIGCHLD};
	long pid = syscall(SYS_clone3, &a, sizeof(a));

	/* No clone3 (a kernel before 5.3, or a filter refusing it): clone, as fork does, no new stack. */
	if (pid < 0 && errno == ENOSYS)
		pid = syscall(SYS_clone, (unsigned long)CLONE_NEWPID | SIGCHLD, 0UL, 0UL, 0UL, 0UL);
	return pid < 0 ? -errno : (int)pid;
}
