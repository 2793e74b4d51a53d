/*
 * Scatter lists after a short readv/writev: what is left of them.
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

#endif
