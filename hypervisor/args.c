/* xenon-hv's command line: parsed and checked before anything is created. */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "log.h"
#include "strutil.h"

#define HV_DEFAULT_MEM_MIB 64
#define HV_MIN_MEM_MIB	   4
#define HV_MAX_DOMID	   0x7fef /* below Xen's DOMID_FIRST_RESERVED */

void hv_usage(FILE *fp)
{
	fprintf(fp,
		"usage: xenon-hv --kernel FILE [--memory MIB] [--vcpus N] [--cmdline STR]\n"
		"                [--name NAME] [--domid ID] [--console stdio|pty|FILE]\n"
		"                [--control SOCKET] [--paused] [--xenstore[=SOCKET]] [-v]\n"
		"Runs one Xenon domain: boots the ELF64 kernel FILE with MIB MiB of RAM\n"
		"(default %d) and N vCPUs (default 1). See xenon-hv(8).\n",
		HV_DEFAULT_MEM_MIB);
}

enum {
	OPT_KERNEL = 256,
	OPT_MEMORY,
	OPT_VCPUS,
	OPT_CMDLINE,
	OPT_NAME,
	OPT_DOMID,
	OPT_CONSOLE,
	OPT_CONTROL,
	OPT_PAUSED,
	OPT_XENSTORE
};

static const struct option hv_options[] = {
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"vcpus", required_argument, NULL, OPT_VCPUS},
    {"cmdline", required_argument, NULL, OPT_CMDLINE},
    {"name", required_argument, NULL, OPT_NAME},
    {"domid", required_argument, NULL, OPT_DOMID},
    {"console", required_argument, NULL, OPT_CONSOLE},
    {"control", required_argument, NULL, OPT_CONTROL},
    {"paused", no_argument, NULL, OPT_PAUSED},
    {"xenstore", optional_argument, NULL, OPT_XENSTORE},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_number(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	int rc = parse_u64(s, max, out);

	if (rc == -ERANGE)
		log_warnx("%s %s: too large (at most %llu)", opt, s, (unsigned long long)max);
	else if (rc)
		log_warnx("%s '%s': not a number", opt, s);
	return rc;
}

static int set_option(struct hv_args *a, int opt, const char *val)
{
	uint64_t v;

	switch (opt) {
	case OPT_KERNEL:
		a->kernel = val;
		return 0;
	case OPT_CMDLINE:
		a->cmdline = val;
		return 0;
	case OPT_NAME:
		a->name = val;
		return 0;
	case OPT_CONSOLE:
		a->console = val;
		return 0;
	case OPT_CONTROL:
		a->control = val;
		return 0;
	case OPT_PAUSED:
		a->paused = 1;
		return 0;
	case OPT_XENSTORE:
		a->xenstore = 1;
		a->xenstored_socket = val;
		return 0;
	case 'v':
		a->verbose++;
		return 0;
	case OPT_MEMORY:
		if (parse_number("--memory", val, UINT32_MAX, &v))
			return -EINVAL;
		a->mem_bytes = v * HV_MIB;
		return 0;
	case OPT_VCPUS:
		if (parse_number("--vcpus", val, UINT32_MAX, &v))
			return -EINVAL;
		a->nr_vcpus = v;
		return 0;
	case OPT_DOMID:
		if (parse_number("--domid", val, HV_MAX_DOMID, &v))
			return -EINVAL;
		a->domid = v;
		return 0;
	}
	return -EINVAL;
}

/* The checks that need no host resources (the kernel and memory come later). */
static int check_args(const struct hv_args *a)
{
	if (!a->kernel) {
		log_warnx("no kernel given: use --kernel FILE (an ELF64 x86-64 image)");
		return -EINVAL;
	}
	if (a->nr_vcpus < 1) {
		log_warnx("--vcpus 0: a domain needs at least 1 vCPU");
		return -EINVAL;
	}
	if (a->nr_vcpus > XENON_MAX_VCPUS) {
		log_warnx("--vcpus %u: too many vCPUs (at most %d)", a->nr_vcpus, XENON_MAX_VCPUS);
		return -EINVAL;
	}
	if (a->mem_bytes < HV_MIN_MEM_MIB * HV_MIB) {
		log_warnx("--memory %llu: too little memory (at least %d MiB)",
			  (unsigned long long)(a->mem_bytes / HV_MIB), HV_MIN_MEM_MIB);
		return -EINVAL;
	}
	if (a->cmdline && strlen(a->cmdline) >= 4096) {
		log_warnx("--cmdline: too long (%zu bytes, at most 4095)", strlen(a->cmdline));
		return -EINVAL;
	}
	if (strlen(a->name) >= 64 || !a->name[0]) {
		log_warnx("--name '%s': must be 1 to 63 characters", a->name);
		return -EINVAL;
	}
	if (strlen(a->control) >= 108) {
		log_warnx("--control %s: socket path too long (at most 107 bytes)", a->control);
		return -EINVAL;
	}
	if (!a->console[0]) {
		log_warnx("--console: give stdio, pty or a file name");
		return -EINVAL;
	}
	return 0;
}

int hv_parse_args(int argc, char **argv, struct hv_args *a)
{
	static char default_name[32], default_control[108];
	int opt;

	memset(a, 0, sizeof(*a));
	a->mem_bytes = HV_DEFAULT_MEM_MIB * HV_MIB;
	a->nr_vcpus = 1;
	a->domid = 1;
	a->console = "stdio";
	a->cmdline = "";
	while ((opt = getopt_long(argc, argv, "vh", hv_options, NULL)) != -1) {
		if (opt == 'h') {
			hv_usage(stdout);
			return 1;
		}
		if (opt == '?' || set_option(a, opt, optarg)) {
			hv_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_warnx("unexpected argument '%s' (options start with --)", argv[optind]);
		hv_usage(stderr);
		return -EINVAL;
	}
	if (!a->name) {
		snprintf(default_name, sizeof(default_name), "domain-%u", a->domid);
		a->name = default_name;
	}
	if (!a->control)
		a->control = hvctl_default_socket(a->domid, default_control, sizeof(default_control));
	return check_args(a);
}
