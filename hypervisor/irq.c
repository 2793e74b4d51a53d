/*
 * The domain's interrupt lines: an allocator of IOAPIC pins (GSIs). Devices
 * of the guest ABI claim the line it fixes (the UART's 4, xenon-boot.h's
 * request line, the xenstore line); new devices ask for any free one and
 * tell the guest which (boot info, xenstore). Raising and lowering a line is
 * kvm.c's (KVM_IRQ_LINE, irqfd).
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <string.h>

#include "log.h"

/*
 * Pins above the ISA ones first (no legacy meaning), then the ISA lines a PC
 * leaves to add-in cards. Never 0-2 (timer, keyboard, cascade) or 8 (RTC).
 */
static const uint8_t alloc_order[] = {16, 17, 18, 19, 20, 21, 22, 23, 5, 7, 11, 3, 6, 12, 14, 15, 13};

void hv_irq_init(struct hv_irqs *irqs)
{
	memset(irqs, 0, sizeof(*irqs));
	pthread_mutex_init(&irqs->lock, NULL);
}

int hv_irq_claim(struct hv_irqs *irqs, unsigned gsi, const char *owner)
{
	int rc = 0;

	if (gsi >= HV_IRQ_PINS)
		return -EINVAL;
	pthread_mutex_lock(&irqs->lock);
	if (irqs->used & (1U << gsi))
		rc = -EBUSY;
	else
		irqs->used |= 1U << gsi;
	if (!rc)
		irqs->owner[gsi] = owner;
	pthread_mutex_unlock(&irqs->lock);
	if (rc)
		log_warnx("%s: IRQ %u is %s's already", owner, gsi, irqs->owner[gsi]);
	return rc;
}

int hv_irq_alloc(struct hv_irqs *irqs, const char *owner)
{
	int gsi = -ENOSPC;

	pthread_mutex_lock(&irqs->lock);
	for (unsigned i = 0; i < sizeof(alloc_order); i++)
		if (!(irqs->used & (1U << alloc_order[i]))) {
			gsi = alloc_order[i];
			irqs->used |= 1U << gsi;
			irqs->owner[gsi] = owner;
			break;
		}
	pthread_mutex_unlock(&irqs->lock);
	if (gsi < 0)
		log_warnx("%s: no interrupt line left", owner);
	return gsi;
}

void hv_irq_free(struct hv_irqs *irqs, unsigned gsi)
{
	if (gsi >= HV_IRQ_PINS)
		return;
	pthread_mutex_lock(&irqs->lock);
	irqs->used &= ~(1U << gsi);
	irqs->owner[gsi] = NULL;
	pthread_mutex_unlock(&irqs->lock);
}
