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
	struct watch *cnext;	   /* connection's list */
	struct conn *conn;
	char *path; /* absolute path or @special */
	char *token;
	size_t plen;
	bool relative;
};

static struct watch *all_watches;

static struct watch *watch_find(struct conn *c, const char *path, const char *token)
{
	for (struct watch *w = c->watches; w; w = w->cnext)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return w;
	return NULL;
}

static void send_event(struct conn *c, const char *path, const char *token)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	char buf[XS_PAYLOAD_MAX];

	if (pl + tl > sizeof(buf))
		return;
	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	if (conn_pending(c) + pl + tl + XS_HDR_SIZE > CONN_OUT_MAX) {
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

void watch_fire(const char *path, const struct xs_perm *perms, uint32_t nperms, bool recursive)
{
	size_t len = strlen(path);
	bool special = path[0] == '@';

	for (struct watch *w = all_watches; w; w = w->next) {
		const char *epath = NULL;

		if (w->conn->closing)
			continue;
		if (special || w->path[0] == '@') {
			if (!strcmp(w->path, path))
				epath = path;
		} else if (is_below(path, len, w->path, w->plen)) {
			epath = path;
		} else if (recursive && is_below(w->path, w->plen, path, len)) {
			epath = w->path;
		}
		if (!epath)
			continue;
		if (perms && !w->conn->who.priv &&
		    !(perm_access(&w->conn->who, perms, nperms) & XS_PERM_READ))
			continue;
		deliver(w, epath);
	}
}
