/*
 * xl list [-l] [-v] [-Z] [-c] [-n] [Domain...]: Xen's columns and state
 * letters, with a Domain-0 line for the host; -v and -Z add the security
 * label (always "-": Xenon has no XSM), -c the cpupool, -n the NUMA node
 * affinity (libxl_domain_get_nodeaffinity); -l prints JSON: for each
 * domain its domid, (beyond Xen) its live state and CPU time, and its
 * configuration (read back from xenstore and printed again, as Xen's xl
 * does), and a "status" saying why when its xenon-hv could not tell the
 * state (gone, stopped). xl claims: the table with Xen's Claimed column.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"
#include "xl/xl_conf.h"
#include "xl/xl_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "hypervisor/hvctl.h"
#include "log.h"

static void host_info(libxl_dominfo *d)
{
	libxl_physinfo p;

	memset(d, 0, sizeof(*d));
	libxl_get_physinfo(NULL, &p); /* total and CPUs: no claims, no round trip per domain */
	snprintf(d->name, sizeof(d->name), "Domain-0");
	d->running = true;
	d->current_memkb = p.total_kib;
	d->vcpu_online = p.nr_cpus;
	d->cpu_time = p.host_cpu_time_ns;
}

/* What the table shows beyond Xen's first columns. */
struct columns {
	bool verbose, context, claims, cpupool, numa;
	libxl_cpupoolinfo *pools; /* with cpupool */
	int npools;
	libxl_ctx *ctx;	   /* with numa */
	unsigned nr_nodes; /* with numa */
};

static const char *pool_name(const struct columns *c, uint32_t poolid)
{
	for (int i = 0; i < c->npools; i++)
		if (c->pools[i].poolid == poolid)
			return c->pools[i].pool_name;
	return "-"; /* gone since the domain was listed */
}

/* The NODE Affinity column: every node for the host; "-" when xenon-hv is gone. */
static void print_nodes(const struct columns *c, uint32_t domid)
{
	libxl_bitmap nodes;
	int rc;

	libxl_bitmap_init(&nodes);
	rc = domid == LIBXL_DOMID_HOST ? libxl_node_bitmap_alloc(c->ctx, &nodes, (int)c->nr_nodes)
				       : libxl_domain_get_nodeaffinity(c->ctx, domid, &nodes);
	if (rc == 0 && domid == LIBXL_DOMID_HOST)
		libxl_bitmap_set_any(&nodes);
	putchar(' ');
	if (rc < 0)
		putchar('-');
	else
		xl_print_bitmap(&nodes, c->nr_nodes);
	libxl_bitmap_dispose(&nodes);
}

static void print_line(const libxl_dominfo *d, const struct columns *c)
{
	char state[7], uuid[LIBXL_UUID_FMTLEN + 1];

	libxl_dominfo_state(d, state);
	printf("%-40s %5u %5lu %5u     %s  %8.1f", d->name, d->domid,
	       (unsigned long)(d->current_memkb / 1024), d->vcpu_online, state, (double)d->cpu_time / 1e9);
	if (c->verbose) {
		libxl_uuid_to_string(&d->uuid, uuid);
		printf(" %s", uuid);
		if (d->shutdown)
			printf(" %8x", (unsigned)d->shutdown_reason);
		else
			printf(" %8s", "-");
	}
	if (c->claims)
		printf(" %5lu", (unsigned long)(d->outstanding_memkb / 1024));
	if (c->verbose || c->context)
		printf(" %16s", "-");
	if (c->cpupool)
		printf("%16s", pool_name(c, d->cpupool));
	if (c->numa)
		print_nodes(c, d->domid);
	putchar('\n');
}

static void print_table(const libxl_dominfo *infos, int n, bool with_host, const struct columns *c)
{
	libxl_dominfo host;
	int i;

	printf("Name                                        ID   Mem VCPUs\tState\tTime(s)");
	if (c->verbose)
		printf("   UUID                            Reason-Code\tSecurity Label");
	if (c->context && !c->verbose)
		printf("   Security Label");
	if (c->claims)
		printf("  Claimed");
	if (c->cpupool)
		printf("         Cpupool");
	if (c->numa)
		printf(" NODE Affinity");
	putchar('\n');
	if (with_host) {
		host_info(&host);
		print_line(&host, c);
	}
	for (i = 0; i < n; i++)
		print_line(&infos[i], c);
}

/* ---- -l: JSON ---- */

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_seconds(yajl_gen g, uint64_t ns)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%.3f", (double)ns / 1e9);

	yajl_gen_number(g, buf, (size_t)n);
}

static const char *state_word(const libxl_dominfo *d)
{
	if (d->dying)
		return "dying";
	if (d->crashed)
		return "crashed";
	if (d->shutdown)
		return "shutdown";
	if (d->paused)
		return "paused";
	if (d->blocked)
		return "blocked";
	return "running";
}

/* {"measures": ["user", ...], "uid": N, "gid": N}, or null when xenon-hv did not say. */
static void gen_sandbox(yajl_gen g, const libxl_dominfo *d)
{
	static const char *const names[] = HVCTL_SANDBOX_NAMES;

	if (!d->sandbox_known || !d->hv_pid) {
		yajl_gen_null(g);
		return;
	}
	yajl_gen_map_open(g);
	gen_str(g, "measures");
	yajl_gen_array_open(g);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (d->sandbox & (1U << i))
			gen_str(g, names[i]);
	yajl_gen_array_close(g);
	gen_str(g, "uid");
	yajl_gen_integer(g, d->hv_uid);
	gen_str(g, "gid");
	yajl_gen_integer(g, d->hv_gid);
	yajl_gen_map_close(g);
}

static void gen_domain(libxl_ctx *ctx, yajl_gen g, const libxl_dominfo *d)
{
	libxl_domain_config cfg;
	bool have_cfg;

	libxl_domain_config_init(&cfg);
	have_cfg = libxl_retrieve_domain_configuration(ctx, d->domid, &cfg) == 0;
	yajl_gen_map_open(g);
	gen_str(g, "domid");
	yajl_gen_integer(g, d->domid);
	gen_str(g, "state");
	gen_str(g, state_word(d));
	gen_str(g, "shutdown_reason");
	if (d->shutdown && libxl_shutdown_reason_to_string(d->shutdown_reason))
		gen_str(g, libxl_shutdown_reason_to_string(d->shutdown_reason));
	else
		yajl_gen_null(g);
	/* Why, when xenon-hv could not say (gone, not answering): libxl_dominfo.status. */
	gen_str(g, "status");
	if (d->status[0])
		gen_str(g, d->status);
	else
		yajl_gen_null(g);
	gen_str(g, "cpu_time");
	gen_seconds(g, d->cpu_time);
	gen_str(g, "sandbox"); /* what xenon-hv(8) runs under, as it says */
	gen_sandbox(g, d);
	gen_str(g, "memory_pool"); /* where its RAM comes from (xl.conf memory_pool), as xenon-hv says */
	if (d->hv_pid)
		gen_str(g, d->memory_pool == LIBXL_MEMORY_POOL_HUGETLB ? "hugetlb" : "host");
	else
		yajl_gen_null(g);
	gen_str(g, "devices"); /* each disk and NIC as it is now */
	xl_gen_devices(ctx, g, d->domid);
	gen_str(g, "config");
	if (have_cfg)
		libxl_domain_config_gen_json(g, &cfg);
	else
		yajl_gen_null(g);
	yajl_gen_map_close(g);
	libxl_domain_config_dispose(&cfg);
}

static int print_json(libxl_ctx *ctx, const libxl_dominfo *infos, int n)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	int i;

	if (!g) {
		log_warnx("list: out of memory");
		return -ENOMEM;
	}
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "    ");
	yajl_gen_array_open(g);
	for (i = 0; i < n; i++)
		gen_domain(ctx, g, &infos[i]);
	yajl_gen_array_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		printf("%s\n", (const char *)buf);
	yajl_gen_free(g);
	return 0;
}

/* The domains named on the command line, how many (Domain-0: *with_host). */
static int select_named(libxl_ctx *ctx, char **names, int nnames, libxl_dominfo *out, bool *with_host)
{
	int i, n = 0, rc;
	uint32_t domid;

	*with_host = false;
	for (i = 0; i < nnames; i++) {
		rc = xl_find_domain(ctx, "list", names[i], &domid);
		if (rc < 0)
			return rc;
		if (domid == LIBXL_DOMID_HOST) {
			*with_host = true;
			continue;
		}
		rc = libxl_domain_info(ctx, &out[n], domid);
		if (rc < 0) {
			log_warnx("list: domain '%s': %s", names[i], log_strerror(rc));
			return rc;
		}
		n++;
	}
	return n;
}

/* The domains named (all of them and the host when none is), as JSON or as the table. */
static int show(libxl_ctx *ctx, char **names, int nnames, bool details, struct columns *cols)
{
	bool with_host = true;
	libxl_dominfo *infos = NULL;
	libxl_physinfo p;
	int n = 0, rc;

	if (nnames) {
		infos = calloc((size_t)nnames, sizeof(*infos));
		rc = infos ? select_named(ctx, names, nnames, infos, &with_host) : -ENOMEM;
		if (rc == -ENOMEM && !infos)
			log_warnx("list: out of memory");
		n = rc > 0 ? rc : 0;
	} else {
		rc = libxl_list_domain(ctx, &infos, &n);
		if (rc < 0)
			log_warnx("list: cannot list the domains: %s", log_strerror(rc));
	}
	if (rc >= 0 && cols->cpupool && !details && !(cols->pools = libxl_list_cpupool(ctx, &cols->npools))) {
		rc = errno ? -errno : -EIO;
		log_warnx("list: cannot list the cpupools: %s", log_strerror(rc));
	}
	if (cols->numa) {
		libxl_get_physinfo(NULL, &p);
		cols->ctx = ctx;
		cols->nr_nodes = p.nr_nodes;
	}
	if (rc >= 0 && details)
		rc = print_json(ctx, infos, n);
	else if (rc >= 0)
		print_table(infos, n, with_host, cols);
	if (cols->pools)
		libxl_cpupoolinfo_list_free(cols->pools, cols->npools);
	free(infos);
	return rc;
}

int main_list(int argc, char **argv)
{
	static const struct option opts[] = {{"long", no_argument, NULL, 'l'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"context", no_argument, NULL, 'Z'},
					     {"cpupool", no_argument, NULL, 'c'},
					     {"numa", no_argument, NULL, 'n'},
					     {NULL, 0, NULL, 0}};
	bool details = false;
	struct columns cols = {0};
	int opt, rc;
	libxl_ctx *ctx;

	SWITCH_FOREACH_OPT(opt, "lvZcn", opts, "list", 0)
	{
	case 'l':
		details = true;
		break;
	case 'v':
		cols.verbose = true;
		break;
	case 'Z':
		cols.context = true;
		break;
	case 'c':
		cols.cpupool = true;
		break;
	case 'n':
		cols.numa = true;
		break;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = show(ctx, argv + optind, argc - optind, details, &cols);
	libxl_ctx_free(ctx);
	return rc < 0 || fflush(stdout) ? 1 : 0;
}

/* xl claims: xl list's table with Xen's Claimed column (outstanding_memkb). */
int main_claims(int argc, char **argv)
{
	struct columns cols = {.claims = true};
	int rc = xl_plain_args(argc, argv, "claims", 0);
	libxl_ctx *ctx;

	if (rc >= 0)
		return rc;
	if (!xl_conf.claim_mode)
		log_warnx("claims: claim_mode=0 (xl.conf): new domains are checked against the host's available "
			  "memory only, not less these claims");
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = show(ctx, NULL, 0, false, &cols);
	libxl_ctx_free(ctx);
	return rc < 0 || fflush(stdout) ? 1 : 0;
}
