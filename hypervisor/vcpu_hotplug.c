/*
 * vCPUs the guest takes down and brings up again (xl vcpu-set), and the
 * toolstack's triggers (xl trigger nmi|init|reset).
 *
 * A guest takes a secondary vCPU down by having it write its own index to
 * XENON_PORT_CPU_OFFLINE with interrupts off (then halt): the vCPU is
 * marked offline and, as the write is its own exit, parked at once (vcpu.c's park waits while it is
 * offline). XENON_PORT_CPU_START on an offline vCPU restarts it: its own
 * thread loads the guest's ap[] entry (long mode, as the first start) and
 * makes it runnable again. KVM's vCPU ioctls wait for a KVM_RUN in progress,
 * so everything that changes a vCPU (its registers, an NMI) is done on its
 * own thread, which a kick brings out of KVM_RUN. Every index comes from
 * the guest or a client and is checked.
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "hypervisor/loglimit.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "log.h"

void hv_vcpu_kick(struct hv_vcpu *v)
{
	if (!v->started || v->parked)
		return;
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, SIGUSR1);
}

/* A secondary vCPU the guest (or an INIT) stops; the caller holds vm->lock. */
static int take_down(struct hv_vm *vm, unsigned index, const char *who)
{
	static struct loglimit range_lim, down_lim;
	struct hv_vcpu *v;

	if (index == 0 || index >= vm->args.nr_vcpus) {
		log_warnx_limited(&range_lim,
				  "%s vCPU %u offline, but the domain's secondary vCPUs are 1-%u; ignored",
				  who, index, vm->args.nr_vcpus - 1);
		return -EINVAL;
	}
	v = &vm->vcpus[index];
	if (!hv_vcpu_online(v)) {
		log_warnx_limited(&down_lim, "%s vCPU %u offline, but it is not running; ignored", who,
				  index);
		return -ESRCH;
	}
	v->offline = 1;
	v->restart = 0;
	hv_vcpu_kick(v);
	log_debug("vCPU %u is offline (%s)", index, who);
	return 0;
}

/* XENON_PORT_CPU_OFFLINE: only a vCPU itself says it goes offline. */
int hv_vcpu_offline(struct hv_vm *vm, unsigned index)
{
	static struct loglimit self_lim;
	struct hv_vcpu *self = hv_vcpu_self();
	int rc;

	if (!self || self->index != index) {
		log_warnx_limited(
		    &self_lim,
		    "guest: vCPU %u wrote %u to the offline port, which only a vCPU may write for "
		    "itself; ignored",
		    self ? self->index : 0, index);
		return -EINVAL;
	}
	pthread_mutex_lock(&vm->lock);
	rc = take_down(vm, index, "the guest took");
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

unsigned hv_vcpu_count_online(struct hv_vm *vm)
{
	unsigned n = 0;

	pthread_mutex_lock(&vm->lock);
	for (unsigned i = 0; i < vm->args.nr_vcpus; i++)
		n += hv_vcpu_online(&vm->vcpus[i]) ? 1 : 0;
	pthread_mutex_unlock(&vm->lock);
	return n;
}

/* XENON_PORT_CPU_START on an offline vCPU (vm->lock held): its thread loads ap (checked). */
int hv_vcpu_restart(struct hv_vm *vm, unsigned index, const struct xenon_ap_start *ap)
{
	struct hv_vcpu *v = &vm->vcpus[index];

	v->restart_ap = *ap;
	v->offline = 0;
	v->restart = 1;
	pthread_cond_broadcast(&vm->cond);
	hv_vcpu_kick(v);
	log_debug("vCPU %u restarts at rip %#llx", index, (unsigned long long)v->restart_ap.rip);
	return 0;
}

/*
 * As after an INIT: no interrupt pending or in service in the local APIC
 * (one sent to the vCPU while it was stopped would take it down again).
 * IRR, ISR and TMR are 8 registers each, 16 bytes apart.
 */
static int lapic_clear_pending(struct hv_vcpu *v)
{
	static const unsigned bases[] = {0x100, 0x180, 0x200};
	struct kvm_lapic_state la;

	if (ioctl(v->fd, KVM_GET_LAPIC, &la) < 0)
		return -errno;
	for (unsigned b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
		for (unsigned r = 0; r < 8; r++)
			memset(&la.regs[bases[b] + 16 * r], 0, 4);
	return ioctl(v->fd, KVM_SET_LAPIC, &la) < 0 ? -errno : 0;
}

/* A halted vCPU stays halted in KVM after new registers: make it runnable. */
static int load_restart(struct hv_vcpu *v, const struct xenon_ap_start *ap)
{
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
	int rc = hv_kvm_enter_long_mode(v, ap->rip, ap->rsp, ap->cr3, ap->arg);

	if (rc == 0)
		rc = lapic_clear_pending(v);
	if (rc == 0 && ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		rc = -errno;
	return rc;
}

void hv_vcpu_take_pending(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;
	struct xenon_ap_start ap;
	int restart;

	pthread_mutex_lock(&vm->lock);
	restart = v->restart;
	v->restart = 0;
	ap = v->restart_ap;
	pthread_mutex_unlock(&vm->lock);
	if (restart && load_restart(v, &ap) < 0)
		hv_vm_end(vm, HV_EXIT_ERROR, "vCPU %u: cannot restart it", v->index);
	if (atomic_exchange(&v->nmi_pending, 0) && ioctl(v->fd, KVM_NMI) < 0)
		log_warn("vCPU %u: injecting an NMI", v->index);
}

static int trigger_nmi(struct hv_vm *vm, unsigned index)
{
	struct hv_vcpu *v = &vm->vcpus[index];

	if (!hv_vcpu_online(v))
		return -ESRCH;
	atomic_store(&v->nmi_pending, 1);
	hv_vcpu_kick(v);
	log_info("NMI to vCPU %u (xl trigger)", index);
	return 0;
}

static int trigger_init(struct hv_vm *vm, unsigned index)
{
	if (index == 0)
		return -EINVAL;
	log_info("INIT to vCPU %u (xl trigger): it waits for the guest to start it again", index);
	return take_down(vm, index, "xl trigger init took");
}

int hv_vcpu_trigger(struct hv_vm *vm, unsigned index, uint32_t kind)
{
	int rc;

	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
	if (kind == HVCTL_TRIGGER_RESET) {
		log_info("reset (xl trigger): the domain ends as a reboot");
		hv_vm_end(vm, HV_EXIT_REBOOT, "reset by the toolstack (xl trigger reset)");
		return 0;
	}
	if (index >= vm->args.nr_vcpus || (kind != HVCTL_TRIGGER_NMI && kind != HVCTL_TRIGGER_INIT))
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	rc = kind == HVCTL_TRIGGER_NMI ? trigger_nmi(vm, index) : trigger_init(vm, index);
	pthread_mutex_unlock(&vm->lock);
	return rc;
}
