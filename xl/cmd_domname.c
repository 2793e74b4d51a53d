/* xl domname <DomainId>: print the domain's name. */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strutil.h"

int main_domname(int argc, char **argv)
{
	libxl_ctx *ctx;
	uint64_t domid;
	char *name;
	int rc;

	rc = xl_plain_args(argc, argv, "domname", 1);
	if (rc >= 0)
		return rc;
	rc = parse_u64(argv[optind], LIBXL_DOMID_MAX - 1, &domid);
	if (rc == -ERANGE) {
		log_warnx("domname: %s is out of range: domain ids go from 0 to %u", argv[optind],
			  LIBXL_DOMID_MAX - 1);
		return 1;
	} else if (rc < 0) {
		log_warnx("domname: '%s' is not a domain id (a number); 'xl domid NAME' goes the "
			  "other way",
			  argv[optind]);
		return 1;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	name = domid == LIBXL_DOMID_HOST ? strdup("Domain-0") : libxl_domid_to_name(ctx, (uint32_t)domid);
	if (name)
		printf("%s\n", name);
	else
		log_warnx("domname: there is no domain %s; 'xl list' shows the domains", argv[optind]);
	free(name);
	libxl_ctx_free(ctx);
	return name ? 0 : 1;
}
