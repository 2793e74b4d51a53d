/*
 * libxl_device_disk.c: disks (vbd) as docs/devices.md has them. How the
 * target is backed:
 *   qdisk (backend type "file")  the file is opened by xenon-hv itself: the
 *                                default for a regular file;
 *   phy                          through a hotplug script (default "block":
 *                                a file gets a loop device, a block device
 *                                is checked), then xenon-hv opens the
 *                                script's physical-device-path: the default
 *                                for a block device, and always with script=.
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "strutil.h"

struct disk_plan {
	struct libxl__dev d;
	bool phy;
	char script[LIBXL_PATH_MAX]; /* "" without a script */
	char target[PATH_MAX];	     /* what xenon-hv opens */
};

/* vdev ("xvdb", or the number itself) -> devid; -EINVAL with a message. */
static int vdev_devid(const char *vdev, uint32_t *devid)
{
	uint64_t v;
	int n;

	if (vdev && parse_u64(vdev, INT32_MAX, &v) == 0) {
		*devid = (uint32_t)v;
		return 0;
	}
	n = vdev ? libxl_disk_vdev_to_devnum(vdev, NULL, NULL) : -EINVAL;
	if (n < 0) {
		log_warnx("invalid vdev '%s': expected a guest disk name such as xvdb, hda or sda, or its "
			  "Xen device number",
			  vdev ? vdev : "");
		return -EINVAL;
	}
	*devid = (uint32_t)n;
	return 0;
}

static int dev_for(uint32_t domid, const char *vdev, struct libxl__dev *d)
{
	uint32_t devid;
	int rc = vdev_devid(vdev, &devid);

	if (rc == 0)
		rc = libxl__dev_init(d, HVCTL_DEV_VBD, domid, devid);
	if (rc == 0)
		snprintf(d->what_buf, sizeof(d->what_buf), "disk %.32s", vdev);
	return rc;
}

/* What Xenon cannot back, said before anything is done. */
static int check_supported(const libxl_device_disk *disk, const char *what)
{
	if (disk->format != LIBXL_DISK_FORMAT_RAW && disk->format != LIBXL_DISK_FORMAT_UNKNOWN) {
		log_warnx("%s: format %s is not supported: Xenon backs raw images only; convert it "
			  "(qemu-img convert -O raw IN OUT)",
			  what, libxl_disk_format_to_string(disk->format));
		return -EOPNOTSUPP;
	}
	if (!disk->pdev_path || !*disk->pdev_path) {
		log_warnx("%s: no target: an empty removable drive is not supported", what);
		return -EOPNOTSUPP;
	}
	if (disk->backend == LIBXL_DISK_BACKEND_TAP || disk->backend == LIBXL_DISK_BACKEND_STANDALONE) {
		log_warnx("%s: backendtype=%s is not supported: use qdisk (xenon-hv opens the file) or phy",
			  what, libxl_disk_backend_to_string(disk->backend));
		return -EOPNOTSUPP;
	}
	if (disk->backend_domid != 0 ||
	    (disk->backend_domname && *disk->backend_domname && strcmp(disk->backend_domname, "Domain-0") &&
	     strcmp(disk->backend_domname, "0"))) {
		log_warnx("%s: backend domains other than Domain-0 (driver domains) are not supported", what);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The target of a disk libxl checks itself (no script of the admin's). */
static int check_target(const libxl_device_disk *disk, const char *what, struct stat *st)
{
	const char *t = disk->pdev_path;

	if (stat(t, st) < 0) {
		int rc = -errno;

		log_warnx("%s: target %s %s: give an existing image file or block device", what, t,
			  rc == -ENOENT ? "does not exist" : log_strerror(rc));
		return rc;
	}
	if (S_ISDIR(st->st_mode)) {
		log_warnx("%s: target %s is a directory: give an image file or block device", what, t);
		return -EISDIR;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		log_warnx("%s: target %s is neither a regular file nor a block device", what, t);
		return -EINVAL;
	}
	if (access(t, R_OK) < 0) {
		log_warnx("%s: target %s cannot be read (check its permissions)", what, t);
		return -EACCES;
	}
	if (disk->readwrite && access(t, W_OK) < 0) {
		log_warnx("%s: target %s cannot be written: attach it read-only (access r)", what, t);
		return -EACCES;
	}
	return 0;
}

static int plan(libxl_ctx *ctx, const libxl_device_disk *disk, struct disk_plan *p)
{
	const char *script = disk->script && *disk->script ? disk->script : NULL;
	struct stat st;
	int rc;

	rc = check_supported(disk, p->d.what);
	if (rc < 0)
		return rc;
	p->phy = script || disk->backend == LIBXL_DISK_BACKEND_PHY;
	if (!script) {
		rc = check_target(disk, p->d.what, &st);
		if (rc < 0)
			return rc;
		if (disk->backend == LIBXL_DISK_BACKEND_UNKNOWN && S_ISBLK(st.st_mode))
			p->phy = true;
		if (p->phy)
			script = "block";
	}
	p->script[0] = '\0';
	if (script)
		return libxl__hotplug_resolve(ctx, script, p->d.what, p->script, sizeof(p->script));
	if (!realpath(disk->pdev_path, p->target)) {
		rc = -errno;
		log_warnx("%s: cannot resolve %s: %s", p->d.what, disk->pdev_path, log_strerror(rc));
		return rc;
	}
	return 0;
}

static int write_backend(libxl_ctx *ctx, const libxl_device_disk *disk, const struct disk_plan *p)
{
	char fe_id[16];
	struct libxl__kv kv[] = {
	    {"frontend", p->d.fe},
	    {"frontend-id", fe_id},
	    {"online", "1"},
	    {"params", disk->pdev_path},
	    {"type", p->phy ? "phy" : "file"},
	    {"mode", disk->readwrite ? "w" : "r"},
	    {"dev", disk->vdev},
	    {"device-type", disk->is_cdrom ? "cdrom" : "disk"},
	    {"removable", disk->removable ? "1" : "0"},
	    {"bootable", "1"},
	    {"script", p->script},
	};
	unsigned n = sizeof(kv) / sizeof(kv[0]) - (p->script[0] ? 0 : 1);
	int rc;

	snprintf(fe_id, sizeof(fe_id), "%u", p->d.domid);
	rc = libxl__dev_backend_create(ctx, &p->d, kv, n);
	if (rc == -EEXIST)
		log_warnx("domain %u already has a disk with device number %u (%s): detach it first or "
			  "choose another vdev",
			  p->d.domid, p->d.devid, disk->vdev);
	else if (rc < 0)
		log_warnx("%s: cannot write its backend node %s: %s", p->d.what, p->d.be, log_strerror(rc));
	return rc;
}

/* The script's answer: the absolute path xenon-hv is to open. */
static int script_target(libxl_ctx *ctx, struct disk_plan *p)
{
	char *v = NULL;
	int rc = libxl__xs_read(ctx, XS_NO_TX, &v, "%s/physical-device-path", p->d.be);

	if (rc < 0 || v[0] != '/' || strlen(v) >= sizeof(p->target)) {
		log_warnx("%s: hotplug script %s did not write an absolute physical-device-path in %s",
			  p->d.what, p->script, p->d.be);
		free(v);
		return -EIO;
	}
	snprintf(p->target, sizeof(p->target), "%s", v);
	free(v);
	return 0;
}

/* What xenon-hv is to be given: the spec and the target opened (says why if that fails). */
static int open_backing(const libxl_device_disk *disk, const struct disk_plan *p, struct libxl__dev_prep *prep)
{
	struct hvctl_device_spec *spec = &prep->spec;

	memset(spec, 0, sizeof(*spec));
	spec->kind = HVCTL_DEV_VBD;
	spec->devid = p->d.devid;
	spec->flags = disk->readwrite ? 0 : HVCTL_DEVF_READONLY;
	if (strlen(p->target) >= sizeof(spec->target)) {
		log_warnx("%s: the path %s is too long for xenon-hv (at most %zu bytes)", p->d.what,
			  p->target, sizeof(spec->target) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(spec->target, p->target, strlen(p->target) + 1);
	return hvctl_device_open(spec, prep->fds, &prep->nfds);
}

/* Everything but xenon-hv: the backend node, the script's add (a block
 * device or loop device, its physical-device-path) and the opened target. */
int libxl__device_disk_prepare(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk, struct libxl__dev_prep *prep)
{
	struct disk_plan *p = calloc(1, sizeof(*p));
	int rc;

	memset(prep, 0, sizeof(*prep));
	if (!p)
		return -ENOMEM;
	rc = dev_for(domid, disk->vdev, &p->d);
	if (rc == 0)
		rc = plan(ctx, disk, p);
	if (rc == 0)
		rc = write_backend(ctx, disk, p);
	if (rc < 0) {
		free(p);
		return rc;
	}
	prep->plan = p;
	prep->d = &p->d;
	if (p->script[0]) {
		struct libxl__hotplug h = {p->script, "add", p->d.be, "vbd", NULL, NULL, p->d.what};

		prep->script_ran = true;
		rc = libxl__hotplug_run(ctx, &h, false);
		if (rc == 0)
			rc = script_target(ctx, p);
	}
	if (rc == 0)
		rc = open_backing(disk, p, prep);
	if (rc < 0)
		libxl__dev_prep_drop(ctx, prep);
	return rc;
}

static void hv_failed(const struct libxl__dev_prep *prep, int rc)
{
	const struct disk_plan *p = prep->plan;

	if (rc == -EBUSY)
		log_warnx("%s: %s is in use (attached for writing by a domain, or locked): detach it there "
			  "first, or attach it read-only everywhere",
			  p->d.what, p->target);
	else
		log_warnx("%s: xenon-hv refused %s: %s (the domain's log, xl-<name>.log, says more)",
			  p->d.what, p->target, log_strerror(rc));
}

/* The prepared disk to xenon-hv, then the frontend node (and, with wait, the guest). */
int libxl__device_disk_attach(libxl_ctx *ctx, libxl_device_disk *disk, struct libxl__dev_prep *prep, bool wait)
{
	struct disk_plan *p = prep->plan;
	char devid[16];
	int rc;

	snprintf(devid, sizeof(devid), "%u", p->d.devid);
	struct libxl__kv fe[] = {{"virtual-device", devid},
				 {"device-type", disk->is_cdrom ? "cdrom" : "disk"}};
	rc = libxl__dev_prep_attach(ctx, prep, fe, 2, wait, hv_failed);
	if (rc == 0 && wait)
		libxl__config_disk_set(ctx, p->d.domid, disk, p->d.devid, true);
	free(p);
	prep->plan = NULL;
	return rc;
}

int libxl__device_disk_add(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk, bool wait)
{
	struct libxl__dev_prep prep;
	int rc = libxl__device_disk_prepare(ctx, domid, disk, &prep);

	return rc < 0 ? rc : libxl__device_disk_attach(ctx, disk, &prep, wait);
}

int libxl_device_disk_add(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk)
{
	return libxl__device_disk_add(ctx, domid, disk, true);
}

static int disk_detach(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk, bool force)
{
	struct libxl__dev d;
	int rc = dev_for(domid, disk->vdev, &d);

	if (rc == 0)
		rc = libxl__dev_detach(ctx, &d, force);
	if (rc == 0)
		libxl__config_disk_set(ctx, domid, NULL, d.devid, false);
	if (rc == -ENOENT)
		log_warnx("domain %u has no disk %s", domid, disk->vdev ? disk->vdev : "");
	return rc;
}

int libxl_device_disk_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk)
{
	return disk_detach(ctx, domid, disk, false);
}

int libxl_device_disk_destroy(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk)
{
	return disk_detach(ctx, domid, disk, true);
}

/* ---- what is there ---- */

static void disk_from_backend(libxl_ctx *ctx, const struct libxl__dev *d, libxl_device_disk *disk)
{
	char *mode = libxl__dev_be_str(ctx, d, "mode"), *type = libxl__dev_be_str(ctx, d, "type"),
	     *dt = libxl__dev_be_str(ctx, d, "device-type");
	char *script = libxl__dev_be_str(ctx, d, "script");

	disk->pdev_path = libxl__dev_be_str(ctx, d, "params");
	disk->vdev = libxl__dev_be_str(ctx, d, "dev");
	disk->format = LIBXL_DISK_FORMAT_RAW;
	disk->readwrite = mode && mode[0] == 'w';
	disk->is_cdrom = dt && !strcmp(dt, "cdrom");
	disk->backend = type && !strcmp(type, "phy") ? LIBXL_DISK_BACKEND_PHY : LIBXL_DISK_BACKEND_QDISK;
	if (script && *script)
		disk->script = script;
	else
		free(script);
	free(mode);
	free(type);
	free(dt);
}

static void disk_init(void *elem)
{
	libxl_device_disk_init(elem);
}

static void disk_fill(libxl_ctx *ctx, const struct libxl__dev *d, void *elem)
{
	disk_from_backend(ctx, d, elem);
}

libxl_device_disk *libxl_device_disk_list(libxl_ctx *ctx, uint32_t domid, int *num)
{
	return libxl__dev_list(ctx, HVCTL_DEV_VBD, "vbd", domid, sizeof(libxl_device_disk), disk_init,
			       disk_fill, num);
}

void libxl_device_disk_list_free(libxl_device_disk *list, int num)
{
	for (int i = 0; list && i < num; i++)
		libxl_device_disk_dispose(&list[i]);
	free(list);
}

int libxl_vdev_to_device_disk(libxl_ctx *ctx, uint32_t domid, const char *vdev, libxl_device_disk *disk)
{
	struct libxl__dev d;
	int rc = dev_for(domid, vdev, &d);

	if (rc < 0)
		return rc;
	rc = libxl__xs_exists(ctx, XS_NO_TX, "%s/state", d.be);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	libxl_device_disk_dispose(disk);
	libxl_device_disk_init(disk);
	disk_from_backend(ctx, &d, disk);
	return 0;
}

int libxl_device_disk_getinfo(libxl_ctx *ctx, uint32_t domid, const libxl_device_disk *disk,
			      libxl_diskinfo *info)
{
	struct hvctl_device hv;
	struct libxl__dev d;
	int rc = dev_for(domid, disk->vdev, &d);

	if (rc < 0)
		return rc;
	rc = libxl__xs_exists(ctx, XS_NO_TX, "%s/state", d.be);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	libxl_diskinfo_dispose(info);
	libxl_diskinfo_init(info);
	info->backend = strdup(d.be);
	info->frontend = strdup(d.fe);
	info->backend_id = 0;
	info->frontend_id = domid;
	info->devid = (int)d.devid;
	info->state = libxl__xb_state_read(ctx, d.fe);
	info->backend_state = libxl__xb_state_read(ctx, d.be);
	if (libxl__dev_hv_find(ctx, domid, HVCTL_DEV_VBD, d.devid, &hv) == 0) {
		hv.target[sizeof(hv.target) - 1] = '\0';
		info->irq = (int)hv.irq;
		info->mmio_base = hv.mmio_base;
		info->driver_status = (int)hv.status;
		info->target = strdup(hv.target);
		info->sectors = hv.sectors;
	}
	return info->backend && info->frontend ? 0 : -ENOMEM;
}
