/*
 * The guest kernel's internal interfaces: one header, one section per file.
 */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "xenon-boot.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EINVAL	      22
#define ENODEV	      19
#define ETIMEDOUT     110
#define ENOSPC	      28
#define E2BIG	      7
#define ENOMEM	      12
#define EBUSY	      16
#define EROFS	      30
#define EIO	      5
#define ENOENT	      2
#define EEXIST	      17
#define ERANGE	      34
#define ENOSYS	      38
#define EPROTO	      71

/* lib.c: the few libc functions the kernel (and gcc) need */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *d, const char *s, size_t n);
int parse_dec_u64(const char *s, uint64_t *v);

/* printf.c */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* boot.c: what the kernel was given, whichever way it booted */
enum boot_path { BOOT_XENON_HV, BOOT_PVH };
struct boot {
	enum boot_path path;
	struct xenon_boot_info *info; /* xenon-hv's page, or one built from PVH */
	const char *cmdline;
};
extern struct boot boot;
extern uint32_t platform; /* PLATFORM_PVM or PLATFORM_VTX */
const char *platform_name(void);
void machine_shutdown(uint32_t how) __attribute__((noreturn));

/* cpu.c: per-vCPU state; this_cpu() comes from the stack pointer */
struct cpu {
	uint32_t id;
	uint32_t apic_id;
	volatile uint8_t *vif; /* PVM: this vCPU's VIF page */
	volatile uint64_t ticks;
	volatile uint64_t irqs;
	volatile bool online;
	volatile bool report_pending;
	volatile uint32_t vif_registrations; /* PVM: again, after a restore (pvm_resume_init) */
};
extern struct cpu cpus[MAX_CPUS];
extern uint8_t cpu_stacks[MAX_CPUS][STACK_SIZE];
extern uint8_t vif_pages[MAX_CPUS][4096];
unsigned int nr_cpus_online(void);
struct cpu *this_cpu(void);

/* irq flag and idle, PVM or VT-x flavour */
void irq_enable(void);
void irq_disable(void);
unsigned long irq_save(void);
void irq_restore(unsigned long flags);
void cpu_idle(void);
void pvm_resume_init(void); /* PVM: restored vCPUs register their VIF pages again */

typedef volatile int spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);

/* trap.c */
struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* the CPU's interrupt frame */
};
typedef void (*irq_handler_t)(struct regs *r);
void trap_init(void);
void trap_load(void);
int irq_register(uint8_t vector, irq_handler_t fn);

/* apic.c: local APIC (timer, IPIs) and IOAPIC routing */
#define VEC_TIMER    0x20
#define VEC_IOAPIC0  0x30 /* IOAPIC pin n -> vector 0x30 + n */
#define VEC_REPORT   0xf0 /* "report in" IPI for the cpus command */
#define VEC_OFFLINE  0xf1 /* "go offline" IPI (vcpu_hotplug.c) */
#define VEC_SPURIOUS 0xff
void apic_init(void);
void apic_eoi(void);
uint32_t apic_id(void);
void apic_timer_start(uint32_t hz);
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
#define IOAPIC_PINS 24
int ioapic_route(unsigned int pin, irq_handler_t fn);	    /* edge */
int ioapic_route_level(unsigned int pin, irq_handler_t fn); /* level, active high */
void ioapic_mask(unsigned int pin);

/* time.c: the TSC clock */
#define TIMER_HZ 100
extern uint64_t tsc_khz;
void time_init(uint64_t khz_hint);
uint64_t clock_ns(void);
void udelay(uint64_t us);

/* console.c */
void console_init(void);
int console_input_init(void);
void console_write(const char *s, size_t n);
void console_panic_mode(void);
int console_getc(void); /* -1 if nothing is waiting */
bool console_input_pending(void);
bool console_at_line_start(void);

/* smp.c */
void smp_boot(void);
void cpus_report(void);
int smp_start_cpu(uint32_t i);

/* vcpu_hotplug.c: cpu/<n>/availability (xl vcpu-set) */
void vcpu_hotplug_init(void);
int vcpu_down(uint32_t i); /* secondary vCPU i offline: 0, or -ETIMEDOUT */

/* sysrq.c: control/sysrq (xl sysrq), and NMIs (xl trigger nmi) reported from the idle loop */
void sysrq_init(void);
void sysrq_poll(void);
void nmi_taken(void);

/* shell.c */
void shell_run_script(const char *cmdline);
void shell_loop(void) __attribute__((noreturn));
void shell_poll(void);
void shell_idle(bool console); /* until an interrupt, unless work (or, with console, input) waits */

/* xs.c: the xenstore client (boot_info.xenstore_ring_gpa) */
void xs_init(void);
void xs_poll(void);
/* A reply or event is in the ring, or events wait in the queue: xs_poll has work
 * (the shell checks it with interrupts off before it idles). */
bool xs_pending(void);
bool xs_available(void);
int xs_read(const char *path, char *buf, size_t size);
int xs_write(const char *path, const char *value);
int xs_rm(const char *path);
/* The children's names, NUL-separated, *len bytes in all (0 or -E2BIG if size is short). */
int xs_directory(const char *path, char *buf, size_t size, uint32_t *len);
/* Watches: fn(path that changed, token, arg) from xs_poll (the shell's idle loop). */
typedef void (*xs_watch_fn)(const char *path, const char *token, void *arg);
int xs_watch_add(const char *path, const char *token, xs_watch_fn fn, void *arg);
int xs_watch_remove(const char *path, const char *token);
const char *xs_strerror(int rc);

/* request.c: toolstack requests (poweroff/reboot) from xenon-hv */
void request_init(void);
void request_poll(void);
void kernel_shutdown(uint32_t how, const char *why) __attribute__((noreturn));

#endif
