/* The virtio-mmio transport: a fake device under an honest and a hostile
 * driver, over a malloc'd "guest RAM". */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/virtio_mmio.h"
#include "unit.h"

#define RAM_SIZE 0x10000
#define DESC	 0x1000
#define AVAIL	 0x2000
#define USED	 0x3000
#define BUF	 0x8000
#define QMAX	 16

static uint8_t *ram;
static struct gmem mem;
static struct vmmio_dev dev;

/* ---- the fake device ---- */

static struct {
	uint8_t config[8];
	unsigned notified[VMMIO_MAX_QUEUES], resets, driver_oks, stops, config_writes;
	int refuse_features;
	bool serve; /* pop and push on notify */
} fake;

static int irq_level, irq_raises;

static void set_irq(void *opaque, int level)
{
	CHECK(opaque == &fake);
	if (level && !irq_level)
		irq_raises++;
	irq_level = level;
}

static void cfg_read(void *d, uint32_t off, void *data, unsigned size)
{
	CHECK(d == &fake);
	CHECK(off + size <= sizeof(fake.config));
	memcpy(data, fake.config + off, size);
}

static void cfg_write(void *d, uint32_t off, const void *data, unsigned size)
{
	(void)d;
	CHECK(off + size <= sizeof(fake.config));
	memcpy(fake.config + off, data, size);
	fake.config_writes++;
}

static int features_ok(void *d, uint64_t f)
{
	(void)d;
	(void)f;
	return fake.refuse_features ? -EINVAL : 0;
}

static void driver_ok(void *d)
{
	(void)d;
	fake.driver_oks++;
}

/* test_queue_work_leaves_registers_free: queue_notify holds here until released. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool hold, inside, release;
} slow = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, false};

static void slow_wait(void)
{
	pthread_mutex_lock(&slow.lock);
	slow.inside = true;
	pthread_cond_broadcast(&slow.cond);
	while (!slow.release)
		pthread_cond_wait(&slow.cond, &slow.lock);
	pthread_mutex_unlock(&slow.lock);
}

static void queue_notify(void *d, unsigned q)
{
	struct virtq_buf bufs[4];
	struct virtq_chain c;
	struct virtq *vq = vmmio_queue(&dev, q);

	(void)d;
	if (slow.hold)
		slow_wait();
	fake.notified[q]++;
	while (fake.serve && virtq_pop(vq, bufs, 4, &c) > 0) {
		CHECK_INT(virtq_push(vq, &c, c.writable_len), 0);
		vmmio_notify_used(&dev, q);
	}
}

static void queue_stop(void *d, unsigned q)
{
	(void)d;
	(void)q;
	fake.stops++;
}

static void reset(void *d)
{
	(void)d;
	fake.resets++;
}

static const struct vmmio_ops ops = {
    .name = "fake",
    .device_id = 42,
    /* bit 34 (RING_PACKED) is a transport bit the core does not do: dropped */
    .features = (1ULL << 0) | (1ULL << 5) | (1ULL << 34) | (1ULL << 50),
    .nr_queues = 2,
    .queue_max = QMAX,
    .config_size = sizeof(fake.config),
    .config_read = cfg_read,
    .config_write = cfg_write,
    .features_ok = features_ok,
    .driver_ok = driver_ok,
    .queue_notify = queue_notify,
    .queue_stop = queue_stop,
    .reset = reset,
};

/* ---- the fake driver ---- */

static uint32_t rd(uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	CHECK_INT(vmmio_read(&dev, off, &v, 4), 0);
	return le32toh(v);
}

static void wr(uint64_t off, uint32_t v)
{
	v = htole32(v);
	CHECK_INT(vmmio_write(&dev, off, &v, 4), 0);
}

static void put16(uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(ram + gpa, &v, 2);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t a = htole64(addr);
	uint32_t l = htole32(len);

	memcpy(ram + DESC + 16 * i, &a, 8);
	memcpy(ram + DESC + 16 * i + 8, &l, 4);
	put16(DESC + 16 * i + 12, flags);
	put16(DESC + 16 * i + 14, next);
}

static void post(uint16_t head, unsigned qsize)
{
	uint16_t idx;

	memcpy(&idx, ram + AVAIL + 2, 2);
	idx = le16toh(idx);
	put16(AVAIL + 4 + 2 * (idx % qsize), head);
	put16(AVAIL + 2, idx + 1);
}

static void setup(void)
{
	if (!ram)
		ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(&mem, 0, sizeof(mem));
	CHECK_INT(gmem_add(&mem, 0, RAM_SIZE, ram), 0);
	memset(&fake, 0, sizeof(fake));
	memcpy(fake.config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	irq_level = irq_raises = 0;
	CHECK_INT(vmmio_init(&dev, &ops, &fake, &mem, set_irq, &fake), 0);
}

static void teardown(void)
{
	vmmio_destroy(&dev);
}

static void write_features(uint64_t f)
{
	wr(VMMIO_DRIVER_FEATURES_SEL, 0);
	wr(VMMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(VMMIO_DRIVER_FEATURES_SEL, 1);
	wr(VMMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

/* Steps 1-5 of 3.1.1; returns the status read back. */
static uint32_t negotiate(uint64_t f)
{
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	write_features(f);
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return rd(VMMIO_STATUS);
}

#define V1	(1ULL << VIRTIO_F_VERSION_1)
#define ST_FEAT (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)
#define ST_OK	(ST_FEAT | VIRTIO_STATUS_DRIVER_OK)

static void queue_regs(unsigned q, uint32_t num, uint64_t d, uint64_t a, uint64_t u)
{
	wr(VMMIO_QUEUE_SEL, q);
	wr(VMMIO_QUEUE_NUM, num);
	wr(VMMIO_QUEUE_DESC_LOW, (uint32_t)d);
	wr(VMMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr(VMMIO_QUEUE_DRIVER_LOW, (uint32_t)a);
	wr(VMMIO_QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
	wr(VMMIO_QUEUE_DEVICE_LOW, (uint32_t)u);
	wr(VMMIO_QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
}

/* Negotiated, queue 0 of 8 entries ready, DRIVER_OK. */
static void setup_running(uint64_t f)
{
	setup();
	CHECK_INT(negotiate(f), ST_FEAT);
	queue_regs(0, 8, DESC, AVAIL, USED);
	wr(VMMIO_QUEUE_READY, 1);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 1);
	wr(VMMIO_STATUS, ST_OK);
	CHECK_INT(rd(VMMIO_STATUS), ST_OK);
}

/* ---- the honest driver ---- */

static void test_identity(void)
{
	setup();
	CHECK_INT(rd(VMMIO_MAGIC_VALUE), 0x74726976);
	CHECK_INT(rd(VMMIO_VERSION_REG), 2);
	CHECK_INT(rd(VMMIO_DEVICE_ID), 42);
	CHECK_INT(rd(VMMIO_VENDOR_ID), VMMIO_VENDOR);
	CHECK_INT(rd(VMMIO_STATUS), 0);
	CHECK_INT(rd(VMMIO_QUEUE_NUM_MAX), QMAX);
	wr(VMMIO_QUEUE_SEL, 1);
	CHECK_INT(rd(VMMIO_QUEUE_NUM_MAX), QMAX);
	wr(VMMIO_QUEUE_SEL, 2);
	CHECK_INT(rd(VMMIO_QUEUE_NUM_MAX), 0); /* no such queue */
	CHECK_INT(rd(VMMIO_QUEUE_READY), 0);
	teardown();
}

static void test_device_features(void)
{
	setup();
	wr(VMMIO_DEVICE_FEATURES_SEL, 0);
	CHECK_INT(rd(VMMIO_DEVICE_FEATURES), (1u << 0) | (1u << 5) | (1u << 28) | (1u << 29));
	wr(VMMIO_DEVICE_FEATURES_SEL, 1);
	CHECK_INT(rd(VMMIO_DEVICE_FEATURES), (1u << 0) | (1u << 18)); /* VERSION_1, bit 50; not 34 */
	wr(VMMIO_DEVICE_FEATURES_SEL, 2);
	CHECK_INT(rd(VMMIO_DEVICE_FEATURES), 0);
	wr(VMMIO_DEVICE_FEATURES_SEL, 0xffffffff);
	CHECK_INT(rd(VMMIO_DEVICE_FEATURES), 0);
	teardown();
}

static void test_happy_path(void)
{
	setup_running(V1 | 1 | (1ULL << VIRTIO_F_INDIRECT_DESC));
	CHECK_INT(fake.driver_oks, 1);
	CHECK(vmmio_driver_ok(&dev));
	CHECK_INT(vmmio_features(&dev), V1 | 1 | (1ULL << VIRTIO_F_INDIRECT_DESC));
	CHECK(vmmio_queue(&dev, 0)->indirect && !vmmio_queue(&dev, 0)->event_idx);
	CHECK(vmmio_queue(&dev, 2) == NULL);

	fake.serve = true;
	desc(0, BUF, 32, VIRTQ_DESC_F_WRITE, 0);
	post(0, 8);
	wr(VMMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(fake.notified[0], 1);
	CHECK_INT(ram[USED + 2], 1);
	CHECK_INT(ram[USED + 8], 32);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), VMMIO_INT_USED);
	CHECK_INT(irq_level, 1);
	wr(VMMIO_INTERRUPT_ACK, VMMIO_INT_USED);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), 0);
	CHECK_INT(irq_level, 0);

	/* The driver asks for no interrupt: none. */
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	post(0, 8);
	wr(VMMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(ram[USED + 2], 2);
	CHECK_INT(irq_level, 0);
	CHECK_INT(irq_raises, 1);
	teardown();
}

static void test_event_idx_negotiated(void)
{
	setup_running(V1 | (1ULL << VIRTIO_F_EVENT_IDX));
	CHECK(vmmio_queue(&dev, 0)->event_idx && !vmmio_queue(&dev, 0)->indirect);
	teardown();
}

static void test_config_space(void)
{
	uint8_t b[8];
	uint16_t h;
	uint32_t w;

	setup();
	CHECK_INT(vmmio_read(&dev, VMMIO_CONFIG + 3, b, 1), 0);
	CHECK_INT(b[0], 4);
	CHECK_INT(vmmio_read(&dev, VMMIO_CONFIG + 6, &h, 2), 0);
	CHECK_INT(le16toh(h), 0x0807);
	CHECK_INT(vmmio_read(&dev, VMMIO_CONFIG + 4, &w, 4), 0);
	CHECK_INT(le32toh(w), 0x08070605);
	w = htole32(0xa0b0c0d0);
	CHECK_INT(vmmio_write(&dev, VMMIO_CONFIG, &w, 4), 0);
	CHECK_INT(fake.config_writes, 1);
	CHECK_INT(fake.config[0], 0xd0);

	CHECK_INT(rd(VMMIO_CONFIG_GENERATION), 0);
	vmmio_config_changed(&dev); /* before DRIVER_OK: no interrupt */
	CHECK_INT(rd(VMMIO_CONFIG_GENERATION), 1);
	CHECK_INT(irq_level, 0);
	teardown();

	setup_running(V1);
	vmmio_config_changed(&dev);
	CHECK_INT(rd(VMMIO_CONFIG_GENERATION), 1);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), VMMIO_INT_CONFIG);
	CHECK_INT(irq_level, 1);
	wr(VMMIO_INTERRUPT_ACK, VMMIO_INT_CONFIG);
	CHECK_INT(irq_level, 0);
	teardown();
}

static void test_reset(void)
{
	setup_running(V1);
	wr(VMMIO_QUEUE_SEL, 1);
	vmmio_config_changed(&dev);
	CHECK_INT(irq_level, 1);
	wr(VMMIO_STATUS, 0);
	CHECK_INT(fake.resets, 1);
	CHECK_INT(rd(VMMIO_STATUS), 0);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), 0);
	CHECK_INT(irq_level, 0);
	CHECK_INT(vmmio_features(&dev), 0);
	CHECK(!vmmio_queue(&dev, 0)->ready);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 0); /* QueueSel back to 0 */
	CHECK(!vmmio_driver_ok(&dev));
	/* And it comes up again. */
	CHECK_INT(negotiate(V1), ST_FEAT);
	queue_regs(0, 8, DESC, AVAIL, USED);
	wr(VMMIO_QUEUE_READY, 1);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 1);
	teardown();
}

static void test_queue_ready_zero_stops_queue(void)
{
	setup_running(V1);
	wr(VMMIO_QUEUE_READY, 0);
	CHECK_INT(fake.stops, 1);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 0);
	CHECK(!vmmio_queue(&dev, 0)->ready);
	wr(VMMIO_QUEUE_NOTIFY, 0); /* not ready: not passed on */
	CHECK_INT(fake.notified[0], 0);
	wr(VMMIO_QUEUE_READY, 0); /* again: nothing to stop */
	CHECK_INT(fake.stops, 1);
	teardown();
}

/* ---- the hostile driver ---- */

static void test_features_need_version_1(void)
{
	setup();
	CHECK_INT(negotiate(1), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	teardown();
}

static void test_features_not_offered(void)
{
	setup();
	CHECK_INT(negotiate(V1 | (1ULL << 34)), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	teardown();
	setup();
	CHECK_INT(negotiate(V1 | (1ULL << 7)), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	teardown();
}

static void test_features_refused_by_device(void)
{
	setup();
	fake.refuse_features = 1;
	CHECK_INT(negotiate(V1), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	teardown();
}

static void test_features_frozen_after_features_ok(void)
{
	setup();
	CHECK_INT(negotiate(V1), ST_FEAT);
	write_features(V1 | 1 | (1ULL << 34));
	CHECK_INT(vmmio_features(&dev), V1);
	teardown();
}

static void test_features_before_driver_ignored(void)
{
	setup();
	write_features(V1);
	CHECK_INT(vmmio_features(&dev), 0);
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VMMIO_DRIVER_FEATURES_SEL, 7); /* no such word */
	wr(VMMIO_DRIVER_FEATURES, 0xffffffff);
	CHECK_INT(vmmio_features(&dev), 0);
	teardown();
}

static void test_status_out_of_order(void)
{
	setup();
	wr(VMMIO_STATUS, VIRTIO_STATUS_DRIVER); /* DRIVER before ACKNOWLEDGE */
	CHECK_INT(rd(VMMIO_STATUS), 0);
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FEATURES_OK);
	CHECK_INT(rd(VMMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	CHECK_INT(rd(VMMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	CHECK_INT(fake.driver_oks, 0);
	/* Clearing a bit is not a thing a driver does; nor setting NEEDS_RESET. */
	wr(VMMIO_STATUS, VIRTIO_STATUS_DRIVER);
	CHECK_INT(rd(VMMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VMMIO_STATUS,
	   0xffffffff & ~(uint32_t)VIRTIO_STATUS_FEATURES_OK & ~(uint32_t)VIRTIO_STATUS_DRIVER_OK);
	CHECK_INT(rd(VMMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FAILED);
	/* FAILED: nothing more until a reset. */
	write_features(V1);
	wr(VMMIO_STATUS, 0xff);
	CHECK_INT(rd(VMMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FAILED);
	wr(VMMIO_STATUS, 0);
	CHECK_INT(rd(VMMIO_STATUS), 0);
	teardown();
}

static void test_queue_setup_before_features_ok(void)
{
	setup();
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	queue_regs(0, 8, DESC, AVAIL, USED);
	wr(VMMIO_QUEUE_READY, 1);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 0);
	CHECK_INT(dev.qregs[0].num, 0);
	teardown();
}

static void test_queue_writes_after_ready(void)
{
	setup_running(V1);
	queue_regs(0, 4, DESC + 0x100, AVAIL + 0x100, USED + 0x100);
	CHECK_INT(dev.qregs[0].num, 8);
	CHECK_INT(dev.qregs[0].desc, DESC);
	CHECK(vmmio_queue(&dev, 0)->size == 8 && vmmio_queue(&dev, 0)->desc == ram + DESC);
	/* A second QueueReady = 1 changes nothing either. */
	wr(VMMIO_QUEUE_READY, 1);
	CHECK(vmmio_queue(&dev, 0)->desc == ram + DESC);
	CHECK(!(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	teardown();
}

static void test_queue_sel_out_of_range(void)
{
	setup();
	CHECK_INT(negotiate(V1), ST_FEAT);
	queue_regs(VMMIO_MAX_QUEUES + 5, 8, DESC, AVAIL, USED);
	wr(VMMIO_QUEUE_READY, 1);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 0);
	CHECK_INT(rd(VMMIO_QUEUE_NUM_MAX), 0);
	queue_regs(0xffffffff, 8, DESC, AVAIL, USED);
	wr(VMMIO_QUEUE_READY, 1);
	wr(VMMIO_QUEUE_READY, 0);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 0);
	wr(VMMIO_QUEUE_NOTIFY, 0xffffffff);
	wr(VMMIO_QUEUE_NOTIFY, 2);
	CHECK_INT(fake.notified[0] + fake.notified[1], 0);
	CHECK(!(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	teardown();
}

/* Each bad queue setup: not ready, DEVICE_NEEDS_RESET. */
static void refused(uint32_t num, uint64_t d, uint64_t a, uint64_t u)
{
	setup();
	CHECK_INT(negotiate(V1), ST_FEAT);
	queue_regs(1, num, d, a, u);
	wr(VMMIO_QUEUE_READY, 1);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 0);
	CHECK(!vmmio_queue(&dev, 1)->ready);
	CHECK_INT(rd(VMMIO_STATUS), ST_FEAT | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* No interrupt before DRIVER_OK; and DRIVER_OK does not clear it. */
	CHECK_INT(irq_level, 0);
	wr(VMMIO_STATUS, ST_OK);
	CHECK(!vmmio_driver_ok(&dev));
	CHECK_INT(fake.driver_oks, 0);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), VMMIO_INT_CONFIG);
	CHECK_INT(irq_level, 1);
	teardown();
}

static void test_queue_bad_num(void)
{
	refused(0, DESC, AVAIL, USED);
	refused(3, DESC, AVAIL, USED);
	refused(QMAX * 2, DESC, AVAIL, USED);
	refused(0x10008, DESC, AVAIL, USED); /* 8 once truncated to 16 bits */
}

static void test_queue_misaligned(void)
{
	refused(8, DESC + 4, AVAIL, USED);
	refused(8, DESC, AVAIL + 1, USED);
	refused(8, DESC, AVAIL, USED + 2);
}

static void test_queue_outside_ram(void)
{
	refused(8, RAM_SIZE, AVAIL, USED);
	refused(8, DESC, RAM_SIZE - 8, USED);
	refused(8, DESC, AVAIL, 0x100000000ULL + USED);
	refused(8, 0xfffffffffffffff0ULL, AVAIL, USED);
}

static void test_notify_before_driver_ok(void)
{
	setup();
	CHECK_INT(negotiate(V1), ST_FEAT);
	queue_regs(0, 8, DESC, AVAIL, USED);
	wr(VMMIO_QUEUE_READY, 1);
	wr(VMMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(fake.notified[0], 0);
	wr(VMMIO_STATUS, ST_OK);
	wr(VMMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(fake.notified[0], 1);
	wr(VMMIO_QUEUE_NOTIFY, 1); /* queue 1 not ready */
	CHECK_INT(fake.notified[1], 0);
	teardown();
}

static void test_broken_queue_needs_reset(void)
{
	setup_running(V1);
	fake.serve = true;
	post(8, 8); /* head out of range */
	wr(VMMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(fake.notified[0], 1);
	CHECK_INT(rd(VMMIO_STATUS), ST_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), VMMIO_INT_CONFIG);
	CHECK_INT(irq_level, 1);
	CHECK(!vmmio_driver_ok(&dev));
	wr(VMMIO_QUEUE_NOTIFY, 0); /* no more notifications to the device */
	CHECK_INT(fake.notified[0], 1);
	wr(VMMIO_INTERRUPT_ACK, 0xffffffff);
	CHECK_INT(irq_level, 0);
	/* Still needs reset; a reset clears it. */
	CHECK(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	wr(VMMIO_STATUS, 0);
	CHECK_INT(rd(VMMIO_STATUS), 0);
	CHECK(!virtq_is_broken(vmmio_queue(&dev, 0)));
	teardown();
}

static void test_bad_widths(void)
{
	uint8_t b[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint64_t q = ~0ULL;

	setup();
	CHECK_INT(vmmio_read(&dev, VMMIO_MAGIC_VALUE, b, 1), 0);
	CHECK_INT(b[0], 0);
	CHECK_INT(vmmio_read(&dev, VMMIO_MAGIC_VALUE, b, 2), 0);
	CHECK(!b[0] && !b[1]);
	CHECK_INT(vmmio_read(&dev, VMMIO_MAGIC_VALUE, &q, 8), 0);
	CHECK_INT(q, 0);
	CHECK_INT(vmmio_read(&dev, VMMIO_MAGIC_VALUE + 1, b, 4), 0);
	CHECK(!b[0] && !b[3]);
	b[0] = VIRTIO_STATUS_ACKNOWLEDGE;
	CHECK_INT(vmmio_write(&dev, VMMIO_STATUS, b, 1), 0);
	CHECK_INT(vmmio_write(&dev, VMMIO_STATUS, b, 2), 0);
	q = VIRTIO_STATUS_ACKNOWLEDGE;
	CHECK_INT(vmmio_write(&dev, VMMIO_STATUS, &q, 8), 0);
	CHECK_INT(rd(VMMIO_STATUS), 0);
	/* Sizes no KVM exit has: refused without touching data. */
	CHECK_INT(vmmio_read(&dev, 0, b, 0), -EINVAL);
	CHECK_INT(vmmio_read(&dev, 0, b, 16), -EINVAL);
	CHECK_INT(vmmio_write(&dev, 0, b, 9), -EINVAL);
	teardown();
}

static void test_outside_window(void)
{
	static const uint64_t offs[] = {
	    VMMIO_WINDOW_SIZE,	   VMMIO_WINDOW_SIZE - 4, 0x1000, UINT64_MAX - 3, 0x0c0, 0x018,
	    0x0fc + 0x100000000ULL};

	setup();
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		CHECK_INT(rd(offs[i]), 0);
		wr(offs[i], 0xffffffff);
	}
	CHECK_INT(rd(VMMIO_STATUS), 0);
	CHECK_INT(fake.config_writes, 0);
	teardown();
}

static void test_register_directions(void)
{
	setup();
	wr(VMMIO_MAGIC_VALUE, 0);
	wr(VMMIO_QUEUE_NUM_MAX, 0);
	wr(VMMIO_INTERRUPT_STATUS, 0xffffffff);
	CHECK_INT(rd(VMMIO_MAGIC_VALUE), VMMIO_MAGIC);
	CHECK_INT(rd(VMMIO_QUEUE_NUM_MAX), QMAX);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), 0);
	CHECK_INT(irq_level, 0);
	wr(VMMIO_QUEUE_SEL, 1);
	CHECK_INT(rd(VMMIO_QUEUE_SEL), 0); /* write-only reads as 0 */
	CHECK_INT(rd(VMMIO_INTERRUPT_ACK), 0);
	CHECK_INT(rd(VMMIO_QUEUE_DESC_LOW), 0);
	teardown();
}

static void test_config_bad_accesses(void)
{
	uint32_t w = 0xffffffff;
	uint16_t h = 0xffff;

	setup();
	CHECK_INT(vmmio_read(&dev, VMMIO_CONFIG + 6, &w, 4), 0); /* crosses config_size */
	CHECK_INT(w, 0);
	CHECK_INT(vmmio_read(&dev, VMMIO_CONFIG + 1, &h, 2), 0); /* misaligned */
	CHECK_INT(h, 0);
	CHECK_INT(vmmio_read(&dev, VMMIO_CONFIG + 8, &h, 1), 0); /* past config_size */
	CHECK_INT(h, 0);
	CHECK_INT(vmmio_read(&dev, VMMIO_CONFIG, &w, 3), 0);
	CHECK_INT(w, 0);
	w = 0;
	CHECK_INT(vmmio_write(&dev, VMMIO_CONFIG + 6, &w, 4), 0);
	CHECK_INT(vmmio_write(&dev, VMMIO_CONFIG + 3, &w, 2), 0);
	CHECK_INT(vmmio_write(&dev, VMMIO_CONFIG + 0xfc, &w, 4), 0);
	CHECK_INT(fake.config_writes, 0);
	teardown();
}

static void test_bad_ops_refused(void)
{
	struct vmmio_ops o = ops;
	struct vmmio_dev d2;

	o.nr_queues = 0;
	CHECK_INT(vmmio_init(&d2, &o, NULL, &mem, NULL, NULL), -EINVAL);
	o = ops;
	o.nr_queues = VMMIO_MAX_QUEUES + 1;
	CHECK_INT(vmmio_init(&d2, &o, NULL, &mem, NULL, NULL), -EINVAL);
	o = ops;
	o.queue_max = 24;
	CHECK_INT(vmmio_init(&d2, &o, NULL, &mem, NULL, NULL), -EINVAL);
	o = ops;
	o.config_size = VMMIO_CONFIG_MAX + 1;
	CHECK_INT(vmmio_init(&d2, &o, NULL, &mem, NULL, NULL), -EINVAL);
	o = ops;
	o.reset = NULL;
	CHECK_INT(vmmio_init(&d2, &o, NULL, &mem, NULL, NULL), -EINVAL);
}

static void *kick_thread(void *arg)
{
	(void)arg;
	vmmio_kick(&dev, 0);
	return NULL;
}

/*
 * A device's queue work (a slow disk) must not hold the registers: while
 * queue_notify is stuck on the device's thread, a vCPU reads and acks
 * InterruptStatus and reads the config space. (Before the queue lock, the
 * read waited for the disk; alarm() ends the test if it ever waits again.)
 */
static void test_queue_work_leaves_registers_free(void)
{
	pthread_t t;

	setup_running(V1);
	slow.hold = true;
	slow.inside = slow.release = false;
	CHECK_INT(pthread_create(&t, NULL, kick_thread, NULL), 0);
	pthread_mutex_lock(&slow.lock);
	while (!slow.inside)
		pthread_cond_wait(&slow.cond, &slow.lock);
	pthread_mutex_unlock(&slow.lock);

	alarm(30);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS), 0);
	wr(VMMIO_INTERRUPT_ACK, VMMIO_INT_USED);
	CHECK_INT(rd(VMMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_DRIVER_OK);
	CHECK_INT(rd(VMMIO_CONFIG), fake.config[0] | fake.config[1] << 8 | fake.config[2] << 16 |
					 (uint32_t)fake.config[3] << 24);
	alarm(0);
	CHECK_INT(fake.notified[0], 0); /* still inside */

	pthread_mutex_lock(&slow.lock);
	slow.release = true;
	pthread_cond_broadcast(&slow.cond);
	pthread_mutex_unlock(&slow.lock);
	pthread_join(t, NULL);
	slow.hold = false;
	CHECK_INT(fake.notified[0], 1);
	teardown();
}

/* vmmio_kick does what a QueueNotify exit does, and nothing before DRIVER_OK. */
static void test_kick_checks_like_notify(void)
{
	setup_running(V1);
	vmmio_kick(&dev, 0);
	vmmio_kick(&dev, 1); /* not ready */
	vmmio_kick(&dev, 7); /* no such queue */
	CHECK_INT(fake.notified[0], 1);
	CHECK_INT(fake.notified[1], 0);
	wr(VMMIO_STATUS, 0);
	vmmio_kick(&dev, 0);
	CHECK_INT(fake.notified[0], 1);
	teardown();
}

int main(void)
{
	RUN(test_identity);
	RUN(test_device_features);
	RUN(test_happy_path);
	RUN(test_event_idx_negotiated);
	RUN(test_config_space);
	RUN(test_reset);
	RUN(test_queue_ready_zero_stops_queue);
	RUN(test_features_need_version_1);
	RUN(test_features_not_offered);
	RUN(test_features_refused_by_device);
	RUN(test_features_frozen_after_features_ok);
	RUN(test_features_before_driver_ignored);
	RUN(test_status_out_of_order);
	RUN(test_queue_setup_before_features_ok);
	RUN(test_queue_writes_after_ready);
	RUN(test_queue_sel_out_of_range);
	RUN(test_queue_bad_num);
	RUN(test_queue_misaligned);
	RUN(test_queue_outside_ram);
	RUN(test_notify_before_driver_ok);
	RUN(test_broken_queue_needs_reset);
	RUN(test_bad_widths);
	RUN(test_outside_window);
	RUN(test_register_directions);
	RUN(test_config_bad_accesses);
	RUN(test_bad_ops_refused);
	RUN(test_queue_work_leaves_registers_free);
	RUN(test_kick_checks_like_notify);
	free(ram);
	return unit_done();
}
