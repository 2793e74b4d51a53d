#include "iov.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void test_advance_within_and_across_parts(void)
{
	char a[4], b[3], c[5];
	struct iovec parts[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
	struct iovec *iov = parts;
	int n = 3;

	iov_advance(&iov, &n, 0);
	CHECK(iov == parts && n == 3 && iov->iov_len == 4);
	iov_advance(&iov, &n, 1); /* inside the first part */
	CHECK(iov == parts && n == 3 && iov->iov_base == a + 1 && iov->iov_len == 3);
	iov_advance(&iov, &n, 3); /* its end exactly: the second part is next, whole */
	CHECK(iov == parts + 1 && n == 2 && iov->iov_base == b && iov->iov_len == 3);
	iov_advance(&iov, &n, 5); /* past the second, into the third */
	CHECK(iov == parts + 2 && n == 1 && iov->iov_base == c + 2 && iov->iov_len == 3);
	iov_advance(&iov, &n, 3); /* all of it */
	CHECK_INT(n, 0);
}

static void test_empty_parts_are_passed(void)
{
	char a[2];
	struct iovec parts[3] = {{NULL, 0}, {a, sizeof(a)}, {NULL, 0}};
	struct iovec *iov = parts;
	int n = 3;

	iov_advance(&iov, &n, 0);
	CHECK(iov == parts + 1 && n == 2);
	iov_advance(&iov, &n, 2);
	CHECK_INT(n, 0);
}

/* A writev loop over a pipe that takes less than asked each time: the bytes
 * arrive whole and in order. */
static void test_short_writes_through_a_pipe(void)
{
	static char src[3][100000], out[sizeof(src)];
	struct iovec parts[3], *iov = parts;
	int p[2], n = 3, shorts = 0;
	size_t got = 0;

	for (size_t i = 0; i < sizeof(src); i++)
		((char *)src)[i] = (char)(i * 7 + i / 251);
	for (int i = 0; i < 3; i++)
		parts[i] = (struct iovec){src[i], sizeof(src[i])};
	CHECK_INT(pipe2(p, O_NONBLOCK), 0);
	while (n > 0) {
		ssize_t w = writev(p[1], iov, n), r;

		CHECK(w > 0 || errno == EAGAIN);
		if (w > 0) {
			shorts += (size_t)w < iov->iov_len;
			iov_advance(&iov, &n, (size_t)w);
		}
		while ((r = read(p[0], out + got, sizeof(out) - got)) > 0)
			got += (size_t)r;
	}
	CHECK(got == sizeof(out));
	CHECK(memcmp(out, src, sizeof(out)) == 0);
	CHECK(shorts > 0); /* the pipe (64 KiB) did cut writes short */
	close(p[0]);
	close(p[1]);
}

static void *drain(void *arg)
{
	static char in[300000];
	int fd = *(int *)arg;
	size_t got = 0;
	ssize_t r;

	while ((r = read(fd, in + got, sizeof(in) - got)) > 0)
		got += (size_t)r;
	return got == sizeof(in) ? in : NULL;
}

/* fd_write_all: a buffer larger than the pipe arrives whole while a thread
 * reads it; with the reader gone, the error comes back (-EPIPE). */
static void test_write_all(void)
{
	static char src[300000];
	pthread_t t;
	void *got;
	int p[2];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 13 + i / 509);
	CHECK_INT(pipe(p), 0);
	CHECK_INT(pthread_create(&t, NULL, drain, &p[0]), 0);
	CHECK_INT(fd_write_all(p[1], src, sizeof(src)), 0);
	close(p[1]);
	CHECK_INT(pthread_join(t, &got), 0);
	CHECK(got && memcmp(got, src, sizeof(src)) == 0);
	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(pipe(p), 0);
	close(p[0]);
	CHECK_INT(fd_write_all(p[1], src, 10), -EPIPE);
	CHECK_INT(fd_write_all(p[1], src, 0), 0);
	close(p[1]);
}

int main(void)
{
	RUN(test_advance_within_and_across_parts);
	RUN(test_empty_parts_are_passed);
	RUN(test_short_writes_through_a_pipe);
	RUN(test_write_all);
	return unit_done();
}
