/*
 * virtio-net (virtio 1.x, 5.1) over a tap: docs/devices.md. A first stub so
 * that vdev.c's table links; the device itself follows.
 */
#include <errno.h>
#include <string.h>

#include "hypervisor/vdev.h"
#include "log.h"

static int vif_add(struct hv_vm *vm, const struct hvctl_device_spec *spec, struct hv_dev **out)
{
	(void)vm, (void)out;
	log_warnx("vif %u: virtio-net is not built into this xenon-hv yet", spec->devid);
	return -ENOSYS;
}

static void vif_describe(struct hv_dev *d, struct hvctl_device *out)
{
	(void)d, (void)out;
}

const struct hv_vdev_type hv_vdev_vif = {
    .kind = HVCTL_DEV_VIF,
    .name = "vif",
    .add = vif_add,
    .describe = vif_describe,
};
