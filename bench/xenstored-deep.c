/*
 * What deep paths cost the daemon, in process (the harness of
 * tests/unit/xs_harness.h, no socket): a guest's writes to a ~1000-level
 * path it made, refused writes to a deep path under a node it may not
 * write, and shallow writes for comparison. Prints microseconds per
 * request; nothing is asserted.
 *
 *   bench/xenstored-deep [COUNT]     (default 1000)
 */
#include <time.h>

#include "xs_harness.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* count WRITEs of path (len bytes with its NUL) and value "v"; microseconds each. */
static double time_writes(struct conn *g, char *p, size_t len, int count, const char **reply)
{
	double t0 = now_us();

	p[len] = 'v';
	for (int i = 0; i < count; i++)
		*reply = rq(g, XS_WRITE, 0, p, len + 1);
	return (now_us() - t0) / count;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 1000;
	char p[4096];
	const char *r = "";
	struct conn *d0, *g, *w;
	size_t len;
	double us;

	xenstored_new_store();
	xenstored_init_store();
	d0 = mkconn();
	w = mkconn();
	RQ(d0, XS_MKDIR, 0, "/local/domain/30");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/30\0n30\0r0");
	RQ(w, XS_WATCH, 0, "/local/domain\0w"); /* as libxl's, so events are made */
	g = become(30);
	/* within the guest's quotas: 1000 nodes, paths of 2048 bytes below its home */
	len = deep_path(p, "", 990, 'a');
	printf("# %d requests each, paths of about 1000 levels\n", count);
	printf("mkdir of the deep path:              %s\n", rq(g, XS_MKDIR, 0, p, len));
	us = time_writes(g, p, len, count, &r);
	printf("write to the deepest node:          %8.1f us (%s)\n", us, r);
	len = deep_path(p, "/local/domain/0/", 1015, 'a');
	us = time_writes(g, p, len, count, &r);
	printf("refused write, deep absent path:    %8.1f us (%s)\n", us, r);
	memcpy(p, "x", 2);
	us = time_writes(g, p, 2, count, &r);
	printf("shallow write:                      %8.1f us (%s)\n", us, r);
	freeconn(g);
	freeconn(w);
	freeconn(d0);
	return 0;
}
