/*
 * libxl_cgroup: one cgroup per domain for its xenon-hv (libxl internal).
 *
 * The host's cgroups are found in /proc/self/mountinfo: cgroup v1 with the
 * cpu controller mounted on its own hierarchy (cpu.shares,
 * cpu.cfs_quota_us / cpu.cfs_period_us), else cgroup v2 whose root offers
 * the cpu controller (cpu.weight, cpu.max). A domain's cgroup is
 * <mount>/<parent>/dom<domid>; the parent is made when missing (and, on
 * v2, given the cpu controller down from the root) and never removed.
 *
 * Xen's credit parameters map onto it: weight 1..65535 (256 by default) is
 * cpu.shares = 4 x weight (1024 for 256) on v1, cpu.weight = weight x
 * 10000 / 65535 (at least 1) on v2, so that ratios between domains hold;
 * cap is a percentage of one CPU (0: none), the CPU time allowed per
 * period of 100 ms.
 */
#ifndef LIBXL_CGROUP_H
#define LIBXL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIBXL__CG_PATH_MAX    512
#define LIBXL__CG_PERIOD_US   100000
#define LIBXL__WEIGHT_MIN     1
#define LIBXL__WEIGHT_MAX     65535
#define LIBXL__WEIGHT_DEFAULT 256

enum libxl__cg_version { LIBXL__CG_NONE = 0, LIBXL__CG_V1 = 1, LIBXL__CG_V2 = 2 };

struct libxl__cg_host {
	enum libxl__cg_version version;
	char mount[LIBXL__CG_PATH_MAX]; /* where the cpu controller's hierarchy is mounted */
};

/* Which cgroups the host has for the cpu controller; -ENOENT when none. */
int libxl__cg_detect(struct libxl__cg_host *h);
/*
 * The parent to use: $XENON_CGROUP_PARENT, else conf (xl.conf's
 * cgroup_parent), else "xenon". "" means no cgroups. -EINVAL (logged) for
 * a parent that is absolute, has "." or ".." parts, or other characters
 * than [A-Za-z0-9_.:@-/].
 */
int libxl__cg_parent(const char *env, const char *conf, const char **parent);
/*
 * Make the domain's cgroup <mount>/<parent>/dom<domid> (a leftover that
 * holds no process is taken over) into path; -EBUSY when one that holds
 * processes is there, -ENOENT when the host has no cgroup hierarchy with
 * the cpu controller mounted (said as a warning when optional: the
 * domain asked for no weight or cap). Messages say what failed.
 */
int libxl__cg_create(const char *parent, uint32_t domid, char *path, size_t len, bool optional);
/* Open <path>/cgroup.procs for writing "0" from the child (O_CLOEXEC). */
int libxl__cg_procs_fd(const char *path, int *fd);
/* Apply weight (-1: leave) and cap (-1: leave, 0: none) to the cgroup at path. */
int libxl__cg_set_cpu(const char *path, int weight, int cap);
/*
 * Remove the cgroup at path (a dom<N> directory under a cgroup mount):
 * retried for a short while when a process that has just ended is still
 * counted in it. Missing: done.
 */
int libxl__cg_remove(const char *path);
/*
 * SIGKILL every process left in the cgroup at path (cgroup.kill on v2,
 * each member on v1) and wait a short while for it to be empty: 0 when it
 * is (or there is no such cgroup), -EBUSY when processes are still in it.
 */
int libxl__cg_kill(const char *path);
/* 0 when path names a domain cgroup this module could have made. */
int libxl__cg_path_valid(const char *path);
/*
 * One line of /proc/self/mountinfo (changed in place): V1 for a cgroup v1
 * hierarchy with the cpu controller mounted at its root, V2 for cgroup v2
 * whose cgroup.controllers offers cpu, with the mount point in mnt.
 */
enum libxl__cg_version libxl__cg_mount_kind(char *line, char *mnt, size_t len);
/* As libxl__cg_mount_kind / libxl__cg_detect, for controller ctl ("cpuset"). */
enum libxl__cg_version libxl__cg_mount_kind_of(char *line, const char *ctl, char *mnt, size_t len);
int libxl__cg_detect_of(struct libxl__cg_host *h, const char *ctl);

/*
 * cpusets (cpupools): a domain in a cpupool whose CPUs are not all the
 * host's has a cpuset cgroup <cpuset mount>/<parent>/dom<domid> (on cgroup
 * v2 the same directory as its cpu cgroup) whose cpuset.cpus are its pool's;
 * its xenon-hv's threads are moved into it, and follow when it changes.
 */
#define LIBXL__CPUS_MAX 4096
struct libxl__cpus {
	uint64_t w[LIBXL__CPUS_MAX / 64];
};
static inline void libxl__cpus_set(struct libxl__cpus *c, unsigned cpu)
{
	c->w[cpu / 64] |= 1ull << (cpu % 64);
}
static inline void libxl__cpus_clear(struct libxl__cpus *c, unsigned cpu)
{
	c->w[cpu / 64] &= ~(1ull << (cpu % 64));
}
static inline bool libxl__cpus_test(const struct libxl__cpus *c, unsigned cpu)
{
	return cpu < LIBXL__CPUS_MAX && (c->w[cpu / 64] >> (cpu % 64)) & 1;
}
/* A CPU list as the kernel writes one ("0-3,8"; "" or "\n": none); -EINVAL. */
int libxl__cpus_parse(const char *s, struct libxl__cpus *c);
/* The list form of c into buf ("" when empty or when it does not fit). */
void libxl__cpus_format(const struct libxl__cpus *c, char *buf, size_t len);
unsigned libxl__cpus_count(const struct libxl__cpus *c);
/*
 * Make (or take) the domain's cpuset under parent, give it cpus ("1,3")
 * and move process pid (all its threads) into it (pid 0: the process is
 * not there yet: it joins itself); its path into path. Messages say what
 * failed; -ENOENT when no cpuset hierarchy is mounted.
 */
int libxl__cs_place(const char *parent, uint32_t domid, int pid, const char *cpus, char *path, size_t len);
/* The CPUs of the cpuset at path (its threads follow). */
int libxl__cs_set_cpus(const char *path, const char *cpus);

/* Pure conversions (unit-tested). */
unsigned long libxl__cg_v1_shares(int weight);
unsigned long libxl__cg_v2_weight(int weight);
/* cap (percent of a CPU, > 0) as a quota in µs per LIBXL__CG_PERIOD_US. */
unsigned long libxl__cg_quota_us(int cap);

#endif
