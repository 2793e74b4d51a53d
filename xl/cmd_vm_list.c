/*
 * xl vm-list: the guest domains (not Domain-0), as Xen's: a
 * "UUID  ID  name" table.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

int main_vm_list(int argc, char **argv)
{
	libxl_dominfo *infos = NULL;
	char uuid[LIBXL_UUID_FMTLEN + 1];
	libxl_ctx *ctx;
	int i, n = 0, rc;

	rc = xl_plain_args(argc, argv, "vm-list", 0);
	if (rc >= 0)
		return rc;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = libxl_list_domain(ctx, &infos, &n);
	if (rc < 0) {
		log_warnx("vm-list: cannot list the domains: %s", log_strerror(rc));
	} else {
		printf("UUID                                  ID    name\n");
		for (i = 0; i < n; i++) {
			libxl_uuid_to_string(&infos[i].uuid, uuid);
			printf("%s  %u    %-30s\n", uuid, infos[i].domid, infos[i].name);
		}
	}
	free(infos);
	libxl_ctx_free(ctx);
	return rc < 0 || fflush(stdout) ? 1 : 0;
}
