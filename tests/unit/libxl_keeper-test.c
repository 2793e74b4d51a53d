/*
 * The VM keeper (libxl/libxl_keeper.c): started outside our process tree,
 * holding nothing of ours but its socket; from xenon-hv (untrusted) it
 * holds only KVM's files, so nothing it is sent can keep it from reading
 * EOF and exiting. (KVM's own files need /dev/kvm: tests/hv.bats.)
 */
#include "libxl/libxl_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "unit.h"

/* Hang guard: a keeper that never sees EOF fails the test instead of hanging it. */
#define GUARD_MS 20000

static int send_fds(int sock, const int *fds, int n)
{
	char byte = 'k';
	struct iovec iov = {&byte, 1};
	ssize_t sent = fdpass_send(sock, &iov, 1, fds, (unsigned)n);

	return sent < 0 ? (int)sent : 0;
}

/*
 * A hostile xenon-hv sends files that are not KVM's, among them the other
 * end of the keeper's own socket (held, it would keep EOF from coming
 * forever), twice: the keeper keeps none and ends at EOF.
 */
static void test_untrusted_files(void)
{
	int sv[2], p[2], status = 0;
	pid_t child;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	child = fork();
	if (child == 0) {
		close(sv[0]);
		alarm(GUARD_MS / 1000);
		_exit((int)libxl__keeper_run(sv[1]));
	}
	close(sv[1]);
	int ev = eventfd(0, EFD_CLOEXEC), self = dup(sv[0]);
	int first[3] = {ev, p[0], self}, second[1] = {self};

	CHECK_INT(send_fds(sv[0], first, 3), 0);
	CHECK_INT(send_fds(sv[0], second, 1), 0);
	close(ev);
	close(self);
	close(p[0]);
	close(p[1]);
	close(sv[0]); /* xenon-hv's end: EOF for the keeper */
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status)); /* not ended by the guard's SIGALRM */
	CHECK_INT(WEXITSTATUS(status), 0);
}

/* Field 4 of /proc/<pid>/stat: the parent's pid. */
static int parent_of(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')))
		sscanf(close_paren + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * libxl__keeper_start: a process that is not our child, named
 * xenon-vm-keeper, holding its socket alone (no lock or connection of
 * ours); it exits when our end closes.
 */
static void test_start(void)
{
	int fd = -1, p[2], lock = open("/dev/null", O_RDONLY); /* a file of ours it must not hold */
	struct libxl__keeper k;
	struct pollfd pfd;
	char comm[32] = "", path[64], c;
	FILE *f;

	CHECK_INT(libxl__keeper_start(&fd, &k), 0);
	CHECK(fd >= 0 && k.pid > 0 && k.pidfd >= 0);
	if (fd < 0 || k.pid <= 0)
		return;
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK(parent_of(k.pid) != getpid());
	/* Once it has closed a file it was sent, it is in its loop: its setup is done. */
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK_INT(send_fds(fd, &p[1], 1), 0);
	close(p[1]);
	pfd = (struct pollfd){p[0], POLLIN, 0};
	CHECK(poll(&pfd, 1, GUARD_MS) == 1 && read(p[0], &c, 1) == 0);
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/comm", k.pid);
	f = fopen(path, "r");
	CHECK(f && fgets(comm, sizeof(comm), f));
	if (f)
		fclose(f);
	CHECK_STR(comm, "xenon-vm-keeper\n");
	CHECK_INT(count_fds(k.pid), 1);
	close(fd);
	pfd = (struct pollfd){k.pidfd, POLLIN, 0};
	CHECK_INT(poll(&pfd, 1, GUARD_MS), 1);
	libxl__keeper_wait(&k); /* at once: it has ended */
	CHECK(k.pid == 0 && k.pidfd == -1);
	close(lock);
}

int main(void)
{
	RUN(test_untrusted_files);
	RUN(test_start);
	return unit_done();
}
