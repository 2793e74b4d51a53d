/*
 * A virtio-blk device's backing (blk_backing.c): a raw image file or a host
 * block device, opened once by xenon-hv. An image in another format
 * (qcow2, vhd, vmdk: found by its magic) is refused with a message that
 * says to convert it; so are directories, other special files and files
 * smaller than one sector; blk_backing_lock refuses one in use (flock: one
 * writer, or readers only) by another disk of any xenon-hv. The data fd is O_DIRECT when the backing takes
 * it (tried, with the alignment it needs) unless told not to; a second,
 * buffered fd serves requests O_DIRECT cannot (an offset or length the
 * alignment does not allow) and the probes.
 */
#ifndef XENON_HV_BLK_BACKING_H
#define XENON_HV_BLK_BACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_SECTOR 512ULL

struct blk_backing {
	int fd;			/* data: O_DIRECT if direct */
	int bfd;		/* buffered (the same fd as fd when not direct) */
	uint64_t size;		/* bytes */
	bool readonly;		/* opened O_RDONLY */
	bool direct;		/* fd is O_DIRECT */
	bool blockdev;		/* a host block device (BLKDISCARD) or a file (PUNCH_HOLE) */
	bool locked;		/* blk_backing_lock took the lock (or the filesystem has none) */
	unsigned align;		/* O_DIRECT: offsets, lengths and buffers are multiples (512 or more) */
	unsigned logical_block; /* the device's logical block size (512 for files) */
};

/* Open path for a vbd: readonly -> O_RDONLY; direct -> try O_DIRECT. -errno
 * and a log line naming what (e.g. "vbd 51712") and path on a refusal. */
int blk_backing_open(struct blk_backing *b, const char *what, const char *path, bool readonly, bool direct);
/* The same checks on fds a privileged caller opened (HVCTL_DEVF_FDS): fd
 * with readonly's access mode, dfd (or -1) that file with O_DIRECT. On
 * success b owns fd, and dfd if it uses it (b->direct); the caller keeps
 * what b does not own. path is for messages. */
int blk_backing_adopt(struct blk_backing *b, const char *what, const char *path, int fd, int dfd,
		      bool readonly, bool direct);
/* One writer or any number of readers, across every xenon-hv on the host:
 * -EBUSY, with a log line, if another disk holds it (0 if held already).
 * Taken after open or adopt, except by a domain being restored, whose
 * source may still hold it until the hand-over (migration); unlock gives
 * it up (the written data flushed first), for the copy on the target. */
int blk_backing_lock(struct blk_backing *b, const char *what, const char *path);
int blk_backing_unlock(struct blk_backing *b);
void blk_backing_close(struct blk_backing *b);

/* The image format whose magic the first 512 bytes (head) or the last 512
 * bytes (tail; may be NULL) carry, or NULL for none (raw). */
const char *blk_image_format(const uint8_t *head, size_t head_len, const uint8_t *tail, size_t tail_len);

/* Discard [off, off + len): hole punched in a file, BLKDISCARD on a device. */
int blk_backing_discard(struct blk_backing *b, uint64_t off, uint64_t len);

#endif
