/*
 * Spawning a domain's xenon-hv and waiting for it, on events (its --ready
 * pipe, a pidfd for the child) rather than polling.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "fdclose.h"
#include "log.h"
#include "msgring.h"
#include "nspid.h"
#include "strutil.h"

#define HV_UP_TIMEOUT_MS 10000

int libxl__hv_socket_path(libxl_ctx *ctx, uint32_t domid, char *buf, size_t len)
{
	return libxl__path(buf, len, "%s/domains/%u.sock", ctx->set.run_dir, domid);
}

/*
 * The socket's other end must be the xenon-hv dom0 started and recorded
 * (hv-pid), as the kernel names it (SO_PEERCRED, in our PID namespace):
 * anything else listening there is not that domain's. Not recorded yet
 * (being built): nothing to compare with.
 */
int libxl__hv_check_peer(libxl_ctx *ctx, uint32_t domid, int fd)
{
	int recorded = libxl__read_pid(ctx, domid, "hv-pid");
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (recorded <= 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.pid != recorded) {
		log_warnx("domain %u: its control socket is held by pid %d, not by its xenon-hv (pid %d): "
			  "refused",
			  domid, (int)cred.pid, recorded);
		return -EPROTO;
	}
	return 0;
}

void libxl__hv_keep_fd(libxl_ctx *ctx, uint32_t domid, int fd)
{
	if (ctx->hv_kept_fd >= 0 && ctx->hv_kept_fd != fd)
		close(ctx->hv_kept_fd);
	ctx->hv_kept_fd = fd;
	ctx->hv_kept_domid = domid;
}

/*
 * A domain just restored may not have renamed its control socket into place
 * yet (xenon-hv asks its root helper while it reads no request): its hidden
 * name then, the same xenon-hv (libxl__hv_check_peer says so too).
 */
static int connect_incoming(libxl_ctx *ctx, uint32_t domid, int *fd)
{
	char path[LIBXL_PATH_MAX];
	int rc = libxl__hv_socket_path(ctx, domid, path, sizeof(path));

	if (rc == 0)
		rc = libxl__hv_connect_restored(path, fd); /* (or its own name, renamed meanwhile) */
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		return -ESRCH;
	if (rc == 0 && (rc = libxl__hv_check_peer(ctx, domid, *fd)) < 0)
		close(*fd);
	return rc;
}

int libxl__hv_connect_fresh(libxl_ctx *ctx, uint32_t domid, int *fd)
{
	int rc = libxl__hv_connect_own(ctx, domid, fd);

	return rc == -ESRCH ? connect_incoming(ctx, domid, fd) : rc;
}

int libxl_domain_hv_keep(libxl_ctx *ctx, uint32_t domid)
{
	int fd, rc = libxl__hv_connect_fresh(ctx, domid, &fd);

	if (rc == 0)
		libxl__hv_keep_fd(ctx, domid, fd);
	return rc;
}

int libxl__hv_connect(libxl_ctx *ctx, uint32_t domid, int *fd)
{
	if (ctx->hv_kept_fd >= 0 && ctx->hv_kept_domid == domid) {
		*fd = fcntl(ctx->hv_kept_fd, F_DUPFD_CLOEXEC, 3);
		return *fd < 0 ? -errno : 0;
	}
	return libxl__hv_connect_own(ctx, domid, fd);
}

int libxl__hv_connect_own(libxl_ctx *ctx, uint32_t domid, int *fd)
{
	char path[LIBXL_PATH_MAX];
	int rc;

	rc = libxl__hv_socket_path(ctx, domid, path, sizeof(path));
	if (rc < 0)
		return rc;
	rc = hvctl_connect_timeout(path, LIBXL__HV_TIMEOUT_MS, fd);
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		return -ESRCH;
	if (rc == 0 && (rc = libxl__hv_check_peer(ctx, domid, *fd)) < 0)
		close(*fd);
	return rc;
}

int libxl__hv_info(libxl_ctx *ctx, uint32_t domid, struct hvctl_info *info)
{
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = hvctl_info(fd, info);
	close(fd);
	return rc == -EPIPE ? -ESRCH : rc;
}

struct hv_argv {
	char *argv[40];
	unsigned n;
	char mem[24], vcpus[16], domid[16], xs[LIBXL_PATH_MAX + 16];
	char uid[16], gid[16], off[96], hold[32], ready[16], dmesg[16];
};

/* The restore stream is fd 3 in xenon-hv, the keeper's socket the next, then
 * the ready pipe, then the message ring (exec_hv puts them there). */
#define HV_RESTORE_FD	      "3"
#define HV_KEEPER_FD(restore) ((restore) ? "4" : "3")

/* The fd xenon-hv inherits n places after the restore stream and the keeper's socket (those it has). */
static int hv_fd_after_keeper(const libxl_domain_create_opts *opts, bool keeper, int n)
{
	return (opts && opts->restore ? 4 : 3) + (keeper ? 1 : 0) + n;
}

static void add(struct hv_argv *a, const char *s)
{
	if (a->n < sizeof(a->argv) / sizeof(a->argv[0]) - 1)
		a->argv[a->n++] = (char *)s;
	a->argv[a->n] = NULL;
}

/* --uid/--gid (base + domid, or the shared user's) and --no-sandbox=LIST (xl.conf(5)). */
static void add_sandbox(struct hv_argv *a, const struct libxl__layout *l, const libxl_domain_create_opts *opts)
{
	static const char *const names[] = HVCTL_SANDBOX_NAMES;
	unsigned base = opts && opts->sandbox_uid_base ? opts->sandbox_uid_base : LIBXL__SANDBOX_UID_BASE;
	unsigned off = opts ? opts->sandbox_off & HVCTL_SANDBOX_ALL : 0;
	bool shared = opts && opts->sandbox_uid;
	size_t used;

	snprintf(a->uid, sizeof(a->uid), "%u", shared ? opts->sandbox_uid : base + l->domid);
	snprintf(a->gid, sizeof(a->gid), "%u", shared ? opts->sandbox_gid : base + l->domid);
	add(a, "--uid");
	add(a, a->uid);
	add(a, "--gid");
	add(a, a->gid);
	if (shared)
		add(a, "--uid-shared");
	if (!off)
		return;
	used = (size_t)snprintf(a->off, sizeof(a->off), "--no-sandbox=");
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (off & (1U << i))
			used += (size_t)snprintf(a->off + used, sizeof(a->off) - used, "%s%s",
						 a->off[used - 1] == '=' ? "" : ",", names[i]);
	add(a, a->off); /* xenon-hv logs a warning naming them */
}

/* --hold-on LIST (on_*=coredump-*): the ends after which xenon-hv keeps the domain. */
static void add_hold_on(struct hv_argv *a, const libxl_domain_create_opts *opts)
{
	static const char *const names[] = {"poweroff", "reboot", "crash"}; /* LIBXL_HOLD_* bits */
	size_t used = 0;

	a->hold[0] = '\0';
	for (unsigned i = 0; opts && i < sizeof(names) / sizeof(names[0]); i++)
		if (opts->hold_on & (1U << i))
			used += (size_t)snprintf(a->hold + used, sizeof(a->hold) - used, "%s%s",
						 used ? "," : "", names[i]);
	if (!used)
		return;
	add(a, "--hold-on");
	add(a, a->hold);
}

static void build_argv(libxl_ctx *ctx, struct hv_argv *a, const struct libxl__layout *l, const char *control,
		       const libxl_domain_create_opts *opts)
{
	a->n = 0;
	add(a, ctx->set.hv_path);
	snprintf(a->mem, sizeof(a->mem), "%llu", (unsigned long long)(l->max_memkb / 1024));
	snprintf(a->vcpus, sizeof(a->vcpus), "%u", l->vcpus);
	snprintf(a->domid, sizeof(a->domid), "%u", l->domid);
	snprintf(a->xs, sizeof(a->xs), "--xenstore=%s", ctx->set.xenstored_path);
	if (opts && opts->restore) { /* kernel, memory and vCPUs come from the stream */
		add(a, "--restore");
		add(a, HV_RESTORE_FD);
	} else {
		add(a, "--kernel");
		add(a, l->kernel);
		add(a, "--memory");
		add(a, a->mem);
		add(a, "--vcpus");
		add(a, a->vcpus);
	}
	if (!(opts && opts->restore) && l->cmdline && *l->cmdline) {
		add(a, "--cmdline");
		add(a, l->cmdline);
	}
	add(a, "--name");
	add(a, l->name);
	add(a, "--domid");
	add(a, a->domid);
	add(a, "--console");
	add(a, "pty");
	add(a, "--control");
	add(a, control);
	add(a, a->xs);
	if (opts && opts->paused)
		add(a, "--paused");
	add_hold_on(a, opts);
	add_sandbox(a, l, opts);
	if (opts && opts->memory_pool == LIBXL_MEMORY_POOL_HUGETLB) {
		add(a, "--memory-pool");
		add(a, "hugetlb");
	}
}

/* What the child reports through errfd when it cannot go on. */
struct spawn_err {
	int stage; /* SPAWN_CGROUP or SPAWN_EXEC */
	int err;   /* errno */
};
enum { SPAWN_CGROUP = 1, SPAWN_EXEC = 2 };

static void child_fail(int errfd, int stage, int err)
{
	struct spawn_err e = {stage, err};

	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * In the child: the domain's cgroup (before anything runs, so that every
 * thread of xenon-hv is in it), stdio, the descriptors it inherits (the
 * restore stream on fd 3, then the keeper's socket: HV_KEEPER_FD, the
 * ready pipe and the message ring), then exec; errors go back through errfd.
 */
static void exec_hv(struct hv_argv *a, const libxl_domain_create_opts *opts, const int cg_fds[2], int errfd,
		    int keeper, int ready, int dmesg)
{
	bool restore = opts && opts->restore;
	int null = open("/dev/null", O_RDWR), next = restore ? 4 : 3, e;

	/* Its own process group: a ^C meant for xl (create -F) does not reach it. */
	setpgid(0, 0);
	for (int i = 0; i < 2; i++)
		if (cg_fds[i] >= 0 && write(cg_fds[i], "0", 1) != 1)
			child_fail(errfd, SPAWN_CGROUP, errno);
	if (null >= 0)
		dup2(null, 0);
	if (opts && opts->hv_stdio >= 0) {
		dup2(opts->hv_stdio, 1);
		dup2(opts->hv_stdio, 2);
	}
	/* errfd, the keeper's socket, the ready pipe and the ring out of the way of fds 3 to 6 first */
	e = fcntl(errfd, F_DUPFD_CLOEXEC, 16);
	if (e < 0 || (keeper >= 0 && (keeper = fcntl(keeper, F_DUPFD_CLOEXEC, 16)) < 0) ||
	    (ready >= 0 && (ready = fcntl(ready, F_DUPFD_CLOEXEC, 16)) < 0) ||
	    (dmesg >= 0 && (dmesg = fcntl(dmesg, F_DUPFD_CLOEXEC, 16)) < 0))
		child_fail(e < 0 ? errfd : e, SPAWN_EXEC, errno);
	errfd = e;
	/*
	 * The restore stream on fd 3, without close-on-exec. dup2 onto itself
	 * keeps the flag: a stream already on fd 3 (xl migrate-receive's dup
	 * of stdin under sshd) only has it cleared.
	 */
	if (restore && (opts->restore_fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(opts->restore_fd, 3)) < 0)
		child_fail(errfd, SPAWN_EXEC, errno);
	if (keeper >= 0 && dup2(keeper, next++) < 0)
		child_fail(errfd, SPAWN_EXEC, errno);
	if (ready >= 0 && dup2(ready, next++) < 0) /* HV_READY_FD */
		child_fail(errfd, SPAWN_EXEC, errno);
	if (dmesg >= 0 && dup2(dmesg, next++) < 0) /* after the ready pipe: dmesg_ring */
		child_fail(errfd, SPAWN_EXEC, errno);
	/* Nothing else of ours (xenstore connection, lock) leaks into xenon-hv. */
	fd_close_except((unsigned)next, &errfd, 1);
	signal(SIGPIPE, SIG_DFL);
	if (strchr(a->argv[0], '/'))
		execv(a->argv[0], a->argv);
	else
		execvp(a->argv[0], a->argv);
	child_fail(errfd, SPAWN_EXEC, errno);
}

/*
 * In a PID namespace of its own, xenon-hv hands the VM at its end to a
 * keeper outside it (libxl_keeper.c), which gets its socket as fd
 * HV_KEEPER_FD. Without one (it could not be started), the VM's tear-down
 * is part of xenon-hv's end, which is only slower.
 */
static int start_keeper(struct hv_argv *a, const struct libxl__layout *l, const libxl_domain_create_opts *opts,
			struct libxl__keeper *k)
{
	int fd = -1, rc = libxl__keeper_start(&fd, k);

	if (rc < 0) {
		log_warnx("domain '%s': no keeper for its VM (%s): its end waits for the VM's tear-down",
			  l->name, strerror(-rc));
		return -1;
	}
	add(a, "--keeper");
	add(a, HV_KEEPER_FD(opts && opts->restore));
	return fd;
}

/*
 * --ready: the pipe xenon-hv writes a byte to once its control socket
 * answers (libxl__hv_wait_up), on the fd after the restore stream's and the
 * keeper's. rfd: our end.
 */
static int ready_pipe(struct hv_argv *a, const libxl_domain_create_opts *opts, bool keeper, int *rfd, int *wfd)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	*rfd = p[0];
	*wfd = p[1];
	snprintf(a->ready, sizeof(a->ready), "%d", hv_fd_after_keeper(opts, keeper, 0));
	add(a, "--ready");
	add(a, a->ready);
	return 0;
}

int libxl__dmesg_path(libxl_ctx *ctx, char *path, size_t len)
{
	return libxl__path(path, len, "%s/" LIBXL_DMESG_FILE, libxl_rundir(ctx));
}

/*
 * --dmesg: the host's message ring (<run_dir>/dmesg, made if absent; xl
 * dmesg reads it), on the fd after the ready pipe's. Without one (the
 * file cannot be made) the domain runs on and its xenon-hv warns only in
 * its log. Our fd, or -1.
 */
static int dmesg_ring(libxl_ctx *ctx, struct hv_argv *a, const struct libxl__layout *l,
		      const libxl_domain_create_opts *opts, bool keeper)
{
	char path[LIBXL_PATH_MAX];
	int fd;

	if (libxl__dmesg_path(ctx, path, sizeof(path)))
		return -1;
	fd = msgring_create(path);
	if (fd < 0) {
		log_warnx("domain '%s': no message ring %s (%s): xl dmesg will not show its xenon-hv's warnings",
			  l->name, path, strerror(-fd));
		return -1;
	}
	snprintf(a->dmesg, sizeof(a->dmesg), "%d", hv_fd_after_keeper(opts, keeper, 1));
	add(a, "--dmesg");
	add(a, a->dmesg);
	return fd;
}

int libxl__hv_spawn(libxl_ctx *ctx, const struct libxl__layout *l, const char *control,
		    const libxl_domain_create_opts *opts, const int cg_fds[2], int *pid, struct libxl__keeper *k,
		    int *ready)
{
	bool newpid = !(opts && (opts->sandbox_off & HVCTL_SANDBOX_PID));
	struct hv_argv a;
	struct spawn_err e;
	int pfd[2], err, status, keeper = -1, ready_w = -1, dmesg = -1;
	pid_t child;
	ssize_t n;

	build_argv(ctx, &a, l, control, opts);
	*k = (struct libxl__keeper){0, -1};
	*ready = -1;
	if (newpid)
		keeper = start_keeper(&a, l, opts, k);
	err = ready_pipe(&a, opts, keeper >= 0, ready, &ready_w);
	if (err < 0)
		goto fail;
	dmesg = dmesg_ring(ctx, &a, l, opts, keeper >= 0);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err = -errno;
		goto fail;
	}
	/* Its own PID namespace (xl.conf sandbox.pid): we keep its host pid, its pidfd, its status. */
	child = newpid ? nspid_fork_newpid() : fork();
	if (child < 0) {
		err = newpid ? child : -errno;
		close(pfd[0]);
		close(pfd[1]);
		if (newpid)
			log_warnx("xenon-hv for domain '%s' cannot have a PID namespace of its own: %s "
				  "(sandbox.pid=0 in xl.conf(5) runs it without one)",
				  l->name, strerror(-err));
		goto fail;
	}
	if (child == 0) {
		close(pfd[0]);
		exec_hv(&a, opts, cg_fds, pfd[1], keeper, ready_w, dmesg);
	}
	close(pfd[1]);
	if (dmesg >= 0)
		close(dmesg);
	dmesg = -1;
	close(ready_w); /* xenon-hv's alone: EOF without a byte if it ends first */
	ready_w = -1;
	if (keeper >= 0)
		close(keeper); /* xenon-hv's alone now: its end is the keeper's EOF */
	keeper = -1;
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(e)) {
		waitpid(child, &status, 0);
		if (e.stage == SPAWN_CGROUP)
			log_warnx("xenon-hv for domain '%s' could not join its cgroup: %s", l->name,
				  strerror(e.err));
		else
			log_warnx("cannot run %s: %s (set $XENON_HV or put xenon-hv in $PATH)", a.argv[0],
				  strerror(e.err));
		err = -e.err;
		goto fail;
	}
	*pid = child;
	return 0;
fail:
	if (dmesg >= 0)
		close(dmesg);
	if (keeper >= 0)
		close(keeper); /* the keeper reads EOF and exits */
	if (ready_w >= 0)
		close(ready_w);
	if (*ready >= 0)
		close(*ready);
	*ready = -1;
	libxl__keeper_wait(k);
	return err;
}

long libxl__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Until ready is readable or pidfd says the process ended: 1, 0 (timeout), -ECHILD or -errno. */
static int wait_ready(int ready, int pidfd, long deadline)
{
	struct pollfd pfd[2] = {{ready, POLLIN, 0}, {pidfd, POLLIN, 0}};
	long left = deadline - libxl__now_ms();
	int n;

	if (left < 0)
		return 0;
	n = poll(pfd, 2, deadline == LONG_MAX || left > INT_MAX ? -1 : (int)left);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[0].revents) /* a byte, or EOF: xenon-hv ended without one */
		return 1;
	return pfd[1].revents ? -ECHILD : 0;
}

/*
 * One message off the ready pipe (one write, below PIPE_BUF): 1, the last
 * (HVCTL_READY; a lone byte, no message, leaves *said zeroed: ask INFO),
 * 0, a restore's plan (HVCTL_READY_PLAN), or -1: none (EOF: it ended).
 */
static int read_ready(int ready, struct hvctl_ready *said)
{
	ssize_t n;

	memset(said, 0, sizeof(*said));
	do
		n = read(ready, said, sizeof(*said));
	while (n < 0 && errno == EINTR);
	if (n <= 0 || (said->ready != HVCTL_READY && said->ready != HVCTL_READY_PLAN))
		return -1;
	if ((size_t)n < sizeof(*said)) {
		bool lone = said->ready == HVCTL_READY;

		memset(said, 0, sizeof(*said));
		return lone ? 1 : -1;
	}
	said->console_pty[sizeof(said->console_pty) - 1] = '\0';
	return said->ready == HVCTL_READY;
}

int libxl__hv_connect_restored(const char *control, int *fd)
{
	char incoming[LIBXL_PATH_MAX];
	int rc;

	if (!hvctl_incoming_socket(control, incoming, sizeof(incoming)))
		return -ENAMETOOLONG;
	rc = hvctl_connect_timeout(incoming, LIBXL__HV_TIMEOUT_MS, fd);
	if (rc == -ENOENT || rc == -ECONNREFUSED) /* it has taken its own name already (a rename: one of them) */
		rc = hvctl_connect_timeout(control, LIBXL__HV_TIMEOUT_MS, fd);
	return rc;
}

/*
 * Messages until the one wanted (plan: the first of a restore, else the
 * last): 1, the last came; 0, a plan came; -ECHILD, pid ended first (its
 * wait status in *status); -ETIMEDOUT. A plan nobody waits for is passed.
 */
static int wait_message(int pid, int ready, long deadline, bool plan, int *status, struct hvctl_ready *said)
{
	int pidfd = pidfd_open(pid, 0), rc = 0, m;

	if (pidfd < 0)
		return -errno;
	memset(said, 0, sizeof(*said));
	while (rc == 0 && libxl__now_ms() < deadline) {
		rc = wait_ready(ready, pidfd, deadline);
		if (rc != 1)
			continue;
		m = read_ready(ready, said);
		rc = m < 0 ? -ECHILD : m == 1 ? 1 : plan ? 2 : 0;
	}
	close(pidfd);
	if (rc == -ECHILD && waitpid(pid, status, 0) != pid)
		*status = 0;
	return rc == 2 ? 0 : rc == 0 ? -ETIMEDOUT : rc;
}

int libxl__hv_wait_plan(int pid, int ready, int *status, struct hvctl_ready *said)
{
	return wait_message(pid, ready, LONG_MAX, true, status, said);
}

/*
 * xenon-hv writes its ready message (read_ready) once its control socket
 * answers. (Watching the socket's directory with inotify was the way before:
 * closing an inotify instance waits for a kernel grace period, 10-20 ms in
 * every create and in every migration's downtime.) A restoring xenon-hv is
 * ready only once it has read the whole stream, which takes as long as the
 * stream does (a large guest, a slow link, a guest dirtying memory during a
 * migration): no deadline then; it either answers or ends (a cut or bad
 * stream), and the pidfd says so. It says so before its socket takes its
 * name (the connection is made to the hidden one: a migration's downtime).
 * ready -1: the message was read already (libxl__hv_wait_plan); *fd >= 0:
 * connected already (the restore's early devices).
 */
int libxl__hv_wait_up(const char *control, int pid, bool restore, int *status, int *fd, int ready,
		      struct hvctl_ready *said)
{
	long deadline = restore ? LONG_MAX : libxl__now_ms() + HV_UP_TIMEOUT_MS;
	int rc = 1;

	if (ready >= 0) {
		rc = wait_message(pid, ready, deadline, false, status, said);
		close(ready);
	}
	if (rc == 1 && *fd >= 0)
		rc = 0;
	else if (rc == 1 && restore)
		rc = libxl__hv_connect_restored(control, fd);
	else if (rc == 1)
		rc = hvctl_connect_timeout(control, LIBXL__HV_TIMEOUT_MS, fd);
	return rc;
}

int libxl__pid_wait_exit(int pid, int timeout_ms)
{
	struct pollfd p;
	int pidfd, n;

	if (pid <= 0)
		return 0;
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : -errno;
	p.fd = pidfd;
	p.events = POLLIN;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	close(pidfd);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* The state letter of /proc/<pid>/stat ('R', 'S', 'T', 'Z'...); 0 when it cannot be read. */
static char proc_state(int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return proc_stat_state(path);
}

/* Does /proc/<pid>/cmdline hold "--control" followed by control? -1: unreadable (older records only). */
static int cmdline_has_control(int pid, const char *control)
{
	char path[64], buf[4096];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (!strcmp(buf + i, "--control") && i + 10 < len && !strcmp(buf + i + 10, control))
			return 1;
	return 0;
}

int libxl__pid_alive(int pid)
{
	char st;

	if (pid <= 0)
		return 0;
	st = proc_state(pid);
	if (st)
		return st != 'Z' && st != 'X';
	/* No /proc to ask: the process exists (perhaps as a zombie). */
	return kill(pid, 0) == 0 || errno == EPERM;
}

/*
 * Is the live process pid the domain's xenon-hv? Its start time, which
 * the kernel sets and the process cannot change, against the one recorded
 * at spawn (hv-start, dom0's): a pid reused since is another process. Its
 * command line, which the process can overwrite, only for a domain started
 * before hv-start was recorded.
 */
static bool is_domain_hv(libxl_ctx *ctx, uint32_t domid, int pid)
{
	char control[LIBXL_PATH_MAX];
	uint64_t recorded, now;

	if (libxl__xs_read_u64(ctx, XS_NO_TX, &recorded, "/libxl/%u/hv-start", domid) == 0)
		return proc_stat_start_time(pid, &now) == 0 && now == recorded;
	if (libxl__hv_socket_path(ctx, domid, control, sizeof(control)) < 0)
		return true;
	return cmdline_has_control(pid, control) != 0;
}

int libxl__hv_alive(libxl_ctx *ctx, uint32_t domid, int pid)
{
	return libxl__pid_alive(pid) && is_domain_hv(ctx, domid, pid);
}

int libxl__hv_kill(libxl_ctx *ctx, uint32_t domid, int pid)
{
	int pidfd, rc = 0;

	if (pid <= 0)
		return 0;
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : -errno;
	/* Checked after the pidfd is held: the pid cannot change hands in between. */
	if (libxl__hv_alive(ctx, domid, pid))
		rc = pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0 ? 1 : errno == ESRCH ? 0 : -errno;
	close(pidfd);
	return rc;
}
