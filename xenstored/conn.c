/*
 * Connections and the event loop. One thread, epoll, non-blocking sockets.
 * Each loop iteration reads what is ready (at most READ_CHUNK per
 * connection, so nobody starves), handles every complete message, then
 * writes the journal (journal_flush), and only then sends the replies: a
 * reply is never seen before its change is in the journal file.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "handlers.h"
#include "journal.h"
#include "log.h"
#include "quota.h"
#include "ratelimit.h"
#include "transaction.h"
#include "watch.h"
#include "xenstored.h"

#define READ_CHUNK 65536
#define MAX_EVENTS 256
/* More connections than this are accepted and closed at once. */
#define MAX_CONNS 16384

static int epfd = -1, listen_fd = -1, spare_fd = -1;
static bool accept_paused; /* out of descriptors: the socket is not watched */

static void accept_resume(void);
static char *listen_path;
static struct conn *conns, *flush_list, *resume_list;
static volatile sig_atomic_t stop_requested;
static uint32_t next_conn_id = 1;
static uint64_t loop_epoch = 1;
static unsigned nconns;
static FILE *trace_fp;

void conn_stop(void)
{
	stop_requested = 1;
}

int conn_set_trace(const char *path)
{
	trace_fp = fopen(path, "ae");
	return trace_fp ? 0 : -errno;
}

void trace_msg(const struct conn *c, const char *dir, const struct xs_msg_hdr *h, const char *data)
{
	if (!trace_fp)
		return;
	fprintf(trace_fp, "%s conn %u %s req %u tx %u len %u", dir, c->id, handler_name(h->type), h->req_id,
		h->tx_id, h->len);
	fputs(" \"", trace_fp);
	for (uint32_t i = 0; i < h->len && i < 128; i++) {
		unsigned char ch = data[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			fputc(ch, trace_fp);
		else
			fprintf(trace_fp, "\\x%02x", ch);
	}
	fputs("\"\n", trace_fp);
	fflush(trace_fp);
}

uint64_t conn_round(void)
{
	return loop_epoch;
}

size_t conn_pending(const struct conn *c)
{
	return c->out_len - c->out_off;
}

/* Count the replies the socket has taken whole since the last call. */
static void account_sent(struct conn *c)
{
	struct xs_msg_hdr h;

	while (c->scan < c->out_off) {
		memcpy(&h, c->out + c->scan, XS_HDR_SIZE);
		if (c->scan + XS_HDR_SIZE + h.len > c->out_off)
			break; /* partly sent */
		if (h.type != XS_WATCH_EVENT && c->outstanding)
			c->outstanding--;
		c->scan += XS_HDR_SIZE + h.len;
	}
}

/*
 * Busy: no more requests are handled until the client reads. A guest may
 * have quota "outstanding" replies unread (Xen's outstanding requests);
 * any connection at most CONN_OUT_SOFT bytes of unsent output.
 */
static bool conn_busy(struct conn *c)
{
	account_sent(c);
	if (conn_pending(c) >= CONN_OUT_SOFT)
		return true;
	return !c->who.priv && c->outstanding >= quota_limit[QUOTA_OUTSTANDING];
}

/* Replies queued and not yet sent, over every guest connection of domid. */
unsigned conn_outstanding_of(uint32_t domid)
{
	unsigned n = 0;

	for (struct conn *c = conns; c; c = c->next) {
		if (c->who.priv || c->who.domid != domid)
			continue;
		account_sent(c);
		n += c->outstanding;
	}
	return n;
}

static bool msg_complete(const struct conn *c)
{
	uint32_t len;

	if (c->in_used < XS_HDR_SIZE)
		return false;
	memcpy(&len, c->in + 12, 4);
	return c->in_used == XS_HDR_SIZE + len;
}

static void mark_flush(struct conn *c)
{
	if (!c->on_flush_list) {
		c->on_flush_list = true;
		c->flush_next = flush_list;
		flush_list = c;
	}
}

int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data, size_t len)
{
	struct xs_msg_hdr h = {type, req_id, tx_id, (uint32_t)len};
	size_t need = XS_HDR_SIZE + len;

	if (c->closing)
		return 0;
	account_sent(c);
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = c->scan = 0;
	if (c->out_len + need > c->out_cap) {
		char *o;

		if (c->scan) { /* compact first, from a message boundary */
			memmove(c->out, c->out + c->scan, c->out_len - c->scan);
			c->out_len -= c->scan;
			c->out_off -= c->scan;
			if (c->mark_epoch == loop_epoch) /* never below scan in the loop */
				c->mark = c->mark > c->scan ? c->mark - c->scan : 0;
			c->scan = 0;
		}
		o = buf_grow(c->out, &c->out_cap, c->out_len + need, 8192);
		if (!o) {
			conn_close_later(c, "out of memory");
			return -ENOMEM;
		}
		c->out = o;
	}
	if (c->mark_epoch != loop_epoch) {
		c->mark_epoch = loop_epoch;
		c->mark = c->out_len;
	}
	memcpy(c->out + c->out_len, &h, XS_HDR_SIZE);
	if (len) /* data may be NULL then (a node without children) */
		memcpy(c->out + c->out_len + XS_HDR_SIZE, data, len);
	c->out_len += need;
	if (type != XS_WATCH_EVENT)
		c->outstanding++;
	trace_msg(c, "OUT", &h, data);
	mark_flush(c);
	return 0;
}

void conn_close_later(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	static struct log_rate closing_rate = LOG_RATE("closing connection");

	log_rate(&closing_rate, LOG_INFO, "closing connection %u: %s", c->id, why);
	c->closing = true;
	mark_flush(c);
}

void conn_close_domain(uint32_t domid)
{
	for (struct conn *c = conns; c; c = c->next)
		if (!c->who.priv && c->who.domid == domid)
			conn_close_later(c, "its domain was released");
}

static void conn_free(struct conn *c)
{
	if (trace_fp)
		fprintf(trace_fp, "END conn %u\n", c->id);
	watch_remove_all(c);
	tx_end_all(c);
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->out);
	free(c->stash);
	free(c);
	nconns--;
	accept_resume();
}

/* Read while not busy and nothing is held back; ask for EPOLLOUT while output waits. */
static void set_events(struct conn *c)
{
	bool want_in = !conn_busy(c) && !c->stash_len && !msg_complete(c);
	bool want_out = conn_pending(c) > 0;
	struct epoll_event ev = {.data.ptr = c};

	if (want_in == c->reading && want_out == c->writing)
		return;
	ev.events = (want_in ? EPOLLIN : 0) | (want_out ? EPOLLOUT : 0);
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->reading = want_in;
	c->writing = want_out;
}

static struct log_rate refused_rate = LOG_RATE("refused a connection");

/* Accept new connections again (a connection closed: a descriptor is free). */
static void accept_resume(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	if (!accept_paused || listen_fd < 0)
		return;
	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (spare_fd >= 0 && !epoll_ctl(epfd, EPOLL_CTL_MOD, listen_fd, &ev))
		accept_paused = false;
}

/*
 * Out of descriptors (EMFILE, ENFILE). Linux reports it before it looks at
 * the queue, so it says nothing about waiting clients: with the spare
 * descriptor released, accept and close one waiting client (it sees its
 * connection closed, not a hang); with no spare or none waiting, back to
 * epoll. Without a spare, stop watching the socket until a connection
 * closes (accept_resume): the listening socket would wake epoll for ever.
 * Returns true when the caller may try accept4 again.
 */
static bool accept_overflow(int err)
{
	int fd = -1;

	if (spare_fd >= 0) {
		close(spare_fd);
		fd = accept(listen_fd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (fd >= 0)
		log_rate(&refused_rate, LOG_WARNX,
			 "out of file descriptors (%s, %u connections): refused one", log_strerror(err),
			 nconns);
	if (spare_fd < 0 && !accept_paused) {
		struct epoll_event ev = {.events = 0, .data.ptr = NULL};

		if (!epoll_ctl(epfd, EPOLL_CTL_MOD, listen_fd, &ev))
			accept_paused = true;
		log_rate(&refused_rate, LOG_WARNX,
			 "out of file descriptors (%u connections): no new connection until one closes",
			 nconns);
	}
	return fd >= 0 && spare_fd >= 0;
}

static void conn_accept(void)
{
	static struct log_rate accept_rate = LOG_RATE("accept");

	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			int err = errno;

			if ((err == EMFILE || err == ENFILE) && accept_overflow(err))
				continue;
			if (err != EAGAIN && err != EINTR && err != EMFILE && err != ENFILE)
				log_rate(&accept_rate, LOG_WARN, "accept");
			return;
		}
		c = nconns < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			log_rate(&refused_rate, LOG_WARNX, "too many connections (%u): refused one", nconns);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = next_conn_id++;
		c->who.priv = true;
		c->who.target = -1;
		c->reading = true;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = conns;
		if (conns)
			conns->prev = c;
		conns = c;
		nconns++;
		if (trace_fp)
			fprintf(trace_fp, "NEW conn %u\n", c->id);
	}
}

/* Keep input for later (conn_resume); at most a few reads' worth. */
static void stash_input(struct conn *c, const char *p, size_t n)
{
	char *s = c->stash_len + n <= 2 * READ_CHUNK ? realloc(c->stash, c->stash_len + n) : NULL;

	if (!s) {
		conn_close_later(c, "too much input held back while its replies are unread");
		return;
	}
	memcpy(s + c->stash_len, p, n);
	c->stash = s;
	c->stash_len += n;
}

/*
 * Feed bytes into c's message buffer; handle each complete message. While
 * the connection is busy (conn_busy) the rest is held back.
 */
void conn_feed(struct conn *c, const char *p, size_t n)
{
	while (!c->closing) {
		size_t want = XS_HDR_SIZE, take;
		uint32_t len;

		if (msg_complete(c)) {
			if (conn_busy(c))
				break;
			handle_message(c);
			c->in_used = 0;
			continue;
		}
		if (!n)
			return;
		if (c->in_used >= XS_HDR_SIZE) {
			memcpy(&len, c->in + 12, 4);
			want += len;
		}
		take = want - c->in_used < n ? want - c->in_used : n;
		memcpy(c->in + c->in_used, p, take);
		c->in_used += take;
		p += take;
		n -= take;
		if (c->in_used == XS_HDR_SIZE) {
			memcpy(&len, c->in + 12, 4);
			if (len > XS_PAYLOAD_MAX) {
				conn_close_later(c, "payload over 4096 bytes");
				return;
			}
		}
	}
	if (n && !c->closing)
		stash_input(c, p, n);
}

/* Handle what was held back, now that the client has read. */
void conn_resume(struct conn *c)
{
	char *s = c->stash;
	size_t len = c->stash_len;

	c->stash = NULL;
	c->stash_len = 0;
	conn_feed(c, s, len);
	free(s);
	mark_flush(c); /* set_events: read again once all is handled */
}

static void resume_all(void)
{
	while (resume_list) {
		struct conn *c = resume_list;

		resume_list = c->resume_next;
		c->on_resume_list = false;
		if (!c->closing)
			conn_resume(c);
	}
}

static void conn_read(struct conn *c)
{
	static char buf[READ_CHUNK];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n > 0 && c->stash_len) /* after the held-back input, in order */
		stash_input(c, buf, n);
	else if (n > 0)
		conn_feed(c, buf, n);
	if (n > 0)
		return;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	c->closing = true; /* EOF or error: nothing more to send either */
	mark_flush(c);
}

static void conn_write(struct conn *c)
{
	while (conn_pending(c)) {
		ssize_t n = send(c->fd, c->out + c->out_off, conn_pending(c), MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->closing = true;
			break;
		}
		c->out_off += n;
	}
	account_sent(c);
	if (!conn_pending(c))
		c->out_off = c->out_len = c->scan = 0;
}

/*
 * The journal could not take this iteration's changes: every reply queued
 * since the iteration began becomes the error, its watch events go, and a
 * transaction or watch it started is ended (the client was told it failed).
 */
static void fail_replies(struct conn *c, const char *ename)
{
	size_t len = c->out_len - c->mark, off = 0;
	char *old = malloc(len);

	if (!old) {
		conn_close_later(c, "out of memory");
		return;
	}
	memcpy(old, c->out + c->mark, len);
	c->out_len = c->mark;
	while (off + XS_HDR_SIZE <= len) {
		struct xs_msg_hdr h;
		struct tx *tx;

		memcpy(&h, old + off, XS_HDR_SIZE);
		if (h.type == XS_WATCH)
			watch_remove_round(c, loop_epoch);
		if (h.type == XS_TRANSACTION_START && h.len > 1 &&
		    (tx = tx_find(c, strtoul(old + off + XS_HDR_SIZE, NULL, 10))))
			tx_end(c, tx, false);
		if (h.type != XS_WATCH_EVENT) {
			c->outstanding--; /* queued again as the error */
			conn_queue(c, XS_ERROR, h.req_id, h.tx_id, ename, strlen(ename) + 1);
		}
		off += XS_HDR_SIZE + h.len;
	}
	free(old);
}

/*
 * journal_flush failed: undo the changes and fail the requests that made
 * them. If even the state directory cannot be read back, the store is no
 * longer what was acknowledged: stop (the files are intact; a restart
 * replays them).
 */
static int journal_failed(int err)
{
	const char *ename = err == -ENOSPC || err == -EDQUOT ? "ENOSPC" : "EIO";
	int rc = journal_reload();

	if (rc) {
		log_warnx("cannot roll the store back after a failed journal write: stopping; "
			  "restart xenstored once its state directory is readable");
		return rc;
	}
	for (struct conn *c = flush_list; c; c = c->flush_next)
		if (!c->closing && c->mark_epoch == loop_epoch)
			fail_replies(c, ename);
	return 0;
}

/* After the journal is written: send queued output, close finished connections. */
static void flush_all(void)
{
	while (flush_list) {
		struct conn *c = flush_list;

		flush_list = c->flush_next;
		c->on_flush_list = false;
		if (!c->closing)
			conn_write(c);
		if (c->closing) {
			conn_free(c);
			continue;
		}
		if ((c->stash_len || msg_complete(c)) && !conn_busy(c) && !c->on_resume_list) {
			c->on_resume_list = true;
			c->resume_next = resume_list;
			resume_list = c;
		}
		set_events(c);
	}
}

/* Is a daemon answering at path? */
static bool socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive = fd >= 0 && !connect(fd, (const struct sockaddr *)sa, sizeof(*sa));

	if (fd >= 0)
		close(fd);
	return alive;
}

/* /run/xenstored may not exist yet on a fresh boot. */
static void make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
}

/*
 * Bind under a temporary name and rename it into place once listening: a
 * client that sees the socket file can connect at once (no window between
 * bind and listen in which it would be refused).
 */
static int bind_listening(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.%ld", path, (long)getpid());
	bool tmp = n > 0 && (size_t)n < sizeof(sa.sun_path);
	int rc;

	if (!tmp)
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(sa.sun_path);
	old = umask(0077);
	rc = bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || chmod(sa.sun_path, 0600) || listen(listen_fd, 1024) || (tmp && rename(sa.sun_path, path))) {
		rc = -errno;
		unlink(sa.sun_path);
		return rc;
	}
	return 0;
}

int conn_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (socket_alive(&sa))
		return -EADDRINUSE;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	make_parent_dir(path);
	unlink(path); /* a stale socket from a daemon that died */
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		return -errno;
	rc = bind_listening(path);
	if (!rc && epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev)) {
		rc = -errno;
		unlink(path); /* leave no socket nobody answers */
	}
	if (rc) {
		close(listen_fd);
		listen_fd = -1;
		return rc;
	}
	listen_path = strdup(path);
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

int conn_loop(void)
{
	struct epoll_event evs[MAX_EVENTS];

	while (!stop_requested) {
		int rc, n = epoll_wait(epfd, evs, MAX_EVENTS, resume_list ? 0 : journal_timeout());

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!c) {
				conn_accept();
				continue;
			}
			if (c->closing)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				conn_read(c);
			if (evs[i].events & EPOLLOUT)
				mark_flush(c);
		}
		resume_all();
		rc = journal_end_batch();
		if (rc && journal_failed(rc))
			return -EIO;
		flush_all();
		journal_tick();
		loop_epoch++;
	}
	return 0;
}

void conn_shutdown(void)
{
	while (conns)
		conn_free(conns);
	if (listen_fd >= 0)
		close(listen_fd);
	if (listen_path)
		unlink(listen_path);
	free(listen_path);
	listen_path = NULL;
	listen_fd = -1;
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}
