/*
 * xl vcpu-set [-i|--ignore-host] <Domain> <vCPU count>: vCPUs 0..count-1
 * online, the rest of the domain's maxvcpus offline (libxl_set_vcpuonline);
 * the guest takes them up and down.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "log.h"

static int parse_count(const char *s, unsigned *n)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < 1 || v > 4096) {
		xl_usage_error("vcpu-set",
			       "'%s' is not a vCPU count: give a number from 1 to the domain's maxvcpus", s);
		return -EINVAL;
	}
	*n = (unsigned)v;
	return 0;
}

static int set_online(libxl_ctx *ctx, const char *dom, unsigned count)
{
	libxl_bitmap map;
	uint32_t domid;
	int rc;

	rc = xl_find_guest(ctx, "vcpu-set", dom, &domid, "Domain-0 is the host: its CPUs are the host's");
	if (rc < 0)
		return rc;
	libxl_bitmap_init(&map);
	rc = libxl_bitmap_alloc(&map, count);
	for (unsigned i = 0; rc == 0 && i < count; i++)
		rc = libxl_bitmap_set(&map, i);
	if (rc == 0)
		rc = libxl_set_vcpuonline(ctx, domid, &map);
	if (rc == -ETIMEDOUT)
		xl_say_not_answering("vcpu-set", dom);
	else if (rc < 0 && rc != -EINVAL)
		log_warnx("vcpu-set: cannot set the vCPUs of domain '%s': %s", dom, log_strerror(rc));
	libxl_bitmap_dispose(&map);
	return rc;
}

int main_vcpu_set(int argc, char **argv)
{
	static const struct option longopts[] = {{"ignore-host", no_argument, NULL, 'i'}, {NULL, 0, NULL, 0}};
	libxl_ctx *ctx;
	unsigned count;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "i", longopts, "vcpu-set", 2)
	{
	case 'i': /* Xen's overcommit check is not made here: nothing to ignore */
		break;
	}
	if (xl_too_many_args(argc, argv, "vcpu-set", 2) || parse_count(argv[optind + 1], &count) < 0)
		return 1;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = set_online(ctx, argv[optind], count);
	libxl_ctx_free(ctx);
	return rc < 0;
}
