/*
 * The balloon device (xenon-boot.h: XENON_PORT_BALLOON): the guest names
 * frames it gives back to the host or takes again, in a request page; each
 * frame is checked (balloon_core.c) and a released run is punched out of
 * the memfd (MADV_REMOVE on the shared mapping), so the host has that memory
 * back at once; touched again, a frame faults in as zero. Runs on the vCPU
 * thread that wrote the port (madvise is in every thread's seccomp list).
 * The toolstack reads what the domain holds (HVCTL_INFO) and sets its
 * ceiling (HVCTL_MEM_MAX).
 *
 * A guest that writes to frames it released gets them back from the host
 * (a fault in a hole of the memfd) without asking: the toolstack, which
 * counts what the domain holds from the balloon (libxl's claims), would
 * give that memory to other domains too. Once a second (a timer on the main
 * loop) the RAM's file is measured: holding more frames than the domain
 * may, every released run is given back again; the guest, which broke the
 * balloon's contract, finds zeros there. RAM from the hugetlb pool goes back
 * in whole 2 MiB pages only: a page is given back once the guest has
 * released each of its frames (the frames of a page it still uses are
 * zeroed, not freed), and what it may hold is counted in such pages; a
 * frame it takes back is backed first (take_pool_frame).
 */
#include "hypervisor/hv.h"
#include "hypervisor/balloon_core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hypervisor/loglimit.h"
#include "log.h"

#define ENFORCE_EVERY_S 1

struct balloon {
	struct hv_vm *vm;
	pthread_mutex_t lock;
	struct hv_balloon core;
	int timer_fd; /* the enforcement's tick; -1: none */
};

static int release_run(void *ctx, uint64_t offset, uint64_t len)
{
	struct hv_vm *vm = ctx;

	if (madvise(vm->ram + offset, len, MADV_REMOVE) < 0) {
		int rc = -errno;

		log_warn("balloon: giving %llu KiB back to the host", (unsigned long long)(len / 1024));
		return rc;
	}
	return 0;
}

/*
 * A released run of RAM from the hugetlb pool (ctx: the balloon): each
 * 2 MiB page whose every frame the guest has released goes back to the
 * pool whole, backed first if it never was (a page never backed keeps the
 * reservation made for it when it is punched out; backed, the reservation
 * goes with it); the frames of a page it still uses are only zeroed.
 */
static int release_pool_run(void *ctx, uint64_t offset, uint64_t len)
{
	struct balloon *b = ctx;
	uint64_t end = offset + len;
	int rc = 0;

	for (uint64_t page = offset - offset % HV_HUGE_PAGE; !rc && page < end; page += HV_HUGE_PAGE) {
		uint64_t from = page > offset ? page : offset,
			 to = page + HV_HUGE_PAGE < end ? page + HV_HUGE_PAGE : end;

		if (hv_balloon_all_released(&b->core, page / HV_BALLOON_PAGE,
					    HV_HUGE_PAGE / HV_BALLOON_PAGE)) {
			from = page;
			to = page + HV_HUGE_PAGE;
			/* may fail (the pool empty, the page gone already): nothing to free then */
			madvise(b->vm->ram + page, HV_HUGE_PAGE, MADV_POPULATE_WRITE);
		}
		rc = release_run(b->vm, from, to - from);
	}
	return rc;
}

/* The release function for this domain's RAM, and its ctx. */
static hv_balloon_release_fn releaser(struct balloon *b, void **ctx)
{
	bool pool = b->vm->args.memory_pool == HVCTL_MEMORY_POOL_HUGETLB;

	*ctx = pool ? (void *)b : (void *)b->vm;
	return pool ? release_pool_run : release_run;
}

/*
 * Before a frame of RAM from the hugetlb pool is taken back: its 2 MiB page
 * backed now, while the guest can still be told no (its request refused,
 * -ENOSPC), rather than at its first write, which would find the pool
 * empty (other domains took the pages it gave back) and end the domain.
 */
static int take_pool_frame(void *ctx, uint64_t offset, uint64_t len)
{
	static struct loglimit lim;
	struct hv_vm *vm = ctx;

	if (madvise(vm->ram + offset, len, MADV_POPULATE_WRITE) == 0)
		return 0;
	log_warnx_limited(
	    &lim,
	    "balloon: the guest cannot take memory back: the hugetlb pool has no free 2 MiB page "
	    "(%s); it stays below its target until the pool has room",
	    log_strerror(-errno));
	return -ENOMEM;
}

/* Frames of RAM the memfd holds now (a page a guest only read is held too). */
static int backed_frames(struct hv_vm *vm, uint64_t *frames)
{
	struct stat st;

	if (fstat(vm->memfd, &st) < 0)
		return -errno;
	*frames = (uint64_t)st.st_blocks * 512 / HV_BALLOON_PAGE;
	return 0;
}

static void enforce(struct hv_vm *vm, void *opaque, int fd, short revents)
{
	static struct loglimit lim;
	struct balloon *b = opaque;
	uint64_t ticks, backed, may;

	(void)revents;
	if (read(fd, &ticks, sizeof(ticks)) < 0 || backed_frames(vm, &backed))
		return;
	pthread_mutex_lock(&b->lock);
	may = hv_balloon_held_in_units(
	    &b->core, vm->args.memory_pool == HVCTL_MEMORY_POOL_HUGETLB ? HV_HUGE_PAGE / HV_BALLOON_PAGE : 1);
	if (backed > may) {
		log_warnx_limited(
		    &lim,
		    "balloon: the guest holds %llu KiB more than it may: it wrote to memory it had "
		    "given back, which is given back again",
		    (unsigned long long)((backed - may) * (HV_BALLOON_PAGE / 1024)));
		void *ctx;
		hv_balloon_release_fn release = releaser(b, &ctx);

		hv_balloon_release_all(&b->core, release, ctx);
	}
	pthread_mutex_unlock(&b->lock);
}

static int enforce_start(struct hv_vm *vm, struct balloon *b)
{
	struct itimerspec every = {{ENFORCE_EVERY_S, 0}, {ENFORCE_EVERY_S, 0}};
	int rc;

	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->timer_fd < 0 || timerfd_settime(b->timer_fd, 0, &every, NULL) < 0) {
		rc = -errno;
		log_warn("balloon: its timer");
		return rc;
	}
	return hv_loop_add(vm, b->timer_fd, POLLIN, HV_LOOP_DEVICE, enforce, NULL, b);
}

/* The request page at gpa: copied out once (the guest may change it meanwhile), answered in place. */
static int balloon_request(struct hv_dev *d, uint64_t gpa)
{
	struct balloon *b = d->priv;
	uint8_t *page = (gpa % HV_BALLOON_PAGE) ? NULL : hv_gpa(d->vm, gpa, HV_BALLOON_PAGE);
	struct xenon_balloon_req *req;
	hv_balloon_release_fn release;
	uint32_t done = 0;
	int32_t status;
	void *ctx;

	if (!page)
		return 0; /* not a page of RAM: nowhere to answer */
	req = malloc(sizeof(*req));
	if (!req)
		return -ENOMEM;
	memcpy(req, page, sizeof(*req));
	pthread_mutex_lock(&b->lock);
	release = releaser(b, &ctx);
	status = hv_balloon_apply(&b->core, req, gpa / HV_BALLOON_PAGE, release, ctx, &done);
	pthread_mutex_unlock(&b->lock);
	free(req);
	memcpy(page + offsetof(struct xenon_balloon_req, status), &status, sizeof(status));
	memcpy(page + offsetof(struct xenon_balloon_req, done), &done, sizeof(done));
	return 0;
}

static int balloon_write(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size)
{
	uint32_t gpa = 0;

	(void)region, (void)off;
	if (size != 4)
		return 0;
	memcpy(&gpa, data, sizeof(gpa));
	return balloon_request(d, gpa);
}

static int balloon_read(struct hv_dev *d, unsigned region, uint64_t off, void *data, unsigned size)
{
	(void)d, (void)region, (void)off;
	memset(data, 0xff, size);
	return 0;
}

static int balloon_save(struct hv_dev *d, void *buf, size_t *len)
{
	struct balloon *b = d->priv;
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = hv_balloon_save(&b->core, buf, len);
	pthread_mutex_unlock(&b->lock);
	if (rc)
		log_warnx("balloon: the released memory is in too many pieces to save");
	return rc;
}

static int balloon_restore(struct hv_dev *d, const void *buf, size_t len)
{
	struct balloon *b = d->priv;
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = hv_balloon_restore(&b->core, buf, len);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

static void balloon_destroy(struct hv_dev *d)
{
	struct balloon *b = d->priv;

	if (b->timer_fd >= 0) {
		hv_loop_del(d->vm, b->timer_fd);
		close(b->timer_fd);
	}

	hv_balloon_fini(&b->core);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static const struct hv_dev_ops balloon_ops = {
    .name = "balloon",
    .read = balloon_read,
    .write = balloon_write,
    .save = balloon_save,
    .restore = balloon_restore,
    .destroy = balloon_destroy,
};

int hv_balloon_create(struct hv_vm *vm, struct hv_dev **out)
{
	struct balloon *b = calloc(1, sizeof(*b));
	uint64_t floor = vm->image_end ? vm->image_end : XENON_KERNEL_MIN_GPA;
	int rc;

	if (!b)
		return -ENOMEM;
	pthread_mutex_init(&b->lock, NULL);
	b->vm = vm;
	b->timer_fd = -1;
	rc = hv_balloon_init(&b->core, vm->args.mem_bytes, (floor + HV_BALLOON_PAGE - 1) / HV_BALLOON_PAGE);
	if (vm->args.memory_pool == HVCTL_MEMORY_POOL_HUGETLB) {
		b->core.take = take_pool_frame;
		b->core.take_ctx = vm;
	}
	if (!rc)
		rc = hv_dev_add(vm, &balloon_ops, b, out);
	if (rc) {
		hv_balloon_fini(&b->core);
		free(b);
		return rc;
	}
	rc = hv_bus_register(&vm->bus[HV_BUS_PIO], *out, 0, XENON_PORT_BALLOON, 4, HV_BUS_W4);
	if (!rc)
		rc = enforce_start(vm, b);
	if (rc)
		hv_dev_remove(*out);
	return rc;
}

static struct balloon *find(struct hv_vm *vm)
{
	struct hv_dev *d = hv_dev_find(vm, "balloon");

	return d ? d->priv : NULL;
}

int hv_balloon_set_max(struct hv_vm *vm, uint64_t max_kib)
{
	struct balloon *b = find(vm);

	if (!b)
		return -ENODEV;
	if (max_kib > vm->args.mem_bytes / 1024) {
		log_warnx("mem-max %llu KiB: more than the domain's RAM (%llu KiB)",
			  (unsigned long long)max_kib, (unsigned long long)(vm->args.mem_bytes / 1024));
		return -EINVAL;
	}
	pthread_mutex_lock(&b->lock);
	b->core.limit = max_kib / (HV_BALLOON_PAGE / 1024);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

void hv_balloon_fill(struct hv_vm *vm, struct hvctl_info *info)
{
	struct balloon *b = find(vm);
	uint64_t backed;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	info->mem_current_kib = hv_balloon_current(&b->core) * (HV_BALLOON_PAGE / 1024);
	info->mem_max_kib = b->core.limit * (HV_BALLOON_PAGE / 1024);
	pthread_mutex_unlock(&b->lock);
	if (backed_frames(vm, &backed) == 0)
		info->mem_backed_kib = backed * (HV_BALLOON_PAGE / 1024);
	info->balloon_valid = 1;
}
