/*
 * The balloon device (xenon-boot.h: XENON_PORT_BALLOON): the guest names
 * frames it gives back to the host or takes again, in a request page; each
 * frame is checked (balloon_core.c) and a released run is punched out of
 * the memfd (MADV_REMOVE on the shared mapping), so the host has that memory
 * back at once; touched again, a frame faults in as zero. Runs on the vCPU
 * thread that wrote the port (madvise is in every thread's seccomp list).
 * The toolstack reads what the domain holds (HVCTL_INFO) and sets its
 * ceiling (HVCTL_MEM_MAX).
 */
#include "hypervisor/hv.h"
#include "hypervisor/balloon_core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "log.h"

struct balloon {
	pthread_mutex_t lock;
	struct hv_balloon core;
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

/* The request page at gpa: copied out once (the guest may change it meanwhile), answered in place. */
static int balloon_request(struct hv_dev *d, uint64_t gpa)
{
	struct balloon *b = d->priv;
	uint8_t *page = (gpa % HV_BALLOON_PAGE) ? NULL : hv_gpa(d->vm, gpa, HV_BALLOON_PAGE);
	struct xenon_balloon_req *req;
	uint32_t done = 0;
	int32_t status;

	if (!page)
		return 0; /* not a page of RAM: nowhere to answer */
	req = malloc(sizeof(*req));
	if (!req)
		return -ENOMEM;
	memcpy(req, page, sizeof(*req));
	pthread_mutex_lock(&b->lock);
	status = hv_balloon_apply(&b->core, req, gpa / HV_BALLOON_PAGE, release_run, d->vm, &done);
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
	rc = hv_balloon_init(&b->core, vm->args.mem_bytes, (floor + HV_BALLOON_PAGE - 1) / HV_BALLOON_PAGE);
	if (!rc)
		rc = hv_dev_add(vm, &balloon_ops, b, out);
	if (rc) {
		hv_balloon_fini(&b->core);
		free(b);
		return rc;
	}
	rc = hv_bus_register(&vm->bus[HV_BUS_PIO], *out, 0, XENON_PORT_BALLOON, 4, HV_BUS_W4);
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
	struct stat st;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	info->mem_current_kib = hv_balloon_current(&b->core) * (HV_BALLOON_PAGE / 1024);
	info->mem_max_kib = b->core.limit * (HV_BALLOON_PAGE / 1024);
	pthread_mutex_unlock(&b->lock);
	if (fstat(vm->memfd, &st) == 0)
		info->mem_backed_kib = (uint64_t)st.st_blocks / 2; /* 512-byte blocks */
	info->balloon_valid = 1;
}
