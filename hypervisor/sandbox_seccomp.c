/*
 * xenon-hv's threads enter their seccomp filters (xenon-hv(8), SANDBOX):
 * one per thread kind, its allow-list in seccomp_rules.c, compiled to BPF
 * at build time (common/seccomp_gen.c writes _seccomp_bpf.c).
 * hv_seccomp_prepare(), while the process is still single-threaded, copies
 * each kind's filter and patches in this process's pid (tgkill to its own
 * threads) and the directory fds the main thread may openat/unlinkat in
 * (common/seccomp_bpf.c: refused unless each placeholder is found exactly
 * once); each thread loads its kind's filter as it starts
 * (hv_seccomp_enter, one seccomp(2) call), the main thread once its first
 * threads run.
 *
 * A system call outside the list traps (SIGSYS): the handler writes which
 * thread made which call to the log (stderr) and ends the process with
 * HV_EXIT_SECCOMP, which the toolstack reports as a crash.
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "hypervisor/seccomp_rules.h"

#include <pthread.h>
#include <unistd.h>

#include "log.h"
#include "seccomp_bpf.h"

static const char *const kind_names[HV_THREAD_NR_KINDS] = {
    [HV_THREAD_MAIN] = "main",
    [HV_THREAD_VCPU] = "vCPU",
    [HV_THREAD_IO] = "I/O",
    [HV_THREAD_FILL] = "RAM fill",
};

/* Each kind's filter patched once, loaded by each thread with one system call. */
static struct seccomp_prog bpf[HV_THREAD_NR_KINDS];

static void *no_op(void *arg)
{
	return arg;
}

/*
 * glibc installs a signal handler of its own (SIGSETXID, rt_sigaction) at a
 * process's first pthread_create: done here, so that a thread made once the
 * main thread's filter is in force (which forbids rt_sigaction), such as
 * a restored domain's first vCPU, is not taken for an attack.
 */
static int first_thread(void)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, no_op, NULL);

	if (rc) {
		log_warnx("seccomp: cannot start a thread: %s", log_strerror(-rc));
		return -rc;
	}
	pthread_join(t, NULL);
	return 0;
}

int hv_seccomp_prepare(int task_dir, int ctl_dir)
{
	const long vals[HV_SECCOMP_NR_VALUES] = {
	    [HV_SECCOMP_PID] = getpid(),
	    [HV_SECCOMP_TASK_DIR] = task_dir,
	    [HV_SECCOMP_CTL_DIR] = ctl_dir,
	};
	int rc = 0;

	for (int k = 0; !rc && k < HV_THREAD_NR_KINDS; k++)
		rc = seccomp_bpf_patch(&hv_seccomp_bpf, k, vals, HV_SECCOMP_NR_VALUES, &bpf[k]);
	if (rc) {
		log_warnx("seccomp: cannot prepare the filters: %s", log_strerror(rc));
		return rc;
	}
	rc = seccomp_bpf_trap("xenon-hv", "the domain crashed", HV_EXIT_SECCOMP);
	return rc ? rc : first_thread();
}

int hv_seccomp_enter(enum hv_thread_kind kind)
{
	int rc;

	if (kind >= HV_THREAD_NR_KINDS || !bpf[kind].prog.len)
		return 0; /* not prepared: the seccomp measure is off */
	rc = seccomp_bpf_load(&bpf[kind], kind_names[kind]);
	if (rc)
		log_warnx("seccomp: cannot load the %s thread's filter: %s", kind_names[kind],
			  log_strerror(rc));
	return rc;
}

const char *hv_seccomp_kind_name(enum hv_thread_kind kind)
{
	return kind < HV_THREAD_NR_KINDS ? kind_names[kind] : "?";
}
