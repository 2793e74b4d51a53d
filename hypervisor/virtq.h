/*
 * The virtio core's guest-facing half: guest memory access and split
 * virtqueues (virtio 1.x, section 2.7). Everything here reads memory a hostile
 * guest controls: every index, length and address is checked before use, each
 * descriptor is read once into a local copy, and a guest that breaks the rules
 * gets a broken queue (a device error), never a crash or an access outside
 * its RAM.
 *
 * Device side, in short:
 *
 *   struct virtq_buf bufs[N];
 *   struct virtq_chain c;
 *   while ((rc = virtq_pop(vq, bufs, N, &c)) > 0) {
 *           ... read bufs[0 .. c.n_readable), write bufs[c.n_readable .. c.n) ...
 *           virtq_push(vq, &c, bytes_written);
 *   }
 *   if (rc < 0) the queue is broken (its owner was told through on_broken)
 *   if (virtq_should_notify(vq)) raise the used-buffer interrupt
 *
 * A queue is not thread-safe: one thread pops and pushes; enable, disable and
 * reset happen only while that thread is known not to be using the queue.
 */
#ifndef XENON_HV_VIRTQ_H
#define XENON_HV_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest RAM as a few regions (xenon-hv has low RAM and RAM above 4 GiB). */
#define GMEM_MAX_REGIONS 4

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct gmem {
	unsigned nr;
	struct gmem_region r[GMEM_MAX_REGIONS];
	/* While a live save runs (precopy.c): a bitmap of the frames the
	 * device may have written, one bit per 4 KiB from dirty_base (the
	 * guest's RAM mapping); NULL otherwise. Set and read atomically. */
	uint64_t *dirty;
	const uint8_t *dirty_base;
};

/* Add [gpa, gpa + size) backed by host. host must have the alignment of gpa
 * modulo 16 (so aligned guest rings are aligned host objects); no overlap. */
int gmem_add(struct gmem *m, uint64_t gpa, uint64_t size, void *host);
/* Host pointer for [gpa, gpa + len) if it lies wholly inside one region,
 * else NULL. len 0 is valid anywhere inside a region or at its end. */
void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len);

/* Turn the dirty bitmap on (bits, base) or off (NULL); mark [host, +len). */
void gmem_track(struct gmem *m, uint64_t *bits, const uint8_t *base);
void gmem_mark(const struct gmem *m, const void *host, uint64_t len);

/* Descriptor and ring flags (virtio 1.x 2.7.5, 2.7.6, 2.7.8). */
#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

/* Feature bits the core implements. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

/* Largest queue the core accepts (and the most descriptors in one chain). */
#define VIRTQ_MAX_SIZE	1024
#define VIRTQ_DESC_SIZE 16

/* Spec alignment of the three areas, and their sizes for a queue of n. */
#define VIRTQ_DESC_ALIGN     16
#define VIRTQ_AVAIL_ALIGN    2
#define VIRTQ_USED_ALIGN     4
#define VIRTQ_DESC_BYTES(n)  (16ULL * (n))
#define VIRTQ_AVAIL_BYTES(n) (6ULL + 2ULL * (n))
#define VIRTQ_USED_BYTES(n)  (6ULL + 8ULL * (n))

/* Where the driver put the queue, as the transport collected it. */
struct virtq_cfg {
	uint16_t size; /* a power of two, 1 .. VIRTQ_MAX_SIZE */
	uint64_t desc, avail, used;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */
};

/* One buffer of a chain: guest address, length, direction, host pointer
 * (valid for len bytes; guest memory, so its contents may change at any
 * time: copy what must be checked before checking it). */
struct virtq_buf {
	uint64_t gpa;
	uint32_t len;
	bool writable;
	uint8_t *host;
};

/* A popped chain: bufs[0 .. n_readable) are device-readable, the rest
 * device-writable. */
struct virtq_chain {
	uint16_t head;
	unsigned n;
	unsigned n_readable;
	uint32_t readable_len;
	uint32_t writable_len;
};

struct virtq {
	/* Geometry, fixed between virtq_enable and virtq_disable/reset. */
	bool ready;
	bool event_idx, indirect;
	uint16_t size;
	uint8_t *desc;	/* size descriptors */
	uint8_t *avail; /* flags, idx, ring[size], used_event */
	uint8_t *used;	/* flags, idx, ring[size], avail_event */
	const struct gmem *mem;

	/* Device state. */
	uint16_t last_avail; /* next avail ring entry to consume */
	uint16_t used_idx;   /* our copy of used->idx */
	unsigned inflight;   /* popped, not yet pushed */
	uint16_t signalled_used;
	bool signalled_used_valid;
	bool notify_enabled;
	bool broken;
	char why[120]; /* what broke it, for on_broken's log message */

	/* Told once when the queue breaks (the transport sets
	 * DEVICE_NEEDS_RESET). */
	void (*on_broken)(void *opaque, struct virtq *vq);
	void *opaque;
	unsigned index; /* for log messages */
};

/* A queue in reset state (keeps on_broken, opaque and index). */
void virtq_reset(struct virtq *vq);
/* Check cfg (size, alignment, every area inside RAM) and make the queue
 * ready. -EINVAL on a bad size or misaligned area, -EFAULT outside RAM:
 * the queue then stays not ready. */
int virtq_enable(struct virtq *vq, const struct gmem *mem, const struct virtq_cfg *cfg);
/* Size, alignment and RAM checks of virtq_enable without changing anything. */
int virtq_check_cfg(const struct gmem *mem, const struct virtq_cfg *cfg);

/* The next available chain into bufs (at most cap entries): 1 with *c
 * filled, 0 if none is available (or the queue is not ready), -EIO if the
 * queue is broken (now or before). */
int virtq_pop(struct virtq *vq, struct virtq_buf *bufs, unsigned cap, struct virtq_chain *c);
/* Return a popped chain with written bytes (at most c->writable_len) and
 * publish it. -EINVAL for a chain that was not popped (a device bug). */
int virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written);
/* Before pushing a chain the device wrote into (bufs: its buffers as
 * popped): the first len bytes of its writable buffers marked for a live
 * save. A chain is marked when popped too, but one popped before the save
 * began (a NIC holds its rx chains until a packet comes; a disk's batch
 * runs on) is written during it: those pages must go again. */
void virtq_mark_written(const struct virtq *vq, const struct virtq_chain *c, const struct virtq_buf *bufs,
			uint32_t len);
/* Give back the last n chains popped and not pushed (a device saving its
 * queue): they are popped again later. -EINVAL if fewer are in flight. */
int virtq_unpop(struct virtq *vq, unsigned n);
/* After pushes: does the driver want a used-buffer notification? */
bool virtq_should_notify(struct virtq *vq);
/* Driver-to-device notifications: disable while draining; enable returns
 * true if buffers arrived meanwhile (drain again). */
void virtq_disable_notify(struct virtq *vq);
bool virtq_enable_notify(struct virtq *vq);
/* Is at least one chain waiting? (false when not ready or broken) */
bool virtq_has_avail(struct virtq *vq);

/* Copy out of the chain's device-readable bytes, starting off bytes into
 * them (a request header, a packet): the number of bytes copied, short if
 * the readable part ends first. Copy first, then check the copy. */
size_t virtq_copy_from(const struct virtq_buf *bufs, const struct virtq_chain *c, size_t off, void *dst,
		       size_t len);
/* Copy into the chain's device-writable bytes, starting off bytes into
 * them: the number of bytes copied, short if the writable part ends first. */
size_t virtq_copy_to(const struct virtq_buf *bufs, const struct virtq_chain *c, size_t off, const void *src,
		     size_t len);

static inline bool virtq_is_broken(const struct virtq *vq)
{
	return vq->broken;
}

#endif
