/*
 * seccomp allow-lists kept as tables (libseccomp), shared by xenon-hv
 * (hypervisor/sandbox_seccomp.c: one list per thread kind) and xenstored
 * (xenstored/sandbox.c). A table is an array of SCMP_SYS() numbers; the
 * build allows them all (negative ones, calls this architecture lacks, are
 * skipped) and traps (SIGSYS) everything else. ioctl is never allowed
 * whole: a table that lists it gets rules on request numbers from its
 * caller's extra function.
 *
 *   seccomp_table_build   the filter of a base list, a list and extra rules,
 *                         compiled to BPF once (while single-threaded)
 *   seccomp_table_trap    the SIGSYS handler: one log line naming the thread
 *                         kind and the call, then the process exits (code)
 *   seccomp_table_load    the calling thread enters a compiled filter (one
 *                         seccomp(2) call; no_new_privs must be set)
 */
#ifndef XENON_SECCOMP_TABLE_H
#define XENON_SECCOMP_TABLE_H

#include <linux/filter.h>
#include <seccomp.h>

#define SECCOMP_TABLE_MAX_INSNS 4096
#define SECCOMP_TABLE_LEN(a)	(sizeof(a) / sizeof((a)[0]))

struct seccomp_prog {
	struct sock_filter insns[SECCOMP_TABLE_MAX_INSNS];
	struct sock_fprog prog; /* len 0: not built */
};

struct seccomp_list {
	const int *calls;
	unsigned n;
};

/* Rules on arguments a caller adds to the filter being built: 0 or -errno. */
typedef int (*seccomp_extra_fn)(scmp_filter_ctx f, const void *arg);

/* Allow calls[0..n) except ioctl: 0 or -errno. */
int seccomp_table_allow(scmp_filter_ctx f, const int *calls, unsigned n);
/* tgkill to this process's own threads only (raise, abort, pthread_kill):
 * no signal to another process, even one of the same uid. 0 or -errno. */
int seccomp_table_own_tgkill(scmp_filter_ctx f);
/* Whether nr is in list. */
int seccomp_table_has(struct seccomp_list list, int nr);
/* Build base + list + extra(f, arg) (extra may be NULL) into *out: 0 or -errno. */
int seccomp_table_build(struct seccomp_list base, struct seccomp_list list, seccomp_extra_fn extra,
			const void *arg, struct seccomp_prog *out);
/*
 * Install the SIGSYS handler. A trapped call writes
 *   "<who>: seccomp: the <kind> thread made a forbidden system call: <name> (<nr>); <outcome>\n"
 * to standard error and to log_fd (if >= 0 and not 2), then the process
 * exits with exit_code. 0 or -errno.
 */
int seccomp_table_trap(const char *who, const char *outcome, int exit_code);
void seccomp_table_log_fd(int log_fd);
/* Enter p in the calling thread, kind naming it in a report: 0 or -errno. */
int seccomp_table_load(const struct seccomp_prog *p, const char *kind);

#endif
