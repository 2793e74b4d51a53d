/*
 * The Xenon platform ports (xenon-boot.h): the guest's own shutdown, reboot
 * and crash; secondary vCPU start; the toolstack's pending request (a
 * power-button-like event raised on IOAPIC pin XENON_REQ_IRQ).
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <string.h>

#include "log.h"

static uint32_t port_value(const uint8_t *data, unsigned size)
{
	uint32_t v = 0;

	memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
	return v;
}

static int shutdown_io(struct hv_vcpu *v, uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	struct hv_vm *vm = v->vm;
	uint32_t how = port_value(data, size);

	(void)port;
	if (!is_write) {
		memset(data, 0, size);
		return 0;
	}
	switch (how) {
	case XENON_SHUTDOWN_POWEROFF:
		hv_vm_end(vm, HV_EXIT_POWEROFF, "the guest powered off");
		break;
	case XENON_SHUTDOWN_REBOOT:
		hv_vm_end(vm, HV_EXIT_REBOOT, "the guest rebooted");
		break;
	case XENON_SHUTDOWN_CRASH:
		log_warnx("domain %u (%s) crashed: the guest reported a crash on vCPU %u", vm->args.domid,
			  vm->args.name, v->index);
		hv_vcpu_log_regs(v);
		hv_vm_end(vm, HV_EXIT_CRASH, "the guest reported a crash on vCPU %u", v->index);
		break;
	default:
		log_warnx("guest wrote unknown shutdown code %u; ignored", how);
	}
	return 0;
}

static int cpu_start_io(struct hv_vcpu *v, uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	(void)port;
	if (!is_write) {
		memset(data, 0xff, size);
		return 0;
	}
	return hv_vcpu_start_secondary(v->vm, port_value(data, size));
}

static int request_io(struct hv_vcpu *v, uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	uint32_t req;

	(void)port;
	if (is_write)
		return 0;
	req = atomic_exchange(&v->vm->pending_req, XENON_REQ_NONE);
	memset(data, 0, size);
	memcpy(data, &req, size < sizeof(req) ? size : sizeof(req));
	return 0;
}

/* The PVM doorbell; on VT-x hosts it reaches us and means nothing. */
static int doorbell_io(struct hv_vcpu *v, uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	(void)v;
	(void)port;
	if (!is_write)
		memset(data, 0xff, size);
	return 0;
}

int hv_platform_request(struct hv_vm *vm, uint32_t req)
{
	atomic_store(&vm->pending_req, req);
	return hv_kvm_irq_pulse(vm, XENON_REQ_IRQ);
}

static const struct hv_ioport platform_ports[] = {
    {XENON_PORT_SHUTDOWN, 4, shutdown_io, NULL},
    {XENON_PORT_CPU_START, 4, cpu_start_io, NULL},
    {XENON_PORT_REQUEST, 4, request_io, NULL},
    {PVM_DOORBELL_PORT, 1, doorbell_io, NULL},
};

const struct hv_device hv_platform_device = {
    .name = "platform",
    .ports = platform_ports,
    .nr_ports = sizeof(platform_ports) / sizeof(platform_ports[0]),
};
