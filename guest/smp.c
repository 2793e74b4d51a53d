/*
 * Secondary vCPUs. Under xenon-hv each one starts straight in 64-bit mode at
 * ap_entry (no real-mode trampoline, which PVM would have to emulate): the
 * boot vCPU fills boot_info.ap[cpu] and writes the index to
 * XENON_PORT_CPU_START. Under QEMU's PVH boot only the boot vCPU runs.
 */
#include "arch.h"
#include "kernel.h"

#define AP_START_TIMEOUT_US 1000000
#define REPORT_TIMEOUT_US   1000000

extern const char ap_entry[];
extern const char boot_pml4[];

static void report_in(struct regs *r)
{
	struct cpu *c = this_cpu();

	(void)r;
	printf("cpu %u: online, apic id %u, %lu interrupts taken\n", c->id, c->apic_id, c->irqs);
	c->report_pending = false;
}

void ap_main(uint64_t id);
void ap_main(uint64_t id)
{
	struct cpu *c = this_cpu();

	c->id = (uint32_t)id;
	trap_load();
	apic_init();
	c->online = true;
	for (;;)
		cpu_idle();
}

static bool wait_until(volatile bool *flag, bool want, uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	while (*flag != want)
		if (clock_ns() > end)
			return false;
	return true;
}

static int start_cpu(struct xenon_boot_info *bi, uint32_t i)
{
	struct xenon_ap_start *ap = &bi->ap[i];

	cpus[i].id = i;
	ap->rip = (uintptr_t)ap_entry;
	ap->rsp = (uintptr_t)cpu_stacks[i] + STACK_SIZE;
	ap->cr3 = (uintptr_t)boot_pml4;
	ap->arg = i;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	outl(XENON_PORT_CPU_START, i);
	return wait_until(&cpus[i].online, true, AP_START_TIMEOUT_US) ? 0 : -ETIMEDOUT;
}

/* Start (or, after it went offline, restart) secondary vCPU i. */
int smp_start_cpu(uint32_t i)
{
	if (boot.path != BOOT_XENON_HV || i == 0 || i >= boot.info->nr_vcpus || i >= MAX_CPUS)
		return -EINVAL;
	return start_cpu(boot.info, i);
}

void smp_boot(void)
{
	struct xenon_boot_info *bi = boot.info;
	uint32_t i, n = bi->nr_vcpus;

	irq_register(VEC_REPORT, report_in);
	if (boot.path != BOOT_XENON_HV)
		return;
	if (n > MAX_CPUS)
		n = MAX_CPUS;
	for (i = 1; i < n; i++)
		if (start_cpu(bi, i))
			printf("xenon-guest: vCPU %u did not start within %d ms\n", i,
			       AP_START_TIMEOUT_US / 1000);
}

/* The cpus command: every online vCPU prints its own line, in order. */
void cpus_report(void)
{
	struct cpu *me = this_cpu();
	uint32_t i;

	printf("%u of %u vCPUs online\n", nr_cpus_online(), boot.info->nr_vcpus);
	for (i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = &cpus[i];

		if (!c->online) {
			if (i < boot.info->nr_vcpus)
				printf("cpu %u: offline\n", i);
			continue;
		}
		if (c == me) {
			report_in(NULL);
			continue;
		}
		c->report_pending = true;
		apic_send_ipi(c->apic_id, VEC_REPORT);
		if (!wait_until(&c->report_pending, false, REPORT_TIMEOUT_US))
			printf("cpu %u: no answer\n", i);
	}
}
