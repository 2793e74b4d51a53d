/*
 * A program linking libxenlight and libxenstore together
 * (`pkg-config --cflags --libs xenlight xenstore`), with functions of its
 * own named as the libraries' internal ones (fatal, log_warn, str_printf,
 * hvctl_connect, xsc_open): neither library's internals may clash with
 * them, shared or static. libxl's messages come to its own logger
 * (xentoollog.h), never to stderr. tests/libs.bats runs it against a real
 * xenstored.
 */
#include <errno.h>
#include <libxl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

/* The program's own, not the libraries'. */
int fatal(void) { return 1; }
int log_warn(void) { return 2; }
int str_printf(void) { return 3; }
int hvctl_connect(void) { return 4; }
int xsc_open(void) { return 5; }

/* A logger of its own: counts the messages and keeps the last. */
struct my_logger {
	xentoollog_logger vtable;
	int count;
	xentoollog_level level;
	char last[256];
};

static void my_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval, const char *context,
			const char *format, va_list al)
{
	struct my_logger *me = (struct my_logger *)lg;
	int n = snprintf(me->last, sizeof(me->last), "%s: ", context);

	(void)errnoval;
	vsnprintf(me->last + n, sizeof(me->last) - n, format, al);
	me->level = level;
	me->count++;
}

int main(void)
{
	struct my_logger logger = {.vtable = {.vmessage = my_vmessage}};
	libxl_domain_config cfg;
	uint32_t domid;
	struct xs_handle *h;
	libxl_dominfo *doms;
	libxl_ctx *ctx;
	char *v;
	int nr;

	if (fatal() + log_warn() + str_printf() + hvctl_connect() + xsc_open() != 15)
		return 10;
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &logger.vtable) != 0)
		return 2;
	if (libxl_list_domain(ctx, &doms, &nr) != 0)
		return 3;
	h = xs_open(0);
	if (!h || !xs_write(h, XBT_NULL, "/both/libs", "yes", 3))
		return 4;
	v = xs_read(h, XBT_NULL, "/both/libs", NULL);
	if (!v || strcmp(v, "yes"))
		return 5;
	printf("domains: %d, xenstore: %s\n", nr, v);
	/* A configuration without a name: refused, and said to the logger. */
	libxl_domain_config_init(&cfg);
	cfg.c_info.type = LIBXL_DOMAIN_TYPE_PV;
	if (libxl_domain_create_new(ctx, &cfg, &domid, NULL) >= 0)
		return 6;
	libxl_domain_config_dispose(&cfg);
	printf("logged %d, level %s: %s\n", logger.count, logger.level == XTL_ERROR ? "error" : "other",
	       logger.last);
	/* The socket is a setting of the context, over $XENSTORED_PATH; the
	 * failure to connect is the logger's too. */
	{
		libxl_ctx_settings bad = {.xenstored_path = "/nonexistent/xs.sock", .run_dir = "/xenon-run"};
		libxl_ctx *ctx2;

		if (libxl_ctx_alloc_settings(&ctx2, LIBXL_VERSION, 0, &logger.vtable, &bad) != -ENOENT)
			return 7;
		printf("logged %d: %s\n", logger.count, logger.last);
		bad.xenstored_path = NULL;
		if (libxl_ctx_alloc_settings(&ctx2, LIBXL_VERSION, 0, &logger.vtable, &bad) != 0)
			return 8;
		printf("run_dir %s, device timeout %d ms\n", libxl_ctx_get_settings(ctx2)->run_dir,
		       libxl_ctx_get_settings(ctx2)->device_timeout_ms);
		libxl_ctx_free(ctx2);
	}
	free(v);
	xs_rm(h, XBT_NULL, "/both");
	xs_close(h);
	free(doms);
	libxl_ctx_free(ctx);
	return 0;
}
