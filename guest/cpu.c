/*
 * Per-vCPU state and the virtual interrupt flag.
 *
 * On PVM the guest kernel runs at hardware CPL3 and cli/sti do not change
 * anything that matters: the interrupt flag is byte 0 of the vCPU's VIF page
 * (1 = enabled) and byte 1 says an interrupt is pending. Enabling is "write
 * 1, then ring the doorbell (outb to port 0x80) if one is pending", since the
 * host cannot see the write. On VT-x it is plain cli/sti.
 */
#include "arch.h"
#include "kernel.h"

struct cpu cpus[MAX_CPUS];
uint8_t cpu_stacks[MAX_CPUS][STACK_SIZE] __attribute__((aligned(STACK_SIZE)));
uint8_t vif_pages[MAX_CPUS][4096] __attribute__((aligned(4096)));

/* Every vCPU runs on its own stack, so the stack pointer names the vCPU. */
struct cpu *this_cpu(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t i = (sp - (uintptr_t)cpu_stacks) >> STACK_SHIFT;

	return &cpus[i < MAX_CPUS ? i : 0];
}

unsigned int nr_cpus_online(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_CPUS; i++)
		n += cpus[i].online;
	return n;
}

static volatile uint8_t *my_vif(void)
{
	return vif_pages[this_cpu()->id];
}

void irq_enable(void)
{
	volatile uint8_t *vif;

	if (platform != PLATFORM_PVM) {
		__asm__ volatile("sti" ::: "memory");
		return;
	}
	vif = my_vif();
	barrier();
	vif[0] = 1;
	barrier();
	if (vif[1])
		outb(PVM_DOORBELL_PORT, 0);
}

void irq_disable(void)
{
	if (platform != PLATFORM_PVM) {
		__asm__ volatile("cli" ::: "memory");
		return;
	}
	my_vif()[0] = 0;
	barrier();
}

unsigned long irq_save(void)
{
	unsigned long flags;

	if (platform == PLATFORM_PVM) {
		flags = my_vif()[0];
		irq_disable();
		return flags;
	}
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
	return flags & 0x200;
}

void irq_restore(unsigned long flags)
{
	if (flags)
		irq_enable();
}

/* Wait for the next interrupt with interrupts enabled. */
void cpu_idle(void)
{
	if (platform == PLATFORM_PVM) {
		irq_enable();
		hlt();
		return;
	}
	__asm__ volatile("sti; hlt" ::: "memory");
}

void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (*l)
			cpu_relax();
}

void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/*
 * PVM, after a restore: xenon-hv sends XENON_VECTOR_PVM_RESUME to every
 * restored vCPU, which registers its VIF page again (the registration is
 * not part of KVM's state; until then the vCPU runs emulated). Harmless
 * on a vCPU whose page is registered.
 */
static void vif_register_again(struct regs *r)
{
	struct cpu *c = this_cpu();
	uint64_t gpa = (uintptr_t)vif_pages[c->id];
	long rc = PVM_HC_SET_VIF_GPA;

	(void)r;
	__asm__ volatile("int $0x1b" : "+a"(rc), "+b"(gpa) : : "rcx", "rdx", "r11", "memory");
	if (rc == 0)
		c->vif_registrations++;
}

void pvm_resume_init(void)
{
	if (platform == PLATFORM_PVM)
		irq_register(XENON_VECTOR_PVM_RESUME, vif_register_again);
}
