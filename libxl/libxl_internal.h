/* libxl internals: shared by the libxl sources only (names start with libxl__). */
#ifndef LIBXL_INTERNAL_H
#define LIBXL_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxl/libxl.h"
#include "xenstored/xs.h"

#define LIBXL_PATH_MAX 256
/* The hypervisor's message ring, in the run directory (libxl_dmesg.c, common/msgring.h). */
#define LIBXL_DMESG_FILE "dmesg"
/* Its path (libxl_hv.c): 0 or -ENAMETOOLONG. */
int libxl__dmesg_path(libxl_ctx *ctx, char *path, size_t len);
/* It made if absent and mapped in *m (libxl_dmesg.c), its path in path (for messages): 0 or -errno. */
struct msgring_map;
int libxl__dmesg_map(libxl_ctx *ctx, struct msgring_map *m, char *path, size_t len);
/* A line "d<domid>: ..." into it, for what a xenon-hv cannot say itself (how it ended); best effort. */
void libxl__dmesg_domain(libxl_ctx *ctx, uint32_t domid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct libxl__stats_cache;

struct libxl__ctx {
	struct xs_handle *xsh;
	xentoollog_logger *lg;
	libxl_ctx_settings set;		    /* every field filled in (libxl.c) */
	char *set_own[6];		    /* the strings set points to */
	char *cg_parent_env;		    /* $XENON_CGROUP_PARENT at open (NULL: unset) */
	struct libxl__stats_cache *stats;   /* kept between samples (libxl_stats_cache.c) */
	void (*stats_free)(libxl_ctx *ctx); /* set with stats */
	struct libxl__ctx *next_live;	    /* contexts alive, newest first (libxl.c) */
	int hv_kept_fd;			    /* libxl_domain_hv_keep's connection, or -1 */
	uint32_t hv_kept_domid;
	libxl_version_info vinfo;
	char vinfo_buf[512];
};

/* snprintf into buf: 0, or -ENAMETOOLONG when it does not fit. */
int libxl__path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- memory (libxl_mem.c) ---- */
/* MemTotal and MemAvailable into total_kib and free_kib (libxl_list.c). */
void libxl__physinfo_mem(libxl_physinfo *info);
/* avail_kib less what the running domains may still take (*claimed_kib). */
int libxl__mem_free_kib(libxl_ctx *ctx, uint64_t avail_kib, uint64_t *free_kib, uint64_t *claimed_kib);
/*
 * What libxl_domain_create_new checks of a configuration before it makes
 * anything (said on failure), with Xen's defaults filled in (cfg changes).
 */
int libxl__config_check(libxl_domain_config *cfg, bool restore);
/*
 * A new domain of need_kib fits in the host's free memory: 0, or -ENOMEM
 * said. count_claims (b_info.claim_mode): free is what the running domains
 * leave of the available memory, not the available memory alone.
 */
int libxl__mem_claim(libxl_ctx *ctx, const char *name, uint64_t need_kib, bool count_claims);
/* The hugetlb pool's 2 MiB pages a new domain can have (free, not reserved), in KiB; 0 if none. */
uint64_t libxl__pool_free_kib(void);
/*
 * Where a new domain's RAM comes from (mode: LIBXL_MEMORY_POOL_*), and that
 * it fits there (libxl__mem_claim for the host's memory): *pool is
 * LIBXL_MEMORY_POOL_HOST or _HUGETLB. 0, or -ENOMEM / -EINVAL said.
 */
int libxl__mem_pool_pick(libxl_ctx *ctx, const libxl_domain_config *cfg, int mode, bool count_claims,
			 int *pool);

/* ---- pure helpers (libxl_util.c) ---- */
int libxl__domid_pick(uint32_t last, const uint32_t *used, unsigned nr_used, uint32_t *out);
libxl_death libxl__death_from_wait_status(int status);
/* 1 (and *how) when the domain's xenon-hv keeps it after its end (hold_on), 0 when not, or -errno. */
int libxl__domain_held(libxl_ctx *ctx, uint32_t domid, libxl_death *how);
int libxl__parse_domid(const char *s, uint32_t *domid);
/* The domain ids among names (a directory of /local/domain: NUL-separated, len bytes, a NUL
 * after them; NULL: none), sorted into a malloc'd *ids. */
int libxl__domids_parse(const char *names, size_t len, uint32_t **ids, unsigned *nr);
void libxl__u32_sort(uint32_t *v, unsigned n);
struct hvctl_info;
/* What a domain may still take without asking (libxl_dominfo.outstanding_memkb); 0 when it is going. */
uint64_t libxl__mem_outstanding(const struct hvctl_info *info, uint64_t target_kib);
/*
 * The CPUs [0, nr_cpus) a vCPU's thread runs on, into out (made room for):
 * hard ∩ soft when they share a CPU (Xen's scheduler prefers the soft
 * ones; Linux has no soft affinity), else hard. -ENOMEM.
 */
int libxl__vcpu_effective(const libxl_bitmap *hard, const libxl_bitmap *soft, unsigned nr_cpus,
			  libxl_bitmap *out);
/*
 * The nodes (of topo) of the CPUs the vCPUs may run on, within pool, into
 * nodemap (cleared first, grown as needed): libxl_domain_get_nodeaffinity.
 */
int libxl__vcpu_nodes(const libxl_cputopology *topo, int nr_topo, const libxl_vcpuinfo *vcpus, int nr_vcpus,
		      const libxl_bitmap *pool, libxl_bitmap *nodemap);
/* running, blocked, paused, shutdown and crashed from xenon-hv's INFO reply. */
void libxl__dominfo_set_state(libxl_dominfo *info, const struct hvctl_info *hv);
/* 0 when an INFO reply keeps the protocol's rules, -EPROTO when not (a taken-over xenon-hv). */
int libxl__hv_info_valid(const struct hvctl_info *hv);
/* The state of a domain whose xenon-hv did not answer (hv_rc), from xenstore and its pids (libxl_list.c). */
void libxl__info_without_hv(libxl_ctx *ctx, libxl_dominfo *info, int hv_rc);

/* ---- what a stats sample keeps for the next (libxl_stats_cache.c) ---- */
struct libxl__stats_dom {
	uint32_t domid;
	int fd;	    /* its control socket, connected and idle; -1: none */
	char *name; /* as last read */
	uint64_t target;
	bool stale;   /* read name and target again */
	bool watched; /* a watch tells when they change */
	bool seen;    /* listed by the current sample */
};
/* Between _begin and _end: the domain's name (malloc'd) and memory target
 * (0: none), from the cache or xenstore; -ENOENT when it has no name. */
void libxl__stats_cache_begin(libxl_ctx *ctx);
int libxl__stats_cache_read(libxl_ctx *ctx, uint32_t domid, char **name, uint64_t *target);
/* The entry of a domain read since _begin (NULL: none); valid until _end. */
struct libxl__stats_dom *libxl__stats_cache_find(libxl_ctx *ctx, uint32_t domid);
/* Forget the domains not read since _begin. */
void libxl__stats_cache_end(libxl_ctx *ctx);
void libxl__stats_cache_free(libxl_ctx *ctx);

/* ---- the console pty (libxl_console.c) ---- */
/* 0 when path is "/dev/pts/" followed by digits only, else -EINVAL. */
int libxl__pty_path_valid(const char *path);
/*
 * The slave (O_RDWR | O_NOCTTY | O_CLOEXEC, through TIOCGPTPEER, no path) of
 * the pty whose master is master, if that pty is number index: -EACCES if
 * it is another, -ENOTTY if master is no pty master.
 */
int libxl__pty_from_master(int master, unsigned index, int *fd);
/* The same from a master that process pid (pidfd) holds (pidfd_getfd; root); -EACCES if it holds none. */
int libxl__pty_of_process(int pidfd, int pid, unsigned index, int *fd);

/* ---- xenstore helpers (libxl_xs.c); paths are printf formats ---- */
/*
 * Every request to xenstored gives up after this long: the helpers below
 * then fail with -ETIMEDOUT (a stopped xenstored never blocks xl for ever).
 */
#define LIBXL__XS_TIMEOUT_MS 10000
int libxl__xs_set_timeout(libxl_ctx *ctx, int timeout_ms);
int libxl__xs_read(libxl_ctx *ctx, uint32_t tx, char **value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int libxl__xs_write(libxl_ctx *ctx, uint32_t tx, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Write value and set the node's permissions (Xen's text form). */
int libxl__xs_write_perms(libxl_ctx *ctx, uint32_t tx, const char *value, const char *const *perms,
			  unsigned nperms, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int libxl__xs_mkdir_perms(libxl_ctx *ctx, uint32_t tx, const char *const *perms, unsigned nperms,
			  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* rm that treats a missing node as done. */
int libxl__xs_rm(libxl_ctx *ctx, uint32_t tx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int libxl__xs_exists(libxl_ctx *ctx, uint32_t tx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Watch path (as token) and ask done(ctx, arg) at once and after each
 * event until it says 1 (then 0), fails (its -errno) or timeout_ms has
 * passed (-ETIMEDOUT; < 0: no limit). Events of the connection's other
 * watches are dropped meanwhile.
 */
int libxl__xs_wait(libxl_ctx *ctx, const char *path, const char *token, int timeout_ms,
		   int (*done)(libxl_ctx *ctx, void *arg), void *arg);
int libxl__xs_read_u64(libxl_ctx *ctx, uint32_t tx, uint64_t *v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * Requests for one round trip (xsc_batch): each add formats its path and
 * copies its value (len bytes) into the batch; run sends them. A failure to
 * add (too many, too long) is kept and returned by run, which then sends
 * nothing. A read (XS_READ) checks the node is there (-ENOENT if not).
 */
#define LIBXL__XS_BATCH_OPS 32
struct libxl__xs_batch {
	struct xsc_op ops[LIBXL__XS_BATCH_OPS];
	char buf[4096];
	size_t used;
	unsigned n;
	int rc;
};
void libxl__xs_batch_add(struct libxl__xs_batch *b, uint32_t type, const void *value, size_t len, const char *fmt,
			 ...) __attribute__((format(printf, 5, 6)));
/* A write of a string value; an rm that treats a missing node as done. */
void libxl__xs_batch_write(struct libxl__xs_batch *b, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void libxl__xs_batch_rm(struct libxl__xs_batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A read whose value lands in *value after run (malloc'd; NULL if missing or failed). */
void libxl__xs_batch_read(struct libxl__xs_batch *b, char **value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A directory's names (NUL-separated, *len bytes; malloc'd) after run; NULL if missing. */
void libxl__xs_batch_directory(struct libxl__xs_batch *b, char **names, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int libxl__xs_batch_run(libxl_ctx *ctx, uint32_t tx, struct libxl__xs_batch *b);

/* Which of ids (domains read in tx) is named name: 0 and *domid, or -ENOENT. */
int libxl__domid_named(libxl_ctx *ctx, uint32_t tx, const uint32_t *ids, unsigned nr, const char *name,
		       uint32_t *domid);
/* The pid in /libxl/<domid>/<node> (hv-pid, monitor-pid); 0 when none is. */
int libxl__read_pid(libxl_ctx *ctx, uint32_t domid, const char *node);
/* The domids below /local/domain (host included), sorted; free(*ids). */
int libxl__xs_domids(libxl_ctx *ctx, uint32_t tx, uint32_t **ids, unsigned *nr);
/* Store / load a value that may be longer than one xenstore node holds. */
int libxl__xs_write_long(libxl_ctx *ctx, uint32_t tx, const char *base, const char *value);
int libxl__xs_read_long(libxl_ctx *ctx, uint32_t tx, const char *base, char **value);
/* Copy the subtree at from (values and permissions) to to. */
int libxl__xs_copy_tree(libxl_ctx *ctx, uint32_t tx, const char *from, const char *to);
/*
 * All of fn or nothing: fn runs in a transaction that is committed when it
 * returns 0 and aborted (its error returned) when it fails; the whole is
 * redone while xenstored answers -EAGAIN, a bounded number of times.
 */
int libxl__xs_transact(libxl_ctx *ctx, int (*fn)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg);
/*
 * A transaction in two steps (a migration's receiver: the checks ahead,
 * the writes when told to go): begin runs first and leaves the transaction
 * open (closed on its failure); end runs second and commits (keep), or
 * drops it; a commit that conflicts runs both again in one transaction.
 */
struct libxl__xs_split {
	uint32_t tx;
};
/* libxl__xs_transact of first, then second (if first succeeded), in one transaction. */
int libxl__xs_transact_steps(libxl_ctx *ctx, int (*first)(libxl_ctx *ctx, uint32_t tx, void *arg),
			     int (*second)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg);
int libxl__xs_split_begin(libxl_ctx *ctx, struct libxl__xs_split *s,
			  int (*first)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg);
int libxl__xs_split_end(libxl_ctx *ctx, struct libxl__xs_split *s, bool keep,
			int (*first)(libxl_ctx *ctx, uint32_t tx, void *arg),
			int (*second)(libxl_ctx *ctx, uint32_t tx, void *arg), void *arg);

/* ---- cpupools (libxl_cpupool.c) ---- */
/* At create, before xenon-hv runs: the domain joins pool name (NULL, "": Pool-0); said when refused. */
int libxl__cpupool_assign(libxl_ctx *ctx, uint32_t domid, const char *name);
/*
 * Before xenon-hv runs: the domain's cpuset made with its pool's CPUs
 * (none when the pool has every CPU), *procs_fd its cgroup.procs for the
 * child to join before exec (-1: none).
 */
int libxl__cpupool_prepare(libxl_ctx *ctx, uint32_t domid, int *procs_fd);
/* When the domain is gone: remove its cpuset. */
int libxl__cpupool_cleanup(libxl_ctx *ctx, uint32_t domid);

/* ---- layout (libxl_layout.c) ---- */
struct libxl__layout {
	uint32_t domid;
	const char *name;
	const char *uuid; /* text form */
	const char *type; /* "pv" */
	uint64_t max_memkb, target_memkb;
	unsigned vcpus;		    /* maxvcpus */
	const libxl_bitmap *online; /* cpu/<n>/availability online (NULL or empty: all) */
	const char *kernel, *cmdline, *ramdisk;
	const char *config_json;
};
int libxl__layout_write(libxl_ctx *ctx, uint32_t tx, const struct libxl__layout *l);
/*
 * The stored configuration (/libxl/<id>/config) read in tx, changed by fn
 * (0 or -errno: then nothing is written) and written back; none stored: 0,
 * fn not called (libxl_device_config.c).
 */
int libxl__config_edit(libxl_ctx *ctx, uint32_t tx, uint32_t domid,
		       int (*fn)(libxl_domain_config *cfg, void *arg), void *arg);
/* "/vm/<uuid>" and nothing else: what /local/domain/<id>/vm may name. */
bool libxl__vm_path_valid(const char *vm);
/* Every node of the domain (local, vm, libxl). */
int libxl__layout_remove(libxl_ctx *ctx, uint32_t domid);
int libxl__ensure_host_nodes(libxl_ctx *ctx);

/* ---- the domain's xenon-hv (libxl_hv.c) ---- */
/*
 * Every call on a domain's control socket (connect, each request, each
 * reply) gives up after this long with -ETIMEDOUT: a hung or stopped
 * xenon-hv never blocks xl.
 */
#define LIBXL__HV_TIMEOUT_MS 5000
/* xl.conf(5) sandbox_uid_base's default: domain N's xenon-hv runs as uid and gid base + N. */
#define LIBXL__SANDBOX_UID_BASE 1879048192u /* 0x70000000, as xenon-hv's own default */
int libxl__hv_socket_path(libxl_ctx *ctx, uint32_t domid, char *buf, size_t len);
/* fd's other end is the domain's recorded xenon-hv (SO_PEERCRED): 0, or -EPROTO (said). */
int libxl__hv_check_peer(libxl_ctx *ctx, uint32_t domid, int fd);
/* Connect to the domain's control socket (calls on *fd time out, see
 * above); -ESRCH when xenon-hv is gone. A connection the context keeps
 * for the domain (libxl_domain_hv_keep) is lent: *fd is a dup of it. */
int libxl__hv_connect(libxl_ctx *ctx, uint32_t domid, int *fd);
/* Always a connection of its own (an event stream, HVCTL_SUBSCRIBE). */
int libxl__hv_connect_own(libxl_ctx *ctx, uint32_t domid, int *fd);
/* The same, for a domain maybe just restored: at its socket's hidden name
 * if it has not taken its own yet (its monitor, a migration's receiver). */
int libxl__hv_connect_fresh(libxl_ctx *ctx, uint32_t domid, int *fd);
/* The context keeps fd (connected to domid's xenon-hv) for its next calls; -1 lets go. */
void libxl__hv_keep_fd(libxl_ctx *ctx, uint32_t domid, int fd);
/*
 * HVCTL_SAVE into out through a pipe, xenon-hv holding only the pipe
 * (libxl_save_relay.c); -EIO if less or more came than its reply says.
 */
struct hvctl_save_req;
struct hvctl_save_result;
int libxl__save_relayed(int hv, const struct hvctl_save_req *req, int out, struct hvctl_save_result *res);
/* Whether a save into fd goes through that relay: it does unless fd is a pipe or a socket. */
bool libxl__save_needs_relay(int fd);
/* xenon-hv's INFO reply; -ESRCH when it is gone. */
int libxl__hv_info(libxl_ctx *ctx, uint32_t domid, struct hvctl_info *info);
/*
 * cg_fds: the cgroup.procs of the domain's cgroup and of its cpuset (v1:
 * another hierarchy), which the child joins before exec (-1: none).
 */
/* A VM keeper (libxl_keeper.c): its pid (0: none) and a pidfd of it (-1: none). */
struct libxl__keeper {
	int pid;
	int pidfd;
};
/* *ready: the pipe xenon-hv says it answers on (libxl__hv_wait_up's). */
int libxl__hv_spawn(libxl_ctx *ctx, const struct libxl__layout *l, const char *control,
		    const libxl_domain_create_opts *opts, const int cg_fds[2], int *pid, struct libxl__keeper *k,
		    int *ready);
/*
 * The VM keeper (libxl_keeper.c) of a xenon-hv in a PID namespace of its
 * own: *hv_end, the socket (close-on-exec) xenon-hv is to get as --keeper;
 * *k, the keeper (not our child: init reaps it). -errno.
 */
int libxl__keeper_start(int *hv_end, struct libxl__keeper *k);
/* After its xenon-hv has gone: until the keeper has too (bounded), then forget it. */
void libxl__keeper_wait(struct libxl__keeper *k);
/* Forget it (close the pidfd): it ends on its own. */
void libxl__keeper_forget(struct libxl__keeper *k);
/* The keeper's loop: until EOF on sock, KVM files received are held, anything else closed.
 * Returns how many it holds (the keeper then exits). */
unsigned libxl__keeper_run(int sock);
/*
 * Wait for pid (our child) to say on ready (closed here) that it answers on
 * control, and connect to it (*fd); -ECHILD when it died first (*status:
 * its wait status). With restore, no deadline: xenon-hv answers once it has
 * read the whole stream.
 */
struct hvctl_ready;
/* said: xenon-hv's ready message (zeroed if it sent none: ask INFO). ready
 * -1: read already (libxl__hv_wait_plan); *fd >= 0: connected already. */
int libxl__hv_wait_up(const char *control, int pid, bool restore, int *status, int *fd, int ready,
		      struct hvctl_ready *said);
/* A restore's first message: 0, its plan (HVCTL_READY_PLAN in *said); 1, the
 * ready one (xenon-hv sends no plan: pass *said on, ready -1); -ECHILD. */
int libxl__hv_wait_plan(int pid, int ready, int *status, struct hvctl_ready *said);
/* A restore's control socket, at its hidden name (or its own, once renamed). */
int libxl__hv_connect_restored(const char *control, int *fd);
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long libxl__now_ms(void);
/* 1 when pid runs (a zombie has ended), else 0. */
int libxl__pid_alive(int pid);
/*
 * 1 when pid runs and is the domain's xenon-hv: its start time is the one
 * recorded at spawn (/libxl/<id>/hv-start), so a pid reused by another
 * process is not, and the process cannot pass for another or hide.
 */
int libxl__hv_alive(libxl_ctx *ctx, uint32_t domid, int pid);
/* SIGKILL pid if it is still the domain's xenon-hv (see above): 1 when sent, 0 when gone. */
int libxl__hv_kill(libxl_ctx *ctx, uint32_t domid, int pid);
/* Wait (up to timeout_ms) for an unrelated process to end. */
int libxl__pid_wait_exit(int pid, int timeout_ms);
int libxl__mkdir_p(const char *dir, unsigned mode);

/* ---- weight and cap (libxl_sched.c) ---- */
/* Weight, cap (<= 100 x vcpus) and no other scheduler's parameter; who starts the message. */
int libxl__sched_params_check(const libxl_domain_sched_params *p, int vcpus, const char *who);
/*
 * The domain's cgroup under parent ("": none, then weight and cap must be
 * unset) with p applied, recorded in /libxl/<domid>/; *procs_fd: its
 * cgroup.procs for the child to join (-1 with no cgroup).
 */
int libxl__sched_setup(libxl_ctx *ctx, uint32_t domid, const libxl_domain_sched_params *p,
		       const char *parent, int *procs_fd);
/* SIGKILL every process in the domain's cgroup, if it has one: 0 once it is empty, else -EBUSY. */
int libxl__sched_kill(libxl_ctx *ctx, uint32_t domid);
/* Remove the domain's cgroup, if it has one (its xenon-hv has ended). */
int libxl__sched_cleanup(libxl_ctx *ctx, uint32_t domid);

/* ---- vCPU affinity (libxl_vcpu.c) ---- */
/* cpus= / cpus_soft= of b applied to the new domain's vCPUs. */
int libxl__vcpu_affinity_setup(libxl_ctx *ctx, uint32_t domid, const libxl_domain_build_info *b);

#endif
