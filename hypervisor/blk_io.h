/*
 * A vbd's I/O engine (blk_io.c): a batch of reads, writes and flushes is
 * submitted at once to io_uring and reaped together, so that the requests
 * a guest queued run concurrently; without io_uring (an old kernel, a
 * sandbox that forbids it) the same batch runs with preadv/pwritev/fdatasync,
 * one after another. Runs on the device's I/O thread only.
 */
#ifndef XENON_HV_BLK_IO_H
#define XENON_HV_BLK_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <liburing.h>

enum blk_op_kind { BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH };

struct blk_op {
	enum blk_op_kind kind;
	int fd;
	const struct iovec *iov; /* READ, WRITE */
	unsigned niov;
	uint64_t off, len; /* len: the iovecs' total */
	bool dsync;	   /* WRITE: stable on completion (write-through) */
	int result;	   /* out: 0 (every byte done) or -errno */
};

struct blk_io {
	bool uring; /* io_uring in use */
	unsigned depth;
	struct io_uring ring;
};

/* depth: the most operations in one batch. use_uring false: preadv and
 * friends only. Never fails for want of io_uring. */
int blk_io_init(struct blk_io *io, unsigned depth, bool use_uring);
void blk_io_fini(struct blk_io *io);
/* Run ops[0 .. n) (n <= depth) and fill each result. A flush runs after
 * the operations before it in the batch have completed. */
void blk_io_run(struct blk_io *io, struct blk_op **ops, unsigned n);

#endif
