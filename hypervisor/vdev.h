/*
 * The domain's disks and NICs (docs/devices.md): one file per kind
 * (virtio_blk.c, virtio_net.c) exports its struct hv_vdev_type; vdev.c keeps
 * the table of kinds and the list of added devices, and serves --disk/--nic
 * at start and HVCTL_DEVICE_ADD/REMOVE/LIST at run time.
 */
#ifndef XENON_HV_VDEV_H
#define XENON_HV_VDEV_H

#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

/*
 * The backing's fds a control client passed with HVCTL_DEVICE_ADD
 * (HVCTL_DEVF_FDS in the spec). A kind's add takes the ones it keeps (sets
 * them to -1); whoever received them closes the rest.
 */
struct hv_vdev_fds {
	int fd[HVCTL_MAX_FDS];
	unsigned n;
};

struct hv_vdev_type {
	uint32_t kind;    /* HVCTL_DEV_* */
	const char *name; /* "vbd", "vif" */
	/*
	 * Create the device from spec and add it to vm (hv_virtio_add). spec
	 * may come from a control client: every field is checked here, and a
	 * bad one gives a negative errno and a log line that names the device
	 * and says what to do; a failure leaves nothing behind. With
	 * HVCTL_DEVF_FDS the backing is in fds (checked as untrusted too: what
	 * it is, how it was opened); else it opens spec's target itself (fds
	 * may then be NULL).
	 */
	int (*add)(struct hv_vm *vm, const struct hvctl_device_spec *spec, struct hv_vdev_fds *fds,
		   struct hv_dev **out);
	/* Fill out's kind-specific parts: sectors, mtu, mac, target, stats. */
	void (*describe)(struct hv_dev *d, struct hvctl_device *out);
};

extern const struct hv_vdev_type hv_vdev_vbd; /* virtio_blk.c */
extern const struct hv_vdev_type hv_vdev_vif; /* virtio_net.c */

#endif
