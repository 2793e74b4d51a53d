/*
 * xl mem-set <Domain> <Mem> and xl mem-max <Domain> <Mem>, as Xen's: the
 * balloon target (memory/target) and the ceiling (memory/static-max and
 * xenon-hv's limit), libxl_mem.c. Sizes as Xen's xl takes them: a number
 * with an optional unit b, k, m (the default), g or t.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Xen's parse_mem_size_kb: KiB, or -1. */
int64_t xl_parse_mem_kb(const char *s)
{
	static const struct {
		char unit;
		int shift; /* KiB = number << shift (>> for bytes) */
	} units[] = {{'\0', 10}, {'m', 10}, {'g', 20}, {'t', 30}, {'k', 0}, {'b', -10}};
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || n < 0 || strlen(end) > 1)
		return -1;
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (tolower((unsigned char)*end) != units[i].unit)
			continue;
		if (units[i].shift < 0)
			return n >> -units[i].shift;
		return n > (INT64_MAX >> units[i].shift) ? -1 : n << units[i].shift;
	}
	return -1;
}

static int mem_cmd(int argc, char **argv, const char *cmd)
{
	const char *dom, *size;
	libxl_ctx *ctx;
	uint32_t domid;
	int64_t kib;
	int rc = xl_plain_args(argc, argv, cmd, 2);

	if (rc >= 0)
		return rc;
	dom = argv[optind];
	size = argv[optind + 1];
	kib = xl_parse_mem_kb(size);
	if (kib < 0) {
		xl_usage_error(cmd,
			       "invalid memory size '%s': a number with an optional unit b, k, m (default), "
			       "g or t, e.g. 512m or 2g",
			       size);
		return 1;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, cmd, dom, &domid, "Domain-0 is the host: Xenon does not balloon it");
	if (rc == 0) {
		rc = !strcmp(cmd, "mem-set") ? libxl_set_memory_target(ctx, domid, kib, 0, 1)
					     : libxl_domain_setmaxmem(ctx, domid, (uint64_t)kib);
		if (rc == -ETIMEDOUT)
			xl_say_not_answering(cmd, dom);
		else if (rc == -ESRCH)
			log_warnx("%s: domain '%s' is not running (its xenon-hv has gone)", cmd, dom);
	}
	libxl_ctx_free(ctx);
	return rc < 0;
}

int main_mem_set(int argc, char **argv)
{
	return mem_cmd(argc, argv, "mem-set");
}

int main_mem_max(int argc, char **argv)
{
	return mem_cmd(argc, argv, "mem-max");
}
