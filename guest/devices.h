/*
 * The device registry (devices.c): virtio-mmio devices found on the
 * command line (virtio_mmio.device=) or in xenstore (device/vbd/<D>,
 * device/vif/<D>, docs/devices.md), named, handed to the driver for their
 * virtio device id, and taken back when the backend closes.
 *
 * A driver is a const struct driver with its virtio id; the registry's table
 * names virtio_blk_driver (virtio_blk.c) and virtio_net_driver (virtio_net.c,
 * a weak reference: absent until linked in). Both of its hooks run in
 * thread context (boot, or the shell's idle loop for hot-add and close):
 *  - attach: bring dev->vdev up (virtio_begin ... virtio_driver_ok), keep its
 *    state in dev->priv; 0, or -errno (the registry then resets the device,
 *    calls virtio_release and, for xenstore devices, writes state 6 + error).
 *  - detach: stop using the device and free dev->priv; the registry then
 *    resets it, calls virtio_release and writes state 6.
 * Commands use a device only between those two calls, and the registry
 * detaches only from the idle loop, never during a command.
 */
#ifndef GUEST_DEVICES_H
#define GUEST_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define DEV_NAME_MAX 16
#define MAX_DEVICES  16

struct device;

struct driver {
	const char *name;    /* "virtio-blk" */
	uint32_t virtio_id;  /* VIRTIO_ID_* */
	const char *xs_kind; /* "vbd" or "vif" */
	const char *prefix;  /* names: "xvd" + letters, "eth" + number */
	bool letters;	     /* name suffix a, b, ..., z, aa, ... (else 0, 1, ...) */
	int (*attach)(struct device *dev);
	void (*detach)(struct device *dev);
};

struct device {
	bool present;
	char name[DEV_NAME_MAX];
	const struct driver *drv;
	unsigned int index; /* xvda = 0, eth3 = 3 */
	int devid;	    /* Xen devid; -1 for a command-line device */
	char fe_path[48];   /* device/vbd/51712 (relative to the domain's home) */
	char be_path[96];   /* the backend directory, from the frontend's "backend" */
	char watch_token[32];
	struct virtio_dev vdev;
	void *priv;
};

/* The device called name, or NULL. */
struct device *device_find(const char *name);
/* Iterate: the present device after prev (NULL: the first) with that virtio id (0: any). */
struct device *device_next(struct device *prev, uint32_t virtio_id);
/* At boot, after xs_init: xenstore's devices, then the command line's. */
void devices_init(void);

extern const struct driver virtio_blk_driver;
extern const struct driver virtio_net_driver __attribute__((weak));

/* Commands (commands.c's table) */
int cmd_disks(int argc, char **argv);
int cmd_blk(int argc, char **argv);

#endif
