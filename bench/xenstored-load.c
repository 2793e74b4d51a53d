/*
 * xs-bench (built from this file): pipelined XS_WRITE or XS_READ requests over the socket,
 * keeping WINDOW requests in flight, and the rate it got.
 *
 *   xs-bench write|read WINDOW COUNT [SOCKET]
 *
 * Keys cycle over /bench/k0 .. /bench/k999. Prints "<op> window <W>: <N> ops/s".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xenstored/xs.h"
#include "xenstored/xs_wire.h"

#define KEYS 1000

static size_t make_req(char *buf, uint32_t type, uint32_t id)
{
	struct xs_msg_hdr *h = (struct xs_msg_hdr *)buf;
	char *p = buf + sizeof(*h);
	int n = sprintf(p, "/bench/k%u", id % KEYS) + 1;

	if (type == XS_WRITE)
		n += sprintf(p + n, "value-%u", id);
	*h = (struct xs_msg_hdr){type, id, 0, (uint32_t)n};
	return sizeof(*h) + n;
}

/* Read replies until at least `want` more have arrived; returns how many (-1 on errors). */
static int read_replies(int fd, unsigned want, char *buf, size_t size, size_t *have)
{
	unsigned got = 0;
	int errors = 0;

	while (got < want) {
		ssize_t n = read(fd, buf + *have, size - *have);

		if (n <= 0)
			fatal("read from xenstored");
		*have += n;
		size_t off = 0;
		while (*have - off >= sizeof(struct xs_msg_hdr)) {
			struct xs_msg_hdr h;

			memcpy(&h, buf + off, sizeof(h));
			if (*have - off < sizeof(h) + h.len)
				break;
			errors += h.type == XS_ERROR;
			off += sizeof(h) + h.len;
			got++;
		}
		memmove(buf, buf + off, *have - off);
		*have -= off;
	}
	return errors ? -1 : (int)got;
}

int main(int argc, char **argv)
{
	static char rbuf[1 << 20], wbuf[1 << 20];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned window, count, sent = 0, done = 0;
	struct timespec t0, t1;
	size_t have = 0;
	uint32_t type;
	int fd;

	log_init(argv[0]);
	if (argc < 4 || (strcmp(argv[1], "write") && strcmp(argv[1], "read")))
		fatalx("usage: xs-bench write|read WINDOW COUNT [SOCKET]");
	type = !strcmp(argv[1], "write") ? XS_WRITE : XS_READ;
	window = atoi(argv[2]);
	count = atoi(argv[3]);
	if (!window || window > 4096 || !count)
		fatalx("WINDOW must be 1..4096 and COUNT at least 1");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argc > 4 ? argv[4] : xsc_socket_path());
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fatal("cannot connect to %s", sa.sun_path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < count) {
		size_t len = 0;

		while (sent < count && sent - done < window)
			len += make_req(wbuf + len, type, sent++);
		if (len && write(fd, wbuf, len) != (ssize_t)len)
			fatal("write to xenstored");
		/* wait for at least one reply, or half the window when pipelining */
		unsigned want = window > 1 ? (sent - done + 1) / 2 : 1;
		if (sent == count)
			want = sent - done;
		int got = read_replies(fd, want, rbuf, sizeof(rbuf), &have);
		if (got < 0)
			fatalx("xenstored answered with an error");
		done += got;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s window %u: %.0f ops/s (%u ops in %.3f s)\n", argv[1], window, count / s, count, s);
	return 0;
}
