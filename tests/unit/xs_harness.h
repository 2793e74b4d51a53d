/*
 * The in-process daemon harness for the xs_*-test files: requests go through
 * conn_feed/handle_message on in-memory connections and replies are read
 * back from the connections' output queues (no sockets, no journal).
 * Included by one test file per program (static inline: each uses a part).
 */
#ifndef XENON_XS_HARNESS_H
#define XENON_XS_HARNESS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xenstored/domain.h"
#include "xenstored/quota.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"
#include "xenstored/xenstored.h"

static uint32_t req_id;
static char last[XS_PAYLOAD_MAX + 1];
static uint32_t last_len, last_type;

static inline struct conn *mkconn(void)
{
	struct conn *c = calloc(1, sizeof(*c));

	c->fd = -1;
	c->who.priv = true;
	c->who.target = -1;
	return c;
}

static inline void freeconn(struct conn *c)
{
	watch_remove_all(c);
	tx_end_all(c);
	free(c->out);
	free(c->stash);
	free(c);
}

static inline void send_raw(struct conn *c, uint32_t type, uint32_t tx, const void *p, size_t len)
{
	char buf[XS_HDR_SIZE + XS_PAYLOAD_MAX];
	struct xs_msg_hdr h = {type, ++req_id, tx, (uint32_t)len};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	conn_feed(c, buf, sizeof(h) + len);
}

/* Pop the next queued message; 0 when there is none. */
static inline int pop(struct conn *c, struct xs_msg_hdr *h)
{
	if (c->out_len - c->out_off < XS_HDR_SIZE)
		return 0;
	memcpy(h, c->out + c->out_off, sizeof(*h));
	memcpy(last, c->out + c->out_off + XS_HDR_SIZE, h->len);
	last[h->len] = 0;
	last_len = h->len;
	last_type = h->type;
	c->out_off += XS_HDR_SIZE + h->len;
	return 1;
}

/* Send a request and return its reply payload (an error's name for errors);
 * watch events queued before it are skipped. */
static inline const char *rq(struct conn *c, uint32_t type, uint32_t tx, const void *p, size_t len)
{
	struct xs_msg_hdr h;

	send_raw(c, type, tx, p, len);
	while (pop(c, &h))
		if (h.type != XS_WATCH_EVENT && h.req_id == req_id)
			return last;
	return "(no reply)";
}

#define RQ(c, type, tx, lit)	rq(c, type, tx, lit, sizeof(lit))
#define WRITE(c, tx, path, val) rq(c, XS_WRITE, tx, path "\0" val, sizeof(path) + sizeof(val) - 1)

/* Count queued watch events for path/token, consuming everything queued. */
static inline int events(struct conn *c, const char *path, const char *token)
{
	struct xs_msg_hdr h;
	int n = 0;

	while (pop(c, &h))
		if (h.type == XS_WATCH_EVENT && !strcmp(last, path) &&
		    !strcmp(last + strlen(last) + 1, token))
			n++;
	return n;
}

static inline struct conn *become(uint32_t domid)
{
	struct conn *c = mkconn();
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "become%c%u", 0, domid) + 1;

	CHECK_STR(rq(c, XS_CONTROL, 0, buf, n), "OK");
	CHECK(!c->who.priv && c->who.domid == domid);
	return c;
}

/* "<prefix>c/c/.../c", levels deep, in p (room for it); its length with the NUL. */
static inline size_t deep_path(char *p, const char *prefix, size_t levels, char c)
{
	size_t n = strlen(prefix);

	memcpy(p, prefix, n);
	for (size_t i = 0; i < levels; i++) {
		p[n++] = c;
		p[n++] = '/';
	}
	p[n - 1] = 0;
	return n;
}

#endif
