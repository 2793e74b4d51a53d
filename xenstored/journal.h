/*
 * Crash safety: every change of the store is appended to <state>/journal
 * before the reply that acknowledges it is sent (the main loop writes the
 * journal buffer, then the replies). When the journal grows large it is
 * compacted: the whole store goes to <state>/snapshot (written to a
 * temporary file, fsync'd, renamed), then a fresh journal starts. Both files
 * carry a sequence number, so a journal left over from before a snapshot is
 * recognised and skipped. The format and its reader: journal_rec.h (records
 * carry a checksum; each flush ends with a commit record, so a transaction
 * comes back whole or not at all); loading and damage: journal_recover.h
 * (a torn tail is cut and said; other damage refuses the start unless the
 * loss is accepted).
 *
 * fsync policy: JOURNAL_FSYNC_PERIODIC (default: fdatasync at most every
 * interval ms while there are unsynced records), _ALWAYS (before every
 * batch of replies), _NEVER (leave it to the kernel).
 */
#ifndef XENON_XS_JOURNAL_H
#define XENON_XS_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

enum journal_fsync { JOURNAL_FSYNC_PERIODIC, JOURNAL_FSYNC_ALWAYS, JOURNAL_FSYNC_NEVER };

struct journal_config {
	const char *dir; /* NULL: no persistence */
	enum journal_fsync fsync;
	unsigned fsync_interval_ms;
	uint64_t compact_bytes; /* compact when the journal passes this size */
	bool accept_loss;	/* start from damaged files, keeping what is readable */
};

/*
 * Load snapshot + journal into s (empty) and open the journal for appending.
 * -EUCLEAN: damage would lose acknowledged changes (said; nothing changed).
 */
int journal_open(const struct journal_config *cfg, struct store *s);
void journal_close(void);
bool journal_enabled(void);

/* Record changes (buffered until journal_flush). */
void journal_set(const struct node *n);
void journal_del(const char *path);
void journal_domain(uint32_t domid, bool introduced, int64_t target);

/*
 * Write buffered records (and fsync per policy); may compact. On failure
 * (-ENOSPC, -EIO, ...) the records are dropped and the file is cut back to
 * its last good size: the caller must undo the changes (journal_reload) and
 * fail the requests that made them.
 */
int journal_flush(void);
/* journal_flush for the main loop: also reports a failure earlier in the batch. */
int journal_end_batch(void);
/* Make the store (and domains) what the state directory holds again. */
int journal_reload(void);
/* Milliseconds until journal_tick wants to run, or -1. */
int journal_timeout(void);
void journal_tick(void);
/* Write a snapshot now and start a new journal. */
int journal_compact(void);

/* Stats for CONTROL "journal". */
uint64_t journal_size(void);

#endif
