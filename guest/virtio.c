/*
 * virtio-mmio (version 2) transport and split virtqueues: see virtio.h.
 */
#include "arch.h"
#include "kernel.h"
#include "virtio.h"

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */

#define RESET_TIMEOUT_NS 1000000000ULL
#define PAGE_SIZE	 4096

static uint32_t rd(struct virtio_dev *d, unsigned int reg)
{
	return mmio_read32(d->base + reg);
}

static void wr(struct virtio_dev *d, unsigned int reg, uint32_t v)
{
	mmio_write32(d->base + reg, v);
}

int virtio_probe(struct virtio_dev *d, uintptr_t base, uint32_t size, unsigned int irq)
{
	memset(d, 0, sizeof(*d));
	if (size < REG_CONFIG || base % 0x200)
		return -EINVAL;
	d->base = base;
	d->size = size;
	d->irq = irq;
	if (rd(d, REG_MAGIC) != VIRTIO_MMIO_MAGIC)
		return -EINVAL;
	if (rd(d, REG_VERSION) != 2)
		return -EPROTO;
	d->device_id = rd(d, REG_DEVICE_ID);
	d->vendor_id = rd(d, REG_VENDOR_ID);
	return d->device_id ? 0 : -ENODEV;
}

uint32_t virtio_status(struct virtio_dev *d)
{
	return rd(d, REG_STATUS);
}

static void set_status(struct virtio_dev *d, uint32_t bits)
{
	wr(d, REG_STATUS, rd(d, REG_STATUS) | bits);
}

int virtio_reset(struct virtio_dev *d)
{
	uint64_t deadline = clock_ns() + RESET_TIMEOUT_NS;

	wr(d, REG_STATUS, 0);
	while (rd(d, REG_STATUS)) {
		if (clock_ns() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

void virtio_fail(struct virtio_dev *d)
{
	set_status(d, VIRTIO_STATUS_FAILED);
}

static uint64_t read_features(struct virtio_dev *d)
{
	uint64_t f;

	wr(d, REG_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)rd(d, REG_DEVICE_FEATURES) << 32;
	wr(d, REG_DEVICE_FEATURES_SEL, 0);
	return f | rd(d, REG_DEVICE_FEATURES);
}

int virtio_begin(struct virtio_dev *d, uint64_t wanted)
{
	uint64_t offered;
	int rc = virtio_reset(d);

	if (rc)
		return rc;
	set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(d, VIRTIO_STATUS_DRIVER);
	offered = read_features(d);
	if (!(offered >> VIRTIO_F_VERSION_1 & 1)) {
		virtio_fail(d);
		return -ENODEV; /* a legacy-only device */
	}
	d->features = (wanted | 1ULL << VIRTIO_F_VERSION_1) & offered;
	wr(d, REG_DRIVER_FEATURES_SEL, 0);
	wr(d, REG_DRIVER_FEATURES, (uint32_t)d->features);
	wr(d, REG_DRIVER_FEATURES_SEL, 1);
	wr(d, REG_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	set_status(d, VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(d, REG_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_fail(d);
		return -EINVAL; /* the device refused our subset */
	}
	return 0;
}

void virtio_driver_ok(struct virtio_dev *d)
{
	set_status(d, VIRTIO_STATUS_DRIVER_OK);
}

/* Bytes of ring memory for a queue of n entries: descriptors, avail, used. */
static uint32_t ring_bytes(uint32_t n, uint32_t *avail_off, uint32_t *used_off)
{
	*avail_off = 16 * n;
	*used_off = (*avail_off + 6 + 2 * n + 3) & ~3U;
	return *used_off + 6 + 8 * n;
}

static void wr64(struct virtio_dev *d, unsigned int lo, const volatile void *p)
{
	uint64_t a = (uintptr_t)p;

	wr(d, lo, (uint32_t)a);
	wr(d, lo + 4, (uint32_t)(a >> 32));
}

static void free_list_init(struct virtq *q)
{
	uint16_t i;

	for (i = 0; i < q->size; i++) {
		q->desc[i].next = (uint16_t)(i + 1 < q->size ? i + 1 : 0);
		q->cookie[i] = NULL;
	}
	q->free_head = 0;
	q->num_free = q->size;
	q->last_used = q->avail_idx = 0;
}

int virtq_setup(struct virtio_dev *d, unsigned int idx, unsigned int max_size)
{
	struct virtq *q;
	uint32_t n, avail_off, used_off, bytes;

	if (idx >= VIRTIO_MAX_QUEUES || d->vq[idx].size)
		return -EINVAL;
	q = &d->vq[idx];
	wr(d, REG_QUEUE_SEL, idx);
	if (rd(d, REG_QUEUE_READY))
		return -EINVAL;
	n = rd(d, REG_QUEUE_NUM_MAX);
	if (!n)
		return -ENODEV; /* no such queue */
	if (n > max_size)
		n = max_size;
	if (n > VIRTQ_MAX_SIZE)
		n = VIRTQ_MAX_SIZE;
	while (n & (n - 1)) /* a power of two: the largest not above */
		n &= n - 1;
	if (!n)
		return -EINVAL;
	bytes = ring_bytes(n, &avail_off, &used_off);
	q->nr_pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	q->pages = page_alloc(q->nr_pages);
	if (!q->pages)
		return -ENOMEM;
	q->dev = d;
	q->index = (uint16_t)idx;
	q->size = (uint16_t)n;
	q->desc = q->pages;
	q->avail = (void *)((char *)q->pages + avail_off);
	q->used = (void *)((char *)q->pages + used_off);
	free_list_init(q);
	wr(d, REG_QUEUE_NUM, n);
	wr64(d, REG_QUEUE_DESC_LO, q->desc);
	wr64(d, REG_QUEUE_DRIVER_LO, q->avail);
	wr64(d, REG_QUEUE_DEVICE_LO, q->used);
	wr(d, REG_QUEUE_READY, 1);
	return 0;
}

/* The device on each IOAPIC pin (one device per pin, as xenon-hv and QEMU give them). */
static struct virtio_dev *pin_dev[IOAPIC_PINS];

/*
 * Interrupt context: acknowledge what the device says, which lowers the
 * level-triggered line before trap_dispatch's EOI (else it fires again).
 */
static void virtio_irq(struct regs *r)
{
	unsigned int pin = (unsigned int)(r->vector - VEC_IOAPIC0);
	struct virtio_dev *d = pin < IOAPIC_PINS ? pin_dev[pin] : NULL;
	uint32_t st;

	if (!d)
		return;
	st = rd(d, REG_INTERRUPT_STATUS);
	if (st)
		wr(d, REG_INTERRUPT_ACK, st);
	d->irq_count++;
	__atomic_or_fetch(&d->irq_status, st, __ATOMIC_RELAXED);
	if (d->irq_fn && st)
		d->irq_fn(d, st, d->irq_arg);
}

int virtio_irq_attach(struct virtio_dev *d, virtio_irq_fn fn, void *arg)
{
	int rc;

	if (d->irq >= IOAPIC_PINS)
		return -EINVAL;
	if (pin_dev[d->irq] && pin_dev[d->irq] != d)
		return -EBUSY;
	d->irq_fn = fn;
	d->irq_arg = arg;
	pin_dev[d->irq] = d;
	rc = ioapic_route_level(d->irq, virtio_irq);
	if (rc) {
		pin_dev[d->irq] = NULL;
		return rc;
	}
	d->irq_attached = true;
	return 0;
}

void virtio_release(struct virtio_dev *d)
{
	unsigned int i;

	if (d->irq_attached) {
		ioapic_mask(d->irq);
		pin_dev[d->irq] = NULL;
		d->irq_attached = false;
	}
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtq *q = &d->vq[i];

		if (q->pages)
			page_free(q->pages, q->nr_pages);
		memset(q, 0, sizeof(*q));
	}
}

uint8_t virtio_cfg_read8(struct virtio_dev *d, unsigned int off)
{
	return *(volatile uint8_t *)(d->base + REG_CONFIG + off);
}

uint16_t virtio_cfg_read16(struct virtio_dev *d, unsigned int off)
{
	return *(volatile uint16_t *)(d->base + REG_CONFIG + off);
}

uint32_t virtio_cfg_read32(struct virtio_dev *d, unsigned int off)
{
	return rd(d, REG_CONFIG + off);
}

/* Two 32-bit halves, retried until the config generation holds still. */
uint64_t virtio_cfg_read64(struct virtio_dev *d, unsigned int off)
{
	uint32_t gen, lo, hi;
	int tries = 100;

	do {
		gen = rd(d, REG_CONFIG_GENERATION);
		lo = rd(d, REG_CONFIG + off);
		hi = rd(d, REG_CONFIG + off + 4);
	} while (rd(d, REG_CONFIG_GENERATION) != gen && --tries);
	return (uint64_t)hi << 32 | lo;
}

void virtio_cfg_write8(struct virtio_dev *d, unsigned int off, uint8_t v)
{
	*(volatile uint8_t *)(d->base + REG_CONFIG + off) = v;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned int n, void *cookie)
{
	uint16_t head, i;
	unsigned int k;

	if (!n || !cookie || !q->size)
		return -EINVAL;
	if (n > q->num_free)
		return -ENOSPC;
	head = i = q->free_head;
	for (k = 0; k < n; k++) {
		volatile struct virtq_desc *dp = &q->desc[i];

		dp->addr = (uintptr_t)bufs[k].addr;
		dp->len = bufs[k].len;
		dp->flags = (uint16_t)((bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
				       (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		i = dp->next;
	}
	q->free_head = i;
	q->num_free = (uint16_t)(q->num_free - n);
	q->cookie[head] = cookie;
	q->chain_len[head] = (uint16_t)n;
	q->avail->ring[q->avail_idx % q->size] = head;
	barrier(); /* the ring entry before the index (x86 keeps store order) */
	q->avail->idx = ++q->avail_idx;
	return 0;
}

void virtq_kick(struct virtq *q)
{
	/* the index store must be visible before we read the device's flag */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(q->used->flags & VIRTQ_USED_F_NO_NOTIFY))
		wr(q->dev, REG_QUEUE_NOTIFY, q->index);
}

bool virtq_has_used(struct virtq *q)
{
	return q->size && q->used->idx != q->last_used;
}

unsigned int virtq_in_flight(const struct virtq *q)
{
	return (unsigned int)(q->size - q->num_free);
}

/* Give the chain at head back to the free list. */
static void free_chain(struct virtq *q, uint16_t head)
{
	uint16_t i = head, n = q->chain_len[head], k;

	for (k = 1; k < n; k++)
		i = q->desc[i].next;
	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->num_free = (uint16_t)(q->num_free + n);
	q->cookie[head] = NULL;
}

void *virtq_get_used(struct virtq *q, uint32_t *len)
{
	while (virtq_has_used(q)) {
		volatile struct virtq_used_elem *e = &q->used->ring[q->last_used % q->size];
		uint32_t id, l;
		void *cookie;

		barrier(); /* the entry after the index that announced it */
		id = e->id;
		l = e->len;
		q->last_used++;
		/* A device that names a chain not in flight is ignored, not trusted. */
		if (id >= q->size || !q->cookie[id]) {
			printf("virtio: device at %#lx used descriptor %u, not in flight; ignored\n",
			       (unsigned long)q->dev->base, id);
			continue;
		}
		cookie = q->cookie[id];
		free_chain(q, (uint16_t)id);
		if (len)
			*len = l;
		return cookie;
	}
	return NULL;
}

int virtq_wait(struct virtq *q, uint64_t deadline_ns)
{
	if (clock_ns() > deadline_ns)
		return -ETIMEDOUT;
	irq_disable();
	if (virtq_has_used(q))
		irq_enable();
	else
		cpu_idle();
	return 0;
}
