/*
 * xenon-hv's sandbox (xenon-hv(8), SANDBOX): once the domain is built and
 * everything it needs is open (/dev/kvm, the VM, guest RAM, the control
 * socket, the console, --disk/--nic), and before any other thread exists,
 * the process gives up what a guest that took it over could use:
 *   mount    a mount namespace of its own whose root is an empty read-only
 *            tmpfs (pivot_root): no /etc, /home, /dev, /proc
 *   ipc      an IPC namespace of its own
 *   rlimits  RLIMIT_CORE 0, NOFILE, NPROC (vCPUs and I/O threads), AS
 *   user     its own uid/gid (no supplementary groups), every capability
 *            dropped, the bounding set emptied, not dumpable
 *   nnp      no_new_privs
 *   seccomp  a filter per thread kind (seccomp_rules.c, compiled at build
 *            time; sandbox_seccomp.c), installed by each thread as it starts
 * in that order (the first three need root). One more is taken before it
 * starts, by libxl:
 *   pid      a PID namespace of its own, whose pid 1 (init) it is; signals
 *            reach it as before (those that end it are blocked and read
 *            from a signalfd, and so are not an init's ignored ones)
 * Each can be turned off (--no-sandbox=LIST); what is in force is in
 * HVCTL_INFO (pid: when getpid() is 1).
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "strutil.h"

static const char *const measure_names[] = HVCTL_SANDBOX_NAMES;
#define NR_MEASURES (sizeof(measure_names) / sizeof(measure_names[0]))

int hv_sandbox_parse_off(const char *list, uint32_t *off)
{
	char bad[64];
	int rc;

	if (!list || !*list) {
		*off = HVCTL_SANDBOX_ALL;
		return 0;
	}
	rc = str_word_bits(list, measure_names, NR_MEASURES, off, bad, sizeof(bad));
	if (rc == -E2BIG)
		log_warnx("--no-sandbox=%s: too long", list);
	else if (rc)
		log_warnx("--no-sandbox=%s: unknown measure '%s' (user, mount, ipc, rlimits, nnp, seccomp, pid)",
			  list, bad);
	return rc ? -EINVAL : 0;
}

/* "user,mount" for the bits set in mask. */
const char *hv_sandbox_names(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < NR_MEASURES; i++)
		if (mask & (1U << i)) {
			int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", measure_names[i]);

			if (n < 0 || (size_t)n >= len - used)
				break;
			used += n;
		}
	return buf;
}

/* The first of these that is a directory holds the new root's tmpfs (in our namespace only). */
static const char *const root_dirs[] = {"/tmp", "/mnt", "/run", "/var/tmp"};

static int mount_step(int rc, const char *what)
{
	if (rc < 0) {
		rc = -errno;
		log_warn("sandbox: %s", what);
	}
	return rc;
}

static const char *root_dir(void)
{
	struct stat st;

	for (unsigned i = 0; i < sizeof(root_dirs) / sizeof(root_dirs[0]); i++)
		if (!lstat(root_dirs[i], &st) && S_ISDIR(st.st_mode))
			return root_dirs[i];
	return NULL;
}

/* A mount namespace (and IPC one) whose root is an empty read-only tmpfs. */
static int enter_namespaces(uint32_t on)
{
	int flags =
	    (on & HVCTL_SANDBOX_MOUNT ? CLONE_NEWNS : 0) | (on & HVCTL_SANDBOX_IPC ? CLONE_NEWIPC : 0);
	const char *dir = root_dir();
	int rc;

	if (flags && unshare(flags) < 0)
		return mount_step(-1, "unshare (a mount and IPC namespace of its own)");
	if (!(on & HVCTL_SANDBOX_MOUNT))
		return 0;
	if (!dir) {
		log_warnx(
		    "sandbox: none of /tmp, /mnt, /run, /var/tmp is a directory to build the empty root on");
		return -ENOENT;
	}
	rc = mount_step(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "making / private");
	if (!rc)
		rc = mount_step(mount("xenon-hv", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				      "size=16k,nr_inodes=4,mode=0555"),
				"mounting the empty root");
	if (!rc)
		rc = mount_step(chdir(dir), "chdir to the new root");
	if (!rc)
		rc = mount_step(mkdir("old", 0), "mkdir old root");
	if (!rc)
		rc = mount_step(syscall(SYS_pivot_root, ".", "old"), "pivot_root");
	if (!rc)
		rc = mount_step(chdir("/"), "chdir /");
	if (!rc)
		rc = mount_step(umount2("/old", MNT_DETACH), "detaching the old root");
	if (!rc)
		rc = mount_step(rmdir("/old"), "rmdir old root");
	if (!rc)
		rc = mount_step(mount(NULL, "/", NULL,
				      MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				      NULL),
				"making the root read-only");
	return rc;
}

/* VmSize now, in bytes (0 if unknown): read while /proc is there. */
static uint64_t vm_size(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	const char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nVmSize:");
	return p ? strtoull(p + 8, NULL, 10) * 1024 : 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define HV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HV_ASAN 1
#endif
#endif

static int set_limit(int res, const char *name, rlim_t v)
{
	struct rlimit r = {v, v}, old;

	/* Never raise one: a lower limit the host set stays. */
	if (!getrlimit(res, &old) && old.rlim_max != RLIM_INFINITY && old.rlim_max < v)
		r.rlim_cur = r.rlim_max = old.rlim_max;
	if (setrlimit(res, &r) < 0) {
		int rc = -errno;

		log_warn("sandbox: setrlimit %s %llu", name, (unsigned long long)v);
		return rc;
	}
	return 0;
}

/* Room for what the domain may still do: more vCPUs, hot-added devices. */
static int set_rlimits(struct hv_vm *vm, uint64_t size_now)
{
	unsigned v = vm->args.nr_vcpus;
	int rc = set_limit(RLIMIT_CORE, "CORE", 0);

	(void)size_now;
	if (!rc)
		rc = set_limit(RLIMIT_NOFILE, "NOFILE", 1024 + 4 * v);
	/* NPROC counts the uid's threads: with a uid shared by domains it is left alone. */
	if (!rc && !vm->args.uid_shared)
		rc = set_limit(RLIMIT_NPROC, "NPROC", v + 256);
#ifndef HV_ASAN /* ASan's shadow memory is terabytes of address space */
	if (!rc && size_now)
		rc = set_limit(RLIMIT_AS, "AS", size_now + 2 * HV_GIB + (uint64_t)v * 16 * HV_MIB);
#endif
	return rc;
}

/* Its own uid and gid, no groups, no capabilities (bounding set too), not dumpable. */
static int drop_user(uid_t uid, gid_t gid)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap) < 0 && errno != EINVAL)
			return mount_step(-1, "dropping the capability bounding set");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		int rc = -errno;

		log_warn("sandbox: cannot become uid %u gid %u", uid, gid);
		return rc;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid) {
		log_warnx("sandbox: still uid %u after setresuid(%u)", geteuid(), uid);
		return -EPERM;
	}
	prctl(PR_SET_DUMPABLE, 0);
	return 0;
}

int hv_sandbox_enter(struct hv_vm *vm)
{
	uint32_t on = HVCTL_SANDBOX_ALL & ~vm->args.sandbox_off;
	uint64_t size_now = vm_size();
	char names[128];
	int rc = 0;

	if (getpid() != 1)
		on &= ~HVCTL_SANDBOX_PID; /* not started in a PID namespace of its own (libxl does that) */
	vm->sandbox_uid = getuid();
	vm->sandbox_gid = getgid();
	if (vm->args.sandbox_off) {
		log_warnx("WARNING: sandbox measures turned off: %s (xenon-hv(8), SANDBOX)",
			  hv_sandbox_names(vm->args.sandbox_off, names, sizeof(names)));
	}
	tzset(); /* log times stay local once /etc/localtime is gone */
	umask(077);
	if ((on & HVCTL_SANDBOX_USER) && vm->args.uid == 0) {
		log_warnx("sandbox: uid 0 is root: give --uid another, or --no-sandbox=user");
		return -EINVAL;
	}
	if (on & (HVCTL_SANDBOX_MOUNT | HVCTL_SANDBOX_IPC))
		rc = enter_namespaces(on);
	if (!rc && (on & HVCTL_SANDBOX_RLIMITS))
		rc = set_rlimits(vm, size_now);
	/* Root and unfiltered, it renames (a restore) and removes the socket file for us. */
	if (!rc && (on & (HVCTL_SANDBOX_USER | HVCTL_SANDBOX_SECCOMP)))
		rc = hv_control_unlinker(vm);
	if (!rc && (on & HVCTL_SANDBOX_USER))
		rc = drop_user(vm->args.uid, vm->args.gid);
	if (!rc && (on & (HVCTL_SANDBOX_NNP | HVCTL_SANDBOX_SECCOMP)) &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rc = mount_step(-1, "no_new_privs");
	if (!rc && (on & HVCTL_SANDBOX_MOUNT) && hv_vcpu_state_drop_proc(vm))
		log_debug("sandbox: vCPU states from KVM's counters; /proc/self/task closed");
	if (!rc && (on & HVCTL_SANDBOX_SECCOMP))
		rc = hv_seccomp_prepare(hv_vcpu_state_dirfd(), hv_control_dirfd(vm));
	if (rc) {
		log_warnx("sandbox: not entered (%s); to run without it, give --no-sandbox (xenon-hv(8))",
			  log_strerror(rc));
		return rc;
	}
	if (on & HVCTL_SANDBOX_SECCOMP)
		on |= HVCTL_SANDBOX_NNP; /* seccomp needs it */
	vm->sandbox = on;
	vm->sandbox_uid = getuid();
	vm->sandbox_gid = getgid();
	log_info("sandbox: %s; uid %u gid %u", on ? hv_sandbox_names(on, names, sizeof(names)) : "none",
		 vm->sandbox_uid, vm->sandbox_gid);
	return 0;
}
