/*
 * The shell's disk commands: disks, blk read, blk write, blk bench.
 */
#include "blk.h"
#include "devices.h"
#include "kernel.h"
#include "shell.h"
#include "virtio.h"

#define PAGE_SIZE	 4096
#define READ_MAX_SECTORS 64
#define BENCH_MAX_MIB	 4096
#define BENCH_QD	 4
#define PATTERN		 0x58454e4f4e000000ULL /* "XENON" in the high bytes, the sector below */

static struct device *disk(const char *name)
{
	struct device *dev = device_find(name);

	if (dev && dev->vdev.device_id == VIRTIO_ID_BLK && dev->priv)
		return dev;
	printf("blk: no disk called '%s'; 'disks' lists them\n", name);
	return NULL;
}

int cmd_disks(int argc, char **argv)
{
	struct device *dev = NULL;
	int n = 0;

	(void)argc, (void)argv;
	while ((dev = device_next(dev, VIRTIO_ID_BLK))) {
		struct blk *b = dev->priv;
		char from[64];

		if (dev->devid >= 0)
			snprintf(from, sizeof(from), "xenstore %s", dev->fe_path);
		else
			snprintf(from, sizeof(from), "command line");
		printf("%-6s %8lu MiB %10lu sectors  %s  virtio-mmio %#lx irq %u (%lu interrupts)  %s\n",
		       dev->name, (unsigned long)(b->capacity >> 11), (unsigned long)b->capacity,
		       b->ro ? "ro" : "rw", (unsigned long)dev->vdev.base, dev->vdev.irq,
		       (unsigned long)dev->vdev.irq_count, from);
		n++;
	}
	if (!n)
		printf("no disks\n");
	return 0;
}

static void hexdump_line(const uint8_t *p, unsigned long off)
{
	char hex[16 * 3 + 1], asc[17];
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(hex + 3 * i, 4, "%02x ", p[i]);
		asc[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	}
	asc[16] = '\0';
	printf("%08lx  %s |%s|\n", off, hex, asc);
}

/* hexdump -C's layout: a run of lines equal to the one before shows as one "*". */
static void hexdump(const uint8_t *p, unsigned long len, unsigned long base)
{
	unsigned long off;
	bool starred = false;

	for (off = 0; off < len; off += 16) {
		if (off && off + 16 < len && !memcmp(p + off, p + off - 16, 16)) {
			if (!starred)
				printf("*\n");
			starred = true;
			continue;
		}
		starred = false;
		hexdump_line(p + off, base + off);
	}
	printf("%08lx\n", base + len);
}

static int blk_read_cmd(int argc, char **argv)
{
	uint64_t sector, count = 1;
	struct device *dev;
	unsigned int pages;
	void *buf;
	int rc;

	if (argc < 4 || argc > 5 || parse_dec_u64(argv[3], &sector) ||
	    (argc == 5 && parse_dec_u64(argv[4], &count)) || !count || count > READ_MAX_SECTORS) {
		printf("usage: blk read DISK SECTOR [COUNT] (COUNT 1..%d)\n", READ_MAX_SECTORS);
		return -EINVAL;
	}
	dev = disk(argv[2]);
	if (!dev)
		return -ENODEV;
	rc = blk_check(dev, false, sector, count);
	if (rc)
		return rc;
	pages = (unsigned int)((count * BLK_SECTOR + PAGE_SIZE - 1) / PAGE_SIZE);
	buf = page_alloc(pages);
	if (!buf) {
		printf("blk: out of memory for %lu sectors\n", (unsigned long)count);
		return -ENOMEM;
	}
	rc = blk_io(dev, false, sector, buf, count);
	if (!rc)
		hexdump(buf, (unsigned long)(count * BLK_SECTOR), (unsigned long)(sector * BLK_SECTOR));
	page_free(buf, pages);
	return rc;
}

/* The words from argv[3] on, joined by spaces, written from SECTOR (zero-padded to whole sectors). */
static int blk_write_cmd(int argc, char **argv)
{
	uint64_t sector, count;
	struct device *dev;
	char *buf;
	size_t len = 0;
	int i, rc;

	if (argc < 4 || parse_dec_u64(argv[3], &sector)) {
		printf("usage: blk write DISK SECTOR TEXT...\n");
		return -EINVAL;
	}
	dev = disk(argv[2]);
	if (!dev)
		return -ENODEV;
	buf = page_alloc(1); /* the shell's line is shorter than a page */
	if (!buf)
		return -ENOMEM;
	for (i = 4; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 1 >= PAGE_SIZE)
			break;
		memcpy(buf + len, argv[i], n);
		len += n;
		if (i + 1 < argc)
			buf[len++] = ' ';
	}
	count = len ? (len + BLK_SECTOR - 1) / BLK_SECTOR : 1;
	rc = blk_check(dev, true, sector, count);
	rc = rc ? rc : blk_io(dev, true, sector, buf, count);
	if (!rc)
		printf("%s: wrote %lu bytes at sector %lu (%lu sector%s)\n", dev->name, (unsigned long)len,
		       (unsigned long)sector, (unsigned long)count, count > 1 ? "s" : "");
	page_free(buf, 1);
	return rc;
}

struct bench {
	struct device *dev;
	unsigned int qd;
	uint32_t req_sectors;
	uint64_t sectors;
	uint8_t *buf[BLK_SLOTS];
	uint64_t at[BLK_SLOTS]; /* the first sector of each slot's request */
	uint64_t bad;		/* sectors read back wrong */
	uint64_t span;		/* random requests: aligned ones in the first span sectors (0: in order) */
	uint64_t seed;
};

static void fill(struct bench *bn, unsigned int s, uint64_t sector, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		*(uint64_t *)(bn->buf[s] + i * BLK_SECTOR) = PATTERN ^ (sector + i);
}

static void verify(struct bench *bn, unsigned int s, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (*(uint64_t *)(bn->buf[s] + i * BLK_SECTOR) != (PATTERN ^ (bn->at[s] + i)))
			bn->bad++;
}

static int bench_issue(struct bench *bn, unsigned int s, bool write, uint64_t *next)
{
	uint32_t n =
	    bn->sectors - *next < bn->req_sectors ? (uint32_t)(bn->sectors - *next) : bn->req_sectors;

	if (write)
		fill(bn, s, *next, n);
	bn->at[s] = *next;
	if (bn->span) { /* a 64-bit LCG (Knuth's MMIX constants), its high bits */
		bn->seed = bn->seed * 6364136223846793005ULL + 1442695040888963407ULL;
		bn->at[s] = ((bn->seed >> 33) % (bn->span / bn->req_sectors)) * bn->req_sectors;
	}
	*next += n;
	return blk_submit(bn->dev, s, write, bn->at[s], bn->buf[s], n * BLK_SECTOR);
}

/* One pass over the first bn->sectors sectors with bn->qd requests in flight: its time in *ns. */
static int bench_pass(struct bench *bn, bool write, bool check, uint64_t *ns)
{
	uint64_t next = 0, t0 = clock_ns();
	unsigned int s, inflight = 0;
	int rc = 0, r;

	for (s = 0; s < bn->qd && next < bn->sectors && !rc; s++) {
		rc = bench_issue(bn, s, write, &next);
		inflight += !rc;
	}
	blk_kick(bn->dev);
	while (inflight) {
		r = blk_reap(bn->dev, &s);
		inflight--;
		if (r == -ETIMEDOUT)
			return r; /* the device is stuck: its requests stay where they are */
		rc = rc ? rc : r;
		if (check && !r)
			verify(bn, s,
			       bn->sectors - bn->at[s] < bn->req_sectors ? (uint32_t)(bn->sectors - bn->at[s])
									 : bn->req_sectors);
		if (!rc && next < bn->sectors) {
			rc = bench_issue(bn, s, write, &next);
			inflight += !rc;
			blk_kick(bn->dev);
		}
	}
	*ns = clock_ns() - t0;
	return rc;
}

static void report(const char *name, const char *what, uint64_t mib, uint64_t ns)
{
	/* MiB/s with one decimal: KiB * 10 * 1e9 / ns / 1024 */
	uint64_t r10 = ns ? (mib << 10) * 10000000000ULL / ns / 1024 : 0;

	printf("%s: %s %lu MiB in %lu ms: %lu.%lu MiB/s\n", name, what, (unsigned long)mib,
	       (unsigned long)(ns / 1000000), (unsigned long)(r10 / 10), (unsigned long)(r10 % 10));
}

static int bench_run(struct bench *bn, uint64_t mib)
{
	struct blk *b = bn->dev->priv;
	uint64_t ns;
	int rc = 0;

	if (!b->ro) {
		rc = bench_pass(bn, true, false, &ns);
		if (!rc)
			report(bn->dev->name, "write", mib, ns);
	} else {
		printf("%s: read-only disk: write pass skipped\n", bn->dev->name);
	}
	if (!rc)
		rc = bench_pass(bn, false, !b->ro, &ns);
	if (!rc)
		report(bn->dev->name, "read", mib, ns);
	if (!rc && !b->ro) {
		if (bn->bad)
			printf("%s: %lu sectors read back differ from what was written\n", bn->dev->name,
			       (unsigned long)bn->bad);
		else
			printf("%s: the data read back is what was written\n", bn->dev->name);
	}
	return rc ? rc : bn->bad ? -EIO : 0;
}

/* Per request: a header, the data segments and a status byte. */
static unsigned int descs_per_request(const struct blk *b, uint32_t bytes)
{
	return 2 + (b->size_max ? (bytes + b->size_max - 1) / b->size_max : 1);
}

/* A fresh bench on disk name, which must hold mib MiB: 0, or -errno (said). */
static int bench_disk(struct bench *bn, const char *name, uint64_t mib)
{
	struct blk *b;

	memset(bn, 0, sizeof(*bn));
	bn->dev = disk(name);
	if (!bn->dev)
		return -ENODEV;
	b = bn->dev->priv;
	if (mib << 11 > b->capacity) {
		printf("%s: has only %lu MiB; ask for at most that\n", bn->dev->name,
		       (unsigned long)(b->capacity >> 11));
		return -ERANGE;
	}
	return 0;
}

static int blk_bench_cmd(int argc, char **argv)
{
	static struct bench bn;
	uint64_t mib, qd = BENCH_QD;
	struct blk *b;
	unsigned int s, pages;
	int rc = 0;

	if (argc < 4 || argc > 5 || parse_dec_u64(argv[3], &mib) || !mib || mib > BENCH_MAX_MIB ||
	    (argc == 5 && (parse_dec_u64(argv[4], &qd) || !qd || qd > BLK_SLOTS))) {
		printf("usage: blk bench DISK MIB [QDEPTH] (MIB 1..%d, QDEPTH 1..%d; overwrites the first "
		       "MIB MiB)\n",
		       BENCH_MAX_MIB, BLK_SLOTS);
		return -EINVAL;
	}
	rc = bench_disk(&bn, argv[2], mib);
	if (rc)
		return rc;
	b = bn.dev->priv;
	bn.sectors = mib << 11;
	bn.req_sectors = blk_max_request(b) / BLK_SECTOR;
	bn.qd = (unsigned int)qd;
	if (bn.qd * descs_per_request(b, bn.req_sectors * BLK_SECTOR) > b->q->size) {
		bn.qd = b->q->size / descs_per_request(b, bn.req_sectors * BLK_SECTOR);
		printf("%s: queue depth %lu does not fit the queue's %u entries; using %u\n", bn.dev->name,
		       (unsigned long)qd, b->q->size, bn.qd);
	}
	pages = (bn.req_sectors * BLK_SECTOR + PAGE_SIZE - 1) / PAGE_SIZE;
	for (s = 0; s < bn.qd && !rc; s++)
		if (!(bn.buf[s] = page_alloc(pages)))
			rc = -ENOMEM;
	if (rc)
		printf("blk: out of memory for %u buffers of %u KiB\n", bn.qd, pages * 4);
	else
		rc = bench_run(&bn, mib);
	for (s = 0; s < bn.qd; s++)
		page_free(bn.buf[s], pages);
	return rc;
}

/* blk iops DISK MIB [QDEPTH]: MIB * 256 random 4 KiB reads in the first MIB MiB, QDEPTH in flight. */
static int blk_iops_cmd(int argc, char **argv)
{
	static struct bench bn;
	uint64_t mib, qd = 1, ns, n;
	struct blk *b;
	unsigned int s;
	int rc = 0;

	if (argc < 4 || argc > 5 || parse_dec_u64(argv[3], &mib) || !mib || mib > BENCH_MAX_MIB ||
	    (argc == 5 && (parse_dec_u64(argv[4], &qd) || !qd || qd > BLK_SLOTS))) {
		printf("usage: blk iops DISK MIB [QDEPTH] (MIB 1..%d, QDEPTH 1..%d, default 1)\n",
		       BENCH_MAX_MIB, BLK_SLOTS);
		return -EINVAL;
	}
	rc = bench_disk(&bn, argv[2], mib);
	if (rc)
		return rc;
	b = bn.dev->priv;
	bn.req_sectors = PAGE_SIZE / BLK_SECTOR;
	bn.span = bn.sectors = mib << 11;
	bn.seed = clock_ns();
	bn.qd = (unsigned int)qd;
	if (bn.qd * descs_per_request(b, PAGE_SIZE) > b->q->size)
		bn.qd = b->q->size / descs_per_request(b, PAGE_SIZE);
	for (s = 0; s < bn.qd && !rc; s++)
		if (!(bn.buf[s] = page_alloc(1)))
			rc = -ENOMEM;
	rc = rc ? rc : bench_pass(&bn, false, false, &ns);
	n = bn.sectors / bn.req_sectors;
	if (!rc)
		printf("%s: random 4 KiB reads at queue depth %u: %lu in %lu ms: %lu IOPS\n", bn.dev->name,
		       bn.qd, (unsigned long)n, (unsigned long)(ns / 1000000),
		       (unsigned long)(ns ? n * 1000000000ULL / ns : 0));
	for (s = 0; s < bn.qd; s++)
		if (bn.buf[s])
			page_free(bn.buf[s], 1);
	return rc;
}

int cmd_blk(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {{"read", blk_read_cmd},
		    {"write", blk_write_cmd},
		    {"bench", blk_bench_cmd},
		    {"iops", blk_iops_cmd}};
	size_t i;

	for (i = 0; argc > 1 && i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc, argv);
	printf("usage: blk read DISK SECTOR [COUNT] | blk write DISK SECTOR TEXT... | blk bench DISK MIB "
	       "[QDEPTH] | blk iops DISK MIB [QDEPTH]\n");
	return -EINVAL;
}
