/*
 * The migration stream (hypervisor/migstream*.c): what the writer puts out
 * reads back the same; every truncation, and each kind of corruption the
 * format forbids, is refused with the error the reader promises.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/migstream.h"
#include "log.h"
#include "unit.h"

#define MEM   (8ULL << 20)
#define PAGES (MEM / MIG_PAGE_SIZE)

/* What a reader saw: a RAM image and the records, counted. */
static uint8_t dst_ram[MEM]; /* the sink's RAM (the header says how much of it) */

struct sink {
	uint8_t *ram;
	uint64_t mem;
	int header, end;
	unsigned records[MIG_REC_TYPE_MAX];
	unsigned zero_pages;
	uint64_t filled_ahead; /* bytes announced by fill_ahead, each range in RAM */
	unsigned bad_frames; /* frames the reader asked for outside RAM: must stay 0 */
	uint64_t regs_rip[2];
	char device[MIG_DEVICE_NAME];
	size_t device_len;
	uint32_t first_record; /* the type of the first record record() saw */
};

static uint8_t *sink_ram; /* the RAM a sink fills, if not dst_ram (test_splice) */

static int sink_header(void *o, const struct mig_header *h)
{
	struct sink *s = o;

	s->header = 1;
	s->mem = h->mem_bytes;
	s->ram = h->mem_bytes <= MEM ? sink_ram ? sink_ram : dst_ram : NULL;
	return s->ram ? 0 : -ENOMEM;
}

static void *sink_page(void *o, uint64_t pfn)
{
	struct sink *s = o;
	uint64_t off;

	if (mig_pfn_offset(s->mem, pfn, &off)) {
		s->bad_frames++;
		return NULL;
	}
	return s->ram + off;
}

static int sink_zero(void *o, uint64_t pfn)
{
	struct sink *s = o;

	uint8_t *p = sink_page(o, pfn);

	if (!p)
		return -EINVAL;
	memset(p, 0, MIG_PAGE_SIZE);
	s->zero_pages++;
	return 0;
}

static int sink_record(void *o, const struct mig_rec *r, const void *p)
{
	struct sink *s = o;

	if (!s->first_record)
		s->first_record = r->type;
	s->records[r->type]++;
	if (r->type == MIG_REC_REGS && r->instance < 2)
		s->regs_rip[r->instance] = ((const struct kvm_regs *)p)->rip;
	if (r->type == MIG_REC_DEVICE) {
		memcpy(s->device, p, MIG_DEVICE_NAME);
		s->device_len = r->len - MIG_DEVICE_NAME;
	}
	return 0;
}

static int sink_end(void *o)
{
	((struct sink *)o)->end = 1;
	return 0;
}

static void sink_fill_ahead(void *o, void *addr, size_t len)
{
	struct sink *s = o;

	if ((uint8_t *)addr >= s->ram && (uint8_t *)addr + len <= s->ram + s->mem && len % MIG_PAGE_SIZE == 0)
		s->filled_ahead += len;
	else
		s->bad_frames++;
}

static const struct mig_reader_ops sink_ops = {sink_header, sink_page,	  sink_zero,
					       sink_record, sink_end, sink_fill_ahead};

static uint8_t src_ram[MEM];

/* The state records of one vCPU. */
static void write_vcpu(struct mig_writer *w, unsigned i)
{
	struct kvm_regs regs = {.rip = 0x100000 + i, .rflags = 2};
	struct kvm_sregs sregs = {.cr0 = 0x80050033};
	static uint8_t xsave[MIG_XSAVE_MIN];
	struct kvm_xcrs xcrs = {.nr_xcrs = 1};
	struct kvm_msr_entry e[2] = {{.index = 0x10, .data = 5}, {.index = 0xc0000100, .data = 6}};
	uint8_t msrs[sizeof(struct kvm_msrs) + sizeof(e)] = {2}; /* nmsrs = 2, then the entries */
	static struct kvm_lapic_state lapic;
	struct kvm_vcpu_events ev = {.flags = KVM_VCPUEVENT_VALID_SHADOW};
	struct kvm_mp_state mp = {KVM_MP_STATE_RUNNABLE};

	CHECK_INT(mig_write_record(w, MIG_REC_REGS, i, &regs, sizeof(regs), NULL, 0), 0);
	CHECK_INT(mig_write_record(w, MIG_REC_SREGS, i, &sregs, sizeof(sregs), NULL, 0), 0);
	CHECK_INT(mig_write_record(w, MIG_REC_XSAVE, i, xsave, sizeof(xsave), NULL, 0), 0);
	CHECK_INT(mig_write_record(w, MIG_REC_XCRS, i, &xcrs, sizeof(xcrs), NULL, 0), 0);
	memcpy(msrs + sizeof(struct kvm_msrs), e, sizeof(e));
	CHECK_INT(mig_write_record(w, MIG_REC_MSRS, i, msrs, sizeof(msrs), NULL, 0), 0);
	CHECK_INT(mig_write_record(w, MIG_REC_LAPIC, i, &lapic, sizeof(lapic), NULL, 0), 0);
	CHECK_INT(mig_write_record(w, MIG_REC_EVENTS, i, &ev, sizeof(ev), NULL, 0), 0);
	CHECK_INT(mig_write_record(w, MIG_REC_MP_STATE, i, &mp, sizeof(mp), NULL, 0), 0);
}

/* A disk and a NIC as a save writes them (VDEV records), a ready driver on each. */
static void vdev_example(struct mig_vdev *v, uint32_t kind)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->devid = kind == MIG_VDEV_KIND_VBD ? 51712 : 0;
	v->base = kind == MIG_VDEV_KIND_VBD ? 0xd0000000 : 0xd0001000;
	v->irq = kind == MIG_VDEV_KIND_VBD ? 16 : 17;
	v->device_id = kind == MIG_VDEV_KIND_VBD ? 2 : 1;
	v->status = 1 | 2 | 8 | 4;
	v->driver_features = 1ULL << 32;
	v->interrupt_status = 1;
	v->nr_queues = kind == MIG_VDEV_KIND_VBD ? 1 : 2;
	v->dev_len = kind == MIG_VDEV_KIND_VBD ? sizeof(struct mig_vbd) : sizeof(struct mig_vif);
	for (unsigned q = 0; q < v->nr_queues; q++)
		v->q[q] = (struct mig_vdev_queue){.desc = 0x10000 + q * 0x4000,
						  .driver = 0x11000 + q * 0x4000,
						  .device = 0x12000 + q * 0x4000,
						  .num = 256,
						  .last_avail = 7,
						  .used_idx = 7,
						  .ready = 1,
						  .notify_enabled = 1};
}

static void write_vdevs(struct mig_writer *w)
{
	struct mig_vdev v;
	struct mig_vbd b = {.sectors = 2048, .writeback = 1, .serial = "disk-1"};
	struct mig_vif f = {.mac = {0x00, 0x16, 0x3e, 1, 2, 3}, .mtu = 1500};

	vdev_example(&v, MIG_VDEV_KIND_VBD);
	CHECK_INT(mig_write_record(w, MIG_REC_VDEV, 0, &v, sizeof(v), &b, sizeof(b)), 0);
	vdev_example(&v, MIG_VDEV_KIND_VIF);
	CHECK_INT(mig_write_record(w, MIG_REC_VDEV, 1, &v, sizeof(v), &f, sizeof(f)), 0);
}

/* Where those two sit (VDEV_PLAN), first after the header as a save writes it. */
static void write_plan(struct mig_writer *w)
{
	struct mig_vdev_place e[2] = {{.kind = MIG_VDEV_KIND_VBD, .devid = 51712, .base = 0xd0000000, .irq = 16},
				      {.kind = MIG_VDEV_KIND_VIF, .devid = 0, .base = 0xd0001000, .irq = 17}};

	CHECK_INT(mig_write_record(w, MIG_REC_VDEV_PLAN, 0, e, sizeof(e), NULL, 0), 0);
}

/* All of RAM: every page, the zero ones as markers, in records of MIG_PAGES_MAX. */
static void write_memory(struct mig_writer *w)
{
	static const uint8_t zero[MIG_PAGE_SIZE];
	uint64_t pfns[MIG_PAGES_MAX];
	const void *data[MIG_PAGES_MAX];
	unsigned n = 0;

	for (uint64_t f = 0; f < PAGES; f++) {
		uint8_t *p = src_ram + f * MIG_PAGE_SIZE;

		pfns[n] = f | (memcmp(p, zero, MIG_PAGE_SIZE) ? 0 : MIG_PFN_ZERO);
		data[n++] = p;
		if (n == MIG_PAGES_MAX || f == PAGES - 1) {
			CHECK_INT(mig_write_pages(w, pfns, data, n), 0);
			n = 0;
		}
	}
}

/* A whole valid stream of a 2-vCPU domain onto fd (splice_pages: the writer's); its length. */
static uint64_t write_stream(int fd, int splice_pages)
{
	struct mig_header h = {.nr_vcpus = 2, .platform = 2, .mem_bytes = MEM, .vcpus_online = 3};
	struct kvm_irqchip chip;
	struct kvm_clock_data clock = {.clock = 12345};
	struct mig_writer w;

	for (uint64_t i = 0; i < MEM; i += 3 * MIG_PAGE_SIZE + 8)
		src_ram[i] = (uint8_t)(i >> 12) | 1;
	mig_writer_init(&w, fd);
	w.splice_pages = splice_pages;
	CHECK_INT(mig_write_header(&w, &h), 0);
	write_plan(&w);
	write_memory(&w);
	for (unsigned i = 0; i < 2; i++)
		write_vcpu(&w, i);
	for (unsigned c = 0; c < MIG_IRQCHIPS; c++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = c;
		CHECK_INT(mig_write_record(&w, MIG_REC_IRQCHIP, c, &chip, sizeof(chip), NULL, 0), 0);
	}
	CHECK_INT(mig_write_record(&w, MIG_REC_CLOCK, 0, &clock, sizeof(clock), NULL, 0), 0);
	CHECK_INT(mig_write_record(&w, MIG_REC_DEVICE, 0, "uart\0\0\0\0\0\0\0\0\0\0\0", 16, "abc", 3), 0);
	write_vdevs(&w);
	CHECK_INT(mig_write_record(&w, MIG_REC_CONSOLE, 0, "hello", 5, NULL, 0), 0);
	CHECK_INT(mig_write_end(&w), 0);
	return w.bytes;
}

/* The same in a malloc'ed buffer. */
static uint8_t *make_stream(size_t *len)
{
	int fd = memfd_create("stream", 0);
	uint8_t *buf;

	*len = write_stream(fd, 0);
	buf = malloc(*len);
	CHECK(pread(fd, buf, *len, 0) == (ssize_t)*len);
	close(fd);
	return buf;
}

static int read_buf_clear(const uint8_t *buf, size_t len, struct sink *s, int clear)
{
	struct mig_source src;

	memset(s, 0, sizeof(*s));
	if (clear)
		memset(dst_ram, 0, sizeof(dst_ram));
	mig_source_buf(&src, buf, len);
	return mig_read(&src, &sink_ops, s);
}

static int read_buf(const uint8_t *buf, size_t len, struct sink *s)
{
	return read_buf_clear(buf, len, s, 1);
}

static void test_round_trip(void)
{
	size_t len;
	uint8_t *buf = make_stream(&len);
	struct sink s;

	CHECK_INT(read_buf(buf, len, &s), 0);
	CHECK(s.header && s.end);
	CHECK(!memcmp(s.ram, src_ram, MEM));
	CHECK(s.zero_pages > 0 && s.zero_pages < PAGES);
	/* every frame with data was announced before it was read into, once */
	CHECK_INT(s.filled_ahead, (uint64_t)(PAGES - s.zero_pages) * MIG_PAGE_SIZE);
	CHECK_INT(s.bad_frames, 0);
	CHECK_INT(s.records[MIG_REC_REGS], 2);
	CHECK_INT(s.records[MIG_REC_MSRS], 2);
	CHECK_INT(s.records[MIG_REC_IRQCHIP], 3);
	CHECK_INT(s.regs_rip[1], 0x100001);
	CHECK_STR(s.device, "uart");
	CHECK_INT(s.device_len, 3);
	CHECK_INT(s.records[MIG_REC_VDEV], 2);
	CHECK_INT(s.records[MIG_REC_VDEV_PLAN], 1);
	CHECK_INT(s.first_record, MIG_REC_VDEV_PLAN);
	/* Zero pages cost 8 bytes, not 4 KiB. */
	CHECK(len < (PAGES - s.zero_pages) * MIG_PAGE_SIZE + PAGES * 8 + 64 * 1024);
	free(buf);
}

/* A small valid stream (one vCPU online of 2, a few pages): the fuzzer's seed, the truncations. */
static int write_small(int fd, size_t *len)
{
	struct mig_header h = {.nr_vcpus = 2, .platform = 1, .mem_bytes = MIG_MIN_MEM, .vcpus_online = 1};
	struct kvm_irqchip chip;
	struct kvm_clock_data clock = {0};
	static uint8_t page[MIG_PAGE_SIZE] = {1, 2, 3};
	uint64_t pfns[3] = {0x100, 0x101 | MIG_PFN_ZERO, 0x3ff};
	const void *data[3] = {page, NULL, page};
	struct mig_writer w;
	int rc;

	mig_writer_init(&w, fd);
	rc = mig_write_header(&w, &h);
	write_plan(&w);
	rc = rc || mig_write_pages(&w, pfns, data, 3);
	write_vcpu(&w, 0);
	for (unsigned c = 0; c < MIG_IRQCHIPS && !rc; c++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = c;
		rc = mig_write_record(&w, MIG_REC_IRQCHIP, c, &chip, sizeof(chip), NULL, 0);
	}
	rc = rc || mig_write_record(&w, MIG_REC_CLOCK, 0, &clock, sizeof(clock), NULL, 0) ||
	     mig_write_record(&w, MIG_REC_DEVICE, 0, "uart", 4, "\0\0\0\0\0\0\0\0\0\0\0\0abc", 15) ||
	     mig_write_record(&w, MIG_REC_CONSOLE, 0, "hi", 2, NULL, 0);
	write_vdevs(&w);
	rc = rc || mig_write_end(&w);
	if (len)
		*len = w.bytes;
	return rc;
}

/* Every prefix of a valid stream is refused as truncated, never accepted. */
static void test_truncated(void)
{
	int fd = memfd_create("small", 0);
	size_t len = 0;
	uint8_t *buf;
	struct sink s;
	unsigned wrong = 0;

	CHECK_INT(write_small(fd, &len), 0);
	buf = malloc(len);
	CHECK(pread(fd, buf, len, 0) == (ssize_t)len);
	CHECK_INT(read_buf(buf, len, &s), 0);
	for (size_t cut = 0; cut < len; cut++) {
		int rc = read_buf_clear(buf, cut, &s, 0);

		wrong += rc != -ENODATA || s.end;
	}
	CHECK_INT(wrong, 0);
	close(fd);
	free(buf);
}

/* Offsets in the stream of make_stream: header, then the first PAGES record. */
#define OFF_REC1 sizeof(struct mig_header)

static uint8_t *find_record(uint8_t *buf, size_t len, uint32_t type, uint32_t instance)
{
	for (size_t off = OFF_REC1; off + sizeof(struct mig_rec) <= len;) {
		struct mig_rec r;

		memcpy(&r, buf + off, sizeof(r));
		if (r.type == type && r.instance == instance)
			return buf + off;
		off += sizeof(r) + ((r.len + 7) & ~7ULL);
	}
	return NULL;
}

/* One byte-level change to a valid stream; the read must fail with rc. */
static void expect_refused(const char *what, size_t off_in_rec, uint32_t type, uint32_t inst, const void *val,
			   size_t vlen, int rc)
{
	size_t len;
	uint8_t *buf = make_stream(&len), *at = type ? find_record(buf, len, type, inst) : buf;
	struct sink s;
	int got;

	CHECK(at != NULL);
	if (!at)
		return;
	memcpy(at + off_in_rec, val, vlen);
	got = read_buf(buf, len, &s);
	if (got != rc || s.end)
		printf("# %s: got %d, end %d\n", what, got, s.end);
	CHECK_INT(got, rc);
	CHECK(!s.end);
	CHECK_INT(s.bad_frames, 0);
	free(buf);
}

/*
 * A v4 PAGES record's pad (its data at a multiple of 4 KiB of the stream):
 * a pad of 4096 or more, a non-zero byte in it, and a pad in a stream that
 * says it is version 3 are refused.
 */
static void test_pad(void)
{
	const size_t payload = sizeof(struct mig_rec);
	size_t len;
	uint8_t *buf = make_stream(&len), *rec = find_record(buf, len, MIG_REC_PAGES, 0), ff = 0xff;
	uint32_t head[2], u32;

	CHECK(rec != NULL);
	if (!rec)
		return;
	memcpy(head, rec + payload, sizeof(head));
	CHECK(head[1] > 0 && head[1] % 8 == 0 && head[1] < MIG_PAGE_SIZE);
	/* the data after the pad starts at a multiple of 4 KiB of the stream */
	CHECK_INT((size_t)(rec - buf + payload + 8 + head[0] * 8ULL + head[1]) % MIG_PAGE_SIZE, 0);
	free(buf);
	u32 = MIG_PAGE_SIZE;
	expect_refused("pad 4096", payload + 4, MIG_REC_PAGES, 0, &u32, 4, -EBADMSG);
	u32 = head[1] + 1;
	expect_refused("pad odd", payload + 4, MIG_REC_PAGES, 0, &u32, 4, -EBADMSG);
	expect_refused("pad byte", payload + 8 + head[0] * 8 + head[1] - 1, MIG_REC_PAGES, 0, &ff, 1,
		       -EBADMSG);
	u32 = 3;
	expect_refused("pad in v3", 8, 0, 0, &u32, 4, -EBADMSG);
}

static void test_corrupt(void)
{
	uint32_t u32;
	uint64_t u64;
	const size_t payload = sizeof(struct mig_rec);

	expect_refused("magic", 0, 0, 0, "XENONMIX", 8, -EBADMSG);
	u32 = MIG_VERSION + 1;
	expect_refused("version", 8, 0, 0, &u32, 4, -EBADMSG);
	u32 = 0;
	expect_refused("version 0", 8, 0, 0, &u32, 4, -EBADMSG);
	u32 = 1; /* a version 1 stream has no VDEV_PLAN (nor VDEV) records */
	expect_refused("version 1", 8, 0, 0, &u32, 4, -EBADMSG);
	u32 = 65;
	expect_refused("vcpus", offsetof(struct mig_header, nr_vcpus), 0, 0, &u32, 4, -EBADMSG);
	u64 = 7; /* vCPU 2 of 2 */
	expect_refused("online", offsetof(struct mig_header, vcpus_online), 0, 0, &u64, 8, -EBADMSG);
	u64 = 2; /* vCPU 0 offline */
	expect_refused("online0", offsetof(struct mig_header, vcpus_online), 0, 0, &u64, 8, -EBADMSG);
	u64 = MEM + 4096;
	expect_refused("mem", offsetof(struct mig_header, mem_bytes), 0, 0, &u64, 8, -EBADMSG);
	u64 = PAGES; /* one frame past the end of RAM */
	expect_refused("pfn", payload + 8, MIG_REC_PAGES, 0, &u64, 8, -EBADMSG);
	u64 = (1ULL << 62) | 1; /* an undefined flag bit */
	expect_refused("pfn flag", payload + 8, MIG_REC_PAGES, 0, &u64, 8, -EBADMSG);
	u32 = MIG_PAGES_MAX + 1;
	expect_refused("count", payload, MIG_REC_PAGES, 0, &u32, 4, -EBADMSG);
	u32 = 3; /* fewer frames than the length says */
	expect_refused("count short", payload, MIG_REC_PAGES, 0, &u32, 4, -EBADMSG);
	u32 = 99;
	expect_refused("type", 0, MIG_REC_REGS, 1, &u32, 4, -EBADMSG);
	u32 = 0; /* vCPU 1's regs claim to be vCPU 0's: a duplicate */
	expect_refused("dup", 4, MIG_REC_REGS, 1, &u32, 4, -EBADMSG);
	u32 = 2; /* an offline vCPU */
	expect_refused("offline", 4, MIG_REC_SREGS, 1, &u32, 4, -EBADMSG);
	u32 = MIG_MAX_MSRS + 1;
	expect_refused("msrs", payload, MIG_REC_MSRS, 0, &u32, 4, -EBADMSG);
	u32 = 3; /* 3 MSRs in a record with room for 2 */
	expect_refused("msrs len", payload, MIG_REC_MSRS, 0, &u32, 4, -EBADMSG);
	u32 = 17;
	expect_refused("xcrs", payload, MIG_REC_XCRS, 1, &u32, 4, -EBADMSG);
	u32 = 5;
	expect_refused("mp", payload, MIG_REC_MP_STATE, 0, &u32, 4, -EBADMSG);
	u32 = 2; /* chip 0's record says chip 2 */
	expect_refused("chip", payload, MIG_REC_IRQCHIP, 0, &u32, 4, -EBADMSG);
	expect_refused("devname", payload, MIG_REC_DEVICE, 0, "UART", 4, -EBADMSG);
	expect_refused("devnul", payload, MIG_REC_DEVICE, 0, "uartuartuartuart", 16, -EBADMSG);
	expect_refused("padding", payload + 16 + 3, MIG_REC_DEVICE, 0, "x", 1, -EBADMSG);
	u64 = MIG_MAX_RECORD; /* a DEVICE record longer than what is left of the stream */
	expect_refused("len", 8, MIG_REC_DEVICE, 0, &u64, 8, -ENODATA);
	u64 = MIG_MAX_RECORD + 1;
	expect_refused("len max", 8, MIG_REC_DEVICE, 0, &u64, 8, -EBADMSG);
	u32 = MIG_REC_CONSOLE; /* the clock replaced: END finds it missing */
	expect_refused("missing", 0, MIG_REC_CLOCK, 0, &u32, 4, -EBADMSG);
	u32 = 1;
	expect_refused("end inst", 4, MIG_REC_END, 0, &u32, 4, -EBADMSG);
}

/* The plan: first, version 3, well-formed entries, and the VDEV records it announces, where it puts them. */
static void test_plan_corrupt(void)
{
	const size_t p = sizeof(struct mig_rec), e1 = p + sizeof(struct mig_vdev_place);
	uint32_t u32;
	uint64_t u64;

	u32 = 2; /* version 2 has no plan */
	expect_refused("plan v2", 8, 0, 0, &u32, 4, -EBADMSG);
	u32 = 7;
	expect_refused("plan kind", p + offsetof(struct mig_vdev_place, kind), MIG_REC_VDEV_PLAN, 0, &u32, 4,
		       -EBADMSG);
	u64 = 0xc0000000;
	expect_refused("plan base", p + offsetof(struct mig_vdev_place, base), MIG_REC_VDEV_PLAN, 0, &u64, 8,
		       -EBADMSG);
	u32 = 24;
	expect_refused("plan irq", p + offsetof(struct mig_vdev_place, irq), MIG_REC_VDEV_PLAN, 0, &u32, 4,
		       -EBADMSG);
	u32 = 1;
	expect_refused("plan pad", p + offsetof(struct mig_vdev_place, pad), MIG_REC_VDEV_PLAN, 0, &u32, 4,
		       -EBADMSG);
	u32 = 1;
	expect_refused("plan inst", 4, MIG_REC_VDEV_PLAN, 0, &u32, 4, -EBADMSG);
	u64 = 0xd0000000; /* the NIC in the disk's window */
	expect_refused("plan window twice", e1 + offsetof(struct mig_vdev_place, base), MIG_REC_VDEV_PLAN, 0,
		       &u64, 8, -EBADMSG);
	const uint32_t disk[2] = {MIG_VDEV_KIND_VBD, 51712}; /* the disk twice */
	expect_refused("plan dev twice", e1 + offsetof(struct mig_vdev_place, kind), MIG_REC_VDEV_PLAN, 0, disk,
		       sizeof(disk), -EBADMSG);
	u32 = 20; /* not whole entries */
	expect_refused("plan len", 8, MIG_REC_VDEV_PLAN, 0, &u32, 4, -EBADMSG);
	u32 = 1; /* the NIC's VDEV record: devid 1, which the plan lacks (and devid 0 never comes) */
	expect_refused("plan lacks", p + offsetof(struct mig_vdev, devid), MIG_REC_VDEV, 1, &u32, 4, -EBADMSG);
	u32 = 18; /* the NIC's VDEV record on another pin than the plan's */
	expect_refused("plan irq moved", p + offsetof(struct mig_vdev, irq), MIG_REC_VDEV, 1, &u32, 4, -EBADMSG);
	u32 = MIG_REC_CONSOLE; /* the NIC's VDEV record replaced: END finds the plan's NIC missing */
	expect_refused("plan missing", 0, MIG_REC_VDEV, 1, &u32, 4, -EBADMSG);
}

/* A plan anywhere but first is refused. */
static void test_plan_late(void)
{
	struct mig_header h = {.nr_vcpus = 1, .platform = 1, .mem_bytes = MIG_MIN_MEM, .vcpus_online = 1};
	static uint8_t page[MIG_PAGE_SIZE] = {1};
	uint64_t pfn = 0x100;
	const void *data = page;
	struct mig_writer w;
	int fd = memfd_create("late", 0);
	uint8_t *buf;
	struct sink s;

	mig_writer_init(&w, fd);
	CHECK_INT(mig_write_header(&w, &h), 0);
	CHECK_INT(mig_write_pages(&w, &pfn, &data, 1), 0);
	write_plan(&w);
	CHECK_INT(mig_write_end(&w), 0);
	buf = malloc(w.bytes);
	CHECK(pread(fd, buf, w.bytes, 0) == (ssize_t)w.bytes);
	memset(&s, 0, sizeof(s));
	CHECK_INT(read_buf(buf, w.bytes, &s), -EBADMSG);
	CHECK_INT(s.records[MIG_REC_VDEV_PLAN], 0);
	free(buf);
	close(fd);
}

/* Each field of a VDEV record a hostile stream could bend. */
static void test_vdev_corrupt(void)
{
	const size_t p = sizeof(struct mig_rec), q0 = p + offsetof(struct mig_vdev, q);
	const size_t vbd = p + sizeof(struct mig_vdev), vif = vbd;
	uint32_t u32;
	uint64_t u64;
	uint8_t u8;

	u32 = 3;
	expect_refused("vdev kind", p + offsetof(struct mig_vdev, kind), MIG_REC_VDEV, 0, &u32, 4, -EBADMSG);
	u32 = 1; /* a vbd that says it is virtio-net */
	expect_refused("vdev id", p + offsetof(struct mig_vdev, device_id), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u64 = 0xfee00000; /* the LAPIC, not a virtio window */
	expect_refused("vdev base", p + offsetof(struct mig_vdev, base), MIG_REC_VDEV, 0, &u64, 8, -EBADMSG);
	u64 = 0xd0000800;
	expect_refused("vdev base align", p + offsetof(struct mig_vdev, base), MIG_REC_VDEV, 0, &u64, 8,
		       -EBADMSG);
	u32 = 24;
	expect_refused("vdev irq", p + offsetof(struct mig_vdev, irq), MIG_REC_VDEV, 0, &u32, 4, -EBADMSG);
	u32 = 4 | 8 | 1; /* DRIVER_OK without DRIVER */
	expect_refused("vdev status", p + offsetof(struct mig_vdev, status), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u32 = 0x40;
	expect_refused("vdev status bit", p + offsetof(struct mig_vdev, status), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u64 = 0; /* FEATURES_OK without VERSION_1 */
	expect_refused("vdev features", p + offsetof(struct mig_vdev, driver_features), MIG_REC_VDEV, 0, &u64,
		       8, -EBADMSG);
	u32 = 4;
	expect_refused("vdev int", p + offsetof(struct mig_vdev, interrupt_status), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u32 = 9;
	expect_refused("vdev queues", p + offsetof(struct mig_vdev, nr_queues), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u32 = 2; /* the vbd's second queue would have to be ready with a size */
	expect_refused("vdev queues 2", p + offsetof(struct mig_vdev, nr_queues), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u32 = 24;
	expect_refused("vdev dev_len", p + offsetof(struct mig_vdev, dev_len), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u32 = 384; /* not a power of two */
	expect_refused("queue num", q0 + offsetof(struct mig_vdev_queue, num), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u32 = 2048;
	expect_refused("queue num max", q0 + offsetof(struct mig_vdev_queue, num), MIG_REC_VDEV, 0, &u32, 4,
		       -EBADMSG);
	u64 = 0x10008;
	expect_refused("queue desc", q0 + offsetof(struct mig_vdev_queue, desc), MIG_REC_VDEV, 0, &u64, 8,
		       -EBADMSG);
	u8 = 2;
	expect_refused("queue ready", q0 + offsetof(struct mig_vdev_queue, ready), MIG_REC_VDEV, 0, &u8, 1,
		       -EBADMSG);
	u8 = 0; /* not ready, but indices left */
	expect_refused("queue unready", q0 + offsetof(struct mig_vdev_queue, ready), MIG_REC_VDEV, 0, &u8, 1,
		       -EBADMSG);
	u8 = 2;
	expect_refused("vbd ro", vbd + offsetof(struct mig_vbd, readonly), MIG_REC_VDEV, 0, &u8, 1, -EBADMSG);
	expect_refused("vbd serial", vbd + offsetof(struct mig_vbd, serial), MIG_REC_VDEV, 0, "\x01", 1,
		       -EBADMSG);
	expect_refused("vbd serial pad", vbd + offsetof(struct mig_vbd, serial) + 10, MIG_REC_VDEV, 0, "x", 1,
		       -EBADMSG);
	u8 = 1; /* a multicast MAC */
	expect_refused("vif mac", vif + offsetof(struct mig_vif, mac), MIG_REC_VDEV, 1, &u8, 1, -EBADMSG);
	u32 = 67;
	expect_refused("vif mtu", vif + offsetof(struct mig_vif, mtu), MIG_REC_VDEV, 1, &u32, 4, -EBADMSG);
	u64 = 1; /* more budget left than there is */
	expect_refused("vif rate", vif + offsetof(struct mig_vif, rate_left), MIG_REC_VDEV, 1, &u64, 8,
		       -EBADMSG);
	u32 = 0; /* the vif claims to be device 0 again */
	expect_refused("vdev dup", 4, MIG_REC_VDEV, 1, &u32, 4, -EBADMSG);
	u32 = MIG_VDEV_MAX;
	expect_refused("vdev inst", 4, MIG_REC_VDEV, 1, &u32, 4, -EBADMSG);
}

/* A callback's error stops the read and is what it returns. */
static int refuse_header(void *o, const struct mig_header *h)
{
	(void)o, (void)h;
	return -ENOMEM;
}

static void test_callback_error(void)
{
	size_t len;
	uint8_t *buf = make_stream(&len);
	struct mig_reader_ops ops = sink_ops;
	struct mig_source src;
	struct sink s = {0};

	ops.header = refuse_header;
	mig_source_buf(&src, buf, len);
	CHECK_INT(mig_read(&src, &ops, &s), -ENOMEM);
	CHECK(!s.end);
	free(buf);
}

/* From an fd (a pipe gives short reads), the same as from a buffer. */
static void test_fd(void)
{
	size_t len;
	uint8_t *buf = make_stream(&len);
	struct mig_source src;
	struct sink s = {0};
	int p[2];
	pid_t pid;

	CHECK_INT(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (size_t off = 0; off < len; off += 1000)
			if (write(p[1], buf + off, len - off < 1000 ? len - off : 1000) < 0)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	mig_source_fd(&src, p[0]);
	CHECK_INT(mig_read(&src, &sink_ops, &s), 0);
	CHECK(s.end && !memcmp(s.ram, src_ram, MEM));
	CHECK_INT(src.pos, len);
	close(p[0]);
	free(buf);
}

static int child_status(pid_t pid)
{
	int st = -1;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Through a pipe both ways a migration goes: the writer gives the frames'
 * data by reference (vmsplice), the reader splices it into a shmem file
 * whose mapping is the RAM (mig_source.sink_fd); the rest is copied.
 */
static void test_splice(void)
{
	struct mig_source src;
	struct sink s = {0};
	int p[2], ram_fd = memfd_create("ram", 0);
	uint8_t *ram;
	pid_t pid;

	CHECK_INT(ftruncate(ram_fd, MEM), 0);
	ram = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd, 0);
	CHECK(ram != MAP_FAILED);
	CHECK_INT(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		write_stream(p[1], 1);
		_exit(unit_failed_checks != 0);
	}
	close(p[1]);
	sink_ram = ram;
	mig_source_fd(&src, p[0]);
	src.sink_fd = ram_fd;
	src.sink_base = ram;
	CHECK_INT(mig_read(&src, &sink_ops, &s), 0);
	sink_ram = NULL;
	CHECK_INT(src.spliced, 1);
	CHECK(s.end && !memcmp(ram, src_ram, MEM));
	CHECK_INT(s.records[MIG_REC_VDEV], 2);
	CHECK_INT(child_status(pid), 0);
	/* From a file there is nothing to splice: read, as before. */
	int file = memfd_create("stream", 0);
	uint64_t len = write_stream(file, 1); /* (not a pipe: written, the flag notwithstanding) */

	CHECK(lseek(file, 0, SEEK_SET) == 0);
	memset(ram, 0, MEM);
	mig_source_fd(&src, file);
	src.sink_fd = ram_fd;
	src.sink_base = ram;
	sink_ram = ram;
	CHECK_INT(mig_read(&src, &sink_ops, &s), 0);
	sink_ram = NULL;
	CHECK_INT(src.spliced, -1);
	CHECK_INT(src.pos, len);
	CHECK(!memcmp(ram, src_ram, MEM));
	close(file);
	close(p[0]);
	munmap(ram, MEM);
	close(ram_fd);
}

/* The bytes of src_ram's frames that are not all zeros. */
static uint64_t data_bytes(void)
{
	static const uint8_t zero[MIG_PAGE_SIZE];
	uint64_t n = 0;

	for (uint64_t f = 0; f < PAGES; f++)
		n += memcmp(src_ram + f * MIG_PAGE_SIZE, zero, MIG_PAGE_SIZE) ? MIG_PAGE_SIZE : 0;
	return n;
}

/* The whole file read through the page cache (so that it holds all of it). */
static void cache_file(int fd)
{
	static uint8_t buf[1 << 16];

	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * A save file on a disk (/var/tmp): the writer pads large PAGES records so
 * that their data starts at a multiple of 4 KiB, and the reader reads it
 * with O_DIRECT straight into the (page-aligned) RAM while the page cache
 * has none of the file, from the page cache once it has it all; the RAM is
 * the same either way.
 */
static void test_direct(void)
{
	char path[] = "/var/tmp/xenon-migstream-test.XXXXXX";
	int fd = mkstemp(path);
	uint8_t *ram = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mig_source src;
	struct sink s;
	uint64_t len;

	CHECK(fd >= 0 && ram != MAP_FAILED);
	unlink(path);
	len = write_stream(fd, 0);
	CHECK_INT(fsync(fd), 0);
	CHECK_INT(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	for (int cached = 0; cached < 2; cached++) {
		CHECK(lseek(fd, 0, SEEK_SET) == 0);
		memset(ram, 0, MEM);
		memset(&s, 0, sizeof(s));
		sink_ram = ram;
		mig_source_fd(&src, fd);
		mig_source_plan_direct(&src);
		CHECK_INT(mig_read(&src, &sink_ops, &s), 0);
		sink_ram = NULL;
		CHECK_INT(src.pos, len);
		CHECK(s.end && !memcmp(ram, src_ram, MEM));
		CHECK_INT(src.direct, cached ? -1 : 1);
		if (cached)
			CHECK_INT(src.direct_bytes, 0);
		else /* most frames' data from the disk (DONTNEED may leave a record's pages that
		      * another CPU's LRU batch still held; the headers were read through the cache) */
			CHECK(src.direct_bytes >= data_bytes() / 2);
		cache_file(fd);
	}
	munmap(ram, MEM);
	close(fd);
}

static void test_layout(void)
{
	uint64_t off, mem = 5ULL << 30;

	CHECK_INT(mig_pfn_offset(mem, 0, &off), 0);
	CHECK_INT(off, 0);
	CHECK_INT(mig_pfn_offset(mem, (3ULL << 30) / 4096, &off), -ERANGE);
	CHECK_INT(mig_pfn_offset(mem, (4ULL << 30) / 4096, &off), 0);
	CHECK_INT(off, 3ULL << 30);
	CHECK_INT(mig_pfn_offset(mem, (6ULL << 30) / 4096 - 1, &off), 0);
	CHECK_INT(off, mem - 4096);
	CHECK_INT(mig_pfn_offset(mem, (6ULL << 30) / 4096, &off), -ERANGE);
	CHECK_INT(mig_nr_frames(mem), mem / 4096);
	CHECK_INT(mig_frame_pfn(mem, (3ULL << 30) / 4096), (4ULL << 30) / 4096);
	CHECK_INT(mig_frame_pfn(mem, 5), 5);
}

/* Header and records are held until pages or the end go out: one write for the paused state. */
static void test_records_held(void)
{
	struct mig_header h = {.nr_vcpus = 1, .platform = 1, .mem_bytes = MIG_MIN_MEM, .vcpus_online = 1};
	static uint8_t page[MIG_PAGE_SIZE] = {7}, big[MIG_HOLD_MAX];
	uint64_t pfn = 0x100;
	const void *data = page;
	struct mig_writer w;
	int fd = memfd_create("held", 0);
	size_t len;

	mig_writer_init(&w, fd);
	CHECK_INT(mig_write_header(&w, &h), 0);
	CHECK_INT(lseek(fd, 0, SEEK_END), 0);
	/* the pages take the header with them, in the same write */
	CHECK_INT(mig_write_pages(&w, &pfn, &data, 1), 0);
	CHECK_INT(lseek(fd, 0, SEEK_END), (off_t)w.bytes);
	len = w.bytes;
	write_vcpu(&w, 0);
	CHECK_INT(mig_write_record(&w, MIG_REC_CONSOLE, 0, "hi", 2, NULL, 0), 0);
	CHECK_INT(w.bytes, len);
	/* a record too large to hold goes out at once, after what was held */
	CHECK_INT(mig_write_record(&w, MIG_REC_CONSOLE, 1, big, sizeof(big), NULL, 0), 0);
	CHECK(w.bytes > len + sizeof(big) && w.held_len == 0);
	CHECK_INT(mig_write_record(&w, MIG_REC_CONSOLE, 2, "x", 1, NULL, 0), 0);
	CHECK(w.held_len > 0);
	/* records another writer only held (a vCPU's own, fd -1) go behind, as they were */
	{
		struct mig_writer v;
		size_t before = w.held_len, vlen;

		mig_writer_init(&v, -1);
		CHECK_INT(mig_write_record(&v, MIG_REC_CONSOLE, 3, "yz", 2, NULL, 0), 0);
		vlen = v.held_len;
		CHECK_INT(v.bytes, 0);
		CHECK_INT(mig_write_held(&w, &v), 0);
		CHECK(v.held == NULL && v.held_len == 0);
		CHECK_INT(w.held_len, before + vlen);
		CHECK(!memcmp(w.held + before + sizeof(struct mig_rec), "yz", 2));
	}
	CHECK_INT(mig_write_end(&w), 0);
	CHECK(w.held == NULL && w.held_len == 0);
	/* all of it written, in order (test_round_trip reads such a stream back) */
	CHECK_INT(lseek(fd, 0, SEEK_END), (off_t)w.bytes);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--seed")) { /* a seed for tests/fuzz/hv-migstream-fuzz/ */
		FILE *f = fopen(argv[2], "w");

		return !f || write_small(fileno(f), NULL) || fclose(f) || unit_failed_checks;
	}
	log_init("hv_migstream-test");
	log_set_file(fopen("/dev/null", "w"));
	RUN(test_round_trip);
	RUN(test_truncated);
	RUN(test_corrupt);
	RUN(test_pad);
	RUN(test_vdev_corrupt);
	RUN(test_plan_corrupt);
	RUN(test_plan_late);
	RUN(test_callback_error);
	RUN(test_fd);
	RUN(test_splice);
	RUN(test_direct);
	RUN(test_layout);
	RUN(test_records_held);
	return unit_done();
}
