/*
 * The domain's disks and NICs (vdev.h, docs/devices.md): the table of
 * kinds, and the list of devices added by (kind, devid), from --disk/--nic
 * at start and HVCTL_DEVICE_ADD/REMOVE/LIST at run time. The list is the
 * main thread's, as the device list is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/vdev.h"
#include "hypervisor/vdev_spec.h"
#include "hypervisor/virtio_mmio.h"
#include "log.h"

struct hv_vdev {
	const struct hv_vdev_type *type;
	uint32_t devid, flags;
	struct hv_dev *dev;
	struct hv_vdev *next;
};

static const struct {
	const struct hv_vdev_type *type;
	/* Optional: open and check what the device needs before the domain
	 * exists (so that xenon-hv fails early on a bad argument). */
	int (*check)(const struct hvctl_device_spec *spec, const char *what);
} vdev_kinds[] = {
    {&hv_vdev_vbd, hv_blk_check},
    {&hv_vdev_vif, NULL},
};
#define NR_KINDS (sizeof(vdev_kinds) / sizeof(vdev_kinds[0]))

static int kind_index(uint32_t kind)
{
	for (unsigned i = 0; i < NR_KINDS; i++)
		if (vdev_kinds[i].type->kind == kind)
			return i;
	return -ENOENT;
}

static struct hv_vdev **find(struct hv_vm *vm, uint32_t kind, uint32_t devid)
{
	struct hv_vdev **p = &vm->vdevs;

	for (; *p; p = &(*p)->next)
		if ((*p)->type->kind == kind && (*p)->devid == devid)
			return p;
	return NULL;
}

/* What every kind needs: a known kind, NUL-terminated strings. */
int hv_vdev_check_spec(const struct hvctl_device_spec *spec)
{
	if (kind_index(spec->kind) < 0) {
		log_warnx("device kind %u: unknown (vbd is %d, vif %d)", spec->kind, HVCTL_DEV_VBD,
			  HVCTL_DEV_VIF);
		return -EINVAL;
	}
	if (!memchr(spec->target, '\0', sizeof(spec->target)) || !spec->target[0] ||
	    !memchr(spec->serial, '\0', sizeof(spec->serial))) {
		log_warnx("%s %u: target or serial empty or not NUL-terminated",
			  hv_vdev_kind_name(spec->kind), spec->devid);
		return -EINVAL;
	}
	return 0;
}

int hv_vdev_precheck(const struct hvctl_device_spec *spec, const char *what)
{
	int rc = hv_vdev_check_spec(spec), k = kind_index(spec->kind);

	if (!rc && k >= 0 && vdev_kinds[k].check)
		rc = vdev_kinds[k].check(spec, what);
	return rc;
}

static void describe(struct hv_vdev *vd, struct hvctl_device *out)
{
	struct vmmio_dev *t = hv_virtio_transport(vd->dev);

	memset(out, 0, sizeof(*out));
	out->kind = vd->type->kind;
	out->devid = vd->devid;
	out->flags = vd->flags;
	out->irq = hv_virtio_irq(vd->dev);
	out->mmio_base = hv_virtio_base(vd->dev);
	out->mmio_size = VMMIO_WINDOW_SIZE;
	out->status = __atomic_load_n(&t->status, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->needs_reset, __ATOMIC_ACQUIRE))
		out->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	vd->type->describe(vd->dev, out);
}

int hv_vdev_add(struct hv_vm *vm, const struct hvctl_device_spec *spec, int start, struct hvctl_device *out)
{
	return hv_vdev_add_fds(vm, spec, start, NULL, out);
}

/* With HVCTL_DEVF_FDS the fds must be there; without it none may come. */
static int check_fds(const struct hvctl_device_spec *spec, const struct hv_vdev_fds *fds)
{
	unsigned n = fds ? fds->n : 0;

	if ((spec->flags & HVCTL_DEVF_FDS) && !n) {
		log_warnx("%s %u: HVCTL_DEVF_FDS but no file descriptor came with the request",
			  hv_vdev_kind_name(spec->kind), spec->devid);
		return -EBADF;
	}
	if (!(spec->flags & HVCTL_DEVF_FDS) && n) {
		log_warnx("%s %u: file descriptors came without HVCTL_DEVF_FDS", hv_vdev_kind_name(spec->kind),
			  spec->devid);
		return -EINVAL;
	}
	return 0;
}

int hv_vdev_add_fds(struct hv_vm *vm, const struct hvctl_device_spec *spec, int start, struct hv_vdev_fds *fds,
		    struct hvctl_device *out)
{
	struct hv_vdev *vd, **tail = &vm->vdevs;
	int rc = hv_vdev_check_spec(spec);

	if (!rc)
		rc = check_fds(spec, fds);
	if (rc)
		return rc;
	if (find(vm, spec->kind, spec->devid)) {
		log_warnx("%s %u: already exists", hv_vdev_kind_name(spec->kind), spec->devid);
		return -EEXIST;
	}
	if ((rc = hv_mig_vdev_place(spec->kind, spec->devid)))
		return rc; /* restoring, and the saved domain had no such device */
	vd = calloc(1, sizeof(*vd));
	if (!vd)
		return -ENOMEM;
	vd->type = vdev_kinds[kind_index(spec->kind)].type; /* known: checked above */
	vd->devid = spec->devid;
	vd->flags = spec->flags;
	rc = vd->type->add(vm, spec, fds, &vd->dev);
	hv_virtio_place_next(0, -1);
	if (!rc && (rc = hv_mig_vdev_load(spec->kind, spec->devid, vd->dev)))
		hv_dev_remove(vd->dev);
	if (!rc && start && vd->dev->ops->start) {
		rc = vd->dev->ops->start(vd->dev);
		if (rc)
			hv_dev_remove(vd->dev);
	}
	if (rc) {
		free(vd);
		return rc;
	}
	while (*tail)
		tail = &(*tail)->next;
	*tail = vd;
	if (out)
		describe(vd, out);
	log_info("%s %u: virtio-mmio window %#llx, IRQ %u", vd->type->name, vd->devid,
		 (unsigned long long)hv_virtio_base(vd->dev), hv_virtio_irq(vd->dev));
	return 0;
}

int hv_vdev_remove(struct hv_vm *vm, uint32_t kind, uint32_t devid)
{
	struct hv_vdev **p = find(vm, kind, devid), *vd;

	if (!p)
		return -ENOENT;
	vd = *p;
	*p = vd->next;
	hv_dev_remove(vd->dev); /* off the bus, I/O thread stopped, backing closed */
	log_info("%s %u: removed", vd->type->name, devid);
	free(vd);
	return 0;
}

unsigned hv_vdev_list(struct hv_vm *vm, struct hvctl_device *out, unsigned cap)
{
	unsigned n = 0;

	for (struct hv_vdev *vd = vm->vdevs; vd; vd = vd->next, n++)
		if (n < cap)
			describe(vd, &out[n]);
	return n;
}

/* " virtio_mmio.device=512@0xd0000000:16" per device, in the order added. */
int hv_vdev_cmdline(struct hv_vm *vm, char *buf, size_t len)
{
	size_t used = strlen(buf);

	for (struct hv_vdev *vd = vm->vdevs; vd; vd = vd->next) {
		int n = snprintf(buf + used, len - used, "%svirtio_mmio.device=%u@%#llx:%u", used ? " " : "",
				 VMMIO_WINDOW_SIZE, (unsigned long long)hv_virtio_base(vd->dev),
				 hv_virtio_irq(vd->dev));

		if (n < 0 || (size_t)n >= len - used)
			return -ENAMETOOLONG;
		used += n;
	}
	return 0;
}

int hv_vdev_add_args(struct hv_vm *vm)
{
	for (unsigned i = 0; i < vm->args.nr_devices; i++) {
		int rc = hv_vdev_add(vm, &vm->args.devices[i], 0, NULL);

		if (rc)
			return rc;
	}
	return 0;
}

void hv_vdev_fini(struct hv_vm *vm)
{
	while (vm->vdevs)
		hv_vdev_remove(vm, vm->vdevs->type->kind, vm->vdevs->devid);
}

int hv_vdev_foreach(struct hv_vm *vm, int (*fn)(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d),
		    void *arg)
{
	for (struct hv_vdev *vd = vm->vdevs; vd; vd = vd->next) {
		int rc = fn(arg, vd->type->kind, vd->devid, vd->dev);

		if (rc)
			return rc;
	}
	return 0;
}
