/*
 * fake-dev.c: fake-hv's disks and NICs (fake-dev.h). It answers
 * HVCTL_DEVICE_ADD / REMOVE / LIST as xenon-hv does (docs/devices.md): a
 * list of devices, duplicates refused (-EEXIST), unknown ones -ENOENT; a
 * vbd's target is opened (read-only with HVCTL_DEVF_READONLY) and locked
 * as xenon-hv locks it (flock: shared / exclusive, else -EBUSY), a qcow2 or
 * vhd image refused; a vif's tap is created with TUNSETIFF (in the network
 * namespace fake-hv runs in) and goes when the device is removed or
 * fake-hv ends. Windows at 0xd0000000 + 0x1000 * slot, irq 5 + slot.
 *
 * It also plays the guest's frontends, through xenstore as domain <domid>
 * (xsc_become_domain), as the guest kernel does: it watches its device tree
 * and each backend's state; while the domain runs it answers a backend in
 * InitWait with Connected and a Closing one with Closed. FAKE_HV_FRONTEND
 * changes that:
 *   connect  (default) as above
 *   mute     never writes anything: a guest without drivers
 *   stuck    connects but never lets a device go (detach times out, -f)
 *   error    closes every device at once with error = "fake-hv: ..."
 */
#include "tests/fake-hv/fake-dev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenstored/xs.h"

#define MAX_DEVS 32

struct dev {
	bool used;
	struct hvctl_device d;
	int fd;
};

static struct {
	uint32_t domid;
	const char *xenstore;
	const char *mode;
	struct xs_handle *xs;
	struct dev devs[MAX_DEVS];
} g = {.mode = "connect"};

void fake_dev_setup(uint32_t domid, const char *xenstore)
{
	const char *m = getenv("FAKE_HV_FRONTEND");

	g.domid = domid;
	g.xenstore = xenstore;
	if (m && *m)
		g.mode = m;
}

int fake_dev_fd(void)
{
	return g.xs ? xsc_watch_fd(g.xs) : -1;
}

static void be_path(const struct hvctl_device *d, char *buf, size_t len)
{
	snprintf(buf, len, "/local/domain/0/backend/%s/%u/%u/state", d->kind == HVCTL_DEV_VBD ? "vbd" : "vif",
		 g.domid, d->devid);
}

/* Become the guest's xenstore connection on the first device. */
static void guest_connect(void)
{
	char dev[64];

	if (g.xs || !g.xenstore || !strcmp(g.mode, "mute"))
		return;
	if (xsc_open(g.xenstore, &g.xs) < 0) {
		fprintf(stderr, "fake-hv: cannot connect to xenstored at %s\n", g.xenstore);
		return;
	}
	snprintf(dev, sizeof(dev), "/local/domain/%u/device", g.domid);
	if (xsc_become_domain(g.xs, g.domid) < 0 || xsc_watch(g.xs, dev, "fe") < 0) {
		fprintf(stderr, "fake-hv: cannot act as domain %u in xenstore\n", g.domid);
		xsc_close(g.xs);
		g.xs = NULL;
	}
}

/* The fds passed with the request being served (HVCTL_DEVF_FDS), as libxl sends them. */
static int passed_fds[HVCTL_MAX_FDS];
static unsigned nr_passed;

void fake_dev_passed(const int *fds, unsigned n)
{
	for (unsigned i = 0; i < nr_passed; i++)
		if (passed_fds[i] >= 0)
			close(passed_fds[i]);
	nr_passed = n < HVCTL_MAX_FDS ? n : HVCTL_MAX_FDS;
	memcpy(passed_fds, fds, nr_passed * sizeof(int));
}

int fake_dev_take_fd(void)
{
	int fd = nr_passed ? passed_fds[0] : -1;

	if (fd >= 0)
		passed_fds[0] = -1;
	return fd;
}

/* The first passed fd, now the caller's; -1 if none. */
static int take_passed(const struct dev *v)
{
	int fd = nr_passed && (v->d.flags & HVCTL_DEVF_FDS) ? passed_fds[0] : -1;

	if (fd >= 0)
		passed_fds[0] = -1;
	return fd;
}

static bool has_image_magic(int fd)
{
	unsigned char m[8] = {0};

	if (pread(fd, m, sizeof(m), 0) < 4)
		return false;
	return !memcmp(m, "QFI\xfb", 4) || !memcmp(m, "conectix", 8);
}

static int open_vbd(struct dev *v)
{
	struct stat st;
	uint64_t bytes = 0;
	int fd;

	if (v->d.target[0] != '/')
		return -EINVAL;
	fd = take_passed(v);
	if (fd < 0)
		fd = open(v->d.target, (v->d.flags & HVCTL_DEVF_READONLY ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) || has_image_magic(fd)) {
		close(fd);
		return -EOPNOTSUPP;
	}
	/* As xenon-hv: shared for reading, exclusive for writing. */
	if (flock(fd, (v->d.flags & HVCTL_DEVF_READONLY ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	if (S_ISBLK(st.st_mode))
		ioctl(fd, BLKGETSIZE64, &bytes);
	else
		bytes = (uint64_t)st.st_size;
	v->d.sectors = bytes / 512;
	v->fd = fd;
	return 0;
}

static int open_tap(struct dev *v)
{
	struct ifreq ifr;
	int fd;

	if (strlen(v->d.target) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = take_passed(v);
	if (fd >= 0) { /* made by libxl: check it is that tap */
		memset(&ifr, 0, sizeof(ifr));
		if (ioctl(fd, TUNGETIFF, &ifr) < 0 || strcmp(ifr.ifr_name, v->d.target)) {
			close(fd);
			return -EINVAL;
		}
		v->fd = fd;
		return 0;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, v->d.target, strlen(v->d.target));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	v->fd = fd;
	return 0;
}

static struct dev *find(uint32_t kind, uint32_t devid)
{
	for (unsigned i = 0; i < MAX_DEVS; i++)
		if (g.devs[i].used && g.devs[i].d.kind == kind && g.devs[i].d.devid == devid)
			return &g.devs[i];
	return NULL;
}

static int add(const struct hvctl_device_spec *s, struct hvctl_device *out)
{
	unsigned slot;
	struct dev *v;
	char path[128];
	int rc;

	if ((s->kind != HVCTL_DEV_VBD && s->kind != HVCTL_DEV_VIF) ||
	    !memchr(s->target, 0, sizeof(s->target)) || !s->target[0])
		return -EINVAL;
	if (find(s->kind, s->devid))
		return -EEXIST;
	for (slot = 0; slot < MAX_DEVS && g.devs[slot].used; slot++)
		;
	if (slot == MAX_DEVS)
		return -ENOSPC;
	v = &g.devs[slot];
	memset(v, 0, sizeof(*v));
	v->d.kind = s->kind;
	v->d.devid = s->devid;
	v->d.flags = s->flags;
	v->d.mtu = s->mtu ? s->mtu : 1500;
	v->d.rate_bytes = s->rate_bytes;
	v->d.rate_usecs = s->rate_usecs;
	memcpy(v->d.mac, s->mac, sizeof(v->d.mac));
	memcpy(v->d.target, s->target, sizeof(v->d.target));
	v->d.irq = 5 + slot;
	v->d.mmio_base = 0xd0000000ull + 0x1000ull * slot;
	v->d.mmio_size = 0x1000;
	rc = s->kind == HVCTL_DEV_VBD ? open_vbd(v) : open_tap(v);
	if (rc < 0)
		return rc;
	v->used = true;
	*out = v->d;
	guest_connect();
	be_path(&v->d, path, sizeof(path));
	if (g.xs)
		xsc_watch(g.xs, path, "be");
	return 0;
}

static int del(uint32_t kind, uint32_t devid)
{
	struct dev *v = find(kind, devid);
	char path[128];

	if (!v)
		return -ENOENT;
	be_path(&v->d, path, sizeof(path));
	if (g.xs)
		xsc_unwatch(g.xs, path, "be");
	close(v->fd);
	v->used = false;
	return 0;
}

bool fake_dev_request(int fd, const struct hvctl_hdr *hdr, const uint8_t *payload, fake_reply_fn *reply)
{
	struct hvctl_device_spec spec;
	struct hvctl_device_id id;
	struct hvctl_device out, list[MAX_DEVS];
	uint32_t n = 0;
	int rc;

	switch (hdr->type) {
	case HVCTL_DEVICE_ADD:
		if (hdr->len != sizeof(spec)) {
			reply(fd, hdr->type, -EINVAL, NULL, 0);
			return true;
		}
		memcpy(&spec, payload, sizeof(spec));
		rc = add(&spec, &out);
		reply(fd, hdr->type, rc, rc ? NULL : &out, rc ? 0 : sizeof(out));
		return true;
	case HVCTL_DEVICE_REMOVE:
		if (hdr->len != sizeof(id)) {
			reply(fd, hdr->type, -EINVAL, NULL, 0);
			return true;
		}
		memcpy(&id, payload, sizeof(id));
		reply(fd, hdr->type, del(id.kind, id.devid), NULL, 0);
		return true;
	case HVCTL_DEVICE_LIST:
		for (unsigned i = 0; i < MAX_DEVS; i++)
			if (g.devs[i].used)
				list[n++] = g.devs[i].d;
		reply(fd, hdr->type, 0, list, n * (uint32_t)sizeof(list[0]));
		return true;
	default:
		return false;
	}
}

static int read_state(const char *path)
{
	char *v = NULL;
	size_t len;
	int st = -1;

	if (xsc_read(g.xs, XS_NO_TX, path, &v, &len) == 0 && v[0] >= '1' && v[0] <= '6' && !v[1])
		st = v[0] - '0';
	free(v);
	return st;
}

static void write_fe(const struct hvctl_device *d, const char *key, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/device/%s/%u/%s", g.domid,
		 d->kind == HVCTL_DEV_VBD ? "vbd" : "vif", d->devid, key);
	xsc_write_str(g.xs, XS_NO_TX, path, value);
}

/* One device, as a guest's frontend driver would answer its backend. */
static void frontend(const struct hvctl_device *d)
{
	char fe[128], be[128];
	int fst, bst;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%u/state", g.domid,
		 d->kind == HVCTL_DEV_VBD ? "vbd" : "vif", d->devid);
	be_path(d, be, sizeof(be));
	fst = read_state(fe);
	bst = read_state(be);
	if (fst < 0)
		return; /* no frontend node (yet) */
	if ((bst == 2 || bst == 3) && fst < 4) {
		if (!strcmp(g.mode, "error")) {
			write_fe(d, "error", "fake-hv: this guest cannot drive the device");
			write_fe(d, "state", "6");
		} else {
			write_fe(d, "state", "4");
		}
	} else if (bst == 5 && fst != 6 && strcmp(g.mode, "stuck")) {
		write_fe(d, "state", "6");
	}
}

void fake_dev_frontend(bool running)
{
	char *p, *t;

	if (!g.xs)
		return;
	while (xsc_read_watch(g.xs, 0, &p, &t) == 0) {
		free(p);
		free(t);
	}
	if (!running)
		return;
	for (unsigned i = 0; i < MAX_DEVS; i++)
		if (g.devs[i].used)
			frontend(&g.devs[i].d);
}

int fake_dev_read_target(uint64_t *kib)
{
	static struct xs_handle *xs;
	char path[64], *v = NULL, *end;
	size_t len;
	int rc;

	if (!g.xenstore)
		return -ENOENT;
	if (!xs && xsc_open(g.xenstore, &xs) < 0)
		return -ECONNREFUSED;
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", g.domid);
	rc = xsc_read(xs, XS_NO_TX, path, &v, &len);
	if (rc < 0)
		return rc;
	*kib = strtoull(v, &end, 10);
	rc = end == v || *end ? -EINVAL : 0;
	free(v);
	return rc;
}
