/*
 * vCPU hotplug the Xen way (xl vcpu-set) and xl sysrq: both are requests
 * to the guest through its xenstore home. libxl_set_vcpuonline writes
 * cpu/<n>/availability = online|offline for every vCPU the domain was built
 * with (maxvcpus, from the stored configuration, which dom0 owns) and keeps
 * the configuration's avail_vcpus in step (a reboot keeps the count), in
 * one transaction; the guest takes its
 * vCPUs down and up, and xenon-hv reports them (libxl_list_vcpu).
 * libxl_send_sysrq writes control/sysrq, which the guest reads and clears.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>

#include "hypervisor/hvctl.h"
#include "log.h"

struct online_req {
	uint32_t domid;
	unsigned max; /* maxvcpus, from the stored configuration */
	const libxl_bitmap *map;
};

static int check_online_map(uint32_t domid, const libxl_bitmap *map, unsigned max)
{
	for (unsigned i = max; i < libxl_bitmap_nr_bits(map); i++)
		if (libxl_bitmap_test(map, i)) {
			log_warnx("domain %u was built with maxvcpus=%u: vCPU %u cannot be brought online "
				  "(at most %u vCPUs; raise maxvcpus= in its configuration and restart it)",
				  domid, max, i, max);
			return -EINVAL;
		}
	if (!libxl_bitmap_test(map, 0)) {
		log_warnx("domain %u: vCPU 0 must stay online: give at least 1 vCPU", domid);
		return -EINVAL;
	}
	return 0;
}

/* The stored configuration's avail_vcpus, after the map is checked against its maxvcpus. */
static int set_avail(libxl_domain_config *cfg, void *arg)
{
	struct online_req *r = arg;
	libxl_bitmap *avail = &cfg->b_info.avail_vcpus;
	int rc;

	r->max = cfg->b_info.max_vcpus > 0 ? (unsigned)cfg->b_info.max_vcpus : 1;
	if (r->max > HVCTL_MAX_VCPUS)
		r->max = HVCTL_MAX_VCPUS;
	rc = check_online_map(r->domid, r->map, r->max);
	libxl_bitmap_dispose(avail);
	if (rc == 0)
		rc = libxl_bitmap_alloc(avail, r->max);
	for (unsigned i = 0; rc == 0 && i < r->max; i++)
		if (libxl_bitmap_test(r->map, i))
			rc = libxl_bitmap_set(avail, i);
	return rc;
}

static int online_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	struct online_req *r = arg;
	int rc;

	r->max = 0;
	rc = libxl__config_edit(ctx, tx, r->domid, set_avail, r);
	if (rc == 0 && r->max == 0) {
		log_warnx("domain %u has no stored configuration: its maxvcpus is unknown", r->domid);
		rc = -ENOENT;
	}
	for (unsigned i = 0; rc == 0 && i < r->max; i++)
		rc = libxl__xs_write(ctx, tx, libxl_bitmap_test(r->map, i) ? "online" : "offline",
				     "/local/domain/%u/cpu/%u/availability", r->domid, i);
	return rc;
}

int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, const libxl_bitmap *cpumap)
{
	struct online_req r = {.domid = domid, .map = cpumap};

	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	if (libxl__xs_exists(ctx, XS_NO_TX, "/local/domain/%u", domid) != 1)
		return -ESRCH;
	return libxl__xs_transact(ctx, online_tx, &r);
}

int libxl_send_sysrq(libxl_ctx *ctx, uint32_t domid, char sysrq)
{
	char key[2] = {sysrq, '\0'};

	if (domid == LIBXL_DOMID_HOST || sysrq < '!' || sysrq > '~')
		return -EINVAL;
	if (libxl__xs_exists(ctx, XS_NO_TX, "/local/domain/%u/control", domid) != 1)
		return -ESRCH;
	return libxl__xs_write(ctx, XS_NO_TX, key, "/local/domain/%u/control/sysrq", domid);
}
