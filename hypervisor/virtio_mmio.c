/*
 * virtio-mmio version 2 (virtio 1.x, 4.2.2) as a table of registers over a
 * small state machine. The guest writes these registers from its first
 * instruction, in any order, from any vCPU: nothing it writes is used before
 * it is checked, queue geometry is checked once at QueueReady (virtq.c), and
 * a driver that breaks the initialisation rules has its write ignored (or,
 * for a queue it cannot set up, gets DEVICE_NEEDS_RESET), never a crash.
 */
#include "hypervisor/virtio_mmio.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hypervisor/loglimit.h"
#include "hypervisor/migstream.h"
#include "log.h"

/* Feature bits 24..41 belong to the transport and the rings (6). */
#define TRANSPORT_FEATURES (((1ULL << 42) - 1) & ~((1ULL << 24) - 1))
#define CORE_FEATURES                                                                                        \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_EVENT_IDX))

static uint32_t status_get(struct vmmio_dev *d)
{
	return __atomic_load_n(&d->status, __ATOMIC_ACQUIRE);
}

static void status_set(struct vmmio_dev *d, uint32_t v)
{
	__atomic_store_n(&d->status, v, __ATOMIC_RELEASE);
}

static bool needs_reset(struct vmmio_dev *d)
{
	return __atomic_load_n(&d->needs_reset, __ATOMIC_ACQUIRE);
}

static uint64_t offered_features(const struct vmmio_dev *d)
{
	return (d->ops->features & ~TRANSPORT_FEATURES) | CORE_FEATURES;
}

/* ---- interrupts ---- */

/* Change InterruptStatus and move the line with it, as one step: two
 * threads setting and acknowledging at once must not leave the line high
 * with no status bit (a level-triggered storm) or low with one. */
static void irq_update(struct vmmio_dev *d, uint32_t set, uint32_t clear)
{
	int level;

	pthread_mutex_lock(&d->irq_lock);
	d->interrupt_status = (d->interrupt_status | set) & ~clear;
	level = d->interrupt_status != 0;
	if (level != d->irq_level) {
		d->irq_level = level;
		if (d->set_irq)
			d->set_irq(d->irq_opaque, level);
	}
	pthread_mutex_unlock(&d->irq_lock);
}

static uint32_t irq_status(struct vmmio_dev *d)
{
	uint32_t v;

	pthread_mutex_lock(&d->irq_lock);
	v = d->interrupt_status;
	pthread_mutex_unlock(&d->irq_lock);
	return v;
}

/*
 * Logged as a warning, at most LOGLIMIT_BURST a second for all devices per
 * kind of error (lim: the caller's): a hostile guest can break and reset a
 * device in a loop, and a flood of broken chains must not hide a refused
 * queue set-up, nor the other way round.
 */
static void needs_reset_because(struct vmmio_dev *d, const char *why, struct loglimit *lim)
{
	if (__atomic_exchange_n(&d->needs_reset, true, __ATOMIC_ACQ_REL))
		return;
	log_warnx_limited(lim, "%s: device error%s%s; DEVICE_NEEDS_RESET set", d->ops->name, why ? ": " : "",
			  why ? why : "");
	if (status_get(d) & VIRTIO_STATUS_DRIVER_OK)
		irq_update(d, VMMIO_INT_CONFIG, 0);
}

void vmmio_set_needs_reset(struct vmmio_dev *d)
{
	static struct loglimit lim;

	needs_reset_because(d, NULL, &lim);
}

void vmmio_config_changed(struct vmmio_dev *d)
{
	__atomic_add_fetch(&d->config_generation, 1, __ATOMIC_ACQ_REL);
	if (status_get(d) & VIRTIO_STATUS_DRIVER_OK)
		irq_update(d, VMMIO_INT_CONFIG, 0);
}

void vmmio_notify_used(struct vmmio_dev *d, unsigned q)
{
	if (q < d->ops->nr_queues && virtq_should_notify(&d->vqs[q]))
		irq_update(d, VMMIO_INT_USED, 0);
}

/* ---- reset and queues ---- */

static void on_queue_broken(void *opaque, struct virtq *vq)
{
	static struct loglimit lim;
	char why[160];

	snprintf(why, sizeof(why), "queue %u: %s", vq->index, vq->why);
	needs_reset_because(opaque, why, &lim);
}

static void reset_queue(struct vmmio_dev *d, unsigned q)
{
	virtq_reset(&d->vqs[q]);
	memset(&d->qregs[q], 0, sizeof(d->qregs[q]));
}

/* Status 0: the device first stops using its queues, then everything the
 * driver set goes back to its initial value. */
static void device_reset(struct vmmio_dev *d)
{
	pthread_mutex_lock(&d->run_lock); /* the device's thread is between batches */
	d->ops->reset(d->dev);
	for (unsigned q = 0; q < d->ops->nr_queues; q++)
		reset_queue(d, q);
	pthread_mutex_unlock(&d->run_lock);
	d->dev_features_sel = d->drv_features_sel = 0;
	__atomic_store_n(&d->driver_features, 0, __ATOMIC_RELEASE);
	d->queue_sel = 0;
	__atomic_store_n(&d->needs_reset, false, __ATOMIC_RELEASE);
	status_set(d, 0);
	irq_update(d, 0, UINT32_MAX);
}

/* The selected queue, or NULL if QueueSel names none. */
static struct vmmio_queue_regs *sel_regs(struct vmmio_dev *d)
{
	return d->queue_sel < d->ops->nr_queues ? &d->qregs[d->queue_sel] : NULL;
}

/* Queue registers may be written only for an existing queue that is not
 * ready, once features are negotiated (4.2.3.2). */
static struct vmmio_queue_regs *writable_regs(struct vmmio_dev *d)
{
	struct vmmio_queue_regs *r = sel_regs(d);

	if (!r || d->vqs[d->queue_sel].ready)
		return NULL;
	if (!(status_get(d) & VIRTIO_STATUS_FEATURES_OK) || (status_get(d) & VIRTIO_STATUS_FAILED))
		return NULL;
	return r;
}

static void queue_enable(struct vmmio_dev *d, unsigned q)
{
	const struct vmmio_queue_regs *r = &d->qregs[q];
	struct virtq_cfg cfg = {
	    .desc = r->desc,
	    .avail = r->driver,
	    .used = r->device,
	    .event_idx = d->driver_features & (1ULL << VIRTIO_F_EVENT_IDX),
	    .indirect = d->driver_features & (1ULL << VIRTIO_F_INDIRECT_DESC),
	};
	int rc = -EINVAL;

	/* QueueNum is 32 bits wide: check it before it becomes a u16. */
	if (r->num && r->num <= d->ops->queue_max) {
		cfg.size = r->num;
		pthread_mutex_lock(&d->run_lock);
		rc = virtq_enable(&d->vqs[q], d->mem, &cfg);
		pthread_mutex_unlock(&d->run_lock);
	}
	if (rc < 0) {
		static struct loglimit lim;
		char why[160];

		snprintf(why, sizeof(why), "queue %u: size %u, rings %#llx %#llx %#llx refused (%s)", q,
			 r->num, (unsigned long long)r->desc, (unsigned long long)r->driver,
			 (unsigned long long)r->device, log_strerror(rc));
		needs_reset_because(d, why, &lim);
	}
}

static void queue_disable(struct vmmio_dev *d, unsigned q)
{
	pthread_mutex_lock(&d->run_lock);
	if (d->ops->queue_stop)
		d->ops->queue_stop(d->dev, q);
	virtq_reset(&d->vqs[q]);
	pthread_mutex_unlock(&d->run_lock);
}

/* ---- status ---- */

static bool features_acceptable(struct vmmio_dev *d)
{
	uint64_t f = d->driver_features;

	if (f & ~offered_features(d))
		return false;
	if (!(f & (1ULL << VIRTIO_F_VERSION_1)))
		return false; /* no legacy interface here */
	return !d->ops->features_ok || d->ops->features_ok(d->dev, f) == 0;
}

/* The driver sets bits one step at a time (3.1.1); it never clears one
 * except by writing 0. A step out of order is not taken. */
static void write_status(struct vmmio_dev *d, uint32_t v)
{
	const uint32_t known = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			       VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED;
	uint32_t old = status_get(d), add;

	if (v == 0) {
		device_reset(d);
		return;
	}
	if ((v & old) != old || (old & VIRTIO_STATUS_FAILED))
		return;
	add = v & ~old & known;
	if ((add & VIRTIO_STATUS_DRIVER) && !((old | add) & VIRTIO_STATUS_ACKNOWLEDGE))
		add &= ~VIRTIO_STATUS_DRIVER;
	if ((add & VIRTIO_STATUS_FEATURES_OK) &&
	    (!((old | add) & VIRTIO_STATUS_DRIVER) || !features_acceptable(d)))
		add &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((add & VIRTIO_STATUS_DRIVER_OK) && !((old | add) & VIRTIO_STATUS_FEATURES_OK))
		add &= ~VIRTIO_STATUS_DRIVER_OK;
	status_set(d, old | add);
	if (!(add & VIRTIO_STATUS_DRIVER_OK))
		return;
	/* An error already pending (a refused queue) is reported now. */
	if (needs_reset(d))
		irq_update(d, VMMIO_INT_CONFIG, 0);
	else if (d->ops->driver_ok) {
		pthread_mutex_lock(&d->run_lock); /* the device may start its queue work */
		d->ops->driver_ok(d->dev);
		pthread_mutex_unlock(&d->run_lock);
	}
}

/* ---- the register table ---- */

typedef uint32_t (*reg_read_fn)(struct vmmio_dev *d, unsigned arg);
typedef void (*reg_write_fn)(struct vmmio_dev *d, unsigned arg, uint32_t v);

struct reg {
	uint32_t off;
	reg_read_fn read;   /* NULL: write-only, reads as 0 */
	reg_write_fn write; /* NULL: read-only, writes ignored */
	unsigned arg;
};

static uint32_t rd_const(struct vmmio_dev *d, unsigned arg)
{
	(void)d;
	return arg;
}

static uint32_t rd_device_id(struct vmmio_dev *d, unsigned arg)
{
	(void)arg;
	return d->ops->device_id;
}

static uint32_t rd_device_features(struct vmmio_dev *d, unsigned arg)
{
	(void)arg;
	if (d->dev_features_sel > 1)
		return 0;
	return (uint32_t)(offered_features(d) >> (32 * d->dev_features_sel));
}

static void wr_sel(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	uint32_t *sel[] = {&d->dev_features_sel, &d->drv_features_sel, &d->queue_sel};

	*sel[arg] = v;
}

static void wr_driver_features(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	uint32_t s = status_get(d);
	unsigned shift = 32 * d->drv_features_sel;

	(void)arg;
	/* Only between DRIVER and FEATURES_OK (3.1.1 steps 4-5). */
	if (!(s & VIRTIO_STATUS_DRIVER) || (s & (VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_FAILED)))
		return;
	if (d->drv_features_sel > 1)
		return;
	__atomic_store_n(&d->driver_features,
			 (d->driver_features & ~(0xffffffffULL << shift)) | ((uint64_t)v << shift),
			 __ATOMIC_RELEASE);
}

static uint32_t rd_queue_num_max(struct vmmio_dev *d, unsigned arg)
{
	(void)arg;
	return sel_regs(d) ? d->ops->queue_max : 0;
}

static void wr_queue_num(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	struct vmmio_queue_regs *r = writable_regs(d);

	(void)arg;
	if (r)
		r->num = v;
}

static uint32_t rd_queue_ready(struct vmmio_dev *d, unsigned arg)
{
	(void)arg;
	return sel_regs(d) ? d->vqs[d->queue_sel].ready : 0;
}

static void wr_queue_ready(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	unsigned q = d->queue_sel;

	(void)arg;
	if (!sel_regs(d))
		return;
	if (v == 0 && d->vqs[q].ready)
		queue_disable(d, q);
	else if (v == 1 && writable_regs(d))
		queue_enable(d, q);
}

static void wr_queue_notify(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	(void)arg;
	/* No buffers are used before DRIVER_OK (3.1.1), nor once the device needs a reset. */
	if (v >= d->ops->nr_queues || !d->vqs[v].ready || !vmmio_driver_ok(d))
		return;
	pthread_mutex_lock(&d->run_lock);
	d->ops->queue_notify(d->dev, v);
	pthread_mutex_unlock(&d->run_lock);
}

static uint32_t rd_interrupt_status(struct vmmio_dev *d, unsigned arg)
{
	(void)arg;
	return irq_status(d);
}

static void wr_interrupt_ack(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	(void)arg;
	irq_update(d, 0, v);
}

static uint32_t rd_status(struct vmmio_dev *d, unsigned arg)
{
	(void)arg;
	return status_get(d) | (needs_reset(d) ? VIRTIO_STATUS_DEVICE_NEEDS_RESET : 0);
}

static void wr_status(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	(void)arg;
	write_status(d, v);
}

/* arg: which address (0 desc, 1 driver, 2 device) * 2 + high half. */
static void wr_queue_addr(struct vmmio_dev *d, unsigned arg, uint32_t v)
{
	struct vmmio_queue_regs *r = writable_regs(d);
	uint64_t *a;
	unsigned shift = 32 * (arg & 1);

	if (!r)
		return;
	a = (uint64_t *[]){&r->desc, &r->driver, &r->device}[arg >> 1];
	*a = (*a & ~(0xffffffffULL << shift)) | ((uint64_t)v << shift);
}

static uint32_t rd_config_generation(struct vmmio_dev *d, unsigned arg)
{
	(void)arg;
	return __atomic_load_n(&d->config_generation, __ATOMIC_ACQUIRE);
}

static const struct reg regs[] = {
    {VMMIO_MAGIC_VALUE, rd_const, NULL, VMMIO_MAGIC},
    {VMMIO_VERSION_REG, rd_const, NULL, VMMIO_VERSION},
    {VMMIO_DEVICE_ID, rd_device_id, NULL, 0},
    {VMMIO_VENDOR_ID, rd_const, NULL, VMMIO_VENDOR},
    {VMMIO_DEVICE_FEATURES, rd_device_features, NULL, 0},
    {VMMIO_DEVICE_FEATURES_SEL, NULL, wr_sel, 0},
    {VMMIO_DRIVER_FEATURES, NULL, wr_driver_features, 0},
    {VMMIO_DRIVER_FEATURES_SEL, NULL, wr_sel, 1},
    {VMMIO_QUEUE_SEL, NULL, wr_sel, 2},
    {VMMIO_QUEUE_NUM_MAX, rd_queue_num_max, NULL, 0},
    {VMMIO_QUEUE_NUM, NULL, wr_queue_num, 0},
    {VMMIO_QUEUE_READY, rd_queue_ready, wr_queue_ready, 0},
    {VMMIO_QUEUE_NOTIFY, NULL, wr_queue_notify, 0},
    {VMMIO_INTERRUPT_STATUS, rd_interrupt_status, NULL, 0},
    {VMMIO_INTERRUPT_ACK, NULL, wr_interrupt_ack, 0},
    {VMMIO_STATUS, rd_status, wr_status, 0},
    {VMMIO_QUEUE_DESC_LOW, NULL, wr_queue_addr, 0},
    {VMMIO_QUEUE_DESC_HIGH, NULL, wr_queue_addr, 1},
    {VMMIO_QUEUE_DRIVER_LOW, NULL, wr_queue_addr, 2},
    {VMMIO_QUEUE_DRIVER_HIGH, NULL, wr_queue_addr, 3},
    {VMMIO_QUEUE_DEVICE_LOW, NULL, wr_queue_addr, 4},
    {VMMIO_QUEUE_DEVICE_HIGH, NULL, wr_queue_addr, 5},
    {VMMIO_CONFIG_GENERATION, rd_config_generation, NULL, 0},
};

static const struct reg *find_reg(uint64_t off)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (regs[i].off == off)
			return &regs[i];
	return NULL;
}

/* ---- accesses ---- */

/* Control registers: 32-bit wide and aligned only (4.2.2.2). */
static bool control_access(uint64_t off, unsigned size)
{
	return off < VMMIO_CONFIG && size == 4 && off % 4 == 0;
}

/* Config space: 1, 2 or 4 bytes, aligned, inside the device's config. */
static bool config_access(const struct vmmio_dev *d, uint64_t off, unsigned size)
{
	if (off < VMMIO_CONFIG || off >= VMMIO_WINDOW_SIZE)
		return false;
	off -= VMMIO_CONFIG;
	return (size == 1 || size == 2 || size == 4) && off % size == 0 && off + size <= d->ops->config_size;
}

int vmmio_read(struct vmmio_dev *d, uint64_t off, void *data, unsigned size)
{
	const struct reg *r;
	uint32_t v;

	if (!size || size > 8)
		return -EINVAL;
	memset(data, 0, size);
	pthread_mutex_lock(&d->lock);
	if (control_access(off, size)) {
		r = find_reg(off);
		if (r && r->read) {
			v = htole32(r->read(d, r->arg));
			memcpy(data, &v, 4);
		}
	} else if (config_access(d, off, size)) {
		d->ops->config_read(d->dev, off - VMMIO_CONFIG, data, size);
	} else {
		log_debug("%s: read of %u bytes at %#llx ignored", d->ops->name, size,
			  (unsigned long long)off);
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int vmmio_write(struct vmmio_dev *d, uint64_t off, const void *data, unsigned size)
{
	const struct reg *r;
	uint32_t v;

	if (!size || size > 8)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (control_access(off, size)) {
		r = find_reg(off);
		memcpy(&v, data, 4);
		if (r && r->write)
			r->write(d, r->arg, le32toh(v));
	} else if (config_access(d, off, size) && d->ops->config_write) {
		d->ops->config_write(d->dev, off - VMMIO_CONFIG, data, size);
	} else {
		log_debug("%s: write of %u bytes at %#llx ignored", d->ops->name, size,
			  (unsigned long long)off);
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* ---- life cycle and the device's side ---- */

static bool ops_valid(const struct vmmio_ops *ops)
{
	uint16_t m = ops->queue_max;

	return ops->name && ops->nr_queues >= 1 && ops->nr_queues <= VMMIO_MAX_QUEUES && m &&
	       m <= VIRTQ_MAX_SIZE && !(m & (m - 1)) && ops->config_size <= VMMIO_CONFIG_MAX &&
	       (ops->config_read || !ops->config_size) && ops->queue_notify && ops->reset;
}

int vmmio_init(struct vmmio_dev *d, const struct vmmio_ops *ops, void *dev, const struct gmem *mem,
	       void (*set_irq)(void *opaque, int level), void *irq_opaque)
{
	if (!ops_valid(ops) || !mem)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->dev = dev;
	d->mem = mem;
	d->set_irq = set_irq;
	d->irq_opaque = irq_opaque;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->run_lock, NULL);
	pthread_mutex_init(&d->irq_lock, NULL);
	for (unsigned q = 0; q < ops->nr_queues; q++) {
		d->vqs[q].on_broken = on_queue_broken;
		d->vqs[q].opaque = d;
		d->vqs[q].index = q;
		reset_queue(d, q);
	}
	return 0;
}

void vmmio_destroy(struct vmmio_dev *d)
{
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->run_lock);
	pthread_mutex_destroy(&d->irq_lock);
}

void vmmio_kick(struct vmmio_dev *d, unsigned q)
{
	pthread_mutex_lock(&d->run_lock);
	/* No buffers are used before DRIVER_OK (3.1.1), nor once the device needs a reset. */
	if (q < d->ops->nr_queues && d->vqs[q].ready && vmmio_driver_ok(d))
		d->ops->queue_notify(d->dev, q);
	pthread_mutex_unlock(&d->run_lock);
}

void vmmio_io_ready(struct vmmio_dev *d, short revents)
{
	pthread_mutex_lock(&d->run_lock);
	if (d->ops->io_ready)
		d->ops->io_ready(d->dev, revents);
	pthread_mutex_unlock(&d->run_lock);
}

struct virtq *vmmio_queue(struct vmmio_dev *d, unsigned q)
{
	return q < d->ops->nr_queues ? &d->vqs[q] : NULL;
}

uint64_t vmmio_features(struct vmmio_dev *d)
{
	return __atomic_load_n(&d->driver_features, __ATOMIC_ACQUIRE);
}

bool vmmio_driver_ok(struct vmmio_dev *d)
{
	return (status_get(d) & VIRTIO_STATUS_DRIVER_OK) && !needs_reset(d);
}

/* ---- save and restore ---- */

void vmmio_save(struct vmmio_dev *d, struct mig_vdev *v)
{
	pthread_mutex_lock(&d->lock);
	pthread_mutex_lock(&d->run_lock);
	v->device_id = d->ops->device_id;
	v->status = status_get(d);
	v->interrupt_status = irq_status(d);
	v->driver_features = vmmio_features(d);
	v->dev_features_sel = d->dev_features_sel;
	v->drv_features_sel = d->drv_features_sel;
	v->queue_sel = d->queue_sel;
	v->config_generation = __atomic_load_n(&d->config_generation, __ATOMIC_ACQUIRE);
	v->needs_reset = needs_reset(d);
	v->nr_queues = d->ops->nr_queues;
	for (unsigned q = 0; q < d->ops->nr_queues; q++) {
		const struct virtq *vq = &d->vqs[q];

		v->q[q] = (struct mig_vdev_queue){.desc = d->qregs[q].desc,
						  .driver = d->qregs[q].driver,
						  .device = d->qregs[q].device,
						  .num = d->qregs[q].num,
						  .last_avail = vq->last_avail,
						  .used_idx = vq->used_idx,
						  .signalled_used = vq->signalled_used,
						  .ready = vq->ready,
						  .signalled_used_valid = vq->signalled_used_valid,
						  .notify_enabled = vq->notify_enabled,
						  .broken = vq->broken};
	}
	pthread_mutex_unlock(&d->run_lock);
	pthread_mutex_unlock(&d->lock);
}

static struct virtq_cfg saved_cfg(const struct mig_vdev *v, unsigned q)
{
	return (struct virtq_cfg){.size = (uint16_t)v->q[q].num,
				  .desc = v->q[q].desc,
				  .avail = v->q[q].driver,
				  .used = v->q[q].device,
				  .event_idx = v->driver_features & (1ULL << VIRTIO_F_EVENT_IDX),
				  .indirect = v->driver_features & (1ULL << VIRTIO_F_INDIRECT_DESC)};
}

/* What the saved state asks of this device, before anything changes. */
static int load_check(struct vmmio_dev *d, const struct mig_vdev *v)
{
	const char *why = NULL;

	if (v->device_id != d->ops->device_id || v->nr_queues != d->ops->nr_queues)
		why = "another kind of device, or another number of queues";
	else if ((v->status & VIRTIO_STATUS_FEATURES_OK) && (v->driver_features & ~offered_features(d)))
		why = "features this device does not offer";
	else if ((v->status & VIRTIO_STATUS_FEATURES_OK) && d->ops->features_ok &&
		 d->ops->features_ok(d->dev, v->driver_features))
		why = "features this device refuses";
	for (unsigned q = 0; !why && q < v->nr_queues; q++) {
		struct virtq_cfg cfg = saved_cfg(v, q);

		if (v->q[q].ready && (v->q[q].num > d->ops->queue_max || virtq_check_cfg(d->mem, &cfg)))
			why = "a queue larger than this device's or outside the guest's RAM";
	}
	if (why)
		log_warnx("%s: the saved device state does not fit: %s", d->ops->name, why);
	return why ? -EINVAL : 0;
}

int vmmio_load(struct vmmio_dev *d, const struct mig_vdev *v)
{
	int rc = load_check(d, v);

	if (rc)
		return rc;
	pthread_mutex_lock(&d->lock);
	pthread_mutex_lock(&d->run_lock);
	__atomic_store_n(&d->driver_features, v->driver_features, __ATOMIC_RELEASE);
	d->dev_features_sel = v->dev_features_sel;
	d->drv_features_sel = v->drv_features_sel;
	d->queue_sel = v->queue_sel;
	__atomic_store_n(&d->config_generation, v->config_generation, __ATOMIC_RELEASE);
	for (unsigned q = 0; q < d->ops->nr_queues; q++) {
		struct virtq *vq = &d->vqs[q];
		struct virtq_cfg cfg = saved_cfg(v, q);

		d->qregs[q] =
		    (struct vmmio_queue_regs){v->q[q].num, v->q[q].desc, v->q[q].driver, v->q[q].device};
		if (!v->q[q].ready || virtq_enable(vq, d->mem, &cfg))
			continue; /* checked above: enable does not fail */
		vq->last_avail = v->q[q].last_avail;
		vq->used_idx = v->q[q].used_idx;
		vq->signalled_used = v->q[q].signalled_used;
		vq->signalled_used_valid = v->q[q].signalled_used_valid;
		vq->notify_enabled = v->q[q].notify_enabled;
		vq->broken = v->q[q].broken;
	}
	__atomic_store_n(&d->needs_reset, v->needs_reset != 0, __ATOMIC_RELEASE);
	status_set(d, v->status);
	if (vmmio_driver_ok(d) && d->ops->driver_ok)
		d->ops->driver_ok(d->dev);
	pthread_mutex_unlock(&d->run_lock);
	pthread_mutex_unlock(&d->lock);
	irq_update(d, v->interrupt_status, 0);
	return 0;
}
