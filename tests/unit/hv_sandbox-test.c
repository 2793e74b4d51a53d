/*
 * xenon-hv's sandbox (hypervisor/sandbox.c), entered for real in a child
 * process (root needed: namespaces, setresuid): afterwards the child has its
 * own uid and gid, no capabilities (bounding set too), no_new_privs, an
 * empty read-only root without /etc, /home or /proc, and its rlimits. No
 * KVM involved: this runs on any Linux host where the test runs as root.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "nspid.h"
#include "unit.h"

/* control.c stays out of this program: no control socket here. */
int hv_control_dirfd(struct hv_vm *vm)
{
	(void)vm;
	return -1;
}

int hv_control_unlinker(struct hv_vm *vm)
{
	(void)vm;
	return 0;
}

static void test_parse_off(void)
{
	uint32_t off = 0;

	CHECK_INT(hv_sandbox_parse_off(NULL, &off), 0);
	CHECK_INT(off, HVCTL_SANDBOX_ALL);
	off = 0;
	CHECK_INT(hv_sandbox_parse_off("seccomp,mount", &off), 0);
	CHECK_INT(off, HVCTL_SANDBOX_SECCOMP | HVCTL_SANDBOX_MOUNT);
	off = 0;
	CHECK_INT(hv_sandbox_parse_off("user,chroot", &off), -EINVAL);
	CHECK_INT(hv_sandbox_parse_off("", &off), 0);
	CHECK_INT(off, HVCTL_SANDBOX_ALL);
}

static void test_names(void)
{
	char buf[128];

	CHECK_STR(hv_sandbox_names(HVCTL_SANDBOX_ALL, buf, sizeof(buf)),
		  "user,mount,ipc,rlimits,nnp,seccomp,pid");
	CHECK_STR(hv_sandbox_names(HVCTL_SANDBOX_USER | HVCTL_SANDBOX_IPC, buf, sizeof(buf)), "user,ipc");
	CHECK_STR(hv_sandbox_names(0, buf, sizeof(buf)), "");
}

static int root_entries(void)
{
	DIR *d = opendir("/");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static uint64_t caps(int which)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return ~0ULL;
	if (which == 0)
		return d[0].effective | (uint64_t)d[1].effective << 32;
	return d[0].permitted | (uint64_t)d[1].permitted << 32;
}

/* In the child: enter with every measure but seccomp, then look around. */
static int child_checks(uint32_t off)
{
	static struct hv_vm vm;
	struct rlimit r;
	int fd;

	vm.args.nr_vcpus = 2;
	vm.args.uid = HV_SANDBOX_UID_BASE + 7;
	vm.args.gid = HV_SANDBOX_UID_BASE + 8;
	vm.args.sandbox_off = off;
	CHECK_INT(hv_sandbox_enter(&vm), 0);
	if (off == HVCTL_SANDBOX_ALL) {
		CHECK_INT(getuid(), 0);
		CHECK(access("/etc", F_OK) == 0);
		CHECK_INT(vm.sandbox, 0);
		return unit_failed_checks;
	}
	CHECK_INT(getuid(), HV_SANDBOX_UID_BASE + 7);
	CHECK_INT(geteuid(), HV_SANDBOX_UID_BASE + 7);
	CHECK_INT(getgid(), HV_SANDBOX_UID_BASE + 8);
	CHECK_INT(getgroups(0, NULL), 0);
	CHECK_INT(caps(0), 0);
	CHECK_INT(caps(1), 0);
	CHECK_INT(prctl(PR_CAPBSET_READ, 0), 0); /* CAP_CHOWN gone from the bounding set */
	CHECK_INT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK(access("/etc", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/home", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/proc/self", F_OK) < 0 && errno == ENOENT);
	CHECK_INT(root_entries(), 0);
	fd = open("/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd < 0);
	CHECK(getrlimit(RLIMIT_CORE, &r) == 0 && r.rlim_max == 0);
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_max == 1024 + 4 * 2);
	CHECK(getrlimit(RLIMIT_NPROC, &r) == 0 && r.rlim_max == 2 + 256);
	CHECK_INT(vm.sandbox & (HVCTL_SANDBOX_USER | HVCTL_SANDBOX_MOUNT | HVCTL_SANDBOX_IPC |
				HVCTL_SANDBOX_RLIMITS | HVCTL_SANDBOX_NNP),
		  HVCTL_SANDBOX_USER | HVCTL_SANDBOX_MOUNT | HVCTL_SANDBOX_IPC | HVCTL_SANDBOX_RLIMITS |
		      HVCTL_SANDBOX_NNP);
	CHECK_INT(vm.sandbox_uid, HV_SANDBOX_UID_BASE + 7);
	/* claimed only as pid 1 of a namespace of its own (run_child with newpid, as libxl starts it) */
	CHECK_INT(vm.sandbox & HVCTL_SANDBOX_PID, getpid() == 1 ? HVCTL_SANDBOX_PID : 0);
	return unit_failed_checks;
}

static void run_child(uint32_t off, int newpid)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = newpid ? nspid_fork_newpid() : fork();
	if (pid == 0)
		_exit(child_checks(off) ? 1 : 0);
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_enter(void)
{
	run_child(HVCTL_SANDBOX_SECCOMP, 0); /* seccomp: tests/unit/hv_seccomp-test.c */
	run_child(HVCTL_SANDBOX_SECCOMP, 1); /* pid 1 of a PID namespace of its own */
}

static void test_enter_off(void)
{
	run_child(HVCTL_SANDBOX_ALL, 1);
}

int main(void)
{
	RUN(test_parse_off);
	RUN(test_names);
	if (geteuid() != 0) {
		printf("ok 3 # skip test_enter needs root (namespaces, setresuid)\n");
		printf("ok 4 # skip test_enter_off needs root\n");
		printf("1..4\n");
		return 0;
	}
	RUN(test_enter);
	RUN(test_enter_off);
	return unit_done();
}
