/*
 * Operations on an existing domain: lookup by name or id, destroy, pause,
 * unpause, shutdown/reboot the Xen way, waiting, rename, and what happens
 * when its xenon-hv has ended (wait_death, preserve, cleanup).
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

#define DESTROY_WAIT_MS 5000

char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)
{
	char *name = NULL;

	if (libxl__xs_read(ctx, XS_NO_TX, &name, "/local/domain/%u/name", domid) < 0)
		return NULL;
	return name;
}

int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid)
{
	uint32_t *ids = NULL;
	unsigned nr = 0;
	int rc = libxl__xs_domids(ctx, XS_NO_TX, &ids, &nr);

	if (rc < 0)
		return rc;
	rc = libxl__domid_named(ctx, XS_NO_TX, ids, nr, name, domid);
	free(ids);
	return rc;
}

int libxl_domain_qualifier_to_domid(libxl_ctx *ctx, const char *q, uint32_t *domid)
{
	uint32_t id;
	int rc;

	if (libxl__parse_domid(q, &id) == 0) {
		rc = libxl__xs_exists(ctx, XS_NO_TX, "/local/domain/%u", id);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return -ENOENT;
		*domid = id;
		return 0;
	}
	return libxl_name_to_domid(ctx, q, domid);
}

/* A call on the domain's control socket; -ESRCH when xenon-hv is gone. */
static int hv_simple(libxl_ctx *ctx, uint32_t domid, int (*op)(int fd))
{
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = op(fd);
	close(fd);
	return rc == -EPIPE ? -ESRCH : rc;
}

int libxl_domain_pause(libxl_ctx *ctx, uint32_t domid)
{
	return domid == LIBXL_DOMID_HOST ? -EINVAL : hv_simple(ctx, domid, hvctl_pause);
}

int libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid)
{
	return domid == LIBXL_DOMID_HOST ? -EINVAL : hv_simple(ctx, domid, hvctl_unpause);
}

int libxl_domain_cleanup(libxl_ctx *ctx, uint32_t domid)
{
	char control[LIBXL_PATH_MAX];

	/* xenon-hv has gone with its backings and taps: the scripts undo the rest. */
	libxl__devices_teardown(ctx, domid);
	libxl__sched_cleanup(ctx, domid);
	if (libxl__hv_socket_path(ctx, domid, control, sizeof(control)) == 0)
		unlink(control);
	xsc_release_domain(ctx->xsh, domid);
	return libxl__layout_remove(ctx, domid);
}

/*
 * What may be left of the domain after its xenon-hv was asked to end and,
 * if need be, killed: any process in its cgroup (xenon-hv itself, or one
 * it started) is killed too. Still running after that: the domain is not
 * cleaned up (its records say what to kill; a later destroy tries again).
 */
static int kill_leftovers(libxl_ctx *ctx, uint32_t domid, int hv_pid)
{
	int rc = libxl__sched_kill(ctx, domid);

	if (rc == 0 && hv_pid > 0 && libxl__hv_alive(ctx, domid, hv_pid))
		rc = -EBUSY;
	if (rc < 0)
		log_warnx("domain %u: its xenon-hv (pid %d) or a process in its cgroup still runs after "
			  "SIGKILL (%s): the domain is left as it is, not cleaned up; find what is stuck "
			  "(ps -o pid,stat,wchan), then run 'xl destroy %u' again",
			  domid, hv_pid, log_strerror(rc), domid);
	return rc;
}

int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid)
{
	int hv_pid, monitor_pid, rc;

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	rc = libxl__xs_exists(ctx, XS_NO_TX, "/local/domain/%u", domid);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	libxl__xs_write(ctx, XS_NO_TX, "1", "/libxl/%u/destroying", domid);
	if (ctx->hv_kept_fd >= 0 && ctx->hv_kept_domid == domid)
		libxl__hv_keep_fd(ctx, 0, -1);
	hv_pid = libxl__read_pid(ctx, domid, "hv-pid");
	monitor_pid = libxl__read_pid(ctx, domid, "monitor-pid");
	rc = hv_simple(ctx, domid, hvctl_destroy);
	if (rc < 0 && rc != -ESRCH)
		log_warnx("domain %u: xenon-hv did not take the destroy request (%s); killing it", domid,
			  log_strerror(rc));
	/* Refused or not answered in time: SIGKILL, if the pid is still that xenon-hv. */
	if (hv_pid > 0 && libxl__pid_wait_exit(hv_pid, rc < 0 ? 0 : DESTROY_WAIT_MS) == -ETIMEDOUT) {
		if (libxl__hv_kill(ctx, domid, hv_pid) > 0)
			libxl__pid_wait_exit(hv_pid, DESTROY_WAIT_MS);
	}
	rc = kill_leftovers(ctx, domid, hv_pid);
	if (rc < 0)
		return rc;
	rc = libxl_domain_cleanup(ctx, domid);
	/* The monitor notices the end and exits: wait, so nothing is left running. */
	if (monitor_pid > 0 && monitor_pid != getpid())
		libxl__pid_wait_exit(monitor_pid, DESTROY_WAIT_MS);
	return rc;
}

static int request_shutdown(libxl_ctx *ctx, uint32_t domid, const char *what, uint32_t how, unsigned flags)
{
	char *feature = NULL;
	int advertised, fd, rc;

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	rc = libxl__hv_connect(ctx, domid, &fd);
	if (rc < 0)
		return rc;
	rc = libxl__xs_write(ctx, XS_NO_TX, what, "/local/domain/%u/control/shutdown", domid);
	advertised = libxl__xs_read(ctx, XS_NO_TX, &feature, "/local/domain/%u/control/feature-%s", domid,
				    what) == 0 &&
		     !strcmp(feature, "1");
	free(feature);
	/* A guest without the feature never reads control/shutdown: press the button. */
	if (rc == 0 && (!advertised || (flags & LIBXL_SHUTDOWN_FORCE))) {
		rc = hvctl_shutdown(fd, how);
		/*
		 * The guest may have advertised the feature just after we looked
		 * and already acted on control/shutdown: xenon-hv is ending or has
		 * ended. That is the request done, not an error.
		 */
		if (rc == -EPIPE || rc == -ECONNRESET || rc == -ESRCH)
			rc = 0;
	}
	close(fd);
	return rc == -EPIPE ? -ESRCH : rc;
}

int libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid, unsigned flags)
{
	return request_shutdown(ctx, domid, "poweroff", HVCTL_SHUTDOWN_POWEROFF, flags);
}

int libxl_domain_reboot(libxl_ctx *ctx, uint32_t domid, unsigned flags)
{
	return request_shutdown(ctx, domid, "reboot", HVCTL_SHUTDOWN_REBOOT, flags);
}

static int press_power(int fd)
{
	return hvctl_shutdown(fd, HVCTL_SHUTDOWN_POWEROFF);
}

static const struct {
	libxl_trigger trigger;
	uint32_t kind; /* HVCTL_TRIGGER_* */
} hv_triggers[] = {
    {LIBXL_TRIGGER_NMI, HVCTL_TRIGGER_NMI},
    {LIBXL_TRIGGER_INIT, HVCTL_TRIGGER_INIT},
    {LIBXL_TRIGGER_RESET, HVCTL_TRIGGER_RESET},
};

static int vcpu_trigger(libxl_ctx *ctx, uint32_t domid, const char *name, uint32_t kind, uint32_t vcpuid)
{
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = hvctl_vcpu_trigger(fd, vcpuid, kind);
	close(fd);
	if (rc == -EINVAL && kind == HVCTL_TRIGGER_INIT && vcpuid == 0)
		log_warnx("domain %u: trigger init: vCPU 0 is the boot vCPU, an INIT would stop the domain: "
			  "name a secondary vCPU, or use trigger reset",
			  domid);
	else if (rc == -EINVAL)
		log_warnx("domain %u: trigger %s: there is no vCPU %u", domid, name, vcpuid);
	else if (rc == -ESRCH)
		log_warnx("domain %u: trigger %s: vCPU %u is offline (or the domain is ending): bring it "
			  "online with xl vcpu-set first",
			  domid, name, vcpuid);
	return rc == -EPIPE ? -ESRCH : rc;
}

int libxl_send_trigger(libxl_ctx *ctx, uint32_t domid, libxl_trigger trigger, uint32_t vcpuid)
{
	const char *name = libxl_trigger_to_string(trigger);

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	if (trigger == LIBXL_TRIGGER_POWER)
		return hv_simple(ctx, domid, press_power);
	for (size_t i = 0; i < sizeof(hv_triggers) / sizeof(hv_triggers[0]); i++)
		if (hv_triggers[i].trigger == trigger)
			return vcpu_trigger(ctx, domid, name ? name : "?", hv_triggers[i].kind, vcpuid);
	log_warnx("domain %u: trigger %s is not supported: Xenon's guests have no sleep state (no ACPI S3)",
		  domid, name ? name : "?");
	return -EOPNOTSUPP;
}

/* The domain (*arg) gone, or kept shut down by on_*=preserve: 1; still there: 0. */
static int domain_ended(libxl_ctx *ctx, void *arg)
{
	uint32_t domid = *(const uint32_t *)arg;
	int rc = libxl__xs_exists(ctx, XS_NO_TX, "/local/domain/%u", domid);

	if (rc <= 0)
		return rc < 0 ? rc : 1;
	return libxl__xs_exists(ctx, XS_NO_TX, "/libxl/%u/shutdown-reason", domid);
}

int libxl_domain_wait_gone(libxl_ctx *ctx, uint32_t domid, int timeout_ms)
{
	char path[LIBXL_PATH_MAX], token[32];

	/*
	 * Woken by the removal of the domain's nodes (/libxl/<id> goes in the
	 * same transaction as /local/domain/<id>, or after it) or by preserve's
	 * mark under it. Not /local/domain/<id>: the guest writes there, and
	 * each of its writes would wake this wait.
	 */
	snprintf(path, sizeof(path), "/libxl/%u", domid);
	snprintf(token, sizeof(token), "libxl-gone-%u", domid);
	return libxl__xs_wait(ctx, path, token, timeout_ms, domain_ended, &domid);
}

struct rename {
	uint32_t domid;
	const char *old_name, *new_name;
	char *vm;   /* the domain's vm path (rename_check's) */
	bool named; /* it has new_name already */
};

/*
 * The checks, in the transaction: the domain is there (with old_name, if
 * given), no other domain is named new_name. Two round trips: the name,
 * vm path and domains, then their names.
 */
static int rename_check(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	struct rename *a = arg;
	struct libxl__xs_batch b = {.n = 0};
	uint32_t *ids = NULL, other;
	char *cur, *doms;
	unsigned nr = 0;
	size_t doms_len;
	int rc;

	free(a->vm);
	a->named = false;
	libxl__xs_batch_read(&b, &cur, "/local/domain/%u/name", a->domid);
	libxl__xs_batch_read(&b, &a->vm, "/local/domain/%u/vm", a->domid);
	libxl__xs_batch_directory(&b, &doms, &doms_len, "/local/domain");
	rc = libxl__xs_batch_run(ctx, tx, &b);
	if (rc == 0 && !cur)
		rc = -ENOENT;
	if (rc == 0 && a->old_name && strcmp(cur, a->old_name))
		rc = -ESTALE;
	if (rc == 0)
		rc = libxl__domids_parse(doms, doms_len, &ids, &nr);
	free(doms);
	if (rc == 0 && libxl__domid_named(ctx, tx, ids, nr, a->new_name, &other) == 0) {
		rc = other == a->domid ? 0 : -EEXIST;
		a->named = rc == 0;
	}
	free(ids);
	free(cur);
	return rc;
}

/* Both name nodes, in the same transaction (one round trip). */
static int rename_write(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct rename *a = arg;
	struct libxl__xs_batch b = {.n = 0};

	if (a->named)
		return 0;
	libxl__xs_batch_write(&b, a->new_name, "/local/domain/%u/name", a->domid);
	if (a->vm && libxl__vm_path_valid(a->vm))
		libxl__xs_batch_write(&b, a->new_name, "%s/name", a->vm);
	return libxl__xs_batch_run(ctx, tx, &b);
}

static int rename_args(uint32_t domid, const char *new_name)
{
	return domid == LIBXL_DOMID_HOST || libxl_name_valid(new_name) < 0 ? -EINVAL : 0;
}

int libxl_domain_rename(libxl_ctx *ctx, uint32_t domid, const char *old_name, const char *new_name)
{
	struct rename a = {domid, old_name, new_name, NULL, false};
	int rc = rename_args(domid, new_name);

	/* the checks and both name nodes in one transaction: no create or other
	 * rename can take the new name between the check and the write */
	if (rc == 0)
		rc = libxl__xs_transact_steps(ctx, rename_check, rename_write, &a);
	free(a.vm);
	return rc;
}

struct libxl__rename_ahead {
	struct rename a;
	struct libxl__xs_split split;
	char *old_name, *new_name;
};

static void rename_ahead_free(libxl_rename_ahead *r)
{
	free(r->a.vm);
	free(r->old_name);
	free(r->new_name);
	free(r);
}

int libxl_domain_rename_begin(libxl_ctx *ctx, uint32_t domid, const char *old_name, const char *new_name,
			      libxl_rename_ahead **out)
{
	libxl_rename_ahead *r = calloc(1, sizeof(*r));
	int rc = r ? rename_args(domid, new_name) : -ENOMEM;

	*out = NULL;
	if (rc == 0 && (!(r->new_name = strdup(new_name)) || (old_name && !(r->old_name = strdup(old_name)))))
		rc = -ENOMEM;
	if (rc == 0) {
		r->a = (struct rename){domid, r->old_name, r->new_name, NULL, false};
		rc = libxl__xs_split_begin(ctx, &r->split, rename_check, &r->a);
	}
	if (rc < 0 && r) {
		rename_ahead_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int libxl_domain_rename_end(libxl_ctx *ctx, libxl_rename_ahead *r, bool commit)
{
	int rc = libxl__xs_split_end(ctx, &r->split, commit, rename_check, rename_write, &r->a);

	rename_ahead_free(r);
	return rc;
}

/*
 * The device/ directory is the guest's to write: one that writes there
 * without end costs its monitor at most one pass over its devices every
 * FOLLOW_GAP_MS, however many events it sets off.
 */
#define FOLLOW_GAP_MS 20

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The watch's events so far, taken off: 1 if there were any, 0, or -1 (xenstored went away). */
static int drain_watch(libxl_ctx *ctx)
{
	char *p, *t;
	int rc, any = 0;

	while ((rc = xsc_read_watch(ctx->xsh, 0, &p, &t)) == 0) {
		free(p);
		free(t);
		any = 1;
	}
	return rc == -ETIMEDOUT ? any : -1;
}

/*
 * Until the process behind pidfd ends, keep the backends of the domain's
 * devices in step with their frontends (libxl__dev_backends_follow), on
 * each change below its device/ directory. Without a watch (xenstored
 * gone), only wait.
 */
static void follow_devices_until_exit(libxl_ctx *ctx, uint32_t domid, int pidfd, int events)
{
	char path[LIBXL_PATH_MAX], token[32];
	struct pollfd pfd[3] = {
	    {.fd = pidfd, .events = POLLIN}, {.fd = events, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
	uint64_t last = 0;
	bool due = true; /* a pass is owed: the first one, or for events since the last */

	snprintf(path, sizeof(path), "/local/domain/%u/device", domid);
	snprintf(token, sizeof(token), "libxl-backends-%u", domid);
	if (xsc_watch(ctx->xsh, path, token) == 0)
		pfd[2].fd = xsc_watch_fd(ctx->xsh);
	for (;;) {
		int timeout = -1, rc = pfd[2].fd >= 0 ? drain_watch(ctx) : 0;
		uint64_t now = monotonic_ms();

		if (rc < 0)
			pfd[2].fd = -1; /* xenstored went away: its fd would poll readable for ever */
		due |= rc > 0;
		if (pfd[2].fd >= 0 && due && now - last < FOLLOW_GAP_MS) {
			timeout = (int)(FOLLOW_GAP_MS - (now - last));
		} else if (pfd[2].fd >= 0 && due) {
			libxl__dev_backends_follow(ctx, domid);
			last = now;
			due = false;
		}
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents || pfd[1].revents)
			break;
	}
	if (pfd[2].fd >= 0)
		xsc_unwatch(ctx->xsh, path, token);
}

/*
 * xenon-hv ended with HV_EXIT_SECCOMP: its log (xenon-hv-<name>.log, written
 * by xenon-hv's SIGSYS handler) names the call; quoted, printable only.
 */
static void report_seccomp(libxl_ctx *ctx, uint32_t domid)
{
	char *name = libxl_domid_to_name(ctx, domid), path[LIBXL_PATH_MAX], buf[8192], *line = NULL;
	char why[sizeof(buf) + 64]; /* apart from buf, which line points into */
	ssize_t n = -1;
	int fd = -1;

	if (name && libxl__path(path, sizeof(path), "%s/xenon-hv-%s.log", libxl_logdir(ctx), name) == 0)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		off_t end = lseek(fd, 0, SEEK_END);

		n = pread(fd, buf, sizeof(buf) - 1, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
		close(fd);
	}
	if (n > 0) {
		buf[n] = '\0';
		for (char *p = buf; (p = strstr(p, "seccomp: the ")); p++)
			line = p;
	}
	if (line) {
		line[strcspn(line, "\n")] = '\0';
		for (char *p = line; *p; p++)
			if (*p < ' ' || *p > '~')
				*p = '?';
	}
	snprintf(why, sizeof(why), "xenon-hv made a system call its seccomp filter forbids%s%s",
		 line ? ": " : " (its log names it)", line ? line + strlen("seccomp: ") : "");
	log_warnx("domain %u crashed: %s", domid, why);
	libxl__dmesg_domain(ctx, domid, "%s", why);
	free(name);
}

/* How xenon-hv ended, when it could not say so itself: into the hypervisor's messages (xl dmesg) too. */
static void report_end(libxl_ctx *ctx, uint32_t domid, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == HV_EXIT_SECCOMP)
		report_seccomp(ctx, domid);
	else if (WIFSIGNALED(status))
		libxl__dmesg_domain(ctx, domid, "xenon-hv was ended by signal %d (%s): the domain is gone",
				    WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/*
 * With held: an event connection to the domain's xenon-hv (-1: none), and
 * *held set when xenon-hv keeps the ended domain already (--hold-on).
 */
static int held_events(libxl_ctx *ctx, uint32_t domid, libxl_death *how, bool *held)
{
	int fd = -1;

	*held = false;
	if (libxl__hv_connect_fresh(ctx, domid, &fd) < 0)
		return -1;
	if (hvctl_subscribe(fd) < 0) {
		close(fd);
		return -1;
	}
	*held = libxl__domain_held(ctx, domid, how) > 0; /* it may have ended before we subscribed */
	return fd;
}

int libxl_domain_wait_end(libxl_ctx *ctx, uint32_t domid, libxl_death *how, bool *held)
{
	int pid = libxl__read_pid(ctx, domid, "hv-pid"), status, pidfd, events = -1;
	pid_t r;

	if (pid <= 0)
		return -ESRCH;
	if (held && (events = held_events(ctx, domid, how, held)) >= 0 && *held) {
		close(events);
		return 0;
	}
	pidfd = pidfd_open(pid, 0);
	while (pidfd >= 0) {
		struct hvctl_event ev;

		follow_devices_until_exit(ctx, domid, pidfd, events);
		if (events < 0 || hvctl_next_event(events, 0, &ev) < 0)
			break; /* xenon-hv ended (or its events did) */
		if ((ev.flags & HVCTL_EV_HELD) && libxl__domain_held(ctx, domid, how) > 0) {
			close(events);
			close(pidfd);
			*held = true;
			return 0;
		}
	}
	if (events >= 0)
		close(events);
	if (pidfd >= 0)
		close(pidfd);
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	*how = libxl__death_from_wait_status(status);
	report_end(ctx, domid, status);
	return 0;
}

int libxl_domain_wait_death(libxl_ctx *ctx, uint32_t domid, libxl_death *how)
{
	return libxl_domain_wait_end(ctx, domid, how, NULL);
}

/* The stored configuration (/libxl/<id>/config) as read in transaction tx. */
static int retrieve_config(libxl_ctx *ctx, uint32_t tx, uint32_t domid, libxl_domain_config *cfg)
{
	char base[LIBXL_PATH_MAX], *json = NULL, err[256];
	int rc;

	snprintf(base, sizeof(base), "/libxl/%u/config", domid);
	rc = libxl__xs_read_long(ctx, tx, base, &json);
	if (rc < 0)
		return rc;
	rc = libxl_domain_config_from_json(cfg, json, err, sizeof(err));
	if (rc < 0)
		log_warnx("domain %u: the stored configuration cannot be read back: %s", domid, err);
	free(json);
	return rc;
}

/* The uuid inside the stored configuration; none stored: nothing to do. */
static int config_set_uuid(libxl_ctx *ctx, uint32_t tx, uint32_t domid, const libxl_uuid *uuid)
{
	char base[LIBXL_PATH_MAX], *json = NULL;
	libxl_domain_config cfg;
	int rc;

	rc = libxl__xs_exists(ctx, tx, "/libxl/%u/config", domid);
	if (rc <= 0)
		return rc;
	libxl_domain_config_init(&cfg);
	rc = retrieve_config(ctx, tx, domid, &cfg);
	if (rc == 0) {
		cfg.c_info.uuid = *uuid;
		rc = libxl_domain_config_to_json(&cfg, &json);
	}
	snprintf(base, sizeof(base), "/libxl/%u/config", domid);
	if (rc == 0)
		rc = libxl__xs_write_long(ctx, tx, base, json);
	free(json);
	libxl_domain_config_dispose(&cfg);
	return rc;
}

struct set_uuid {
	uint32_t domid;
	const libxl_uuid *uuid;
};

/*
 * Give the domain another UUID, as Xen's preserve does: /vm/<old> moves
 * (values and permissions) to /vm/<new>, and every place naming the UUID
 * follows. -EEXIST when /vm/<new> is already some domain's.
 */
static int set_uuid_in_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct set_uuid *a = arg;
	uint32_t domid = a->domid;
	const libxl_uuid *uuid = a->uuid;
	char text[LIBXL_UUID_FMTLEN + 1], vm[LIBXL_PATH_MAX], *old = NULL;
	int rc;

	libxl_uuid_to_string(uuid, text);
	snprintf(vm, sizeof(vm), "/vm/%s", text);
	rc = libxl__xs_read(ctx, tx, &old, "/local/domain/%u/vm", domid);
	if (rc == 0 && !libxl__vm_path_valid(old))
		rc = -ENOENT;
	if (rc == 0 && !strcmp(old, vm))
		goto out; /* already that UUID */
	if (rc == 0)
		rc = libxl__xs_exists(ctx, tx, "%s", vm);
	if (rc == 1)
		rc = -EEXIST;
	if (rc == 0)
		rc = libxl__xs_copy_tree(ctx, tx, old, vm);
	if (rc == 0)
		rc = libxl__xs_write(ctx, tx, text, "%s/uuid", vm);
	if (rc == 0)
		rc = libxl__xs_rm(ctx, tx, "%s", old);
	if (rc == 0)
		rc = libxl__xs_write(ctx, tx, vm, "/local/domain/%u/vm", domid);
	if (rc == 0)
		rc = libxl__xs_write(ctx, tx, text, "/libxl/%u/uuid", domid);
	if (rc == 0)
		rc = config_set_uuid(ctx, tx, domid, uuid);
out:
	free(old);
	return rc;
}

int libxl_domain_preserve(libxl_ctx *ctx, uint32_t domid, libxl_shutdown_reason reason,
			  const libxl_uuid *new_uuid)
{
	char control[LIBXL_PATH_MAX];
	const char *name = libxl_shutdown_reason_to_string(reason);
	int rc;

	if (domid == LIBXL_DOMID_HOST || (new_uuid && libxl_uuid_is_nil(new_uuid)))
		return -EINVAL;
	/* First, so that nothing has changed when the UUID cannot be. */
	if (new_uuid) {
		struct set_uuid a = {domid, new_uuid};

		rc = libxl__xs_transact(ctx, set_uuid_in_tx, &a);
		if (rc < 0)
			return rc;
	}
	libxl__devices_teardown(ctx, domid); /* a kept domain holds no loop device or tap */
	libxl__sched_cleanup(ctx, domid);    /* nor a cgroup: its xenon-hv has ended */
	if (libxl__hv_socket_path(ctx, domid, control, sizeof(control)) == 0)
		unlink(control);
	libxl__xs_write(ctx, XS_NO_TX, "", "/local/domain/%u/console/tty", domid);
	libxl__xs_rm(ctx, XS_NO_TX, "/libxl/%u/hv-pid", domid);
	libxl__xs_rm(ctx, XS_NO_TX, "/libxl/%u/hv-start", domid);
	libxl__xs_rm(ctx, XS_NO_TX, "/libxl/%u/monitor-pid", domid);
	libxl__xs_rm(ctx, XS_NO_TX, "/libxl/%u/keeper-pid", domid);
	rc = libxl__xs_write(ctx, XS_NO_TX, name ? name : "crash", "/libxl/%u/shutdown-reason", domid);
	return rc;
}

/*
 * As Xen's libxl: the memory the domain has now (xl mem-set, mem-max), not
 * the memory= and maxmem= it was created with, so that a reboot, a save
 * and `xl list -l` keep it. Both nodes are the toolstack's (the guest only
 * reads them); a pair that does not make sense leaves the stored values.
 */
static void live_memory(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *cfg)
{
	uint64_t target = 0, max = 0;

	if (libxl__xs_read_u64(ctx, XS_NO_TX, &target, "/local/domain/%u/memory/target", domid) < 0 ||
	    libxl__xs_read_u64(ctx, XS_NO_TX, &max, "/local/domain/%u/memory/static-max", domid) < 0)
		return;
	if (target == 0 || target > max || max > (uint64_t)INT64_MAX / 1024)
		return;
	cfg->b_info.target_memkb = target;
	cfg->b_info.max_memkb = max;
}

int libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *cfg)
{
	int rc = retrieve_config(ctx, XS_NO_TX, domid, cfg);

	if (rc == 0)
		live_memory(ctx, domid, cfg);
	return rc;
}

int libxl_retrieve_domain_configuration_json(libxl_ctx *ctx, uint32_t domid, char **json)
{
	libxl_domain_config cfg;
	int rc;

	libxl_domain_config_init(&cfg);
	rc = libxl_retrieve_domain_configuration(ctx, domid, &cfg);
	if (rc == 0)
		rc = libxl_domain_config_to_json(&cfg, json);
	libxl_domain_config_dispose(&cfg);
	return rc;
}
