/*
 * The Xenon platform ports (xenon-boot.h), a device instance on the I/O bus:
 * the guest's own shutdown, reboot and crash; secondary vCPU start and
 * offline (vcpu_hotplug.c); the
 * toolstack's pending request (a power-button-like event raised on the
 * IOAPIC line XENON_REQ_IRQ, which the guest ABI fixes).
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "hypervisor/loglimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct platform {
	atomic_uint pending_req; /* XENON_REQ_* for inl XENON_PORT_REQUEST */
	unsigned irq;
};

static uint32_t port_value(const void *data, unsigned size)
{
	uint32_t v = 0;

	memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
	return v;
}

static int shutdown_write(struct hv_dev *d, uint32_t how)
{
	struct hv_vm *vm = d->vm;
	struct hv_vcpu *v = hv_vcpu_self();
	unsigned index = v ? v->index : 0;

	switch (how) {
	case XENON_SHUTDOWN_POWEROFF:
		hv_vm_end(vm, HV_EXIT_POWEROFF, "the guest powered off");
		break;
	case XENON_SHUTDOWN_REBOOT:
		hv_vm_end(vm, HV_EXIT_REBOOT, "the guest rebooted");
		break;
	case XENON_SHUTDOWN_CRASH:
		log_warnx("domain %u (%s) crashed: the guest reported a crash on vCPU %u", vm->args.domid,
			  vm->args.name, index);
		if (v)
			hv_vcpu_log_regs(v);
		hv_vm_end(vm, HV_EXIT_CRASH, "the guest reported a crash on vCPU %u", index);
		break;
	default: {
		static struct loglimit lim;

		log_warnx_limited(&lim, "guest wrote unknown shutdown code %u; ignored", how);
	}
	}
	return 0;
}

static int cpu_start_write(struct hv_dev *d, uint32_t index)
{
	return hv_vcpu_start_secondary(d->vm, index);
}

static int cpu_offline_write(struct hv_dev *d, uint32_t index)
{
	return hv_vcpu_offline(d->vm, index);
}

static uint32_t cpu_online_read(struct hv_dev *d)
{
	return hv_vcpu_count_online(d->vm);
}

static uint32_t request_read(struct hv_dev *d)
{
	struct platform *p = d->priv;

	return atomic_exchange(&p->pending_req, XENON_REQ_NONE);
}

/* The PVM doorbell (on VT-x hosts it reaches us and means nothing) reads all ones. */
static const struct {
	uint16_t port, len;
	uint32_t (*read)(struct hv_dev *d); /* NULL: reads as read_value */
	uint32_t read_value;
	int (*write)(struct hv_dev *d, uint32_t value); /* NULL: ignored */
} regions[] = {
    {XENON_PORT_SHUTDOWN, 4, NULL, 0, shutdown_write},
    {XENON_PORT_CPU_START, 4, NULL, 0xffffffff, cpu_start_write},
    {XENON_PORT_REQUEST, 4, request_read, 0, NULL},
    {XENON_PORT_CPU_OFFLINE, 4, cpu_online_read, 0, cpu_offline_write},
    {PVM_DOORBELL_PORT, 1, NULL, 0xffffffff, NULL},
};
#define NR_REGIONS (sizeof(regions) / sizeof(regions[0]))

static int platform_read(struct hv_dev *d, unsigned region, uint64_t off, void *data, unsigned size)
{
	uint32_t v = regions[region].read ? regions[region].read(d) : regions[region].read_value;

	(void)off;
	memset(data, regions[region].read_value ? 0xff : 0, size);
	memcpy(data, &v, size < sizeof(v) ? size : sizeof(v));
	return 0;
}

static int platform_write(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size)
{
	(void)off;
	return regions[region].write ? regions[region].write(d, port_value(data, size)) : 0;
}

int hv_platform_request(struct hv_vm *vm, uint32_t req)
{
	struct hv_dev *d = hv_dev_find(vm, "platform");
	struct platform *p;

	if (!d)
		return -ENODEV;
	p = d->priv;
	atomic_store(&p->pending_req, req);
	return hv_kvm_irq_pulse(vm, p->irq);
}

static void platform_destroy(struct hv_dev *d)
{
	struct platform *p = d->priv;

	hv_irq_free(&d->vm->irqs, p->irq);
	free(p);
}

/* Saved state (device "platform"): the pending toolstack request, a 32-bit XENON_REQ_*. */
static int platform_save(struct hv_dev *d, void *buf, size_t *len)
{
	struct platform *p = d->priv;
	uint32_t req = atomic_load(&p->pending_req);

	if (*len < sizeof(req))
		return -ENOSPC;
	memcpy(buf, &req, sizeof(req));
	*len = sizeof(req);
	return 0;
}

static int platform_restore(struct hv_dev *d, const void *buf, size_t len)
{
	struct platform *p = d->priv;
	uint32_t req;

	if (len != sizeof(req))
		return -EBADMSG;
	memcpy(&req, buf, sizeof(req));
	if (req > XENON_REQ_REBOOT)
		return -EBADMSG;
	atomic_store(&p->pending_req, req);
	return 0;
}

static const struct hv_dev_ops platform_ops = {
    .save = platform_save,
    .restore = platform_restore,
    .name = "platform",
    .read = platform_read,
    .write = platform_write,
    .destroy = platform_destroy,
};

int hv_platform_create(struct hv_vm *vm, struct hv_dev **out)
{
	struct platform *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return -ENOMEM;
	atomic_init(&p->pending_req, XENON_REQ_NONE);
	p->irq = XENON_REQ_IRQ;
	rc = hv_irq_claim(&vm->irqs, p->irq, "platform");
	if (rc) {
		free(p);
		return rc;
	}
	rc = hv_dev_add(vm, &platform_ops, p, out);
	if (rc) {
		platform_destroy(&(struct hv_dev){.vm = vm, .priv = p});
		return rc;
	}
	for (unsigned i = 0; i < NR_REGIONS && !rc; i++)
		rc = hv_bus_register(&vm->bus[HV_BUS_PIO], *out, i, regions[i].port, regions[i].len, 0);
	if (rc)
		hv_dev_remove(*out);
	return rc;
}
