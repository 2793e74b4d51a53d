/*
 * libxl_device_detach.c: the way out for disks and NICs (libxl_device.h):
 * detach with the guest's Closed, the undo of a failed attach, and the
 * teardown of every device after a domain's xenon-hv has gone.
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The backend's script, run remove (vbd) or offline (vif); 0 when there is none. */
static int run_remove_script(libxl_ctx *ctx, const struct libxl__dev *d, bool quiet)
{
	char *script = NULL, *vif = NULL, *netdev = NULL;
	struct libxl__hotplug h = {0};
	int rc;

	if (libxl__xs_read(ctx, XS_NO_TX, &script, "%s/script", d->be) < 0 || !*script) {
		free(script);
		return 0;
	}
	h.script = script;
	h.be = d->be;
	h.type = d->kind;
	h.what = d->what;
	h.command = "remove";
	if (d->hv_kind == HVCTL_DEV_VIF) {
		h.command = "offline";
		libxl__xs_read(ctx, XS_NO_TX, &vif, "%s/vifname", d->be);
		libxl__xs_read(ctx, XS_NO_TX, &netdev, "%s/gatewaydev", d->be);
		h.vif = vif ? vif : "";
		h.netdev = netdev;
	}
	rc = libxl__hotplug_run(ctx, &h, quiet);
	free(script);
	free(vif);
	free(netdev);
	return rc;
}

void libxl__dev_undo(libxl_ctx *ctx, const struct libxl__dev *d, bool hv_added, bool script_ran)
{
	if (hv_added)
		libxl__dev_hv_remove(ctx, d->domid, d->hv_kind, d->devid);
	if (script_ran)
		run_remove_script(ctx, d, true);
	libxl__dev_nodes_remove(ctx, d);
}

/* Did the guest ever take the device up (so that it must let it go)? */
static bool guest_holds(int fe_state)
{
	return fe_state == LIBXL__XB_INITIALISED || fe_state == LIBXL__XB_CONNECTED ||
	       fe_state == LIBXL__XB_CLOSING;
}

static int wait_closed(libxl_ctx *ctx, const struct libxl__dev *d, bool force)
{
	char err[256];
	int rc, old = libxl__xb_state_read(ctx, d->be), fe = libxl__xb_state_read(ctx, d->fe);
	int timeout = libxl__device_timeout_ms(ctx);

	rc = libxl__dev_set_backend_state(ctx, d, LIBXL__XB_CLOSING);
	if (rc < 0)
		return rc;
	if (!guest_holds(fe))
		return 0;
	if (force) {
		log_warnx("domain %u: %s: forced: removing it without waiting for the guest to let it go",
			  d->domid, d->what);
		return 0;
	}
	rc = libxl__dev_wait_frontend(ctx, d, LIBXL__XB_CLOSED, timeout, err, sizeof(err));
	if (rc == 0)
		return 0;
	/* Nothing changes: the backend goes back to where it was. */
	if (old != LIBXL__XB_UNKNOWN)
		libxl__dev_set_backend_state(ctx, d, old);
	if (rc == -ETIMEDOUT)
		log_warnx("domain %u: the guest did not release %s within %d ms (its frontend state is "
			  "still %d): nothing was changed; use -f to remove it anyway",
			  d->domid, d->what, timeout, libxl__xb_state_read(ctx, d->fe));
	else
		log_warnx("domain %u: waiting for the guest to release %s failed: %s", d->domid, d->what,
			  log_strerror(rc));
	return rc;
}

int libxl__dev_detach(libxl_ctx *ctx, const struct libxl__dev *d, bool force)
{
	int rc;

	rc = libxl__xs_exists(ctx, XS_NO_TX, "%s/state", d->be);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	rc = wait_closed(ctx, d, force);
	if (rc < 0)
		return rc;
	rc = libxl__dev_hv_remove(ctx, d->domid, d->hv_kind, d->devid);
	if (rc < 0 && rc != -ENOENT && rc != -ESRCH) {
		if (!force) {
			log_warnx("domain %u: xenon-hv could not remove %s: %s", d->domid, d->what,
				  log_strerror(rc));
			return rc;
		}
		log_warnx("domain %u: xenon-hv could not remove %s (%s); forced: going on", d->domid, d->what,
			  log_strerror(rc));
	}
	/* A failing remove script is said, but the device is gone from the guest. */
	run_remove_script(ctx, d, false);
	return libxl__dev_nodes_remove(ctx, d);
}

/*
 * Claim a device for teardown: the first caller marks its backend with its
 * pid (in a transaction); -EALREADY while a live other process has it,
 * -ENOENT when it is gone.
 */
static int claim_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct libxl__dev *d = arg;
	uint64_t other;
	char pid[16];
	int rc;

	rc = libxl__xs_exists(ctx, tx, "%s/state", d->be);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	/* Another process on it: leave it to that one, unless it has died meanwhile. */
	if (libxl__xs_read_u64(ctx, tx, &other, "%s/libxl-teardown", d->be) == 0 && other <= INT32_MAX &&
	    (int)other != (int)getpid() && libxl__pid_alive((int)other))
		return -EALREADY;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return libxl__xs_write(ctx, tx, pid, "%s/libxl-teardown", d->be);
}

static void teardown_kind(libxl_ctx *ctx, uint32_t domid, uint32_t hv_kind)
{
	struct libxl__dev d;
	uint32_t *ids = NULL;
	unsigned n = 0;

	libxl__dev_init(&d, hv_kind, domid, 0);
	if (libxl__dev_ids(ctx, d.kind, domid, &ids, &n) < 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (libxl__dev_init(&d, hv_kind, domid, ids[i]) < 0)
			continue;
		if (libxl__xs_transact(ctx, claim_tx, &d) < 0)
			continue;
		libxl__dev_set_backend_state(ctx, &d, LIBXL__XB_CLOSED);
		run_remove_script(ctx, &d, false);
		libxl__dev_nodes_remove(ctx, &d);
	}
	free(ids);
}

int libxl__devices_teardown(libxl_ctx *ctx, uint32_t domid)
{
	static const uint32_t kinds[] = {HVCTL_DEV_VIF, HVCTL_DEV_VBD};

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		teardown_kind(ctx, domid, kinds[k]);
	return 0;
}
