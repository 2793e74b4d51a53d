/* Small xenstore helpers over libxs: printf-style paths, missing = done. */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "strutil.h"
#include "xenstored/xs_wire.h"

/* Values up to this size go into one node; longer ones are split. */
#define XS_CHUNK 1536
/* Xenstore transactions that xenstored asks to redo (-EAGAIN): at most. */
#define TX_RETRIES 50

/*
 * A request xenstored did not answer within LIBXL__XS_TIMEOUT_MS fails with
 * EAGAIN (the socket's SO_RCVTIMEO); said as what it is. Only a
 * transaction's commit means "again" by -EAGAIN (libxl__xs_transact).
 */
static int xs_err(int rc)
{
	return rc == -EAGAIN ? -ETIMEDOUT : rc;
}

int libxl__xs_set_timeout(libxl_ctx *ctx, int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int fd = xsc_fileno(ctx->xsh);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

static int vpath(char *buf, const char *fmt, va_list ap)
{
	int n = str_vprintf(buf, LIBXL_PATH_MAX, fmt, ap);

	return n < 0 ? n : 0;
}

int libxl__path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 ? n : 0;
}

#define FORMAT_PATH(path, fmt)                                                                               \
	char path[LIBXL_PATH_MAX];                                                                           \
	do {                                                                                                 \
		va_list ap;                                                                                  \
		int prc;                                                                                     \
		va_start(ap, fmt);                                                                           \
		prc = vpath(path, fmt, ap);                                                                  \
		va_end(ap);                                                                                  \
		if (prc < 0)                                                                                 \
			return prc;                                                                          \
	} while (0)

int libxl__xs_read(libxl_ctx *ctx, uint32_t tx, char **value, const char *fmt, ...)
{
	size_t len;

	FORMAT_PATH(path, fmt);
	return xs_err(xsc_read(ctx->xsh, tx, path, value, &len));
}

int libxl__xs_write(libxl_ctx *ctx, uint32_t tx, const char *value, const char *fmt, ...)
{
	FORMAT_PATH(path, fmt);
	return xs_err(xsc_write_str(ctx->xsh, tx, path, value));
}

int libxl__xs_write_perms(libxl_ctx *ctx, uint32_t tx, const char *value, const char *const *perms,
			  unsigned nperms, const char *fmt, ...)
{
	int rc;

	FORMAT_PATH(path, fmt);
	rc = xsc_write_str(ctx->xsh, tx, path, value);
	if (rc < 0)
		return xs_err(rc);
	return xs_err(xsc_set_perms(ctx->xsh, tx, path, perms, nperms));
}

int libxl__xs_mkdir_perms(libxl_ctx *ctx, uint32_t tx, const char *const *perms, unsigned nperms,
			  const char *fmt, ...)
{
	int rc;

	FORMAT_PATH(path, fmt);
	rc = xsc_mkdir(ctx->xsh, tx, path);
	if (rc < 0)
		return xs_err(rc);
	return xs_err(xsc_set_perms(ctx->xsh, tx, path, perms, nperms));
}

int libxl__xs_rm(libxl_ctx *ctx, uint32_t tx, const char *fmt, ...)
{
	int rc;

	FORMAT_PATH(path, fmt);
	rc = xsc_rm(ctx->xsh, tx, path);
	return rc == -ENOENT ? 0 : xs_err(rc);
}

int libxl__xs_exists(libxl_ctx *ctx, uint32_t tx, const char *fmt, ...)
{
	char *v = NULL;
	size_t len;
	int rc;

	FORMAT_PATH(path, fmt);
	rc = xsc_read(ctx->xsh, tx, path, &v, &len);
	free(v);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? xs_err(rc) : 1;
}

/* Room in the batch for len bytes: where, or NULL (the batch's rc set). */
static char *batch_room(struct libxl__xs_batch *b, size_t len)
{
	char *p = b->buf + b->used;

	if (b->rc)
		return NULL;
	if (b->n == LIBXL__XS_BATCH_OPS || len > sizeof(b->buf) - b->used) {
		b->rc = -E2BIG;
		return NULL;
	}
	b->used += len;
	return p;
}

static struct xsc_op *batch_vadd(struct libxl__xs_batch *b, uint32_t type, const void *value, size_t len,
				 const char *fmt, va_list ap)
{
	char path[LIBXL_PATH_MAX], *pp, *vp;

	if (b->rc)
		return NULL;
	if (vpath(path, fmt, ap) < 0) {
		b->rc = -ENAMETOOLONG;
		return NULL;
	}
	pp = batch_room(b, strlen(path) + 1);
	vp = pp ? batch_room(b, len) : NULL;
	if (!vp)
		return NULL;
	memcpy(pp, path, strlen(path) + 1);
	memcpy(vp, value, len);
	b->ops[b->n] = (struct xsc_op){type, pp, vp, len, false, NULL, NULL};
	return &b->ops[b->n++];
}

void libxl__xs_batch_add(struct libxl__xs_batch *b, uint32_t type, const void *value, size_t len, const char *fmt,
			 ...)
{
	va_list ap;

	va_start(ap, fmt);
	batch_vadd(b, type, value, len, fmt, ap);
	va_end(ap);
}

void libxl__xs_batch_write(struct libxl__xs_batch *b, const char *value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	batch_vadd(b, XS_WRITE, value, strlen(value), fmt, ap);
	va_end(ap);
}

void libxl__xs_batch_rm(struct libxl__xs_batch *b, const char *fmt, ...)
{
	struct xsc_op *op;
	va_list ap;

	va_start(ap, fmt);
	op = batch_vadd(b, XS_RM, "", 0, fmt, ap);
	va_end(ap);
	if (op)
		op->enoent_ok = true;
}

/* A read-like op (READ, DIRECTORY): its reply into *value (and its length into *len, if given). */
static void batch_vget(struct libxl__xs_batch *b, uint32_t type, char **value, size_t *len, const char *fmt,
		       va_list ap)
{
	struct xsc_op *op;

	*value = NULL;
	if (len)
		*len = 0;
	op = batch_vadd(b, type, "", 0, fmt, ap);
	if (op) {
		op->enoent_ok = true;
		op->reply = value;
		op->reply_len = len;
	}
}

void libxl__xs_batch_read(struct libxl__xs_batch *b, char **value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	batch_vget(b, XS_READ, value, NULL, fmt, ap);
	va_end(ap);
}

void libxl__xs_batch_directory(struct libxl__xs_batch *b, char **names, size_t *len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	batch_vget(b, XS_DIRECTORY, names, len, fmt, ap);
	va_end(ap);
}

int libxl__xs_batch_run(libxl_ctx *ctx, uint32_t tx, struct libxl__xs_batch *b)
{
	return b->rc ? b->rc : xs_err(xsc_batch(ctx->xsh, tx, b->ops, b->n));
}

int libxl__xs_wait(libxl_ctx *ctx, const char *path, const char *token, int timeout_ms,
		   int (*done)(libxl_ctx *ctx, void *arg), void *arg)
{
	long deadline = libxl__now_ms() + timeout_ms;
	int rc = xsc_watch(ctx->xsh, path, token);

	if (rc < 0)
		return rc;
	while ((rc = done(ctx, arg)) == 0) {
		char *p = NULL, *t = NULL;
		long left = timeout_ms < 0 ? -1 : deadline - libxl__now_ms();

		if (timeout_ms >= 0 && left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		rc = xsc_read_watch(ctx->xsh, (int)left, &p, &t);
		free(p);
		free(t);
		if (rc < 0 && rc != -ETIMEDOUT)
			break;
	}
	xsc_unwatch(ctx->xsh, path, token);
	return rc < 0 ? rc : 0;
}

int libxl__xs_read_u64(libxl_ctx *ctx, uint32_t tx, uint64_t *v, const char *fmt, ...)
{
	char *s = NULL;
	size_t len;
	int rc;

	FORMAT_PATH(path, fmt);
	rc = xsc_read(ctx->xsh, tx, path, &s, &len);
	if (rc < 0)
		return xs_err(rc);
	rc = parse_u64(s, UINT64_MAX, v);
	free(s);
	return rc;
}

int libxl__read_pid(libxl_ctx *ctx, uint32_t domid, const char *node)
{
	uint64_t v;

	if (libxl__xs_read_u64(ctx, XS_NO_TX, &v, "/libxl/%u/%s", domid, node) < 0 || v > INT32_MAX)
		return 0;
	return (int)v;
}

int libxl__xs_domids(libxl_ctx *ctx, uint32_t tx, uint32_t **ids, unsigned *nr)
{
	struct libxl__xs_batch b = {.n = 0};
	char *names;
	size_t len;
	int rc;

	libxl__xs_batch_directory(&b, &names, &len, "/local/domain");
	rc = libxl__xs_batch_run(ctx, tx, &b);
	if (rc == 0)
		rc = libxl__domids_parse(names, len, ids, nr);
	free(names);
	return rc;
}

/*
 * The names read in batches (one round trip for up to LIBXL__XS_BATCH_OPS
 * domains, not one each: a rename in a migration's downtime, any xl command
 * given a name, on a host with many domains). A name that cannot be read is
 * passed over, as before.
 */
int libxl__domid_named(libxl_ctx *ctx, uint32_t tx, const uint32_t *ids, unsigned nr, const char *name,
		       uint32_t *domid)
{
	int found = -ENOENT;

	for (unsigned from = 0; from < nr && found; from += LIBXL__XS_BATCH_OPS) {
		char *names[LIBXL__XS_BATCH_OPS];
		struct libxl__xs_batch b = {.n = 0};
		unsigned k = nr - from < LIBXL__XS_BATCH_OPS ? nr - from : LIBXL__XS_BATCH_OPS;

		for (unsigned i = 0; i < k; i++)
			libxl__xs_batch_read(&b, &names[i], "/local/domain/%u/name", ids[from + i]);
		libxl__xs_batch_run(ctx, tx, &b); /* (each missing or failed read: NULL) */
		for (unsigned i = 0; i < k; i++) {
			if (found && names[i] && !strcmp(names[i], name)) {
				*domid = ids[from + i];
				found = 0;
			}
			free(names[i]);
		}
	}
	return found;
}

/*
 * A long value (a domain's JSON configuration) is kept as base = the first
 * XS_CHUNK bytes and base-1, base-2, ... = the rest, so that short values,
 * the common case, read as one plain node.
 */
int libxl__xs_write_long(libxl_ctx *ctx, uint32_t tx, const char *base, const char *value)
{
	size_t len = strlen(value), off = 0;
	char path[LIBXL_PATH_MAX];
	unsigned part = 0;
	int rc;

	do {
		size_t n = len - off > XS_CHUNK ? XS_CHUNK : len - off;

		if (part == 0)
			rc = libxl__path(path, sizeof(path), "%s", base);
		else
			rc = libxl__path(path, sizeof(path), "%s-%u", base, part);
		if (rc < 0)
			return rc;
		rc = xsc_write(ctx->xsh, tx, path, value + off, n);
		if (rc < 0)
			return rc;
		off += n;
		part++;
	} while (off < len);
	/*
	 * A shorter value than before: drop the old value's extra parts (rm
	 * of a missing node succeeds in Xen's protocol: look first).
	 */
	for (;; part++) {
		rc = libxl__xs_exists(ctx, tx, "%s-%u", base, part);
		if (rc <= 0)
			return rc;
		rc = libxl__xs_rm(ctx, tx, "%s-%u", base, part);
		if (rc < 0)
			return rc;
	}
}

int libxl__xs_read_long(libxl_ctx *ctx, uint32_t tx, const char *base, char **value)
{
	char *all = NULL, *chunk;
	size_t len = 0, n;
	unsigned part;
	int rc;

	for (part = 0;; part++) {
		char *grown;

		if (part == 0)
			rc = libxl__xs_read(ctx, tx, &chunk, "%s", base);
		else
			rc = libxl__xs_read(ctx, tx, &chunk, "%s-%u", base, part);
		if (rc == -ENOENT && part > 0)
			break;
		if (rc < 0) {
			free(all);
			return rc;
		}
		n = strlen(chunk);
		grown = realloc(all, len + n + 1);
		if (!grown) {
			free(chunk);
			free(all);
			return -ENOMEM;
		}
		all = grown;
		memcpy(all + len, chunk, n + 1);
		len += n;
		free(chunk);
		if (n < XS_CHUNK)
			break;
	}
	*value = all;
	return 0;
}

/* Copy node from (value and permissions) to to, then its children. */
int libxl__xs_copy_tree(libxl_ctx *ctx, uint32_t tx, const char *from, const char *to)
{
	char **names = NULL, **perms = NULL, *value = NULL;
	char cfrom[LIBXL_PATH_MAX], cto[LIBXL_PATH_MAX];
	unsigned n = 0, nperms = 0, i;
	size_t len;
	int rc;

	rc = xsc_read(ctx->xsh, tx, from, &value, &len);
	if (rc < 0)
		return rc;
	rc = xsc_write(ctx->xsh, tx, to, value, len);
	free(value);
	if (rc == 0)
		rc = xsc_get_perms(ctx->xsh, tx, from, &perms, &nperms);
	if (rc == 0) {
		rc = xsc_set_perms(ctx->xsh, tx, to, (const char *const *)perms, nperms);
		free(perms);
	}
	if (rc == 0)
		rc = xsc_directory(ctx->xsh, tx, from, &names, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = libxl__path(cfrom, sizeof(cfrom), "%s/%s", from, names[i]);
		if (rc == 0)
			rc = libxl__path(cto, sizeof(cto), "%s/%s", to, names[i]);
		if (rc == 0)
			rc = libxl__xs_copy_tree(ctx, tx, cfrom, cto);
	}
	free(names);
	return rc;
}

/*
 * Commit: xenstored's -EAGAIN asks for the transaction again, but a commit
 * that got no answer in time fails with EAGAIN too (SO_RCVTIMEO): told
 * apart by how long it took.
 */
static int commit(libxl_ctx *ctx, uint32_t tx)
{
	long start = libxl__now_ms();
	int rc = xsc_transaction_end(ctx->xsh, tx, false);

	if (rc == -EAGAIN && libxl__now_ms() - start >= LIBXL__XS_TIMEOUT_MS - 100)
		return -ETIMEDOUT;
	return rc;
}

struct split_both {
	int (*first)(libxl_ctx *ctx, uint32_t tx, void *arg);
	int (*second)(libxl_ctx *ctx, uint32_t tx, void *arg);
	void *arg;
};

static int split_both(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct split_both *b = arg;
	int rc = b->first(ctx, tx, b->arg);

	return rc ? rc : b->second(ctx, tx, b->arg);
}

int libxl__xs_transact_steps(libxl_ctx *ctx, int (*first)(libxl_ctx *ctx, uint32_t tx, void *arg),
			     int (*second)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg)
{
	struct split_both both = {first, second, arg};

	return libxl__xs_transact(ctx, split_both, &both);
}

int libxl__xs_split_begin(libxl_ctx *ctx, struct libxl__xs_split *s,
			  int (*first)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg)
{
	int rc = xsc_transaction_start(ctx->xsh, &s->tx);

	if (rc < 0)
		return xs_err(rc);
	rc = xs_err(first(ctx, s->tx, arg));
	if (rc < 0)
		xsc_transaction_end(ctx->xsh, s->tx, true);
	return rc;
}

int libxl__xs_split_end(libxl_ctx *ctx, struct libxl__xs_split *s, bool keep,
			int (*first)(libxl_ctx *ctx, uint32_t tx, void *arg),
			int (*second)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg)
{
	int rc;

	if (!keep)
		return xsc_transaction_end(ctx->xsh, s->tx, true) < 0 ? -EIO : 0;
	rc = xs_err(second(ctx, s->tx, arg));
	if (rc < 0) {
		xsc_transaction_end(ctx->xsh, s->tx, true);
		return rc;
	}
	rc = commit(ctx, s->tx);
	/* xenstore changed meanwhile: both steps again, in one go */
	return rc == -EAGAIN ? libxl__xs_transact_steps(ctx, first, second, arg) : rc;
}

int libxl__xs_transact(libxl_ctx *ctx, int (*fn)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg)
{
	int attempt, rc = -EAGAIN;
	uint32_t tx;

	for (attempt = 0; attempt < TX_RETRIES && rc == -EAGAIN; attempt++) {
		rc = xsc_transaction_start(ctx->xsh, &tx);
		if (rc < 0)
			return xs_err(rc);
		/* fn's own -EAGAIN is a request that timed out, not a conflict. */
		rc = xs_err(fn(ctx, tx, arg));
		if (rc < 0)
			xsc_transaction_end(ctx->xsh, tx, true);
		else
			rc = commit(ctx, tx);
	}
	return rc;
}
