/*
 * The seccomp filters compiled at build time against the tables they come
 * from (hv_seccomp-test, xs_seccomp-test; include unit.h first):
 *   seccomp_check_same     for one set of run-time values, every filter of
 *                          a program built with libseccomp now equals, byte
 *                          for byte, its build-time BPF patched with them
 *                          (fails if the patching or the tables drift).
 *                          Only for values unlike every other constant
 *                          compared in a rule of the same shape (the pid
 *                          and AF_UNIX, 1, in xenstored's tgkill and socket
 *                          rules; the pid and the control directory's fd
 *                          in xenon-hv's tgkill and unlinkat): libseccomp
 *                          then shares one BPF block between the two rules,
 *                          which the compiled filter keeps apart: the same
 *                          decisions, a few more instructions;
 *   seccomp_check_refused  the patch refuses a filter whose placeholder is
 *                          missing or found twice, a value wider than 32
 *                          bits and a missing value the filter needs.
 */
#ifndef XENON_SECCOMP_SAME_H
#define XENON_SECCOMP_SAME_H

#include <errno.h>
#include <string.h>

#include "seccomp_table.h"

static struct seccomp_prog seccomp_built, seccomp_patched;

static void seccomp_check_same(const struct seccomp_table_set *set, const struct seccomp_bpf_set *bpf,
			       const long *vals)
{
	for (unsigned f = 0; f < set->nfilters; f++) {
		CHECK_INT(set->build(f, vals, &seccomp_built), 0);
		CHECK_INT(seccomp_bpf_patch(bpf, f, vals, set->nvals, &seccomp_patched), 0);
		CHECK(seccomp_built.prog.len > 0);
		CHECK_INT(seccomp_patched.prog.len, seccomp_built.prog.len);
		CHECK(!memcmp(seccomp_patched.insns, seccomp_built.insns,
			      seccomp_built.prog.len * sizeof(seccomp_built.insns[0])));
	}
}

/* set's first variant with instruction i's k set to k: patched with vals, the result (prog.len 0 on refusal).
 */
static int seccomp_patch_altered(const struct seccomp_bpf_set *bpf, long i, uint32_t k, const long *vals,
				 unsigned nvals)
{
	static struct sock_filter insns[SECCOMP_BPF_MAX_INSNS];
	struct seccomp_bpf one = bpf->bpf[0];
	struct seccomp_bpf_set set = {"test", &one, 1};
	int rc;

	memcpy(insns, one.insns, one.len * sizeof(insns[0]));
	if (i >= 0)
		insns[i].k = k;
	one.insns = insns;
	rc = seccomp_bpf_patch(&set, one.filter, vals, nvals, &seccomp_patched);
	CHECK(rc ? seccomp_patched.prog.len == 0 : seccomp_patched.prog.len == one.len);
	return rc;
}

/* vals: values with which bpf's first variant patches (each it uses present). */
static void seccomp_check_refused(const struct seccomp_bpf_set *bpf, const long *vals, unsigned nvals)
{
	const struct seccomp_bpf *b = &bpf->bpf[0];
	long hole = -1, other = -1, wide[SECCOMP_BPF_MAX_VALUES];

	for (unsigned i = 0; i < b->len; i++)
		if (b->insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K))
			*(b->insns[i].k == SECCOMP_BPF_HOLE(0) ? &hole : &other) = i;
	CHECK(hole >= 0 && other >= 0 && (b->uses & 1));
	CHECK_INT(seccomp_patch_altered(bpf, -1, 0, vals, nvals), 0);
	CHECK_INT(seccomp_patch_altered(bpf, hole, 12345, vals, nvals), -EINVAL);		 /* missing */
	CHECK_INT(seccomp_patch_altered(bpf, other, SECCOMP_BPF_HOLE(0), vals, nvals), -EINVAL); /* twice */
	memcpy(wide, vals, nvals * sizeof(wide[0]));
	wide[0] = 1L << 32;
	CHECK_INT(seccomp_patch_altered(bpf, -1, 0, wide, nvals), -EINVAL);
	wide[0] = -1;
	CHECK_INT(seccomp_patch_altered(bpf, -1, 0, wide, nvals), -ENOENT);
}

#endif
