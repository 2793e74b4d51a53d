/* Transactions over store views, with per-node generation checks (transaction.h). */
#include "transaction.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "quota.h"
#include "watch.h"

struct tx_event {
	struct tx_event *next;	/* commit order */
	struct tx_event *hnext; /* tx->event_index chain */
	uint32_t hash;
	bool recursive;
	uint32_t nperms;
	struct xs_perm *perms;
	char path[];
};

/* Transaction ids are never 0 and not reused soon. */
static uint32_t next_tx_id = 1;

void tx_reset_ids(void)
{
	next_tx_id = 1;
}

int tx_start(struct conn *c, uint32_t *id)
{
	struct tx *tx;

	if (!c->who.priv && c->ntxs >= quota_limit[QUOTA_TRANSACTIONS])
		return -ENOSPC;
	if (c->ntxs >= CONN_TXS_MAX)
		return -ENOSPC;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->view = store_new_view(xs_store);
	if (!tx->view) {
		free(tx);
		return -ENOMEM;
	}
	do
		tx->id = next_tx_id++;
	while (!tx->id || tx_find(c, tx->id));
	tx->events_tail = &tx->events;
	tx->guest = !c->who.priv;
	tx->next = c->txs;
	c->txs = tx;
	c->ntxs++;
	*id = tx->id;
	return 0;
}

struct tx *tx_find(struct conn *c, uint32_t id)
{
	for (struct tx *tx = c->txs; tx; tx = tx->next)
		if (tx->id == id)
			return tx;
	return NULL;
}

static uint32_t event_hash(const char *path)
{
	uint32_t h = 2166136261u;

	while (*path)
		h = (h ^ (uint8_t)*path++) * 16777619u;
	return h;
}

static struct tx_event **event_bucket(struct tx *tx, uint32_t hash)
{
	return &tx->event_index[hash % TX_EVENT_BUCKETS];
}

static struct tx_event *event_find(struct tx *tx, const char *path, uint32_t hash)
{
	for (struct tx_event *e = *event_bucket(tx, hash); e; e = e->hnext)
		if (e->hash == hash && !strcmp(e->path, path))
			return e;
	return NULL;
}

static int event_add(struct tx *tx, const char *path, uint32_t hash, struct tx_event **out)
{
	size_t len = strlen(path) + 1;
	struct tx_event *e;

	if (tx->guest && tx->event_bytes + len > TX_EVENT_BYTES_MAX) {
		tx->events_full = true; /* the transaction is over its limit: its commit fails */
		return -ENOSPC;
	}
	e = calloc(1, sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	memcpy(e->path, path, len);
	e->hash = hash;
	e->hnext = *event_bucket(tx, hash);
	*event_bucket(tx, hash) = e;
	*tx->events_tail = e;
	tx->events_tail = &e->next;
	tx->event_bytes += len;
	*out = e;
	return 0;
}

int tx_queue_event(struct tx *tx, const char *path, const struct xs_perm *perms, uint32_t nperms,
		   bool recursive)
{
	uint32_t hash = event_hash(path);
	struct xs_perm *p = NULL;
	struct tx_event *e;
	int rc;

	/* copied first: an event is never left without its permissions */
	if (perms && !(p = malloc(nperms * sizeof(*perms))))
		return -ENOMEM;
	if (p)
		memcpy(p, perms, nperms * sizeof(*perms));
	e = event_find(tx, path, hash);
	rc = e ? 0 : event_add(tx, path, hash, &e);
	if (rc) {
		free(p);
		return rc;
	}
	free(e->perms);
	e->perms = p;
	e->nperms = p ? nperms : 0;
	e->recursive |= recursive;
	return 0;
}

/* Did anything the transaction saw change in the store meanwhile? */
static bool tx_conflicts(struct tx *tx)
{
	for (struct node *e = store_view_entries(tx->view); e; e = e->tnext) {
		struct node *g = store_lookup(xs_store, e->path);

		if (e->orig_exists != (g != NULL))
			return true;
		if (g && g->gen != e->orig_gen)
			return true;
	}
	return false;
}

struct ordered {
	struct node *n;
	unsigned depth, seq;
};

/* Parents before children; among equals, the order the transaction made them. */
static int by_depth(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int apply_one(struct node *e)
{
	struct node *g = store_lookup(xs_store, e->path);

	if (!e->exists)
		return 0;
	if (!g)
		return store_create(xs_store, e->path, e->perms, e->nperms, e->value, e->vlen, NULL);
	if (g->vlen != e->vlen || memcmp(g->value, e->value, e->vlen)) {
		int rc = store_set_value(xs_store, g, e->value, e->vlen);

		if (rc)
			return rc;
	}
	if (g->nperms != e->nperms || memcmp(g->perms, e->perms, e->nperms * sizeof(*e->perms)))
		return store_set_perms(xs_store, g, e->perms, e->nperms);
	return 0;
}

/* Creations and changes parents first, then removals children last. */
static int tx_apply(struct tx *tx)
{
	unsigned n = 0, i;
	struct ordered *v;
	int rc = 0;

	for (struct node *e = store_view_entries(tx->view); e; e = e->tnext)
		n += e->dirty;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	i = n;
	for (struct node *e = store_view_entries(tx->view); e; e = e->tnext) {
		if (!e->dirty)
			continue;
		i--; /* the list is newest first */
		v[i] = (struct ordered){e, path_depth(e->path), i};
	}
	qsort(v, n, sizeof(*v), by_depth);
	for (i = 0; i < n && !rc; i++)
		rc = apply_one(v[i].n);
	for (i = n; i-- > 0 && !rc;) {
		struct node *g;

		if (v[i].n->exists)
			continue;
		g = store_lookup(xs_store, v[i].n->path);
		if (g)
			rc = store_remove(xs_store, g);
	}
	free(v);
	return rc;
}

static void tx_free(struct conn *c, struct tx *tx, bool fire)
{
	struct tx_event *e, *next;

	for (struct tx **pp = &c->txs; *pp; pp = &(*pp)->next) {
		if (*pp == tx) {
			*pp = tx->next;
			c->ntxs--;
			break;
		}
	}
	for (e = tx->events; e; e = next) {
		next = e->next;
		if (fire)
			watch_fire(e->path, e->perms, e->nperms, e->recursive);
		free(e->perms);
		free(e);
	}
	store_free(tx->view);
	free(tx);
}

long tx_net_nodes(const struct conn *c, struct tx *tx)
{
	long net = 0;

	for (struct node *e = store_view_entries(tx->view); e; e = e->tnext) {
		if (!e->dirty || e->exists == e->orig_exists)
			continue;
		if (e->perms[0].id != c->who.domid)
			continue;
		net += e->exists ? 1 : -1;
	}
	return net;
}

/* A guest's transaction may not take it over its node quota at commit. */
static bool tx_over_quota(struct conn *c, struct tx *tx)
{
	struct domain *d = domain_find(c->who.domid);
	long net;

	if (c->who.priv)
		return false;
	net = tx_net_nodes(c, tx);
	return net > 0 && (d ? d->nodes : 0) + net > quota_limit[QUOTA_NODES];
}

/* A transaction may not copy the whole store for a guest. */
bool tx_over_limit(const struct conn *c, struct tx *tx)
{
	return !c->who.priv && (tx->events_full || store_count(tx->view) > quota_limit[QUOTA_TX_NODES]);
}

int tx_end(struct conn *c, struct tx *tx, bool commit)
{
	int rc = 0;

	if (commit && tx_over_limit(c, tx))
		rc = -ENOSPC;
	else if (commit && tx_conflicts(tx))
		rc = -EAGAIN;
	else if (commit && tx_over_quota(c, tx))
		rc = -ENOSPC;
	else if (commit)
		rc = tx_apply(tx);
	tx_free(c, tx, commit && !rc);
	return rc;
}

void tx_end_all(struct conn *c)
{
	while (c->txs)
		tx_free(c, c->txs, false);
}
