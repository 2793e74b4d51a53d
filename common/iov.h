/*
 * Scatter lists after a short readv/writev: what is left of them; and a
 * whole buffer written to a file descriptor however short its writes.
 */
#ifndef XENON_IOV_H
#define XENON_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/*
 * Move *iov and *n past `done` bytes (what one readv or writev moved): the
 * parts moved whole are dropped, the first one left starts after its moved
 * bytes. *n becomes 0 once all of it is done.
 */
void iov_advance(struct iovec **iov, int *n, size_t done);

/* All len bytes of buf to fd (short writes and EINTR taken): 0, or -errno
 * (-EIO for a write that took nothing). */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
