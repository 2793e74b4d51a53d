/*
 * The xenstore channel's tracking for save and restore (hypervisor/xs_track.c):
 * requests split anywhere, replies counted, watches kept and dropped, the
 * saved state round-trips and a malformed one is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/xs_track.h"
#include "unit.h"

/* One message: header then payload (len bytes) into buf; its length. */
static size_t msg(uint8_t *buf, uint32_t type, uint32_t req_id, const void *payload, uint32_t len)
{
	uint32_t h[4] = {type, req_id, 0, len};

	memcpy(buf, h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

static struct xs_track t, u;

static void test_requests_split_anywhere(void)
{
	uint8_t b[256];
	size_t n = msg(b, 2 /* XS_READ */, 7, "domid", 6);

	xs_track_init(&t);
	/* byte by byte: the header completes, then the payload */
	for (size_t i = 0; i < n - 1; i++)
		xs_track_req(&t, b + i, 1);
	CHECK_INT(t.req_have, n - 1);
	CHECK_INT(t.outstanding, 0);
	xs_track_req(&t, b + n - 1, 1);
	CHECK_INT(t.req_have, 0);
	CHECK_INT(t.outstanding, 1);
	CHECK(!xs_track_idle(&t));
	/* the reply in two pieces, a watch event before it */
	n = msg(b, 15 /* XS_WATCH_EVENT */, 0, "a\0tok", 6);
	n += msg(b + n, 2, 7, "3", 1);
	xs_track_rsp(&t, b, 10);
	xs_track_rsp(&t, b + 10, n - 10 - 3);
	CHECK_INT(t.outstanding, 1);
	CHECK(!xs_track_idle(&t));
	xs_track_rsp(&t, b + n - 3, 3);
	CHECK_INT(t.outstanding, 0);
	CHECK(xs_track_idle(&t));
}

static void test_watches_kept_and_dropped(void)
{
	uint8_t b[512];
	size_t n;
	const char *p, *k;

	xs_track_init(&t);
	n = msg(b, XS_TRACK_WATCH, 1, "device\0dev-watch", 17);
	n += msg(b + n, XS_TRACK_WATCH, 2, "control/shutdown\0xenon-shutdown", 32);
	n += msg(b + n, XS_TRACK_WATCH, 3, "device\0dev-watch", 17); /* twice: kept once */
	n += msg(b + n, XS_TRACK_UNWATCH, 4, "device\0dev-watch", 17);
	n += msg(b + n, XS_TRACK_WATCH, 5, "no-token", 8); /* malformed: ignored */
	xs_track_req(&t, b, n);
	CHECK_INT(t.outstanding, 5);
	CHECK_INT(t.nr_watches, 1);
	xs_track_watch(&t, 0, &p, &k);
	CHECK_STR(p, "control/shutdown");
	CHECK_STR(k, "xenon-shutdown");
}

static void test_save_load_round_trip(void)
{
	static uint8_t buf[65536];
	uint8_t b[128];
	size_t n = msg(b, XS_TRACK_WATCH, 1, "a\0b", 4);
	long len;
	const char *p, *k;

	xs_track_init(&t);
	xs_track_req(&t, b, n);
	n = msg(b, 11 /* XS_WRITE */, 2, "data\0hello", 10);
	xs_track_req(&t, b, 20); /* the header and 4 bytes sent */
	memcpy(t.held, "held", 4);
	t.held_len = 4;
	len = xs_track_save(&t, buf, sizeof(buf));
	CHECK_INT(len, 16 + 20 + 4 + 4);
	CHECK_INT(xs_track_save(&t, buf, 20), -ENOSPC);
	CHECK_INT(xs_track_load(&u, buf, len), 0);
	CHECK_INT(u.req_have, 20);
	CHECK(!memcmp(u.req, b, 20));
	CHECK_INT(u.nr_watches, 1);
	xs_track_watch(&u, 0, &p, &k);
	CHECK_STR(p, "a");
	CHECK_STR(k, "b");
	CHECK_INT(u.held_len, 4);
	/* the rest of the request completes it on the target */
	xs_track_req(&u, b + 20, n - 20);
	CHECK_INT(u.req_have, 0);
}

/* Each malformed state is refused whole. */
static void test_load_refuses(void)
{
	static uint8_t buf[65536];
	uint32_t *head = (uint32_t *)buf;
	uint8_t b[64];
	long len;

	xs_track_init(&t);
	xs_track_req(&t, b, msg(b, XS_TRACK_WATCH, 1, "a\0b", 4));
	len = xs_track_save(&t, buf, sizeof(buf));
	CHECK_INT(xs_track_load(&u, buf, len - 1), -EBADMSG); /* lengths do not add up */
	CHECK_INT(xs_track_load(&u, buf, 3), -EBADMSG);
	head[2] = 2; /* two watches announced, one there */
	CHECK_INT(xs_track_load(&u, buf, len), -EBADMSG);
	head[2] = 1;
	buf[16 + 3] = 'x'; /* the token's NUL gone */
	CHECK_INT(xs_track_load(&u, buf, len), -EBADMSG);
	buf[16 + 3] = 0;
	CHECK_INT(xs_track_load(&u, buf, len), 0);
	/* a "partial" request that is whole, or too long */
	head[0] = 20;
	head[1] = 0;
	head[2] = 0;
	head[3] = 0;
	msg(buf + 16, 2, 1, "abcd", 4);
	CHECK_INT(xs_track_load(&u, buf, 36), -EBADMSG);
	((uint32_t *)(buf + 16))[3] = 5000;
	CHECK_INT(xs_track_load(&u, buf, 36), -EBADMSG);
	((uint32_t *)(buf + 16))[3] = 10;
	CHECK_INT(xs_track_load(&u, buf, 36), 0);
	head[0] = sizeof(u.req) + 1;
	CHECK_INT(xs_track_load(&u, buf, 16 + sizeof(u.req) + 1), -EBADMSG);
}

/* A guest that announces an oversized payload stops the tracking (its save is refused). */
static void test_bad_framing(void)
{
	uint8_t b[16];
	uint32_t h[4] = {2, 1, 0, 100000};

	xs_track_init(&t);
	memcpy(b, h, sizeof(h));
	xs_track_req(&t, b, sizeof(b));
	CHECK(t.bad);
}

int main(void)
{
	RUN(test_requests_split_anywhere);
	RUN(test_watches_kept_and_dropped);
	RUN(test_save_load_round_trip);
	RUN(test_load_refuses);
	RUN(test_bad_framing);
	return unit_done();
}
