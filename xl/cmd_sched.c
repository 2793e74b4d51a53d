/*
 * xl sched-credit [-d <Domain> [-w WEIGHT] [-c CAP]] [-s] [-p CPUPOOL]
 * xl sched-credit2 (the same options): a domain's CPU weight and cap, on the
 * cgroup of its xenon-hv (libxl_domain_sched_params_*), in Xen's output.
 *
 * Both commands act on the same two values: Xenon's scheduler is Linux's,
 * and credit and credit2 have the same weight and cap, so both show every
 * cpupool (Xen shows those of its own scheduler). As Xen's, the domains are
 * listed pool by pool, each after its pool's line; -p shows one pool. -s
 * shows the pools' parameters as Linux has them (its base time slice and
 * migration cost, from debugfs; Linux has no rate limit, 0), or
 * "[sched params unavailable]" as Xen does; they are the host kernel's, the
 * same for every pool, and are never set from here.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DEBUG_SCHED "/sys/kernel/debug/sched/"

struct sched_args {
	const char *cmd, *dom, *pool;
	bool credit2, opt_s, set_param;
	int weight, cap; /* -1: not given */
};

/* A debugfs value in ns, divided by div; -1 when it cannot be read. */
static long kernel_param(const char *name, long div)
{
	char path[128];
	long long v;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), DEBUG_SCHED "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%lld", &v);
	fclose(f);
	return n == 1 && v >= 0 ? (long)(v / div) : -1;
}

static void pool_output(const struct sched_args *a, const char *pool)
{
	long slice = kernel_param("base_slice_ns", 1000000), migr = kernel_param("migration_cost_ns", 1000);

	if (slice < 0 || migr < 0)
		printf("Cpupool %s: [sched params unavailable]\n", pool);
	else if (a->credit2)
		printf("Cpupool %s: ratelimit=%dus\n", pool, 0);
	else
		printf("Cpupool %s: tslice=%ldms ratelimit=%dus migration-delay=%ldus\n", pool, slice, 0,
		       migr);
}

static void header(void)
{
	printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
}

/* One domain's line; 1 when its parameters cannot be read. */
static int domain_output(libxl_ctx *ctx, const struct sched_args *a, uint32_t domid, bool quiet_gone)
{
	libxl_domain_sched_params p;
	char *name;
	int rc = libxl_domain_sched_params_get(ctx, domid, &p);

	if (rc < 0) {
		if (rc == -ESRCH && quiet_gone)
			return 0; /* shut down (kept) or created without a cgroup: no line */
		log_warnx("%s: cannot read the parameters of domain %u: %s", a->cmd, domid, log_strerror(rc));
		return 1;
	}
	name = libxl_domid_to_name(ctx, domid);
	printf("%-33s %5u %6d %4d\n", name ? name : "(unknown)", domid, p.weight, p.cap);
	free(name);
	libxl_domain_sched_params_dispose(&p);
	return 0;
}

/*
 * Pool by pool (only -p's if given): its line, then (without -s) the
 * header and its domains.
 */
static int list_pools(libxl_ctx *ctx, const struct sched_args *a)
{
	libxl_dominfo *infos = NULL;
	libxl_cpupoolinfo *pools;
	int n = 0, nr_pools = 0, rc = a->opt_s ? 0 : libxl_list_domain(ctx, &infos, &n), bad = 0, shown = 0;

	if (rc < 0) {
		log_warnx("%s: cannot list the domains: %s", a->cmd, log_strerror(rc));
		return 1;
	}
	pools = libxl_list_cpupool(ctx, &nr_pools);
	if (!pools) {
		log_warnx("%s: cannot list the cpupools: %s", a->cmd, strerror(errno));
		free(infos);
		return 1;
	}
	for (int p = 0; p < nr_pools; p++) {
		if (a->pool && strcmp(a->pool, pools[p].pool_name))
			continue;
		shown++;
		pool_output(a, pools[p].pool_name);
		if (a->opt_s)
			continue;
		header();
		for (int i = 0; i < n; i++)
			if (infos[i].cpupool == pools[p].poolid)
				bad |= domain_output(ctx, a, infos[i].domid, true);
	}
	if (a->pool && !shown) {
		log_warnx("%s: unknown cpupool '%s' (xl cpupool-list shows them)", a->cmd, a->pool);
		bad = 1;
	}
	libxl_cpupoolinfo_list_free(pools, nr_pools);
	free(infos);
	return bad;
}

static int set_domain(libxl_ctx *ctx, const struct sched_args *a, uint32_t domid)
{
	libxl_domain_sched_params p;
	int rc;

	libxl_domain_sched_params_init(&p);
	p.sched = a->credit2 ? LIBXL_SCHEDULER_CREDIT2 : LIBXL_SCHEDULER_CREDIT;
	p.weight = a->weight;
	p.cap = a->cap;
	rc = libxl_domain_sched_params_set(ctx, domid, &p);
	libxl_domain_sched_params_dispose(&p);
	if (rc == -ETIMEDOUT)
		xl_say_not_answering(a->cmd, a->dom);
	else if (rc < 0)
		log_warnx("%s: the parameters of domain '%s' were not changed (%s)", a->cmd, a->dom,
			  log_strerror(rc));
	return rc < 0;
}

/* A number option in range lo..hi (the library checks the cap against the vCPUs). */
static int number(const struct sched_args *a, const char *opt, const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		xl_usage_error(a->cmd, "%s takes a number from %ld to %ld, not '%s'", opt, lo, hi, s);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

/* The option combinations Xen's xl refuses, with its messages. */
static int check_combination(const struct sched_args *a)
{
	bool dom_opts = a->dom || a->weight != -1 || a->cap != -1;

	if ((a->pool || a->opt_s) && dom_opts) {
		xl_usage_error(a->cmd,
			       "Specifying a cpupool or schedparam is not allowed with domain options.");
		return -EINVAL;
	}
	if (!a->dom && (a->weight != -1 || a->cap != -1)) {
		xl_usage_error(a->cmd, "Must specify a domain.");
		return -EINVAL;
	}
	if (a->set_param && !a->opt_s) {
		xl_usage_error(a->cmd, "Must specify schedparam to set schedule parameter values.");
		return -EINVAL;
	}
	if (a->set_param) {
		log_warnx("%s: the scheduler's time slice, rate limit and migration delay are the host "
			  "kernel's (Linux's scheduler): Xenon does not set them; see sysctl(8)",
			  a->cmd);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int sched_main(int argc, char **argv, struct sched_args *a)
{
	static const struct option longopts[] = {{"domain", required_argument, NULL, 'd'},
						 {"weight", required_argument, NULL, 'w'},
						 {"cap", required_argument, NULL, 'c'},
						 {"schedparam", no_argument, NULL, 's'},
						 {"tslice_ms", required_argument, NULL, 't'},
						 {"ratelimit_us", required_argument, NULL, 'r'},
						 {"migration_delay_us", required_argument, NULL, 'm'},
						 {"cpupool", required_argument, NULL, 'p'},
						 {NULL, 0, NULL, 0}};
	libxl_ctx *ctx;
	uint32_t domid;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "d:w:c:st:r:m:p:", longopts, a->cmd, 0)
	{
	case 'd':
		a->dom = optarg;
		break;
	case 'w':
		if (number(a, "-w", optarg, 1, 65535, &a->weight) < 0)
			return 1;
		break;
	case 'c':
		if (number(a, "-c", optarg, 0, 100 * 4096, &a->cap) < 0)
			return 1;
		break;
	case 's':
		a->opt_s = true;
		break;
	case 't':
	case 'r':
	case 'm':
		a->set_param = true;
		break;
	case 'p':
		a->pool = optarg;
		break;
	}
	if (xl_too_many_args(argc, argv, a->cmd, 0) || check_combination(a) < 0)
		return 1;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	if (!a->dom)
		rc = list_pools(ctx, a);
	else if (xl_find_guest(ctx, a->cmd, a->dom, &domid,
			       "Domain-0 is the host: its scheduling is the host's, not Xenon's") < 0)
		rc = 1;
	else if (a->weight == -1 && a->cap == -1) {
		header();
		rc = domain_output(ctx, a, domid, false);
	} else
		rc = set_domain(ctx, a, domid);
	libxl_ctx_free(ctx);
	return rc;
}

int main_sched_credit(int argc, char **argv)
{
	struct sched_args a = {.cmd = "sched-credit", .weight = -1, .cap = -1};

	return sched_main(argc, argv, &a);
}

int main_sched_credit2(int argc, char **argv)
{
	struct sched_args a = {.cmd = "sched-credit2", .credit2 = true, .weight = -1, .cap = -1};

	return sched_main(argc, argv, &a);
}
