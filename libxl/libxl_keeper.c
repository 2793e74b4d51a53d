/*
 * The VM keeper of a xenon-hv in a PID namespace of its own (xenon-hv(8),
 * NOTES). Tearing a KVM VM down takes ~10 ms on some kernels; xenon-hv
 * hands its last references to the VM to another process as it exits, so
 * that the toolstack sees its end at once. A process of its own namespace
 * cannot do that: the kernel ends every process of a namespace before its
 * pid 1's parent learns of that end. So libxl starts the keeper outside,
 * before xenon-hv: a process of ours (double-forked: init reaps it) joined
 * to xenon-hv by a socket pair. At its end xenon-hv sends the VM's
 * descriptors over it (SCM_RIGHTS, xenon-hv --keeper); the keeper holds
 * them until the socket reads EOF (xenon-hv gone, however it ended), then
 * exits, and the tear-down runs there.
 *
 * xenon-hv is not trusted: the keeper holds only KVM's own files, and at
 * most KEEPER_MAX_FDS of them. Anything else (its own socket's other end
 * above all, which would keep the EOF from ever coming) is closed at once.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdclose.h"
#include "guest/include/xenon-boot.h"

/* The VM and every vCPU, with room to spare. */
#define KEEPER_MAX_FDS (2 * XENON_MAX_VCPUS + 2)
/* A keeper ends at once after xenon-hv, unless tearing a VM down: a bound, not a timing. */
#define KEEPER_WAIT_MS 5000

/* "/proc/self/fd/<fd>", without stdio (the keeper is a child of a fork). */
static void fd_path(int fd, char *buf)
{
	static const char prefix[] = "/proc/self/fd/";
	char digits[12];
	int n = 0;

	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	memcpy(buf, prefix, sizeof(prefix) - 1);
	buf += sizeof(prefix) - 1;
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* The file KVM made for a VM or a vCPU ("anon_inode:kvm-vm", "anon_inode:kvm-vcpu:N", ...). */
static bool is_kvm_file(int fd)
{
	static const char kvm[] = "anon_inode:kvm-";
	char path[32], target[64];
	ssize_t n;

	fd_path(fd, path);
	n = readlink(path, target, sizeof(target) - 1);
	return n >= (ssize_t)sizeof(kvm) - 1 && memcmp(target, kvm, sizeof(kvm) - 1) == 0;
}

/* One message: the KVM files kept (within *kept's bound), the rest closed. */
static void take_fds(struct msghdr *msg, unsigned *kept)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		int *fds = (int *)CMSG_DATA(c);
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			if (*kept < KEEPER_MAX_FDS && is_kvm_file(fds[i]))
				(*kept)++;
			else
				close(fds[i]);
		}
	}
}

unsigned libxl__keeper_run(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * KEEPER_MAX_FDS)];
		struct cmsghdr align;
	} u;
	unsigned kept = 0;
	char data[16];

	for (;;) {
		struct iovec iov = {data, sizeof(data)};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf)};
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kept; /* EOF: xenon-hv has gone */
		take_fds(&msg, &kept);
	}
}

/* The keeper: its own session, default signals, nothing of ours but the socket. */
static void keeper_main(int sock)
{
	sigset_t none;

	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd_close_except(0, &sock, 1);
	prctl(PR_SET_NAME, "xenon-vm-keeper", 0, 0, 0);
	libxl__keeper_run(sock);
	_exit(0); /* the VM's tear-down, if it sent us the VM */
}

int libxl__keeper_start(int *hv_end, struct libxl__keeper *k)
{
	int sv[2], p[2], status, err;
	pid_t mid, keeper = -1;
	ssize_t n;

	k->pid = 0;
	k->pidfd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC) < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	mid = fork();
	err = mid < 0 ? errno : EAGAIN;
	if (mid == 0) {
		close(sv[0]);
		close(p[0]);
		keeper = fork();
		if (keeper == 0)
			keeper_main(sv[1]);
		_exit(write(p[1], &keeper, sizeof(keeper)) == sizeof(keeper) ? 0 : 1);
	}
	close(sv[1]);
	close(p[1]);
	if (mid > 0)
		while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
			;
	do
		n = mid > 0 ? read(p[0], &keeper, sizeof(keeper)) : -1;
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != sizeof(keeper) || keeper <= 0) {
		close(sv[0]); /* a keeper that did start sees EOF and exits */
		return -err;
	}
	/* It lives while we hold sv[0]: the pidfd is its, not a reused pid's. */
	k->pid = keeper;
	k->pidfd = pidfd_open(keeper, 0);
	*hv_end = sv[0];
	return 0;
}

void libxl__keeper_wait(struct libxl__keeper *k)
{
	struct pollfd p = {k->pidfd, POLLIN, 0};

	if (k->pidfd >= 0)
		while (poll(&p, 1, KEEPER_WAIT_MS) < 0 && errno == EINTR)
			;
	libxl__keeper_forget(k);
}

void libxl__keeper_forget(struct libxl__keeper *k)
{
	if (k->pidfd >= 0)
		close(k->pidfd);
	k->pidfd = -1;
	k->pid = 0;
}
