/*
 * seccomp filters compiled at build time: the variant for the values
 * present patched, loading, and the SIGSYS report (common/seccomp_bpf.h).
 * Used by xenon-hv and xenstored; no libseccomp compile here (only its
 * table of system call names, for the report).
 */
#include "seccomp_bpf.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

static const char *trap_who = "?", *trap_outcome = "";
static int trap_code = 1, trap_log_fd = -1;
static _Thread_local const char *my_kind;

static int is_jeq(const struct sock_filter *insn)
{
	return insn->code == (BPF_JMP | BPF_JEQ | BPF_K);
}

unsigned seccomp_bpf_count(const struct sock_filter *insns, unsigned len, uint32_t k)
{
	unsigned n = 0;

	for (unsigned i = 0; i < len; i++)
		n += is_jeq(&insns[i]) && insns[i].k == k;
	return n;
}

static const struct seccomp_bpf *variant(const struct seccomp_bpf_set *set, unsigned filter, unsigned present)
{
	for (unsigned i = 0; i < set->n; i++)
		if (set->bpf[i].filter == filter && set->bpf[i].uses == (set->bpf[i].values & present))
			return &set->bpf[i];
	return NULL;
}

/* Each used value's placeholder found once (and no other's), then replaced, in one pass (a value
 * that looks like a placeholder is not patched again): 0 or -EINVAL. */
static int fill(const char *name, const struct seccomp_bpf *b, const long *vals, unsigned nvals,
		struct seccomp_prog *out)
{
	for (unsigned v = 0; v < SECCOMP_BPF_MAX_VALUES; v++) {
		unsigned want = b->uses >> v & 1,
			 got = seccomp_bpf_count(out->insns, b->len, SECCOMP_BPF_HOLE(v));

		if (got != want || (want && v >= nvals)) {
			log_warnx(
			    "seccomp: %s's filter %u: placeholder %#x (value %u) found %u times, not %u: "
			    "its build-time filters do not match the program; rebuild it",
			    name, b->filter, SECCOMP_BPF_HOLE(v), v, got, want);
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < b->len; i++) {
		unsigned v = out->insns[i].k - SECCOMP_BPF_HOLE(0);

		if (is_jeq(&out->insns[i]) && v < SECCOMP_BPF_MAX_VALUES && (b->uses >> v & 1))
			out->insns[i].k = (uint32_t)vals[v];
	}
	return 0;
}

int seccomp_bpf_patch(const struct seccomp_bpf_set *set, unsigned filter, const long *vals, unsigned nvals,
		      struct seccomp_prog *out)
{
	const struct seccomp_bpf *b;
	unsigned present = 0;

	out->prog.len = 0;
	if (nvals > SECCOMP_BPF_MAX_VALUES)
		return -EINVAL;
	for (unsigned v = 0; v < nvals; v++) {
		if (vals[v] > INT32_MAX) {
			log_warnx("seccomp: %s's filter %u: value %u (%ld) does not fit in 32 bits",
				  set->name, filter, v, vals[v]);
			return -EINVAL;
		}
		present |= vals[v] >= 0 ? 1u << v : 0;
	}
	b = variant(set, filter, present);
	if (!b || !b->len || b->len > SECCOMP_BPF_MAX_INSNS) {
		log_warnx("seccomp: %s has no compiled filter %u for values %#x", set->name, filter, present);
		return -ENOENT;
	}
	memcpy(out->insns, b->insns, b->len * sizeof(b->insns[0]));
	if (fill(set->name, b, vals, nvals, out))
		return -EINVAL;
	out->prog.len = b->len;
	out->prog.filter = out->insns;
	return 0;
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

int seccomp_bpf_trap(const char *who, const char *outcome, int exit_code)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

	trap_who = who;
	trap_outcome = outcome;
	trap_code = exit_code;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}

void seccomp_bpf_log_fd(int log_fd)
{
	trap_log_fd = log_fd;
}

int seccomp_bpf_load(const struct seccomp_prog *p, const char *kind)
{
	if (!p->prog.len)
		return -EINVAL;
	my_kind = kind;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->prog) < 0 ? -errno : 0;
}
