/*
 * Tracking the xenstore channel's messages for save and restore (xs_track.h).
 * Everything here reads guest-written bytes or a stream: every length is
 * checked before use, and a guest that breaks the framing only stops the
 * tracking (the save of its channel is then refused), never the proxy.
 */
#include "hypervisor/xs_track.h"

#include <errno.h>
#include <string.h>

struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};

void xs_track_init(struct xs_track *t)
{
	memset(t, 0, sizeof(*t));
}

static void hdr_of(const uint8_t *p, struct xs_hdr *h)
{
	memcpy(h, p, sizeof(*h));
}

/* path\0token\0 of a whole XS_WATCH/XS_UNWATCH payload; 0 if well-formed. */
static int watch_args(const uint8_t *p, uint32_t len, size_t *plen, size_t *tlen)
{
	const uint8_t *z = memchr(p, 0, len);

	if (!z || (uint32_t)(z - p) + 1 >= len)
		return -EINVAL;
	*plen = z - p;
	z = memchr(p + *plen + 1, 0, len - *plen - 1);
	if (!z)
		return -EINVAL;
	*tlen = z - (p + *plen + 1);
	return 0;
}

/* The offset of the watch (path, token) in the list, or -1. */
static long watch_find(const struct xs_track *t, const char *path, size_t plen, const char *tok, size_t tlen)
{
	for (uint32_t off = 0; off < t->watches_len;) {
		const char *wp = t->watches + off, *wt = wp + strlen(wp) + 1;
		uint32_t next = off + strlen(wp) + 1 + strlen(wt) + 1;

		if (strlen(wp) == plen && !memcmp(wp, path, plen) && strlen(wt) == tlen &&
		    !memcmp(wt, tok, tlen))
			return off;
		off = next;
	}
	return -1;
}

/* A whole request went out: watches come and go with it. */
static void request_done(struct xs_track *t)
{
	struct xs_hdr h;
	const char *p = (const char *)t->req + XS_TRACK_HDR;
	size_t plen, tlen, need;
	long at;

	hdr_of(t->req, &h);
	t->outstanding++;
	if ((h.type != XS_TRACK_WATCH && h.type != XS_TRACK_UNWATCH) ||
	    watch_args(t->req + XS_TRACK_HDR, h.len, &plen, &tlen))
		return;
	at = watch_find(t, p, plen, p + plen + 1, tlen);
	need = plen + tlen + 2;
	if (h.type == XS_TRACK_WATCH && at < 0 && t->nr_watches < XS_TRACK_MAX_WATCHES &&
	    t->watches_len + need <= sizeof(t->watches)) {
		memcpy(t->watches + t->watches_len, p, need);
		t->watches_len += need;
		t->nr_watches++;
	} else if (h.type == XS_TRACK_UNWATCH && at >= 0) {
		memmove(t->watches + at, t->watches + at + need, t->watches_len - at - need);
		t->watches_len -= need;
		t->nr_watches--;
	}
}

void xs_track_req(struct xs_track *t, const uint8_t *p, size_t n)
{
	while (n && !t->bad) {
		struct xs_hdr h;
		uint32_t want = XS_TRACK_HDR, take;

		if (t->req_have >= XS_TRACK_HDR) {
			hdr_of(t->req, &h);
			want = XS_TRACK_HDR + h.len;
		}
		take = want - t->req_have < n ? want - t->req_have : (uint32_t)n;
		memcpy(t->req + t->req_have, p, take);
		t->req_have += take;
		p += take;
		n -= take;
		if (t->req_have == XS_TRACK_HDR) {
			hdr_of(t->req, &h);
			if (h.len > XS_TRACK_PAYLOAD_MAX) {
				t->bad = 1; /* xenstored will drop the connection anyway */
				return;
			}
		}
		if (t->req_have >= XS_TRACK_HDR) {
			hdr_of(t->req, &h);
			if (t->req_have == XS_TRACK_HDR + h.len) {
				request_done(t);
				t->req_have = 0;
			}
		}
	}
}

void xs_track_rsp(struct xs_track *t, const uint8_t *p, size_t n)
{
	while (n) {
		if (t->rsp_have < XS_TRACK_HDR) {
			uint32_t take =
			    XS_TRACK_HDR - t->rsp_have < n ? XS_TRACK_HDR - t->rsp_have : (uint32_t)n;
			struct xs_hdr h;

			memcpy(t->rsp_hdr + t->rsp_have, p, take);
			t->rsp_have += take;
			p += take;
			n -= take;
			if (t->rsp_have < XS_TRACK_HDR)
				return;
			hdr_of(t->rsp_hdr, &h);
			t->rsp_left = h.len;
		} else {
			uint32_t take = t->rsp_left < n ? t->rsp_left : (uint32_t)n;

			t->rsp_left -= take;
			p += take;
			n -= take;
		}
		if (t->rsp_have == XS_TRACK_HDR && !t->rsp_left) {
			struct xs_hdr h;

			hdr_of(t->rsp_hdr, &h);
			if (h.type != XS_TRACK_WATCH_EVENT && t->outstanding)
				t->outstanding--;
			t->rsp_have = 0;
		}
	}
}

int xs_track_idle(const struct xs_track *t)
{
	return !t->outstanding && !t->rsp_have;
}

long xs_track_save(const struct xs_track *t, uint8_t *buf, size_t cap)
{
	uint32_t head[4] = {t->req_have, t->watches_len, t->nr_watches, t->held_len};
	size_t len = sizeof(head) + t->req_have + t->watches_len + t->held_len;

	if (len > cap)
		return -ENOSPC;
	memcpy(buf, head, sizeof(head));
	memcpy(buf + sizeof(head), t->req, t->req_have);
	memcpy(buf + sizeof(head) + t->req_have, t->watches, t->watches_len);
	memcpy(buf + sizeof(head) + t->req_have + t->watches_len, t->held, t->held_len);
	return (long)len;
}

/* A partial request: a header's prefix, or a header whose payload is not all there. */
static int check_req(const uint8_t *p, uint32_t len)
{
	struct xs_hdr h;

	if (len < XS_TRACK_HDR)
		return 0;
	hdr_of(p, &h);
	return h.len <= XS_TRACK_PAYLOAD_MAX && len < XS_TRACK_HDR + h.len ? 0 : -EBADMSG;
}

static int check_watches(const char *p, uint32_t len, uint32_t nr)
{
	uint32_t count = 0;

	if (len && p[len - 1])
		return -EBADMSG;
	for (uint32_t off = 0; off < len; count++) {
		size_t plen = strlen(p + off), tlen;

		if (off + plen + 1 >= len)
			return -EBADMSG; /* a path without its token */
		tlen = strlen(p + off + plen + 1);
		off += plen + tlen + 2;
	}
	return count == nr && nr <= XS_TRACK_MAX_WATCHES ? 0 : -EBADMSG;
}

int xs_track_load(struct xs_track *t, const uint8_t *buf, size_t len)
{
	uint32_t head[4];
	const uint8_t *p = buf + sizeof(head);

	if (len < sizeof(head))
		return -EBADMSG;
	memcpy(head, buf, sizeof(head));
	if (head[0] > sizeof(t->req) || head[1] > sizeof(t->watches) || head[3] > sizeof(t->held) ||
	    len != sizeof(head) + (size_t)head[0] + head[1] + head[3])
		return -EBADMSG;
	/* The held bytes are xenstored's for the guest's ring, as its memory is the stream's: not parsed
	 * here. */
	if (check_req(p, head[0]) || check_watches((const char *)p + head[0], head[1], head[2]))
		return -EBADMSG;
	xs_track_init(t);
	t->req_have = head[0];
	memcpy(t->req, p, head[0]);
	t->watches_len = head[1];
	t->nr_watches = head[2];
	memcpy(t->watches, p + head[0], head[1]);
	t->held_len = head[3];
	memcpy(t->held, p + head[0] + head[1], head[3]);
	return 0;
}

void xs_track_watch(const struct xs_track *t, unsigned i, const char **path, const char **token)
{
	const char *p = t->watches;

	for (unsigned k = 0; k < i; k++) {
		p += strlen(p) + 1;
		p += strlen(p) + 1;
	}
	*path = p;
	*token = p + strlen(p) + 1;
}
