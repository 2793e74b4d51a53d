/*
 * What libxl_domain_stats_sample keeps between samples, in the context, so
 * that a sample of many domains costs one xenstore round trip and no
 * connect: each domain's name and memory target, read again only when a
 * watch on them fires (on a connection of the cache's own, so that the
 * events never reach the context's other waits), and its xenon-hv control
 * socket, left connected after a sample it answered in full.
 *
 * Without the cache (its connection or a watch refused) every sample reads
 * everything again, as before: slower, never wrong.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct libxl__stats_cache {
	struct xs_handle *xsh; /* NULL: no watches, read every time */
	struct libxl__stats_dom *doms;
	unsigned n, cap;
};

static const char *const watched[] = {"name", "memory/target"};

static int dom_watch(struct libxl__stats_cache *c, uint32_t domid, bool on)
{
	char path[LIBXL_PATH_MAX], token[16];
	int rc = 0;

	snprintf(token, sizeof(token), "%u", domid);
	for (unsigned i = 0; i < sizeof(watched) / sizeof(watched[0]) && rc == 0; i++) {
		rc = libxl__path(path, sizeof(path), "/local/domain/%u/%s", domid, watched[i]);
		if (rc == 0)
			rc = on ? xsc_watch(c->xsh, path, token) : xsc_unwatch(c->xsh, path, token);
	}
	return rc;
}

static struct libxl__stats_cache *cache_get(libxl_ctx *ctx)
{
	struct libxl__stats_cache *c = ctx->stats;

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (xsc_open(ctx->set.xenstored_path, &c->xsh) < 0)
		c->xsh = NULL;
	ctx->stats = c;
	ctx->stats_free = libxl__stats_cache_free;
	return c;
}

/* Every domain whose name or target a watch says changed is read again. */
static void cache_drain(struct libxl__stats_cache *c)
{
	char *path, *token;
	uint32_t domid;

	while (c->xsh && xsc_read_watch(c->xsh, 0, &path, &token) == 0) {
		if (libxl__parse_domid(token, &domid) == 0)
			for (unsigned i = 0; i < c->n; i++)
				if (c->doms[i].domid == domid)
					c->doms[i].stale = true;
		free(path);
		free(token);
	}
}

static void dom_drop(struct libxl__stats_cache *c, struct libxl__stats_dom *d)
{
	if (c->xsh && d->watched)
		dom_watch(c, d->domid, false);
	if (d->fd >= 0)
		close(d->fd);
	free(d->name);
}

/* The entry of domid, made (and watched) when new; NULL without memory. */
static struct libxl__stats_dom *cache_dom(struct libxl__stats_cache *c, uint32_t domid)
{
	struct libxl__stats_dom *d;

	for (unsigned i = 0; i < c->n; i++)
		if (c->doms[i].domid == domid)
			return &c->doms[i];
	if (c->n == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 64;
		void *p = realloc(c->doms, cap * sizeof(*c->doms));

		if (!p)
			return NULL;
		c->doms = p;
		c->cap = cap;
	}
	d = &c->doms[c->n++];
	*d = (struct libxl__stats_dom){.domid = domid, .fd = -1, .stale = true};
	/* The watch fires once when set: read again next time, harmless. */
	d->watched = c->xsh && dom_watch(c, domid, true) == 0;
	return d;
}

int libxl__stats_cache_read(libxl_ctx *ctx, uint32_t domid, char **name, uint64_t *target)
{
	struct libxl__stats_cache *c = cache_get(ctx);
	struct libxl__stats_dom *d = c ? cache_dom(c, domid) : NULL;

	if (!d || d->stale || !d->watched) {
		char *n;
		uint64_t v = 0;

		if (d)
			d->stale = false; /* before reading: a change after it fires again */
		n = libxl_domid_to_name(ctx, domid);
		if (!n) {
			if (d)
				d->stale = true;
			return -ENOENT;
		}
		libxl__xs_read_u64(ctx, XS_NO_TX, &v, "/local/domain/%u/memory/target", domid);
		if (!d) {
			*name = n;
			*target = v;
			return 0;
		}
		free(d->name);
		d->name = n;
		d->target = v;
	}
	d->seen = true;
	*name = strdup(d->name);
	*target = d->target;
	return *name ? 0 : -ENOMEM;
}

struct libxl__stats_dom *libxl__stats_cache_find(libxl_ctx *ctx, uint32_t domid)
{
	struct libxl__stats_cache *c = ctx->stats;

	for (unsigned i = 0; c && i < c->n; i++)
		if (c->doms[i].domid == domid)
			return &c->doms[i];
	return NULL;
}

/* Begin a sample: take in the watch events. */
void libxl__stats_cache_begin(libxl_ctx *ctx)
{
	struct libxl__stats_cache *c = cache_get(ctx);

	if (!c)
		return;
	cache_drain(c);
	for (unsigned i = 0; i < c->n; i++)
		c->doms[i].seen = false;
}

/* End a sample: forget the domains it did not list. */
void libxl__stats_cache_end(libxl_ctx *ctx)
{
	struct libxl__stats_cache *c = ctx->stats;
	unsigned j = 0;

	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		if (c->doms[i].seen)
			c->doms[j++] = c->doms[i];
		else
			dom_drop(c, &c->doms[i]);
	}
	c->n = j;
}

void libxl__stats_cache_free(libxl_ctx *ctx)
{
	struct libxl__stats_cache *c = ctx->stats;

	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		dom_drop(c, &c->doms[i]);
	if (c->xsh)
		xsc_close(c->xsh);
	free(c->doms);
	free(c);
	ctx->stats = NULL;
}
