/* Loading snapshot and journal, with damage handling (journal_recover.c). */
#ifndef XENON_XS_JOURNAL_RECOVER_H
#define XENON_XS_JOURNAL_RECOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct journal_recover_opts {
	bool accept_loss; /* start with what is readable; keep the damaged files aside */
	bool at_start;	  /* false (a reload while serving): change nothing on disk */
};

struct jrecovered {
	uint64_t seq;	  /* the sequence the journal continues or starts at */
	size_t jsize;	  /* the journal's size to append at; 0: start a new journal */
	size_t snap_size; /* the snapshot's size (0: none) */
	bool compact;	  /* write a fresh snapshot and journal now (a loss, or version 1 files) */
};

/*
 * Replay <dir>/snapshot and <dir>/journal into st (empty but for the root).
 * -EUCLEAN: acknowledged changes would be lost and that was not accepted
 * (said; nothing changed on disk); another -errno: a file cannot be read.
 */
int journal_recover(const char *dir, struct store *st, const struct journal_recover_opts *o,
		    struct jrecovered *r);

#endif
