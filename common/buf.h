/*
 * Buffers that grow by doubling.
 */
#ifndef XENON_BUF_H
#define XENON_BUF_H

#include <stddef.h>

/*
 * buf (of *cap bytes; NULL and 0 at first) made to hold at least need
 * bytes: its size doubled, from first when it has none, until it does. The
 * buffer to use from now on (buf itself when it was large enough; *cap
 * updated), or NULL when memory ran out (buf and *cap as they were).
 */
void *buf_grow(void *buf, size_t *cap, size_t need, size_t first);

#endif
