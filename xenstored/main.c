/*
 * xenstored: the Xenon xenstore daemon. Options follow Xen's C xenstored
 * where they apply; see man/xenstored.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "domain.h"
#include "journal.h"
#include "log.h"
#include "quota.h"
#include "sandbox.h"
#include "strutil.h"
#include "xenstored.h"
#include "xs.h"

/* Where the clients look when nothing says otherwise (libxs). */
#define XS_SYSTEM_SOCKET "/run/xenstored/socket"

struct options {
	bool no_fork;
	const char *pid_file, *trace_file, *socket, *log_file;
	struct journal_config journal;
	bool no_persist;
	struct xsd_sandbox sandbox;
};

static void usage(FILE *fp)
{
	fprintf(fp, "Usage: xenstored [options]\n"
		    "  -N, --no-fork             stay in the foreground\n"
		    "  -F, --pid-file FILE       write the daemon's pid to FILE\n"
		    "  -T, --trace-file FILE     log every message to FILE\n"
		    "  -V, --verbose             more log messages (twice: debug)\n"
		    "  -L, --log-file FILE       log to FILE instead of stderr\n"
		    "  -E, --entry-nb N          nodes a domain may own (1000)\n"
		    "  -S, --entry-size N        bytes per node (2048)\n"
		    "  -W, --watch-nb N          watches per domain (128)\n"
		    "  -t, --transaction N       open transactions per connection (10)\n"
		    "  -A, --perm-nb N           permission entries per node (5)\n"
		    "  -M, --path-max N          path length below a domain's home (2048)\n"
		    "  -Q, --quota NAME=N        any quota by name (see CONTROL quota)\n"
		    "  -s, --socket PATH         listen on PATH (default as the clients find it)\n"
		    "      --state-dir DIR       keep the journal and snapshot in DIR\n"
		    "  -I, --internal-db         keep nothing on disk\n"
		    "      --accept-data-loss    start from a damaged state directory with what is\n"
		    "                            readable (the damaged files are kept aside)\n"
		    "      --fsync POLICY        periodic (default), always or never\n"
		    "      --fsync-interval MS   period of the periodic policy (1000)\n"
		    "  -u, --user USER           become USER (a name, or UID[:GID]) once serving\n"
		    "      --no-sandbox          keep root's capabilities, no seccomp (debugging)\n"
		    "  -h, --help                this help\n");
}

static const struct option long_opts[] = {
    {"no-fork", no_argument, NULL, 'N'},
    {"pid-file", required_argument, NULL, 'F'},
    {"trace-file", required_argument, NULL, 'T'},
    {"verbose", no_argument, NULL, 'V'},
    {"log-file", required_argument, NULL, 'L'},
    {"entry-nb", required_argument, NULL, 'E'},
    {"entry-size", required_argument, NULL, 'S'},
    {"watch-nb", required_argument, NULL, 'W'},
    {"transaction", required_argument, NULL, 't'},
    {"perm-nb", required_argument, NULL, 'A'},
    {"path-max", required_argument, NULL, 'M'},
    {"quota", required_argument, NULL, 'Q'},
    {"socket", required_argument, NULL, 's'},
    {"state-dir", required_argument, NULL, 3},
    {"no-domain-init", no_argument, NULL, 'D'},
    {"internal-db", no_argument, NULL, 'I'},
    {"fsync", required_argument, NULL, 1},
    {"fsync-interval", required_argument, NULL, 2},
    {"accept-data-loss", no_argument, NULL, 4},
    {"user", required_argument, NULL, 'u'},
    {"no-sandbox", no_argument, NULL, 5},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void set_quota(const char *name, const char *value)
{
	if (quota_set(name, value))
		fatalx("invalid quota %s%s%s: give a number (and a known name: see "
		       "xenstored(8))",
		       name, value ? "=" : "", value ? value : "");
}

static void parse_fsync(struct options *o, const char *v)
{
	if (!strcmp(v, "periodic"))
		o->journal.fsync = JOURNAL_FSYNC_PERIODIC;
	else if (!strcmp(v, "always"))
		o->journal.fsync = JOURNAL_FSYNC_ALWAYS;
	else if (!strcmp(v, "never"))
		o->journal.fsync = JOURNAL_FSYNC_NEVER;
	else
		fatalx("--fsync %s: use periodic, always or never", v);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const char *const qnames[128] = {
	    ['E'] = "nodes",	    ['S'] = "node-size",   ['W'] = "watches",
	    ['t'] = "transactions", ['A'] = "permissions", ['M'] = "path-max",
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "NF:T:VL:E:S:W:t:A:M:Q:s:u:DIhRP", long_opts, NULL)) != -1) {
		switch (c) {
		case 'N':
			o->no_fork = true;
			break;
		case 'F':
			o->pid_file = optarg;
			break;
		case 'T':
			o->trace_file = optarg;
			break;
		case 'V':
			log_set_verbosity(log_verbosity() + 1);
			break;
		case 'L':
			o->log_file = optarg;
			break;
		case 'E':
		case 'S':
		case 'W':
		case 't':
		case 'A':
		case 'M':
			set_quota(qnames[c], optarg);
			break;
		case 'Q':
			set_quota(optarg, NULL);
			break;
		case 's':
			o->socket = optarg;
			break;
		case 3:
			o->journal.dir = optarg;
			break;
		case 'I':
			o->no_persist = true;
			break;
		case 4:
			o->journal.accept_loss = true;
			break;
		case 'u':
			o->sandbox.user = optarg;
			break;
		case 5:
			o->sandbox.off = true;
			break;
		case 'R':
		case 'P':
		case 'D':
			break; /* Xen's, accepted: nothing to do here */
		case 1:
			parse_fsync(o, optarg);
			break;
		case 2:
			if (parse_u64(optarg, 3600000, &v) || !v)
				fatalx("--fsync-interval %s: give milliseconds, 1 to 3600000", optarg);
			o->journal.fsync_interval_ms = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind < argc)
		fatalx("unexpected argument '%s'; see xenstored --help", argv[optind]);
}

static void on_signal(int sig)
{
	(void)sig;
	conn_stop();
}

static void setup_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct rlimit rl;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int write_pid_file(const char *path)
{
	FILE *fp = fopen(path, "we");
	int rc;

	if (!fp)
		return -errno;
	rc = fprintf(fp, "%ld\n", (long)getpid()) < 0 ? -EIO : 0;
	if (fclose(fp) && !rc)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}

/* Fork; the parent exits when the child says it is serving (or failed). */
static int daemonize(void)
{
	int pfd[2];
	char ok;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		fatal("pipe");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0) {
		close(pfd[1]);
		exit(read(pfd[0], &ok, 1) == 1 ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	return pfd[1];
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	if (chdir("/"))
		log_warn("chdir /");
}

/*
 * The state directory: --state-dir, else $XENSTORED_STATEDIR, else
 * /var/lib/xenstored for the system socket, else beside the socket (a
 * private daemon, whatever named its socket: -s, or the clients' variables,
 * keeps its state as <socket>.state). Only -I keeps nothing.
 */
static const char *default_state_dir(const struct options *o, const char *socket)
{
	const char *env = getenv("XENSTORED_STATEDIR");
	char *dir;

	if (o->no_persist)
		return NULL;
	if (o->journal.dir)
		return o->journal.dir;
	if (env && *env)
		return env;
	if (!strcmp(socket, XS_SYSTEM_SOCKET))
		return "/var/lib/xenstored";
	if (asprintf(&dir, "%s.state", socket) < 0)
		fatalx("out of memory");
	return dir; /* kept for the daemon's life */
}

/*
 * Start-up messages (what was recovered or cut from the state, the refusal
 * to start, "serving") go to standard error and to the -L log file alike:
 * log.c writes one stream, so during start-up it writes this one, which
 * copies each line to both (without the log's timestamp on the terminal).
 */
struct tee {
	FILE *log;
	char line[1024];
	size_t len;
};

static void tee_line(struct tee *t)
{
	const char *p = t->line;
	size_t n = t->len;

	fwrite(p, 1, n, t->log);
	fflush(t->log);
	/* "YYYY-MM-DD HH:MM:SS.mmm " */
	if (n > 24 && p[4] == '-' && p[13] == ':' && p[23] == ' ') {
		p += 24;
		n -= 24;
	}
	fwrite(p, 1, n, stderr);
	fflush(stderr);
	t->len = 0;
}

static ssize_t tee_write(void *cookie, const char *b, size_t n)
{
	struct tee *t = cookie;

	for (size_t i = 0; i < n; i++) {
		t->line[t->len++] = b[i];
		if (b[i] == '\n' || t->len == sizeof(t->line))
			tee_line(t);
	}
	return n;
}

static FILE *tee_open(FILE *log)
{
	static struct tee t;
	cookie_io_functions_t io = {.write = tee_write};
	FILE *fp;

	t.log = log;
	fp = fopencookie(&t, "w", io);
	if (!fp)
		fatal("cannot open the log");
	setvbuf(fp, NULL, _IOLBF, 0);
	return fp;
}

/*
 * Tell systemd (Type=notify) the socket is ready: READY=1 in a datagram to
 * $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace), the
 * sd_notify(3) protocol. Without NOTIFY_SOCKET, nothing to do.
 */
static void notify_ready(void)
{
	static const char msg[] = "READY=1";
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = path ? strlen(path) : 0;
	int fd;

	if (!len)
		return;
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		log_warnx("NOTIFY_SOCKET=%s is not a socket path: systemd is not told xenstored is ready",
			  path);
		return;
	}
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL, (struct sockaddr *)&sa,
			     offsetof(struct sockaddr_un, sun_path) + len) < 0)
		log_warn("cannot tell systemd (NOTIFY_SOCKET=%s) that xenstored is ready", path);
	if (fd >= 0)
		close(fd);
	unsetenv("NOTIFY_SOCKET");
}

/* The daemon changes to / when it detaches: keep the paths it uses later valid. */
static const char *absolute(const char *p)
{
	char cwd[4096], *abs;

	if (!p || p[0] == '/')
		return p;
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, p) < 0)
		fatal("cannot make %s an absolute path", p);
	return abs; /* kept for the daemon's life */
}

static void start(struct options *o, const char *path)
{
	int rc;

	if (xenstored_new_store())
		fatalx("out of memory");
	o->journal.dir = absolute(default_state_dir(o, path));
	rc = journal_open(&o->journal, xs_store);
	if (rc == -EUCLEAN)
		fatalx("not started: the state in %s is damaged (see above)", o->journal.dir);
	if (rc)
		fatalx("cannot load the store from %s: %s", o->journal.dir, log_strerror(rc));
	if (xenstored_init_store())
		fatalx("cannot create the initial nodes");
	journal_flush();
	rc = conn_listen(path);
	if (rc == -EADDRINUSE)
		fatalx("another xenstored is serving %s; stop it first or use another socket "
		       "(XENSTORED_PATH)",
		       path);
	if (rc)
		fatalx("cannot listen on %s: %s", path, log_strerror(rc));
}

int main(int argc, char **argv)
{
	struct options o = {.journal = {.fsync_interval_ms = 1000, .compact_bytes = 64 << 20}};
	const char *path;
	FILE *logfp = NULL;
	int ready = -1, rc;

	log_init(argv[0]);
	parse_options(argc, argv, &o);
	path = absolute(o.socket ? o.socket : xsc_socket_path());
	o.pid_file = absolute(o.pid_file);
	if (o.log_file && !(logfp = fopen(o.log_file, "ae")))
		fatal("cannot open log file %s", o.log_file);
	if (logfp)
		log_set_file(tee_open(logfp));
	if (o.trace_file && conn_set_trace(o.trace_file))
		fatal("cannot open trace file %s", o.trace_file);
	setup_signals();
	if (!o.no_fork)
		ready = daemonize();
	if (!o.sandbox.off && xsd_seccomp_prepare())
		fatalx("not started: no seccomp filter; --no-sandbox runs without it (xenstored(8))");
	start(&o, path);
	rc = o.pid_file ? write_pid_file(o.pid_file) : 0;
	if (rc) { /* leave no socket behind that nobody serves */
		conn_shutdown();
		journal_close();
		fatalx("cannot write pid file %s: %s; give -F a writable place", o.pid_file,
		       log_strerror(rc));
	}
	o.sandbox.state_dir = o.journal.dir;
	o.sandbox.socket = path;
	o.sandbox.log_fd = logfp ? fileno(logfp) : -1;
	if (xsd_sandbox_enter(&o.sandbox)) {
		conn_shutdown();
		journal_close();
		if (o.pid_file)
			unlink(o.pid_file);
		return 1;
	}
	log_warnx("serving %s; state kept in %s", path,
		  o.journal.dir ? o.journal.dir : "memory only (-I): nothing is kept on disk");
	notify_ready();
	if (ready >= 0) {
		if (write(ready, "R", 1) != 1)
			fatal("cannot report readiness");
		close(ready);
		detach_stdio();
	}
	if (logfp)
		log_set_file(logfp);
	rc = conn_loop();
	journal_close();
	conn_shutdown();
	if (o.pid_file)
		unlink(o.pid_file);
	return rc ? 1 : 0;
}
