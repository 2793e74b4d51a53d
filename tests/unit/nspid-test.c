/* common/nspid.c: NSpid lines, a namespace's thread ids as the host names them. */
#include "nspid.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"

static char dir[64];

/* $dir/name, in a static buffer. */
static const char *in_dir(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* name (its directories made) holding text. */
static void put(const char *name, const char *text)
{
	char sub[64];
	FILE *f;

	for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(sub, sizeof(sub), "%.*s", (int)(p - name), name);
		mkdir(in_dir(sub), 0700);
	}
	f = fopen(in_dir(name), "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int read_at(const char *name, int *outer, int *inner)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), rc;

	*outer = *inner = -1;
	rc = nspid_read_at(fd, name, outer, inner);
	close(fd);
	return rc;
}

static void test_read(void)
{
	int outer, inner;

	put("a", "Name:\tx\nTgid:\t1234\nNSpid:\t1234\t7\nNSpgid:\t1\n");
	CHECK_INT(read_at("a", &outer, &inner), 0);
	CHECK_INT(outer, 1234);
	CHECK_INT(inner, 7);
	put("b", "Name:\tx\nNSpid:\t55\n");
	CHECK_INT(read_at("b", &outer, &inner), 0);
	CHECK_INT(outer, 55);
	CHECK_INT(inner, 55);
	put("c", "Name:\tx\nPid:\t55\n");
	CHECK_INT(read_at("c", &outer, &inner), -EPROTO);
	put("d", "Name:\tx\nNSpid:\tx 5\n");
	CHECK_INT(read_at("d", &outer, &inner), -EPROTO);
	put("e", "Name:\tx\nNSpid:\t-3\n");
	CHECK_INT(read_at("e", &outer, &inner), -EPROTO);
	CHECK_INT(read_at("none", &outer, &inner), -ENOENT);
}

/* A task directory as /proc's: each numbered entry's status says its ids. */
static void test_task_dir(void)
{
	int fd;

	put("task/100/status", "Name:\tx\nNSpid:\t100\t1\n");
	put("task/101/status", "Name:\tx\nNSpid:\t101\t2\n");
	put("task/102/status", "Name:\tx\n"); /* a kernel without NSpid */
	put("task/x7/status", "Name:\tx\nNSpid:\t9\t7\n");
	put("task/103/status", "Name:\tx\nNSpid:\t103\t3\n");
	unlink(in_dir("task/103/status")); /* a thread that ended */
	fd = open(in_dir("task"), O_RDONLY | O_DIRECTORY);
	CHECK_INT(nspid_task_at(fd, 1), 100);
	CHECK_INT(nspid_task_at(fd, 2), 101);
	CHECK_INT(nspid_task_at(fd, 102), 102);
	CHECK_INT(nspid_task_at(fd, 7), -ESRCH); /* not a task's number */
	CHECK_INT(nspid_task_at(fd, 3), -ESRCH);
	CHECK_INT(nspid_task_at(fd, 101), -ESRCH); /* a host id is not a namespace's */
	CHECK_INT(nspid_task_at(fd, 0), -ESRCH);
	CHECK_INT(nspid_task_at(fd, -1), -ESRCH);
	close(fd);
	CHECK_INT(nspid_task_at(-1, 1), -EBADF);
}

/* Without a namespace: our own threads are themselves, another process is none of ours. */
static void test_host(void)
{
	CHECK_INT(nspid_task(getpid(), gettid()), getpid());
	CHECK_INT(nspid_task(getpid(), getppid()), -ESRCH);
	CHECK_INT(nspid_task(getpid(), 1), getpid() == 1 ? 1 : -ESRCH);
	CHECK_INT(nspid_task(0, 1), -ESRCH);
	CHECK_INT(nspid_self(), getpid());
}

static int tid_pipe[2];

static void *report_tid(void *arg)
{
	int tid = gettid();

	(void)arg;
	if (write(tid_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(3);
	for (;;)
		pause();
	return NULL;
}

/* In a PID namespace: the child is 1 there, its thread 2; the host's ids are found from them. */
static void test_namespace(void)
{
	int ids[3] = {0}, outer, inner, child, host;
	pthread_t t;
	char path[64];

	if (pipe(tid_pipe) < 0)
		return;
	child = nspid_fork_newpid();
	if (child == -EPERM) {
		printf("# skip: a PID namespace needs CAP_SYS_ADMIN\n");
		return;
	}
	CHECK(child > 0);
	if (child == 0) {
		int self[2] = {getpid(), nspid_self()};

		if (write(tid_pipe[1], self, sizeof(self)) != sizeof(self) ||
		    pthread_create(&t, NULL, report_tid, NULL))
			_exit(2);
		for (;;)
			pause();
	}
	if (child < 0)
		return;
	CHECK(read(tid_pipe[0], ids, 2 * sizeof(int)) == 2 * sizeof(int));
	CHECK(read(tid_pipe[0], ids + 2, sizeof(int)) == sizeof(int));
	CHECK_INT(ids[0], 1);	  /* getpid() in its namespace */
	CHECK_INT(ids[1], child); /* nspid_self(): the host's id */
	CHECK_INT(ids[2], 2);
	CHECK_INT(nspid_task(child, 1), child);
	host = nspid_task(child, ids[2]);
	CHECK(host > 0 && host != child && host != ids[2]);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", child, host);
	CHECK_INT(nspid_read_at(AT_FDCWD, path, &outer, &inner), 0);
	CHECK_INT(outer, host);
	CHECK_INT(inner, 2);
	CHECK_INT(nspid_task(child, 3), -ESRCH);
	CHECK_INT(nspid_task(child, host), -ESRCH); /* its host id is not one it would name */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(tid_pipe[0]);
	close(tid_pipe[1]);
}

/* In a child whose clone3 is refused (ENOSYS, as before Linux 5.3): the result of the grandchild's test. */
static int fallback_child(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
	int child, status;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 10;
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 11; /* the filter is not what the test needs */
	child = nspid_fork_newpid();
	if (child == 0)
		_exit(getpid() == 1 ? 0 : 12);
	if (child < 0)
		return child == -EPERM ? 0 : 13;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return 14;
	return WEXITSTATUS(status);
}

/* Without clone3 the child is made with clone, in its own PID namespace all the same. */
static void test_clone_fallback(void)
{
	int status = -1;
	pid_t child = fork();

	if (child == 0)
		_exit(fallback_child());
	CHECK(child > 0 && waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

/* What the tests made, children first. */
static const char *const made[] = {"a",	       "b",
				   "c",	       "d",
				   "e",	       "task/100/status",
				   "task/100", "task/101/status",
				   "task/101", "task/102/status",
				   "task/102", "task/x7/status",
				   "task/x7",  "task/103",
				   "task"};

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/nspid-test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_read);
	RUN(test_task_dir);
	RUN(test_host);
	RUN(test_namespace);
	RUN(test_clone_fallback);
	for (unsigned i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (remove(in_dir(made[i])) < 0)
			printf("# cannot remove %s\n", in_dir(made[i]));
	rmdir(dir);
	return unit_done();
}
