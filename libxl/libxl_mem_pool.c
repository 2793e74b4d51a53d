/*
 * A domain's RAM from the host's hugetlb pool (xl.conf memory_pool,
 * xenon-hv --memory-pool): the pages an administrator reserves for guests
 * (vm.nr_hugepages), as Xen's domains take memory the hypervisor owns
 * rather than dom0's. The pool's pages stay backed once handed out, which
 * on a host that is itself a guest spares a restore or a migration's
 * target the first touch of fresh memory (bench/RESULTS.md). xenon-hv
 * reserves the whole RAM as it builds the domain, so a pool domain never
 * grows past what it was given: it has nothing outstanding (claims).
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>

#include "hypervisor/hvctl.h"
#include "log.h"

/* hvctl_info's memory_pool says the same as libxl's */
_Static_assert(LIBXL_MEMORY_POOL_HOST == HVCTL_MEMORY_POOL_HOST &&
		   LIBXL_MEMORY_POOL_HUGETLB == HVCTL_MEMORY_POOL_HUGETLB,
	       "libxl's and xenon-hv's pool numbers");

#define POOL_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define PAGE_KIB 2048ULL

static uint64_t pool_count(const char *name)
{
	FILE *fp = fopen(name, "re");
	unsigned long long v = 0;

	if (!fp)
		return 0;
	if (fscanf(fp, "%llu", &v) != 1)
		v = 0;
	fclose(fp);
	return v;
}

uint64_t libxl__pool_free_kib(void)
{
	uint64_t free_pages = pool_count(POOL_DIR "free_hugepages"),
		 resv = pool_count(POOL_DIR "resv_hugepages");

	return free_pages > resv ? (free_pages - resv) * PAGE_KIB : 0;
}

/* Can the pool hold need_kib? 0, or why not (-EINVAL, -ENOMEM), said when say is set. */
static int pool_fits(const char *name, uint64_t need_kib, bool say)
{
	uint64_t free_kib = libxl__pool_free_kib();

	if (need_kib % PAGE_KIB) {
		if (say)
			log_warnx(
			    "domain '%s': memory_pool=\"hugetlb\" gives RAM in 2 MiB pages, and maxmem= "
			    "%llu KiB is not a whole number of them: give an even number of MiB",
			    name, (unsigned long long)need_kib);
		return -EINVAL;
	}
	if (need_kib > free_kib) {
		if (say)
			log_warnx(
			    "domain '%s' does not fit in the hugetlb pool (xl.conf memory_pool=\"hugetlb\"): "
			    "it needs %llu MiB, the pool has %llu MiB free (%s): raise vm.nr_hugepages, "
			    "give less memory, or set memory_pool=\"auto\"",
			    name, (unsigned long long)(need_kib / 1024),
			    (unsigned long long)(free_kib / 1024), POOL_DIR "free_hugepages");
		return -ENOMEM;
	}
	return 0;
}

int libxl__mem_pool_pick(libxl_ctx *ctx, const libxl_domain_config *cfg, int mode, bool count_claims,
			 int *pool)
{
	const char *name = cfg->c_info.name;
	uint64_t need = cfg->b_info.max_memkb; /* the pool's pages are reserved for the whole RAM */
	int rc;

	if (mode == LIBXL_MEMORY_POOL_HUGETLB || mode == LIBXL_MEMORY_POOL_AUTO) {
		rc = pool_fits(name, need, mode == LIBXL_MEMORY_POOL_HUGETLB);
		if (rc == 0 || mode == LIBXL_MEMORY_POOL_HUGETLB) {
			*pool = LIBXL_MEMORY_POOL_HUGETLB;
			return rc;
		}
	}
	*pool = LIBXL_MEMORY_POOL_HOST;
	return libxl__mem_claim(ctx, name, cfg->b_info.target_memkb, count_claims);
}
