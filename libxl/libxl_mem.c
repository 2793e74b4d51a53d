/*
 * Memory (issue 14), the Xen way: a domain's balloon target is its
 * memory/target (KiB) in xenstore, which the guest's balloon driver follows;
 * its ceiling is memory/static-max and xenon-hv's limit (HVCTL_MEM_MAX: the
 * guest cannot take back more). Claims: a new domain must fit in what the
 * host has free, less what running domains may still grow to.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

static int read_kib(libxl_ctx *ctx, uint32_t domid, const char *node, uint64_t *kib)
{
	int rc = libxl__xs_read_u64(ctx, XS_NO_TX, kib, "/local/domain/%u/memory/%s", domid, node);

	if (rc < 0)
		log_warnx("domain %u: cannot read its memory/%s: %s", domid, node, log_strerror(rc));
	return rc;
}

static int hv_limit(libxl_ctx *ctx, uint32_t domid, uint64_t kib)
{
	int fd, rc = libxl__hv_connect(ctx, domid, &fd);

	if (rc < 0)
		return rc;
	rc = hvctl_mem_max(fd, kib);
	close(fd);
	return rc == -EPIPE ? -ESRCH : rc;
}

/* The RAM xenon-hv built the domain with: no ceiling can be above it. */
static int check_ram(libxl_ctx *ctx, uint32_t domid, const char *what, uint64_t kib)
{
	struct hvctl_info info;
	int rc = libxl__hv_info(ctx, domid, &info);

	if (rc < 0) {
		log_warnx("domain %u: xenon-hv did not answer: %s", domid, log_strerror(rc));
		return rc;
	}
	if (kib > info.mem_kib) {
		log_warnx(
		    "domain %u: %s %llu MiB is above the %llu MiB of RAM it was created with (maxmem=): "
		    "Xenon cannot grow a domain beyond that; give at most %llu MiB",
		    domid, what, (unsigned long long)(kib / 1024), (unsigned long long)(info.mem_kib / 1024),
		    (unsigned long long)(info.mem_kib / 1024));
		return -EINVAL;
	}
	return 0;
}

int libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid, int64_t target_memkb, int relative, int enforce)
{
	uint64_t max, cur, target;
	char buf[24];
	int rc;

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	if ((rc = read_kib(ctx, domid, "static-max", &max)) < 0 ||
	    (rc = read_kib(ctx, domid, "target", &cur)) < 0)
		return rc;
	if (relative && target_memkb < 0 && (uint64_t)-target_memkb > cur) {
		log_warnx("domain %u: cannot lower its target of %llu MiB by %llu MiB", domid,
			  (unsigned long long)(cur / 1024), (unsigned long long)(-target_memkb / 1024));
		return -EINVAL;
	}
	target = relative ? cur + (uint64_t)target_memkb : (uint64_t)target_memkb;
	if ((!relative && target_memkb < 0) || target > max) {
		log_warnx(
		    "domain %u: memory target %lld MiB is above its maximum of %llu MiB (memory/static-max): "
		    "raise the maximum first with 'xl mem-max'",
		    domid, (long long)((int64_t)target / 1024), (unsigned long long)(max / 1024));
		return -EINVAL;
	}
	/* enforce, as Xen: the guest may not take back more than its target */
	if (enforce && (rc = hv_limit(ctx, domid, target)) < 0) {
		log_warnx("domain %u: xenon-hv refused the limit of %llu MiB: %s", domid,
			  (unsigned long long)(target / 1024), log_strerror(rc));
		return rc;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)target);
	rc = libxl__xs_write(ctx, XS_NO_TX, buf, "/local/domain/%u/memory/target", domid);
	if (rc < 0) {
		log_warnx("domain %u: cannot write its memory/target: %s", domid, log_strerror(rc));
		if (enforce)
			hv_limit(ctx, domid, cur > target ? cur : target);
	}
	return rc;
}

int libxl_get_memory_target(libxl_ctx *ctx, uint32_t domid, uint64_t *out_target)
{
	return read_kib(ctx, domid, "target", out_target);
}

int libxl_domain_setmaxmem(libxl_ctx *ctx, uint32_t domid, uint64_t max_memkb)
{
	uint64_t target;
	char buf[24];
	int rc;

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	if ((rc = read_kib(ctx, domid, "target", &target)) < 0)
		return rc;
	if (max_memkb < target) {
		log_warnx(
		    "domain %u: maximum %llu MiB is below its memory target of %llu MiB: lower the target "
		    "first with 'xl mem-set'",
		    domid, (unsigned long long)(max_memkb / 1024), (unsigned long long)(target / 1024));
		return -EINVAL;
	}
	if ((rc = check_ram(ctx, domid, "maximum", max_memkb)) < 0)
		return rc;
	rc = hv_limit(ctx, domid, max_memkb);
	if (rc < 0) {
		log_warnx("domain %u: xenon-hv refused the maximum of %llu MiB: %s", domid,
			  (unsigned long long)(max_memkb / 1024), log_strerror(rc));
		return rc;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)max_memkb);
	rc = libxl__xs_write(ctx, XS_NO_TX, buf, "/local/domain/%u/memory/static-max", domid);
	if (rc < 0)
		log_warnx("domain %u: cannot write its memory/static-max: %s", domid, log_strerror(rc));
	return rc;
}

static uint64_t outstanding_kib(libxl_ctx *ctx, uint32_t domid)
{
	struct hvctl_info info;
	uint64_t target = 0;

	if (libxl__xs_read_u64(ctx, XS_NO_TX, &target, "/local/domain/%u/memory/target", domid) < 0)
		target = 0;
	if (libxl__hv_info(ctx, domid, &info) < 0)
		return 0; /* gone: its memory is the host's again */
	return libxl__mem_outstanding(&info, target);
}

int libxl__mem_free_kib(libxl_ctx *ctx, uint64_t avail_kib, uint64_t *free_kib, uint64_t *claimed_kib)
{
	uint32_t *ids = NULL;
	unsigned n = 0;
	uint64_t claimed = 0;
	int rc = libxl__xs_domids(ctx, XS_NO_TX, &ids, &n);

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < n; i++)
		if (ids[i] != LIBXL_DOMID_HOST)
			claimed += outstanding_kib(ctx, ids[i]);
	free(ids);
	*claimed_kib = claimed;
	*free_kib = avail_kib > claimed ? avail_kib - claimed : 0;
	return 0;
}

int libxl__mem_claim(libxl_ctx *ctx, const char *name, uint64_t need_kib, bool count_claims)
{
	libxl_physinfo p;
	uint64_t avail, claimed = 0, free_kib;
	char why[192];
	int rc;

	libxl__physinfo_mem(&p);
	avail = free_kib = p.free_kib;
	rc = count_claims ? libxl__mem_free_kib(ctx, avail, &free_kib, &claimed) : 0;
	if (rc < 0)
		return rc;
	if (need_kib <= free_kib)
		return 0;
	if (count_claims)
		snprintf(why, sizeof(why),
			 "%llu MiB free (%llu MiB available less %llu MiB the running domains may still use)",
			 (unsigned long long)(free_kib / 1024), (unsigned long long)(avail / 1024),
			 (unsigned long long)(claimed / 1024));
	else
		snprintf(why, sizeof(why),
			 "%llu MiB available (claim_mode=0: what the running domains may still use is not counted)",
			 (unsigned long long)(avail / 1024));
	log_warnx("domain '%s' does not fit: memory=%llu MiB, but the host has %s; "
		  "give less memory= or shrink other domains with 'xl mem-set'",
		  name, (unsigned long long)(need_kib / 1024), why);
	return -ENOMEM;
}
