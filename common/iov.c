#include "iov.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

void iov_advance(struct iovec **iov, int *n, size_t done)
{
	for (; *n > 0 && done >= (*iov)->iov_len; (*iov)++, (*n)--)
		done -= (*iov)->iov_len;
	if (*n > 0) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + done;
		(*iov)->iov_len -= done;
	}
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
