/*
 * Transactions: a private view of the store (store_new_view) per
 * transaction. Reads and writes inside go to the view; the view remembers
 * the generation of every node it saw. Commit checks those against the
 * store (-EAGAIN if any changed), applies the changes, then fires the
 * watches the transaction queued. Abort just drops the view.
 */
#ifndef XENON_XS_TRANSACTION_H
#define XENON_XS_TRANSACTION_H

#include "xenstored.h"

struct tx {
	struct tx *next; /* the connection's list */
	uint32_t id;
	struct store *view;
	struct tx_event *events, **events_tail;
	unsigned nevents;
};

int tx_start(struct conn *c, uint32_t *id);
/* Ids start again from 1 (the fuzzer: the same input, the same ids). */
void tx_reset_ids(void);
struct tx *tx_find(struct conn *c, uint32_t id);
/* Commit (or abort) and free tx. */
int tx_end(struct conn *c, struct tx *tx, bool commit);
/* A guest's transaction that touched more nodes than its quota: only TRANSACTION_END, failing a commit. */
bool tx_over_limit(const struct conn *c, struct tx *tx);
/* Nodes c's domain would own more (or fewer) after tx commits. */
long tx_net_nodes(const struct conn *c, struct tx *tx);
void tx_end_all(struct conn *c);
int tx_queue_event(struct tx *tx, const char *path, const struct xs_perm *perms, uint32_t nperms,
		   bool recursive);

#endif
