/*
 * virtio-blk (virtio 1.x, 5.2) on a raw file or host block device: the vbd
 * kind of docs/devices.md. One request queue, served on the device's I/O
 * thread (virtio_dev.c calls queue_notify there): every chain available is
 * popped, checked and turned into an operation, the batch goes to the I/O
 * engine at once (blk_io.c: io_uring), and the answers are pushed together.
 *
 * A request (any layout, VERSION_1): a 16-byte header in the first readable
 * bytes, the data (readable for writes, writable for reads), and the status
 * in the last writable byte. Everything in it is the guest's: the header is
 * copied before it is checked, the data length must be whole sectors inside
 * the capacity, and a request that breaks a rule gets VIRTIO_BLK_S_IOERR
 * (VIRTIO_BLK_S_UNSUPP for an unknown type); one with no byte for the
 * status sets DEVICE_NEEDS_RESET.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "hypervisor/blk_backing.h"
#include "hypervisor/blk_io.h"
#include "hypervisor/migstream.h"
#include "hypervisor/vdev.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"

#define VIRTIO_ID_BLOCK 2

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX	1
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_DISCARD	13

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN	     0
#define VIRTIO_BLK_T_OUT     1
#define VIRTIO_BLK_T_FLUSH   4
#define VIRTIO_BLK_T_GET_ID  8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_S_OK	     0
#define VIRTIO_BLK_S_IOERR   1
#define VIRTIO_BLK_S_UNSUPP  2
#define VIRTIO_BLK_ID_BYTES  20

/* struct virtio_blk_config (5.2.4): the fields this device fills. */
enum {
	CFG_CAPACITY = 0,
	CFG_SIZE_MAX = 8,
	CFG_SEG_MAX = 12,
	CFG_BLK_SIZE = 20,
	CFG_WRITEBACK = 32,
	CFG_MAX_DISCARD_SECTORS = 36,
	CFG_MAX_DISCARD_SEG = 40,
	CFG_DISCARD_ALIGNMENT = 44,
	CFG_SIZE = 60,
};

#define BLK_QUEUE_MAX	    256
#define BLK_SEG_MAX	    (BLK_QUEUE_MAX - 2) /* data buffers in one request */
#define BLK_CHAIN_MAX	    (BLK_SEG_MAX + 2)
#define BLK_SIZE_MAX	    (1U << 20) /* a hint: larger segments work too */
#define BLK_BATCH	    32
#define BLK_HDR		    16
#define BLK_BOUNCE_MAX	    (1U << 20) /* larger unaligned requests go buffered */
#define BLK_DISCARD_SEGS    32
#define BLK_DISCARD_SECTORS (1U << 22)

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_discard_seg {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

struct vbd_req {
	struct virtq_chain c;
	struct virtq_buf bufs[BLK_CHAIN_MAX];
	struct iovec iov[BLK_CHAIN_MAX];
	unsigned niov;
	struct blk_op op;
	bool io; /* op to run */
	uint32_t type;
	uint8_t status;
	uint32_t written; /* data bytes given to the guest */
	void *bounce;
	struct iovec biov;
};

struct vbd {
	char name[32]; /* "vbd 51712" */
	uint32_t devid, flags;
	char target[256];
	char serial[VIRTIO_BLK_ID_BYTES];
	struct blk_backing b;
	struct blk_io io;
	uint64_t sectors;
	uint8_t config[CFG_SIZE];
	struct vmmio_ops ops;
	struct hv_dev *dev;
	pthread_mutex_t lock;		    /* the queue's processing against reset */
	bool writeback;			    /* atomic: write-back cache (else write-through) */
	uint64_t stats[HVCTL_VBD_NR_STATS]; /* atomic */
	struct vbd_req reqs[BLK_BATCH];
};

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void stat_add(struct vbd *v, unsigned k, uint64_t n)
{
	__atomic_add_fetch(&v->stats[k], n, __ATOMIC_RELAXED);
}

static struct vmmio_dev *transport(struct vbd *v)
{
	return hv_virtio_transport(v->dev);
}

/* ---- the request types ---- */

/* The data bytes of a chain's readable (or writable) part from skip on. */
static unsigned chain_iov(const struct vbd_req *r, bool writable, uint64_t skip, uint64_t len,
			  struct iovec *iov)
{
	unsigned i = writable ? r->c.n_readable : 0, end = writable ? r->c.n : r->c.n_readable, n = 0;

	for (; i < end && len; i++) {
		uint64_t l = r->bufs[i].len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > len)
			l = len;
		iov[n++] = (struct iovec){r->bufs[i].host + skip, l};
		len -= l;
		skip = 0;
	}
	return n;
}

static bool iov_aligned(const struct iovec *iov, unsigned n, unsigned align)
{
	for (unsigned i = 0; i < n; i++)
		if ((uintptr_t)iov[i].iov_base % align || iov[i].iov_len % align)
			return false;
	return true;
}

/* O_DIRECT wants aligned offsets, lengths and buffers: a misaligned buffer
 * is bounced (up to BLK_BOUNCE_MAX), anything else goes through the
 * buffered fd. 0 or -ENOMEM. */
static int place_io(struct vbd *v, struct vbd_req *r)
{
	struct blk_op *op = &r->op;
	unsigned a = v->b.align;
	size_t size;

	if (!v->b.direct || iov_aligned(op->iov, op->niov, a)) {
		if (v->b.direct && (op->off % a || op->len % a))
			op->fd = v->b.bfd;
		return 0;
	}
	if (op->off % a || op->len % a || op->len > BLK_BOUNCE_MAX) {
		op->fd = v->b.bfd;
		return 0;
	}
	size = (op->len + a - 1) / a * a;
	r->bounce = aligned_alloc(a, size);
	if (!r->bounce)
		return -ENOMEM;
	if (op->kind == BLK_OP_WRITE)
		for (size_t i = 0, off = 0; i < op->niov; off += op->iov[i].iov_len, i++)
			memcpy((uint8_t *)r->bounce + off, op->iov[i].iov_base, op->iov[i].iov_len);
	r->biov = (struct iovec){r->bounce, op->len};
	op->iov = &r->biov;
	op->niov = 1;
	return 0;
}

static uint8_t do_rw(struct vbd *v, struct vbd_req *r, const struct blk_hdr *h)
{
	bool in = h->type == VIRTIO_BLK_T_IN;
	uint64_t len = in ? r->c.writable_len - 1ULL : r->c.readable_len - (uint64_t)BLK_HDR;

	if (!in && v->b.readonly) {
		log_debug("%s: write to a read-only disk refused", v->name);
		return VIRTIO_BLK_S_IOERR;
	}
	if (len % BLK_SECTOR || h->sector > v->sectors || len / BLK_SECTOR > v->sectors - h->sector) {
		log_debug("%s: %s of %llu bytes at sector %llu refused (capacity %llu sectors)", v->name,
			  in ? "read" : "write", (unsigned long long)len, (unsigned long long)h->sector,
			  (unsigned long long)v->sectors);
		return VIRTIO_BLK_S_IOERR;
	}
	if (!len)
		return VIRTIO_BLK_S_OK;
	r->niov = chain_iov(r, in, in ? 0 : BLK_HDR, len, r->iov);
	r->op = (struct blk_op){
	    .kind = in ? BLK_OP_READ : BLK_OP_WRITE,
	    .fd = v->b.fd,
	    .iov = r->iov,
	    .niov = r->niov,
	    .off = h->sector * BLK_SECTOR,
	    .len = len,
	    .dsync = !in && !__atomic_load_n(&v->writeback, __ATOMIC_RELAXED),
	};
	if (place_io(v, r))
		return VIRTIO_BLK_S_IOERR;
	r->io = true;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_flush(struct vbd *v, struct vbd_req *r, const struct blk_hdr *h)
{
	(void)h;
	if (v->b.readonly)
		return VIRTIO_BLK_S_OK; /* nothing was written */
	r->op = (struct blk_op){.kind = BLK_OP_FLUSH, .fd = v->b.bfd};
	r->io = true;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct vbd *v, struct vbd_req *r, const struct blk_hdr *h)
{
	uint32_t len = r->c.writable_len - 1;

	(void)h;
	if (len > VIRTIO_BLK_ID_BYTES)
		len = VIRTIO_BLK_ID_BYTES;
	r->written = virtq_copy_to(r->bufs, &r->c, 0, v->serial, len);
	return VIRTIO_BLK_S_OK;
}

/* Every segment is copied and checked before any is discarded. */
static uint8_t do_discard(struct vbd *v, struct vbd_req *r, const struct blk_hdr *h)
{
	struct blk_discard_seg segs[BLK_DISCARD_SEGS];
	uint64_t bytes = r->c.readable_len - (uint64_t)BLK_HDR;
	unsigned n = bytes / sizeof(segs[0]);
	int rc = 0;

	(void)h;
	if (v->b.readonly || !n || n > BLK_DISCARD_SEGS || bytes % sizeof(segs[0]))
		return VIRTIO_BLK_S_IOERR;
	virtq_copy_from(r->bufs, &r->c, BLK_HDR, segs, bytes);
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = le64toh(segs[i].sector), k = le32toh(segs[i].num_sectors);

		if (segs[i].flags)
			return VIRTIO_BLK_S_UNSUPP; /* unmap is a write-zeroes flag */
		if (k > BLK_DISCARD_SECTORS || s > v->sectors || k > v->sectors - s)
			return VIRTIO_BLK_S_IOERR;
		segs[i].sector = s;
		segs[i].num_sectors = k;
	}
	for (unsigned i = 0; i < n && !rc; i++)
		rc =
		    blk_backing_discard(&v->b, segs[i].sector * BLK_SECTOR, segs[i].num_sectors * BLK_SECTOR);
	if (rc)
		log_debug("%s: discard: %s", v->name, log_strerror(rc));
	return rc == -EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP : rc ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

static const struct {
	uint32_t type;
	unsigned stat; /* counted when it succeeds */
	uint8_t (*fn)(struct vbd *v, struct vbd_req *r, const struct blk_hdr *h);
} blk_types[] = {
    {VIRTIO_BLK_T_IN, HVCTL_VBD_RD_REQS, do_rw},
    {VIRTIO_BLK_T_OUT, HVCTL_VBD_WR_REQS, do_rw},
    {VIRTIO_BLK_T_FLUSH, HVCTL_VBD_FLUSH_REQS, do_flush},
    {VIRTIO_BLK_T_GET_ID, HVCTL_VBD_NR_STATS, do_get_id},
    {VIRTIO_BLK_T_DISCARD, HVCTL_VBD_DISCARD_REQS, do_discard},
};
#define NR_BLK_TYPES (sizeof(blk_types) / sizeof(blk_types[0]))

/* A popped chain: its answer now, or an operation for the batch (r->io). */
static void prepare(struct vbd *v, struct vbd_req *r)
{
	struct blk_hdr h;

	r->io = false;
	r->written = 0;
	r->bounce = NULL;
	r->type = UINT32_MAX;
	r->status = VIRTIO_BLK_S_IOERR;
	if (r->c.readable_len < BLK_HDR) {
		log_debug("%s: request with a %u-byte header refused", v->name, r->c.readable_len);
		return;
	}
	virtq_copy_from(r->bufs, &r->c, 0, &h, sizeof(h));
	h.type = le32toh(h.type);
	h.sector = le64toh(h.sector);
	r->type = h.type;
	r->status = VIRTIO_BLK_S_UNSUPP;
	for (unsigned i = 0; i < NR_BLK_TYPES; i++)
		if (blk_types[i].type == h.type)
			r->status = blk_types[i].fn(v, r, &h);
}

/* After the batch: the operation's result, bounce copies, statistics, status. */
static void finish(struct vbd *v, struct vbd_req *r)
{
	if (r->io && r->op.result) {
		log_debug("%s: I/O error: %s", v->name, log_strerror(r->op.result));
		r->status = VIRTIO_BLK_S_IOERR;
	}
	if (r->io && r->op.kind == BLK_OP_READ && r->status == VIRTIO_BLK_S_OK) {
		if (r->bounce)
			for (unsigned i = 0, off = 0; i < r->niov; off += r->iov[i].iov_len, i++)
				memcpy(r->iov[i].iov_base, (uint8_t *)r->bounce + off, r->iov[i].iov_len);
		r->written = r->op.len;
	}
	free(r->bounce);
	r->bounce = NULL;
	if (r->status != VIRTIO_BLK_S_OK) {
		stat_add(v, HVCTL_VBD_ERRORS, 1);
		r->written = 0;
	}
	for (unsigned i = 0; i < NR_BLK_TYPES && r->status == VIRTIO_BLK_S_OK; i++)
		if (blk_types[i].type == r->type && blk_types[i].stat < HVCTL_VBD_NR_STATS)
			stat_add(v, blk_types[i].stat, 1);
	if (r->status == VIRTIO_BLK_S_OK && r->io && r->op.kind != BLK_OP_FLUSH)
		stat_add(v, r->op.kind == BLK_OP_READ ? HVCTL_VBD_RD_SECTORS : HVCTL_VBD_WR_SECTORS,
			 r->op.len / BLK_SECTOR);
	virtq_copy_to(r->bufs, &r->c, r->c.writable_len - 1, &r->status, 1);
}

/* Pop up to BLK_BATCH chains; 0 when the queue is empty or broken. */
static unsigned pop_batch(struct vbd *v, struct virtq *vq, int *rc)
{
	unsigned n = 0;

	while (n < BLK_BATCH && vmmio_driver_ok(transport(v))) {
		struct vbd_req *r = &v->reqs[n];

		*rc = virtq_pop(vq, r->bufs, BLK_CHAIN_MAX, &r->c);
		if (*rc <= 0)
			break;
		if (!r->c.writable_len) {
			/* No byte for the status: a driver bug only a reset mends (5.2.6.1). */
			log_info("%s: request without a status byte: device needs a reset", v->name);
			stat_add(v, HVCTL_VBD_ERRORS, 1);
			virtq_push(vq, &r->c, 0);
			vmmio_set_needs_reset(transport(v));
			break;
		}
		prepare(v, r);
		n++;
	}
	return n;
}

static void run_batch(struct vbd *v, struct virtq *vq, unsigned n)
{
	struct blk_op *ops[BLK_BATCH];
	unsigned nops = 0;

	for (unsigned i = 0; i < n; i++)
		if (v->reqs[i].io)
			ops[nops++] = &v->reqs[i].op;
	blk_io_run(&v->io, ops, nops);
	for (unsigned i = 0; i < n; i++) {
		finish(v, &v->reqs[i]);
		/* all it may write: a read that failed may have written some */
		virtq_mark_written(vq, &v->reqs[i].c, v->reqs[i].bufs, v->reqs[i].c.writable_len);
		virtq_push(vq, &v->reqs[i].c, v->reqs[i].written + 1);
	}
	vmmio_notify_used(transport(v), 0);
}

static void vbd_queue_notify(void *dev, unsigned q)
{
	struct vbd *v = dev;
	struct virtq *vq = vmmio_queue(transport(v), q);
	unsigned n;
	int rc = 0;

	pthread_mutex_lock(&v->lock);
	do {
		virtq_disable_notify(vq);
		do {
			n = pop_batch(v, vq, &rc);
			/* Requests behind a full batch wait for its slots: Xen's oo_req. */
			if (n == BLK_BATCH && virtq_has_avail(vq))
				stat_add(v, HVCTL_VBD_OO_REQS, 1);
			if (n)
				run_batch(v, vq, n);
		} while (n == BLK_BATCH);
	} while (rc >= 0 && vmmio_driver_ok(transport(v)) && virtq_enable_notify(vq));
	pthread_mutex_unlock(&v->lock);
}

/* ---- config space, features, reset ---- */

static void vbd_config_read(void *dev, uint32_t off, void *data, unsigned size)
{
	struct vbd *v = dev;

	memcpy(data, v->config + off, size);
	if (off <= CFG_WRITEBACK && off + size > CFG_WRITEBACK)
		((uint8_t *)data)[CFG_WRITEBACK - off] = __atomic_load_n(&v->writeback, __ATOMIC_RELAXED);
}

static void vbd_config_write(void *dev, uint32_t off, const void *data, unsigned size)
{
	struct vbd *v = dev;

	if (off == CFG_WRITEBACK && size == 1)
		__atomic_store_n(&v->writeback, *(const uint8_t *)data != 0, __ATOMIC_RELAXED);
}

/* Without FLUSH the driver cannot make writes stable: write-through (5.2.5). */
static int vbd_features_ok(void *dev, uint64_t features)
{
	struct vbd *v = dev;

	__atomic_store_n(&v->writeback, !!(features & (1ULL << VIRTIO_BLK_F_FLUSH)), __ATOMIC_RELAXED);
	return 0;
}

static void vbd_reset(void *dev)
{
	struct vbd *v = dev;

	pthread_mutex_lock(&v->lock); /* waits for the queue's processing */
	__atomic_store_n(&v->writeback, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&v->lock);
}

static void vbd_free(struct vbd *v)
{
	blk_io_fini(&v->io);
	blk_backing_close(&v->b);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static void vbd_destroy(void *dev)
{
	vbd_free(dev);
}

static void make_config(struct vbd *v)
{
	uint64_t cap = htole64(v->sectors);

	memcpy(v->config + CFG_CAPACITY, &cap, 8);
	put_le32(v->config + CFG_SIZE_MAX, BLK_SIZE_MAX);
	put_le32(v->config + CFG_SEG_MAX, BLK_SEG_MAX);
	put_le32(v->config + CFG_BLK_SIZE, v->b.logical_block);
	put_le32(v->config + CFG_MAX_DISCARD_SECTORS, BLK_DISCARD_SECTORS);
	put_le32(v->config + CFG_MAX_DISCARD_SEG, BLK_DISCARD_SEGS);
	put_le32(v->config + CFG_DISCARD_ALIGNMENT, 4096 / BLK_SECTOR);
}

/* ---- save and restore (struct mig_vbd): no request is ever left in flight ---- */

static void vbd_save(void *dev, void *state)
{
	struct vbd *v = dev;
	struct mig_vbd b = {.sectors = v->sectors,
			    .readonly = v->b.readonly,
			    .writeback = __atomic_load_n(&v->writeback, __ATOMIC_RELAXED)};

	memcpy(b.serial, v->serial, sizeof(b.serial));
	memcpy(state, &b, sizeof(b));
}

static int vbd_load(void *dev, const void *state)
{
	struct vbd *v = dev;
	struct mig_vbd b;

	memcpy(&b, state, sizeof(b));
	if (b.sectors != v->sectors || b.readonly != v->b.readonly) {
		log_warnx("%s: the saved disk had %llu sectors%s, %s has %llu%s: restore with the same disk",
			  v->name, (unsigned long long)b.sectors, b.readonly ? " (read-only)" : "", v->target,
			  (unsigned long long)v->sectors, v->b.readonly ? " (read-only)" : "");
		return -EINVAL;
	}
	if (memcmp(b.serial, v->serial, sizeof(b.serial))) {
		log_warnx("%s: the saved disk's serial was '%.20s', this one's is '%.20s'", v->name, b.serial,
			  v->serial);
		return -EINVAL;
	}
	__atomic_store_n(&v->writeback, b.writeback != 0, __ATOMIC_RELAXED);
	return 0;
}

/* Migration: the disk's lock given up once the stream is sent, taken again
 * before the domain runs (on the target, or on the source if it resumes). */
static int vbd_handover(void *dev, bool hold)
{
	struct vbd *v = dev;
	int rc = hold ? blk_backing_lock(&v->b, v->name, v->target) : blk_backing_unlock(&v->b);

	if (rc && !hold)
		log_warnx("%s: %s: cannot flush it and give up its lock: %s", v->name, v->target,
			  log_strerror(rc));
	return rc;
}

static void make_ops(struct vbd *v)
{
	uint64_t f = 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
		     1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH |
		     1ULL << VIRTIO_BLK_F_CONFIG_WCE;

	f |= v->b.readonly ? 1ULL << VIRTIO_BLK_F_RO : 1ULL << VIRTIO_BLK_F_DISCARD;
	v->ops = (struct vmmio_ops){
	    .name = v->name,
	    .device_id = VIRTIO_ID_BLOCK,
	    .features = f,
	    .nr_queues = 1,
	    .queue_max = BLK_QUEUE_MAX,
	    .config_size = CFG_SIZE,
	    .config_read = vbd_config_read,
	    .config_write = vbd_config_write,
	    .features_ok = vbd_features_ok,
	    .queue_notify = vbd_queue_notify,
	    .reset = vbd_reset,
	    .destroy = vbd_destroy,
	    .state_len = sizeof(struct mig_vbd),
	    .save = vbd_save,
	    .load = vbd_load,
	    .handover = vbd_handover,
	};
}

/* ---- the vbd kind (vdev.h) ---- */

static int check_spec(const struct hvctl_device_spec *spec, const char *name)
{
	size_t n = strnlen(spec->serial, sizeof(spec->serial));

	if (spec->flags & ~(HVCTL_DEVF_READONLY | HVCTL_DEVF_NO_DIRECT | HVCTL_DEVF_FDS)) {
		log_warnx("%s: unknown flags %#x", name, spec->flags);
		return -EINVAL;
	}
	if (n > VIRTIO_BLK_ID_BYTES) {
		log_warnx("%s: serial is longer than %d bytes", name, VIRTIO_BLK_ID_BYTES);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (spec->serial[i] < 0x20 || spec->serial[i] > 0x7e) {
			log_warnx("%s: serial: printable ASCII only", name);
			return -EINVAL;
		}
	return 0;
}

/* The backing a control client passed: 1 or 2 fds (hvctl.h, HVCTL_DEVF_FDS). */
static int adopt_backing(struct vbd *v, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds)
{
	int rc;

	if (fds->n > 2) {
		log_warnx("%s: %u file descriptors passed; a vbd takes 1 or 2", v->name, fds->n);
		return -EINVAL;
	}
	rc = blk_backing_adopt(&v->b, v->name, spec->target, fds->fd[0], fds->n > 1 ? fds->fd[1] : -1,
			       spec->flags & HVCTL_DEVF_READONLY, !(spec->flags & HVCTL_DEVF_NO_DIRECT));
	if (!rc) {
		fds->fd[0] = -1;
		if (v->b.direct)
			fds->fd[1] = -1;
	}
	return rc;
}

static int open_backing(struct vbd *v, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds)
{
	int rc = check_spec(spec, v->name);

	if (!rc && (spec->flags & HVCTL_DEVF_FDS))
		rc = adopt_backing(v, spec, fds);
	else if (!rc)
		rc = blk_backing_open(&v->b, v->name, spec->target, spec->flags & HVCTL_DEVF_READONLY,
				      !(spec->flags & HVCTL_DEVF_NO_DIRECT));
	/* A restored domain's source may hold the lock until it hands the
	 * domain over: taken at the first unpause (vbd_handover). */
	if (!rc && !hv_mig_restoring())
		rc = blk_backing_lock(&v->b, v->name, spec->target);
	return rc;
}

int hv_blk_check(const struct hvctl_device_spec *spec, const char *what)
{
	struct blk_backing b;
	int rc = check_spec(spec, what);

	if (!rc)
		rc = blk_backing_open(&b, what, spec->target, spec->flags & HVCTL_DEVF_READONLY, false);
	if (!rc) {
		rc = blk_backing_lock(&b, what, spec->target);
		blk_backing_close(&b);
	}
	return rc;
}

static int vbd_add(struct hv_vm *vm, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds,
		   struct hv_dev **out)
{
	struct vbd *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return -ENOMEM;
	v->b.fd = v->b.bfd = -1;
	pthread_mutex_init(&v->lock, NULL);
	snprintf(v->name, sizeof(v->name), "vbd %u", spec->devid);
	rc = open_backing(v, spec, fds);
	if (!rc)
		rc = blk_io_init(&v->io, BLK_BATCH, true);
	if (rc) {
		vbd_free(v);
		return rc;
	}
	v->devid = spec->devid;
	v->flags = spec->flags;
	memcpy(v->target, spec->target, sizeof(v->target));
	/* Zero-padded; 20 bytes are not NUL-terminated (5.2.6). */
	memcpy(v->serial, spec->serial, strnlen(spec->serial, sizeof(v->serial)));
	v->sectors = v->b.size / BLK_SECTOR;
	v->writeback = true;
	make_config(v);
	make_ops(v);
	rc = hv_virtio_add(vm, &v->ops, v, &v->dev);
	if (rc) {
		log_warnx("%s: cannot add its virtio device: %s", v->name, log_strerror(rc));
		vbd_free(v);
		return rc;
	}
	*out = v->dev;
	return 0;
}

static void vbd_describe(struct hv_dev *d, struct hvctl_device *out)
{
	struct vbd *v = hv_virtio_transport(d)->dev;

	out->sectors = v->sectors;
	memcpy(out->target, v->target, sizeof(out->target));
	for (unsigned k = 0; k < HVCTL_VBD_NR_STATS; k++)
		out->stats[k] = __atomic_load_n(&v->stats[k], __ATOMIC_RELAXED);
}

const struct hv_vdev_type hv_vdev_vbd = {
    .kind = HVCTL_DEV_VBD,
    .name = "vbd",
    .add = vbd_add,
    .describe = vbd_describe,
};
