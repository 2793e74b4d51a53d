/*
 * libFuzzer target: the guest xenstore channel's byte copying
 * (hypervisor/xs_ring.c) between a ring in guest memory and the xenstored
 * socket (here one end of a socketpair, the test playing xenstored at the
 * other). The input is a program: an honest guest producing requests and
 * consuming replies, a hostile one writing any value to any index, xenstored
 * sending replies, reading requests or going away, bytes held over from a
 * save, and the two pumps. Checked: no access outside the ring (ASan: the
 * ring is allocated to its exact size), xenon-hv never produces more replies
 * than the ring holds nor consumes past the guest's requests, and while the
 * guest is honest every byte arrives once and in order both ways, and a
 * guest that filled its request ring is told when room is made (only then).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypervisor/xs_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING   XENON_XS_RING_SIZE
#define STREAM 65536

/* One run: the ring, the socket's two ends and what each side expects. */
struct run {
	struct xenon_xs_ring *r;
	struct xs_track t;
	int hv, xsd; /* xenon-hv's end, xenstored's end (-1 once closed) */
	const char *why;
	int hostile; /* the guest wrote an index: no more order checks */
	/* requests: what the guest produced, what xenstored received */
	uint8_t req[STREAM], got_req[STREAM];
	size_t req_len, got_req_len;
	/* replies: what xenstored (or a restore) sent, what the guest consumed */
	uint8_t rsp[STREAM];
	size_t rsp_len, rsp_seen;
};

static const uint8_t *in;
static size_t left;

static uint32_t take(unsigned bytes)
{
	uint32_t v = 0;

	while (bytes-- && left) {
		v = v << 8 | *in++;
		left--;
	}
	return v;
}

static void guest_produce(struct run *u, uint32_t n)
{
	struct xenon_xs_ring *r = u->r;

	while (n-- && r->req_prod - r->req_cons < RING && u->req_len < STREAM) {
		uint8_t b = (uint8_t)take(1);

		r->req[r->req_prod % RING] = (char)b;
		u->req[u->req_len++] = b;
		r->req_prod++;
	}
}

static void guest_consume(struct run *u, uint32_t n)
{
	struct xenon_xs_ring *r = u->r;

	while (n-- && r->rsp_cons != r->rsp_prod) {
		uint8_t b = (uint8_t)r->rsp[r->rsp_cons % RING];

		if (!u->hostile && (u->rsp_seen >= u->rsp_len || u->rsp[u->rsp_seen] != b))
			abort(); /* a reply byte out of order, twice, or made up */
		u->rsp_seen++;
		r->rsp_cons++;
	}
}

static void xenstored_send(struct run *u, uint32_t n)
{
	uint8_t buf[512];
	ssize_t done;

	n %= sizeof(buf);
	for (uint32_t i = 0; i < n; i++)
		buf[i] = (uint8_t)take(1);
	if (u->xsd < 0 || u->rsp_len + n > STREAM)
		return;
	done = write(u->xsd, buf, n);
	if (done > 0) {
		memcpy(u->rsp + u->rsp_len, buf, done);
		u->rsp_len += done;
	}
}

static void xenstored_receive(struct run *u)
{
	ssize_t n;

	while (u->xsd >= 0 && u->got_req_len < STREAM &&
	       (n = read(u->xsd, u->got_req + u->got_req_len, STREAM - u->got_req_len)) > 0)
		u->got_req_len += n;
	if (!u->hostile && (u->got_req_len > u->req_len || memcmp(u->got_req, u->req, u->got_req_len)))
		abort(); /* xenstored got bytes the guest did not write, or out of order */
}

/* Bytes read from xenstored while saving, held for the ring: as a save
 * does, only when the socket has none left unread (they come before any
 * sent later). */
static void restore_held(struct run *u, uint32_t n)
{
	int unread = 0;

	n %= 256;
	if (ioctl(u->hv, FIONREAD, &unread) < 0 || unread || u->t.held_len + n > sizeof(u->t.held) ||
	    u->rsp_len + n > STREAM)
		return;
	for (uint32_t i = 0; i < n; i++)
		u->rsp[u->rsp_len++] = u->t.held[u->t.held_len++] = (uint8_t)take(1);
}

static void pump_requests(struct run *u)
{
	struct xenon_xs_ring *r = u->r;
	uint32_t cons = r->req_cons, prod = r->req_prod;
	int rc = xs_ring_pump_requests(r, u->hv, &u->t, &u->why);

	if (prod - cons <= RING && r->req_cons - cons > prod - cons)
		abort(); /* consumed past what the guest produced */
	/* an honest guest that filled the ring waits for an interrupt: it must get one */
	if (!u->hostile && prod - cons == RING && r->req_cons != cons && !(rc & XS_RING_ROOM_MADE))
		abort();
	if (!u->hostile && prod - cons < RING && r->req_prod == prod && (rc & XS_RING_ROOM_MADE))
		abort(); /* an interrupt nobody waits for */
}

static void pump_replies(struct run *u)
{
	struct xenon_xs_ring *r = u->r;
	uint32_t fill = r->rsp_prod - r->rsp_cons;

	xs_ring_pump_replies(r, u->hv, &u->t, &u->why);
	if (fill <= RING && r->rsp_prod - r->rsp_cons > RING)
		abort(); /* filled the guest's ring past its size */
}

/* The program's operations, one input byte picks each (modulo their number). */
static void op_produce(struct run *u)
{
	guest_produce(u, take(1) % 64);
}
static void op_consume(struct run *u)
{
	guest_consume(u, take(1) % 64);
}
static void op_req_prod(struct run *u)
{
	u->r->req_prod = take(4), u->hostile = 1;
}
static void op_req_cons(struct run *u)
{
	u->r->req_cons = take(4), u->hostile = 1;
}
static void op_rsp_cons(struct run *u)
{
	u->r->rsp_cons = take(4), u->hostile = 1;
}
static void op_rsp_prod(struct run *u)
{
	u->r->rsp_prod = take(4), u->hostile = 1;
}
static void op_send(struct run *u)
{
	xenstored_send(u, take(2));
}
static void op_held(struct run *u)
{
	restore_held(u, take(1));
}

static void op_close(struct run *u)
{
	if (u->xsd >= 0 && take(1) == 0x5a) { /* xenstored goes away, now and then */
		close(u->xsd);
		u->xsd = -1;
	}
}

static void (*const ops[])(struct run *) = {
    op_produce, op_consume,	   op_req_prod, op_req_cons,   op_rsp_cons,  op_rsp_prod,
    op_send,	xenstored_receive, op_held,	pump_requests, pump_replies, op_close,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run u;
	int sv[2];

	signal(SIGPIPE, SIG_IGN); /* as xenon-hv's main loop does: xenstored may go away */
	memset(&u, 0, sizeof(u));
	u.r = calloc(1, sizeof(*u.r));
	if (!u.r || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	u.hv = sv[0];
	u.xsd = sv[1];
	xs_track_init(&u.t);
	in = data;
	left = size;
	/* free-running indexes: a long-lived channel's start anywhere, also near a wrap */
	u.r->req_cons = u.r->req_prod = take(4);
	u.r->rsp_cons = u.r->rsp_prod = take(4);
	while (left)
		ops[take(1) % (sizeof(ops) / sizeof(ops[0]))](&u);
	close(u.hv);
	if (u.xsd >= 0)
		close(u.xsd);
	free(u.r);
	return 0;
}
