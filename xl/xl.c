/*
 * xl: the Xenon toolstack's command line, as Xen's xl.
 *
 *   xl [-v] [-N] [-f] [-t] [-T] <subcommand> [args]
 *
 * main() reads the global options and xl.conf, then dispatches through the
 * command table (xl_cmdtable.c).
 */
#include "xl/xl.h"
#include "xl/xl_conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

bool xl_dryrun;
bool xl_force;
bool xl_progress_cr;
bool xl_timestamps;

static void list_commands(void)
{
	int i;

	printf("Usage xl [-vfNtT] <subcommand> [args]\n\n");
	printf("xl full list of subcommands:\n\n");
	for (i = 0; i < cmd_table_len; i++) {
		printf(" %-19s ", cmd_table[i].name);
		if (strlen(cmd_table[i].name) > 19)
			printf("\n %-19s ", "");
		printf("%s\n", cmd_table[i].summary);
	}
}

void xl_report_unknown(const char *what, const char *name, bool ambiguous)
{
	const char *xen = cmdtable_xen_only(name);

	if (ambiguous)
		log_warnx("%scommand '%s' is ambiguous; run 'xl help' for the list of commands", what, name);
	else if (xen)
		log_warnx("%s'%s' is a command of Xen's xl that Xenon does not implement yet; "
			  "run 'xl help' for the list of commands",
			  what, xen);
	else
		log_warnx("%s%s command '%s'; run 'xl help' for the list of commands", what,
			  *what ? "no" : "unknown", name);
}

int xl_help(const char *name)
{
	const struct cmd_spec *cmd;
	bool ambiguous;

	/* xl(1) documents "help --long" (grouped by function): the one list here. */
	if (!name || !strcmp(name, "help") || !strcmp(name, "--long")) {
		list_commands();
		return 0;
	}
	cmd = cmdtable_lookup(name, &ambiguous);
	if (!cmd) {
		xl_report_unknown("help: ", name, ambiguous);
		return 1;
	}
	printf("Usage: xl [-v%s%s] %s %s\n\n%s.\n\n", cmd->modifies ? "f" : "", cmd->can_dryrun ? "N" : "",
	       cmd->name, cmd->usage, cmd->summary);
	if (cmd->options)
		printf("Options:\n\n%s\n", cmd->options);
	return 0;
}

void xl_usage_error(const char *cmd, const char *fmt, ...)
{
	const struct cmd_spec *spec;
	bool ambiguous;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	spec = cmdtable_lookup(cmd, &ambiguous);
	log_warnx("%s: %s; usage: xl %s%s%s", cmd, what, cmd, spec && *spec->usage ? " " : "",
		  spec ? spec->usage : "");
}

/* The command's options plus --help, for getopt_long. */
static const struct option *with_help(const struct option *longopts, struct option *buf, size_t max)
{
	size_t n = 0;

	while (longopts && longopts[n].name && n + 2 < max) {
		buf[n] = longopts[n];
		n++;
	}
	buf[n++] = (struct option){"help", no_argument, NULL, 'h'};
	buf[n] = (struct option){NULL, 0, NULL, 0};
	return buf;
}

int xl_getopt(int argc, char **argv, const char *optstring, const struct option *longopts, const char *cmd,
	      int min_args, int *status)
{
	struct option all[64];
	char shortopts[128];
	int opt;

	/* ':' first: report a missing argument as ':' rather than '?'. */
	snprintf(shortopts, sizeof(shortopts), ":h%s", optstring);
	opterr = 0;
	opt = getopt_long(argc, argv, shortopts, with_help(longopts, all, 64), NULL);
	if (opt == 'h') {
		xl_help(cmd);
		*status = 0;
		return XL_OPT_EXIT;
	}
	if (opt == '?' || opt == ':') {
		if (opt == ':')
			log_warnx("%s: option '%s' needs an argument", cmd, argv[optind - 1]);
		else if (optopt)
			log_warnx("%s: option '-%c' not supported; see 'xl help %s'", cmd, optopt, cmd);
		else
			log_warnx("%s: option '%s' not supported; see 'xl help %s'", cmd, argv[optind - 1],
				  cmd);
		*status = 1;
		return XL_OPT_EXIT;
	}
	if (opt == -1 && argc - optind < min_args) {
		xl_usage_error(cmd, "missing argument");
		*status = 1;
		return XL_OPT_EXIT;
	}
	return opt;
}

static const char *const global_usage = "usage: xl [-v] [-N] [-f] [-t] [-T] <subcommand> [args]";

/* Parse xl's own options; returns the index of the subcommand. */
static int parse_global_options(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int opt, verbosity = 0;

	while ((opt = getopt_long(argc, argv, "+vfNtTh", opts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			verbosity++;
			break;
		case 'f':
			xl_force = true;
			break;
		case 'N':
			xl_dryrun = true;
			break;
		case 't':
			xl_progress_cr = true;
			break;
		case 'T':
			xl_timestamps = true;
			break;
		case 'h':
			xl_help(NULL);
			exit(0);
		default:
			fprintf(stderr, "%s\n", global_usage);
			exit(1);
		}
	}
	log_set_verbosity(verbosity);
	return optind;
}

static int run_command(const struct cmd_spec *cmd, int argc, char **argv)
{
	if (xl_dryrun && !cmd->can_dryrun) {
		log_warnx("%s: this command does not implement -N (dry run)", cmd->name);
		return 1;
	}
	/* Each command parses its options from argv[0] = its name. */
	optind = 1;
	return cmd->handler(argc, argv);
}

int main(int argc, char **argv)
{
	const struct cmd_spec *cmd;
	bool ambiguous;
	int first, rc;

	log_init("xl");
	first = parse_global_options(argc, argv);
	if (first >= argc) {
		xl_help(NULL);
		return 1;
	}
	argc -= first;
	argv += first;
	if (!strcmp(argv[0], "help"))
		return xl_help(argc > 1 ? argv[1] : NULL);
	cmd = cmdtable_lookup(argv[0], &ambiguous);
	if (!cmd) {
		xl_report_unknown("", argv[0], ambiguous);
		return 1;
	}
	if (cmd->handler != main_completion) {
		rc = xl_conf_load();
		if (rc < 0)
			return 1;
	}
	rc = run_command(cmd, argc, argv);
	xl_conf_dispose();
	return rc ? 1 : 0;
}
