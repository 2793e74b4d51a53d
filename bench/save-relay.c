/*
 * bench/save-relay: what libxl's relay costs xl save (libxl_save_relay.c:
 * xenon-hv writes its stream into a pipe, libxl splices it into the file),
 * with no KVM. A thread plays xenon-hv: it takes HVCTL_SAVE's fd and writes
 * MIB MiB as xenon-hv does (writev of 512 frames of 4 KiB from a buffer as
 * large as the stream, each frame backed and not zero), then replies. Each
 * round, interleaved:
 *   direct  the thread writes into the file itself (before the relay);
 *   relay   libxl__save_relayed: the thread writes into the pipe;
 *   relay, frames by reference: the same, the thread's frames vmspliced
 *           into the pipe (as a live save's are), not written.
 * The file is created anew (O_TRUNC) in DIR and fsync'd, as xl save does.
 * Prints, per case, the median and minimum over the rounds of the wall
 * time and MB/s, and the process' CPU time (user and system, both threads).
 * Usage: save-relay DIR [MIB [ROUNDS]]   (defaults 512, 5)
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"

#define FRAME 4096
#define BATCH 512

static char *mem;
static size_t mem_len;
static int by_ref; /* the stream's frames vmspliced into the pipe, not written */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The stream, as save.c's PAGES records carry it (their headers left out). */
static int write_stream(int fd)
{
	struct iovec iov[BATCH];

	for (size_t off = 0; off < mem_len;) {
		int n = 0, i = 0;

		for (; n < BATCH && off < mem_len; n++, off += FRAME)
			iov[n] = (struct iovec){mem + off, FRAME};
		while (i < n) {
			ssize_t k =
			    by_ref ? vmsplice(fd, iov + i, (size_t)(n - i), 0) : writev(fd, iov + i, n - i);

			if (k < 0)
				return -errno;
			for (; i < n && (size_t)k >= iov[i].iov_len; i++)
				k -= (ssize_t)iov[i].iov_len;
			if (k) {
				iov[i].iov_base = (char *)iov[i].iov_base + k;
				iov[i].iov_len -= (size_t)k;
			}
		}
	}
	return 0;
}

/* One HVCTL_SAVE on sock: its fd written, the reply sent. */
static void *play_hv(void *arg)
{
	int sock = *(int *)arg, fd = -1;
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	char req[sizeof(struct hvctl_hdr) + sizeof(struct hvctl_save_req)];
	struct iovec iov = {req, sizeof(req)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf)};
	struct {
		struct hvctl_hdr h;
		struct hvctl_save_result r;
	} rep = {{.type = HVCTL_SAVE, .len = sizeof(struct hvctl_save_result)}, {.bytes = mem_len}};
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) > 0 && (c = CMSG_FIRSTHDR(&msg)))
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	rep.h.status = fd < 0 ? -EBADF : write_stream(fd);
	if (fd >= 0)
		close(fd);
	if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) < 0)
		perror("save-relay: reply");
	return NULL;
}

/* One save into path; its wall and CPU seconds. */
static int save_once(const char *path, int relay, double *wall, double *cpus)
{
	struct hvctl_save_req req = {.flags = HVCTL_SAVE_CONTINUE};
	struct hvctl_save_result res;
	int sv[2], out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc;
	double t0 = now(), c0 = cpu();
	pthread_t t;

	if (out < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pthread_create(&t, NULL, play_hv, &sv[1]);
	if (relay)
		rc = libxl__save_relayed(sv[0], &req, out, &res);
	else
		rc = hvctl_save(sv[0], &req, out, &res);
	pthread_join(t, NULL);
	if (rc == 0 && fsync(out) < 0)
		rc = -errno;
	*wall = now() - t0;
	*cpus = cpu() - c0;
	close(out);
	close(sv[0]);
	close(sv[1]);
	unlink(path);
	return rc;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *name, double *wall, double *cpus, int rounds)
{
	qsort(wall, (size_t)rounds, sizeof(*wall), cmp);
	qsort(cpus, (size_t)rounds, sizeof(*cpus), cmp);
	printf("%s, %zu MiB: median %.3f s (%.0f MB/s), min %.3f s (%.0f MB/s); CPU median %.3f s\n", name,
	       mem_len >> 20, wall[rounds / 2], mem_len / wall[rounds / 2] / 1e6, wall[0],
	       mem_len / wall[0] / 1e6, cpus[rounds / 2]);
}

int main(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	double wall[3][64], cpus[3][64];
	char path[4096];

	if (argc < 2 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: save-relay DIR [MIB [ROUNDS]] (ROUNDS at most 64)\n");
		return 2;
	}
	mem_len = (argc > 2 ? strtoul(argv[2], NULL, 10) : 512) << 20;
	mem = malloc(mem_len);
	if (!mem || !mem_len)
		return 2;
	for (size_t off = 0; off < mem_len; off += FRAME)
		memset(mem + off, (int)(off / FRAME) | 1, FRAME);
	snprintf(path, sizeof(path), "%s/save-relay.%d", argv[1], (int)getpid());
	for (int r = 0; r < rounds; r++)
		for (int c = 0; c < 3; c++) {
			int rc;

			by_ref = c == 2;
			rc = save_once(path, c > 0, &wall[c][r], &cpus[c][r]);

			if (rc < 0) {
				fprintf(stderr, "save-relay: %s: %s\n", path, strerror(-rc));
				return 1;
			}
		}
	report("direct", wall[0], cpus[0], rounds);
	report("relay", wall[1], cpus[1], rounds);
	report("relay, frames by reference (vmsplice)", wall[2], cpus[2], rounds);
	return 0;
}
