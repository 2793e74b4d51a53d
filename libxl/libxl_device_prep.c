/*
 * libxl_device_prep.c: what disks and NICs share of their two-step attach
 * (libxl_device.h: prepare before the domain's xenon-hv answers, attach
 * after; libxl_create.c runs the first while xenon-hv starts or reads a
 * migration's stream).
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <stdlib.h>

#include "log.h"

void libxl__dev_prep_drop(libxl_ctx *ctx, struct libxl__dev_prep *prep)
{
	if (!prep->plan)
		return;
	hvctl_fds_close(prep->fds, prep->nfds);
	prep->nfds = 0;
	libxl__dev_undo(ctx, prep->d, false, prep->script_ran);
	free(prep->plan);
	prep->plan = NULL;
}

int libxl__dev_prep_attach(libxl_ctx *ctx, struct libxl__dev_prep *prep, const struct libxl__kv *fe, unsigned nfe,
			   bool wait, void (*hv_failed)(const struct libxl__dev_prep *prep, int rc))
{
	const struct libxl__dev *d = prep->d;
	struct hvctl_device hv;
	int rc = libxl__dev_hv_add_fds(ctx, d->domid, &prep->spec, prep->fds, prep->nfds, &hv);
	bool hv_added = rc == 0;

	hvctl_fds_close(prep->fds, prep->nfds); /* xenon-hv has them now, or nobody */
	prep->nfds = 0;
	if (rc == -ESRCH)
		log_warnx("%s: domain %u is not running (its xenon-hv is gone)", d->what, d->domid);
	else if (rc < 0)
		hv_failed(prep, rc);
	if (rc == 0 && (rc = libxl__dev_publish(ctx, d, &hv, fe, nfe, prep->restored)) < 0)
		log_warnx("%s: cannot write its frontend node %s: %s", d->what, d->fe, log_strerror(rc));
	if (rc == 0)
		rc = libxl__dev_attach_finish(ctx, d, wait);
	if (rc < 0)
		libxl__dev_undo(ctx, d, hv_added, prep->script_ran);
	return rc;
}
