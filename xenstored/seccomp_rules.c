/*
 * xenstored's seccomp allow-list (xenstored(8), SANDBOX): what the event
 * loop does once the socket is bound and the journal open. Clients over
 * the socket (accept4, read, sendto, epoll), the journal and its compaction
 * in the state directory (openat, write, fdatasync, rename, unlink,
 * ftruncate), memory, time, the READY=1 datagram to systemd and the
 * detaching of standard I/O. Anything else (execve, socket to a network,
 * ptrace, mount, ...) traps: the SIGSYS handler logs which call and the
 * daemon exits XSD_EXIT_SECCOMP.
 *
 * Compiled to BPF at BUILD time (common/seccomp_gen.c links this file and
 * writes xenstored/_seccomp_bpf.c); the daemon patches in its pid and
 * loads it (sandbox_seccomp.c).
 *
 * To extend (a new request handler or journal step that makes a new system
 * call): add it to the table below (make compiles the filter anew);
 * tests/unit/xs_seccomp-test.c and `make check T=xenstored` (which runs the
 * daemon with the filter) catch a missing one. Building is
 * common/seccomp_table.c's.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>

#include "seccomp_rules.h"
#include "seccomp_table.h"

/* One call a line, grouped. */
/* clang-format off */
static const int calls[] = {
	/* memory, time, signals, the end */
	SCMP_SYS(brk),
	SCMP_SYS(mmap),		/* not PROT_EXEC: see add_rules */
	SCMP_SYS(mprotect),	/* not PROT_EXEC */
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	SCMP_SYS(futex),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(sigaltstack),	/* AddressSanitizer builds (the unit test's .san) */
	SCMP_SYS(restart_syscall),
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(getuid),
	SCMP_SYS(geteuid),
	SCMP_SYS(getgid),
	SCMP_SYS(getegid),
	SCMP_SYS(getrandom),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	/* (tgkill: to itself only, see add_rules) */
	/* clients: the listening socket, connections, the event loop */
	SCMP_SYS(accept),
	SCMP_SYS(accept4),
	SCMP_SYS(read),
	SCMP_SYS(readv),
	SCMP_SYS(recvfrom),
	SCMP_SYS(recvmsg),
	SCMP_SYS(write),
	SCMP_SYS(writev),
	SCMP_SYS(sendto),
	SCMP_SYS(sendmsg),
	SCMP_SYS(shutdown),
	SCMP_SYS(close),
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(socket),	/* AF_UNIX only: READY=1 to systemd */
	SCMP_SYS(connect),
	/* the journal and the snapshot (state directory), the log and trace files */
	SCMP_SYS(openat),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),
	SCMP_SYS(fcntl),
	SCMP_SYS(pread64),
	SCMP_SYS(pwrite64),
	SCMP_SYS(fsync),
	SCMP_SYS(fdatasync),
	SCMP_SYS(ftruncate),
	SCMP_SYS(rename),
	SCMP_SYS(renameat),
	SCMP_SYS(renameat2),
	SCMP_SYS(unlink),
	SCMP_SYS(unlinkat),
	SCMP_SYS(flock),
	/* detaching from the terminal once serving: /dev/null on 0-2, chdir / */
	SCMP_SYS(dup2),
	SCMP_SYS(dup3),
	SCMP_SYS(chdir),
	SCMP_SYS(ioctl),	/* TCGETS only (stdio asks whether a stream is a tty) */
};
/* clang-format on */

/* Calls allowed only with some arguments. */
static int add_rules(scmp_filter_ctx f, const long *vals)
{
	int rc;

	rc = seccomp_table_own_tgkill(f, vals[XSD_SECCOMP_PID]); /* abort(): its own thread only */
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, TCGETS, 0));
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	return rc;
}

static const int conditional[] = {SCMP_SYS(ioctl), SCMP_SYS(socket), SCMP_SYS(mmap), SCMP_SYS(mprotect)};

/* The table minus the calls add_rules allows with conditions. */
static int add_table(scmp_filter_ctx f, const void *arg)
{
	int rc = 0;

	for (unsigned i = 0; !rc && i < SECCOMP_TABLE_LEN(calls); i++)
		if (!seccomp_table_has((struct seccomp_list){conditional, SECCOMP_TABLE_LEN(conditional)},
				       calls[i]))
			rc = seccomp_table_allow(f, &calls[i], 1);
	return rc ? rc : add_rules(f, (const long *)arg);
}

static int build(unsigned filter, const long *vals, struct seccomp_prog *out)
{
	struct seccomp_list none = {NULL, 0};

	return filter ? -EINVAL : seccomp_table_build(none, none, add_table, vals, out);
}

static const unsigned values[] = {1u << XSD_SECCOMP_PID}, optional[] = {0};

const struct seccomp_table_set xsd_seccomp_set = {"xsd", 1, XSD_SECCOMP_NR_VALUES, values, optional, build};
