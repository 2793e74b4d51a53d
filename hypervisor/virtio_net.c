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
#include "hypervisor/virtio_net.h"

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

/* Each NIC's ops (struct vnet) are a copy with its own name. */
static const struct vmmio_ops net_ops = {
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
static int vif_tap(struct vnet *n, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds,
		   unsigned mtu)
{
	int rc;

	if (!(spec->flags & HVCTL_DEVF_FDS))
		return tap_open(&n->tap, spec->target, mtu);
	if (fds->n != 1) {
		log_warnx("vif %u: %u file descriptors passed; a vif takes one, its tap", spec->devid,
			  fds->n);
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
	snprintf(n->name, sizeof(n->name), "vif %u", spec->devid);
	n->ops = net_ops;
	n->ops.name = n->name;
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
		rc = hv_virtio_add(vm, &n->ops, n, out);
	if (rc) {
		log_warnx("vif %u: not added: %s", spec->devid, log_strerror(rc));
		vnet_free(n);
		return rc;
	}
	__atomic_store_n(&n->mmio, hv_virtio_transport(*out), __ATOMIC_RELEASE);
	log_info("vif %u: tap %s (%s), MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, rate %llu bytes per %u us",
		 n->devid, n->tap.name, n->tap.created ? "created" : "existing", n->mac[0], n->mac[1],
		 n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->mtu, (unsigned long long)n->rate.budget,
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
