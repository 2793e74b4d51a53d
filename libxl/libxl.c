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

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags)
{
	libxl_ctx *ctx;
	int rc;

	if (version != LIBXL_VERSION || flags)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	rc = xs_open(NULL, &ctx->xsh);
	if (rc == 0)
		rc = libxl__xs_set_timeout(ctx, LIBXL__XS_TIMEOUT_MS);
	if (rc < 0) {
		xs_close(ctx->xsh);
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
