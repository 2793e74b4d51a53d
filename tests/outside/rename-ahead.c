/*
 * libxl_domain_rename_begin / _end (a migration receiver's rename: the
 * checks ahead, the writes when told to go) against a real xenstored, the
 * domains' name nodes written here: the rename happens at the end, a drop
 * changes nothing, and a name taken meanwhile is seen at the end (the
 * whole rename runs again when xenstore changed). tests/libs.bats runs it.
 */
#include <errno.h>
#include <libxl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static struct xs_handle *h;

static void put(const char *path, const char *v)
{
	if (!xs_write(h, XBT_NULL, path, v, (unsigned)strlen(v)))
		exit(3);
}

/* Domain 5's name, printed after what happened. */
static void show(const char *what, int rc)
{
	unsigned len;
	char *v = xs_read(h, XBT_NULL, "/local/domain/5/name", &len);

	printf("%s: %d, domain 5 is %s\n", what, rc, v ? v : "(none)");
	free(v);
}

int main(void)
{
	libxl_rename_ahead *r = NULL;
	libxl_ctx *ctx;
	int rc;

	h = xs_open(0);
	if (!h || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, NULL) != 0)
		return 2;
	put("/local/domain/5/name", "a");
	put("/local/domain/6/name", "other");
	/* written only at the end */
	rc = libxl_domain_rename_begin(ctx, 5, "a", "b", &r);
	show("begin", rc);
	show("end", rc ? rc : libxl_domain_rename_end(ctx, r, true));
	/* dropped: nothing written */
	rc = libxl_domain_rename_begin(ctx, 5, "b", "c", &r);
	show("drop", rc ? rc : libxl_domain_rename_end(ctx, r, false));
	/* the name taken by another domain between the two steps */
	rc = libxl_domain_rename_begin(ctx, 5, "b", "d", &r);
	put("/local/domain/6/name", "d");
	rc = rc ? rc : libxl_domain_rename_end(ctx, r, true);
	show("taken meanwhile", rc == -EEXIST ? 1 : rc);
	/* refused at once: nothing left open */
	rc = libxl_domain_rename_begin(ctx, 5, NULL, "d", &r);
	show("taken before", rc == -EEXIST && !r ? 1 : rc);
	libxl_ctx_free(ctx);
	xs_close(h);
	return 0;
}
