/*
 * Unit tests of the daemon at the message level, through the in-process
 * harness of xs_harness.h (in-memory connections, no sockets, no journal).
 */
#include "xs_harness.h"

static void test_basic_ops(void)
{
	struct conn *c = mkconn();

	CHECK_STR(WRITE(c, 0, "/t1/a/b", "hello"), "OK");
	CHECK_STR(RQ(c, XS_READ, 0, "/t1/a/b"), "hello");
	CHECK_STR(RQ(c, XS_READ, 0, "/t1/a"), "");
	CHECK_STR(RQ(c, XS_READ, 0, "/t1/zz"), "ENOENT");
	CHECK_STR(RQ(c, XS_MKDIR, 0, "/t1/a/c"), "OK");
	CHECK_STR(RQ(c, XS_MKDIR, 0, "/t1/a/c"), "OK");
	RQ(c, XS_DIRECTORY, 0, "/t1/a");
	CHECK(last_len == 4 && !memcmp(last, "b\0c\0", 4));
	CHECK_STR(RQ(c, XS_RM, 0, "/t1/a/nothing"), "OK");
	CHECK_STR(RQ(c, XS_RM, 0, "/t1/nothing/x"), "ENOENT");
	CHECK_STR(RQ(c, XS_RM, 0, "/t1/a"), "OK");
	CHECK_STR(RQ(c, XS_READ, 0, "/t1/a/b"), "ENOENT");
	CHECK_STR(RQ(c, XS_RM, 0, "/"), "EINVAL");
	CHECK_STR(RQ(c, XS_READ, 0, "/bad//path"), "EINVAL");
	CHECK_STR(rq(c, XS_READ, 0, "/no-nul", 7), "EINVAL");
	CHECK_STR(RQ(c, XS_GET_DOMAIN_PATH, 0, "7"), "/local/domain/7");
	CHECK_STR(RQ(c, XS_GET_PERMS, 0, "/t1"), "n0");
	char many[1024];
	size_t ml = snprintf(many, sizeof(many), "/t1") + 1;
	for (int i = 0; i < 65; i++)
		ml += snprintf(many + ml, sizeof(many) - ml, "r%d", i) + 1;
	CHECK_STR(rq(c, XS_SET_PERMS, 0, many, ml), "ENOSPC"); /* 64 entries at most */
	WRITE(c, 0, "/t1/leaf", "");
	RQ(c, XS_DIRECTORY, 0, "/t1/leaf"); /* no children at all */
	CHECK(last_type == XS_DIRECTORY && last_len == 0);
	RQ(c, XS_DIRECTORY_PART, 0,
	   "/t1/leaf\0"
	   "0");
	CHECK(last_type == XS_DIRECTORY_PART && last_len == strlen(last) + 2);
	freeconn(c);
}

static void test_unknown_types(void)
{
	struct conn *c = mkconn();

	CHECK_STR(RQ(c, 99, 0, ""), "ENOSYS");
	CHECK_INT(last_type, XS_ERROR);
	CHECK_STR(RQ(c, XS_RESTRICT, 0, "1"), "ENOSYS");
	CHECK_STR(RQ(c, XS_WATCH_EVENT, 0, "x"), "ENOSYS");
	CHECK(!c->closing);
	CHECK_STR(WRITE(c, 0, "/t2", "still here"), "OK");
	freeconn(c);
}

static void test_transactions(void)
{
	struct conn *a = mkconn(), *b = mkconn();
	uint32_t tx;

	WRITE(a, 0, "/t3/x", "1");
	tx = atoi(RQ(a, XS_TRANSACTION_START, 0, ""));
	CHECK(tx != 0);
	CHECK_STR(RQ(a, XS_READ, tx, "/t3/x"), "1");
	CHECK_STR(WRITE(a, tx, "/t3/y", "2"), "OK");
	CHECK_STR(RQ(b, XS_READ, 0, "/t3/y"), "ENOENT"); /* invisible outside */
	CHECK_STR(RQ(a, XS_READ, tx, "/t3/y"), "2");
	CHECK_STR(RQ(a, XS_TRANSACTION_END, tx, "T"), "OK");
	CHECK_STR(RQ(b, XS_READ, 0, "/t3/y"), "2");
	CHECK_STR(RQ(a, XS_READ, tx, "/t3/y"), "ENOENT"); /* the id is gone */

	/* a node the transaction read changes meanwhile: EAGAIN, nothing applied */
	tx = atoi(RQ(a, XS_TRANSACTION_START, 0, ""));
	RQ(a, XS_READ, tx, "/t3/x");
	WRITE(a, tx, "/t3/z", "3");
	WRITE(b, 0, "/t3/x", "changed");
	CHECK_STR(RQ(a, XS_TRANSACTION_END, tx, "T"), "EAGAIN");
	CHECK_STR(RQ(b, XS_READ, 0, "/t3/z"), "ENOENT");

	/* an unrelated change does not conflict */
	tx = atoi(RQ(a, XS_TRANSACTION_START, 0, ""));
	WRITE(a, tx, "/t3/x", "mine");
	WRITE(b, 0, "/t3/other", "x");
	CHECK_STR(RQ(a, XS_TRANSACTION_END, tx, "T"), "OK");
	CHECK_STR(RQ(b, XS_READ, 0, "/t3/x"), "mine");

	/* abort discards; rm inside a transaction */
	tx = atoi(RQ(a, XS_TRANSACTION_START, 0, ""));
	CHECK_STR(RQ(a, XS_RM, tx, "/t3"), "OK");
	CHECK_STR(RQ(a, XS_READ, tx, "/t3/x"), "ENOENT");
	CHECK_STR(RQ(a, XS_TRANSACTION_END, tx, "F"), "OK");
	CHECK_STR(RQ(b, XS_READ, 0, "/t3/x"), "mine");
	CHECK_STR(RQ(a, XS_TRANSACTION_END, 4242, "T"), "ENOENT");
	tx = atoi(RQ(a, XS_TRANSACTION_START, 0, ""));
	CHECK_STR(RQ(a, XS_TRANSACTION_END, tx, "X"), "EINVAL");
	freeconn(a);
	freeconn(b);
}

static void test_watches(void)
{
	struct conn *w = mkconn(), *c = mkconn();
	uint32_t tx;

	WRITE(c, 0, "/t4/a/b", "");
	CHECK_STR(RQ(w, XS_WATCH, 0, "/t4/a\0tok"), "OK");
	CHECK_INT(events(w, "/t4/a", "tok"), 1); /* fired once on registration */
	CHECK_STR(RQ(w, XS_WATCH, 0, "/t4/a\0tok"), "EEXIST");
	WRITE(c, 0, "/t4/a/b/c", "1");
	CHECK_INT(events(w, "/t4/a/b/c", "tok"), 1);
	WRITE(c, 0, "/t4/ab", "1"); /* a sibling with the same prefix */
	CHECK_INT(events(w, "/t4/ab", "tok"), 0);
	/* removing a parent fires with the watched path */
	RQ(c, XS_RM, 0, "/t4");
	CHECK_INT(events(w, "/t4/a", "tok"), 1);
	/* transactions fire at commit only */
	tx = atoi(RQ(c, XS_TRANSACTION_START, 0, ""));
	WRITE(c, tx, "/t4/a", "x");
	CHECK_INT(events(w, "/t4/a", "tok"), 0);
	RQ(c, XS_TRANSACTION_END, tx, "T");
	CHECK_INT(events(w, "/t4/a", "tok"), 1);
	CHECK_STR(RQ(w, XS_UNWATCH, 0, "/t4/a\0tok"), "OK");
	CHECK_STR(RQ(w, XS_UNWATCH, 0, "/t4/a\0tok"), "ENOENT");
	WRITE(c, 0, "/t4/a", "y");
	CHECK_INT(events(w, "/t4/a", "tok"), 0);
	/* a watch on the root sees everything, each change once */
	CHECK_STR(RQ(w, XS_WATCH, 0, "/\0root"), "OK");
	CHECK_INT(events(w, "/", "root"), 1);
	WRITE(c, 0, "/t4/q/r", "1");
	CHECK_INT(events(w, "/t4/q/r", "root"), 1);
	RQ(c, XS_SET_PERMS, 0, "/\0n0");
	CHECK_INT(events(w, "/", "root"), 1);
	RQ(w, XS_UNWATCH, 0, "/\0root");
	/* special watches */
	RQ(w, XS_WATCH, 0, "@introduceDomain\0i");
	CHECK_INT(events(w, "@introduceDomain", "i"), 1);
	RQ(w, XS_WATCH, 0, "@releaseDomain\0r");
	CHECK_INT(events(w, "@releaseDomain", "r"), 1);
	CHECK_STR(RQ(c, XS_INTRODUCE, 0,
		     "21\0"
		     "0\0"
		     "0"),
		  "OK");
	CHECK_INT(events(w, "@introduceDomain", "i"), 1);
	RQ(c, XS_RELEASE, 0, "21");
	CHECK_INT(events(w, "@releaseDomain", "r"), 1);
	CHECK_STR(RQ(c, XS_RELEASE, 0, "21"), "ENOENT");
	CHECK_STR(RQ(w, XS_RESET_WATCHES, 0, ""), "OK");
	CHECK_INT(w->nwatches, 0);
	freeconn(w);
	freeconn(c);
}

static void test_become_and_permissions(void)
{
	struct conn *d0 = mkconn(), *g;

	WRITE(d0, 0, "/local/domain/5/x", "");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/5\0n5\0r0");
	WRITE(d0, 0, "/secret", "s");
	RQ(d0, XS_SET_PERMS, 0, "/secret\0n0");
	WRITE(d0, 0, "/public", "p");
	RQ(d0, XS_SET_PERMS, 0, "/public\0r0");
	g = become(5);
	CHECK_STR(WRITE(g, 0, "data", "rel"), "OK"); /* relative: its home */
	CHECK_STR(RQ(d0, XS_READ, 0, "/local/domain/5/data"), "rel");
	CHECK_STR(RQ(d0, XS_GET_PERMS, 0, "/local/domain/5/data"), "n5\0r0");
	CHECK_STR(RQ(g, XS_READ, 0, "/secret"), "EACCES");
	CHECK_STR(RQ(g, XS_READ, 0, "/secret/none"), "EACCES"); /* no existence leak */
	CHECK_STR(RQ(g, XS_READ, 0, "/public"), "p");
	CHECK_STR(WRITE(g, 0, "/public", "no"), "EACCES");
	CHECK_STR(WRITE(g, 0, "/public/child", "no"), "EACCES");
	CHECK_STR(RQ(g, XS_RM, 0, "/public"), "EACCES");
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "data\0n0"), "EPERM"); /* only dom0 gives away */
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "data\0n5\0b7"), "OK");
	CHECK_STR(RQ(g, XS_INTRODUCE, 0,
		     "9\0"
		     "0\0"
		     "0"),
		  "EACCES");
	CHECK_STR(RQ(g, XS_CONTROL, 0,
		     "become\0"
		     "0"),
		  "EACCES");
	CHECK_STR(RQ(g, XS_WATCH, 0, "data\0t"), "OK");
	CHECK_INT(events(g, "data", "t"), 1); /* relative watch: relative event */
	/* special watches are dom0's: registered, but no events for a guest */
	CHECK_STR(RQ(g, XS_WATCH, 0, "@releaseDomain\0s"), "OK");
	CHECK_INT(events(g, "@releaseDomain", "s"), 1); /* the registration's own */
	RQ(d0, XS_INTRODUCE, 0,
	   "31\0"
	   "0\0"
	   "0");
	RQ(d0, XS_RELEASE, 0, "31");
	CHECK_INT(events(g, "@releaseDomain", "s"), 0);
	/* a second domain given read access through the ACL */
	struct conn *h = become(7);
	CHECK_STR(RQ(h, XS_READ, 0, "/local/domain/5/data"), "rel");
	CHECK_STR(WRITE(h, 0, "/local/domain/5/data", "x"), "OK");
	/* SET_TARGET gives domain 8 full access to domain 5's nodes */
	struct conn *t = become(8);
	CHECK_STR(RQ(t, XS_READ, 0, "/local/domain/5/x"), "EACCES");
	RQ(d0, XS_SET_TARGET, 0,
	   "8\0"
	   "5");
	CHECK_STR(RQ(t, XS_READ, 0, "/local/domain/5/data"), "x");
	freeconn(d0);
	freeconn(g);
	freeconn(h);
	freeconn(t);
}

static void test_quotas(void)
{
	struct conn *d0 = mkconn(), *g;
	char big[3000];
	unsigned saved = quota_limit[QUOTA_NODES];

	WRITE(d0, 0, "/local/domain/11", "");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/11\0n11");
	g = become(11);
	CHECK_STR(RQ(d0, XS_CONTROL, 0,
		     "quota\0nodes\0"
		     "3"),
		  "OK");
	CHECK_STR(WRITE(g, 0, "a", ""), "OK");
	CHECK_STR(WRITE(g, 0, "b", ""), "OK");
	CHECK_STR(WRITE(g, 0, "c", ""), "ENOSPC");		    /* it owns its home too */
	CHECK_STR(WRITE(d0, 0, "/local/domain/11/byd0", ""), "OK"); /* dom0 is exempt */
	/* nodes made inside a transaction count at once (as in Xen)... */
	RQ(g, XS_RM, 0, "b");
	RQ(d0, XS_RM, 0, "/local/domain/11/byd0"); /* it inherited owner 11 */
	uint32_t tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	CHECK_STR(WRITE(g, tx, "t1", ""), "OK");
	CHECK_STR(WRITE(g, tx, "t2", ""), "ENOSPC");
	/* ...and again at commit, against what it was given meanwhile */
	WRITE(d0, 0, "/q11", "");
	CHECK_STR(RQ(d0, XS_SET_PERMS, 0, "/q11\0n11"), "OK");
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "T"), "ENOSPC");
	CHECK_STR(RQ(g, XS_READ, 0, "t1"), "ENOENT");
	RQ(d0, XS_RM, 0, "/q11");
	tx = atoi(RQ(g, XS_TRANSACTION_START, 0, ""));
	CHECK_STR(WRITE(g, tx, "t1", ""), "OK");
	CHECK_STR(RQ(g, XS_TRANSACTION_END, tx, "T"), "OK");
	CHECK_STR(RQ(g, XS_READ, 0, "t1"), "");
	quota_limit[QUOTA_NODES] = saved;
	/* node size */
	memset(big, 'v', sizeof(big));
	memcpy(big, "a", 2);
	CHECK_STR(rq(g, XS_WRITE, 0, big, sizeof(big)), "ENOSPC");
	CHECK_STR(rq(d0, XS_WRITE, 0, "/t5big\0", 0) ? rq(d0, XS_WRITE, 0, big, 0) : "", "EINVAL");
	/* watches */
	unsigned w = quota_limit[QUOTA_WATCHES];
	quota_limit[QUOTA_WATCHES] = 2;
	CHECK_STR(RQ(g, XS_WATCH, 0, "a\0w1"), "OK");
	CHECK_STR(RQ(g, XS_WATCH, 0, "a\0w2"), "OK");
	CHECK_STR(RQ(g, XS_WATCH, 0, "a\0w3"), "E2BIG");
	quota_limit[QUOTA_WATCHES] = w;
	/* transactions */
	for (unsigned i = 0; i < quota_limit[QUOTA_TRANSACTIONS]; i++)
		CHECK(atoi(RQ(g, XS_TRANSACTION_START, 0, "")) > 0);
	CHECK_STR(RQ(g, XS_TRANSACTION_START, 0, ""), "ENOSPC");
	/* path length below its home */
	char path[2100];
	memset(path, 'p', sizeof(path));
	path[sizeof(path) - 1] = 0;
	CHECK_STR(rq(g, XS_READ, 0, path, sizeof(path)), "EINVAL");
	freeconn(d0);
	freeconn(g);
}

static void test_directory_part(void)
{
	struct conn *c = mkconn();
	char path[128], all[65536];
	size_t len = 0, off = 0;

	for (int i = 0; i < 300; i++) {
		int n = snprintf(path, sizeof(path), "/t6/a-rather-long-child-name-%04d", i) + 1;
		rq(c, XS_MKDIR, 0, path, n);
	}
	CHECK_STR(RQ(c, XS_DIRECTORY, 0, "/t6"), "E2BIG");
	for (int guard = 0; guard < 100; guard++) {
		char req[64];
		int n = snprintf(req, sizeof(req), "/t6%c%zu", 0, off) + 1;
		const char *r = rq(c, XS_DIRECTORY_PART, 0, req, n);
		size_t gl = strlen(r) + 1;
		bool done = last_len == gl + 1 || (last[last_len - 1] == 0 && last[last_len - 2] == 0);
		size_t chunk = last_len - gl - (done ? 1 : 0);

		CHECK(last_type == XS_DIRECTORY_PART);
		memcpy(all + len, r + gl, chunk);
		len += chunk;
		off += chunk;
		if (done)
			break;
	}
	int count = 0;
	for (size_t i = 0; i < len; i++)
		count += !all[i];
	CHECK_INT(count, 300);
	CHECK(!strcmp(all, "a-rather-long-child-name-0000"));
	freeconn(c);
}

static void test_release_removes_owned_nodes(void)
{
	struct conn *d0 = mkconn();

	WRITE(d0, 0, "/local/domain/12/device/x", "1");
	WRITE(d0, 0, "/t7/acl", "1");
	RQ(d0, XS_SET_PERMS, 0, "/local/domain/12/device\0n12");
	RQ(d0, XS_SET_PERMS, 0, "/t7/acl\0n0\0r12");
	RQ(d0, XS_INTRODUCE, 0,
	   "12\0"
	   "0\0"
	   "0");
	CHECK_STR(RQ(d0, XS_IS_DOMAIN_INTRODUCED, 0, "12"), "T");
	CHECK_STR(RQ(d0, XS_RELEASE, 0, "12"), "OK");
	CHECK_STR(RQ(d0, XS_IS_DOMAIN_INTRODUCED, 0, "12"), "F");
	CHECK_STR(RQ(d0, XS_READ, 0, "/local/domain/12/device"), "ENOENT");
	CHECK_STR(RQ(d0, XS_READ, 0, "/local/domain/12"), ""); /* owned by dom0: stays */
	RQ(d0, XS_GET_PERMS, 0, "/t7/acl");
	CHECK(last_len == 3 && !strcmp(last, "n0")); /* the ACL entry went */
	freeconn(d0);
}

/* dom0 and the special DOMID_* values are not domains to introduce or release. */
static void test_domain_ops_need_a_real_domid(void)
{
	struct conn *d0 = mkconn();

	WRITE(d0, 0, "/t9/mine", "1");
	CHECK_STR(RQ(d0, XS_INTRODUCE, 0, "0\0" "0\0" "0"), "EINVAL");
	CHECK_STR(RQ(d0, XS_INTRODUCE, 0, "32752\0" "0\0" "0"), "EINVAL"); /* DOMID_SELF... */
	CHECK_STR(RQ(d0, XS_RELEASE, 0, "0"), "EINVAL");
	CHECK_STR(RQ(d0, XS_RESUME, 0, "0"), "EINVAL");
	CHECK_STR(RQ(d0, XS_SET_TARGET, 0, "0\0" "5"), "EINVAL");
	CHECK_STR(RQ(d0, XS_IS_DOMAIN_INTRODUCED, 0, "0"), "T");
	CHECK_STR(RQ(d0, XS_READ, 0, "/t9/mine"), "1"); /* dom0's nodes stay */
	freeconn(d0);
}

static void test_split_and_batched_input(void)
{
	struct conn *c = mkconn();
	char buf[256];
	struct xs_msg_hdr h = {XS_WRITE, 900, 0, 7};
	size_t n = 0;

	for (int i = 0; i < 3; i++) { /* three requests in one buffer */
		h.req_id = 900 + i;
		memcpy(buf + n, &h, sizeof(h));
		memcpy(buf + n + sizeof(h), "/t8\0abc", 7);
		n += sizeof(h) + 7;
	}
	for (size_t i = 0; i < n; i++) /* one byte at a time */
		conn_feed(c, buf + i, 1);
	int replies = 0;
	while (pop(c, &h))
		replies += h.type == XS_WRITE && h.req_id >= 900 && h.req_id < 903;
	CHECK_INT(replies, 3);
	/* an oversized payload drops this connection only */
	h = (struct xs_msg_hdr){XS_READ, 1, 0, XS_PAYLOAD_MAX + 1};
	conn_feed(c, (char *)&h, sizeof(h));
	CHECK(c->closing);
	freeconn(c);
}

/* Feed n GET_DOMAIN_PATH requests in one buffer, as a pipelining client does. */
static void send_many(struct conn *c, int n)
{
	char buf[64 * (XS_HDR_SIZE + 2)];
	struct xs_msg_hdr h = {XS_GET_DOMAIN_PATH, 0, 0, 2};

	for (int i = 0; i < n; i++) {
		h.req_id = 1000 + i;
		memcpy(buf + i * (XS_HDR_SIZE + 2), &h, sizeof(h));
		memcpy(buf + i * (XS_HDR_SIZE + 2) + XS_HDR_SIZE, "7", 2);
	}
	conn_feed(c, buf, n * (XS_HDR_SIZE + 2));
}

/* Replies queued, read in order from req_id 1000 + *next; -1 on a wrong one. */
static int read_replies(struct conn *c, int *next)
{
	struct xs_msg_hdr h;
	int n = 0;

	while (pop(c, &h)) {
		if (h.type != XS_GET_DOMAIN_PATH || h.req_id != (uint32_t)(1000 + *next) ||
		    strcmp(last, "/local/domain/7"))
			return -1;
		(*next)++;
		n++;
	}
	return n;
}

static void test_outstanding_requests(void)
{
	struct conn *c = mkconn();
	int next = 0;

	/* dom0: no count limit */
	send_many(c, 30);
	CHECK_INT(read_replies(c, &next), 30);
	/* a guest: 20 unread replies, then its input waits */
	c->who.priv = false;
	c->who.domid = 7;
	next = 0;
	send_many(c, 30);
	CHECK_INT(read_replies(c, &next), 20);
	CHECK(c->stash_len > 0);
	conn_resume(c); /* the client has read its replies */
	CHECK_INT(read_replies(c, &next), 10);
	CHECK_INT(next, 30);
	CHECK_INT(c->stash_len, 0);
	/* the quota is settable */
	CHECK_INT(quota_set("outstanding", "3"), 0);
	next = 0;
	send_many(c, 5);
	CHECK_INT(read_replies(c, &next), 3);
	conn_resume(c);
	CHECK_INT(read_replies(c, &next), 2);
	CHECK_INT(quota_set("outstanding", "20"), 0);
	freeconn(c);
}

/* @releaseDomain has permissions (n0): dom0 may let a guest see its events. */
static void test_special_node_permissions(void)
{
	struct conn *d0 = mkconn(), *g = become(14);

	CHECK_STR(RQ(d0, XS_GET_PERMS, 0, "@releaseDomain"), "n0");
	CHECK_STR(RQ(d0, XS_GET_PERMS, 0, "@other"), "ENOENT");
	CHECK_STR(RQ(d0, XS_SET_PERMS, 0, "@other\0n0"), "ENOENT");
	CHECK_STR(RQ(g, XS_GET_PERMS, 0, "@releaseDomain"), "EACCES");
	/* one argument, as for any path */
	CHECK_STR(RQ(d0, XS_GET_PERMS, 0, "@releaseDomain\0more"), "EINVAL");
	CHECK_STR(RQ(g, XS_WATCH, 0, "@releaseDomain\0r"), "OK");
	RQ(d0, XS_INTRODUCE, 0, "15\0" "0\0" "0");
	RQ(d0, XS_RELEASE, 0, "15");
	CHECK_INT(events(g, "@releaseDomain", "r"), 1); /* the registration's only */
	CHECK_STR(RQ(g, XS_SET_PERMS, 0, "@releaseDomain\0n0\0r14"), "EACCES");
	CHECK_STR(RQ(d0, XS_SET_PERMS, 0, "@releaseDomain\0n0\0r14"), "OK");
	RQ(d0, XS_GET_PERMS, 0, "@releaseDomain");
	CHECK(last_len == 7 && !memcmp(last, "n0\0r14", 7));
	events(g, "", "");
	RQ(d0, XS_INTRODUCE, 0, "15\0" "0\0" "0");
	RQ(d0, XS_RELEASE, 0, "15");
	CHECK_INT(events(g, "@releaseDomain", "r"), 1);
	CHECK_STR(RQ(d0, XS_SET_PERMS, 0, "@releaseDomain\0n0"), "OK");
	freeconn(g);
	freeconn(d0);
}

int main(void)
{
	xenstored_new_store();
	xenstored_init_store();
	RUN(test_basic_ops);
	RUN(test_unknown_types);
	RUN(test_transactions);
	RUN(test_watches);
	RUN(test_become_and_permissions);
	RUN(test_quotas);
	RUN(test_directory_part);
	RUN(test_release_removes_owned_nodes);
	RUN(test_split_and_batched_input);
	RUN(test_outstanding_requests);
	RUN(test_domain_ops_need_a_real_domid);
	RUN(test_special_node_permissions);
	return unit_done();
}
