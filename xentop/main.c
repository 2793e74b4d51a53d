/*
 * xentop [-h] [-V] [-d SECONDS] [-n] [-x] [-r] [-v] [-f] [-b] [-i N] [-z] [-j]
 * Xen's options and output; -j (JSON lines) beyond Xen.
 */
#include "xentop/xentop.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(const char *prog)
{
	printf("Usage: %s [OPTION]\n"
	       "Displays ongoing information about xen vm resources \n\n"
	       "-h, --help           display this help and exit\n"
	       "-V, --version        output version information and exit\n"
	       "-d, --delay=SECONDS  seconds between updates (default 3)\n"
	       "-n, --networks       output vif network data\n"
	       "-x, --vbds           output vbd block device data\n"
	       "-r, --repeat-header  repeat table header before each domain\n"
	       "-v, --vcpus          output vcpu data\n"
	       "-b, --batch          output in batch mode, no user input accepted\n"
	       "-i, --iterations     number of iterations before exiting\n"
	       "-f, --full-name      output the full domain name (not truncated)\n"
	       "-z, --dom0-first     display dom0 first (ignore sorting)\n"
	       "-j, --json           output one JSON object per domain per iteration (JSON lines)\n"
	       "\nSee xentop(1).\n",
	       prog);
}

static void version(void)
{
	printf("xentop " XENTOP_VERSION " (Xenon)\n");
}

static int bad_value(const char *opt, const char *v, const char *what)
{
	fprintf(stderr, "xentop: %s '%s': expected %s; see xentop --help\n", opt, v, what);
	return -EINVAL;
}

static int parse_number(const char *opt, const char *v, double *out, bool integer)
{
	char *end;
	double d;

	errno = 0;
	d = integer ? (double)strtol(v, &end, 10) : strtod(v, &end);
	if (errno || end == v || *end || !(d > 0) || d > 1e9)
		return bad_value(opt, v, integer ? "a whole number above 0" : "a number of seconds above 0");
	*out = d;
	return 0;
}

/* 0, 1 (exit 0: help, version) or -EINVAL (exit 1). */
static int parse_opts(struct xt_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {{"help", no_argument, NULL, 'h'},
					      {"version", no_argument, NULL, 'V'},
					      {"networks", no_argument, NULL, 'n'},
					      {"vbds", no_argument, NULL, 'x'},
					      {"repeat-header", no_argument, NULL, 'r'},
					      {"vcpus", no_argument, NULL, 'v'},
					      {"delay", required_argument, NULL, 'd'},
					      {"batch", no_argument, NULL, 'b'},
					      {"iterations", required_argument, NULL, 'i'},
					      {"full-name", no_argument, NULL, 'f'},
					      {"dom0-first", no_argument, NULL, 'z'},
					      {"json", no_argument, NULL, 'j'},
					      {NULL, 0, NULL, 0}};
	bool *flags[128] = {
	    ['n'] = &o->networks, ['x'] = &o->vbds,	 ['r'] = &o->repeat,	 ['v'] = &o->vcpus,
	    ['b'] = &o->batch,	  ['f'] = &o->full_name, ['z'] = &o->dom0_first, ['j'] = &o->json};
	double v;
	int opt;

	while ((opt = getopt_long(argc, argv, "hVnxrvd:bi:fzj", lopts, NULL)) != -1) {
		if (opt > 0 && opt < 128 && flags[opt]) {
			*flags[opt] = true;
		} else if (opt == 'h') {
			usage(argv[0]);
			return 1;
		} else if (opt == 'V') {
			version();
			return 1;
		} else if (opt == 'd') {
			if (parse_number("-d", optarg, &v, false) < 0)
				return -EINVAL;
			o->delay_s = v;
		} else if (opt == 'i') {
			if (parse_number("-i", optarg, &v, true) < 0)
				return -EINVAL;
			o->iterations = (long)v;
		} else {
			fprintf(stderr, "xentop: see xentop --help\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xentop: unexpected argument '%s'; see xentop --help\n", argv[optind]);
		return -EINVAL;
	}
	if (o->json)
		o->batch = true;
	return 0;
}

int main(int argc, char **argv)
{
	struct xt_state st = {.o = {.delay_s = 3, .timeout_ms = LIBXL_STATS_TIMEOUT_MS}};
	int rc, status;

	rc = parse_opts(&st.o, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 1;
	if (!st.o.batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr,
			"xentop: the screen needs a terminal; use -b (batch) or -j (JSON) otherwise\n");
		return 1;
	}
	rc = libxl_ctx_alloc(&st.ctx, LIBXL_VERSION, 0, NULL);
	if (rc < 0) {
		fprintf(stderr, "xentop: cannot connect to xenstored (%s): is it running? (XENSTORED_PATH)\n",
			strerror(-rc));
		return 1;
	}
	st.version = libxl_get_version_info(st.ctx)->version;
	libxl_stats_sample_init(&st.prev);
	libxl_stats_sample_init(&st.cur);
	xt_catch_signals();
	status = st.o.batch ? xt_run_batch(&st) : (xt_run_screen(&st) < 0 ? 1 : 0);
	xt_free(&st);
	libxl_ctx_free(st.ctx);
	if (xt_stop_signal) {
		/* The terminal is restored: end as the signal would have. */
		signal(xt_stop_signal, SIG_DFL);
		raise(xt_stop_signal);
	}
	return status;
}
