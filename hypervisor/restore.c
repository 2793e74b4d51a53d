/*
 * xenon-hv --restore: build the domain from a stream (man/xenon-migration.7)
 * instead of a kernel. The header gives the shape (memory, vCPUs), which is
 * built at once, while xenon-hv is still root; the rest is read after it
 * entered its sandbox (main.c). Pages go straight into RAM as they come; the
 * state records are kept until END and only then put into KVM and the
 * devices, so that a stream refused anywhere leaves nothing running. The
 * process then exits with an error and nothing of the domain was ever
 * visible: its control socket has a hidden name until the end
 * (control_file.h).
 */
#include "hypervisor/migstate.h"
#include "hypervisor/ram_fill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "strutil.h"

#define MAX_SAVED_DEVICES 32

struct saved_dev {
	char name[MIG_DEVICE_NAME];
	uint8_t *data;
	size_t len;
	int used;
};

struct restore {
	struct hv_vm *vm;
	uint64_t online;
	uint8_t *written; /* bitmap of RAM frames a PAGES record filled */
	struct hv_mig_vcpu *vcpus;
	uint8_t *irqchip[MIG_IRQCHIPS];
	uint8_t *clock;
	struct saved_dev devs[MAX_SAVED_DEVICES];
	unsigned nr_devs;
	uint8_t *console;
	size_t console_len;
	struct mig_source src;
	struct mig_reader *reader; /* from the header until END */
	int fd;			   /* the stream's */
	off_t read_ahead;	   /* a file's offset asked for up to (-1: a pipe, or off) */
	uint64_t filled, checked;  /* frame bytes read; when read_ahead last looked */
	int announced;		   /* HVCTL_READY_PLAN said */
	struct ram_fill *fill;	   /* RAM backed ahead of the frames, while they are read */
};

static struct restore *pending; /* from hv_restore_build until hv_restore_finish */
static struct ram_fill *settling; /* from hv_restore_finish until the domain first runs */

static int build_vm(struct hv_vm *vm, const struct mig_header *h)
{
	int rc;

	if ((rc = hv_kvm_open(vm)) || (rc = hv_kvm_create_vm(vm)) || (rc = hv_mem_create(vm)) ||
	    (rc = hv_kvm_create_irqchip(vm)))
		return rc;
	for (unsigned i = 0; i < h->nr_vcpus; i++)
		if ((h->vcpus_online & (1ULL << i)) && (rc = hv_kvm_create_vcpu(vm, i)))
			return rc;
	hv_kvm_detect_platform(vm);
	if (vm->platform != h->platform) {
		log_warnx("restore: the domain was saved on a %s host and this one is %s: it cannot run here",
			  h->platform == XENON_PLATFORM_PVM ? "PVM" : "VT-x/AMD-V",
			  vm->platform == XENON_PLATFORM_PVM ? "PVM" : "VT-x/AMD-V");
		return -EOPNOTSUPP;
	}
	if (h->tsc_khz && vm->tsc_khz && h->tsc_khz != vm->tsc_khz)
		log_warnx("restore: the TSC runs at %llu kHz here, %llu kHz on the source: the guest's clock "
			  "will drift",
			  (unsigned long long)vm->tsc_khz, (unsigned long long)h->tsc_khz);
	vm->boot_info = hv_gpa(vm, XENON_BOOT_INFO_GPA, sizeof(*vm->boot_info));
	return 0;
}

/*
 * The built-in devices (their xenstored connection, KVM eventfds) depend
 * on the header alone: made before the memory comes, they cost nothing in a
 * migration's paused window. They write the boot page: marked filled, so
 * that a zero marker for it clears it; the stream's copy replaces it.
 */
static int make_devices(struct restore *r)
{
	int rc = hv_builtin_devices_init(r->vm);
	uint64_t off;

	if (!rc && !mig_pfn_offset(r->vm->args.mem_bytes, XENON_BOOT_INFO_GPA / MIG_PAGE_SIZE, &off))
		r->written[off / MIG_PAGE_SIZE / 8] |= 1 << (off / MIG_PAGE_SIZE % 8);
	return rc;
}

static int on_header(void *o, const struct mig_header *h)
{
	struct restore *r = o;
	struct hv_vm *vm = r->vm;
	int rc;

	if (hv_mem_check_host(h->mem_bytes))
		return -ENOMEM;
	vm->args.mem_bytes = h->mem_bytes;
	vm->args.nr_vcpus = h->nr_vcpus;
	r->online = h->vcpus_online;
	vm->vcpus = calloc(h->nr_vcpus, sizeof(*vm->vcpus));
	r->vcpus = calloc(h->nr_vcpus, sizeof(*r->vcpus));
	r->written = calloc(1, mig_nr_frames(h->mem_bytes) / 8 + 1);
	if (!vm->vcpus || !r->vcpus || !r->written)
		return -ENOMEM;
	rc = build_vm(vm, h);
	return rc ? rc : make_devices(r);
}

static void *frame(struct restore *r, uint64_t pfn, int mark)
{
	uint64_t off;

	if (mig_pfn_offset(r->vm->args.mem_bytes, pfn, &off))
		return NULL;
	if (mark)
		r->written[off / MIG_PAGE_SIZE / 8] |= 1 << (off / MIG_PAGE_SIZE % 8);
	return r->vm->ram + off;
}

/*
 * At the stream's first record, libxl hears how many disks and NICs it can
 * add while the rest is read (its VDEV_PLAN, which must be first; 0: none,
 * they come after the stream): their work (xenon-hv's and the toolstack's)
 * is then out of a migration's downtime.
 */
static void announce(struct restore *r)
{
	if (r->announced)
		return;
	r->announced = 1;
	hv_say_ready(r->vm, HVCTL_READY_PLAN, hv_mig_vdevs_planned());
}

/* Before each read of the stream: while planned devices are still to come, their requests are answered. */
static int serve_control(void *o, int fd)
{
	struct restore *r = o;

	return hv_mig_vdevs_planned_left() ? hv_loop_serve_until(r->vm, HV_LOOP_CONTROL, fd) : 0;
}

static void *on_page(void *o, uint64_t pfn)
{
	announce(o);
	return frame(o, pfn, 1);
}

/* RAM starts as zeros: only a frame this stream filled before is cleared. */
static int on_zero(void *o, uint64_t pfn)
{
	struct restore *r = o;
	uint8_t *p = frame(r, pfn, 0);
	uint64_t n;

	announce(r);
	if (!p)
		return -EBADMSG;
	n = (uint64_t)(p - r->vm->ram) / MIG_PAGE_SIZE;
	if (r->written[n / 8] & (1 << (n % 8)))
		memset(p, 0, MIG_PAGE_SIZE);
	return 0;
}

static uint8_t *copy(const void *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c)
		memcpy(c, p, len);
	return c;
}

static int keep_device(struct restore *r, const struct mig_rec *rec, const uint8_t *p)
{
	struct saved_dev *d = &r->devs[r->nr_devs];

	if (r->nr_devs == MAX_SAVED_DEVICES) {
		log_warnx("restore: more than %d devices in the stream", MAX_SAVED_DEVICES);
		return -EBADMSG;
	}
	memcpy(d->name, p, MIG_DEVICE_NAME);
	d->len = rec->len - MIG_DEVICE_NAME;
	d->data = copy(p + MIG_DEVICE_NAME, d->len);
	r->nr_devs++;
	return d->data ? 0 : -ENOMEM;
}

/* State records wait for END (the reader has checked each, and that each comes once). */
static int on_record(void *o, const struct mig_rec *rec, const void *p)
{
	struct restore *r = o;
	uint8_t **slot;
	int rc = rec->type == MIG_REC_VDEV_PLAN ? hv_mig_vdev_plan_keep(p, rec->len) : 0;

	announce(r);
	switch (rec->type) {
	case MIG_REC_VDEV_PLAN:
		return rc;
	case MIG_REC_DEVICE:
		return keep_device(r, rec, p);
	case MIG_REC_VDEV:
		return hv_mig_vdev_keep(rec->instance, p, rec->len);
	case MIG_REC_CONSOLE:
		free(r->console);
		r->console_len = rec->len;
		return (r->console = copy(p, rec->len)) ? 0 : -ENOMEM;
	case MIG_REC_IRQCHIP:
		slot = &r->irqchip[rec->instance];
		break;
	case MIG_REC_CLOCK:
		slot = &r->clock;
		break;
	default: /* a vCPU's */
		slot = &r->vcpus[rec->instance].rec[rec->type];
		r->vcpus[rec->instance].len[rec->type] = rec->len;
	}
	*slot = copy(p, rec->len);
	return *slot ? 0 : -ENOMEM;
}

/*
 * A save file: the READ_AHEAD bytes after what is read now are asked of the
 * disk in the background (POSIX_FADV_WILLNEED, READ_AHEAD_STEP at a time),
 * so that the disk reads on while the frames before are copied into RAM
 * (the kernel's own read-ahead window is far smaller: a restore from the
 * disk took the disk's time plus the copy's). A pipe (a migration) has
 * none: off at the first ESPIPE; nor a file whose frames are read with
 * O_DIRECT (mig_source.direct), which the disk reads straight into RAM.
 */
#define READ_AHEAD	(32 << 20)
#define READ_AHEAD_STEP (4 << 20)

static void read_ahead(struct restore *r, size_t len)
{
	off_t pos;

	r->filled += len;
	if (r->src.direct > 0)
		r->read_ahead = -1; /* its frames are read O_DIRECT (migstream.c): not into the page cache */
	if (r->read_ahead < 0 || (r->checked && r->filled - r->checked < READ_AHEAD_STEP / 4))
		return;
	r->checked = r->filled;
	pos = lseek(r->fd, 0, SEEK_CUR);
	if (pos < 0) {
		r->read_ahead = -1;
		return;
	}
	if (r->read_ahead < pos)
		r->read_ahead = pos;
	while (r->read_ahead < pos + READ_AHEAD) {
		if (posix_fadvise(r->fd, r->read_ahead, READ_AHEAD_STEP, POSIX_FADV_WILLNEED)) {
			r->read_ahead = -1;
			return;
		}
		r->read_ahead += READ_AHEAD_STEP;
	}
}

/*
 * Guest RAM a PAGES record is about to fill: backed in one call rather than
 * a page fault for each 4 KiB the read copies into (older kernels lack
 * MADV_POPULATE_WRITE: then the faults, as before); and a save file's next
 * bytes asked for.
 */
static void on_fill_ahead(void *o, void *addr, size_t len)
{
	struct restore *r = o;

	read_ahead(r, len);
	if (r->fill)
		ram_fill_coming(r->fill, addr, len);
#ifdef MADV_POPULATE_WRITE
	if (!mig_source_splicing(&r->src)) /* spliced pages are not zeroed first: none to fault in */
		madvise(addr, len, MADV_POPULATE_WRITE);
#else
	(void)addr;
#endif
}

static const struct mig_reader_ops ops = {
    .header = on_header,
    .page = on_page,
    .zero_page = on_zero,
    .fill_ahead = on_fill_ahead,
    .record = on_record,
};

/* Each device made here takes the state saved under its name; every saved one must find its device. */
static int restore_devices(struct restore *r)
{
	for (struct hv_dev *d = r->vm->devs; d; d = d->next)
		for (unsigned i = 0; i < r->nr_devs; i++) {
			struct saved_dev *s = &r->devs[i];
			int rc;

			if (s->used || strcmp(s->name, d->ops->name))
				continue;
			s->used = 1;
			rc = hv_dev_restore(d, s->data, s->len);
			if (rc) {
				log_warnx("restore: device %s refused its saved state: %s", s->name,
					  log_strerror(rc));
				return rc;
			}
			break;
		}
	for (unsigned i = 0; i < r->nr_devs; i++)
		if (!r->devs[i].used) {
			log_warnx("restore: the saved domain had a device %s that this domain lacks "
				  "(was it saved with --xenstore, and restored without?)",
				  r->devs[i].name);
			return -ENODEV;
		}
	return 0;
}

/* The vCPUs' state is their threads' to load (hv_restore_finish, vcpu.c). */
static int apply(struct restore *r)
{
	int rc = restore_devices(r);

	return rc ? rc : hv_mig_load_vm(r->vm, r->irqchip, r->clock);
}

/* "--restore N" is an inherited fd, anything else a file. */
static int open_source(const char *arg, int *fd)
{
	uint64_t n;

	if (!parse_u64(arg, INT32_MAX, &n)) {
		if (fcntl((int)n, F_GETFD) < 0) {
			log_warnx("--restore %s: no such open file descriptor", arg);
			return -EBADF;
		}
		*fd = (int)n;
		return 0;
	}
	*fd = open(arg, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int err = -errno;

		log_warn("--restore %s: cannot open the saved domain", arg);
		return err;
	}
	return 0;
}

static void stop_reading(struct restore *r)
{
	ram_fill_end(r->fill); /* what it backed for nothing given back; its threads joined later */
	mig_reader_free(r->reader);
	r->reader = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int refused(struct restore *r, int rc)
{
	stop_reading(r);
	ram_fill_wait(r->fill);
	r->fill = NULL;
	log_warnx("--restore %s: not restored (%s)", r->vm->args.restore, log_strerror(rc));
	return rc;
}

/* Past the one frame xenon-hv writes before the stream's: the boot page (make_devices). */
static size_t boot_page_end(const struct hv_vm *vm)
{
	uint64_t off = 0;

	mig_pfn_offset(vm->args.mem_bytes, XENON_BOOT_INFO_GPA / MIG_PAGE_SIZE, &off);
	return (size_t)off + MIG_PAGE_SIZE;
}

/* The header: the domain's shape, made at once; the rest is hv_restore_stream's. */
int hv_restore_build(struct hv_vm *vm)
{
	struct restore *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	r->vm = vm;
	r->fd = -1;
	pending = r;
	rc = open_source(vm->args.restore, &r->fd);
	if (rc)
		return rc;
	mig_source_fd(&r->src, r->fd);
	r->src.wait = serve_control;
	r->src.wait_arg = r;
	r->reader = mig_reader_new(&r->src, &ops, r);
	if (!r->reader)
		return refused(r, -ENOMEM);
	rc = mig_read_header(r->reader);
	if (rc)
		return refused(r, rc);
	mig_source_plan_direct(&r->src); /* before the sandbox: see migstream.h */
	r->src.sink_fd = vm->memfd; /* from a pipe, the frames go into RAM's file: mig_source */
	r->src.sink_base = vm->ram;
	return 0;
}

/*
 * Everything after the header, read inside the sandbox (xenon-migration(7)):
 * what a hostile peer sends is parsed by a process that is no longer root.
 */
int hv_restore_stream(struct hv_vm *vm)
{
	struct restore *r = pending;
	int rc;

	if (!r || !r->reader)
		return -EINVAL;
	r->fill = ram_fill_start(vm->ram, vm->memfd, vm->low_size + vm->high_size, boot_page_end(vm));
	rc = mig_read_records(r->reader);
	if (rc)
		return refused(r, rc);
	log_info("restore: the stream's %llu MiB read, %llu MiB of it with O_DIRECT",
		 (unsigned long long)(r->src.pos >> 20), (unsigned long long)(r->src.direct_bytes >> 20));
	stop_reading(r);
	rc = apply(r);
	free(r->written);
	r->written = NULL;
	if (!rc)
		rc = hv_mig_vdevs_restoring();
	if (!rc && hv_mig_vdevs_pending() && !vm->paused) {
		log_warnx("--restore %s: the domain has disks or NICs: restore it --paused and add them "
			  "(HVCTL_DEVICE_ADD) before it runs, as libxl does",
			  vm->args.restore);
		rc = -EINVAL;
	}
	return rc;
}

static void restore_free(struct restore *r)
{
	stop_reading(r);
	ram_fill_wait(r->fill);
	for (unsigned i = 0; r->vcpus && i < r->vm->args.nr_vcpus; i++)
		for (unsigned t = 0; t < MIG_REC_TYPE_MAX; t++)
			free(r->vcpus[i].rec[t]);
	for (unsigned i = 0; i < MIG_IRQCHIPS; i++)
		free(r->irqchip[i]);
	for (unsigned i = 0; i < r->nr_devs; i++)
		free(r->devs[i].data);
	free(r->vcpus);
	free(r->clock);
	free(r->console);
	free(r->written);
	free(r);
}

/* vCPU i's saved state, moved out of r for its thread, or NULL (out of memory). */
static struct hv_mig_vcpu *take_vcpu_state(struct restore *r, unsigned i)
{
	struct hv_mig_vcpu *s = malloc(sizeof(*s));

	if (s) {
		*s = r->vcpus[i];
		memset(&r->vcpus[i], 0, sizeof(r->vcpus[i]));
	}
	return s;
}

/*
 * Once the console exists: the output the guest printed before, for xl
 * console; then the vCPUs' threads, each loading its saved state first
 * (the domain is paused: none runs before libxl has added the devices and
 * unpaused it; whoever reads a vCPU's state waits for its load).
 */
int hv_restore_finish(struct hv_vm *vm)
{
	struct restore *r = pending;
	int rc = 0;

	if (!r)
		return -EINVAL;
	if (r->console)
		hv_console_ring_restore(vm, r->console, r->console_len);
	settling = r->fill;
	r->fill = NULL;
	if (!vm->paused) /* its vCPUs run as they start */
		hv_restore_settle();
	pthread_mutex_lock(&vm->lock);
	for (unsigned i = 0; i < vm->args.nr_vcpus && !rc; i++) {
		struct hv_vcpu *v = &vm->vcpus[i];

		if (!(r->online & (1ULL << i)))
			continue;
		v->restored = take_vcpu_state(r, i);
		rc = v->restored ? hv_vcpu_start(v) : -ENOMEM;
		if (rc) {
			hv_mig_vcpu_free(v->restored);
			v->restored = NULL;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	pending = NULL;
	restore_free(r);
	return rc;
}

void hv_restore_settle(void)
{
	ram_fill_wait(settling);
	settling = NULL;
}
