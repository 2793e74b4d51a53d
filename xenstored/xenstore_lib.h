/*
 * xenstore_lib.h: the helpers of Xen's libxenstore that need no connection
 * (permission strings, string lists, where the daemon lives). Included by
 * xenstore.h, as in Xen; see libxenstore(3).
 */
#ifndef XENSTORE_LIB_H
#define XENSTORE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_WRITE_NONE	       "NONE"
#define XS_WRITE_CREATE	       "CREATE"
#define XS_WRITE_CREATE_EXCL   "CREATE|EXCL"

/* The access a domain has to a node; the first entry of a node's list
 * names its owner and the access of every domain not listed after it. */
enum xs_perm_type {
	XS_PERM_NONE = 0,
	XS_PERM_READ = 1,
	XS_PERM_WRITE = 2,
	/* Internal use. */
	XS_PERM_ENOENT_OK = 4,
	XS_PERM_OWNER = 8,
	XS_PERM_IGNORE = 16,
};

struct xs_permissions {
	unsigned int id;
	enum xs_perm_type perms;
};

/* Longest "w<domid>" xs_perm_to_string() writes, with its NUL. */
#define XS_PERM_STRING_MAX (1 + 10 + 1)

/* Where the daemon's files are: $XENSTORED_ROOTDIR / $XENSTORED_RUNDIR
 * or the defaults; xs_daemon_socket() honours $XENSTORED_PATH first. */
const char *xs_daemon_rootdir(void);
const char *xs_daemon_rundir(void);
const char *xs_daemon_socket(void);
const char *xs_daemon_socket_ro(void);
const char *xs_domain_dev(void);
const char *xs_daemon_tdb(void);

/* Parse num NUL-separated strings ("r0", "w5", "b7", "n3") into perms;
 * false with errno EINVAL on a bad letter. */
bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings);
/* One permission as its string into buffer; false (errno EINVAL) on an
 * unknown access or a buffer too short. */
bool xs_perm_to_string(const struct xs_permissions *perm, char *buffer, size_t buf_len);
/* Write all len bytes to fd (retrying short writes and EINTR); false
 * with errno set on failure. */
bool xs_write_all(int fd, const void *data, unsigned int len);
/* How many NUL-terminated strings the len bytes at strings hold. */
unsigned int xs_count_strings(const char *strings, unsigned int len);

#endif
