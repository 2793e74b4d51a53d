/*
 * libxs: Xenon's internal xenstore client library (a contract: xenstored/
 * implements it; libxl, xenon-hv, xs-tool and fake-hv call it by these
 * names; the xenstore-* clients use Xen's API). Its names carry the xsc_
 * prefix only: the xs_ names are Xen's public API (xenstore.h, built on
 * this one in xenstore.c, with Xen's arguments) and the two never clash.
 * libxenstore.so and libxenlight.so keep every xsc_ name hidden.
 *
 * Synchronous, one request in flight per handle (threads sharing one take
 * turns); watch events that arrive
 * while a reply is awaited are queued for xsc_read_watch(). All functions
 * return 0 (or a count) on success and a negative errno on failure; an
 * xenstored error reply "E<NAME>" maps to -<NAME> (e.g. "ENOENT" -> -ENOENT).
 * Strings returned through char ** are malloc'd and NUL-terminated.
 */
#ifndef XENON_XS_H
#define XENON_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_NO_TX 0u

struct xs_handle;

/* Socket path as Xen's clients find it: $XENSTORED_PATH, else
 * $XENSTORED_RUNDIR/socket, else /run/xenstored/socket. */
const char *xsc_socket_path(void);
/* Connect to xsc_socket_path(), or to path when non-NULL. */
int xsc_open(const char *path, struct xs_handle **out);
void xsc_close(struct xs_handle *h);
/* For poll(): readable when a watch event may be waiting. */
int xsc_fileno(struct xs_handle *h);

int xsc_read(struct xs_handle *h, uint32_t tx, const char *path, char **value, size_t *len);
int xsc_write(struct xs_handle *h, uint32_t tx, const char *path, const void *value, size_t len);
int xsc_write_str(struct xs_handle *h, uint32_t tx, const char *path, const char *value);
int xsc_mkdir(struct xs_handle *h, uint32_t tx, const char *path);
int xsc_rm(struct xs_handle *h, uint32_t tx, const char *path);
/* Children names; *names is one malloc'd block (free(*names) frees all). */
int xsc_directory(struct xs_handle *h, uint32_t tx, const char *path, char ***names, unsigned *count);
/* Permissions in Xen's text form, one entry per element: "n0", "r5", "b7"... */
int xsc_get_perms(struct xs_handle *h, uint32_t tx, const char *path, char ***perms, unsigned *count);
int xsc_set_perms(struct xs_handle *h, uint32_t tx, const char *path, const char *const *perms,
		 unsigned count);

/*
 * Requests sent together, their replies taken after: one round trip for n
 * (xenstored answers a connection's requests in order). Each is a type
 * (XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS, XS_READ...), a path and what
 * follows its NUL (a value, a permission list); a reply's payload is kept
 * in *reply where the op has one (malloc'd, NUL-terminated; NULL if the
 * request failed), else dropped. 0, or the first failure's -errno (ENOENT
 * none where enoent_ok); every reply is taken either way (but after a failed
 * write: later calls skip those as stale). The requests go in one write (one
 * wake-up of xenstored). At most XSC_BATCH_BYTES of requests, so that
 * neither side's socket buffer can fill (-E2BIG beyond).
 */
struct xsc_op {
	uint32_t type;
	const char *path;
	const void *data;
	size_t len;
	bool enoent_ok;
	char **reply;
	size_t *reply_len; /* with reply: the reply's length (a DIRECTORY's names, NUL-separated) */
};
#define XSC_BATCH_BYTES 65536
int xsc_batch(struct xs_handle *h, uint32_t tx, const struct xsc_op *ops, unsigned n);

int xsc_transaction_start(struct xs_handle *h, uint32_t *tx);
/* commit (abort == false) returns -EAGAIN when the transaction must be retried. */
int xsc_transaction_end(struct xs_handle *h, uint32_t tx, bool abort);

int xsc_watch(struct xs_handle *h, const char *path, const char *token);
int xsc_unwatch(struct xs_handle *h, const char *path, const char *token);
/* Next watch event; blocks unless timeout_ms >= 0 (then -ETIMEDOUT). */
int xsc_read_watch(struct xs_handle *h, int timeout_ms, char **path, char **token);

int xsc_introduce_domain(struct xs_handle *h, uint32_t domid);
int xsc_release_domain(struct xs_handle *h, uint32_t domid);
int xsc_get_domain_path(struct xs_handle *h, uint32_t domid, char **path);
/* CONTROL message: "cmd\0arg\0arg\0..."; *reply may be NULL. */
int xsc_control(struct xs_handle *h, const char *const *argv, unsigned argc, char **reply);

/*
 * Turn this (privileged, dom0) connection into domain domid's connection:
 * from then on every request is checked with domid's permissions and quotas.
 * xenon-hv uses it to carry a guest's xenstore channel. One-way.
 */
int xsc_become_domain(struct xs_handle *h, uint32_t domid);
/* The connected socket, for a byte-level proxy after xsc_become_domain(). */
int xsc_socket_fd(struct xs_handle *h);

/* Messages without a helper above (IS_DOMAIN_INTRODUCED, RESUME, ...): the
 * payload as is, the reply (NUL-terminated, may be NULL) and its length. */
int xsc_request(struct xs_handle *h, uint32_t type, uint32_t tx, const void *payload, size_t len, char **reply,
		size_t *rlen);
/* Xen's xs_fileno(): an fd that polls readable while a watch event is
 * queued or the socket has data (an epoll set of the socket and an eventfd
 * the queue keeps raised), made on first use; -errno if it cannot be made. */
int xsc_watch_fd(struct xs_handle *h);
/* Drop the queued events with this token at or below path (Xen's
 * XS_UNWATCH_FILTER). */
void xsc_drop_events(struct xs_handle *h, const char *path, const char *token);

#endif
