/*
 * The guest xenstore channel (guest/include/xenon-xs-ring.h): with
 * --xenstore, xenon-hv connects to xenstored through libxs, turns the
 * connection into the domain's own (XS_CONTROL "become"), puts the ring page
 * at XENON_XS_RING_GPA and copies bytes both ways on the main thread:
 * guest requests (req[]) to the socket, replies and watch events from the
 * socket into rsp[]. The guest notifies with outb XENON_PORT_XS_NOTIFY, an
 * ioeventfd (KVM signals our eventfd without an exit; other widths come
 * through the I/O bus to the same eventfd); we raise IOAPIC line
 * XENON_XS_IRQ after moving bytes either way, through an irqfd. A device
 * instance; without --xenstore there is none and the port is empty.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "guest/include/xenon-xs-ring.h"
#include "hypervisor/xs_ring.h"
#include "hypervisor/xs_track.h"
#include "log.h"
#include "xenstored/xs.h"

struct hv_xs {
	struct hv_vm *vm;
	unsigned irq;
	int irq_claimed;
	int irq_fd;    /* irqfd on irq, -1: pulse it with KVM_IRQ_LINE */
	int ioeventfd; /* notify_fd is also the port's ioeventfd */
	struct xs_handle *h;
	int fd;	       /* the xenstored connection, now the domain's */
	int notify_fd; /* eventfd: the guest notified */
	int broken;    /* xenstored went away or the guest broke the ring */
	struct xenon_xs_ring *ring;
	struct xs_track *track; /* for save and restore (xs_track.h) */
};

/* The connection to xenstored, become the domain's. */
static int xs_connect(struct hv_vm *vm, struct hv_xs *x)
{
	const char *path = vm->args.xenstored_socket;
	int rc = xsc_open(path, &x->h);

	if (rc) {
		log_warnx("--xenstore: cannot connect to xenstored at %s: %s (is xenstored running?)",
			  path ? path : xsc_socket_path(), log_strerror(rc));
		return rc;
	}
	rc = xsc_become_domain(x->h, vm->args.domid);
	if (rc) {
		log_warnx("--xenstore: xenstored refused to hand over domain %u's connection: %s",
			  vm->args.domid, log_strerror(rc));
		xsc_close(x->h);
		return rc;
	}
	x->fd = xsc_socket_fd(x->h);
	fcntl(x->fd, F_SETFL, fcntl(x->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

static void xs_broken(struct hv_xs *x, const char *why)
{
	if (!x->broken)
		log_warnx("xenstore channel stopped: %s", why);
	x->broken = 1;
}

int hv_xs_save(struct hv_dev *d, void *buf, size_t *len);
int hv_xs_restore(struct hv_dev *d, const void *buf, size_t len);

/*
 * Move what can be moved both ways (xs_ring.c); 1 when the guest is to be
 * told: it has replies, or room it waits for. Consumed requests alone are
 * no news to a guest that waits for their reply (an interrupt each would
 * wake it for nothing).
 */
static int pump(struct hv_xs *x)
{
	const char *why = NULL;
	int tell = xs_ring_pump_requests(x->ring, x->fd, x->track, &why) & XS_RING_ROOM_MADE;

	tell |= xs_ring_pump_replies(x->ring, x->fd, x->track, &why);
	if (why)
		xs_broken(x, why);
	return tell != 0;
}

static void raise_irq(struct hv_xs *x)
{
	uint64_t one = 1;

	if (x->irq_fd < 0 || write(x->irq_fd, &one, sizeof(one)) < 0)
		hv_kvm_irq_pulse(x->vm, x->irq);
}

/* Main loop: the connection is polled for what the ring can take and give. */
static short sock_want(struct hv_vm *vm, void *opaque, int fd, int *timeout_ms)
{
	struct hv_xs *x = opaque;
	struct xenon_xs_ring *r = x->ring;
	short events = 0;

	(void)vm;
	(void)fd;
	(void)timeout_ms;
	if (x->broken)
		return 0;
	if (xs_ring_rsp_room(r))
		events |= POLLIN;
	if (xs_ring_req_pending(r))
		events |= POLLOUT;
	return events;
}

static short notify_want(struct hv_vm *vm, void *opaque, int fd, int *timeout_ms)
{
	(void)vm;
	(void)fd;
	(void)timeout_ms;
	return ((struct hv_xs *)opaque)->broken ? 0 : POLLIN;
}

/* After poll(): move what can be moved, then interrupt the guest if anything did. */
static void xs_ready(struct hv_vm *vm, void *opaque, int fd, short revents)
{
	struct hv_xs *x = opaque;
	uint64_t count;
	int moved;

	(void)vm;
	(void)fd;
	(void)revents;
	if (x->broken)
		return;
	if (read(x->notify_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("xenstore notification");
	moved = pump(x);
	if (moved)
		raise_irq(x);
}

static int xs_notify_write(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size)
{
	struct hv_xs *x = d->priv;
	uint64_t one = 1;

	(void)region;
	(void)off;
	(void)data;
	(void)size;
	if (write(x->notify_fd, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

static int xs_start(struct hv_dev *d)
{
	struct hv_xs *x = d->priv;
	int rc = hv_loop_add(d->vm, x->notify_fd, POLLIN, HV_LOOP_DEVICE, xs_ready, notify_want, x);

	return rc ? rc : hv_loop_add(d->vm, x->fd, 0, HV_LOOP_DEVICE, xs_ready, sock_want, x);
}

static void xs_stop(struct hv_dev *d)
{
	struct hv_xs *x = d->priv;

	hv_loop_del(d->vm, x->notify_fd);
	hv_loop_del(d->vm, x->fd);
}

static void xs_destroy(struct hv_dev *d)
{
	struct hv_xs *x = d->priv;

	if (x->ioeventfd)
		hv_kvm_ioeventfd(x->vm, x->notify_fd, HV_BUS_PIO, XENON_PORT_XS_NOTIFY, 1, -1, 1);
	if (x->irq_fd >= 0) {
		hv_kvm_irqfd(x->vm, x->irq_fd, x->irq, 1);
		close(x->irq_fd);
	}
	if (x->notify_fd >= 0)
		close(x->notify_fd);
	if (x->h)
		xsc_close(x->h);
	if (x->irq_claimed)
		hv_irq_free(&x->vm->irqs, x->irq);
	free(x->track);
	free(x);
}

static int xs_settle(struct hv_dev *d);

static const struct hv_dev_ops xs_ops = {
    .name = "xenstore",
    .save = hv_xs_save,
    .restore = hv_xs_restore,
    .settle = xs_settle,
    .write = xs_notify_write,
    .start = xs_start,
    .stop = xs_stop,
    .destroy = xs_destroy,
};

/* Doorbell and interrupt inside KVM where it can; the slow paths stay. */
static void xs_kvm_shortcuts(struct hv_xs *x)
{
	int rc = hv_kvm_ioeventfd(x->vm, x->notify_fd, HV_BUS_PIO, XENON_PORT_XS_NOTIFY, 1, -1, 0);

	x->ioeventfd = !rc;
	if (rc)
		log_debug("xenstore: no ioeventfd for the notify port (%s)", log_strerror(rc));
	x->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rc = x->irq_fd < 0 ? -errno : hv_kvm_irqfd(x->vm, x->irq_fd, x->irq, 0);
	if (rc) {
		log_debug("xenstore: no irqfd for IRQ %u (%s)", x->irq, log_strerror(rc));
		if (x->irq_fd >= 0)
			close(x->irq_fd);
		x->irq_fd = -1;
	}
}

static int xs_setup(struct hv_vm *vm, struct hv_xs *x)
{
	int rc = hv_irq_claim(&vm->irqs, x->irq, "xenstore");

	if (rc)
		return rc;
	x->track = malloc(sizeof(*x->track));
	if (!x->track)
		return -ENOMEM;
	xs_track_init(x->track);
	x->irq_claimed = 1;
	x->ring = hv_gpa(vm, XENON_XS_RING_GPA, sizeof(*x->ring));
	rc = xs_connect(vm, x);
	if (rc)
		return rc;
	x->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->notify_fd < 0) {
		rc = -errno;
		log_warn("--xenstore: cannot make the guest's notification eventfd");
		return rc;
	}
	xs_kvm_shortcuts(x);
	return 0;
}

int hv_xs_create(struct hv_vm *vm, struct hv_dev **out)
{
	struct hv_xs *x;
	int rc;

	*out = NULL;
	if (!vm->args.xenstore)
		return 0;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	*x = (struct hv_xs){.vm = vm, .irq = XENON_XS_IRQ, .irq_fd = -1, .fd = -1, .notify_fd = -1};
	rc = xs_setup(vm, x);
	if (!rc)
		rc = hv_dev_add(vm, &xs_ops, x, out);
	if (rc) {
		xs_destroy(&(struct hv_dev){.vm = vm, .priv = x});
		return rc;
	}
	rc = hv_bus_register(&vm->bus[HV_BUS_PIO], *out, 0, XENON_PORT_XS_NOTIFY, 1, 0);
	if (rc) {
		hv_dev_remove(*out);
		return rc;
	}
	vm->boot_info->xenstore_ring_gpa = XENON_XS_RING_GPA;
	vm->boot_info->xenstore_irq = x->irq;
	return 0;
}

/* ---- save and restore (xs_track.h) ---- */

#define XS_IO_WAIT_MS 2000

/* All n bytes to or from xenstored, waiting at most XS_IO_WAIT_MS for each step. */
static int io_all(struct hv_xs *x, void *p, size_t n, int writing)
{
	uint8_t *b = p;

	while (n) {
		struct pollfd pfd = {.fd = x->fd, .events = writing ? POLLOUT : POLLIN};
		ssize_t done;
		int ready = poll(&pfd, 1, XS_IO_WAIT_MS);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return ready ? -errno : -ETIMEDOUT;
		done = writing ? write(x->fd, b, n) : read(x->fd, b, n);
		if (done < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (done <= 0)
			return done ? -errno : -EPIPE;
		b += done;
		n -= done;
	}
	return 0;
}

/* The guest is paused: the replies still due are read into the held bytes, which the stream carries. */
static int drain_replies(struct hv_xs *x)
{
	struct xs_track *t = x->track;
	uint64_t end = hv_now_ns(CLOCK_MONOTONIC) + XS_IO_WAIT_MS * 1000000ULL;

	while (!xs_track_idle(t)) {
		struct pollfd pfd = {.fd = x->fd, .events = POLLIN};
		uint64_t now = hv_now_ns(CLOCK_MONOTONIC);
		ssize_t n;

		if (now >= end)
			return -ETIMEDOUT;
		if (t->held_len == sizeof(t->held))
			return -ENOBUFS;
		if (poll(&pfd, 1, (int)((end - now) / 1000000) + 1) < 0 && errno != EINTR)
			return -errno;
		n = read(x->fd, t->held + t->held_len, sizeof(t->held) - t->held_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -EPIPE;
		xs_track_rsp(t, t->held + t->held_len, n);
		t->held_len += n;
	}
	return 0;
}

static void kick_pump(struct hv_xs *x)
{
	uint64_t one = 1;

	if (x->track->held_len && write(x->notify_fd, &one, sizeof(one)) < 0)
		log_warn("xenstore: waking the proxy");
}

int hv_xs_save(struct hv_dev *d, void *buf, size_t *len)
{
	struct hv_xs *x = d->priv;
	long n;
	int rc;

	if (x->broken || x->track->bad) {
		log_warnx("save: the domain's xenstore channel is %s: its state cannot be saved",
			  x->broken ? "stopped" : "out of step with the guest's messages");
		return -EIO;
	}
	rc = drain_replies(x);
	kick_pump(x); /* if the domain runs on, what was read goes to it */
	if (rc) {
		log_warnx("save: xenstored has not answered the guest's pending requests: %s",
			  log_strerror(rc));
		return rc;
	}
	n = xs_track_save(x->track, buf, *len);
	if (n < 0)
		return (int)n;
	*len = (size_t)n;
	return 0;
}

/*
 * The target's xenstored learns the guest's watches, all in one write (one
 * wake-up of xenstored, not one per watch: this is in a migration's
 * downtime); collect_replies reads their replies.
 */
static int send_watches(struct hv_xs *x)
{
	struct xs_track *t = x->track;
	uint8_t msg[XS_TRACK_HDR + XS_TRACK_PAYLOAD_MAX], *out;
	uint32_t hdr[4];
	size_t used = 0;
	int rc;

	if (!t->nr_watches)
		return 0;
	out = malloc((size_t)t->nr_watches * sizeof(msg));
	if (!out)
		return -ENOMEM;
	for (unsigned i = 0; i < t->nr_watches; i++) {
		const char *path, *token;
		size_t plen, tlen;

		xs_track_watch(t, i, &path, &token);
		plen = strlen(path) + 1;
		tlen = strlen(token) + 1;
		if (plen + tlen > XS_TRACK_PAYLOAD_MAX) {
			free(out);
			return -EBADMSG;
		}
		hdr[0] = XS_TRACK_WATCH, hdr[1] = XS_TRACK_REQ_ID, hdr[2] = 0, hdr[3] = plen + tlen;
		memcpy(out + used, hdr, sizeof(hdr));
		memcpy(out + used + XS_TRACK_HDR, path, plen);
		memcpy(out + used + XS_TRACK_HDR + plen, token, tlen);
		used += XS_TRACK_HDR + plen + tlen;
	}
	rc = io_all(x, out, used, 1);
	free(out);
	return rc;
}

/* The replies to the `due` watches sent are ours, the events they fire the guest's (held for its ring). */
static int collect_replies(struct hv_xs *x, unsigned due)
{
	struct xs_track *t = x->track;
	uint8_t msg[XS_TRACK_HDR + XS_TRACK_PAYLOAD_MAX];
	uint32_t hdr[4];
	int rc = 0;

	while (!rc && due) {
		if ((rc = io_all(x, hdr, sizeof(hdr), 0)))
			break;
		if (hdr[3] > XS_TRACK_PAYLOAD_MAX)
			return -EPROTO;
		if ((rc = io_all(x, msg + XS_TRACK_HDR, hdr[3], 0)))
			break;
		if (hdr[1] == XS_TRACK_REQ_ID && hdr[0] != XS_TRACK_WATCH_EVENT) {
			due--;
			continue;
		}
		if (t->held_len + XS_TRACK_HDR + hdr[3] > sizeof(t->held))
			return -ENOBUFS;
		memcpy(t->held + t->held_len, hdr, sizeof(hdr));
		memcpy(t->held + t->held_len + XS_TRACK_HDR, msg + XS_TRACK_HDR, hdr[3]);
		t->held_len += XS_TRACK_HDR + hdr[3];
	}
	return rc;
}

int hv_xs_restore(struct hv_dev *d, const void *buf, size_t len)
{
	struct hv_xs *x = d->priv;
	int rc = xs_track_load(x->track, buf, len);

	if (rc) {
		log_warnx("restore: the saved xenstore channel state is malformed");
		return rc;
	}
	return 0; /* the watches are sent when the restore settles */
}

/*
 * The restore is done but for this (hv_devices_settle, after xenon-hv has
 * said it is ready: libxl wakes meanwhile): the watches, their replies,
 * then the part of a request the source had sent (the rest is still in
 * the guest's ring).
 */
static int xs_settle(struct hv_dev *d)
{
	struct hv_xs *x = d->priv;
	int rc = send_watches(x);

	if (!rc)
		rc = collect_replies(x, x->track->nr_watches);
	if (!rc && x->track->req_have)
		rc = io_all(x, x->track->req, x->track->req_have, 1);
	if (rc)
		log_warnx("restore: the guest's xenstore watches could not be set up again: %s",
			  log_strerror(rc));
	kick_pump(x);
	return rc;
}
