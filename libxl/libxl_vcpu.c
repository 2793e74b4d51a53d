/*
 * vCPUs as their threads run them: libxl_list_vcpu (xl vcpu-list) and the
 * vCPUs' affinity (xl vcpu-pin, cpus= / cpus_soft= at create).
 *
 * xenon-hv names its vCPU threads (HVCTL_VCPU_INFO) by the ids of its own
 * PID namespace (xenon-hv(8), SANDBOX); each is looked up among xenon-hv's
 * own threads only (the NSpid lines under /proc/<hv-pid>/task), which gives
 * its host id, before anything is read about it: a number that is none of
 * them is refused, never taken for another process's thread. Hard affinity is the thread's own CPU mask, read live;
 * Linux has no soft affinity, so a vCPU's thread is confined to hard ∩ soft
 * when they share a CPU (else to hard), as Xen's scheduler prefers the
 * soft CPUs. The masks asked for are kept, hex-coded, in
 * /libxl/<id>/vcpu/<n>/{hard,soft} (dom0 only), so that both are shown as
 * set; xenon-hv applies a mask (HVCTL_VCPU_AFFINITY) at once to a running
 * thread and when the guest starts a vCPU later.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"
#include "nspid.h"

static unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (n > HVCTL_MAX_CPUS ? HVCTL_MAX_CPUS : (unsigned)n) : 1;
}

/* The domain's vCPUs from its xenon-hv, each named thread found among its own, by its host id. */
static int hv_vcpus(libxl_ctx *ctx, uint32_t domid, struct hvctl_vcpu *v, unsigned *n, int *hv_pid)
{
	int fd, rc;

	*hv_pid = libxl__read_pid(ctx, domid, "hv-pid");
	rc = libxl__hv_connect(ctx, domid, &fd);
	if (rc < 0)
		return rc;
	*n = HVCTL_MAX_VCPUS;
	rc = hvctl_vcpu_info(fd, v, n);
	close(fd);
	if (rc < 0)
		return rc == -EPIPE ? -ESRCH : rc;
	if (*n > HVCTL_MAX_VCPUS)
		*n = HVCTL_MAX_VCPUS;
	for (unsigned i = 0; i < *n; i++) {
		int host = v[i].tid ? nspid_task(*hv_pid, v[i].tid) : 0;

		if (host < 0) {
			log_warnx(
			    "domain %u: xenon-hv (pid %d) names thread %d for vCPU %u, which is not one "
			    "of its own: refused",
			    domid, *hv_pid, v[i].tid, i);
			return -EPROTO;
		}
		v[i].tid = host;
	}
	return 0;
}

/* The host CPU the thread last ran on (field 39 of its stat), 0 when unknown. */
static uint32_t last_cpu(int pid, int tid)
{
	char path[64], buf[1024], *p, *save = NULL;
	ssize_t len;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* after the name: field 3 (state) is the first; 39 the 37th */
	for (i = 0, p = strtok_r(p + 1, " ", &save); p && i < 36; i++)
		p = strtok_r(NULL, " ", &save);
	return p ? (uint32_t)strtoul(p, NULL, 10) : 0;
}

static int map_from_hex(const char *hex, libxl_bitmap *map)
{
	size_t n = strlen(hex) / 2;
	int rc = libxl_bitmap_alloc(map, (unsigned)(n ? n * 8 : 8));

	for (size_t i = 0; rc == 0 && i < n; i++) {
		unsigned byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -EINVAL;
		map->map[i] = (uint8_t)byte;
	}
	return rc;
}

/* A kept mask (hard or soft) into map; none kept: every host CPU, or live if given. */
static int kept_map(libxl_ctx *ctx, uint32_t domid, unsigned vcpu, const char *which, libxl_bitmap *map)
{
	char *hex = NULL;
	int rc = libxl__xs_read(ctx, XS_NO_TX, &hex, "/libxl/%u/vcpu/%u/%s", domid, vcpu, which);

	if (rc == 0)
		rc = map_from_hex(hex, map);
	free(hex);
	if (rc == -ENOENT) {
		rc = libxl_bitmap_alloc(map, host_cpus());
		if (rc == 0)
			libxl_bitmap_set_any(map);
		return rc == 0 ? 1 : rc;
	}
	return rc;
}

/* Hard: the one asked for when a soft one narrows the thread, else the thread's own. */
static int hard_map(libxl_ctx *ctx, uint32_t domid, unsigned vcpu, int tid, libxl_bitmap *map)
{
	cpu_set_t set;
	int rc;

	if (!tid || libxl__xs_exists(ctx, XS_NO_TX, "/libxl/%u/vcpu/%u/soft", domid, vcpu) == 1)
		return kept_map(ctx, domid, vcpu, "hard", map) < 0 ? -ENOMEM : 0;
	if (sched_getaffinity(tid, sizeof(set), &set) < 0)
		return -errno;
	rc = libxl_bitmap_alloc(map, host_cpus());
	for (unsigned cpu = 0; rc == 0 && cpu < host_cpus() && cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			rc = libxl_bitmap_set(map, cpu);
	return rc;
}

static int fill_vcpu(libxl_ctx *ctx, uint32_t domid, int hv_pid, unsigned i, const struct hvctl_vcpu *v,
		     libxl_vcpuinfo *out)
{
	int rc;

	libxl_vcpuinfo_init(out);
	out->vcpuid = i;
	out->online = v->flags & HVCTL_VCPU_ONLINE;
	out->running = v->flags & HVCTL_VCPU_RUNNING;
	out->blocked = v->flags & HVCTL_VCPU_BLOCKED;
	out->vcpu_time = v->time_ns;
	out->cpu = v->tid ? last_cpu(hv_pid, v->tid) : 0;
	rc = hard_map(ctx, domid, i, v->tid, &out->cpumap);
	if (rc == 0)
		rc = kept_map(ctx, domid, i, "soft", &out->cpumap_soft) < 0 ? -ENOMEM : 0;
	return rc;
}

libxl_vcpuinfo *libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid, int *nr_vcpus_out, int *nr_cpus_out)
{
	struct hvctl_vcpu v[HVCTL_MAX_VCPUS];
	libxl_vcpuinfo *list;
	unsigned n;
	int hv_pid, rc;

	*nr_vcpus_out = 0;
	*nr_cpus_out = (int)host_cpus();
	rc = domid == LIBXL_DOMID_HOST ? -EINVAL : hv_vcpus(ctx, domid, v, &n, &hv_pid);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list) {
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; rc == 0 && i < n; i++)
		rc = fill_vcpu(ctx, domid, hv_pid, i, &v[i], &list[i]);
	if (rc < 0) {
		libxl_vcpuinfo_list_free(list, (int)n);
		errno = -rc;
		return NULL;
	}
	*nr_vcpus_out = (int)n;
	return list;
}

void libxl_vcpuinfo_list_free(libxl_vcpuinfo *list, int nr)
{
	for (int i = 0; list && i < nr; i++)
		libxl_vcpuinfo_dispose(&list[i]);
	free(list);
}

/* 0 when map names host CPUs only and at least one; else says which is wrong. */
static int check_map(const libxl_bitmap *map, const char *what, uint32_t domid)
{
	unsigned nr = host_cpus();

	/* Every bit set is "all" (xl's and Xen's form of it: whole bytes). */
	if (libxl_bitmap_count_set(map) == libxl_bitmap_nr_bits(map) && map->size)
		return 0;
	for (unsigned cpu = nr; cpu < libxl_bitmap_nr_bits(map); cpu++)
		if (libxl_bitmap_test(map, cpu)) {
			log_warnx("domain %u: %s affinity names CPU %u, which this host does not have (its "
				  "CPUs are 0-%u)",
				  domid, what, cpu, nr - 1);
			return -EINVAL;
		}
	if (libxl_bitmap_is_empty(map)) {
		log_warnx("domain %u: the %s affinity names no CPU: give at least one", domid, what);
		return -EINVAL;
	}
	return 0;
}

static int keep_map(libxl_ctx *ctx, uint32_t domid, uint32_t vcpu, const char *which, const libxl_bitmap *map)
{
	char hex[HVCTL_MAX_CPUS / 4 + 1];
	unsigned n = libxl_bitmap_nr_bits(map) / 8;

	if (n > HVCTL_MAX_CPUS / 8)
		n = HVCTL_MAX_CPUS / 8;
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", map->map[i]);
	hex[2 * n] = '\0';
	return libxl__xs_write(ctx, XS_NO_TX, hex, "/libxl/%u/vcpu/%u/%s", domid, vcpu, which);
}

/* What the thread gets (libxl__vcpu_effective), as xenon-hv takes it. */
static int effective(const libxl_bitmap *hard, const libxl_bitmap *soft, struct hvctl_vcpu_affinity *a)
{
	libxl_bitmap runs_on;
	int rc;

	libxl_bitmap_init(&runs_on);
	rc = libxl__vcpu_effective(hard, soft, host_cpus(), &runs_on);
	for (unsigned cpu = 0; rc == 0 && cpu < host_cpus(); cpu++)
		if (libxl_bitmap_test(&runs_on, cpu))
			a->mask[cpu / 8] |= (uint8_t)(1U << (cpu % 8));
	libxl_bitmap_dispose(&runs_on);
	return rc;
}

static int send_affinity(libxl_ctx *ctx, uint32_t domid, const struct hvctl_vcpu_affinity *a)
{
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = hvctl_vcpu_affinity(fd, a);
	close(fd);
	if (rc == -EINVAL)
		log_warnx("domain %u: xenon-hv refused the affinity of vCPU %u: no vCPU of that number, or "
			  "none of its CPUs is online and allowed to it",
			  domid, a->vcpu);
	return rc == -EPIPE ? -ESRCH : rc;
}

int libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid, const libxl_bitmap *cpumap_hard,
			   const libxl_bitmap *cpumap_soft)
{
	struct hvctl_vcpu_affinity a = {.vcpu = vcpuid};
	libxl_bitmap hard, soft;
	int rc;

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	libxl_bitmap_init(&hard);
	libxl_bitmap_init(&soft);
	rc =
	    cpumap_hard ? libxl_bitmap_copy(&hard, cpumap_hard) : kept_map(ctx, domid, vcpuid, "hard", &hard);
	if (rc >= 0)
		rc = cpumap_soft ? libxl_bitmap_copy(&soft, cpumap_soft)
				 : kept_map(ctx, domid, vcpuid, "soft", &soft);
	if (rc >= 0)
		rc = check_map(&hard, "hard", domid);
	if (rc == 0)
		rc = check_map(&soft, "soft", domid);
	if (rc == 0)
		rc = effective(&hard, &soft, &a);
	if (rc == 0)
		rc = send_affinity(ctx, domid, &a);
	if (rc == 0 && cpumap_hard)
		rc = keep_map(ctx, domid, vcpuid, "hard", &hard);
	if (rc == 0 && cpumap_soft)
		rc = keep_map(ctx, domid, vcpuid, "soft", &soft);
	libxl_bitmap_dispose(&hard);
	libxl_bitmap_dispose(&soft);
	return rc;
}

int libxl_set_vcpuaffinity_all(libxl_ctx *ctx, uint32_t domid, unsigned max_vcpus,
			       const libxl_bitmap *cpumap_hard, const libxl_bitmap *cpumap_soft)
{
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < max_vcpus; i++)
		rc = libxl_set_vcpuaffinity(ctx, domid, i, cpumap_hard, cpumap_soft);
	return rc;
}

int libxl__vcpu_affinity_setup(libxl_ctx *ctx, uint32_t domid, const libxl_domain_build_info *b)
{
	int n = b->num_vcpu_hard_affinity > b->num_vcpu_soft_affinity ? b->num_vcpu_hard_affinity
								      : b->num_vcpu_soft_affinity;
	int rc = 0;

	for (int i = 0; rc == 0 && i < n && i < b->max_vcpus; i++)
		rc = libxl_set_vcpuaffinity(ctx, domid, (uint32_t)i,
					    i < b->num_vcpu_hard_affinity ? &b->vcpu_hard_affinity[i] : NULL,
					    i < b->num_vcpu_soft_affinity ? &b->vcpu_soft_affinity[i] : NULL);
	return rc;
}
