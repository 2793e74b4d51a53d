/*
 * Pre-copy (HVCTL_SAVE_LIVE): memory is sent while the guest runs. KVM's
 * dirty log is on from the start; round 0 sends every frame the memfd
 * backs, each later round the frames the guest wrote meanwhile, until what
 * is left would go within the downtime target at the last round's speed,
 * or the round limit is hit. Then the domain is paused and the last dirty
 * frames go, with those xenon-hv itself writes into guest memory (the
 * xenstore ring: KVM does not log the VMM's own writes). The caller sends
 * the rest of the state; the domain is left paused.
 *
 * With a gate (HVCTL_SAVE_GATE, xl migrate), the pause also waits until the
 * gate's fd is readable or closed: the receiver has built the domain's copy
 * (spawned its xenon-hv, made its taps and run their scripts) while this
 * sent memory, so that none of that is downtime. Meanwhile the rounds go
 * on, each after a wait on the gate, without counting towards MAX_ROUNDS;
 * a guest that never converges is not paused before the gate opens either
 * (its rounds spent, it waits as one that converged: a loaded receiver once
 * ran its disk's script after the source had paused).
 */
#include "hypervisor/migstate.h"

#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "guest/include/xenon-xs-ring.h"
#include "log.h"

#define MAX_ROUNDS 30
#define GATE_WAIT_MS 20 /* at most, between rounds while the gate is shut */

/* Frames xenon-hv writes while the guest runs (guest-physical). */
static const uint64_t vmm_written[] = {XENON_XS_RING_GPA};

struct round {
	struct hv_vm *vm;
	int gate;	    /* -1: none, or open */
	uint64_t gate_end; /* CLOCK_MONOTONIC: past it the gate counts as open */
	uint64_t drain_end; /* CLOCK_MONOTONIC: past it a pipe counts as drained (0: not waited yet) */
	struct mig_writer *w;
	struct hvctl_save_result *res;
	uint64_t pfns[MIG_PAGES_MAX];
	const void *data[MIG_PAGES_MAX];
	unsigned n;
};

static int zero_page(const void *p)
{
	const uint64_t *q = p;

	for (unsigned i = 0; i < MIG_PAGE_SIZE / sizeof(*q); i++)
		if (q[i])
			return 0;
	return 1;
}

/* Frame n of RAM (memfd page order) into the round's batch. */
static int add_frame(struct round *r, uint64_t n)
{
	const uint8_t *p = r->vm->ram + n * MIG_PAGE_SIZE;
	int zero = zero_page(p);

	r->pfns[r->n] = mig_frame_pfn(r->vm->args.mem_bytes, n) | (zero ? MIG_PFN_ZERO : 0);
	r->data[r->n++] = p;
	r->res->frames++;
	r->res->zero_frames += zero;
	if (r->n < MIG_PAGES_MAX)
		return 0;
	r->n = 0;
	return mig_write_pages(r->w, r->pfns, r->data, MIG_PAGES_MAX);
}

static int flush(struct round *r)
{
	int rc = r->n ? mig_write_pages(r->w, r->pfns, r->data, r->n) : 0;

	r->n = 0;
	return rc;
}

/*
 * KVM's manual re-protect (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), where it has
 * it: KVM_GET_DIRTY_LOG only copies the log, and a live round's harvest
 * re-protects the frames it got with KVM_CLEAR_DIRTY_LOG; the paused
 * round's, the last, re-protects nothing (the domain stays paused or its
 * log is turned off): part of the downtime less, the more so the larger the
 * domain. Asked once per domain; without it KVM re-protects as it reads.
 */
static void manual_protect(struct hv_vm *vm)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
				     .args = {KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE}};
	int has = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);

	if (vm->dirty_log_manual)
		return;
	vm->dirty_log_manual = has > 0 && (has & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) &&
			       ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) == 0;
	if (!vm->dirty_log_manual)
		log_debug("save: no manual dirty-log re-protect here: KVM re-protects as it reads the log");
}

static int set_logging(struct hv_vm *vm, int on)
{
	int rc;

	if (on)
		manual_protect(vm);
	rc = hv_mem_set_flags(vm, on ? KVM_MEM_LOG_DIRTY_PAGES : 0);

	if (!rc)
		vm->dirty_log = on;
	if (rc)
		log_warnx("save: cannot %s KVM's dirty log: %s", on ? "turn on" : "turn off",
			  log_strerror(rc));
	return rc;
}

/* One memslot's log into bits; with reprotect (and manual re-protect) those frames cleared and protected. */
static int harvest_slot(struct hv_vm *vm, uint32_t slot, uint64_t *bits, uint64_t frames, int reprotect)
{
	struct kvm_dirty_log d = {.slot = slot, .dirty_bitmap = bits};
	struct kvm_clear_dirty_log c = {.slot = slot, .num_pages = (uint32_t)frames, .dirty_bitmap = bits};

	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &d) < 0)
		return -errno;
	if (!vm->dirty_log_manual || !reprotect)
		return 0;
	return ioctl(vm->vm_fd, KVM_CLEAR_DIRTY_LOG, &c) < 0 ? -errno : 0;
}

/* The frames written since the last call: bits in memfd page order; reprotect: 0 for the last. */
static int harvest(struct hv_vm *vm, uint64_t *bits, int reprotect)
{
	uint64_t low = vm->low_size / MIG_PAGE_SIZE;
	int rc = harvest_slot(vm, 0, bits, low, reprotect);

	if (rc || !vm->high_size)
		return rc;
	return harvest_slot(vm, 1, bits + low / 64, vm->high_size / MIG_PAGE_SIZE, reprotect);
}

static int send_bits(struct round *r, const uint64_t *bits, uint64_t frames, uint64_t *count)
{
	int rc = 0;

	*count = 0;
	for (uint64_t w = 0; w < (frames + 63) / 64 && !rc; w++)
		for (uint64_t b = bits[w]; b && !rc; b &= b - 1) {
			rc = add_frame(r, w * 64 + __builtin_ctzll(b));
			++*count;
		}
	return rc ? rc : flush(r);
}

/* Round 0: every frame the memfd backs (holes are zero and stay unsent). */
static int round0(struct round *r)
{
	uint64_t pos = 0, end = r->vm->args.mem_bytes, data = 0, hole = 0;
	int rc = 0;

	while (!rc && pos < end) {
		rc = hv_mem_next_backed(r->vm, pos, end, &data, &hole);
		if (rc == -ENXIO)
			return flush(r);
		for (uint64_t n = data / MIG_PAGE_SIZE; !rc && n < (hole + MIG_PAGE_SIZE - 1) / MIG_PAGE_SIZE;
		     n++)
			rc = add_frame(r, n);
		pos = hole;
	}
	return rc ? rc : flush(r);
}

/* The VMM's own writes: sent in the last round whatever the log says. */
static void mark_vmm_written(struct hv_vm *vm, uint64_t *bits)
{
	for (unsigned i = 0; i < sizeof(vmm_written) / sizeof(vmm_written[0]); i++) {
		uint8_t *p = hv_gpa(vm, vmm_written[i], MIG_PAGE_SIZE);
		uint64_t n;

		if (!p)
			continue;
		n = (uint64_t)(p - vm->ram) / MIG_PAGE_SIZE;
		bits[n / 64] |= 1ULL << (n % 64);
	}
}

/*
 * May the last round start? Yes once the gate is open (or there is none,
 * or it stayed shut past gate_end). Else wait for it up to GATE_WAIT_MS
 * and say no: one more live round then takes what the guest wrote
 * meanwhile (each round's harvest stalls the guest briefly: not every ms).
 */
static int gate_open(struct round *r)
{
	struct pollfd p = {.fd = r->gate, .events = POLLIN};

	if (r->gate < 0)
		return 1;
	/* readable, closed or gone (POLLNVAL); not an interrupted poll (-1) */
	if (poll(&p, 1, 0) > 0) {
		r->gate = -1;
		return 1;
	}
	if (hv_now_ns(CLOCK_MONOTONIC) >= r->gate_end) {
		log_warnx("save: the receiver did not say it was ready within %d s: pausing anyway",
			  HVCTL_SAVE_GATE_MAX_MS / 1000);
		r->gate = -1;
		return 1;
	}
	if (poll(&p, 1, GATE_WAIT_MS) > 0)
		r->gate = -1;
	return 0;
}

/*
 * Has the reader taken what the stream's pipe holds? A migration's pipe is
 * 1 MiB (xl): a round can be sent well before the receiver's xenon-hv
 * reads it (it may be still starting). Pausing then would leave the
 * receiver that backlog, and its start, to do in the downtime: rather one
 * more live round, DRAIN_WAIT_US later, for up to DRAIN_MAX_MS (a link
 * slower than the pipe keeps it full: that much longer, the guest running).
 * A file, or a pipe ioctl cannot look into: nothing to wait for.
 */
#define DRAIN_WAIT_US 200
#define DRAIN_MAX_MS  100

static int drained(struct round *r)
{
	int queued = 0;
	uint64_t now = hv_now_ns(CLOCK_MONOTONIC);

	if (!r->w->splice_pages || ioctl(r->w->fd, FIONREAD, &queued) < 0 || queued <= 0)
		return 1;
	if (!r->drain_end)
		r->drain_end = now + DRAIN_MAX_MS * 1000000ULL;
	if (now >= r->drain_end)
		return 1;
	usleep(DRAIN_WAIT_US);
	return 0;
}

static int rounds(struct round *r, uint64_t *bits, uint64_t words, uint64_t frames, uint64_t max_downtime_ns,
		  uint64_t *paused_at)
{
	uint64_t count = 0, t = hv_now_ns(CLOCK_MONOTONIC), bytes = r->w->bytes;
	unsigned counted = 1;
	int rc = round0(r);

	for (r->res->rounds = 1; !rc; r->res->rounds++) {
		uint64_t now = hv_now_ns(CLOCK_MONOTONIC), sent = r->w->bytes - bytes;
		uint64_t rate = sent * 1000000000ULL / (now - t + 1); /* bytes/s of the last round */
		int fits;

		memset(bits, 0, words * 8);
		if ((rc = harvest(r->vm, bits, 1)))
			break;
		count = 0;
		for (uint64_t i = 0; i < words; i++)
			count += __builtin_popcountll(bits[i]);
		/* the rest fits the downtime target (or nothing is left): send it paused */
		fits = !count || (rate && count * MIG_PAGE_SIZE * 1000000000ULL / rate <= max_downtime_ns);
		counted += !fits;
		if (!fits && counted == MAX_ROUNDS)
			log_info("save: %u rounds and the guest still writes memory faster than it goes: "
				 "pausing it for the rest (longer than the downtime target)",
				 MAX_ROUNDS);
		/* or the rounds are spent; either way only once the receiver is ready */
		if ((fits || counted >= MAX_ROUNDS) && gate_open(r) && drained(r))
			break;
		/* the next rate from here: a wait for the gate or the drain is no sending */
		t = hv_now_ns(CLOCK_MONOTONIC);
		bytes = r->w->bytes;
		rc = send_bits(r, bits, frames, &count);
	}
	if (rc)
		return rc;
	/* The last round, paused: what the log has gathered since, and the VMM's frames;
	 * each vCPU reads its own state meanwhile (hv_mig_save_vcpu_snap). */
	*paused_at = hv_now_ns(CLOCK_MONOTONIC); /* before: the guest's last instruction is within the pause */
	pthread_mutex_lock(&r->vm->lock);
	r->vm->snap_wanted = 1;
	pthread_mutex_unlock(&r->vm->lock);
	hv_vm_pause(r->vm);
	pthread_mutex_lock(&r->vm->lock);
	r->vm->snap_wanted = 0;
	pthread_mutex_unlock(&r->vm->lock);
	hv_mig_complete_io(r->vm);
	/* The devices stop; what they wrote meanwhile (bits + 2 words) goes too. */
	if ((rc = hv_mig_vdevs_quiesce(r->vm)) || (rc = harvest(r->vm, bits + words, 0)))
		return rc;
	for (uint64_t i = 0; i < words; i++)
		bits[i] |= bits[words + i] | bits[2 * words + i];
	mark_vmm_written(r->vm, bits);
	r->res->rounds++;
	return send_bits(r, bits, frames, &count);
}

void hv_precopy_end(struct hv_vm *vm)
{
	if (vm->dirty_log)
		set_logging(vm, 0);
}

int hv_precopy(struct hv_vm *vm, struct mig_writer *w, uint64_t max_downtime_ns, int gate,
	       struct hvctl_save_result *res, uint64_t *paused_at)
{
	uint64_t frames = mig_nr_frames(vm->args.mem_bytes), words = (frames + 63) / 64;
	struct round *r = calloc(1, sizeof(*r));
	/* a harvest, the paused one, and the frames the disks and NICs wrote */
	uint64_t *bits = calloc(3 * words, sizeof(*bits));
	/* the MSR list now, not in the pause */
	int rc = r && bits ? hv_mig_msrs_list(vm) : -ENOMEM;

	if (!rc)
		rc = set_logging(vm, 1);

	if (!rc) {
		*r = (struct round){.vm = vm,
				    .gate = gate,
				    .gate_end = hv_now_ns(CLOCK_MONOTONIC) + HVCTL_SAVE_GATE_MAX_MS * 1000000ULL,
				    .w = w,
				    .res = res};
		hv_mig_vdevs_track(vm, bits + 2 * words);
		rc = rounds(r, bits, words, frames, max_downtime_ns, paused_at);
		if (rc)
			set_logging(vm, 0);
	}
	if (!*paused_at) { /* failed while running: the caller expects it paused */
		*paused_at = hv_now_ns(CLOCK_MONOTONIC);
		hv_vm_pause(vm);
	}
	if (bits) /* their threads stopped (again, if done): nothing writes into bits after */
		hv_mig_vdevs_quiesce(vm);
	free(bits);
	free(r);
	return rc;
}
