/*
 * seccomp allow-lists as tables: building and compiling with libseccomp
 * (common/seccomp_table.h). Linked by the generator (common/seccomp_gen.c)
 * and the unit tests, not by the programs, which load the filters compiled
 * at build time (common/seccomp_bpf.c).
 */
#include "seccomp_table.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int seccomp_table_allow(scmp_filter_ctx f, const int *calls, unsigned n)
{
	int rc = 0;

	for (unsigned i = 0; !rc && i < n; i++)
		if (calls[i] != SCMP_SYS(ioctl) && calls[i] >= 0)
			rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, calls[i], 0);
	return rc;
}

int seccomp_table_own_tgkill(scmp_filter_ctx f, long pid)
{
	return seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				SCMP_A0(SCMP_CMP_EQ, (uint32_t)pid, 0));
}

int seccomp_table_has(struct seccomp_list list, int nr)
{
	for (unsigned i = 0; i < list.n; i++)
		if (list.calls[i] == nr)
			return 1;
	return 0;
}

/* libseccomp writes the BPF program to an fd: a pipe, read back whole. */
static int compile(scmp_filter_ctx f, struct seccomp_prog *out)
{
	const ssize_t max = SECCOMP_BPF_MAX_INSNS * (ssize_t)sizeof(out->insns[0]);
	int pfd[2], rc;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	rc = seccomp_export_bpf(f, pfd[1]);
	close(pfd[1]);
	n = rc ? -1 : read(pfd[0], out->insns, max);
	if (!rc && (n <= 0 || n % sizeof(out->insns[0]) || n == max))
		rc = -E2BIG;
	close(pfd[0]);
	out->prog.len = rc ? 0 : (unsigned short)(n / sizeof(out->insns[0]));
	out->prog.filter = out->insns;
	return rc;
}

int seccomp_table_build(struct seccomp_list base, struct seccomp_list list, seccomp_extra_fn extra,
			const void *arg, struct seccomp_prog *out)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_TRAP);
	int rc;

	out->prog.len = 0;
	if (!f)
		return -ENOMEM;
	/* The caller sets no_new_privs (and says so in its report). */
	rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 0);
	if (!rc)
		rc = seccomp_table_allow(f, base.calls, base.n);
	if (!rc)
		rc = seccomp_table_allow(f, list.calls, list.n);
	if (!rc && extra)
		rc = extra(f, arg);
	if (!rc)
		rc = compile(f, out);
	seccomp_release(f);
	return rc;
}
