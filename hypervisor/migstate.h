/*
 * A domain's KVM state in the migration stream (migstate.c), and the
 * save and restore that use it (save.c, restore.c).
 */
#ifndef XENON_HV_MIGSTATE_H
#define XENON_HV_MIGSTATE_H

#include "hypervisor/hv.h"
#include "hypervisor/migstream.h"

/* One vCPU's state records as read from a stream (checked by the reader). */
struct hv_mig_vcpu {
	uint8_t *rec[MIG_REC_TYPE_MAX];
	size_t len[MIG_REC_TYPE_MAX];
};

/* migstate.c */
int hv_mig_save_vcpu(struct hv_vcpu *v, struct mig_writer *w);
/* The MSR list the saves read, made now (a live save, before it pauses). */
int hv_mig_msrs_list(struct hv_vm *vm);
/*
 * A live save's pause (vm->snap_wanted): each vCPU reads its own state on
 * its thread as it parks (hv_mig_vcpu_snapshot), while the main thread
 * sends the last memory; hv_mig_save_vcpu_snap writes it (waiting for it,
 * or reading the state itself for a vCPU that had parked before).
 */
void hv_mig_vcpu_snapshot(struct hv_vcpu *v);
int hv_mig_save_vcpu_snap(struct hv_vcpu *v, struct mig_writer *w);
void hv_mig_snapshots_drop(struct hv_vm *vm); /* those not written (a save that failed) */
/* One fixed-size piece of a vCPU's state (MIG_REC_REGS, _SREGS, ...) into buf (len bytes at least). */
int hv_mig_get_state(struct hv_vcpu *v, uint32_t type, void *buf, size_t len);
int hv_mig_save_vm(struct hv_vm *vm, struct mig_writer *w); /* irqchips and clock */
void hv_mig_complete_io(struct hv_vm *vm); /* paused: each vCPU's pending I/O done */
void hv_mig_complete_vcpu_io(struct hv_vcpu *v); /* the same for one (on its own thread, parking) */
int hv_mig_load_vcpu(struct hv_vcpu *v, const struct hv_mig_vcpu *s);
void hv_mig_vcpu_free(struct hv_mig_vcpu *s); /* the records, then s */
/* A restored vCPU's state loaded (by its thread): wait for it before reading its state. */
void hv_mig_wait_loaded(struct hv_vcpu *v);
int hv_mig_load_vm(struct hv_vm *vm, uint8_t *const *irqchips, const void *clock);

/* precopy.c: memory while the guest runs; returns with the domain paused (at *paused_at).
 * gate: HVCTL_SAVE_GATE's fd (the pause waits for it), or -1. On success
 * KVM's dirty log stays on: turning it off costs time (more for more RAM:
 * 0.5 ms and up for 2 GiB), which would delay the reply that a migration's
 * target waits for. hv_vm_unpause turns it off (hv_precopy_end) if this copy
 * runs on; a copy that ends (saved, or migrated away) never pays for it. */
int hv_precopy(struct hv_vm *vm, struct mig_writer *w, uint64_t max_downtime_ns, int gate,
	       struct hvctl_save_result *res, uint64_t *paused_at);
void hv_precopy_end(struct hv_vm *vm);

#endif
