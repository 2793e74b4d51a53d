/*
 * xen-init-dom0: write the Domain-0 nodes (/local/domain/0/{name,domid})
 * into xenstore at boot, as Xen's does; run by xen-init-dom0.service once
 * xenstored is ready. The nodes are libxl's (libxl__ensure_host_nodes, which
 * `xl create` also calls): existing ones are left as they are.
 * The socket is libxl's: XENSTORED_PATH, else the system one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "libxl/libxl_internal.h"
#include "log.h"

static void vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval, const char *context,
		     const char *fmt, va_list ap)
{
	(void)lg;
	(void)level;
	(void)context;
	if (errnoval >= 0)
		errno = errnoval;
	log_vmsg(errnoval >= 0, fmt, ap);
}

static xentoollog_logger logger = {.vmessage = vmessage};

int main(int argc, char **argv)
{
	libxl_ctx *ctx;
	int rc;

	log_init("xen-init-dom0");
	if (argc > 1) {
		fprintf(stderr, "usage: %s (no arguments; see xendomains(8))\n", argv[0]);
		return 2;
	}
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &logger) < 0)
		return 1; /* libxl said which socket and why */
	rc = libxl__ensure_host_nodes(ctx);
	if (rc < 0)
		log_warnx("cannot write the Domain-0 nodes (/local/domain/0): %s", log_strerror(rc));
	libxl_ctx_free(ctx);
	return rc < 0 ? 1 : 0;
}
