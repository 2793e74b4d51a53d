/*
 * libFuzzer target: the virtio-mmio register window under any sequence of
 * guest accesses (any offset, any width) and guest RAM writes, with a device
 * that serves its queues on every notify. Besides ASan/UBSan, it checks the
 * transport's invariants after every step: the interrupt line is high exactly
 * while InterruptStatus is non-zero, DRIVER_OK never stands without
 * FEATURES_OK, and a ready queue's rings lie inside guest RAM.
 *
 * Input: records of 8 bytes: op, offset (2), size code, value (4).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/virtio_mmio.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM 4096

static struct vmmio_dev dev;
static int line;
static uint8_t config[12];

static void set_irq(void *opaque, int level)
{
	(void)opaque;
	line = level;
}

static void cfg_read(void *d, uint32_t off, void *buf, unsigned size)
{
	(void)d;
	if (off + size > sizeof(config))
		abort();
	memcpy(buf, config + off, size);
}

static void cfg_write(void *d, uint32_t off, const void *buf, unsigned size)
{
	(void)d;
	if (off + size > sizeof(config))
		abort();
	memcpy(config + off, buf, size);
}

static void queue_notify(void *d, unsigned q)
{
	struct virtq_buf bufs[16];
	struct virtq_chain c;
	struct virtq *vq = vmmio_queue(&dev, q);

	(void)d;
	if (!vq)
		abort();
	while (virtq_pop(vq, bufs, 16, &c) > 0) {
		for (unsigned i = c.n_readable; i < c.n; i++)
			memset(bufs[i].host, 0x5a, bufs[i].len);
		if (virtq_push(vq, &c, c.writable_len) < 0)
			abort();
		vmmio_notify_used(&dev, q);
	}
}

static void reset(void *d)
{
	(void)d;
}

static const struct vmmio_ops ops = {
    .name = "fuzz",
    .device_id = 4,
    .features = 0x3f,
    .nr_queues = 3,
    .queue_max = 64,
    .config_size = sizeof(config),
    .config_read = cfg_read,
    .config_write = cfg_write,
    .queue_notify = queue_notify,
    .reset = reset,
};

static void check_invariants(const struct gmem *mem)
{
	uint32_t is = 0, st = 0;

	vmmio_read(&dev, VMMIO_INTERRUPT_STATUS, &is, 4);
	vmmio_read(&dev, VMMIO_STATUS, &st, 4);
	if ((is != 0) != line)
		abort();
	if ((st & VIRTIO_STATUS_DRIVER_OK) && !(st & VIRTIO_STATUS_FEATURES_OK))
		abort();
	for (unsigned q = 0; q < ops.nr_queues; q++) {
		struct virtq *vq = vmmio_queue(&dev, q);
		uint8_t *end = mem->r[0].host + RAM;

		if (vq->ready && (vq->desc + VIRTQ_DESC_BYTES(vq->size) > end ||
				  vq->avail + VIRTQ_AVAIL_BYTES(vq->size) > end ||
				  vq->used + VIRTQ_USED_BYTES(vq->size) > end))
			abort();
	}
}

static void step(const uint8_t *r, uint8_t *ram)
{
	static const unsigned sizes[] = {4, 4, 4, 4, 1, 2, 8, 3};
	unsigned op = r[0] % 6, off = r[1] | r[2] << 8, size = sizes[r[3] % 8];
	uint64_t v = 0;

	memcpy(&v, r + 4, 4);
	switch (op) {
	case 0:
	case 1:
		/* Most writes go to the control registers, at 4-byte steps. */
		vmmio_write(&dev, op ? off % 0x200 : (off % 0x40) * 4, &v, size);
		break;
	case 2:
		vmmio_read(&dev, off, &v, size);
		break;
	case 3:
		memcpy(ram + off % (RAM - 4), r + 4, 4);
		break;
	case 4:
		vmmio_config_changed(&dev);
		break;
	default:
		if (r[3] == 0xff)
			vmmio_set_needs_reset(&dev);
		else
			vmmio_notify_used(&dev, r[3] % 4);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct gmem mem = {0};
	uint8_t *ram = calloc(1, RAM);

	if (!null) {
		null = fopen("/dev/null", "w");
		log_set_file(null);
	}
	if (!ram || gmem_add(&mem, 0, RAM, ram) || vmmio_init(&dev, &ops, NULL, &mem, set_irq, NULL))
		abort();
	line = 0;
	for (size_t i = 0; i + 8 <= size; i += 8) {
		step(data + i, ram);
		check_invariants(&mem);
	}
	vmmio_destroy(&dev);
	free(ram);
	return 0;
}
