/* The virtio core's guest memory access and split virtqueues, driven by a
 * fake driver over a malloc'd "guest RAM", honest and hostile. */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hypervisor/virtq.h"
#include "unit.h"

#define RAM_SIZE 0x10000
#define DESC	 0x1000
#define AVAIL	 0x2000
#define USED	 0x3000
#define BUF	 0x8000
#define QSIZE	 8

static uint8_t *ram;
static struct gmem mem;
static struct virtq vq;
static struct virtq_buf bufs[VIRTQ_MAX_SIZE];
static struct virtq_chain chain;
static int broken_calls;

static void on_broken(void *opaque, struct virtq *q)
{
	CHECK(opaque == &mem);
	CHECK(q == &vq);
	broken_calls++;
}

/* ---- the fake driver ---- */

static void put16(uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(ram + gpa, &v, 2);
}

static void put32(uint64_t gpa, uint32_t v)
{
	v = htole32(v);
	memcpy(ram + gpa, &v, 4);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram + gpa, 2);
	return le16toh(v);
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, 4);
	return le32toh(v);
}

/* A descriptor at table + 16 * i. */
static void desc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t a = htole64(addr);
	uint64_t at = table + 16ULL * i;

	memcpy(ram + at, &a, 8);
	put32(at + 8, len);
	put16(at + 12, flags);
	put16(at + 14, next);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_at(DESC, i, addr, len, flags, next);
}

/* Make head available in the next ring slot and publish it. */
static void post(uint16_t head)
{
	uint16_t idx = get16(AVAIL + 2);

	put16(AVAIL + 4 + 2 * (idx % QSIZE), head);
	put16(AVAIL + 2, idx + 1);
}

static struct virtq_cfg cfg(uint16_t size, bool event_idx, bool indirect)
{
	return (struct virtq_cfg){.size = size,
				  .desc = DESC,
				  .avail = AVAIL,
				  .used = USED,
				  .event_idx = event_idx,
				  .indirect = indirect};
}

static void setup_with(bool event_idx, bool indirect)
{
	struct virtq_cfg c = cfg(QSIZE, event_idx, indirect);

	if (!ram)
		ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(&mem, 0, sizeof(mem));
	CHECK_INT(gmem_add(&mem, 0, RAM_SIZE, ram), 0);
	memset(&vq, 0, sizeof(vq));
	vq.on_broken = on_broken;
	vq.opaque = &mem;
	virtq_reset(&vq);
	broken_calls = 0;
	CHECK_INT(virtq_enable(&vq, &mem, &c), 0);
}

static void setup(void)
{
	setup_with(false, true);
}

/* The next pop must break the queue, exactly once. */
static void expect_broken(void)
{
	CHECK_INT(virtq_pop(&vq, bufs, VIRTQ_MAX_SIZE, &chain), -EIO);
	CHECK(virtq_is_broken(&vq));
	CHECK_INT(broken_calls, 1);
	CHECK_INT(virtq_pop(&vq, bufs, VIRTQ_MAX_SIZE, &chain), -EIO);
	CHECK_INT(broken_calls, 1);
	CHECK_INT(get16(USED + 2), 0); /* nothing was used */
}

/* ---- guest memory ---- */

static void test_gmem_bounds(void)
{
	setup();
	CHECK(gmem_ptr(&mem, 0, RAM_SIZE) == ram);
	CHECK(gmem_ptr(&mem, 0x100, 0x10) == ram + 0x100);
	CHECK(gmem_ptr(&mem, RAM_SIZE - 1, 1) == ram + RAM_SIZE - 1);
	CHECK(gmem_ptr(&mem, RAM_SIZE, 0) == ram + RAM_SIZE);
	CHECK(gmem_ptr(&mem, RAM_SIZE - 1, 2) == NULL);
	CHECK(gmem_ptr(&mem, RAM_SIZE, 1) == NULL);
	CHECK(gmem_ptr(&mem, 0, RAM_SIZE + 1) == NULL);
	CHECK(gmem_ptr(&mem, RAM_SIZE + 1, 0) == NULL);
	/* gpa + len wraps to a small number: must not pass. */
	CHECK(gmem_ptr(&mem, UINT64_MAX - 1, 4) == NULL);
	CHECK(gmem_ptr(&mem, 0x10, UINT64_MAX) == NULL);
	CHECK(gmem_ptr(&mem, UINT64_MAX, UINT64_MAX) == NULL);
}

static void test_gmem_regions(void)
{
	static uint8_t high[4096] __attribute__((aligned(16)));
	struct gmem m = {0};

	setup();
	CHECK_INT(gmem_add(&m, 0, RAM_SIZE, ram), 0);
	CHECK_INT(gmem_add(&m, 0x100000000ULL, sizeof(high), high), 0);
	CHECK(gmem_ptr(&m, 0x100000010ULL, 16) == high + 16);
	CHECK(gmem_ptr(&m, RAM_SIZE, 16) == NULL);		/* the gap */
	CHECK(gmem_ptr(&m, RAM_SIZE - 8, 16) == NULL);		/* across the gap */
	CHECK(gmem_ptr(&m, 0x100000000ULL - 8, 16) == NULL);	/* into the region from below */
	CHECK(gmem_ptr(&m, 0x100000000ULL + 4090, 16) == NULL); /* past its end */
	CHECK_INT(gmem_add(&m, 0x100000800ULL, 16, high), -EEXIST);
	CHECK_INT(gmem_add(&m, 0x200000000ULL, 16, high + 1), -EINVAL); /* misaligned host */
	CHECK_INT(gmem_add(&m, UINT64_MAX - 15, 16, high), -EINVAL);	/* end not representable */
	CHECK_INT(gmem_add(&m, 0x300000000ULL, 0, high), -EINVAL);
	CHECK_INT(gmem_add(&m, 0x400000000ULL, 16, high), 0);
	CHECK_INT(gmem_add(&m, 0x500000000ULL, 16, high), 0);
	CHECK_INT(gmem_add(&m, 0x600000000ULL, 16, high), -EINVAL); /* full */
}

/* ---- queue setup ---- */

static void test_cfg_checks(void)
{
	struct virtq_cfg c;

	setup();
	virtq_reset(&vq);
	CHECK(!vq.ready);
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 0); /* not ready: nothing */
	c = cfg(0, 0, 0);
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EINVAL);
	c = cfg(3, 0, 0);
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EINVAL);
	c = cfg(2048, 0, 0);
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EINVAL);
	c = cfg(1024, 0, 0);
	CHECK_INT(virtq_check_cfg(&mem, &c), 0);
	c.used = RAM_SIZE - 0x1000; /* 8 KiB of used ring in the last 4 KiB */
	CHECK_INT(virtq_check_cfg(&mem, &c), -EFAULT);
	c = cfg(QSIZE, 0, 0);
	c.desc = DESC + 8;
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EINVAL);
	c = cfg(QSIZE, 0, 0);
	c.avail = AVAIL + 1;
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EINVAL);
	c = cfg(QSIZE, 0, 0);
	c.used = USED + 2;
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EINVAL);
	c = cfg(QSIZE, 0, 0);
	c.used = RAM_SIZE - 16; /* starts inside, ends outside */
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EFAULT);
	c = cfg(QSIZE, 0, 0);
	c.desc = 0xfffffffffffffff0ULL;
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EFAULT);
	c = cfg(QSIZE, 0, 0);
	c.avail = RAM_SIZE;
	CHECK_INT(virtq_enable(&vq, &mem, &c), -EFAULT);
	CHECK(!vq.ready);
	c = cfg(1, 0, 0);
	CHECK_INT(virtq_enable(&vq, &mem, &c), 0);
	CHECK(vq.ready);
}

/* ---- the honest driver ---- */

static void test_happy_path(void)
{
	setup();
	memcpy(ram + BUF, "request", 7);
	desc(0, BUF, 7, VIRTQ_DESC_F_NEXT, 5);
	desc(5, BUF + 0x100, 64, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF + 0x200, 1, VIRTQ_DESC_F_WRITE, 0);
	desc(3, BUF + 0x300, 16, 0, 0);
	post(0);
	post(3);
	CHECK(virtq_has_avail(&vq));

	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 1);
	CHECK_INT(chain.head, 0);
	CHECK_INT(chain.n, 3);
	CHECK_INT(chain.n_readable, 1);
	CHECK_INT(chain.readable_len, 7);
	CHECK_INT(chain.writable_len, 65);
	CHECK(bufs[0].host == ram + BUF && !bufs[0].writable && bufs[0].len == 7);
	CHECK(!memcmp(bufs[0].host, "request", 7));
	CHECK(bufs[1].host == ram + BUF + 0x100 && bufs[1].writable && bufs[1].gpa == BUF + 0x100);
	CHECK(bufs[2].host == ram + BUF + 0x200 && bufs[2].writable && bufs[2].len == 1);
	memcpy(bufs[1].host, "reply", 5);
	CHECK_INT(virtq_push(&vq, &chain, 5), 0);
	CHECK_INT(get16(USED + 2), 1);
	CHECK_INT(get32(USED + 4), 0);
	CHECK_INT(get32(USED + 8), 5);

	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 1);
	CHECK_INT(chain.head, 3);
	CHECK_INT(chain.n, 1);
	CHECK_INT(chain.writable_len, 0);
	CHECK_INT(virtq_push(&vq, &chain, 0), 0);
	CHECK_INT(get16(USED + 2), 2);
	CHECK_INT(get32(USED + 12), 3);
	CHECK_INT(get32(USED + 16), 0);

	CHECK(!virtq_has_avail(&vq));
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 0);
	CHECK(!virtq_is_broken(&vq));
	CHECK_INT(broken_calls, 0);
}

/* A chain popped before a live save began, written during it: its
 * written pages are marked when it is pushed, only those (a NIC's held rx
 * chain; an audit found them missing from the save). */
static void test_written_during_a_save(void)
{
	uint64_t bits[RAM_SIZE / 4096 / 64 + 1] = {0};

	setup();
	desc(0, BUF, 16, VIRTQ_DESC_F_NEXT, 1); /* readable: not marked */
	desc(1, BUF + 0x1000, 0x1800, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF + 0x3000, 0x1000, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 1);
	virtq_mark_written(&vq, &chain, bufs, 0x1000); /* no save yet: nothing to mark */
	gmem_track(&mem, bits, ram);
	CHECK(bits[0] == 0);
	virtq_mark_written(&vq, &chain, bufs, 0x1001);	/* a packet of 0x1001 bytes */
	CHECK(bits[0] == ((1ULL << 9) | (1ULL << 10))); /* [0x9000, 0xa001) */
	virtq_mark_written(&vq, &chain, bufs, 0x2800);	/* all of it */
	CHECK(bits[0] == ((1ULL << 9) | (1ULL << 10) | (1ULL << 11)));
	CHECK_INT(virtq_push(&vq, &chain, 0x2800), 0);
	gmem_track(&mem, NULL, NULL);
}

static void test_indices_wrap(void)
{
	setup();
	/* Both sides near the 16-bit wrap of their free-running indices. */
	put16(AVAIL + 2, 65534);
	vq.last_avail = 65534;
	vq.used_idx = 65534;
	desc(1, BUF, 4, 0, 0);
	for (int i = 0; i < 4; i++) {
		post(1);
		CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 1);
		CHECK_INT(chain.head, 1);
		CHECK_INT(virtq_push(&vq, &chain, 0), 0);
	}
	CHECK_INT(get16(AVAIL + 2), 2);
	CHECK_INT(get16(USED + 2), 2);
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 0);
	CHECK(!virtq_is_broken(&vq));
}

static void test_full_queue(void)
{
	setup();
	/* QSIZE one-descriptor chains at once: legal. */
	for (int i = 0; i < QSIZE; i++) {
		desc(i, BUF + 16 * i, 16, VIRTQ_DESC_F_WRITE, 0);
		post(i);
	}
	for (int i = 0; i < QSIZE; i++) {
		CHECK_INT(virtq_pop(&vq, bufs, 1, &chain), 1);
		CHECK_INT(chain.head, i);
	}
	CHECK_INT(virtq_pop(&vq, bufs, 1, &chain), 0);
	/* One more while all QSIZE are still out: more chains than descriptors. */
	post(0);
	expect_broken();
}

static void test_indirect(void)
{
	setup();
	desc_at(0x5000, 0, BUF, 10, VIRTQ_DESC_F_NEXT, 1);
	desc_at(0x5000, 1, BUF + 0x100, 20, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	desc_at(0x5000, 2, BUF + 0x200, 30, VIRTQ_DESC_F_WRITE, 0);
	/* The WRITE flag of the pointing descriptor is ignored. */
	desc(4, 0x5000, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	post(4);
	CHECK_INT(virtq_pop(&vq, bufs, 8, &chain), 1);
	CHECK_INT(chain.head, 4);
	CHECK_INT(chain.n, 3);
	CHECK_INT(chain.n_readable, 1);
	CHECK_INT(chain.readable_len, 10);
	CHECK_INT(chain.writable_len, 50);
	CHECK(bufs[2].host == ram + BUF + 0x200);
	CHECK_INT(virtq_push(&vq, &chain, 50), 0);

	/* A table at an odd address, reached from the end of a direct chain. */
	desc_at(0x6003, 0, BUF + 0x300, 8, VIRTQ_DESC_F_WRITE, 0);
	desc(6, BUF, 4, VIRTQ_DESC_F_NEXT, 7);
	desc(7, 0x6003, 16, VIRTQ_DESC_F_INDIRECT, 0);
	post(6);
	CHECK_INT(virtq_pop(&vq, bufs, 8, &chain), 1);
	CHECK_INT(chain.n, 2);
	CHECK(bufs[1].host == ram + BUF + 0x300 && bufs[1].writable);
	CHECK(!virtq_is_broken(&vq));
}

static void test_copy_through_chain(void)
{
	char out[16] = "";
	size_t n;

	setup();
	memcpy(ram + BUF, "hello ", 6);
	memcpy(ram + BUF + 0x100, "world", 5);
	desc(0, BUF, 6, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 0x100, 5, VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF + 0x200, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	desc(3, BUF + 0x300, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 4);
	desc(4, BUF + 0x400, 4, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	CHECK_INT(virtq_pop(&vq, bufs, 8, &chain), 1);
	n = virtq_copy_from(bufs, &chain, 0, out, sizeof(out));
	CHECK_INT(n, 11);
	CHECK(!memcmp(out, "hello world", 11));
	CHECK_INT(virtq_copy_from(bufs, &chain, 4, out, 4), 4);
	CHECK(!memcmp(out, "o wo", 4));
	CHECK_INT(virtq_copy_from(bufs, &chain, 11, out, 4), 0);
	CHECK_INT(virtq_copy_from(bufs, &chain, 1000, out, 4), 0);
	/* Writable part: 3 + 0 + 4 bytes; the copy stops there. */
	CHECK_INT(virtq_copy_to(bufs, &chain, 0, "abcdefghij", 10), 7);
	CHECK(!memcmp(ram + BUF + 0x200, "abc", 3));
	CHECK(!memcmp(ram + BUF + 0x400, "defg", 4));
	CHECK_INT(virtq_copy_to(bufs, &chain, 5, "XY", 2), 2);
	CHECK(!memcmp(ram + BUF + 0x400, "deXY", 4));
	CHECK_INT(ram[BUF + 0x404], 0);
}

/* ---- notifications ---- */

static void test_notify_flags(void)
{
	setup();
	desc(0, BUF, 4, 0, 0);
	post(0);
	CHECK_INT(virtq_pop(&vq, bufs, 1, &chain), 1);
	CHECK_INT(virtq_push(&vq, &chain, 0), 0);
	CHECK(virtq_should_notify(&vq));
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	CHECK(!virtq_should_notify(&vq));

	/* Device-side suppression: used flags NO_NOTIFY while draining. */
	virtq_disable_notify(&vq);
	CHECK_INT(get16(USED), VIRTQ_USED_F_NO_NOTIFY);
	CHECK(!virtq_enable_notify(&vq));
	CHECK_INT(get16(USED), 0);
	virtq_disable_notify(&vq);
	post(0);
	CHECK(virtq_enable_notify(&vq)); /* arrived meanwhile: drain again */
}

static void test_notify_event_idx(void)
{
	setup_with(true, false);
	desc(0, BUF, 4, 0, 0);
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT); /* ignored with EVENT_IDX */
	put16(AVAIL + 4 + 2 * QSIZE, 2);	  /* used_event: interrupt once idx passes 2 */
	for (int i = 0; i < 4; i++) {
		post(0);
		CHECK_INT(virtq_pop(&vq, bufs, 1, &chain), 1);
		CHECK_INT(get16(USED + 4 + 8 * QSIZE), i + 1); /* avail_event follows */
		CHECK_INT(virtq_push(&vq, &chain, 0), 0);
		/* First check always notifies; then only when used idx goes 2 -> 3. */
		CHECK_INT(virtq_should_notify(&vq), i == 0 || i == 2);
	}
	/* Nothing new pushed: nothing to notify. */
	CHECK(!virtq_should_notify(&vq));

	/* Disabled: avail_event stops moving; enabled: it catches up. */
	virtq_disable_notify(&vq);
	post(0);
	CHECK_INT(virtq_pop(&vq, bufs, 1, &chain), 1);
	CHECK_INT(get16(USED + 4 + 8 * QSIZE), 4);
	CHECK(!virtq_enable_notify(&vq));
	CHECK_INT(get16(USED + 4 + 8 * QSIZE), 5);
	CHECK_INT(get16(USED), 0); /* flags untouched with EVENT_IDX */
}

/* ---- the hostile driver: each case breaks the queue, touches nothing ---- */

static void test_avail_idx_runs_ahead(void)
{
	setup();
	desc(0, BUF, 4, 0, 0);
	put16(AVAIL + 2, QSIZE + 1);
	CHECK(!virtq_has_avail(&vq));
	CHECK(virtq_is_broken(&vq));
	CHECK_INT(broken_calls, 1);
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), -EIO);
}

static void test_avail_idx_goes_back(void)
{
	setup();
	put16(AVAIL + 2, 0xffff); /* 65535 ahead of 0, i.e. one behind */
	expect_broken();
}

static void test_bad_head(void)
{
	setup();
	post(QSIZE);
	expect_broken();
}

static void test_bad_next(void)
{
	setup();
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, QSIZE);
	post(0);
	expect_broken();
}

static void test_self_loop(void)
{
	setup();
	desc(3, BUF, 4, VIRTQ_DESC_F_NEXT, 3);
	post(3);
	expect_broken();
}

static void test_long_loop(void)
{
	setup();
	for (int i = 0; i < QSIZE; i++)
		desc(i, BUF, 4, VIRTQ_DESC_F_NEXT, (i + 1) % QSIZE);
	post(0);
	expect_broken();
}

static void test_chain_over_cap(void)
{
	setup();
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF, 4, 0, 0);
	post(0);
	CHECK_INT(virtq_pop(&vq, bufs, 2, &chain), -EIO);
	CHECK(virtq_is_broken(&vq));
}

static void test_readable_after_writable(void)
{
	setup();
	desc(0, BUF, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 16, 4, 0, 0);
	post(0);
	expect_broken();
}

static void test_buffer_outside_ram(void)
{
	setup();
	desc(0, RAM_SIZE, 1, 0, 0);
	post(0);
	expect_broken();
}

static void test_buffer_straddles_end(void)
{
	setup();
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc(1, RAM_SIZE - 4, 8, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	expect_broken();
}

static void test_buffer_gpa_len_wraps(void)
{
	setup();
	desc(0, UINT64_MAX - 0xf, 0x20, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	expect_broken();
}

/* Two 3 GiB buffers: each inside "RAM" (a reserved, never touched mapping),
 * together over the 4 GiB a chain may hold. */
static void test_total_length_overflow(void)
{
	uint64_t big = 3ULL << 30;
	void *p = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	setup();
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK_INT(gmem_add(&mem, 1ULL << 32, big, p), 0);
	desc(0, 1ULL << 32, (uint32_t)big, VIRTQ_DESC_F_NEXT, 1);
	desc(1, 1ULL << 32, (uint32_t)big, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	expect_broken();
	munmap(p, big);
}

static void test_indirect_not_negotiated(void)
{
	setup_with(false, false);
	desc_at(0x5000, 0, BUF, 4, 0, 0);
	desc(0, 0x5000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_broken();
}

static void test_indirect_nested(void)
{
	setup();
	desc_at(0x5000, 0, 0x5000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc(0, 0x5000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_broken();
}

static void test_indirect_with_next(void)
{
	setup();
	desc_at(0x5000, 0, BUF, 4, 0, 0);
	desc(0, 0x5000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 4, 0, 0);
	post(0);
	expect_broken();
}

static void test_indirect_bad_len(void)
{
	static const uint32_t lens[] = {0, 8, 24, 16 * QSIZE + 16};

	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		setup();
		desc(0, 0x5000, lens[i], VIRTQ_DESC_F_INDIRECT, 0);
		post(0);
		expect_broken();
	}
}

static void test_indirect_outside_ram(void)
{
	setup();
	desc(0, RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_broken();
}

static void test_indirect_bad_next(void)
{
	setup();
	desc_at(0x5000, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 2); /* table of 2 entries */
	desc(0, 0x5000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_broken();
}

static void test_indirect_loop(void)
{
	setup();
	desc_at(0x5000, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc_at(0x5000, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
	desc(0, 0x5000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_broken();
}

static void test_indirect_buffer_outside_ram(void)
{
	setup();
	desc_at(0x5000, 0, RAM_SIZE + 0x1000, 4, 0, 0);
	desc(0, 0x5000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_broken();
}

static void test_indirect_readable_after_writable(void)
{
	setup();
	desc_at(0x5000, 0, BUF, 4, 0, 0);
	desc(0, BUF, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, 0x5000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_broken();
}

/* A direct chain of QSIZE plus an indirect table: longer than the queue. */
static void test_chain_longer_than_queue(void)
{
	setup();
	for (int i = 0; i < QSIZE - 1; i++)
		desc(i, BUF, 4, VIRTQ_DESC_F_NEXT, i + 1);
	desc(QSIZE - 1, 0x5000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(0x5000, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc_at(0x5000, 1, BUF, 4, 0, 0);
	post(0);
	expect_broken();
}

static void test_broken_until_reset(void)
{
	struct virtq_cfg c = cfg(QSIZE, false, true);

	setup();
	post(QSIZE); /* bad head */
	expect_broken();
	/* Fixing the ring does not help: the device needs a reset. */
	put16(AVAIL + 4, 0);
	desc(0, BUF, 4, 0, 0);
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), -EIO);
	CHECK_INT(virtq_push(&vq, &chain, 0), -EIO);
	CHECK(!virtq_should_notify(&vq));
	virtq_reset(&vq);
	CHECK(!virtq_is_broken(&vq));
	CHECK(vq.on_broken == on_broken && vq.opaque == &mem);
	memset(ram + AVAIL, 0, 0x1000);
	CHECK_INT(virtq_enable(&vq, &mem, &c), 0);
	post(0);
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 1);
}

static void test_device_push_errors(void)
{
	struct virtq_chain fake = {.head = 0};

	setup();
	CHECK_INT(virtq_push(&vq, &fake, 0), -EINVAL); /* nothing popped */
	desc(0, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	CHECK_INT(virtq_pop(&vq, bufs, 4, &chain), 1);
	CHECK_INT(virtq_push(&vq, &chain, 5), -EINVAL); /* more than writable */
	fake.head = QSIZE;
	CHECK_INT(virtq_push(&vq, &fake, 0), -EINVAL);
	CHECK_INT(virtq_push(&vq, &chain, 4), 0);
	CHECK(!virtq_is_broken(&vq));
}

/* ---- a guest that rewrites its rings while the device reads them ---- */

static atomic_bool scribbling;
static atomic_uint scribbles;

/* Another "vCPU": descriptors that are valid one moment and point just past
 * the end of RAM the next, heads and nexts in and out of range, flags
 * flipping. A check-then-use on guest memory read twice would let one
 * through; ASan (the .san build) would then see the access past RAM. */
static void *scribbler(void *arg)
{
	unsigned seed = 1;

	(void)arg;
	while (atomic_load_explicit(&scribbling, memory_order_relaxed)) {
		unsigned r = rand_r(&seed), i = r % QSIZE;
		uint64_t at = (r & 0x100) ? DESC + 16 * i : 0x5000 + 16 * (i % 4);
		uint32_t len = (r >> 9) % 64;

		__atomic_store_n((uint64_t *)(ram + at), htole64(RAM_SIZE - 32), __ATOMIC_RELAXED);
		__atomic_store_n((uint32_t *)(ram + at + 8), htole32(len), __ATOMIC_RELAXED);
		__atomic_store_n((uint16_t *)(ram + at + 12), htole16((r >> 16) & 7), __ATOMIC_RELAXED);
		__atomic_store_n((uint16_t *)(ram + at + 14), htole16((r >> 20) % (QSIZE + 2)),
				 __ATOMIC_RELAXED);
		if (r & 0x200) /* an indirect table descriptor */
			__atomic_store_n((uint64_t *)(ram + DESC + 16 * i), htole64(0x5000),
					 __ATOMIC_RELAXED);
		__atomic_store_n((uint16_t *)(ram + AVAIL + 4 + 2 * (r % QSIZE)),
				 htole16((r >> 4) % (QSIZE + 1)), __ATOMIC_RELAXED);
		atomic_fetch_add_explicit(&scribbles, 1, memory_order_relaxed);
	}
	return NULL;
}

static void test_concurrent_rewrites(void)
{
	struct virtq_cfg c = cfg(QSIZE, true, true);
	unsigned popped = 0, broke = 0;
	pthread_t t;

	setup();
	atomic_store(&scribbling, true);
	atomic_store(&scribbles, 0);
	CHECK_INT(pthread_create(&t, NULL, scribbler, NULL), 0);
	/* Until both outcomes were seen often, however the threads get
	 * scheduled (bounded, so a scheduler that starves one side fails). */
	for (unsigned i = 0; i < 50000000 && (popped < 20000 || broke < 20000); i++) {
		int rc;

		/* The driver keeps one chain available. */
		__atomic_store_n((uint16_t *)(ram + AVAIL + 2), htole16(vq.last_avail + 1), __ATOMIC_RELEASE);
		rc = virtq_pop(&vq, bufs, VIRTQ_MAX_SIZE, &chain);
		if (rc > 0) {
			popped++;
			for (unsigned b = 0; b < chain.n; b++)
				if (bufs[b].writable)
					memset(bufs[b].host, 0, bufs[b].len);
				else
					CHECK(bufs[b].host + bufs[b].len <= ram + RAM_SIZE);
			CHECK_INT(virtq_push(&vq, &chain, chain.writable_len), 0);
			virtq_should_notify(&vq);
		} else if (rc < 0) {
			broke++;
			virtq_reset(&vq);
			memset(ram + USED, 0, 0x100);
			CHECK_INT(virtq_enable(&vq, &mem, &c), 0);
		}
	}
	atomic_store(&scribbling, false);
	pthread_join(t, NULL);
	printf("# %u chains popped, %u broken queues, %u rewrites\n", popped, broke, atomic_load(&scribbles));
	CHECK(popped >= 20000 && broke >= 20000);
}

int main(void)
{
	RUN(test_gmem_bounds);
	RUN(test_gmem_regions);
	RUN(test_cfg_checks);
	RUN(test_happy_path);
	RUN(test_written_during_a_save);
	RUN(test_indices_wrap);
	RUN(test_full_queue);
	RUN(test_indirect);
	RUN(test_copy_through_chain);
	RUN(test_notify_flags);
	RUN(test_notify_event_idx);
	RUN(test_avail_idx_runs_ahead);
	RUN(test_avail_idx_goes_back);
	RUN(test_bad_head);
	RUN(test_bad_next);
	RUN(test_self_loop);
	RUN(test_long_loop);
	RUN(test_chain_over_cap);
	RUN(test_readable_after_writable);
	RUN(test_buffer_outside_ram);
	RUN(test_buffer_straddles_end);
	RUN(test_buffer_gpa_len_wraps);
	RUN(test_total_length_overflow);
	RUN(test_indirect_not_negotiated);
	RUN(test_indirect_nested);
	RUN(test_indirect_with_next);
	RUN(test_indirect_bad_len);
	RUN(test_indirect_outside_ram);
	RUN(test_indirect_bad_next);
	RUN(test_indirect_loop);
	RUN(test_indirect_buffer_outside_ram);
	RUN(test_indirect_readable_after_writable);
	RUN(test_chain_longer_than_queue);
	RUN(test_broken_until_reset);
	RUN(test_device_push_errors);
	RUN(test_concurrent_rewrites);
	free(ram);
	return unit_done();
}
