/*
 * libxl_domain_save: the domain's xenon-hv writes its stream
 * (xenon-migration(7)) onto the caller's fd, passed over the control socket
 * if it is a pipe or a socket; into a file (xl save) it writes into a pipe
 * and libxl moves the stream into the file (libxl_save_relay.c), so that it
 * cannot reach back over what the caller wrote there before.
 * Without LIBXL_SAVE_CONTINUE the domain then ends; its monitor sees
 * LIBXL_DEATH_SAVED and cleans up, which is waited for here.
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

#define SAVE_GONE_TIMEOUT_MS 10000

#define SAVE_FLAGS (LIBXL_SAVE_CONTINUE | LIBXL_SAVE_LIVE | LIBXL_SAVE_PAUSED)

/*
 * EPIPE is either end's: the stream's reader went away (a receiver that
 * died, a connection cut: the domain is still there, paused or running)
 * or the domain's xenon-hv did (ESRCH, as for any call on a gone domain).
 */
static bool hv_answers(libxl_ctx *ctx, uint32_t domid)
{
	return libxl__dev_domain_paused(ctx, domid) >= 0; /* paused or running: it answered */
}

int libxl_domain_save(libxl_ctx *ctx, uint32_t domid, int fd, unsigned flags, libxl_save_stats *stats)
{
	return libxl_domain_save_live(ctx, domid, fd, flags, 0, stats);
}

/* vCPUs taken offline (xl vcpu-set) cannot be carried by the stream yet: said, -EOPNOTSUPP. */
static int check_vcpus_online(libxl_ctx *ctx, uint32_t domid)
{
	libxl_domain_config cfg;
	unsigned online;
	int rc;

	libxl_domain_config_init(&cfg);
	rc = libxl_retrieve_domain_configuration(ctx, domid, &cfg);
	online = libxl_bitmap_count_set(&cfg.b_info.avail_vcpus);
	if (rc == 0 && online && online < (unsigned)cfg.b_info.max_vcpus) {
		log_warnx("save: domain %u has %u of its %d vCPUs online, and a saved stream cannot carry "
			  "offline vCPUs yet: bring them online first (xl vcpu-set %u %d)",
			  domid, online, cfg.b_info.max_vcpus, domid, cfg.b_info.max_vcpus);
		rc = -EOPNOTSUPP;
	}
	libxl_domain_config_dispose(&cfg);
	return rc < 0 && rc != -EOPNOTSUPP ? 0 : rc; /* no configuration: xenon-hv checks too */
}

int libxl_domain_save_live(libxl_ctx *ctx, uint32_t domid, int fd, unsigned flags, uint32_t max_downtime_ms,
			   libxl_save_stats *stats)
{
	return libxl_domain_save_gated(ctx, domid, fd, -1, flags, max_downtime_ms, stats);
}

int libxl_domain_save_gated(libxl_ctx *ctx, uint32_t domid, int fd, int gate_fd, unsigned flags,
			    uint32_t max_downtime_ms, libxl_save_stats *stats)
{
	struct hvctl_save_req req = {.flags = ((flags & LIBXL_SAVE_CONTINUE) ? HVCTL_SAVE_CONTINUE : 0) |
					      ((flags & LIBXL_SAVE_LIVE) ? HVCTL_SAVE_LIVE : 0) |
					      ((flags & LIBXL_SAVE_PAUSED) ? HVCTL_SAVE_PAUSED : 0) |
					      (gate_fd >= 0 ? HVCTL_SAVE_GATE : 0),
				     .max_downtime_ms = (flags & LIBXL_SAVE_LIVE) ? max_downtime_ms : 0};
	struct hvctl_save_result res;
	int hv, rc;

	if (domid == LIBXL_DOMID_HOST || (flags & ~SAVE_FLAGS) || (gate_fd >= 0 && !(flags & LIBXL_SAVE_LIVE)))
		return -EINVAL;
	rc = check_vcpus_online(ctx, domid);
	if (rc < 0)
		return rc;
	rc = libxl__hv_connect(ctx, domid, &hv);
	if (rc < 0)
		return rc;
	if (gate_fd >= 0)
		rc = hvctl_save_gated(hv, &req, fd, gate_fd, &res);
	else if (libxl__save_needs_relay(fd))
		rc = libxl__save_relayed(hv, &req, fd, &res); /* a file: xenon-hv never holds it */
	else
		rc = hvctl_save(hv, &req, fd, &res);
	close(hv);
	if (rc < 0)
		return rc == -EPIPE && !hv_answers(ctx, domid) ? -ESRCH : rc;
	if (stats)
		*stats = (libxl_save_stats){res.bytes,	  res.frames,	   res.zero_frames,
					    res.total_ns, res.downtime_ns, res.rounds};
	if (flags & LIBXL_SAVE_CONTINUE)
		return 0;
	rc = libxl_domain_wait_gone(ctx, domid, SAVE_GONE_TIMEOUT_MS);
	if (rc < 0)
		log_warnx("domain %u was saved, but its monitor has not removed it yet (%s): xl destroy %u",
			  domid, log_strerror(rc), domid);
	return 0;
}
