/*
 * The virtio-blk driver's interface to the shell's blk commands
 * (virtio_blk.c, blk_cmd.c). A device's dev->priv is its struct blk.
 */
#ifndef GUEST_BLK_H
#define GUEST_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "devices.h"

#define BLK_SECTOR  512
#define BLK_MAX_REQ (1024 * 1024) /* bytes in one request at most (bench: 1 MiB requests) */
#define BLK_SLOTS   64		/* requests in flight at most */

struct blk {
	struct virtq *q;
	uint64_t capacity; /* 512-byte sectors */
	bool ro;
	bool flush;
	uint32_t size_max; /* bytes in one segment (0: no limit) */
	uint32_t seg_max;  /* data segments in one request */
	uint32_t blk_size;
	void *slots; /* a page of request headers and status bytes */
};

/* Largest request in bytes (a multiple of BLK_SECTOR). */
uint32_t blk_max_request(const struct blk *b);
/* Refuse (with a message) a write to a read-only disk or sectors beyond its end. */
int blk_check(struct device *dev, bool write, uint64_t sector, uint64_t count);
int blk_submit(struct device *dev, unsigned int slot, bool write, uint64_t sector, void *buf, uint32_t bytes);
void blk_kick(struct device *dev);
int blk_reap(struct device *dev, unsigned int *slot);
int blk_io(struct device *dev, bool write, uint64_t sector, void *buf, uint64_t count);

#endif
