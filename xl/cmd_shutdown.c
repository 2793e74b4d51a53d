/*
 * xl shutdown / xl reboot [-a] [-w] [-F] <Domain>: ask the guest, the Xen
 * way (control/shutdown in xenstore; xenon-hv's power button when the
 * guest does not advertise control/feature-poweroff / feature-reboot, or
 * with -F). -w waits until the domain has gone (or is kept shut down).
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

struct request {
	const char *cmd;
	const char *doing; /* "Shutting down", "Rebooting" */
	int (*op)(libxl_ctx *ctx, uint32_t domid, unsigned flags);
	unsigned flags;
};

static int ask_one(libxl_ctx *ctx, const struct request *r, uint32_t domid)
{
	int rc;

	fprintf(stderr, "%s domain %u\n", r->doing, domid);
	rc = r->op(ctx, domid, r->flags);
	if (rc == -ESRCH)
		log_warnx("%s: domain %u is not running (it has shut down already); "
			  "'xl destroy %u' removes it",
			  r->cmd, domid, domid);
	else if (rc == -ETIMEDOUT) {
		char dom[16];

		snprintf(dom, sizeof(dom), "%u", domid);
		xl_say_not_answering(r->cmd, dom);
	} else if (rc < 0)
		log_warnx("%s: domain %u: %s", r->cmd, domid, log_strerror(rc));
	return rc;
}

static int wait_all(libxl_ctx *ctx, const uint32_t *ids, int n)
{
	int i, rc, ret = 0;
	libxl_dominfo d;

	fprintf(stderr, "Waiting for %d domains\n", n);
	for (i = 0; i < n; i++) {
		rc = libxl_domain_wait_gone(ctx, ids[i], -1);
		if (rc < 0) {
			log_warnx("waiting for domain %u: %s", ids[i], log_strerror(rc));
			ret = rc;
			continue;
		}
		/* Xen's words: kept shut down (preserve) or gone. */
		if (libxl_domain_info(ctx, &d, ids[i]) == 0 && d.shutdown)
			fprintf(stderr, "Domain %u has been shut down, reason code %d\n", ids[i],
				(int)d.shutdown_reason);
		else
			fprintf(stderr, "Domain %u has been destroyed\n", ids[i]);
	}
	return ret;
}

/* The domains to act on: every guest (-a) or the one named. */
static int targets(libxl_ctx *ctx, const struct request *r, bool all, const char *q, uint32_t **ids, int *n)
{
	libxl_dominfo *infos = NULL;
	int i, nr = 0, rc;

	if (!all) {
		*ids = malloc(sizeof(**ids));
		if (!*ids) {
			log_warnx("%s: out of memory", r->cmd);
			return -ENOMEM;
		}
		*n = 1;
		return xl_find_guest(ctx, r->cmd, q, *ids,
				     "Domain-0 is the host: shut it down with the host's own tools");
	}
	rc = libxl_list_domain(ctx, &infos, &nr);
	if (rc < 0) {
		log_warnx("%s: cannot list the domains: %s", r->cmd, log_strerror(rc));
		return rc;
	}
	*ids = malloc(sizeof(**ids) * (size_t)(nr ? nr : 1));
	if (!*ids) {
		log_warnx("%s: out of memory", r->cmd);
		free(infos);
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < nr; i++)
		if (!infos[i].shutdown && !infos[i].dying)
			(*ids)[(*n)++] = infos[i].domid;
	free(infos);
	return 0;
}

static int shutdown_or_reboot(int argc, char **argv, struct request *r)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'}, {"wait", no_argument, NULL, 'w'}, {NULL, 0, NULL, 0}};
	bool all = false, wait = false;
	uint32_t *ids = NULL;
	int opt, n = 0, i, rc;
	libxl_ctx *ctx;

	SWITCH_FOREACH_OPT(opt, "awWF", opts, r->cmd, 0)
	{
	case 'a':
		all = true;
		break;
	case 'w':
	case 'W':
		wait = true;
		break;
	case 'F':
		r->flags |= LIBXL_SHUTDOWN_FORCE;
		break;
	}
	if (all == (optind < argc)) {
		log_warnx("%s: give one domain, or -a for all of them; see 'xl help %s'", r->cmd, r->cmd);
		return 1;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = targets(ctx, r, all, all ? NULL : argv[optind], &ids, &n);
	for (i = 0; rc == 0 && i < n; i++)
		rc = ask_one(ctx, r, ids[i]);
	if (rc == 0 && wait) /* "Waiting for 0 domains" too, as Xen */
		rc = wait_all(ctx, ids, n);
	free(ids);
	libxl_ctx_free(ctx);
	return rc < 0;
}

int main_shutdown(int argc, char **argv)
{
	struct request r = {"shutdown", "Shutting down", libxl_domain_shutdown, 0};

	return shutdown_or_reboot(argc, argv, &r);
}

int main_reboot(int argc, char **argv)
{
	struct request r = {"reboot", "Rebooting", libxl_domain_reboot, 0};

	return shutdown_or_reboot(argc, argv, &r);
}
