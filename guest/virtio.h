/*
 * The guest's virtio core: the virtio-mmio transport (version 2 only, the
 * "modern" register layout of virtio 1.x, section 4.2.2) and split
 * virtqueues (section 2.7), for the drivers (virtio_blk.c, virtio_net.c).
 *
 * Memory: the kernel runs virtual = physical, so a buffer's address is its
 * device (DMA) address; queues and buffers come from mem.c (page_alloc),
 * or any static or stack memory of the kernel.
 *
 * Bringing a device up (section 3.1.1), from thread context:
 *
 *	struct virtio_dev *d = ...;          // from the registry (devices.h)
 *	rc = virtio_begin(d, wanted);         // reset, ACKNOWLEDGE, DRIVER, features,
 *	                                      // FEATURES_OK (VERSION_1 always asked);
 *	                                      // d->features = what was agreed
 *	cap = virtio_cfg_read64(d, 0);        // device-specific config
 *	rc = virtq_setup(d, 0, 128);          // queue 0, at most 128 entries
 *	rc = virtio_irq_attach(d, fn, arg);   // level-triggered IOAPIC pin d->irq
 *	virtio_driver_ok(d);                  // DRIVER_OK: the device is live
 *
 * Using a queue (thread context only; the queues have no lock):
 *
 *	struct virtq_buf b[2] = {{hdr, sizeof(*hdr), false}, {data, len, true}};
 *	rc = virtq_add(q, b, 2, cookie);      // -ENOSPC: not enough free descriptors
 *	virtq_kick(q);                        // notify (unless the device said not to)
 *	while (!(cookie = virtq_get_used(q, &written)))
 *		if (virtq_wait(q, deadline))   // idle until the device's interrupt
 *			...timed out...
 *
 * Interrupts: each device has its own level-triggered IOAPIC pin. The
 * handler (virtio.c) reads InterruptStatus, acknowledges it (which lowers
 * the line, before the EOI), counts, and calls the driver's optional
 * callback with the status bits; the callback runs in interrupt context
 * with interrupts off, so it must only note things (no queue work, no
 * xenstore). Queue work is done in thread context (a command, or a poll
 * from the shell's idle loop).
 *
 * Stopping: virtio_reset() writes status 0 and waits for the device to
 * read back 0; virtio_release() then gives back the queues' memory and
 * masks the interrupt. Values read from the device are checked before use
 * (queue sizes; a used id that names no chain in flight is ignored); a used
 * length is the driver's to check against the buffers it gave.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"

/* Device ids (virtio 1.x section 5) */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2

/* Feature bits common to all devices */
#define VIRTIO_F_VERSION_1 32

/* virtio-mmio version 2 register offsets (4.2.2) */
enum {
	REG_MAGIC = 0x000,
	REG_VERSION = 0x004,
	REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c,
	REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014,
	REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034,
	REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = 0x050,
	REG_INTERRUPT_STATUS = 0x060,
	REG_INTERRUPT_ACK = 0x064,
	REG_STATUS = 0x070,
	REG_QUEUE_DESC_LO = 0x080,
	REG_QUEUE_DESC_HI = 0x084,
	REG_QUEUE_DRIVER_LO = 0x090,
	REG_QUEUE_DRIVER_HI = 0x094,
	REG_QUEUE_DEVICE_LO = 0x0a0,
	REG_QUEUE_DEVICE_HI = 0x0a4,
	REG_CONFIG_GENERATION = 0x0fc,
	REG_CONFIG = 0x100,
};

/* Device status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* InterruptStatus bits */
#define VIRTIO_INT_USED	  1
#define VIRTIO_INT_CONFIG 2

#define VIRTIO_MAX_QUEUES 4
#define VIRTQ_MAX_SIZE	  256

/* Split virtqueue layout (little-endian; x86 is too) */
#define VIRTQ_DESC_F_NEXT      1
#define VIRTQ_DESC_F_WRITE     2
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

struct virtio_dev;

/* One buffer of a chain: the device reads it, or writes it (device_writes). */
struct virtq_buf {
	void *addr;
	uint32_t len;
	bool device_writes;
};

struct virtq {
	struct virtio_dev *dev;
	uint16_t index;
	uint16_t size; /* entries, a power of two <= VIRTQ_MAX_SIZE; 0 = not set up */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t free_head;
	uint16_t num_free;
	uint16_t last_used;		    /* the used index up to which we have taken entries */
	uint16_t avail_idx;		    /* our copy of avail->idx */
	void *cookie[VIRTQ_MAX_SIZE];	    /* per chain head; NULL = not in flight */
	uint16_t chain_len[VIRTQ_MAX_SIZE]; /* per chain head */
	void *pages;			    /* the ring memory (page_alloc) */
	unsigned int nr_pages;
};

typedef void (*virtio_irq_fn)(struct virtio_dev *d, uint32_t status, void *arg);

struct virtio_dev {
	uintptr_t base; /* the virtio-mmio window (guest-physical = virtual) */
	uint32_t size;
	unsigned int irq; /* IOAPIC pin */
	uint32_t device_id;
	uint32_t vendor_id;
	uint64_t features; /* agreed by virtio_begin */
	struct virtq vq[VIRTIO_MAX_QUEUES];
	virtio_irq_fn irq_fn;
	void *irq_arg;
	bool irq_attached;
	volatile uint64_t irq_count;
	volatile uint32_t irq_status; /* InterruptStatus bits seen since last cleared */
};

/* Check the window: 0; -EINVAL (no virtio magic), -EPROTO (not version 2), -ENODEV (device id 0). */
int virtio_probe(struct virtio_dev *d, uintptr_t base, uint32_t size, unsigned int irq);
/* Reset and negotiate: d->features = wanted & offered (VERSION_1 is required). */
int virtio_begin(struct virtio_dev *d, uint64_t wanted);
/* Set up queue idx with min(max_size, the device's maximum) entries. */
int virtq_setup(struct virtio_dev *d, unsigned int idx, unsigned int max_size);
int virtio_irq_attach(struct virtio_dev *d, virtio_irq_fn fn, void *arg);
void virtio_driver_ok(struct virtio_dev *d);
/* Mark the device FAILED (a driver that gives up on it). */
void virtio_fail(struct virtio_dev *d);
/* Status 0 and wait (1 s at most) for the device to show it: 0 or -ETIMEDOUT. */
int virtio_reset(struct virtio_dev *d);
/* After a reset: give back the queues' memory and the interrupt. */
void virtio_release(struct virtio_dev *d);
uint32_t virtio_status(struct virtio_dev *d);
static inline bool virtio_has(const struct virtio_dev *d, unsigned int bit)
{
	return d->features >> bit & 1;
}

/* Device-specific configuration space (offset from the start of config). */
uint8_t virtio_cfg_read8(struct virtio_dev *d, unsigned int off);
uint16_t virtio_cfg_read16(struct virtio_dev *d, unsigned int off);
uint32_t virtio_cfg_read32(struct virtio_dev *d, unsigned int off);
uint64_t virtio_cfg_read64(struct virtio_dev *d, unsigned int off); /* generation-checked */
void virtio_cfg_write8(struct virtio_dev *d, unsigned int off, uint8_t v);

/* Queue a chain of n buffers with a cookie (not NULL) that virtq_get_used gives back. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned int n, void *cookie);
/* Tell the device about what was added (skipped if it asked for no notifications). */
void virtq_kick(struct virtq *q);
/* The cookie of the next completed chain (its written length in *len), or NULL. */
void *virtq_get_used(struct virtq *q, uint32_t *len);
bool virtq_has_used(struct virtq *q);
/* Chains in flight (added, not yet taken back). */
unsigned int virtq_in_flight(const struct virtq *q);
/* Idle until q has a used entry or an interrupt comes; -ETIMEDOUT once
 * deadline (clock_ns) has passed. Call it in a loop around virtq_get_used. */
int virtq_wait(struct virtq *q, uint64_t deadline_ns);

/* mem.c: contiguous, zeroed, page-aligned guest-physical pages */
void mem_init(void);
void *page_alloc(unsigned int n);
void page_free(void *p, unsigned int n);
unsigned long mem_free_pages(void);
/* The balloon's pages (balloon.c): taken from the top of the pool, listed, put back. */
unsigned long mem_pool_pages(void);
unsigned long mem_balloon_take(uint64_t *addrs, unsigned long n);
unsigned long mem_balloon_list(uint64_t *addrs, unsigned long n);
void mem_balloon_put(uint64_t addr);
/* `mem fill`: the pattern over every free page (how many); `mem check`: how many checked, *bad lost it. */
unsigned long mem_fill(void);
unsigned long mem_check(unsigned long *bad, uint64_t *first_bad);

#endif
