/*
 * libFuzzer target: the balloon's checks (hypervisor/balloon_core.c): a
 * guest's request pages (any op, count and frames) and a saved state from a
 * stream. Whatever is accepted keeps the count of released frames equal to
 * the bitmap's, releases only frames inside RAM above the floor, and a
 * restored state saves back to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/balloon_core.h"

#define RAM   (64ULL << 20)
#define FLOOR 0x100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_run(void *ctx, uint64_t off, uint64_t len)
{
	(void)ctx;
	if (off < FLOOR * 4096ULL || off + len > RAM || !len || off % 4096 || len % 4096)
		abort();
	return 0;
}

static uint64_t count_bits(const struct hv_balloon *b)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < b->nr_frames; i++)
		n += b->bitmap[i / 64] >> (i % 64) & 1;
	return n;
}

static void fuzz_requests(const uint8_t *data, size_t size)
{
	static struct xenon_balloon_req req;
	struct hv_balloon b;
	uint32_t done;

	if (hv_balloon_init(&b, RAM, FLOOR))
		return;
	b.limit = b.nr_frames - 1000;
	while (size) {
		size_t n = size < sizeof(req) ? size : sizeof(req);

		memset(&req, 0, sizeof(req));
		memcpy(&req, data, n);
		req.count %= XENON_BALLOON_MAX_PFNS + 8;
		for (unsigned i = 0; i < XENON_BALLOON_MAX_PFNS; i++)
			req.pfn[i] %= 0x5000; /* mostly inside RAM */
		hv_balloon_apply(&b, &req, 0x200, check_run, NULL, &done);
		if (done > req.count || b.released != count_bits(&b) || b.released > b.nr_frames)
			abort();
		/* counted in the pool's 2 MiB pages: never less than the frames held, never more than RAM */
		if (hv_balloon_held_in_units(&b, 512) < hv_balloon_current(&b) ||
		    hv_balloon_held_in_units(&b, 512) > b.nr_frames)
			abort();
		data += n;
		size -= n;
	}
	hv_balloon_fini(&b);
}

static void fuzz_restore(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	struct hv_balloon b;
	size_t len = sizeof(out);

	if (hv_balloon_init(&b, RAM, 0))
		return;
	if (!hv_balloon_restore(&b, data, size)) {
		if (b.released != count_bits(&b) || hv_balloon_save(&b, out, &len))
			abort();
		/* the same frames, as runs: equal once both are merged the same way */
		struct hv_balloon c;

		if (hv_balloon_init(&c, RAM, 0) || hv_balloon_restore(&c, out, len) ||
		    memcmp(b.bitmap, c.bitmap, b.nr_frames / 8))
			abort();
		hv_balloon_fini(&c);
	}
	hv_balloon_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_requests(data + 1, size - 1);
	else
		fuzz_restore(data + 1, size - 1);
	return 0;
}
