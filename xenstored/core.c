/* The global store and its accounting hooks (journal, nodes per owner). */
#include <errno.h>

#include "domain.h"
#include "journal.h"
#include "xenstored.h"

struct store *xs_store;

static void hook_set(void *arg, const struct node *n, int64_t old_owner)
{
	(void)arg;
	if (old_owner != n->perms[0].id) {
		struct domain *d = domain_get(n->perms[0].id);

		if (d)
			d->nodes++;
		d = old_owner >= 0 ? domain_find(old_owner) : NULL;
		if (d && d->nodes)
			d->nodes--;
	}
	journal_set(n);
}

static void hook_del(void *arg, const struct node *n)
{
	struct domain *d = domain_find(n->perms[0].id);

	(void)arg;
	if (d && d->nodes)
		d->nodes--;
	journal_del(n->path);
}

static const struct store_hooks hooks = {hook_set, hook_del};

/* A fresh store: the root and Xen's /tool/xenstored, plus /local/domain. */
int xenstored_init_store(void)
{
	static const char *const paths[] = {"/", "/tool", "/tool/xenstored", "/local", "/local/domain"};
	struct xs_perm root = {0, XS_PERM_NONE};
	int rc = 0;

	if (store_lookup(xs_store, "/"))
		return 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && !rc; i++)
		rc = store_create(xs_store, paths[i], &root, 1, "", 0, NULL);
	return rc;
}

int xenstored_new_store(void)
{
	xs_store = store_new(&hooks, NULL);
	return xs_store ? 0 : -ENOMEM;
}
