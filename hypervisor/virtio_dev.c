/*
 * A virtio device on the MMIO bus: virtio_mmio.c's transport in a window at
 * an address taken from HV_VIRTIO_MMIO_BASE up, with an interrupt line from
 * irq.c (level: the transport holds it high while InterruptStatus is set).
 * Each queue's QueueNotify is an ioeventfd matching the queue's index, so a
 * kick costs the vCPU no exit to this process; the device's own I/O thread
 * waits on those eventfds and runs the device's queue_notify. A QueueNotify
 * that does exit (another width, no ioeventfd) only signals the same
 * eventfd: device work never runs on a vCPU thread. A device (virtio-blk,
 * virtio-net) supplies the struct vmmio_ops and calls hv_virtio_add.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hypervisor/migstream.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"

/* Windows one page apart (VMMIO_WINDOW_SIZE is less), the first few hundred. */
#define WINDOW_STRIDE 0x1000
#define MAX_WINDOWS   256

struct hv_virtio {
	struct hv_vm *vm;
	struct vmmio_dev mmio;
	struct gmem mem;
	uint64_t base;
	int irq; /* -1 until allocated */
	unsigned nr_queues;
	int kick_fd[VMMIO_MAX_QUEUES]; /* eventfds, also KVM ioeventfds if ioeventfd[q] */
	int ioeventfd[VMMIO_MAX_QUEUES];
	int stop_fd;
	pthread_t thread;
	int thread_running;
	int added; /* hv_virtio_add succeeded: ops->destroy frees the device */
};

static void set_irq(void *opaque, int level)
{
	struct hv_virtio *v = opaque;

	hv_kvm_irq_line(v->vm, v->irq, level);
}

static void kick(struct hv_virtio *v, unsigned q)
{
	uint64_t one = 1;

	if (write(v->kick_fd[q], &one, sizeof(one)) < 0)
		log_warn("virtio %s: queue %u kick", v->mmio.ops->name, q);
}

static int virtio_read(struct hv_dev *d, unsigned region, uint64_t off, void *data, unsigned size)
{
	struct hv_virtio *v = d->priv;

	(void)region;
	return vmmio_read(&v->mmio, off, data, size) ? -EINVAL : 0;
}

static int virtio_write(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size)
{
	struct hv_virtio *v = d->priv;
	uint32_t q;

	(void)region;
	if (off == VMMIO_QUEUE_NOTIFY && size == sizeof(q)) {
		memcpy(&q, data, sizeof(q));
		if (q < v->nr_queues) {
			kick(v, q);
			return 0;
		}
	}
	return vmmio_write(&v->mmio, off, data, size) ? -EINVAL : 0;
}

/*
 * The device's I/O thread: kicks in, the device's queue_notify out; and the
 * device's own input fd (a tap), if it has one, to its io_ready. Slots:
 * the queues' kicks, then the stop eventfd, then the device's fd.
 */
/* sandbox_seccomp.c, in xenon-hv; the unit tests and fuzzers that use this file run without. */
__attribute__((weak)) int hv_seccomp_enter(enum hv_thread_kind kind);

static void *io_thread(void *arg)
{
	struct hv_virtio *v = arg;
	const struct vmmio_ops *ops = v->mmio.ops;
	struct pollfd pfd[VMMIO_MAX_QUEUES + 2];
	unsigned stop = v->nr_queues, n = stop + 1;
	int dev_fd = ops->io_fd && ops->io_ready ? ops->io_fd(v->mmio.dev) : -1;
	uint64_t count;

	if (hv_seccomp_enter && hv_seccomp_enter(HV_THREAD_IO))
		return NULL; /* said why; the device's queues then go unserved */
	for (unsigned q = 0; q < v->nr_queues; q++)
		pfd[q] = (struct pollfd){.fd = v->kick_fd[q], .events = POLLIN};
	pfd[stop] = (struct pollfd){.fd = v->stop_fd, .events = POLLIN};
	if (dev_fd >= 0)
		pfd[n++] = (struct pollfd){.fd = dev_fd, .events = POLLIN};
	for (;;) {
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		if (pfd[stop].revents)
			break;
		for (uint32_t q = 0; q < v->nr_queues; q++) {
			if (!pfd[q].revents || read(v->kick_fd[q], &count, sizeof(count)) < 0)
				continue;
			/* Through the transport: it checks the queue is ready and DRIVER_OK. */
			vmmio_kick(&v->mmio, q);
		}
		if (n > stop + 1 && pfd[stop + 1].revents)
			vmmio_io_ready(&v->mmio, pfd[stop + 1].revents);
	}
	return NULL;
}

static int virtio_start(struct hv_dev *d)
{
	struct hv_virtio *v = d->priv;
	int rc = pthread_create(&v->thread, NULL, io_thread, v);

	if (rc) {
		log_warnx("virtio %s: cannot start its I/O thread: %s", v->mmio.ops->name, strerror(rc));
		return -rc;
	}
	v->thread_running = 1;
	return 0;
}

static void virtio_stop(struct hv_dev *d)
{
	struct hv_virtio *v = d->priv;
	uint64_t one = 1;

	if (!v->thread_running)
		return;
	if (write(v->stop_fd, &one, sizeof(one)) < 0)
		log_warn("virtio %s: stopping its I/O thread", v->mmio.ops->name);
	pthread_join(v->thread, NULL);
	/* The request taken back: a thread started again (a save that goes on,
	 * a refused migration) would see it and end at once, its queues and
	 * tap unserved. */
	if (read(v->stop_fd, &one, sizeof(one)) < 0)
		log_warn("virtio %s: clearing its I/O thread's stop", v->mmio.ops->name);
	v->thread_running = 0;
}

static void virtio_reset(struct hv_dev *d)
{
	struct hv_virtio *v = d->priv;
	uint32_t zero = 0;

	vmmio_write(&v->mmio, VMMIO_STATUS, &zero, sizeof(zero)); /* as a driver's reset */
}

static void virtio_free(struct hv_virtio *v)
{
	uint64_t notify = v->base + VMMIO_QUEUE_NOTIFY;

	for (unsigned q = 0; q < VMMIO_MAX_QUEUES; q++) {
		if (v->ioeventfd[q])
			hv_kvm_ioeventfd(v->vm, v->kick_fd[q], HV_BUS_MMIO, notify, 4, q, 1);
		if (v->kick_fd[q] >= 0)
			close(v->kick_fd[q]);
	}
	if (v->stop_fd >= 0)
		close(v->stop_fd);
	if (v->irq >= 0) {
		/* A line left high would greet the next owner of the pin with an interrupt. */
		hv_kvm_irq_line(v->vm, v->irq, 0);
		hv_irq_free(&v->vm->irqs, v->irq);
	}
	if (v->mmio.ops)
		vmmio_destroy(&v->mmio);
	free(v);
}

static void virtio_destroy(struct hv_dev *d)
{
	struct hv_virtio *v = d->priv;
	void (*destroy)(void *) = v->added ? v->mmio.ops->destroy : NULL;
	void *dev = v->mmio.dev;

	virtio_free(v);
	if (destroy)
		destroy(dev);
}

/* A restore places the next device where the saved one was (hv_virtio_place_next). */
static struct {
	uint64_t base; /* 0: any free window */
	int irq;       /* -1: any free line */
} place = {0, -1};

void hv_virtio_place_next(uint64_t base, int irq)
{
	place.base = base;
	place.irq = irq;
}

static int make_gmem(struct hv_vm *vm, struct gmem *mem)
{
	int rc = gmem_add(mem, 0, vm->low_size, vm->ram);

	if (!rc && vm->high_size)
		rc = gmem_add(mem, HV_HIGH_RAM_GPA, vm->high_size, vm->ram + vm->low_size);
	return rc;
}

/* The kick eventfds, and KVM ioeventfds on them where KVM takes them. */
static int make_kicks(struct hv_virtio *v)
{
	uint64_t notify = v->base + VMMIO_QUEUE_NOTIFY;

	v->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->stop_fd < 0)
		return -errno;
	for (unsigned q = 0; q < v->nr_queues; q++) {
		v->kick_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->kick_fd[q] < 0)
			return -errno;
		v->ioeventfd[q] = !hv_kvm_ioeventfd(v->vm, v->kick_fd[q], HV_BUS_MMIO, notify, 4, q, 0);
		if (!v->ioeventfd[q])
			log_debug("virtio %s: queue %u kicks exit to xenon-hv (no ioeventfd)",
				  v->mmio.ops->name, q);
	}
	return 0;
}

/* The first free window: registering refuses a taken one. */
static int place_window(struct hv_vm *vm, struct hv_dev *d, struct hv_virtio *v)
{
	if (place.base) {
		int rc = hv_bus_register(&vm->bus[HV_BUS_MMIO], d, 0, place.base, VMMIO_WINDOW_SIZE, 0);

		if (rc)
			log_warnx("%s: window %#llx, where the saved device was, is taken", v->mmio.ops->name,
				  (unsigned long long)place.base);
		v->base = place.base;
		return rc;
	}
	for (unsigned i = 0; i < MAX_WINDOWS; i++) {
		uint64_t base = HV_VIRTIO_MMIO_BASE + (uint64_t)i * WINDOW_STRIDE;
		int rc = hv_bus_register(&vm->bus[HV_BUS_MMIO], d, 0, base, VMMIO_WINDOW_SIZE, 0);

		if (rc != -EEXIST) {
			v->base = base;
			return rc;
		}
	}
	return -ENOSPC;
}

static const struct hv_dev_ops virtio_ops = {
    .name = "virtio-mmio",
    .read = virtio_read,
    .write = virtio_write,
    .reset = virtio_reset,
    .start = virtio_start,
    .stop = virtio_stop,
    .destroy = virtio_destroy,
};

static int virtio_setup(struct hv_vm *vm, struct hv_virtio *v, const struct vmmio_ops *ops, void *dev)
{
	int rc = make_gmem(vm, &v->mem);

	if (rc)
		return rc;
	if (place.irq >= 0) {
		rc = hv_irq_claim(&vm->irqs, (unsigned)place.irq, ops->name);
		if (rc)
			return rc;
		v->irq = place.irq;
	} else if ((v->irq = hv_irq_alloc(&vm->irqs, ops->name)) < 0) {
		return v->irq;
	}
	rc = vmmio_init(&v->mmio, ops, dev, &v->mem, set_irq, v);
	if (rc) {
		v->mmio.ops = NULL;
		return rc;
	}
	v->nr_queues = ops->nr_queues;
	return 0;
}

int hv_virtio_add(struct hv_vm *vm, const struct vmmio_ops *ops, void *dev, struct hv_dev **out)
{
	struct hv_virtio *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->irq = v->stop_fd = -1;
	for (unsigned q = 0; q < VMMIO_MAX_QUEUES; q++)
		v->kick_fd[q] = -1;
	rc = virtio_setup(vm, v, ops, dev);
	if (!rc)
		rc = hv_dev_add(vm, &virtio_ops, v, out);
	if (rc) {
		virtio_free(v);
		return rc;
	}
	rc = place_window(vm, *out, v);
	if (!rc)
		rc = make_kicks(v);
	if (rc) {
		hv_dev_remove(*out);
		return rc;
	}
	v->added = 1;
	log_debug("virtio %s: window %#llx, IRQ %d, %u queues", ops->name, (unsigned long long)v->base,
		  v->irq, v->nr_queues);
	return 0;
}

uint64_t hv_virtio_base(struct hv_dev *d)
{
	return ((struct hv_virtio *)d->priv)->base;
}

unsigned hv_virtio_irq(struct hv_dev *d)
{
	return ((struct hv_virtio *)d->priv)->irq;
}

struct vmmio_dev *hv_virtio_transport(struct hv_dev *d)
{
	return &((struct hv_virtio *)d->priv)->mmio;
}

/* ---- save and restore (man/xenon-migration.7, VDEV) ---- */

int hv_virtio_is(struct hv_dev *d)
{
	return d->ops == &virtio_ops;
}

void hv_virtio_track(struct hv_dev *d, uint64_t *bits)
{
	struct hv_virtio *v = d->priv;

	gmem_track(&v->mem, bits, v->vm->ram);
}

/* The I/O thread stopped (its batch done: a disk's requests complete),
 * what is popped and unused given back; nothing is then in flight. */
int hv_virtio_quiesce(struct hv_dev *d)
{
	struct hv_virtio *v = d->priv;
	struct vmmio_dev *m = &v->mmio;
	int rc = 0;

	virtio_stop(d);
	pthread_mutex_lock(&m->run_lock);
	if (m->ops->quiesce)
		m->ops->quiesce(m->dev);
	for (unsigned q = 0; q < m->ops->nr_queues; q++) {
		struct virtq *vq = &m->vqs[q];

		if (vq->ready && vq->inflight) {
			log_warnx("%s: queue %u still has %u requests in flight", m->ops->name, q,
				  vq->inflight);
			rc = -EBUSY;
		}
		if (vq->ready) /* the used ring: written by every push, not in KVM's log */
			gmem_mark(&v->mem, vq->used, VIRTQ_USED_BYTES(vq->size));
	}
	pthread_mutex_unlock(&m->run_lock);
	gmem_track(&v->mem, NULL, NULL);
	return rc;
}

/* The I/O thread again, and each queue looked at once (a kick may have
 * come while it was stopped, a chain given back waits). */
int hv_virtio_resume(struct hv_dev *d)
{
	struct hv_virtio *v = d->priv;
	int rc = v->thread_running ? 0 : virtio_start(d);

	for (unsigned q = 0; !rc && q < v->nr_queues; q++)
		kick(v, q);
	return rc;
}

int hv_virtio_handover(struct hv_dev *d, bool hold)
{
	struct hv_virtio *v = d->priv;

	return v->mmio.ops->handover ? v->mmio.ops->handover(v->mmio.dev, hold) : 0;
}

int hv_virtio_save_state(struct hv_dev *d, struct mig_vdev *out, void *state, size_t cap)
{
	struct hv_virtio *v = d->priv;
	const struct vmmio_ops *ops = v->mmio.ops;

	if (!ops->save || ops->state_len > cap)
		return -EOPNOTSUPP;
	vmmio_save(&v->mmio, out);
	out->base = v->base;
	out->irq = (uint32_t)v->irq;
	out->dev_len = (uint32_t)ops->state_len;
	pthread_mutex_lock(&v->mmio.run_lock);
	ops->save(v->mmio.dev, state);
	pthread_mutex_unlock(&v->mmio.run_lock);
	return 0;
}

int hv_virtio_load_state(struct hv_dev *d, const struct mig_vdev *in, const void *state)
{
	struct hv_virtio *v = d->priv;
	const struct vmmio_ops *ops = v->mmio.ops;
	int rc;

	if (!ops->load || in->dev_len != ops->state_len || in->base != v->base || (int)in->irq != v->irq)
		return -EINVAL;
	rc = vmmio_load(&v->mmio, in); /* the features first: the kind's state may refine them */
	if (rc)
		return rc;
	pthread_mutex_lock(&v->mmio.run_lock);
	rc = ops->load(v->mmio.dev, state);
	pthread_mutex_unlock(&v->mmio.run_lock);
	return rc;
}
