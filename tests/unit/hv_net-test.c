/*
 * xenon-hv's virtio-net (hypervisor/virtio_net.c, tap.c) with a real tap:
 * this test plays the guest's driver over a malloc'd "guest RAM" through
 * the MMIO bus (KVM stubbed, as hv_virtio_dev-test), and the network on the
 * tap's other side through a packet socket.
 *
 *   hv_net-test        in a network namespace of its own (unshare; root)
 *   hv_net-test TAP    in the caller's namespace (tests/hv-devices.bats runs
 *                      it under `ip netns exec`), with TAP an existing tap
 *
 * Taps it creates are named xnt*; it brings them up and turns IPv6 off on
 * them, so the only frames on them are its own.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/vdev.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"
#include "unit.h"

#define RAM_SIZE     (1 << 20)
#define QSIZE	     16
#define BUFS	     0x10000
#define ETHERTYPE    0x88b5 /* IEEE local experimental */
#define HDR	     12
#define F_CSUM	     (1ULL << 0)
#define F_GUEST_CSUM (1ULL << 1)
#define F_MTU	     (1ULL << 3)
#define F_MAC	     (1ULL << 5)
#define F_HOST_TSO4  (1ULL << 11)
#define F_MRG	     (1ULL << 15)
#define F_STATUS     (1ULL << 16)
#define F_VERSION1   (1ULL << 32)

static int irq_levels[HV_IRQ_PINS];

/* ioctl() stands in for libc's in this program (tap.c's calls reach it):
 * TUNSETOFFLOAD counted, every request done for real. */
static unsigned setoffload_calls;

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	setoffload_calls += req == TUNSETOFFLOAD;
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

int hv_kvm_irq_line(struct hv_vm *vm, unsigned pin, int level)
{
	(void)vm;
	if (pin < HV_IRQ_PINS)
		__atomic_store_n(&irq_levels[pin], level, __ATOMIC_RELEASE);
	return 0;
}

int hv_kvm_ioeventfd(struct hv_vm *vm, int fd, enum hv_bus_space space, uint64_t addr, unsigned len,
		     int64_t match, int deassign)
{
	(void)vm, (void)fd, (void)space, (void)addr, (void)len, (void)match, (void)deassign;
	return 0;
}

static struct hv_vm vm;
static const char *given_tap; /* from the command line: exists already */
static int psock = -1;	      /* packet socket on the tap */

/* ---- the guest's driver ---- */

struct gq {
	unsigned index;
	uint64_t desc, avail, used;
	uint16_t next_desc, avail_idx, last_used;
};

static struct gq rxq = {.index = 0, .desc = 0x1000, .avail = 0x2000, .used = 0x3000},
		 txq = {.index = 1, .desc = 0x4000, .avail = 0x5000, .used = 0x6000};
static uint64_t base;

static uint32_t rd(uint64_t off)
{
	uint32_t v = 0;

	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + off, 0, &v, 4, 1), 0);
	return le32toh(v);
}

static void wr(uint64_t off, uint32_t v)
{
	v = htole32(v);
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + off, 1, &v, 4, 1), 0);
}

static uint8_t *gpa(uint64_t a)
{
	return vm.ram + a;
}

static void st16(uint64_t a, uint16_t v)
{
	v = htole16(v);
	memcpy(gpa(a), &v, 2);
}

static uint16_t ld16(uint64_t a)
{
	uint16_t v;

	__atomic_load((uint16_t *)gpa(a), &v, __ATOMIC_ACQUIRE);
	return le16toh(v);
}

static uint32_t ld32(uint64_t a)
{
	uint32_t v;

	memcpy(&v, gpa(a), 4);
	return le32toh(v);
}

static void queue_setup(struct gq *q)
{
	q->next_desc = q->avail_idx = q->last_used = 0;
	wr(VMMIO_QUEUE_SEL, q->index);
	CHECK_INT(rd(VMMIO_QUEUE_NUM_MAX), 256);
	wr(VMMIO_QUEUE_NUM, QSIZE);
	wr(VMMIO_QUEUE_DESC_LOW, q->desc);
	wr(VMMIO_QUEUE_DRIVER_LOW, q->avail);
	wr(VMMIO_QUEUE_DEVICE_LOW, q->used);
	wr(VMMIO_QUEUE_READY, 1);
	CHECK_INT(rd(VMMIO_QUEUE_READY), 1);
}

/* 3.1.1 with the given features; 0 if FEATURES_OK stuck. */
static int driver_init(uint64_t features)
{
	memset(vm.ram, 0, RAM_SIZE);
	wr(VMMIO_STATUS, 0);
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (unsigned sel = 0; sel < 2; sel++) {
		wr(VMMIO_DRIVER_FEATURES_SEL, sel);
		wr(VMMIO_DRIVER_FEATURES, (uint32_t)(features >> (32 * sel)));
	}
	wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(VMMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return 0;
	queue_setup(&rxq);
	queue_setup(&txq);
	wr(VMMIO_STATUS, 0xf);
	return 1;
}

struct gbuf {
	uint64_t addr;
	uint32_t len;
	int write;
};

/* A chain of n buffers made available (the descriptors taken in turn). */
static void q_add(struct gq *q, const struct gbuf *b, unsigned n)
{
	uint16_t head = q->next_desc % QSIZE;

	for (unsigned i = 0; i < n; i++) {
		uint16_t d = q->next_desc++ % QSIZE;
		uint8_t *p = gpa(q->desc + 16 * d);
		uint64_t addr = htole64(b[i].addr);
		uint32_t len = htole32(b[i].len);
		uint16_t flags = htole16((i + 1 < n ? 1 : 0) | (b[i].write ? 2 : 0));
		uint16_t next = htole16(q->next_desc % QSIZE);

		memcpy(p, &addr, 8);
		memcpy(p + 8, &len, 4);
		memcpy(p + 12, &flags, 2);
		memcpy(p + 14, &next, 2);
	}
	st16(q->avail + 4 + 2 * (q->avail_idx % QSIZE), head);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	st16(q->avail + 2, ++q->avail_idx);
}

static void kick(struct gq *q)
{
	wr(VMMIO_QUEUE_NOTIFY, q->index);
}

/* The next used element (waits up to 5 s): 1 with *id, *len, else 0. */
static int q_used(struct gq *q, uint32_t *id, uint32_t *len)
{
	struct timespec ts = {0, 1000000};

	for (int i = 0; i < 5000 && ld16(q->used + 2) == q->last_used; i++)
		nanosleep(&ts, NULL);
	if (ld16(q->used + 2) == q->last_used)
		return 0;
	*id = ld32(q->used + 4 + 8 * (q->last_used % QSIZE));
	*len = ld32(q->used + 8 + 8 * (q->last_used % QSIZE));
	q->last_used++;
	return 1;
}

/* ---- the network's side ---- */

static int if_flags_up(const char *name)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!rc)
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc;
}

/* Up, IPv6 off (no router solicitations on our wire), a packet socket on it. */
static int wire_open(const char *name)
{
	char path[128];
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct timeval tv = {5, 0};
	int fd, one = 1;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		CHECK_INT(write(fd, "1", 1), 1);
		close(fd);
	}
	CHECK_INT(if_flags_up(name), 0);
	sll.sll_ifindex = if_nametoindex(name);
	psock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	CHECK(psock >= 0);
	setsockopt(psock, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(psock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return bind(psock, (struct sockaddr *)&sll, sizeof(sll));
}

static void wire_close(void)
{
	if (psock >= 0)
		close(psock);
	psock = -1;
}

/* The next frame of ours the tap's network got (0 after 5 s). */
static ssize_t wire_recv(uint8_t *buf, size_t size)
{
	for (;;) {
		ssize_t n = recv(psock, buf, size, 0);

		if (n < 0)
			return 0;
		if (n >= 14 && buf[12] == ETHERTYPE >> 8 && buf[13] == (ETHERTYPE & 0xff))
			return n;
	}
}

static void frame(uint8_t *f, size_t len, const uint8_t dst[6], uint8_t seed)
{
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x99};

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE >> 8, f[13] = ETHERTYPE & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i);
}

static void wire_send(const uint8_t *f, size_t len)
{
	CHECK_INT(send(psock, f, len, 0), len);
}

/* ---- the device ---- */

static struct hv_dev *dev;
static const uint8_t guest_mac[6] = {0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};

static struct hvctl_device_spec spec(const char *tap, unsigned mtu)
{
	struct hvctl_device_spec s = {.kind = HVCTL_DEV_VIF, .devid = 3, .mtu = mtu};

	memcpy(s.mac, guest_mac, 6);
	snprintf(s.target, sizeof(s.target), "%s", tap);
	return s;
}

static uint64_t vif_stat(unsigned s)
{
	struct hvctl_device d = {0};

	hv_vdev_vif.describe(dev, &d);
	return d.stats[s];
}

static const char *tap_name(void)
{
	return given_tap ? given_tap : "xnt0";
}

static int dev_open_spec(struct hvctl_device_spec *s)
{
	struct hv_dev *d;
	int rc = hv_vdev_vif.add(&vm, s, NULL, &d);

	if (rc)
		return rc;
	dev = d;
	base = hv_virtio_base(dev);
	CHECK_INT(dev->ops->start(dev), 0);
	return wire_open(tap_name());
}

static int dev_open(unsigned mtu)
{
	struct hvctl_device_spec s = spec(tap_name(), mtu);

	return dev_open_spec(&s);
}

/* dev_open, checked: false (the test ends there) if there is no device. */
static bool dev_ok(unsigned mtu)
{
	int rc = dev_open(mtu);

	CHECK_INT(rc, 0);
	if (rc && dev) {
		wire_close();
		hv_dev_remove(dev);
		dev = NULL;
	}
	return !rc;
}

static void dev_close(void)
{
	wire_close();
	hv_dev_remove(dev);
	dev = NULL;
}

static void test_spec_checks(void)
{
	static const struct {
		const char *tap;
		unsigned mtu, flags;
		uint8_t mac0;
	} bad[] = {
	    {"", 1500, 0, 0},	      {"a-name-too-long-", 1500, 0, 0},
	    {"bad/name", 1500, 0, 0}, {"..", 1500, 0, 0},
	    {"sp ace", 1500, 0, 0},   {"xnt9", 67, 0, 0},
	    {"xnt9", 65522, 0, 0},    {"xnt9", 1500, 1, 0},
	    {"xnt9", 1500, 0, 0x01},
	};
	struct hvctl_device_spec s;
	struct hv_dev *d = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = spec(bad[i].tap, bad[i].mtu);
		s.flags = bad[i].flags;
		s.mac[0] |= bad[i].mac0;
		CHECK_INT(hv_vdev_vif.add(&vm, &s, NULL, &d), -EINVAL);
	}
	s = spec("xnt9", 0);
	memset(s.target, 'x', sizeof(s.target)); /* no NUL */
	CHECK_INT(hv_vdev_vif.add(&vm, &s, NULL, &d), -EINVAL);
	CHECK_INT(if_nametoindex("xnt9"), 0); /* nothing left behind */
	CHECK(vm.devs == NULL);
}

/* The host-side MAC of interface name, "xx:xx:xx:xx:xx:xx" ("" if none);
 * by SIOCGIFHWADDR: /sys shows the namespace it was mounted in, not ours. */
static const char *host_mac(const char *name, char *buf, size_t size)
{
	struct ifreq ifr = {0};
	const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	buf[0] = '\0';
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0)
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	if (s >= 0)
		close(s);
	return buf;
}

/* A tap the device created goes with it; the spec's values are described;
 * on the host side it has a Xen vif's MAC (a bridge never takes it). */
static void test_create_describe_remove(void)
{
	struct hvctl_device_spec s = spec("xnt1", 9000);
	struct hvctl_device out = {0};
	struct hv_dev *d;
	char mac[32];

	if (given_tap)
		return; /* creating taps is for the private namespace */
	CHECK_INT(hv_vdev_vif.add(&vm, &s, NULL, &d), 0);
	CHECK(if_nametoindex("xnt1") != 0);
	CHECK_STR(host_mac("xnt1", mac, sizeof(mac)), "fe:ff:ff:ff:ff:ff");
	hv_vdev_vif.describe(d, &out);
	CHECK_INT(out.mtu, 9000);
	CHECK(!memcmp(out.mac, guest_mac, 6));
	CHECK_STR(out.target, "xnt1");
	base = hv_virtio_base(d);
	CHECK_INT(rd(VMMIO_DEVICE_ID), 1);
	CHECK_INT(rd(VMMIO_CONFIG + 8) >> 16, 9000); /* mtu, after max_virtqueue_pairs */
	/* A second device cannot take the same tap while the first holds it. */
	CHECK_INT(hv_vdev_vif.add(&vm, &s, NULL, &(struct hv_dev *){NULL}), -EBUSY);
	hv_dev_remove(d);
	CHECK_INT(if_nametoindex("xnt1"), 0);
	/* No MAC given: one of Xen's 00:16:3e. */
	s = spec("xnt1", 0);
	memset(s.mac, 0, 6);
	CHECK_INT(hv_vdev_vif.add(&vm, &s, NULL, &d), 0);
	hv_vdev_vif.describe(d, &out);
	CHECK(out.mac[0] == 0 && out.mac[1] == 0x16 && out.mac[2] == 0x3e);
	CHECK_INT(out.mtu, 1500);
	hv_dev_remove(d);
}

static void test_config_and_features(void)
{
	uint8_t mac[6];

	if (!dev_ok(1500))
		return;
	CHECK_INT(rd(VMMIO_DEVICE_FEATURES) & (F_CSUM | F_MTU | F_MAC | F_MRG | F_STATUS),
		  F_CSUM | F_MTU | F_MAC | F_MRG | F_STATUS);
	for (unsigned i = 0; i < 6; i++) {
		uint8_t b = 0;

		CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_MMIO], base + VMMIO_CONFIG + i, 0, &b, 1, 1), 0);
		mac[i] = b;
	}
	CHECK(!memcmp(mac, guest_mac, 6));
	CHECK_INT(rd(VMMIO_CONFIG + 4) >> 16, 1); /* status: link up */
	CHECK_INT(rd(VMMIO_CONFIG + 8) >> 16, 1500);
	CHECK_INT(driver_init(F_VERSION1 | F_HOST_TSO4), 0); /* HOST_TSO4 needs CSUM */
	CHECK_INT(driver_init(F_VERSION1 | F_CSUM | F_HOST_TSO4 | F_MAC), 1);
	dev_close();
}

/* The guest sends two frames in one kick, one split over three buffers. */
static void test_tx(void)
{
	uint8_t f[200], got[2048];
	uint32_t id, len;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_MTU | F_STATUS), 1);
	frame(f, sizeof(f), (const uint8_t[6]){0x02, 1, 2, 3, 4, 5}, 7);
	memcpy(gpa(BUFS + HDR), f, sizeof(f)); /* header of zeros, then the frame */
	q_add(&txq, (struct gbuf[]){{BUFS, HDR + sizeof(f), 0}}, 1);
	memcpy(gpa(BUFS + 0x1000 + 5), f, 50);
	memcpy(gpa(BUFS + 0x2000), f + 50, 150);
	q_add(
	    &txq,
	    (struct gbuf[]){{BUFS + 0x1000 - 7, 12, 0}, {BUFS + 0x1000 + 5, 50, 0}, {BUFS + 0x2000, 150, 0}},
	    3);
	kick(&txq);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(wire_recv(got, sizeof(got)), sizeof(f));
		CHECK(!memcmp(got, f, sizeof(f)));
	}
	CHECK(q_used(&txq, &id, &len) && id == 0 && len == 0);
	CHECK(q_used(&txq, &id, &len) && id == 1 && len == 0);
	CHECK_INT(rd(VMMIO_INTERRUPT_STATUS) & VMMIO_INT_USED, VMMIO_INT_USED);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_PACKETS), 2);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_BYTES), 2 * sizeof(f));
	CHECK_INT(vif_stat(HVCTL_VIF_TX_ERRORS), 0);
	dev_close();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Frame i (1000 bytes, its own pattern) made available on the tx queue. */
static void tx_frame(unsigned i, uint8_t *f)
{
	frame(f, 1000, (const uint8_t[6]){0x02, 1, 2, 3, 4, 5}, (uint8_t)(40 + i));
	memset(gpa(BUFS + 0x1000 * i), 0, HDR);
	memcpy(gpa(BUFS + 0x1000 * i + HDR), f, 1000);
	q_add(&txq, (struct gbuf[]){{BUFS + 0x1000 * i, HDR + 1000, 0}}, 1);
}

/*
 * rate=3000 bytes per 1.5 s: three 1000-byte frames go at once, the fourth
 * not before the next interval (a lower bound on time, which load cannot
 * break). A reset while frames wait drops them; the device goes on.
 */
static void test_tx_rate(void)
{
	struct hvctl_device_spec s = spec(tap_name(), 1500);
	uint8_t f[6][1000], got[2048];
	uint64_t t0 = now_ns(), t4;
	uint32_t id, len;
	unsigned i;

	s.rate_bytes = 3000;
	s.rate_usecs = 1500000;
	CHECK_INT(dev_open_spec(&s), 0);
	if (!dev)
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_MTU | F_STATUS), 1);
	for (i = 0; i < 4; i++)
		tx_frame(i, f[i]);
	kick(&txq);
	for (i = 0; i < 4; i++) {
		CHECK_INT(wire_recv(got, sizeof(got)), 1000);
		CHECK(!memcmp(got, f[i], 1000));
	}
	t4 = now_ns();
	CHECK(t4 - t0 >= 1500000000ULL);
	for (i = 0; i < 4; i++) /* used after it was counted: then the count is sure */
		CHECK(q_used(&txq, &id, &len) && id == i);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_PACKETS), 4);
	/* the budget of this interval spent, then two more wait; a reset drops them */
	for (i = 0; i < 3; i++)
		tx_frame(i, f[i]);
	tx_frame(3, f[3]);
	tx_frame(4, f[4]);
	kick(&txq);
	for (i = 0; i < 2; i++) { /* what is left of this interval's budget, or the next one's */
		CHECK_INT(wire_recv(got, sizeof(got)), 1000);
		CHECK(!memcmp(got, f[i], 1000));
	}
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_MTU | F_STATUS), 1);
	tx_frame(5, f[5]);
	kick(&txq);
	CHECK_INT(wire_recv(got, sizeof(got)), 1000);
	CHECK(!memcmp(got, f[5], 1000)); /* not one of the dropped ones */
	dev_close();
}

/* rate=2000 bytes a minute: a chain that can never go (3000 bytes, over the
 * frame's maximum) is dropped without taking the budget; a frame after it
 * goes at once (it waited a minute when the dropped chain had taken it). */
static void test_tx_rate_not_taken_by_a_dropped_chain(void)
{
	struct hvctl_device_spec s = spec(tap_name(), 1500);
	uint8_t f[1000], got[2048];
	uint32_t id, len;

	s.rate_bytes = 2000;
	s.rate_usecs = 60000000;
	CHECK_INT(dev_open_spec(&s), 0);
	if (!dev)
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_MTU | F_STATUS), 1);
	memset(gpa(BUFS + 0x4000), 0, 3000);
	q_add(&txq, (struct gbuf[]){{BUFS + 0x4000, 3000, 0}}, 1);
	tx_frame(0, f);
	kick(&txq);
	CHECK_INT(wire_recv(got, sizeof(got)), 1000);
	CHECK(!memcmp(got, f, 1000));
	CHECK(q_used(&txq, &id, &len) && id == 0);
	CHECK(q_used(&txq, &id, &len) && id == 1);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_ERRORS), 1);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_PACKETS), 1);
	dev_close();
}

/* A driver that resets and negotiates the same features again and again:
 * TUNSETOFFLOAD (the host's rtnl lock, a netlink message to every
 * listener) only when the offloads change. */
static void test_offload_set_only_when_changed(void)
{
	unsigned before;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_GUEST_CSUM), 1); /* TUN_F_CSUM on */
	before = setoffload_calls;
	/* a reset and FEATURES_OK each: without the cache, 40 calls */
	for (int i = 0; i < 20; i++)
		CHECK_INT(driver_init(F_VERSION1 | F_MAC), 1);
	CHECK_INT(setoffload_calls - before, 1); /* checksum offload off, once */
	dev_close();
}

/* Frames from the network into the guest's buffers; none lost while the
 * guest has no buffers, they wait on the tap for its kick. */
static void test_rx(void)
{
	uint8_t f[300], hdr[HDR];
	uint32_t id, len;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC), 1);
	q_add(&rxq, (struct gbuf[]){{BUFS, 2048, 1}}, 1);
	q_add(&rxq, (struct gbuf[]){{BUFS + 0x1000, 100, 1}, {BUFS + 0x2000, 2000, 1}}, 2);
	kick(&rxq);
	frame(f, sizeof(f), guest_mac, 1);
	wire_send(f, sizeof(f));
	CHECK(q_used(&rxq, &id, &len) && id == 0 && len == HDR + sizeof(f));
	memset(hdr, 0, sizeof(hdr));
	hdr[10] = 1; /* num_buffers */
	CHECK(!memcmp(gpa(BUFS), hdr, HDR));
	CHECK(!memcmp(gpa(BUFS + HDR), f, sizeof(f)));
	frame(f, sizeof(f), guest_mac, 2);
	wire_send(f, sizeof(f));
	CHECK(q_used(&rxq, &id, &len) && id == 1 && len == HDR + sizeof(f));
	CHECK(!memcmp(gpa(BUFS + 0x1000 + HDR), f, 100 - HDR));
	CHECK(!memcmp(gpa(BUFS + 0x2000), f + 100 - HDR, sizeof(f) - (100 - HDR)));
	CHECK(__atomic_load_n(&irq_levels[hv_virtio_irq(dev)], __ATOMIC_ACQUIRE));

	/* No buffers: the frame waits on the tap, then comes at the kick. */
	frame(f, sizeof(f), guest_mac, 3);
	wire_send(f, sizeof(f));
	q_add(&rxq, (struct gbuf[]){{BUFS + 0x3000, 2048, 1}}, 1);
	kick(&rxq);
	CHECK(q_used(&rxq, &id, &len) && id == 3 && len == HDR + sizeof(f));
	CHECK(!memcmp(gpa(BUFS + 0x3000 + HDR), f, sizeof(f)));
	CHECK_INT(vif_stat(HVCTL_VIF_RX_PACKETS), 3);
	CHECK_INT(vif_stat(HVCTL_VIF_RX_BYTES), 3 * sizeof(f));
	CHECK_INT(vif_stat(HVCTL_VIF_RX_DROPS), 0);
	CHECK_INT(vif_stat(HVCTL_VIF_RX_ERRORS), 0);
	dev_close();
}

/* MRG_RXBUF: a frame across three one-buffer chains, num_buffers 3. */
static void test_rx_mergeable(void)
{
	uint8_t f[600], got[HDR + 600];
	uint32_t id, len;
	uint16_t nb;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_MRG), 1);
	for (unsigned i = 0; i < 8; i++)
		q_add(&rxq, (struct gbuf[]){{BUFS + 0x1000 * i, 256, 1}}, 1);
	kick(&rxq);
	frame(f, sizeof(f), guest_mac, 4);
	wire_send(f, sizeof(f));
	for (unsigned i = 0; i < 3; i++) {
		CHECK(q_used(&rxq, &id, &len));
		CHECK_INT(id, i);
		CHECK_INT(len, i < 2 ? 256 : HDR + sizeof(f) - 512);
		memcpy(got + 256 * i, gpa(BUFS + 0x1000 * i), len);
	}
	memcpy(&nb, got + 10, 2);
	CHECK_INT(le16toh(nb), 3);
	CHECK(!memcmp(got + HDR, f, sizeof(f)));
	/* The next frame starts in the next buffer. */
	frame(f, 60, guest_mac, 5);
	wire_send(f, 60);
	CHECK(q_used(&rxq, &id, &len) && id == 3 && len == HDR + 60);
	CHECK(!memcmp(gpa(BUFS + 0x3000 + HDR), f, 60));
	CHECK_INT(vif_stat(HVCTL_VIF_RX_PACKETS), 2);
	dev_close();
}

/* The first warning logged (test_hostile_chains catches the device error,
 * which the device's I/O thread logs). */
static char first_warning[256];
static int warned;

static void warning_sink(void *arg, enum log_level level, int errnoval, const char *fmt, va_list ap)
{
	(void)arg, (void)errnoval;
	if (level < LOGL_WARN || __atomic_load_n(&warned, __ATOMIC_ACQUIRE))
		return;
	vsnprintf(first_warning, sizeof(first_warning), fmt, ap);
	__atomic_store_n(&warned, 1, __ATOMIC_RELEASE);
}

/* A hostile driver: each bad chain is a dropped, counted packet; a chain
 * outside RAM breaks the queue (NEEDS_RESET, logged naming the NIC);
 * nothing reaches the wire. */
static void test_hostile_chains(void)
{
	uint8_t f[100], got[2048];
	uint32_t id, len;

	if (!dev_ok(1500))
		return;
	log_set_sink(warning_sink, NULL, NULL, NULL);
	CHECK_INT(driver_init(F_VERSION1 | F_MAC), 1);
	frame(f, sizeof(f), guest_mac, 6);
	for (unsigned i = 0; i < 4; i++)
		memcpy(gpa(BUFS + 0x1000 * i + HDR), f, sizeof(f));
	gpa(BUFS + 0x2000)[1] = 1;				     /* GSO TCPv4 without HOST_TSO4 */
	gpa(BUFS + 0x2000)[5] = 1;				     /* (gso_size 256) */
	gpa(BUFS + 0x3000)[0] = 1;				     /* NEEDS_CSUM without CSUM */
	q_add(&txq, (struct gbuf[]){{BUFS, HDR + sizeof(f), 1}}, 1); /* a writable buffer */
	q_add(&txq, (struct gbuf[]){{BUFS + 0x1000, 10, 0}}, 1);     /* shorter than a header */
	q_add(&txq, (struct gbuf[]){{BUFS + 0x2000, HDR + sizeof(f), 0}}, 1);
	q_add(&txq, (struct gbuf[]){{BUFS + 0x3000, HDR + sizeof(f), 0}}, 1);
	q_add(&txq, (struct gbuf[]){{BUFS + 0x8000, HDR + 1600, 0}}, 1); /* longer than the MTU */
	kick(&txq);
	for (unsigned i = 0; i < 5; i++)
		CHECK(q_used(&txq, &id, &len) && id == i);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_ERRORS), 5);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_PACKETS), 0);

	/* rx: a device-readable buffer is given back unused; a buffer too
	 * small for the frame drops it and stays for the next frame. */
	q_add(&rxq, (struct gbuf[]){{BUFS, 2048, 0}}, 1);
	q_add(&rxq, (struct gbuf[]){{BUFS + 0x1000, 64, 1}}, 1);
	kick(&rxq);
	wire_send(f, sizeof(f)); /* 112 bytes with the header: too big */
	frame(f, 50, guest_mac, 8);
	wire_send(f, 50);
	CHECK(q_used(&rxq, &id, &len) && id == 0 && len == 0);
	CHECK(q_used(&rxq, &id, &len) && id == 1 && len == HDR + 50);
	CHECK_INT(vif_stat(HVCTL_VIF_RX_ERRORS), 1);
	CHECK(!memcmp(gpa(BUFS + 0x1000 + HDR), f, 50));
	CHECK_INT(vif_stat(HVCTL_VIF_RX_DROPS), 1);

	/* A descriptor outside RAM: the queue breaks, the device needs a reset. */
	q_add(&txq, (struct gbuf[]){{RAM_SIZE - 8, 64, 0}}, 1);
	kick(&txq);
	for (int i = 0; i < 5000 && !(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	CHECK(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	for (int i = 0; i < 5000 && !__atomic_load_n(&warned, __ATOMIC_ACQUIRE); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	log_set_sink(NULL, NULL, NULL, NULL);
	CHECK_STR(first_warning,
		  "vif 3: device error: queue 1: chain 5: buffer [0xffff8, +64) is not inside guest "
		  "RAM; DEVICE_NEEDS_RESET set");
	CHECK_INT(recv(psock, got, sizeof(got), MSG_DONTWAIT), -1); /* nothing was sent */
	/* A reset brings it back. */
	CHECK_INT(driver_init(F_VERSION1 | F_MAC), 1);
	CHECK(!(rd(VMMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	frame(f, sizeof(f), (const uint8_t[6]){2, 0, 0, 0, 0, 1}, 9);
	memset(gpa(BUFS), 0, HDR);
	memcpy(gpa(BUFS + HDR), f, sizeof(f));
	q_add(&txq, (struct gbuf[]){{BUFS, HDR + sizeof(f), 0}}, 1);
	kick(&txq);
	CHECK_INT(wire_recv(got, sizeof(got)), sizeof(f));
	dev_close();
}

/* Checksum offload: a frame with NEEDS_CSUM reaches the wire checksummed
 * or marked partial, but reaches it (the tap took the header). */
static void test_tx_csum_offload(void)
{
	uint8_t p[HDR + 14 + 20 + 8 + 32] = {0}, got[2048];
	uint32_t id, len;
	uint16_t v;
	ssize_t n;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_CSUM), 1);
	p[0] = 1;				    /* NEEDS_CSUM */
	v = htole16(14 + 20), memcpy(p + 6, &v, 2); /* csum_start: the UDP header */
	v = htole16(6), memcpy(p + 8, &v, 2);	    /* csum_offset: its checksum */
	frame(p + HDR, sizeof(p) - HDR, (const uint8_t[6]){2, 0, 0, 0, 0, 1}, 0);
	p[HDR + 12] = 0x08, p[HDR + 13] = 0x00; /* IPv4 */
	p[HDR + 14] = 0x45, p[HDR + 16] = 0, p[HDR + 17] = 20 + 8 + 32, p[HDR + 22] = 64, p[HDR + 23] = 17;
	memset(p + HDR + 26, 10, 8);		       /* addresses 10.10.10.10 */
	p[HDR + 34 + 4] = 0, p[HDR + 34 + 5] = 8 + 32; /* UDP length */
	memcpy(gpa(BUFS), p, sizeof(p));
	q_add(&txq, (struct gbuf[]){{BUFS, sizeof(p), 0}}, 1);
	kick(&txq);
	for (;;) { /* IPv4 this time, not our ethertype: look for the length */
		n = recv(psock, got, sizeof(got), 0);
		if (n < 0 || n == (ssize_t)(sizeof(p) - HDR))
			break;
	}
	CHECK_INT(n, sizeof(p) - HDR);
	CHECK(!memcmp(got + 14, p + HDR + 14, 20)); /* its IPv4 header as sent */
	CHECK(q_used(&txq, &id, &len) && id == 0);  /* counted before it is used */
	CHECK_INT(vif_stat(HVCTL_VIF_TX_PACKETS), 1);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_ERRORS), 0);
	dev_close();
}

/* TSO: one TCP/IPv4 packet of 3000 bytes of payload, gso_size 1000, twice
 * the MTU: the tap takes it whole (the kernel segments it later). */
static void test_tx_tso(void)
{
	static uint8_t p[HDR + 14 + 20 + 20 + 3000], got[4096];
	uint32_t id, len;
	uint16_t v;
	ssize_t n;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC | F_CSUM | F_HOST_TSO4), 1);
	memset(p, 0, sizeof(p));
	p[0] = 1, p[1] = 1;				 /* NEEDS_CSUM, GSO_TCPV4 */
	v = htole16(14 + 20 + 20), memcpy(p + 2, &v, 2); /* hdr_len */
	v = htole16(1000), memcpy(p + 4, &v, 2);	 /* gso_size */
	v = htole16(14 + 20), memcpy(p + 6, &v, 2);	 /* csum_start: the TCP header */
	v = htole16(16), memcpy(p + 8, &v, 2);		 /* csum_offset: its checksum */
	frame(p + HDR, sizeof(p) - HDR, (const uint8_t[6]){2, 0, 0, 0, 0, 1}, 0);
	p[HDR + 12] = 0x08, p[HDR + 13] = 0x00; /* IPv4 */
	v = htons(20 + 20 + 3000);
	p[HDR + 14] = 0x45, memcpy(p + HDR + 16, &v, 2), p[HDR + 22] = 64, p[HDR + 23] = 6;
	p[HDR + 20] = 0x40, p[HDR + 21] = 0;		    /* DF */
	memset(p + HDR + 26, 10, 8);			    /* addresses 10.10.10.10 */
	p[HDR + 34 + 12] = 5 << 4, p[HDR + 34 + 13] = 0x18; /* data offset, PSH ACK */
	memcpy(gpa(BUFS), p, sizeof(p));
	q_add(&txq, (struct gbuf[]){{BUFS, 100, 0}, {BUFS + 100, sizeof(p) - 100, 0}}, 2);
	kick(&txq);
	for (;;) {
		n = recv(psock, got, sizeof(got), 0);
		if (n < 0 || n == (ssize_t)(sizeof(p) - HDR))
			break;
	}
	CHECK_INT(n, sizeof(p) - HDR);
	CHECK(!memcmp(got + 14 + 40, p + HDR + 14 + 40, 3000));
	CHECK(q_used(&txq, &id, &len) && id == 0);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_PACKETS), 1);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_BYTES), sizeof(p) - HDR);
	CHECK_INT(vif_stat(HVCTL_VIF_TX_ERRORS), 0);
	dev_close();
}

/* The host side's address 10.9.0.1/24 on the tap, the guest 10.9.0.2 as a
 * permanent neighbour (no ARP on the wire). */
static void host_addr(const char *tap)
{
	struct ifreq ifr = {0};
	struct arpreq arp = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.9.0.1", &sin->sin_addr);
	CHECK_INT(ioctl(s, SIOCSIFADDR, &ifr), 0);
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	CHECK_INT(ioctl(s, SIOCSIFNETMASK, &ifr), 0);
	sin = (struct sockaddr_in *)&arp.arp_pa;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.9.0.2", &sin->sin_addr);
	arp.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(arp.arp_ha.sa_data, guest_mac, 6);
	arp.arp_flags = ATF_PERM | ATF_COM;
	snprintf(arp.arp_dev, sizeof(arp.arp_dev), "%s", tap);
	CHECK_INT(ioctl(s, SIOCSARP, &arp), 0);
	close(s);
}

/* GUEST_CSUM: the host's UDP reaches the guest with its checksum left to it
 * (NEEDS_CSUM, the tap was told it may); without, checksummed. */
static void test_rx_guest_csum(void)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
	uint8_t *h = gpa(BUFS);
	uint32_t id, len;
	uint16_t v;

	inet_pton(AF_INET, "10.9.0.2", &to.sin_addr);
	for (int csum = 0; csum < 2; csum++) {
		int s;

		if (!dev_ok(1500))
			return;
		CHECK_INT(driver_init(F_VERSION1 | F_MAC | (csum ? F_GUEST_CSUM : 0)), 1);
		host_addr(tap_name());
		q_add(&rxq, (struct gbuf[]){{BUFS, 2048, 1}}, 1);
		kick(&rxq);
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		CHECK_INT(sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
		close(s);
		CHECK(q_used(&rxq, &id, &len) && id == 0 && len == HDR + 14 + 20 + 8 + 5);
		CHECK_INT(h[0], csum ? 1 : 0); /* flags: NEEDS_CSUM */
		memcpy(&v, h + HDR + 14 + 20 + 6, 2);
		if (csum) {
			CHECK_INT(le16toh(*(uint16_t *)(h + 6)), 14 + 20); /* csum_start */
			CHECK_INT(le16toh(*(uint16_t *)(h + 8)), 6);	   /* csum_offset */
		} else {
			CHECK(v != 0); /* computed by the kernel */
		}
		CHECK(!memcmp(h + HDR + 14 + 20 + 8, "hello", 5));
		dev_close();
	}
}

/* Stopped for a save with an rx chain held, started again as the domain
 * runs on (a refused migration, save -c): the held chain is used again
 * (the next one in order), and frames go out. */
static void test_quiesce_resume(void)
{
	uint8_t f[300], got[2048];
	uint32_t id, len;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC), 1);
	for (unsigned i = 0; i < 4; i++)
		q_add(&rxq, (struct gbuf[]){{BUFS + 0x1000 * i, 2048, 1}}, 1);
	kick(&rxq);
	frame(f, sizeof(f), guest_mac, 1);
	wire_send(f, sizeof(f));
	CHECK(q_used(&rxq, &id, &len) && id == 0 && len == HDR + sizeof(f));
	CHECK_INT(hv_virtio_quiesce(dev), 0);
	CHECK_INT(hv_virtio_resume(dev), 0);
	frame(f, sizeof(f), guest_mac, 2);
	wire_send(f, sizeof(f));
	CHECK(q_used(&rxq, &id, &len) && id == 1 && len == HDR + sizeof(f));
	CHECK(!memcmp(gpa(BUFS + 0x1000 + HDR), f, sizeof(f)));
	frame(f, sizeof(f), (const uint8_t[6]){0x02, 1, 2, 3, 4, 5}, 3);
	memcpy(gpa(BUFS + 0x8000 + HDR), f, sizeof(f));
	q_add(&txq, (struct gbuf[]){{BUFS + 0x8000, HDR + sizeof(f), 0}}, 1);
	kick(&txq);
	CHECK_INT(wire_recv(got, sizeof(got)), sizeof(f));
	CHECK(!memcmp(got, f, sizeof(f)));
	CHECK(q_used(&txq, &id, &len) && id == 0 && len == 0);
	dev_close();
}

/* A live save begins while the device holds an rx chain (popped with the
 * one the first frame took, before it): the frame written into it during
 * the save marks its page, so that it goes again (the pop marked nothing:
 * no save then). */
static void test_rx_held_across_a_save_start(void)
{
	uint64_t bits[RAM_SIZE / 4096 / 64] = {0};
	uint8_t f[300];
	uint32_t id, len;

	if (!dev_ok(1500))
		return;
	CHECK_INT(driver_init(F_VERSION1 | F_MAC), 1);
	q_add(&rxq, (struct gbuf[]){{BUFS, 2048, 1}}, 1);
	q_add(&rxq, (struct gbuf[]){{BUFS + 0x1000, 2048, 1}}, 1);
	kick(&rxq);
	frame(f, sizeof(f), guest_mac, 1);
	wire_send(f, sizeof(f));
	CHECK(q_used(&rxq, &id, &len) && id == 0 && len == HDR + sizeof(f));
	hv_virtio_track(dev, bits);
	frame(f, sizeof(f), guest_mac, 2);
	wire_send(f, sizeof(f));
	CHECK(q_used(&rxq, &id, &len) && id == 1 && len == HDR + sizeof(f));
	CHECK(!memcmp(gpa(BUFS + 0x1000 + HDR), f, sizeof(f)));
	CHECK(bits[0] == 1ULL << (BUFS / 4096 + 1)); /* its page, only */
	hv_virtio_track(dev, NULL);
	dev_close();
}

static int private_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		printf("ok 1 # skip hv_net-test needs a network namespace of its own (root, "
		       "CAP_SYS_ADMIN): %s\n1..1\n",
		       strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	log_init("hv_net-test");
	if (getenv("HV_NET_TEST_VERBOSE"))
		log_set_verbosity(2);
	if (argc > 1)
		given_tap = argv[1];
	else if (private_netns())
		return 0;
	vm.ram = aligned_alloc(4096, RAM_SIZE);
	vm.low_size = RAM_SIZE;
	memset(vm.ram, 0, RAM_SIZE);
	hv_devices_setup(&vm);
	RUN(test_spec_checks);
	RUN(test_create_describe_remove);
	RUN(test_config_and_features);
	RUN(test_tx);
	RUN(test_tx_rate);
	RUN(test_tx_rate_not_taken_by_a_dropped_chain);
	RUN(test_offload_set_only_when_changed);
	RUN(test_rx);
	RUN(test_rx_mergeable);
	RUN(test_hostile_chains);
	RUN(test_tx_csum_offload);
	RUN(test_tx_tso);
	RUN(test_quiesce_resume);
	RUN(test_rx_held_across_a_save_start);
	RUN(test_rx_guest_csum); /* last: it gives the tap an address */
	hv_devices_fini(&vm);
	for (unsigned s = 0; s < HV_BUS_NR; s++)
		hv_bus_destroy(&vm.bus[s]);
	free(vm.ram);
	return unit_done();
}
