/*
 * The virtio-blk driver (virtio 1.x section 5.2): one request queue,
 * requests of a header (type, sector), the data in up to seg_max segments
 * of at most size_max bytes, and a status byte the device writes.
 *
 * Synchronous for the shell (blk_io), or several requests in flight for
 * the benchmark (blk_submit / blk_reap). Every request is checked against
 * the capacity and the read-only flag before it goes to the device.
 */
#include "blk.h"
#include "devices.h"
#include "kernel.h"
#include "virtio.h"

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX  12
#define CFG_BLK_SIZE 20

#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define QUEUE_SIZE     128
#define MAX_SEGS       16
#define REQ_TIMEOUT_NS 30000000000ULL

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* One request slot: header and status in a page of slots (device memory). */
struct blk_slot {
	struct blk_hdr hdr;
	volatile uint8_t status;
	uint8_t busy;
	uint8_t pad[6];
};

static int blk_attach(struct device *dev)
{
	struct virtio_dev *d = &dev->vdev;
	struct blk *b;
	uint64_t want = 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
			1ULL << VIRTIO_BLK_F_RO | 1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH;
	int rc;

	b = page_alloc(1);
	if (!b)
		return -ENOMEM;
	_Static_assert(sizeof(struct blk) <= 4096, "struct blk fits a page");
	dev->priv = b;
	b->slots = page_alloc(1);
	if (!b->slots) {
		page_free(b, 1);
		return -ENOMEM;
	}
	rc = virtio_begin(d, want);
	rc = rc ? rc : virtq_setup(d, 0, QUEUE_SIZE);
	if (rc)
		goto fail;
	b->q = &d->vq[0];
	b->capacity = virtio_cfg_read64(d, CFG_CAPACITY);
	b->ro = virtio_has(d, VIRTIO_BLK_F_RO);
	b->flush = virtio_has(d, VIRTIO_BLK_F_FLUSH);
	b->size_max = virtio_has(d, VIRTIO_BLK_F_SIZE_MAX) ? virtio_cfg_read32(d, CFG_SIZE_MAX) : 0;
	b->seg_max = virtio_has(d, VIRTIO_BLK_F_SEG_MAX) ? virtio_cfg_read32(d, CFG_SEG_MAX) : 0;
	b->blk_size = virtio_has(d, VIRTIO_BLK_F_BLK_SIZE) ? virtio_cfg_read32(d, CFG_BLK_SIZE) : 512;
	if (!b->seg_max || b->seg_max > MAX_SEGS)
		b->seg_max = MAX_SEGS;
	if (b->size_max && b->size_max < BLK_SECTOR)
		b->size_max = BLK_SECTOR;
	rc = virtio_irq_attach(d, NULL, NULL);
	if (rc)
		goto fail;
	virtio_driver_ok(d);
	printf("%s: virtio-blk, %lu sectors (%lu MiB), %s, at %#lx irq %u\n", dev->name,
	       (unsigned long)b->capacity, (unsigned long)(b->capacity >> 11),
	       b->ro ? "read-only" : "read-write", (unsigned long)d->base, d->irq);
	return 0;
fail:
	page_free(b->slots, 1);
	page_free(b, 1);
	dev->priv = NULL;
	return rc;
}

static void blk_detach(struct device *dev)
{
	struct blk *b = dev->priv;

	if (!b)
		return;
	page_free(b->slots, 1);
	page_free(b, 1);
	dev->priv = NULL;
}

const struct driver virtio_blk_driver = {
    .name = "virtio-blk",
    .virtio_id = VIRTIO_ID_BLK,
    .xs_kind = "vbd",
    .prefix = "xvd",
    .letters = true,
    .attach = blk_attach,
    .detach = blk_detach,
};

uint32_t blk_max_request(const struct blk *b)
{
	uint64_t m = BLK_MAX_REQ;

	if (b->size_max && (uint64_t)b->size_max * b->seg_max < m)
		m = (uint64_t)b->size_max * b->seg_max;
	return (uint32_t)(m & ~(uint64_t)(BLK_SECTOR - 1));
}

int blk_check(struct device *dev, bool write, uint64_t sector, uint64_t count)
{
	struct blk *b = dev->priv;

	if (write && b->ro) {
		printf("%s: read-only disk: writes are refused\n", dev->name);
		return -EROFS;
	}
	if (!count || sector >= b->capacity || count > b->capacity - sector) {
		printf("%s: sectors %lu..%lu are beyond the end of the disk (%lu sectors, 0..%lu)\n",
		       dev->name, (unsigned long)sector, (unsigned long)(sector + count - 1),
		       (unsigned long)b->capacity, (unsigned long)(b->capacity ? b->capacity - 1 : 0));
		return -ERANGE;
	}
	return 0;
}

/* Queue one request (checked by the caller) in slot s: 0 or -ENOSPC. */
int blk_submit(struct device *dev, unsigned int s, bool write, uint64_t sector, void *buf, uint32_t bytes)
{
	struct blk *b = dev->priv;
	struct blk_slot *slot = &((struct blk_slot *)b->slots)[s];
	struct virtq_buf v[MAX_SEGS + 2];
	uint32_t seg = b->size_max ? b->size_max : bytes, off;
	unsigned int n = 0;
	int rc;

	if (s >= BLK_SLOTS || bytes > blk_max_request(b) || bytes % BLK_SECTOR)
		return -EINVAL;
	if (slot->busy)
		return -EBUSY; /* its request is still on the device (timed out) */
	slot->hdr.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	slot->hdr.reserved = 0;
	slot->hdr.sector = sector;
	slot->status = 0xff;
	v[n++] = (struct virtq_buf){&slot->hdr, sizeof(slot->hdr), false};
	for (off = 0; off < bytes; off += seg)
		v[n++] = (struct virtq_buf){(char *)buf + off, bytes - off < seg ? bytes - off : seg, !write};
	v[n++] = (struct virtq_buf){(void *)&slot->status, 1, true};
	rc = virtq_add(b->q, v, n, slot);
	if (!rc)
		slot->busy = 1;
	return rc;
}

void blk_kick(struct device *dev)
{
	struct blk *b = dev->priv;

	virtq_kick(b->q);
}

static const char *status_name(uint8_t st)
{
	return st == VIRTIO_BLK_S_IOERR	   ? "an I/O error"
	       : st == VIRTIO_BLK_S_UNSUPP ? "unsupported"
					   : "a bad status";
}

/*
 * Wait for the next completion: its slot in *s; 0, -EIO (the device said
 * so; reported with the sector) or -ETIMEDOUT.
 */
int blk_reap(struct device *dev, unsigned int *s)
{
	struct blk *b = dev->priv;
	uint64_t deadline = clock_ns() + REQ_TIMEOUT_NS;
	struct blk_slot *slot;
	uint32_t len;

	while (!(slot = virtq_get_used(b->q, &len)))
		if (virtq_wait(b->q, deadline)) {
			printf("%s: the device did not complete a request within 30 s\n", dev->name);
			return -ETIMEDOUT;
		}
	*s = (unsigned int)(slot - (struct blk_slot *)b->slots);
	slot->busy = 0;
	if (slot->status != VIRTIO_BLK_S_OK) {
		printf("%s: %s %s at sector %lu: the device reported %s\n", dev->name,
		       slot->hdr.type == VIRTIO_BLK_T_OUT ? "write" : "read", "request",
		       (unsigned long)slot->hdr.sector, status_name(slot->status));
		return -EIO;
	}
	return 0;
}

/* Synchronous: count sectors from sector to/from buf, in requests of the largest size. */
int blk_io(struct device *dev, bool write, uint64_t sector, void *buf, uint64_t count)
{
	uint32_t max = blk_max_request(dev->priv) / BLK_SECTOR;
	unsigned int s;
	int rc = blk_check(dev, write, sector, count);

	while (!rc && count) {
		uint32_t n = count < max ? (uint32_t)count : max;

		rc = blk_submit(dev, 0, write, sector, buf, n * BLK_SECTOR);
		if (rc) {
			printf("%s: cannot queue a request: %s\n", dev->name,
			       rc == -EBUSY || rc == -ENOSPC
				   ? "an earlier one is still on the device, which stopped answering"
				   : "invalid request");
			break;
		}
		blk_kick(dev);
		rc = blk_reap(dev, &s);
		sector += n;
		count -= n;
		buf = (char *)buf + n * BLK_SECTOR;
	}
	return rc;
}
