/*
 * xenstore.h: Xen's libxenstore API, implemented by Xenon's libxenstore
 * (xenstored/xenstore.c over xenstored/libxs.c). A program written for
 * Xen's libxenstore builds against this header unchanged and behaves the
 * same; libxenstore(3) lists the differences (no /dev/xen/xenbus: every
 * handle is a socket connection). Threads may share a handle, as in Xen.
 *
 * Conventions, as Xen's: functions returning a pointer return malloc'd
 * memory the caller frees with free() (string lists are one block), or
 * NULL with errno set; bool functions return false with errno set. An
 * error reply of xenstored ("ENOENT", "EACCES", ...) becomes that errno.
 */
#ifndef XENSTORE_H
#define XENSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include <xenstore_lib.h>

#define XBT_NULL 0

/* xs_open() flags. READONLY is accepted and, as in Xen since 4.10, makes
 * no difference; SOCKETONLY too (every Xenon handle is a socket). */
#define XS_OPEN_READONLY   (1UL << 0)
#define XS_OPEN_SOCKETONLY (1UL << 1)
/* xs_unwatch() also drops the events of that watch already queued. */
#define XS_UNWATCH_FILTER  (1UL << 2)

struct xs_handle;
typedef uint32_t xs_transaction_t;

/* The two strings of a watch event (xs_read_watch(), xs_check_watch()). */
enum xs_watch_type {
	XS_WATCH_PATH = 0,
	XS_WATCH_TOKEN
};

/* Connect to xenstored at xs_daemon_socket(); NULL and errno on failure. */
struct xs_handle *xs_open(unsigned long flags);
/* Close, dropping queued watch events; NULL is ignored. */
void xs_close(struct xs_handle *xsh);

/* The older names of xs_open()/xs_close(). */
struct xs_handle *xs_daemon_open(void);
struct xs_handle *xs_domain_open(void);
struct xs_handle *xs_daemon_open_readonly(void);
void xs_daemon_close(struct xs_handle *);
/* In a child after fork(): free the handle without touching the shared
 * connection's state. */
void xs_daemon_destroy_postfork(struct xs_handle *);

/* The children's names of path; *num is their count. One block: free(). */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num);
/* The value of path, NUL-terminated; *len (may be NULL) its length. */
void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);
/* Write len bytes at path, creating it and its parents as needed. */
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data, unsigned int len);
/* Create path (and its parents), empty; an existing path is not an error. */
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
/* Remove path and everything below it. */
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
/* Obsolete in Xen: false with errno ENOSYS. */
bool xs_restrict(struct xs_handle *h, unsigned domid);

/* The permissions of path, owner first; *num is their count. */
struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
					  unsigned int *num);
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
			struct xs_permissions *perms, unsigned int num_perms);

/* Watch path and everything below it; token comes back with each event.
 * An event fires at once when the watch is set. */
bool xs_watch(struct xs_handle *h, const char *path, const char *token);
/* An fd that polls readable when a watch event may be waiting. */
int xs_fileno(struct xs_handle *h);
/* The next watch event if one is waiting, else NULL with errno EAGAIN:
 * vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN]; one block: free(vec). */
char **xs_check_watch(struct xs_handle *h);
/* The next watch event, waiting for one; *num is set to 2. */
char **xs_read_watch(struct xs_handle *h, unsigned int *num);
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);

/* A transaction: XBT_NULL (errno set) on failure. */
xs_transaction_t xs_transaction_start(struct xs_handle *h);
/* End it: commit, or discard when abort is true. false with errno EAGAIN
 * means another change came first: start again from xs_transaction_start. */
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);

/* Domain management (dom0 only). mfn and eventchn are passed on as Xen's
 * wire form has them; Xenon's guests reach xenstore through xenon-hv. */
bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn, unsigned int eventchn);
bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target);
bool xs_resume_domain(struct xs_handle *h, unsigned int domid);
bool xs_release_domain(struct xs_handle *h, unsigned int domid);
/* "/local/domain/<domid>", malloc'd. */
char *xs_get_domain_path(struct xs_handle *h, unsigned int domid);
/* Whether child is parent or below it (no connection needed). */
bool xs_path_is_subpath(const char *parent, const char *child);
/* Whether xenstored knows domid; false on error too (errno set). */
bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid);

/* A CONTROL request: cmd and len bytes of data after its NUL; the reply,
 * malloc'd. See xenstore-control(1) for the commands. */
char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);
/* Its older name. */
char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);

/* The suspend event channel domid's guest published
 * (/local/domain/<domid>/device/suspend/event-channel), or -1. */
int xs_suspend_evtchn_port(int domid);

#endif
