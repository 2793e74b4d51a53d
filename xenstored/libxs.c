/* libxs: the client library (xs.h) over the Unix socket. */
#include "xs.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "iov.h"
#include "xs_wire.h"

struct xs_event {
	struct xs_event *next;
	char *path, *token;
};

struct xs_handle {
	int fd;
	uint32_t req_id;
	struct xs_event *events, **events_tail;
	int epoll_fd, event_fd; /* xsc_watch_fd(), -1 until asked for */
	bool raised;		/* event_fd holds a count */
	/* One request (or socket read) at a time: threads may share a handle,
	 * one waiting in xsc_read_watch() while others make requests. */
	pthread_mutex_t lock;
};

const char *xsc_socket_path(void)
{
	static char buf[4096];
	const char *p = getenv("XENSTORED_PATH");

	if (p && *p)
		return p;
	p = getenv("XENSTORED_RUNDIR");
	if (p && *p) {
		snprintf(buf, sizeof(buf), "%s/socket", p);
		return buf;
	}
	return "/run/xenstored/socket";
}

int xsc_open(const char *path, struct xs_handle **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct xs_handle *h;

	if (!path)
		path = xsc_socket_path();
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->events_tail = &h->events;
	h->epoll_fd = h->event_fd = -1;
	pthread_mutex_init(&h->lock, NULL);
	h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || connect(h->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void xsc_close(struct xs_handle *h)
{
	if (!h)
		return;
	while (h->events) {
		struct xs_event *e = h->events;

		h->events = e->next;
		free(e->path);
		free(e);
	}
	if (h->epoll_fd >= 0)
		close(h->epoll_fd);
	if (h->event_fd >= 0)
		close(h->event_fd);
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int xsc_fileno(struct xs_handle *h)
{
	return h->fd;
}

int xsc_socket_fd(struct xs_handle *h)
{
	return h->fd;
}

static int read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= n;
	}
	return 0;
}

/* One message; *data is malloc'd with a NUL after len bytes. */
static int read_msg(struct xs_handle *h, struct xs_msg_hdr *hdr, char **data)
{
	int rc = read_exact(h->fd, hdr, sizeof(*hdr));

	if (rc)
		return rc;
	if (hdr->len > XS_PAYLOAD_MAX)
		return -EPROTO;
	*data = malloc(hdr->len + 1);
	if (!*data)
		return -ENOMEM;
	rc = read_exact(h->fd, *data, hdr->len);
	if (rc) {
		free(*data);
		return rc;
	}
	(*data)[hdr->len] = 0;
	return 0;
}

/* Keep event_fd readable exactly while events are queued. */
static void events_signal(struct xs_handle *h)
{
	uint64_t v = 1;

	if (h->event_fd < 0 || h->raised == !!h->events)
		return;
	if (h->events)
		h->raised = write(h->event_fd, &v, sizeof(v)) == sizeof(v);
	else
		h->raised = read(h->event_fd, &v, sizeof(v)) != sizeof(v);
}

static int queue_event(struct xs_handle *h, char *data, uint32_t len)
{
	struct xs_event *e;
	size_t pl = strnlen(data, len);

	if (pl + 1 >= len) { /* no token: drop it */
		free(data);
		return 0;
	}
	e = malloc(sizeof(*e));
	if (!e) {
		free(data);
		return -ENOMEM;
	}
	e->path = data;
	e->token = data + pl + 1;
	e->next = NULL;
	*h->events_tail = e;
	h->events_tail = &e->next;
	events_signal(h);
	return 0;
}

static int write_all(int fd, struct iovec *iov, int n)
{
	while (n) {
		ssize_t w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		iov_advance(&iov, &n, (size_t)w);
	}
	return 0;
}

/* Send one request made of parts; wait for its reply (queueing watch events). */
static int talk_locked(struct xs_handle *h, uint32_t type, uint32_t tx, struct iovec *parts, int nparts,
		       char **reply, uint32_t *rlen)
{
	struct xs_msg_hdr hdr = {type, ++h->req_id, tx, 0};
	struct iovec iov[8];
	int rc;

	if (nparts > 7)
		return -EINVAL;
	for (int i = 0; i < nparts; i++) {
		hdr.len += parts[i].iov_len;
		iov[i + 1] = parts[i];
	}
	if (hdr.len > XS_PAYLOAD_MAX)
		return -E2BIG;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	rc = write_all(h->fd, iov, nparts + 1);
	if (rc)
		return rc;
	for (;;) {
		struct xs_msg_hdr r;
		char *data;

		rc = read_msg(h, &r, &data);
		if (rc)
			return rc;
		if (r.type == XS_WATCH_EVENT) {
			rc = queue_event(h, data, r.len);
			if (rc)
				return rc;
			continue;
		}
		if (r.req_id != hdr.req_id) { /* a stale reply: skip */
			free(data);
			continue;
		}
		if (r.type == XS_ERROR) {
			rc = -xs_errno_from_name(data);
			free(data);
			return rc;
		}
		if (reply) {
			*reply = data;
			if (rlen)
				*rlen = r.len;
		} else {
			free(data);
		}
		return 0;
	}
}

/* The replies to the n requests from id first on (watch events queued, stale replies skipped). */
static int batch_replies(struct xs_handle *h, uint32_t first, unsigned n, const struct xsc_op *ops)
{
	unsigned left = n;
	int rc = 0;

	while (left) {
		struct xs_msg_hdr r;
		char *data;
		int err = read_msg(h, &r, &data);
		uint32_t i;

		if (err)
			return err; /* the connection is not usable any more */
		i = r.req_id - first;
		if (r.type == XS_WATCH_EVENT) {
			err = queue_event(h, data, r.len);
			if (err)
				return err;
			continue;
		}
		if (i < n) {
			err = r.type == XS_ERROR ? -xs_errno_from_name(data) : 0;
			if (!rc && err && !(err == -ENOENT && ops[i].enoent_ok))
				rc = err;
			if (!err && ops[i].reply) {
				*ops[i].reply = data;
				data = NULL;
				if (ops[i].reply_len)
					*ops[i].reply_len = r.len;
			}
			left--;
		}
		free(data);
	}
	return rc;
}

int xsc_batch(struct xs_handle *h, uint32_t tx, const struct xsc_op *ops, unsigned n)
{
	struct xs_msg_hdr *hdrs;
	struct iovec *iov;
	size_t total = 0;
	uint32_t first;
	int rc;

	for (unsigned i = 0; i < n; i++)
		if (ops[i].reply)
			*ops[i].reply = NULL; /* even if refused below */
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(ops[i].path) + 1 + ops[i].len;

		if (len > XS_PAYLOAD_MAX)
			return -E2BIG;
		total += sizeof(struct xs_msg_hdr) + len;
	}
	if (total > XSC_BATCH_BYTES)
		return -E2BIG;
	if (!n)
		return 0;
	hdrs = calloc(n, sizeof(*hdrs));
	iov = calloc(3 * (size_t)n, sizeof(*iov));
	if (!hdrs || !iov) {
		free(hdrs);
		free(iov);
		return -ENOMEM;
	}
	pthread_mutex_lock(&h->lock);
	first = h->req_id + 1;
	for (unsigned i = 0; i < n; i++) {
		struct iovec *v = &iov[3 * i];

		v[0] = (struct iovec){&hdrs[i], sizeof(hdrs[i])};
		v[1] = (struct iovec){(void *)ops[i].path, strlen(ops[i].path) + 1};
		v[2] = (struct iovec){(void *)ops[i].data, ops[i].len};
		hdrs[i] = (struct xs_msg_hdr){ops[i].type, ++h->req_id, tx, (uint32_t)(v[1].iov_len + v[2].iov_len)};
	}
	/* All in one write: one wake-up of xenstored, not one per request. A
	 * failed write leaves the replies of what went unread: later calls skip
	 * them as stale. */
	rc = write_all(h->fd, iov, 3 * (int)n);
	if (!rc)
		rc = batch_replies(h, first, n, ops);
	pthread_mutex_unlock(&h->lock);
	free(hdrs);
	free(iov);
	return rc;
}

static int talk(struct xs_handle *h, uint32_t type, uint32_t tx, struct iovec *parts, int nparts,
		char **reply, uint32_t *rlen)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = talk_locked(h, type, tx, parts, nparts, reply, rlen);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

#define STR(s)                                                                                               \
	{                                                                                                    \
		(void *)(s), strlen(s) + 1                                                                   \
	}

static int talk_path(struct xs_handle *h, uint32_t type, uint32_t tx, const char *path, char **reply,
		     uint32_t *rlen)
{
	struct iovec p[] = {STR(path)};

	return talk(h, type, tx, p, 1, reply, rlen);
}

int xsc_read(struct xs_handle *h, uint32_t tx, const char *path, char **value, size_t *len)
{
	uint32_t l;
	char *v;
	int rc = talk_path(h, XS_READ, tx, path, &v, &l);

	if (rc)
		return rc;
	if (len)
		*len = l;
	if (value)
		*value = v;
	else
		free(v);
	return 0;
}

int xsc_write(struct xs_handle *h, uint32_t tx, const char *path, const void *value, size_t len)
{
	struct iovec p[] = {STR(path), {(void *)value, len}};

	return talk(h, XS_WRITE, tx, p, 2, NULL, NULL);
}

int xsc_write_str(struct xs_handle *h, uint32_t tx, const char *path, const char *value)
{
	return xsc_write(h, tx, path, value, strlen(value));
}

int xsc_mkdir(struct xs_handle *h, uint32_t tx, const char *path)
{
	return talk_path(h, XS_MKDIR, tx, path, NULL, NULL);
}

int xsc_rm(struct xs_handle *h, uint32_t tx, const char *path)
{
	return talk_path(h, XS_RM, tx, path, NULL, NULL);
}

/* Split len bytes of NUL-terminated strings into one malloc'd block of pointers + strings. */
static int split_strings(const char *data, size_t len, char ***out, unsigned *count)
{
	unsigned n = 0;
	char **v, *s;

	for (size_t i = 0; i < len; i++)
		n += !data[i];
	v = malloc((n + 1) * sizeof(char *) + len + 1);
	if (!v)
		return -ENOMEM;
	s = (char *)(v + n + 1);
	memcpy(s, data, len);
	s[len] = 0;
	for (unsigned i = 0; i < n; i++) {
		v[i] = s;
		s += strlen(s) + 1;
	}
	v[n] = NULL;
	*out = v;
	*count = n;
	return 0;
}

/* DIRECTORY_PART loop for directories whose list exceeds one payload. */
static int directory_part(struct xs_handle *h, uint32_t tx, const char *path, char **all, size_t *alen)
{
	char *buf = NULL, *gen0 = NULL;
	size_t len = 0;
	int rc;

	for (;;) {
		char off[24], *r;
		uint32_t rl;

		snprintf(off, sizeof(off), "%zu", len);
		struct iovec p[] = {STR(path), STR(off)};
		rc = talk(h, XS_DIRECTORY_PART, tx, p, 2, &r, &rl);
		if (rc)
			break;
		size_t gl = strnlen(r, rl) + 1;
		if (gl > rl || (gen0 && strcmp(gen0, r))) { /* changed meanwhile: start over */
			free(r);
			len = 0;
			free(gen0);
			gen0 = NULL;
			continue;
		}
		if (!gen0)
			gen0 = strdup(r);
		bool done = rl >= gl + 1 && r[rl - 1] == 0 && (rl == gl + 1 || r[rl - 2] == 0);
		size_t chunk = rl - gl - (done ? 1 : 0);
		char *nb = realloc(buf, len + chunk + 1);
		if (!nb) {
			free(r);
			rc = -ENOMEM;
			break;
		}
		buf = nb;
		memcpy(buf + len, r + gl, chunk);
		len += chunk;
		free(r);
		if (done) {
			*all = buf;
			*alen = len;
			free(gen0);
			return 0;
		}
	}
	free(buf);
	free(gen0);
	return rc;
}

int xsc_directory(struct xs_handle *h, uint32_t tx, const char *path, char ***names, unsigned *count)
{
	uint32_t l;
	size_t len;
	char *r;
	int rc = talk_path(h, XS_DIRECTORY, tx, path, &r, &l);

	len = l;
	if (rc == -E2BIG)
		rc = directory_part(h, tx, path, &r, &len);
	if (rc)
		return rc;
	rc = split_strings(r, len, names, count);
	free(r);
	return rc;
}

int xsc_get_perms(struct xs_handle *h, uint32_t tx, const char *path, char ***perms, unsigned *count)
{
	uint32_t l;
	char *r;
	int rc = talk_path(h, XS_GET_PERMS, tx, path, &r, &l);

	if (rc)
		return rc;
	rc = split_strings(r, l, perms, count);
	free(r);
	return rc;
}

/* strs[0..n) one after another, each with its NUL, into buf (a payload's size). */
static int join_strings(const char *const *strs, unsigned n, char *buf, size_t *len)
{
	*len = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(strs[i]) + 1;

		if (*len + l > XS_PAYLOAD_MAX)
			return -E2BIG;
		memcpy(buf + *len, strs[i], l);
		*len += l;
	}
	return 0;
}

int xsc_set_perms(struct xs_handle *h, uint32_t tx, const char *path, const char *const *perms, unsigned count)
{
	char buf[XS_PAYLOAD_MAX];
	size_t len;

	if (join_strings(perms, count, buf, &len))
		return -E2BIG;
	struct iovec p[] = {STR(path), {buf, len}};
	return talk(h, XS_SET_PERMS, tx, p, 2, NULL, NULL);
}

int xsc_transaction_start(struct xs_handle *h, uint32_t *tx)
{
	struct iovec p[] = {{"", 1}};
	unsigned long v;
	char *r, *end;
	int rc = talk(h, XS_TRANSACTION_START, 0, p, 1, &r, NULL);

	if (rc)
		return rc;
	v = strtoul(r, &end, 10);
	rc = *end || !v || v > UINT32_MAX ? -EPROTO : 0;
	free(r);
	if (!rc)
		*tx = v;
	return rc;
}

int xsc_transaction_end(struct xs_handle *h, uint32_t tx, bool abort)
{
	struct iovec p[] = {{abort ? "F" : "T", 2}};

	return talk(h, XS_TRANSACTION_END, tx, p, 1, NULL, NULL);
}

int xsc_watch(struct xs_handle *h, const char *path, const char *token)
{
	struct iovec p[] = {STR(path), STR(token)};

	return talk(h, XS_WATCH, 0, p, 2, NULL, NULL);
}

int xsc_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	struct iovec p[] = {STR(path), STR(token)};

	return talk(h, XS_UNWATCH, 0, p, 2, NULL, NULL);
}

static int pop_event(struct xs_handle *h, char **path, char **token)
{
	struct xs_event *e = h->events;
	size_t pl = strlen(e->path) + 1, tl = strlen(e->token) + 1;

	*path = malloc(pl);
	*token = malloc(tl);
	if (!*path || !*token) {
		free(*path);
		free(*token);
		return -ENOMEM;
	}
	memcpy(*path, e->path, pl);
	memcpy(*token, e->token, tl);
	h->events = e->next;
	if (!h->events)
		h->events_tail = &h->events;
	free(e->path);
	free(e);
	events_signal(h);
	return 0;
}

/* With the lock held: queue what the socket has now, without waiting.
 * 1 if a message was read, 0 if none was waiting. */
static int read_pending(struct xs_handle *h)
{
	struct pollfd pfd = {.fd = h->fd, .events = POLLIN};
	struct xs_msg_hdr r;
	char *data;
	int rc = poll(&pfd, 1, 0);

	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return 0;
	rc = read_msg(h, &r, &data);
	if (rc)
		return rc;
	if (r.type == XS_WATCH_EVENT)
		return queue_event(h, data, r.len) ?: 1;
	free(data); /* a stale reply */
	return 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Without the lock: wait until the socket has data or another thread
 * queued an event (the watch fd covers both), for at most timeout_ms. */
static int wait_readable(struct xs_handle *h, int timeout_ms)
{
	struct pollfd pfd = {.fd = h->epoll_fd >= 0 ? h->epoll_fd : h->fd, .events = POLLIN};
	int rc = poll(&pfd, 1, timeout_ms);

	return rc < 0 && errno != EINTR ? -errno : 0;
}

static int make_watch_fd(struct xs_handle *h);

int xsc_read_watch(struct xs_handle *h, int timeout_ms, char **path, char **token)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	int rc = 0;

	pthread_mutex_lock(&h->lock);
	if (h->epoll_fd < 0)
		make_watch_fd(h); /* best effort: without it, only the socket wakes us */
	while (!h->events) {
		int left = timeout_ms;

		rc = read_pending(h);
		if (rc < 0)
			break;
		if (rc > 0 || h->events)
			continue;
		if (timeout_ms > 0 && (left = (int)(deadline - now_ms())) <= 0)
			left = 0;
		if (timeout_ms >= 0 && left == 0) {
			rc = -ETIMEDOUT;
			break;
		}
		pthread_mutex_unlock(&h->lock);
		rc = wait_readable(h, left);
		pthread_mutex_lock(&h->lock);
		if (rc < 0)
			break;
	}
	if (h->events)
		rc = pop_event(h, path, token);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static int talk_domid(struct xs_handle *h, uint32_t type, uint32_t domid, char **reply)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", domid);
	return talk_path(h, type, 0, id, reply, NULL);
}

int xsc_introduce_domain(struct xs_handle *h, uint32_t domid)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", domid);
	/* Xen's form: domid, mfn, event channel; a socket-carried domain has neither. */
	struct iovec p[] = {STR(id), {"0", 2}, {"0", 2}};
	return talk(h, XS_INTRODUCE, 0, p, 3, NULL, NULL);
}

int xsc_release_domain(struct xs_handle *h, uint32_t domid)
{
	return talk_domid(h, XS_RELEASE, domid, NULL);
}

int xsc_get_domain_path(struct xs_handle *h, uint32_t domid, char **path)
{
	return talk_domid(h, XS_GET_DOMAIN_PATH, domid, path);
}

int xsc_control(struct xs_handle *h, const char *const *argv, unsigned argc, char **reply)
{
	char buf[XS_PAYLOAD_MAX];
	size_t len;

	if (join_strings(argv, argc, buf, &len))
		return -E2BIG;
	struct iovec p[] = {{buf, len}};
	return talk(h, XS_CONTROL, 0, p, 1, reply, NULL);
}

int xsc_become_domain(struct xs_handle *h, uint32_t domid)
{
	char id[16];
	const char *argv[] = {"become", id};

	snprintf(id, sizeof(id), "%u", domid);
	return xsc_control(h, argv, 2, NULL);
}

int xsc_request(struct xs_handle *h, uint32_t type, uint32_t tx, const void *payload, size_t len, char **reply,
		size_t *rlen)
{
	struct iovec p[] = {{(void *)payload, len}};
	uint32_t l = 0;
	int rc = talk(h, type, tx, p, 1, reply, &l);

	if (!rc && rlen)
		*rlen = l;
	return rc;
}

static int make_watch_fd(struct xs_handle *h)
{
	struct epoll_event ev = {.events = EPOLLIN};

	if (h->epoll_fd >= 0)
		return h->epoll_fd;
	h->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (h->event_fd < 0 || h->epoll_fd < 0 || epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->fd, &ev) ||
	    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->event_fd, &ev)) {
		int rc = -errno;

		if (h->event_fd >= 0)
			close(h->event_fd);
		if (h->epoll_fd >= 0)
			close(h->epoll_fd);
		h->event_fd = h->epoll_fd = -1;
		return rc;
	}
	h->raised = false;
	events_signal(h);
	return h->epoll_fd;
}

int xsc_watch_fd(struct xs_handle *h)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = make_watch_fd(h);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void xsc_drop_events(struct xs_handle *h, const char *path, const char *token)
{
	struct xs_event **pp;

	pthread_mutex_lock(&h->lock);
	pp = &h->events;

	while (*pp) {
		struct xs_event *e = *pp;

		size_t pl = strlen(path);
		bool under = !strncmp(e->path, path, pl) && (!e->path[pl] || e->path[pl] == '/');

		if (!strcmp(e->token, token) && under) {
			*pp = e->next;
			free(e->path);
			free(e);
		} else {
			pp = &e->next;
		}
	}
	h->events_tail = pp;
	events_signal(h);
	pthread_mutex_unlock(&h->lock);
}
