/*
 * xenon-hv's virtio-mmio window device (hypervisor/virtio_dev.c): windows and
 * lines allocated, registers reached through the MMIO bus, QueueNotify
 * handled on the device's I/O thread (also after it was stopped for a save
 * and started again), everything given back on removal.
 * KVM is stubbed: ioeventfd registrations are counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hypervisor/hv.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"
#include "unit.h"

static int irq_levels[HV_IRQ_PINS];
static int ioeventfds, bad_ioeventfds;

int hv_kvm_irq_line(struct hv_vm *vm, unsigned pin, int level)
{
	(void)vm;
	if (pin < HV_IRQ_PINS)
		irq_levels[pin] = level;
	return 0;
}

int hv_kvm_ioeventfd(struct hv_vm *vm, int fd, enum hv_bus_space space, uint64_t addr, unsigned len,
		     int64_t match, int deassign)
{
	(void)vm;
	if (fd < 0 || space != HV_BUS_MMIO || len != 4 || match < 0 || match >= 2 ||
	    (addr - HV_VIRTIO_MMIO_BASE) % 0x1000 != VMMIO_QUEUE_NOTIFY)
		bad_ioeventfds++;
	ioeventfds += deassign ? -1 : 1;
	return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned notified[2];
static pthread_t notifier;

static void cfg_read(void *d, uint32_t off, void *data, unsigned size)
{
	(void)d;
	memset(data, 0x40 + off, size);
}

static void queue_notify(void *d, unsigned q)
{
	(void)d;
	pthread_mutex_lock(&lock);
	notified[q]++;
	notifier = pthread_self();
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void reset(void *d)
{
	(void)d;
}

static const struct vmmio_ops test_ops = {
    .name = "test",
    .device_id = 2,
    .nr_queues = 2,
    .queue_max = 16,
    .config_size = 4,
    .config_read = cfg_read,
    .queue_notify = queue_notify,
    .reset = reset,
};

static struct hv_vm vm;

static uint32_t rd(uint64_t base, uint64_t off)
{
	uint32_t v = 0;

	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + off, 0, &v, 4, 1), 0);
	return v;
}

static void wr(uint64_t base, uint64_t off, uint32_t v)
{
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + off, 1, &v, 4, 1), 0);
}

/* The driver's side of 3.1.1 for queue 0, rings in the test's RAM. */
static void driver_init(uint64_t base)
{
	wr(base, VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(base, VMMIO_DRIVER_FEATURES_SEL, 1);
	wr(base, VMMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(base, VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CHECK(rd(base, VMMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	wr(base, VMMIO_QUEUE_SEL, 0);
	wr(base, VMMIO_QUEUE_NUM, 16);
	wr(base, VMMIO_QUEUE_DESC_LOW, 0x1000);
	wr(base, VMMIO_QUEUE_DRIVER_LOW, 0x2000);
	wr(base, VMMIO_QUEUE_DEVICE_LOW, 0x3000);
	wr(base, VMMIO_QUEUE_READY, 1);
	CHECK_INT(rd(base, VMMIO_QUEUE_READY), 1);
	wr(base, VMMIO_STATUS, 0xf);
}

static int wait_notified(unsigned q, unsigned want)
{
	struct timespec until;
	int ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&lock);
	while (notified[q] < want && !pthread_cond_timedwait(&cond, &lock, &until))
		;
	ok = notified[q] == want;
	pthread_mutex_unlock(&lock);
	return ok;
}

static void test_windows_lines_and_kicks(void)
{
	struct hv_dev *a, *b;
	struct hv_bus_range r;

	vm.ram = aligned_alloc(4096, 1 << 20);
	vm.low_size = 1 << 20;
	memset(vm.ram, 0, 1 << 20);
	hv_devices_setup(&vm);
	CHECK_INT(hv_irq_claim(&vm.irqs, 16, "someone"), 0);
	CHECK_INT(hv_virtio_add(&vm, &test_ops, NULL, &a), 0);
	CHECK_INT(hv_virtio_add(&vm, &test_ops, NULL, &b), 0);
	CHECK(hv_virtio_base(a) == HV_VIRTIO_MMIO_BASE);
	CHECK(hv_virtio_base(b) == HV_VIRTIO_MMIO_BASE + 0x1000);
	CHECK_INT(hv_virtio_irq(a), 17); /* 16 was taken */
	CHECK_INT(hv_virtio_irq(b), 18);
	CHECK_INT(ioeventfds, 4);
	CHECK_INT(bad_ioeventfds, 0);
	CHECK_INT(rd(hv_virtio_base(b), VMMIO_MAGIC_VALUE), VMMIO_MAGIC);
	CHECK_INT(rd(hv_virtio_base(b), VMMIO_DEVICE_ID), 2);
	CHECK_INT(rd(hv_virtio_base(b), VMMIO_CONFIG), 0x40404040);
	CHECK_INT(hv_devices_start(&vm), 0);

	driver_init(hv_virtio_base(b));
	wr(hv_virtio_base(b), VMMIO_QUEUE_NOTIFY, 0); /* as if no ioeventfd caught it */
	CHECK(wait_notified(0, 1));
	CHECK(!pthread_equal(notifier, pthread_self())); /* on the device's I/O thread */
	wr(hv_virtio_base(b), VMMIO_QUEUE_NOTIFY, 1);	 /* queue 1 is not ready: the transport drops it */
	wr(hv_virtio_base(b), VMMIO_QUEUE_NOTIFY, 0);
	CHECK(wait_notified(0, 2));
	CHECK_INT(notified[1], 0);

	/* Stopped as by a save (twice: a live one does), started again as when
	 * the domain runs on: resume looks at each ready queue once, and the
	 * guest's kicks are served again, on the new thread. */
	CHECK_INT(hv_virtio_quiesce(b), 0);
	CHECK_INT(hv_virtio_quiesce(b), 0);
	CHECK_INT(hv_virtio_resume(b), 0);
	CHECK(wait_notified(0, 3));
	wr(hv_virtio_base(b), VMMIO_QUEUE_NOTIFY, 0);
	CHECK(wait_notified(0, 4));
	CHECK(!pthread_equal(notifier, pthread_self()));

	hv_dev_remove(b);
	CHECK_INT(ioeventfds, 2);
	CHECK_INT(hv_bus_lookup(&vm.bus[HV_BUS_MMIO], HV_VIRTIO_MMIO_BASE + 0x1000, &r), -ENOENT);
	CHECK_INT(hv_irq_alloc(&vm.irqs, "next"), 18); /* b's line is free again */
	hv_devices_fini(&vm);
	CHECK_INT(ioeventfds, 0);
	CHECK_INT(vm.irqs.used, (1 << 16) | (1 << 18));
	for (unsigned s = 0; s < HV_BUS_NR; s++)
		hv_bus_destroy(&vm.bus[s]);
	free(vm.ram);
}

int main(void)
{
	log_init("hv_virtio_dev-test");
	RUN(test_windows_lines_and_kicks);
	return unit_done();
}
