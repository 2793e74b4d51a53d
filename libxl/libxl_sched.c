/*
 * CPU weight and cap of a domain (Xen's credit / credit2 parameters), on
 * the domain's cgroup (libxl_cgroup.h): set at create from the
 * configuration, changed and read by xl sched-credit / sched-credit2.
 *
 * The cgroup's path and the values set are kept in dom0-only nodes:
 * /libxl/<id>/cgroup, /libxl/<id>/sched/weight, /libxl/<id>/sched/cap.
 */
#include "libxl/libxl_cgroup.h"
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Parameters of Xen's other schedulers, which Xenon has not. */
static int check_unsupported(const libxl_domain_sched_params *p, const char *who)
{
	static const struct {
		const char *name;
		size_t off;
	} others[] = {
	    {"period", offsetof(libxl_domain_sched_params, period)},
	    {"budget", offsetof(libxl_domain_sched_params, budget)},
	    {"extratime", offsetof(libxl_domain_sched_params, extratime)},
	    {"slice", offsetof(libxl_domain_sched_params, slice)},
	    {"latency", offsetof(libxl_domain_sched_params, latency)},
	};

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (*(const int *)((const char *)p + others[i].off) != -1) {
			log_warnx("%s: %s= is a parameter of Xen's RTDS/ARINC/SEDF schedulers: Xenon "
				  "schedules with credit's weight and cap only; remove it",
				  who, others[i].name);
			return -EINVAL;
		}
	return 0;
}

int libxl__sched_params_check(const libxl_domain_sched_params *p, int vcpus, const char *who)
{
	if (p->weight != -1 && (p->weight < LIBXL__WEIGHT_MIN || p->weight > LIBXL__WEIGHT_MAX)) {
		log_warnx("%s: weight %d is out of range: give 1 to 65535 (256 is the default)", who,
			  p->weight);
		return -EINVAL;
	}
	if (p->cap != -1 && (p->cap < 0 || p->cap > 100 * vcpus)) {
		log_warnx("%s: cap %d is out of range: give 0 (no cap) to %d (100 per vCPU, %d vCPU%s)", who,
			  p->cap, 100 * vcpus, vcpus, vcpus == 1 ? "" : "s");
		return -EINVAL;
	}
	return check_unsupported(p, who);
}

static int write_int(libxl_ctx *ctx, int v, const char *node, uint32_t domid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", v);
	return libxl__xs_write(ctx, XS_NO_TX, buf, "/libxl/%u/sched/%s", domid, node);
}

int libxl__sched_setup(libxl_ctx *ctx, uint32_t domid, const libxl_domain_sched_params *p, const char *parent,
		       int *procs_fd)
{
	char path[LIBXL__CG_PATH_MAX];
	int weight = p->weight == -1 ? LIBXL__WEIGHT_DEFAULT : p->weight, cap = p->cap == -1 ? 0 : p->cap;
	int rc;

	*procs_fd = -1;
	if (!*parent) {
		if (p->weight == -1 && p->cap == -1)
			return 0;
		log_warnx("cpu_weight= and cap= need the domain's cgroup, and cgroup_parent is \"\" (no "
			  "cgroups): set cgroup_parent in xl.conf or remove them");
		return -EOPNOTSUPP;
	}
	rc = libxl__cg_create(parent, domid, path, sizeof(path), p->weight == -1 && p->cap == -1);
	if (rc == -ENOENT && p->weight == -1 && p->cap == -1)
		return 0; /* no cgroup hierarchy here (said): the domain runs without one */
	if (rc < 0)
		return rc;
	rc = libxl__xs_write(ctx, XS_NO_TX, path, "/libxl/%u/cgroup", domid);
	if (rc == 0)
		rc = libxl__cg_set_cpu(path, weight, cap);
	if (rc == 0)
		rc = write_int(ctx, weight, "weight", domid);
	if (rc == 0)
		rc = write_int(ctx, cap, "cap", domid);
	if (rc == 0)
		rc = libxl__cg_procs_fd(path, procs_fd);
	if (rc < 0)
		libxl__cg_remove(path);
	return rc;
}

/* op on the domain's cgroup, as /libxl/<id>/cgroup (dom0's) names it; 0 with none. */
static int on_domain_cgroup(libxl_ctx *ctx, uint32_t domid, int (*op)(const char *path))
{
	char *path = NULL;
	int rc;

	if (libxl__xs_read(ctx, XS_NO_TX, &path, "/libxl/%u/cgroup", domid) < 0)
		return 0;
	rc = op(path);
	free(path);
	return rc;
}

int libxl__sched_cleanup(libxl_ctx *ctx, uint32_t domid)
{
	int rc;

	libxl__cpupool_cleanup(ctx, domid);
	rc = on_domain_cgroup(ctx, domid, libxl__cg_remove);
	if (rc == 0)
		libxl__xs_rm(ctx, XS_NO_TX, "/libxl/%u/cgroup", domid);
	return rc;
}

int libxl__sched_kill(libxl_ctx *ctx, uint32_t domid)
{
	return on_domain_cgroup(ctx, domid, libxl__cg_kill);
}

/* The cgroup of a running domain; -ESRCH (said) when it has none. */
static int domain_cgroup(libxl_ctx *ctx, uint32_t domid, char **path)
{
	int rc = libxl__xs_read(ctx, XS_NO_TX, path, "/libxl/%u/cgroup", domid);

	if (rc == -ENOENT) {
		log_warnx("domain %u has no cgroup (it is not running, or was created with "
			  "cgroup_parent=\"\"): its weight and cap cannot be set",
			  domid);
		return -ESRCH;
	}
	if (rc == 0 && libxl__cg_path_valid(*path) < 0) {
		log_warnx("domain %u: /libxl/%u/cgroup names no domain cgroup", domid, domid);
		free(*path);
		return -EINVAL;
	}
	return rc;
}

int libxl_domain_sched_params_get(libxl_ctx *ctx, uint32_t domid, libxl_domain_sched_params *p)
{
	uint64_t w, c;
	char *path = NULL;
	int rc;

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	rc = domain_cgroup(ctx, domid, &path);
	free(path);
	if (rc < 0)
		return rc;
	rc = libxl__xs_read_u64(ctx, XS_NO_TX, &w, "/libxl/%u/sched/weight", domid);
	if (rc == 0)
		rc = libxl__xs_read_u64(ctx, XS_NO_TX, &c, "/libxl/%u/sched/cap", domid);
	if (rc < 0)
		return rc;
	libxl_domain_sched_params_init(p);
	p->sched = LIBXL_SCHEDULER_CREDIT;
	p->weight = (int)w;
	p->cap = (int)c;
	return 0;
}

int libxl_domain_sched_params_set(libxl_ctx *ctx, uint32_t domid, const libxl_domain_sched_params *p)
{
	libxl_dominfo info;
	char who[32], *path = NULL;
	int rc;

	if (domid == LIBXL_DOMID_HOST) {
		log_warnx("Domain-0 is the host: its scheduling is the host's, not Xenon's to set");
		return -EINVAL;
	}
	rc = libxl_domain_info(ctx, &info, domid);
	if (rc < 0)
		return rc;
	snprintf(who, sizeof(who), "domain %u", domid);
	rc = libxl__sched_params_check(p, (int)info.vcpu_max_id + 1, who);
	if (rc == 0)
		rc = domain_cgroup(ctx, domid, &path);
	if (rc < 0)
		return rc;
	rc = libxl__cg_set_cpu(path, p->weight, p->cap);
	free(path);
	if (rc == 0 && p->weight != -1)
		rc = write_int(ctx, p->weight, "weight", domid);
	if (rc == 0 && p->cap != -1)
		rc = write_int(ctx, p->cap, "cap", domid);
	return rc;
}
