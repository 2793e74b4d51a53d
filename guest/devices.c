/*
 * Device discovery and the registry (devices.h), per docs/devices.md:
 *
 *  - xenstore (when the domain has a channel): at boot every
 *    device/<vbd|vif>/<D> with virtio-mmio-base and virtio-mmio-irq keys;
 *    later the same on each event of the watch on "device" (hot-add, and a
 *    node that went away without a close). A device that comes up gets its
 *    frontend state 4 (Connected), one that cannot be driven 6 and an
 *    "error" key. Each device's backend "state" is watched: on 5 (Closing)
 *    or later the driver lets go, the device is reset (status 0) and the
 *    frontend state becomes 6 (Closed).
 *  - the command line's virtio_mmio.device= words (mmio_arg.c), after
 *    xenstore's, skipping a window xenstore already gave.
 *
 * Names: a vbd by its virtual-device (51712 = xvda, 51728 = xvdb: Xen's
 * xen-vbd-interface(7)), a vif eth<devid>; command-line devices take the
 * first free name of their kind in order (xvda, xvdb, ...; eth0, eth1, ...).
 */
#include "devices.h"
#include "kernel.h"
#include "mmio_arg.h"
#include "virtio.h"

#define XS_WINDOW_SIZE	0x200 /* the registers and 256 bytes of config: all a driver touches */
#define DIR_BUF		1024
#define STATE_CONNECTED 4
#define STATE_CLOSING	5
#define STATE_CLOSED	6
#define DEVICE_WATCH	"xenon-devices"

static struct device devs[MAX_DEVICES];

/* Hot-add and close are reported while the prompt may be showing: on a line of their own. */
static void new_line(void)
{
	if (!console_at_line_start())
		printf("\n");
}

static const struct driver *drivers(unsigned int i)
{
	const struct driver *table[] = {&virtio_blk_driver, &virtio_net_driver};

	return i < ARRAY_SIZE(table) ? table[i] : NULL;
}

#define NR_DRIVERS 2

static const struct driver *driver_by_id(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < NR_DRIVERS; i++)
		if (drivers(i) && drivers(i)->virtio_id == id)
			return drivers(i);
	return NULL;
}

struct device *device_find(const char *name)
{
	size_t i;

	for (i = 0; i < MAX_DEVICES; i++)
		if (devs[i].present && !strcmp(devs[i].name, name))
			return &devs[i];
	return NULL;
}

struct device *device_next(struct device *prev, uint32_t virtio_id)
{
	size_t i = prev ? (size_t)(prev - devs) + 1 : 0;

	for (; i < MAX_DEVICES; i++)
		if (devs[i].present && (!virtio_id || devs[i].vdev.device_id == virtio_id))
			return &devs[i];
	return NULL;
}

static struct device *device_at(uint64_t base)
{
	size_t i;

	for (i = 0; i < MAX_DEVICES; i++)
		if (devs[i].present && devs[i].vdev.base == base)
			return &devs[i];
	return NULL;
}

/* xvda, xvdz, xvdaa, ... (Linux's order) or eth0, eth1, ... */
static void make_name(const struct driver *drv, unsigned int index, char *buf, size_t size)
{
	char sfx[8];
	int n = 0, k;

	if (!drv->letters) {
		snprintf(buf, size, "%s%u", drv->prefix, index);
		return;
	}
	index++;
	while (index && n < (int)sizeof(sfx)) {
		index--;
		sfx[n++] = (char)('a' + index % 26);
		index /= 26;
	}
	k = snprintf(buf, size, "%s", drv->prefix);
	while (n && k + 1 < (int)size)
		buf[k++] = sfx[--n];
	buf[k] = '\0';
}

/* The first free name of drv's kind from index want; its index. */
static unsigned int free_index(const struct driver *drv, unsigned int want)
{
	char name[DEV_NAME_MAX];

	for (;; want++) {
		make_name(drv, want, name, sizeof(name));
		if (!device_find(name))
			return want;
	}
}

static struct device *slot_alloc(void)
{
	size_t i;

	for (i = 0; i < MAX_DEVICES; i++)
		if (!devs[i].present) {
			memset(&devs[i], 0, sizeof(devs[i]));
			return &devs[i];
		}
	return NULL;
}

/*
 * Probe the window, find the driver, name the device and attach it: 0, or
 * -errno with *why set (the slot is left free).
 */
static int device_bring_up(struct device *dev, const struct mmio_arg *w, unsigned int want_index,
			   const char **why)
{
	int rc = virtio_probe(&dev->vdev, w->base, (uint32_t)w->size, w->irq);

	if (rc) {
		*why = rc == -ENODEV   ? "no device behind the window (device id 0)"
		       : rc == -EPROTO ? "a legacy (version 1) virtio-mmio device; only version 2 is driven "
					 "(QEMU: -global virtio-mmio.force-legacy=false)"
				       : "no virtio-mmio device there (bad magic)";
		return rc;
	}
	dev->drv = driver_by_id(dev->vdev.device_id);
	if (!dev->drv) {
		*why = "no driver for this virtio device id";
		return -ENODEV;
	}
	new_line();
	dev->index = free_index(dev->drv, want_index);
	make_name(dev->drv, dev->index, dev->name, sizeof(dev->name));
	dev->present = true;
	rc = dev->drv->attach(dev);
	if (rc) {
		dev->present = false;
		virtio_reset(&dev->vdev);
		virtio_release(&dev->vdev);
		*why = "the driver could not set it up";
	}
	return rc;
}

/* Let go of a device: the driver first, then (if it is still there) a reset. */
static void device_remove(struct device *dev, bool reset)
{
	if (dev->drv && dev->drv->detach)
		dev->drv->detach(dev);
	if (reset)
		virtio_reset(&dev->vdev);
	virtio_release(&dev->vdev);
	if (dev->watch_token[0])
		xs_watch_remove(NULL, dev->watch_token);
	dev->present = false;
}

/* ---- the command line ---- */

static void devices_from_cmdline(void)
{
	const char *cl = boot.cmdline, *why, *word;
	size_t pos = 0, wlen;
	struct mmio_arg w;
	int rc;

	while ((rc = mmio_arg_next(cl, &pos, &w, &why, &word, &wlen))) {
		struct device *dev;

		if (rc < 0) {
			char text[80]; /* printf has no %.*s */

			strlcpy(text, word, wlen < sizeof(text) ? wlen + 1 : sizeof(text));
			printf("devices: ignoring '%s' on the command line: %s\n", text, why);
			continue;
		}
		if (device_at(w.base))
			continue; /* xenstore gave it already */
		dev = slot_alloc();
		if (!dev) {
			printf("devices: more than %d devices; ignoring the one at %#lx\n", MAX_DEVICES,
			       (unsigned long)w.base);
			continue;
		}
		dev->devid = -1;
		if (device_bring_up(dev, &w, 0, &why))
			printf("devices: virtio-mmio window %#lx (irq %u) from the command line: %s\n",
			       (unsigned long)w.base, w.irq, why);
	}
}

/* ---- xenstore ---- */

/* Hex with or without 0x, as libxl writes virtio-mmio-base. */
static int parse_hex(const char *s, uint64_t *v)
{
	struct mmio_arg a;
	char buf[40];
	const char *why;

	/* reuse the command-line parser: "1@<base>:0" */
	snprintf(buf, sizeof(buf), "1@%s%s:0", strncmp(s, "0x", 2) ? "0x" : "", s);
	if (strlen(s) > 20 || mmio_arg_parse(buf, strlen(buf), &a, &why))
		return -EINVAL;
	*v = a.base;
	return 0;
}

/*
 * Xen's virtual-device numbers (xen-vbd-interface(7)): the disk index, or -1.
 * xvd (major 202) and sd (8): 16 minors a disk; hd (3, 22): 64; extended
 * (1 << 28): the index in bits 8..27.
 */
static long vbd_index(uint64_t vdev)
{
	uint64_t major = vdev >> 8, minor = vdev & 0xff;

	if (vdev & (1ULL << 28))
		return vdev >> 29 ? -1 : (long)((vdev >> 8) & 0xfffff);
	if (major == 202 || major == 8)
		return (long)(minor >> 4);
	if (major == 3 || major == 22)
		return (long)((major == 22 ? 2 : 0) + (minor >> 6));
	return -1;
}

static int fe_read(struct device *dev, const char *key, char *buf, size_t size)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", dev->fe_path, key);
	return xs_read(path, buf, size);
}

static int fe_write(struct device *dev, const char *key, const char *value)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", dev->fe_path, key);
	return xs_write(path, value);
}

static void backend_changed(const char *path, const char *token, void *arg);


/*
 * The window, irq and backend of a frontend node: 0; -ENOENT while a key
 * is missing or unreadable (not written yet: the next event tries again);
 * -EINVAL with *why for a value that is wrong.
 */
static int xs_window(struct device *dev, struct mmio_arg *w, const char **why)
{
	char base[40], irq_s[40];
	uint64_t irq;

	if (fe_read(dev, "virtio-mmio-base", base, sizeof(base)) ||
	    fe_read(dev, "virtio-mmio-irq", irq_s, sizeof(irq_s)) ||
	    fe_read(dev, "backend", dev->be_path, sizeof(dev->be_path)))
		return -ENOENT;
	if (parse_hex(base, &w->base) || w->base % 0x200 || w->base > 0xffffffffULL - XS_WINDOW_SIZE) {
		*why = "virtio-mmio-base is not a hex address below 4 GiB, aligned to 512 bytes";
		return -EINVAL;
	}
	if (parse_dec_u64(irq_s, &irq) || irq >= IOAPIC_PINS) {
		*why = "virtio-mmio-irq is not a pin number below 24";
		return -EINVAL;
	}
	if (dev->be_path[0] != '/' || strlen(dev->be_path) + 1 >= sizeof(dev->be_path)) {
		*why = "the backend key is not an absolute path of fewer than 95 bytes";
		return -EINVAL;
	}
	w->size = XS_WINDOW_SIZE;
	w->irq = (uint32_t)irq;
	return 0;
}

/* The name index a vbd asks for (virtual-device), or 0 (the first free). */
static unsigned int xs_wanted_index(struct device *dev, const char *kind)
{
	char v[24];
	uint64_t n;
	long idx;

	if (!strcmp(kind, "vif"))
		return (unsigned int)dev->devid;
	if (fe_read(dev, "virtual-device", v, sizeof(v)) || parse_dec_u64(v, &n))
		return 0;
	idx = vbd_index(n);
	return idx < 0 ? 0 : (unsigned int)idx;
}

static void xs_failed(struct device *dev, const char *why)
{
	char where[160];

	new_line();
	printf("devices: %s: %s\n", dev->fe_path, why);
	snprintf(where, sizeof(where), "xenon-guest: %s", why);
	fe_write(dev, "error", where);
	fe_write(dev, "state", "6");
}

static void xs_device_add(const char *kind, uint32_t devid)
{
	struct device *dev = slot_alloc();
	struct mmio_arg w;
	const char *why;
	char path[160];
	int rc;

	if (!dev) {
		printf("devices: more than %d devices; device/%s/%u left alone\n", MAX_DEVICES, kind, devid);
		return;
	}
	dev->devid = (int)devid;
	snprintf(dev->fe_path, sizeof(dev->fe_path), "device/%s/%u", kind, devid);
	rc = xs_window(dev, &w, &why);
	if (rc == -ENOENT) {
		return; /* not all there yet: the write of the rest sets the watch off again */
	}
	if (rc) {
		xs_failed(dev, why);
		return;
	}
	if (device_at(w.base)) {
		xs_failed(dev, "its virtio-mmio window is already in use by another device");
		return;
	}
	if (device_bring_up(dev, &w, xs_wanted_index(dev, kind), &why)) {
		xs_failed(dev, why);
		return;
	}
	if (strcmp(dev->drv->xs_kind, kind)) {
		device_remove(dev, true);
		xs_failed(dev, "the device behind the window is not of this kind");
		return;
	}
	snprintf(dev->watch_token, sizeof(dev->watch_token), "be-%s-%u", kind, devid);
	snprintf(path, sizeof(path), "%s/state", dev->be_path);
	rc = xs_watch_add(path, dev->watch_token, backend_changed, dev);
	if (rc) {
		dev->watch_token[0] = '\0';
		printf("devices: %s: cannot watch %s: %s\n", dev->name, path, xs_strerror(rc));
	}
	fe_write(dev, "state", "4");
}

static struct device *device_by_fe(const char *fe_path)
{
	size_t i;

	for (i = 0; i < MAX_DEVICES; i++)
		if (devs[i].present && devs[i].devid >= 0 && !strcmp(devs[i].fe_path, fe_path))
			return &devs[i];
	return NULL;
}

/*
 * Restored or migrated, the domain has a new domid and its backends new
 * paths; the toolstack wrote the frontend node again, Connected, with the
 * new "backend" (docs/devices.md). The device itself went on unchanged:
 * only the watch moves to the new backend. False when there is none.
 */
static bool backend_moved(struct device *dev)
{
	char be[sizeof(dev->be_path)], path[sizeof(be) + 8], v[16];

	if (fe_read(dev, "backend", be, sizeof(be)) || be[0] != '/' || !strcmp(be, dev->be_path))
		return false;
	snprintf(path, sizeof(path), "%s/state", be);
	if (xs_read(path, v, sizeof(v)))
		return false;
	xs_watch_remove(NULL, dev->watch_token);
	strlcpy(dev->be_path, be, sizeof(dev->be_path));
	if (xs_watch_add(path, dev->watch_token, backend_changed, dev)) {
		dev->watch_token[0] = '\0';
		printf("devices: %s: cannot watch %s\n", dev->name, path);
	}
	new_line();
	printf("devices: %s: its backend is now %s\n", dev->name, be);
	return true;
}

/* The backend's state moved: at 5 (Closing) or beyond, or gone, let go of the device. */
static void backend_changed(const char *path, const char *token, void *arg)
{
	struct device *dev = arg;
	char v[16];
	uint64_t state;
	int rc;

	/* a slot freed and reused since the event was queued is another device's */
	if (!dev->present || strcmp(token, dev->watch_token))
		return;
	rc = xs_read(path, v, sizeof(v));
	if (rc && backend_moved(dev)) /* gone, or no longer ours to read */
		return;
	if (rc == -ENOENT) {
		/* removed without a close (a forced detach): the window is gone too */
		new_line();
		printf("devices: %s: its backend went away\n", dev->name);
		device_remove(dev, false);
		return;
	}
	if (rc || parse_dec_u64(v, &state) || state < STATE_CLOSING)
		return;
	new_line();
	printf("devices: %s: closed by the backend\n", dev->name);
	device_remove(dev, true);
	fe_write(dev, "state", "6");
}

/*
 * A node whose frontend state is 5 or 6 is one this guest closed or gave up
 * on (until the toolstack removes it): not to be tried again, or each of our
 * own writes would set off another attempt.
 */
static bool fe_closed(const char *fe)
{
	char path[64], v[16];
	uint64_t state;

	snprintf(path, sizeof(path), "%s/state", fe);
	return !xs_read(path, v, sizeof(v)) && !parse_dec_u64(v, &state) && state >= STATE_CLOSING;
}

/* Names in a NUL-separated directory listing that are plain devids. */
static bool listed(const char *list, uint32_t len, uint32_t devid)
{
	uint32_t off;
	uint64_t n;

	for (off = 0; off < len; off += (uint32_t)strlen(list + off) + 1)
		if (!parse_dec_u64(list + off, &n) && n == devid)
			return true;
	return false;
}

static void xs_scan_kind(const char *kind)
{
	struct device *dev;
	char dir[DIR_BUF], fe[48];
	uint32_t len = 0, off;
	size_t i;
	uint64_t devid;
	int rc;

	snprintf(fe, sizeof(fe), "device/%s", kind);
	rc = xs_directory(fe, dir, sizeof(dir), &len);
	if (rc && rc != -ENOENT)
		return;
	if (rc)
		len = 0;
	/* devices whose node went away without a close */
	for (i = 0; i < MAX_DEVICES; i++) {
		struct device *d = &devs[i];

		if (d->present && d->devid >= 0 && !strcmp(d->drv->xs_kind, kind) &&
		    !listed(dir, len, (uint32_t)d->devid)) {
			new_line();
			printf("devices: %s: its xenstore node went away\n", d->name);
			device_remove(d, false);
		}
	}
	for (off = 0; off < len; off += (uint32_t)strlen(dir + off) + 1) {
		if (parse_dec_u64(dir + off, &devid) || devid > 0xfffffff)
			continue;
		snprintf(fe, sizeof(fe), "device/%s/%u", kind, (uint32_t)devid);
		if ((dev = device_by_fe(fe)))
			backend_moved(dev); /* restored under a new domid: the node was written anew */
		else if (!fe_closed(fe))
			xs_device_add(kind, (uint32_t)devid);
	}
}

/* Anything below device/ changed: look at every node again. */
static void devices_changed(const char *path, const char *token, void *arg)
{
	(void)path, (void)token, (void)arg;
	xs_scan_kind("vbd");
	xs_scan_kind("vif");
}

void devices_init(void)
{
	int rc;

	if (xs_available()) {
		xs_scan_kind("vbd");
		xs_scan_kind("vif");
		rc = xs_watch_add("device", DEVICE_WATCH, devices_changed, NULL);
		if (rc)
			printf("devices: cannot watch device/ for hot-added devices: %s\n", xs_strerror(rc));
	}
	devices_from_cmdline();
}
