/*
 * vCPU hotplug, the Xen way (xl vcpu-set): the toolstack writes
 * cpu/<n>/availability = online|offline in this domain's xenstore home and
 * the guest takes secondary vCPUs down and up to match, as Linux's
 * drivers/xen/cpu_hotplug.c does. Down: the vCPU gets VEC_OFFLINE, halts
 * with interrupts off and tells xenon-hv (outl XENON_PORT_CPU_OFFLINE, its
 * own index), which stops running it; the boot vCPU waits until xenon-hv's
 * count of online vCPUs (inl of the same port) agrees. Up: the first start's
 * path again (XENON_PORT_CPU_START from ap[n]). vCPU 0 stays online. The
 * nodes' values are only compared with "online" and "offline".
 */
#include "arch.h"
#include "kernel.h"

#define CPU_TOKEN	"cpu-hotplug"
#define DOWN_TIMEOUT_US 1000000

static bool warned_cpu0;

/* On the vCPU going down, from its interrupt: never returns. */
static void offline_now(struct regs *r)
{
	struct cpu *c = this_cpu();

	(void)r;
	irq_disable();
	apic_eoi(); /* trap_dispatch's own EOI is never reached */
	c->online = false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	outl(XENON_PORT_CPU_OFFLINE, c->id);
	for (;;)
		hlt(); /* xenon-hv restarts us from ap[] (or never runs us again) */
}

static bool hv_count_is(uint32_t want, uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	while (inl(XENON_PORT_CPU_OFFLINE) != want)
		if (clock_ns() > end)
			return false;
	return true;
}

int vcpu_down(uint32_t i)
{
	uint64_t end = clock_ns() + DOWN_TIMEOUT_US * 1000ULL;

	apic_send_ipi(cpus[i].apic_id, VEC_OFFLINE);
	while (cpus[i].online && clock_ns() < end)
		cpu_relax();
	/* Stopped behind our back (xl trigger init): xenon-hv counts it out already. */
	if (cpus[i].online && inl(XENON_PORT_CPU_OFFLINE) == nr_cpus_online() - 1) {
		printf("xenon-guest: vCPU %u had stopped already (an INIT?)\n", i);
		cpus[i].online = false;
	}
	if (cpus[i].online || !hv_count_is(nr_cpus_online(), DOWN_TIMEOUT_US)) {
		printf("xenon-guest: vCPU %u did not go offline within %d ms\n", i, DOWN_TIMEOUT_US / 1000);
		return -ETIMEDOUT;
	}
	printf("xenon-guest: vCPU %u is offline (cpu/%u/availability)\n", i, i);
	return 0;
}

static void cpu_up(uint32_t i)
{
	if (smp_start_cpu(i) == 0)
		printf("xenon-guest: vCPU %u is online (cpu/%u/availability)\n", i, i);
	else
		printf("xenon-guest: vCPU %u did not come back online\n", i);
}

/* Read every vCPU's node and follow it. */
static void apply(const char *path, const char *token, void *arg)
{
	uint32_t i, n = boot.info->nr_vcpus < MAX_CPUS ? boot.info->nr_vcpus : MAX_CPUS;
	char node[40], val[16];

	(void)path, (void)token, (void)arg;
	for (i = 0; i < n; i++) {
		snprintf(node, sizeof(node), "cpu/%u/availability", i);
		if (xs_read(node, val, sizeof(val)))
			continue;
		if (!strcmp(val, "offline") && i == 0 && !warned_cpu0) {
			printf("xenon-guest: vCPU 0 cannot go offline; it stays online\n");
			warned_cpu0 = true;
		} else if (!strcmp(val, "offline") && i && cpus[i].online) {
			vcpu_down(i);
		} else if (!strcmp(val, "online") && !cpus[i].online) {
			cpu_up(i);
		}
	}
}

void vcpu_hotplug_init(void)
{
	int rc;

	if (boot.path != BOOT_XENON_HV || !xs_available())
		return;
	irq_register(VEC_OFFLINE, offline_now);
	apply(NULL, NULL, NULL);
	rc = xs_watch_add("cpu", CPU_TOKEN, apply, NULL);
	if (rc)
		printf("xenon-guest: cannot watch cpu/ for vCPU hotplug: %s\n", xs_strerror(rc));
}
