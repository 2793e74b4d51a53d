/*
 * xl sysrq: the toolstack writes one letter to control/sysrq; the guest
 * reads it, clears it (writes "") and acts, as Linux's
 * drivers/xen/manage.c does. The node is the guest's own (writable by it),
 * so its value is anything: only a single known letter does something.
 * Also NMIs (xl trigger nmi): the NMI handler only counts; what came is
 * printed from the idle loop, where no lock is held.
 */
#include "arch.h"
#include "kernel.h"

#define SYSRQ_NODE  "control/sysrq"
#define SYSRQ_TOKEN "sysrq"

static volatile uint64_t nmi_count[MAX_CPUS];
static volatile uint64_t nmi_unreported; /* bit n: vCPU n took an NMI since the last poll */

void nmi_taken(void)
{
	struct cpu *c = this_cpu();

	nmi_count[c->id]++;
	__atomic_or_fetch(&nmi_unreported, 1ULL << c->id, __ATOMIC_SEQ_CST);
}

static void sysrq_help(void);

static void show_cpus(void)
{
	uint32_t i, n = boot.info->nr_vcpus < MAX_CPUS ? boot.info->nr_vcpus : MAX_CPUS;

	for (i = 0; i < n; i++)
		printf("sysrq: cpu %u: %s, %lu interrupts, %lu NMIs\n", i,
		       cpus[i].online ? "online" : "offline", cpus[i].irqs, nmi_count[i]);
}

static void do_reboot(void)
{
	machine_shutdown(XENON_SHUTDOWN_REBOOT);
}

static void do_poweroff(void)
{
	machine_shutdown(XENON_SHUTDOWN_POWEROFF);
}

static void do_crash(void)
{
	__asm__ volatile("ud2"); /* the crash path reports it to xenon-hv */
}

static const struct {
	char key;
	const char *what; /* printed as "sysrq: <key>: <what>" before acting */
	void (*fn)(void);
} keys[] = {
    {'h', "help", sysrq_help},		{'t', "show the vCPUs' states", show_cpus},
    {'b', "reboot now", do_reboot},	{'o', "power off now", do_poweroff},
    {'c', "trigger a crash", do_crash},
};

static void sysrq_help(void)
{
	size_t i;

	printf("sysrq: keys:");
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		printf(" %c (%s)", keys[i].key, keys[i].what);
	printf("\n");
}

static void handle(const char *path, const char *token, void *arg)
{
	char val[8];
	size_t i;

	(void)path, (void)token, (void)arg;
	if (xs_read(SYSRQ_NODE, val, sizeof(val)) || !val[0])
		return; /* gone, too long, or our own acknowledgement */
	xs_write(SYSRQ_NODE, "");
	for (i = 0; val[1] == '\0' && i < ARRAY_SIZE(keys); i++)
		if (keys[i].key == val[0]) {
			printf("sysrq: %c: %s\n", keys[i].key, keys[i].what);
			keys[i].fn();
			return;
		}
	if (val[1] || val[0] < ' ' || val[0] > '~')
		printf("sysrq: the request is not one printable letter; ignored (h lists the keys)\n");
	else
		printf("sysrq: %c: not a key this kernel knows; ignored (h lists the keys)\n", val[0]);
}

void sysrq_init(void)
{
	int rc;

	if (!xs_available())
		return;
	rc = xs_watch_add(SYSRQ_NODE, SYSRQ_TOKEN, handle, NULL);
	if (rc)
		printf("xenon-guest: cannot watch %s: %s\n", SYSRQ_NODE, xs_strerror(rc));
}

void sysrq_poll(void)
{
	uint64_t seen = __atomic_exchange_n(&nmi_unreported, 0, __ATOMIC_SEQ_CST);

	for (uint32_t i = 0; seen && i < MAX_CPUS; i++)
		if (seen & (1ULL << i))
			printf("xenon-guest: NMI on vCPU %u (%lu so far)\n", i, nmi_count[i]);
}
