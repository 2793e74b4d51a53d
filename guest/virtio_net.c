/*
 * The virtio-net driver (virtio 1.x section 5.1): queue 0 receives, queue 1
 * transmits, each buffer a 12-byte virtio_net_hdr (all zero: no offloads)
 * and one Ethernet frame. The MAC and MTU come from the device's config
 * when it offers them.
 *
 * Receive buffers are kept on the queue at all times; the device's
 * interrupt only wakes the vCPU, and the frames are taken in thread
 * context by net_poll() (the shell's idle loop, or a command waiting for
 * the network), handed to the stack and their buffers queued again.
 * Transmit copies each frame into a free slot; slots come back as the
 * device uses them (no transmit interrupts: they are reclaimed on the
 * next send or poll). Lengths the device reports are checked before use.
 */
#include "devices.h"
#include "kernel.h"
#include "net.h"
#include "virtio.h"

#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define CFG_MAC		 0
#define CFG_MTU		 10

#define VNET_HDR_LEN	   12 /* struct virtio_net_hdr with num_buffers (VERSION_1) */
#define VNET_BUF_SIZE	   2048
#define VNET_QUEUE_SIZE	   128
#define PAGE_SIZE	   4096
#define VRING_AVAIL_NO_INT 1 /* virtq_avail.flags: no interrupts, please */
#define RXQ		   0
#define TXQ		   1

_Static_assert(VNET_HDR_LEN + NET_FRAME_MAX <= VNET_BUF_SIZE, "a frame fits a buffer");

struct vnet {
	struct netdev nd;
	struct device *dev;
	struct virtq *rxq, *txq;
	uint8_t *rx_bufs, *tx_bufs; /* nr_rx and nr_tx buffers of VNET_BUF_SIZE */
	unsigned int nr_rx, nr_tx, rx_pages, tx_pages;
	uint16_t tx_free[VNET_QUEUE_SIZE]; /* a stack of free transmit slots */
	unsigned int nr_tx_free;
	bool registered;
};

static struct vnet vnets[NET_MAX_NICS];

static struct vnet *vnet_of(struct netdev *nd)
{
	return (struct vnet *)nd; /* nd is the first member */
}

static int rx_queue(struct vnet *v, uint8_t *buf)
{
	struct virtq_buf b = {buf, VNET_BUF_SIZE, true};

	return virtq_add(v->rxq, &b, 1, buf);
}

/* Take back the transmit slots the device has finished with. */
static void tx_reclaim(struct vnet *v)
{
	uint8_t *buf;

	while ((buf = virtq_get_used(v->txq, NULL))) {
		uintptr_t off = (uintptr_t)(buf - v->tx_bufs);

		if (off % VNET_BUF_SIZE || off / VNET_BUF_SIZE >= v->nr_tx || v->nr_tx_free >= v->nr_tx)
			continue; /* not one of ours (virtq_get_used gives back only our cookies) */
		v->tx_free[v->nr_tx_free++] = (uint16_t)(off / VNET_BUF_SIZE);
	}
}

static int vnet_send(struct netdev *nd, const void *frame, size_t len)
{
	struct vnet *v = vnet_of(nd);
	struct virtq_buf b;
	uint8_t *slot;
	uint16_t i;

	if (len > VNET_BUF_SIZE - VNET_HDR_LEN)
		return -EMSGSIZE;
	tx_reclaim(v);
	if (!v->nr_tx_free)
		return -ENOBUFS;
	i = v->tx_free[--v->nr_tx_free];
	slot = v->tx_bufs + (size_t)i * VNET_BUF_SIZE;
	memset(slot, 0, VNET_HDR_LEN);
	memcpy(slot + VNET_HDR_LEN, frame, len);
	b = (struct virtq_buf){slot, (uint32_t)(VNET_HDR_LEN + len), false};
	if (virtq_add(v->txq, &b, 1, slot)) {
		v->tx_free[v->nr_tx_free++] = i;
		return -ENOBUFS;
	}
	virtq_kick(v->txq);
	return 0;
}

static void vnet_poll(struct netdev *nd)
{
	struct vnet *v = vnet_of(nd);
	unsigned int n = 0;
	uint32_t len;
	uint8_t *buf;

	/* at most one queue's worth per call, so that a flood cannot hold the shell */
	while (n < v->nr_rx && (buf = virtq_get_used(v->rxq, &len))) {
		if (len > VNET_HDR_LEN && len <= VNET_BUF_SIZE) {
			net_rx(nd, buf + VNET_HDR_LEN, len - VNET_HDR_LEN);
		} else {
			nd->stats.rx_packets++;
			nd->stats.rx_dropped++;
		}
		if (rx_queue(v, buf))
			printf("%s: a receive buffer could not be queued again\n", nd->name);
		n++;
	}
	if (n)
		virtq_kick(v->rxq);
	tx_reclaim(v);
}

static bool vnet_pending(struct netdev *nd)
{
	return virtq_has_used(vnet_of(nd)->rxq);
}

static const struct netdev_ops vnet_ops = {
    .send = vnet_send,
    .poll = vnet_poll,
    .pending = vnet_pending,
};

static void vnet_free(struct vnet *v)
{
	if (v->registered)
		netdev_unregister(&v->nd);
	if (v->rx_bufs)
		page_free(v->rx_bufs, v->rx_pages);
	if (v->tx_bufs)
		page_free(v->tx_bufs, v->tx_pages);
	memset(v, 0, sizeof(*v));
}

/* MAC and MTU from the config (when offered); a made-up local MAC otherwise. */
static void read_config(struct vnet *v, struct virtio_dev *d)
{
	unsigned int i;

	for (i = 0; i < ETH_ALEN; i++)
		v->nd.mac[i] = virtio_has(d, VIRTIO_NET_F_MAC) ? virtio_cfg_read8(d, CFG_MAC + i) : 0;
	if (!virtio_has(d, VIRTIO_NET_F_MAC)) {
		v->nd.mac[0] = 0x02; /* locally administered */
		v->nd.mac[5] = (uint8_t)(v->dev->index + 1);
	}
	v->nd.mtu = virtio_has(d, VIRTIO_NET_F_MTU) ? virtio_cfg_read16(d, CFG_MTU) : NET_MTU_MAX;
	if (v->nd.mtu > NET_MTU_MAX)
		v->nd.mtu = NET_MTU_MAX; /* our buffers' size; larger frames are the device's to drop */
}

static int setup_queues(struct vnet *v, struct virtio_dev *d)
{
	unsigned int i;
	int rc;

	rc = virtq_setup(d, RXQ, VNET_QUEUE_SIZE);
	rc = rc ? rc : virtq_setup(d, TXQ, VNET_QUEUE_SIZE);
	if (rc)
		return rc;
	v->rxq = &d->vq[RXQ];
	v->txq = &d->vq[TXQ];
	v->nr_rx = v->rxq->size;
	v->nr_tx = v->txq->size;
	v->rx_pages = (v->nr_rx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
	v->tx_pages = (v->nr_tx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
	v->rx_bufs = page_alloc(v->rx_pages);
	v->tx_bufs = page_alloc(v->tx_pages);
	if (!v->rx_bufs || !v->tx_bufs)
		return -ENOMEM;
	for (i = 0; i < v->nr_rx; i++) {
		rc = rx_queue(v, v->rx_bufs + (size_t)i * VNET_BUF_SIZE);
		if (rc)
			return rc;
	}
	for (i = 0; i < v->nr_tx; i++)
		v->tx_free[i] = (uint16_t)(v->nr_tx - 1 - i);
	v->nr_tx_free = v->nr_tx;
	v->txq->avail->flags = VRING_AVAIL_NO_INT;
	return 0;
}

static int vnet_attach(struct device *dev)
{
	struct virtio_dev *d = &dev->vdev;
	struct vnet *v = NULL;
	unsigned int i;
	int rc;

	for (i = 0; i < NET_MAX_NICS && !v; i++)
		if (!vnets[i].dev)
			v = &vnets[i];
	if (!v)
		return -ENOSPC;
	v->dev = dev;
	rc = virtio_begin(d, 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_MTU);
	if (!rc) {
		read_config(v, d);
		strlcpy(v->nd.name, dev->name, sizeof(v->nd.name));
		v->nd.ops = &vnet_ops;
		rc = setup_queues(v, d);
	}
	rc = rc ? rc : virtio_irq_attach(d, NULL, NULL);
	rc = rc ? rc : netdev_register(&v->nd);
	if (rc) {
		vnet_free(v);
		return rc;
	}
	v->registered = true;
	virtio_driver_ok(d);
	virtq_kick(v->rxq);
	dev->priv = v;
	return 0;
}

/* Reset first, so that the device writes no more into buffers given back. */
static void vnet_detach(struct device *dev)
{
	struct vnet *v = dev->priv;

	if (!v)
		return;
	if (virtio_reset(&dev->vdev)) {
		printf("%s: the device did not reset; its buffers are not reused\n", dev->name);
		v->rx_bufs = v->tx_bufs = NULL;
	}
	vnet_free(v);
	dev->priv = NULL;
}

const struct driver virtio_net_driver = {
    .name = "virtio-net",
    .virtio_id = VIRTIO_ID_NET,
    .xs_kind = "vif",
    .prefix = "eth",
    .letters = false,
    .attach = vnet_attach,
    .detach = vnet_detach,
};
