/*
 * The Xenon boot protocol: the one header shared by xenon-hv (the VMM) and
 * the guest kernel. Freestanding: only fixed-width types, no libc.
 *
 * Entry from xenon-hv (the ELF's e_entry, 64-bit):
 *   - long mode, CPL0 as far as the guest can tell, RFLAGS = 0x2;
 *   - CR3 = page tables built by the VMM at XENON_BOOT_PT_GPA that identity-map
 *     guest-physical [0, 4 GiB) and all RAM above it with 2 MiB pages, U/S=1 at
 *     every level (PVM needs it), CR4 = PAE, EFER = SCE|LME|LMA|NXE;
 *   - a GDT with 0x08 = 64-bit code, 0x10 = data (and a TSS at 0x18);
 *   - RSI = guest-physical (= virtual) address of struct xenon_boot_info,
 *     RSP = a small stack below the boot-info page; RDI = 0 (the boot CPU).
 *   On PVM (platform == XENON_PLATFORM_PVM) the guest's first instructions must
 *   register its VIF page with PVM_HC_SET_VIF_GPA before anything else.
 *
 * Entry from QEMU microvm is the PVH entry (XEN_ELFNOTE_PHYS32_ENTRY): 32-bit
 * protected mode, paging off, EBX = hvm_start_info. There is no boot-info
 * page; the guest builds an equivalent one from hvm_start_info and CPUID/MSRs.
 *
 * Secondary vCPUs (xenon-hv): the guest fills ap[cpu] and writes the cpu index
 * to XENON_PORT_CPU_START (outl). The VMM starts that vCPU in 64-bit mode with
 * RIP = ap[cpu].rip, RSP = ap[cpu].rsp, CR3 = ap[cpu].cr3, RDI = cpu,
 * RSI = ap[cpu].arg, the same GDT/segments as the boot CPU.
 */
#ifndef XENON_BOOT_H
#define XENON_BOOT_H

#include <stdint.h>

#define XENON_BOOT_MAGIC   0x544f4f424e4f4e58ULL /* "XNONBOOT" little-endian */
#define XENON_BOOT_VERSION 1

/* Guest-physical layout chosen by xenon-hv (all below 1 MiB). */
#define XENON_BOOT_GDT_GPA   0x1000ULL  /* GDT + TSS, one page */
#define XENON_BOOT_INFO_GPA  0x2000ULL  /* struct xenon_boot_info, one page */
#define XENON_BOOT_CMDLINE_GPA 0x3000ULL /* NUL-terminated, < 4 KiB */
#define XENON_BOOT_PT_GPA    0x10000ULL /* VMM page tables, up to 64 KiB */
#define XENON_BOOT_STACK_TOP 0x80000ULL /* boot CPU's initial stack (grows down) */
#define XENON_KERNEL_MIN_GPA 0x100000ULL /* PT_LOAD segments go at/above 1 MiB */

#define XENON_PLATFORM_PVM 1 /* KVM is PVM: VIF page, int $0x1b hypercalls */
#define XENON_PLATFORM_VTX 2 /* hardware virtualization (VT-x / AMD-V) */

#define XENON_MAX_VCPUS 64
#define XENON_MAX_MEMMAP 8
#define XENON_MEM_RAM 1
#define XENON_MEM_RESERVED 2

/* Legacy devices and the Xenon platform I/O ports. */
#define XENON_UART_PORT 0x3f8 /* 16550, IRQ (IOAPIC pin) 4 */
#define XENON_UART_IRQ  4
/* outl: 0 = poweroff, 1 = reboot, 2 = crash (the VMM then logs registers). */
#define XENON_PORT_SHUTDOWN  0x5f0
#define XENON_SHUTDOWN_POWEROFF 0
#define XENON_SHUTDOWN_REBOOT   1
#define XENON_SHUTDOWN_CRASH    2
/* outl cpu index: start that secondary vCPU from ap[cpu]. */
#define XENON_PORT_CPU_START 0x5f4
/* outl cpu index, written by that secondary vCPU itself (halted for good
 * from then on, with interrupts off): it is offline; the VMM stops running
 * it until the guest starts it again through XENON_PORT_CPU_START (from
 * ap[cpu], as the first time). inl: how many vCPUs the VMM runs (online). */
#define XENON_PORT_CPU_OFFLINE 0x5e4
/* inl: pending request from the toolstack (XENON_REQ_*), reading clears it.
 * The VMM raises XENON_REQ_IRQ (IOAPIC pin, edge) when one arrives. The
 * request stays in the port until the guest reads it, but the edge is lost if
 * the pin is not routed yet: a guest reads the port once after routing it. */
#define XENON_PORT_REQUEST   0x5f8
#define XENON_REQ_NONE     0
#define XENON_REQ_POWEROFF 1
#define XENON_REQ_REBOOT   2
#define XENON_REQ_IRQ      9

/*
 * The balloon (xenon-hv's "balloon" device): the guest gives pages back to
 * the host or takes them again. It fills a page-aligned struct
 * xenon_balloon_req in its RAM and writes that page's guest-physical
 * address (below 4 GiB) to XENON_PORT_BALLOON (outl). xenon-hv handles the
 * frames in order and writes status (0 or a negative errno) and done (how
 * many it handled) before the outl returns. RELEASE: the frames' contents
 * are gone (they read as zero when next touched). RECLAIM: frames released
 * before may be used again, as long as the domain stays within its maximum
 * (-ENOSPC otherwise). Each frame must be guest RAM above the kernel image
 * (-EINVAL), not the request page; a RELEASE of a frame released already, or
 * a RECLAIM of one that was not, is -EINVAL too. Ports 0x5e0-0x5e3.
 */
#define XENON_PORT_BALLOON 0x5e0
#define XENON_BALLOON_RELEASE 1
#define XENON_BALLOON_RECLAIM 2
#define XENON_BALLOON_MAX_PFNS 510
struct xenon_balloon_req {
	uint32_t op;    /* XENON_BALLOON_* */
	uint32_t count; /* frames in pfn[], at most XENON_BALLOON_MAX_PFNS */
	int32_t status; /* written by xenon-hv */
	uint32_t done;  /* written by xenon-hv */
	uint64_t pfn[XENON_BALLOON_MAX_PFNS];
};

/*
 * A domain restored on PVM (xenon-migration(7)): a vCPU's VIF page
 * registration is not part of KVM's state, so a restored vCPU runs in KVM's
 * instruction emulator until it registers its VIF page again. Before the
 * restored vCPUs run, xenon-hv sends each of them this vector (a fixed MSI
 * to its APIC ID, which is its index); the guest's handler registers the
 * vCPU's VIF page as at boot, and the vCPU runs natively again. A guest
 * without such a handler sees one unexpected interrupt and stays emulated.
 */
#define XENON_VECTOR_PVM_RESUME 0xf2

/* The PVM ABI of these hosts (see shared PVM.md). */
#define PVM_HC_VECTOR       0x1b
#define PVM_HC_HALT         0x1009
#define PVM_HC_SET_VIF_GPA  0x100c
#define PVM_VIF_FLAG_CR2    0x10
#define PVM_DOORBELL_PORT   0x80

struct xenon_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* XENON_MEM_* */
	uint32_t pad;
};

struct xenon_ap_start {
	uint64_t rip;
	uint64_t rsp;
	uint64_t cr3;
	uint64_t arg;
};

struct xenon_boot_info {
	uint64_t magic;    /* XENON_BOOT_MAGIC */
	uint32_t version;  /* XENON_BOOT_VERSION */
	uint32_t size;     /* sizeof(struct xenon_boot_info) as the VMM knows it */
	uint32_t platform; /* XENON_PLATFORM_* */
	uint32_t nr_vcpus;
	uint64_t tsc_khz;  /* 0 if unknown: calibrate */
	uint64_t mem_bytes;
	uint64_t cmdline_gpa; /* NUL-terminated */
	uint32_t nr_memmap;
	uint32_t domid;
	struct xenon_memmap_entry memmap[XENON_MAX_MEMMAP];
	/* The guest's xenstore channel (0 when absent): a shared ring page and
	 * its interrupt; the layout is in xenon-xs-ring.h once it exists. */
	uint64_t xenstore_ring_gpa;
	uint32_t xenstore_irq;
	uint32_t pad0;
	char name[64]; /* domain name, NUL-terminated */
	struct xenon_ap_start ap[XENON_MAX_VCPUS];
};

#endif
