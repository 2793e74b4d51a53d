/*
 * libxl: the Xenon toolstack library, the one C API that xl and xentop call.
 *
 * It is synchronous: every call returns when its work is done. Functions
 * return 0 (or a non-negative count) on success and a negative errno value
 * on failure; messages for people go to the logger the caller passes to
 * libxl_ctx_alloc (xentoollog.h): libxl never prints by itself.
 *
 * Where things live are settings of the context (libxl_ctx_settings), so
 * that tests and several installations can run side by side; each one the
 * caller leaves unset comes from the environment, else a built-in default:
 *   xenstored       $XENSTORED_PATH, else /run/xenstored/socket (as Xen)
 *   run directory   $XENON_RUNDIR, else /run/xenon; control sockets are
 *                   <rundir>/domains/<domid>.sock
 *   log directory   $XENON_LOGDIR, else /var/log/xen
 *   xenon-hv        $XENON_HV, else "xenon-hv" found through $PATH
 *   hotplug scripts $XENON_SCRIPTDIR, else /etc/xen/scripts
 *   core dumps      $XENON_DUMPDIR, else /var/lib/xen/dump (on_crash=coredump-*)
 *   device waits    $XENON_DEVICE_TIMEOUT_MS, else 10000 (a guest's answer)
 *                   $XENON_HOTPLUG_TIMEOUT_MS, else 40000 (a hotplug script)
 *   cgroup parent   $XENON_CGROUP_PARENT, which (set, even empty) overrides
 *                   the create option cgroup_parent (xl.conf's), else "xenon"
 * The environment is read once, when the context is opened.
 *
 * The xenstore layout of a domain is Xen's (see libxl_layout.c):
 *   /local/domain/<id>/{name,domid,vm,memory/..,console/..,control/..,device,...}
 *   /vm/<uuid>/{name,uuid,image/...}
 *   /libxl/<id>/{config,hv-pid,monitor-pid,type,...}  (toolstack only)
 */
#ifndef LIBXL_H
#define LIBXL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxl_types.h"
#include "xentoollog.h"

#define LIBXL_VERSION 1
/* Domain names: at most this many bytes of [A-Za-z0-9_.-], not all digits. */
#define LIBXL_NAME_MAX 63
/* Domids are 1 .. LIBXL_DOMID_MAX - 1 (Xen's DOMID_FIRST_RESERVED). */
#define LIBXL_DOMID_MAX	 0x7ff0u
#define LIBXL_DOMID_HOST 0u

typedef struct libxl__ctx libxl_ctx;

/* What KVM the host offers (libxl_physinfo.platform, libxl_dominfo.platform):
 * PVM runs PV guests only; VT-x / AMD-V runs PV and HVM. 0: unknown, none. */
#define LIBXL_PLATFORM_PVM 1
#define LIBXL_PLATFORM_VTX 2
/* PVM keeps PML4 slot 256 for itself, where Xen PV has its own range (xl
 * info's xen_virt_start). */
#define LIBXL_PVM_VIRT_START 0xffff800000000000ull

/*
 * A context's settings (libxl_ctx_alloc_settings): NULL strings and 0 (or
 * negative) times take the defaults above. Strings are copied.
 */
typedef struct {
	const char *xenstored_path; /* xenstored's socket */
	const char *run_dir;	    /* control sockets below <run_dir>/domains */
	const char *log_dir;	    /* xl-<name>.log */
	const char *hv_path;	    /* the xenon-hv program (a name is looked for in $PATH) */
	const char *script_dir;	    /* hotplug scripts named without a '/' */
	int device_timeout_ms;	    /* how long a guest may take to connect / let go a device */
	int hotplug_timeout_ms;	    /* how long a hotplug script may run */
	/* New fields go at the end (python/xenon/xl.py's _Settings mirrors this). */
	const char *dump_dir; /* on_*=coredump-*'s cores */
} libxl_ctx_settings;

/*
 * Connect to xenstored (path as above). flags: 0. The context is not
 * shared between threads or across fork(): a child makes its own.
 * lg receives libxl's messages (errors as XTL_ERROR; info and debug as the
 * verbosity allows), with context "libxl"; NULL drops them. While several
 * contexts live, the most recently allocated one's logger receives them.
 * A failure to connect is reported to lg too (the socket and why).
 */
int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg);
/* The same with settings (NULL: all defaults); -EINVAL for a relative
 * run_dir, log_dir, script_dir or dump_dir, or an empty string. */
int libxl_ctx_alloc_settings(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg,
			     const libxl_ctx_settings *settings);
void libxl_ctx_free(libxl_ctx *ctx);
/* The settings in force, every field filled in (valid until _ctx_free). */
const libxl_ctx_settings *libxl_ctx_get_settings(libxl_ctx *ctx);

/* The context's run and log directories (its settings'). */
const char *libxl_rundir(libxl_ctx *ctx);
const char *libxl_logdir(libxl_ctx *ctx);
const char *libxl_dumpdir(libxl_ctx *ctx);
/* mkdir -p dir (mode 0755). */
int libxl_ensure_dir(const char *dir);

/*
 * The lock serialising xl commands that need it (xl.conf "lockfile",
 * default /var/lock/xl): blocks until held; *fd is released by
 * libxl_lock_release (or when the process ends).
 */
#define LIBXL_DEFAULT_LOCKFILE "/var/lock/xl"
int libxl_lock_acquire(const char *path, int *fd);
void libxl_lock_release(int fd);

/* ---- domains by name and id ---- */

/* 0 if name follows the rules above (it may still be in use), else -EINVAL. */
int libxl_name_valid(const char *name);
int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid);
/* malloc'd name, or NULL when the domain does not exist. */
char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid);
/* "7" or "demo" -> domid; -ENOENT when there is no such domain. */
int libxl_domain_qualifier_to_domid(libxl_ctx *ctx, const char *q, uint32_t *domid);

/* ---- state ---- */

/* libxl_shutdown_reason and its _to_string() are in libxl_types.h. */

typedef struct {
	uint32_t domid;
	char name[LIBXL_NAME_MAX + 1];
	libxl_uuid uuid;
	bool running, blocked, paused, shutdown, dying, crashed;
	libxl_shutdown_reason shutdown_reason; /* when shutdown */
	uint64_t current_memkb;
	uint64_t max_memkb;
	uint32_t vcpu_max_id;
	uint32_t vcpu_online;
	uint64_t cpu_time;	/* ns, all vCPUs */
	uint64_t start_time_ns; /* CLOCK_REALTIME when built; 0 unknown */
	int hv_pid;		/* 0 when xenon-hv is gone */
	int platform;		/* LIBXL_PLATFORM_*, 0 unknown */
	/*
	 * Why the state is what it is when xenon-hv could not tell it (it is
	 * gone, or does not answer); "" when xenon-hv answered.
	 */
	char status[192];
	/* xenon-hv's sandbox in force (HVCTL_SANDBOX_* bits, xenon-hv(8)) and
	 * its uid/gid; sandbox_known false when xenon-hv did not tell. */
	bool sandbox_known;
	uint32_t sandbox;
	uint32_t hv_uid, hv_gid;
	uint32_t cpupool; /* its cpupool's id (0: Pool-0) */
	/*
	 * Xen's outstanding claim: memory the domain may still take without
	 * asking (what it holds or is told to, if more, less what the host
	 * backs already), counted against the host's free memory (xl claims).
	 * Part of current_memkb already (not added to it, as Xen's xl list does).
	 */
	uint64_t outstanding_memkb;
	/* Where its RAM comes from (xl.conf memory_pool, as xenon-hv says):
	 * LIBXL_MEMORY_POOL_HOST or LIBXL_MEMORY_POOL_HUGETLB (0 too when xenon-hv is gone). */
	int memory_pool;
} libxl_dominfo;

/*
 * Xen's six state letters ("r-----", "--p---", "---sc-"...) plus a NUL. A
 * domain whose xenon-hv and monitor have both gone without a word (killed)
 * is "---scd", as Xen shows a crashed domain being torn down: shut down,
 * reason crash, dying; its status says which pids are gone.
 */
void libxl_dominfo_state(const libxl_dominfo *info, char out[7]);

/* One domain; -ENOENT when it does not exist. */
int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info, uint32_t domid);
/* Every guest domain (not the host), by increasing domid; free(*infos). */
int libxl_list_domain(libxl_ctx *ctx, libxl_dominfo **infos, int *nr);

/* ---- the host ---- */

typedef struct {
	uint32_t nr_cpus;
	uint32_t max_cpu_id;
	uint32_t nr_nodes;
	uint32_t cores_per_socket;
	uint32_t threads_per_core;
	uint32_t cpu_khz;
	uint64_t total_kib;
	/* What a new domain can have: MemAvailable less outstanding_kib, what the
	 * running domains may still take without asking (libxl_mem.c). */
	uint64_t free_kib;
	uint64_t outstanding_kib;
	int platform;		   /* LIBXL_PLATFORM_PVM / _VTX, 0 when /dev/kvm is absent */
	const char *platform_name; /* "pvm", "vtx" or "none" */
	uint64_t host_cpu_time_ns; /* CPU time the host spent outside idle */
} libxl_physinfo;

typedef struct {
	int major, minor;
	const char *extra;
	const char *version; /* "major.minor<extra>" */
	const char *capabilities;
	const char *compiler;
	const char *compile_date;
	const char *kernel_release;
} libxl_version_info;

/*
 * The host's CPUs and memory. With a ctx, free_kib is what a new domain can
 * still claim (the host's available memory less what the running domains
 * may grow to: outstanding_kib), which asks every domain's xenon-hv (one
 * round trip each, up to a device timeout for one that does not answer);
 * with ctx NULL, the host's own figures only, at once (free_kib its
 * available memory, outstanding_kib 0): for callers that sample often.
 */
int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *info);
const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx);

/* ---- NUMA (libxl_topology.c) ---- */

/* One host CPU (Xen's libxl_cputopology); all INVALID_ENTRY when it is offline. */
#define LIBXL_CPUTOPOLOGY_INVALID_ENTRY (~(uint32_t)0)
typedef struct {
	uint32_t core, socket, node;
} libxl_cputopology;
/* Every CPU the host may have (online or not), by number; NULL with errno. */
libxl_cputopology *libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out);
void libxl_cputopology_list_free(libxl_cputopology *list, int nb_cpu);
/* Room for max_nodes nodes (<= 0: the host's); -ENOMEM. */
int libxl_node_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *nodemap, int max_nodes);
/*
 * The NUMA nodes the domain's memory comes from (nodemap cleared, then
 * set, growing as needed): Linux gives a vCPU thread memory from the node
 * it runs on, so the nodes of the CPUs its vCPUs may run on (hard
 * affinity, within soft when they share a CPU, within its cpupool).
 * -ESRCH when its xenon-hv is gone.
 */
int libxl_domain_get_nodeaffinity(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *nodemap);

/* ---- lifecycle ---- */

typedef struct {
	bool paused;  /* start with the vCPUs paused (xl create -p) */
	int hv_stdio; /* fd for xenon-hv's stdout/stderr; -1: inherit */
	/*
	 * The cgroup parent of the domain's cgroup (xl.conf cgroup_parent):
	 * NULL for "xenon"; "" for none. $XENON_CGROUP_PARENT overrides it.
	 */
	const char *cgroup_parent;
	/* xl restore: build the domain from the saved stream read from
	 * restore_fd (xenon-migration(7)) instead of booting its kernel. */
	bool restore;
	int restore_fd;
	/*
	 * xenon-hv's sandbox (xl.conf(5)): the measures turned off
	 * (HVCTL_SANDBOX_* bits, 0: all on); its uid and gid are
	 * sandbox_uid_base + domid (0: the default base), or, when
	 * sandbox_uid is not 0, that uid and sandbox_gid for every domain.
	 */
	unsigned sandbox_off;
	unsigned sandbox_uid_base;
	unsigned sandbox_uid, sandbox_gid;
	/*
	 * LIBXL_HOLD_* bits (on_*=coredump-*): after such an end xenon-hv keeps
	 * the domain, paused, for libxl_domain_core_dump, until
	 * libxl_domain_release_held (libxl_domain_wait_end says when).
	 */
	unsigned hold_on;
	/*
	 * Called once the domain's xenon-hv is started and its NICs are made
	 * (their taps and scripts), before waiting for it to answer: for a
	 * restore, while it still reads the stream (xl migrate-receive tells
	 * the sender it may pause the source now). May be NULL.
	 */
	void (*prepared)(void *arg);
	void *prepared_arg;
	/*
	 * Where the domain's RAM comes from (xl.conf memory_pool):
	 * LIBXL_MEMORY_POOL_HOST, the host's memory as it is touched (0);
	 * _HUGETLB, the host's pool of 2 MiB pages (vm.nr_hugepages), reserved
	 * whole as the domain is built, as Xen's domains take memory the
	 * hypervisor owns (-ENOMEM, said, when the pool lacks it); _AUTO, the
	 * pool when it has room for the domain, else the host's memory.
	 */
	int memory_pool;
} libxl_domain_create_opts;
#define LIBXL_MEMORY_POOL_HOST	  0
#define LIBXL_MEMORY_POOL_HUGETLB 1
#define LIBXL_MEMORY_POOL_AUTO	  2
#define LIBXL_HOLD_POWEROFF 0x1
#define LIBXL_HOLD_REBOOT   0x2
#define LIBXL_HOLD_CRASH    0x4

/*
 * Allocate a domid, write the xenstore layout, introduce the domain,
 * spawn xenon-hv as a child of the calling process and wait until it
 * answers on its control socket. On failure nothing it made is left.
 * The caller reaps the child: libxl_domain_wait_death().
 */
int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *cfg, uint32_t *domid,
			    const libxl_domain_create_opts *opts);

typedef enum {
	LIBXL_DEATH_POWEROFF = 1,
	LIBXL_DEATH_REBOOT = 2,
	LIBXL_DEATH_CRASH = 3,
	LIBXL_DEATH_DESTROYED = 4, /* xl destroy: nothing more to do */
	LIBXL_DEATH_SAVED = 5,	   /* xl save: its state is in the save file; nothing more to do */
} libxl_death;

/*
 * Save (xl save): the domain's stream (xenon-migration(7)) is written to
 * fd, after whatever the caller wrote there. Unless fd is a pipe or a
 * socket, xenon-hv never gets fd: it writes into a pipe whose contents
 * libxl moves into fd, so that it cannot rewrite what the caller wrote
 * before (a stream of another length than it reports is -EIO). Without
 * LIBXL_SAVE_CONTINUE the domain then ends (LIBXL_DEATH_SAVED) and this
 * waits until it is gone; with it, the domain runs on. On failure the domain runs on as before:
 * -EPIPE when fd's reader went away (a migration receiver that ended, a
 * connection cut), -ESRCH when the domain's xenon-hv is gone.
 */
#define LIBXL_SAVE_CONTINUE 0x1
#define LIBXL_SAVE_LIVE	    0x2 /* pre-copy while the domain runs (xl migrate) */
#define LIBXL_SAVE_PAUSED   0x4 /* with CONTINUE: left paused when the stream worked */
typedef struct {
	uint64_t bytes, frames, zero_frames, total_ns, downtime_ns, rounds;
} libxl_save_stats;
int libxl_domain_save(libxl_ctx *ctx, uint32_t domid, int fd, unsigned flags, libxl_save_stats *stats);
/* The same with LIBXL_SAVE_LIVE's downtime target (0: the default, 100 ms). */
int libxl_domain_save_live(libxl_ctx *ctx, uint32_t domid, int fd, unsigned flags, uint32_t max_downtime_ms,
			   libxl_save_stats *stats);
/*
 * The same with a gate (LIBXL_SAVE_LIVE only; xl migrate): the last round,
 * with the domain paused, starts only once gate_fd is readable or closed
 * (nothing is read from it), pre-copy going on meanwhile: the receiver's
 * word that its copy of the domain is built (xenon-hv(8), HVCTL_SAVE_GATE).
 */
int libxl_domain_save_gated(libxl_ctx *ctx, uint32_t domid, int fd, int gate_fd, unsigned flags,
			    uint32_t max_downtime_ms, libxl_save_stats *stats);

/*
 * Write an ELF core of the running domain's memory and vCPU registers to
 * filename (created, or truncated; mode 0600), which gdb opens with the
 * guest's kernel image (xenon-hv(8), HVCTL_DUMP_CORE). The domain is paused
 * meanwhile. *bytes (may be NULL): the core's size. No file is left on failure.
 */
int libxl_domain_core_dump(libxl_ctx *ctx, uint32_t domid, const char *filename, uint64_t *bytes);

/* Wait for the domain's xenon-hv, a child of this process, to exit. */
int libxl_domain_wait_death(libxl_ctx *ctx, uint32_t domid, libxl_death *how);
/*
 * The same, or, with held, until the domain ends and its xenon-hv keeps it
 * (hold_on): then *held is true, *how says how it ended, and the caller
 * may dump its core before libxl_domain_release_held, which ends xenon-hv
 * and reaps it (the domain stays listed, as after wait_death).
 */
int libxl_domain_wait_end(libxl_ctx *ctx, uint32_t domid, libxl_death *how, bool *held);
int libxl_domain_release_held(libxl_ctx *ctx, uint32_t domid);
/*
 * Keep a domain whose xenon-hv has ended listed as shut down with reason
 * (on_* = preserve); `xl destroy` removes it later. new_uuid (NULL: keep
 * the UUID) gives the kept domain another UUID, as Xen's preserve does for
 * rename-restart, so that its configuration's UUID is free for the new
 * domain: /vm/<old> moves to /vm/<new>, and /local/domain/<id>/vm,
 * /libxl/<id>/uuid and the stored configuration follow, all in one
 * transaction. -EEXIST when /vm/<new> is taken; when the UUID cannot be
 * changed, nothing has (the domain is not marked shut down either).
 */
int libxl_domain_preserve(libxl_ctx *ctx, uint32_t domid, libxl_shutdown_reason reason,
			  const libxl_uuid *new_uuid);
/* Remove every trace of a domain whose xenon-hv has ended. */
int libxl_domain_cleanup(libxl_ctx *ctx, uint32_t domid);

/* Stop the domain now and remove it (xenstore nodes, socket). */
int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid);
int libxl_domain_pause(libxl_ctx *ctx, uint32_t domid);
int libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid);
/*
 * Connect to the domain's xenon-hv now and keep the connection for this
 * context's next calls on that domain (one domain at a time; until
 * libxl_ctx_free, its destroy, or a keep for another): a migration's
 * receiver connects before "go", not in the downtime. A domain just
 * restored is reached at its control socket's hidden name if it has not
 * taken its own yet.
 */
int libxl_domain_hv_keep(libxl_ctx *ctx, uint32_t domid);

/*
 * Ask the guest to power off / reboot the Xen way: control/shutdown in
 * xenstore, acted on by a guest that advertises control/feature-poweroff
 * (feature-reboot); otherwise, or with LIBXL_SHUTDOWN_FORCE, a power-button
 * event through xenon-hv. Returns once asked; see libxl_domain_wait_gone.
 */
#define LIBXL_SHUTDOWN_FORCE 1u
int libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid, unsigned flags);
int libxl_domain_reboot(libxl_ctx *ctx, uint32_t domid, unsigned flags);
/*
 * Wait until the domain has gone or is kept shut down (preserve);
 * timeout_ms < 0 waits for ever, else -ETIMEDOUT.
 */
int libxl_domain_wait_gone(libxl_ctx *ctx, uint32_t domid, int timeout_ms);

int libxl_domain_rename(libxl_ctx *ctx, uint32_t domid, const char *old_name, const char *new_name);
/*
 * The same in two steps (a migration's receiver, whose rename is in the
 * downtime): begin checks now, in a transaction it leaves open (an error
 * is the rename's: nothing is left open then); end writes and commits it
 * (the whole rename again if xenstore changed meanwhile), or with !commit
 * drops it; either way it frees r.
 */
typedef struct libxl__rename_ahead libxl_rename_ahead;
int libxl_domain_rename_begin(libxl_ctx *ctx, uint32_t domid, const char *old_name, const char *new_name,
			      libxl_rename_ahead **r);
int libxl_domain_rename_end(libxl_ctx *ctx, libxl_rename_ahead *r, bool commit);

/* ---- scheduling (libxl_sched.c, libxl_cgroup.c) ---- */

/*
 * A domain's CPU weight (1..65535, 256 by default) and cap (percent of one
 * CPU, 0: none), as Xen's credit schedulers have them, on the cgroup of its
 * xenon-hv (cgroup v1 cpu.shares and cpu.cfs_quota_us, or v2 cpu.weight and
 * cpu.max). _get fills sched, weight and cap; _set changes those that are
 * not -1 (the other fields must be -1). -EINVAL (with a message) for a bad
 * value, nothing changed; -ESRCH when the domain has no cgroup (not running,
 * or created without one).
 */
int libxl_domain_sched_params_get(libxl_ctx *ctx, uint32_t domid, libxl_domain_sched_params *p);
int libxl_domain_sched_params_set(libxl_ctx *ctx, uint32_t domid, const libxl_domain_sched_params *p);

/*
 * Xen's triggers: LIBXL_TRIGGER_POWER presses the domain's power button (the
 * guest is asked to power off through xenon-hv, whether or not it reads
 * control/shutdown); NMI injects an NMI into vCPU vcpuid; INIT stops
 * secondary vCPU vcpuid as an INIT IPI (it waits offline until the guest
 * starts it again; vCPU 0 is -EINVAL); RESET ends the domain as a reboot
 * (on_reboot applies). SLEEP and S3RESUME are -EOPNOTSUPP, said: Xenon's
 * guests have no sleep state. -EINVAL / -ESRCH (said): no such vCPU / it
 * is offline; -ESRCH also when xenon-hv is gone.
 */
int libxl_send_trigger(libxl_ctx *ctx, uint32_t domid, libxl_trigger trigger, uint32_t vcpuid);

/* ---- memory (libxl_mem.c) ---- */

/*
 * Xen's ballooning: the target (KiB) goes to the domain's memory/target,
 * which its balloon driver follows (relative: target_memkb is added to the
 * current target). enforce: xenon-hv's limit becomes the target too, so the
 * guest cannot take back more than it was given. -EINVAL (said, nothing
 * changed) above memory/static-max; -ESRCH when xenon-hv is gone.
 */
int libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid, int64_t target_memkb, int relative, int enforce);
int libxl_get_memory_target(libxl_ctx *ctx, uint32_t domid, uint64_t *out_target);
/*
 * The domain's ceiling: memory/static-max and xenon-hv's limit. -EINVAL
 * (said, nothing changed) below the current target or above the RAM the
 * domain was created with (maxmem=).
 */
int libxl_domain_setmaxmem(libxl_ctx *ctx, uint32_t domid, uint64_t max_memkb);

/* ---- vCPUs (libxl_vcpu.c) ---- */

/*
 * xl vcpu-set (libxl_vcpu_online.c): the vCPUs set in cpumap online, the
 * others of the domain's maxvcpus offline, through the guest's
 * cpu/<n>/availability nodes (the guest takes them down and up) and in the
 * stored configuration. -EINVAL (said, nothing changed) when cpumap names a
 * vCPU at or above maxvcpus or leaves vCPU 0 out.
 */
int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, const libxl_bitmap *cpumap);
/* xl sysrq: the letter (printable, not a space) into the guest's control/sysrq. */
int libxl_send_sysrq(libxl_ctx *ctx, uint32_t domid, char sysrq);

/*
 * The domain's vCPUs as its xenon-hv runs them (Xen's libxl_vcpuinfo, in
 * libxl_types.idl): online, running / blocked, CPU time, the host CPU its
 * thread last ran on, hard and soft affinity. *nr_cpus_out: the host's
 * CPUs. NULL with errno set on failure (ESRCH: xenon-hv gone; EPROTO: it
 * named a thread not its own). Free with libxl_vcpuinfo_list_free.
 */
libxl_vcpuinfo *libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid, int *nr_vcpus_out, int *nr_cpus_out);
void libxl_vcpuinfo_list_free(libxl_vcpuinfo *list, int nr);
/*
 * Pin vCPU vcpuid: its thread may run on the hard CPUs only, and on hard ∩
 * soft when they share one (Linux has no soft affinity; Xen's scheduler
 * prefers the soft CPUs likewise). NULL keeps that mask as it was. -EINVAL
 * (said) for a CPU the host lacks, an empty mask, or a vCPU out of range;
 * nothing changes then. A vCPU the guest has not started yet gets it when
 * it starts.
 */
int libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid, const libxl_bitmap *cpumap_hard,
			   const libxl_bitmap *cpumap_soft);
int libxl_set_vcpuaffinity_all(libxl_ctx *ctx, uint32_t domid, unsigned max_vcpus,
			       const libxl_bitmap *cpumap_hard, const libxl_bitmap *cpumap_soft);

/* ---- cpupools (libxl_cpupool.c) ---- */
#include "libxl_cpupool.h"

/* ---- console ---- */

/*
 * The pty of the domain's console (malloc'd "/dev/pts/N"), as the domain's
 * xenon-hv reports it: never read from the guest-writable
 * /local/domain/<id>/console/tty. -ESRCH when xenon-hv is gone (the domain
 * is not running), -ENOENT when it has no pty console, -ENOTTY when what
 * xenon-hv named is not a /dev/pts/N path. Only what xenon-hv says: do not
 * open that path (it may name another terminal); libxl_console_open checks.
 */
int libxl_console_get_tty(libxl_ctx *ctx, uint32_t domid, char **path);
/*
 * Open that pty (read-write, close-on-exec, never as the controlling
 * terminal), not by its path but from the pty master the domain's xenon-hv
 * holds: -EACCES when xenon-hv holds no master of the pty it named (it is
 * not its own: nothing is opened). Errors as above, or the kernel's (the
 * caller must be root: it takes the master from another user's process).
 */
int libxl_console_open(libxl_ctx *ctx, uint32_t domid, int *fd);
/* The console output xenon-hv kept (malloc'd, *len bytes, not NUL-ended). */
int libxl_console_get_ring(libxl_ctx *ctx, uint32_t domid, char **buf, size_t *len);
/*
 * The same for a reader of the console: with con_fd >= 0 (from
 * libxl_console_open), what is queued on the pty is dropped at the instant
 * the ring is copied, so that the ring, then what con_fd gives, shows each
 * byte once. xenon-hv does that on its own end of the pty: con_fd is not
 * passed to it.
 */
int libxl_console_get_ring_flush(libxl_ctx *ctx, uint32_t domid, int con_fd, char **buf, size_t *len);

/*
 * The hypervisor's messages (Xen's console ring; `xl dmesg`): the warnings
 * of every domain's xenon-hv, one line each ("(XEN) [time] d<domid>: ..."),
 * kept in <run_dir>/dmesg, the oldest dropped when it is full. read_start
 * takes them all at once (and empties the ring with clear): NULL on an
 * error (logged; a damaged ring is started again by the next message).
 * read_line gives the next line, '\n' included, valid until the next call:
 * 1, or 0 after the last. A host that never ran a domain has none.
 */
typedef struct libxl__xen_console_reader libxl_xen_console_reader;
libxl_xen_console_reader *libxl_xen_console_read_start(libxl_ctx *ctx, int clear);
int libxl_xen_console_read_line(libxl_ctx *ctx, libxl_xen_console_reader *cr, char **line_r);
void libxl_xen_console_read_finish(libxl_ctx *ctx, libxl_xen_console_reader *cr);
/*
 * Xen's debug keys, each dumping into those messages ('h' lists them: '*'
 * all, 'm' memory, 'q' the domains, 'r' where the vCPUs run). -EINVAL
 * (nothing dumped) if one of keys is none of them.
 */
int libxl_send_debug_keys(libxl_ctx *ctx, const char *keys);

/* ---- configuration ---- */

/*
 * The configuration the domain was created with, as stored in
 * /libxl/<domid>/config (generated uuid and defaults filled in), with the
 * memory it has now (target_memkb, max_memkb: xl mem-set and mem-max, as
 * Xen's libxl does), into cfg (which must be _init()ed; _dispose() it
 * after). -ENOENT for no domain, -EINVAL when the stored JSON cannot be
 * read back.
 */
int libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *cfg);
/* The same as JSON text (malloc'd). */
int libxl_retrieve_domain_configuration_json(libxl_ctx *ctx, uint32_t domid, char **json);
/*
 * xl config-update: cfg is checked as libxl_domain_create_new checks one
 * (said on failure) and kept (/libxl/<domid>/config-update) for the
 * domain's next restart; nothing changes now, and the configuration it runs
 * with stays the one above. -ENOENT for no domain, -EINVAL for Domain-0.
 */
int libxl_domain_config_update(libxl_ctx *ctx, uint32_t domid, const libxl_domain_config *cfg);
/*
 * The configuration a restart of the domain takes: the one
 * libxl_domain_config_update kept, with the domain's name and UUID, else
 * libxl_retrieve_domain_configuration's.
 */
int libxl_retrieve_domain_restart_configuration(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *cfg);

/* ---- statistics (libxl_stats.c): xentop, xenon-exporter ---- */

/* Include the host as Domain-0 (domid 0), first: its CPU time outside idle
 * per host CPU, its memory. */
#define LIBXL_STATS_HOST 0x1u
/* How long a sample waits for the slowest xenon-hv by default. */
#define LIBXL_STATS_TIMEOUT_MS 500
/*
 * One sample of every domain (libxl_stats_sample in libxl_types.idl): state,
 * CPU time per vCPU and in total, memory, per-vbd and per-vif counters and
 * the sample's CLOCK_MONOTONIC timestamp. Every domain's xenon-hv is asked
 * at once on its control socket (INFO, then DEVICE_LIST); the whole sample
 * takes at most timeout_ms (<= 0: LIBXL_STATS_TIMEOUT_MS) however many
 * domains are slow. A domain whose xenon-hv does not answer in time, or is
 * gone, is listed all the same with answered false, its state as xl list
 * tells it and status saying why; a domain that disappears while sampled
 * is left out. sample must be _init()ed; _dispose() it after (it may be
 * passed again: it is disposed and refilled). By increasing domid.
 */
int libxl_domain_stats_sample(libxl_ctx *ctx, unsigned flags, int timeout_ms, libxl_stats_sample *sample);

/* ---- disks and NICs (docs/devices.md; libxl_device_*.c) ---- */

/*
 * Add a disk (vdev names it: xvdb) or a NIC to a running domain, the Xen
 * way: the backend node, the hotplug script (a disk with backendtype phy or
 * script=; every NIC: nic->script, default vif-bridge, looked for in
 * $XENON_SCRIPTDIR, else /etc/xen/scripts), the device in xenon-hv, the
 * frontend node; then wait (10 s, $XENON_DEVICE_TIMEOUT_MS) for the guest to
 * connect it, unless the domain is paused. A NIC's devid (-1) and MAC (all
 * zero) are filled in when left unset. On any failure nothing is left (no
 * node, loop device, tap or script state) and the message names the device.
 * -EEXIST for a vdev / devid / MAC in use, -ENOENT / -EISDIR / -EACCES for a
 * bad target, -EOPNOTSUPP for what Xenon cannot back (qcow2...), -EIO for a
 * failed hotplug script, -ETIMEDOUT when the guest did not connect.
 */
int libxl_device_disk_add(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk);
int libxl_device_nic_add(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic);
/*
 * Remove it: the guest is asked to let it go (Closing) and given the device
 * timeout to say Closed; without that the call fails (-ETIMEDOUT) and
 * nothing changes. A device the guest never connected goes at once. Then
 * xenon-hv drops it, the script runs remove / offline, the nodes go.
 * _destroy does the same without waiting (a warning when the guest still
 * had it). The disk is found by vdev, the NIC by devid (or, when devid is
 * -1, by MAC). -ENOENT for no such device.
 */
int libxl_device_disk_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk);
int libxl_device_disk_destroy(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk);
int libxl_device_nic_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic);
int libxl_device_nic_destroy(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic);
/*
 * The domain's devices as configured (read from their backend nodes), by
 * increasing devid; NULL with *num 0 when there are none (or on error).
 * Free with _list_free.
 */
libxl_device_disk *libxl_device_disk_list(libxl_ctx *ctx, uint32_t domid, int *num);
void libxl_device_disk_list_free(libxl_device_disk *list, int num);
libxl_device_nic *libxl_device_nic_list(libxl_ctx *ctx, uint32_t domid, int *num);
void libxl_device_nic_list_free(libxl_device_nic *list, int num);
/*
 * Its state now (info must be _init()ed): nodes, the guest's XenbusState
 * (untrusted, -1 unless 1..6), the backend's, and what xenon-hv says
 * (irq, mmio_base, driver status; -1 when xenon-hv is gone).
 */
int libxl_device_disk_getinfo(libxl_ctx *ctx, uint32_t domid, const libxl_device_disk *disk,
			      libxl_diskinfo *info);
int libxl_device_nic_getinfo(libxl_ctx *ctx, uint32_t domid, const libxl_device_nic *nic,
			     libxl_nicinfo *info);
/* Find one (disk must be _init()ed): by vdev ("xvdb" or "51728"); by devid; by MAC. */
int libxl_vdev_to_device_disk(libxl_ctx *ctx, uint32_t domid, const char *vdev, libxl_device_disk *disk);
int libxl_devid_to_device_nic(libxl_ctx *ctx, uint32_t domid, int devid, libxl_device_nic *nic);
int libxl_mac_to_device_nic(libxl_ctx *ctx, uint32_t domid, const char *mac, libxl_device_nic *nic);

#endif
