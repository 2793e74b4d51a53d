/*
 * A domain's xenstore layout, as Xen's libxl writes it, with Xen's
 * permissions (first entry: owner and everyone else's access):
 *   ro  {"n0", "r<id>"}  owned by the host, readable by the domain
 *   rw  {"n<id>"}        owned (so writable) by the domain
 *   no  {"n0"}           the toolstack's own
 *
 *   /local/domain/<id>            ro: name, domid, vm, memory/{static-max,target},
 *                                 cpu/<n>/availability
 *   /local/domain/<id>/control    ro; shutdown, feature-*, sysrq: rw
 *   /local/domain/<id>/{data,drivers,feature,attr,error}  rw
 *   /local/domain/<id>/device     ro
 *   /local/domain/<id>/console    {"n<id>", "r0"}: type, output, limit, tty
 *   /vm/<uuid>                    ro: uuid, name, start_time, image/{ostype,kernel,...}
 *   /libxl/<id>                   no: type, config (JSON), hv-pid, hv-start, monitor-pid, keeper-pid, ...
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strutil.h"

struct perms {
	char a[16], b[16];
	const char *ro[2], *rw[1], *no[1], *fe[2];
};

static void perms_init(struct perms *p, uint32_t domid)
{
	snprintf(p->a, sizeof(p->a), "r%u", domid);
	snprintf(p->b, sizeof(p->b), "n%u", domid);
	p->ro[0] = "n0";
	p->ro[1] = p->a;
	p->rw[0] = p->b;
	p->no[0] = "n0";
	p->fe[0] = p->b;
	p->fe[1] = "r0";
}

static const char *const rw_dirs[] = {"data", "drivers", "feature", "attr", "error"};
static const char *const control_rw[] = {"shutdown", "feature-poweroff", "feature-reboot", "feature-suspend",
					 "sysrq"};

static bool vcpu_available(const struct libxl__layout *l, unsigned i)
{
	return !l->online || libxl_bitmap_is_empty(l->online) || libxl_bitmap_test(l->online, i);
}

static int write_local(libxl_ctx *ctx, uint32_t tx, const struct libxl__layout *l, const struct perms *p,
		       const char *dom)
{
	char buf[32];
	unsigned i;
	int rc;

	rc = libxl__xs_mkdir_perms(ctx, tx, p->ro, 2, "%s", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->name, "%s/name", dom);
	snprintf(buf, sizeof(buf), "%u", l->domid);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, buf, "%s/domid", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, "", "%s/vm", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->type, "%s/type", dom);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->max_memkb);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, buf, "%s/memory/static-max", dom);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->target_memkb);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, buf, "%s/memory/target", dom);
	for (i = 0; !rc && i < l->vcpus; i++)
		rc = libxl__xs_write(ctx, tx, vcpu_available(l, i) ? "online" : "offline",
				     "%s/cpu/%u/availability", dom, i);
	for (i = 0; !rc && i < sizeof(rw_dirs) / sizeof(rw_dirs[0]); i++)
		rc = libxl__xs_mkdir_perms(ctx, tx, p->rw, 1, "%s/%s", dom, rw_dirs[i]);
	if (!rc)
		rc = libxl__xs_mkdir_perms(ctx, tx, p->ro, 2, "%s/device", dom);
	if (!rc)
		rc = libxl__xs_mkdir_perms(ctx, tx, p->ro, 2, "%s/control", dom);
	for (i = 0; !rc && i < sizeof(control_rw) / sizeof(control_rw[0]); i++)
		rc = libxl__xs_write_perms(ctx, tx, "", p->rw, 1, "%s/control/%s", dom, control_rw[i]);
	return rc;
}

static int write_console(libxl_ctx *ctx, uint32_t tx, const struct perms *p, const char *dom)
{
	int rc;

	rc = libxl__xs_mkdir_perms(ctx, tx, p->fe, 2, "%s/console", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, "xenon-hv", "%s/console/type", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, "pty", "%s/console/output", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, "1048576", "%s/console/limit", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, "", "%s/console/tty", dom);
	return rc;
}

static int write_vm(libxl_ctx *ctx, uint32_t tx, const struct libxl__layout *l, const struct perms *p,
		    const char *dom)
{
	char vm[LIBXL_PATH_MAX], buf[32];
	int rc;

	rc = libxl__path(vm, sizeof(vm), "/vm/%s", l->uuid);
	if (rc < 0)
		return rc;
	rc = libxl__xs_mkdir_perms(ctx, tx, p->ro, 2, "%s", vm);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, vm, "%s/vm", dom);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->uuid, "%s/uuid", vm);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->name, "%s/name", vm);
	snprintf(buf, sizeof(buf), "%lld", (long long)time(NULL));
	if (!rc)
		rc = libxl__xs_write(ctx, tx, buf, "%s/start_time", vm);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, "xenon", "%s/image/ostype", vm);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->kernel ? l->kernel : "", "%s/image/kernel", vm);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->cmdline ? l->cmdline : "", "%s/image/cmdline", vm);
	if (!rc && l->ramdisk)
		rc = libxl__xs_write(ctx, tx, l->ramdisk, "%s/image/ramdisk", vm);
	return rc;
}

static int write_libxl(libxl_ctx *ctx, uint32_t tx, const struct libxl__layout *l, const struct perms *p)
{
	char base[LIBXL_PATH_MAX];
	int rc;

	rc = libxl__xs_mkdir_perms(ctx, tx, p->no, 1, "/libxl/%u", l->domid);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->type, "/libxl/%u/type", l->domid);
	if (!rc)
		rc = libxl__xs_write(ctx, tx, l->uuid, "/libxl/%u/uuid", l->domid);
	if (!rc && l->config_json) {
		rc = libxl__path(base, sizeof(base), "/libxl/%u/config", l->domid);
		if (!rc)
			rc = libxl__xs_write_long(ctx, tx, base, l->config_json);
	}
	return rc;
}

int libxl__layout_write(libxl_ctx *ctx, uint32_t tx, const struct libxl__layout *l)
{
	char dom[LIBXL_PATH_MAX];
	struct perms p;
	int rc;

	perms_init(&p, l->domid);
	rc = libxl__path(dom, sizeof(dom), "/local/domain/%u", l->domid);
	if (!rc)
		rc = write_local(ctx, tx, l, &p, dom);
	if (!rc)
		rc = write_console(ctx, tx, &p, dom);
	if (!rc)
		rc = write_vm(ctx, tx, l, &p, dom);
	if (!rc)
		rc = write_libxl(ctx, tx, l, &p);
	return rc;
}

bool libxl__vm_path_valid(const char *vm)
{
	libxl_uuid u;

	return !strncmp(vm, "/vm/", 4) && strlen(vm + 4) == LIBXL_UUID_FMTLEN &&
	       libxl_uuid_from_string(&u, vm + 4) == 0;
}

/* The domain's three subtrees, /libxl/<id> last (libxl_domain_wait_gone
 * watches it); in a transaction (tx) all or nothing. */
static int remove_nodes(libxl_ctx *ctx, uint32_t tx, uint32_t domid, bool best_effort)
{
	char paths[3][LIBXL_PATH_MAX], *vm = NULL;
	unsigned n = 0, i;
	int rc, ret = 0;

	if (libxl__xs_read(ctx, tx, &vm, "/local/domain/%u/vm", domid) == 0 && libxl__vm_path_valid(vm))
		snprintf(paths[n++], LIBXL_PATH_MAX, "%s", vm);
	free(vm);
	snprintf(paths[n++], LIBXL_PATH_MAX, "/local/domain/%u", domid);
	snprintf(paths[n++], LIBXL_PATH_MAX, "/libxl/%u", domid);
	for (i = 0; i < n; i++) {
		rc = libxl__xs_rm(ctx, tx, "%s", paths[i]);
		if (rc < 0 && !best_effort)
			return rc;
		if (rc < 0 && !ret)
			ret = rc;
	}
	return ret;
}

static int remove_in_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	return remove_nodes(ctx, tx, *(const uint32_t *)arg, false);
}

/*
 * In one transaction, so that whoever sees /local/domain/<id> gone (a
 * watch: libxl_domain_wait_gone, xl shutdown -w) sees /vm/<uuid> and
 * /libxl/<id> gone as well. Should the transaction itself fail, the nodes
 * are still removed one by one: nothing is left behind.
 */
int libxl__layout_remove(libxl_ctx *ctx, uint32_t domid)
{
	int rc;

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	rc = libxl__xs_transact(ctx, remove_in_tx, &domid);
	if (rc < 0)
		rc = remove_nodes(ctx, XS_NO_TX, domid, true);
	return rc;
}

/* What xen-init-dom0 writes: the host is domain 0, named Domain-0. */
int libxl__ensure_host_nodes(libxl_ctx *ctx)
{
	static const char *const perms[] = {"n0"};
	int rc;

	rc = libxl__xs_exists(ctx, XS_NO_TX, "/local/domain/0/name");
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = libxl__xs_mkdir_perms(ctx, XS_NO_TX, perms, 1, "/local/domain/0");
	if (!rc)
		rc = libxl__xs_write(ctx, XS_NO_TX, "Domain-0", "/local/domain/0/name");
	if (!rc)
		rc = libxl__xs_write(ctx, XS_NO_TX, "0", "/local/domain/0/domid");
	return rc;
}
