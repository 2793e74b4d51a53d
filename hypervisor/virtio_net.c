/*
 * virtio-net (virtio 1.x, 5.1) over a tap (docs/devices.md): queue 0 receives,
 * queue 1 transmits, each packet with the 12-byte struct virtio_net_hdr_v1
 * the tap speaks too (IFF_VNET_HDR), so packets go between guest memory and
 * the tap with one readv or writev and no copy.
 *
 * Threads: the queue work runs on the device's I/O thread (virtio_dev.c)
 * under the transport's queue lock (vmmio_kick, vmmio_io_ready). A tx kick
 * drains the tx queue (queue_notify). The tap is watched through an epoll
 * set that io_fd hands to the thread: while the tap is in it (rx_polling)
 * io_ready fills the guest's rx buffers; when the guest has none left the
 * tap leaves the set until the guest kicks the rx queue, so the kernel queues
 * (and drops) on the tap, not us. reset, queue_stop and driver_ok come from
 * vCPU threads holding the queue lock too; rx_lock guards the rx state on
 * top of it, so that it never depends on that.
 *
 * rate= (xl-network-configuration(5)): what the guest sends is held to a
 * byte budget per interval (ratelimit.h). A packet over the budget stays
 * popped but unsent (tx_waiting) with the queue's notifications off, and a
 * timerfd in the same epoll set as the tap brings the I/O thread back when
 * the next interval starts; the guest's queue simply fills meanwhile.
 *
 * Guest input: virtq.c checks every descriptor; here each tx header is copied
 * and checked before the tap sees it (the tap is handed the copy), chain
 * directions and sizes are checked, and a bad packet is dropped and counted
 * (tx_errors, rx_errors), never followed.
 */
#include "hypervisor/hv.h"

#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/migstream.h"
#include "hypervisor/ratelimit.h"
#include "hypervisor/tap.h"
#include "hypervisor/vdev.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"

#define VIRTIO_ID_NET 1

/* Feature bits (5.1.3). */
#define NET_F_CSUM	 0
#define NET_F_GUEST_CSUM 1
#define NET_F_MTU	 3
#define NET_F_MAC	 5
#define NET_F_GUEST_TSO4 7
#define NET_F_GUEST_TSO6 8
#define NET_F_HOST_TSO4	 11
#define NET_F_HOST_TSO6	 12
#define NET_F_MRG_RXBUF	 15
#define NET_F_STATUS	 16
#define F(bit)		 (1ULL << (bit))
#define NET_FEATURES                                                                                         \
	(F(NET_F_CSUM) | F(NET_F_GUEST_CSUM) | F(NET_F_MTU) | F(NET_F_MAC) | F(NET_F_GUEST_TSO4) |           \
	 F(NET_F_GUEST_TSO6) | F(NET_F_HOST_TSO4) | F(NET_F_HOST_TSO6) | F(NET_F_MRG_RXBUF) |                \
	 F(NET_F_STATUS))

/* struct virtio_net_hdr_v1 (5.1.6), little-endian fields. */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
};
_Static_assert(sizeof(struct vnet_hdr) == TAP_VNET_HDR_LEN, "virtio_net_hdr_v1 is 12 bytes");
#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2
#define GSO_NONE	 0
#define GSO_TCPV4	 1
#define GSO_TCPV6	 4

/* Config space (5.1.4): mac, status, max_virtqueue_pairs, mtu. */
#define CONFIG_SIZE    12
#define NET_S_LINK_UP  1
#define RXQ	       0
#define TXQ	       1
#define QUEUE_MAX      256
#define RX_BUDGET      64 /* packets per io_ready: then the kicks get a turn */
#define ETH_FRAME_XTRA 18 /* Ethernet header and a VLAN tag beyond the MTU */
#define GSO_FRAME_MAX  (65535 + ETH_FRAME_XTRA)

struct rx_held {
	struct virtq_chain c;
	unsigned first; /* its buffers: rx_bufs[first .. first + c.n) */
};

struct vnet {
	uint32_t devid;
	uint8_t mac[6];
	unsigned mtu;
	struct tap tap;
	int epfd; /* holds the tap's fd while rx_polling */
	struct vmmio_dev *mmio;

	pthread_mutex_t rx_lock;
	bool rx_polling;
	/* rx chains popped, not yet used (with MRG_RXBUF a packet takes several) */
	struct rx_held held[QUEUE_MAX];
	unsigned nheld, nbufs;
	uint64_t held_space;
	struct virtq_buf rx_bufs[2 * QUEUE_MAX];
	struct iovec rx_iov[2 * QUEUE_MAX + 1];
	/* After the guest's buffers: what does not fit lands here, so that a
	 * packet too big for them is seen (the tap truncates silently). */
	uint8_t spill[TAP_VNET_HDR_LEN + GSO_FRAME_MAX];

	struct virtq_buf tx_bufs[QUEUE_MAX];
	struct iovec tx_iov[QUEUE_MAX + 1];
	/* rate=: the budget, the chain over it (popped, its buffers in
	 * tx_bufs) and the timer for the next interval (-1: no rate) */
	struct ratelimit rate;
	bool tx_waiting;
	struct virtq_chain tx_wait;
	int rate_timer;

	uint64_t stats[HVCTL_VIF_NR_STATS]; /* atomic */
};

static void count(struct vnet *n, enum hvctl_vif_stat s, uint64_t v)
{
	__atomic_fetch_add(&n->stats[s], v, __ATOMIC_RELAXED);
}

static bool has(struct vnet *n, unsigned bit)
{
	return vmmio_features(n->mmio) & F(bit);
}

/* ---- transmit ---- */

/* The largest frame the guest may send (or be sent) without segmentation. */
static size_t frame_max(struct vnet *n)
{
	return (n->mtu > 1500 ? n->mtu : 1500) + ETH_FRAME_XTRA;
}

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

static void tx_one(struct vnet *n, const struct virtq_chain *c)
{
	struct vnet_hdr h;
	size_t len = c->readable_len,
	       max = has(n, NET_F_HOST_TSO4) || has(n, NET_F_HOST_TSO6) ? GSO_FRAME_MAX : frame_max(n);
	unsigned k;
	ssize_t r;

	/* Device-readable only, a header and an Ethernet header at least. */
	if (c->n != c->n_readable || len < TAP_VNET_HDR_LEN + 14 || len - TAP_VNET_HDR_LEN > max) {
		log_debug("vif %u: tx chain %u (%u buffers, %zu bytes) dropped", n->devid, c->head, c->n,
			  len);
		count(n, HVCTL_VIF_TX_ERRORS, 1);
		return;
	}
	/* The tap is handed our checked copy of the header, not guest memory. */
	virtq_copy_from(n->tx_bufs, c, 0, &h, sizeof(h));
	if (tx_hdr_check(n, &h)) {
		log_debug("vif %u: tx header flags %#x gso %#x refused", n->devid, h.flags, h.gso_type);
		count(n, HVCTL_VIF_TX_ERRORS, 1);
		return;
	}
	h.num_buffers = 0;
	n->tx_iov[0] = (struct iovec){&h, sizeof(h)};
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

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
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
static void tx_process(struct vnet *n)
{
	struct virtq *vq = vmmio_queue(n->mmio, TXQ);
	unsigned done = 0;
	int rc = 0;

	do {
		virtq_disable_notify(vq);
		while (n->tx_waiting || (rc = virtq_pop(vq, n->tx_bufs, QUEUE_MAX, &n->tx_wait)) > 0) {
			n->tx_waiting = !tx_allowed(n, &n->tx_wait);
			if (n->tx_waiting)
				goto out;
			tx_one(n, &n->tx_wait);
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
static void tx_rate_timer(struct vnet *n)
{
	uint64_t expirations;

	if (n->rate_timer < 0 || read(n->rate_timer, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	if (n->tx_waiting && vmmio_driver_ok(n->mmio))
		tx_process(n);
}

/*
 * The tx queue stopped or the device reset: a waiting chain is the old
 * queue's. The timer is left to go off on nothing: this runs on a vCPU
 * thread (the guest's reset), whose seccomp list has no timerfd calls.
 */
static void tx_forget(struct vnet *n)
{
	n->tx_waiting = false;
}

/* ---- receive ---- */

/* Called under the transport's queue lock (driver_ok, queue_notify), which
 * a queue made ready takes too, so the rx queue's geometry holds still; it
 * stays until queue_stop or reset, which stop the polling first. */
static void rx_start(struct vnet *n)
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

static void rx_stop(struct vnet *n)
{
	if (!n->rx_polling)
		return;
	epoll_ctl(n->epfd, EPOLL_CTL_DEL, n->tap.fd, NULL);
	n->rx_polling = false;
}

static void rx_forget(struct vnet *n)
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
static void rx_process(struct vnet *n)
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

/* ---- the transport's callbacks ---- */

static void net_config_read(void *dev, uint32_t off, void *data, unsigned size)
{
	struct vnet *n = dev;
	uint8_t cfg[CONFIG_SIZE];
	uint16_t v;

	memcpy(cfg, n->mac, 6);
	v = htole16(NET_S_LINK_UP);
	memcpy(cfg + 6, &v, 2);
	v = htole16(1); /* max_virtqueue_pairs: one (no VIRTIO_NET_F_MQ) */
	memcpy(cfg + 8, &v, 2);
	v = htole16(n->mtu);
	memcpy(cfg + 10, &v, 2);
	memcpy(data, cfg + off, size);
}

/* Dependencies of 5.1.3.1, and the tap told what it may send us. */
static int net_features_ok(void *dev, uint64_t f)
{
	static const struct {
		unsigned feature, needs, tun_flag;
	} deps[] = {
	    {NET_F_GUEST_CSUM, NET_F_GUEST_CSUM, TUN_F_CSUM},
	    {NET_F_GUEST_TSO4, NET_F_GUEST_CSUM, TUN_F_TSO4},
	    {NET_F_GUEST_TSO6, NET_F_GUEST_CSUM, TUN_F_TSO6},
	    {NET_F_HOST_TSO4, NET_F_CSUM, 0},
	    {NET_F_HOST_TSO6, NET_F_CSUM, 0},
	};
	struct vnet *n = dev;
	unsigned tun = 0;

	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++) {
		if (!(f & F(deps[i].feature)))
			continue;
		if (!(f & F(deps[i].needs)))
			return -EINVAL;
		tun |= deps[i].tun_flag;
	}
	return tap_set_offload(&n->tap, tun);
}

static void net_driver_ok(void *dev)
{
	struct vnet *n = dev;

	pthread_mutex_lock(&n->rx_lock);
	rx_start(n);
	pthread_mutex_unlock(&n->rx_lock);
}

static void net_queue_notify(void *dev, unsigned q)
{
	struct vnet *n = dev;

	if (q == TXQ) {
		tx_process(n);
		return;
	}
	pthread_mutex_lock(&n->rx_lock); /* new rx buffers: watch the tap again */
	rx_start(n);
	pthread_mutex_unlock(&n->rx_lock);
}

static void net_queue_stop(void *dev, unsigned q)
{
	struct vnet *n = dev;

	if (q != RXQ) {
		tx_forget(n); /* tx runs under the transport's lock: it is not running */
		return;
	}
	pthread_mutex_lock(&n->rx_lock);
	rx_stop(n);
	rx_forget(n);
	pthread_mutex_unlock(&n->rx_lock);
}

static void net_reset(void *dev)
{
	struct vnet *n = dev;

	net_queue_stop(n, RXQ);
	net_queue_stop(n, TXQ);
	tap_set_offload(&n->tap, 0);
}

static int net_io_fd(void *dev)
{
	return ((struct vnet *)dev)->epfd;
}

static void net_io_ready(void *dev, short revents)
{
	struct vnet *n = dev;

	(void)revents;
	tx_rate_timer(n);
	pthread_mutex_lock(&n->rx_lock);
	if (n->rx_polling)
		rx_process(n);
	pthread_mutex_unlock(&n->rx_lock);
}

static void vnet_free(struct vnet *n)
{
	tap_close(&n->tap);
	if (n->epfd >= 0)
		close(n->epfd);
	if (n->rate_timer >= 0)
		close(n->rate_timer);
	pthread_mutex_destroy(&n->rx_lock);
	free(n);
}

static void net_destroy(void *dev)
{
	vnet_free(dev);
}

/* ---- save and restore (struct mig_vif) ---- */

/* rx chains held and a tx chain waiting for the rate go back to the rings:
 * they are the last ones popped, so the target pops them again. */
static void net_quiesce(void *dev)
{
	struct vnet *n = dev;

	pthread_mutex_lock(&n->rx_lock);
	if (n->nheld && !virtq_unpop(vmmio_queue(n->mmio, RXQ), n->nheld))
		rx_forget(n);
	pthread_mutex_unlock(&n->rx_lock);
	if (n->tx_waiting && !virtq_unpop(vmmio_queue(n->mmio, TXQ), 1)) {
		tx_forget(n);
		virtq_enable_notify(vmmio_queue(n->mmio, TXQ));
	}
}

static void net_save(void *dev, void *state)
{
	struct vnet *n = dev;
	struct mig_vif f = {.mtu = n->mtu,
			    .rate_usecs = (uint32_t)(n->rate.interval_ns / 1000),
			    .rate_bytes = n->rate.budget,
			    .rate_left = n->rate.budget ? n->rate.left : 0};

	memcpy(f.mac, n->mac, 6);
	memcpy(state, &f, sizeof(f));
}

static int net_load(void *dev, const void *state)
{
	struct vnet *n = dev;
	struct mig_vif f;

	memcpy(&f, state, sizeof(f));
	if (memcmp(f.mac, n->mac, 6) || f.mtu != n->mtu) {
		log_warnx("vif %u: the saved NIC had MAC %02x:%02x:%02x:%02x:%02x:%02x and MTU %u, this one "
			  "%02x:%02x:%02x:%02x:%02x:%02x and %u: give vif= the same mac= and mtu=",
			  n->devid, f.mac[0], f.mac[1], f.mac[2], f.mac[3], f.mac[4], f.mac[5], f.mtu,
			  n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->mtu);
		return -EINVAL;
	}
	/* The budget left carries over when the rate is the same (a new interval starts now). */
	if (n->rate.budget && f.rate_bytes == n->rate.budget && f.rate_usecs * 1000ULL == n->rate.interval_ns)
		n->rate.left = f.rate_left;
	return 0;
}

static const struct vmmio_ops net_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .features = NET_FEATURES,
    .nr_queues = 2,
    .queue_max = QUEUE_MAX,
    .config_size = CONFIG_SIZE,
    .config_read = net_config_read,
    .features_ok = net_features_ok,
    .driver_ok = net_driver_ok,
    .queue_notify = net_queue_notify,
    .queue_stop = net_queue_stop,
    .reset = net_reset,
    .io_fd = net_io_fd,
    .io_ready = net_io_ready,
    .destroy = net_destroy,
    .state_len = sizeof(struct mig_vif),
    .quiesce = net_quiesce,
    .save = net_save,
    .load = net_load,
};

/* ---- the vif kind (vdev.h) ---- */

/* The spec's MAC: a unicast one, or none (all zero) for one of Xen's. */
static int vif_mac(const struct hvctl_device_spec *spec, uint8_t mac[6])
{
	static const uint8_t zero[6];

	if (spec->mac[0] & 1) {
		log_warnx("vif %u: MAC %02x:%02x:%02x:%02x:%02x:%02x is a multicast address: give a unicast "
			  "one (first byte even)",
			  spec->devid, spec->mac[0], spec->mac[1], spec->mac[2], spec->mac[3], spec->mac[4],
			  spec->mac[5]);
		return -EINVAL;
	}
	memcpy(mac, spec->mac, 6);
	if (memcmp(mac, zero, 6))
		return 0;
	/* Xen's prefix 00:16:3e and three random bytes, as xl gives a vif. */
	mac[0] = 0x00, mac[1] = 0x16, mac[2] = 0x3e;
	if (getrandom(mac + 3, 3, 0) != 3)
		return -errno;
	mac[3] &= 0x7f;
	return 0;
}

static int vif_check(const struct hvctl_device_spec *spec, unsigned *mtu)
{
	if (spec->kind != HVCTL_DEV_VIF)
		return -EINVAL;
	if (spec->flags & ~HVCTL_DEVF_FDS) {
		log_warnx("vif %u: flags %#x are not for a vif: give none", spec->devid, spec->flags);
		return -EINVAL;
	}
	if (!memchr(spec->target, 0, sizeof(spec->target))) {
		log_warnx("vif %u: the tap name is not NUL-terminated", spec->devid);
		return -EINVAL;
	}
	*mtu = spec->mtu ? spec->mtu : 1500;
	if (*mtu < TAP_MTU_MIN || *mtu > TAP_MTU_MAX) {
		log_warnx("vif %u: MTU %u is outside %d .. %d", spec->devid, *mtu, TAP_MTU_MIN, TAP_MTU_MAX);
		return -EINVAL;
	}
	return 0;
}

/* rate=: the budget, and its timer in the epoll set the I/O thread waits on. */
static int vif_rate(struct vnet *n, const struct hvctl_device_spec *spec)
{
	struct epoll_event ev = {.events = EPOLLIN};

	if (!spec->rate_usecs) {
		log_warnx("vif %u: a rate of %llu bytes needs an interval", spec->devid,
			  (unsigned long long)spec->rate_bytes);
		return -EINVAL;
	}
	ratelimit_init(&n->rate, spec->rate_bytes, spec->rate_usecs, mono_ns());
	n->rate_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (n->rate_timer < 0 || epoll_ctl(n->epfd, EPOLL_CTL_ADD, n->rate_timer, &ev) < 0)
		return -errno;
	return 0;
}

/* The tap: the one a control client passed, or made here (unsandboxed). */
static int vif_tap(struct vnet *n, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds, unsigned mtu)
{
	int rc;

	if (!(spec->flags & HVCTL_DEVF_FDS))
		return tap_open(&n->tap, spec->target, mtu);
	if (fds->n != 1) {
		log_warnx("vif %u: %u file descriptors passed; a vif takes one, its tap", spec->devid, fds->n);
		return -EINVAL;
	}
	rc = tap_adopt(&n->tap, fds->fd[0], spec->target);
	if (!rc)
		fds->fd[0] = -1;
	return rc;
}

static int vif_add(struct hv_vm *vm, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds,
		   struct hv_dev **out)
{
	struct vnet *n;
	unsigned mtu;
	int rc = vif_check(spec, &mtu);

	if (rc)
		return rc;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->devid = spec->devid;
	n->mtu = mtu;
	n->tap.fd = n->rate_timer = -1;
	pthread_mutex_init(&n->rx_lock, NULL);
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	rc = n->epfd < 0 ? -errno : vif_mac(spec, n->mac);
	if (!rc && spec->rate_bytes)
		rc = vif_rate(n, spec);
	if (!rc)
		rc = vif_tap(n, spec, fds, mtu);
	if (!rc)
		rc = hv_virtio_add(vm, &net_ops, n, out);
	if (rc) {
		log_warnx("vif %u: not added: %s", spec->devid, log_strerror(rc));
		vnet_free(n);
		return rc;
	}
	__atomic_store_n(&n->mmio, hv_virtio_transport(*out), __ATOMIC_RELEASE);
	log_info("vif %u: tap %s (%s), MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, rate %llu bytes per %u us",
		 n->devid, n->tap.name, n->tap.created ? "created" : "existing", n->mac[0], n->mac[1], n->mac[2],
		 n->mac[3], n->mac[4], n->mac[5], n->mtu, (unsigned long long)n->rate.budget,
		 (unsigned)(n->rate.interval_ns / 1000));
	return 0;
}

static void vif_describe(struct hv_dev *d, struct hvctl_device *out)
{
	struct vnet *n = hv_virtio_transport(d)->dev;

	out->mtu = n->mtu;
	memcpy(out->mac, n->mac, 6);
	out->rate_bytes = n->rate.budget;
	out->rate_usecs = (uint32_t)(n->rate.interval_ns / 1000);
	snprintf(out->target, sizeof(out->target), "%s", n->tap.name);
	for (unsigned s = 0; s < HVCTL_VIF_NR_STATS; s++)
		out->stats[s] = __atomic_load_n(&n->stats[s], __ATOMIC_RELAXED);
}

const struct hv_vdev_type hv_vdev_vif = {
    .kind = HVCTL_DEV_VIF,
    .name = "vif",
    .add = vif_add,
    .describe = vif_describe,
};
