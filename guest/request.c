/*
 * Shutting down: on the shell's poweroff/reboot, or when the toolstack asks
 * (xenon-hv raises XENON_REQ_IRQ; inl XENON_PORT_REQUEST says what it wants
 * and clears it). The interrupt only records the request: it is carried out
 * from the shell's idle loop, where no lock is held.
 *
 * A request stays in the port until read, but its interrupt is an edge: one
 * raised before request_init routed the pin (the domain was paused, or the
 * guest was still booting) went nowhere. So request_init reads the port once
 * after routing: a request from before then is taken there, a later one by
 * the interrupt (whichever reads first gets it; the other reads NONE).
 */
#include "arch.h"
#include "kernel.h"

static volatile uint32_t pending_request;

static void request_take(void)
{
	uint32_t req = inl(XENON_PORT_REQUEST);

	if (req != XENON_REQ_NONE)
		pending_request = req;
}

static void request_irq(struct regs *r)
{
	(void)r;
	request_take();
}

void request_init(void)
{
	if (boot.path != BOOT_XENON_HV)
		return;
	if (ioapic_route(XENON_REQ_IRQ, request_irq))
		printf("xenon-guest: cannot route toolstack requests (IOAPIC pin %d)\n", XENON_REQ_IRQ);
	request_take();
}

void kernel_shutdown(uint32_t how, const char *why)
{
	printf("%sxenon-guest: %s (%s)\n", console_at_line_start() ? "" : "\n",
	       how == XENON_SHUTDOWN_REBOOT ? "rebooting" : "powering off", why);
	machine_shutdown(how);
}

void request_poll(void)
{
	uint32_t req = __atomic_exchange_n(&pending_request, XENON_REQ_NONE, __ATOMIC_SEQ_CST);

	switch (req) {
	case XENON_REQ_POWEROFF:
		kernel_shutdown(XENON_SHUTDOWN_POWEROFF, "requested by the toolstack");
		break;
	case XENON_REQ_REBOOT:
		kernel_shutdown(XENON_SHUTDOWN_REBOOT, "requested by the toolstack");
		break;
	case XENON_REQ_NONE:
		break;
	default:
		printf("xenon-guest: ignoring unknown toolstack request %u\n", req);
	}
}
