/*
 * The hostile cases on virtio devices (hostile.h): garbage in the
 * registers, descriptors pointing outside RAM, descriptor chains that loop.
 * Each attempt runs on a device taken from its driver, brought up by hand
 * (status, features, one queue of 8), and is reported by what the device
 * did: completed it (with the request's status byte), set
 * DEVICE_NEEDS_RESET, or nothing within WAIT_MS. The device is reset after
 * each and given back to its driver at the end.
 */
#include "arch.h"
#include "kernel.h"
#include "devices.h"
#include "hostile.h"

#define QSIZE		   HOSTILE_QSIZE
#define WAIT_MS		   HOSTILE_WAIT_MS
#define F_NEXT		   1
#define F_WRITE		   2
#define F_INDIRECT	   4
#define F_INDIRECT_FEATURE 28
#define BLK_T_IN	   0
#define BLK_T_OUT	   1

struct blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* Request memory: the kernel's own (virtual = physical). */
static struct blk_req_hdr hdr;
static uint8_t data[4096] __attribute__((aligned(4096)));
static volatile uint8_t status_byte;
static struct virtq_desc table[64] __attribute__((aligned(16)));

uint64_t hostile_ram_end(void)
{
	return boot.info->mem_bytes;
}

static void wr(struct device *dev, unsigned int reg, uint32_t v)
{
	mmio_write32(dev->vdev.base + reg, v);
}

static uint32_t rd(struct device *dev, unsigned int reg)
{
	return mmio_read32(dev->vdev.base + reg);
}

/* The first disk, taken from its driver; NULL (and said) if there is none. */
static struct device *take_blk(void)
{
	struct device *dev = device_next(NULL, VIRTIO_ID_BLK);

	if (!dev)
		hostile_say("no disk to try\n");
	else
		hostile_take(dev);
	return dev;
}

struct virtq *hostile_raw_up(struct device *dev, uint64_t features, unsigned int nr_queues)
{
	struct virtio_dev *d = &dev->vdev;
	unsigned int i;

	virtio_release(d);
	if (virtio_begin(d, features))
		return NULL;
	for (i = 0; i < nr_queues; i++)
		if (virtq_setup(d, i, QSIZE))
			return NULL;
	virtio_driver_ok(d);
	return &d->vq[0];
}

static struct virtq *raw_up(struct device *dev, uint64_t features)
{
	return hostile_raw_up(dev, features, 1);
}

void hostile_put_desc(volatile struct virtq_desc *t, unsigned int i, uint64_t addr, uint32_t len,
		      uint16_t flags, uint16_t next)
{
	t[i].addr = addr;
	t[i].len = len;
	t[i].flags = flags;
	t[i].next = next;
}

void hostile_offer(struct device *dev, struct virtq *q, uint16_t head, uint16_t idx_step)
{
	q->avail->ring[q->avail_idx % q->size] = head;
	barrier();
	q->avail_idx = (uint16_t)(q->avail_idx + idx_step);
	q->avail->idx = q->avail_idx;
	barrier();
	wr(dev, REG_QUEUE_NOTIFY, q->index);
}

bool hostile_needs_reset(struct device *dev, uint64_t now, uint64_t *next, uint32_t *status)
{
	if (now < *next)
		return false;
	*next = now + HOSTILE_STATUS_EVERY_NS;
	*status = rd(dev, REG_STATUS);
	return *status & VIRTIO_STATUS_NEEDS_RESET;
}

int hostile_wait(struct device *dev, struct virtq *q, uint64_t ms, uint32_t *status)
{
	uint64_t now = clock_ns(), end = now + ms * 1000000ULL, next = 0;

	do {
		if (hostile_needs_reset(dev, now, &next, status))
			return 0;
		if (q && q->used->idx != q->last_used) {
			*status = rd(dev, REG_STATUS);
			return *status & VIRTIO_STATUS_NEEDS_RESET ? 0 : 1;
		}
		cpu_relax();
		now = clock_ns();
	} while (now < end);
	*status = rd(dev, REG_STATUS);
	return *status & VIRTIO_STATUS_NEEDS_RESET ? 0 : -ETIMEDOUT;
}

void hostile_say_outcome(struct device *dev, const char *what, int rc, uint32_t status, const char *done)
{
	if (rc > 0)
		hostile_say("%s: %s: %s\n", dev->name, what, done);
	else if (!rc)
		hostile_say("%s: %s: needs-reset\n", dev->name, what);
	else
		hostile_say("%s: %s: no answer (status %#x)\n", dev->name, what, status);
}

/* What the device did with what was offered: printed after what. */
static void outcome(struct device *dev, struct virtq *q, const char *what)
{
	char done[32];
	uint32_t st;
	int rc = hostile_wait(dev, q, WAIT_MS, &st);

	snprintf(done, sizeof(done), "completed, status %u", status_byte);
	hostile_say_outcome(dev, what, rc, st, done);
}

/* ---- desc-outside ---- */

/* A read (device writes data) or write request of one data buffer at addr, len. */
static void blk_chain(volatile struct virtq_desc *t, uint32_t type, uint64_t hdr_at, uint64_t addr,
		      uint32_t len, uint64_t status_at)
{
	hdr = (struct blk_req_hdr){type, 0, 16};
	status_byte = 0xee;
	hostile_put_desc(t, 0, hdr_at, sizeof(hdr), F_NEXT, 1);
	hostile_put_desc(t, 1, addr, len, (uint16_t)(F_NEXT | (type == BLK_T_IN ? F_WRITE : 0)), 2);
	hostile_put_desc(t, 2, status_at, 1, F_WRITE, 0);
}

#define BEYOND_RAM 0 /* hostile_ram_end() + 1 MiB */
#define OWN_BUF	   1 /* data[] */

struct outside {
	const char *what;
	uint32_t type;
	int hdr_out, status_out; /* header / status byte moved outside RAM */
	uint64_t addr;		 /* BEYOND_RAM, OWN_BUF or an address */
	uint32_t len;
};

static const struct outside outsides[] = {
    {"data beyond the end of RAM", BLK_T_IN, 0, 0, BEYOND_RAM, 512},
    {"data at the top of the address space, wrapping", BLK_T_IN, 0, 0, 0xfffffffffffff000ULL, 0x2000},
    {"data with a length that wraps", BLK_T_IN, 0, 0, OWN_BUF, 0xfffffe00},
    {"header beyond the end of RAM", BLK_T_IN, 1, 0, OWN_BUF, 512},
    {"status byte in the LAPIC page", BLK_T_IN, 0, 1, OWN_BUF, 512},
    {"write from the boot pages (GDT, boot info, command line)", BLK_T_OUT, 0, 0, 0x1000, 0x3000},
    {"write from the kernel image", BLK_T_OUT, 0, 0, XENON_KERNEL_MIN_GPA, 4096},
};

static void desc_outside_one(struct device *dev, const struct outside *o)
{
	struct virtq *q = raw_up(dev, 0);
	uint64_t addr = o->addr == BEYOND_RAM ? hostile_ram_end() + 0x100000
			: o->addr == OWN_BUF  ? (uintptr_t)data
					      : o->addr;

	if (!q) {
		hostile_say("%s: cannot bring the device up\n", dev->name);
		return;
	}
	blk_chain(q->desc, o->type, o->hdr_out ? hostile_ram_end() : (uintptr_t)&hdr, addr, o->len,
		  o->status_out ? 0xfee00000ULL : (uintptr_t)&status_byte);
	hostile_offer(dev, q, 0, 1);
	outcome(dev, q, o->what);
	virtio_reset(&dev->vdev);
}

/* Rings registered outside RAM: refused at QueueReady. */
static void rings_outside(struct device *dev)
{
	struct virtio_dev *d = &dev->vdev;

	virtio_release(d);
	if (virtio_begin(d, 0))
		return;
	wr(dev, REG_QUEUE_SEL, 0);
	wr(dev, REG_QUEUE_NUM, QSIZE);
	wr(dev, REG_QUEUE_DESC_LO, (uint32_t)(hostile_ram_end() - 64));
	wr(dev, REG_QUEUE_DESC_HI, (uint32_t)(hostile_ram_end() >> 32));
	wr(dev, REG_QUEUE_DRIVER_LO, 0x8000);
	wr(dev, REG_QUEUE_DEVICE_LO, 0x9000);
	wr(dev, REG_QUEUE_READY, 1);
	virtio_driver_ok(d);
	outcome(dev, NULL, "descriptor table across the end of RAM");
	virtio_reset(d);
}

int hostile_desc_outside(void)
{
	struct device *dev = take_blk();
	unsigned int i;

	if (!dev)
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(outsides); i++)
		desc_outside_one(dev, &outsides[i]);
	rings_outside(dev);
	return hostile_give_back(dev);
}

/* ---- desc-loop ---- */

enum loop_kind {
	SELF_LOOP,
	TWO_LOOP,
	RING_LOOP,
	NEXT_RANGE,
	IND_LOOP,
	IND_LONG,
	IND_NESTED,
	IND_OUTSIDE,
	IND_ODD,
	AVAIL_AHEAD,
	HEAD_RANGE
};

static const struct {
	enum loop_kind kind;
	const char *what;
} loops[] = {
    {SELF_LOOP, "a descriptor whose next is itself"},
    {TWO_LOOP, "two descriptors pointing at each other"},
    {RING_LOOP, "a chain through every descriptor and back to the first"},
    {NEXT_RANGE, "next beyond the queue"},
    {IND_LOOP, "an indirect table that loops"},
    {IND_LONG, "an indirect chain of 64, longer than the queue"},
    {IND_NESTED, "an indirect table inside an indirect table"},
    {IND_OUTSIDE, "an indirect table beyond the end of RAM"},
    {IND_ODD, "an indirect table of 17 bytes"},
    {AVAIL_AHEAD, "the avail index 1000 ahead"},
    {HEAD_RANGE, "a chain head beyond the queue"},
};

/* An indirect table of n: header, n - 2 data buffers, status; then its own twist. */
static void indirect_table(unsigned int n)
{
	unsigned int i;

	hdr = (struct blk_req_hdr){BLK_T_IN, 0, 0};
	hostile_put_desc(table, 0, (uintptr_t)&hdr, sizeof(hdr), F_NEXT, 1);
	for (i = 1; i + 1 < n; i++)
		hostile_put_desc(table, i, (uintptr_t)data, 512, F_NEXT | F_WRITE, (uint16_t)(i + 1));
	hostile_put_desc(table, n - 1, (uintptr_t)&status_byte, 1, F_WRITE, 0);
}

static void build_loop(struct virtq *q, enum loop_kind k, uint16_t *head, uint16_t *step)
{
	volatile struct virtq_desc *t = q->desc;
	unsigned int i;

	blk_chain(t, BLK_T_IN, (uintptr_t)&hdr, (uintptr_t)data, 512, (uintptr_t)&status_byte);
	if (k == SELF_LOOP)
		t[0].next = 0;
	else if (k == TWO_LOOP)
		t[1].next = 0;
	else if (k == RING_LOOP)
		for (i = 0; i < q->size; i++)
			hostile_put_desc(t, i, (uintptr_t)data, 512, F_NEXT | (i ? F_WRITE : 0),
					 (uint16_t)((i + 1) % q->size));
	else if (k == NEXT_RANGE)
		t[1].next = 200;
	if (k >= IND_LOOP && k <= IND_ODD) {
		indirect_table(k == IND_LONG ? 64 : 4);
		if (k == IND_LOOP)
			table[2].next = 1;
		if (k == IND_NESTED)
			table[1].flags = F_INDIRECT | F_NEXT;
		hostile_put_desc(t, 0, k == IND_OUTSIDE ? hostile_ram_end() : (uintptr_t)table,
				 k == IND_ODD ? 17 : (k == IND_LONG ? 64 : 4) * 16, F_INDIRECT, 0);
	}
	*head = k == HEAD_RANGE ? 77 : 0;
	*step = k == AVAIL_AHEAD ? 1000 : 1;
}

int hostile_desc_loop(void)
{
	struct device *dev = take_blk();
	unsigned int i;

	if (!dev)
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(loops); i++) {
		struct virtq *q = raw_up(dev, 1ULL << F_INDIRECT_FEATURE);
		uint16_t head, step;

		if (!q) {
			hostile_say("%s: cannot bring the device up\n", dev->name);
			break;
		}
		build_loop(q, loops[i].kind, &head, &step);
		hostile_offer(dev, q, head, step);
		outcome(dev, q, loops[i].what);
		virtio_reset(&dev->vdev);
	}
	return hostile_give_back(dev);
}

/* ---- vdev-regs ---- */

static void say_status(struct device *dev, const char *what)
{
	hostile_say("%s: %s: status %#x\n", dev->name, what, rd(dev, REG_STATUS));
}

static void begin_plain(struct device *dev)
{
	virtio_release(&dev->vdev);
	virtio_begin(&dev->vdev, 0);
}

/* The initialisation steps out of order, and queue registers at the wrong time or with bad values. */
static void regs_in_bad_order(struct device *dev)
{
	virtio_reset(&dev->vdev);
	wr(dev, REG_STATUS, VIRTIO_STATUS_DRIVER_OK);
	say_status(dev, "DRIVER_OK first");
	virtio_reset(&dev->vdev);
	wr(dev, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(dev, REG_DRIVER_FEATURES_SEL, 0);
	wr(dev, REG_DRIVER_FEATURES, 0xffffffff);
	wr(dev, REG_DRIVER_FEATURES_SEL, 1);
	wr(dev, REG_DRIVER_FEATURES, 0xffffffff);
	wr(dev, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	say_status(dev, "every feature bit asked for");
	wr(dev, REG_QUEUE_NUM, QSIZE);
	wr(dev, REG_QUEUE_READY, 1);
	hostile_say("%s: queue ready before FEATURES_OK: ready %u\n", dev->name, rd(dev, REG_QUEUE_READY));
	begin_plain(dev);
	wr(dev, REG_QUEUE_SEL, 0xffffffff);
	wr(dev, REG_QUEUE_NUM, QSIZE);
	wr(dev, REG_QUEUE_READY, 1);
	wr(dev, REG_QUEUE_NOTIFY, 0xffffffff);
	hostile_say("%s: queue 0xffffffff: max %u, ready %u\n", dev->name, rd(dev, REG_QUEUE_NUM_MAX),
		    rd(dev, REG_QUEUE_READY));
	wr(dev, REG_QUEUE_SEL, 0);
	wr(dev, REG_QUEUE_NUM, 0xffffffff);
	wr(dev, REG_QUEUE_READY, 1);
	say_status(dev, "queue of 0xffffffff entries");
	begin_plain(dev);
	wr(dev, REG_QUEUE_NUM, 3);
	wr(dev, REG_QUEUE_DESC_LO, 0xfffff000);
	wr(dev, REG_QUEUE_DESC_HI, 0xffffffff);
	wr(dev, REG_QUEUE_READY, 1);
	say_status(dev, "queue of 3 with its ring at the top of the address space");
}

/* Doorbells on queues that are not ready, before and after DRIVER_OK. */
static void notify_unready(struct device *dev)
{
	uint32_t i;

	begin_plain(dev);
	for (i = 0; i < 16; i++)
		wr(dev, REG_QUEUE_NOTIFY, i);
	wr(dev, REG_QUEUE_NOTIFY, 0xffff);
	virtio_driver_ok(&dev->vdev);
	for (i = 0; i < 16; i++)
		wr(dev, REG_QUEUE_NOTIFY, i);
	say_status(dev, "notify on queues that are not ready");
}

/* Features, queue 0, DRIVER_OK: a device at work as far as it can tell. */
static void live_up(struct device *dev)
{
	begin_plain(dev);
	virtq_setup(&dev->vdev, 0, QSIZE);
	virtio_driver_ok(&dev->vdev);
}

/* Random 32-bit values at every offset of a live device's window, then read it all. */
static void garbage_everywhere(struct device *dev)
{
	uintptr_t b = dev->vdev.base;
	uint32_t sum = 0;
	unsigned int off;

	live_up(dev);
	for (off = 0; off < 0x200; off += 4)
		mmio_write32(b + off, (uint32_t)hostile_rand());
	for (off = 0; off < 0x200; off += 4)
		sum += mmio_read32(b + off);
	hostile_say("%s: garbage at every offset (read back sum %#x): status %#x\n", dev->name, sum,
		    rd(dev, REG_STATUS));
}

/* The same in the widths the registers are not (virtio-mmio takes 32-bit control accesses only). */
static void odd_widths(struct device *dev)
{
	uintptr_t b = dev->vdev.base;
	uint64_t sum = 0;
	unsigned int off;

	live_up(dev);
	for (off = 0; off < 0x200; off++)
		*(volatile uint8_t *)(b + off) = (uint8_t)hostile_rand();
	for (off = 0; off < 0x200; off += 2)
		*(volatile uint16_t *)(b + off) = (uint16_t)hostile_rand();
	for (off = 0; off < 0x200; off += 8)
		*(volatile uint64_t *)(b + off) = hostile_rand();
	for (off = 0; off < 0x200; off += 8)
		sum += *(volatile uint64_t *)(b + off) + *(volatile uint16_t *)(b + off + 2);
	hostile_say("%s: 1-, 2- and 8-byte garbage at every offset (read back sum %#lx): status %#x\n",
		    dev->name, (unsigned long)sum, rd(dev, REG_STATUS));
}

/* Every device: steps, then a reset and back to its driver. */
static int each_device(void (*const steps[])(struct device *dev))
{
	struct device *dev;
	unsigned int i;
	int rc = 0;

	for (dev = device_next(NULL, 0); dev; dev = device_next(dev, 0)) {
		hostile_take(dev);
		for (i = 0; steps[i]; i++)
			steps[i](dev);
		virtio_reset(&dev->vdev);
		say_status(dev, "after a reset");
		if (hostile_give_back(dev))
			rc = -EIO;
	}
	return rc;
}

int hostile_vdev_regs(void)
{
	static void (*const steps[])(struct device * dev) = {regs_in_bad_order, notify_unready,
							     garbage_everywhere, NULL};

	return each_device(steps);
}

int hostile_vdev_widths(void)
{
	static void (*const steps[])(struct device * dev) = {odd_widths, NULL};

	return each_device(steps);
}
