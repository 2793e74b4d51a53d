/*
 * The seccomp filters of xenon-hv's threads (xenon-hv(8), SANDBOX), one per
 * thread kind, as allow-lists in the tables below. Compiled to BPF at BUILD
 * time (common/seccomp_gen.c links this file and writes
 * hypervisor/_seccomp_bpf.c); xenon-hv patches in its pid and directory
 * fds and each thread loads its kind's filter as it starts
 * (sandbox_seccomp.c). Filters stack: a thread the main thread starts later
 * (an I/O thread of a hot-added device) runs under the main filter and its
 * own, so the main list holds what those threads need too.
 *
 * A system call outside the list traps (SIGSYS): the handler writes which
 * thread made which call to the log (stderr) and ends the process with
 * HV_EXIT_SECCOMP, which the toolstack reports as a crash.
 *
 * To extend (a new hvctl command, a new device): add the call to the kind
 * whose thread makes it; an ioctl by its number (or KVM's whole type); make
 * compiles the filters anew. A rule on a value known only at run time
 * compares it (SCMP_CMP_EQ) with vals[HV_SECCOMP_...], in one rule
 * (common/seccomp_bpf.h). Building is common/seccomp_table.c's, shared
 * with xenstored.
 */
#include "hypervisor/hv.h"
#include "hypervisor/seccomp_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "seccomp_table.h"

/* Every thread: memory, locks, time, signals, logging, its own end. */
static const int base_calls[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(close),
    SCMP_SYS(futex),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(madvise),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mprotect),
    SCMP_SYS(mremap),
    SCMP_SYS(brk),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(gettid),
    SCMP_SYS(getpid),
    SCMP_SYS(sched_yield),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(rseq),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(lseek),
    SCMP_SYS(fcntl),
    SCMP_SYS(getrandom),
    SCMP_SYS(sysinfo),
};

/* A vCPU: KVM_RUN and its exits (devices' registers, console, interrupts), starting a secondary vCPU. */
static const int vcpu_calls[] = {
    SCMP_SYS(ioctl),
    SCMP_SYS(clone),
    SCMP_SYS(seccomp),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(pread64),		 /* a new vCPU's KVM statistics header */
    SCMP_SYS(epoll_ctl),	 /* virtio-net's DRIVER_OK (written by the guest) watches the tap */
    SCMP_SYS(sched_setaffinity), /* its cpus= pin, applied as it starts */
    SCMP_SYS(sched_getaffinity),
};

/* An I/O thread: its device's queues over io_uring or preadv/pwritev, a tap, eventfds. */
static const int io_calls[] = {
    SCMP_SYS(ioctl),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(io_uring_enter),
    SCMP_SYS(io_uring_register),
    SCMP_SYS(pread64),
    SCMP_SYS(pwrite64),
    SCMP_SYS(preadv),
    SCMP_SYS(pwritev),
    SCMP_SYS(preadv2),
    SCMP_SYS(pwritev2),
    SCMP_SYS(fdatasync),
    SCMP_SYS(fsync),
    SCMP_SYS(fallocate),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(timerfd_settime), /* virtio-net's rate= budget */
    SCMP_SYS(timerfd_gettime),
};

/* A restore's RAM fill thread (ram_fill.c): madvise (in base_calls), and a piece backed for nothing given back. */
static const int fill_calls[] = {
    SCMP_SYS(fallocate),
};

/* The main thread: its event loop, the control socket (fds passed in), vCPU
 * states, the reaper at exit; and, as they run under its filter too, every
 * call of the I/O threads of hot-added devices (io_calls, added to it). */
static const int main_calls[] = {
    SCMP_SYS(
	mincore), /* which 2 MiB pages of pool RAM are backed (a save); is a save file cached (a restore) */
    SCMP_SYS(clone),
    SCMP_SYS(seccomp),
    SCMP_SYS(accept4),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),
    SCMP_SYS(close_range),
    SCMP_SYS(pipe2),
    SCMP_SYS(eventfd2),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(flock),
    SCMP_SYS(io_uring_setup),
    SCMP_SYS(dup),
    SCMP_SYS(shutdown),
    SCMP_SYS(wait4),
    SCMP_SYS(signalfd4),
    SCMP_SYS(sched_setaffinity), /* vcpu-pin */
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(timerfd_create),
    SCMP_SYS(getdents64), /* vCPU states without KVM's "blocking": which thread of /proc/self/task is which */
    SCMP_SYS(fadvise64),  /* a restore's read-ahead of its save file, or none (O_DIRECT) */
    SCMP_SYS(splice),	  /* a restore's frames, from a migration's pipe into RAM's file */
    SCMP_SYS(vmsplice),	  /* a live save's frames into a migration's pipe, by reference */
};

/* ioctls other than KVM's (all of type KVMIO, allowed to every kind). */
static const unsigned long tun_ioctls[] = {TUNSETOFFLOAD, TUNGETIFF, TUNSETVNETHDRSZ, TUNSETVNETLE};
static const unsigned long host_ioctls[] = {BLKDISCARD, BLKGETSIZE64, BLKSSZGET, BLKROGET, TCGETS,
					    TCSETS,	TCSETSW,      TCSETSF,	 TIOCGWINSZ, FIONREAD,
					    FIONBIO,	TCFLSH /* the console pty, HVCTL_CONSOLE_RING */};

static const struct kind {
	struct seccomp_list calls, io; /* io: the I/O threads' calls too (the main thread) */
	int host_ioctls;	       /* block and tty ioctls too */
	int open_task; /* openat(/proc/self/task fd, "TID/stat", O_RDONLY); unlinkat(socket dir fd) */
} kinds[HV_THREAD_NR_KINDS] = {
    [HV_THREAD_MAIN] = {{main_calls, SECCOMP_TABLE_LEN(main_calls)},
			{io_calls, SECCOMP_TABLE_LEN(io_calls)},
			1,
			1},
    [HV_THREAD_VCPU] = {{vcpu_calls, SECCOMP_TABLE_LEN(vcpu_calls)}, {NULL, 0}, 0, 0},
    [HV_THREAD_IO] = {{io_calls, SECCOMP_TABLE_LEN(io_calls)}, {NULL, 0}, 1, 0},
    [HV_THREAD_FILL] = {{fill_calls, SECCOMP_TABLE_LEN(fill_calls)}, {NULL, 0}, 0, 0},
};

static int add_ioctls(scmp_filter_ctx f, const struct kind *k)
{
	int rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, (unsigned)KVMIO << 8));

	for (unsigned i = 0; !rc && i < SECCOMP_TABLE_LEN(tun_ioctls); i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, tun_ioctls[i], 0));
	for (unsigned i = 0; !rc && k->host_ioctls && i < SECCOMP_TABLE_LEN(host_ioctls); i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, host_ioctls[i], 0));
	return rc;
}

struct extra_arg {
	const struct kind *k;
	const long *vals; /* HV_SECCOMP_*; negative: missing */
};

/* The rules on arguments: ioctl numbers, clone3 refused, openat/unlinkat on one directory. */
static int add_extra(scmp_filter_ctx f, const void *arg)
{
	const struct extra_arg *a = arg;
	const struct kind *k = a->k;
	long task_dir = a->vals[HV_SECCOMP_TASK_DIR], ctl_dir = a->vals[HV_SECCOMP_CTL_DIR];
	/* tgkill: its own threads only (a shared uid must not let one domain signal another's xenon-hv) */
	int rc = seccomp_table_own_tgkill(f, a->vals[HV_SECCOMP_PID]);

	if (!rc)
		rc = seccomp_table_allow(f, k->io.calls, k->io.n);
	if (!rc &&
	    (seccomp_table_has(k->calls, SCMP_SYS(ioctl)) || seccomp_table_has(k->io, SCMP_SYS(ioctl))))
		rc = add_ioctls(f, k);
	/* glibc falls back from clone3 (its flags cannot be filtered) to clone */
	if (!rc && seccomp_table_has(k->calls, SCMP_SYS(clone)))
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (!rc && k->open_task && task_dir >= 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 2,
				      SCMP_A0(SCMP_CMP_EQ, (uint32_t)task_dir, 0),
				      SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
	if (!rc && k->open_task && ctl_dir >= 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 1,
				      SCMP_A0(SCMP_CMP_EQ, (uint32_t)ctl_dir, 0));
	return rc;
}

static int build(unsigned filter, const long *vals, struct seccomp_prog *out)
{
	struct seccomp_list base = {base_calls, SECCOMP_TABLE_LEN(base_calls)};
	struct extra_arg a = {&kinds[filter], vals};

	if (filter >= HV_THREAD_NR_KINDS)
		return -EINVAL;
	return seccomp_table_build(base, kinds[filter].calls, add_extra, &a, out);
}

#define ALL_DIRS ((1u << HV_SECCOMP_TASK_DIR) | (1u << HV_SECCOMP_CTL_DIR))
/* Every kind compares the pid; the main thread the directory fds too, each maybe missing. */
static const unsigned values[HV_THREAD_NR_KINDS] = {
    [HV_THREAD_MAIN] = 1u << HV_SECCOMP_PID | ALL_DIRS,
    [HV_THREAD_VCPU] = 1u << HV_SECCOMP_PID,
    [HV_THREAD_IO] = 1u << HV_SECCOMP_PID,
    [HV_THREAD_FILL] = 1u << HV_SECCOMP_PID,
};
static const unsigned optional[HV_THREAD_NR_KINDS] = {[HV_THREAD_MAIN] = ALL_DIRS};

const struct seccomp_table_set hv_seccomp_set = {
    "hv", HV_THREAD_NR_KINDS, HV_SECCOMP_NR_VALUES, values, optional, build,
};
