/*
 * What the xenstore channel's proxy (xenstore.c) must carry across a save
 * or a migration, tracked from the bytes it moves (xs_track.c): the guest's
 * request it has forwarded only in part, the replies still due, the watches
 * the guest registered (the target's xenstored does not know them), and
 * reply bytes read but not yet in the guest's ring. Pure: unit-tested and
 * fuzzed without a domain.
 *
 * The saved state (device "xenstore" in man/xenon-migration.7):
 *   u32 req_len, u32 watches_len, u32 nr_watches, u32 held_len,
 *   then req_len bytes of the partial request, watches_len bytes of
 *   "path\0token\0" pairs, held_len bytes of whole reply messages.
 */
#ifndef XENON_HV_XS_TRACK_H
#define XENON_HV_XS_TRACK_H

#include <stddef.h>
#include <stdint.h>

#define XS_TRACK_HDR	     16
#define XS_TRACK_PAYLOAD_MAX 4096
#define XS_TRACK_MAX_WATCHES 64
#define XS_TRACK_WATCHES_MAX 8192  /* bytes of "path\0token\0" pairs */
#define XS_TRACK_HELD_MAX    32768 /* reply bytes the proxy may hold */
#define XS_TRACK_WATCH	     4	   /* XS_WATCH */
#define XS_TRACK_UNWATCH     5
#define XS_TRACK_WATCH_EVENT 15
#define XS_TRACK_ERROR	     16
#define XS_TRACK_REQ_ID	     0x584e4f4e /* the proxy's own requests ("XNON") */

struct xs_track {
	/* guest -> xenstored: the current request, as far as forwarded */
	uint8_t req[XS_TRACK_HDR + XS_TRACK_PAYLOAD_MAX];
	uint32_t req_have;
	uint32_t outstanding; /* whole requests forwarded, replies not yet seen */
	int bad;	      /* the guest broke the framing: nothing more is tracked */
	/* xenstored -> guest: framing of the replies */
	uint8_t rsp_hdr[XS_TRACK_HDR];
	uint32_t rsp_have, rsp_left;
	/* the guest's watches */
	char watches[XS_TRACK_WATCHES_MAX];
	uint32_t watches_len, nr_watches;
	/* replies read from xenstored for the guest's ring, not in it yet */
	uint8_t held[XS_TRACK_HELD_MAX];
	uint32_t held_len;
};

void xs_track_init(struct xs_track *t);
/* n bytes of the guest's requests went to xenstored. */
void xs_track_req(struct xs_track *t, const uint8_t *p, size_t n);
/* n bytes of replies and events went (or are held) for the guest. */
void xs_track_rsp(struct xs_track *t, const uint8_t *p, size_t n);
/* Whether the replies are at a message boundary with none due. */
int xs_track_idle(const struct xs_track *t);

/* The saved state into buf (cap bytes): its length, or -ENOSPC. */
long xs_track_save(const struct xs_track *t, uint8_t *buf, size_t cap);
/* From a stream (untrusted): every length and string checked; -EBADMSG. */
int xs_track_load(struct xs_track *t, const uint8_t *buf, size_t len);
/* The i-th saved watch's path and token (i < nr_watches). */
void xs_track_watch(const struct xs_track *t, unsigned i, const char **path, const char **token);

#endif
