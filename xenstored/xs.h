/*
 * libxs: Xenon's xenstore client library (a contract: xenstored/ implements
 * it; the xenstore-* clients, libxl and xenon-hv use it).
 *
 * Synchronous, one request in flight per handle; watch events that arrive
 * while a reply is awaited are queued for xs_read_watch(). All functions
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
const char *xs_socket_path(void);
/* Connect to xs_socket_path(), or to path when non-NULL. */
int xs_open(const char *path, struct xs_handle **out);
void xs_close(struct xs_handle *h);
/* For poll(): readable when a watch event may be waiting. */
int xs_fileno(struct xs_handle *h);

int xs_read(struct xs_handle *h, uint32_t tx, const char *path, char **value, size_t *len);
int xs_write(struct xs_handle *h, uint32_t tx, const char *path, const void *value, size_t len);
int xs_write_str(struct xs_handle *h, uint32_t tx, const char *path, const char *value);
int xs_mkdir(struct xs_handle *h, uint32_t tx, const char *path);
int xs_rm(struct xs_handle *h, uint32_t tx, const char *path);
/* Children names; *names is one malloc'd block (free(*names) frees all). */
int xs_directory(struct xs_handle *h, uint32_t tx, const char *path, char ***names, unsigned *count);
/* Permissions in Xen's text form, one entry per element: "n0", "r5", "b7"... */
int xs_get_perms(struct xs_handle *h, uint32_t tx, const char *path, char ***perms, unsigned *count);
int xs_set_perms(struct xs_handle *h, uint32_t tx, const char *path, const char *const *perms,
		 unsigned count);

int xs_transaction_start(struct xs_handle *h, uint32_t *tx);
/* commit (abort == false) returns -EAGAIN when the transaction must be retried. */
int xs_transaction_end(struct xs_handle *h, uint32_t tx, bool abort);

int xs_watch(struct xs_handle *h, const char *path, const char *token);
int xs_unwatch(struct xs_handle *h, const char *path, const char *token);
/* Next watch event; blocks unless timeout_ms >= 0 (then -ETIMEDOUT). */
int xs_read_watch(struct xs_handle *h, int timeout_ms, char **path, char **token);

int xs_introduce_domain(struct xs_handle *h, uint32_t domid);
int xs_release_domain(struct xs_handle *h, uint32_t domid);
int xs_get_domain_path(struct xs_handle *h, uint32_t domid, char **path);
/* CONTROL message: "cmd\0arg\0arg\0..."; *reply may be NULL. */
int xs_control(struct xs_handle *h, const char *const *argv, unsigned argc, char **reply);

/*
 * Turn this (privileged, dom0) connection into domain domid's connection:
 * from then on every request is checked with domid's permissions and quotas.
 * xenon-hv uses it to carry a guest's xenstore channel. One-way.
 */
int xs_become_domain(struct xs_handle *h, uint32_t domid);
/* The connected socket, for a byte-level proxy after xs_become_domain(). */
int xs_socket_fd(struct xs_handle *h);

#endif
