/*
 * The journal's and the snapshot's file format, and their reader.
 *
 * A file is a header (8-byte magic, u64 sequence; version 2 adds a u32
 * CRC32C of those 16 bytes and 4 zero bytes) and records. A
 * record is u32 body length, u32 checksum, then the body: a type byte and
 * its payload. Version 2 (XSJRNL02, XSSNAP02) checksums the length and the
 * body with CRC32C, and groups a journal's records: each flush (every change
 * acknowledged in one round of the main loop, so a whole transaction) ends
 * with a COMMIT record, and replay applies a group only with its COMMIT: all
 * or none. A snapshot ends with an END record. Version 1 files (CRC32 of the
 * body, no COMMIT: every record stands alone) are still read.
 *
 * jscan() checks the framing and checksums only; japply() applies records.
 */
#ifndef XENON_XS_JOURNAL_REC_H
#define XENON_XS_JOURNAL_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define JFILE_HDR_V1 16
#define JFILE_HDR    24 /* version 2 */
#define JREC_HDR     8
#define JREC_MAX     (1u << 20)
#define JVERSION     2 /* what is written */

enum jrec_type { JREC_SET = 1, JREC_DEL = 2, JREC_DOMAIN = 3, JREC_END = 4, JREC_COMMIT = 5 };
enum jfile_kind { JFILE_JOURNAL, JFILE_SNAPSHOT };

/* The magic of kind at version (1 or 2). */
const char *jfile_magic(enum jfile_kind kind, int version);
/* A record's checksum: len is the body's length. */
uint32_t jrec_crc(int version, const uint8_t *body, uint32_t len);
/* A version 2 header. */
void jfile_header(uint8_t hdr[JFILE_HDR], enum jfile_kind kind, uint64_t seq);
/* Frame a record at dst (JREC_HDR + len bytes; body already at dst + JREC_HDR). */
void jrec_frame(uint8_t *dst, uint32_t len);

enum jscan_state {
	JSCAN_CLEAN,	 /* every record whole, the last group committed (snapshot: ended) */
	JSCAN_TORN,	 /* a tail cut short by a crash: nothing readable after it */
	JSCAN_DAMAGED,	 /* a bad record with readable records after it, or a bad snapshot */
	JSCAN_NO_HEADER, /* not even the header is readable */
};

struct jscan {
	enum jscan_state state;
	int version;
	uint64_t seq;
	size_t hdr;	    /* the header's size: where records start */
	size_t len;	    /* the file's size */
	size_t good;	    /* end of the last whole group: what replay may use */
	size_t groups;	    /* whole groups before good (snapshot: records) */
	size_t records;	    /* change records in them */
	size_t bad;	    /* where the torn or damaged part starts (first bad record) */
	size_t uncommitted; /* whole records between good and bad, of an unfinished group */
	size_t after;	    /* intact records found after the damage */
	size_t after_at;    /* offset of the first of them */
	const char *why;    /* what is wrong at bad */
};

void jscan(const uint8_t *p, size_t len, enum jfile_kind kind, struct jscan *s);

/*
 * Apply the records in [s->hdr, to) to st (to: a group boundary from
 * jscan). On a record that does not apply, -EINVAL and *bad_group is where
 * its group starts (the store then holds part of that group).
 */
int japply(struct store *st, const uint8_t *p, size_t to, const struct jscan *s, size_t *bad_group);

#endif
