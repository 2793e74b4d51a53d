/*
 * xl uptime [-s] [Domain...]: how long the host (Domain-0) and each domain
 * have been up, in Xen's format.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

static uint64_t host_uptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static void print_one(const char *name, uint32_t domid, uint64_t up, bool short_mode)
{
	char buf[64], now[16];
	time_t t = time(NULL);
	struct tm tm;

	if (short_mode) {
		localtime_r(&t, &tm);
		strftime(now, sizeof(now), "%H:%M:%S", &tm);
		xl_uptime_string(up, 1, buf, sizeof(buf));
		printf(" %s up %s, %s (%u)\n", now, buf, name, domid);
	} else {
		xl_uptime_string(up, 0, buf, sizeof(buf));
		printf("%-33s %4u %s\n", name, domid, buf);
	}
}

static void print_domain(const libxl_dominfo *d, bool short_mode)
{
	struct timespec ts;
	uint64_t now_ns, up = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (d->start_time_ns && now_ns > d->start_time_ns)
		up = (now_ns - d->start_time_ns) / 1000000000ull;
	print_one(d->name, d->domid, up, short_mode);
}

/* Every domain named, looked up before anything is printed (as Xen's). */
static int resolve_all(libxl_ctx *ctx, int n, char **names, uint32_t *ids)
{
	for (int i = 0; i < n; i++) {
		int rc = xl_find_domain(ctx, "uptime", names[i], &ids[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static int print_named(libxl_ctx *ctx, int n, const uint32_t *ids, bool short_mode)
{
	libxl_dominfo d;
	int rc;

	for (int i = 0; i < n; i++) {
		if (ids[i] == LIBXL_DOMID_HOST) {
			print_one("Domain-0", 0, host_uptime(), short_mode);
			continue;
		}
		rc = libxl_domain_info(ctx, &d, ids[i]);
		if (rc < 0) {
			log_warnx("uptime: domain %u: %s", ids[i], log_strerror(rc));
			return rc;
		}
		print_domain(&d, short_mode);
	}
	return 0;
}

int main_uptime(int argc, char **argv)
{
	bool short_mode = false;
	libxl_dominfo *infos = NULL;
	uint32_t *ids = NULL;
	libxl_ctx *ctx;
	int opt, i, n = 0, rc;

	SWITCH_FOREACH_OPT(opt, "s", NULL, "uptime", 0)
	{
	case 's':
		short_mode = true;
		break;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	n = argc - optind;
	ids = calloc(n ? (size_t)n : 1, sizeof(*ids));
	rc = ids ? resolve_all(ctx, n, argv + optind, ids) : -ENOMEM;
	if (rc == 0 && !short_mode)
		printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
	if (rc == 0 && n == 0) {
		print_one("Domain-0", 0, host_uptime(), short_mode);
		rc = libxl_list_domain(ctx, &infos, &n);
		if (rc < 0)
			log_warnx("uptime: cannot list the domains: %s", log_strerror(rc));
		for (i = 0; rc == 0 && i < n; i++)
			print_domain(&infos[i], short_mode);
		free(infos);
	} else if (rc == 0) {
		rc = print_named(ctx, n, ids, short_mode);
	}
	free(ids);
	libxl_ctx_free(ctx);
	return rc < 0 || fflush(stdout) ? 1 : 0;
}
