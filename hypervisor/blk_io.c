/* A vbd's I/O engine: io_uring batches, preadv/pwritev without it (blk_io.h). */
#include "hypervisor/blk_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int blk_io_init(struct blk_io *io, unsigned depth, bool use_uring)
{
	int rc;

	memset(io, 0, sizeof(*io));
	io->depth = depth;
	if (!use_uring)
		return 0;
	rc = io_uring_queue_init(depth, &io->ring, 0);
	if (rc < 0) {
		log_info("io_uring unavailable (%s): disk I/O through preadv/pwritev", strerror(-rc));
		return 0;
	}
	io->uring = true;
	return 0;
}

void blk_io_fini(struct blk_io *io)
{
	if (io->uring)
		io_uring_queue_exit(&io->ring);
	io->uring = false;
}

/* The part of op after its first done bytes, synchronously. */
static int sync_rest(struct blk_op *op, uint64_t done)
{
	struct iovec iov[IOV_MAX];
	unsigned first = 0, n;
	ssize_t r;

	if (op->kind == BLK_OP_FLUSH)
		return fdatasync(op->fd) < 0 ? -errno : 0;
	if (op->niov > IOV_MAX)
		return -EINVAL;
	memcpy(iov, op->iov, op->niov * sizeof(iov[0]));
	while (done < op->len) {
		uint64_t skip = done;

		for (first = 0; first < op->niov && skip >= iov[first].iov_len; first++)
			skip -= iov[first].iov_len;
		n = op->niov - first;
		iov[first].iov_base = (uint8_t *)op->iov[first].iov_base + skip;
		iov[first].iov_len = op->iov[first].iov_len - skip;
		if (op->kind == BLK_OP_READ)
			r = preadv(op->fd, iov + first, n, op->off + done);
		else
			r = pwritev2(op->fd, iov + first, n, op->off + done, op->dsync ? RWF_DSYNC : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* past the end: the capacity checks keep requests inside */
		done += r;
	}
	return 0;
}

static void prep(struct io_uring_sqe *sqe, struct blk_op *op)
{
	switch (op->kind) {
	case BLK_OP_READ:
		io_uring_prep_readv(sqe, op->fd, op->iov, op->niov, op->off);
		break;
	case BLK_OP_WRITE:
		io_uring_prep_writev(sqe, op->fd, op->iov, op->niov, op->off);
		sqe->rw_flags = op->dsync ? RWF_DSYNC : 0;
		break;
	case BLK_OP_FLUSH:
		io_uring_prep_fsync(sqe, op->fd, IORING_FSYNC_DATASYNC);
		sqe->flags |= IOSQE_IO_DRAIN; /* after the writes before it */
		break;
	}
}

/* One completion: a short transfer or a retryable error is finished synchronously. */
static void complete(struct blk_op *op, int res)
{
	if (res == -EAGAIN || res == -EINTR)
		op->result = sync_rest(op, 0);
	else if (res < 0)
		op->result = res;
	else if (op->kind != BLK_OP_FLUSH && (uint64_t)res < op->len)
		op->result = sync_rest(op, res);
	else
		op->result = 0;
}

/* Submit what is queued; retry while the kernel is merely busy. */
static unsigned submit_all(struct blk_io *io, unsigned queued)
{
	unsigned submitted = 0, tries = 0;

	while (submitted < queued && tries++ < 1000) {
		int rc = io_uring_submit(&io->ring);

		if (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY)
			continue;
		if (rc <= 0)
			break;
		submitted += rc;
	}
	return submitted;
}

static void run_uring(struct blk_io *io, struct blk_op **ops, unsigned n)
{
	unsigned queued = 0, submitted;
	bool drop_ring = false;
	int rc;

	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);

		ops[i]->result = 1; /* pending */
		if (!sqe) {
			ops[i]->result = sync_rest(ops[i], 0);
			continue;
		}
		prep(sqe, ops[i]);
		io_uring_sqe_set_data64(sqe, i);
		queued++;
	}
	submitted = submit_all(io, queued);
	if (submitted < queued) {
		/* Never leave unsubmitted entries behind: the ring goes, the rest runs synchronously. */
		log_warnx("io_uring: %u of %u operations not submitted: using preadv/pwritev from now on",
			  queued - submitted, queued);
		drop_ring = true;
	}
	for (unsigned done = 0; done < submitted; done++) {
		struct io_uring_cqe *cqe;
		uint64_t i;

		do
			rc = io_uring_wait_cqe(&io->ring, &cqe);
		while (rc == -EINTR);
		if (rc < 0)
			break;
		i = io_uring_cqe_get_data64(cqe);
		if (i < n)
			complete(ops[i], cqe->res);
		io_uring_cqe_seen(&io->ring, cqe);
	}
	if (drop_ring)
		blk_io_fini(io);
	for (unsigned i = 0; i < n; i++) /* not submitted: synchronously */
		if (ops[i]->result == 1)
			ops[i]->result = sync_rest(ops[i], 0);
}

void blk_io_run(struct blk_io *io, struct blk_op **ops, unsigned n)
{
	if (io->uring && n <= io->depth) {
		run_uring(io, ops, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		ops[i]->result = sync_rest(ops[i], 0);
}
