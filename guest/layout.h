/*
 * Constants shared by the guest's assembly and C code (no C types here).
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define GUEST_VERSION "0.1"

#define STACK_SHIFT 14 /* 16 KiB per-vCPU stacks, aligned to their size */
#define STACK_SIZE  (1 << STACK_SHIFT)
#define MAX_CPUS    64 /* XENON_MAX_VCPUS */

/* offsetof(struct xenon_boot_info, platform), checked in boot.c */
#define BOOT_INFO_PLATFORM_OFF 16
#define PLATFORM_PVM	       1      /* XENON_PLATFORM_PVM */
#define PLATFORM_VTX	       2      /* XENON_PLATFORM_VTX */
#define HC_SET_VIF_GPA	       0x100c /* PVM_HC_SET_VIF_GPA */

#define MSR_PVM_SIGNATURE 0x4b564d11
#define PVM_SIGNATURE	  0x4d5650 /* "PVM" */

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

#endif
