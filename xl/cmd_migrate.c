/*
 * xl migrate and xl migrate-receive, as Xen's: the sender runs
 * "<sshcommand> <host> xl migrate-receive" (default ssh) and speaks to it
 * over that command's stdin and stdout:
 *
 *   receiver: "xl migration receiver ready, send binary domain data.\n"
 *   sender:   "xl migration sender's token: " + 32 hex digits + "\n" (random)
 *   sender:   xl's save header and configuration (as xl save), then the live
 *             stream (xenon-migration(7)); the source stays paused after it,
 *             and is renamed <name>--migratedaway at once
 *   receiver: builds the domain paused as <name>--incoming, then
 *             "xl migration receiver has received the domain.\n" + status byte
 *   sender:   "domain is yours, you are cleared to unpause.\n" + the token + "\n"
 *   receiver: renames its copy <name>, unpauses it (not with -p),
 *             "xl migration receiver reports the domain running.\n" + status byte
 *   sender:   destroys the source and prints a summary line.
 *
 * Anything failing before the last report: the receiver destroys its copy,
 * the sender renames the source back and unpauses it.
 *
 * The token: the source's xenon-hv writes its stream into the same channel,
 * after the token, and may be the guest's. Were "go" only words, it could
 * write them after its stream, and the receiver would run its copy before
 * the sender decided (one that then failed would run the source again: two
 * copies). It never sees the token (it holds only the channel's write end).
 */
#include "xl/cmd_save.h"
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iov.h"
#include "log.h"

static const char msg_ready[] = "xl migration receiver ready, send binary domain data.\n";
static const char msg_prepared[] = "xl migration receiver has built the domain, send the rest.\n";
static const char msg_received[] = "xl migration receiver has received the domain.\n";
static const char msg_go[] = "domain is yours, you are cleared to unpause.\n";
static const char msg_running[] = "xl migration receiver reports the domain running.\n";
static const char msg_token[] = "xl migration sender's token: ";

#define TOKEN_BYTES 16
#define TOKEN_HEX   (2 * TOKEN_BYTES + 1) /* the digits and a newline */

#define AWAY_SUFFIX	"--migratedaway"

/*
 * The stream's pipe (to the receiver, or to ssh): 1 MiB, pipe-max-size's
 * default, not 64 KiB: each fill and drain is a wake-up of the other side;
 * a 1 GiB guest's stream took 4.2-4.4 s through 64 KiB, 3.0-3.6 s through
 * 1 MiB, and no faster through 4 or 16 MiB (bench/RESULTS.md).
 */
#define STREAM_PIPE_BYTES (1 << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * --debug: one line per phase of the handshake on standard error, stamped
 * with this host's CLOCK_MONOTONIC (seconds): on one host the sender's and
 * the receiver's lines interleave in time; across hosts each side's
 * differences still time its phases.
 */
static void __attribute__((format(printf, 3, 4))) phase(bool debug, const char *who, const char *fmt, ...)
{
	char line[256];
	int n;
	va_list ap;

	if (!debug)
		return;
	n = snprintf(line, sizeof(line), "%s: [%.6f] ", who, now_ns() / 1e9);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line) - 1)
		n += vsnprintf(line + n, sizeof(line) - 1 - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write: the other side's lines, on the same stderr, never land inside it. */
	if (write(2, line, (size_t)n) < 0)
		return;
}

/* Read msg (and, with status, one status byte, which must be 0). */
static int expect(int fd, const char *msg, bool status, const char *who)
{
	char buf[128];
	size_t len = strlen(msg);
	unsigned char st = 0;
	int rc = xl_read_all(fd, buf, len);

	if (rc == 0 && status)
		rc = xl_read_all(fd, &st, 1);
	if (rc == -EPIPE) { /* the other end closed: it ended, or the connection was cut */
		log_warnx("migrate: connection to %s lost before it said \"%.*s\" (see its messages above)", who,
			  (int)len - 1, msg);
		return -EPIPE;
	}
	if (rc < 0 || memcmp(buf, msg, len)) {
		log_warnx("migrate: %s did not say \"%.*s\" (it failed or the connection was cut; see its "
			  "messages above)",
			  who, (int)len - 1, msg);
		return -EPROTO;
	}
	if (st) {
		log_warnx("migrate: %s reports failure (status %u; see its messages above)", who, st);
		return -EIO;
	}
	return 0;
}

/* A new token: TOKEN_HEX - 1 random hex digits and a newline (no NUL). */
static int token_make(char token[TOKEN_HEX])
{
	unsigned char r[TOKEN_BYTES];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -EIO;
	for (int i = 0; i < TOKEN_BYTES; i++) {
		token[2 * i] = "0123456789abcdef"[r[i] >> 4];
		token[2 * i + 1] = "0123456789abcdef"[r[i] & 15];
	}
	token[TOKEN_HEX - 1] = '\n';
	return 0;
}

/* msg, then the token (from the sender; the receiver checks it). */
static int expect_token(int fd, const char *msg, const char token[TOKEN_HEX], const char *who)
{
	char got[TOKEN_HEX];
	int rc = expect(fd, msg, false, who);

	if (rc == 0 && (rc = xl_read_all(fd, got, sizeof(got))) == 0 && memcmp(got, token, sizeof(got))) {
		log_warnx("migrate: \"%.*s\" came without the sender's token: not from the sender (its "
			  "domain's xenon-hv, in the same channel?); not obeyed",
			  (int)strlen(msg) - 1, msg);
		rc = -EPROTO;
	}
	return rc;
}

#define NO_STATUS 1 /* say's: a message without a status byte (rc is 0 or -errno) */

/* msg, then (unless NO_STATUS) a status byte: 0 for rc 0, 1 for a failure. */
static int say(int fd, const char *msg, int rc)
{
	unsigned char st = rc ? 1 : 0;
	int err = fd_write_all(fd, msg, strlen(msg));

	if (err == 0 && rc != NO_STATUS)
		err = fd_write_all(fd, &st, 1);
	return err;
}

/* ---- the sender -------------------------------------------------------- */

struct migrate {
	const char *ssh, *host, *cfg_file;
	bool daemonize, paused, debug, json;
	uint32_t max_downtime_ms, domid;
	char *name;
	int to, from; /* the receiver's stdin and stdout */
	pid_t pid;
	/* CLOCK_MONOTONIC: the source's last pause, the "running" report */
	uint64_t paused_at, running_at;
	char away[LIBXL_NAME_MAX + 1]; /* the source's name while it is handed over */
	char token[TOKEN_HEX];	       /* said before the stream, repeated with "go" */
	libxl_rename_ahead *ahead;     /* its rename, checked while the stream goes */
};

/* --debug: a phase of the sender, and the time since the source's last pause. */
static void sender_phase(const struct migrate *m, const char *what)
{
	if (m->paused_at)
		phase(m->debug, "migrate", "%s (pause + %.3f ms)", what, (now_ns() - m->paused_at) / 1e6);
	else
		phase(m->debug, "migrate", "%s", what);
}

static int spawn_receiver(struct migrate *m)
{
	int in[2], out[2];
	char *rune = NULL;

	if (asprintf(&rune, "exec %s %s xl migrate-receive%s%s%s", m->ssh, m->host, m->daemonize ? "" : " -e",
		     m->paused ? " -p" : "", m->debug ? " --debug" : "") < 0)
		return -ENOMEM;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		free(rune);
		return -errno;
	}
	fcntl(in[1], F_SETPIPE_SZ, STREAM_PIPE_BYTES); /* (a smaller pipe stays: slower, not wrong) */
	fflush(NULL);
	m->pid = fork();
	if (m->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", rune, (char *)NULL);
		_exit(127);
	}
	free(rune);
	close(in[0]);
	close(out[1]);
	m->to = in[1];
	m->from = out[0];
	if (m->pid < 0) {
		close(m->to);
		close(m->from);
		return -errno;
	}
	return 0;
}

static void reap_receiver(struct migrate *m)
{
	int status;

	if (m->to >= 0)
		close(m->to);
	if (m->from >= 0)
		close(m->from);
	m->to = m->from = -1;
	if (m->pid > 0)
		waitpid(m->pid, &status, 0);
	m->pid = -1;
}

static void summary(const struct migrate *m, const libxl_save_stats *st, uint64_t total_ns, uint64_t down_ns)
{
	if (m->json)
		printf(
		    "{\"domain\": \"%s\", \"domid\": %u, \"host\": \"%s\", \"bytes\": %llu, \"frames\": "
		    "%llu, "
		    "\"zero_frames\": %llu, \"rounds\": %llu, \"total_ms\": %.3f, \"downtime_ms\": %.3f}\n",
		    m->name, m->domid, m->host, (unsigned long long)st->bytes, (unsigned long long)st->frames,
		    (unsigned long long)st->zero_frames, (unsigned long long)st->rounds, total_ns / 1e6,
		    down_ns / 1e6);
	else
		printf("Migrated domain %s (%u) to %s: %llu rounds, %llu frames (%llu zero), %llu bytes, "
		       "total %.1f ms, downtime %.1f ms\n",
		       m->name, m->domid, m->host, (unsigned long long)st->rounds,
		       (unsigned long long)st->frames, (unsigned long long)st->zero_frames,
		       (unsigned long long)st->bytes, total_ns / 1e6, down_ns / 1e6);
}

/* hand_over's: after "go", no report: where the domain runs is not known. */
#define HANDOVER_UNDEFINED (-ENOTRECOVERABLE)

/*
 * Before the stream: the source's rename to <name>--migratedaway is
 * checked in a transaction left open while the stream goes (hand_over
 * writes and commits it: two round trips, not the whole rename, while the
 * receiver builds its copy). If it cannot begin, hand_over renames in full.
 */
static void rename_ahead(libxl_ctx *ctx, struct migrate *m)
{
	snprintf(m->away, sizeof(m->away), "%.*s%s", (int)(LIBXL_NAME_MAX - strlen(AWAY_SUFFIX)), m->name,
		 AWAY_SUFFIX);
	if (libxl_domain_rename_begin(ctx, m->domid, NULL, m->away, &m->ahead) < 0)
		m->ahead = NULL;
}

/* The rename begun ahead, dropped (the stream failed) or committed; else the whole rename. */
static int rename_away(libxl_ctx *ctx, struct migrate *m, bool commit)
{
	libxl_rename_ahead *ahead = m->ahead;

	m->ahead = NULL;
	if (ahead)
		return libxl_domain_rename_end(ctx, ahead, commit);
	return commit ? libxl_domain_rename(ctx, m->domid, NULL, m->away) : 0;
}

/*
 * The stream has gone: hand the domain over. The source takes its
 * --migratedaway name at once, while the receiver still builds its copy
 * (off the critical path of the downtime, and still before "go", as in
 * Xen); a failure before "go", or one the receiver reports after it
 * (having destroyed its copy first), gives it its name back. After "go"
 * a lost or garbled report leaves it as it is: the target's copy may run
 * (as Xen's xl: the final handshake failed, the state is undefined).
 */
static int hand_over(libxl_ctx *ctx, struct migrate *m)
{
	int rc = rename_away(ctx, m, true);

	if (rc < 0) {
		log_warnx("migrate: cannot rename domain %u to '%s': %s", m->domid, m->away, log_strerror(rc));
		return rc;
	}
	sender_phase(m, "source renamed --migratedaway");
	rc = expect(m->from, msg_prepared, false, "the receiver");
	if (rc == 0)
		rc = expect(m->from, msg_received, true, "the receiver");
	if (rc == 0) {
		sender_phase(m, "the receiver has the domain");
		rc = say(m->to, msg_go, NO_STATUS);
		if (rc == 0)
			rc = fd_write_all(m->to, m->token, sizeof(m->token));
	}
	if (rc == 0) {
		sender_phase(m, "told the receiver to go");
		rc = expect(m->from, msg_running, true, "the receiver");
		if (rc < 0 && rc != -EIO)
			return HANDOVER_UNDEFINED;
	}
	if (rc == 0) {
		m->running_at = now_ns();
		sender_phase(m, "the receiver reports the domain running");
	}
	if (rc < 0 && libxl_domain_rename(ctx, m->domid, NULL, m->name) < 0)
		log_warnx("migrate: cannot rename domain %u back to '%s'", m->domid, m->name);
	return rc;
}

/*
 * Send the domain live; it stays paused here. The receiver's replies are
 * the gate: the source pauses for the last round only once the receiver
 * says it has built its copy (or ends), so that building it is no downtime.
 */
static int send_domain(libxl_ctx *ctx, struct migrate *m, libxl_save_stats *st)
{
	int rc = libxl_domain_save_gated(ctx, m->domid, m->to, m->from,
					 LIBXL_SAVE_CONTINUE | LIBXL_SAVE_LIVE | LIBXL_SAVE_PAUSED,
					 m->max_downtime_ms, st);

	if (rc == 0) {
		/* xenon-hv's downtime_ns runs from its pause to its reply */
		m->paused_at = now_ns() - st->downtime_ns;
		sender_phase(m, "stream sent");
	} else if (rc == -EPIPE)
		log_warnx("migrate: sending domain %u failed: connection to the receiver lost (it ended, "
			  "or the connection was cut; see its messages above)",
			  m->domid);
	else
		log_warnx("migrate: sending domain %u failed: %s", m->domid, log_strerror(rc));
	return rc;
}

/*
 * The downtime (issue 12: the source's last guest instruction to the
 * target's first) ends here when the receiver's "running" report arrives:
 * the receiver sends it only once its copy is unpaused, so the guest ran on
 * the target at most the report's one-way trip earlier. The sender cannot
 * read the target's clock (another host), and this needs none; it overstates
 * by that trip (a pipe here, one network latency across hosts). Waiting for
 * the receiver to end and destroying the source copy come after: not counted.
 */
static int migrate(libxl_ctx *ctx, struct migrate *m)
{
	libxl_save_stats st = {0};
	uint64_t t0 = now_ns();
	char *json = NULL;
	int rc = xl_save_config_json(ctx, m->domid, m->cfg_file, &json);

	if (rc == 0 && (rc = spawn_receiver(m)) < 0)
		log_warnx("migrate: cannot run the receiver: %s", log_strerror(rc));
	if (rc == 0 && (rc = expect(m->from, msg_ready, false, "the receiver")) == 0)
		sender_phase(m, "the receiver is ready");
	/* before the stream: xenon-hv gets the channel after it */
	if (rc == 0 && (rc = token_make(m->token)) == 0 && (rc = say(m->to, msg_token, NO_STATUS)) == 0)
		rc = fd_write_all(m->to, m->token, sizeof(m->token));
	if (rc == 0 && (rc = xl_save_header_write(m->to, json, false)) == 0) {
		rename_ahead(ctx, m);
		rc = send_domain(ctx, m, &st);
		if (rc == 0)
			rc = hand_over(ctx, m);
		else
			rename_away(ctx, m, false);
		if (rc < 0 && rc != HANDOVER_UNDEFINED)
			libxl_domain_unpause(ctx, m->domid); /* it ran before: it runs on */
	}
	free(json);
	reap_receiver(m);
	if (rc == HANDOVER_UNDEFINED) {
		log_warnx("migrate: ** the migration failed during its final handshake ** the receiver was "
			  "told to go, then its report was lost: domain %s (%u) may run on %s now. It stays "
			  "here, paused, as '%s'. Check both hosts, and rename and unpause at most one "
			  "copy: two running copies of a domain would likely lose data.",
			  m->name, m->domid, m->host, m->away);
		return rc;
	}
	if (rc < 0) {
		log_warnx("migrate: domain %s (%u) was not migrated; it runs on here", m->name, m->domid);
		return rc;
	}
	sender_phase(m, "the receiver has ended");
	rc = libxl_domain_destroy(ctx, m->domid);
	if (rc < 0)
		log_warnx("migrate: domain %u runs on %s, but its old copy here could not be destroyed: %s "
			  "(xl destroy %u)",
			  m->domid, m->host, log_strerror(rc), m->domid);
	else
		sender_phase(m, "the source copy is destroyed");
	summary(m, &st, now_ns() - t0, m->running_at - m->paused_at);
	return 0;
}

int main_migrate(int argc, char **argv)
{
	static const struct option opts[] = {{"debug", no_argument, NULL, 'd'},
					     {"max-downtime", required_argument, NULL, 'm'},
					     {"json", no_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};
	struct migrate m = {.ssh = "ssh", .daemonize = true, .to = -1, .from = -1, .pid = -1};
	libxl_ctx *ctx;
	unsigned long v;
	char *end;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "s:C:epd", opts, "migrate", 2)
	{
	case 's':
		m.ssh = optarg;
		break;
	case 'C':
		m.cfg_file = optarg;
		break;
	case 'e':
		m.daemonize = false;
		break;
	case 'p':
		m.paused = true;
		break;
	case 'd':
		m.debug = true;
		break;
	case 'j':
		m.json = true;
		break;
	case 'm':
		errno = 0;
		v = strtoul(optarg, &end, 10);
		if (errno || end == optarg || *end || !v || v > 60000) {
			log_warnx("migrate: --max-downtime '%s': give milliseconds, 1 to 60000", optarg);
			return 1;
		}
		m.max_downtime_ms = (uint32_t)v;
		break;
	}
	if (xl_too_many_args(argc, argv, "migrate", 2))
		return 1;
	m.host = argv[optind + 1];
	signal(SIGPIPE, SIG_IGN);
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, "migrate", argv[optind], &m.domid,
			   "Domain-0 is the host: it cannot be migrated");
	if (rc == 0 && !(m.name = libxl_domid_to_name(ctx, m.domid)))
		rc = -ESRCH;
	if (rc == 0)
		rc = migrate(ctx, &m);
	free(m.name);
	libxl_ctx_free(ctx);
	return rc < 0 ? 1 : 0;
}

/* ---- the receiver ------------------------------------------------------ */

/* Read the header and build the domain paused as <name>--incoming. */
static int receive(struct xl_create_opts *o, libxl_domain_config *cfg, char **name)
{
	char *json = NULL, *incoming = NULL;
	int rc = xl_save_header_read(0, "the migration stream", &json);

	if (rc == 0)
		rc = xl_restore_config("the migration stream", NULL, json, cfg);
	free(json);
	if (rc < 0)
		return rc;
	phase(o->debug, "migrate-receive", "header and configuration read");
	if (o->debug) {
		char *shown = NULL;

		if (libxl_domain_config_to_json(cfg, &shown) == 0)
			fprintf(stderr, "%s\n", shown);
		free(shown);
	}
	*name = cfg->c_info.name;
	if (asprintf(&incoming, "%s%s", *name, XL_INCOMING_SUFFIX) < 0)
		return -ENOMEM;
	cfg->c_info.name = incoming;
	if (xl_create_domain(o, cfg))
		return -EIO;
	phase(o->debug, "migrate-receive", "domain built, paused");
	return 0;
}

/* libxl's prepared hook: the copy is built but for the stream's end (once). */
static void say_prepared(void *arg)
{
	struct xl_create_opts *o = arg;

	if (!o->prepared)
		return;
	o->prepared = NULL; /* a reboot's create later says nothing */
	if (say(1, msg_prepared, NO_STATUS) == 0)
		phase(o->debug, "migrate-receive", "said it has built the domain");
}

/*
 * Told to go: take the domain's name (checked ahead: finished now; if the
 * check failed, all of it now: on one host the source may have held the
 * name still) and run it.
 */
static int take_over(libxl_ctx *ctx, uint32_t domid, const char *name, bool paused, bool debug,
		     libxl_rename_ahead *ahead)
{
	int rc = ahead ? libxl_domain_rename_end(ctx, ahead, true) : libxl_domain_rename(ctx, domid, NULL, name);

	if (rc < 0)
		log_warnx("migrate-receive: cannot rename domain %u to '%s': %s", domid, name,
			  log_strerror(rc));
	else
		phase(debug, "migrate-receive", "renamed '%s'", name);
	if (rc == 0 && !paused && (rc = libxl_domain_unpause(ctx, domid)) < 0)
		log_warnx("migrate-receive: cannot unpause domain %u: %s", domid, log_strerror(rc));
	else if (rc == 0 && !paused)
		phase(debug, "migrate-receive", "unpaused");
	return rc;
}

int main_migrate_receive(int argc, char **argv)
{
	static const struct option opts[] = {{"debug", no_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
	struct xl_create_opts o = {
	    .daemonize = true, .monitor = true, .restore = true, .paused = true, .receiver = getpid()};
	bool paused = false;
	libxl_domain_config cfg;
	libxl_ctx *ctx = NULL;
	char *name = NULL;
	uint32_t domid = 0;
	libxl_rename_ahead *ahead = NULL;
	char token[TOKEN_HEX];
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "epd", opts, "migrate-receive", 0)
	{
	case 'e':
		o.daemonize = o.monitor = false;
		break;
	case 'p':
		paused = true;
		break;
	case 'd':
		o.debug = true;
		break;
	}
	if (xl_too_many_args(argc, argv, "migrate-receive", 0))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	libxl_domain_config_init(&cfg);
	/* Not fd 0 itself: xenon-hv's spawn puts /dev/null there before it takes the stream. */
	o.restore_fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
	fcntl(0, F_SETPIPE_SZ, STREAM_PIPE_BYTES); /* if the stream comes through a pipe (from sshd) */
	o.prepared = say_prepared;
	o.prepared_arg = &o;
	rc = o.restore_fd < 0 ? -errno : say(1, msg_ready, NO_STATUS);
	if (rc == 0 && (rc = expect(o.restore_fd, msg_token, false, "the sender")) == 0)
		rc = xl_read_all(o.restore_fd, token, sizeof(token));
	if (rc == 0 && !(ctx = xl_ctx_open()))
		rc = -ENOTCONN;
	if (rc == 0)
		rc = receive(&o, &cfg, &name);
	if (rc == 0)
		domid = o.domid;
	/*
	 * Said by this process, not by the monitor that built the copy (which
	 * could say it sooner): "received" promises a receiver that will act
	 * on "go", and one killed meanwhile would not (after "go" the sender
	 * must not run its copy again on a guess).
	 */
	if (say(1, msg_received, rc) < 0 && rc == 0)
		rc = -EPIPE;
	if (rc == 0)
		phase(o.debug, "migrate-receive", "said it has the domain");
	/*
	 * While the sender answers: the unpause's connection, and the rename's
	 * checks (its transaction stays open until "go"); not in the downtime.
	 */
	if (rc == 0 && libxl_domain_hv_keep(ctx, domid) < 0)
		log_warnx("migrate-receive: cannot connect to domain %u's xenon-hv ahead of its unpause", domid);
	if (rc == 0)
		libxl_domain_rename_begin(ctx, domid, NULL, name, &ahead); /* (else all of it at "go") */
	if (rc == 0 && (rc = expect_token(0, msg_go, token, "the sender")) == 0) {
		phase(o.debug, "migrate-receive", "told to go");
		rc = take_over(ctx, domid, name, paused, o.debug, ahead);
		ahead = NULL;
	}
	if (ahead)
		libxl_domain_rename_end(ctx, ahead, false);
	if (rc < 0 && domid)
		libxl_domain_destroy(ctx, domid); /* the source runs on */
	if (rc < 0)
		log_warnx("migrate-receive: the domain was not received; nothing is left here");
	if (say(1, msg_running, rc) == 0 && rc == 0)
		phase(o.debug, "migrate-receive", "said the domain runs");
	free(name);
	if (o.restore_fd >= 0)
		close(o.restore_fd);
	libxl_domain_config_dispose(&cfg);
	if (ctx)
		libxl_ctx_free(ctx);
	return rc < 0 ? 1 : 0;
}
