/*
 * A program linking libxenlight and libxenstore together
 * (`pkg-config --cflags --libs xenlight xenstore`), with functions of its
 * own named as the libraries' internal ones (fatal, log_warn, str_printf,
 * hvctl_connect, xsc_open): neither library's internals may clash with
 * them, shared or static. tests/libs.bats runs it against a real xenstored.
 */
#include <libxl.h>
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

int main(void)
{
	struct xs_handle *h;
	libxl_dominfo *doms;
	libxl_ctx *ctx;
	char *v;
	int nr;

	if (fatal() + log_warn() + str_printf() + hvctl_connect() + xsc_open() != 15)
		return 10;
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0) != 0)
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
	free(v);
	xs_rm(h, XBT_NULL, "/both");
	xs_close(h);
	free(doms);
	libxl_ctx_free(ctx);
	return 0;
}
