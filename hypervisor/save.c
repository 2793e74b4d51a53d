/*
 * Saving a domain (HVCTL_SAVE): pause it, write its stream
 * (man/xenon-migration.7) and then end it or let it run on. Memory goes
 * from the RAM mapping to the fd with writev, no copies; frames the memfd
 * has never backed (holes: never written) are not sent at all, frames of
 * zeros as markers. Any failure leaves the domain as it was, running or
 * paused, and removes a file it created.
 */
#include "hypervisor/migstate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

_Static_assert(MIG_LOW_RAM_MAX == HV_LOW_RAM_MAX && MIG_HIGH_RAM == HV_HIGH_RAM_GPA,
	       "the stream's RAM layout is xenon-hv's");

struct batch {
	uint64_t pfns[MIG_PAGES_MAX];
	const void *data[MIG_PAGES_MAX];
	unsigned n;
};

static int all_zero(const void *p)
{
	const uint64_t *q = p;

	for (unsigned i = 0; i < MIG_PAGE_SIZE / sizeof(*q); i++)
		if (q[i])
			return 0;
	return 1;
}

static int flush(struct mig_writer *w, struct batch *b)
{
	int rc = b->n ? mig_write_pages(w, b->pfns, b->data, b->n) : 0;

	b->n = 0;
	return rc;
}

/* Frames [first, end) of RAM (memfd page numbers), which the memfd backs. */
static int save_range(struct hv_vm *vm, struct mig_writer *w, struct batch *b, uint64_t first, uint64_t end,
		      struct hvctl_save_result *res)
{
	for (uint64_t n = first; n < end; n++) {
		const uint8_t *p = vm->ram + n * MIG_PAGE_SIZE;
		int zero = all_zero(p);

		b->pfns[b->n] = mig_frame_pfn(vm->args.mem_bytes, n) | (zero ? MIG_PFN_ZERO : 0);
		b->data[b->n++] = p;
		res->frames++;
		res->zero_frames += zero;
		if (b->n == MIG_PAGES_MAX) {
			int rc = flush(w, b);

			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Every frame the memfd backs (hv_mem_next_backed). */
static int save_memory(struct hv_vm *vm, struct mig_writer *w, struct hvctl_save_result *res)
{
	struct batch *b = malloc(sizeof(*b));
	uint64_t pos = 0, end = vm->args.mem_bytes, data = 0, hole = 0;
	int rc = b ? 0 : -ENOMEM;

	if (b)
		b->n = 0;
	while (!rc && pos < end) {
		rc = hv_mem_next_backed(vm, pos, end, &data, &hole);
		if (rc == -ENXIO) {
			rc = 0;
			break;
		}
		if (!rc)
			rc = save_range(vm, w, b, data / MIG_PAGE_SIZE,
					(hole + MIG_PAGE_SIZE - 1) / MIG_PAGE_SIZE, res);
		pos = hole;
	}
	if (!rc)
		rc = flush(w, b);
	free(b);
	return rc;
}

/* Every device's own state: each must know how to save itself. */
static int save_devices(struct hv_vm *vm, struct mig_writer *w)
{
	uint8_t *buf = malloc(MIG_DEVICE_MAX);
	unsigned i = 0;
	int rc = buf ? 0 : -ENOMEM;

	for (struct hv_dev *d = vm->devs; d && !rc; d = d->next) {
		char name[MIG_DEVICE_NAME] = {0};
		size_t len = MIG_DEVICE_MAX;

		if (hv_virtio_is(d))
			continue; /* disks and NICs: VDEV records */
		i++;
		snprintf(name, sizeof(name), "%s", d->ops->name);
		rc = hv_dev_save(d, buf, &len);
		if (!rc)
			rc = mig_write_record(w, MIG_REC_DEVICE, i - 1, name, sizeof(name), buf, len);
	}
	free(buf);
	return rc;
}

static int is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

static uint64_t online_vcpus(struct hv_vm *vm)
{
	uint64_t set = 0;

	for (unsigned i = 0; i < vm->args.nr_vcpus; i++)
		if (vm->vcpus[i].started)
			set |= 1ULL << i;
	return set;
}

/* live_ns: the downtime target of a pre-copy (the domain is running), 0: paused already;
 * gate: HVCTL_SAVE_GATE's fd, or -1. */
static int save_stream(struct hv_vm *vm, int fd, struct hvctl_save_result *res, uint64_t live_ns, int gate,
		       uint64_t *paused_at)
{
	struct mig_header h = {.nr_vcpus = vm->args.nr_vcpus,
			       .platform = vm->platform,
			       .mem_bytes = vm->args.mem_bytes,
			       .tsc_khz = vm->tsc_khz};
	uint8_t *ring = malloc(MIG_CONSOLE_MAX);
	struct mig_writer w;
	size_t n;
	int rc;

	if (!ring)
		return -ENOMEM;
	h.vcpus_online = online_vcpus(vm);
	mig_writer_init(&w, fd);
	w.splice_pages = live_ns && is_pipe(fd); /* (a paused save's frames could change after, if it runs on) */
	rc = mig_write_header(&w, &h);
	if (!rc)
		rc = hv_mig_vdevs_plan(vm, &w);
	if (!rc && live_ns) {
		rc = hv_precopy(vm, &w, live_ns, gate, res, paused_at);
		if (!rc && online_vcpus(vm) != h.vcpus_online) {
			log_warnx("save: the guest started a vCPU during the live save; try again");
			rc = -EAGAIN;
		}
	} else if (!rc) {
		res->rounds = 1;
		hv_mig_complete_io(vm);
		rc = hv_mig_vdevs_quiesce(vm); /* before memory: their I/O writes into it */
		if (!rc)
			rc = save_memory(vm, &w, res);
	}
	for (unsigned i = 0; i < vm->args.nr_vcpus && !rc; i++)
		if (vm->vcpus[i].started)
			rc = hv_mig_save_vcpu_snap(&vm->vcpus[i], &w);
	hv_mig_snapshots_drop(vm);
	if (!rc)
		rc = hv_mig_save_vm(vm, &w);
	if (!rc)
		rc = save_devices(vm, &w);
	if (!rc)
		rc = hv_mig_vdevs_save(vm, &w);
	n = hv_console_ring_copy(vm, ring, MIG_CONSOLE_MAX);
	if (!rc)
		rc = mig_write_record(&w, MIG_REC_CONSOLE, 0, ring, n, NULL, 0);
	if (!rc)
		rc = mig_write_end(&w);
	res->bytes = w.bytes;
	mig_writer_release(&w);
	free(ring);
	return rc;
}

/*
 * A paused save into a pipe (libxl's, which it moves into the save file)
 * is done once the reader has taken all of it, not when it is in the
 * pipe: the domain ends (or runs on) only then, and a reader that went
 * away meanwhile (the file could not be written: a full disk) fails the
 * save, the domain running on, as a failed write into the file did.
 */
static int wait_taken(int fd)
{
	for (;;) {
		struct pollfd p = {.fd = fd};
		int queued = 0;

		if (ioctl(fd, FIONREAD, &queued) < 0)
			return -errno;
		if (queued <= 0)
			return 0;
		if (poll(&p, 1, 1) > 0 && (p.revents & POLLERR)) /* no reader left */
			return -EPIPE;
	}
}

/* What cannot be saved yet is refused before anything happens, with what to do. */
static int check_savable(struct hv_vm *vm)
{
	for (unsigned i = 0; i < vm->args.nr_vcpus; i++)
		if (vm->vcpus[i].started && vm->vcpus[i].offline) {
			log_warnx("save: domain %u's vCPU %u is offline, which the stream cannot carry yet; "
				  "bring it online first (xl vcpu-set)",
				  vm->args.domid, i);
			return -EOPNOTSUPP;
		}
	for (struct hv_dev *d = vm->devs; d; d = d->next)
		if (!d->ops->save && !hv_virtio_is(d)) {
			log_warnx("save: domain %u's device %s cannot be saved yet", vm->args.domid,
				  d->ops->name);
			return -EOPNOTSUPP;
		}
	return 0;
}

static int open_target(const struct hvctl_save_req *r, int fd, int *out)
{
	if (!(r->flags & HVCTL_SAVE_PATH)) {
		if (fd < 0) {
			log_warnx("save: no file descriptor came with the request");
			return -EBADF;
		}
		*out = fd;
		return 0;
	}
	if (!memchr(r->path, '\0', sizeof(r->path)) || r->path[0] != '/') {
		log_warnx("save: the file must be an absolute path");
		return -EINVAL;
	}
	*out = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*out < 0) {
		int err = -errno;

		log_warn("save: cannot create %s", r->path);
		return err;
	}
	return 0;
}

/* The devices stay stopped and the disks' locks go, for the target's copy;
 * if a lock cannot go, the migration fails and this copy runs on. */
static int hand_over(struct hv_vm *vm, int was_paused)
{
	int rc = hv_mig_vdevs_hand_over(vm);

	if (rc && !hv_mig_vdevs_claim(vm) && !was_paused)
		hv_vm_unpause(vm);
	return rc;
}

int hv_save_request(struct hv_vm *vm, const struct hvctl_save_req *r, int fd, int gate,
		    struct hvctl_save_result *res)
{
	uint64_t t0 = hv_now_ns(CLOCK_MONOTONIC);
	int was_paused = vm->paused, out = -1, rc;

	uint64_t live_ns = 0, paused_at = t0;

	memset(res, 0, sizeof(*res));
	if (r->flags & ~(HVCTL_SAVE_CONTINUE | HVCTL_SAVE_PATH | HVCTL_SAVE_LIVE | HVCTL_SAVE_PAUSED | HVCTL_SAVE_GATE) ||
	    (r->max_downtime_ms && !(r->flags & HVCTL_SAVE_LIVE)) ||
	    ((r->flags & HVCTL_SAVE_GATE) && (!(r->flags & HVCTL_SAVE_LIVE) || gate < 0)))
		return -EINVAL;
	if ((r->flags & HVCTL_SAVE_PATH) && (vm->sandbox & (HVCTL_SANDBOX_MOUNT | HVCTL_SANDBOX_SECCOMP))) {
		log_warnx("save: xenon-hv runs in its sandbox and cannot create %.200s: pass the file's "
			  "descriptor with the request (hvctl save does)",
			  memchr(r->path, '\0', sizeof(r->path)) ? r->path : "the file");
		return -EPERM;
	}
	if ((rc = check_savable(vm)) || (rc = open_target(r, fd, &out)))
		return rc;
	if ((r->flags & HVCTL_SAVE_LIVE) && !was_paused) {
		live_ns =
		    (r->max_downtime_ms ? r->max_downtime_ms : HVCTL_SAVE_DEFAULT_DOWNTIME_MS) * 1000000ULL;
		paused_at = 0;
	} else if (!was_paused) {
		hv_vm_pause(vm);
	}
	rc = save_stream(vm, out, res, live_ns, (r->flags & HVCTL_SAVE_GATE) ? gate : -1, &paused_at);
	if (!rc && !(r->flags & HVCTL_SAVE_LIVE) && is_pipe(out))
		rc = wait_taken(out);
	if (!rc && (r->flags & HVCTL_SAVE_PATH) && fsync(out) < 0)
		rc = -errno;
	if (r->flags & HVCTL_SAVE_PATH) {
		if (close(out) < 0 && !rc)
			rc = -errno;
		if (rc)
			unlink(r->path);
	}
	res->total_ns = hv_now_ns(CLOCK_MONOTONIC) - t0;
	res->downtime_ns = hv_now_ns(CLOCK_MONOTONIC) - paused_at; /* to the end of the stream */
	if (rc)
		log_warnx("save: writing the stream failed after %llu bytes: %s; domain %u %s",
			  (unsigned long long)res->bytes, log_strerror(rc), vm->args.domid,
			  was_paused ? "stays paused" : "runs on");
	if (!rc && (r->flags & HVCTL_SAVE_CONTINUE) && (r->flags & HVCTL_SAVE_PAUSED)) {
		rc = hand_over(vm, was_paused); /* xl migrate: for the target's copy */
		res->downtime_ns = hv_now_ns(CLOCK_MONOTONIC) - paused_at; /* to the reply: xl goes on */
		return rc;
	}
	if (rc || (r->flags & HVCTL_SAVE_CONTINUE)) {
		hv_mig_vdevs_resume(vm);
		if (!was_paused)
			hv_vm_unpause(vm);
		res->downtime_ns = hv_now_ns(CLOCK_MONOTONIC) - paused_at; /* until it runs again */
		return rc;
	}
	log_info("domain %u (%s) saved: %llu bytes, %llu frames (%llu zero)", vm->args.domid, vm->args.name,
		 (unsigned long long)res->bytes, (unsigned long long)res->frames,
		 (unsigned long long)res->zero_frames);
	hv_vm_end(vm, HV_EXIT_SAVED, "saved");
	return 0;
}
