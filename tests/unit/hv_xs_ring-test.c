/*
 * The guest xenstore channel's pumps (hypervisor/xs_ring.c), with a
 * socketpair as xenstored: what each says the guest is to be told. A
 * consumed request is no news to a guest that waits for its reply; room
 * made in a ring the guest had filled is (it waits for it); a reply is.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hypervisor/xs_ring.h"
#include "unit.h"

#define RING XENON_XS_RING_SIZE

static struct xenon_xs_ring r;
static struct xs_track t;
static int hv, xsd; /* xenon-hv's end, xenstored's end */

static void setup(void)
{
	int sv[2];

	memset(&r, 0, sizeof(r));
	xs_track_init(&t);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	hv = sv[0], xsd = sv[1];
}

static void teardown(void)
{
	close(hv);
	close(xsd);
}

/* The guest's side: n bytes of requests at req_prod. */
static void guest_produce(uint32_t n, char c)
{
	for (uint32_t i = 0; i < n; i++)
		r.req[r.req_prod++ % RING] = c;
}

static void test_request_no_interrupt(void)
{
	const char *why = NULL;
	char buf[64];

	setup();
	guest_produce(30, 'a');
	CHECK_INT(xs_ring_pump_requests(&r, hv, &t, &why), 1);
	CHECK_INT(r.req_cons, 30);
	CHECK_INT(read(xsd, buf, sizeof(buf)), 30);
	CHECK_INT(xs_ring_pump_requests(&r, hv, &t, &why), 0); /* nothing new */
	CHECK(why == NULL);
	teardown();
}

static void test_full_ring_room_made(void)
{
	const char *why = NULL;
	char buf[RING];

	setup();
	r.req_cons = r.req_prod = 0xfffffff0u; /* the indexes wrap meanwhile */
	guest_produce(RING, 'b');
	CHECK_INT(xs_ring_pump_requests(&r, hv, &t, &why), 1 | XS_RING_ROOM_MADE);
	CHECK_INT(r.req_cons, r.req_prod);
	CHECK_INT(read(xsd, buf, sizeof(buf)), RING);
	CHECK(why == NULL);
	teardown();
}

static void test_reply_interrupts(void)
{
	const char *why = NULL;

	setup();
	CHECK_INT(xs_ring_pump_replies(&r, hv, &t, &why), 0);
	CHECK_INT(write(xsd, "reply", 5), 5);
	CHECK_INT(xs_ring_pump_replies(&r, hv, &t, &why), 1);
	CHECK_INT(r.rsp_prod, 5);
	CHECK(!memcmp(r.rsp, "reply", 5));
	teardown();
}

/*
 * xenstored drops a connection that breaks the protocol. What we had sent
 * and it had not read yet makes the close a reset (ECONNRESET on our read,
 * the hostile xs-ring-garbage case); nothing unread makes it an EOF. Both
 * are its close, and say so; a write after it too (EPIPE).
 */
static void test_xenstored_close(void)
{
	const char *why = NULL;
	char buf[64];

	setup();
	close(xsd);
	CHECK_INT(xs_ring_pump_replies(&r, hv, &t, &why), 0);
	CHECK_STR(why, "xenstored closed the connection");
	why = NULL;
	guest_produce(8, 'c');
	CHECK_INT(xs_ring_pump_requests(&r, hv, &t, &why), 0);
	CHECK_STR(why, "xenstored closed the connection");
	close(hv);

	for (int pump = 0; pump < 2; pump++) {
		setup();
		guest_produce(30, 'd');
		why = NULL;
		CHECK_INT(xs_ring_pump_requests(&r, hv, &t, &why), 1);
		close(xsd); /* the 30 bytes unread */
		if (!pump)  /* what the pump meets */
			CHECK_INT(read(hv, buf, sizeof(buf)) < 0 ? errno : 0, ECONNRESET);
		else
			CHECK_INT(xs_ring_pump_replies(&r, hv, &t, &why), 0);
		close(hv);
	}
	CHECK_STR(why, "xenstored closed the connection");
}

/*
 * The guest's other vCPU, as a hostile guest would run it: right after
 * xenon-hv has moved bytes between the ring and xenstored, it rewrites
 * that part of the ring. These write() and read() stand in for libc's in
 * this program (xs_ring.c's calls reach them); they do the real thing,
 * then call `rewrite` once, if set.
 */
static void (*rewrite)(void);

ssize_t write(int fd, const void *p, size_t n)
{
	ssize_t done = syscall(SYS_write, fd, p, n);
	void (*now)(void) = rewrite;

	rewrite = NULL;
	if (now)
		now();
	return done;
}

ssize_t read(int fd, void *p, size_t n)
{
	ssize_t done = syscall(SYS_read, fd, p, n);
	void (*now)(void) = rewrite;

	rewrite = NULL;
	if (now)
		now();
	return done;
}

/* A message: its header (type, req_id, tx_id, the length it claims) and len bytes. */
static void put_msg(char *at, uint32_t type, const char *payload, uint32_t len, uint32_t claims)
{
	uint32_t h[4] = {type, 7, 0, claims};

	memcpy(at, h, sizeof(h));
	memcpy(at + sizeof(h), payload, len);
}

static void request_becomes_a_watch(void)
{
	put_msg(r.req, XS_TRACK_WATCH, "/e\0tok", 7, 7);
}

static void reply_grows(void)
{
	put_msg(r.rsp, 2, "hello", 5, 500); /* a READ reply claiming 500 bytes */
}

/* What xenstored got and what the tracker saw are the same bytes. */
static void test_ring_rewritten_after_the_copy(void)
{
	const char *why = NULL;
	char buf[64], reply[16 + 5];

	setup();
	put_msg(r.req, 2, "/local", 7, 7); /* XS_READ "/local" */
	r.req_prod = 16 + 7;
	rewrite = request_becomes_a_watch;
	CHECK_INT(xs_ring_pump_requests(&r, hv, &t, &why), 1);
	CHECK_INT(read(xsd, buf, sizeof(buf)), 16 + 7);
	CHECK(memcmp(buf + 16, "/local", 7) == 0); /* xenstored got the READ */
	CHECK_INT(t.nr_watches, 0);		   /* and no watch is recorded */
	CHECK_INT(t.outstanding, 1);
	put_msg(reply, 2, "hello", 5, 5);
	CHECK_INT(write(xsd, reply, sizeof(reply)), sizeof(reply));
	rewrite = reply_grows;
	CHECK_INT(xs_ring_pump_replies(&r, hv, &t, &why), 1);
	CHECK(xs_track_idle(&t)); /* the 5-byte reply, whole: nothing due */
	CHECK(memcmp(r.rsp, reply, sizeof(reply)) == 0);
	CHECK(why == NULL);
	teardown();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as in xenon-hv: a write to a closed socket is EPIPE */
	RUN(test_request_no_interrupt);
	RUN(test_full_ring_room_made);
	RUN(test_reply_interrupts);
	RUN(test_xenstored_close);
	RUN(test_ring_rewritten_after_the_copy);
	return unit_done();
}
