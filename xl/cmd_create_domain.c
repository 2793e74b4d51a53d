/*
 * The real `xl create` (cmd_create.c parses the options and the file) and
 * the per-domain monitor, as Xen's xl: a process that is the parent of the
 * domain's xenon-hv, logs to $XENON_LOGDIR/xl-<name>.log and, when the
 * domain ends, carries out on_poweroff / on_reboot / on_crash.
 *
 *   default  fork the monitor (own session), wait until the domain is up,
 *            exit; -c then attaches the console
 *   -F       this process is the monitor, in the foreground, logging to stderr
 *   -e       fork a monitor that only keeps the ended domain listed as shut
 *            down (preserve), whatever on_* says
 */
#include "xl/cmd_util.h"
#include "xl/xl_conf.h"
#include "xl/xl.h"
#include "xl/monitor_dump.h"
#include "hypervisor/hvctl.h"
#include "xl/xl_conf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/pidfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdclose.h"
#include "log.h"
#include "strutil.h"

/* More restarts than this within RESTART_WINDOW seconds: give up. */
#define RESTART_BURST  10
#define RESTART_WINDOW 10

struct logfile {
	char path[512];
	int fd;
	bool created;
	off_t start;
};

struct monitor {
	struct xl_create_opts *opts;
	libxl_domain_config *cfg;
	libxl_ctx *ctx;
	struct logfile log;   /* the monitor's: xl-<name>.log */
	struct logfile hvlog; /* xenon-hv's stdout and stderr: xenon-hv-<name>.log */
	uint32_t domid;
	time_t window_start;
	int restarts;
};

/*
 * DIR/KIND-NAME.log, opened before the domain exists (xenon-hv's, so that its
 * messages from the start land in it).
 */
static int logfile_open(struct logfile *lf, const char *dir, const char *kind, const char *name)
{
	struct stat st;
	int rc;

	lf->fd = -1;
	rc = str_printf(lf->path, sizeof(lf->path), "%s/%s-%s.log", dir, kind, name ? name : "unnamed");
	if (rc < 0) {
		log_warnx("the log file name %s/%s-%s.log is too long; set $XENON_LOGDIR (or xl.conf's "
			  "log_dir) to a shorter directory",
			  dir, kind, name ? name : "unnamed");
		return -ENAMETOOLONG;
	}
	rc = libxl_ensure_dir(dir);
	if (rc < 0) {
		log_warnx("cannot create the log directory %s: %s (set $XENON_LOGDIR or xl.conf's log_dir?)",
			  dir, log_strerror(rc));
		return rc;
	}
	lf->created = stat(lf->path, &st) < 0;
	lf->fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (lf->fd < 0) {
		rc = -errno;
		log_warn("cannot open the log file %s", lf->path);
		return rc;
	}
	lf->start = lseek(lf->fd, 0, SEEK_END);
	return 0;
}

/*
 * Creation failed: show what xenon-hv said and, as Xen's xl does, where its
 * log is (kept for the administrator); a log that got nothing is left as it
 * was (removed if this creation made it).
 */
static void logfile_undo(struct logfile *lf)
{
	char buf[4096];
	ssize_t n;
	off_t end;
	int rfd;

	if (lf->fd < 0)
		return;
	rfd = open(lf->path, O_RDONLY | O_CLOEXEC);
	if (rfd >= 0 && lseek(rfd, lf->start, SEEK_SET) == lf->start) {
		while ((n = read(rfd, buf, sizeof(buf))) > 0)
			if (write(2, buf, (size_t)n) < 0)
				break;
	}
	if (rfd >= 0)
		close(rfd);
	end = lseek(lf->fd, 0, SEEK_END);
	if (end > lf->start)
		log_warnx("the domain did not start: see %s", lf->path);
	else if (lf->created)
		unlink(lf->path);
	else if (end >= 0 && ftruncate(lf->fd, lf->start) < 0)
		log_warn("cannot restore %s", lf->path);
	close(lf->fd);
	lf->fd = -1;
}

/* The domain is up: from now on the monitor speaks only to its log. */
static void logfile_take_stdio(struct logfile *lf)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	FILE *fp;

	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(lf->fd, 1);
	dup2(lf->fd, 2);
	fp = fdopen(dup(lf->fd), "a");
	if (fp) {
		setvbuf(fp, NULL, _IOLBF, 0);
		log_set_file(fp);
	}
}

static int create_once(struct monitor *m)
{
	libxl_domain_create_opts o = {.paused = m->opts->paused,
				      .hv_stdio = m->hvlog.fd,
				      .cgroup_parent = xl_conf.cgroup_parent,
				      .restore = m->opts->restore,
				      .restore_fd = m->opts->restore_fd,
				      .sandbox_off = xl_conf.sandbox_off,
				      .sandbox_uid_base = xl_conf.sandbox_uid_base,
				      .sandbox_uid = xl_conf.sandbox_uid,
				      .sandbox_gid = xl_conf.sandbox_gid,
				      .hold_on = m->opts->monitor ? xl_monitor_hold_on(m->cfg) : 0,
				      .prepared = m->opts->prepared,
				      .prepared_arg = m->opts->prepared_arg,
				      .memory_pool = xl_conf.memory_pool};
	int lock = -1, rc;

	if (m->cfg->num_disks || m->cfg->num_nics)
		xl_conf_hotplug_note();
	rc = xl_lock_take(&lock);
	if (rc < 0)
		return rc;
	rc = libxl_domain_create_new(m->ctx, m->cfg, &m->domid, &o);
	libxl_lock_release(lock);
	m->opts->restore = false; /* a restart (on_reboot) boots the kernel */
	return rc;
}

static bool restart_allowed(struct monitor *m)
{
	time_t now = time(NULL);

	if (now - m->window_start > RESTART_WINDOW) {
		m->window_start = now;
		m->restarts = 0;
	}
	return ++m->restarts <= RESTART_BURST;
}

/* The domain's name as it is now (xl rename counts) becomes the config's. */
static void take_current_name(struct monitor *m)
{
	char *name = libxl_domid_to_name(m->ctx, m->domid);

	if (name) {
		free(m->cfg->c_info.name);
		m->cfg->c_info.name = name;
	}
}

/*
 * As Xen's xl: a restart takes the configuration libxl stored, which has the
 * disks and NICs hot-plugged since (and not those detached), or the one xl
 * config-update left for it.
 */
static void take_stored_config(struct monitor *m)
{
	libxl_domain_config cfg;

	libxl_domain_config_init(&cfg);
	if (libxl_retrieve_domain_restart_configuration(m->ctx, m->domid, &cfg) < 0) {
		libxl_domain_config_dispose(&cfg);
		return;
	}
	libxl_domain_config_dispose(m->cfg);
	*m->cfg = cfg;
}

/* A new domid, the same name, UUID and config. */
static int restart(struct monitor *m)
{
	uint32_t old = m->domid;
	int rc;

	if (!restart_allowed(m)) {
		log_warnx("domain '%s' restarted %d times in %d s: giving up, destroying it",
			  m->cfg->c_info.name, RESTART_BURST, RESTART_WINDOW);
		return -ELOOP;
	}
	rc = create_once(m);
	if (rc < 0)
		log_warnx("restarting domain '%s' failed: %s", m->cfg->c_info.name, log_strerror(rc));
	else
		log_warnx("domain '%s' (%u) restarted as domain %u", m->cfg->c_info.name, old, m->domid);
	return rc;
}

/*
 * rename-restart: keep the old domain, shut down, under another name: Xen's
 * "<name>-<UTC date>T<time>Z", with "-<domid>" added if that is taken (two
 * in the same minute), and, as Xen's xl, a new UUID, so that the restarted
 * domain keeps the config's. false when it could not be done: then, as
 * Xen's xl, the old domain stays (shut down) and nothing is restarted.
 */
static bool rename_old(struct monitor *m, libxl_shutdown_reason reason)
{
	char newname[LIBXL_NAME_MAX + 1], stamp[24] = "", uuid[LIBXL_UUID_FMTLEN + 1];
	const char *name = m->cfg->c_info.name ? m->cfg->c_info.name : "domain";
	time_t now = time(NULL);
	libxl_uuid new_uuid;
	struct tm tm;
	int rc;

	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "-%Y%m%dT%H%MZ", &tm);
	snprintf(newname, sizeof(newname), "%.40s%s", name, stamp);
	if (libxl_domain_rename(m->ctx, m->domid, NULL, newname) < 0) {
		snprintf(newname, sizeof(newname), "%.40s%s-%u", name, stamp, m->domid);
		if (libxl_domain_rename(m->ctx, m->domid, NULL, newname) < 0)
			log_warnx("cannot rename domain %u to '%s'", m->domid, newname);
	}
	libxl_uuid_generate(&new_uuid);
	libxl_uuid_to_string(&new_uuid, uuid);
	rc = libxl_domain_preserve(m->ctx, m->domid, reason, &new_uuid);
	if (rc < 0) {
		log_warnx("cannot give domain %u the new UUID %s: %s; keeping it shut down, not restarting "
			  "'%s' (xl destroy %u, then xl create again)",
			  m->domid, uuid, log_strerror(rc), name, m->domid);
		libxl_domain_preserve(m->ctx, m->domid, reason, NULL);
		return false;
	}
	log_warnx("domain %u kept, shut down, as '%s' with UUID %s", m->domid, newname, uuid);
	return true;
}

static const char *const event_names[] = {
    [LIBXL_DEATH_POWEROFF] = "powered off",
    [LIBXL_DEATH_REBOOT] = "rebooted",
    [LIBXL_DEATH_CRASH] = "crashed",
    [LIBXL_DEATH_DESTROYED] = "was destroyed",
    [LIBXL_DEATH_SAVED] = "was saved",
};

/*
 * Carry out on_*; returns true when a restarted domain is to be watched.
 * held: xenon-hv keeps the ended domain for its core (hold_on).
 */
static bool handle_death(struct monitor *m, libxl_death how, bool held)
{
	libxl_domain_config *c = m->cfg;
	libxl_shutdown_reason reason = how == LIBXL_DEATH_REBOOT  ? LIBXL_SHUTDOWN_REASON_REBOOT
				       : how == LIBXL_DEATH_CRASH ? LIBXL_SHUTDOWN_REASON_CRASH
								  : LIBXL_SHUTDOWN_REASON_POWEROFF;
	libxl_action_on_shutdown a = how == LIBXL_DEATH_REBOOT	? c->on_reboot
				     : how == LIBXL_DEATH_CRASH ? c->on_crash
								: c->on_poweroff;

	if (how != LIBXL_DEATH_DESTROYED && how != LIBXL_DEATH_SAVED)
		take_stored_config(m);
	take_current_name(m);
	log_warnx("domain '%s' (%u) %s", c->c_info.name, m->domid, event_names[how]);
	if (how == LIBXL_DEATH_DESTROYED || how == LIBXL_DEATH_SAVED) {
		libxl_domain_cleanup(m->ctx, m->domid);
		return false;
	}
	if (!m->opts->monitor)
		a = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
	log_warnx("action: %s", libxl_action_on_shutdown_to_cfg(a) ?: "destroy");
	if (held && xl_action_is_coredump(a))
		xl_monitor_dump_core(m->ctx, m->domid, c->c_info.name);
	else if (xl_action_is_coredump(a))
		log_warnx("core dump failed: xenon-hv ended without keeping the domain for it");
	if (held)
		libxl_domain_release_held(m->ctx, m->domid);
	switch (a) {
	case LIBXL_ACTION_ON_SHUTDOWN_PRESERVE:
		libxl_domain_preserve(m->ctx, m->domid, reason, NULL);
		return false;
	case LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME:
		return rename_old(m, reason) && restart(m) == 0;
	case LIBXL_ACTION_ON_SHUTDOWN_RESTART:
	case LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART:
	case LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET:
		libxl_domain_cleanup(m->ctx, m->domid);
		return restart(m) == 0;
	default:
		libxl_domain_cleanup(m->ctx, m->domid);
		return false;
	}
}

static void monitor_loop(struct monitor *m)
{
	libxl_death how;
	bool held;
	int rc;

	do {
		/* only a domain created with hold_on is watched for it */
		held = false;
		rc = libxl_domain_wait_end(m->ctx, m->domid, &how,
					   m->opts->monitor && xl_monitor_hold_on(m->cfg) ? &held : NULL);
		if (rc < 0) {
			log_warnx("lost track of domain %u's xenon-hv: %s", m->domid, log_strerror(rc));
			return;
		}
	} while (handle_death(m, how, held));
}

/* Create the domain (as this process' child); 0 or -errno, said to the user. */
static int monitor_start(struct monitor *m)
{
	int rc;

	if (!m->ctx)
		m->ctx = xl_ctx_open();
	if (!m->ctx) {
		logfile_undo(&m->hvlog);
		logfile_undo(&m->log);
		return -ENOTCONN;
	}
	m->window_start = time(NULL);
	rc = create_once(m);
	if (rc < 0) {
		logfile_undo(&m->hvlog);
		logfile_undo(&m->log);
	}
	return rc;
}

static void send_result(int fd, int32_t result)
{
	if (write(fd, &result, sizeof(result)) != sizeof(result))
		log_warn("cannot tell xl create the result");
	close(fd);
}

/*
 * A migration's incoming copy (<name>--incoming, paused) belongs to its
 * receiver until the receiver has taken it over (renamed it <name>). If the
 * receiver ends before that (killed, its connection cut), nobody else will
 * destroy the copy: this thread of the monitor does, once the receiver's
 * pidfd says it has gone; the monitor loop then sees the domain's end.
 */
struct receiver_watch {
	int pidfd; /* -1: the receiver had gone already */
	uint32_t domid;
};

static void *receiver_watch(void *arg)
{
	struct receiver_watch *w = arg;
	struct pollfd p = {.fd = w->pidfd, .events = POLLIN};
	libxl_ctx *ctx;
	char *name;
	size_t n, s = strlen(XL_INCOMING_SUFFIX);

	while (w->pidfd >= 0 && poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	ctx = xl_ctx_open();
	name = ctx ? libxl_domid_to_name(ctx, w->domid) : NULL;
	n = name ? strlen(name) : 0;
	if (n > s && !strcmp(name + n - s, XL_INCOMING_SUFFIX)) {
		log_warnx("the migration receiver ended before it took domain '%s' (%u) over: destroying it", name,
			  w->domid);
		libxl_domain_destroy(ctx, w->domid);
	}
	free(name);
	if (ctx)
		libxl_ctx_free(ctx);
	if (w->pidfd >= 0)
		close(w->pidfd);
	free(w);
	return NULL;
}

static void watch_receiver(int pidfd, uint32_t domid)
{
	struct receiver_watch *w = malloc(sizeof(*w));
	pthread_t t;

	if (!w) {
		log_warnx("cannot watch the migration receiver: out of memory");
		return;
	}
	*w = (struct receiver_watch){pidfd, domid};
	if (pthread_create(&t, NULL, receiver_watch, w)) {
		log_warnx("cannot watch the migration receiver: no thread");
		free(w);
		return;
	}
	pthread_detach(t);
}

/* In the forked monitor: never returns. */
static void monitor_child(struct monitor *m, int notify)
{
	int rc, receiver = m->opts->receiver > 0 ? pidfd_open(m->opts->receiver, 0) : -1;
	int keep[] = {notify, receiver, m->opts->restore ? m->opts->restore_fd : -1};

	setsid();
	/*
	 * Nothing of xl's caller but stdio, which goes to the log once the
	 * domain is up: a pipe of a script's (a test runner's, sshd's) held
	 * for the domain's life would keep it waiting for an EOF.
	 */
	fd_close_except(3, keep, 3);
	/* The log's timestamps read /etc/localtime once: now, not in a migration's paused window. */
	tzset();
	/* The context first: it knows the log directory. */
	m->ctx = xl_ctx_open();
	m->log.fd = m->hvlog.fd = -1;
	rc = m->ctx ? logfile_open(&m->log, libxl_logdir(m->ctx), "xl", m->cfg->c_info.name) : -ENOTCONN;
	if (rc == 0)
		rc = logfile_open(&m->hvlog, libxl_logdir(m->ctx), "xenon-hv", m->cfg->c_info.name);
	if (rc < 0)
		logfile_undo(&m->log);
	if (rc == 0)
		rc = monitor_start(m);
	if (rc < 0) {
		send_result(notify, rc);
		libxl_ctx_free(m->ctx);
		_exit(1);
	}
	logfile_take_stdio(&m->log);
	/* xl create first: a migration's receiver waits for it, its domain paused; then the log */
	send_result(notify, (int32_t)m->domid);
	log_warnx("Waiting for domain %s (domid %u) to die [pid %ld]", m->cfg->c_info.name, m->domid,
		  (long)getpid());
	if (m->opts->receiver > 0)
		watch_receiver(receiver, m->domid);
	monitor_loop(m);
	libxl_ctx_free(m->ctx);
	_exit(0);
}

static int create_foreground(struct monitor *m)
{
	int rc;

	m->log.fd = -1;
	m->hvlog.fd = -1;
	rc = monitor_start(m);
	if (rc < 0)
		return 1;
	fprintf(stderr, "Waiting for domain %s (domid %u) to die [pid %ld]\n", m->cfg->c_info.name, m->domid,
		(long)getpid());
	monitor_loop(m);
	libxl_ctx_free(m->ctx);
	return 0;
}

static int attach_console(uint32_t domid)
{
	libxl_ctx *ctx = xl_ctx_open();
	int rc;

	if (!ctx)
		return 1;
	rc = xl_console_attach(ctx, domid);
	libxl_ctx_free(ctx);
	return rc < 0;
}

/* xl.conf turned some of xenon-hv's sandbox off: say so (xenon-hv logs it too). */
static void warn_sandbox_off(void)
{
	char list[96];

	xl_sandbox_names(xl_conf.sandbox_off, list, sizeof(list));
	if (*list)
		log_warnx("WARNING: xenon-hv's sandbox is partly off (%s): see xl.conf(5)", list);
}

int xl_create_domain(struct xl_create_opts *opts, libxl_domain_config *cfg)
{
	struct monitor m = {.opts = opts, .cfg = cfg};
	int32_t result = -EPIPE;
	int pfd[2], status;
	pid_t pid;

	warn_sandbox_off();
	if (!opts->daemonize && opts->monitor)
		return create_foreground(&m);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_warn("create: pipe");
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_warn("create: cannot fork the domain's monitor");
		close(pfd[0]);
		close(pfd[1]);
		return 1;
	}
	if (pid == 0) {
		close(pfd[0]);
		monitor_child(&m, pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], &result, sizeof(result)) != sizeof(result))
		result = -EPIPE;
	close(pfd[0]);
	if (result < 0) {
		waitpid(pid, &status, 0);
		return 1;
	}
	opts->domid = (uint32_t)result;
	if (opts->console)
		return attach_console((uint32_t)result);
	return 0;
}
