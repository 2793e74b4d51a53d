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

/* Events a transaction queued, one per changed path, indexed by path. */
#define TX_EVENT_BUCKETS 256

struct tx {
	struct tx *next; /* the connection's list */
	uint32_t id;
	struct store *view;
	bool guest;	    /* started by an unprivileged connection: bounded */
	bool events_full;   /* a guest's events passed TX_EVENT_BYTES_MAX: over its limit */
	size_t event_bytes; /* the queued events' paths */
	struct tx_event *events, **events_tail; /* in the order of their first change */
	struct tx_event *event_index[TX_EVENT_BUCKETS];
};

/*
 * The event paths a guest's transaction may queue, in bytes: what one
 * commit sends each watcher of them stays below what a connection may
 * have unsent before the daemon stops reading it.
 */
#define TX_EVENT_BYTES_MAX CONN_OUT_SOFT

int tx_start(struct conn *c, uint32_t *id);
/* Ids start again from 1 (the fuzzer: the same input, the same ids). */
void tx_reset_ids(void);
struct tx *tx_find(struct conn *c, uint32_t id);
/* Commit (or abort) and free tx. */
int tx_end(struct conn *c, struct tx *tx, bool commit);
/*
 * A guest's transaction that touched more nodes than its quota, or queued
 * more than TX_EVENT_BYTES_MAX of events: only TRANSACTION_END, failing a commit.
 */
bool tx_over_limit(const struct conn *c, struct tx *tx);
/* Nodes c's domain would own more (or fewer) after tx commits. */
long tx_net_nodes(const struct conn *c, struct tx *tx);
void tx_end_all(struct conn *c);
/*
 * A change at path, to fire at commit. As in Xen, a transaction records the
 * paths it changed, not its writes: one event per path however often it
 * changed (recursive if any change was; the latest permissions decide who
 * sees it).
 */
int tx_queue_event(struct tx *tx, const char *path, const struct xs_perm *perms, uint32_t nperms,
		   bool recursive);

#endif
