/*
 * A program that makes its libxl logger as programs written for Xen's libxl
 * do: xtl_createlogger_stdiostream(stderr, ...) from libxentoollog
 * (`pkg-config --cflags --libs xenlight xentoollog`), handed to
 * libxl_ctx_alloc, destroyed with xtl_logger_destroy. libxl's error comes
 * out on stderr as Xen's logger writes it ("libxl: error: ..."), a message
 * under the minimum level does not. tests/libs.bats runs it.
 */
#include <libxl.h>
#include <stdio.h>
#include <xentoollog.h>

int main(void)
{
	xentoollog_logger_stdiostream *lg = xtl_createlogger_stdiostream(stderr, XTL_INFO, 0);
	libxl_domain_config cfg;
	libxl_ctx *ctx;
	uint32_t domid;

	if (!lg)
		return 2;
	xtl_log((xentoollog_logger *)lg, XTL_INFO, -1, "xtl-api", "logger made");
	xtl_log((xentoollog_logger *)lg, XTL_DEBUG, -1, "xtl-api", "not shown");
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg) != 0)
		return 3;
	/* A configuration without a name: refused, and said to the logger. */
	libxl_domain_config_init(&cfg);
	cfg.c_info.type = LIBXL_DOMAIN_TYPE_PV;
	if (libxl_domain_create_new(ctx, &cfg, &domid, NULL) >= 0)
		return 4;
	libxl_domain_config_dispose(&cfg);
	libxl_ctx_free(ctx);
	xtl_logger_destroy((xentoollog_logger *)lg);
	printf("done\n");
	return 0;
}
