/*
 * Passing file descriptors over an AF_UNIX socket (SCM_RIGHTS): the one
 * sender the control protocol (libhvctl), xenon-hv's VM hand-over to
 * libxl's keeper and their tests share.
 */
#ifndef XENON_FDPASS_H
#define XENON_FDPASS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The most descriptors one message carries here (a VM and 64 vCPUs fit). */
#define FDPASS_MAX 128

/*
 * sendmsg of iov[0..iovlen) with nfds descriptors attached (none if 0),
 * MSG_NOSIGNAL, retried on EINTR: the bytes sent, or -errno (-EINVAL for
 * more than FDPASS_MAX descriptors).
 */
ssize_t fdpass_send(int sock, const struct iovec *iov, size_t iovlen, const int *fds, unsigned nfds);

#endif
