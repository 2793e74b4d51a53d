/* The guest xenstore channel's byte copying (xs_ring.h). */
#include "hypervisor/xs_ring.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define RING XENON_XS_RING_SIZE

static uint32_t load_acquire(volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* The contiguous bytes from index pos (free-running) with n to go. */
static uint32_t contiguous(uint32_t pos, uint32_t n)
{
	uint32_t idx = pos % RING;

	return n < RING - idx ? n : RING - idx;
}

/*
 * The guest may rewrite its ring at any time (from another vCPU): bytes are
 * copied out of it (or read for it) once, into buf, and what goes to
 * xenstored (or into the ring) and what the tracker sees are that one copy.
 * Else xenstored could get one request and the tracker record another (a
 * watch the guest never asked xenstored for, carried to a save).
 */
int xs_ring_pump_requests(struct xenon_xs_ring *r, int fd, struct xs_track *t, const char **why)
{
	uint32_t start, cons = r->req_cons, prod = load_acquire(&r->req_prod);
	char buf[RING];
	int moved = 0;

	if (*why)
		return 0;
	if (prod - cons > RING) {
		*why = "the guest's request indexes are inconsistent";
		return 0;
	}
	start = cons;
	while (cons != prod) {
		uint32_t len = contiguous(cons, prod - cons);
		ssize_t n;

		memcpy(buf, (const char *)r->req + cons % RING, len);
		n = write(fd, buf, len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			/* xenstored drops a connection that breaks the protocol */
			*why = n < 0 && (errno == EPIPE || errno == ECONNRESET)
				   ? "xenstored closed the connection"
				   : "writing to xenstored failed";
			break;
		}
		xs_track_req(t, (const uint8_t *)buf, n);
		cons += n;
		moved = 1;
	}
	store_release(&r->req_cons, cons);
	if (!moved)
		return 0;
	/* Was it full (the guest waits for room)? Read its index again after
	 * ours is out: a guest that filled it meanwhile then either sees our
	 * index or is seen here (Xen's rule for a ring's consumer). This
	 * second read only decides an interrupt: whatever the guest wrote
	 * there, nothing is copied by it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return r->req_prod - start >= RING ? XS_RING_ROOM_MADE | 1 : 1;
}

/* Bytes held over from a save (or read while saving) go to the guest before newer ones. */
static int deliver_held(struct xenon_xs_ring *r, struct xs_track *t)
{
	uint32_t prod = r->rsp_prod, cons = load_acquire(&r->rsp_cons), done = 0;

	while (done < t->held_len && prod - cons < RING) {
		uint32_t chunk = contiguous(prod, RING - (prod - cons));

		if (chunk > t->held_len - done)
			chunk = t->held_len - done;
		memcpy((char *)r->rsp + prod % RING, t->held + done, chunk);
		prod += chunk;
		done += chunk;
	}
	if (!done)
		return 0;
	store_release(&r->rsp_prod, prod);
	memmove(t->held, t->held + done, t->held_len - done);
	t->held_len -= done;
	return 1;
}

int xs_ring_pump_replies(struct xenon_xs_ring *r, int fd, struct xs_track *t, const char **why)
{
	int moved = deliver_held(r, t);
	uint32_t prod = r->rsp_prod, cons = load_acquire(&r->rsp_cons);

	if (t->held_len)
		return moved; /* the ring is full: newer bytes wait in the socket */

	while (!*why && prod - cons < RING) {
		char buf[RING];
		ssize_t n = read(fd, buf, contiguous(prod, RING - (prod - cons)));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			/* with bytes of ours unread (a request it refused), its close is a reset */
			*why = n == 0 || errno == ECONNRESET ? "xenstored closed the connection"
							     : "reading from xenstored failed";
			break;
		}
		xs_track_rsp(t, (const uint8_t *)buf, n);
		memcpy((char *)r->rsp + prod % RING, buf, n);
		prod += n;
		store_release(&r->rsp_prod, prod);
		moved = 1;
	}
	return moved;
}

int xs_ring_rsp_room(struct xenon_xs_ring *r)
{
	return r->rsp_prod - load_acquire(&r->rsp_cons) < RING;
}

int xs_ring_req_pending(struct xenon_xs_ring *r)
{
	return load_acquire(&r->req_prod) != r->req_cons;
}
