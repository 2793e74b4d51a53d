/* The store tree and its transaction views (store.h). */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct store {
	struct node **buckets;
	uint32_t nbuckets, count;
	struct store *base;
	struct node *entries; /* views: every entry, newest first */
	const struct store_hooks *hooks;
	void *hook_arg;
};

/* One counter for every store, so a generation is never reused. */
static uint64_t store_generation;

static uint32_t path_hash(const char *p)
{
	uint32_t h = 2166136261u;

	while (*p)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

static struct store *store_alloc(void)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->nbuckets = 64;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return NULL;
	}
	return s;
}

struct store *store_new(const struct store_hooks *hooks, void *arg)
{
	struct store *s = store_alloc();

	if (s) {
		s->hooks = hooks;
		s->hook_arg = arg;
	}
	return s;
}

struct store *store_new_view(struct store *base)
{
	struct store *s = store_alloc();

	if (s)
		s->base = base;
	return s;
}

static void node_free(struct node *n)
{
	free(n->path);
	free(n->value);
	free(n->perms);
	free(n->kids);
	free(n);
}

void store_free(struct store *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nbuckets; i++) {
		struct node *n = s->buckets[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			node_free(n);
		}
	}
	free(s->buckets);
	free(s);
}

unsigned store_count(const struct store *s)
{
	return s->count;
}

struct node *store_view_entries(struct store *s)
{
	return s->entries;
}

static void hash_grow(struct store *s)
{
	uint32_t nb = s->nbuckets * 2;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* keep the longer chains */
	for (uint32_t i = 0; i < s->nbuckets; i++) {
		struct node *n = s->buckets[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

static struct node *hash_find(struct store *s, const char *path, uint32_t h)
{
	struct node *n = s->buckets[h & (s->nbuckets - 1)];

	for (; n; n = n->hnext)
		if (n->hash == h && !strcmp(n->path, path))
			return n;
	return NULL;
}

static void hash_insert(struct store *s, struct node *n)
{
	if (s->count >= s->nbuckets)
		hash_grow(s);
	n->hnext = s->buckets[n->hash & (s->nbuckets - 1)];
	s->buckets[n->hash & (s->nbuckets - 1)] = n;
	s->count++;
	if (s->base) {
		n->tnext = s->entries;
		s->entries = n;
	}
}

static void hash_remove(struct store *s, struct node *n)
{
	struct node **pp = &s->buckets[n->hash & (s->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == n) {
			*pp = n->hnext;
			s->count--;
			return;
		}
	}
}

static void *dup_mem(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	if (q && len)
		memcpy(q, p, len);
	return q;
}

/* A view's private copy of base node b (or an "absent" entry when b is NULL). */
static struct node *view_fetch(struct store *s, const char *path, uint32_t h, struct node *b)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->hash = h;
	n->path = strdup(path);
	if (!n->path)
		goto fail;
	if (b) {
		n->value = dup_mem(b->value, b->vlen);
		n->perms = dup_mem(b->perms, b->nperms * sizeof(*b->perms));
		n->kids = dup_mem(b->kids, b->kids_len);
		if (!n->value || !n->perms || !n->kids)
			goto fail;
		n->vlen = b->vlen;
		n->nperms = b->nperms;
		n->kids_len = n->kids_cap = b->kids_len;
		n->nkids = b->nkids;
		n->gen = n->orig_gen = b->gen;
		n->exists = n->orig_exists = true;
	}
	hash_insert(s, n);
	return n;
fail:
	node_free(n);
	return NULL;
}

struct node *store_lookup(struct store *s, const char *path)
{
	uint32_t h = path_hash(path);
	struct node *n = hash_find(s, path, h);

	if (!n && s->base)
		n = view_fetch(s, path, h, store_lookup(s->base, path));
	if (n && s->base && !n->exists)
		return NULL;
	return n;
}

/* buf may be path itself. */
int path_parent(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t plen;

	if (!slash || !strcmp(path, "/"))
		return -EINVAL;
	plen = slash == path ? 1 : (size_t)(slash - path);
	if (plen >= len)
		return -ENAMETOOLONG;
	memmove(buf, path, plen);
	buf[plen] = 0;
	return 0;
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

unsigned path_depth(const char *path)
{
	unsigned d = 0;

	if (!strcmp(path, "/"))
		return 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

static int kids_add(struct node *n, const char *name)
{
	size_t len = strlen(name) + 1;

	if (n->kids_len + len > n->kids_cap) {
		uint32_t cap = n->kids_cap ? n->kids_cap * 2 : 64;
		char *k;

		while (cap < n->kids_len + len)
			cap *= 2;
		k = realloc(n->kids, cap);
		if (!k)
			return -ENOMEM;
		n->kids = k;
		n->kids_cap = cap;
	}
	memcpy(n->kids + n->kids_len, name, len);
	n->kids_len += len;
	n->nkids++;
	return 0;
}

static void kids_del(struct node *n, const char *name)
{
	size_t len = strlen(name) + 1;
	char *p = n->kids, *end = n->kids + n->kids_len;

	for (; p < end; p += strlen(p) + 1) {
		if (!strcmp(p, name)) {
			memmove(p, p + len, end - (p + len));
			n->kids_len -= len;
			n->nkids--;
			return;
		}
	}
}

static void touch(struct store *s, struct node *n)
{
	n->gen = ++store_generation;
	if (s->base)
		n->dirty = true;
}

static struct node *parent_of(struct store *s, const char *path)
{
	char buf[4096];

	if (path_parent(path, buf, sizeof(buf)))
		return NULL;
	return store_lookup(s, buf);
}

static int node_fill(struct node *n, const struct xs_perm *perms, uint32_t nperms, const void *value,
		     uint32_t vlen)
{
	n->value = dup_mem(value, vlen);
	n->perms = dup_mem(perms, nperms * sizeof(*perms));
	if (!n->value || !n->perms)
		return -ENOMEM;
	n->vlen = vlen;
	n->nperms = nperms;
	return 0;
}

int store_create(struct store *s, const char *path, const struct xs_perm *perms, uint32_t nperms,
		 const void *value, uint32_t vlen, struct node **out)
{
	struct node *parent = NULL, *n;
	int rc;

	if (strcmp(path, "/")) {
		parent = parent_of(s, path);
		if (!parent)
			return -ENOENT;
	}
	n = s->base ? hash_find(s, path, path_hash(path)) : NULL;
	if (n && n->exists)
		return -EEXIST;
	if (!n) {
		if (!s->base && store_lookup(s, path))
			return -EEXIST;
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->hash = path_hash(path);
		n->path = strdup(path);
		if (!n->path) {
			free(n);
			return -ENOMEM;
		}
		hash_insert(s, n);
	}
	free(n->value); /* a view entry may come back after its removal */
	free(n->perms);
	n->value = NULL;
	n->perms = NULL;
	rc = node_fill(n, perms, nperms, value, vlen);
	if (!rc && parent)
		rc = kids_add(parent, path_basename(path));
	if (rc) {
		hash_remove(s, n);
		if (s->base) { /* keep the entry, as absent: it is on the list */
			n->exists = false;
			return rc;
		}
		node_free(n);
		return rc;
	}
	n->exists = true;
	touch(s, n);
	if (parent)
		touch(s, parent);
	if (s->hooks && s->hooks->set)
		s->hooks->set(s->hook_arg, n, -1);
	if (out)
		*out = n;
	return 0;
}

int store_set_value(struct store *s, struct node *n, const void *value, uint32_t vlen)
{
	char *v = dup_mem(value, vlen);

	if (!v)
		return -ENOMEM;
	free(n->value);
	n->value = v;
	n->vlen = vlen;
	touch(s, n);
	if (s->hooks && s->hooks->set)
		s->hooks->set(s->hook_arg, n, n->perms[0].id);
	return 0;
}

int store_set_perms(struct store *s, struct node *n, const struct xs_perm *perms, uint32_t nperms)
{
	struct xs_perm *p = dup_mem(perms, nperms * sizeof(*perms));
	uint32_t old_owner = n->perms[0].id;

	if (!p)
		return -ENOMEM;
	free(n->perms);
	n->perms = p;
	n->nperms = nperms;
	touch(s, n);
	if (s->hooks && s->hooks->set)
		s->hooks->set(s->hook_arg, n, old_owner);
	return 0;
}

static int child_path(char *buf, size_t len, const char *parent, const char *kid)
{
	int n = snprintf(buf, len, "%s/%s", strcmp(parent, "/") ? parent : "", kid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * Remove the subtree below and including n; children first. Paths may be
 * ~1500 levels deep: the recursion keeps its frames small by sharing one
 * path buffer (each child's path is only needed until it is looked up).
 */
static int remove_tree(struct store *s, struct node *n)
{
	static char path[4096];

	while (n->nkids) {
		const char *kid = n->kids;
		struct node *k;

		if (child_path(path, sizeof(path), n->path, kid))
			return -ENAMETOOLONG;
		k = store_lookup(s, path);
		if (k) {
			int rc = remove_tree(s, k);

			if (rc)
				return rc;
		}
		kids_del(n, kid);
	}
	if (s->hooks && s->hooks->del)
		s->hooks->del(s->hook_arg, n);
	if (s->base) {
		n->exists = false;
		touch(s, n);
		return 0;
	}
	hash_remove(s, n);
	node_free(n);
	return 0;
}

int store_remove(struct store *s, struct node *n)
{
	struct node *parent = strcmp(n->path, "/") ? parent_of(s, n->path) : NULL;
	char name[4096];
	int rc;

	if (!parent)
		return -EINVAL; /* the root stays */
	snprintf(name, sizeof(name), "%s", path_basename(n->path));
	rc = remove_tree(s, n);
	if (rc)
		return rc;
	kids_del(parent, name);
	touch(s, parent);
	return 0;
}

int store_walk(struct store *s, struct node *n, int (*fn)(void *arg, struct node *n), void *arg)
{
	static char path[4096]; /* shared by the recursion, as in remove_tree */
	int rc = fn(arg, n);

	/* offsets, not pointers: a node without children has kids == NULL */
	for (size_t off = 0; !rc && off < n->kids_len; off += strlen(n->kids + off) + 1) {
		struct node *k;

		if (child_path(path, sizeof(path), n->path, n->kids + off))
			return -ENAMETOOLONG;
		k = store_lookup(s, path);
		if (k)
			rc = store_walk(s, k, fn, arg);
	}
	return rc;
}
