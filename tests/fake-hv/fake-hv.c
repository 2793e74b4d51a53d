/*
 * fake-hv: a stand-in for xenon-hv for the xl suites on hosts without KVM
 * (XENON_HV=tests/fake-hv/fake-hv). It takes xenon-hv's arguments, makes a
 * console pty, listens on --control and answers the control protocol
 * (hypervisor/hvctl.h) as xenon-hv does, without running any guest:
 *
 *   INFO           running (or paused), its pid (the host's: libxl starts it in
 *                  a PID namespace of its own), the pty, vCPUs, memory; of the
 *                  sandbox only that PID namespace (when its pid is 1)
 *   PAUSE/UNPAUSE  change the state it reports
 *   CONSOLE_RING   "fake-hv: domain <name> (<domid>) up\r\n"; with
 *                  HVCTL_CONSOLE_RING_FLUSH, its pty's queued output dropped;
 *                  refused (EINVAL) with an fd, as xenon-hv refuses it
 *   SHUTDOWN       reply, then exit HV_EXIT_POWEROFF / HV_EXIT_REBOOT
 *   DESTROY        reply, then exit HV_EXIT_DESTROY
 *   VCPU_INFO      one thread per vCPU (started at once, asleep for ever):
 *                  its tid, online and blocked, the time INFO reports
 *   MEM_MAX        the balloon's ceiling (-EINVAL above its memory); INFO's
 *                  balloon figures play a guest whose balloon is instant: it
 *                  holds its memory/target (read from xenstore on each INFO),
 *                  at most the ceiling; nothing is backed
 *   VCPU_AFFINITY  sched_setaffinity on that thread, as xenon-hv does
 *                  (FAKE_HV_FOREIGN_TID=1: vCPU 0 is named as its parent's
 *                  host pid, a thread not its own, as a subverted xenon-hv
 *                  could)
 *
 * SIGTERM, SIGINT, SIGHUP: exit HV_EXIT_DESTROY, as xenon-hv ends on them.
 *
 * A hung or stopped xenon-hv is made with kill -STOP on its pid; with
 * FAKE_HV_MUTE=1 in the environment it accepts connections and reads
 * requests but never replies.
 *
 * DEVICE_ADD/REMOVE/LIST are answered by fake-dev.c, which also plays the
 * guest's frontends in xenstore (FAKE_HV_FRONTEND=connect|mute|stuck|error,
 * see there).
 *
 * VCPU_TRIGGER   as xenon-hv checks it: NMI to an online vCPU is noted in
 *                the console ring ("fake-hv: NMI to vCPU <n>"), INIT takes
 *                a secondary vCPU offline (VCPU_INFO and INFO then say so),
 *                RESET replies, then exits HV_EXIT_REBOOT
 *
 * FAKE_HV_SECCOMP (any value): a shutdown request ends it as xenon-hv's
 * SIGSYS handler does: the line naming the call, exit HV_EXIT_SECCOMP.
 *
 * FAKE_HV_CRASH=1: a shutdown request is a guest crash instead: exit
 * HV_EXIT_CRASH or, with --hold-on crash, kept as xenon-hv keeps it:
 * INFO says crashed and held, subscribers (SUBSCRIBE) get the crash event
 * with HVCTL_EV_HELD, DESTROY ends it. DUMP_CORE is answered only with
 * FAKE_HV_DUMP=1: "fake-hv core of <name>\n" written to the fd passed.
 *
 * FAKE_HV_NO_RING=1: CONSOLE_RING is refused (EIO), as by a xenon-hv that
 * cannot answer it.
 *
 * FAKE_HV_UNKILLABLE=1: taken over and hiding: once up, it overwrites its
 * command line (no --control left in /proc/<pid>/cmdline), refuses DESTROY
 * (EBUSY), ignores SIGTERM, SIGINT and SIGHUP, and leaves a child process
 * (asleep for ever) in its cgroup. Only SIGKILL ends them.
 *
 * FAKE_HV_CONSOLE_PTY=PATH: INFO names PATH as the console pty, a pty not
 * its own (say root's terminal), as a taken-over xenon-hv could.
 *
 * FAKE_HV_VCPU_LOAD=L0,L1,... (xentop's tests): vCPU i reports a CPU time
 * of Li (a fraction of one CPU, 0 to 1) times the time since start, as a
 * guest keeping it that busy would; vCPUs not listed stay at 0.
 *
 * FAKE_HV_GARBAGE=packet|payload: after a SIGUSR1 (so that the domain is
 * built first), every reply is garbage, as from a taken-over xenon-hv:
 * "packet" sends random bytes that are no packet of the protocol (a length
 * that does not match), "payload" the right header with random contents
 * (INFO with a random state, pid, vCPU count, pty name...).
 *
 * FAKE_HV_SAVE=1: SAVE writes a stand-in stream, "fake-hv stream of
 * <name>\n", to the fd passed and replies its length (then, without
 * HVCTL_SAVE_CONTINUE, exits HV_EXIT_SAVED); without it SAVE is refused.
 * FAKE_HV_SAVE=forge: first, as a taken-over xenon-hv could, it tries to
 * rewrite what xl wrote before the stream through that fd: a punched hole
 * and a collapse at offset 0 (fallocate), a pwrite at 0, then lseek to 0
 * and xl's header with FAKE_HV_FORGE_JSON as the domain's configuration.
 * FAKE_HV_SAVE=long: the stream is followed by "more\n", which the reply
 * does not count.
 *
 * FAKE_HV_SPIN=1 (the accuracy tests of cpu_weight and cap): each vCPU
 * thread spins instead of sleeping, as a busy guest's would, and reports
 * its thread's real CPU time, running.
 */
#include "hypervisor/hvctl.h"
#include "tests/fake-hv/fake-dev.h"
#include "nspid.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16

struct fake {
	const char *name, *control, *xenstore;
	uint32_t domid, vcpus, state;
	uint64_t mem_mib, start_ns;
	uint64_t max_kib; /* HVCTL_MEM_MAX (0: its memory) */
	int ready;	  /* --ready, -1: none */
	char pty[108];
	int master, slave, mute;
	char ring[256];
	double load[HVCTL_MAX_VCPUS]; /* FAKE_HV_VCPU_LOAD */
	uint64_t offline;	      /* bit n: vCPU n taken down by a trigger init */
	uint64_t start_mono_ns;
	int host_pid, host_ppid; /* as the host names them (ours: getpid() is 1 in a PID namespace) */
	_Atomic int tids[HVCTL_MAX_VCPUS]; /* the vCPU threads' ids */
	pthread_t threads[HVCTL_MAX_VCPUS];
	int spin; /* FAKE_HV_SPIN=1 */
	int hold_crash, held;	   /* --hold-on crash; a crash kept */
	int subs[MAX_CLIENTS + 1]; /* subscribed connections (0: none) */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void parse_load(struct fake *f, const char *s)
{
	for (unsigned i = 0; s && *s && i < HVCTL_MAX_VCPUS; i++) {
		char *end;

		f->load[i] = strtod(s, &end);
		s = *end == ',' ? end + 1 : NULL;
	}
}

static int parse_args(struct fake *f, int argc, char **argv)
{
	static const struct option opts[] = {{"kernel", required_argument, NULL, 'k'},
					     {"memory", required_argument, NULL, 'm'},
					     {"vcpus", required_argument, NULL, 'v'},
					     {"cmdline", required_argument, NULL, 'c'},
					     {"name", required_argument, NULL, 'n'},
					     {"domid", required_argument, NULL, 'd'},
					     {"console", required_argument, NULL, 'C'},
					     {"control", required_argument, NULL, 's'},
					     {"xenstore", optional_argument, NULL, 'x'},
					     {"paused", no_argument, NULL, 'p'},
					     /* xenon-hv's sandbox: taken, not acted on */
					     {"uid", required_argument, NULL, 'u'},
					     {"gid", required_argument, NULL, 'g'},
					     {"uid-shared", no_argument, NULL, 'S'},
					     {"no-sandbox", optional_argument, NULL, 'N'},
					     {"hold-on", required_argument, NULL, 'H'},
					     /* the VM keeper's socket: held, closed by the end (no VM to hand over) */
					     {"keeper", required_argument, NULL, 'K'},
					     /* the pipe to say "answering" on, once listening */
					     {"ready", required_argument, NULL, 'R'},
					     /* the host's message ring (xl dmesg): closed, the fake warns only on stderr */
					     {"dmesg", required_argument, NULL, 'D'},
					     {NULL, 0, NULL, 0}};
	int opt;

	f->name = "fake";
	f->vcpus = 1;
	f->state = HVCTL_STATE_RUNNING;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			f->mem_mib = strtoull(optarg, NULL, 10);
			break;
		case 'v':
			f->vcpus = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			f->name = optarg;
			break;
		case 'd':
			f->domid = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			f->control = optarg;
			break;
		case 'p':
			f->state = HVCTL_STATE_PAUSED;
			break;
		case 'x':
			f->xenstore = optarg;
			break;
		case 'H':
			f->hold_crash = strstr(optarg, "crash") != NULL;
			break;
		case 'R':
			f->ready = (int)strtol(optarg, NULL, 10);
			fcntl(f->ready, F_SETFD, FD_CLOEXEC);
			break;
		case 'D':
			close((int)strtol(optarg, NULL, 10));
			break;
		case '?':
			return -EINVAL;
		}
	}
	if (!f->control) {
		fprintf(stderr, "fake-hv: --control SOCKET is needed\n");
		return -EINVAL;
	}
	return 0;
}

static int open_pty(struct fake *f)
{
	f->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (f->master < 0 || grantpt(f->master) || unlockpt(f->master) ||
	    ptsname_r(f->master, f->pty, sizeof(f->pty)))
		return -errno;
	/* Held open, as xenon-hv does, so that the master never sees a hang-up. */
	f->slave = open(f->pty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return f->slave < 0 ? -errno : 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, MAX_CLIENTS) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static volatile sig_atomic_t garbage_on; /* SIGUSR1 */
static enum { GARBAGE_NONE, GARBAGE_PACKET, GARBAGE_PAYLOAD } garbage;

static void on_usr1(int sig)
{
	(void)sig;
	garbage_on = 1;
}

/*
 * SIGTERM, SIGINT and SIGHUP end it as they end xenon-hv, as a destroy: the
 * control socket removed, exit HV_EXIT_DESTROY. (Without a handler, the
 * first process of a PID namespace, as libxl starts it, never gets them.)
 */
static const char *control_path;

static void on_end_signal(int sig)
{
	static const char msg[] = "fake-hv: destroyed by a signal\n";
	ssize_t said;

	(void)sig;
	unlink(control_path);
	said = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)said; /* nothing to do if stderr is gone */
	_exit(HV_EXIT_DESTROY);
}

static void end_on_signals(const char *control)
{
	struct sigaction sa = {.sa_handler = on_end_signal};

	control_path = control;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* A FAKE_HV_* switch: set to "1". */
static bool env_on(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "1");
}

/* FAKE_HV_GARBAGE: the reply turned into garbage, once SIGUSR1 came. */
static void spoil(struct hvctl_hdr *hdr, uint8_t *buf, uint32_t *len)
{
	if (!garbage_on || garbage == GARBAGE_NONE)
		return;
	if (garbage == GARBAGE_PAYLOAD) {
		hdr->status = 0;
		if (!*len)
			*len = hdr->len = (uint32_t)(random() % 64);
	} else {
		hdr->type = (uint32_t)random();
		hdr->len = *len + 1 + (uint32_t)(random() % 1000); /* not what comes */
	}
	for (uint32_t i = 0; i < *len; i++)
		buf[i] = (uint8_t)random();
}

static void reply(int fd, uint32_t type, int32_t status, const void *data, uint32_t len)
{
	static uint8_t buf[HVCTL_MAX_PACKET];
	struct hvctl_hdr hdr = {.type = type, .status = status, .len = len};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {buf, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	if (len > sizeof(buf))
		return;
	memcpy(buf, data, len);
	spoil(&hdr, buf, &len);
	iov[1].iov_len = len;
	msg.msg_iovlen = len ? 2 : 1;

	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		perror("fake-hv: reply");
}

/* A vCPU thread: says its id, then sleeps (a guest that never wakes). */
static void *vcpu_thread(void *arg)
{
	_Atomic int *slot = arg;

	*slot = (int)gettid();
	for (;;)
		pause();
	return NULL;
}

/* FAKE_HV_SPIN: a busy guest's vCPU. */
static void *spin_thread(void *arg)
{
	_Atomic int *slot = arg;
	volatile uint64_t n = 0;

	*slot = (int)gettid();
	for (;;)
		n++;
	return NULL;
}

static int start_vcpus(struct fake *f)
{
	for (uint32_t i = 0; i < f->vcpus && i < HVCTL_MAX_VCPUS; i++) {
		int rc = pthread_create(&f->threads[i], NULL, f->spin ? spin_thread : vcpu_thread,
					(void *)&f->tids[i]);

		if (rc)
			return -rc;
		pthread_detach(f->threads[i]);
	}
	/* Every tid is known before the control socket answers. */
	for (uint32_t i = 0; i < f->vcpus && i < HVCTL_MAX_VCPUS; i++)
		while (!f->tids[i])
			usleep(100);
	return 0;
}

static uint64_t vcpu_time(struct fake *f, unsigned i, uint64_t now)
{
	clockid_t c;
	struct timespec ts;

	if (f->spin && !pthread_getcpuclockid(f->threads[i], &c) && !clock_gettime(c, &ts))
		return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return (uint64_t)(f->load[i] * (double)(now - f->start_mono_ns));
}

static void vcpu_info(struct fake *f, int fd, uint32_t type)
{
	struct hvctl_vcpu v[HVCTL_MAX_VCPUS];
	uint32_t n = f->vcpus < HVCTL_MAX_VCPUS ? f->vcpus : HVCTL_MAX_VCPUS;

	for (uint32_t i = 0; i < n; i++)
		v[i] = (struct hvctl_vcpu){
		    .tid = f->tids[i],
		    .flags = (f->offline >> i) & 1
				 ? 0
				 : HVCTL_VCPU_ONLINE |
				       (f->state == HVCTL_STATE_RUNNING && !f->spin ? HVCTL_VCPU_BLOCKED : 0),
		    .time_ns = vcpu_time(f, i, mono_ns())};
	if (n && env_on("FAKE_HV_FOREIGN_TID"))
		v[0].tid = f->host_ppid;
	reply(fd, type, 0, v, n * (uint32_t)sizeof(v[0]));
}

static int vcpu_affinity(struct fake *f, const uint8_t *payload, uint32_t len)
{
	struct hvctl_vcpu_affinity a;
	cpu_set_t mask;

	if (len != sizeof(a))
		return -EINVAL;
	memcpy(&a, payload, sizeof(a));
	if (a.vcpu >= f->vcpus || a.vcpu >= HVCTL_MAX_VCPUS)
		return -EINVAL;
	CPU_ZERO(&mask);
	for (unsigned cpu = 0; cpu < HVCTL_MAX_CPUS && cpu < CPU_SETSIZE; cpu++)
		if (a.mask[cpu / 8] & (1U << (cpu % 8)))
			CPU_SET(cpu, &mask);
	if (CPU_COUNT(&mask) == 0)
		return -EINVAL;
	return sched_setaffinity(f->tids[a.vcpu], sizeof(mask), &mask) < 0 ? -errno : 0;
}

static void balloon_info(struct fake *f, struct hvctl_info *in)
{
	uint64_t target;

	in->balloon_valid = 1;
	in->mem_max_kib = f->max_kib ? f->max_kib : in->mem_kib;
	in->mem_current_kib = in->mem_kib;
	if (fake_dev_read_target(&target) == 0 && target < in->mem_current_kib)
		in->mem_current_kib = target;
	if (in->mem_current_kib > in->mem_max_kib)
		in->mem_current_kib = in->mem_max_kib;
}

static int mem_max(struct fake *f, const uint8_t *payload, uint32_t len)
{
	uint64_t kib;

	if (len != sizeof(kib))
		return -EINVAL;
	memcpy(&kib, payload, sizeof(kib));
	if (kib > f->mem_mib * 1024)
		return -EINVAL;
	f->max_kib = kib;
	return 0;
}

static void info(struct fake *f, struct hvctl_info *in)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", f->name);
	in->domid = f->domid;
	in->state = f->state;
	in->nr_vcpus = f->vcpus;
	in->mem_kib = f->mem_mib * 1024;
	in->start_time_ns = f->start_ns;
	in->sample_mono_ns = mono_ns();
	for (uint32_t i = 0; i < f->vcpus && i < HVCTL_MAX_VCPUS; i++) {
		in->vcpu_time_ns[i] = vcpu_time(f, i, in->sample_mono_ns);
		in->cpu_time_ns += in->vcpu_time_ns[i];
		if ((f->offline >> i) & 1)
			continue;
		in->vcpu_online[i / 32] |= 1u << (i % 32);
		if (f->state == HVCTL_STATE_RUNNING)
			in->vcpu_blocked[i / 32] |= 1u << (i % 32);
	}
	in->pid = f->host_pid;
	in->sandbox_valid = 1;
	in->sandbox = getpid() == 1 ? HVCTL_SANDBOX_PID : 0;
	in->uid = getuid();
	in->gid = getgid();
	in->held = f->held ? HV_EXIT_CRASH + 1 : 0;
	balloon_info(f, in);
	snprintf(in->console_pty, sizeof(in->console_pty), "%s",
		 getenv("FAKE_HV_CONSOLE_PTY") ? getenv("FAKE_HV_CONSOLE_PTY") : f->pty);
}

/* As xenon-hv's msg_console_ring: no fd taken, the flush done on its own end of the pty. */
static int console_ring(struct fake *f, const void *payload, uint32_t len)
{
	uint32_t flags = 0;
	int passed = fake_dev_take_fd();

	if (passed >= 0) {
		close(passed);
		return -EINVAL;
	}
	if (len == sizeof(flags))
		memcpy(&flags, payload, sizeof(flags));
	if ((len && len != sizeof(flags)) || (flags & ~HVCTL_CONSOLE_RING_FLUSH))
		return -EINVAL;
	if (env_on("FAKE_HV_NO_RING"))
		return -EIO;
	return flags && tcflush(f->slave, TCIFLUSH) < 0 ? -errno : 0;
}

/* Our parent's pid as the host names it (the PPid line: getppid() is 0 in a PID namespace). */
static int host_ppid(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return getppid();
	buf[n] = '\0';
	p = strstr(buf, "\nPPid:");
	return p ? atoi(p + 6) : getppid();
}

/* 0, -errno, or 1: a reset (the process ends as a reboot). */
static int vcpu_trigger(struct fake *f, const uint8_t *payload, uint32_t len)
{
	struct hvctl_vcpu_trigger t;
	size_t used;

	if (len != sizeof(t))
		return -EINVAL;
	memcpy(&t, payload, sizeof(t));
	if (t.kind == HVCTL_TRIGGER_RESET)
		return 1;
	if (t.vcpu >= f->vcpus || t.vcpu >= 64 ||
	    (t.kind != HVCTL_TRIGGER_NMI && t.kind != HVCTL_TRIGGER_INIT) ||
	    (t.kind == HVCTL_TRIGGER_INIT && t.vcpu == 0))
		return -EINVAL;
	if ((f->offline >> t.vcpu) & 1)
		return -ESRCH;
	if (t.kind == HVCTL_TRIGGER_INIT) {
		f->offline |= 1ULL << t.vcpu;
		return 0;
	}
	used = strlen(f->ring);
	snprintf(f->ring + used, sizeof(f->ring) - used, "fake-hv: NMI to vCPU %u\r\n", t.vcpu);
	return 0;
}

/* One request; returns the exit status when the request ends the process, else -1. */
/* FAKE_HV_CRASH: the guest crashes; the exit status, or -1 when held. */
static int crash(struct fake *f)
{
	struct hvctl_event ev = {.kind = HVCTL_EV_CRASH, .flags = HVCTL_EV_HELD, .detail = "fake-hv: crash"};

	if (!f->hold_crash)
		return HV_EXIT_CRASH;
	f->held = 1;
	f->state = HVCTL_STATE_CRASHED;
	for (unsigned i = 0; i < MAX_CLIENTS + 1; i++)
		if (f->subs[i] > 0)
			reply(f->subs[i], HVCTL_EVENT, 0, &ev, sizeof(ev));
	return -1;
}

static void subscribe(struct fake *f, int fd)
{
	for (unsigned i = 0; i < MAX_CLIENTS + 1; i++)
		if (!f->subs[i]) {
			f->subs[i] = fd;
			break;
		}
	reply(fd, HVCTL_SUBSCRIBE, 0, NULL, 0);
}

/* FAKE_HV_DUMP=1: a stand-in core into the fd passed. */
static void dump_core(struct fake *f, int fd)
{
	struct hvctl_save_result res = {0};
	int core = fake_dev_take_fd();
	char text[96];
	int len = snprintf(text, sizeof(text), "fake-hv core of %s\n", f->name);
	int rc = core < 0 ? -EBADF : write(core, text, (size_t)len) == len ? 0 : -EIO;

	if (core >= 0)
		close(core);
	res.bytes = rc ? 0 : (uint64_t)len;
	reply(fd, HVCTL_DUMP_CORE, rc, &res, sizeof(res));
}

/* FAKE_HV_SAVE=forge: over xl's header and configuration, by every means a file's fd gives. */
static void forge(int sfd)
{
	const char *json = getenv("FAKE_HV_FORGE_JSON") ? getenv("FAKE_HV_FORGE_JSON") : "{}";
	struct {
		char magic[32];
		uint32_t version, json_len;
	} h = {.version = 1, .json_len = (uint32_t)strlen(json)};

	memcpy(h.magic, "Xenon saved domain, xl format\n \0 \r", sizeof(h.magic));
	if (fallocate(sfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) < 0)
		perror("fake-hv: forge: punch");
	if (fallocate(sfd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096) < 0)
		perror("fake-hv: forge: collapse");
	if (pwrite(sfd, "forged", 6, 0) < 0)
		perror("fake-hv: forge: pwrite");
	if (lseek(sfd, 0, SEEK_SET) < 0)
		perror("fake-hv: forge: lseek");
	else if (write(sfd, &h, sizeof(h)) < 0 || write(sfd, json, h.json_len) < 0)
		perror("fake-hv: forge: write");
}

/* FAKE_HV_SAVE: the stand-in stream; the exit status when the save ends the domain, else -1. */
static int save(struct fake *f, int fd, const uint8_t *payload, uint32_t len)
{
	struct hvctl_save_req req;
	struct hvctl_save_result res = {0};
	int sfd = fake_dev_take_fd();
	char text[96];
	int n = snprintf(text, sizeof(text), "fake-hv stream of %s\n", f->name);
	int rc = sfd < 0 || len != sizeof(req) ? -EINVAL : 0;

	if (!rc) {
		memcpy(&req, payload, sizeof(req));
		if (!strcmp(getenv("FAKE_HV_SAVE"), "forge"))
			forge(sfd);
		rc = write(sfd, text, (size_t)n) == n ? 0 : -errno;
		if (!rc && !strcmp(getenv("FAKE_HV_SAVE"), "long") && write(sfd, "more\n", 5) != 5)
			rc = -EIO;
	}
	if (sfd >= 0)
		close(sfd);
	res.bytes = rc ? 0 : (uint64_t)n;
	res.frames = res.rounds = 1;
	reply(fd, HVCTL_SAVE, rc, &res, sizeof(res));
	return rc || (req.flags & HVCTL_SAVE_CONTINUE) ? -1 : HV_EXIT_SAVED;
}

static int serve(struct fake *f, int fd, const struct hvctl_hdr *hdr, const uint8_t *payload)
{
	struct hvctl_info in;
	uint32_t how;
	int rc;

	switch (hdr->type) {
	case HVCTL_INFO:
		info(f, &in);
		reply(fd, hdr->type, 0, &in, sizeof(in));
		return -1;
	case HVCTL_PAUSE:
	case HVCTL_UNPAUSE:
		f->state = hdr->type == HVCTL_PAUSE ? HVCTL_STATE_PAUSED : HVCTL_STATE_RUNNING;
		reply(fd, hdr->type, 0, NULL, 0);
		fake_dev_frontend(f->state == HVCTL_STATE_RUNNING); /* the guest runs again */
		return -1;
	case HVCTL_VCPU_INFO:
		vcpu_info(f, fd, hdr->type);
		return -1;
	case HVCTL_VCPU_AFFINITY:
		reply(fd, hdr->type, vcpu_affinity(f, payload, hdr->len), NULL, 0);
		return -1;
	case HVCTL_MEM_MAX:
		reply(fd, hdr->type, mem_max(f, payload, hdr->len), NULL, 0);
		return -1;
	case HVCTL_CONSOLE_RING:
		rc = console_ring(f, payload, hdr->len);
		reply(fd, hdr->type, rc, rc ? NULL : f->ring, rc ? 0 : (uint32_t)strlen(f->ring));
		return -1;
	case HVCTL_VCPU_TRIGGER:
		rc = vcpu_trigger(f, payload, hdr->len);
		reply(fd, hdr->type, rc > 0 ? 0 : rc, NULL, 0);
		return rc > 0 ? HV_EXIT_REBOOT : -1;
	case HVCTL_SHUTDOWN:
		if (hdr->len != sizeof(how)) {
			reply(fd, hdr->type, -EINVAL, NULL, 0);
			return -1;
		}
		memcpy(&how, payload, sizeof(how));
		reply(fd, hdr->type, f->held ? -ESRCH : 0, NULL, 0);
		if (f->held)
			return -1;
		if (env_on("FAKE_HV_CRASH"))
			return crash(f);
		if (getenv("FAKE_HV_SECCOMP")) { /* as xenon-hv's SIGSYS handler ends it */
			fprintf(stderr, "xenon-hv: seccomp: the vCPU thread made a forbidden system call: "
					"socket (41); the domain crashed\n");
			return HV_EXIT_SECCOMP;
		}
		return how == HVCTL_SHUTDOWN_REBOOT ? HV_EXIT_REBOOT : HV_EXIT_POWEROFF;
	case HVCTL_DESTROY:
		if (env_on("FAKE_HV_UNKILLABLE")) {
			reply(fd, hdr->type, -EBUSY, NULL, 0);
			return -1;
		}
		reply(fd, hdr->type, 0, NULL, 0);
		return HV_EXIT_DESTROY;
	case HVCTL_SUBSCRIBE:
		subscribe(f, fd);
		return -1;
	case HVCTL_SAVE:
		if (getenv("FAKE_HV_SAVE"))
			return save(f, fd, payload, hdr->len);
		reply(fd, hdr->type, -EOPNOTSUPP, NULL, 0);
		return -1;
	case HVCTL_DUMP_CORE:
		if (env_on("FAKE_HV_DUMP")) {
			dump_core(f, fd);
			return -1;
		}
		reply(fd, hdr->type, -EOPNOTSUPP, NULL, 0);
		return -1;
	default:
		if (!fake_dev_request(fd, hdr, payload, reply))
			reply(fd, hdr->type, -EOPNOTSUPP, NULL, 0);
		return -1;
	}
}

/* A client's packet: 0 keep it, 1 drop it, or the process' exit status + 2. */
static int client_packet(struct fake *f, int fd)
{
	uint8_t buf[sizeof(struct hvctl_hdr) + 1024]; /* a device spec is the largest request */
	union {
		char b[CMSG_SPACE(sizeof(int) * HVCTL_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b)};
	struct hvctl_hdr hdr;
	ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	int end;

	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		fake_dev_passed((const int *)CMSG_DATA(c), (c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	else
		fake_dev_passed(NULL, 0);

	if (n < (ssize_t)sizeof(hdr))
		return 1;
	if (f->mute)
		return 0;
	memcpy(&hdr, buf, sizeof(hdr));
	end = serve(f, fd, &hdr, buf + sizeof(hdr));
	return end < 0 ? 0 : end + 2;
}

static int run(struct fake *f, int lfd)
{
	struct pollfd p[MAX_CLIENTS + 2];
	unsigned n = 1;

	p[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
	for (;;) {
		/* The last slot: xenstore, once a device has made fake-hv the guest there. */
		struct pollfd xs = {.fd = fake_dev_fd(), .events = POLLIN};

		p[n] = xs;
		if (poll(p, n + (xs.fd >= 0), -1) < 0) {
			if (errno == EINTR)
				continue;
			return HV_EXIT_ERROR;
		}
		if (xs.fd >= 0 && p[n].revents)
			fake_dev_frontend(f->state == HVCTL_STATE_RUNNING);
		for (unsigned i = n; i-- > 1;) {
			int r;

			if (!p[i].revents)
				continue;
			r = client_packet(f, p[i].fd);
			if (r >= 2)
				return r - 2;
			if (r == 1) {
				for (unsigned j = 0; j < MAX_CLIENTS + 1; j++)
					if (f->subs[j] == p[i].fd)
						f->subs[j] = 0;
				close(p[i].fd);
				p[i] = p[--n];
			}
		}
		if ((p[0].revents & POLLIN) && n < MAX_CLIENTS + 1) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0)
				p[n++] = (struct pollfd){.fd = c, .events = POLLIN};
		}
	}
}

/* The CPUs it may run on as it starts, on stderr (its log): its pool's from the first instruction. */
static void say_start_cpus(void)
{
	cpu_set_t set;
	const char *sep = "";

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	fprintf(stderr, "fake-hv: started on CPUs ");
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			fprintf(stderr, "%s%d", sep, c);
			sep = ",";
		}
	fprintf(stderr, "\n");
}

/* A copy of the arguments to parse and keep: FAKE_HV_UNKILLABLE overwrites the originals. */
static char **args_copy(int argc, char **argv)
{
	char **copy = calloc((size_t)argc + 1, sizeof(*copy));

	for (int i = 0; copy && i < argc; i++)
		if (!(copy[i] = strdup(argv[i])))
			exit(HV_EXIT_ERROR);
	if (!copy)
		exit(HV_EXIT_ERROR);
	return copy;
}

/* FAKE_HV_UNKILLABLE: what a taken-over xenon-hv can do to stay (see the top). */
static void hide(int argc, char **argv)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	pid_t child;

	for (int i = 1; i < argc; i++)
		memset(argv[i], 'x', strlen(argv[i]));
	sigaction(SIGTERM, &ign, NULL);
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGHUP, &ign, NULL);
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	if (child < 0)
		perror("fake-hv: fork");
}

int main(int argc, char **argv)
{
	struct fake f = {.ready = -1};
	struct timespec ts;
	int lfd, rc, status;

	say_start_cpus();
	if (parse_args(&f, argc, args_copy(argc, argv)) < 0)
		return HV_EXIT_ERROR;
	end_on_signals(f.control);
	f.mute = env_on("FAKE_HV_MUTE");
	f.spin = env_on("FAKE_HV_SPIN");
	if (getenv("FAKE_HV_GARBAGE")) {
		garbage = strcmp(getenv("FAKE_HV_GARBAGE"), "packet") ? GARBAGE_PAYLOAD : GARBAGE_PACKET;
		srandom((unsigned)getpid());
		signal(SIGUSR1, on_usr1);
	}
	parse_load(&f, getenv("FAKE_HV_VCPU_LOAD"));
	fake_dev_setup(f.domid, f.xenstore);
	f.start_mono_ns = mono_ns();
	f.host_pid = nspid_self();
	f.host_ppid = host_ppid();
	clock_gettime(CLOCK_REALTIME, &ts);
	f.start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	snprintf(f.ring, sizeof(f.ring), "fake-hv: domain %s (%u) up\r\n", f.name, f.domid);
	rc = start_vcpus(&f);
	if (rc < 0) {
		fprintf(stderr, "fake-hv: cannot start the vCPU threads: %s\n", strerror(-rc));
		return HV_EXIT_ERROR;
	}
	rc = open_pty(&f);
	if (rc < 0) {
		fprintf(stderr, "fake-hv: cannot make a pty: %s\n", strerror(-rc));
		return HV_EXIT_ERROR;
	}
	lfd = listen_on(f.control);
	if (lfd < 0) {
		fprintf(stderr, "fake-hv: cannot listen on %s: %s\n", f.control, strerror(-lfd));
		return HV_EXIT_ERROR;
	}
	if (env_on("FAKE_HV_UNKILLABLE"))
		hide(argc, argv);
	if (f.ready >= 0 && (write(f.ready, "r", 1) != 1 || close(f.ready)))
		fprintf(stderr, "fake-hv: --ready %d: %s\n", f.ready, strerror(errno));
	status = run(&f, lfd);
	unlink(f.control);
	return status;
}
