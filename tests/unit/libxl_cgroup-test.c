/* libxl_cgroup's pure parts: mountinfo lines, Xen's weight and cap in cgroup terms, paths. */
#include "libxl/libxl_cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

static enum libxl__cg_version kind(const char *line, char *mnt)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", line);
	return libxl__cg_mount_kind(buf, mnt, LIBXL__CG_PATH_MAX);
}

static void test_mountinfo_v1(void)
{
	char mnt[LIBXL__CG_PATH_MAX];

	CHECK_INT(kind("30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime shared:8 - cgroup cgroup rw,cpu\n", mnt),
		  LIBXL__CG_V1);
	CHECK_STR(mnt, "/sys/fs/cgroup/cpu");
	/* cpu with cpuacct on one hierarchy, no optional tags */
	CHECK_INT(kind("30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n", mnt),
		  LIBXL__CG_V1);
	CHECK_STR(mnt, "/sys/fs/cgroup/cpu,cpuacct");
	/* cpuacct or cpuset alone is not cpu */
	CHECK_INT(kind("31 25 0:27 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n", mnt),
		  LIBXL__CG_NONE);
	CHECK_INT(kind("31 25 0:27 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n", mnt),
		  LIBXL__CG_NONE);
	/* a bind mount of a sub-cgroup, an escaped mount point, another file system */
	CHECK_INT(kind("32 25 0:26 /sub /mnt/cpu rw - cgroup cgroup rw,cpu\n", mnt), LIBXL__CG_NONE);
	CHECK_INT(kind("32 25 0:26 / /mnt/a\\040b rw - cgroup cgroup rw,cpu\n", mnt), LIBXL__CG_NONE);
	CHECK_INT(kind("22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n", mnt), LIBXL__CG_NONE);
	CHECK_INT(kind("garbage\n", mnt), LIBXL__CG_NONE);
	CHECK_INT(kind("1 2 3 - cgroup\n", mnt), LIBXL__CG_NONE);
}

/* v2 counts only where cgroup.controllers offers cpu. */
static void test_mountinfo_v2(void)
{
	char dir[] = "/tmp/cgtest.XXXXXX", line[1024], ctl[600], mnt[LIBXL__CG_PATH_MAX];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(line, sizeof(line), "40 25 0:30 / %s rw - cgroup2 cgroup2 rw\n", dir);
	snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", dir);
	CHECK_INT(kind(line, mnt), LIBXL__CG_NONE); /* no file */
	f = fopen(ctl, "w");
	fputs("cpuset io memory pids\n", f);
	fclose(f);
	CHECK_INT(kind(line, mnt), LIBXL__CG_NONE);
	f = fopen(ctl, "w");
	fputs("cpuset cpu io memory\n", f);
	fclose(f);
	CHECK_INT(kind(line, mnt), LIBXL__CG_V2);
	CHECK_STR(mnt, dir);
	unlink(ctl);
	rmdir(dir);
}

static void test_conversions(void)
{
	CHECK_INT(libxl__cg_v1_shares(256), 1024);
	CHECK_INT(libxl__cg_v1_shares(1), 4);
	CHECK_INT(libxl__cg_v1_shares(65535), 262140);
	CHECK_INT(libxl__cg_v2_weight(1), 1);
	CHECK_INT(libxl__cg_v2_weight(256), 39);
	CHECK_INT(libxl__cg_v2_weight(512), 78);
	CHECK_INT(libxl__cg_v2_weight(65535), 10000);
	CHECK_INT(libxl__cg_quota_us(50), 50000);
	CHECK_INT(libxl__cg_quota_us(1), 1000);
	CHECK_INT(libxl__cg_quota_us(400), 400000);
}

static void test_paths(void)
{
	const char *p;

	CHECK_INT(libxl__cg_path_valid("/sys/fs/cgroup/cpu/xenon/dom7"), 0);
	CHECK_INT(libxl__cg_path_valid("/sys/fs/cgroup/cpu/xenon"), -EINVAL);
	CHECK_INT(libxl__cg_path_valid("/sys/fs/cgroup/cpu/xenon/dom"), -EINVAL);
	CHECK_INT(libxl__cg_path_valid("/sys/fs/cgroup/cpu/xenon/dom7x"), -EINVAL);
	CHECK_INT(libxl__cg_path_valid("/sys/fs/cgroup/cpu/../dom7"), -EINVAL);
	CHECK_INT(libxl__cg_path_valid("relative/dom7"), -EINVAL);
	CHECK_INT(libxl__cg_parent(NULL, NULL, &p), 0);
	CHECK_STR(p, "xenon");
	CHECK_INT(libxl__cg_parent(NULL, "", &p), 0);
	CHECK_STR(p, "");
	CHECK_INT(libxl__cg_parent(NULL, "machine.slice/xenon", &p), 0);
	CHECK_INT(libxl__cg_parent(NULL, "/abs", &p), -EINVAL);
	CHECK_INT(libxl__cg_parent(NULL, "a/../b", &p), -EINVAL);
	CHECK_INT(libxl__cg_parent(NULL, "a//b", &p), -EINVAL);
	CHECK_INT(libxl__cg_parent(NULL, "a/", &p), -EINVAL);
	CHECK_INT(libxl__cg_parent(NULL, "a b", &p), -EINVAL);
	/* $XENON_CGROUP_PARENT, read when the context opens, wins; "" too */
	CHECK_INT(libxl__cg_parent("from-env", "conf", &p), 0);
	CHECK_STR(p, "from-env");
	CHECK_INT(libxl__cg_parent("", "conf", &p), 0);
	CHECK_STR(p, "");
	CHECK_INT(libxl__cg_parent("../escape", "conf", &p), -EINVAL);
}

/* The kernel's CPU list form (cpuset.cpus, /sys/devices/system/cpu/online), both ways. */
static void test_cpu_lists(void)
{
	static const char *const bad[] = {"a",	  "1-",	 "-1",	 "3-1",	   "1,", ",1",
					  "1,,2", "1 2", "4096", "0-4096", "1;2"};
	struct libxl__cpus c;
	char buf[64];

	CHECK_INT(libxl__cpus_parse("0-3,8,10-11\n", &c), 0);
	CHECK_INT(libxl__cpus_count(&c), 7);
	CHECK(libxl__cpus_test(&c, 3) && !libxl__cpus_test(&c, 4) && libxl__cpus_test(&c, 11));
	libxl__cpus_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, "0-3,8,10-11");
	CHECK_INT(libxl__cpus_parse("\n", &c), 0);
	CHECK_INT(libxl__cpus_count(&c), 0);
	libxl__cpus_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, "");
	CHECK_INT(libxl__cpus_parse("4095,0", &c), 0);
	libxl__cpus_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, "0,4095");
	libxl__cpus_clear(&c, 4095);
	libxl__cpus_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(libxl__cpus_parse(bad[i], &c), -EINVAL);
	/* a list that does not fit is never cut short */
	CHECK_INT(libxl__cpus_parse("0,2,4,6,8,10", &c), 0);
	libxl__cpus_format(&c, buf, 8);
	CHECK_STR(buf, "");
}

int main(void)
{
	RUN(test_cpu_lists);
	RUN(test_mountinfo_v1);
	RUN(test_mountinfo_v2);
	RUN(test_conversions);
	RUN(test_paths);
	return unit_done();
}
