/*
 * What the VMM builds in guest memory before the first instruction, exactly
 * as guest/include/xenon-boot.h says: GDT + TSS, identity page tables with
 * 2 MiB pages (U/S=1 everywhere, which PVM needs), the boot-info page and the
 * command line. Only the tables that map [0, 4 GiB) and the RAM above it.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <string.h>

#include "log.h"

#define PTE_P	  0x1ULL
#define PTE_W	  0x2ULL
#define PTE_U	  0x4ULL
#define PTE_PS	  0x80ULL
#define PTE_TABLE (PTE_P | PTE_W | PTE_U)
#define PTE_2M	  (PTE_P | PTE_W | PTE_U | PTE_PS)
/* xenon-boot.h gives the page tables 64 KiB: PML4, PDPT, 4 PDs for [0, 4 GiB), one PD per GiB above. */
#define PT_MAX_BYTES   0x10000
#define PT_FIXED_PAGES (2 + 4)

static void build_gdt(struct hv_vm *vm)
{
	uint64_t *gdt = hv_gpa(vm, XENON_BOOT_GDT_GPA, 4096);
	uint8_t *tss = (uint8_t *)gdt + (HV_BOOT_TSS_GPA - XENON_BOOT_GDT_GPA);
	uint64_t base = HV_BOOT_TSS_GPA;
	uint16_t iomap = HV_BOOT_TSS_SIZE; /* no I/O permission bitmap */

	gdt[1] = 0x00af9b000000ffffULL; /* 0x08: 64-bit code, DPL 0 */
	gdt[2] = 0x00cf93000000ffffULL; /* 0x10: data, DPL 0 */
	gdt[3] = (HV_BOOT_TSS_SIZE - 1) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32; /* 0x18: 64-bit TSS, 16 bytes */
	memcpy(tss + 0x66, &iomap, sizeof(iomap));
}

static uint64_t high_gib(uint64_t high_size)
{
	return (high_size + HV_GIB - 1) / HV_GIB;
}

static uint64_t pt_bytes(uint64_t high_size)
{
	return (PT_FIXED_PAGES + high_gib(high_size)) * 4096;
}

uint64_t hv_boot_max_ram(void)
{
	return HV_LOW_RAM_MAX + (PT_MAX_BYTES / 4096 - PT_FIXED_PAGES) * HV_GIB;
}

/* PML4 -> one PDPT -> page directories of 2 MiB pages, identity. */
static int build_page_tables(struct hv_vm *vm)
{
	uint64_t pd_count = 4 + high_gib(vm->high_size);
	uint64_t bytes = pt_bytes(vm->high_size);
	uint64_t *pml4 = hv_gpa(vm, XENON_BOOT_PT_GPA, bytes);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	uint64_t high_end = HV_HIGH_RAM_GPA + vm->high_size;

	if (!pml4 || bytes > PT_MAX_BYTES)
		return -ENOMEM;
	pml4[0] = (XENON_BOOT_PT_GPA + 0x1000) | PTE_TABLE;
	for (uint64_t g = 0; g < pd_count; g++)
		pdpt[g] = (XENON_BOOT_PT_GPA + 0x2000 + g * 0x1000) | PTE_TABLE;
	for (uint64_t addr = 0; addr < 4 * HV_GIB; addr += 2 * HV_MIB)
		*pd++ = addr | PTE_2M;
	for (uint64_t addr = HV_HIGH_RAM_GPA; addr < high_end; addr += 2 * HV_MIB)
		*pd++ = addr | PTE_2M;
	return 0;
}

static void build_memmap(struct hv_vm *vm, struct xenon_boot_info *bi)
{
	struct xenon_memmap_entry *m = bi->memmap;

	/* Below 1 MiB: the VMM's boot structures (GDT, boot info, page tables, stack). */
	m[0] =
	    (struct xenon_memmap_entry){.addr = 0, .size = XENON_KERNEL_MIN_GPA, .type = XENON_MEM_RESERVED};
	m[1] = (struct xenon_memmap_entry){
	    .addr = XENON_KERNEL_MIN_GPA, .size = vm->low_size - XENON_KERNEL_MIN_GPA, .type = XENON_MEM_RAM};
	bi->nr_memmap = 2;
	if (vm->high_size)
		m[bi->nr_memmap++] = (struct xenon_memmap_entry){
		    .addr = HV_HIGH_RAM_GPA, .size = vm->high_size, .type = XENON_MEM_RAM};
}

int hv_boot_build(struct hv_vm *vm)
{
	struct xenon_boot_info *bi = hv_gpa(vm, XENON_BOOT_INFO_GPA, sizeof(*bi));
	char *cmdline = hv_gpa(vm, XENON_BOOT_CMDLINE_GPA, 4096);
	int rc;

	build_gdt(vm);
	rc = build_page_tables(vm);
	if (rc) {
		log_warnx("guest RAM too large for the boot page tables");
		return rc;
	}
	bi->magic = XENON_BOOT_MAGIC;
	bi->version = XENON_BOOT_VERSION;
	bi->size = sizeof(*bi);
	bi->platform = vm->platform;
	bi->nr_vcpus = vm->args.nr_vcpus;
	bi->tsc_khz = vm->tsc_khz;
	bi->mem_bytes = vm->args.mem_bytes;
	bi->cmdline_gpa = XENON_BOOT_CMDLINE_GPA;
	bi->domid = vm->args.domid;
	snprintf(bi->name, sizeof(bi->name), "%s", vm->args.name);
	snprintf(cmdline, 4096, "%s", vm->args.cmdline);
	build_memmap(vm, bi);
	vm->boot_info = bi;
	return 0;
}

/* Words for the guest's command line once the domain's devices exist (the
 * virtio_mmio.device= of --disk/--nic): appended after a space. */
int hv_boot_append_cmdline(struct hv_vm *vm, const char *words)
{
	char *cmdline = hv_gpa(vm, XENON_BOOT_CMDLINE_GPA, 4096);
	size_t used = strnlen(cmdline, 4096);

	if (!words[0])
		return 0;
	if (used + !!used + strlen(words) >= 4096) {
		log_warnx("the command line with each device's virtio_mmio.device= is over 4095 bytes: "
			  "shorten --cmdline or give fewer devices");
		return -ENAMETOOLONG;
	}
	if (used)
		cmdline[used++] = ' ';
	memcpy(cmdline + used, words, strlen(words) + 1);
	return 0;
}
