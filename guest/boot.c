/*
 * The two ways in (xenon-hv's boot-info page, or QEMU's PVH start info),
 * the common kernel start, and the ways out.
 */
#include "arch.h"
#include "kernel.h"
#include "shell.h"
#include "devices.h"
#include "virtio.h"

_Static_assert(__builtin_offsetof(struct xenon_boot_info, platform) == BOOT_INFO_PLATFORM_OFF,
	       "head.S reads the platform at this offset");

/* QEMU's isa-debug-exit device: QEMU exits with status (value << 1) | 1. */
#define QEMU_DEBUG_EXIT_PORT 0xf4

/* The PVH start info (Xen's public hvm/start_info.h, version 1). */
#define HVM_START_MAGIC 0x336ec578
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};
struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

struct boot boot;
uint32_t platform;
static struct xenon_boot_info pvh_info;

const char *platform_name(void)
{
	return platform == PLATFORM_PVM ? "pvm" : "vtx";
}

void machine_shutdown(uint32_t how)
{
	irq_disable();
	if (boot.path == BOOT_XENON_HV)
		outl(XENON_PORT_SHUTDOWN, how);
	else
		outl(QEMU_DEBUG_EXIT_PORT, how);
	for (;;)
		hlt();
}

static void kmain(void) __attribute__((noreturn));
static void kmain(void)
{
	struct xenon_boot_info *bi = boot.info;

	cpus[0].online = true;
	trap_init();
	pvm_resume_init();
	console_init();
	printf("xenon-guest %s: %u vCPUs, %lu MiB, platform %s\n", GUEST_VERSION, bi->nr_vcpus,
	       (unsigned long)(bi->mem_bytes >> 20), platform_name());
	mem_init();
	apic_init();
	time_init(bi->tsc_khz);
	apic_timer_start(TIMER_HZ);
	if (console_input_init())
		printf("xenon-guest: console input unavailable (IOAPIC pin %d)\n", XENON_UART_IRQ);
	request_init();
	irq_enable();
	smp_boot();
	xs_init();
	vcpu_hotplug_init();
	sysrq_init();
	devices_init();
	balloon_init();
	shell_run_script(boot.cmdline);
	shell_loop();
}

/* From xenon-hv (head.S has registered the VIF page already on PVM). */
void xenon_main(struct xenon_boot_info *bi);
void xenon_main(struct xenon_boot_info *bi)
{
	boot.path = BOOT_XENON_HV;
	boot.info = bi;
	platform = bi->platform == XENON_PLATFORM_PVM ? PLATFORM_PVM : PLATFORM_VTX;
	if (bi->magic != XENON_BOOT_MAGIC || bi->version < 1) {
		console_init();
		printf("xenon-guest: the boot-info page at %p has a bad magic or version: "
		       "is xenon-hv too old or too new for this kernel?\n",
		       (void *)bi);
		machine_shutdown(XENON_SHUTDOWN_CRASH);
	}
	boot.cmdline = bi->cmdline_gpa ? (const char *)(uintptr_t)bi->cmdline_gpa : "";
	kmain();
}

/* Build a xenon_boot_info equivalent from the PVH start info. */
static void pvh_fill_info(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *mm = (const void *)(uintptr_t)si->memmap_paddr;
	struct xenon_boot_info *bi = &pvh_info;
	uint64_t top = 0;
	uint32_t i;

	bi->magic = XENON_BOOT_MAGIC;
	bi->version = XENON_BOOT_VERSION;
	bi->size = sizeof(*bi);
	bi->platform = platform;
	bi->nr_vcpus = 1; /* QEMU's other vCPUs would need real-mode SIPI trampolines */
	bi->cmdline_gpa = si->cmdline_paddr;
	strlcpy(bi->name, "pvh", sizeof(bi->name));
	if (si->version < 1)
		return;
	for (i = 0; i < si->memmap_entries; i++) {
		struct xenon_memmap_entry *e = &bi->memmap[bi->nr_memmap];

		if (!mm[i].size)
			continue;
		if (bi->nr_memmap < XENON_MAX_MEMMAP) {
			e->addr = mm[i].addr;
			e->size = mm[i].size;
			e->type = mm[i].type == 1 ? XENON_MEM_RAM : XENON_MEM_RESERVED;
			bi->nr_memmap++;
		}
		if (mm[i].type == 1 && mm[i].addr + mm[i].size > top)
			top = mm[i].addr + mm[i].size;
	}
	/* RAM size as given on QEMU's -m: the end of RAM, holes included */
	bi->mem_bytes = top;
}

/* From the PVH entry (head.S has probed the platform and registered VIF). */
void pvh_main(uint32_t plat, const struct hvm_start_info *si);
void pvh_main(uint32_t plat, const struct hvm_start_info *si)
{
	platform = plat;
	boot.path = BOOT_PVH;
	boot.info = &pvh_info;
	if (si->magic == HVM_START_MAGIC)
		pvh_fill_info(si);
	else
		pvh_info.nr_vcpus = 1;
	boot.cmdline = pvh_info.cmdline_gpa ? (const char *)(uintptr_t)pvh_info.cmdline_gpa : "";
	kmain();
}
