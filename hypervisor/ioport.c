/*
 * The table of devices and their I/O port handlers. A port nobody handles
 * reads as all ones and ignores writes (logged once per port at debug level).
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <string.h>

#include "log.h"

static const struct hv_device *const hv_devices[] = {
    &hv_uart_device,
    &hv_platform_device,
    &hv_xs_device,
};
#define NR_DEVICES (sizeof(hv_devices) / sizeof(hv_devices[0]))

int hv_devices_init(struct hv_vm *vm)
{
	for (unsigned i = 0; i < NR_DEVICES; i++) {
		int rc = hv_devices[i]->init ? hv_devices[i]->init(vm) : 0;

		if (rc) {
			log_debug("device %s: %s", hv_devices[i]->name, log_strerror(rc));
			return rc;
		}
	}
	return 0;
}

void hv_devices_fini(struct hv_vm *vm)
{
	for (unsigned i = NR_DEVICES; i-- > 0;)
		if (hv_devices[i]->fini)
			hv_devices[i]->fini(vm);
}

static void unhandled(uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	static _Atomic uint64_t seen[65536 / 64];
	uint64_t bit = 1ULL << (port % 64);

	if (!is_write)
		memset(data, 0xff, size);
	if (!(atomic_fetch_or(&seen[port / 64], bit) & bit))
		log_debug("guest %s unhandled I/O port %#x (size %u)", is_write ? "wrote" : "read", port,
			  size);
}

static const struct hv_ioport *find_port(uint16_t port)
{
	for (unsigned i = 0; i < NR_DEVICES; i++) {
		const struct hv_device *d = hv_devices[i];

		for (unsigned p = 0; p < d->nr_ports; p++)
			if (port >= d->ports[p].base && port - d->ports[p].base < d->ports[p].len)
				return &d->ports[p];
	}
	return NULL;
}

/* count > 1 for string I/O (rep ins/outs): items of size bytes, one after the other. */
int hv_ioport_dispatch(struct hv_vcpu *vcpu, uint16_t port, int is_write, uint8_t *data, unsigned size,
		       unsigned count)
{
	const struct hv_ioport *io = find_port(port);
	int rc = 0;

	if (io && is_write && count > 1 && io->out_string)
		return io->out_string(vcpu, port, data, size, count);
	for (unsigned i = 0; i < count; i++, data += size) {
		if (io)
			rc = io->io(vcpu, port, is_write, data, size);
		else
			unhandled(port, is_write, data, size);
	}
	return rc;
}
