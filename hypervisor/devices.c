/*
 * The domain's device instances (main.c makes the built-in ones at start);
 * each registers its own bus ranges, interrupt lines and fds. The list is the main thread's (devices
 * are made, started and removed there); vCPU threads reach devices only
 * through the buses.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void hv_devices_setup(struct hv_vm *vm)
{
	for (unsigned s = 0; s < HV_BUS_NR; s++)
		hv_bus_init(&vm->bus[s], s);
	hv_irq_init(&vm->irqs);
	vm->devs = NULL;
}

int hv_devices_start(struct hv_vm *vm)
{
	for (struct hv_dev *d = vm->devs; d; d = d->next) {
		int rc = d->ops->start ? d->ops->start(d) : 0;

		if (rc) {
			log_warnx("device %s: cannot start: %s", d->ops->name, log_strerror(rc));
			return rc;
		}
	}
	return 0;
}

int hv_devices_settle(struct hv_vm *vm)
{
	for (struct hv_dev *d = vm->devs; d; d = d->next) {
		int rc = d->ops->settle ? d->ops->settle(d) : 0;

		if (rc)
			return rc;
	}
	return 0;
}

void hv_devices_fini(struct hv_vm *vm)
{
	while (vm->devs)
		hv_dev_remove(vm->devs);
}

int hv_dev_add(struct hv_vm *vm, const struct hv_dev_ops *ops, void *priv, struct hv_dev **out)
{
	struct hv_dev *d = calloc(1, sizeof(*d)), **tail = &vm->devs;

	if (!d)
		return -ENOMEM;
	d->ops = ops;
	d->vm = vm;
	d->priv = priv;
	while (*tail)
		tail = &(*tail)->next;
	*tail = d;
	*out = d;
	return 0;
}

void hv_dev_remove(struct hv_dev *d)
{
	struct hv_vm *vm = d->vm;

	/* Off the buses first: the unregister waits for vCPUs inside the device. */
	for (unsigned s = 0; s < HV_BUS_NR; s++)
		hv_bus_unregister_dev(&vm->bus[s], d);
	if (d->ops->stop)
		d->ops->stop(d);
	if (d->ops->destroy)
		d->ops->destroy(d);
	for (struct hv_dev **p = &vm->devs; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	free(d);
}

struct hv_dev *hv_dev_find(struct hv_vm *vm, const char *name)
{
	for (struct hv_dev *d = vm->devs; d; d = d->next)
		if (!strcmp(d->ops->name, name))
			return d;
	return NULL;
}

/* Saving and restoring device state (migration) is not written yet. */
int hv_dev_save(struct hv_dev *d, void *buf, size_t *len)
{
	return d->ops->save ? d->ops->save(d, buf, len) : -ENOSYS;
}

int hv_dev_restore(struct hv_dev *d, const void *buf, size_t len)
{
	return d->ops->restore ? d->ops->restore(d, buf, len) : -ENOSYS;
}
