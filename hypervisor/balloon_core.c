/*
 * The balloon's bookkeeping (balloon_core.h): a bitmap of released frames
 * over the memfd, the checks of each frame a guest names, and the saved
 * state. No VM here: balloon.c gives it the release function.
 */
#include "hypervisor/balloon_core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/migstream.h"

#define WORD_BITS 64

/* The saved state: a header, then nr_runs of {first offset frame, count}. */
struct saved {
	uint64_t floor_pfn;
	uint64_t limit;
	uint64_t nr_runs;
};

static int bit_get(const struct hv_balloon *b, uint64_t i)
{
	return b->bitmap[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

static void bit_put(struct hv_balloon *b, uint64_t i, int v)
{
	if (v)
		b->bitmap[i / WORD_BITS] |= 1ULL << (i % WORD_BITS);
	else
		b->bitmap[i / WORD_BITS] &= ~(1ULL << (i % WORD_BITS));
}

/* The first frame from i on whose bit is v, a word at a time; nr_frames if none. */
static uint64_t next_bit(const struct hv_balloon *b, uint64_t i, int v)
{
	while (i < b->nr_frames) {
		uint64_t w = (v ? b->bitmap[i / WORD_BITS] : ~b->bitmap[i / WORD_BITS]) & ~0ULL << (i % WORD_BITS);

		if (w) {
			i = i / WORD_BITS * WORD_BITS + (uint64_t)__builtin_ctzll(w);
			return i < b->nr_frames ? i : b->nr_frames;
		}
		i = (i / WORD_BITS + 1) * WORD_BITS;
	}
	return b->nr_frames;
}

int hv_balloon_init(struct hv_balloon *b, uint64_t mem_bytes, uint64_t floor_pfn)
{
	memset(b, 0, sizeof(*b));
	b->mem_bytes = mem_bytes;
	b->nr_frames = mem_bytes / HV_BALLOON_PAGE;
	b->floor_pfn = floor_pfn;
	b->limit = b->nr_frames;
	b->bitmap = calloc((b->nr_frames + WORD_BITS - 1) / WORD_BITS + 1, sizeof(uint64_t));
	return b->bitmap ? 0 : -ENOMEM;
}

void hv_balloon_fini(struct hv_balloon *b)
{
	free(b->bitmap);
	b->bitmap = NULL;
}

uint64_t hv_balloon_current(const struct hv_balloon *b)
{
	return b->nr_frames - b->released;
}

bool hv_balloon_all_released(const struct hv_balloon *b, uint64_t first, uint64_t n)
{
	uint64_t end = first + n < b->nr_frames ? first + n : b->nr_frames;

	return first < end && next_bit(b, first, 0) >= end;
}

uint64_t hv_balloon_held_in_units(const struct hv_balloon *b, uint64_t unit)
{
	uint64_t held = 0;

	if (unit <= 1)
		return hv_balloon_current(b);
	for (uint64_t first = 0; first < b->nr_frames; first += unit)
		if (!hv_balloon_all_released(b, first, unit))
			held += (first + unit < b->nr_frames ? unit : b->nr_frames - first);
	return held;
}

/* The frame's index in the bitmap (its memfd offset / 4 KiB), or -EINVAL. */
static int frame_index(const struct hv_balloon *b, uint64_t pfn, uint64_t req_pfn, uint64_t *index)
{
	uint64_t off;

	if (pfn < b->floor_pfn || pfn == req_pfn || mig_pfn_offset(b->mem_bytes, pfn, &off))
		return -EINVAL;
	*index = off / HV_BALLOON_PAGE;
	return *index < b->nr_frames ? 0 : -EINVAL;
}

/* A run of frames adjacent in the memfd, released in one call. */
struct run {
	uint64_t first, n;
};

static int run_flush(struct run *r, hv_balloon_release_fn release, void *ctx)
{
	int rc = r->n ? release(ctx, r->first * HV_BALLOON_PAGE, r->n * HV_BALLOON_PAGE) : 0;

	r->n = 0;
	return rc;
}

static int run_add(struct run *r, uint64_t i, hv_balloon_release_fn release, void *ctx)
{
	int rc = 0;

	if (r->n && i == r->first + r->n) {
		r->n++;
		return 0;
	}
	if (r->n && i + 1 == r->first) {
		r->first = i;
		r->n++;
		return 0;
	}
	rc = run_flush(r, release, ctx);
	r->first = i;
	r->n = 1;
	return rc;
}

static int frame_apply(struct hv_balloon *b, uint32_t op, uint64_t i, struct run *r,
		       hv_balloon_release_fn release, void *ctx)
{
	if (op == XENON_BALLOON_RELEASE) {
		if (bit_get(b, i))
			return -EINVAL;
		bit_put(b, i, 1);
		b->released++;
		return run_add(r, i, release, ctx);
	}
	if (!bit_get(b, i))
		return -EINVAL;
	if (hv_balloon_current(b) >= b->limit)
		return -ENOSPC;
	if (b->take && b->take(b->take_ctx, i * HV_BALLOON_PAGE, HV_BALLOON_PAGE))
		return -ENOSPC;
	bit_put(b, i, 0);
	b->released--;
	return 0;
}

int hv_balloon_apply(struct hv_balloon *b, const struct xenon_balloon_req *req, uint64_t req_pfn,
		     hv_balloon_release_fn release, void *ctx, uint32_t *done)
{
	struct run r = {0, 0};
	uint32_t n;
	int rc = 0, frc;

	*done = 0;
	if ((req->op != XENON_BALLOON_RELEASE && req->op != XENON_BALLOON_RECLAIM) ||
	    req->count > XENON_BALLOON_MAX_PFNS)
		return -EINVAL;
	for (n = 0; n < req->count && !rc; n++) {
		uint64_t i;

		rc = frame_index(b, req->pfn[n], req_pfn, &i);
		if (!rc)
			rc = frame_apply(b, req->op, i, &r, release, ctx);
		if (!rc)
			*done = n + 1;
	}
	frc = run_flush(&r, release, ctx);
	return rc ? rc : frc;
}

int hv_balloon_release_all(const struct hv_balloon *b, hv_balloon_release_fn release, void *ctx)
{
	uint64_t i = 0;
	int rc = 0;

	while (!rc && (i = next_bit(b, i, 1)) < b->nr_frames) {
		uint64_t first = i;

		i = next_bit(b, first, 0);
		rc = release(ctx, first * HV_BALLOON_PAGE, (i - first) * HV_BALLOON_PAGE);
	}
	return rc;
}

int hv_balloon_save(const struct hv_balloon *b, void *buf, size_t *len)
{
	struct saved h = {b->floor_pfn, b->limit, 0};
	uint64_t *runs = (uint64_t *)((uint8_t *)buf + sizeof(h)), cap, i = 0;

	if (*len < sizeof(h))
		return -ENOSPC;
	cap = (*len - sizeof(h)) / (2 * sizeof(uint64_t));
	/* a word at a time: this runs in a migration's paused window (2 GiB: 8192 words) */
	while ((i = next_bit(b, i, 1)) < b->nr_frames) {
		uint64_t first = i;

		i = next_bit(b, first, 0);
		if (h.nr_runs == cap)
			return -ENOSPC;
		memcpy(&runs[2 * h.nr_runs], &first, sizeof(first));
		memcpy(&runs[2 * h.nr_runs + 1], &(uint64_t){i - first}, sizeof(uint64_t));
		h.nr_runs++;
	}
	memcpy(buf, &h, sizeof(h));
	*len = sizeof(h) + h.nr_runs * 2 * sizeof(uint64_t);
	return 0;
}

/* One run of a saved state, checked: inside RAM, above the floor, not overlapping. */
static int restore_run(struct hv_balloon *b, uint64_t first, uint64_t n)
{
	if (!n || first >= b->nr_frames || n > b->nr_frames - first)
		return -EBADMSG;
	for (uint64_t i = first; i < first + n; i++) {
		if (bit_get(b, i))
			return -EBADMSG;
		bit_put(b, i, 1);
		b->released++;
	}
	return 0;
}

int hv_balloon_restore(struct hv_balloon *b, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	struct saved h;
	int rc = 0;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (h.nr_runs > (len - sizeof(h)) / 16 || len != sizeof(h) + h.nr_runs * 16 ||
	    h.limit > b->nr_frames || h.floor_pfn > b->nr_frames + (MIG_HIGH_RAM / HV_BALLOON_PAGE))
		return -EBADMSG;
	memset(b->bitmap, 0, (b->nr_frames + WORD_BITS - 1) / WORD_BITS * sizeof(uint64_t));
	b->released = 0;
	b->floor_pfn = h.floor_pfn;
	b->limit = h.limit;
	for (uint64_t r = 0; r < h.nr_runs && !rc; r++) {
		uint64_t run[2];

		memcpy(run, p + sizeof(h) + r * 16, sizeof(run));
		rc = restore_run(b, run[0], run[1]);
	}
	return rc;
}
