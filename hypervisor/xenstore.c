/*
 * The guest xenstore channel (guest/include/xenon-xs-ring.h): with
 * --xenstore, xenon-hv connects to xenstored through libxs, turns the
 * connection into the domain's own (XS_CONTROL "become"), puts the ring page
 * at XENON_XS_RING_GPA and copies bytes both ways on the main thread:
 * guest requests (req[]) to the socket, replies and watch events from the
 * socket into rsp[]. The guest notifies with outb XENON_PORT_XS_NOTIFY; we
 * raise IOAPIC pin XENON_XS_IRQ after moving bytes either way.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "guest/include/xenon-xs-ring.h"
#include "log.h"
#include "xenstored/xs.h"

struct hv_xs {
	struct xs_handle *h;
	int fd;	       /* the xenstored connection, now the domain's */
	int notify_fd; /* eventfd: the guest notified */
	int broken;    /* xenstored went away or the guest broke the ring */
	struct xenon_xs_ring *ring;
};

#define RING XENON_XS_RING_SIZE

static uint32_t load_acquire(volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int xs_init(struct hv_vm *vm)
{
	struct hv_xs *x;
	const char *path = vm->args.xenstored_socket;
	int rc;

	if (!vm->args.xenstore)
		return 0;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->ring = hv_gpa(vm, XENON_XS_RING_GPA, sizeof(*x->ring));
	rc = xs_open(path, &x->h);
	if (rc) {
		log_warnx("--xenstore: cannot connect to xenstored at %s: %s (is xenstored running?)",
			  path ? path : xs_socket_path(), log_strerror(rc));
		free(x);
		return rc;
	}
	rc = xs_become_domain(x->h, vm->args.domid);
	if (rc) {
		log_warnx("--xenstore: xenstored refused to hand over domain %u's connection: %s",
			  vm->args.domid, log_strerror(rc));
		goto fail;
	}
	x->fd = xs_socket_fd(x->h);
	fcntl(x->fd, F_SETFL, fcntl(x->fd, F_GETFL) | O_NONBLOCK);
	x->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->notify_fd < 0) {
		rc = -errno;
		log_warn("--xenstore: cannot make the guest's notification eventfd");
		goto fail;
	}
	vm->boot_info->xenstore_ring_gpa = XENON_XS_RING_GPA;
	vm->boot_info->xenstore_irq = XENON_XS_IRQ;
	vm->xs = x;
	return 0;
fail:
	xs_close(x->h);
	free(x);
	return rc;
}

static void xs_broken(struct hv_xs *x, const char *why)
{
	if (!x->broken)
		log_warnx("xenstore channel stopped: %s", why);
	x->broken = 1;
}

/* Guest requests -> xenstored. Returns 1 when bytes moved. */
static int pump_requests(struct hv_xs *x)
{
	struct xenon_xs_ring *r = x->ring;
	uint32_t cons = r->req_cons, prod = load_acquire(&r->req_prod);
	int moved = 0;

	if (prod - cons > RING) {
		xs_broken(x, "the guest's request indexes are inconsistent");
		return 0;
	}
	while (cons != prod) {
		uint32_t idx = cons % RING, chunk = prod - cons < RING - idx ? prod - cons : RING - idx;
		ssize_t n = write(x->fd, (const char *)r->req + idx, chunk);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			xs_broken(x, "writing to xenstored failed");
			break;
		}
		cons += n;
		moved = 1;
	}
	store_release(&r->req_cons, cons);
	return moved;
}

/* xenstored replies and watch events -> the guest. Returns 1 when bytes moved. */
static int pump_replies(struct hv_xs *x)
{
	struct xenon_xs_ring *r = x->ring;
	uint32_t prod = r->rsp_prod, cons = load_acquire(&r->rsp_cons);
	int moved = 0;

	while (!x->broken && prod - cons < RING) {
		uint32_t idx = prod % RING, space = RING - (prod - cons);
		uint32_t chunk = space < RING - idx ? space : RING - idx;
		ssize_t n = read(x->fd, (char *)r->rsp + idx, chunk);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			xs_broken(x, n == 0 ? "xenstored closed the connection"
					    : "reading from xenstored failed");
			break;
		}
		prod += n;
		store_release(&r->rsp_prod, prod);
		moved = 1;
	}
	return moved;
}

void hv_xs_fill_pollfds(struct hv_vm *vm, struct pollfd *pfds, unsigned *n, unsigned max)
{
	struct hv_xs *x = vm->xs;
	struct xenon_xs_ring *r;
	short events = 0;

	if (!x || x->broken || *n + 2 > max)
		return;
	r = x->ring;
	pfds[(*n)++] = (struct pollfd){.fd = x->notify_fd, .events = POLLIN};
	if (r->rsp_prod - load_acquire(&r->rsp_cons) < RING)
		events |= POLLIN;
	if (load_acquire(&r->req_prod) != r->req_cons)
		events |= POLLOUT;
	pfds[(*n)++] = (struct pollfd){.fd = x->fd, .events = events};
}

/* After poll(): move what can be moved, then interrupt the guest if anything did. */
void hv_xs_handle(struct hv_vm *vm)
{
	struct hv_xs *x = vm->xs;
	uint64_t count;
	int moved;

	if (!x || x->broken)
		return;
	if (read(x->notify_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("xenstore notification");
	moved = pump_requests(x);
	moved |= pump_replies(x);
	if (moved)
		hv_kvm_irq_pulse(vm, XENON_XS_IRQ);
}

static int xs_notify_io(struct hv_vcpu *v, uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	struct hv_xs *x = v->vm->xs;
	uint64_t one = 1;

	(void)port;
	if (!is_write) {
		memset(data, 0xff, size);
		return 0;
	}
	if (x && write(x->notify_fd, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

static const struct hv_ioport xs_ports[] = {
    {XENON_PORT_XS_NOTIFY, 1, xs_notify_io, NULL},
};

const struct hv_device hv_xs_device = {
    .name = "xenstore",
    .init = xs_init,
    .ports = xs_ports,
    .nr_ports = 1,
};
