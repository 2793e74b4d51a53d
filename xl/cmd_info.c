/*
 * xl info [-n] [Key]: the host, with Xen's keys in Xen's order
 * ("nr_cpus                : 2"), plus kvm_platform (pvm or vtx) and
 * xenon_version. Where Xen reports the hypervisor's version, Xenon reports
 * its own. With Key, only the values of the keys starting with Key, one a
 * line (as Xen's `xl info free_memory`); -n adds the CPU and NUMA topology.
 */
#include "xl/cmd_info.h"
#include "hypervisor/hvctl.h"
#include "xl/cmd_util.h"
#include "xl/xl.h"
#include "xl/xl_conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"

#ifdef __x86_64__
#include <cpuid.h>
#endif

/* Build facts xl/module.mk passes in (Xen's cc_compile_by / _domain). */
#ifndef XL_COMPILE_BY
#define XL_COMPILE_BY ""
#endif
#ifndef XL_COMPILE_DOMAIN
#define XL_COMPILE_DOMAIN ""
#endif

struct info_out {
	const char *only; /* print only the values of keys starting with this */
	int matched;
};

/* Does the filter (if any) take key? Counts the keys it takes. */
static bool wanted(struct info_out *o, const char *key)
{
	if (o->only && strncmp(key, o->only, strlen(o->only)))
		return false;
	o->matched++;
	return true;
}

/* One "key                    : value" line, or the value alone (filter). */
static void __attribute__((format(printf, 3, 4)))
item(struct info_out *o, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (!wanted(o, key))
		return;
	if (!o->only)
		printf("%-23s: ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* virt_caps as Xen prints it: " pv hvm" after the colon, nothing for none. */
static void item_caps(struct info_out *o, const char *caps)
{
	if (!wanted(o, "virt_caps"))
		return;
	if (o->only)
		printf("%s\n", *caps ? caps + 1 : "");
	else
		printf("%-23s:%s\n", "virt_caps", caps);
}

static void print_host(struct info_out *o)
{
	struct utsname u;

	if (uname(&u) < 0)
		return;
	item(o, "host", "%s", u.nodename);
	item(o, "release", "%s", u.release);
	item(o, "version", "%s", u.version);
	item(o, "machine", "%s", u.machine);
}

/* Xen's featureset words 0-7: CPUID 1.edx, 1.ecx, e1.edx, e1.ecx, Da1.eax, 7.0.ebx, 7.0.ecx, e7.edx. */
static void hw_caps(uint32_t w[8])
{
	memset(w, 0, 8 * sizeof(*w));
#ifdef __x86_64__
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		w[0] = d;
		w[1] = c;
	}
	if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
		w[2] = d;
		w[3] = c;
	}
	if (__get_cpuid_count(0xd, 1, &a, &b, &c, &d))
		w[4] = a;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		w[5] = b;
		w[6] = c;
	}
	if (__get_cpuid(0x80000007, &a, &b, &c, &d))
		w[7] = d;
#endif
}

static void print_physinfo(struct info_out *o, const libxl_physinfo *p)
{
	uint32_t w[8];

	item(o, "nr_cpus", "%u", p->nr_cpus);
	item(o, "max_cpu_id", "%u", p->max_cpu_id);
	item(o, "nr_nodes", "%u", p->nr_nodes);
	item(o, "cores_per_socket", "%u", p->cores_per_socket);
	item(o, "threads_per_core", "%u", p->threads_per_core);
	item(o, "cpu_mhz", "%u.%03u", p->cpu_khz / 1000, p->cpu_khz % 1000);
	hw_caps(w);
	item(o, "hw_caps", "%08x:%08x:%08x:%08x:%08x:%08x:%08x:%08x", w[0], w[1], w[2], w[3], w[4], w[5],
	     w[6], w[7]);
	item_caps(o, p->platform == LIBXL_PLATFORM_VTX	 ? " pv hvm"
		     : p->platform == LIBXL_PLATFORM_PVM ? " pv"
							 : "");
	item(o, "kvm_platform", "%s", p->platform_name);
	item(o, "total_memory", "%llu", (unsigned long long)(p->total_kib / 1024));
	item(o, "free_memory", "%llu", (unsigned long long)(p->free_kib / 1024));
	/* No page sharing in Xenon: Xen's keys, always 0. Claims: what running
	 * domains may still take (free_memory is what is left after them). */
	item(o, "sharing_freed_memory", "0");
	item(o, "sharing_used_memory", "0");
	item(o, "outstanding_claims", "%llu", (unsigned long long)(p->outstanding_kib / 1024));
	item(o, "free_cpus", "%u", p->nr_cpus);
}

static void print_versions(struct info_out *o, const libxl_version_info *v, const libxl_physinfo *p)
{
	char on[96];

	item(o, "xen_major", "%d", v->major);
	item(o, "xen_minor", "%d", v->minor);
	item(o, "xen_extra", "%s", v->extra);
	item(o, "xen_version", "%s", v->version);
	item(o, "xen_caps", "%s", v->capabilities);
	item(o, "xen_scheduler", "%s", "linux");
	item(o, "xen_pagesize", "%ld", sysconf(_SC_PAGESIZE));
	item(o, "platform_params", "virt_start=0x%llx",
	     p->platform == LIBXL_PLATFORM_PVM ? LIBXL_PVM_VIRT_START : 0ull);
	item(o, "xen_changeset", "%s", "xenon");
	item(o, "xen_commandline", "%s", "");
	item(o, "cc_compiler", "%s", v->compiler);
	item(o, "cc_compile_by", "%s", XL_COMPILE_BY);
	item(o, "cc_compile_domain", "%s", XL_COMPILE_DOMAIN);
	item(o, "cc_compile_date", "%s", v->compile_date);
	item(o, "build_id", "%s", xl_build_id());
	item(o, "xenon_version", "%s", v->version);
	item(o, "xend_config_format", "4");
	/* what xl.conf has new domains' xenon-hv run with (each one's own: xl list -l) */
	xl_sandbox_names(HVCTL_SANDBOX_ALL & ~xl_conf.sandbox_off, on, sizeof(on));
	item(o, "xenon_sandbox", "%s", *on ? on : "off");
}

int main_info(int argc, char **argv)
{
	static const struct option opts[] = {{"numa", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	struct info_out o = {NULL, 0};
	const libxl_version_info *v;
	bool numa = false;
	libxl_physinfo p;
	libxl_ctx *ctx;
	int opt;

	SWITCH_FOREACH_OPT(opt, "n", opts, "info", 0)
	{
	case 'n':
		numa = true;
		break;
	}
	if (xl_too_many_args(argc, argv, "info", 1))
		return 1;
	/* As Xen: the key filter is ignored with -n. */
	if (!numa && optind < argc)
		o.only = argv[optind];
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	libxl_get_physinfo(ctx, &p);
	v = libxl_get_version_info(ctx);
	print_host(&o);
	print_physinfo(&o, &p);
	if (numa)
		xl_print_topology();
	print_versions(&o, v, &p);
	libxl_ctx_free(ctx);
	if (o.only && !o.matched) {
		log_warnx("info: no key starts with '%s'; 'xl info' prints them all", o.only);
		return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
