/*
 * xl destroy [-f] <Domain>: end the domain at once (no shutdown request)
 * and remove all of it: xenon-hv, its socket, its xenstore nodes. Also
 * removes a domain kept shut down by on_*=preserve.
 *
 * It holds the xl lock, as create does, so that it never removes a domain
 * that a create (or a monitor's restart) is still building.
 *
 * -f is Xen's "permit destroying domain 0" (for disaggregated toolstacks).
 * It is accepted, but Domain-0 is the host itself here: there is never a
 * domain 0 to destroy.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include "log.h"

static int destroy_locked(libxl_ctx *ctx, uint32_t domid)
{
	int lock = -1, rc;

	rc = xl_lock_take(&lock);
	if (rc < 0)
		return rc;
	rc = libxl_domain_destroy(ctx, domid);
	libxl_lock_release(lock);
	return rc;
}

int main_destroy(int argc, char **argv)
{
	bool force = false;
	int opt;

	SWITCH_FOREACH_OPT(opt, "f", NULL, "destroy", 1)
	{
	case 'f':
		force = true;
		break;
	}
	if (xl_too_many_args(argc, argv, "destroy", 1))
		return 1;
	if (xl_names_host(argv[optind])) {
		log_warnx("destroy: not destroying Domain-0: it is the host itself, not a domain "
			  "Xenon runs%s; 'xl list' shows the domains",
			  force ? " (-f does not change that)" : "");
		return 1;
	}
	return xl_domain_op("destroy", argv[optind], destroy_locked, "destroyed");
}
