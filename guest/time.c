/*
 * The guest clock: the TSC, whose frequency comes from (first that works)
 * the boot-info page, PVM's MSR 0x4b564d13, CPUID 0x15/0x16, KVM's timing
 * leaf 0x40000010, or a measurement against the LAPIC timer.
 */
#include "arch.h"
#include "kernel.h"

#define MSR_PVM_TSC_KHZ 0x4b564d13

uint64_t tsc_khz;
static uint64_t tsc_boot;

static uint64_t khz_from_cpuid(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0] / 1000;
	}
	if (r[0] >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0])
			return (uint64_t)r[0] * 1000;
	}
	cpuid(0x40000000, 0, r);
	if (r[0] >= 0x40000010) {
		cpuid(0x40000010, 0, r);
		if (r[0])
			return r[0];
	}
	return 0;
}

/* 10 ms of KVM's 1 GHz LAPIC timer, counted in TSC cycles. */
static uint64_t khz_from_lapic(void)
{
	const uintptr_t lapic = 0xfee00000UL;
	uint64_t t0, t1;

	mmio_write32(lapic + 0x3e0, 0xb);
	mmio_write32(lapic + 0x320, 0x10000 | VEC_TIMER); /* one-shot, masked */
	mmio_write32(lapic + 0x380, 0xffffffff);
	t0 = rdtsc();
	while (0xffffffff - mmio_read32(lapic + 0x390) < 10000000)
		cpu_relax();
	t1 = rdtsc();
	mmio_write32(lapic + 0x380, 0);
	return (t1 - t0) / 10;
}

void time_init(uint64_t khz_hint)
{
	uint64_t v;

	tsc_boot = rdtsc();
	tsc_khz = khz_hint;
	if (!tsc_khz && platform == PLATFORM_PVM && rdmsr_safe(MSR_PVM_TSC_KHZ, &v) == 0)
		tsc_khz = v;
	if (!tsc_khz)
		tsc_khz = khz_from_cpuid();
	if (!tsc_khz)
		tsc_khz = khz_from_lapic();
}

static uint64_t cycles_to_ns(uint64_t c)
{
	/* split so that nothing overflows 64 bits */
	return c / tsc_khz * 1000000 + c % tsc_khz * 1000000 / tsc_khz;
}

uint64_t clock_ns(void)
{
	return cycles_to_ns(rdtsc() - tsc_boot);
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_khz / 1000;

	while (rdtsc() < end)
		cpu_relax();
}
