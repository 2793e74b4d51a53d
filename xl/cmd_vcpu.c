/*
 * xl vcpu-list [<Domain>...]: every vCPU, as Xen prints it (Name, ID, VCPU,
 * CPU, State, Time(s), Affinity (Hard / Soft)).
 * xl vcpu-pin [-f|--force] <Domain> <VCPU|all> <Hard affinity> [<Soft affinity>]:
 * CPU lists as cpus= in xl.cfg(5); "-" leaves one as it is.
 */
#include "xl/cfg_domain.h"
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void print_vcpu(const char *name, uint32_t domid, const libxl_vcpuinfo *v, unsigned nr_cpus)
{
	printf("%-32s %5u %5u", name, domid, v->vcpuid);
	if (!v->online)
		printf("%5c %3c%cp ", '-', '-', '-');
	else
		printf("%5u %3c%c- ", v->cpu, v->running ? 'r' : '-', v->blocked ? 'b' : '-');
	printf("%9.1f  ", (double)v->vcpu_time / 1e9);
	xl_print_bitmap(&v->cpumap, nr_cpus);
	fputs(" / ", stdout);
	xl_print_bitmap(&v->cpumap_soft, nr_cpus);
	putchar('\n');
}

/* One domain's vCPUs; quiet about one that has gone (listed with the others). */
static int list_domain(libxl_ctx *ctx, uint32_t domid, bool quiet_gone)
{
	int nr, nr_cpus;
	libxl_vcpuinfo *v = libxl_list_vcpu(ctx, domid, &nr, &nr_cpus);
	char *name;

	if (!v) {
		if (quiet_gone && errno == ESRCH)
			return 0;
		log_warnx("vcpu-list: cannot list the vCPUs of domain %u: %s%s", domid, strerror(errno),
			  errno == ESRCH ? " (it is not running)" : "");
		return 1;
	}
	name = libxl_domid_to_name(ctx, domid);
	for (int i = 0; i < nr; i++)
		print_vcpu(name ? name : "(unknown)", domid, &v[i], (unsigned)nr_cpus);
	free(name);
	libxl_vcpuinfo_list_free(v, nr);
	return 0;
}

int main_vcpu_list(int argc, char **argv)
{
	libxl_dominfo *infos = NULL;
	libxl_ctx *ctx;
	uint32_t domid;
	int opt, n = 0, rc = 0;

	SWITCH_FOREACH_OPT(opt, "", NULL, "vcpu-list", 0)
	{
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
	       "Affinity (Hard / Soft)");
	if (optind >= argc) {
		if (libxl_list_domain(ctx, &infos, &n) < 0) {
			log_warnx("vcpu-list: cannot list the domains");
			rc = 1;
		}
		for (int i = 0; i < n; i++)
			rc |= list_domain(ctx, infos[i].domid, true);
		free(infos);
	}
	for (; optind < argc; optind++) {
		if (xl_find_guest(ctx, "vcpu-list", argv[optind], &domid,
				  "Domain-0 is the host: its CPUs are the host's (see /proc/cpuinfo)") < 0)
			rc = 1;
		else
			rc |= list_domain(ctx, domid, false);
	}
	libxl_ctx_free(ctx);
	return rc;
}

/* "-": NULL (unchanged); else the parsed CPU list into map. */
static int parse_map(const char *what, const char *s, libxl_bitmap *map, libxl_bitmap **out)
{
	char err[CFG_ERR_MAX] = "";

	*out = NULL;
	if (!strcmp(s, "-"))
		return 0;
	if (xl_parse_cpurange(s, map, err) < 0) {
		xl_usage_error("vcpu-pin", "%s affinity \"%s\": %s", what, s, err);
		return -EINVAL;
	}
	*out = map;
	return 0;
}

/* "all" (-1) or a vCPU number. */
static int parse_vcpu(const char *s, long *vcpu)
{
	char *end;

	if (!strcmp(s, "all")) {
		*vcpu = -1;
		return 0;
	}
	errno = 0;
	*vcpu = strtol(s, &end, 10);
	if (errno || end == s || *end || *vcpu < 0 || *vcpu > 4095) {
		xl_usage_error("vcpu-pin", "'%s' is not a vCPU number or 'all'", s);
		return -EINVAL;
	}
	return 0;
}

static int pin(libxl_ctx *ctx, uint32_t domid, long vcpu, const libxl_bitmap *hard, const libxl_bitmap *soft)
{
	libxl_dominfo info;
	int rc = libxl_domain_info(ctx, &info, domid);

	if (rc == 0 && vcpu > (long)info.vcpu_max_id) {
		log_warnx("vcpu-pin: domain %u has vCPUs 0 to %u: there is no vCPU %ld", domid,
			  info.vcpu_max_id, vcpu);
		return -EINVAL;
	}
	if (rc == 0)
		rc = vcpu < 0 ? libxl_set_vcpuaffinity_all(ctx, domid, info.vcpu_max_id + 1, hard, soft)
			      : libxl_set_vcpuaffinity(ctx, domid, (uint32_t)vcpu, hard, soft);
	return rc;
}

int main_vcpu_pin(int argc, char **argv)
{
	static const struct option longopts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	libxl_bitmap hard_map, soft_map, *hard, *soft = NULL;
	libxl_ctx *ctx;
	uint32_t domid;
	long vcpu;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "f", longopts, "vcpu-pin", 3)
	{
	case 'f':
		break; /* Xen's dom0 override; nothing overrides pinning here */
	}
	if (xl_too_many_args(argc, argv, "vcpu-pin", 4))
		return 1;
	libxl_bitmap_init(&hard_map);
	libxl_bitmap_init(&soft_map);
	rc = parse_vcpu(argv[optind + 1], &vcpu);
	if (rc == 0)
		rc = parse_map("hard", argv[optind + 2], &hard_map, &hard);
	if (rc == 0 && optind + 3 < argc)
		rc = parse_map("soft", argv[optind + 3], &soft_map, &soft);
	ctx = rc == 0 ? xl_ctx_open() : NULL;
	if (ctx) {
		rc = xl_find_guest(ctx, "vcpu-pin", argv[optind], &domid,
				   "Domain-0 is the host: pin host processes with taskset(1)");
		if (rc == 0) {
			rc = pin(ctx, domid, vcpu, hard, soft);
			if (rc < 0 && rc != -EINVAL)
				log_warnx("vcpu-pin: domain '%s' was not pinned: %s", argv[optind],
					  log_strerror(rc));
		}
		libxl_ctx_free(ctx);
	}
	libxl_bitmap_dispose(&hard_map);
	libxl_bitmap_dispose(&soft_map);
	return rc < 0 || !ctx;
}
