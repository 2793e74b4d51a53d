/*
 * libFuzzer target: xenon-hv's virtio-blk (hypervisor/virtio_blk.c) under a
 * hostile driver. The input is guest RAM as the driver left it (descriptor
 * table, available ring, headers, data) and how many chains it made
 * available; the device serves them over a 1 MiB raw file. ASan watches
 * every access; the image must never grow (no write outside the capacity).
 *
 * Input: byte 0: chains made available (0-255); byte 1: queue size log2
 * (0-8); then up to 64 KiB copied to guest-physical 0x1000 (descriptor
 * table at 0x1000, available ring at 0x3000, the rest for requests).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/vdev.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"

#define RAM_SIZE   (1 << 20)
#define IMAGE_SIZE (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int vif_add(struct hv_vm *vm, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds,
		   struct hv_dev **out)
{
	(void)fds;
	(void)vm, (void)spec, (void)out;
	return -ENOSYS;
}
const struct hv_vdev_type hv_vdev_vif = {.kind = HVCTL_DEV_VIF, .name = "vif", .add = vif_add};

int hv_kvm_irq_line(struct hv_vm *vm, unsigned pin, int level)
{
	(void)vm, (void)pin, (void)level;
	return 0;
}

int hv_kvm_ioeventfd(struct hv_vm *vm, int fd, enum hv_bus_space space, uint64_t addr, unsigned len,
		     int64_t match, int deassign)
{
	(void)vm, (void)fd, (void)space, (void)addr, (void)len, (void)match, (void)deassign;
	return 0;
}

static struct hv_vm vm;
static struct vmmio_dev *t;
static char image[64];

static void w32(uint64_t off, uint32_t v)
{
	vmmio_write(t, off, &v, 4);
}

static uint32_t r32(uint64_t off)
{
	uint32_t v = 0;

	vmmio_read(t, off, &v, 4);
	return v;
}

static void cleanup(void)
{
	unlink(image);
}

/* Once: RAM, a raw image, the disk (no I/O thread: kicks are served here). */
static void setup(void)
{
	struct hvctl_device_spec spec = {.kind = HVCTL_DEV_VBD, .devid = 51712};
	struct hv_dev *d = NULL;
	FILE *null = fopen("/dev/null", "w");
	int fd;

	log_set_file(null); /* refusals are the normal case here */
	vm.ram = aligned_alloc(4096, RAM_SIZE);
	vm.low_size = RAM_SIZE;
	hv_devices_setup(&vm);
	snprintf(image, sizeof(image), "/tmp/hv-blk-fuzz.%d.raw", (int)getpid());
	fd = open(image, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, IMAGE_SIZE))
		abort();
	close(fd);
	atexit(cleanup);
	snprintf(spec.target, sizeof(spec.target), "%s", image);
	snprintf(spec.serial, sizeof(spec.serial), "FUZZ");
	if (hv_vdev_add(&vm, &spec, 0, NULL))
		abort();
	for (struct hv_dev *x = vm.devs; x; x = x->next)
		d = x;
	t = hv_virtio_transport(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stat st;
	uint16_t idx;
	unsigned qsize;

	if (!t)
		setup();
	if (size < 2)
		return 0;
	qsize = 1u << (data[1] % 9);
	memset(vm.ram, 0, RAM_SIZE);
	memcpy(vm.ram + 0x1000, data + 2, size - 2 > 0x10000 ? 0x10000 : size - 2);
	idx = data[0];
	memcpy(vm.ram + 0x3002, &idx, 2); /* avail->idx */
	w32(VMMIO_STATUS, 0);
	w32(VMMIO_STATUS, 3);
	for (uint32_t sel = 0; sel < 2; sel++) { /* all the device offers (VERSION_1 among it) */
		w32(VMMIO_DEVICE_FEATURES_SEL, sel);
		w32(VMMIO_DRIVER_FEATURES_SEL, sel);
		w32(VMMIO_DRIVER_FEATURES, r32(VMMIO_DEVICE_FEATURES));
	}
	w32(VMMIO_STATUS, 0xb);
	w32(VMMIO_QUEUE_SEL, 0);
	w32(VMMIO_QUEUE_NUM, qsize);
	w32(VMMIO_QUEUE_DESC_LOW, 0x1000);
	w32(VMMIO_QUEUE_DRIVER_LOW, 0x3000);
	w32(VMMIO_QUEUE_DEVICE_LOW, 0x4000);
	w32(VMMIO_QUEUE_READY, 1);
	w32(VMMIO_STATUS, 0xf);
	/* The setup is the same for every input: if the device refused it,
	 * no request would ever be parsed (this fuzzer once fuzzed nothing:
	 * it offered features the device did not, and FEATURES_OK was refused). */
	if (r32(VMMIO_STATUS) != 0xf || !r32(VMMIO_QUEUE_READY)) {
		fprintf(stderr, "hv-blk-fuzz: the driver's setup was refused (status %#x)\n",
			r32(VMMIO_STATUS));
		abort();
	}
	w32(VMMIO_QUEUE_NOTIFY, 0); /* the transport calls the device's queue_notify here */
	if (stat(image, &st) || st.st_size != IMAGE_SIZE)
		abort(); /* written past the capacity */
	return 0;
}
