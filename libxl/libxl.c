/* libxl: the context, where things live, and the xl lock. */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* The contexts alive, newest first: its logger receives the messages. The
 * sink that was there before the first is put back after the last. */
static libxl_ctx *live_ctxs;
static log_sink_fn *outer_sink;
static void *outer_sink_arg;

static const xentoollog_level xtl_of[] = {
    [LOGL_DEBUG] = XTL_DEBUG,
    [LOGL_INFO] = XTL_INFO,
    [LOGL_WARN] = XTL_ERROR,
    [LOGL_FATAL] = XTL_CRITICAL,
};

static void to_logger(void *arg, enum log_level level, int errnoval, const char *fmt, va_list ap)
{
	xentoollog_logger *lg = live_ctxs ? live_ctxs->lg : NULL;

	(void)arg;
	if (lg && lg->vmessage)
		lg->vmessage(lg, xtl_of[level], errnoval, "libxl", fmt, ap);
}

static void ctx_live(libxl_ctx *ctx)
{
	if (!live_ctxs)
		log_set_sink(to_logger, NULL, &outer_sink, &outer_sink_arg);
	ctx->next_live = live_ctxs;
	live_ctxs = ctx;
}

static void ctx_dead(libxl_ctx *ctx)
{
	for (libxl_ctx **pp = &live_ctxs; *pp; pp = &(*pp)->next_live)
		if (*pp == ctx) {
			*pp = ctx->next_live;
			break;
		}
	if (!live_ctxs)
		log_set_sink(outer_sink, outer_sink_arg, NULL, NULL);
}

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg)
{
	libxl_ctx *ctx;
	int rc;

	if (version != LIBXL_VERSION || flags)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->lg = lg;
	ctx_live(ctx);
	rc = xs_open(NULL, &ctx->xsh);
	if (rc == 0)
		rc = libxl__xs_set_timeout(ctx, LIBXL__XS_TIMEOUT_MS);
	if (rc < 0) {
		xs_close(ctx->xsh);
		ctx_dead(ctx);
		free(ctx);
		return rc;
	}
	*pctx = ctx;
	return 0;
}

void libxl_ctx_free(libxl_ctx *ctx)
{
	if (!ctx)
		return;
	xs_close(ctx->xsh);
	ctx_dead(ctx);
	free(ctx);
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

const char *libxl_rundir(void)
{
	return env_or("XENON_RUNDIR", "/run/xenon");
}

const char *libxl_logdir(void)
{
	return env_or("XENON_LOGDIR", "/var/log/xenon");
}

int libxl__mkdir_p(const char *dir, unsigned mode)
{
	char buf[LIBXL_PATH_MAX];
	char *p;

	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int libxl_lock_acquire(const char *path, int *fd)
{
	char dir[LIBXL_PATH_MAX];
	char *slash;
	int lfd, rc;

	if (!path || !*path)
		path = LIBXL_DEFAULT_LOCKFILE;
	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		rc = libxl__mkdir_p(dir, 0755);
		if (rc < 0)
			return rc;
	}
	lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return -errno;
	while (flock(lfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			close(lfd);
			return rc;
		}
	}
	*fd = lfd;
	return 0;
}

void libxl_lock_release(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

int libxl_ensure_dir(const char *dir)
{
	return libxl__mkdir_p(dir, 0755);
}
