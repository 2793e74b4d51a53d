/*
 * seccomp filters compiled at build time, entered at run time (xenon-hv,
 * xenstored). common/seccomp_gen.c compiles each filter of a program's
 * tables (common/seccomp_table.h) with libseccomp while the tree is built
 * and writes the BPF as C (<dir>/_seccomp_bpf.c, generated); the program
 * then only copies a filter, patches in the values known at run time and
 * loads it: no libseccomp compile when a domain or the daemon starts.
 *
 * A run-time value (a pid, a directory fd) is compiled as a placeholder,
 * SECCOMP_BPF_HOLE(i), compared in one rule (SCMP_CMP_EQ, so the BPF has
 * one JEQ on the argument's low word with k = the placeholder; the high
 * word is compared with 0, true of the placeholder and of the value, which
 * must fit in 32 bits). A rule whose value may be missing at run time (no
 * such fd) is left out of one compiled variant of the filter: each filter
 * comes in one variant per subset of its optional values.
 *
 *   seccomp_bpf_patch   the variant for the values present, copied, each
 *                       placeholder replaced (refused unless each is found
 *                       exactly once)
 *   seccomp_bpf_trap    the SIGSYS handler: one log line naming the thread
 *                       kind and the call, then the process exits (code)
 *   seccomp_bpf_load    the calling thread enters a patched filter (one
 *                       seccomp(2) call; no_new_privs must be set)
 */
#ifndef XENON_SECCOMP_BPF_H
#define XENON_SECCOMP_BPF_H

#include <linux/filter.h>
#include <stdint.h>

#define SECCOMP_BPF_MAX_INSNS  4096
#define SECCOMP_BPF_MAX_VALUES 8
/* Placeholder of value i: distinct from any syscall number, ioctl request or arch id. */
#define SECCOMP_BPF_HOLE(i) (0x5ecc0de0u + (unsigned)(i))

struct seccomp_prog {
	struct sock_filter insns[SECCOMP_BPF_MAX_INSNS];
	struct sock_fprog prog; /* len 0: not built */
};

/* One compiled variant of a filter (generated). */
struct seccomp_bpf {
	unsigned filter; /* which filter of the set (a thread kind) */
	unsigned values; /* bit i: the filter compares value i (in a rule of its own) */
	unsigned uses;	 /* those present in this variant, each placeholder in one JEQ */
	unsigned short len;
	const struct sock_filter *insns;
};

/* A program's compiled filters (generated: <name>_seccomp_bpf). */
struct seccomp_bpf_set {
	const char *name;
	const struct seccomp_bpf *bpf;
	unsigned n;
};

/* JEQ instructions (on a constant) comparing with k in insns[0..len). */
unsigned seccomp_bpf_count(const struct sock_filter *insns, unsigned len, uint32_t k);
/*
 * Filter number filter of set, for vals[0..nvals) (each 0..INT32_MAX, or
 * negative: missing, its rule left out), into *out: 0, or -EINVAL (a value
 * out of range, or a placeholder not found exactly as often as compiled;
 * logged: the build-time filters do not match this program) or -ENOENT (no
 * variant for the values present).
 */
int seccomp_bpf_patch(const struct seccomp_bpf_set *set, unsigned filter, const long *vals, unsigned nvals,
		      struct seccomp_prog *out);
/*
 * Install the SIGSYS handler. A trapped call writes
 *   "<who>: seccomp: the <kind> thread made a forbidden system call: <name> (<nr>); <outcome>\n"
 * to standard error and to log_fd (if >= 0 and not 2), then the process
 * exits with exit_code. 0 or -errno.
 */
int seccomp_bpf_trap(const char *who, const char *outcome, int exit_code);
void seccomp_bpf_log_fd(int log_fd);
/* Enter p in the calling thread, kind naming it in a report: 0 or -errno. */
int seccomp_bpf_load(const struct seccomp_prog *p, const char *kind);

#endif
