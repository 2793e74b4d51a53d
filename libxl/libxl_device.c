/*
 * libxl_device.c: what disks and NICs share (libxl_device.h): their two
 * xenstore nodes with Xen's permissions, the XenbusState waits on watches,
 * the device calls on xenon-hv, detach and the teardown after a domain ends.
 */
#include "libxl/libxl_device.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "strutil.h"
#include "xenstored/xs_wire.h"

int libxl__device_timeout_ms(libxl_ctx *ctx)
{
	return ctx->set.device_timeout_ms;
}

int libxl__hotplug_timeout_ms(libxl_ctx *ctx)
{
	return ctx->set.hotplug_timeout_ms;
}

int libxl__dev_init(struct libxl__dev *d, uint32_t hv_kind, uint32_t domid, uint32_t devid)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->hv_kind = hv_kind;
	d->kind = hv_kind == HVCTL_DEV_VBD ? "vbd" : "vif";
	d->domid = domid;
	d->devid = devid;
	snprintf(d->what_buf, sizeof(d->what_buf), "%s %u", hv_kind == HVCTL_DEV_VBD ? "disk" : "nic", devid);
	d->what = d->what_buf;
	rc = libxl__path(d->be, sizeof(d->be), "/local/domain/0/backend/%s/%u/%u", d->kind, domid, devid);
	if (rc == 0)
		rc =
		    libxl__path(d->fe, sizeof(d->fe), "/local/domain/%u/device/%s/%u", domid, d->kind, devid);
	return rc;
}

int libxl__xb_state_parse(const char *s)
{
	if (!s || s[0] < '1' || s[0] > '6' || s[1])
		return LIBXL__XB_UNKNOWN;
	return s[0] - '0';
}

int libxl__xb_state_read(libxl_ctx *ctx, const char *path)
{
	char *v = NULL;
	int st;

	if (libxl__xs_read(ctx, XS_NO_TX, &v, "%s/state", path) < 0)
		return LIBXL__XB_UNKNOWN;
	st = libxl__xb_state_parse(v);
	free(v);
	return st;
}

struct create_arg {
	const struct libxl__dev *d;
	const struct libxl__kv *kv;
	unsigned n;
};

static int backend_create_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct create_arg *a = arg;
	char dom[16];
	const char *perms[2] = {"n0", dom};
	int rc;

	snprintf(dom, sizeof(dom), "r%u", a->d->domid);
	rc = libxl__xs_exists(ctx, tx, "%s", a->d->be);
	if (rc != 0)
		return rc < 0 ? rc : -EEXIST;
	rc = libxl__xs_mkdir_perms(ctx, tx, perms, 2, "%s", a->d->be);
	if (rc == 0)
		rc = libxl__xs_write(ctx, tx, "1", "%s/state", a->d->be);
	for (unsigned i = 0; rc == 0 && i < a->n; i++)
		rc = libxl__xs_write(ctx, tx, a->kv[i].value, "%s/%s", a->d->be, a->kv[i].key);
	return rc;
}

int libxl__dev_backend_create(libxl_ctx *ctx, const struct libxl__dev *d, const struct libxl__kv *kv,
			      unsigned n)
{
	struct create_arg a = {d, kv, n};

	return libxl__xs_transact(ctx, backend_create_tx, &a);
}

struct publish_arg {
	const struct libxl__dev *d;
	const struct hvctl_device *hv;
	const struct libxl__kv *kv;
	unsigned n;
	bool restored;
};

/* One round trip (the restored domain's are in a migration's downtime). */
static int publish_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct publish_arg *a = arg;
	const struct libxl__dev *d = a->d;
	struct libxl__xs_batch b = {.n = 0};
	char base[32], irq[16], perms[32];
	int plen;

	snprintf(base, sizeof(base), "%#llx", (unsigned long long)a->hv->mmio_base);
	snprintf(irq, sizeof(irq), "%u", a->hv->irq);
	plen = snprintf(perms, sizeof(perms), "n%u%cr0", d->domid, '\0') + 1; /* owner, others read */
	/* The backend must still be ours: a detach racing with us wins. */
	libxl__xs_batch_add(&b, XS_READ, "", 0, "%s/state", d->be);
	libxl__xs_batch_write(&b, base, "%s/virtio-mmio-base", d->be);
	libxl__xs_batch_write(&b, irq, "%s/virtio-mmio-irq", d->be);
	libxl__xs_batch_rm(&b, "%s", d->fe); /* nothing of an earlier one */
	libxl__xs_batch_add(&b, XS_MKDIR, "", 0, "%s", d->fe);
	libxl__xs_batch_add(&b, XS_SET_PERMS, perms, (size_t)plen, "%s", d->fe);
	libxl__xs_batch_write(&b, d->be, "%s/backend", d->fe);
	libxl__xs_batch_write(&b, "0", "%s/backend-id", d->fe);
	for (unsigned i = 0; i < a->n; i++)
		libxl__xs_batch_write(&b, a->kv[i].value, "%s/%s", d->fe, a->kv[i].key);
	libxl__xs_batch_write(&b, base, "%s/virtio-mmio-base", d->fe);
	libxl__xs_batch_write(&b, irq, "%s/virtio-mmio-irq", d->fe);
	libxl__xs_batch_write(&b, a->restored ? "4" : "1", "%s/state", d->fe); /* Connected or Initialising */
	libxl__xs_batch_write(&b, a->restored ? "4" : "2", "%s/state", d->be); /* Connected or InitWait */
	return libxl__xs_batch_run(ctx, tx, &b);
}

int libxl__dev_publish(libxl_ctx *ctx, const struct libxl__dev *d, const struct hvctl_device *hv,
		       const struct libxl__kv *kv, unsigned n, bool restored)
{
	struct publish_arg a = {d, hv, kv, n, restored};

	return libxl__xs_transact(ctx, publish_tx, &a);
}

int libxl__dev_set_backend_state(libxl_ctx *ctx, const struct libxl__dev *d, int state)
{
	char buf[4];

	snprintf(buf, sizeof(buf), "%d", state);
	return libxl__xs_write(ctx, XS_NO_TX, buf, "%s/state", d->be);
}

/* Remove path's parent (.../<kind>/<domid> or .../device/<kind>) when it is left empty. */
static int rm_empty_parent(libxl_ctx *ctx, uint32_t tx, const char *path)
{
	char parent[LIBXL_PATH_MAX], **names = NULL;
	unsigned count = 0;
	int rc;

	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	rc = xsc_directory(ctx->xsh, tx, parent, &names, &count);
	free(names);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	return count ? 0 : libxl__xs_rm(ctx, tx, "%s", parent);
}

static int nodes_remove_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct libxl__dev *d = arg;
	int rc = libxl__xs_rm(ctx, tx, "%s", d->fe);

	if (rc == 0)
		rc = libxl__xs_rm(ctx, tx, "%s", d->be);
	if (rc == 0)
		rc = rm_empty_parent(ctx, tx, d->fe);
	if (rc == 0)
		rc = rm_empty_parent(ctx, tx, d->be);
	return rc;
}

int libxl__dev_nodes_remove(libxl_ctx *ctx, const struct libxl__dev *d)
{
	int rc = libxl__xs_transact(ctx, nodes_remove_tx, (void *)d);

	if (rc < 0) { /* still, one by one: nothing is left behind */
		libxl__xs_rm(ctx, XS_NO_TX, "%s", d->fe);
		rc = libxl__xs_rm(ctx, XS_NO_TX, "%s", d->be);
	}
	return rc;
}

/* The guest's `error` key, untrusted: at most errlen - 1 printable bytes. */
static void guest_error(libxl_ctx *ctx, const struct libxl__dev *d, char *err, size_t errlen)
{
	char *v = NULL;
	size_t i;

	if (!err || !errlen)
		return;
	snprintf(err, errlen, "no reason given");
	if (libxl__xs_read(ctx, XS_NO_TX, &v, "%s/error", d->fe) < 0)
		return;
	for (i = 0; v[i] && i < errlen - 1 && i < 200; i++)
		err[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	err[i] = '\0';
	free(v);
}

struct frontend_wait {
	const struct libxl__dev *d;
	int want;
	char *err;
	size_t errlen;
};

/* The frontend in the state wanted: 1; Closed instead: -EIO (its reason in err). */
static int frontend_reached(libxl_ctx *ctx, void *arg)
{
	struct frontend_wait *w = arg;
	int st = libxl__xb_state_read(ctx, w->d->fe);

	if (st == w->want)
		return 1;
	if (st == LIBXL__XB_CLOSED && w->want != LIBXL__XB_CLOSED) {
		guest_error(ctx, w->d, w->err, w->errlen);
		return -EIO;
	}
	return 0;
}

int libxl__dev_wait_frontend(libxl_ctx *ctx, const struct libxl__dev *d, int want, int timeout_ms, char *err,
			     size_t errlen)
{
	struct frontend_wait w = {d, want, err, errlen};
	char path[LIBXL_PATH_MAX + 8], token[64];

	snprintf(path, sizeof(path), "%s/state", d->fe);
	snprintf(token, sizeof(token), "libxl-dev-%d-%s-%u-%u", (int)getpid(), d->kind, d->domid, d->devid);
	return libxl__xs_wait(ctx, path, token, timeout_ms, frontend_reached, &w);
}

int libxl__dev_ids(libxl_ctx *ctx, const char *kind, uint32_t domid, uint32_t **ids, unsigned *n)
{
	char path[LIBXL_PATH_MAX], **names = NULL;
	unsigned count = 0, k = 0;
	uint64_t v;
	int rc;

	*ids = NULL;
	*n = 0;
	rc = libxl__path(path, sizeof(path), "/local/domain/0/backend/%s/%u", kind, domid);
	if (rc < 0)
		return rc;
	rc = xsc_directory(ctx->xsh, XS_NO_TX, path, &names, &count);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	*ids = calloc(count ? count : 1, sizeof(**ids));
	if (!*ids) {
		free(names);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < count; i++)
		if (parse_u64(names[i], INT32_MAX, &v) == 0)
			(*ids)[k++] = (uint32_t)v;
	free(names);
	libxl__u32_sort(*ids, k);
	*n = k;
	return 0;
}

/* ---- xenon-hv ---- */

/*
 * xenon-hv runs sandboxed (no host files, no CAP_NET_ADMIN): libxl opens the
 * disk's file or makes the tap and passes the fds with the request.
 */
int libxl__dev_hv_add_fds(libxl_ctx *ctx, uint32_t domid, const struct hvctl_device_spec *spec, const int *fds,
			  unsigned nfds, struct hvctl_device *out)
{
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = hvctl_device_add_fds(fd, spec, fds, nfds, out);
	close(fd);
	return rc == -EPIPE ? -ESRCH : rc;
}

int libxl__dev_hv_remove(libxl_ctx *ctx, uint32_t domid, uint32_t hv_kind, uint32_t devid)
{
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = hvctl_device_remove(fd, hv_kind, devid);
	close(fd);
	return rc == -EPIPE ? -ESRCH : rc;
}

int libxl__dev_hv_find(libxl_ctx *ctx, uint32_t domid, uint32_t hv_kind, uint32_t devid,
		       struct hvctl_device *out)
{
	struct hvctl_device *devs;
	unsigned n = HVCTL_MAX_PACKET / sizeof(*devs);
	int fd, rc;

	rc = libxl__hv_connect(ctx, domid, &fd);
	if (rc < 0)
		return rc;
	devs = calloc(n, sizeof(*devs));
	rc = devs ? hvctl_device_list(fd, devs, &n) : -ENOMEM;
	close(fd);
	if (rc == 0) {
		rc = -ENOENT;
		for (unsigned i = 0; i < n && i < HVCTL_MAX_PACKET / sizeof(*devs); i++)
			if (devs[i].kind == hv_kind && devs[i].devid == devid) {
				*out = devs[i];
				rc = 0;
				break;
			}
	}
	free(devs);
	return rc;
}

int libxl__dev_domain_paused(libxl_ctx *ctx, uint32_t domid)
{
	struct hvctl_info info;
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = hvctl_info(fd, &info);
	close(fd);
	if (rc < 0)
		return rc;
	return info.state == HVCTL_STATE_PAUSED;
}

int libxl__dev_attach_finish(libxl_ctx *ctx, const struct libxl__dev *d, bool wait)
{
	char err[256];
	int rc, timeout = libxl__device_timeout_ms(ctx);

	if (!wait)
		return 0;
	if (libxl__dev_domain_paused(ctx, d->domid) == 1) {
		log_info("domain %u is paused: the guest will connect %s when it runs", d->domid, d->what);
		return 0;
	}
	rc = libxl__dev_wait_frontend(ctx, d, LIBXL__XB_CONNECTED, timeout, err, sizeof(err));
	if (rc == -ETIMEDOUT)
		log_warnx("domain %u: the guest did not connect %s within %d ms (its frontend state is %d): "
			  "removed again; does the guest have a virtio-%s driver that watches its xenstore "
			  "device nodes?",
			  d->domid, d->what, timeout, libxl__xb_state_read(ctx, d->fe),
			  d->hv_kind == HVCTL_DEV_VBD ? "blk" : "net");
	else if (rc == -EIO)
		log_warnx("domain %u: the guest could not use %s (it said: %s): removed again", d->domid,
			  d->what, err);
	else if (rc < 0)
		log_warnx("domain %u: waiting for the guest to connect %s failed: %s", d->domid, d->what,
			  log_strerror(rc));
	if (rc == 0)
		rc = libxl__dev_set_backend_state(ctx, d, LIBXL__XB_CONNECTED);
	return rc;
}

char *libxl__dev_be_str(libxl_ctx *ctx, const struct libxl__dev *d, const char *key)
{
	char *v = NULL;

	return libxl__xs_read(ctx, XS_NO_TX, &v, "%s/%s", d->be, key) < 0 ? NULL : v;
}

void *libxl__dev_list(libxl_ctx *ctx, uint32_t hv_kind, const char *kind, uint32_t domid, size_t elem_size,
		      void (*init)(void *elem),
		      void (*fill)(libxl_ctx *ctx, const struct libxl__dev *d, void *elem), int *num)
{
	struct libxl__dev d;
	uint32_t *ids = NULL;
	unsigned n = 0;
	char *list = NULL;

	*num = 0;
	if (libxl__dev_ids(ctx, kind, domid, &ids, &n) < 0 || n == 0 || !(list = calloc(n, elem_size))) {
		free(ids);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		void *elem = list + (size_t)*num * elem_size;

		init(elem);
		if (libxl__dev_init(&d, hv_kind, domid, ids[i]) == 0) {
			fill(ctx, &d, elem);
			(*num)++;
		}
	}
	free(ids);
	return list;
}

void libxl__dev_backends_follow(libxl_ctx *ctx, uint32_t domid)
{
	static const struct {
		const char *kind;
		uint32_t hv_kind;
	} kinds[] = {{"vbd", HVCTL_DEV_VBD}, {"vif", HVCTL_DEV_VIF}};

	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		uint32_t *ids = NULL;
		unsigned n = 0;

		if (libxl__dev_ids(ctx, kinds[k].kind, domid, &ids, &n) < 0)
			continue;
		for (unsigned i = 0; i < n; i++) {
			struct libxl__dev d;

			if (libxl__dev_init(&d, kinds[k].hv_kind, domid, ids[i]) == 0 &&
			    libxl__xb_state_read(ctx, d.be) == LIBXL__XB_INITWAIT &&
			    libxl__xb_state_read(ctx, d.fe) == LIBXL__XB_CONNECTED)
				libxl__dev_set_backend_state(ctx, &d, LIBXL__XB_CONNECTED);
		}
		free(ids);
	}
}
