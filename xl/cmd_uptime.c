/*
 * xl uptime [-s] [Domain...]: how long the host (Domain-0) and each domain
 * have been up, in Xen's format.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

int main_uptime(int argc, char **argv)
{
	bool short_mode = false;
	libxl_dominfo *infos = NULL, d;
	libxl_ctx *ctx;
	int opt, i, n = 0, rc = 0;
	uint32_t domid;

	SWITCH_FOREACH_OPT(opt, "s", NULL, "uptime", 0)
	{
	case 's':
		short_mode = true;
		break;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	if (!short_mode)
		printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
	if (optind == argc) {
		print_one("Domain-0", 0, host_uptime(), short_mode);
		rc = libxl_list_domain(ctx, &infos, &n);
		for (i = 0; i < n; i++)
			print_domain(&infos[i], short_mode);
		free(infos);
	}
	for (i = optind; i < argc && rc == 0; i++) {
		rc = xl_find_domain(ctx, "uptime", argv[i], &domid);
		if (rc == 0 && domid == LIBXL_DOMID_HOST)
			print_one("Domain-0", 0, host_uptime(), short_mode);
		else if (rc == 0 && (rc = libxl_domain_info(ctx, &d, domid)) == 0)
			print_domain(&d, short_mode);
	}
	libxl_ctx_free(ctx);
	return rc < 0;
}
