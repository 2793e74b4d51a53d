/*
 * The xenstore wire protocol, as Xen defines it (docs/misc/xenstore.txt,
 * xen/include/public/io/xs_wire.h), written out for Xenon. Shared by the
 * daemon, libxs and the clients.
 *
 * Every message is a 16-byte header in host byte order followed by len
 * bytes of payload (at most XS_PAYLOAD_MAX). Replies echo req_id and tx_id;
 * errors are type XS_ERROR with payload "E<NAME>\0".
 */
#ifndef XENON_XS_WIRE_H
#define XENON_XS_WIRE_H

#include <stdint.h>

enum xs_msg_type {
	XS_CONTROL = 0, /* was XS_DEBUG */
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESTRICT = 20, /* obsolete: answered ENOSYS */
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT,
	XS_INVALID = 0xffff
};

struct xs_msg_hdr {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
};

#define XS_HDR_SIZE	16
#define XS_PAYLOAD_MAX	4096
#define XS_ABS_PATH_MAX 3072
#define XS_REL_PATH_MAX 2048

/* The error names a reply may carry, in Xen's order. */
#define XS_ERRORS(X)                                                                                         \
	X(EINVAL)                                                                                            \
	X(EACCES) X(EEXIST) X(EISDIR) X(ENOENT) X(ENOMEM) X(ENOSPC) X(EIO) X(ENOTEMPTY) X(ENOSYS) X(EROFS)   \
	    X(EBUSY) X(EAGAIN) X(EISCONN) X(E2BIG) X(EPERM)

/* "ENOENT" <-> ENOENT; unknown names map to EIO, unknown numbers to "EIO". */
int xs_errno_from_name(const char *name);
const char *xs_errno_name(int err);

/* Permission letters on the wire: n (none), r, w, b (both). */
#define XS_PERM_NONE  0
#define XS_PERM_READ  1
#define XS_PERM_WRITE 2
#define XS_PERM_BOTH  3

/* Watch event payload: "<path>\0<token>\0". */
#define XS_WATCH_PATH  0
#define XS_WATCH_TOKEN 1

#endif
