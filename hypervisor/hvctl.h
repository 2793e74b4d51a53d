/*
 * The xenon-hv control protocol: Xenon's "domctl hypercalls" (a contract:
 * hypervisor/ implements the server in xenon-hv and this client library,
 * libhvctl.a; libxl is its user). Documented for people in man/xenon-hv.8.
 *
 * Transport: a SOCK_SEQPACKET Unix socket (default
 * /run/xenon/domains/<domid>.sock, set with --control). Every request is one
 * packet: struct hvctl_hdr followed by hdr.len payload bytes; every reply is
 * one packet: struct hvctl_hdr with the same type, status 0 or a negative
 * errno, and a payload. After HVCTL_SUBSCRIBE the connection carries only
 * event packets (type HVCTL_EVENT, payload struct hvctl_event) until closed.
 *
 * All functions return 0 or a negative errno.
 */
#ifndef XENON_HVCTL_H
#define XENON_HVCTL_H

#include <stdbool.h>
#include <stdint.h>

#define HVCTL_MAX_VCPUS 64
#define HVCTL_MAX_PACKET 65536

/* xenon-hv's exit status tells how the domain ended. */
#define HV_EXIT_POWEROFF 0 /* the guest powered off (or was shut down) */
#define HV_EXIT_ERROR    1 /* bad arguments or a host error before/while running */
#define HV_EXIT_REBOOT   2 /* the guest asked to reboot */
#define HV_EXIT_CRASH    3 /* the guest crashed (fault, triple fault, KVM error) */
#define HV_EXIT_DESTROY  4 /* destroyed through HVCTL_DESTROY */
#define HV_EXIT_SAVED    5 /* saved (HVCTL_SAVE without HVCTL_SAVE_CONTINUE), or migrated away */
#define HV_EXIT_SECCOMP  6 /* a thread made a system call its seccomp filter forbids (the log names it) */

enum hvctl_type {
	HVCTL_INFO = 1,     /* -> struct hvctl_info */
	HVCTL_PAUSE = 2,
	HVCTL_UNPAUSE = 3,
	HVCTL_SHUTDOWN = 4, /* payload uint32_t HVCTL_SHUTDOWN_POWEROFF / _REBOOT */
	HVCTL_DESTROY = 5,  /* reply sent, then the process exits HV_EXIT_DESTROY */
	HVCTL_SUBSCRIBE = 6,/* the connection becomes an event stream */
	HVCTL_CONSOLE_RING = 7, /* [uint32_t HVCTL_CONSOLE_RING_*] -> the recent console output (bytes) */
	HVCTL_EVENT = 8,    /* event packets on a subscribed connection */
	HVCTL_DEVICE_ADD = 9,    /* struct hvctl_device_spec -> struct hvctl_device */
	HVCTL_DEVICE_REMOVE = 10,/* struct hvctl_device_id */
	HVCTL_DEVICE_LIST = 11,  /* -> struct hvctl_device[], as many as there are */
	/* 20..29: resource control (issue 14) */
	HVCTL_VCPU_INFO = 20,    /* -> struct hvctl_vcpu[], one per vCPU (nr_vcpus) */
	HVCTL_VCPU_AFFINITY = 21,/* struct hvctl_vcpu_affinity */
	HVCTL_VCPU_TRIGGER = 22, /* struct hvctl_vcpu_trigger */
	HVCTL_SAVE = 30,         /* struct hvctl_save_req (+ an fd) -> struct hvctl_save_result */
	/* 40..44: memory (issue 14) */
	HVCTL_MEM_MAX = 40,      /* uint64_t KiB: the most RAM the guest may balloon back to */
	HVCTL_DUMP_CORE = 45,    /* struct hvctl_dump_req (+ an fd) -> struct hvctl_save_result */
	HVCTL_TYPE_MAX
};

/* HVCTL_CONSOLE_RING: what is queued for a reader of the pty is dropped as the ring is copied (each byte read once). */
#define HVCTL_CONSOLE_RING_FLUSH 0x1

#define HVCTL_SHUTDOWN_POWEROFF 0
#define HVCTL_SHUTDOWN_REBOOT   1

enum hvctl_state {
	HVCTL_STATE_RUNNING = 1,
	HVCTL_STATE_PAUSED = 2,
	HVCTL_STATE_SHUTDOWN = 3, /* the guest has powered off / rebooted / crashed */
	HVCTL_STATE_CRASHED = 4,
};

enum hvctl_event_kind {
	HVCTL_EV_POWEROFF = 1,
	HVCTL_EV_REBOOT = 2,
	HVCTL_EV_CRASH = 3,
	HVCTL_EV_PAUSED = 4,
	HVCTL_EV_UNPAUSED = 5,
};
/* hvctl_event.flags: the domain ended and xenon-hv keeps it, paused, its
 * memory and registers intact for HVCTL_DUMP_CORE, until HVCTL_DESTROY. */
#define HVCTL_EV_HELD 0x1

struct hvctl_hdr {
	uint32_t type;
	int32_t status; /* replies: 0 or -errno; requests: 0 */
	uint32_t len;   /* payload bytes after the header */
	uint32_t pad;
};

/*
 * KVM's own counters of a vCPU, by KVM's names (Documentation/virt/kvm/api.rst):
 * exits from guest mode for any reason, instructions KVM's emulator ran for
 * the guest, port I/O and MMIO exits that reached xenon-hv, halts.
 */
enum hvctl_stat {
	HVCTL_STAT_EXITS,
	HVCTL_STAT_INSN_EMULATION,
	HVCTL_STAT_IO_EXITS,
	HVCTL_STAT_MMIO_EXITS,
	HVCTL_STAT_HALT_EXITS,
	HVCTL_NR_STATS
};
#define HVCTL_STAT_NAMES {"exits", "insn_emulation", "io_exits", "mmio_exits", "halt_exits"}
#define HVCTL_STAT_NONE	 UINT64_MAX

struct hvctl_info {
	char name[64];
	uint32_t domid;
	uint32_t state;    /* enum hvctl_state */
	uint32_t platform; /* XENON_PLATFORM_* from guest/include/xenon-boot.h */
	uint32_t nr_vcpus;
	uint64_t mem_kib;
	uint64_t start_time_ns; /* CLOCK_REALTIME when the domain was built */
	uint64_t cpu_time_ns;   /* sum over vCPUs */
	uint64_t vcpu_time_ns[HVCTL_MAX_VCPUS];
	uint32_t vcpu_online[HVCTL_MAX_VCPUS / 32]; /* bitmap */
	int32_t pid;
	uint32_t held; /* 0, or 1 + the HV_EXIT_* status of the end --hold-on keeps the domain after */
	char console_pty[108]; /* "" unless --console pty */
	/*
	 * What each online vCPU is doing, sampled when the reply is made (Xen's
	 * 'r' and 'b'): running guest code (or its exits, in xenon-hv), or
	 * blocked: halted, its thread asleep in KVM_RUN until an interrupt.
	 * While the domain is running each online vCPU is in exactly one map;
	 * paused, parked or ended vCPUs are in neither. Both maps empty on a
	 * running domain means an older xenon-hv that does not tell.
	 */
	uint32_t vcpu_running[HVCTL_MAX_VCPUS / 32]; /* bitmap */
	uint32_t vcpu_blocked[HVCTL_MAX_VCPUS / 32]; /* bitmap */
	/*
	 * KVM's own counters for each online vCPU (its binary statistics,
	 * KVM_GET_STATS_FD, Linux >= 5.14), read when the reply is made: a vCPU
	 * that runs natively exits rarely and has next to nothing emulated.
	 * kvm_stats is 1 when xenon-hv filled them (0 from an older one);
	 * kvm_stats_error is 0, or why a vCPU has none (-EINVAL or -ENOTTY:
	 * this host's KVM has no binary statistics). A counter this KVM does
	 * not keep, or of a vCPU that has none, is HVCTL_STAT_NONE.
	 */
	uint32_t kvm_stats;
	int32_t kvm_stats_error;
	uint32_t pad2;
	uint64_t vcpu_stats[HVCTL_MAX_VCPUS][HVCTL_NR_STATS];
	/*
	 * The sandbox in force (xenon-hv(8)): HVCTL_SANDBOX_* bits, and the
	 * uid and gid xenon-hv runs as. sandbox_valid is 1 when filled (0 from
	 * an older xenon-hv).
	 */
	uint32_t sandbox_valid;
	uint32_t sandbox;
	uint32_t uid, gid;
	/*
	 * The balloon (mem_kib is the RAM the domain was built with): what it
	 * holds now (mem_kib less what its balloon gave back to the host) and
	 * the most it may take back (HVCTL_MEM_MAX; mem_kib until set), and
	 * how much of its RAM the host has really given it now (pages the
	 * guest has touched and not given back). balloon_valid is 1 when
	 * filled (0 from an older xenon-hv).
	 */
	uint32_t balloon_valid;
	/* A restored domain's saved disks and NICs not added yet (it cannot be
	 * unpaused until they are); 0 otherwise, and from an older xenon-hv. */
	uint32_t restore_pending;
	uint64_t mem_current_kib;
	uint64_t mem_max_kib;
	uint64_t mem_backed_kib;
	/* CLOCK_MONOTONIC when the vCPU times were read (0 from an older
	 * xenon-hv): xentop's CPU(%) divides by the time between two of these,
	 * not by when the replies happened to be read. */
	uint64_t sample_mono_ns;
	/* 1 while KVM's dirty log is on: a live save's, kept until the domain
	 * runs again (a migration's source that ends never turns it off). */
	uint32_t dirty_log;
	/* Where its RAM comes from (--memory-pool): HVCTL_MEMORY_POOL_HOST (also an
	 * older xenon-hv's 0) or HVCTL_MEMORY_POOL_HUGETLB, reserved whole when the
	 * domain was built: nothing it may still take is outstanding. */
	uint32_t memory_pool;
};

/*
 * What xenon-hv writes to its --ready pipe once its control socket answers
 * (xenon-hv(8)): what libxl needs next without asking (an INFO round trip
 * less in a create and in a migration's downtime), then it closes the pipe.
 * A restore first says, once it has read the stream's first record, how
 * many disks and NICs it takes while it reads the rest (HVCTL_READY_PLAN,
 * restore_pending: the stream's plan; 0: none, add them after
 * HVCTL_READY): on its control socket's hidden name, which then answers
 * HVCTL_DEVICE_ADD alone. Each message is one write. Untrusted, as a reply.
 */
#define HVCTL_READY	 'r'
#define HVCTL_READY_PLAN 'p'
struct hvctl_ready {
	char ready;	       /* HVCTL_READY, HVCTL_READY_PLAN */
	char pad[3];
	uint32_t restore_pending; /* as hvctl_info's; HVCTL_READY_PLAN: the planned devices */
	char console_pty[108];	  /* as hvctl_info's */
};

/* The sandbox's measures, in the order xenon-hv takes them (names: HVCTL_SANDBOX_NAMES). */
#define HVCTL_SANDBOX_USER    0x01 /* its own uid/gid, no capabilities */
#define HVCTL_SANDBOX_MOUNT   0x02 /* a mount namespace with an empty, read-only root */
#define HVCTL_SANDBOX_IPC     0x04 /* an IPC namespace of its own */
#define HVCTL_SANDBOX_RLIMITS 0x08 /* RLIMIT_NOFILE, NPROC, AS, CORE 0 */
#define HVCTL_SANDBOX_NNP     0x10 /* no_new_privs */
#define HVCTL_SANDBOX_SECCOMP 0x20 /* a seccomp filter per thread kind */
#define HVCTL_SANDBOX_PID     0x40 /* a PID namespace of its own, whose pid 1 it is (libxl spawns it so) */
#define HVCTL_SANDBOX_ALL     0x7f
#define HVCTL_SANDBOX_NAMES {"user", "mount", "ipc", "rlimits", "nnp", "seccomp", "pid"}

/* Guest RAM's pools (xenon-hv --memory-pool, struct hvctl_info's memory_pool), names in that order. */
/* clang-format off */
#define HVCTL_MEMORY_POOL_HOST    0
#define HVCTL_MEMORY_POOL_HUGETLB 1
#define HVCTL_MEMORY_POOL_NAMES   {"host", "hugetlb"}
/* clang-format on */

/*
 * Disks and NICs (docs/devices.md). A device is named by its kind and its
 * Xen devid (a vbd's number from xen-vbd-interface(7), e.g. 51712 for xvda;
 * a vif's index). xenon-hv puts each in a virtio-mmio window with its own
 * interrupt line; the reply says where, and libxl tells the guest through
 * the device's xenstore nodes.
 */
enum hvctl_dev_kind {
	HVCTL_DEV_VBD = 1, /* virtio-blk */
	HVCTL_DEV_VIF = 2, /* virtio-net on a tap */
};

#define HVCTL_DEVF_READONLY  0x1 /* vbd: the guest may not write (VIRTIO_BLK_F_RO) */
#define HVCTL_DEVF_NO_DIRECT 0x2 /* vbd: never O_DIRECT (by default used where the backing allows) */
/*
 * The backing comes with the request, as SCM_RIGHTS fds opened by the
 * (privileged) caller: a sandboxed xenon-hv cannot open files or make taps
 * itself. vbd: fds[0] the file or block device (O_RDWR, or O_RDONLY for
 * ro), fds[1] (optional) the same opened with O_DIRECT; vif: fds[0] the tap
 * (TUNSETIFF done, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, named as target).
 * target stays what it names. hvctl_device_open() opens them.
 */
#define HVCTL_DEVF_FDS 0x4
#define HVCTL_MAX_FDS  2

struct hvctl_device_id {
	uint32_t kind; /* enum hvctl_dev_kind */
	uint32_t devid;
};

struct hvctl_device_spec {
	uint32_t kind; /* enum hvctl_dev_kind */
	uint32_t devid;
	uint32_t flags; /* HVCTL_DEVF_* */
	uint32_t mtu;   /* vif: 0 means 1500 */
	uint8_t mac[6]; /* vif: the guest's MAC */
	uint8_t pad[2];
	/* vbd: the file or block device to open (an absolute path);
	 * vif: the tap's name (IFNAMSIZ), created unless it exists. NUL-terminated. */
	char target[256];
	char serial[24]; /* vbd: VIRTIO_BLK_ID (up to 20 bytes), "" for none */
	/* vif: what the guest may send, rate_bytes per rate_usecs (xl's rate=); 0: no limit */
	uint64_t rate_bytes;
	uint32_t rate_usecs;
	uint32_t pad2;
};

/* Statistics, from the guest's point of view (tx: the guest sent). */
enum hvctl_vbd_stat {
	HVCTL_VBD_RD_REQS, HVCTL_VBD_RD_SECTORS, HVCTL_VBD_WR_REQS, HVCTL_VBD_WR_SECTORS,
	HVCTL_VBD_FLUSH_REQS, HVCTL_VBD_DISCARD_REQS, HVCTL_VBD_ERRORS,
	/* Xen's oo_req: times requests waited in the ring for the device to
	 * have a free request slot (a full batch in progress, more behind it) */
	HVCTL_VBD_OO_REQS, HVCTL_VBD_NR_STATS
};
#define HVCTL_VBD_STAT_NAMES {"rd_reqs", "rd_sectors", "wr_reqs", "wr_sectors", "flush_reqs", "discard_reqs", "errors", "oo_reqs"}
enum hvctl_vif_stat {
	HVCTL_VIF_TX_BYTES, HVCTL_VIF_TX_PACKETS, HVCTL_VIF_TX_ERRORS, HVCTL_VIF_TX_DROPS,
	HVCTL_VIF_RX_BYTES, HVCTL_VIF_RX_PACKETS, HVCTL_VIF_RX_ERRORS, HVCTL_VIF_RX_DROPS,
	HVCTL_VIF_NR_STATS
};
#define HVCTL_VIF_STAT_NAMES {"tx_bytes", "tx_packets", "tx_errors", "tx_drops", "rx_bytes", "rx_packets", "rx_errors", "rx_drops"}
#define HVCTL_DEV_MAX_STATS 16

struct hvctl_device {
	uint32_t kind, devid, flags;
	uint32_t irq;        /* the IOAPIC pin of the device's interrupt */
	uint64_t mmio_base;  /* guest-physical address of its virtio-mmio window */
	uint64_t mmio_size;
	uint64_t sectors;    /* vbd: capacity in 512-byte sectors */
	uint32_t status;     /* the driver's virtio status (4: DRIVER_OK) */
	uint32_t mtu;
	uint8_t mac[6];
	uint8_t pad[2];
	char target[256];    /* as in the spec */
	uint64_t stats[HVCTL_DEV_MAX_STATS]; /* enum hvctl_vbd_stat or hvctl_vif_stat */
	uint64_t rate_bytes; /* vif: as in the spec (0: no limit) */
	uint32_t rate_usecs;
	uint32_t pad2;
};

/*
 * Save (man/xenon-migration.7): pause the domain, write its stream, then
 * end it (HV_EXIT_SAVED) or, with HVCTL_SAVE_CONTINUE, run it again. The
 * stream goes to the fd sent with the request (SCM_RIGHTS), or with
 * HVCTL_SAVE_PATH to a new file xenon-hv creates (removed again on failure).
 * On any failure the domain runs on as before.
 */
#define HVCTL_SAVE_CONTINUE 0x1
#define HVCTL_SAVE_PATH     0x2
#define HVCTL_SAVE_LIVE     0x4 /* pre-copy: memory sent while the guest runs, then paused for the rest */
#define HVCTL_SAVE_PAUSED   0x8 /* with CONTINUE: left paused after a stream that worked (xl migrate) */
/*
 * With LIVE, a second fd (the gate: xl migrate passes the receiver's
 * replies): the last, paused round waits until it is readable or closed
 * (the target is built and can take the domain at once), pre-copy rounds
 * going on meanwhile, for at most HVCTL_SAVE_GATE_MAX_MS. Nothing is read.
 */
#define HVCTL_SAVE_GATE     0x10
#define HVCTL_SAVE_GATE_MAX_MS 30000
#define HVCTL_SAVE_DEFAULT_DOWNTIME_MS 100

struct hvctl_save_req {
	uint32_t flags; /* HVCTL_SAVE_* */
	uint32_t max_downtime_ms; /* HVCTL_SAVE_LIVE: the target (0: 100 ms); else 0 */
	char path[256]; /* HVCTL_SAVE_PATH: an absolute path, NUL-terminated */
};

struct hvctl_save_result {
	uint64_t bytes;       /* the stream's length */
	uint64_t frames;      /* guest frames sent */
	uint64_t zero_frames; /* of which sent as zero markers */
	uint64_t total_ns;    /* from the request to the end of the stream */
	uint64_t downtime_ns; /* paused: to the end of the stream; CONTINUE: until resumed, +PAUSED: the reply */
	uint64_t rounds;      /* memory rounds: 1 without HVCTL_SAVE_LIVE */
};

/*
 * HVCTL_DUMP_CORE: an ELF core (ET_CORE) of the guest to the fd that comes
 * with the request: a PT_NOTE with one NT_PRSTATUS per started vCPU (gdb's
 * x86-64 layout, pr_pid = vCPU + 1), then a PT_LOAD per RAM range at its
 * guest-physical address (vaddr = paddr: the guest maps RAM 1:1). The
 * domain is paused while it is written and runs on after, unless it was
 * paused. The reply's bytes and frames say what was written.
 */
struct hvctl_dump_req {
	uint32_t flags; /* none yet: 0 */
	uint32_t reserved;
};

/*
 * A vCPU as its thread runs it (HVCTL_VCPU_INFO): the thread's id, so that
 * the toolstack can pin it (sched_setaffinity) and read where it last ran
 * (/proc/<pid>/task/<tid>/stat); 0 until the thread runs. flags as the
 * INFO maps: online (its thread exists and the guest has not taken it down
 * through XENON_PORT_CPU_OFFLINE), running or blocked (sampled when the
 * reply is made).
 */
#define HVCTL_VCPU_ONLINE  0x1
#define HVCTL_VCPU_RUNNING 0x2
#define HVCTL_VCPU_BLOCKED 0x4
struct hvctl_vcpu {
	int32_t tid;
	uint32_t flags;	  /* HVCTL_VCPU_* */
	uint64_t time_ns; /* CPU time of its thread */
};

/*
 * The host CPUs a vCPU's thread may run on (HVCTL_VCPU_AFFINITY): applied
 * at once to a running thread and kept for a vCPU the guest starts later.
 * -EINVAL for a vCPU out of range or a mask with no usable CPU.
 */
#define HVCTL_MAX_CPUS 1024
struct hvctl_vcpu_affinity {
	uint32_t vcpu;
	uint32_t pad;
	uint8_t mask[HVCTL_MAX_CPUS / 8]; /* bit n: host CPU n */
};

/*
 * xl trigger (HVCTL_VCPU_TRIGGER): NMI injects a non-maskable interrupt
 * into the vCPU; INIT stops a secondary vCPU as an INIT IPI does (it waits,
 * offline, until the guest starts it again through XENON_PORT_CPU_START,
 * its SIPI; -EINVAL for vCPU 0, which would stop the domain); RESET (vcpu
 * ignored) ends the domain as a reboot (HV_EXIT_REBOOT). -EINVAL: a vCPU
 * out of range or unknown kind; -ESRCH: the vCPU is offline or not started,
 * or the domain has ended.
 */
#define HVCTL_TRIGGER_NMI   1
#define HVCTL_TRIGGER_INIT  2
#define HVCTL_TRIGGER_RESET 3
struct hvctl_vcpu_trigger {
	uint32_t vcpu;
	uint32_t kind; /* HVCTL_TRIGGER_* */
};

struct hvctl_event {
	uint32_t kind;	/* enum hvctl_event_kind */
	uint32_t flags; /* HVCTL_EV_HELD: xenon-hv keeps the ended domain (--hold-on) */
	uint64_t time_ns;
	char detail[240]; /* e.g. the crash reason */
};

const char *hvctl_default_socket(uint32_t domid, char *buf, unsigned len);
/* The hidden name a restoring xenon-hv's socket has until the domain is
 * there: "DIR/N.sock" -> "DIR/.N.sock.incoming" (NULL: longer than len). */
const char *hvctl_incoming_socket(const char *socket_path, char *buf, unsigned len);
int hvctl_connect(const char *socket_path, int *fd);
/*
 * The same, with every later call on *fd bounded too: connect, each send
 * and each receive give up after timeout_ms (-ETIMEDOUT), so that a hung or
 * stopped xenon-hv never blocks its caller. timeout_ms <= 0: no limit.
 */
int hvctl_connect_timeout(const char *socket_path, int timeout_ms, int *fd);
/* One request/reply; *reply_len in: buffer size, out: payload size. */
int hvctl_call(int fd, uint32_t type, const void *req, uint32_t req_len, void *reply, uint32_t *reply_len);
/* The same with nfds (<= HVCTL_MAX_FDS) file descriptors passed along (SCM_RIGHTS). */
int hvctl_call_fds(int fd, uint32_t type, const void *req, uint32_t req_len, const int *fds, unsigned nfds,
		   void *reply, uint32_t *reply_len);
int hvctl_info(int fd, struct hvctl_info *info);
int hvctl_pause(int fd);
int hvctl_unpause(int fd);
int hvctl_shutdown(int fd, uint32_t how);
int hvctl_destroy(int fd);
int hvctl_subscribe(int fd);
/* Add a device; *out (may be NULL) says where it is. */
int hvctl_device_add(int fd, const struct hvctl_device_spec *spec, struct hvctl_device *out);
/* The same with the backing's fds (HVCTL_DEVF_FDS set in spec). */
int hvctl_device_add_fds(int fd, const struct hvctl_device_spec *spec, const int *fds, unsigned nfds,
			 struct hvctl_device *out);
/*
 * hvctl_open.c, for a privileged caller (libxl, hvctl): open what spec
 * names (vbd: its target, and with O_DIRECT unless HVCTL_DEVF_NO_DIRECT;
 * vif: the tap, created unless it exists, its MTU set) into fds, set
 * HVCTL_DEVF_FDS. -errno with a log line saying what to do; nothing left open.
 * mtu 0 means 1500. *created: a vif's tap did not exist before (may be NULL).
 */
int hvctl_device_open(struct hvctl_device_spec *spec, int *fds, unsigned *nfds);
void hvctl_fds_close(int *fds, unsigned nfds);
/*
 * A tap's MTU (set if it differs) and, when it was just created, the
 * host-side MAC Xen's netback gives a vif, fe:ff:ff:ff:ff:ff
 * (HVCTL_TAP_HOST_MAC): a bridge without an address of its own takes its
 * ports' lowest, so a vif with a random MAC could become the bridge's
 * address and take it along when the domain ends or migrates away, leaving
 * every neighbour's ARP entry for the bridge pointing nowhere. For both
 * who make taps (hvctl_device_open, xenon-hv's --nic). 0, or -errno logged.
 */
#define HVCTL_TAP_HOST_MAC {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff}
int hvctl_tap_configure(const char *name, unsigned mtu, bool created);
int hvctl_device_remove(int fd, uint32_t kind, uint32_t devid);
/* Up to *n devices into devs; *n: how many there are (may exceed what fit). */
int hvctl_device_list(int fd, struct hvctl_device *devs, unsigned *n);
/* Up to *n vCPUs into vcpus; *n: how many the domain has (may exceed what fit). */
int hvctl_vcpu_info(int fd, struct hvctl_vcpu *vcpus, unsigned *n);
int hvctl_vcpu_affinity(int fd, const struct hvctl_vcpu_affinity *a);
/* The most RAM (KiB, rounded down to 4 KiB) the guest may hold; -EINVAL above its RAM. */
int hvctl_mem_max(int fd, uint64_t max_kib);
/* Write the domain's ELF core (HVCTL_DUMP_CORE) to core_fd; out->bytes, ->frames. */
int hvctl_dump_core(int fd, int core_fd, struct hvctl_save_result *out);
int hvctl_vcpu_trigger(int fd, uint32_t vcpu, uint32_t kind);
/* Save the domain (struct hvctl_save_req) to stream_fd (ignored with HVCTL_SAVE_PATH, -1 then). */
int hvctl_save(int fd, const struct hvctl_save_req *req, int stream_fd, struct hvctl_save_result *out);
/*
 * hvctl_save in two halves, for a caller that moves the stream meanwhile
 * (libxl: from a pipe into the save file): the request, then its reply.
 */
int hvctl_save_send(int fd, const struct hvctl_save_req *req, int stream_fd);
int hvctl_save_reply(int fd, struct hvctl_save_result *out);
/* The same with HVCTL_SAVE_GATE's gate_fd passed too (set in req->flags). */
int hvctl_save_gated(int fd, const struct hvctl_save_req *req, int stream_fd, int gate_fd,
		     struct hvctl_save_result *out);
/* Next event on a subscribed fd; timeout_ms < 0 waits; -ETIMEDOUT, or
 * -EPIPE when xenon-hv has gone (its exit status then tells the end). */
int hvctl_next_event(int fd, int timeout_ms, struct hvctl_event *ev);

#endif
