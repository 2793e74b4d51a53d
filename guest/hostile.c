/*
 * hostile <case> [seed]: the guest turned against its own xenon-hv and dom0
 * (hostile.h). The cases are in one table; each prints a line per attempt
 * and its outcome, and "hostile <case>: done" at the end (or "failed" with
 * why, when the case could not be run at all: no xenstore, no disk).
 */
#include "arch.h"
#include "kernel.h"
#include "shell.h"
#include "devices.h"
#include "hostile.h"
#include "xenon-xs-ring.h"

#define FLOOD_MS     2000
#define XS_WAIT_MS   150
#define XS_READ_TYPE 2

const char *hostile_case = "";
static uint64_t rng_state;

uint64_t hostile_rand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

void hostile_say(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("hostile %s: %s", hostile_case, buf);
}

void hostile_take(struct device *dev)
{
	if (dev->drv->detach)
		dev->drv->detach(dev);
	dev->priv = NULL;
	virtio_reset(&dev->vdev);
	virtio_release(&dev->vdev);
}

int hostile_give_back(struct device *dev)
{
	int rc;

	virtio_reset(&dev->vdev);
	virtio_release(&dev->vdev);
	rc = dev->drv->attach(dev);
	hostile_say("%s: given back to its driver: %s\n", dev->name, rc ? "failed" : "ok");
	if (rc) {
		virtio_reset(&dev->vdev);
		virtio_release(&dev->vdev);
		dev->present = false;
	}
	return rc;
}

static void wait_ms(uint64_t ms)
{
	uint64_t end = clock_ns() + ms * 1000000ULL;

	while (clock_ns() < end)
		cpu_relax();
}

/* ---- xs-ring, xs-ring-garbage ---- */

static struct xenon_xs_ring *xs_ring(void)
{
	return (struct xenon_xs_ring *)(uintptr_t)boot.info->xenstore_ring_gpa;
}

/* Put bytes in the request ring (room permitting) and ring the doorbell. */
static void req_put(struct xenon_xs_ring *r, const void *p, uint32_t n)
{
	const char *s = p;
	uint32_t prod = r->req_prod;

	while (n-- && prod - r->req_cons < XENON_XS_RING_SIZE)
		r->req[prod++ % XENON_XS_RING_SIZE] = *s++;
	barrier();
	r->req_prod = prod;
	outb(XENON_PORT_XS_NOTIFY, 1);
}

/* A read of "name" made with the reply ring's consumer index moved by skew. */
static void reply_with_rsp_cons(struct xenon_xs_ring *r, uint32_t skew, const char *what)
{
	static const char path[] = "name";
	uint32_t hdr[4] = {XS_READ_TYPE, 0x7e57, 0, sizeof(path)};
	uint32_t cons = r->rsp_cons, prod = r->rsp_prod, held, after;

	r->rsp_cons = cons + skew;
	req_put(r, hdr, sizeof(hdr));
	req_put(r, path, sizeof(path));
	wait_ms(XS_WAIT_MS);
	held = r->rsp_prod - prod;
	r->rsp_cons = cons;
	outb(XENON_PORT_XS_NOTIFY, 1);
	wait_ms(XS_WAIT_MS);
	after = r->rsp_prod - prod;
	r->rsp_cons = r->rsp_prod; /* the reply is ours: the client never sees it */
	hostile_say("rsp_cons %s: %u reply bytes written meanwhile, %u once it was put back\n", what, held,
		    after);
}

static int case_xs_ring(void)
{
	struct xenon_xs_ring *r = xs_ring();
	uint32_t cons;

	if (!xs_available())
		return -ENODEV;
	reply_with_rsp_cons(r, (uint32_t)-4096, "4096 behind");
	reply_with_rsp_cons(r, 100, "100 ahead");
	cons = r->req_cons;
	r->req_prod = cons + 0x10000000;
	outb(XENON_PORT_XS_NOTIFY, 1);
	wait_ms(XS_WAIT_MS);
	hostile_say("req_prod 0x10000000 ahead: req_cons moved by %u\n", r->req_cons - cons);
	return 0;
}

static int case_xs_ring_garbage(void)
{
	struct xenon_xs_ring *r = xs_ring();
	uint32_t hdr[4] = {XS_READ_TYPE, 0x7e58, 0, 0xffffffff};
	uint32_t cons, prod, i;
	uint8_t junk[600];

	if (!xs_available())
		return -ENODEV;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)hostile_rand();
	for (i = 0; i < XENON_XS_RING_SIZE; i++)
		r->rsp[i] = (char)hostile_rand(); /* the reply ring is the guest's memory too */
	cons = r->req_cons;
	prod = r->rsp_prod;
	req_put(r, hdr, sizeof(hdr));
	req_put(r, junk, sizeof(junk));
	wait_ms(XS_WAIT_MS);
	hostile_say(
	    "a %u-byte header claiming 0xffffffff bytes and %u random bytes: %u taken, %u reply bytes\n",
	    (unsigned)sizeof(hdr), (unsigned)sizeof(junk), r->req_cons - cons, r->rsp_prod - prod);
	r->rsp_cons = r->rsp_prod;
	return 0;
}

/* ---- xs-random ---- */

static const char *const xs_nodes[] = {
    "device/vbd/51712/state",
    "device/vbd/51712/backend",
    "device/vbd/51712/backend-id",
    "device/vbd/51712/virtio-mmio-base",
    "device/vbd/51712/error",
    "device/vif/0/state",
    "control/shutdown",
    "control/feature-poweroff",
    "control/sysrq",
    "data/x",
    "console/tty",
    "console/limit",
    "name",
    "memory/target",
    "error/x",
};
/* Written to as well: dom0's own nodes, which the guest must not be able to change. */
static const char *const xs_dom0_nodes[] = {"backend/vbd/%u/51712/state", "backend/vbd/%u/51712/params",
					    "/libxl/%u/hv-pid", "/local/domain/0/name", "/vm/x"};
static const char *const xs_values[] = {
    "-1", "18446744073709551616", "/dev/mem", "../../../../etc/shadow", "%s%n%x", "5", "6", ""};

/* A random value: printable or not (never NUL), up to 300 bytes, or one of xs_values. */
static const char *random_value(char *buf, size_t size)
{
	size_t n = hostile_rand() % 300, i;

	if (hostile_rand() % 3 == 0)
		return xs_values[hostile_rand() % ARRAY_SIZE(xs_values)];
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = (char)(hostile_rand() % 255 + 1);
	buf[n] = '\0';
	return buf;
}

static const char *xs_err_name(int rc)
{
	static const struct {
		int rc;
		const char *name;
	} names[] = {{0, "taken"},  {-13, "EACCES"}, {-28, "ENOSPC"},
		     {-7, "E2BIG"}, {-22, "EINVAL"}, {-110, "ETIMEDOUT"}};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].rc == rc)
			return names[i].name;
	return "another error";
}

/* Eight random values into path: how many were taken, and the last error. */
static void xs_scribble(const char *path)
{
	char buf[320];
	unsigned int ok = 0, i;
	int err = 0, rc;

	for (i = 0; i < 8; i++) {
		rc = xs_write(path, random_value(buf, sizeof(buf)));
		if (rc)
			err = rc;
		else
			ok++;
	}
	hostile_say("%s: %u of 8 writes taken%s%s\n", path, ok, err ? ", error " : "",
		    err ? xs_err_name(err) : "");
}

static int case_xs_random(void)
{
	char path[96], big[3001];
	unsigned int i, made = 0;
	int rc = 0;

	if (!xs_available())
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(xs_nodes); i++)
		xs_scribble(xs_nodes[i]);
	for (i = 0; i < ARRAY_SIZE(xs_dom0_nodes); i++) {
		snprintf(path, sizeof(path), xs_dom0_nodes[i], boot.info->domid);
		if (path[0] != '/') {
			snprintf(big, sizeof(big), "/local/domain/0/%s", path);
			strlcpy(path, big, sizeof(path));
		}
		xs_scribble(path);
	}
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rc = xs_write("data/big", big);
	hostile_say("data/big: a value of 3000 bytes: %s\n", xs_err_name(rc));
	big[1000] = '\0';
	for (i = 0, rc = 0; i < 100 && !rc; i++) {
		snprintf(path, sizeof(path), "data/many/n%u", i);
		rc = xs_write(path, big);
		made += !rc;
	}
	hostile_say("data/many: %u nodes of 1000 bytes made%s%s\n", made, rc ? ", then " : "",
		    rc ? xs_err_name(rc) : "");
	return 0;
}

/* ---- io-flood ---- */

/* In-kernel (KVM's PIC and ELCR), the console, and the power ports (QEMU's isa-debug-exit at
 * 0xf4 too): not flooded by the sweep. */
static bool port_spared(uint32_t p)
{
	return (p >= 0xf4 && p < 0xf8) || p == 0x20 || p == 0x21 || p == 0xa0 || p == 0xa1 || p == 0x4d0 ||
	       p == 0x4d1 || (p >= XENON_UART_PORT && p < XENON_UART_PORT + 8) ||
	       (p >= XENON_PORT_SHUTDOWN && p < XENON_PORT_SHUTDOWN + 4) ||
	       (p == PVM_DOORBELL_PORT && platform == PLATFORM_PVM);
}

/* Device windows (assigned), the IOAPIC and LAPIC pages: reads only. */
static bool mmio_spared(uint64_t a)
{
	struct device *dev;

	if (a >= 0xfec00000ULL)
		return true;
	for (dev = device_next(NULL, 0); dev; dev = device_next(dev, 0))
		if (a >= dev->vdev.base && a < dev->vdev.base + dev->vdev.size)
			return true;
	return false;
}

/* One pass: a sweep of the ports, the platform ports, the MMIO space below 4 GiB. */
static unsigned long flood_pass(uint32_t start)
{
	unsigned long n = 0;
	uint64_t a, base = (boot.info->mem_bytes + 0x1fffff) & ~0x1fffffULL;
	struct device *dev;
	uint32_t p;

	for (p = start % 251; p < 0x10000; p += 251, n += 2) {
		(void)inb((uint16_t)p);
		if (!port_spared(p))
			outb((uint16_t)p, (uint8_t)hostile_rand());
	}
	for (p = 0; p < 16; p++, n += 4) {
		outl(XENON_PORT_SHUTDOWN, (uint32_t)hostile_rand() | 4); /* never 0, 1 or 2 */
		outl(XENON_PORT_CPU_START, (uint32_t)hostile_rand());
		outb(XENON_PORT_XS_NOTIFY, 1);
		(void)inl(XENON_PORT_REQUEST);
	}
	for (a = base + (start % 64) * 4096; a < 0x100000000ULL; a += 0x1000000, n++) {
		(void)mmio_read32((uintptr_t)a);
		if (!mmio_spared(a))
			mmio_write32((uintptr_t)a, (uint32_t)hostile_rand());
	}
	for (dev = device_next(NULL, 0); dev; dev = device_next(dev, 0))
		for (a = 0; a < 0x100; a += 4, n++)
			(void)mmio_read32(dev->vdev.base + a);
	return n;
}

static int case_io_flood(void)
{
	uint64_t t0 = clock_ns(), end = t0 + FLOOD_MS * 1000000ULL;
	unsigned long n = 0, passes = 0;

	while (clock_ns() < end)
		n += flood_pass((uint32_t)passes++);
	hostile_say("%lu accesses in %lu passes over %lu ms\n", n, passes,
		    (unsigned long)((clock_ns() - t0) / 1000000));
	return 0;
}

/* ---- cpu-start ---- */

/*
 * The last vCPU taken down, then started again from ap[] entries that are
 * wrong (page tables outside RAM or not page-aligned, rip or rsp not
 * canonical), each many times: xenon-hv refuses them and the vCPU stays
 * down; then from its right entry: it comes back.
 */
static int case_cpu_start(void)
{
	struct xenon_boot_info *bi = boot.info;
	uint32_t i = bi->nr_vcpus - 1;
	struct xenon_ap_start good, *ap = &bi->ap[i];
	struct xenon_ap_start bad[] = {
	    {.cr3 = 1ULL << 62}, {.cr3 = 0x100000000000ULL}, {.cr3 = 0x1234},
	    {.rip = 1ULL << 47}, {.rsp = 1ULL << 63},
	};

	if (i == 0 || i >= MAX_CPUS)
		return hostile_say("needs 2 vCPUs\n"), -EINVAL;
	if (vcpu_down(i))
		return hostile_say("vCPU %u did not go down\n", i), -EIO;
	good = *ap;
	for (size_t b = 0; b < ARRAY_SIZE(bad); b++) {
		*ap = good;
		if (bad[b].cr3)
			ap->cr3 = bad[b].cr3;
		if (bad[b].rip)
			ap->rip = bad[b].rip;
		if (bad[b].rsp)
			ap->rsp = bad[b].rsp;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		for (int n = 0; n < 200; n++)
			outl(XENON_PORT_CPU_START, i);
	}
	hostile_say("vCPU %u started 1000 times from wrong entries: %s\n", i,
		    cpus[i].online ? "online" : "still offline");
	*ap = good;
	hostile_say("vCPU %u started from its right entry: %s\n", i, smp_start_cpu(i) ? "failed" : "online");
	return 0;
}

/* ---- balloon-cheat ---- */

#define CHEAT_PAGES	(4 * XENON_BALLOON_MAX_PFNS) /* 8 MiB */
#define CHEAT_MAX_PAGES 65536			     /* the free pages of a guest of 256 MiB */
#define CHEAT_WAIT_MS	10000

static uint64_t cheat_pages[CHEAT_MAX_PAGES];
static struct xenon_balloon_req cheat_req __attribute__((aligned(4096)));

/* The pages [first, first + n) of cheat_pages released or reclaimed: how many xenon-hv took. */
static unsigned long cheat_send(uint32_t op, unsigned long first, unsigned long n)
{
	unsigned long done = 0, k, i;

	while (done < n) {
		k = n - done < XENON_BALLOON_MAX_PFNS ? n - done : XENON_BALLOON_MAX_PFNS;
		cheat_req.op = op;
		cheat_req.count = (uint32_t)k;
		cheat_req.status = -EIO;
		cheat_req.done = 0;
		for (i = 0; i < k; i++)
			cheat_req.pfn[i] = cheat_pages[first + done + i] / 4096;
		__asm__ volatile("" ::: "memory"); /* xenon-hv reads and answers the page during the outl */
		outl(XENON_PORT_BALLOON, (uint32_t)(uintptr_t)&cheat_req);
		__asm__ volatile("" ::: "memory");
		done += cheat_req.done < k ? cheat_req.done : k;
		if (cheat_req.status || cheat_req.done != k)
			break;
	}
	return done;
}

static bool cheat_all_zero(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (*(volatile uint64_t *)(uintptr_t)cheat_pages[i])
			return false;
	return true;
}

/*
 * Every free page taken and written (so that all its RAM is held), 8 MiB
 * of it released to the host, then written again without asking: xenon-hv
 * finds the RAM holding more than the domain may and gives those pages back
 * again (zeros here). Then they are reclaimed as the balloon should, and
 * every page goes back to the pool.
 */
static int case_balloon_cheat(void)
{
	unsigned long n = mem_balloon_take(cheat_pages, CHEAT_MAX_PAGES), released = 0, i;
	uint64_t t0;
	int rc = 0;

	for (i = 0; i < n; i++)
		*(volatile uint64_t *)(uintptr_t)cheat_pages[i] = i + 1;
	if (n < CHEAT_PAGES) {
		hostile_say("only %lu free pages\n", n);
		rc = -ENOMEM;
		goto out;
	}
	released = cheat_send(XENON_BALLOON_RELEASE, 0, CHEAT_PAGES);
	hostile_say("%lu pages released: %s\n", released, released == CHEAT_PAGES ? "ok" : "refused");
	for (i = 0; i < released; i++)
		*(volatile uint64_t *)(uintptr_t)cheat_pages[i] = i + 1;
	t0 = clock_ns();
	while (!cheat_all_zero(released) && clock_ns() - t0 < CHEAT_WAIT_MS * 1000000ULL)
		wait_ms(10);
	hostile_say("written again after release: %s\n",
		    cheat_all_zero(released) ? "given back again (zeros)" : "still held after 10 s");
	hostile_say("reclaimed: %s\n",
		    cheat_send(XENON_BALLOON_RECLAIM, 0, released) == released ? "ok" : "refused");
out:
	for (i = 0; i < n; i++)
		mem_balloon_put(cheat_pages[i]);
	return rc;
}

/* ---- the table ---- */

static const struct {
	const char *name;
	int (*fn)(void);
	const char *help;
} cases[] = {
    {"xs-ring", case_xs_ring, "the xenstore ring's indexes: rsp_cons behind and ahead, req_prod far ahead"},
    {"xs-ring-garbage", case_xs_ring_garbage, "a request claiming 4 GiB, random bytes in both rings"},
    {"vdev-regs", hostile_vdev_regs, "every virtio register: bad order, bad values, garbage in every width"},
    {"vdev-widths", hostile_vdev_widths, "1-, 2- and 8-byte garbage at every offset of every virtio window"},
    {"desc-outside", hostile_desc_outside, "descriptors outside RAM, into the boot pages, lengths that wrap"},
    {"desc-loop", hostile_desc_loop, "descriptor chains that loop, indirect tables, bad ring indexes"},
    {"io-flood", case_io_flood, "port I/O and MMIO everywhere for 2 s"},
    {"xs-random", case_xs_random, "random values in its own nodes and dom0's, many big nodes"},
    {"net", hostile_net, "bad rx and tx chains, doorbells, a frame flood on the NIC (tap port in hairpin)"},
    {"balloon-cheat", case_balloon_cheat, "all RAM written, 8 MiB released, written again without asking"},
    {"cpu-start", case_cpu_start, "the last vCPU down, started from wrong ap[] entries, then a right one"},
};

int cmd_hostile(int argc, char **argv)
{
	uint64_t seed = 0;
	size_t i;
	int rc;

	for (i = 0; argc >= 2 && i < ARRAY_SIZE(cases); i++)
		if (!strcmp(argv[1], cases[i].name))
			break;
	if (argc < 2 || argc > 3 || i == ARRAY_SIZE(cases) || (argc == 3 && parse_dec_u64(argv[2], &seed))) {
		printf("usage: hostile CASE [SEED]; the cases:\n");
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			printf("  %-16s %s\n", cases[i].name, cases[i].help);
		return -EINVAL;
	}
	rng_state = seed ? seed : rdtsc() | 1;
	hostile_case = cases[i].name;
	hostile_say("seed %lu\n", (unsigned long)rng_state);
	rc = cases[i].fn();
	if (rc)
		hostile_say("failed: %s\n",
			    rc == -ENODEV ? "nothing to attack (no xenstore, disk or NIC)" : "error");
	else
		hostile_say("done\n");
	return rc;
}
