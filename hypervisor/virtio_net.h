/*
 * virtio-net's parts shared by its files (private to hypervisor/virtio_net*.c):
 * the device's state, the header and feature bits it speaks. virtio_net.c is
 * the transport's callbacks, save/restore and the vif kind; virtio_net_tx.c
 * and virtio_net_rx.c move the packets (their rules: virtio_net.c's comment).
 */
#ifndef XENON_HV_VIRTIO_NET_H
#define XENON_HV_VIRTIO_NET_H

#include "hypervisor/hv.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

#include "hypervisor/ratelimit.h"
#include "hypervisor/tap.h"
#include "hypervisor/virtio_mmio.h"

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
	char name[16];	      /* "vif 0": what the transport's log lines call it */
	struct vmmio_ops ops; /* net_ops with that name */
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
	struct vnet_hdr tx_hdr; /* tx_wait's header, copied and checked (tx_check) */
	int rate_timer;

	uint64_t stats[HVCTL_VIF_NR_STATS]; /* atomic */
};

static inline void count(struct vnet *n, enum hvctl_vif_stat s, uint64_t v)
{
	__atomic_fetch_add(&n->stats[s], v, __ATOMIC_RELAXED);
}

static inline bool has(struct vnet *n, unsigned bit)
{
	return vmmio_features(n->mmio) & F(bit);
}

/* The largest frame the guest may send (or be sent) without segmentation. */
static inline size_t frame_max(struct vnet *n)
{
	return (n->mtu > 1500 ? n->mtu : 1500) + ETH_FRAME_XTRA;
}

/* rate='s clock (not hv_now_ns: the unit test and fuzzer link this device alone) */
static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* virtio_net_tx.c: under the transport's queue lock, on the I/O thread */
void tx_process(struct vnet *n);
void tx_rate_timer(struct vnet *n);
void tx_forget(struct vnet *n);

/* virtio_net_rx.c */
void rx_start(struct vnet *n);
void rx_stop(struct vnet *n);
void rx_forget(struct vnet *n);
void rx_process(struct vnet *n);

#endif
