/*
 * The store: a tree of nodes kept in a hash table keyed by canonical
 * absolute path. Each node holds its value, its permissions and its
 * children's names (one NUL-separated buffer, the DIRECTORY reply as is).
 *
 * The same structure serves as a transaction's view: a store with a base
 * copies nodes from the base the first time they are looked up (recording
 * the generation seen, or that the node was absent) and keeps every change
 * private until transaction.c commits it.
 */
#ifndef XENON_XS_STORE_H
#define XENON_XS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Permission entries on one node, at most (dom0 included; guests: quota). */
#define XS_NODE_PERMS_MAX 64

struct xs_perm {
	uint32_t id;
	uint8_t perm; /* XS_PERM_* */
};

struct node {
	struct node *hnext; /* hash chain */
	struct node *tnext; /* transaction views: list of all entries */
	uint32_t hash;
	char *path;
	char *value;
	uint32_t vlen;
	uint32_t nperms;
	struct xs_perm *perms; /* perms[0]: owner, and default for others */
	char *kids;	       /* children names, each NUL-terminated */
	uint32_t kids_len, kids_cap, nkids;
	uint64_t gen; /* changes whenever the node or its child list changes */
	/* transaction views only */
	uint64_t orig_gen;
	bool exists, orig_exists, dirty;
};

struct store;

/* Called for every change of the global store (journal, quota accounting). */
struct store_hooks {
	/* node created (old_owner < 0) or changed */
	void (*set)(void *arg, const struct node *n, int64_t old_owner);
	/* node about to be freed */
	void (*del)(void *arg, const struct node *n);
};

struct store *store_new(const struct store_hooks *hooks, void *arg);
/* A transaction view over base. */
struct store *store_new_view(struct store *base);
void store_free(struct store *s);
/* The nodes a store holds; for a view, the entries fetched or made (bounded by the transaction quota). */
unsigned store_count(const struct store *s);

/* The node at path, or NULL when it does not exist. */
struct node *store_lookup(struct store *s, const char *path);
/* Create path (its parent must exist) with a copy of perms and value. */
int store_create(struct store *s, const char *path, const struct xs_perm *perms, uint32_t nperms,
		 const void *value, uint32_t vlen, struct node **out);
int store_set_value(struct store *s, struct node *n, const void *value, uint32_t vlen);
int store_set_perms(struct store *s, struct node *n, const struct xs_perm *perms, uint32_t nperms);
/* Remove n and everything below it. */
int store_remove(struct store *s, struct node *n);

/* Walk the whole subtree at n, parents before children. */
int store_walk(struct store *s, struct node *n, int (*fn)(void *arg, struct node *n), void *arg);

/* Transaction views: the entries fetched or made, for commit. */
struct node *store_view_entries(struct store *s);

/* Path helpers: parent path into buf (returns -EINVAL for "/"); the last component. */
int path_parent(const char *path, char *buf, size_t len);
const char *path_basename(const char *path);
unsigned path_depth(const char *path);

#endif
