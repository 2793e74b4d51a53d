/* READ, WRITE, MKDIR, RM, DIRECTORY(_PART), GET/SET_PERMS. */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "quota.h"
#include "strutil.h"
#include "transaction.h"

/* path's ancestor ending before the '/' at slash (the root for the first), looked up. */
static struct node *ancestor_at(struct store *st, const char *path, size_t slash, char *buf)
{
	size_t len = slash ? slash : 1;

	memcpy(buf, path, len);
	buf[len] = 0;
	return store_lookup(st, buf);
}

/*
 * The nearest existing ancestor of path (path itself excluded); in *missing
 * how many levels path is below it. The ancestors that exist are the top
 * ones (a node's parent exists, in a transaction's view too), so a binary
 * search over the '/' finds it: a path a thousand levels deep costs ten
 * lookups, not a thousand. The parent is tried first, the common case.
 */
static struct node *nearest_ancestor(struct store *st, const char *path, unsigned *missing)
{
	static size_t slash[XS_ABS_PATH_MAX / 2 + 1];
	char buf[XS_ABS_PATH_MAX + 1];
	unsigned k = 0, lo, hi;
	struct node *n;

	for (size_t i = 0; path[i] && k < sizeof(slash) / sizeof(slash[0]); i++)
		if (path[i] == '/')
			slash[k++] = i;
	if (!k || !strcmp(path, "/"))
		return NULL;
	*missing = 1;
	n = ancestor_at(st, path, slash[k - 1], buf);
	if (n || k == 1)
		return n;
	/* the root (lo) exists, the parent (hi) does not */
	lo = 0;
	hi = k - 1;
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		if (ancestor_at(st, path, slash[mid], buf))
			lo = mid;
		else
			hi = mid;
	}
	*missing = k - lo;
	return ancestor_at(st, path, slash[lo], buf);
}

/* ENOENT, unless the caller may not even see the parent (EACCES): no leak of existence.
 * A special path (@...) has no parent: ENOENT. */
static int missing_error(struct req *r, const char *path)
{
	unsigned missing;
	struct node *a = path[0] == '@' ? NULL : nearest_ancestor(r->st, path, &missing);

	if (a && !perm_can(&r->conn->who, a, XS_PERM_READ))
		return -EACCES;
	return -ENOENT;
}

/* A node of the tree, or a special one (@releaseDomain); ENOENT for other @ paths. */
static struct node *lookup_any(struct req *r, const char *path)
{
	return path[0] == '@' ? special_node(path) : store_lookup(r->st, path);
}

/* Resolve path argument in (special: @releaseDomain allowed), look it up and check access. */
static int find_node(struct req *r, const char *in, unsigned want, bool special, char *path,
		     struct node **out)
{
	struct node *n;
	int rc = req_path(r, in, special, path, XS_ABS_PATH_MAX + 1);

	if (rc)
		return rc;
	n = lookup_any(r, path);
	if (!n)
		return missing_error(r, path);
	if (!perm_can(&r->conn->who, n, want))
		return -EACCES;
	*out = n;
	return 0;
}

/* find_node for the request's single argument. */
static int get_node(struct req *r, unsigned want, bool special, char *path, struct node **out)
{
	const char *argv[1];

	if (req_args(r, argv, 1) != 1 || strlen(argv[0]) + 1 != r->hdr.len)
		return -EINVAL;
	return find_node(r, argv[0], want, special, path, out);
}

int do_read(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1];
	struct node *n;
	int rc = get_node(r, XS_PERM_READ, false, path, &n);

	return rc ? rc : reply(r, n->value, n->vlen);
}

/* Would n, with a value of vlen bytes and nperms permission entries (5 bytes each), pass
 * the node-size quota (guests only)? */
static bool over_node_size(const struct req *r, uint32_t vlen, const struct node *n, unsigned nperms)
{
	uint32_t size = vlen + n->kids_len + nperms * 5;

	return !r->conn->who.priv && size > quota_limit[QUOTA_NODE_SIZE];
}

/* The length of path's component starting at name. */
static size_t component_len(const char *name)
{
	const char *slash = strchr(name, '/');

	return slash ? (size_t)(slash - name) : strlen(name);
}

/*
 * Xen counts a node's child names in its size. Creating path adds a name to
 * its nearest existing ancestor a; each missing level made on the way holds
 * the next level's name, the last one the value. A guest keeps all within
 * the node-size quota (else a directory of long names grows without bound).
 */
static bool create_over_size(const struct req *r, const struct node *a, const char *path, uint32_t vlen)
{
	const char *name = path + (strlen(a->path) == 1 ? 1 : strlen(a->path) + 1);
	uint32_t max = quota_limit[QUOTA_NODE_SIZE], perms = a->nperms * 5;
	size_t len = component_len(name);

	if (r->conn->who.priv)
		return false;
	if ((size_t)a->vlen + a->kids_len + len + 1 + perms > max)
		return true;
	for (name += len; *name; name += len) { /* at the '/' before the next level */
		len = component_len(++name);
		if (len + 1 + perms > max)
			return true;
	}
	return (size_t)vlen + perms > max;
}

/* Create path and its missing parents, inheriting the nearest ancestor's permissions. */
static int create_path(struct req *r, const char *path, const void *value, uint32_t vlen)
{
	const struct xs_who *who = &r->conn->who;
	unsigned missing;
	struct node *a = nearest_ancestor(r->st, path, &missing);
	struct xs_perm *perms;
	char buf[XS_ABS_PATH_MAX + 1];
	int rc = 0;

	if (!a)
		return -ENOENT;
	if (!perm_can(who, a, XS_PERM_WRITE))
		return -EACCES;
	if (create_over_size(r, a, path, vlen))
		return -ENOSPC;
	if (!who->priv) {
		struct domain *d = domain_get(who->domid);
		/* in a transaction, what it made so far counts: ENOSPC now, as in Xen */
		long owned = d ? (long)d->nodes + (r->tx ? tx_net_nodes(r->conn, r->tx) : 0) : 0;

		if (!d || owned + missing > quota_limit[QUOTA_NODES])
			return -ENOSPC;
	}
	perms = malloc(a->nperms * sizeof(*perms));
	if (!perms)
		return -ENOMEM;
	memcpy(perms, a->perms, a->nperms * sizeof(*perms));
	if (!who->priv)
		perms[0].id = who->domid;
	uint32_t nperms = a->nperms;
	/* create from the top: cut path at successive '/' */
	size_t start = strlen(a->path) == 1 ? 1 : strlen(a->path) + 1;
	for (size_t i = start; !rc; i++) {
		if (path[i] != '/' && path[i])
			continue;
		memcpy(buf, path, i);
		buf[i] = 0;
		bool last = !path[i];
		rc = store_create(r->st, buf, perms, nperms, last ? value : "", last ? vlen : 0, NULL);
		if (last)
			break;
	}
	if (!rc)
		emit_change(r, path, perms, nperms, false);
	free(perms);
	return rc;
}

int do_write(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1];
	const char *argv[1];
	struct node *n;
	size_t plen;
	int rc;

	plen = strnlen(r->data, r->hdr.len);
	if (plen == r->hdr.len)
		return -EINVAL;
	argv[0] = r->data;
	rc = req_path(r, argv[0], false, path, sizeof(path));
	if (rc)
		return rc;
	const char *value = r->data + plen + 1;
	uint32_t vlen = r->hdr.len - plen - 1;
	/* permission before size: a refused guest learns nothing of a node's existence or size */
	n = store_lookup(r->st, path);
	if (!n)
		rc = create_path(r, path, value, vlen);
	else if (!perm_can(&r->conn->who, n, XS_PERM_WRITE))
		rc = -EACCES;
	else if (over_node_size(r, vlen, n, n->nperms))
		rc = -ENOSPC;
	else if (!(rc = store_set_value(r->st, n, value, vlen)))
		emit_change(r, path, n->perms, n->nperms, false);
	return rc ? rc : reply_ok(r);
}

int do_mkdir(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1];
	struct node *n;
	int rc = get_node(r, XS_PERM_WRITE, false, path, &n);

	if (rc == -ENOENT)
		rc = create_path(r, path, "", 0);
	return rc ? rc : reply_ok(r);
}

int do_rm(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1], parent[XS_ABS_PATH_MAX + 1];
	struct xs_perm perms[XS_NODE_PERMS_MAX];
	uint32_t nperms;
	struct node *n;
	int rc = get_node(r, XS_PERM_WRITE, false, path, &n);

	if (rc == -ENOENT) {
		/* not an error, unless the parent is missing too */
		if (path_parent(path, parent, sizeof(parent)) || !store_lookup(r->st, parent))
			return -ENOENT;
		return reply_ok(r);
	}
	if (rc)
		return rc;
	if (!strcmp(path, "/"))
		return -EINVAL;
	nperms = n->nperms;
	memcpy(perms, n->perms, nperms * sizeof(*perms));
	rc = store_remove(r->st, n);
	if (rc)
		return rc;
	emit_change(r, path, perms, nperms, true);
	return reply_ok(r);
}

int do_directory(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1];
	struct node *n;
	int rc = get_node(r, XS_PERM_READ, false, path, &n);

	if (rc)
		return rc;
	if (n->kids_len > XS_PAYLOAD_MAX)
		return -E2BIG;
	return reply(r, n->kids, n->kids_len);
}

/* "<path>\0<offset>\0" -> "<gen>\0<names from offset>\0...[\0 when complete]" */
int do_directory_part(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1], out[XS_PAYLOAD_MAX];
	const char *argv[2];
	struct node *n;
	uint64_t off;
	int rc;

	if (req_args(r, argv, 2) != 2 || parse_u64(argv[1], UINT32_MAX, &off))
		return -EINVAL;
	rc = find_node(r, argv[0], XS_PERM_READ, false, path, &n);
	if (rc)
		return rc;
	if (off > n->kids_len)
		return -EINVAL;
	int glen = snprintf(out, sizeof(out), "%llu", (unsigned long long)n->gen) + 1;
	size_t len = 0, max = sizeof(out) - glen - 1;
	/* offsets, not pointers: a node without children has kids == NULL */
	while (off + len < n->kids_len) {
		size_t l = strlen(n->kids + off + len) + 1;

		if (len + l > max)
			break;
		len += l;
	}
	if (len)
		memcpy(out + glen, n->kids + off, len);
	if (off + len == n->kids_len)
		out[glen + len++] = 0;
	return reply(r, out, glen + len);
}

static int format_perms(const struct node *n, char *out, size_t size)
{
	size_t len = 0;

	for (uint32_t i = 0; i < n->nperms; i++) {
		int l = perm_format(&n->perms[i], out + len, size - len);

		if (l < 0 || len + l + 1 > size)
			return -E2BIG;
		len += l + 1;
	}
	return len;
}

int do_get_perms(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1], out[XS_PAYLOAD_MAX];
	struct node *n;
	int rc;

	rc = get_node(r, XS_PERM_READ, true, path, &n);
	if (rc)
		return rc;
	rc = format_perms(n, out, sizeof(out));
	return rc < 0 ? rc : reply(r, out, rc);
}

int do_set_perms(struct req *r)
{
	char path[XS_ABS_PATH_MAX + 1];
	struct xs_perm *perms;
	unsigned count;
	struct node *n;
	size_t plen = strnlen(r->data, r->hdr.len);
	int rc;

	if (plen == r->hdr.len)
		return -EINVAL;
	rc = req_path(r, r->data, true, path, sizeof(path));
	if (rc)
		return rc;
	perms = malloc(XS_NODE_PERMS_MAX * sizeof(*perms));
	if (!perms)
		return -ENOMEM;
	rc = perms_parse_list(r->data + plen + 1, r->hdr.len - plen - 1, perms, XS_NODE_PERMS_MAX, &count);
	if (rc)
		goto out;
	rc = -ENOSPC;
	if (!r->conn->who.priv && count > quota_limit[QUOTA_PERMS])
		goto out;
	n = lookup_any(r, path);
	rc = n ? 0 : missing_error(r, path);
	/* Xen: the owner (or its target's keeper) sets permissions; write access is not enough */
	if (!rc && !perm_owns(&r->conn->who, n))
		rc = -EACCES;
	/* only dom0 gives a node away */
	if (!rc && !r->conn->who.priv && perms[0].id != n->perms[0].id)
		rc = -EPERM;
	/* the list counts in the node's size */
	if (!rc && path[0] != '@' && over_node_size(r, n->vlen, n, count))
		rc = -ENOSPC;
	if (!rc && path[0] == '@')
		special_set_perms(n, perms, count);
	else if (!rc)
		rc = store_set_perms(r->st, n, perms, count);
	if (!rc) {
		emit_change(r, path, perms, count, false);
		rc = reply_ok(r);
	}
out:
	free(perms);
	return rc;
}
