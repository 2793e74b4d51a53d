/*
 * hvctl: talk to one xenon-hv over its control socket (hvctl.h), for admins
 * and tests. SOCKET may be a path or a domid (then the default socket).
 *
 *   hvctl SOCKET info|pause|unpause|destroy|console
 *   hvctl SOCKET shutdown poweroff|reboot
 *   hvctl SOCKET events [SECONDS]
 *   hvctl SOCKET device-add vbd|vif KEY=VALUE...
 *   hvctl SOCKET device-remove vbd|vif DEVID
 *   hvctl SOCKET device-list
 */
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guest/include/xenon-boot.h"
#include "hypervisor/vdev_spec.h"
#include "log.h"
#include "nspid.h"
#include "strutil.h"

/* Each connect, send and receive of a command (events wait on their own). */
#define CLI_TIMEOUT_MS 30000

struct cli_cmd {
	const char *name;
	const char *args;
	int min_args, max_args;
	int (*fn)(int fd, int argc, char **argv);
	const char *help;
};

static const char *state_name(uint32_t s)
{
	static const char *const names[] = {"?", "running", "paused", "shutdown", "crashed"};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static const char *event_name(uint32_t k)
{
	static const char *const names[] = {"?", "poweroff", "reboot", "crash", "paused", "unpaused"};

	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static int vcpu_bit(const uint32_t *map, unsigned i)
{
	return !!(map[i / 32] & (1U << (i % 32)));
}

/* What `info` prints after a vCPU's time; paused or ended vCPUs are neither. */
static const char *vcpu_state(const struct hvctl_info *in, unsigned i)
{
	if (!vcpu_bit(in->vcpu_online, i))
		return " (offline)";
	if (vcpu_bit(in->vcpu_running, i))
		return " running";
	if (vcpu_bit(in->vcpu_blocked, i))
		return " blocked";
	return "";
}

/* "exits=N insn_emulation=N ...", KVM's names; "-" for a counter KVM does not keep. */
static void print_kvm_stats(const uint64_t *st)
{
	static const char *const names[HVCTL_NR_STATS] = HVCTL_STAT_NAMES;

	for (unsigned k = 0; k < HVCTL_NR_STATS; k++) {
		if (st[k] == HVCTL_STAT_NONE)
			printf("%s%s=-", k ? " " : "", names[k]);
		else
			printf("%s%s=%llu", k ? " " : "", names[k], (unsigned long long)st[k]);
	}
	printf("\n");
}

/* One "kvmN:" line per online vCPU, or why there are none. */
static void print_kvm(const struct hvctl_info *in)
{
	if (!in->kvm_stats)
		return; /* an older xenon-hv */
	if (in->kvm_stats_error == -ENOTTY || in->kvm_stats_error == -EINVAL)
		printf("kvm:       no statistics (this host's KVM has no KVM_GET_STATS_FD: Linux 5.14 or later has it)\n");
	else if (in->kvm_stats_error)
		printf("kvm:       no statistics (%s)\n", strerror(-in->kvm_stats_error));
	for (unsigned i = 0; i < in->nr_vcpus && i < HVCTL_MAX_VCPUS; i++) {
		char label[16];

		if (!vcpu_bit(in->vcpu_online, i))
			continue;
		snprintf(label, sizeof(label), "kvm%u:", i);
		printf("%-11s", label);
		print_kvm_stats(in->vcpu_stats[i]);
	}
}

/* "sandbox:   user,mount,... uid N gid N" ("none" when off). */
static void print_sandbox(const struct hvctl_info *in)
{
	static const char *const names[] = HVCTL_SANDBOX_NAMES;
	const char *sep = "";

	printf("sandbox:   ");
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (in->sandbox & (1U << i)) {
			printf("%s%s", sep, names[i]);
			sep = ",";
		}
	printf("%s uid %u gid %u\n", in->sandbox ? "" : "none", in->uid, in->gid);
}

static int cmd_info(int fd, int argc, char **argv)
{
	struct hvctl_info in;
	int rc = hvctl_info(fd, &in);

	(void)argc, (void)argv;
	if (rc)
		return rc;
	printf("name:      %s\ndomid:     %u\nstate:     %s\nplatform:  %s\n", in.name, in.domid,
	       state_name(in.state), in.platform == XENON_PLATFORM_PVM ? "pvm" : "vtx");
	printf("vcpus:     %u\nmemory:    %llu KiB\npid:       %d\n", in.nr_vcpus,
	       (unsigned long long)in.mem_kib, in.pid);
	if (in.memory_pool == HVCTL_MEMORY_POOL_HUGETLB)
		printf("mem pool:  hugetlb (the host's 2 MiB pages, reserved whole)\n");
	if (in.sandbox_valid)
		print_sandbox(&in);
	printf("cpu_time:  %.6f s\n", in.cpu_time_ns / 1e9);
	for (unsigned i = 0; i < in.nr_vcpus && i < HVCTL_MAX_VCPUS; i++) {
		char label[16];

		snprintf(label, sizeof(label), "vcpu%u:", i);
		printf("%-11s%.6f s%s\n", label, in.vcpu_time_ns[i] / 1e9, vcpu_state(&in, i));
	}
	print_kvm(&in);
	if (in.console_pty[0])
		printf("console:   %s\n", in.console_pty);
	if (in.dirty_log)
		printf("dirty log: on (a live save's, until the domain runs again)\n");
	return 0;
}

static int cmd_pause(int fd, int argc, char **argv)
{
	(void)argc, (void)argv;
	return hvctl_pause(fd);
}

static int cmd_unpause(int fd, int argc, char **argv)
{
	(void)argc, (void)argv;
	return hvctl_unpause(fd);
}

static int cmd_destroy(int fd, int argc, char **argv)
{
	(void)argc, (void)argv;
	return hvctl_destroy(fd);
}

static int cmd_shutdown(int fd, int argc, char **argv)
{
	(void)argc;
	if (!strcmp(argv[0], "poweroff"))
		return hvctl_shutdown(fd, HVCTL_SHUTDOWN_POWEROFF);
	if (!strcmp(argv[0], "reboot"))
		return hvctl_shutdown(fd, HVCTL_SHUTDOWN_REBOOT);
	log_warnx("shutdown %s: say poweroff or reboot", argv[0]);
	return -EINVAL;
}

static int cmd_console(int fd, int argc, char **argv)
{
	uint32_t len = HVCTL_MAX_PACKET;
	char *buf = malloc(len);
	int rc;

	(void)argc, (void)argv;
	if (!buf)
		return -ENOMEM;
	rc = hvctl_call(fd, HVCTL_CONSOLE_RING, NULL, 0, buf, &len);
	if (!rc)
		fwrite(buf, 1, len, stdout);
	free(buf);
	return rc;
}

/* Print events until xenon-hv goes away (exit 0) or SECONDS pass (exit 1). */
static int cmd_events(int fd, int argc, char **argv)
{
	struct hvctl_event ev;
	uint64_t secs = 0;
	int rc;

	if (argc && parse_u64(argv[0], 86400, &secs)) {
		log_warnx("events %s: give a number of seconds", argv[0]);
		return -EINVAL;
	}
	rc = hvctl_subscribe(fd);
	if (rc)
		return rc;
	printf("subscribed\n");
	fflush(stdout);
	while (!(rc = hvctl_next_event(fd, secs ? (int)secs * 1000 : -1, &ev))) {
		printf("%s %s\n", event_name(ev.kind), ev.detail);
		fflush(stdout);
	}
	return rc == -EPIPE ? 0 : rc;
}

/* A tap belongs in xenon-hv's network namespace (it may run in another, as in the tests). */
static void enter_netns(int fd)
{
	struct hvctl_info info;
	char path[64];
	int ns;

	if (hvctl_info(fd, &info) || info.pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", info.pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return;
	if (setns(ns, CLONE_NEWNET) < 0)
		log_debug("cannot enter the network namespace of xenon-hv (pid %d): %s", info.pid,
			  strerror(errno));
	close(ns);
}

/* device-add vbd devid=51712 target=/img ro ... */
static int cmd_device_add(int fd, int argc, char **argv)
{
	uint32_t kind = hv_vdev_kind(argv[0]);
	struct hvctl_device_spec spec;
	struct hvctl_device dev;
	int fds[HVCTL_MAX_FDS];
	unsigned nfds = 0;
	char what[64];
	int rc;

	snprintf(what, sizeof(what), "device-add %s", argv[0]);
	if (!kind) {
		log_warnx("device-add %s: say vbd or vif", argv[0]);
		return -EINVAL;
	}
	if (hv_vdev_spec_parse(kind, what, argv + 1, argc - 1, &spec) || hv_vdev_spec_absolute(&spec, what))
		return -EINVAL;
	if (kind == HVCTL_DEV_VIF)
		enter_netns(fd);
	rc = hvctl_device_open(&spec, fds, &nfds); /* xenon-hv may be sandboxed: we open, it receives */
	if (rc)
		return rc;
	rc = hvctl_device_add_fds(fd, &spec, fds, nfds, &dev);
	hvctl_fds_close(fds, nfds);
	if (!rc)
		printf("%s %u: mmio %#llx size %#llx irq %u\n", argv[0], dev.devid,
		       (unsigned long long)dev.mmio_base, (unsigned long long)dev.mmio_size, dev.irq);
	return rc;
}

static int cmd_device_remove(int fd, int argc, char **argv)
{
	uint32_t kind = hv_vdev_kind(argv[0]);
	uint64_t devid;

	(void)argc;
	if (!kind || parse_u64(argv[1], UINT32_MAX, &devid)) {
		log_warnx("device-remove %s %s: say vbd or vif, then the devid (a number)", argv[0], argv[1]);
		return -EINVAL;
	}
	return hvctl_device_remove(fd, kind, devid);
}

/* The driver's virtio status as a word. */
static const char *vstatus_name(uint32_t st)
{
	if (st & 128)
		return "failed";
	if (st & 64)
		return "needs-reset";
	if (st & 4)
		return "driver-ok";
	return st ? "probing" : "reset";
}

static void print_dev_stats(const struct hvctl_device *d)
{
	static const char *const vbd[HVCTL_VBD_NR_STATS] = HVCTL_VBD_STAT_NAMES;
	static const char *const vif[HVCTL_VIF_NR_STATS] = HVCTL_VIF_STAT_NAMES;
	const char *const *names = d->kind == HVCTL_DEV_VBD ? vbd : vif;
	unsigned n = d->kind == HVCTL_DEV_VBD ? HVCTL_VBD_NR_STATS : HVCTL_VIF_NR_STATS;

	printf("      ");
	for (unsigned k = 0; k < n; k++)
		printf(" %s=%llu", names[k], (unsigned long long)d->stats[k]);
	printf("\n");
}

static void print_dev(const struct hvctl_device *d)
{
	char extra[96] = "";

	if (d->kind == HVCTL_DEV_VBD)
		snprintf(extra, sizeof(extra), "%llu sectors%s", (unsigned long long)d->sectors,
			 d->flags & HVCTL_DEVF_READONLY ? ", ro" : "");
	else if (d->kind == HVCTL_DEV_VIF)
		snprintf(extra, sizeof(extra), "%02x:%02x:%02x:%02x:%02x:%02x mtu %u", d->mac[0], d->mac[1],
			 d->mac[2], d->mac[3], d->mac[4], d->mac[5], d->mtu);
	if (d->kind == HVCTL_DEV_VIF && d->rate_bytes)
		str_printf(extra + strlen(extra), sizeof(extra) - strlen(extra), " rate %llu@%u",
			   (unsigned long long)d->rate_bytes, d->rate_usecs);
	printf("%-4s %-6u %-3u %#-11llx %-11s %.*s (%s)\n", hv_vdev_kind_name(d->kind), d->devid, d->irq,
	       (unsigned long long)d->mmio_base, vstatus_name(d->status), (int)sizeof(d->target) - 1,
	       d->target, extra);
	print_dev_stats(d);
}

static int cmd_device_list(int fd, int argc, char **argv)
{
	struct hvctl_device devs[64];
	unsigned n = 64;
	int rc = hvctl_device_list(fd, devs, &n);

	(void)argc, (void)argv;
	if (rc)
		return rc;
	printf("%-4s %-6s %-3s %-11s %-11s %s\n", "kind", "devid", "irq", "mmio", "status", "target");
	for (unsigned i = 0; i < n && i < 64; i++)
		print_dev(&devs[i]);
	return 0;
}

/* save [-c] [-l] [-p] FILE: the stream into a new FILE (removed again if the save fails). */
static int cmd_save(int fd, int argc, char **argv)
{
	struct hvctl_save_req req = {0};
	struct hvctl_save_result res;
	const char *path = argv[argc - 1];
	int out, rc;

	for (int i = 0; i < argc - 1; i++) {
		if (!strcmp(argv[i], "-c")) {
			req.flags |= HVCTL_SAVE_CONTINUE;
		} else if (!strcmp(argv[i], "-l")) {
			req.flags |= HVCTL_SAVE_LIVE;
		} else if (!strcmp(argv[i], "-p")) {
			req.flags |= HVCTL_SAVE_PAUSED;
		} else {
			log_warnx("save %s: the options are -c (the domain runs on), -l (live: pre-copy) and "
				  "-p (with -c: it stays paused, its devices handed over, as xl migrate's source)",
				  argv[i]);
			return -EINVAL;
		}
	}
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		log_warn("save: cannot create %s", path);
		return rc;
	}
	rc = hvctl_save(fd, &req, out, &res);
	if (!rc && fsync(out) < 0)
		rc = -errno;
	if (close(out) < 0 && !rc)
		rc = -errno;
	if (rc) {
		unlink(path);
		return rc;
	}
	printf("saved %llu bytes: %llu frames (%llu zero) in %llu ms, %llu rounds, downtime %.1f ms\n",
	       (unsigned long long)res.bytes, (unsigned long long)res.frames,
	       (unsigned long long)res.zero_frames, (unsigned long long)(res.total_ns / 1000000),
	       (unsigned long long)res.rounds, res.downtime_ns / 1e6);
	return 0;
}

/*
 * A vCPU thread's id as the host names it: xenon-hv names its threads by
 * its PID namespace's ids; the kernel says who it is (SO_PEERCRED: its pid
 * here), and its own threads' NSpid lines which one it means. As given if
 * none of them is that.
 */
static int host_tid(int fd, int tid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int host;

	if (!tid || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return tid;
	host = nspid_task(cr.pid, tid);
	return host > 0 ? host : tid;
}

static int cmd_vcpus(int fd, int argc, char **argv)
{
	struct hvctl_vcpu v[HVCTL_MAX_VCPUS];
	unsigned n = HVCTL_MAX_VCPUS;
	int rc = hvctl_vcpu_info(fd, v, &n);

	(void)argc, (void)argv;
	if (rc)
		return rc;
	for (unsigned i = 0; i < n && i < HVCTL_MAX_VCPUS; i++)
		printf("vcpu %u: tid %d %s%s%s time %.3f s\n", i, host_tid(fd, v[i].tid),
		       v[i].flags & HVCTL_VCPU_ONLINE ? "online" : "offline",
		       v[i].flags & HVCTL_VCPU_RUNNING ? " running" : "",
		       v[i].flags & HVCTL_VCPU_BLOCKED ? " blocked" : "", (double)v[i].time_ns / 1e9);
	return 0;
}

static int cmd_pin(int fd, int argc, char **argv)
{
	struct hvctl_vcpu_affinity a = {0};
	char *end;

	(void)argc;
	a.vcpu = (uint32_t)strtoul(argv[0], &end, 10);
	if (*end)
		return -EINVAL;
	for (char *item = strtok(argv[1], ","); item; item = strtok(NULL, ",")) {
		unsigned long cpu = strtoul(item, &end, 10);

		if (*end || cpu >= HVCTL_MAX_CPUS)
			return -EINVAL;
		a.mask[cpu / 8] |= (uint8_t)(1U << (cpu % 8));
	}
	return hvctl_vcpu_affinity(fd, &a);
}

static const struct cli_cmd cli_cmds[] = {
    {"info", "", 0, 0, cmd_info, "name, state, platform, memory, vCPU times, KVM counters"},
    {"pause", "", 0, 0, cmd_pause, "stop every vCPU"},
    {"unpause", "", 0, 0, cmd_unpause, "let the vCPUs run again"},
    {"shutdown", "poweroff|reboot", 1, 1, cmd_shutdown, "ask the guest to shut down cleanly"},
    {"destroy", "", 0, 0, cmd_destroy, "end the domain at once"},
    {"events", "[SECONDS]", 0, 1, cmd_events, "print events until the domain ends"},
    {"console", "", 0, 0, cmd_console, "print the recent console output"},
    {"device-add", "vbd|vif KEY=VALUE...", 2, 17, cmd_device_add, "add a disk or NIC (keys: xenon-hv(8))"},
    {"device-remove", "vbd|vif DEVID", 2, 2, cmd_device_remove, "remove a disk or NIC"},
    {"device-list", "", 0, 0, cmd_device_list, "the disks and NICs, their state and statistics"},
    {"vcpus", "", 0, 0, cmd_vcpus, "each vCPU's thread id, state and CPU time"},
    {"pin", "VCPU CPU[,CPU...]", 2, 2, cmd_pin, "the host CPUs a vCPU's thread may run on"},
    {"save", "[-c] [-l] [-p] FILE", 1, 4, cmd_save,
     "save the domain to a new FILE (-c: it runs on, -p: paused; -l: live)"},
};
#define NR_CMDS (sizeof(cli_cmds) / sizeof(cli_cmds[0]))

static void usage(FILE *fp)
{
	fprintf(fp, "usage: hvctl SOCKET|DOMID COMMAND [ARGS]\n");
	for (unsigned i = 0; i < NR_CMDS; i++)
		fprintf(fp, "  %-13s %-20s %s\n", cli_cmds[i].name, cli_cmds[i].args, cli_cmds[i].help);
}

static const char *socket_path(const char *arg, char *buf, unsigned len)
{
	uint64_t domid;

	if (!parse_u64(arg, UINT32_MAX, &domid))
		return hvctl_default_socket(domid, buf, len);
	return arg;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd = NULL;
	char buf[108];
	const char *path;
	int fd, rc, nargs = argc - 3;

	log_init(argv[0]);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 1;
	}
	for (unsigned i = 0; i < NR_CMDS; i++)
		if (!strcmp(argv[2], cli_cmds[i].name))
			cmd = &cli_cmds[i];
	if (!cmd || nargs < cmd->min_args || nargs > cmd->max_args) {
		log_warnx(cmd ? "%s: wrong number of arguments" : "unknown command '%s'", argv[2]);
		usage(stderr);
		return 1;
	}
	path = socket_path(argv[1], buf, sizeof(buf));
	/* Bounded: a stopped or hung xenon-hv gives an error, never a hang. */
	rc = hvctl_connect_timeout(path, CLI_TIMEOUT_MS, &fd);
	if (rc) {
		log_warnx("cannot reach xenon-hv at %s: %s (is the domain running?)", path, log_strerror(rc));
		return 1;
	}
	rc = cmd->fn(fd, nargs, argv + 3);
	close(fd);
	if (rc) {
		log_warnx("%s: %s", cmd->name, log_strerror(rc));
		return 1;
	}
	return 0;
}
