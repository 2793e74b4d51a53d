/*
 * libFuzzer target: xenon-hv's virtio-net (hypervisor/virtio_net.c) under a
 * hostile driver. The tap is a SOCK_SEQPACKET socketpair (a packet per
 * message, silently truncated reads, as a tap); the transport is the real
 * virtio_mmio.c over a small guest RAM the input writes. Beside ASan/UBSan it
 * checks what reaches the "wire": every packet the device wrote carries a
 * header the driver's features allow (flags, GSO type, num_buffers 0) and
 * an Ethernet header at least. (The used rings are guest RAM the input
 * writes too: virtq.c's fuzzer and unit test check what the device puts
 * there.)
 *
 * Input: 8 bytes of driver features, then records of 8 bytes: op, two
 * argument bytes, a size code, a value (4).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/tap.h"
#include "hypervisor/vdev.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM   0x10000
#define QSIZE 16

static struct gmem mem;
static uint8_t *ram;
static struct vmmio_dev mmio;
static struct hv_dev hvdev;
static const struct vmmio_ops *net_ops;
static void *net_dev;
static int wire = -1; /* the far end of the "tap" */

/* ---- what virtio_net.c needs from the rest of xenon-hv ---- */

static void set_irq(void *opaque, int level)
{
	(void)opaque, (void)level;
}

int hv_virtio_add(struct hv_vm *vm, const struct vmmio_ops *ops, void *dev, struct hv_dev **out)
{
	(void)vm;
	if (vmmio_init(&mmio, ops, dev, &mem, set_irq, NULL))
		abort();
	net_ops = ops;
	net_dev = dev;
	*out = &hvdev;
	return 0;
}

struct vmmio_dev *hv_virtio_transport(struct hv_dev *d)
{
	(void)d;
	return &mmio;
}

int tap_open(struct tap *t, const char *name, unsigned mtu)
{
	int sv[2];

	(void)mtu;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
		abort();
	*t = (struct tap){.fd = sv[0], .created = true};
	snprintf(t->name, sizeof(t->name), "%s", name);
	wire = sv[1];
	return 0;
}

int tap_adopt(struct tap *t, int fd, const char *name)
{
	(void)t, (void)fd, (void)name;
	return -EINVAL; /* the fuzzer's specs never pass fds */
}

int tap_set_offload(struct tap *t, unsigned tun_flags)
{
	(void)t, (void)tun_flags;
	return 0;
}

void tap_close(struct tap *t)
{
	close(t->fd);
	t->fd = -1;
}

/* ---- the checks ---- */

/* Everything the device wrote to the tap so far. */
static void drain_wire(void)
{
	static uint8_t pkt[70000];
	uint64_t f = vmmio_features(&mmio);
	ssize_t n;

	while ((n = recv(wire, pkt, sizeof(pkt), MSG_DONTWAIT)) >= 0) {
		if (n < 12 + 14)
			abort();
		if (pkt[0] & ~1 || ((pkt[0] & 1) && !(f & 1)))
			abort(); /* flags: NEEDS_CSUM only, and only with CSUM */
		if (pkt[1] != 0 && !(pkt[1] == 1 && (f & (1 << 11))) && !(pkt[1] == 4 && (f & (1 << 12))))
			abort(); /* GSO only as negotiated */
		if (pkt[10] || pkt[11])
			abort(); /* num_buffers is the device's, 0 on tx */
	}
}

/* ---- the driver ---- */

static void wr(uint32_t off, uint32_t v)
{
	vmmio_write(&mmio, off, &v, 4);
}

static void driver_init(uint64_t features)
{
	static const uint32_t rings[2][3] = {{0x1000, 0x1200, 0x1400}, {0x2000, 0x2200, 0x2400}};

	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VMMIO_DRIVER_FEATURES_SEL, 0);
	wr(VMMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(VMMIO_DRIVER_FEATURES_SEL, 1);
	wr(VMMIO_DRIVER_FEATURES, (uint32_t)(features >> 32) | 1); /* VERSION_1 */
	wr(VMMIO_STATUS, 0xb);
	for (unsigned q = 0; q < 2; q++) {
		wr(VMMIO_QUEUE_SEL, q);
		wr(VMMIO_QUEUE_NUM, QSIZE);
		wr(VMMIO_QUEUE_DESC_LOW, rings[q][0]);
		wr(VMMIO_QUEUE_DRIVER_LOW, rings[q][1]);
		wr(VMMIO_QUEUE_DEVICE_LOW, rings[q][2]);
		wr(VMMIO_QUEUE_READY, 1);
	}
	wr(VMMIO_STATUS, 0xf);
}

static void send_packet(const uint8_t *r, unsigned len)
{
	static uint8_t pkt[70000];

	for (unsigned i = 0; i < len; i++)
		pkt[i] = r[i % 8] + i;
	send(wire, pkt, len, MSG_DONTWAIT);
}

static void step(const uint8_t *r)
{
	unsigned op = r[0] % 8, off = r[1] | r[2] << 8;
	uint32_t v;

	memcpy(&v, r + 4, 4);
	switch (op) {
	case 0: /* guest RAM, mostly the rings and the first buffers */
	case 1:
		memcpy(ram + (op ? off % 0x3000 : off) % (RAM - 4), &v, 4);
		break;
	case 2: /* a descriptor: address in the buffer area, any length */
		v = 0x4000 + v % (RAM - 0x4000);
		memcpy(ram + 0x1000 * (1 + (r[3] & 1)) + 16 * (r[1] % QSIZE), &v, 4);
		memcpy(ram + 0x1000 * (1 + (r[3] & 1)) + 16 * (r[1] % QSIZE) + 8, (uint32_t[]){r[2] * 16u},
		       4);
		break;
	case 3: /* a kick, as the I/O thread gives it */
		vmmio_kick(&mmio, r[3] % 3);
		break;
	case 4: /* a packet from the network */
		send_packet(r, v % (r[3] & 1 ? 70000 : 2000));
		break;
	case 5: /* the tap became readable */
		vmmio_io_ready(&mmio, POLLIN);
		break;
	case 6: /* any register */
		vmmio_write(&mmio, off % 0x100 & ~3u, &v, 4);
		break;
	default:
		if (r[3] == 0xff)
			driver_init(v | (uint64_t)r[1] << 32);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct hvctl_device_spec spec = {.kind = HVCTL_DEV_VIF, .devid = 1, .mtu = 1500, .target = "fuzz0"};
	struct hv_dev *d;
	uint64_t features = 0;

	if (!null) {
		null = fopen("/dev/null", "w");
		log_set_file(null);
	}
	if (size < 8)
		return 0;
	memcpy(&features, data, 8);
	ram = calloc(1, RAM);
	mem = (struct gmem){0};
	if (!ram || gmem_add(&mem, 0, RAM, ram))
		abort();
	spec.mac[5] = 1;
	if (hv_vdev_vif.add(NULL, &spec, NULL, &d))
		abort();
	driver_init(features);
	for (size_t i = 8; i + 8 <= size; i += 8) {
		step(data + i);
		drain_wire();
	}
	wr(VMMIO_STATUS, 0);
	vmmio_destroy(&mmio);
	net_ops->destroy(net_dev);
	close(wire);
	free(ram);
	return 0;
}
