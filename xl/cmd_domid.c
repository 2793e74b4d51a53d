/* xl domid <DomainName>: print the domain's id. */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

int main_domid(int argc, char **argv)
{
	libxl_ctx *ctx;
	uint32_t domid;
	int rc;

	rc = xl_plain_args(argc, argv, "domid", 1);
	if (rc >= 0)
		return rc;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	if (!strcmp(argv[optind], "Domain-0")) {
		domid = LIBXL_DOMID_HOST;
		rc = 0;
	} else {
		rc = libxl_name_to_domid(ctx, argv[optind], &domid);
	}
	if (rc == -ENOENT)
		log_warnx("domid: there is no domain named '%s'; 'xl list' shows the domains", argv[optind]);
	else if (rc < 0)
		log_warnx("domid: cannot look up '%s': %s", argv[optind], log_strerror(rc));
	else
		printf("%u\n", domid);
	libxl_ctx_free(ctx);
	return rc < 0;
}
