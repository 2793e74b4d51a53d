/*
 * Local APIC (xAPIC MMIO) and IOAPIC. Both are KVM's in-kernel models under
 * xenon-hv and QEMU alike, so the LAPIC timer counts at KVM's 1 GHz APIC bus
 * clock (divide by 1); the clock itself comes from the TSC (time.c).
 */
#include "arch.h"
#include "kernel.h"

#define LAPIC_BASE	0xfee00000UL
#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_TIMER	0x320
#define LAPIC_LINT0	0x350
#define LAPIC_TICR	0x380
#define LAPIC_TDCR	0x3e0
#define LVT_MASKED	0x10000
#define LVT_PERIODIC	0x20000
#define ICR_PENDING	0x1000
#define KVM_APIC_BUS_HZ 1000000000ULL

#define IOAPIC_BASE	   0xfec00000UL
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin))

static uint32_t lapic_read(unsigned int reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

static void lapic_write(unsigned int reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

static void ioapic_write(unsigned int reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

uint32_t apic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void apic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/*
 * Per vCPU. External interrupts come through the IOAPIC only: mask the
 * 8259 PICs and LINT0, or their ExtINT would arrive as a low vector.
 */
void apic_init(void)
{
	struct cpu *c = this_cpu();

	if (c->id == 0) {
		outb(0x21, 0xff);
		outb(0xa1, 0xff);
	}
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LINT0, LVT_MASKED);
	c->apic_id = apic_id();
}

static void timer_tick(struct regs *r)
{
	(void)r;
	this_cpu()->ticks++;
}

void apic_timer_start(uint32_t hz)
{
	irq_register(VEC_TIMER, timer_tick);
	lapic_write(LAPIC_TDCR, 0xb); /* divide by 1 */
	lapic_write(LAPIC_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TICR, (uint32_t)(KVM_APIC_BUS_HZ / hz));
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, vector); /* fixed, physical, edge */
}

#define IOAPIC_LEVEL  (1U << 15)
#define IOAPIC_MASKED (1U << 16)

/* Route IOAPIC pin (active high) to vector VEC_IOAPIC0 + pin on the boot vCPU. */
static int route(unsigned int pin, irq_handler_t fn, uint32_t mode)
{
	uint8_t vector = VEC_IOAPIC0 + pin;
	int rc;

	if (pin >= IOAPIC_PINS)
		return -EINVAL;
	rc = irq_register(vector, fn);
	if (rc)
		return rc;
	ioapic_write(IOAPIC_REDTBL(pin) + 1, cpus[0].apic_id << 24);
	ioapic_write(IOAPIC_REDTBL(pin), vector | mode);
	return 0;
}

/* Edge-triggered. */
int ioapic_route(unsigned int pin, irq_handler_t fn)
{
	return route(pin, fn, 0);
}

/* Level-triggered: fn must lower the line (acknowledge its device) before the EOI that follows it. */
int ioapic_route_level(unsigned int pin, irq_handler_t fn)
{
	return route(pin, fn, IOAPIC_LEVEL);
}

void ioapic_mask(unsigned int pin)
{
	if (pin >= IOAPIC_PINS)
		return;
	ioapic_write(IOAPIC_REDTBL(pin), IOAPIC_MASKED);
	irq_register(VEC_IOAPIC0 + pin, NULL);
}
