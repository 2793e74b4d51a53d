/*
 * xenon-hv's virtio-blk (hypervisor/virtio_blk.c) and disk registry
 * (vdev.c): the test plays the guest's driver in a malloc'd "guest RAM",
 * through the MMIO bus, over a temporary raw file: reads and writes (one by
 * one, in a batch, from unaligned buffers), flush, discard, GET_ID, the
 * write cache switch, a read-only disk, and a hostile driver (requests out
 * of range, short headers, no status byte, buffers outside RAM). Then the
 * images it must refuse (qcow2, vhd, a directory, a missing file) and the
 * registry's rules; and a live save that starts while a batch is in the
 * middle of its I/O. KVM is stubbed as in hv_virtio_dev-test.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/blk_backing.h"
#include "hypervisor/blk_io.h"
#include "hypervisor/hv.h"
#include "hypervisor/vdev.h"
#include "hypervisor/vdev_spec.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"
#include "unit.h"

/* Not under test here: the vif kind (virtio_net.c) stays out of this program. */
static int vif_add(struct hv_vm *vm, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds,
		   struct hv_dev **out)
{
	(void)vm, (void)spec, (void)fds, (void)out;
	return -ENOSYS;
}
const struct hv_vdev_type hv_vdev_vif = {.kind = HVCTL_DEV_VIF, .name = "vif", .add = vif_add};

static int irq_levels[HV_IRQ_PINS];

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
	(void)vm, (void)fd, (void)space, (void)addr, (void)len, (void)match, (void)deassign;
	return 0;
}

/*
 * The disk's I/O, wrapped (the link has --wrap=blk_io_run): when a test asks, the
 * next batch stops before its I/O until the test lets it go on.
 */
void __real_blk_io_run(struct blk_io *io, struct blk_op **ops, unsigned n);
void __wrap_blk_io_run(struct blk_io *io, struct blk_op **ops, unsigned n);
static int hold_next_batch;
static sem_t batch_held, batch_go;

void __wrap_blk_io_run(struct blk_io *io, struct blk_op **ops, unsigned n)
{
	if (__atomic_exchange_n(&hold_next_batch, 0, __ATOMIC_ACQ_REL)) {
		sem_post(&batch_held);
		while (sem_wait(&batch_go) < 0 && errno == EINTR)
			;
	}
	__real_blk_io_run(io, ops, n);
}

#define RAM_SIZE (4 << 20)
#define QSIZE	 128 /* room for more requests than one batch (32) */
#define DESC	 0x1000
#define AVAIL	 0x2000
#define USED	 0x3000
#define HDRS	 0x10000 /* 16 bytes per slot */
#define STATUSES 0x11000
#define DATA	 0x100000
#define DATA2	 0x200000
#define SECTORS	 2048
#define DEVID	 51712
#define SERIAL	 "XENON-SERIAL-1"

/* Feature bits and request types (virtio 1.x 5.2). */
#define F_SEG_MAX    2
#define F_RO	     5
#define F_FLUSH	     9
#define F_CONFIG_WCE 11
#define F_DISCARD    13
#define T_IN	     0
#define T_OUT	     1
#define T_FLUSH	     4
#define T_GET_ID     8
#define T_DISCARD    11
#define S_OK	     0
#define S_IOERR	     1
#define S_UNSUPP     2

static struct hv_vm vm;
static char dir[64], image[96];
static uint64_t base;
static uint16_t next_desc, avail_idx, used_seen;

static uint32_t rd(uint64_t off)
{
	uint32_t v = 0;

	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + off, 0, &v, 4, 1), 0);
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + off, 1, &v, 4, 1), 0);
}

static void *gpa(uint64_t a)
{
	return vm.ram + a;
}

static uint64_t features(void)
{
	wr(VMMIO_DEVICE_FEATURES_SEL, 0);
	return rd(VMMIO_DEVICE_FEATURES);
}

/* The driver's side of 3.1.1 with features (low word) and queue 0 of QSIZE. */
static void driver_init(uint32_t feat)
{
	wr(VMMIO_STATUS, 0);
	memset(gpa(DESC), 0, USED + 0x1000 - DESC);
	next_desc = avail_idx = used_seen = 0;
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VMMIO_DRIVER_FEATURES_SEL, 0);
	wr(VMMIO_DRIVER_FEATURES, feat);
	wr(VMMIO_DRIVER_FEATURES_SEL, 1);
	wr(VMMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CHECK(rd(VMMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	wr(VMMIO_QUEUE_SEL, 0);
	CHECK_INT(rd(VMMIO_QUEUE_NUM_MAX), 256);
	wr(VMMIO_QUEUE_NUM, QSIZE);
	wr(VMMIO_QUEUE_DESC_LOW, DESC);
	wr(VMMIO_QUEUE_DRIVER_LOW, AVAIL);
	wr(VMMIO_QUEUE_DEVICE_LOW, USED);
	wr(VMMIO_QUEUE_READY, 1);
	wr(VMMIO_STATUS, 0xf);
	CHECK_INT(rd(VMMIO_STATUS), 0xf);
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

/* Make one chain available (no kick). */
static void post(const struct seg *s, unsigned n)
{
	uint16_t head = next_desc % QSIZE;

	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = gpa(DESC + 16 * (next_desc % QSIZE));
		uint64_t a = htole64(s[i].gpa);
		uint32_t l = htole32(s[i].len);
		uint16_t flags =
		    htole16((s[i].w ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		uint16_t next = htole16((next_desc + 1) % QSIZE);

		memcpy(d, &a, 8);
		memcpy(d + 8, &l, 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
		next_desc++;
	}
	memcpy(gpa(AVAIL + 4 + 2 * (avail_idx % QSIZE)), &head, 2);
	avail_idx++;
	__atomic_store_n((uint16_t *)gpa(AVAIL + 2), htole16(avail_idx), __ATOMIC_RELEASE);
}

/* Kick and wait until every posted chain is used (5 s at most). */
static int kick_wait(void)
{
	struct timespec ts = {0, 1000000};

	wr(VMMIO_QUEUE_NOTIFY, 0);
	for (int i = 0; i < 5000; i++) {
		if (le16toh(__atomic_load_n((uint16_t *)gpa(USED + 2), __ATOMIC_ACQUIRE)) == avail_idx)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* The written length of the next used element. */
static uint32_t used_len(void)
{
	uint32_t l;

	memcpy(&l, gpa(USED + 4 + 8 * (used_seen++ % QSIZE) + 4), 4);
	return le32toh(l);
}

/* Post a well-formed request in slot: header, data (if len), status. */
static void post_req(unsigned slot, uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
	uint8_t hdr[16] = {0};
	uint32_t t = htole32(type);
	uint64_t s = htole64(sector);
	struct seg segs[3] = {{HDRS + 16 * slot, 16, false}};
	unsigned n = 1;

	memcpy(hdr, &t, 4);
	memcpy(hdr + 8, &s, 8);
	memcpy(gpa(HDRS + 16 * slot), hdr, 16);
	*(uint8_t *)gpa(STATUSES + slot) = 0xee;
	if (len)
		segs[n++] = (struct seg){data, len, type == T_IN || type == T_GET_ID};
	segs[n++] = (struct seg){STATUSES + slot, 1, true};
	post(segs, n);
}

static uint8_t req(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, uint32_t *written)
{
	uint32_t w;

	post_req(0, type, sector, data, len);
	CHECK(kick_wait());
	w = used_len();
	if (written)
		*written = w;
	return *(uint8_t *)gpa(STATUSES);
}

static struct hvctl_device_spec disk_spec(uint32_t devid, const char *path, uint32_t flags)
{
	struct hvctl_device_spec s = {.kind = HVCTL_DEV_VBD, .devid = devid, .flags = flags};

	snprintf(s.target, sizeof(s.target), "%s", path);
	snprintf(s.serial, sizeof(s.serial), "%s", SERIAL);
	return s;
}

static struct hvctl_device add_disk(uint32_t devid, uint32_t flags)
{
	struct hvctl_device_spec s = disk_spec(devid, image, flags);
	struct hvctl_device out = {0};

	CHECK_INT(hv_vdev_add(&vm, &s, 1, &out), 0);
	base = out.mmio_base;
	return out;
}

static void file_read(uint64_t off, void *buf, size_t len)
{
	int fd = open(image, O_RDONLY);

	CHECK(fd >= 0);
	CHECK_INT(pread(fd, buf, len, off), len);
	close(fd);
}

static uint64_t stat_of(unsigned k)
{
	struct hvctl_device d[4];

	CHECK_INT(hv_vdev_list(&vm, d, 4), 1);
	return d[0].stats[k];
}

static void setup(void)
{
	int fd;

	vm.ram = aligned_alloc(4096, RAM_SIZE);
	vm.low_size = RAM_SIZE;
	memset(vm.ram, 0, RAM_SIZE);
	hv_devices_setup(&vm);
	snprintf(dir, sizeof(dir), "%s/hv_blk-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(image, sizeof(image), "%s/disk.raw", dir);
	fd = open(image, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_INT(ftruncate(fd, SECTORS * 512), 0);
	close(fd);
}

static void test_config_and_features(void)
{
	struct hvctl_device d = add_disk(DEVID, 0);
	uint64_t f = features();

	CHECK(d.mmio_base == HV_VIRTIO_MMIO_BASE);
	CHECK_INT(d.mmio_size, VMMIO_WINDOW_SIZE);
	CHECK_INT(d.sectors, SECTORS);
	CHECK_STR(d.target, image);
	CHECK_INT(rd(VMMIO_DEVICE_ID), 2);
	CHECK(f & (1 << F_FLUSH) && f & (1 << F_DISCARD) && f & (1 << F_SEG_MAX) && f & (1 << F_CONFIG_WCE));
	CHECK(!(f & (1 << F_RO)));
	CHECK_INT(rd(VMMIO_CONFIG + 0), SECTORS); /* capacity, low word */
	CHECK_INT(rd(VMMIO_CONFIG + 4), 0);
	CHECK_INT(rd(VMMIO_CONFIG + 12), 254); /* seg_max */
	driver_init(1 << F_FLUSH | 1 << F_DISCARD | 1 << F_SEG_MAX | 1 << F_CONFIG_WCE);
	CHECK_INT(rd(VMMIO_CONFIG + 32) & 0xff, 1); /* writeback with FLUSH negotiated */
}

static void fill(uint64_t at, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)gpa(at))[i] = (uint8_t)(seed + i * 7);
}

static void test_write_read_back(void)
{
	uint8_t file[4096];
	uint32_t w;

	fill(DATA, 4096, 1);
	CHECK_INT(req(T_OUT, 10, DATA, 4096, &w), S_OK);
	CHECK_INT(w, 1);
	file_read(10 * 512, file, sizeof(file));
	CHECK(!memcmp(file, gpa(DATA), 4096)); /* on the host, at sector 10 */
	memset(gpa(DATA2), 0, 4096);
	CHECK_INT(req(T_IN, 10, DATA2, 4096, &w), S_OK);
	CHECK_INT(w, 4097);
	CHECK(!memcmp(gpa(DATA2), gpa(DATA), 4096));
	CHECK_INT(stat_of(HVCTL_VBD_WR_REQS), 1);
	CHECK_INT(stat_of(HVCTL_VBD_WR_SECTORS), 8);
	CHECK_INT(stat_of(HVCTL_VBD_RD_REQS), 1);
	CHECK_INT(stat_of(HVCTL_VBD_RD_SECTORS), 8);
}

/* 24 requests made available before one kick: all served, each right. */
static void test_batch(void)
{
	enum { N = 12 };

	for (unsigned i = 0; i < N; i++) {
		fill(DATA + i * 4096, 4096, 50 + i);
		post_req(i, T_OUT, 200 + 8 * i, DATA + i * 4096, 4096);
	}
	CHECK(kick_wait());
	for (unsigned i = 0; i < N; i++) {
		CHECK_INT(*(uint8_t *)gpa(STATUSES + i), S_OK);
		CHECK_INT(used_len(), 1);
	}
	memset(gpa(DATA2), 0, N * 4096);
	for (unsigned i = 0; i < N; i++)
		post_req(i, T_IN, 200 + 8 * i, DATA2 + i * 4096, 4096);
	CHECK(kick_wait());
	for (unsigned i = 0; i < N; i++) {
		CHECK_INT(*(uint8_t *)gpa(STATUSES + i), S_OK);
		CHECK_INT(used_len(), 4097);
	}
	CHECK(!memcmp(gpa(DATA2), gpa(DATA), N * 4096));
}

/*
 * A live save starts while a batch is popped and in the middle of its I/O:
 * what the batch then writes into guest memory (the read's data, both
 * status bytes) is marked dirty, so that it goes again; what it only read
 * (headers, the written data) is not. Marking at the pop would miss it.
 */
static void test_save_starts_during_a_batch(void)
{
	uint64_t bits[RAM_SIZE / 4096 / 64] = {0}, want[RAM_SIZE / 4096 / 64] = {0};
	struct timespec ts;

	fill(DATA, 4096, 9);
	post_req(0, T_IN, 200, DATA2, 8192);
	post_req(1, T_OUT, 400, DATA, 4096);
	__atomic_store_n(&hold_next_batch, 1, __ATOMIC_RELEASE);
	wr(VMMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(clock_gettime(CLOCK_REALTIME, &ts), 0);
	ts.tv_sec += 5;
	CHECK_INT(sem_timedwait(&batch_held, &ts), 0);
	hv_mig_vdevs_track(&vm, bits);
	sem_post(&batch_go);
	CHECK(kick_wait());
	CHECK_INT(used_len(), 8193);
	CHECK_INT(used_len(), 1);
	CHECK_INT(*(uint8_t *)gpa(STATUSES), S_OK);
	CHECK_INT(*(uint8_t *)gpa(STATUSES + 1), S_OK);
	hv_mig_vdevs_track(&vm, NULL);
	want[(DATA2 / 4096) / 64] |= 3ULL << (DATA2 / 4096 % 64); /* the read's two pages */
	want[(STATUSES / 4096) / 64] |= 1ULL << (STATUSES / 4096 % 64);
	CHECK(!memcmp(bits, want, sizeof(bits)));
}

/*
 * Xen's oo_req: requests that wait behind a full batch count one event;
 * a batch that leaves none waiting counts nothing.
 */
static void test_out_of_requests(void)
{
	enum { N = 40 }; /* one batch of 32, 8 waiting behind it */
	uint64_t oo = stat_of(HVCTL_VBD_OO_REQS);
	uint64_t wr = stat_of(HVCTL_VBD_WR_REQS);

	for (unsigned i = 0; i < N; i++)
		post_req(i, T_OUT, 8 * i, DATA + i * 512, 512);
	CHECK(kick_wait());
	for (unsigned i = 0; i < N; i++) {
		CHECK_INT(*(uint8_t *)gpa(STATUSES + i), S_OK);
		CHECK_INT(used_len(), 1);
	}
	CHECK_INT(stat_of(HVCTL_VBD_WR_REQS), wr + N);
	CHECK_INT(stat_of(HVCTL_VBD_OO_REQS), oo + 1);
	for (unsigned i = 0; i < 12; i++)
		post_req(i, T_OUT, 8 * i, DATA + i * 512, 512);
	CHECK(kick_wait());
	for (unsigned i = 0; i < 12; i++)
		used_len();
	CHECK_INT(stat_of(HVCTL_VBD_OO_REQS), oo + 1);
}

/* Buffers at odd addresses, split over odd-sized segments, header and data in one buffer. */
static void test_unaligned_and_layout(void)
{
	uint8_t file[1024];
	struct seg segs[4];
	uint8_t hdr[16] = {T_OUT};
	uint64_t sector = htole64(40);

	fill(DATA + 1, 1024, 9);
	CHECK_INT(req(T_OUT, 30, DATA + 1, 1024, NULL), S_OK);
	file_read(30 * 512, file, 1024);
	CHECK(!memcmp(file, gpa(DATA + 1), 1024));
	memset(gpa(DATA2 + 3), 0, 1024);
	segs[0] = (struct seg){HDRS, 16, false};
	segs[1] = (struct seg){DATA2 + 3, 100, true};
	segs[2] = (struct seg){DATA2 + 103, 924, true};
	segs[3] = (struct seg){STATUSES, 1, true};
	memset(gpa(HDRS), 0, 16);
	memcpy(gpa(HDRS + 8), &(uint64_t){htole64(30)}, 8);
	post(segs, 4);
	CHECK(kick_wait());
	CHECK_INT(used_len(), 1025);
	CHECK_INT(*(uint8_t *)gpa(STATUSES), S_OK);
	CHECK(!memcmp(gpa(DATA2 + 3), gpa(DATA + 1), 1024));
	/* Header and 512 data bytes in one readable buffer (any layout). */
	memcpy(hdr + 8, &sector, 8);
	memcpy(gpa(DATA), hdr, 16);
	fill(DATA + 16, 512, 77);
	segs[0] = (struct seg){DATA, 16 + 512, false};
	segs[1] = (struct seg){STATUSES, 1, true};
	post(segs, 2);
	CHECK(kick_wait());
	CHECK_INT(used_len(), 1);
	CHECK_INT(*(uint8_t *)gpa(STATUSES), S_OK);
	file_read(40 * 512, file, 512);
	CHECK(!memcmp(file, gpa(DATA + 16), 512));
}

static void test_flush_discard_get_id_wce(void)
{
	uint8_t seg[16] = {0}, zero[4096] = {0}, file[4096];
	uint64_t s = htole64(100);
	uint32_t k = htole32(8), w;

	CHECK_INT(req(T_FLUSH, 0, 0, 0, &w), S_OK);
	CHECK_INT(w, 1);
	CHECK_INT(stat_of(HVCTL_VBD_FLUSH_REQS), 1);
	fill(DATA, 4096, 3);
	CHECK_INT(req(T_OUT, 100, DATA, 4096, NULL), S_OK);
	memcpy(seg, &s, 8);
	memcpy(seg + 8, &k, 4);
	memcpy(gpa(DATA2), seg, 16);
	CHECK_INT(req(T_DISCARD, 0, DATA2, 16, NULL), S_OK);
	file_read(100 * 512, file, 4096);
	CHECK(!memcmp(file, zero, 4096));
	CHECK_INT(stat_of(HVCTL_VBD_DISCARD_REQS), 1);
	seg[12] = 1; /* the unmap flag belongs to write-zeroes */
	memcpy(gpa(DATA2), seg, 16);
	CHECK_INT(req(T_DISCARD, 0, DATA2, 16, NULL), S_UNSUPP);
	s = htole64(SECTORS - 4);
	memcpy(gpa(DATA2), &s, 8);
	memset(gpa(DATA2 + 12), 0, 4);
	CHECK_INT(req(T_DISCARD, 0, DATA2, 16, NULL), S_IOERR); /* past the end */
	CHECK_INT(req(T_DISCARD, 0, DATA2, 15, NULL), S_IOERR); /* not whole segments */

	memset(gpa(DATA), 0xff, 32);
	CHECK_INT(req(T_GET_ID, 0, DATA, 32, &w), S_OK);
	CHECK_INT(w, 21);
	CHECK(!memcmp(gpa(DATA), SERIAL "\0\0\0\0\0\0", 20));
	CHECK_INT(*(uint8_t *)gpa(DATA + 20), 0xff); /* no more than 20 bytes */

	/* Write-through: the driver turns the cache off; writes still land. */
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + VMMIO_CONFIG + 32, 1, &(uint8_t){0}, 1, 1), 0);
	CHECK_INT(rd(VMMIO_CONFIG + 32) & 0xff, 0);
	fill(DATA, 512, 4);
	CHECK_INT(req(T_OUT, 5, DATA, 512, NULL), S_OK);
	file_read(5 * 512, file, 512);
	CHECK(!memcmp(file, gpa(DATA), 512));
	CHECK_INT(req(99, 0, 0, 0, NULL), S_UNSUPP);
}

/* What a hostile driver gets: errors, never an access outside the request. */
static void test_bad_requests(void)
{
	uint64_t errors = stat_of(HVCTL_VBD_ERRORS);
	struct seg segs[3];
	struct stat st;

	CHECK_INT(req(T_IN, SECTORS - 1, DATA, 1024, NULL), S_IOERR); /* crosses the end */
	CHECK_INT(req(T_IN, SECTORS, DATA, 512, NULL), S_IOERR);      /* starts at the end */
	CHECK_INT(req(T_OUT, UINT64_MAX, DATA, 512, NULL), S_IOERR);  /* sector * 512 overflows */
	CHECK_INT(req(T_IN, UINT64_MAX / 512 + 1, DATA, 512, NULL), S_IOERR);
	CHECK_INT(req(T_OUT, 0, DATA, 100, NULL), S_IOERR);	       /* not whole sectors */
	CHECK_INT(req(T_OUT, SECTORS - 1, DATA, 1024, NULL), S_IOERR); /* would grow the file */
	CHECK_INT(stat(image, &st), 0);
	CHECK_INT(st.st_size, SECTORS * 512);
	CHECK_INT(stat_of(HVCTL_VBD_ERRORS), errors + 6);
	/* An 8-byte header. */
	segs[0] = (struct seg){HDRS, 8, false};
	segs[1] = (struct seg){STATUSES, 1, true};
	post(segs, 2);
	CHECK(kick_wait());
	CHECK_INT(used_len(), 1);
	CHECK_INT(*(uint8_t *)gpa(STATUSES), S_IOERR);
	CHECK_INT(rd(VMMIO_STATUS), 0xf); /* still running */
	/* No writable byte for the status: the device needs a reset. */
	segs[0] = (struct seg){HDRS, 16, false};
	segs[1] = (struct seg){DATA, 512, false};
	post(segs, 2);
	CHECK(kick_wait());
	CHECK(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	driver_init(1 << F_FLUSH | 1 << F_DISCARD);
	CHECK_INT(rd(VMMIO_STATUS), 0xf);
	/* A data buffer outside guest RAM: the queue breaks, nothing is read or written. */
	post_req(0, T_IN, 0, RAM_SIZE - 256, 512);
	wr(VMMIO_QUEUE_NOTIFY, 0);
	for (int i = 0; i < 5000 && !(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET); i++)
		usleep(1000);
	CHECK(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	driver_init(1 << F_FLUSH | 1 << F_DISCARD);
	CHECK_INT(req(T_IN, 10, DATA2, 512, NULL), S_OK); /* and the reset device works again */
}

static void test_remove_and_registry(void)
{
	struct hvctl_device_spec s = disk_spec(DEVID, image, 0);
	struct hv_bus_range r;
	uint32_t irqs = vm.irqs.used;
	struct hvctl_device d;

	CHECK_INT(hv_vdev_list(&vm, &d, 1), 1);
	CHECK_INT(irq_levels[d.irq], 1); /* the last request's used-buffer interrupt, not acknowledged */

	CHECK_INT(hv_vdev_add(&vm, &s, 1, NULL), -EEXIST);
	s.kind = 7;
	CHECK_INT(hv_vdev_add(&vm, &s, 1, NULL), -EINVAL);
	CHECK_INT(hv_vdev_remove(&vm, HVCTL_DEV_VBD, DEVID + 16), -ENOENT);
	CHECK_INT(hv_vdev_remove(&vm, HVCTL_DEV_VIF, DEVID), -ENOENT);
	CHECK_INT(hv_vdev_remove(&vm, HVCTL_DEV_VBD, DEVID), 0);
	CHECK_INT(hv_vdev_list(&vm, NULL, 0), 0);
	CHECK_INT(hv_bus_lookup(&vm.bus[HV_BUS_MMIO], HV_VIRTIO_MMIO_BASE, &r), -ENOENT);
	CHECK(vm.irqs.used != irqs); /* its line is free again, and low */
	CHECK_INT(vm.irqs.used, 0);
	CHECK_INT(irq_levels[d.irq], 0);
}

static void test_read_only(void)
{
	uint8_t before[512], after[512];
	uint64_t f;

	add_disk(DEVID, HVCTL_DEVF_READONLY);
	f = features();
	CHECK(f & (1 << F_RO));
	CHECK(!(f & (1 << F_DISCARD)));
	driver_init(1 << F_RO | 1 << F_FLUSH);
	file_read(0, before, 512);
	fill(DATA, 512, 99);
	CHECK_INT(req(T_OUT, 0, DATA, 512, NULL), S_IOERR);
	file_read(0, after, 512);
	CHECK(!memcmp(before, after, 512));
	CHECK_INT(req(T_IN, 10, DATA2, 512, NULL), S_OK);
	CHECK_INT(req(T_FLUSH, 0, 0, 0, NULL), S_OK);
	CHECK_INT(hv_vdev_remove(&vm, HVCTL_DEV_VBD, DEVID), 0);
}

static void write_file(const char *path, const void *head, size_t hlen, off_t size, const void *tail)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	CHECK_INT(ftruncate(fd, size), 0);
	if (head)
		CHECK_INT(pwrite(fd, head, hlen, 0), hlen);
	if (tail)
		CHECK_INT(pwrite(fd, tail, 8, size - 512), 8);
	close(fd);
}

static void refuse(const char *path, int err)
{
	struct hvctl_device_spec s = disk_spec(1, path, 0);

	CHECK_INT(hv_blk_check(&s, "--disk test"), err);
	CHECK_INT(hv_vdev_add(&vm, &s, 1, NULL), err);
	CHECK_INT(hv_vdev_list(&vm, NULL, 0), 0);
	CHECK_INT(vm.irqs.used, 0); /* nothing left behind */
	CHECK(!vm.devs);
}

static void test_refused_targets(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/disk.qcow2", dir);
	write_file(path, "QFI\xfb\0\0\0\3", 8, 1 << 20, NULL);
	refuse(path, -EINVAL);
	snprintf(path, sizeof(path), "%s/fixed.vhd", dir);
	write_file(path, NULL, 0, 1 << 20, "conectix");
	refuse(path, -EINVAL);
	snprintf(path, sizeof(path), "%s/tiny", dir);
	write_file(path, "x", 1, 100, NULL);
	refuse(path, -EINVAL);
	refuse(dir, -EISDIR);
	snprintf(path, sizeof(path), "%s/missing.raw", dir);
	refuse(path, -ENOENT);
	refuse("relative.raw", -EINVAL);
	CHECK_STR(blk_image_format((const uint8_t *)"QFI\xfb", 4, NULL, 0), "qcow2");
	CHECK(blk_image_format((const uint8_t *)"QFI", 3, NULL, 0) == NULL);
	CHECK_STR(blk_image_format((const uint8_t *)"xxxxxxxx", 8, (const uint8_t *)"conectix", 8), "vhd");
}

/* The engine alone, with io_uring and without: the same results. */
static void test_io_engines(void)
{
	for (int uring = 0; uring < 2; uring++) {
		struct blk_backing b;
		struct blk_io io;
		uint8_t *wbuf = aligned_alloc(4096, 8192), *rbuf = aligned_alloc(4096, 8192);
		struct iovec wv[2] = {{wbuf, 4096}, {wbuf + 4096, 4096}}, rv = {rbuf, 8192};
		struct blk_op w = {.kind = BLK_OP_WRITE, .iov = wv, .niov = 2, .off = 8192, .len = 8192};
		struct blk_op f = {.kind = BLK_OP_FLUSH};
		struct blk_op r = {.kind = BLK_OP_READ, .iov = &rv, .niov = 1, .off = 8192, .len = 8192};
		struct blk_op *batch[] = {&w, &f};

		CHECK_INT(blk_backing_open(&b, "test", image, false, true), 0);
		CHECK_INT(blk_io_init(&io, 4, uring), 0);
		w.fd = r.fd = b.fd;
		f.fd = b.bfd;
		for (int i = 0; i < 8192; i++)
			wbuf[i] = i * 13 + uring;
		blk_io_run(&io, batch, 2);
		CHECK_INT(w.result, 0);
		CHECK_INT(f.result, 0);
		batch[0] = &r;
		blk_io_run(&io, batch, 1);
		CHECK_INT(r.result, 0);
		CHECK(!memcmp(rbuf, wbuf, 8192));
		blk_io_fini(&io);
		blk_backing_close(&b);
		free(wbuf);
		free(rbuf);
	}
}

static void test_specs_and_cmdline(void)
{
	struct hvctl_device_spec s;
	char buf[128] = "console=ttyS0";

	CHECK_INT(
	    hv_vdev_spec_parse_str(HVCTL_DEV_VBD, "t", "devid=51712,target=/a b,ro,serial=S1,direct=off", &s),
	    0);
	CHECK_INT(s.devid, 51712);
	CHECK_STR(s.target, "/a b");
	CHECK_STR(s.serial, "S1");
	CHECK_INT(s.flags, HVCTL_DEVF_READONLY | HVCTL_DEVF_NO_DIRECT);
	CHECK_INT(hv_vdev_spec_parse_str(HVCTL_DEV_VIF, "t",
					 "devid=0,tap=vif1.0,mac=00:16:3e:01:02:03,mtu=9000", &s),
		  0);
	CHECK_STR(s.target, "vif1.0");
	CHECK_INT(s.mac[0], 0x00);
	CHECK_INT(s.mac[5], 0x03);
	CHECK_INT(s.mtu, 9000);
	CHECK_INT(s.rate_bytes, 0); /* no rate: no limit */
	CHECK_INT(hv_vdev_spec_parse_str(HVCTL_DEV_VIF, "t", "devid=0,tap=t,rate=25000@20000", &s), 0);
	CHECK_INT(s.rate_bytes, 25000);
	CHECK_INT(s.rate_usecs, 20000);
	static const char *const bad_vbd[] = {"devid=1",
					      "target=/a",
					      "devid=x,target=/a",
					      "devid=1,target=/a,ro=2",
					      "devid=1,target=/a,devid=2",
					      "devid=1,target=/a,serial=123456789012345678901",
					      "devid=1,target=/a,direct=maybe",
					      "devid=1,target=/a,tap=x",
					      "devid=1,target="};
	for (unsigned i = 0; i < sizeof(bad_vbd) / sizeof(bad_vbd[0]); i++)
		CHECK_INT(hv_vdev_spec_parse_str(HVCTL_DEV_VBD, bad_vbd[i], bad_vbd[i], &s), -EINVAL);
	static const char *const bad_vif[] = {"devid=1,tap=a/b",
					      "devid=1,tap=0123456789abcdef",
					      "devid=1,tap=t,mac=01:00:00:00:00:01",
					      "devid=1,tap=t,mac=00:16:3e:1:2:3",
					      "devid=1,tap=t,mtu=67",
					      "devid=1,tap=t,mtu=65536",
					      "devid=1,tap=t,rate=25000",
					      "devid=1,tap=t,rate=@20000",
					      "devid=1,tap=t,rate=0@20000",
					      "devid=1,tap=t,rate=25000@0",
					      "devid=1,tap=t,rate=10Mb/s@20ms",
					      "devid=1,tap=t,rate=1@4294967296",
					      "devid=1,target=/a,rate=1@1"};
	for (unsigned i = 0; i < sizeof(bad_vif) / sizeof(bad_vif[0]); i++)
		CHECK_INT(hv_vdev_spec_parse_str(HVCTL_DEV_VIF, bad_vif[i], bad_vif[i], &s), -EINVAL);

	/* One image: any number of readers, or one writer (flock, across processes too). */
	add_disk(DEVID, HVCTL_DEVF_READONLY);
	add_disk(DEVID + 16, HVCTL_DEVF_READONLY);
	s = disk_spec(DEVID + 32, image, 0);
	CHECK_INT(hv_vdev_add(&vm, &s, 1, NULL), -EBUSY);
	CHECK_INT(hv_vdev_cmdline(&vm, buf, sizeof(buf)), 0);
	CHECK_STR(buf,
		  "console=ttyS0 virtio_mmio.device=512@0xd0000000:16 virtio_mmio.device=512@0xd0001000:17");
	CHECK_INT(hv_vdev_cmdline(&vm, buf, 100), -ENAMETOOLONG);
	hv_vdev_fini(&vm);
	CHECK_INT(hv_vdev_list(&vm, NULL, 0), 0);
	CHECK_INT(hv_vdev_add(&vm, &s, 1, NULL), 0); /* the readers are gone */
	s = disk_spec(DEVID + 48, image, HVCTL_DEVF_READONLY);
	CHECK_INT(hv_vdev_add(&vm, &s, 1, NULL), -EBUSY);
	hv_vdev_fini(&vm);
}

/* Migration's hand-over: a lock given up (data flushed) can be taken by
 * another open of the image, and not taken back while that one holds it. */
static void test_lock_handover(void)
{
	struct blk_backing src, dst;

	CHECK_INT(blk_backing_open(&src, "src", image, false, false), 0);
	CHECK_INT(blk_backing_open(&dst, "dst", image, false, false), 0); /* an open takes no lock */
	CHECK_INT(blk_backing_lock(&src, "src", image), 0);
	CHECK_INT(blk_backing_lock(&src, "src", image), 0); /* held already */
	CHECK_INT(blk_backing_lock(&dst, "dst", image), -EBUSY);
	CHECK_INT(blk_backing_unlock(&src), 0);
	CHECK_INT(blk_backing_lock(&dst, "dst", image), 0);
	CHECK_INT(blk_backing_lock(&src, "src", image), -EBUSY); /* the source cannot run on */
	blk_backing_close(&dst);
	CHECK_INT(blk_backing_lock(&src, "src", image), 0); /* the target is gone: it can */
	blk_backing_close(&src);
}

int main(void)
{
	char cmd[160];

	log_init("hv_blk-test");
	sem_init(&batch_held, 0, 0);
	sem_init(&batch_go, 0, 0);
	setup();
	RUN(test_config_and_features);
	RUN(test_write_read_back);
	RUN(test_batch);
	RUN(test_save_starts_during_a_batch);
	RUN(test_out_of_requests);
	RUN(test_unaligned_and_layout);
	RUN(test_flush_discard_get_id_wce);
	RUN(test_bad_requests);
	RUN(test_remove_and_registry);
	RUN(test_read_only);
	RUN(test_refused_targets);
	RUN(test_io_engines);
	RUN(test_specs_and_cmdline);
	RUN(test_lock_handover);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	for (unsigned s = 0; s < HV_BUS_NR; s++)
		hv_bus_destroy(&vm.bus[s]);
	free(vm.ram);
	return unit_done();
}
