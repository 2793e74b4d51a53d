/*
 * The balloon's bookkeeping (balloon_core.c), apart from the VM so that a
 * unit test and a fuzzer drive it: which guest frames are released to the
 * host, the checks of a guest's request (untrusted: every frame number), and
 * the saved state. balloon.c is the device on the I/O bus around it.
 */
#ifndef XENON_HV_BALLOON_CORE_H
#define XENON_HV_BALLOON_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/include/xenon-boot.h"

#define HV_BALLOON_PAGE 4096ULL

struct hv_balloon {
	uint64_t mem_bytes; /* the domain's RAM (xenon-hv's layout: low, then at 4 GiB) */
	uint64_t nr_frames; /* mem_bytes / 4 KiB */
	uint64_t floor_pfn; /* frames below it are never released (boot pages, kernel image) */
	uint64_t limit;	    /* the most frames the domain may hold (HVCTL_MEM_MAX) */
	uint64_t released;  /* frames released now */
	uint64_t *bitmap;   /* by memfd offset / 4 KiB: 1 = released */
	/* NULL, or called before a frame is taken back ([offset, offset + len)
	 * of the memfd): not 0 refuses it as over the limit (-ENOSPC). RAM from
	 * the hugetlb pool backs it first, as the pool may have no page left. */
	int (*take)(void *ctx, uint64_t offset, uint64_t len);
	void *take_ctx;
};

/* Gives a run of RAM ([offset, offset + len) of the memfd) back to the host. */
typedef int (*hv_balloon_release_fn)(void *ctx, uint64_t offset, uint64_t len);

int hv_balloon_init(struct hv_balloon *b, uint64_t mem_bytes, uint64_t floor_pfn);
void hv_balloon_fini(struct hv_balloon *b);
/* Frames the domain holds now. */
uint64_t hv_balloon_current(const struct hv_balloon *b);
/*
 * The frames the domain may have backed when its RAM comes in pages of unit
 * frames (the hugetlb pool's 2 MiB): every page with a frame it holds, whole
 * (a page is given back only once each of its frames is). hv_balloon_current for 1.
 */
uint64_t hv_balloon_held_in_units(const struct hv_balloon *b, uint64_t unit);
/* Has the guest released every frame of [first, first + n) (within RAM; false if none is)? */
bool hv_balloon_all_released(const struct hv_balloon *b, uint64_t first, uint64_t n);
/*
 * A guest's request, copied out of its page already (req_pfn: where that
 * page is). Frames handled in order; *done says how many. 0 or -EINVAL (a
 * bad op, count or frame), -ENOSPC (RECLAIM over the limit), or release's error.
 */
int hv_balloon_apply(struct hv_balloon *b, const struct xenon_balloon_req *req, uint64_t req_pfn,
		     hv_balloon_release_fn release, void *ctx, uint32_t *done);
/*
 * Every released run given back again (a guest that wrote to frames it had
 * released got them back from the host: balloon.c takes them away again).
 * 0, or release's first error.
 */
int hv_balloon_release_all(const struct hv_balloon *b, hv_balloon_release_fn release, void *ctx);
/* Saved state: floor, limit and the released frames as runs. -ENOSPC if over len. */
int hv_balloon_save(const struct hv_balloon *b, void *buf, size_t *len);
/* A saved state (untrusted: from a stream) onto b, initialised for this RAM: -EBADMSG if bad. */
int hv_balloon_restore(struct hv_balloon *b, const void *buf, size_t len);

#endif
