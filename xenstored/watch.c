/* Watch registration and event delivery (watch.h). */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "quota.h"

struct watch {
	struct watch *next, *prev; /* global list */
	struct watch *hnext;	   /* hash chain, by path */
	struct watch *cnext;	   /* connection's list */
	struct conn *conn;
	char *path; /* absolute path or @special */
	char *token;
	size_t plen;
	bool relative;
	uint64_t round; /* conn_round() when registered */
};

static struct watch *all_watches;

/*
 * Watches indexed by path: a change at /a/b/c looks up "/", "/a", "/a/b"
 * and "/a/b/c" instead of scanning every watch, so many guests' watches
 * cost little per write. Only recursive removals scan the whole list.
 */
#define WATCH_BUCKETS 4096
static struct watch *buckets[WATCH_BUCKETS];

#define HASH_INIT 2166136261u

/* FNV-1a, one byte at a time: watch_fire hashes every prefix of a path in one pass. */
static uint32_t hash_step(uint32_t h, char c)
{
	return (h ^ (uint8_t)c) * 16777619u;
}

static struct watch **bucket_at(uint32_t h)
{
	return &buckets[h & (WATCH_BUCKETS - 1)];
}

static struct watch **bucket_of(const char *path, size_t len)
{
	uint32_t h = HASH_INIT;

	for (size_t i = 0; i < len; i++)
		h = hash_step(h, path[i]);
	return bucket_at(h);
}

static struct watch *watch_find(struct conn *c, const char *path, const char *token)
{
	for (struct watch *w = c->watches; w; w = w->cnext)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return w;
	return NULL;
}

/*
 * A connection that lets its events pile up unread is closed. Guests cause
 * most events dom0 watches (libxl watches every guest's device/ tree), so
 * at the guests' limit a guest could cut the toolstack off: dom0's
 * connections get a bound sixteen times higher. A guest connection adds
 * per loop round at most about 2.6 MiB to one watch (20 requests at most
 * before its replies are read, 10 of them commits of at most
 * TX_EVENT_BYTES_MAX each); the bound is only there so that a dom0 client
 * that stopped reading cannot take all the daemon's memory.
 */
static size_t event_limit(const struct conn *c)
{
	return c->who.priv ? CONN_OUT_MAX_PRIV : CONN_OUT_MAX;
}

static void send_event(struct conn *c, const char *path, const char *token)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	char buf[XS_PAYLOAD_MAX];

	if (pl + tl > sizeof(buf))
		return;
	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	if (conn_pending(c) + pl + tl + XS_HDR_SIZE > event_limit(c)) {
		conn_close_later(c, "watch events not read (output queue full)");
		return;
	}
	conn_queue(c, XS_WATCH_EVENT, 0, 0, buf, pl + tl);
}

/* The event path as the watcher sees it (relative watches get relative paths). */
static void deliver(struct watch *w, const char *abs)
{
	char home[64];

	if (w->relative) {
		path_domain_home(w->conn->who.domid, home, sizeof(home));
		abs = path_relative_to(abs, home);
	}
	send_event(w->conn, abs, w->token);
}

int watch_add(struct req *r, const char *path, const char *token)
{
	struct conn *c = r->conn;
	struct domain *d = NULL;
	struct watch *w;

	if (watch_find(c, path, token))
		return -EEXIST;
	if (c->nwatches >= CONN_WATCHES_MAX)
		return -E2BIG;
	if (!c->who.priv) {
		d = domain_get(c->who.domid);
		if (!d)
			return -ENOMEM;
		if (d->watches >= quota_limit[QUOTA_WATCHES])
			return -E2BIG;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->round = conn_round();
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return -ENOMEM;
	}
	w->plen = strlen(path);
	w->relative = r->data[0] != '/' && r->data[0] != '@';
	w->conn = c;
	w->cnext = c->watches;
	c->watches = w;
	c->nwatches++;
	w->next = all_watches;
	if (all_watches)
		all_watches->prev = w;
	all_watches = w;
	struct watch **b = bucket_of(w->path, w->plen);
	w->hnext = *b;
	*b = w;
	if (d)
		d->watches++;
	return 0;
}

void watch_fire_initial(struct conn *c, const char *path, const char *token)
{
	struct watch *w = watch_find(c, path, token);

	if (w)
		deliver(w, w->path);
}

static void watch_free(struct watch *w)
{
	struct domain *d = w->conn->who.priv ? NULL : domain_find(w->conn->who.domid);

	if (d && d->watches)
		d->watches--;
	if (w->prev)
		w->prev->next = w->next;
	else
		all_watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	for (struct watch **pp = bucket_of(w->path, w->plen); *pp; pp = &(*pp)->hnext) {
		if (*pp == w) {
			*pp = w->hnext;
			break;
		}
	}
	w->conn->nwatches--;
	free(w->path);
	free(w->token);
	free(w);
}

int watch_remove(struct conn *c, const char *path, const char *token)
{
	for (struct watch **pp = &c->watches; *pp; pp = &(*pp)->cnext) {
		struct watch *w = *pp;

		if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
			*pp = w->cnext;
			watch_free(w);
			return 0;
		}
	}
	return -ENOENT;
}

void watch_remove_round(struct conn *c, uint64_t round)
{
	for (struct watch **pp = &c->watches; *pp;) {
		struct watch *w = *pp;

		if (w->round == round) {
			*pp = w->cnext;
			watch_free(w);
		} else {
			pp = &w->cnext;
		}
	}
}

void watch_remove_all(struct conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;

		c->watches = w->cnext;
		watch_free(w);
	}
}

/* Does an event at path (length len) concern watch path w? */
static bool is_below(const char *path, size_t len, const char *top, size_t tlen)
{
	if (tlen == 1 && top[0] == '/')
		return path[0] == '/';
	return len >= tlen && !memcmp(path, top, tlen) && (path[tlen] == '/' || !path[tlen]);
}

static void fire_one(struct watch *w, const char *epath, const struct xs_perm *perms, uint32_t nperms)
{
	if (w->conn->closing)
		return;
	if (perms && !w->conn->who.priv && !(perm_access(&w->conn->who, perms, nperms) & XS_PERM_READ))
		return;
	deliver(w, epath);
}

/* Every watch on exactly path[0..len). */
static void fire_exact(struct watch **bucket, const char *path, size_t len, const char *epath,
		       const struct xs_perm *perms, uint32_t nperms)
{
	for (struct watch *w = *bucket; w; w = w->hnext)
		if (w->plen == len && !memcmp(w->path, path, len))
			fire_one(w, epath, perms, nperms);
}

void watch_fire(const char *path, const struct xs_perm *perms, uint32_t nperms, bool recursive)
{
	size_t len = strlen(path);

	uint32_t h = HASH_INIT;

	if (path[0] == '@') {
		fire_exact(bucket_of(path, len), path, len, path, perms, nperms);
		return;
	}
	/* watches at or above the path: each prefix ending before a '/', hashed as we go */
	if (len > 1)
		fire_exact(bucket_of("/", 1), "/", 1, path, perms, nperms);
	for (size_t i = 0; i < len; i++) {
		if (i && path[i] == '/')
			fire_exact(bucket_at(h), path, i, path, perms, nperms);
		h = hash_step(h, path[i]);
	}
	fire_exact(bucket_at(h), path, len, path, perms, nperms);
	/* a removal also ends everything below: those fire with their own path */
	if (!recursive)
		return;
	for (struct watch *w = all_watches; w; w = w->next)
		if (w->plen > len && w->path[0] != '@' && is_below(w->path, w->plen, path, len))
			fire_one(w, w->path, perms, nperms);
}
