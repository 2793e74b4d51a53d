/*
 * The KVM state of a domain in the migration stream (man/xenon-migration.7):
 * each online vCPU's registers, FPU/XSAVE, XCRs, MSRs, LAPIC, events and MP
 * state; the irqchips and the clock. Saving reads them with KVM_GET_* into
 * records; loading puts records back with KVM_SET_* (KVM checks the values
 * themselves; the reader has checked sizes and fields).
 */
#include "hypervisor/hv.h"
#include "hypervisor/migstate.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "log.h"

#define MSR_PVM_REFUSED 0x4b564d06 /* PVM refuses to give it (PVM.md) */
#define MAX_MSR_LIST	1024

/* The MSRs KVM says it saves and restores, less the one PVM refuses. */
static int msr_list(struct hv_vm *vm, uint32_t *out, unsigned *n)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + MAX_MSR_LIST * sizeof(uint32_t));
	unsigned k = 0;

	if (!l)
		return -ENOMEM;
	l->nmsrs = MAX_MSR_LIST;
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
		int err = -errno;

		log_warn("KVM_GET_MSR_INDEX_LIST");
		free(l);
		return err;
	}
	for (unsigned i = 0; i < l->nmsrs && k < MIG_MAX_MSRS; i++)
		if (l->indices[i] != MSR_PVM_REFUSED)
			out[k++] = l->indices[i];
	*n = k;
	free(l);
	return 0;
}

/*
 * Every listed MSR this vCPU gives: KVM_GET_MSRS stops at the first it
 * cannot read (an MSR of a feature this CPU lacks); that one is left out.
 */
static int get_msrs(struct hv_vcpu *v, struct kvm_msrs *m, const uint32_t *idx, unsigned n)
{
	struct kvm_msrs *t = calloc(1, sizeof(*t) + n * sizeof(struct kvm_msr_entry));
	unsigned next = 0;
	int got = 0;

	if (!t)
		return -ENOMEM;
	m->nmsrs = 0;
	while (next < n) {
		t->nmsrs = n - next;
		for (unsigned i = 0; i < t->nmsrs; i++)
			t->entries[i] = (struct kvm_msr_entry){.index = idx[next + i]};
		got = ioctl(v->fd, KVM_GET_MSRS, t);
		if (got < 0) {
			got = -errno;
			break;
		}
		memcpy(&m->entries[m->nmsrs], t->entries, got * sizeof(t->entries[0]));
		m->nmsrs += got;
		next += got + 1; /* entry got (if any) could not be read: left out */
	}
	free(t);
	return got < 0 ? got : 0;
}

static int save_xsave(struct hv_vcpu *v, struct mig_writer *w, void *buf)
{
	int size = ioctl(v->vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	unsigned long req = KVM_GET_XSAVE2;

	if (size < (int)sizeof(struct kvm_xsave)) {
		size = sizeof(struct kvm_xsave);
		req = KVM_GET_XSAVE;
	}
	if (size > MIG_XSAVE_MAX) {
		log_warnx("vCPU %u: XSAVE area of %d bytes, more than the stream holds", v->index, size);
		return -E2BIG;
	}
	if (ioctl(v->fd, req, buf) < 0)
		return -errno;
	return mig_write_record(w, MIG_REC_XSAVE, v->index, buf, size, NULL, 0);
}

/* One fixed-size piece: its KVM_GET ioctl, then its record. */
static const struct {
	uint32_t type;
	unsigned long get, set;
	size_t size;
} fixed[] = {
    {MIG_REC_REGS, KVM_GET_REGS, KVM_SET_REGS, sizeof(struct kvm_regs)},
    {MIG_REC_SREGS, KVM_GET_SREGS, KVM_SET_SREGS, sizeof(struct kvm_sregs)},
    {MIG_REC_XCRS, KVM_GET_XCRS, KVM_SET_XCRS, sizeof(struct kvm_xcrs)},
    {MIG_REC_LAPIC, KVM_GET_LAPIC, KVM_SET_LAPIC, sizeof(struct kvm_lapic_state)},
    {MIG_REC_EVENTS, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, sizeof(struct kvm_vcpu_events)},
    {MIG_REC_MP_STATE, KVM_GET_MP_STATE, KVM_SET_MP_STATE, sizeof(struct kvm_mp_state)},
};
#define NR_FIXED (sizeof(fixed) / sizeof(fixed[0]))

int hv_mig_get_state(struct hv_vcpu *v, uint32_t type, void *buf, size_t len)
{
	hv_mig_wait_loaded(v);
	for (unsigned i = 0; i < NR_FIXED; i++) {
		if (fixed[i].type != type)
			continue;
		if (len < fixed[i].size)
			return -EINVAL;
		memset(buf, 0, fixed[i].size);
		if (ioctl(v->fd, fixed[i].get, buf) < 0) {
			int rc = -errno;

			log_warn("vCPU %u: reading its %s state", v->index, mig_rec_name(type));
			return rc;
		}
		return 0;
	}
	return -EINVAL;
}

/* The MSRs to save: listed once (and before a live save pauses: hv_mig_msrs_list). */
static uint32_t msr_idx[MIG_MAX_MSRS];
static unsigned msr_nidx;
static pthread_mutex_t msr_lock = PTHREAD_MUTEX_INITIALIZER;

int hv_mig_msrs_list(struct hv_vm *vm)
{
	int rc = 0;

	pthread_mutex_lock(&msr_lock);
	if (!msr_nidx)
		rc = msr_list(vm, msr_idx, &msr_nidx);
	pthread_mutex_unlock(&msr_lock);
	return rc;
}

int hv_mig_save_vcpu(struct hv_vcpu *v, struct mig_writer *w)
{
	uint8_t *buf = calloc(1, MIG_XSAVE_MAX);
	struct kvm_msrs *m = (struct kvm_msrs *)buf;
	int rc = buf ? 0 : -ENOMEM;

	hv_mig_wait_loaded(v);
	for (unsigned i = 0; i < NR_FIXED && !rc; i++) {
		rc = hv_mig_get_state(v, fixed[i].type, buf, MIG_XSAVE_MAX);
		if (!rc)
			rc = mig_write_record(w, fixed[i].type, v->index, buf, fixed[i].size, NULL, 0);
	}
	if (!rc)
		rc = save_xsave(v, w, buf);
	if (!rc)
		rc = hv_mig_msrs_list(v->vm);
	if (!rc && (rc = get_msrs(v, m, msr_idx, msr_nidx)))
		log_warn("vCPU %u: reading its MSRs", v->index);
	if (!rc)
		rc = mig_write_record(w, MIG_REC_MSRS, v->index, m,
				      sizeof(*m) + m->nmsrs * sizeof(struct kvm_msr_entry), NULL, 0);
	free(buf);
	return rc;
}

int hv_mig_save_vm(struct hv_vm *vm, struct mig_writer *w)
{
	struct kvm_clock_data clock = {0};
	struct kvm_irqchip chip;
	int rc = 0;

	for (unsigned c = 0; c < MIG_IRQCHIPS && !rc; c++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = c;
		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
			rc = -errno;
			log_warn("reading irqchip %u", c);
		} else {
			rc = mig_write_record(w, MIG_REC_IRQCHIP, c, &chip, sizeof(chip), NULL, 0);
		}
	}
	if (!rc && ioctl(vm->vm_fd, KVM_GET_CLOCK, &clock) < 0) {
		rc = -errno;
		log_warn("reading the guest clock");
	}
	clock.flags &= KVM_CLOCK_TSC_STABLE; /* the rest describe this host's clocks */
	clock.realtime = clock.host_tsc = 0;
	return rc ? rc : mig_write_record(w, MIG_REC_CLOCK, 0, &clock, sizeof(clock), NULL, 0);
}

/*
 * A vCPU parked right after an I/O exit has its result (an IN's value, the
 * RIP past the instruction) still inside KVM until its next KVM_RUN: one
 * with immediate_exit set completes it and returns at once (a string IN
 * writes guest memory then: before the last memory is sent). One whose
 * last KVM_RUN was interrupted (KVM_EXIT_INTR: the pause's kick, an idle
 * guest's usual state) has nothing inside KVM to complete: that KVM_RUN,
 * an expensive entry in the paused window, is left out.
 */
void hv_mig_complete_vcpu_io(struct hv_vcpu *v)
{
	if (v->run->exit_reason == KVM_EXIT_INTR)
		return;
	v->run->immediate_exit = 1;
	if (ioctl(v->fd, KVM_RUN, 0) == 0 || errno != EINTR)
		log_debug("vCPU %u: completing its I/O: %s", v->index, log_strerror(-errno));
}

void hv_mig_complete_io(struct hv_vm *vm)
{
	for (unsigned i = 0; i < vm->args.nr_vcpus; i++)
		if (vm->vcpus[i].started)
			hv_mig_complete_vcpu_io(&vm->vcpus[i]);
}

/* ---- loading ---- */

static int put(struct hv_vcpu *v, unsigned long req, void *p, const char *what)
{
	if (ioctl(v->fd, req, p) < 0) {
		int err = -errno;

		log_warn("restoring vCPU %u's %s", v->index, what);
		return err;
	}
	return 0;
}

static int put_xsave(struct hv_vcpu *v, const struct hv_mig_vcpu *s)
{
	int size = ioctl(v->vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	uint8_t *buf;
	int rc;

	if (size < (int)sizeof(struct kvm_xsave))
		size = sizeof(struct kvm_xsave);
	for (size_t i = size; i < s->len[MIG_REC_XSAVE]; i++)
		if (s->rec[MIG_REC_XSAVE][i]) {
			log_warnx("vCPU %u: the source's XSAVE state (%zu bytes) does not fit this host's "
				  "(%d): restore on a host with the same CPU features",
				  v->index, s->len[MIG_REC_XSAVE], size);
			return -EOPNOTSUPP;
		}
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, s->rec[MIG_REC_XSAVE],
	       s->len[MIG_REC_XSAVE] < (size_t)size ? s->len[MIG_REC_XSAVE] : (size_t)size);
	rc = put(v, KVM_SET_XSAVE, buf, "XSAVE state");
	free(buf);
	return rc;
}

/* In QEMU's order: registers, XSAVE, XCRs, special registers, MSRs, MP state, LAPIC, events. */
int hv_mig_load_vcpu(struct hv_vcpu *v, const struct hv_mig_vcpu *s)
{
	struct kvm_msrs *m = (struct kvm_msrs *)s->rec[MIG_REC_MSRS];
	const struct kvm_xcrs *x = (const struct kvm_xcrs *)s->rec[MIG_REC_XCRS];
	int rc;

	if ((rc = put(v, KVM_SET_REGS, s->rec[MIG_REC_REGS], "registers")) || (rc = put_xsave(v, s)) ||
	    (x->nr_xcrs && (rc = put(v, KVM_SET_XCRS, s->rec[MIG_REC_XCRS], "XCRs"))) ||
	    (rc = put(v, KVM_SET_SREGS, s->rec[MIG_REC_SREGS], "special registers")))
		return rc;
	rc = ioctl(v->fd, KVM_SET_MSRS, m);
	if (rc != (int)m->nmsrs) {
		log_warnx("vCPU %u: this host's KVM refused MSR %#x (%d of %u set)", v->index,
			  rc >= 0 && (unsigned)rc < m->nmsrs ? m->entries[rc].index : 0, rc, m->nmsrs);
		return -EINVAL;
	}
	if ((rc = put(v, KVM_SET_MP_STATE, s->rec[MIG_REC_MP_STATE], "MP state")) ||
	    (rc = put(v, KVM_SET_LAPIC, s->rec[MIG_REC_LAPIC], "LAPIC")) ||
	    (rc = put(v, KVM_SET_VCPU_EVENTS, s->rec[MIG_REC_EVENTS], "events")))
		return rc;
	return 0;
}

static void snap_free(struct mig_writer *w)
{
	if (w)
		mig_writer_release(w);
	free(w);
}

void hv_mig_vcpu_snapshot(struct hv_vcpu *v)
{
	struct mig_writer *w = malloc(sizeof(*w));
	int rc = w ? 0 : -ENOMEM;

	if (w) {
		mig_writer_init(w, -1); /* held only: a vCPU's state is far below MIG_HOLD_MAX */
		rc = hv_mig_save_vcpu(v, w);
	}
	if (rc) {
		snap_free(w);
		w = NULL;
	}
	pthread_mutex_lock(&v->vm->lock);
	v->snap = w;
	v->snap_rc = rc;
	v->snap_state = HV_SNAP_DONE;
	pthread_cond_broadcast(&v->vm->cond);
	pthread_mutex_unlock(&v->vm->lock);
}

/*
 * vCPU v's snapshot taken off it (vm->lock held; one being taken is waited
 * for): HV_SNAP_DONE with *snap (NULL if it failed: *rc), or HV_SNAP_NONE.
 */
static int take_snapshot(struct hv_vcpu *v, struct mig_writer **snap, int *rc)
{
	int state;

	while (v->snap_state == HV_SNAP_TAKING)
		pthread_cond_wait(&v->vm->cond, &v->vm->lock);
	state = v->snap_state;
	*snap = v->snap;
	*rc = v->snap_rc;
	v->snap = NULL;
	v->snap_state = HV_SNAP_NONE;
	return state;
}

int hv_mig_save_vcpu_snap(struct hv_vcpu *v, struct mig_writer *w)
{
	struct mig_writer *snap;
	int rc, state;

	pthread_mutex_lock(&v->vm->lock);
	state = take_snapshot(v, &snap, &rc);
	pthread_mutex_unlock(&v->vm->lock);
	if (state != HV_SNAP_DONE)
		return hv_mig_save_vcpu(v, w); /* it had parked before the pause: read here */
	if (!rc)
		rc = mig_write_held(w, snap);
	snap_free(snap);
	return rc;
}

void hv_mig_snapshots_drop(struct hv_vm *vm)
{
	struct mig_writer *snap;
	int rc;

	pthread_mutex_lock(&vm->lock);
	for (unsigned i = 0; i < vm->args.nr_vcpus; i++) {
		take_snapshot(&vm->vcpus[i], &snap, &rc);
		snap_free(snap);
	}
	pthread_mutex_unlock(&vm->lock);
}

void hv_mig_vcpu_free(struct hv_mig_vcpu *s)
{
	for (unsigned t = 0; s && t < MIG_REC_TYPE_MAX; t++)
		free(s->rec[t]);
	free(s);
}

void hv_mig_wait_loaded(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;

	pthread_mutex_lock(&vm->lock);
	while (v->restored)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

int hv_mig_load_vm(struct hv_vm *vm, uint8_t *const *irqchips, const void *clock)
{
	struct kvm_clock_data c;

	for (unsigned i = 0; i < MIG_IRQCHIPS; i++)
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, irqchips[i]) < 0) {
			int err = -errno;

			log_warn("restoring irqchip %u", i);
			return err;
		}
	memcpy(&c, clock, sizeof(c));
	c.flags = 0; /* the guest's clock goes on from where it stopped */
	if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &c) < 0) {
		int err = -errno;

		log_warn("restoring the guest clock");
		return err;
	}
	return 0;
}
