/*
 * xl dump-core <Domain> <filename>: an ELF core of the guest's memory and
 * vCPU registers (libxl_domain_core_dump), which gdb opens with the
 * guest's kernel image. The domain is paused while it is written.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>

#include "log.h"

int main_dump_core(int argc, char **argv)
{
	libxl_ctx *ctx;
	uint32_t domid;
	int rc, st = xl_plain_args(argc, argv, "dump-core", 2);

	if (st >= 0)
		return st;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, "dump-core", argv[optind], &domid,
			   "Domain-0 is the host: its memory is not a guest's");
	if (rc == 0) {
		rc = libxl_domain_core_dump(ctx, domid, argv[optind + 1], NULL);
		if (rc == -ETIMEDOUT)
			xl_say_not_answering("dump-core", argv[optind]);
		else if (rc == -ESRCH)
			log_warnx("dump-core: domain '%s' is not running", argv[optind]);
	}
	libxl_ctx_free(ctx);
	return rc < 0;
}
