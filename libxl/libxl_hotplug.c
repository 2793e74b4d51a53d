/*
 * libxl_hotplug.c: running a device's hotplug script the Xen way
 * (xen-hotplug(7)): the command as $1, the environment Xen's libxl gives
 * (script, XENBUS_TYPE, XENBUS_PATH, XENBUS_BASE_PATH; for a vif also vif
 * and netdev) plus XENSTORED_PATH, in its own process group, bounded by the
 * hotplug timeout (then the whole group is killed). The outcome is the exit
 * status and hotplug-status / hotplug-error in the backend node.
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

extern char **environ;

#define ENV_MAX	 256
#define OUT_KEEP 1024

const char *libxl__hotplug_dir(libxl_ctx *ctx)
{
	return ctx->set.script_dir;
}

int libxl__hotplug_resolve(libxl_ctx *ctx, const char *script, const char *what, char *buf, size_t len)
{
	struct stat st;
	int rc;

	if (!script || !*script) {
		log_warnx("%s: empty script name", what);
		return -EINVAL;
	}
	if (strchr(script, '/'))
		rc = libxl__path(buf, len, "%s", script);
	else
		rc = libxl__path(buf, len, "%s/%s", libxl__hotplug_dir(ctx), script);
	if (rc < 0) {
		log_warnx("%s: the script path %s is too long", what, script);
		return rc;
	}
	if (stat(buf, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warnx("%s: hotplug script %s not found (%s): give an existing script, or install the "
			  "scripts in %s ($XENON_SCRIPTDIR)",
			  what, buf, stat(buf, &st) < 0 ? "no such file" : "not a regular file",
			  libxl__hotplug_dir(ctx));
		return -ENOENT;
	}
	if (access(buf, X_OK) < 0) {
		log_warnx("%s: hotplug script %s is not executable (chmod +x it)", what, buf);
		return -EACCES;
	}
	return 0;
}

struct env {
	char *v[ENV_MAX];
	char own[8][LIBXL_PATH_MAX + 32];
	unsigned n, nown;
};

static bool overridden(const char *e)
{
	static const char *const names[] = {"script=", "XENBUS_TYPE=", "XENBUS_PATH=",	  "XENBUS_BASE_PATH=",
					    "vif=",    "netdev=",      "XENSTORED_PATH=", "command="};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(e, names[i], strlen(names[i])))
			return true;
	return false;
}

static void env_set(struct env *e, const char *name, const char *value)
{
	if (!value || e->nown >= 8 || e->n >= ENV_MAX - 1)
		return;
	snprintf(e->own[e->nown], sizeof(e->own[0]), "%s=%s", name, value);
	e->v[e->n++] = e->own[e->nown++];
}

/* Built before fork: the child only calls async-signal-safe functions. */
static void env_build(libxl_ctx *ctx, struct env *e, const struct libxl__hotplug *h)
{
	e->n = e->nown = 0;
	for (char **p = environ; *p && e->n < ENV_MAX - 9; p++)
		if (!overridden(*p))
			e->v[e->n++] = *p;
	env_set(e, "script", h->script);
	env_set(e, "XENBUS_TYPE", h->type);
	env_set(e, "XENBUS_PATH", h->be);
	env_set(e, "XENBUS_BASE_PATH", "/local/domain/0/backend");
	env_set(e, "XENSTORED_PATH", ctx->set.xenstored_path);
	if (h->vif) {
		env_set(e, "vif", h->vif);
		env_set(e, "netdev", h->netdev ? h->netdev : "");
	}
	e->v[e->n] = NULL;
}

static void child(const struct libxl__hotplug *h, struct env *e, int out)
{
	char *argv[] = {(char *)h->script, (char *)h->command, NULL};
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	close_range(3, ~0u, 0);
	signal(SIGPIPE, SIG_DFL);
	execve(h->script, argv, e->v);
	_exit(127);
}

struct out {
	char buf[OUT_KEEP];
	size_t len;
};

/* Keep the last OUT_KEEP bytes the script printed. */
static void out_add(struct out *o, const char *p, size_t n)
{
	if (n >= sizeof(o->buf)) {
		p += n - (sizeof(o->buf) - 1);
		n = sizeof(o->buf) - 1;
	}
	if (o->len + n >= sizeof(o->buf)) {
		size_t drop = o->len + n - (sizeof(o->buf) - 1);

		memmove(o->buf, o->buf + drop, o->len - drop);
		o->len -= drop;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* Read the script's output until it exits or the deadline; -ETIMEDOUT. */
static int collect(int pidfd, int rfd, struct out *o, int timeout_ms)
{
	long deadline = libxl__now_ms() + timeout_ms;
	bool eof = false;

	for (;;) {
		struct pollfd p[2] = {{pidfd, POLLIN, 0}, {eof ? -1 : rfd, POLLIN, 0}};
		long left = deadline - libxl__now_ms();
		char buf[512];
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents) {
			n = read(rfd, buf, sizeof(buf));
			if (n > 0)
				out_add(o, buf, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				eof = true;
		}
		if ((p[0].revents & POLLIN) && (eof || !p[1].revents))
			return 0;
	}
}

/* The last non-empty line of what it printed. */
static const char *last_line(struct out *o)
{
	char *end;

	while (o->len && (o->buf[o->len - 1] == '\n' || o->buf[o->len - 1] == '\r'))
		o->buf[--o->len] = '\0';
	end = strrchr(o->buf, '\n');
	return end ? end + 1 : o->buf;
}

static int spawn(libxl_ctx *ctx, const struct libxl__hotplug *h, int *pid, int *pidfd, int *rfd)
{
	struct env *e = malloc(sizeof(*e));
	int pfd[2];
	pid_t p;

	if (!e)
		return -ENOMEM;
	env_build(ctx, e, h);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(e);
		return -errno;
	}
	p = fork();
	if (p == 0)
		child(h, e, pfd[1]);
	close(pfd[1]);
	free(e);
	if (p < 0) {
		close(pfd[0]);
		return -errno;
	}
	setpgid(p, p); /* as the child does: whichever runs first */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	*pid = p;
	*rfd = pfd[0];
	*pidfd = pidfd_open(p, 0);
	return 0;
}

static int run_wait(libxl_ctx *ctx, const struct libxl__hotplug *h, struct out *o, int *status)
{
	int pid = -1, pidfd = -1, rfd = -1, rc;

	rc = spawn(ctx, h, &pid, &pidfd, &rfd);
	if (rc < 0)
		return rc;
	rc = pidfd >= 0 ? collect(pidfd, rfd, o, libxl__hotplug_timeout_ms(ctx)) : 0;
	if (rc < 0) {
		kill(-pid, SIGKILL); /* the whole group: whatever it started */
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0) { /* what is still in the pipe (non-blocking: a child it left may hold it) */
		char buf[512];
		ssize_t n;

		while ((n = read(rfd, buf, sizeof(buf))) > 0)
			out_add(o, buf, (size_t)n);
	}
	if (pidfd >= 0)
		close(pidfd);
	close(rfd);
	return rc;
}

int libxl__hotplug_run(libxl_ctx *ctx, const struct libxl__hotplug *h, bool quiet)
{
	struct out o = {.len = 0};
	char *st = NULL, *err = NULL;
	int rc, status = 0;

	log_debug("%s: running %s %s (XENBUS_PATH=%s%s%s)", h->what, h->script, h->command, h->be,
		  h->vif ? ", vif=" : "", h->vif ? h->vif : "");
	rc = run_wait(ctx, h, &o, &status);
	if (o.len)
		log_debug("%s: %s %s said: %s", h->what, h->script, h->command, o.buf);
	if (rc == -ETIMEDOUT) {
		if (!quiet)
			log_warnx("%s: hotplug script %s %s did not finish within %d ms: killed", h->what,
				  h->script, h->command, libxl__hotplug_timeout_ms(ctx));
		return rc;
	}
	if (rc < 0) {
		if (!quiet)
			log_warnx("%s: cannot run hotplug script %s: %s", h->what, h->script,
				  log_strerror(rc));
		return rc;
	}
	libxl__xs_read(ctx, XS_NO_TX, &st, "%s/hotplug-status", h->be);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !(st && !strcmp(st, "error"))) {
		free(st);
		return 0;
	}
	libxl__xs_read(ctx, XS_NO_TX, &err, "%s/hotplug-error", h->be);
	if (!quiet) {
		const char *why = err && *err ? err : o.len ? last_line(&o) : "no message";

		if (WIFSIGNALED(status))
			log_warnx("%s: hotplug script %s %s was killed by signal %d: %s", h->what, h->script,
				  h->command, WTERMSIG(status), why);
		else
			log_warnx("%s: hotplug script %s %s failed (status %d): %s", h->what, h->script,
				  h->command, WIFEXITED(status) ? WEXITSTATUS(status) : -1, why);
	}
	free(st);
	free(err);
	return -EIO;
}
