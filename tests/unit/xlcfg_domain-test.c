/* Unit tests of the xl.cfg keys into libxl_domain_config (xl/cfg_domain.c, xl/cfg_cpus.c). */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xl/cfg_domain.h"

static libxl_domain_config d;
static struct xl_conf conf;
static char err[CFG_ERR_MAX];

static int load(const char *text)
{
	struct cfg cfg;
	int rc;

	libxl_domain_config_dispose(&d);
	libxl_domain_config_init(&d);
	cfg_init(&cfg);
	rc = cfg_parse(&cfg, "t.cfg", text, strlen(text), err);
	if (rc == 0)
		rc = xl_cfg_to_domain_config(&cfg, &conf, &d, err);
	cfg_dispose(&cfg);
	return rc;
}

static const char *bits(const libxl_bitmap *bm)
{
	static char buf[256];
	size_t n = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < libxl_bitmap_nr_bits(bm) && n < sizeof(buf) - 8; i++)
		if (libxl_bitmap_test(bm, i))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%u", n ? "," : "", i);
	return buf;
}

static void test_cpurange(void)
{
	libxl_bitmap bm;
	long host = sysconf(_SC_NPROCESSORS_CONF);

	libxl_bitmap_init(&bm);
	CHECK_INT(xl_parse_cpurange("0-3,^2,7", &bm, err), 0);
	CHECK_STR(bits(&bm), "0,1,3,7");
	libxl_bitmap_dispose(&bm);
	/* all: every bit of a map sized for the host's CPUs, as libxl sets them */
	CHECK_INT(xl_parse_cpurange("all", &bm, err), 0);
	CHECK_INT(libxl_bitmap_count_set(&bm), ((host + 7) / 8) * 8);
	CHECK_INT(xl_parse_cpurange("^0", &bm, err), 0);
	CHECK(!libxl_bitmap_test(&bm, 0));
	libxl_bitmap_dispose(&bm);
	/* node 0 exists on every Linux host; its CPUs come from sysfs */
	CHECK_INT(xl_parse_cpurange("nodes:0", &bm, err), 0);
	CHECK(libxl_bitmap_count_set(&bm) >= 1);
	libxl_bitmap_dispose(&bm);
	CHECK_INT(xl_parse_cpurange("node:4000", &bm, err), -ENOENT);
	CHECK_STR(err, "NUMA node 4000 does not exist on this host");
	CHECK_INT(xl_parse_cpurange("^all", &bm, err), -EINVAL);
	CHECK_INT(xl_parse_cpurange("3-1", &bm, err), -EINVAL);
	CHECK_STR(err, "invalid CPU range \"3-1\" (expected N, N-M, node:N or all, up to 4095)");
	CHECK_INT(xl_parse_cpurange("4096", &bm, err), -EINVAL);
	CHECK_INT(xl_parse_cpurange("-1", &bm, err), -EINVAL);
	libxl_bitmap_dispose(&bm);
}

static void test_defaults(void)
{
	CHECK_INT(load("name = 'a'\nkernel = '/k'\n"), 0);
	CHECK_INT(d.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	CHECK_INT(d.b_info.type, LIBXL_DOMAIN_TYPE_PV);
	CHECK(!libxl_uuid_is_nil(&d.c_info.uuid));
	CHECK_INT(d.b_info.max_memkb, LIBXL_MEMKB_DEFAULT);
	CHECK_INT(d.b_info.max_vcpus, 0);
	CHECK_INT(d.on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	CHECK_INT(d.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_RESTART);
	CHECK_INT(d.on_crash, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	CHECK_INT(d.on_soft_reset, LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET);
	CHECK(libxl_defbool_val(d.c_info.run_hotplug_scripts));
	CHECK(libxl_defbool_val(d.b_info.claim_mode));
	CHECK(d.b_info.cmdline == NULL);
}

static void test_memory_vcpus(void)
{
	CHECK_INT(load("name='a'\nkernel='/k'\nmemory=64\nvcpus=3\n"), 0);
	CHECK_INT(d.b_info.target_memkb, 65536);
	CHECK_INT(d.b_info.max_memkb, 65536);
	CHECK_INT(d.b_info.max_vcpus, 3);
	CHECK_STR(bits(&d.b_info.avail_vcpus), "0,1,2");
	CHECK_INT(load("name='a'\nkernel='/k'\nvcpus=4097\n"), -ERANGE);
	CHECK_STR(err, "t.cfg:3:7: 'vcpus' = 4097 is too large (at most 4096)");
	CHECK_INT(load("name='a'\nkernel='/k'\nmemory=18014398509481984\n"), -ERANGE);
	/* each vCPU's cpus= is checked, a missing NUMA node named with its place */
	CHECK_INT(load("name='a'\nkernel='/k'\nvcpus=2\ncpus=['0', '3-1']\n"), -EINVAL);
	CHECK_STR(err,
		  "t.cfg:4:12: cpus: invalid CPU range \"3-1\" (expected N, N-M, node:N or all, up to 4095)");
	CHECK_INT(load("name='a'\nkernel='/k'\nvcpus=1\ncpus='node:4000'\n"), -ENOENT);
	CHECK_STR(err, "t.cfg:4:6: cpus: NUMA node 4000 does not exist on this host");
}

static void test_actions_and_cmdline(void)
{
	CHECK_INT(
	    load(
		"name='a'\nkernel='/k'\non_crash='rename-restart'\non_reboot='preserve'\nroot='/dev/xvda'\n"),
	    0);
	CHECK_INT(d.on_crash, LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME);
	CHECK_INT(d.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_PRESERVE);
	CHECK_STR(d.b_info.cmdline, "root=/dev/xvda");
	/* the JSON spelling is not the config spelling */
	CHECK_INT(load("name='a'\nkernel='/k'\non_crash='restart_rename'\n"), -EINVAL);
	CHECK_INT(load("name='a'\nkernel='/k'\nextra='quiet'\n"), 0);
	CHECK_STR(d.b_info.cmdline, "quiet");
}

static void test_xl_conf_defaults(void)
{
	conf.vif_bridge = strdup("br7");
	conf.vif_script = strdup("vif-nat");
	conf.run_hotplug_scripts = false;
	CHECK_INT(load("name='a'\nkernel='/k'\nvif=['', 'script=mine', 'bridge=br8']\n"), 0);
	CHECK_INT(d.num_nics, 3);
	CHECK_INT(d.nics[0].devid, 0);
	CHECK_STR(d.nics[0].bridge, "br7");
	CHECK_STR(d.nics[0].script, "vif-nat");
	CHECK_STR(d.nics[1].script, "mine");
	CHECK_INT(d.nics[2].devid, 2);
	CHECK_STR(d.nics[2].bridge, "br8");
	CHECK(!libxl_defbool_val(d.c_info.run_hotplug_scripts));
	xl_conf_free(&conf);
}

static void test_devices_errors(void)
{
	CHECK_INT(load("name='a'\nkernel='/k'\ndisk=['/a,,xvda',\n  '/b,,xvdb,rw,x']\n"), -EINVAL);
	CHECK(strncmp(err, "t.cfg:4:3: invalid disk specification '/b,,xvdb,rw,x'", 53) == 0);
	CHECK_INT(load("name='a'\nkernel='/k'\nvif='bridge=br0'\n"), -EINVAL);
	CHECK_STR(err,
		  "t.cfg:3:5: 'vif' must be a list, as in vif = [ 'bridge=xenbr0,mac=00:16:3e:00:00:01' ]");
}

int main(void)
{
	libxl_domain_config_init(&d);
	xl_conf_init(&conf);
	RUN(test_cpurange);
	RUN(test_defaults);
	RUN(test_memory_vcpus);
	RUN(test_actions_and_cmdline);
	RUN(test_xl_conf_defaults);
	RUN(test_devices_errors);
	libxl_domain_config_dispose(&d);
	xl_conf_free(&conf);
	return unit_done();
}
