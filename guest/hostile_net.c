/*
 * The hostile case on the NIC (hostile.h): `net` attacks xenon-hv's
 * virtio-net through the first NIC, taken from its driver and driven by
 * hand (rx queue 0, tx queue 1, HOSTILE_QSIZE entries each): bad receive
 * and transmit chains, then doorbell floods and a flood of full frames.
 *
 * What the device did with a frame is seen from the guest: the NIC's tap
 * must be on a bridge port in hairpin mode (tests/hostile.bats sets it), so
 * that a frame the guest sends to its own MAC comes back on its rx queue.
 * Every frame carries a tag of its own (EtherType 0x88b5, then a 32-bit
 * tag), so the first frame back with an attempt's tags tells what happened
 * (frames an earlier attempt left in the tap are skipped):
 *  - tx: a bad chain, then a good "marker" frame: the bad frame back first
 *    means it was sent, the marker first that it was dropped;
 *  - rx: a bad receive chain, then a good frame sent: the rx queue's used
 *    ring (and its length) or DEVICE_NEEDS_RESET. Frames left from before
 *    are no different from the one sent (same size, or too big alike).
 */
#include "arch.h"
#include "kernel.h"
#include "devices.h"
#include "hostile.h"

#define HDR	    12 /* struct virtio_net_hdr_v1 */
#define ETH_TYPE    0x88b5
#define FRAME	    60	 /* the usual test frame, without HDR */
#define BIG	    1514 /* a full frame, for the flood */
#define RX_SIZE	    2048
#define NRX	    HOSTILE_QSIZE
#define RXQ	    0
#define TXQ	    1
#define MARKER	    7 /* the marker's descriptor in the tx table */
#define F_NEXT	    1
#define F_WRITE	    2
#define F_CSUM	    (1ULL << 0)
#define F_TSO4	    (1ULL << 11)
#define F_MRG	    (1ULL << 15)
#define BACK_MS	    1000 /* the most a frame may take to come back (rate= included) */
#define NOTIFY_MS   300
#define FLOOD_MS    500
#define HDR_NUMBUFS 10 /* num_buffers in the header */

static uint8_t txf[2][HDR + BIG] __attribute__((aligned(64)));
static uint8_t rxb[NRX][RX_SIZE] __attribute__((aligned(64)));
static uint8_t mac[6];
static uint32_t next_tag = 1;

static void wr(struct device *dev, unsigned int reg, uint32_t v)
{
	mmio_write32(dev->vdev.base + reg, v);
}

/* A frame of len bytes (after the zero header) to our own MAC, with a new tag. */
static uint32_t make_frame(uint8_t *b, size_t len)
{
	uint32_t tag = next_tag++;
	size_t i;

	memset(b, 0, HDR);
	memcpy(b + HDR, mac, 6);
	memcpy(b + HDR + 6, mac, 6);
	b[HDR + 12] = ETH_TYPE >> 8;
	b[HDR + 13] = ETH_TYPE & 0xff;
	memcpy(b + HDR + 14, &tag, 4);
	for (i = HDR + 18; i < HDR + len; i++)
		b[i] = (uint8_t)i;
	return tag;
}

/* Put heads 0 .. n - 1 in the avail ring with one index update and one doorbell. */
static void offer_all(struct device *dev, struct virtq *q, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		q->avail->ring[(q->avail_idx + i) % q->size] = (uint16_t)i;
	barrier();
	q->avail_idx = (uint16_t)(q->avail_idx + n);
	q->avail->idx = q->avail_idx;
	barrier();
	wr(dev, REG_QUEUE_NOTIFY, q->index);
}

/* NRX receive buffers of RX_SIZE on the rx queue. */
static void post_rx(struct device *dev, struct virtq *rx)
{
	unsigned int i;

	for (i = 0; i < NRX; i++)
		hostile_put_desc(rx->desc, i, (uintptr_t)rxb[i], RX_SIZE, F_WRITE, 0);
	offer_all(dev, rx, NRX);
}

/* The tag of used rx element e, or 0 if it is not one of our frames. */
static uint32_t used_tag(struct virtq *rx, uint16_t e)
{
	uint32_t id = rx->used->ring[e % rx->size].id, len = rx->used->ring[e % rx->size].len, tag;
	const uint8_t *b;

	if (id >= NRX || len < HDR + 18)
		return 0;
	b = rxb[id];
	if (b[HDR + 12] != ETH_TYPE >> 8 || b[HDR + 13] != (ETH_TYPE & 0xff))
		return 0;
	memcpy(&tag, b + HDR + 14, 4);
	return tag;
}

/* Wait for the first frame back tagged a or b: 0 (a), 1 (b), -EIO (needs reset), -ETIMEDOUT.
 * Other frames (left from before) are skipped, their buffers offered again. */
static int first_back(struct device *dev, struct virtq *rx, uint32_t a, uint32_t b, uint64_t ms, uint32_t *st)
{
	uint64_t now = clock_ns(), end = now + ms * 1000000ULL, next = 0;
	uint32_t tag;

	do {
		if (hostile_needs_reset(dev, now, &next, st))
			return -EIO;
		while (rx->used->idx != rx->last_used) {
			tag = used_tag(rx, rx->last_used);
			if (tag && (tag == a || tag == b))
				return tag == b;
			hostile_offer(dev, rx,
				      (uint16_t)(rx->used->ring[rx->last_used++ % rx->size].id % NRX), 1);
		}
		cpu_relax();
		now = clock_ns();
	} while (now < end);
	*st = mmio_read32(dev->vdev.base + REG_STATUS);
	return *st & VIRTIO_STATUS_NEEDS_RESET ? -EIO : -ETIMEDOUT;
}

/* Both queues up with features: the tx queue (the rx queue is the one before it), or NULL (said). */
static struct virtq *net_up(struct device *dev, uint64_t features)
{
	struct virtq *rx = hostile_raw_up(dev, features, 2);

	if (!rx)
		hostile_say("%s: cannot bring the device up\n", dev->name);
	return rx ? rx + 1 : NULL;
}

/* The device up afresh, a good frame sent: does it come back? */
static const char *comes_back(struct device *dev)
{
	struct virtq *tx = net_up(dev, 0), *rx;
	uint32_t tag, st;

	if (!tx)
		return "the device did not come up";
	rx = tx - 1;
	post_rx(dev, rx);
	tag = make_frame(txf[1], FRAME);
	hostile_put_desc(tx->desc, 0, (uintptr_t)txf[1], HDR + FRAME, 0, 0);
	hostile_offer(dev, tx, 0, 1);
	return first_back(dev, rx, tag, tag, BACK_MS, &st) >= 0 ? "sent" : "did not come back";
}

/* ---- transmit ---- */

enum tx_kind { TX_SPLIT_HDR, TX_SHORT_HDR, TX_OVER_64K, TX_WRITABLE, TX_BAD_HDR, TX_OUTSIDE };

/* An attempt: its kind (enum tx_kind or rx_kind), the features it asks for, what it says. */
struct attempt {
	unsigned int kind;
	uint64_t features;
	const char *what;
};

static const struct attempt tx_cases[] = {
    {TX_SPLIT_HDR, 0, "tx: the header split over two buffers"},
    {TX_SHORT_HDR, 0, "tx: a header of 8 bytes"},
    {TX_OVER_64K, F_CSUM | F_TSO4, "tx: a chain of 66072 bytes, over 64 KiB, with TSO"},
    {TX_WRITABLE, 0, "tx: a frame the device may write"},
    {TX_BAD_HDR, 0, "tx: a header asking for checksum and TSO, not negotiated"},
    {TX_OUTSIDE, 0, "tx: a frame beyond the end of RAM"},
};

/* The bad chain, from descriptor 0 of t; its frame is f. */
static void build_tx(volatile struct virtq_desc *t, enum tx_kind k, uint8_t *f)
{
	uintptr_t a = (uintptr_t)f;
	unsigned int i;

	if (k == TX_SPLIT_HDR) {
		hostile_put_desc(t, 0, a, 6, F_NEXT, 1);
		hostile_put_desc(t, 1, a + 6, HDR - 6 + FRAME, 0, 0);
	} else if (k == TX_SHORT_HDR) {
		hostile_put_desc(t, 0, a, 8, 0, 0);
	} else if (k == TX_OVER_64K) {
		hostile_put_desc(t, 0, a, HDR + FRAME, F_NEXT, 1);
		for (i = 1; i <= 6; i++) /* the kernel image: any of the guest's RAM will do */
			hostile_put_desc(t, i, XENON_KERNEL_MIN_GPA, 11000, i < 6 ? F_NEXT : 0,
					 (uint16_t)(i + 1));
	} else {
		if (k == TX_BAD_HDR) {
			f[0] = 1;		  /* NEEDS_CSUM */
			f[1] = 1;		  /* GSO TCPv4 */
			f[4] = 0x78, f[5] = 0x05; /* gso_size 1400 */
		}
		hostile_put_desc(t, 0, k == TX_OUTSIDE ? hostile_ram_end() + 0x100000 : a, HDR + FRAME,
				 k == TX_WRITABLE ? F_WRITE : 0, 0);
	}
}

static void tx_attempt(struct device *dev, unsigned int c)
{
	static const char *const said[] = {"sent", "dropped"};
	struct virtq *tx = net_up(dev, tx_cases[c].features), *rx;
	uint32_t bad, marker, st;
	int rc;

	if (!tx)
		return;
	rx = tx - 1;
	post_rx(dev, rx);
	bad = make_frame(txf[0], FRAME);
	marker = make_frame(txf[1], FRAME);
	build_tx(tx->desc, tx_cases[c].kind, txf[0]);
	hostile_put_desc(tx->desc, MARKER, (uintptr_t)txf[1], HDR + FRAME, 0, 0);
	hostile_offer(dev, tx, 0, 1);
	hostile_offer(dev, tx, MARKER, 1);
	rc = first_back(dev, rx, bad, marker, BACK_MS, &st);
	if (rc >= 0)
		hostile_say_outcome(dev, tx_cases[c].what, 1, st, said[rc]);
	else
		hostile_say_outcome(dev, tx_cases[c].what, rc == -EIO ? 0 : rc, st, "");
	virtio_reset(&dev->vdev);
}

/* ---- receive ---- */

enum rx_kind { RX_SHORT, RX_READONLY, RX_SMALL, RX_MERGE, RX_OUTSIDE };

static const struct attempt rx_cases[] = {
    {RX_SHORT, 0, "rx: a buffer of 8 bytes, shorter than the header"},
    {RX_READONLY, 0, "rx: a buffer the device may only read"},
    {RX_SMALL, 0, "rx: a buffer of 64 bytes, a frame of 100 bytes then one of 40"},
    {RX_MERGE, F_MRG, "rx: seven mergeable buffers of 16 bytes"},
    {RX_OUTSIDE, 0, "rx: a buffer beyond the end of RAM"},
};

/* The bad receive chain(s) from descriptor 0: how many heads to offer. */
static unsigned int build_rx(volatile struct virtq_desc *t, enum rx_kind k)
{
	static const uint32_t len[] = {
	    [RX_SHORT] = 8, [RX_READONLY] = RX_SIZE, [RX_SMALL] = 64, [RX_OUTSIDE] = RX_SIZE};
	uintptr_t a = (uintptr_t)rxb[0];
	unsigned int i;

	if (k == RX_MERGE) {
		for (i = 0; i < 7; i++)
			hostile_put_desc(t, i, a + 16 * i, 16, F_WRITE, 0);
		return 7;
	}
	hostile_put_desc(t, 0, k == RX_OUTSIDE ? hostile_ram_end() : a, len[k],
			 k == RX_READONLY ? 0 : F_WRITE, 0);
	return 1;
}

static void rx_attempt(struct device *dev, unsigned int c)
{
	struct virtq *tx = net_up(dev, rx_cases[c].features), *rx;
	bool small = rx_cases[c].kind == RX_SMALL;
	uint32_t st, len;
	uint16_t bufs;
	char done[48];
	int rc;

	if (!tx)
		return;
	rx = tx - 1;
	offer_all(dev, rx, build_rx(rx->desc, rx_cases[c].kind));
	make_frame(txf[0], small ? 100 : FRAME);
	make_frame(txf[1], 40);
	hostile_put_desc(tx->desc, 0, (uintptr_t)txf[0], HDR + (small ? 100 : FRAME), 0, 0);
	hostile_put_desc(tx->desc, 1, (uintptr_t)txf[1], HDR + 40, 0, 0);
	hostile_offer(dev, tx, 0, 1);
	if (small)
		hostile_offer(dev, tx, 1, 1);
	rc = hostile_wait(dev, rx, BACK_MS, &st);
	len = rx->used->ring[rx->last_used % rx->size].len;
	memcpy(&bufs, rxb[0] + HDR_NUMBUFS, 2);
	if (rx_cases[c].kind == RX_MERGE)
		snprintf(done, sizeof(done), "completed, length %u, %u buffers", len, bufs);
	else
		snprintf(done, sizeof(done), "completed, length %u", len);
	hostile_say_outcome(dev, rx_cases[c].what, rc, st, done);
	virtio_reset(&dev->vdev);
}

/* The first NIC, taken from its driver, its MAC read; NULL (and said) if there is none. */
static struct device *take_nic(void)
{
	struct device *dev = device_next(NULL, VIRTIO_ID_NET);
	unsigned int i;

	if (!dev) {
		hostile_say("no NIC to try\n");
		return NULL;
	}
	for (i = 0; i < 6; i++)
		mac[i] = virtio_cfg_read8(&dev->vdev, i);
	hostile_take(dev);
	return dev;
}

/* ---- floods ---- */

/* Doorbells on both queues (and on queues that do not exist) with nothing offered. */
static void notify_flood(struct device *dev)
{
	uint64_t t0 = clock_ns(), end = t0 + NOTIFY_MS * 1000000ULL;
	unsigned long n = 0;

	if (!hostile_raw_up(dev, 0, 2))
		return;
	while (clock_ns() < end) {
		wr(dev, REG_QUEUE_NOTIFY, RXQ);
		wr(dev, REG_QUEUE_NOTIFY, TXQ);
		wr(dev, REG_QUEUE_NOTIFY, 2 + (uint32_t)(n % 0xfffe));
		n += 3;
	}
	hostile_say("%s: %lu doorbells on both queues and on missing ones in %lu ms: status %#x\n", dev->name,
		    n, (unsigned long)((clock_ns() - t0) / 1000000),
		    mmio_read32(dev->vdev.base + REG_STATUS));
	virtio_reset(&dev->vdev);
}

/* Used entries of q since last time, each offered again; how many. */
static unsigned int recycle(struct device *dev, struct virtq *q)
{
	unsigned int n = 0;

	while (q->used->idx != q->last_used) {
		q->avail->ring[(q->avail_idx + n) % q->size] =
		    (uint16_t)q->used->ring[q->last_used % q->size].id;
		q->last_used++;
		n++;
	}
	if (n) {
		barrier();
		q->avail_idx = (uint16_t)(q->avail_idx + n);
		q->avail->idx = q->avail_idx;
		barrier();
		wr(dev, REG_QUEUE_NOTIFY, q->index);
	}
	return n;
}

/* Full frames as fast as the device takes them, every receive buffer given back at once. */
static void tx_flood(struct device *dev)
{
	struct virtq *tx = net_up(dev, 0), *rx;
	unsigned long sent = 0, back = 0;
	uint64_t t0, end, now, next = 0;
	unsigned int i;
	uint32_t st;

	if (!tx)
		return;
	rx = tx - 1;
	post_rx(dev, rx);
	make_frame(txf[0], BIG);
	for (i = 0; i < tx->size; i++)
		hostile_put_desc(tx->desc, i, (uintptr_t)txf[0], HDR + BIG, 0, 0);
	offer_all(dev, tx, tx->size);
	now = t0 = clock_ns();
	end = t0 + FLOOD_MS * 1000000ULL;
	while (now < end && !hostile_needs_reset(dev, now, &next, &st)) {
		/* rx first: a frame is used on tx before it can come back */
		back += recycle(dev, rx);
		sent += recycle(dev, tx);
		now = clock_ns();
	}
	hostile_say("%s: %lu frames of %u bytes sent, %lu came back, in %lu ms\n", dev->name, sent, BIG, back,
		    (unsigned long)((clock_ns() - t0) / 1000000));
	/* Reset while frames wait for the rate; then the NIC must work at once. */
	virtio_reset(&dev->vdev);
	hostile_say("%s: a frame after a reset while frames waited: %s\n", dev->name, comes_back(dev));
	virtio_reset(&dev->vdev);
}

int hostile_net(void)
{
	struct device *dev = take_nic();
	unsigned int i;

	if (!dev)
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(rx_cases); i++)
		rx_attempt(dev, i);
	for (i = 0; i < ARRAY_SIZE(tx_cases); i++)
		tx_attempt(dev, i);
	notify_flood(dev);
	tx_flood(dev);
	return hostile_give_back(dev);
}
