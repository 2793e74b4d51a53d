/*
 * xl dmesg [-c]: the hypervisor's messages (the warnings of every domain's
 * xenon-hv, libxl_xen_console_read_*), then with -c the ring emptied.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <stdio.h>

#include "log.h"

int main_dmesg(int argc, char **argv)
{
	libxl_xen_console_reader *cr;
	bool clear = false;
	libxl_ctx *ctx;
	char *line;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "c", NULL, "dmesg", 0)
	{
	case 'c':
		clear = true;
		break;
	}
	if (xl_too_many_args(argc, argv, "dmesg", 0))
		return 1;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	cr = libxl_xen_console_read_start(ctx, clear);
	rc = cr ? 0 : -1;
	while (cr && (rc = libxl_xen_console_read_line(ctx, cr, &line)) > 0)
		fputs(line, stdout);
	libxl_xen_console_read_finish(ctx, cr);
	libxl_ctx_free(ctx);
	return rc < 0 || fflush(stdout) ? 1 : 0;
}
