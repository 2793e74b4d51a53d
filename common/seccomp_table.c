/*
 * seccomp allow-lists as tables: building, compiling, loading and the
 * SIGSYS report (common/seccomp_table.h). Used by xenon-hv and xenstored.
 */
#include "seccomp_table.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *trap_who = "?", *trap_outcome = "";
static int trap_code = 1, trap_log_fd = -1;
static _Thread_local const char *my_kind;

int seccomp_table_allow(scmp_filter_ctx f, const int *calls, unsigned n)
{
	int rc = 0;

	for (unsigned i = 0; !rc && i < n; i++)
		if (calls[i] != SCMP_SYS(ioctl) && calls[i] >= 0)
			rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, calls[i], 0);
	return rc;
}

int seccomp_table_own_tgkill(scmp_filter_ctx f)
{
	return seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				SCMP_A0(SCMP_CMP_EQ, (unsigned)getpid(), 0));
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
	const ssize_t max = SECCOMP_TABLE_MAX_INSNS * (ssize_t)sizeof(out->insns[0]);
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

/* Async-signal-safe: the log line, then the end. */
static void put(const char *s)
{
	size_t n = strlen(s);

	if (write(2, s, n) < 0)
		n = 0;
	if (trap_log_fd >= 0 && trap_log_fd != 2 && write(trap_log_fd, s, n) < 0)
		return;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char num[16], *name = NULL;
	int nr = si->si_syscall, i = sizeof(num) - 1;
	unsigned v = nr < 0 ? 0 : (unsigned)nr;

	(void)sig, (void)uc;
	num[i] = '\0';
	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put(trap_who);
	put(": seccomp: the ");
	put(my_kind ? my_kind : "unknown");
	put(" thread made a forbidden system call: ");
	/* Allocates (strdup): safe enough here, as no call made under malloc's
	 * lock (mmap, munmap, madvise, brk) is ever forbidden; the process ends. */
	put(nr >= 0 ? (name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr)) ? name : "?" : "?");
	put(" (");
	put(num + i);
	put("); ");
	put(trap_outcome);
	put("\n");
	syscall(SYS_exit_group, trap_code);
}

int seccomp_table_trap(const char *who, const char *outcome, int exit_code)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

	trap_who = who;
	trap_outcome = outcome;
	trap_code = exit_code;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}

void seccomp_table_log_fd(int log_fd)
{
	trap_log_fd = log_fd;
}

int seccomp_table_load(const struct seccomp_prog *p, const char *kind)
{
	if (!p->prog.len)
		return -EINVAL;
	my_kind = kind;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->prog) < 0 ? -errno : 0;
}
