/*
 * libxl's device layer without a domain: the guest-written XenbusState
 * parser (untrusted input), the hotplug script lookup and the device paths.
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

static void test_state_parse(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
	    {"1", 1},	{"4", 4},   {"6", 6},	 {"0", -1}, {"7", -1},	{"44", -1},  {"4 ", -1},   {" 4", -1},
	    {"+4", -1}, {"04", -1}, {"4\n", -1}, {"", -1},  {"-1", -1}, {"0x4", -1}, {"four", -1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(libxl__xb_state_parse(cases[i].in), cases[i].want);
	CHECK_INT(libxl__xb_state_parse(NULL), -1);
}

static void test_paths(void)
{
	struct libxl__dev d;

	CHECK_INT(libxl__dev_init(&d, HVCTL_DEV_VBD, 3, 51712), 0);
	CHECK_STR(d.be, "/local/domain/0/backend/vbd/3/51712");
	CHECK_STR(d.fe, "/local/domain/3/device/vbd/51712");
	CHECK_INT(libxl__dev_init(&d, HVCTL_DEV_VIF, 7, 1), 0);
	CHECK_STR(d.be, "/local/domain/0/backend/vif/7/1");
	CHECK_STR(d.kind, "vif");
}

static void test_script_lookup(void)
{
	char dir[] = "/tmp/xenon-unit-hotplug.XXXXXX", path[512], buf[512];
	libxl_ctx c = {0}, *ctx = &c; /* only its settings are used */
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	c.set.script_dir = dir;
	CHECK_STR(libxl__hotplug_dir(ctx), dir);
	snprintf(path, sizeof(path), "%s/vif-x", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	CHECK_INT(libxl__hotplug_resolve(ctx, "vif-x", "nic 0", buf, sizeof(buf)),
		  -EACCES); /* not executable */
	chmod(path, 0755);
	CHECK_INT(libxl__hotplug_resolve(ctx, "vif-x", "nic 0", buf, sizeof(buf)), 0);
	CHECK_STR(buf, path);
	CHECK_INT(libxl__hotplug_resolve(ctx, path, "nic 0", buf, sizeof(buf)), 0);
	CHECK_INT(libxl__hotplug_resolve(ctx, "none", "nic 0", buf, sizeof(buf)), -ENOENT);
	CHECK_INT(libxl__hotplug_resolve(ctx, dir, "nic 0", buf, sizeof(buf)), -ENOENT); /* a directory */
	CHECK_INT(libxl__hotplug_resolve(ctx, "", "nic 0", buf, sizeof(buf)), -EINVAL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(test_state_parse);
	RUN(test_paths);
	RUN(test_script_lookup);
	return unit_done();
}
