/*
 * Entry points of the guest kernel and the interrupt stubs.
 *
 *  xenon_entry  e_entry, from xenon-hv: 64-bit, RSI = struct xenon_boot_info.
 *  pvh_entry    the Xen PVH entry (QEMU microvm): 32-bit protected mode,
 *               paging off, EBX = hvm_start_info. Everything here runs in
 *               KVM's instruction emulator until the VIF page is registered,
 *               so it is kept to a few dozen instructions: the page tables
 *               and the GDT are prebuilt in .data.
 *  ap_entry     secondary vCPUs started by xenon-hv: 64-bit, RDI = cpu.
 */
#include "layout.h"

	.section .note.Xen, "a"
	.balign 4
	.long 4			/* namesz: "Xen\0" */
	.long 8			/* descsz: QEMU reads a 64-bit entry from ELF64 files */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.quad pvh_entry

	.section .text.entry, "ax"
	.code64
	.globl xenon_entry
xenon_entry:
	/* PVM: register the VIF page before anything else (then we run natively). */
	cmpl $PLATFORM_PVM, BOOT_INFO_PLATFORM_OFF(%rsi)
	jne 1f
	mov $HC_SET_VIF_GPA, %eax
	mov $vif_pages, %ebx
	int $0x1b
1:	mov $cpu_stacks + STACK_SIZE, %rsp
	mov %rsi, %rdi
	xor %ebp, %ebp
	call xenon_main
2:	hlt
	jmp 2b

	.globl ap_entry
ap_entry:
	mov %rdi, %r12
	cmpl $PLATFORM_PVM, platform(%rip)
	jne 1f
	mov %rdi, %rbx
	shl $12, %rbx
	add $vif_pages, %rbx
	mov $HC_SET_VIF_GPA, %eax
	int $0x1b
1:	mov %r12, %rdi
	xor %ebp, %ebp
	call ap_main
2:	hlt
	jmp 2b

	.code32
	.globl pvh_entry
pvh_entry:
	cli
	mov %ebx, %esi
	lgdt boot_gdt_desc
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER: SCE | LME | NXE */
	rdmsr
	or $0x901, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax		/* PG | WP | PE */
	mov %eax, %cr0
	ljmp $KERNEL_CS, $pvh_long

	.code64
pvh_long:
	mov $KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $cpu_stacks + STACK_SIZE, %rsp
	/*
	 * Which KVM is this? MSR 0x4b564d11 reads "PVM" on PVM and raises #GP
	 * elsewhere, so first install the one IDT gate the probe needs (#GP)
	 * in the real IDT; trap_init() fills in the rest later.
	 */
	mov $early_gp, %eax
	mov %ax, idt_table + 13 * 16
	movw $KERNEL_CS, idt_table + 13 * 16 + 2
	movw $0x8e00, idt_table + 13 * 16 + 4
	shr $16, %eax
	mov %ax, idt_table + 13 * 16 + 6
	lidt idt_desc
	mov $MSR_PVM_SIGNATURE, %ecx
	rdmsr
	mov $PLATFORM_VTX, %edi
	cmp $PVM_SIGNATURE, %eax
	jne 1f
	mov $HC_SET_VIF_GPA, %eax
	mov $vif_pages, %ebx
	int $0x1b
	mov $PLATFORM_PVM, %edi
1:	xor %ebp, %ebp
	call pvh_main			/* (platform, hvm_start_info) */
2:	hlt
	jmp 2b

/* #GP during the early probe: skip the 2-byte rdmsr, read as 0. */
early_gp:
	add $8, %rsp
	addq $2, (%rsp)
	xor %eax, %eax
	xor %edx, %edx
	iretq

/*
 * Interrupt and exception stubs: one 16-byte slot per vector (trap.c points
 * IDT entry v at isr_stubs + 16 * v). Each pushes a dummy error code where
 * the CPU does not push one, then the vector, and joins isr_common, which
 * saves the registers as a struct regs (trap.h) for trap_dispatch().
 */
	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call trap_dispatch
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

/*
 * Page tables for the PVH path: [0, 4 GiB) identity-mapped with 2 MiB
 * pages, U/S=1 at every level (PVM shadows the guest at hardware CPL3 and
 * livelocks on supervisor-only mappings). Secondary vCPUs use them too.
 */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad boot_pdpt + 7
	.fill 511, 8, 0
boot_pdpt:
	.quad boot_pd + 7
	.quad boot_pd + 0x1000 + 7
	.quad boot_pd + 0x2000 + 7
	.quad boot_pd + 0x3000 + 7
	.fill 508, 8, 0
boot_pd:
	.set i, 0
	.rept 2048
	.quad (i << 21) | 0x87		/* P | RW | U/S | PS */
	.set i, i + 1
	.endr

	.data
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
boot_gdt_end:
	.balign 8
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt
