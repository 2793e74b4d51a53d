/* Watches, transactions and the domain messages. */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "journal.h"
#include "log.h"
#include "ratelimit.h"
#include "transaction.h"
#include "watch.h"

/* WATCH and UNWATCH both take "<path>\0<token>\0"; the path resolves as a node's. */
static int watch_args(struct req *r, char *path, size_t len, const char **token)
{
	const char *argv[2];

	if (req_args(r, argv, 2) != 2)
		return -EINVAL;
	*token = argv[1];
	return req_path(r, argv[0], true, path, len);
}

int do_watch(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1];
	const char *token;
	int rc;

	rc = watch_args(r, path, sizeof(path), &token);
	if (!rc)
		rc = watch_add(r, path, token);
	if (rc)
		return rc;
	reply_ok(r);
	watch_fire_initial(r->conn, path, token);
	return 0;
}

int do_unwatch(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1];
	const char *token;
	int rc;

	rc = watch_args(r, path, sizeof(path), &token);
	if (!rc)
		rc = watch_remove(r->conn, path, token);
	return rc ? rc : reply_ok(r);
}

int do_transaction_start(struct req *r)
{
	char out[16];
	uint32_t id;
	int rc;

	if (r->hdr.tx_id)
		return -EBUSY;
	rc = tx_start(r->conn, &id);
	if (rc)
		return rc;
	return reply(r, out, snprintf(out, sizeof(out), "%u", id) + 1);
}

int do_transaction_end(struct req *r)
{
	const char *argv[1];
	int rc;

	if (!r->tx)
		return -ENOENT;
	if (req_args(r, argv, 1) != 1 || (strcmp(argv[0], "T") && strcmp(argv[0], "F")))
		return -EINVAL;
	rc = tx_end(r->conn, r->tx, argv[0][0] == 'T');
	r->tx = NULL;
	return rc ? rc : reply_ok(r);
}

static int one_domid(struct req *r, uint32_t *domid)
{
	const char *argv[1];

	if (req_args(r, argv, 1) < 1)
		return -EINVAL;
	return parse_domid(argv[0], domid);
}

/*
 * Xen's "real domain id": not dom0 (always there, never introduced or
 * released: releasing it would remove every node dom0 owns) and not one of
 * the special DOMID_* values (0x7ff0 and up).
 */
#define XS_DOMID_FIRST_RESERVED 0x7ff0

static int real_domid(const char *s, uint32_t *domid)
{
	if (parse_domid(s, domid) || !*domid || *domid >= XS_DOMID_FIRST_RESERVED)
		return -EINVAL;
	return 0;
}

static int one_real_domid(struct req *r, uint32_t *domid)
{
	const char *argv[1];

	if (req_args(r, argv, 1) < 1)
		return -EINVAL;
	return real_domid(argv[0], domid);
}

/*
 * The special watch paths are nodes outside the tree, as in Xen: owned by
 * dom0 and n0 at start, so guests may register them but get no events
 * until dom0 grants them read access (SET_PERMS @releaseDomain n0 r5).
 * Their permissions live in memory only (back to n0 at restart).
 */
static struct xs_perm intro_perms[XS_NODE_PERMS_MAX] = {{0, XS_PERM_NONE}};
static struct xs_perm release_perms[XS_NODE_PERMS_MAX] = {{0, XS_PERM_NONE}};
static struct node specials[] = {
    {.path = (char *)"@introduceDomain", .perms = intro_perms, .nperms = 1},
    {.path = (char *)"@releaseDomain", .perms = release_perms, .nperms = 1},
};

struct node *special_node(const char *path)
{
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (!strcmp(specials[i].path, path))
			return &specials[i];
	return NULL;
}

void special_set_perms(struct node *n, const struct xs_perm *perms, uint32_t count)
{
	memcpy(n->perms, perms, count * sizeof(*perms));
	n->nperms = count;
}

static void fire_special(const char *path)
{
	struct node *n = special_node(path);

	watch_fire(path, n->perms, n->nperms, false);
}

int do_introduce(struct req *r)
{
	const char *argv[3];
	struct domain *d;
	uint32_t domid;

	if (req_args(r, argv, 3) < 3 || real_domid(argv[0], &domid))
		return -EINVAL;
	d = domain_get(domid);
	if (!d)
		return -ENOMEM;
	if (!d->introduced) {
		d->introduced = true;
		journal_domain(domid, true, d->target);
		fire_special("@introduceDomain");
	}
	return reply_ok(r);
}

/* Nodes owned by the domain go; ACL entries naming it are dropped. */
struct release_ctx {
	uint32_t domid;
	char **top; /* topmost owned nodes */
	unsigned ntop, cap;
	struct node **fix; /* nodes with ACL entries for domid */
	unsigned nfix, fcap;
};

/* arr (n used of *cap elements of size) with room for one more; NULL (arr kept) when out of memory. */
static void *room_for_one(void *arr, unsigned n, unsigned *cap, size_t size)
{
	unsigned ncap = *cap ? 2 * *cap : 16;
	void *p;

	if (n < *cap)
		return arr;
	p = realloc(arr, ncap * size);
	if (p)
		*cap = ncap;
	return p;
}

static int release_scan(void *arg, struct node *n)
{
	struct release_ctx *x = arg;

	if (n->perms[0].id == x->domid && strcmp(n->path, "/")) {
		char **top;

		for (unsigned i = 0; i < x->ntop; i++) {
			size_t l = strlen(x->top[i]);

			if (!strncmp(n->path, x->top[i], l) && n->path[l] == '/')
				return 0; /* below one already taken */
		}
		top = room_for_one(x->top, x->ntop, &x->cap, sizeof(*top));
		if (!top)
			return -ENOMEM;
		x->top = top;
		top[x->ntop] = strdup(n->path);
		return top[x->ntop++] ? 0 : -ENOMEM;
	}
	for (uint32_t i = 1; i < n->nperms; i++) {
		struct node **fix;

		if (n->perms[i].id != x->domid)
			continue;
		fix = room_for_one(x->fix, x->nfix, &x->fcap, sizeof(*fix));
		if (!fix)
			return -ENOMEM;
		x->fix = fix;
		fix[x->nfix++] = n;
		break;
	}
	return 0;
}

static void release_nodes(struct req *r, uint32_t domid)
{
	static struct log_rate oom_rate = LOG_RATE("out of memory releasing");
	struct release_ctx x = {.domid = domid};
	struct node *root = store_lookup(xs_store, "/");

	if (store_walk(xs_store, root, release_scan, &x))
		log_rate(&oom_rate, LOG_WARNX,
			 "out of memory releasing domain %u: some of its nodes or permissions stay", domid);
	for (unsigned i = 0; i < x.nfix; i++) {
		struct node *n = x.fix[i];
		struct xs_perm p[XS_NODE_PERMS_MAX];
		uint32_t np = 0;

		for (uint32_t k = 0; k < n->nperms && np < XS_NODE_PERMS_MAX; k++)
			if (!k || n->perms[k].id != domid)
				p[np++] = n->perms[k];
		store_set_perms(xs_store, n, p, np);
	}
	for (unsigned i = 0; i < x.ntop; i++) {
		struct node *n = store_lookup(xs_store, x.top[i]);

		if (n) {
			struct xs_perm p = n->perms[0];

			store_remove(xs_store, n);
			emit_change(r, x.top[i], &p, 1, true);
		}
		free(x.top[i]);
	}
	free(x.top);
	free(x.fix);
}

int do_release(struct req *r)
{
	struct domain *d;
	uint32_t domid;

	if (one_real_domid(r, &domid))
		return -EINVAL;
	d = domain_find(domid);
	if (!d || !d->introduced)
		return -ENOENT;
	/* a new domain given this id later starts afresh: no SET_TARGET of the old one */
	d->introduced = false;
	d->target = -1;
	journal_domain(domid, false, -1);
	r->tx = NULL;
	release_nodes(r, domid);
	conn_close_domain(domid);
	fire_special("@releaseDomain");
	return reply_ok(r);
}

int do_get_domain_path(struct req *r)
{
	char out[64];
	uint32_t domid;

	if (one_domid(r, &domid))
		return -EINVAL;
	path_domain_home(domid, out, sizeof(out));
	return reply(r, out, strlen(out) + 1);
}

int do_is_domain_introduced(struct req *r)
{
	struct domain *d;
	uint32_t domid;

	if (one_domid(r, &domid))
		return -EINVAL;
	d = domain_find(domid);
	/* dom0 is always served (Xen introduces it at start) */
	return reply(r, !domid || (d && d->introduced) ? "T" : "F", 2);
}

int do_resume(struct req *r)
{
	struct domain *d;
	uint32_t domid;

	if (one_real_domid(r, &domid))
		return -EINVAL;
	d = domain_find(domid);
	if (!d || !d->introduced)
		return -ENOENT;
	return reply_ok(r);
}

int do_set_target(struct req *r)
{
	const char *argv[2];
	uint32_t domid, target;
	struct domain *d;

	/* the target is a real domain too: "target 0" would give a guest all of dom0's nodes */
	if (req_args(r, argv, 2) != 2 || real_domid(argv[0], &domid) || real_domid(argv[1], &target))
		return -EINVAL;
	d = domain_get(domid);
	if (!d)
		return -ENOMEM;
	d->target = target;
	journal_domain(domid, d->introduced, target);
	return reply_ok(r);
}

int do_reset_watches(struct req *r)
{
	watch_remove_all(r->conn);
	tx_end_all(r->conn);
	return reply_ok(r);
}
