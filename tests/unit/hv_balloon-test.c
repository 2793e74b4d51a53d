/* hypervisor/balloon_core.c: a guest's balloon requests checked, runs released, limit, saved state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/balloon_core.h"
#include "unit.h"

#define MIB	     (1ULL << 20)
#define FLOOR	     0x200 /* 2 MiB: boot pages and the kernel image below */
#define MAX_RELEASES 64

/* What the release function was asked for. */
static struct {
	uint64_t off[MAX_RELEASES], len[MAX_RELEASES];
	unsigned n;
	int fail;
} rel;

static int record(void *ctx, uint64_t off, uint64_t len)
{
	(void)ctx;
	if (rel.fail)
		return rel.fail;
	if (rel.n < MAX_RELEASES) {
		rel.off[rel.n] = off;
		rel.len[rel.n] = len;
	}
	rel.n++;
	return 0;
}

static struct xenon_balloon_req *make(uint32_t op, unsigned n, uint64_t first, int64_t step)
{
	static struct xenon_balloon_req r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.count = n;
	for (unsigned i = 0; i < n && i < XENON_BALLOON_MAX_PFNS; i++)
		r.pfn[i] = first + (uint64_t)((int64_t)i * step);
	return &r;
}

static int apply(struct hv_balloon *b, struct xenon_balloon_req *r, uint32_t *done)
{
	memset(&rel, 0, sizeof(rel));
	return hv_balloon_apply(b, r, 1, record, NULL, done);
}

/* Adjacent frames, up or down, go to the host as one run each. */
static void test_release_runs(void)
{
	struct hv_balloon b;
	uint32_t done;

	CHECK_INT(hv_balloon_init(&b, 64 * MIB, FLOOR), 0);
	CHECK_INT(hv_balloon_current(&b), 16384);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 100, 0x3fff, -1), &done), 0);
	CHECK_INT(done, 100);
	CHECK_INT(rel.n, 1);
	CHECK_INT(rel.off[0], (0x3fffULL - 99) * 4096);
	CHECK_INT(rel.len[0], 100 * 4096);
	CHECK_INT(hv_balloon_current(&b), 16384 - 100);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 10, 0x1000, 2), &done), 0);
	CHECK_INT(rel.n, 10);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RECLAIM, 110, 0x3fff, -1), &done), -EINVAL);
	CHECK_INT(done, 100); /* the 101st was never released */
	CHECK_INT(rel.n, 0);  /* reclaiming releases nothing */
	CHECK_INT(hv_balloon_current(&b), 16384 - 10);
	hv_balloon_fini(&b);
}

/* RAM in 2 MiB pages (the hugetlb pool): a page counts whole while any of its frames is held. */
static void test_held_in_units(void)
{
	struct hv_balloon b;
	uint32_t done;

	CHECK_INT(hv_balloon_init(&b, 64 * MIB, FLOOR), 0);
	CHECK_INT(hv_balloon_held_in_units(&b, 512), 16384);
	CHECK_INT(hv_balloon_held_in_units(&b, 1), hv_balloon_current(&b));
	/* 100 frames of the last page: it is still held, whole */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 100, 0x3fff, -1), &done), 0);
	CHECK_INT(hv_balloon_held_in_units(&b, 512), 16384);
	CHECK_INT(hv_balloon_held_in_units(&b, 1), 16384 - 100);
	/* a whole page (frames 0x2000-0x21ff, in two requests): given back */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 256, 0x2000, 1), &done), 0);
	CHECK_INT(hv_balloon_held_in_units(&b, 512), 16384);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 256, 0x2100, 1), &done), 0);
	CHECK_INT(hv_balloon_held_in_units(&b, 512), 16384 - 512);
	CHECK_INT(hv_balloon_all_released(&b, 0x2000, 512), 1);
	CHECK_INT(hv_balloon_all_released(&b, 0x2000, 513), 0);
	CHECK_INT(hv_balloon_all_released(&b, 0x1fff, 2), 0);
	CHECK_INT(hv_balloon_all_released(&b, 16384, 512), 0); /* past RAM: nothing released there */
	/* the rest of the last page: that one goes too */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 412, 0x3e00, 1), &done), 0);
	CHECK_INT(hv_balloon_held_in_units(&b, 512), 16384 - 1024);
	CHECK_INT(hv_balloon_current(&b), 16384 - 1024);
	/* a frame taken back makes its page held again */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RECLAIM, 1, 0x2001, 1), &done), 0);
	CHECK_INT(hv_balloon_held_in_units(&b, 512), 16384 - 512);
	/* a unit that does not divide the RAM: the last, shorter one ([15872, 16384): all released) */
	CHECK_INT(hv_balloon_held_in_units(&b, 7936), 15872);
	hv_balloon_fini(&b);
}

static uint64_t takes_left, last_take;

static int take_some(void *ctx, uint64_t offset, uint64_t len)
{
	(void)ctx;
	CHECK_INT(len, 4096);
	last_take = offset;
	if (!takes_left)
		return -ENOMEM;
	takes_left--;
	return 0;
}

/* A frame taken back is handed to take first (the pool's page backed); its refusal stops the request. */
static void test_take(void)
{
	struct hv_balloon b;
	uint32_t done;

	CHECK_INT(hv_balloon_init(&b, 64 * MIB, FLOOR), 0);
	b.take = take_some;
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 10, 0x1000, 1), &done), 0);
	takes_left = 3;
	CHECK_INT(apply(&b, make(XENON_BALLOON_RECLAIM, 10, 0x1000, 1), &done), -ENOSPC);
	CHECK_INT(done, 3);
	CHECK_INT(last_take, 0x1003ULL * 4096); /* the fourth was asked, and refused */
	CHECK_INT(hv_balloon_current(&b), 16384 - 7);
	hv_balloon_fini(&b);
}

/* Every released run, given back again: the runs as the bitmap has them,
 * across word edges, the first error stopping it. */
static void test_release_all(void)
{
	struct hv_balloon b;
	uint32_t done;

	CHECK_INT(hv_balloon_init(&b, 64 * MIB, FLOOR), 0);
	memset(&rel, 0, sizeof(rel));
	CHECK_INT(hv_balloon_release_all(&b, record, NULL), 0);
	CHECK_INT(rel.n, 0); /* nothing released: nothing to give back */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 70, 0x1000 - 6, 1), &done), 0); /* across a word */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 1, 0x3fff, 1), &done), 0);	 /* the last frame */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 3, 0x2000, 2), &done), 0);	 /* three apart */
	memset(&rel, 0, sizeof(rel));
	CHECK_INT(hv_balloon_release_all(&b, record, NULL), 0);
	CHECK_INT(rel.n, 5);
	CHECK_INT(rel.off[0], (0x1000ULL - 6) * 4096);
	CHECK_INT(rel.len[0], 70 * 4096);
	CHECK_INT(rel.off[1], 0x2000ULL * 4096);
	CHECK_INT(rel.off[3], 0x2004ULL * 4096);
	CHECK_INT(rel.len[3], 4096);
	CHECK_INT(rel.off[4], 0x3fffULL * 4096);
	memset(&rel, 0, sizeof(rel));
	rel.fail = -EIO;
	CHECK_INT(hv_balloon_release_all(&b, record, NULL), -EIO);
	hv_balloon_fini(&b);
}

/* Every bad frame stops the request there: below the floor, beyond RAM, the request page, twice. */
static void test_bad_frames(void)
{
	struct hv_balloon b;
	uint32_t done;

	hv_balloon_init(&b, 64 * MIB, FLOOR);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 1, FLOOR - 1, 0), &done), -EINVAL);
	CHECK_INT(done, 0);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 1, 0x4000, 0), &done),
		  -EINVAL); /* 64 MiB: past the end */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 1, ~0ULL, 0), &done), -EINVAL);
	CHECK_INT(hv_balloon_apply(&b, make(XENON_BALLOON_RELEASE, 1, 0x300, 0), 0x300, record, NULL, &done),
		  -EINVAL); /* its own request page */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 3, 0x300, 0), &done),
		  -EINVAL); /* the same frame again */
	CHECK_INT(done, 1);
	CHECK_INT(rel.n, 1); /* what was done before the bad frame still reached the host */
	CHECK_INT(apply(&b, make(7, 1, 0x301, 0), &done), -EINVAL);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, XENON_BALLOON_MAX_PFNS + 1, 0x400, 1), &done),
		  -EINVAL);
	CHECK_INT(done, 0);
	CHECK_INT(hv_balloon_current(&b), 16383);
	hv_balloon_fini(&b);
}

/* High RAM (above 3 GiB of RAM) lives at 4 GiB: frames in the hole are refused. */
static void test_high_ram(void)
{
	struct hv_balloon b;
	uint32_t done;

	hv_balloon_init(&b, 3 * 1024 * MIB + 8 * MIB, FLOOR);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 1, 0xd0000, 0), &done),
		  -EINVAL);							     /* 3.25 GiB: the hole */
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 2, 0x100000, 1), &done), 0); /* 4 GiB */
	CHECK_INT(rel.off[0], 3 * 1024 * MIB);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 1, 0x100800, 0), &done), -EINVAL); /* past its end */
	hv_balloon_fini(&b);
}

/* The limit (mem-max) bounds reclaims, never releases; a failed release is reported. */
static void test_limit(void)
{
	struct hv_balloon b;
	uint32_t done;

	hv_balloon_init(&b, 64 * MIB, FLOOR);
	CHECK_INT(apply(&b, make(XENON_BALLOON_RELEASE, 500, 0x1000, 1), &done), 0);
	b.limit = 16384 - 300;
	CHECK_INT(apply(&b, make(XENON_BALLOON_RECLAIM, 500, 0x1000, 1), &done), -ENOSPC);
	CHECK_INT(done, 200);
	CHECK_INT(hv_balloon_current(&b), b.limit);
	rel.fail = -ENOMEM;
	CHECK_INT(hv_balloon_apply(&b, make(XENON_BALLOON_RELEASE, 1, 0x2000, 0), 1, record, NULL, &done),
		  -ENOMEM);
	rel.fail = 0;
	hv_balloon_fini(&b);
}

/* Saved and restored: the same frames, limit and floor; bad states refused. */
static void test_save_restore(void)
{
	struct hv_balloon a, b;
	uint8_t buf[4096];
	size_t len = sizeof(buf);
	uint32_t done;

	hv_balloon_init(&a, 64 * MIB, FLOOR);
	apply(&a, make(XENON_BALLOON_RELEASE, 300, 0x3fff, -1), &done);
	apply(&a, make(XENON_BALLOON_RELEASE, 5, 0x1000, 3), &done);
	a.limit = 9000;
	CHECK_INT(hv_balloon_save(&a, buf, &len), 0);
	CHECK_INT(len, 24 + 6 * 16);
	hv_balloon_init(&b, 64 * MIB, 0);
	CHECK_INT(hv_balloon_restore(&b, buf, len), 0);
	CHECK_INT(hv_balloon_current(&b), hv_balloon_current(&a));
	CHECK_INT(b.limit, 9000);
	CHECK_INT(b.floor_pfn, FLOOR);
	CHECK_INT(memcmp(a.bitmap, b.bitmap, 16384 / 8), 0);
	CHECK_INT(hv_balloon_restore(&b, buf, len - 1), -EBADMSG);
	memcpy(buf + 24, &(uint64_t){16380}, 8); /* a run past the end */
	CHECK_INT(hv_balloon_restore(&b, buf, len), -EBADMSG);
	len = 10;
	CHECK_INT(hv_balloon_save(&a, buf, &len), -ENOSPC);
	hv_balloon_fini(&a);
	hv_balloon_fini(&b);
}

/* The saved runs, found a word at a time, against a bit-by-bit reading: runs
 * that end at, start at and cross word edges, whole words, the last frame. */
static void test_save_runs_at_word_edges(void)
{
	static const uint64_t set[][2] = {{63, 1}, {64, 1}, {127, 66}, {256, 128}, {400, 1}, {16383, 1}};
	struct hv_balloon a, b;
	uint8_t buf[4096];
	size_t len = sizeof(buf);
	uint64_t runs = 0;

	hv_balloon_init(&a, 64 * MIB, 0); /* 16384 frames: 256 words */
	for (unsigned r = 0; r < sizeof(set) / sizeof(set[0]); r++)
		for (uint64_t i = set[r][0]; i < set[r][0] + set[r][1]; i++)
			a.bitmap[i / 64] |= 1ULL << (i % 64);
	for (uint64_t i = 0; i < 16384; i++) /* runs, bit by bit */
		runs += (a.bitmap[i / 64] >> (i % 64) & 1) && (!i || !(a.bitmap[(i - 1) / 64] >> ((i - 1) % 64) & 1));
	CHECK_INT(runs, 5); /* 63 and 64 are one run */
	CHECK_INT(hv_balloon_save(&a, buf, &len), 0);
	CHECK_INT(len, 24 + runs * 16);
	hv_balloon_init(&b, 64 * MIB, 0);
	CHECK_INT(hv_balloon_restore(&b, buf, len), 0);
	CHECK_INT(memcmp(a.bitmap, b.bitmap, 16384 / 8), 0);
	hv_balloon_fini(&a);
	hv_balloon_fini(&b);
}

int main(void)
{
	RUN(test_release_runs);
	RUN(test_held_in_units);
	RUN(test_take);
	RUN(test_save_runs_at_word_edges);
	RUN(test_release_all);
	RUN(test_bad_frames);
	RUN(test_high_ram);
	RUN(test_limit);
	RUN(test_save_restore);
	return unit_done();
}
