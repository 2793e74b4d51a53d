/*
 * xl.h: what the xl command's parts share: the command table, the global
 * options, the per-command option parser and the create hook.
 *
 * Adding a command (see xl/xl_cmdtable.c):
 *   1. write int main_<name>(int argc, char **argv) in xl/cmd_<name>.c;
 *      argv[0] is the command name, options are parsed with
 *      SWITCH_FOREACH_OPT (which handles -h/--help and bad options);
 *      return 0 on success, 1 on failure (the exit status);
 *   2. add its prototype below (XL_COMMAND) and one line to cmd_table.
 * `xl help`, `xl help CMD`, `xl CMD --help` and the bash completion are
 * generated from the table.
 */
#ifndef XENON_XL_H
#define XENON_XL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "libxl/libxl_types.h"

struct cmd_spec {
	const char *name;
	int (*handler)(int argc, char **argv);
	bool can_dryrun;     /* accepts the global -N */
	bool modifies;	     /* accepts the global -f */
	const char *summary; /* one line, no final period */
	const char *usage;   /* after "xl NAME ": "[options] <Domain>" */
	/* Option help, one option a line ("-c        Connect ..."); NULL: none. */
	const char *options;
};

extern const struct cmd_spec cmd_table[];
extern const int cmd_table_len;

/*
 * Find a command by name or by an unambiguous prefix of one (as Xen's xl:
 * Xen's commands Xenon lacks count for ambiguity). Returns NULL and sets
 * *ambiguous when the prefix matches several.
 */
const struct cmd_spec *cmdtable_lookup(const char *name, bool *ambiguous);

/*
 * The command of Xen's xl that name is or abbreviates, when Xenon does not
 * have it; NULL otherwise.
 */
const char *cmdtable_xen_only(const char *name);

/* Say why name is no command ("xl: " + what + ...): for main ("") and help ("help: "). */
void xl_report_unknown(const char *what, const char *name, bool ambiguous);

/* Say what is wrong with cmd's arguments ("cmd: " + fmt ...), then its usage. */
void xl_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* xl help [CMD] (to stdout); 1 (with a message) for an unknown CMD. */
int xl_help(const char *cmd);

/* ---- global options (xl.c) -------------------------------------------- */

extern bool xl_dryrun;	    /* -N */
extern bool xl_force;	    /* -f */
extern bool xl_progress_cr; /* -t */
extern bool xl_timestamps;  /* -T */

/* ---- per-command options ----------------------------------------------- */

#define XL_OPT_EXIT (-2)

/*
 * getopt_long for a command handler: -h/--help print the command's help
 * (*status = 0), an unknown option or a missing argument prints a message
 * and the usage (*status = 1); both return XL_OPT_EXIT. At the end of the
 * options returns -1, or XL_OPT_EXIT with *status = 1 (and the usage)
 * when fewer than min_args arguments follow. longopts may be NULL.
 */
int xl_getopt(int argc, char **argv, const char *optstring, const struct option *longopts, const char *cmd,
	      int min_args, int *status);

/*
 * for each option: switch (opt) { case ...: }. Returns from the handler
 * itself for --help and bad options.
 */
#define SWITCH_FOREACH_OPT(opt, optstring, longopts, cmd, min_args)                                          \
	for (int xl_opt_status_ = 0; ((opt) = xl_getopt(argc, argv, (optstring), (longopts), (cmd),          \
							(min_args), &xl_opt_status_)) != -1;)                \
		if ((opt) == XL_OPT_EXIT)                                                                    \
			return xl_opt_status_;                                                               \
		else                                                                                         \
			switch (opt)

/* ---- create (cmd_create.c, cmd_create_domain.c) ------------------------ */

struct xl_create_opts {
	const char *config_file; /* NULL: only key=value arguments */
	char *extra_config;	 /* key=value arguments, one per line */
	bool paused;		 /* -p */
	bool console;		 /* -c */
	bool quiet;		 /* -q */
	bool daemonize;		 /* false with -F or -e */
	bool monitor;		 /* false with -e */
	bool debug;		 /* -d */
	bool restore;		 /* xl restore: from restore_fd, not the kernel */
	int restore_fd;
	int receiver; /* xl migrate-receive's pid: its end before the handover destroys the copy */
	uint32_t domid; /* out: the domain created (with daemonize) */
	/* libxl_domain_create_opts' prepared hook (xl migrate-receive), or NULL */
	void (*prepared)(void *arg);
	void *prepared_arg;
};

/* A migration's incoming copy is <name>--incoming until the receiver takes it over. */
#define XL_INCOMING_SUFFIX "--incoming"

/*
 * Create the domain described by cfg (already parsed and checked), with
 * its monitor (xl/cmd_create_domain.c). Returns the exit status (0 or 1).
 */
int xl_create_domain(struct xl_create_opts *opts, libxl_domain_config *cfg);

/* ---- the commands ------------------------------------------------------ */

#define XL_COMMAND(name) int main_##name(int argc, char **argv)

XL_COMMAND(create);
XL_COMMAND(dump_core);
XL_COMMAND(cpupool_create);
XL_COMMAND(cpupool_list);
XL_COMMAND(cpupool_destroy);
XL_COMMAND(cpupool_rename);
XL_COMMAND(cpupool_cpu_add);
XL_COMMAND(cpupool_cpu_remove);
XL_COMMAND(cpupool_migrate);
XL_COMMAND(cpupool_numa_split);
XL_COMMAND(mem_set);
XL_COMMAND(mem_max);
/* Xen's memory sizes (cmd_mem.c): "512", "512m", "2g", "1048576k", "..b" -> KiB, or -1. */
int64_t xl_parse_mem_kb(const char *s);
XL_COMMAND(completion);
XL_COMMAND(list);
XL_COMMAND(claims);
XL_COMMAND(config_update);
XL_COMMAND(getenforce);
XL_COMMAND(setenforce);
XL_COMMAND(loadpolicy);
XL_COMMAND(destroy);
XL_COMMAND(shutdown);
XL_COMMAND(reboot);
XL_COMMAND(pause);
XL_COMMAND(save);
XL_COMMAND(restore);
XL_COMMAND(migrate);
XL_COMMAND(migrate_receive);
XL_COMMAND(unpause);
XL_COMMAND(rename);
XL_COMMAND(domid);
XL_COMMAND(domname);
XL_COMMAND(vm_list);
XL_COMMAND(info);
XL_COMMAND(uptime);
XL_COMMAND(dmesg);
XL_COMMAND(debug_keys);
XL_COMMAND(console);
XL_COMMAND(block_attach);
XL_COMMAND(block_detach);
XL_COMMAND(block_list);
XL_COMMAND(network_attach);
XL_COMMAND(network_detach);
XL_COMMAND(network_list);
XL_COMMAND(top);
XL_COMMAND(sched_credit);
XL_COMMAND(sched_credit2);
XL_COMMAND(vcpu_list);
XL_COMMAND(vcpu_pin);
XL_COMMAND(trigger);
XL_COMMAND(button_press);
XL_COMMAND(vcpu_set);
XL_COMMAND(sysrq);

#endif
