/*
 * seccomp allow-lists kept as tables (libseccomp), shared by xenon-hv
 * (hypervisor/seccomp_rules.c: one list per thread kind) and xenstored
 * (xenstored/seccomp_rules.c). A table is an array of SCMP_SYS() numbers;
 * the build allows them all (negative ones, calls this architecture lacks,
 * are skipped) and traps (SIGSYS) everything else. ioctl is never allowed
 * whole: a table that lists it gets rules on request numbers from its
 * caller's extra function.
 *
 * Compiled at BUILD time: common/seccomp_gen.c (the generator the Makefile
 * runs) builds each filter of a set with placeholders for the values known
 * only at run time and writes the BPF as C; the programs patch and load it
 * (common/seccomp_bpf.h). The unit tests build the same filters here with
 * real values and compare them with the patched ones byte for byte.
 *
 *   seccomp_table_build   the filter of a base list, a list and extra rules,
 *                         compiled to BPF
 */
#ifndef XENON_SECCOMP_TABLE_H
#define XENON_SECCOMP_TABLE_H

#include <seccomp.h>

#include "seccomp_bpf.h"

#define SECCOMP_TABLE_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct seccomp_list {
	const int *calls;
	unsigned n;
};

/* Rules on arguments a caller adds to the filter being built: 0 or -errno. */
typedef int (*seccomp_extra_fn)(scmp_filter_ctx f, const void *arg);

/*
 * A program's filters, for the generator and the tests. build(filter, vals,
 * out) builds filter number filter (0..nfilters) with vals[0..nvals) (a
 * negative value: missing, its rule left out): 0 or -errno. Filter i
 * compares the values in values[i] (each in one SCMP_CMP_EQ rule of its
 * own), those in optional[i] may be missing.
 */
struct seccomp_table_set {
	const char *name; /* the generated table is <name>_seccomp_bpf */
	unsigned nfilters, nvals;
	const unsigned *values, *optional;
	int (*build)(unsigned filter, const long *vals, struct seccomp_prog *out);
};

/* Allow calls[0..n) except ioctl: 0 or -errno. */
int seccomp_table_allow(scmp_filter_ctx f, const int *calls, unsigned n);
/* tgkill to the threads of process pid only (raise, abort, pthread_kill):
 * no signal to another process, even one of the same uid. 0 or -errno. */
int seccomp_table_own_tgkill(scmp_filter_ctx f, long pid);
/* Whether nr is in list. */
int seccomp_table_has(struct seccomp_list list, int nr);
/* Build base + list + extra(f, arg) (extra may be NULL) into *out: 0 or -errno. */
int seccomp_table_build(struct seccomp_list base, struct seccomp_list list, seccomp_extra_fn extra,
			const void *arg, struct seccomp_prog *out);

#endif
