/*
 * xenon-exporter [-F] [-l ADDRESS] [-p PORT] [-i SECONDS] [-t MS] [--pidfile FILE]
 * Takes a sample of every domain each interval (libxl_domain_stats_sample,
 * bounded by -t however slow a domain is) and publishes it as Prometheus
 * text; the HTTP server only hands out the latest, so a scrape never waits.
 */
#include "exporter/exporter.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define DEFAULT_PORT 9603

struct opts {
	const char *listen, *pidfile;
	unsigned port;
	double interval_s;
	int timeout_ms;
	bool foreground;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: xenon-exporter [OPTION]...\n"
		"Serve every domain's statistics in the Prometheus text format at /metrics.\n\n"
		"-l, --listen=ADDRESS   IPv4 or IPv6 address to listen on (default 127.0.0.1)\n"
		"-p, --port=PORT        TCP port (default %d)\n"
		"-i, --interval=SECONDS seconds between samples (default 1)\n"
		"-t, --timeout=MS       how long a sample waits for a slow xenon-hv (default %d)\n"
		"-F, --foreground       stay in the foreground, messages on stderr\n"
		"    --pidfile=FILE     write the daemon's pid to FILE\n"
		"-h, --help             this help;  -V, --version  the version\n"
		"See xenon-exporter(8).\n",
		DEFAULT_PORT, LIBXL_STATS_TIMEOUT_MS);
}

static int number(const char *opt, const char *v, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || *out < min || *out > max) {
		xe_warn("%s '%s': expected a number from %g to %g; see xenon-exporter --help", opt, v, min,
			max);
		return -EINVAL;
	}
	return 0;
}

/* 0, 1 (help or version shown) or -EINVAL. */
static int parse(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {{"listen", required_argument, NULL, 'l'},
					   {"port", required_argument, NULL, 'p'},
					   {"interval", required_argument, NULL, 'i'},
					   {"timeout", required_argument, NULL, 't'},
					   {"foreground", no_argument, NULL, 'F'},
					   {"pidfile", required_argument, NULL, 'P'},
					   {"help", no_argument, NULL, 'h'},
					   {"version", no_argument, NULL, 'V'},
					   {NULL, 0, NULL, 0}};
	double v;
	int c;

	while ((c = getopt_long(argc, argv, "l:p:i:t:FhV", lo, NULL)) != -1) {
		if (c == 'l') {
			o->listen = optarg;
		} else if (c == 'p') {
			if (number("--port", optarg, 1, 65535, &v) < 0 || v != (unsigned)v)
				return -EINVAL;
			o->port = (unsigned)v;
		} else if (c == 'i') {
			if (number("--interval", optarg, 0.1, 86400, &o->interval_s) < 0)
				return -EINVAL;
		} else if (c == 't') {
			if (number("--timeout", optarg, 1, 60000, &v) < 0)
				return -EINVAL;
			o->timeout_ms = (int)v;
		} else if (c == 'F') {
			o->foreground = true;
		} else if (c == 'P') {
			o->pidfile = optarg;
		} else if (c == 'h' || c == 'V') {
			if (c == 'h')
				usage(stdout);
			else
				printf("xenon-exporter 0.1 (Xenon)\n");
			return 1;
		} else {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		xe_warn("unexpected argument '%s'; see xenon-exporter --help", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One sample, formatted and published; 0 or -errno. */
static int sample_once(libxl_ctx *ctx, const struct opts *o, libxl_stats_sample *s)
{
	struct xe_buf b = {0};
	uint64_t t0 = now_ns();
	int rc = libxl_domain_stats_sample(ctx, LIBXL_STATS_HOST, o->timeout_ms, s);

	if (rc < 0) {
		xe_warn("cannot take a sample of the domains: %s", strerror(-rc));
		return rc;
	}
	rc = xe_format(&b, s, now_ns() - t0);
	if (rc == 0)
		xe_publish(&b);
	free(b.p);
	return rc;
}

/* Sample every interval until a stop signal; each wait is one absolute sleep. */
static void sample_loop(libxl_ctx *ctx, const struct opts *o, libxl_stats_sample *s)
{
	uint64_t next = now_ns(), period = (uint64_t)(o->interval_s * 1e9);

	while (!stop) {
		struct timespec ts;

		next += period;
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		if (!stop)
			sample_once(ctx, o, s);
	}
}

/* Become a daemon: the parent exits once the child says it serves (0) or not (1). */
static int daemonize(int *ready_fd)
{
	int p[2];
	char status = 1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(p[0]);
	setsid();
	if (chdir("/") < 0)
		return -errno;
	*ready_fd = p[1];
	return 0;
}

static void detached(int ready_fd)
{
	int null = open("/dev/null", O_RDWR);
	char ok = 0;

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	if (write(ready_fd, &ok, 1) < 0)
		_exit(1);
	close(ready_fd);
}

static int write_pidfile(const char *path)
{
	FILE *fp = fopen(path, "we");

	if (!fp || fprintf(fp, "%d\n", (int)getpid()) < 0 || fclose(fp) == EOF) {
		xe_warn("cannot write the pid file %s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.listen = "127.0.0.1",
			 .port = DEFAULT_PORT,
			 .interval_s = 1,
			 .timeout_ms = LIBXL_STATS_TIMEOUT_MS};
	struct sigaction sa = {.sa_handler = on_stop};
	libxl_stats_sample s;
	struct MHD_Daemon *http;
	libxl_ctx *ctx = NULL;
	int rc, ready_fd = -1;

	log_init("xenon-exporter");
	rc = parse(&o, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 1;
	if (!o.foreground && daemonize(&ready_fd) < 0)
		fatal("cannot become a daemon");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, NULL);
	if (rc < 0) {
		xe_warn("cannot connect to xenstored: %s (is it running? XENSTORED_PATH)", strerror(-rc));
		return 1;
	}
	libxl_stats_sample_init(&s);
	/* The first sample is there before the first scrape. */
	sample_once(ctx, &o, &s);
	http = xe_http_start(o.listen, o.port);
	if (!http || (o.pidfile && write_pidfile(o.pidfile) < 0))
		return 1;
	xe_warn("serving http://%s%s%s:%u/metrics", strchr(o.listen, ':') ? "[" : "", o.listen,
		strchr(o.listen, ':') ? "]" : "", o.port);
	if (ready_fd >= 0)
		detached(ready_fd);
	sample_loop(ctx, &o, &s);
	xe_http_stop(http);
	libxl_stats_sample_dispose(&s);
	libxl_ctx_free(ctx);
	if (o.pidfile)
		unlink(o.pidfile);
	return 0;
}
