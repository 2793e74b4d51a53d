#include "iov.h"

#include <stdint.h>

void iov_advance(struct iovec **iov, int *n, size_t done)
{
	for (; *n > 0 && done >= (*iov)->iov_len; (*iov)++, (*n)--)
		done -= (*iov)->iov_len;
	if (*n > 0) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + done;
		(*iov)->iov_len -= done;
	}
}
