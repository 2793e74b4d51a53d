/*
 * on_poweroff / on_reboot / on_crash = coredump-destroy | coredump-restart
 * (xl.cfg(5)), in the domain's monitor: the domain is created with
 * hold_on for those ends, so that its xenon-hv keeps it, paused, when it
 * ends that way; the monitor then writes its core, as `xl dump-core` does
 * (libxl_domain_core_dump), into the dump directory ($XENON_DUMPDIR,
 * xl.conf's dump_dir, else /var/lib/xen/dump, made if missing), before it
 * releases it and destroys or restarts it. The file is named as xend named
 * its crash dumps, "<date>-<name>.<domid>.core"; a dump that fails is
 * logged and the action goes on.
 */
#include "xl/monitor_dump.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

bool xl_action_is_coredump(libxl_action_on_shutdown a)
{
	return a == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY ||
	       a == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART;
}

unsigned xl_monitor_hold_on(const libxl_domain_config *c)
{
	return (xl_action_is_coredump(c->on_poweroff) ? LIBXL_HOLD_POWEROFF : 0) |
	       (xl_action_is_coredump(c->on_reboot) ? LIBXL_HOLD_REBOOT : 0) |
	       (xl_action_is_coredump(c->on_crash) ? LIBXL_HOLD_CRASH : 0);
}

void xl_monitor_dump_core(libxl_ctx *ctx, uint32_t domid, const char *name)
{
	const char *dir = libxl_dumpdir(ctx);
	char path[512], stamp[32] = "unknown-time";
	time_t now = time(NULL);
	uint64_t bytes = 0;
	struct tm tm;
	int rc;

	if (localtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m%d-%H%M.%S", &tm);
	if (snprintf(path, sizeof(path), "%s/%s-%s.%u.core", dir, stamp, name, domid) >= (int)sizeof(path)) {
		log_warnx("core dump failed: the dump directory %s is too long a path (xl.conf dump_dir, "
			  "$XENON_DUMPDIR)",
			  dir);
		return;
	}
	rc = libxl_ensure_dir(dir);
	if (rc < 0) {
		log_warnx("core dump failed: cannot create the dump directory %s: %s (xl.conf dump_dir, "
			  "$XENON_DUMPDIR)",
			  dir, log_strerror(rc));
		return;
	}
	log_warnx("dumping core to %s", path);
	rc = libxl_domain_core_dump(ctx, domid, path, &bytes);
	if (rc < 0)
		log_warnx("core dump failed: %s; no core written", log_strerror(rc));
	else
		log_warnx("core of domain '%s' (%u) dumped to %s, %llu bytes", name, domid, path,
			  (unsigned long long)bytes);
}
