/*
 * A save into a file goes through a pipe: the domain's xenon-hv gets the
 * pipe's write end, never the file, and libxl moves what comes out of the
 * pipe into the file (splice(2): no copy through user space here).
 *
 * Why: xenon-hv runs guest-facing code and may be the guest's. Given the
 * file itself, it could seek back (lseek, pwrite, fallocate's punch or
 * collapse) over what the caller wrote before the stream: xl's header and
 * the domain's configuration, from which xl restore builds the domain as
 * root (its disks, hotplug scripts, kernel). Through a pipe it can only
 * add to its own stream, which the restoring xenon-hv checks in its
 * sandbox; what it writes after its reply is never read.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

#define RELAY_PIPE_BYTES (1 << 20) /* as xl migrate's stream pipe: fewer wake-ups */
#define RELAY_COPY_BYTES (64 << 10)

struct relay {
	int in;		/* the pipe's read end (non-blocking), -1 once closed */
	int out;	/* the caller's file */
	bool eof;	/* every write end is closed */
	uint64_t moved; /* bytes put into the file */
	int err;	/* the first error writing the file (ENOSPC...), 0 */
};

/* The file failed: the pipe's read end closes, so that xenon-hv's next write fails (EPIPE) and it stops. */
static void relay_fail(struct relay *r, int err)
{
	r->err = err;
	close(r->in);
	r->in = -1;
}

/* For a file splice refuses (O_APPEND, or no splice_write): read and write. */
static ssize_t relay_copy(struct relay *r, size_t len)
{
	char buf[RELAY_COPY_BYTES];
	ssize_t n = read(r->in, buf, len < sizeof(buf) ? len : sizeof(buf));

	if (n <= 0)
		return n;
	for (ssize_t done = 0, w; done < n; done += w) {
		w = write(r->out, buf + done, (size_t)(n - done));
		if (w < 0 && errno == EINTR)
			w = 0;
		else if (w < 0)
			return -1;
	}
	return n;
}

/* Move what the pipe holds now, at most max bytes, into the file. */
static void relay_move(struct relay *r, size_t max)
{
	while (r->in >= 0 && !r->eof && max) {
		size_t len = max < RELAY_PIPE_BYTES ? max : RELAY_PIPE_BYTES;
		ssize_t n = splice(r->in, NULL, r->out, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n < 0 && errno == EINVAL)
			n = relay_copy(r, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			relay_fail(r, -errno);
		if (n <= 0) {
			r->eof = n == 0;
			return;
		}
		r->moved += (uint64_t)n;
		max -= (size_t)n;
	}
}

/* The stream moved as it comes, until xenon-hv's reply. */
static int relay_until_reply(int hv, struct relay *r, struct hvctl_save_result *res)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = hv, .events = POLLIN},
				      {.fd = r->eof ? -1 : r->in, .events = POLLIN}};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents)
			relay_move(r, SIZE_MAX);
		if (p[0].revents)
			return hvctl_save_reply(hv, res);
	}
}

/*
 * xenon-hv replies once the pipe is empty (a paused save waits for its
 * reader, save.c), but it is not trusted to: a writer's data is in the
 * pipe before its write returns, so after the reply the rest of its stream
 * is there, at most what the pipe holds, which bounds the drain (a hostile
 * xenon-hv that keeps the write end and writes on cannot keep libxl here).
 * The stream must be as long as xenon-hv says (its bytes, which the caller
 * reports).
 */
static int relay_finish(struct relay *r, int rc, const struct hvctl_save_result *res)
{
	int cap = r->in >= 0 ? fcntl(r->in, F_GETPIPE_SZ) : 0;

	if (rc == 0)
		relay_move(r, cap > 0 ? (size_t)cap : RELAY_PIPE_BYTES);
	if (r->in >= 0)
		close(r->in);
	if (r->err)
		return r->err; /* (xenon-hv's own error then is EPIPE: the file's says what happened) */
	if (rc == 0 && r->moved != res->bytes) {
		log_warnx("save: the domain's xenon-hv reported a stream of %llu bytes, but %llu came",
			  (unsigned long long)res->bytes, (unsigned long long)r->moved);
		return -EIO;
	}
	return rc;
}

int libxl__save_relayed(int hv, const struct hvctl_save_req *req, int out, struct hvctl_save_result *res)
{
	struct relay r = {.out = out};
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fcntl(p[1], F_SETPIPE_SZ, RELAY_PIPE_BYTES); /* (a smaller pipe stays: slower, not wrong) */
	fcntl(p[0], F_SETFL, O_NONBLOCK);	     /* the read end's own file description: not xenon-hv's */
	r.in = p[0];
	rc = hvctl_save_send(hv, req, p[1]);
	close(p[1]); /* xenon-hv's copy is the only write end: its close (or end) is the pipe's EOF */
	if (rc == 0)
		rc = relay_until_reply(hv, &r, res);
	return relay_finish(&r, rc, res);
}

/* Whether a save into fd must go through the relay: anything that can be seeked or reshaped. */
bool libxl__save_needs_relay(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}
