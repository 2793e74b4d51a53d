/*
 * virtio-mmio transport, version 2 (virtio 1.x, 4.2.2): the register window
 * of one virtio device as a state machine. The transport owns the driver
 * initialisation rules (feature negotiation, queue setup, status, reset) and
 * the queues; each device supplies a struct vmmio_ops and owns only its own
 * behaviour and config space.
 *
 * The vCPU MMIO exit path calls vmmio_read/vmmio_write with the offset inside
 * the window; any access (wrong width, misaligned, outside the window or the
 * config space, write-only or read-only register) is answered safely: a read
 * gives zeros, a write is ignored. Register state is guarded by a mutex, so
 * several vCPUs may access one window at once.
 *
 * Interrupts: InterruptStatus (bit 0 used buffer, bit 1 config change) drives
 * a level-triggered line through set_irq; the line is high while any bit is
 * set and drops when the driver acknowledges them all.
 */
#ifndef XENON_HV_VIRTIO_MMIO_H
#define XENON_HV_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hypervisor/virtq.h"

#define VMMIO_WINDOW_SIZE 0x200
#define VMMIO_CONFIG	  0x100
#define VMMIO_CONFIG_MAX  (VMMIO_WINDOW_SIZE - VMMIO_CONFIG)
#define VMMIO_MAX_QUEUES  8

#define VMMIO_MAGIC   0x74726976 /* "virt" */
#define VMMIO_VERSION 2
#define VMMIO_VENDOR  0x4f4e4558 /* "XENO" */

/* Register offsets (4.2.2). */
enum {
	VMMIO_MAGIC_VALUE = 0x000,
	VMMIO_VERSION_REG = 0x004,
	VMMIO_DEVICE_ID = 0x008,
	VMMIO_VENDOR_ID = 0x00c,
	VMMIO_DEVICE_FEATURES = 0x010,
	VMMIO_DEVICE_FEATURES_SEL = 0x014,
	VMMIO_DRIVER_FEATURES = 0x020,
	VMMIO_DRIVER_FEATURES_SEL = 0x024,
	VMMIO_QUEUE_SEL = 0x030,
	VMMIO_QUEUE_NUM_MAX = 0x034,
	VMMIO_QUEUE_NUM = 0x038,
	VMMIO_QUEUE_READY = 0x044,
	VMMIO_QUEUE_NOTIFY = 0x050,
	VMMIO_INTERRUPT_STATUS = 0x060,
	VMMIO_INTERRUPT_ACK = 0x064,
	VMMIO_STATUS = 0x070,
	VMMIO_QUEUE_DESC_LOW = 0x080,
	VMMIO_QUEUE_DESC_HIGH = 0x084,
	VMMIO_QUEUE_DRIVER_LOW = 0x090,
	VMMIO_QUEUE_DRIVER_HIGH = 0x094,
	VMMIO_QUEUE_DEVICE_LOW = 0x0a0,
	VMMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VMMIO_CONFIG_GENERATION = 0x0fc,
};

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	 1
#define VIRTIO_STATUS_DRIVER		 2
#define VIRTIO_STATUS_DRIVER_OK		 4
#define VIRTIO_STATUS_FEATURES_OK	 8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED		 128

/* InterruptStatus bits. */
#define VMMIO_INT_USED	 1
#define VMMIO_INT_CONFIG 2

/*
 * What a device supplies. Every op gets the device's own pointer (dev) and
 * must not call vmmio_read/vmmio_write. Register ops (config, features)
 * run from a vCPU thread with the register lock held. The queue work
 * (queue_notify, io_ready) runs on the device's own thread through
 * vmmio_kick/vmmio_io_ready under the queue lock only: a vCPU touching the
 * window meanwhile never waits for a disk or the network. What changes or
 * starts the queues (queue_stop, reset, a queue made ready, driver_ok)
 * holds both locks: it waits for the current batch, and the device's
 * thread never sees a queue change under it. Optional ops may be NULL.
 */
struct vmmio_ops {
	const char *name;
	uint32_t device_id;
	/* Device feature bits (0-23, 42-63; the transport adds VERSION_1,
	 * INDIRECT_DESC and EVENT_IDX and drops other transport bits). */
	uint64_t features;
	unsigned nr_queues;   /* 1 .. VMMIO_MAX_QUEUES */
	uint16_t queue_max;   /* QueueNumMax of every queue, a power of two <= VIRTQ_MAX_SIZE */
	uint32_t config_size; /* <= VMMIO_CONFIG_MAX */
	/* off + size <= config_size, size 1, 2 or 4, off aligned to size:
	 * checked before the call. data is little-endian, as the driver sees it. */
	void (*config_read)(void *dev, uint32_t off, void *data, unsigned size);
	void (*config_write)(void *dev, uint32_t off, const void *data, unsigned size); /* optional */
	/* Optional: 0 to accept the driver's features, negative to refuse them. */
	int (*features_ok)(void *dev, uint64_t features);
	void (*driver_ok)(void *dev); /* optional: the driver is ready */
	/* The driver kicked queue q (ready, DRIVER_OK set, no reset pending). */
	void (*queue_notify)(void *dev, unsigned q);
	/* Optional: queue q is about to go not ready; stop using it first. */
	void (*queue_stop)(void *dev, unsigned q);
	/* The device is being reset: stop using every queue (return only when
	 * none of the device's threads touches them) and reset device state. */
	void (*reset)(void *dev);
	/*
	 * Optional, for the device's I/O thread (virtio_dev.c), not the
	 * transport: a file descriptor the thread polls for input beside the
	 * queue kicks (a tap's), or -1; asked once when the thread starts. The
	 * thread calls io_ready when it is readable (or has an error), under the
	 * queue lock, as it calls queue_notify.
	 */
	int (*io_fd)(void *dev);
	void (*io_ready)(void *dev, short revents);
	/* Optional, for virtio_dev.c: a device hv_virtio_add added is going
	 * away (off the bus, its I/O thread ended): free dev and its backing.
	 * Not called when hv_virtio_add fails: dev is then still the caller's. */
	void (*destroy)(void *dev);
	/*
	 * Optional, for save and restore (man/xenon-migration.7, VDEV), each
	 * with the device's thread stopped and the queue lock held. quiesce:
	 * give back the chains popped and not used (virtq_unpop), so that none
	 * is in flight. save: the kind's state_len bytes (struct mig_vbd,
	 * mig_vif). load: those bytes from a stream (mig_vdev_check passed),
	 * checked against this device (its disk, its MAC); 0 or -errno with a
	 * log line that says what differs.
	 */
	size_t state_len;
	void (*quiesce)(void *dev);
	void (*save)(void *dev, void *state);
	int (*load)(void *dev, const void *state);
	/* Optional, for migration, with the device's thread stopped: give up
	 * (hold false) or take again (true) what only one host's copy of the
	 * domain may hold (a disk's lock); 0 or -errno with a log line. */
	int (*handover)(void *dev, bool hold);
};

/* A queue's registers as the driver wrote them, used at QueueReady. */
struct vmmio_queue_regs {
	uint32_t num;
	uint64_t desc, driver, device;
};

struct vmmio_dev {
	const struct vmmio_ops *ops;
	void *dev;
	const struct gmem *mem;
	void (*set_irq)(void *opaque, int level);
	void *irq_opaque;

	pthread_mutex_t lock;	  /* the registers below */
	pthread_mutex_t run_lock; /* the queues in use; taken after lock, never before */
	uint32_t status;	  /* as written by the driver; read atomically elsewhere */
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t config_generation;
	struct vmmio_queue_regs qregs[VMMIO_MAX_QUEUES];
	struct virtq vqs[VMMIO_MAX_QUEUES];

	bool needs_reset; /* atomic: set by any thread, cleared by reset */

	pthread_mutex_t irq_lock; /* a leaf lock: interrupt status and line */
	uint32_t interrupt_status;
	int irq_level;
};

struct mig_vdev;
/* Save and restore (the device's thread stopped): the transport's part of
 * a VDEV record (kind, devid, base, irq are the caller's). load checks
 * v against this device (id, queues, features, rings inside RAM) and
 * takes it: the device continues where the saved one stopped. */
void vmmio_save(struct vmmio_dev *d, struct mig_vdev *v);
int vmmio_load(struct vmmio_dev *d, const struct mig_vdev *v);

/* Set up d for a device (ops checked: -EINVAL for a bad one). mem is the
 * guest's RAM; set_irq drives the device's interrupt line. */
int vmmio_init(struct vmmio_dev *d, const struct vmmio_ops *ops, void *dev, const struct gmem *mem,
	       void (*set_irq)(void *opaque, int level), void *irq_opaque);
void vmmio_destroy(struct vmmio_dev *d);

/* A guest access at off inside the window, of size bytes (1-8) at data.
 * 0 whenever the access came from the guest (bad ones are answered with
 * zeros or ignored); -EINVAL only for a size no guest access can have. */
int vmmio_read(struct vmmio_dev *d, uint64_t off, void *data, unsigned size);
int vmmio_write(struct vmmio_dev *d, uint64_t off, const void *data, unsigned size);

/* For the device's threads. */
struct virtq *vmmio_queue(struct vmmio_dev *d, unsigned q);
uint64_t vmmio_features(struct vmmio_dev *d); /* negotiated (valid once FEATURES_OK) */
bool vmmio_driver_ok(struct vmmio_dev *d);    /* DRIVER_OK set and no reset pending */
/* The device's thread: the driver kicked queue q (an ioeventfd), or the
 * device's own fd has events; runs queue_notify or io_ready under the queue
 * lock if the queue is ready and the driver running. */
void vmmio_kick(struct vmmio_dev *d, unsigned q);
void vmmio_io_ready(struct vmmio_dev *d, short revents);
/* After pushing to queue q: raise the used-buffer interrupt if the driver
 * wants it (virtq_should_notify). */
void vmmio_notify_used(struct vmmio_dev *d, unsigned q);
/* The device changed its config space: new generation, config interrupt. */
void vmmio_config_changed(struct vmmio_dev *d);
/* The device hit an error only a reset clears: DEVICE_NEEDS_RESET, and a
 * config interrupt if the driver is running (2.1.2). Broken queues call it. */
void vmmio_set_needs_reset(struct vmmio_dev *d);

#endif
