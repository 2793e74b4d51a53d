/*
 * The daemon's shared definitions: connections, requests and the modules
 * that act on them (domain.c, quota.c, watch.c, transaction.c, journal.c,
 * handlers.c, conn.c). Single-threaded: everything runs in the epoll loop.
 */
#ifndef XENON_XENSTORED_H
#define XENON_XENSTORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perms.h"
#include "store.h"
#include "xs_wire.h"

struct watch;
struct tx;

struct conn {
	int fd;
	struct xs_who who;
	struct conn *next, *prev; /* all connections */
	struct conn *flush_next;  /* connections with output to send */
	bool on_flush_list, closing, reading, writing;
	uint32_t id; /* for traces */
	/* input: one message at a time, NUL after the payload */
	uint32_t in_used;
	char in[XS_HDR_SIZE + XS_PAYLOAD_MAX + 1];
	/* output queue */
	char *out;
	size_t out_off, out_len, out_cap;
	/* where this loop iteration's output starts (undone if the journal fails) */
	uint64_t mark_epoch;
	size_t mark;
	/*
	 * Flow control: replies queued and not yet sent (scan: the first
	 * message not yet seen sent); input held back while the connection
	 * is busy (conn_feed), handled once its client has read its replies.
	 */
	unsigned outstanding;
	size_t scan;
	char *stash;
	size_t stash_len;
	struct conn *resume_next;
	bool on_resume_list;
	/* owned state */
	struct watch *watches;
	unsigned nwatches;
	struct tx *txs;
	unsigned ntxs;
};

struct req {
	struct conn *conn;
	struct xs_msg_hdr hdr;
	const char *data; /* hdr.len bytes, NUL-terminated one beyond */
	struct tx *tx;	  /* or NULL */
	struct store *st; /* the transaction's view or the global store */
};

/* Global state (core.c). */
extern struct store *xs_store;
int xenstored_new_store(void);
/* A fresh store gets the root, /tool/xenstored and /local/domain. */
int xenstored_init_store(void);

/* conn.c */
int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data, size_t len);
void conn_close_later(struct conn *c, const char *why);
/* Bytes read from c: complete messages are handled as they complete. */
void conn_feed(struct conn *c, const char *p, size_t n);
size_t conn_pending(const struct conn *c);
unsigned conn_outstanding_of(uint32_t domid);
/* The event loop's round (changes once per batch of replies). */
uint64_t conn_round(void);
/* Handle input held back while c was busy (the loop calls it once c's client has read). */
void conn_resume(struct conn *c);
/* Close every connection that became domid (RELEASE). */
void conn_close_domain(uint32_t domid);
/* The limit of queued output bytes before a connection is dropped. */
#define CONN_OUT_MAX (4u << 20)
/* dom0's connections: for watch events only, see send_event (watch.c). */
#define CONN_OUT_MAX_PRIV (64u << 20)
/* Stop reading requests while this much output is queued. */
#define CONN_OUT_SOFT (256u << 10)

/* handlers.c */
void handle_message(struct conn *c);
int reply(struct req *r, const void *data, size_t len);
int reply_ok(struct req *r);
/* A change at path (recursive: a removal of a subtree); watches fire now or at commit. */
void emit_change(struct req *r, const char *path, const struct xs_perm *perms, uint32_t nperms,
		 bool recursive);

/* trace (-T) */
void trace_msg(const struct conn *c, const char *dir, const struct xs_msg_hdr *h, const char *data);

#endif
