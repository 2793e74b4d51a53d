/*
 * virtio-net's transmit queue (virtio_net.c says how the device works):
 * each chain's header copied and checked, the packet handed to the tap with
 * one writev, rate= applied (to a chain that passed the checks) before it goes.
 */
#include "hypervisor/virtio_net.h"

#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* A tx header the driver may send with the features it has (5.1.6.2). */
static int tx_hdr_check(struct vnet *n, const struct vnet_hdr *h)
{
	static const struct {
		uint8_t gso_type;
		unsigned feature;
	} gso[] = {{GSO_TCPV4, NET_F_HOST_TSO4}, {GSO_TCPV6, NET_F_HOST_TSO6}};

	if (h->flags & ~HDR_F_NEEDS_CSUM)
		return -EINVAL;
	if ((h->flags & HDR_F_NEEDS_CSUM) && !has(n, NET_F_CSUM))
		return -EINVAL;
	if (h->gso_type == GSO_NONE)
		return 0;
	for (size_t i = 0; i < sizeof(gso) / sizeof(gso[0]); i++)
		if (h->gso_type == gso[i].gso_type)
			return has(n, gso[i].feature) && le16toh(h->gso_size) ? 0 : -EINVAL;
	return -EINVAL;
}

/* The packet after the header: iov[1..] over the chain's readable buffers. */
static unsigned tx_iov_fill(struct vnet *n, const struct virtq_chain *c)
{
	size_t off = TAP_VNET_HDR_LEN;
	unsigned k = 1;

	for (unsigned i = 0; i < c->n_readable; i++) {
		const struct virtq_buf *b = &n->tx_bufs[i];

		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		n->tx_iov[k++] = (struct iovec){b->host + off, b->len - off};
		off = 0;
	}
	return k;
}

/*
 * May the chain go at all? Device-readable only, a header and an Ethernet
 * header at least, no longer than a frame, a header the features allow: 0
 * with the header copied into n->tx_hdr (the tap is handed that checked
 * copy, not guest memory); else -EINVAL, counted. Before rate= is asked: a
 * chain that never goes takes nothing of the budget.
 */
static int tx_check(struct vnet *n, const struct virtq_chain *c)
{
	size_t len = c->readable_len,
	       max = has(n, NET_F_HOST_TSO4) || has(n, NET_F_HOST_TSO6) ? GSO_FRAME_MAX : frame_max(n);

	if (c->n != c->n_readable || len < TAP_VNET_HDR_LEN + 14 || len - TAP_VNET_HDR_LEN > max) {
		log_debug("vif %u: tx chain %u (%u buffers, %zu bytes) dropped", n->devid, c->head, c->n,
			  len);
		count(n, HVCTL_VIF_TX_ERRORS, 1);
		return -EINVAL;
	}
	virtq_copy_from(n->tx_bufs, c, 0, &n->tx_hdr, sizeof(n->tx_hdr));
	if (tx_hdr_check(n, &n->tx_hdr)) {
		log_debug("vif %u: tx header flags %#x gso %#x refused", n->devid, n->tx_hdr.flags,
			  n->tx_hdr.gso_type);
		count(n, HVCTL_VIF_TX_ERRORS, 1);
		return -EINVAL;
	}
	n->tx_hdr.num_buffers = 0;
	return 0;
}

/* A checked chain (tx_check) to the tap. */
static void tx_send(struct vnet *n, const struct virtq_chain *c)
{
	size_t len = c->readable_len;
	unsigned k;
	ssize_t r;

	n->tx_iov[0] = (struct iovec){&n->tx_hdr, sizeof(n->tx_hdr)};
	k = tx_iov_fill(n, c);
	r = writev(n->tap.fd, n->tx_iov, k);
	if (r == (ssize_t)len) {
		count(n, HVCTL_VIF_TX_PACKETS, 1);
		count(n, HVCTL_VIF_TX_BYTES, len - TAP_VNET_HDR_LEN);
	} else if (r < 0 && (errno == EINVAL || errno == EFAULT)) {
		count(n, HVCTL_VIF_TX_ERRORS, 1); /* the kernel refused the packet */
	} else {
		log_debug("vif %u: tx of %zu bytes to tap %s: %s", n->devid, len, n->tap.name,
			  r < 0 ? strerror(errno) : "short write");
		count(n, HVCTL_VIF_TX_DROPS, 1); /* no room, or the tap is down */
	}
}

/* May the chain go now under rate=? If not, the timer is set for when it may. */
static bool tx_allowed(struct vnet *n, const struct virtq_chain *c)
{
	uint64_t len = c->readable_len > TAP_VNET_HDR_LEN ? c->readable_len - TAP_VNET_HDR_LEN : 0, next;
	struct itimerspec its = {0};

	if (n->rate_timer < 0 || ratelimit_take(&n->rate, len, mono_ns()))
		return true;
	next = ratelimit_next(&n->rate);
	its.it_value = (struct timespec){(time_t)(next / 1000000000ULL), (long)(next % 1000000000ULL)};
	if (timerfd_settime(n->rate_timer, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("vif %u: rate timer", n->devid);
	return false;
}

/*
 * A tx kick (or the rate timer): every available chain out, the used ring
 * told once. Under rate= it stops at the first chain over the budget, which
 * waits, popped, for the timer, the queue's notifications left off.
 */
void tx_process(struct vnet *n)
{
	struct virtq *vq = vmmio_queue(n->mmio, TXQ);
	unsigned done = 0;
	int rc = 0;

	do {
		virtq_disable_notify(vq);
		while (n->tx_waiting || (rc = virtq_pop(vq, n->tx_bufs, QUEUE_MAX, &n->tx_wait)) > 0) {
			/* a waiting chain was checked when it came */
			if (n->tx_waiting || !tx_check(n, &n->tx_wait)) {
				n->tx_waiting = !tx_allowed(n, &n->tx_wait);
				if (n->tx_waiting)
					goto out;
				tx_send(n, &n->tx_wait);
			}
			virtq_push(vq, &n->tx_wait, 0);
			done++;
		}
		if (rc < 0) {
			count(n, HVCTL_VIF_TX_ERRORS, 1); /* the queue broke: NEEDS_RESET is set */
			break;
		}
	} while (virtq_enable_notify(vq));
out:
	if (done)
		vmmio_notify_used(n->mmio, TXQ);
}

/* The rate timer went off: the waiting chain and the rest of the queue. */
void tx_rate_timer(struct vnet *n)
{
	uint64_t expirations;

	if (n->rate_timer < 0 ||
	    read(n->rate_timer, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	if (n->tx_waiting && vmmio_driver_ok(n->mmio))
		tx_process(n);
}

/*
 * The tx queue stopped or the device reset: a waiting chain is the old
 * queue's. The timer is left to go off on nothing: this runs on a vCPU
 * thread (the guest's reset), whose seccomp list has no timerfd calls.
 */
void tx_forget(struct vnet *n)
{
	n->tx_waiting = false;
}
