/*
 * libxs's xsc_batch against a scripted xenstored (a child process on a
 * Unix socket): the requests go out together, in order, with their ids;
 * the replies are all taken, a watch event among them is queued, a read's
 * value is kept, ENOENT is no failure where the op allows it, the first
 * other error is returned and the connection stays in step for the next
 * request.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "xenstored/xs.h"
#include "xenstored/xs_wire.h"

static char sock_path[108];

static int read_exactly(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void reply(int fd, uint32_t type, uint32_t id, const char *payload, uint32_t len)
{
	struct xs_msg_hdr h = {type, id, 0, len};

	if (write(fd, &h, sizeof(h)) != sizeof(h) || write(fd, payload, len) != (ssize_t)len)
		_exit(3);
}

/*
 * The scripted daemon: takes want requests (checking their types and
 * consecutive ids), then answers them in order from errs ("" is OK, else
 * an error name), with a watch event before the second; then one more
 * request, answered "v". Exit status 0 when all was as expected.
 */
static void daemon_script(int lfd, const uint32_t *types, const char *const *errs, unsigned want)
{
	uint32_t ids[16];
	char buf[XS_PAYLOAD_MAX];
	struct xs_msg_hdr h;
	int fd = accept(lfd, NULL, NULL);
	/* a client that waited for each reply before sending the next would
	 * never send the rest: the script gives up, and the client fails */
	struct timeval tv = {.tv_sec = 5};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (unsigned i = 0; i < want; i++) {
		if (fd < 0 || read_exactly(fd, &h, sizeof(h)) || h.len > sizeof(buf) || read_exactly(fd, buf, h.len))
			_exit(1);
		if (h.type != types[i] || (i && h.req_id != ids[i - 1] + 1) || h.tx_id != 7)
			_exit(2);
		ids[i] = h.req_id;
	}
	for (unsigned i = 0; i < want; i++) {
		if (i == 1)
			reply(fd, XS_WATCH_EVENT, 0, "some/path\0tok", 14);
		if (errs[i][0])
			reply(fd, XS_ERROR, ids[i], errs[i], (uint32_t)strlen(errs[i]) + 1);
		else
			reply(fd, types[i], ids[i], "OK", 3);
	}
	if (read_exactly(fd, &h, sizeof(h)) || read_exactly(fd, buf, h.len))
		_exit(4);
	reply(fd, XS_READ, h.req_id, "v", 1);
	_exit(0);
}

/* A daemon for this script; the client's handle on it. */
static pid_t start(const uint32_t *types, const char *const *errs, unsigned want, struct xs_handle **h)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	snprintf(sock_path, sizeof(sock_path), "/tmp/xs_batch-test.%d", (int)getpid());
	memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
	unlink(sock_path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1))
		return -1;
	pid = fork();
	if (pid == 0)
		daemon_script(lfd, types, errs, want);
	close(lfd);
	CHECK_INT(xsc_open(sock_path, h), 0);
	return pid;
}

static int finish(pid_t pid, struct xs_handle *h)
{
	int status = -1;

	xsc_close(h);
	waitpid(pid, &status, 0);
	unlink(sock_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_batch_ok_enoent_and_event(void)
{
	static const uint32_t types[] = {XS_WRITE, XS_RM, XS_READ};
	static const char *const errs[] = {"", "ENOENT", ""};
	char *got = NULL;
	size_t got_len = 0;
	struct xsc_op ops[] = {{XS_WRITE, "a/b", "1", 1, false, NULL, NULL},
			       {XS_RM, "a/c", "", 0, true, NULL, NULL},
			       {XS_READ, "a/d", "", 0, false, &got, &got_len}};
	struct xs_handle *h = NULL;
	pid_t pid = start(types, errs, 3, &h);
	char *v = NULL, *p = NULL, *t = NULL;
	size_t len;

	CHECK(pid > 0);
	CHECK_INT(xsc_batch(h, 7, ops, 3), 0);
	CHECK(got && !strcmp(got, "OK")); /* the read's value, kept */
	CHECK_INT(got_len, 3);		  /* and its length: the payload, "OK" and its NUL */
	free(got);
	/* the next request's reply is its own: every batch reply was taken */
	CHECK_INT(xsc_read(h, 0, "x", &v, &len), 0);
	CHECK_STR(v, "v");
	/* the event that came among the replies waits for its reader */
	CHECK_INT(xsc_read_watch(h, 0, &p, &t), 0);
	CHECK_STR(p, "some/path");
	CHECK_STR(t, "tok");
	free(v), free(p), free(t);
	CHECK_INT(finish(pid, h), 0);
}

static void test_batch_first_error(void)
{
	static const uint32_t types[] = {XS_WRITE, XS_READ, XS_WRITE};
	static const char *const errs[] = {"", "EACCES", "EINVAL"};
	char *got = (char *)"stale";
	struct xsc_op ops[] = {{XS_WRITE, "a", "1", 1, true, NULL, NULL},
			       {XS_READ, "b", "", 0, true, &got, NULL},
			       {XS_WRITE, "c", "3", 1, true, NULL, NULL}};
	struct xs_handle *h = NULL;
	pid_t pid = start(types, errs, 3, &h);
	char *v = NULL;
	size_t len;

	CHECK(pid > 0);
	CHECK_INT(xsc_batch(h, 7, ops, 3), -EACCES);
	CHECK(got == NULL); /* a failed read has no value */
	CHECK_INT(xsc_read(h, 0, "x", &v, &len), 0);
	CHECK_STR(v, "v");
	free(v);
	CHECK_INT(finish(pid, h), 0);
}

static void test_batch_too_big(void)
{
	static char big[XS_PAYLOAD_MAX];
	struct xsc_op ops[20];
	char *got = (char *)"stale";

	memset(big, 'x', sizeof(big));
	for (unsigned i = 0; i < 20; i++)
		ops[i] = (struct xsc_op){XS_WRITE, "a", big, sizeof(big) - 8, false, NULL, NULL};
	ops[19].reply = &got;
	/* refused before anything is sent: no connection needed */
	CHECK_INT(xsc_batch(NULL, 0, ops, 20), -E2BIG);
	CHECK(got == NULL);
	ops[0].len = sizeof(big); /* one request beyond the payload limit */
	CHECK_INT(xsc_batch(NULL, 0, ops, 1), -E2BIG);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(test_batch_ok_enoent_and_event);
	RUN(test_batch_first_error);
	RUN(test_batch_too_big);
	return unit_done();
}
