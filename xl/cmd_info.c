/*
 * xl info: the host, with Xen's keys ("nr_cpus                : 2"), plus
 * kvm_platform (pvm or vtx). Where Xen reports the hypervisor's version,
 * Xenon reports its own.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#define KEY "%-23s: "

static void print_host(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return;
	printf(KEY "%s\n", "host", u.nodename);
	printf(KEY "%s\n", "release", u.release);
	printf(KEY "%s\n", "version", u.version);
	printf(KEY "%s\n", "machine", u.machine);
}

static void print_physinfo(const libxl_physinfo *p)
{
	printf(KEY "%u\n", "nr_cpus", p->nr_cpus);
	printf(KEY "%u\n", "max_cpu_id", p->max_cpu_id);
	printf(KEY "%u\n", "nr_nodes", p->nr_nodes);
	printf(KEY "%u\n", "cores_per_socket", p->cores_per_socket);
	printf(KEY "%u\n", "threads_per_core", p->threads_per_core);
	printf(KEY "%u.%03u\n", "cpu_mhz", p->cpu_khz / 1000, p->cpu_khz % 1000);
	printf(KEY "%s\n", "virt_caps", p->platform == 2 ? "pv hvm" : p->platform ? "pv" : "");
	printf(KEY "%s\n", "kvm_platform", p->platform_name);
	printf(KEY "%llu\n", "total_memory", (unsigned long long)(p->total_kib / 1024));
	printf(KEY "%llu\n", "free_memory", (unsigned long long)(p->free_kib / 1024));
	printf(KEY "%u\n", "free_cpus", p->nr_cpus);
}

static void print_versions(const libxl_version_info *v)
{
	printf(KEY "%d\n", "xen_major", v->major);
	printf(KEY "%d\n", "xen_minor", v->minor);
	printf(KEY "%s\n", "xen_extra", v->extra);
	printf(KEY "%s\n", "xen_version", v->version);
	printf(KEY "%s\n", "xen_caps", v->capabilities);
	printf(KEY "%s\n", "xen_scheduler", "linux");
	printf(KEY "%ld\n", "xen_pagesize", sysconf(_SC_PAGESIZE));
	printf(KEY "%s\n", "xen_changeset", "xenon");
	printf(KEY "%s\n", "xen_commandline", "");
	printf(KEY "%s\n", "cc_compiler", v->compiler);
	printf(KEY "%s\n", "cc_compile_date", v->compile_date);
	printf(KEY "%s\n", "xenon_version", v->version);
	printf(KEY "%s\n", "xend_config_format", "4");
}

int main_info(int argc, char **argv)
{
	const libxl_version_info *v;
	libxl_physinfo p;
	libxl_ctx *ctx;
	int opt;

	SWITCH_FOREACH_OPT(opt, "", NULL, "info", 0)
	{
	default:
		break;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	libxl_get_physinfo(ctx, &p);
	v = libxl_get_version_info(ctx);
	print_host();
	print_physinfo(&p);
	print_versions(v);
	libxl_ctx_free(ctx);
	return 0;
}
