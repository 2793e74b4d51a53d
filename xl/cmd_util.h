/* Helpers the lifecycle commands (xl/cmd_*.c) share. */
#ifndef XENON_XL_CMD_UTIL_H
#define XENON_XL_CMD_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libxl/libxl.h"

/* cfg in xl.conf's output_format to fh (stdout, or stderr for -d); 1 after saying why it cannot (cmd: ...). */
int xl_print_config(const char *cmd, const libxl_domain_config *cfg, FILE *fh);

/* Append "arg\n" (a key=value argument) to *extra (malloc'd); -ENOMEM. */
int xl_add_override(char **extra, const char *arg);

/* Xen's print_bitmap on stdout: bits [0, nbits) as "all", "none", or ranges "0-3,6". */
void xl_print_bitmap(const libxl_bitmap *map, unsigned nbits);

/* Connect to xenstored; on failure says why and what to do, returns NULL. */
libxl_ctx *xl_ctx_open(void);
/*
 * Is q the host, Domain-0, by id or by name? It always is, as in `xl list`,
 * even before anything wrote /local/domain/0 (Xen's xen-init-dom0 does at
 * boot; here the first create does).
 */
bool xl_names_host(const char *q);
/* A domain named by name or id; on failure says so (cmd: for the message). */
int xl_find_domain(libxl_ctx *ctx, const char *cmd, const char *q, uint32_t *domid);
/*
 * xl_find_domain for a guest: Domain-0 is refused with "cmd: " + fmt ...
 * (why, and what to do instead) and -EINVAL.
 */
int xl_find_guest(libxl_ctx *ctx, const char *cmd, const char *q, uint32_t *domid, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Attach the terminal to the domain's console until ^] or the domain ends. */
int xl_console_attach(libxl_ctx *ctx, uint32_t domid);
/* "1 day,  2:03:04" (short: without seconds), as Xen's xl uptime. */
void xl_uptime_string(uint64_t seconds, int short_mode, char *buf, unsigned len);
/* The xl.conf lockfile, or the default. */
const char *xl_lockfile(void);
/* Take the xl lock (release with libxl_lock_release); on failure says why. */
int xl_lock_take(int *lock);

/*
 * More than max arguments after the options (argv[optind...])? Says which
 * one is too many and the usage, and returns true.
 */
bool xl_too_many_args(int argc, char **argv, const char *cmd, int max);

/*
 * The arguments of a command with no options but -h: exactly nargs of
 * them (from argv[optind]). Returns -1 to go on, or the exit status
 * (0 after --help, 1 after a message).
 */
int xl_plain_args(int argc, char **argv, const char *cmd, int nargs);

/* A domain's xenon-hv did not answer in time (-ETIMEDOUT): say so, and what to do. */
void xl_say_not_answering(const char *cmd, const char *dom);
/*
 * Look up domain q and call op(ctx, domid) on it, refusing Domain-0;
 * reports errors ("domain 'q' could not be <failed>"), returns the exit
 * status.
 */
int xl_domain_op(const char *cmd, const char *q, int (*op)(libxl_ctx *ctx, uint32_t domid),
		 const char *failed);

/*
 * The body of a command "xl CMD <Domain>" that calls op(ctx, domid):
 * xl_plain_args() with one argument, then xl_domain_op().
 */
int xl_simple_domain_command(int argc, char **argv, const char *cmd,
			     int (*op)(libxl_ctx *ctx, uint32_t domid), const char *failed);
#endif
