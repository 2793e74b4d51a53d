/*
 * One thread per vCPU: KVM_RUN, then the exit's handler from a table.
 * Pausing sets kvm_run.immediate_exit and kicks the thread with SIGUSR1 so
 * that it leaves KVM_RUN (even from a halted guest) and parks on vm->cond.
 * A domain's end (poweroff, reboot, crash) is recorded once in vm->end_status;
 * the main loop then reports it and exits, the vCPUs stay parked.
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "hypervisor/loglimit.h"
#include "hypervisor/migstate.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define VCPU_STACK_SIZE (256 * 1024)

uint64_t hv_now_ns(int clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The first end wins; its detail is complete before its status is visible. */
void hv_vm_end(struct hv_vm *vm, int status, const char *fmt, ...)
{
	static pthread_mutex_t end_lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t one = 1;
	va_list ap;

	pthread_mutex_lock(&end_lock);
	if (atomic_load(&vm->end_status) < 0) {
		va_start(ap, fmt);
		vsnprintf(vm->end_detail, sizeof(vm->end_detail), fmt, ap);
		va_end(ap);
		atomic_store(&vm->end_status, status);
		if (write(vm->end_fd, &one, sizeof(one)) < 0)
			log_warn("waking the main loop");
	}
	pthread_mutex_unlock(&end_lock);
}

void hv_vcpu_log_regs(struct hv_vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		log_warn("vCPU %u: cannot read its registers", v->index);
		return;
	}
	log_warnx("vCPU %u: rip=%016llx rsp=%016llx rflags=%016llx", v->index, r.rip, r.rsp, r.rflags);
	log_warnx("vCPU %u: rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx", v->index, r.rax, r.rbx, r.rcx,
		  r.rdx);
	log_warnx("vCPU %u: rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx", v->index, r.rsi, r.rdi, r.rbp,
		  r.r8);
	log_warnx("vCPU %u: r9 =%016llx r10=%016llx r11=%016llx r12=%016llx", v->index, r.r9, r.r10, r.r11,
		  r.r12);
	log_warnx("vCPU %u: r13=%016llx r14=%016llx r15=%016llx", v->index, r.r13, r.r14, r.r15);
	log_warnx("vCPU %u: cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%llx", v->index, s.cr0,
		  s.cr2, s.cr3, s.cr4, s.efer);
	log_warnx("vCPU %u: cs=%04x ss=%04x idt=%016llx/%x gdt=%016llx/%x", v->index, s.cs.selector,
		  s.ss.selector, s.idt.base, s.idt.limit, s.gdt.base, s.gdt.limit);
}

static void vcpu_crash(struct hv_vcpu *v, const char *what)
{
	struct kvm_regs r = {0};

	ioctl(v->fd, KVM_GET_REGS, &r);
	log_warnx("domain %u (%s) crashed: %s on vCPU %u", v->vm->args.domid, v->vm->args.name, what,
		  v->index);
	hv_vcpu_log_regs(v);
	hv_vm_end(v->vm, HV_EXIT_CRASH, "%s on vCPU %u at rip %#llx", what, v->index, r.rip);
}

static _Thread_local struct hv_vcpu *self;

struct hv_vcpu *hv_vcpu_self(void)
{
	return self;
}

/* The I/O bus: count > 1 for string I/O (rep ins/outs), items one after the other. */
static int exit_io(struct hv_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	hv_bus_access(&v->vm->bus[HV_BUS_PIO], run->io.port, run->io.direction == KVM_EXIT_IO_OUT, data,
		      run->io.size, run->io.count);
	return 0;
}

/* Guest-physical addresses outside RAM: the MMIO bus. */
static int exit_mmio(struct hv_vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->mmio.len > sizeof(run->mmio.data)) {
		vcpu_crash(v, "MMIO access wider than 8 bytes");
		return 0;
	}
	hv_bus_access(&v->vm->bus[HV_BUS_MMIO], run->mmio.phys_addr, run->mmio.is_write, run->mmio.data,
		      run->mmio.len, 1);
	return 0;
}

static int exit_nothing(struct hv_vcpu *v)
{
	(void)v;
	return 0;
}

static int exit_shutdown(struct hv_vcpu *v)
{
	vcpu_crash(v, "triple fault");
	return 0;
}

static int exit_internal_error(struct hv_vcpu *v)
{
	char what[64];

	snprintf(what, sizeof(what), "KVM internal error (suberror %u)", v->run->internal.suberror);
	vcpu_crash(v, what);
	return 0;
}

static int exit_fail_entry(struct hv_vcpu *v)
{
	char what[80];

	snprintf(what, sizeof(what), "KVM entry failure (hardware reason %#llx)",
		 (unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
	vcpu_crash(v, what);
	return 0;
}

static int exit_system_event(struct hv_vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		hv_vm_end(v->vm, HV_EXIT_POWEROFF, "the guest powered off");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		hv_vm_end(v->vm, HV_EXIT_REBOOT, "the guest rebooted");
		break;
	default:
		vcpu_crash(v, "system event crash");
	}
	return 0;
}

typedef int (*exit_fn)(struct hv_vcpu *v);
static const exit_fn exit_table[] = {
    [KVM_EXIT_IO] = exit_io,
    [KVM_EXIT_MMIO] = exit_mmio,
    [KVM_EXIT_HLT] = exit_nothing,
    [KVM_EXIT_INTR] = exit_nothing,
    [KVM_EXIT_IRQ_WINDOW_OPEN] = exit_nothing,
    [KVM_EXIT_SHUTDOWN] = exit_shutdown,
    [KVM_EXIT_INTERNAL_ERROR] = exit_internal_error,
    [KVM_EXIT_FAIL_ENTRY] = exit_fail_entry,
    [KVM_EXIT_SYSTEM_EVENT] = exit_system_event,
};

static int vcpu_dispatch_exit(struct hv_vcpu *v)
{
	uint32_t reason = v->run->exit_reason;
	char what[48];

	if (reason < sizeof(exit_table) / sizeof(exit_table[0]) && exit_table[reason])
		return exit_table[reason](v);
	snprintf(what, sizeof(what), "unexpected KVM exit %u", reason);
	vcpu_crash(v, what);
	return 0;
}

static int vm_stopped(struct hv_vm *vm)
{
	return vm->paused || atomic_load(&vm->end_status) >= 0;
}

/*
 * A live save's pause (vm->snap_wanted, vm->lock held): an I/O exit's
 * result still inside KVM is completed first (immediate_exit: memory is
 * final once this vCPU has parked), then the vCPU parks and reads its own
 * state, while the main thread sends the last memory.
 */
static void park_with_snapshot(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;

	pthread_mutex_unlock(&vm->lock);
	hv_mig_complete_vcpu_io(v);
	pthread_mutex_lock(&vm->lock);
	v->snap_state = HV_SNAP_TAKING;
	__atomic_store_n(&v->parked, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	hv_mig_vcpu_snapshot(v);
	pthread_mutex_lock(&vm->lock);
}

/* Park while the domain is paused or the vCPU offline, and for good once the domain has ended. */
static void vcpu_park(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;

	pthread_mutex_lock(&vm->lock);
	while (vm_stopped(vm) || v->offline) {
		if (!v->parked && vm->paused && vm->snap_wanted && !v->offline && v->snap_state == HV_SNAP_NONE) {
			park_with_snapshot(v);
			continue;
		}
		if (!v->parked) {
			__atomic_store_n(&v->parked, 1, __ATOMIC_RELEASE);
			pthread_cond_broadcast(&vm->cond);
		}
		pthread_cond_wait(&vm->cond, &vm->lock);
	}
	__atomic_store_n(&v->parked, 0, __ATOMIC_RELEASE);
	v->run->immediate_exit = 0;
	pthread_mutex_unlock(&vm->lock);
}

/*
 * A restored vCPU's saved state, loaded on its own thread while the main
 * thread answers libxl (a migration's paused window); before its sandbox
 * filter, which has no KVM_SET_*. PVM: the VIF page registration is not
 * KVM state; XENON_VECTOR_PVM_RESUME (after the LAPIC's state, which would
 * drop it) makes the guest register it again, else the vCPU would run in
 * KVM's emulator. A refusal ends the domain, which never ran.
 */
static void load_restored(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;
	int rc = hv_mig_load_vcpu(v, v->restored);

	if (!rc && vm->platform == XENON_PLATFORM_PVM && (rc = hv_kvm_msi(vm, v->index, XENON_VECTOR_PVM_RESUME)))
		log_warnx("restore: vCPU %u: cannot ask the guest to register its VIF page again: %s", v->index,
			  log_strerror(rc));
	pthread_mutex_lock(&vm->lock);
	hv_mig_vcpu_free(v->restored);
	v->restored = NULL;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	if (rc)
		hv_vm_end(vm, HV_EXIT_ERROR, "restore: vCPU %u's saved state could not be loaded", v->index);
}

static void *vcpu_thread(void *arg)
{
	struct hv_vcpu *v = arg;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	self = v;
	atomic_store(&v->tid, (int)gettid());
	pthread_mutex_lock(&v->vm->lock);
	if (v->has_affinity && sched_setaffinity(0, sizeof(v->affinity), &v->affinity) < 0)
		log_warn("vCPU %u: cannot apply its CPU affinity", v->index);
	pthread_mutex_unlock(&v->vm->lock);
	if (v->restored)
		load_restored(v);
	if (hv_seccomp_enter(HV_THREAD_VCPU))
		hv_vm_end(v->vm, HV_EXIT_ERROR, "vCPU %u: cannot load its seccomp filter", v->index);
	for (;;) {
		int rc;

		vcpu_park(v);
		hv_vcpu_take_pending(v);
		atomic_store_explicit(&v->in_run, 1, memory_order_relaxed);
		rc = ioctl(v->fd, KVM_RUN, 0);
		atomic_store_explicit(&v->in_run, 0, memory_order_relaxed);
		if (rc < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			log_warn("vCPU %u: KVM_RUN", v->index);
			hv_vm_end(v->vm, HV_EXIT_ERROR, "KVM_RUN failed on vCPU %u", v->index);
			continue;
		}
		vcpu_dispatch_exit(v);
	}
	return NULL;
}

/* Called with vm->lock held or before any other thread runs. */
int hv_vcpu_start(struct hv_vcpu *v)
{
	pthread_attr_t attr;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
	rc = pthread_create(&v->thread, &attr, vcpu_thread, v);
	pthread_attr_destroy(&attr);
	if (rc) {
		log_warnx("starting vCPU %u's thread: %s", v->index, strerror(rc));
		return -rc;
	}
	__atomic_store_n(&v->started, 1, __ATOMIC_RELEASE);
	return 0;
}

static int canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* What is wrong with the guest's ap[] entry (untrusted), or NULL: KVM
 * would refuse page tables outside RAM at each try, and it is the guest's
 * to fix. */
static const char *ap_start_wrong(struct hv_vm *vm, const struct xenon_ap_start *ap)
{
	if ((ap->cr3 & 0xfff) || !hv_gpa(vm, ap->cr3, 4096))
		return "its page tables (cr3) are not a page of its RAM";
	if (!canonical(ap->rip) || !canonical(ap->rsp))
		return "its rip or rsp is not a canonical address";
	return NULL;
}

/* vCPU index, not started yet: made (unless an earlier try made it), its
 * registers set, its thread started. vm->lock held. */
static int start_new(struct hv_vm *vm, unsigned index, const struct xenon_ap_start *ap)
{
	struct hv_vcpu *v = &vm->vcpus[index];
	int rc = v->run ? 0 : hv_kvm_create_vcpu(vm, index); /* (it sets v->index) */

	if (rc) {
		v->start_failed = 1;
		return rc;
	}
	rc = hv_kvm_enter_long_mode(v, ap->rip, ap->rsp, ap->cr3, ap->arg);
	return rc ? rc : hv_vcpu_start(v);
}

/* XENON_PORT_CPU_START: bring up a secondary from the guest's ap[] entry. */
int hv_vcpu_start_secondary(struct hv_vm *vm, unsigned index)
{
	static struct loglimit range_lim, twice_lim, ap_lim, failed_lim;
	struct xenon_ap_start ap;
	struct hv_vcpu *v;
	const char *wrong;
	int rc = 0;

	if (index == 0 || index >= vm->args.nr_vcpus) {
		log_warnx_limited(&range_lim,
				  "guest asked to start vCPU %u, but the domain has %u vCPUs; ignored", index,
				  vm->args.nr_vcpus);
		return -EINVAL;
	}
	v = &vm->vcpus[index];
	memcpy(&ap, (const void *)&vm->boot_info->ap[index], sizeof(ap)); /* read once */
	wrong = ap_start_wrong(vm, &ap);
	if (wrong) {
		log_warnx_limited(&ap_lim, "guest asked to start vCPU %u, but %s; ignored", index, wrong);
		return -EINVAL;
	}
	pthread_mutex_lock(&vm->lock);
	if (v->started && v->offline) {
		rc = hv_vcpu_restart(vm, index, &ap);
	} else if (v->started) {
		log_warnx_limited(&twice_lim, "guest asked to start vCPU %u twice; ignored", index);
		rc = -EBUSY;
	} else if (v->start_failed) {
		log_warnx_limited(&failed_lim,
				  "guest asked again to start vCPU %u, which could not be made; ignored",
				  index);
		rc = -EIO;
	} else {
		rc = start_new(vm, index, &ap);
	}
	pthread_mutex_unlock(&vm->lock);
	log_debug("vCPU %u started at rip %#llx: %s", index, (unsigned long long)ap.rip, log_strerror(rc));
	return rc;
}

/* Kick every started vCPU that has not parked yet; 1 if there was one. */
static int kick_unparked(struct hv_vm *vm)
{
	int waiting = 0;

	for (unsigned i = 0; i < vm->args.nr_vcpus; i++) {
		struct hv_vcpu *v = &vm->vcpus[i];

		if (!v->started || v->parked)
			continue;
		waiting = 1;
		hv_vcpu_kick(v);
	}
	return waiting;
}

/*
 * Kicks are repeated every KICK_RETRY_NS until each vCPU has parked: a
 * kick is idempotent, and one a vCPU missed must not hang the control
 * socket behind it (a nested CI run once hung in a pause; the lost kick
 * was not pinned down, so pausing no longer depends on a single one).
 */
#define KICK_RETRY_NS (20 * 1000 * 1000ULL)

/*
 * A kicked vCPU parks within tens of microseconds; on a busy host the
 * waiter's own wake-up can take as long again (a migration's downtime
 * starts here). So the first PAUSE_SPIN_NS the waiter looks without
 * sleeping, the lock released; then it sleeps as before.
 */
#define PAUSE_SPIN_NS (200 * 1000ULL)

static bool all_parked(struct hv_vm *vm)
{
	for (unsigned i = 0; i < vm->args.nr_vcpus; i++)
		if (__atomic_load_n(&vm->vcpus[i].started, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&vm->vcpus[i].parked, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

static void spin_until_parked(struct hv_vm *vm)
{
	uint64_t end = hv_now_ns(CLOCK_MONOTONIC) + PAUSE_SPIN_NS;

	pthread_mutex_unlock(&vm->lock);
	while (!all_parked(vm) && hv_now_ns(CLOCK_MONOTONIC) < end)
		__builtin_ia32_pause();
	pthread_mutex_lock(&vm->lock);
}

void hv_vm_pause(struct hv_vm *vm)
{
	unsigned rounds = 0;

	pthread_mutex_lock(&vm->lock);
	vm->paused = 1;
	if (kick_unparked(vm))
		spin_until_parked(vm);
	while (kick_unparked(vm)) {
		uint64_t at = hv_now_ns(CLOCK_REALTIME) + KICK_RETRY_NS;
		struct timespec ts = {.tv_sec = at / 1000000000ULL, .tv_nsec = at % 1000000000ULL};

		if (++rounds == 250)
			log_warnx("pause: a vCPU has not stopped after 5 s of kicks; still kicking");
		pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
	}
	pthread_mutex_unlock(&vm->lock);
}

void hv_vm_unpause(struct hv_vm *vm)
{
	hv_precopy_end(vm); /* a live save's dirty log, if this copy runs on */
	hv_restore_settle(); /* a restored copy: the threads that backed its RAM ahead of the stream joined */
	pthread_mutex_lock(&vm->lock);
	vm->paused = 0;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

uint64_t hv_vcpu_time_ns(struct hv_vcpu *v)
{
	clockid_t clk;

	if (!v->started || pthread_getcpuclockid(v->thread, &clk))
		return 0;
	return hv_now_ns(clk);
}

int hv_vcpu_set_affinity(struct hv_vm *vm, unsigned index, const cpu_set_t *mask)
{
	struct hv_vcpu *v;
	int rc = 0, tid;

	if (index >= vm->args.nr_vcpus || CPU_COUNT(mask) == 0)
		return -EINVAL;
	v = &vm->vcpus[index];
	pthread_mutex_lock(&vm->lock);
	tid = atomic_load(&v->tid);
	/* A running thread first: a mask it refuses (no usable CPU) is not kept. */
	if (tid && sched_setaffinity(tid, sizeof(*mask), mask) < 0)
		rc = -errno;
	if (rc == 0) {
		v->affinity = *mask;
		v->has_affinity = 1;
		/* A halted vCPU's thread sleeps where it last ran until woken, which an idle secondary
		 * vCPU (no timer) may never be: woken now, it moves at once, as Xen moves a blocked vCPU. */
		if (tid)
			hv_vcpu_kick(v);
	}
	pthread_mutex_unlock(&vm->lock);
	return rc;
}
