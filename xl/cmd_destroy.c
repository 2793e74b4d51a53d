/*
 * xl destroy <Domain>: end the domain at once (no shutdown request) and
 * remove all of it: xenon-hv, its socket, its xenstore nodes. Also removes
 * a domain kept shut down by on_*=preserve.
 *
 * It holds the xl lock, as create does, so that it never removes a domain
 * that a create (or a monitor's restart) is still building.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include "log.h"

static int destroy_locked(libxl_ctx *ctx, uint32_t domid)
{
	int lock = -1, rc;

	rc = libxl_lock_acquire(xl_lockfile(), &lock);
	if (rc < 0) {
		log_warnx("cannot take the xl lock %s: %s (xl.conf lockfile= sets another)",
			  xl_lockfile(), log_strerror(rc));
		return rc;
	}
	rc = libxl_domain_destroy(ctx, domid);
	libxl_lock_release(lock);
	return rc;
}

int main_destroy(int argc, char **argv)
{
	return xl_simple_domain_command(argc, argv, "destroy", destroy_locked, "destroyed");
}
