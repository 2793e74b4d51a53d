/* libxl: the context, where things live, and the xl lock. */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libxl/libxl_device.h"
#include "log.h"
#include "strutil.h"

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

/*
 * The settings: the caller's, else the environment's (read here and
 * nowhere else in libxl), else the built-in defaults (libxl.h).
 */
static const struct {
	size_t off;
	const char *env, *dflt;
	bool absolute;
} str_settings[] = {
    {offsetof(libxl_ctx_settings, xenstored_path), NULL, NULL, false}, /* libxenstore's default */
    {offsetof(libxl_ctx_settings, run_dir), "XENON_RUNDIR", "/run/xenon", true},
    {offsetof(libxl_ctx_settings, log_dir), "XENON_LOGDIR", "/var/log/xen", true},
    {offsetof(libxl_ctx_settings, hv_path), "XENON_HV", "xenon-hv", false},
    {offsetof(libxl_ctx_settings, script_dir), "XENON_SCRIPTDIR", LIBXL_SCRIPTDIR, true},
    {offsetof(libxl_ctx_settings, dump_dir), "XENON_DUMPDIR", "/var/lib/xen/dump", true},
};

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = name ? getenv(name) : NULL;

	return v && *v ? v : dflt;
}

static int env_ms(const char *name, int dflt)
{
	const char *v = getenv(name);
	uint64_t ms;

	if (v && *v && parse_u64(v, 3600000, &ms) == 0)
		return (int)ms;
	return dflt;
}

static int settings_fill(libxl_ctx *ctx, const libxl_ctx_settings *in)
{
	static const libxl_ctx_settings none;

	if (!in)
		in = &none;
	for (size_t i = 0; i < sizeof(str_settings) / sizeof(str_settings[0]); i++) {
		const char *v = *(const char *const *)((const char *)in + str_settings[i].off);

		if (v && (!*v || (str_settings[i].absolute && v[0] != '/'))) {
			log_warnx("libxl_ctx_settings: \"%s\" is not an absolute path", v);
			return -EINVAL;
		}
		if (!v)
			v = env_or(str_settings[i].env, str_settings[i].dflt);
		if (!v)
			v = xsc_socket_path();
		ctx->set_own[i] = strdup(v);
		if (!ctx->set_own[i])
			return -ENOMEM;
		*(const char **)((char *)&ctx->set + str_settings[i].off) = ctx->set_own[i];
	}
	/* set, even empty, it overrides xl.conf's cgroup_parent (libxl_cgroup.c) */
	if (getenv("XENON_CGROUP_PARENT") && !(ctx->cg_parent_env = strdup(getenv("XENON_CGROUP_PARENT"))))
		return -ENOMEM;
	ctx->set.device_timeout_ms = in->device_timeout_ms > 0
					 ? in->device_timeout_ms
					 : env_ms("XENON_DEVICE_TIMEOUT_MS", LIBXL__DEVICE_TIMEOUT_MS);
	ctx->set.hotplug_timeout_ms = in->hotplug_timeout_ms > 0
					  ? in->hotplug_timeout_ms
					  : env_ms("XENON_HOTPLUG_TIMEOUT_MS", LIBXL__HOTPLUG_TIMEOUT_MS);
	return 0;
}

static void ctx_destroy(libxl_ctx *ctx)
{
	if (ctx->stats_free)
		ctx->stats_free(ctx);
	libxl__hv_keep_fd(ctx, 0, -1);
	xsc_close(ctx->xsh);
	ctx_dead(ctx);
	for (size_t i = 0; i < sizeof(ctx->set_own) / sizeof(ctx->set_own[0]); i++)
		free(ctx->set_own[i]);
	free(ctx->cg_parent_env);
	free(ctx);
}

int libxl_ctx_alloc_settings(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg,
			     const libxl_ctx_settings *settings)
{
	libxl_ctx *ctx;
	int rc;

	if (version != LIBXL_VERSION || flags)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->lg = lg;
	ctx->hv_kept_fd = -1;
	ctx_live(ctx);
	rc = settings_fill(ctx, settings);
	if (rc == 0) {
		rc = xsc_open(ctx->set.xenstored_path, &ctx->xsh);
		if (rc < 0)
			log_warnx("cannot connect to xenstored at %s: %s (is xenstored running? the "
				  "socket is the context's xenstored_path, else $XENSTORED_PATH)",
				  ctx->set.xenstored_path, log_strerror(-rc));
	}
	if (rc == 0)
		rc = libxl__xs_set_timeout(ctx, LIBXL__XS_TIMEOUT_MS);
	if (rc < 0) {
		ctx_destroy(ctx);
		return rc;
	}
	*pctx = ctx;
	return 0;
}

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg)
{
	return libxl_ctx_alloc_settings(pctx, version, flags, lg, NULL);
}

void libxl_ctx_free(libxl_ctx *ctx)
{
	if (ctx)
		ctx_destroy(ctx);
}

const libxl_ctx_settings *libxl_ctx_get_settings(libxl_ctx *ctx)
{
	return &ctx->set;
}

const char *libxl_rundir(libxl_ctx *ctx)
{
	return ctx->set.run_dir;
}

const char *libxl_logdir(libxl_ctx *ctx)
{
	return ctx->set.log_dir;
}

const char *libxl_dumpdir(libxl_ctx *ctx)
{
	return ctx->set.dump_dir;
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
