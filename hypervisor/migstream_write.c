/*
 * The migration stream's writer (migstream.h, man/xenon-migration.7): the
 * header and state records held and sent with the next pages or the END,
 * the pages' data written, or given to a pipe by reference.
 */
#include "hypervisor/migstream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "iov.h"

void mig_writer_init(struct mig_writer *w, int fd)
{
	*w = (struct mig_writer){.fd = fd};
}

void mig_writer_release(struct mig_writer *w)
{
	free(w->held);
	w->held = NULL;
	w->held_len = w->held_cap = 0;
}

/*
 * All of iov, in IOV_MAX pieces, through short writes; by_ref: into the pipe
 * by reference (mig_writer.splice_pages), 1 if the fd is no pipe after all
 * (nothing went: write it).
 */
static int put_iov(struct mig_writer *w, struct iovec *iov, int n, int by_ref)
{
	for (int first = 1; n > 0; first = 0) {
		int k = n > IOV_MAX ? IOV_MAX : n;
		ssize_t done = by_ref ? vmsplice(w->fd, iov, (unsigned long)k, 0) : writev(w->fd, iov, k);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0 && by_ref && first && (errno == EBADF || errno == EINVAL))
			return 1;
		if (done < 0)
			return -errno;
		w->bytes += done;
		iov_advance(&iov, &n, (size_t)done);
	}
	return 0;
}

static int write_iov(struct mig_writer *w, struct iovec *iov, int n)
{
	return put_iov(w, iov, n, 0);
}

/* iov[1..n) after what is held (iov[0] is left for it), in one go; nothing is held after. */
static int write_with_held(struct mig_writer *w, struct iovec *iov, int n)
{
	int rc;

	iov[0] = (struct iovec){w->held, w->held_len};
	rc = write_iov(w, w->held_len ? iov : iov + 1, w->held_len ? n : n - 1);
	w->held_len = 0;
	return rc;
}

/* iov[1..n) copied behind what is held; 0 or -ENOMEM. */
static int hold(struct mig_writer *w, const struct iovec *iov, int n, size_t len)
{
	uint8_t *p = buf_grow(w->held, &w->held_cap, w->held_len + len, 64 * 1024);

	if (!p)
		return -ENOMEM;
	w->held = p;
	for (int i = 1; i < n; i++) {
		if (iov[i].iov_len)
			memcpy(w->held + w->held_len, iov[i].iov_base, iov[i].iov_len);
		w->held_len += iov[i].iov_len;
	}
	return 0;
}

/* iov[1..n), len bytes in all: held, or written (with what is held) when large. */
static int put(struct mig_writer *w, struct iovec *iov, int n, size_t len)
{
	if (w->held_len + len > MIG_HOLD_MAX) {
		int rc = write_with_held(w, iov, 1);

		if (rc || len >= MIG_HOLD_MAX)
			return rc ? rc : write_with_held(w, iov, n);
	}
	return hold(w, iov, n, len);
}

int mig_write_header(struct mig_writer *w, const struct mig_header *h)
{
	struct mig_header out = *h;
	struct iovec iov[2] = {{0}, {&out, sizeof(out)}};

	memcpy(out.magic, MIG_MAGIC, sizeof(out.magic));
	out.version = MIG_VERSION;
	out.header_len = sizeof(out);
	return put(w, iov, 2, sizeof(out));
}

int mig_write_record(struct mig_writer *w, uint32_t type, uint32_t instance, const void *a, size_t alen,
		     const void *b, size_t blen)
{
	static const uint8_t zeros[8];
	struct mig_rec r = {.type = type, .instance = instance, .len = alen + (b ? blen : 0)};
	struct iovec iov[5] = {{0}, {&r, sizeof(r)}, {(void *)a, alen}, {(void *)b, b ? blen : 0}};

	iov[4] = (struct iovec){(void *)zeros, MIG_PAD8(r.len) - r.len};
	return put(w, iov, 5, sizeof(r) + MIG_PAD8(r.len));
}

/*
 * The zeros before a PAGES record's data so that the data starts at a
 * multiple of 4 KiB of the stream (a save file's restore reads it with
 * O_DIRECT: migstream.c), when it carries enough data for that to matter.
 */
static uint32_t pages_pad(const struct mig_writer *w, unsigned count, unsigned with_data)
{
	uint64_t at = w->bytes + w->held_len + sizeof(struct mig_rec) + 8 + count * sizeof(uint64_t);

	return with_data < MIG_PAGES_ALIGN_MIN
		   ? 0
		   : (uint32_t)((MIG_PAGE_SIZE - at % MIG_PAGE_SIZE) % MIG_PAGE_SIZE);
}

int mig_write_pages(struct mig_writer *w, const uint64_t *pfns, const void *const *data, unsigned count)
{
	static const uint8_t zeros[MIG_PAGE_SIZE];
	struct iovec iov[5 + MIG_PAGES_MAX]; /* [0]: what is held */
	uint32_t head[2] = {count, 0};
	struct mig_rec r = {.type = MIG_REC_PAGES};
	unsigned with_data = 0;
	int n = 5;

	if (!count || count > MIG_PAGES_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < count; i++) {
		if (pfns[i] & MIG_PFN_ZERO)
			continue;
		with_data++;
		/* Frames adjacent in the host's mapping go in one piece. */
		if (n > 5 && (const uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len == data[i])
			iov[n - 1].iov_len += MIG_PAGE_SIZE;
		else
			iov[n++] = (struct iovec){(void *)data[i], MIG_PAGE_SIZE};
	}
	head[1] = pages_pad(w, count, with_data);
	r.len = sizeof(head) + count * sizeof(pfns[0]) + head[1];
	for (int i = 5; i < n; i++)
		r.len += iov[i].iov_len;
	iov[1] = (struct iovec){&r, sizeof(r)};
	iov[2] = (struct iovec){head, sizeof(head)};
	iov[3] = (struct iovec){(void *)pfns, count * sizeof(pfns[0])};
	iov[4] = (struct iovec){(void *)zeros, head[1]};
	if (!w->splice_pages)
		return write_with_held(w, iov, n);
	/* the frame list (ours, reused) copied; the frames' data given by reference */
	int rc = write_with_held(w, iov, 5);

	if (!rc && (rc = put_iov(w, iov + 5, n - 5, 1)) > 0) {
		w->splice_pages = 0; /* no pipe: written from now on */
		rc = write_iov(w, iov + 5, n - 5);
	}
	return rc;
}

int mig_write_held(struct mig_writer *w, struct mig_writer *from)
{
	struct iovec iov[2] = {{0}, {from->held, from->held_len}};
	int rc = from->held_len ? put(w, iov, 2, from->held_len) : 0;

	mig_writer_release(from);
	return rc;
}

int mig_write_end(struct mig_writer *w)
{
	struct mig_rec r = {.type = MIG_REC_END};
	struct iovec iov[2] = {{0}, {&r, sizeof(r)}};
	int rc = write_with_held(w, iov, 2);

	mig_writer_release(w);
	return rc;
}
