/* xl debug-keys <keys>: each key dumps some of the host's state into the hypervisor's messages (xl dmesg). */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdio.h>

#include "log.h"

int main_debug_keys(int argc, char **argv)
{
	libxl_ctx *ctx;
	int rc;

	rc = xl_plain_args(argc, argv, "debug-keys", 1);
	if (rc >= 0)
		return rc;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = libxl_send_debug_keys(ctx, argv[optind]);
	if (rc == -EINVAL)
		log_warnx("debug-keys: nothing done; 'xl debug-keys h' then 'xl dmesg' lists the keys");
	libxl_ctx_free(ctx);
	return rc < 0;
}
