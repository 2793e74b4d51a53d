/*
 * The daemon against hostile guests: permissions, quotas and limits a guest
 * must not get around, through the harness of xs_harness.h.
 */
#include "xs_harness.h"

/* SET_PERMS is the owner's (Xen): write access to a node dom0 owns is not enough. */
static void test_set_perms_needs_ownership(void)
{
	struct conn *d0 = mkconn(), *g = become(5), *h = become(6);

	WRITE(d0, 0, "/t20/x", "dom0's");
	RQ(d0, XS_SET_PERMS, 0, "/t20/x\0n0\0w5");
	CHECK_STR(WRITE(g, 0, "/t20/x", "written"), "OK");		   /* it may write... */
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "/t20/x\0n0\0b5\0r6"), "EACCES"); /* ...not grant */
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "/t20/x\0b0"), "EACCES");
	CHECK_STR(RQ(h, XS_READ, 0, "/t20/x"), "EACCES");
	RQ(d0, XS_GET_PERMS, 0, "/t20/x");
	CHECK(last_len == 6 && !memcmp(last, "n0\0w5", 6));
	/* the owner still may, but not give the node away */
	WRITE(d0, 0, "/t20/own", "");
	RQ(d0, XS_SET_PERMS, 0, "/t20/own\0n5");
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "/t20/own\0n5\0r6"), "OK");
	CHECK_STR(RQ(h, XS_READ, 0, "/t20/own"), "");
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "/t20/own\0n6"), "EPERM");
	/* a domain with write access through the ACL is no owner either */
	CHECK_STR(RQ(h, XS_SET_PERMS, 0, "/t20/own\0n5\0b6"), "EACCES");
	freeconn(d0);
	freeconn(g);
	freeconn(h);
}

/* A longer permission list counts in the node's size: a guest's SET_PERMS may not take it over the quota. */
static void test_set_perms_within_node_size(void)
{
	struct conn *d0 = mkconn(), *g;
	char buf[2100];

	WRITE(d0, 0, "/local/domain/16", "");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/16\0n16");
	g = become(16);
	/* 2030 bytes and one entry (5): 2035 of 2048 */
	memcpy(buf, "p", 2);
	memset(buf + 2, 'v', 2030);
	CHECK_STR(rq(g, XS_WRITE, 0, buf, 2 + 2030), "OK");
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "p\0n16\0r1\0r2\0r3"), "ENOSPC"); /* 2050 */
	RQ(g, XS_GET_PERMS, 0, "p");
	CHECK(last_len == 4 && !memcmp(last, "n16", 4));	   /* as it was */
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "p\0n16\0r1\0r2"), "OK"); /* 2045 */
	/* dom0: no quota */
	CHECK_STR(RQ(d0, XS_SET_PERMS, 0, "/local/domain/16/p\0n16\0r1\0r2\0r3\0r4"), "OK");
	freeconn(d0);
	freeconn(g);
}

/* A big WRITE a guest may not make answers EACCES, whether the node exists or not. */
static void test_write_checks_permission_before_size(void)
{
	struct conn *d0 = mkconn(), *g = become(5);
	static const char *const paths[] = {"/local/domain/7", "/local/domain/7/secret",
					    "/local/domain/7/none", "/local/domain/9"};
	char buf[4096];

	WRITE(d0, 0, "/local/domain/5", "");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/5\0n5");
	WRITE(d0, 0, "/local/domain/7/secret", "x");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/7\0n0\0r7");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/7/secret\0n7");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		size_t pl = strlen(paths[i]) + 1;

		memcpy(buf, paths[i], pl);
		memset(buf + pl, 'v', 2043);
		CHECK_STR(rq(g, XS_WRITE, 0, buf, pl + 2043), "EACCES");
	}
	/* its own node: the size quota still holds */
	memcpy(buf, "big", 4);
	memset(buf + 4, 'v', 2100);
	CHECK_STR(rq(g, XS_WRITE, 0, buf, 4 + 2100), "ENOSPC");
	CHECK_STR(RQ(g, XS_READ, 0, "big"), "ENOENT");
	freeconn(d0);
	freeconn(g);
}

/* A name of n bytes ('k') after prefix, in buf; returns the length with the NUL. */
static size_t long_name(char *buf, const char *prefix, size_t n)
{
	size_t pl = strlen(prefix);

	memcpy(buf, prefix, pl);
	memset(buf + pl, 'k', n);
	buf[pl + n] = 0;
	return pl + n + 1;
}

/* A new child's name counts in its parent's size: a guest's directories stay within the quota. */
static void test_child_names_count_in_node_size(void)
{
	struct conn *d0 = mkconn(), *g;
	char p[4096];

	WRITE(d0, 0, "/local/domain/15/data", "");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/15\0n0\0r15");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/15/data\0n15");
	g = become(15);
	CHECK_STR(rq(g, XS_MKDIR, 0, p, long_name(p, "data/a", 1990)), "OK");
	CHECK_STR(rq(g, XS_MKDIR, 0, p, long_name(p, "data/b", 1990)), "ENOSPC");
	CHECK_STR(rq(g, XS_WRITE, 0, p, long_name(p, "data/c", 1990) + 1), "ENOSPC");
	size_t len = long_name(p, "data/b", 1990);
	memcpy(p + len - 1, "/x", 3);
	CHECK_STR(rq(g, XS_MKDIR, 0, p, len + 2), "ENOSPC");
	CHECK_STR(RQ(g, XS_MKDIR, 0, "data/short"), "OK"); /* still room for a short one */
	struct node *n = store_lookup(xs_store, "/local/domain/15/data");
	CHECK_INT(n->nkids, 2);
	CHECK(n->kids_len + n->vlen + 5 <= quota_limit[QUOTA_NODE_SIZE]);
	/* a missing level made on the way holds the next one's name: the same rule */
	unsigned saved = quota_limit[QUOTA_NODE_SIZE];
	quota_limit[QUOTA_NODE_SIZE] = 1024;
	CHECK_STR(rq(g, XS_MKDIR, 0, p, long_name(p, "data/short/new/", 1100)), "ENOSPC");
	CHECK_STR(RQ(g, XS_READ, 0, "data/short/new"), "ENOENT"); /* nothing made */
	quota_limit[QUOTA_NODE_SIZE] = saved;
	/* inside a transaction too */
	uint32_t tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	CHECK_STR(rq(g, XS_MKDIR, tx, p, long_name(p, "data/d", 1990)), "ENOSPC");
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "F"), "OK");
	/* dom0 is exempt, as from every quota */
	CHECK_STR(rq(d0, XS_MKDIR, 0, p, long_name(p, "/local/domain/15/data/e", 1990)), "OK");
	CHECK_STR(rq(d0, XS_MKDIR, 0, p, long_name(p, "/local/domain/15/data/f", 1990)), "OK");
	freeconn(d0);
	freeconn(g);
}

/* Reads of n absent nodes in tx, each a new entry of its view. */
static void touch_nodes(struct conn *c, uint32_t tx, int n)
{
	char p[64];

	for (int i = 0; i < n; i++)
		rq(c, XS_READ, tx, p, snprintf(p, sizeof(p), "/none/%d", i) + 1);
}

/* A transaction over its node limit refuses requests, but can always be ended. */
static void test_tx_over_limit_can_end(void)
{
	struct conn *d0 = mkconn(), *g;
	unsigned limit = quota_limit[QUOTA_TX_NODES];

	RQ(d0, XS_MKDIR, 0, "/local/domain/40");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/40\0n40");
	g = become(40);
	uint32_t tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	touch_nodes(g, tx, limit + 10);
	CHECK_STR(WRITE(g, tx, "x", "1"), "ENOSPC");
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "F"), "OK"); /* abort works */
	CHECK_INT(g->ntxs, 0);
	tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	CHECK_STR(WRITE(g, tx, "x", "1"), "OK");
	touch_nodes(g, tx, limit + 10);
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "T"), "ENOSPC"); /* commit fails... */
	CHECK_INT(g->ntxs, 0);					 /* ...and ends it */
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "F"), "ENOENT");
	CHECK_STR(RQ(g, XS_READ, 0, "x"), "ENOENT"); /* nothing applied */
	freeconn(d0);
	freeconn(g);
}

/* RELEASE ends a domain's SET_TARGET: a new domain with the same id does not inherit it. */
static void test_release_resets_target(void)
{
	struct conn *d0 = mkconn(), *g;

	WRITE(d0, 0, "/local/domain/20/priv", "p20");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/20/priv\0n20");
	WRITE(d0, 0, "/local/domain/21/own", "");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/21/own\0n21");
	RQ(d0, XS_INTRODUCE, 0,
	   "21\0"
	   "0\0"
	   "0");
	CHECK_STR(RQ(d0, XS_SET_TARGET, 0,
		     "21\0"
		     "20"),
		  "OK");
	g = become(21);
	CHECK_STR(RQ(g, XS_READ, 0, "/local/domain/20/priv"), "p20");
	freeconn(g);
	CHECK_STR(RQ(d0, XS_RELEASE, 0, "21"), "OK");
	CHECK_INT(domain_target(21), -1);
	CHECK_INT(domain_find(21)->nodes, 0);
	RQ(d0, XS_INTRODUCE, 0,
	   "21\0"
	   "0\0"
	   "0"); /* a new domain 21 */
	g = become(21);
	CHECK_STR(RQ(g, XS_READ, 0, "/local/domain/20/priv"), "EACCES");
	freeconn(g);
	/* the target is a real domain: not dom0, not a reserved DOMID_* */
	CHECK_STR(RQ(d0, XS_SET_TARGET, 0,
		     "22\0"
		     "0"),
		  "EINVAL");
	CHECK_STR(RQ(d0, XS_SET_TARGET, 0,
		     "22\0"
		     "32752"),
		  "EINVAL");
	CHECK_STR(RQ(d0, XS_SET_TARGET, 0,
		     "22\0"
		     "65535"),
		  "EINVAL");
	CHECK_INT(domain_target(22), -1);
	CHECK_STR(RQ(d0, XS_SET_TARGET, 0,
		     "22\0"
		     "20"),
		  "OK");
	freeconn(d0);
}

/* Guest 50 owns /local/domain/50/device/vif/0 and below; dom0 (w) watches device/. */
static struct conn *device_watcher(struct conn *d0)
{
	struct conn *w = mkconn();

	WRITE(d0, 0, "/local/domain/50/device/vif/0/state", "1");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/50\0n0\0r50");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/50/device\0n0\0r50");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/50/device/vif/0\0n50\0r0");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/50/device/vif/0/state\0n50\0r0");
	CHECK_STR(RQ(w, XS_WATCH, 0, "/local/domain/50/device\0libxl"), "OK");
	events(w, "", "");
	return w;
}

/* A transaction fires one event per changed path at commit, however often it wrote it. */
static void test_tx_events_merged_by_path(void)
{
	struct conn *d0 = mkconn(), *w = device_watcher(d0), *g = become(50);
	uint32_t tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	const char *r = "";

	for (int i = 0; i < 2100; i++)
		r = WRITE(g, tx, "device/vif/0/state", "2");
	CHECK_STR(r, "OK");
	CHECK_STR(WRITE(g, tx, "device/vif/0/state", "4"), "OK");
	CHECK_STR(RQ(g, XS_RM, tx, "device/vif/0/state"), "OK");
	CHECK_STR(WRITE(g, tx, "device/vif/0/state", "4"), "OK");
	CHECK_STR(WRITE(g, tx, "device/vif/0/other", "x"), "OK");
	CHECK_INT(events(w, "/local/domain/50/device/vif/0/state", "libxl"), 0);
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "T"), "OK");
	CHECK_INT(events(w, "/local/domain/50/device/vif/0/state", "libxl"), 1);
	CHECK(!w->closing);
	/* each path once, in the order of its first change */
	tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	WRITE(g, tx, "device/vif/0/b", "1");
	WRITE(g, tx, "device/vif/0/a", "1");
	WRITE(g, tx, "device/vif/0/b", "2");
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "T"), "OK");
	struct xs_msg_hdr h;
	CHECK(pop(w, &h) && !strcmp(last, "/local/domain/50/device/vif/0/b"));
	CHECK(pop(w, &h) && !strcmp(last, "/local/domain/50/device/vif/0/a"));
	CHECK(!pop(w, &h));
	freeconn(d0);
	freeconn(w);
	freeconn(g);
}

/* The events one guest transaction may queue are bounded: past it the transaction can only end. */
static void test_tx_events_bounded(void)
{
	struct conn *d0 = mkconn(), *w = device_watcher(d0), *g = become(50);
	uint32_t tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	char p[4096];
	const char *r = "OK";
	int i;

	for (i = 0; i < 300 && !strcmp(r, "OK"); i++) {
		size_t n = snprintf(p, sizeof(p), "device/vif/0/d%d/", i);

		r = rq(g, XS_MKDIR, tx, p, long_name(p + n, "", 1990) + n);
	}
	CHECK_STR(r, "ENOSPC");
	CHECK(i > 100); /* 256 KiB of paths of about 2 KiB */
	CHECK_STR(WRITE(g, tx, "device/vif/0/state", "5"), "ENOSPC");
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "T"), "ENOSPC");
	CHECK_INT(g->ntxs, 0);
	CHECK_STR(RQ(g, XS_READ, 0, "device/vif/0/d0"), "ENOENT");
	CHECK_INT(events(w, "", ""), 0);
	/* dom0's transactions are not bounded */
	tx = atoi(RQ(d0, XS_TRANSACTION_START, 0, ""));
	for (i = 0; i < 200; i++) {
		size_t n = snprintf(p, sizeof(p), "/local/domain/50/device/d0/e%d/", i);

		CHECK_STR(rq(d0, XS_MKDIR, tx, p, long_name(p + n, "", 1990) + n), "OK");
	}
	CHECK_STR(RQ(d0, XS_TRANSACTION_END, tx, "T"), "OK");
	freeconn(d0);
	freeconn(w);
	freeconn(g);
}

/* A guest's writes can fill a guest watcher's queue until it is closed, not dom0's. */
static void test_guest_events_do_not_close_dom0(void)
{
	struct conn *d0 = mkconn(), *w = device_watcher(d0), *g = become(50), *gw = become(52);
	char p[4096];
	size_t n = snprintf(p, sizeof(p), "device/vif/8/"), len;

	len = long_name(p + n, "", 2000) + n;
	p[len++] = '1';
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/50/device\0n0\0r50\0r52");
	RQ(d0, XS_MKDIR, 0, "/local/domain/50/device/vif/8");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/50/device/vif/8\0n50\0r0\0r52");
	CHECK_STR(RQ(gw, XS_WATCH, 0, "/local/domain/50/device\0guest"), "OK");
	for (int i = 0; i < 2500 && !gw->closing; i++) {
		struct xs_msg_hdr h;

		send_raw(g, XS_WRITE, 0, p, len);
		while (pop(g, &h))
			;
	}
	CHECK(gw->closing);
	CHECK(conn_pending(w) > CONN_OUT_MAX - 4096);
	CHECK(!w->closing);
	freeconn(d0);
	freeconn(w);
	freeconn(g);
	freeconn(gw);
}

/* Deep paths: the nearest ancestor is found in a few lookups, with the right depth. */
static void test_deep_paths(void)
{
	struct conn *d0 = mkconn(), *g, *w = mkconn();
	unsigned saved = quota_limit[QUOTA_NODES];
	char p[4096];
	size_t len;

	RQ(d0, XS_MKDIR, 0, "/local/domain/30");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/30\0n30\0r0");
	g = become(30);
	/* a refused write inside a transaction looks up a few ancestors, not every one */
	uint32_t tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	len = deep_path(p, "/local/domain/0/", 1015, 'b');
	CHECK_STR(rq(g, XS_WRITE, tx, p, len), "EACCES");
	CHECK(store_count(tx_find(g, tx)->view) < 40);
	CHECK_STR(WRITE(g, tx, "x", "1"), "OK");
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "F"), "OK");
	/* every missing level counts against the node quota */
	quota_limit[QUOTA_NODES] = domain_find(30)->nodes + 99;
	len = deep_path(p, "", 100, 'b');
	CHECK_STR(rq(g, XS_MKDIR, 0, p, len), "ENOSPC");
	CHECK_STR(RQ(g, XS_READ, 0, "b"), "ENOENT");
	quota_limit[QUOTA_NODES] += 1;
	CHECK_STR(rq(g, XS_MKDIR, 0, p, len), "OK");
	quota_limit[QUOTA_NODES] = saved;
	/* one missing level among many present */
	p[len - 2] = 'c';
	CHECK_STR(rq(g, XS_MKDIR, 0, p, len), "OK");
	/* watches at levels of a deep path fire once each */
	CHECK_STR(RQ(w, XS_WATCH, 0, "/local/domain/30/b/b/b\0mid"), "OK");
	CHECK_STR(RQ(w, XS_WATCH, 0, "/local/domain\0top"), "OK");
	events(w, "", "");
	CHECK_STR(rq(g, XS_MKDIR, 0, p, len), "OK"); /* exists: no change, no event */
	p[len - 2] = 'd';
	CHECK_STR(rq(g, XS_MKDIR, 0, p, len), "OK");
	char abs[4096];
	snprintf(abs, sizeof(abs), "/local/domain/30/%s", p);
	struct xs_msg_hdr h;
	int mid = 0, top = 0;
	while (pop(w, &h)) {
		mid +=
		    h.type == XS_WATCH_EVENT && !strcmp(last, abs) && !strcmp(last + strlen(last) + 1, "mid");
		top +=
		    h.type == XS_WATCH_EVENT && !strcmp(last, abs) && !strcmp(last + strlen(last) + 1, "top");
	}
	CHECK_INT(mid, 1);
	CHECK_INT(top, 1);
	freeconn(d0);
	freeconn(g);
	freeconn(w);
}

int main(void)
{
	xenstored_new_store();
	xenstored_init_store();
	RUN(test_set_perms_needs_ownership);
	RUN(test_set_perms_within_node_size);
	RUN(test_write_checks_permission_before_size);
	RUN(test_child_names_count_in_node_size);
	RUN(test_tx_over_limit_can_end);
	RUN(test_release_resets_target);
	RUN(test_tx_events_merged_by_path);
	RUN(test_tx_events_bounded);
	RUN(test_guest_events_do_not_close_dom0);
	RUN(test_deep_paths);
	return unit_done();
}
