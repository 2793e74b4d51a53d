/*
 * The KVM side of a domain: the VM with its in-kernel irqchip (LAPICs,
 * IOAPIC; the guest masks the PIC), vCPUs, platform detection and the
 * 64-bit entry state every vCPU starts in (xenon-boot.h).
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fdclose.h"
#include "fdpass.h"
#include "log.h"

#define MSR_PVM_SIGNATURE 0x4b564d11 /* reads "PVM" on a PVM host */
#define MSR_PVM_TSC_KHZ	  0x4b564d13
#define PVM_SIGNATURE	  0x4d5650
#define MAX_CPUID_ENTRIES 256

int hv_kvm_open(struct hv_vm *vm)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int err = -errno;

		log_warn("cannot open /dev/kvm (is KVM loaded and are you allowed to use it?)");
		return err;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		log_warnx("/dev/kvm speaks an unknown KVM API version");
		return -ENOTSUP;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0) {
		log_warn("KVM_GET_VCPU_MMAP_SIZE");
		return -ENOTSUP;
	}
	return 0;
}

static int get_cpuid(struct hv_vm *vm)
{
	vm->cpuid = calloc(1, sizeof(*vm->cpuid) + MAX_CPUID_ENTRIES * sizeof(vm->cpuid->entries[0]));
	if (!vm->cpuid)
		return -ENOMEM;
	vm->cpuid->nent = MAX_CPUID_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid) < 0) {
		log_warn("KVM_GET_SUPPORTED_CPUID");
		return -errno;
	}
	return 0;
}

int hv_kvm_create_vm(struct hv_vm *vm)
{
	int max;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		log_warn("KVM_CREATE_VM");
		return -errno;
	}
	max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max > 0 && vm->args.nr_vcpus > (unsigned)max) {
		log_warnx("--vcpus %u: too many for this host's KVM (at most %d)", vm->args.nr_vcpus, max);
		return -EINVAL;
	}
	/* Needed on VMX before the first KVM_RUN; PVM has no use for it. */
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	return 0;
}

/*
 * After the memslots: once the irqchip exists every memslot change waits for
 * an SRCU grace period (measured ~6 ms here), before it they cost ~0.1 ms.
 */
int hv_kvm_create_irqchip(struct hv_vm *vm)
{
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		log_warn("KVM_CREATE_IRQCHIP");
		return -errno;
	}
	return get_cpuid(vm);
}

/* CPUID as KVM supports it, with this vCPU's APIC ID where CPUID shows one. */
static int set_cpuid(struct hv_vm *vm, int fd, unsigned index)
{
	struct kvm_cpuid2 *c = vm->cpuid;

	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | (index << 24);
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = index;
	}
	if (ioctl(fd, KVM_SET_CPUID2, c) < 0) {
		log_warn("KVM_SET_CPUID2 (vCPU %u)", index);
		return -errno;
	}
	return 0;
}

int hv_kvm_create_vcpu(struct hv_vm *vm, unsigned index)
{
	struct hv_vcpu *v = &vm->vcpus[index];
	int rc;

	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0) {
		log_warn("KVM_CREATE_VCPU %u", index);
		return -errno;
	}
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		log_warn("mapping vCPU %u's kvm_run", index);
		return -errno;
	}
	rc = set_cpuid(vm, v->fd, index);
	if (rc)
		return rc;
	if (index) {
		/* With the in-kernel irqchip an AP waits for INIT/SIPI otherwise. */
		struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};

		if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
			log_warn("KVM_SET_MP_STATE (vCPU %u)", index);
			return -errno;
		}
	}
	hv_stats_open(v); /* only for info: the vCPU runs without */
	return 0;
}

static int get_msr(int fd, uint32_t index, uint64_t *value)
{
	/* struct kvm_msrs ends in a flexible array: room for one entry after it */
	union {
		struct kvm_msrs msrs;
		uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} m;

	memset(&m, 0, sizeof(m));
	m.msrs.nmsrs = 1;
	m.msrs.entries[0].index = index;
	if (ioctl(fd, KVM_GET_MSRS, &m) != 1)
		return -ENOENT;
	*value = m.msrs.entries[0].data;
	return 0;
}

/* PVM answers its signature MSR; VT-x/AMD-V KVM has no such MSR. Needs vCPU 0. */
int hv_kvm_detect_platform(struct hv_vm *vm)
{
	int fd = vm->vcpus[0].fd;
	uint64_t sig = 0, khz = 0;
	int rc;

	if (!get_msr(fd, MSR_PVM_SIGNATURE, &sig) && sig == PVM_SIGNATURE) {
		vm->platform = XENON_PLATFORM_PVM;
		if (!get_msr(fd, MSR_PVM_TSC_KHZ, &khz))
			vm->tsc_khz = khz;
	} else {
		vm->platform = XENON_PLATFORM_VTX;
	}
	if (!vm->tsc_khz) {
		rc = ioctl(fd, KVM_GET_TSC_KHZ, 0);
		vm->tsc_khz = rc > 0 ? (uint64_t)rc : 0;
	}
	log_debug("platform %s, TSC %llu kHz", vm->platform == XENON_PLATFORM_PVM ? "pvm" : "vtx",
		  (unsigned long long)vm->tsc_khz);
	return 0;
}

int hv_kvm_irq_line(struct hv_vm *vm, unsigned pin, int level)
{
	struct kvm_irq_level il = {.irq = pin, .level = level};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &il) < 0)
		return -errno;
	return 0;
}

/* A fixed, edge-triggered MSI of vector to the local APIC apic_id (physical destination). */
int hv_kvm_msi(struct hv_vm *vm, uint32_t apic_id, uint8_t vector)
{
	struct kvm_msi m = {.address_lo = 0xfee00000u | (apic_id & 0xff) << 12, .data = vector};

	if (ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &m) < 0)
		return -errno;
	return 0;
}

/* An edge: the IOAPIC latches the rising edge. */
int hv_kvm_irq_pulse(struct hv_vm *vm, unsigned pin)
{
	int rc = hv_kvm_irq_line(vm, pin, 1);

	return rc ? rc : hv_kvm_irq_line(vm, pin, 0);
}

/*
 * irqfd: a write to fd pulses pin gsi inside KVM (no ioctl, no exit), as
 * hv_kvm_irq_pulse does. deassign undoes it.
 */
int hv_kvm_irqfd(struct hv_vm *vm, int fd, unsigned gsi, int deassign)
{
	struct kvm_irqfd req = {.fd = fd, .gsi = gsi, .flags = deassign ? KVM_IRQFD_FLAG_DEASSIGN : 0};

	if (ioctl(vm->vm_fd, KVM_IRQFD, &req) < 0)
		return -errno;
	return 0;
}

/*
 * ioeventfd: a guest write of exactly len bytes to addr (of value match, or
 * any value if match is negative) signals fd inside KVM, without an exit to
 * this process; other writes still exit to the bus. Meant for doorbells
 * (virtio QueueNotify, the xenstore notify).
 */
int hv_kvm_ioeventfd(struct hv_vm *vm, int fd, enum hv_bus_space space, uint64_t addr, unsigned len,
		     int64_t match, int deassign)
{
	struct kvm_ioeventfd req = {.addr = addr, .len = len, .fd = fd};

	if (space == HV_BUS_PIO)
		req.flags |= KVM_IOEVENTFD_FLAG_PIO;
	if (match >= 0) {
		req.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
		req.datamatch = match;
	}
	if (deassign)
		req.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &req) < 0)
		return -errno;
	return 0;
}

static void flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type, int l, int db)
{
	memset(s, 0, sizeof(*s));
	s->selector = selector;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = 1;
}

static void long_mode_sregs(struct kvm_sregs *s, uint64_t cr3)
{
	s->cr0 = 0x80050033; /* PG WP AM NE ET MP PE */
	s->cr3 = cr3;
	s->cr4 = 0x20;	 /* PAE */
	s->efer = 0xd01; /* NXE LMA LME SCE */
	flat_segment(&s->cs, 0x08, 11, 1, 0);
	flat_segment(&s->ds, 0x10, 3, 0, 1);
	s->es = s->fs = s->gs = s->ss = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.selector = 0x18;
	s->tr.base = HV_BOOT_TSS_GPA;
	s->tr.limit = HV_BOOT_TSS_SIZE - 1;
	s->tr.type = 11; /* busy 64-bit TSS */
	s->tr.present = 1;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.unusable = 1;
	s->gdt.base = XENON_BOOT_GDT_GPA;
	s->gdt.limit = HV_BOOT_GDT_LIMIT;
	s->idt.base = 0;
	s->idt.limit = 0; /* the guest installs its own IDT */
}

int hv_kvm_enter_long_mode(struct hv_vcpu *vcpu, uint64_t rip, uint64_t rsp, uint64_t cr3, uint64_t rsi)
{
	struct kvm_sregs s;
	struct kvm_regs r = {.rip = rip, .rsp = rsp, .rsi = rsi, .rdi = vcpu->index, .rflags = 0x2};

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	long_mode_sregs(&s, cr3);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s) < 0 || ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0) {
		log_warn("setting vCPU %u's registers", vcpu->index);
		return -errno;
	}
	return 0;
}

struct reaper_args {
	int keep[XENON_MAX_VCPUS + 3];
	int n;
	int parent_gone; /* read end of a pipe whose write end only xenon-hv holds */
};

/* The reaper shares our memory (CLONE_VM): plain system calls only. */
static int reaper(void *arg)
{
	struct reaper_args *r = arg;
	char c;

	fd_close_except(0, r->keep, r->n);
	/* EOF once xenon-hv's files are closed, i.e. after it let go of the address space. */
	while (read(r->parent_gone, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* The VM's files: the VM's and each started vCPU's (the last references the tear-down waits for). */
static unsigned vm_files(const struct hv_vm *vm, int *fds)
{
	unsigned n = 0;

	fds[n++] = vm->vm_fd;
	for (unsigned i = 0; vm->vcpus && i < vm->args.nr_vcpus; i++)
		if (vm->vcpus[i].run)
			fds[n++] = vm->vcpus[i].fd;
	return n;
}

_Static_assert(XENON_MAX_VCPUS + 1 <= FDPASS_MAX, "the VM and every vCPU go in one message");

/* The VM's files to libxl's keeper (--keeper), in one message; 0 once it has them. */
static int hand_to_keeper(int sock, const int *fds, unsigned n)
{
	char byte = 'k';
	struct iovec iov = {&byte, 1};

	return fdpass_send(sock, &iov, 1, fds, n) == 1 ? 0 : -1;
}

/*
 * Tearing down a VM with an in-kernel irqchip and its address space takes
 * ~10 ms on this kernel (SRCU grace periods). So that the toolstack sees
 * our end at once, the last references go elsewhere as we exit. In a PID
 * namespace of our own, to libxl's keeper outside it (--keeper; a process
 * of our namespace would be ended with us, before our parent learns of our
 * end). Otherwise to a reaper process that shares our address space
 * (CLONE_VM) and keeps only the KVM file descriptors: it waits for us to
 * be gone, then drops them and exits on its own. If neither can be had,
 * the teardown simply happens here.
 */
void hv_kvm_release_async(struct hv_vm *vm)
{
	static struct reaper_args r;
	static uint8_t stack[16 * 1024] __attribute__((aligned(16)));
	int gone[2];

	if (vm->vm_fd < 0)
		return;
	r.n = vm_files(vm, r.keep);
	if (vm->args.keeper_fd >= 0 && hand_to_keeper(vm->args.keeper_fd, r.keep, r.n) == 0)
		return;
	if (pipe2(gone, O_CLOEXEC))
		return;
	r.parent_gone = gone[0];
	r.keep[r.n++] = gone[0];
	r.keep[r.n++] = vm->kvm_fd;
	fflush(NULL);
	clone(reaper, stack + sizeof(stack), CLONE_VM | SIGCHLD, &r);
}
