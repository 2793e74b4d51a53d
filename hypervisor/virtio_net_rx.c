/*
 * virtio-net's receive queue (virtio_net.c says how the device works): the
 * guest's rx buffers held, filled from the tap with one readv, given back
 * with the header the guest may see.
 */
#include "hypervisor/virtio_net.h"

#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

/* Called under the transport's queue lock (driver_ok, queue_notify), which
 * a queue made ready takes too, so the rx queue's geometry holds still; it
 * stays until queue_stop or reset, which stop the polling first. */
void rx_start(struct vnet *n)
{
	struct vmmio_dev *m = __atomic_load_n(&n->mmio, __ATOMIC_ACQUIRE);
	struct epoll_event ev = {.events = EPOLLIN};

	if (n->rx_polling || !m || !vmmio_queue(m, RXQ)->ready)
		return;
	if (epoll_ctl(n->epfd, EPOLL_CTL_ADD, n->tap.fd, &ev) < 0 && errno != EEXIST) {
		log_warn("vif %u: cannot watch tap %s", n->devid, n->tap.name);
		return;
	}
	n->rx_polling = true;
}

void rx_stop(struct vnet *n)
{
	if (!n->rx_polling)
		return;
	epoll_ctl(n->epfd, EPOLL_CTL_DEL, n->tap.fd, NULL);
	n->rx_polling = false;
}

void rx_forget(struct vnet *n)
{
	n->nheld = n->nbufs = 0;
	n->held_space = 0;
}

/* Room a packet may need: a whole GSO frame if the tap may send one. */
static uint64_t rx_need(struct vnet *n)
{
	bool gso = has(n, NET_F_GUEST_TSO4) || has(n, NET_F_GUEST_TSO6);

	return TAP_VNET_HDR_LEN + (gso ? GSO_FRAME_MAX : frame_max(n));
}

/*
 * Pop rx chains until a packet surely fits: one without MRG_RXBUF (a packet
 * too big for it is dropped), with it as many as rx_need. 1 if chains were
 * given back unused (bad ones), 0, or -EIO when the queue broke.
 */
static int rx_gather(struct vnet *n, struct virtq *vq)
{
	bool mrg = has(n, NET_F_MRG_RXBUF);
	uint64_t need = rx_need(n);
	struct virtq_chain c;
	int rc, returned = 0;

	while (!n->nheld || (mrg && n->held_space < need && n->nbufs <= QUEUE_MAX)) {
		rc = virtq_pop(vq, n->rx_bufs + n->nbufs, QUEUE_MAX, &c);
		if (rc <= 0)
			return rc < 0 ? rc : returned;
		if (c.n_readable || c.writable_len < TAP_VNET_HDR_LEN) {
			log_debug("vif %u: rx chain %u (%u readable, %u writable bytes) given back unused",
				  n->devid, c.head, c.n_readable, c.writable_len);
			count(n, HVCTL_VIF_RX_ERRORS, 1);
			virtq_push(vq, &c, 0);
			returned = 1;
			continue;
		}
		n->held[n->nheld++] = (struct rx_held){.c = c, .first = n->nbufs};
		n->nbufs += c.n;
		n->held_space += c.writable_len;
	}
	return returned;
}

/* The header the guest gets: flags only with GUEST_CSUM, its buffer count. */
static int rx_fix_hdr(struct vnet *n, unsigned used)
{
	const struct rx_held *h0 = &n->held[0];
	struct virtq_chain as_read = h0->c;
	struct vnet_hdr h;

	/* What the tap wrote, read back from the (all writable) chain. */
	as_read.n_readable = as_read.n;
	virtq_copy_from(n->rx_bufs + h0->first, &as_read, 0, &h, sizeof(h));
	if (h.gso_type != GSO_NONE && !(h.gso_type == GSO_TCPV4 && has(n, NET_F_GUEST_TSO4)) &&
	    !(h.gso_type == GSO_TCPV6 && has(n, NET_F_GUEST_TSO6)))
		return -EINVAL; /* the tap's offloads say it cannot happen */
	h.flags &= has(n, NET_F_GUEST_CSUM) ? HDR_F_NEEDS_CSUM | HDR_F_DATA_VALID : 0;
	h.num_buffers = htole16(used);
	virtq_copy_to(n->rx_bufs + h0->first, &h0->c, 0, &h, sizeof(h));
	return 0;
}

/* Give back the first used held chains, the packet's len bytes across them. */
static void rx_push(struct vnet *n, struct virtq *vq, unsigned used, size_t len)
{
	unsigned rest;

	for (unsigned i = 0; i < used; i++) {
		uint32_t l = len < n->held[i].c.writable_len ? len : n->held[i].c.writable_len;

		virtq_mark_written(vq, &n->held[i].c, n->rx_bufs + n->held[i].first, l);
		virtq_push(vq, &n->held[i].c, l);
		len -= l;
		n->held_space -= n->held[i].c.writable_len;
	}
	rest = n->nheld - used;
	if (!rest) {
		rx_forget(n);
		return;
	}
	/* The chains left over move to the front, with their buffers. */
	unsigned from = n->held[used].first;

	memmove(n->rx_bufs, n->rx_bufs + from, (n->nbufs - from) * sizeof(n->rx_bufs[0]));
	memmove(n->held, n->held + used, rest * sizeof(n->held[0]));
	for (unsigned i = 0; i < rest; i++)
		n->held[i].first -= from;
	n->nheld = rest;
	n->nbufs -= from;
}

/* How many held chains len bytes fill, in order. */
static unsigned rx_chains_for(struct vnet *n, size_t len)
{
	unsigned used = 0;

	while (len && used < n->nheld) {
		len -= len < n->held[used].c.writable_len ? len : n->held[used].c.writable_len;
		used++;
	}
	return used;
}

/* One packet from the tap into the held chains: 1 delivered, 0 dropped,
 * -EAGAIN nothing to read, another -errno when the tap failed. */
static int rx_one(struct vnet *n, struct virtq *vq)
{
	unsigned k = 0, used;
	ssize_t r;

	for (unsigned i = 0; i < n->nbufs; i++)
		n->rx_iov[k++] = (struct iovec){n->rx_bufs[i].host, n->rx_bufs[i].len};
	n->rx_iov[k++] = (struct iovec){n->spill, sizeof(n->spill)};
	r = readv(n->tap.fd, n->rx_iov, k);
	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if ((uint64_t)r > n->held_space || r < TAP_VNET_HDR_LEN) {
		log_debug("vif %u: a packet of %zd bytes did not fit the guest's %llu bytes of rx buffers",
			  n->devid, r, (unsigned long long)n->held_space);
		count(n, HVCTL_VIF_RX_DROPS, 1);
		return 0; /* the chains stay for the next one */
	}
	used = has(n, NET_F_MRG_RXBUF) ? rx_chains_for(n, r) : 1;
	if (rx_fix_hdr(n, used)) {
		count(n, HVCTL_VIF_RX_ERRORS, 1);
		return 0;
	}
	count(n, HVCTL_VIF_RX_PACKETS, 1); /* before the guest can see it */
	count(n, HVCTL_VIF_RX_BYTES, r - TAP_VNET_HDR_LEN);
	rx_push(n, vq, used, r);
	return 1;
}

/* No rx buffers: wait for the guest's kick, unless some came meanwhile. */
static bool rx_out_of_buffers(struct vnet *n, struct virtq *vq)
{
	if (virtq_enable_notify(vq)) {
		virtq_disable_notify(vq);
		return false;
	}
	rx_stop(n);
	return true;
}

/* The tap is readable: as many packets as there are buffers for. */
void rx_process(struct vnet *n)
{
	struct virtq *vq = vmmio_queue(n->mmio, RXQ);
	bool notify = false;
	int rc;

	if (!vmmio_driver_ok(n->mmio)) {
		rx_stop(n); /* needs a reset: driver_ok starts us again */
		return;
	}
	virtq_disable_notify(vq);
	/* Bounded, bad chains and empty rounds included. */
	for (unsigned i = 0; i < RX_BUDGET; i++) {
		rc = rx_gather(n, vq);
		if (rc < 0) {
			rx_stop(n); /* broken: NEEDS_RESET is set */
			break;
		}
		notify |= rc > 0;
		if (!n->nheld) {
			if (rx_out_of_buffers(n, vq))
				break;
			continue;
		}
		rc = rx_one(n, vq);
		if (rc == -EAGAIN)
			break;
		if (rc < 0) {
			log_warnx("vif %u: reading tap %s: %s; receiving stops until the guest kicks its rx "
				  "queue",
				  n->devid, n->tap.name, log_strerror(rc));
			count(n, HVCTL_VIF_RX_ERRORS, 1);
			rx_stop(n);
			break;
		}
		notify |= rc > 0;
	}
	if (notify)
		vmmio_notify_used(n->mmio, RXQ);
}
