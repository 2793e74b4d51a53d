/*
 * The IDT, interrupt dispatch through a handler table, and the crash report
 * printed when the kernel takes an exception it cannot handle.
 */
#include "arch.h"
#include "kernel.h"

struct idt_entry {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t zero;
};

/* head.S writes the #GP gate into idt_table before any C code runs. */
struct idt_entry idt_table[256] __attribute__((aligned(16)));
struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) idt_desc = {sizeof(idt_table) - 1, (uint64_t)idt_table};

extern const char isr_stubs[];
extern const char rdmsr_safe_insn[];
static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
};

static void set_gate(unsigned int v, uintptr_t handler)
{
	struct idt_entry *e = &idt_table[v];

	e->off0 = handler & 0xffff;
	e->sel = KERNEL_CS;
	e->ist = 0;
	e->type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	e->off1 = (handler >> 16) & 0xffff;
	e->off2 = handler >> 32;
	e->zero = 0;
}

void trap_load(void)
{
	__asm__ volatile("lidt %0" ::"m"(idt_desc));
}

void trap_init(void)
{
	unsigned int v;

	for (v = 0; v < 256; v++)
		set_gate(v, (uintptr_t)isr_stubs + 16 * v);
	trap_load();
}

int irq_register(uint8_t vector, irq_handler_t fn)
{
	if (vector < 32)
		return -EINVAL;
	irq_handlers[vector] = fn;
	return 0;
}

__attribute__((noinline)) int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo, hi;
	uint64_t failed;

	__asm__ volatile("xor %%esi, %%esi\n"
			 ".globl rdmsr_safe_insn\n"
			 "rdmsr_safe_insn: rdmsr\n"
			 : "=a"(lo), "=d"(hi), "=S"(failed)
			 : "c"(msr));
	if (failed)
		return -ENODEV;
	*val = (uint64_t)hi << 32 | lo;
	return 0;
}

static void crash_report(struct regs *r)
{
	const char *name = r->vector < 32 && exception_names[r->vector] ? exception_names[r->vector] : "?";

	console_panic_mode();
	printf("\n*** xenon-guest crash on vCPU %u: exception %lu (%s), error code %#lx\n", this_cpu()->id,
	       r->vector, name, r->error);
	printf("RIP %016lx  CS  %04lx  RFLAGS %016lx\n", r->rip, r->cs, r->rflags);
	printf("RSP %016lx  SS  %04lx  CR2    %016lx\n", r->rsp, r->ss, read_cr2());
	printf("RAX %016lx  RBX %016lx  RCX %016lx\n", r->rax, r->rbx, r->rcx);
	printf("RDX %016lx  RSI %016lx  RDI %016lx\n", r->rdx, r->rsi, r->rdi);
	printf("RBP %016lx  R8  %016lx  R9  %016lx\n", r->rbp, r->r8, r->r9);
	printf("R10 %016lx  R11 %016lx  R12 %016lx\n", r->r10, r->r11, r->r12);
	printf("R13 %016lx  R14 %016lx  R15 %016lx\n", r->r13, r->r14, r->r15);
	printf("*** telling the hypervisor this domain crashed\n");
	machine_shutdown(XENON_SHUTDOWN_CRASH);
}

static void exception(struct regs *r)
{
	if (r->vector == 2) {
		nmi_taken();
		return;
	}
	if (r->vector == 13 && r->rip == (uintptr_t)rdmsr_safe_insn) {
		r->rip += 2; /* rdmsr is 0f 32 */
		r->rax = r->rdx = 0;
		r->rsi = 1;
		return;
	}
	crash_report(r);
}

void trap_dispatch(struct regs *r);
void trap_dispatch(struct regs *r)
{
	irq_handler_t fn;

	if (r->vector < 32) {
		exception(r);
		return;
	}
	this_cpu()->irqs++;
	if (r->vector == VEC_SPURIOUS)
		return;
	fn = irq_handlers[r->vector];
	if (fn)
		fn(r);
	else
		printf("xenon-guest: unexpected interrupt, vector %#lx\n", r->vector);
	apic_eoi();
}
