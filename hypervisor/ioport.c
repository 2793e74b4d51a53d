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
};
#define NR_DEVICES (sizeof(hv_devices) / sizeof(hv_devices[0]))

int hv_devices_init(struct hv_vm *vm)
{
	for (unsigned i = 0; i < NR_DEVICES; i++) {
		int rc = hv_devices[i]->init ? hv_devices[i]->init(vm) : 0;

		if (rc) {
			log_warnx("device %s: %s", hv_devices[i]->name, log_strerror(rc));
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
		log_debug("guest %s unhandled I/O port %#x (size %u)", is_write ? "wrote" : "read", port, size);
}

int hv_ioport_dispatch(struct hv_vcpu *vcpu, uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	for (unsigned i = 0; i < NR_DEVICES; i++) {
		const struct hv_device *d = hv_devices[i];

		for (unsigned p = 0; p < d->nr_ports; p++) {
			const struct hv_ioport *io = &d->ports[p];

			if (port >= io->base && port - io->base < io->len)
				return io->io(vcpu, port, is_write, data, size);
		}
	}
	unhandled(port, is_write, data, size);
	return 0;
}
