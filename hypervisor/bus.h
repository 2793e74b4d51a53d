/*
 * The device model's buses (bus.c): port I/O and MMIO address ranges, each
 * owned by a device instance. A device is an object with its own state
 * (priv) and an operations struct; it registers ranges at run time and the
 * vCPU threads dispatch KVM_EXIT_IO / KVM_EXIT_MMIO to it by address.
 * Standalone (no hv.h) so the unit tests link it alone.
 */
#ifndef XENON_HV_BUS_H
#define XENON_HV_BUS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct hv_vm;
struct hv_dev;

/* Every access: region is the number the device gave the range, off the
 * offset into it; the bus has checked that [off, off + size) lies inside. */
struct hv_dev_ops {
	const char *name;
	int (*read)(struct hv_dev *d, unsigned region, uint64_t off, void *data, unsigned size);
	int (*write)(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size);
	/* Optional: a whole `rep outs` (count items of size bytes) in one call. */
	int (*write_string)(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size,
			    unsigned count);
	/* Optional, all of them. start: the domain is built (fds, threads);
	 * stop: before destroy; save/restore: not implemented yet (-ENOSYS). */
	void (*reset)(struct hv_dev *d);
	int (*start)(struct hv_dev *d);
	void (*stop)(struct hv_dev *d);
	int (*save)(struct hv_dev *d, void *buf, size_t *len);
	int (*restore)(struct hv_dev *d, const void *buf, size_t len);
	/* After a restore, once the rest is done: what its restore began and
	 * waits for (hv_devices_settle), in the meantime rather than in turn. */
	int (*settle)(struct hv_dev *d);
	void (*destroy)(struct hv_dev *d); /* frees priv; the ranges are gone already */
};

struct hv_dev {
	const struct hv_dev_ops *ops;
	struct hv_vm *vm;
	void *priv;
	struct hv_dev *next; /* the domain's list of devices (devices.c) */
};

enum hv_bus_space { HV_BUS_PIO, HV_BUS_MMIO, HV_BUS_NR };

/* Widths an access may have (bit n: 2^n bytes); 0 at registration means any
 * width the space knows (port I/O 1, 2, 4; MMIO 1, 2, 4, 8). */
#define HV_BUS_W1 0x1
#define HV_BUS_W2 0x2
#define HV_BUS_W4 0x4
#define HV_BUS_W8 0x8

struct hv_bus_range {
	uint64_t base, len;
	struct hv_dev *dev;
	unsigned region;
	unsigned widths;
};

/* Ranges sorted by base, never overlapping; the lock is read-held for the
 * whole of a dispatch, so an unregister waits for accesses in flight. */
struct hv_bus {
	enum hv_bus_space space;
	pthread_rwlock_t lock;
	struct hv_bus_range *ranges;
	unsigned nr, cap;
	/* Accesses to nothing: logged at most HV_BUS_LOG_BURST per second. */
	pthread_mutex_t log_lock;
	uint64_t log_window_ns;
	unsigned log_count;
	uint64_t unhandled; /* how many, in all (under log_lock) */
};
#define HV_BUS_LOG_BURST 8

int hv_bus_init(struct hv_bus *b, enum hv_bus_space space);
void hv_bus_destroy(struct hv_bus *b);
/* -EINVAL for an empty or wrapping range, -EEXIST if it overlaps another. */
int hv_bus_register(struct hv_bus *b, struct hv_dev *dev, unsigned region, uint64_t base, uint64_t len,
		    unsigned widths);
/* -ENOENT unless dev owns a range starting at base. */
int hv_bus_unregister(struct hv_bus *b, struct hv_dev *dev, uint64_t base);
/* Every range of dev; how many went. */
unsigned hv_bus_unregister_dev(struct hv_bus *b, struct hv_dev *dev);
/* Copies the range containing addr into *out: 0, or -ENOENT. */
int hv_bus_lookup(struct hv_bus *b, uint64_t addr, struct hv_bus_range *out);
/*
 * One exit's access: count items of size bytes at data (count > 1 for string
 * port I/O). An access to nothing, of a width the range refuses or running
 * past its end reads as all ones and writes are dropped (as on a PC): -ENOENT.
 * Otherwise the device's status.
 */
int hv_bus_access(struct hv_bus *b, uint64_t addr, int is_write, void *data, unsigned size, unsigned count);

#endif
