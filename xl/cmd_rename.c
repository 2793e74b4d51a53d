/* xl rename <Domain> <NewDomainName>. */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>

#include "log.h"

int main_rename(int argc, char **argv)
{
	const char *newname;
	libxl_ctx *ctx;
	uint32_t domid;
	int rc;

	rc = xl_plain_args(argc, argv, "rename", 2);
	if (rc >= 0)
		return rc;
	newname = argv[optind + 1];
	if (libxl_name_valid(newname) < 0) {
		log_warnx("rename: '%s' is not a valid domain name: use 1 to %d letters, digits, "
			  "'_', '-' or '.', not only digits, not starting with '-' or '.'",
			  newname, LIBXL_NAME_MAX);
		return 1;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, "rename", argv[optind], &domid, "Domain-0 (the host) cannot be renamed");
	if (rc == 0) {
		rc = libxl_domain_rename(ctx, domid, NULL, newname);
		if (rc == -EEXIST)
			log_warnx("rename: the name '%s' is already in use by another domain", newname);
		else if (rc < 0)
			log_warnx("rename: cannot rename domain '%s': %s", argv[optind], log_strerror(rc));
	}
	libxl_ctx_free(ctx);
	return rc < 0;
}
