/*
 * Unit tests of the configuration JSON (libxl/libxl_json.c and
 * libxl_json_parse.c): every expected JSON of the config corpus
 * (tests/configs/NAME.json) reads back and prints identically, and bad JSON
 * is refused with the field named. Run from the top of the tree.
 */
#include "unit.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>

#include "libxl/libxl_types.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, 0, f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void test_corpus_round_trip(void)
{
	glob_t g;
	size_t i, done = 0;

	CHECK_INT(glob("tests/configs/*.json", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		char *text = slurp(g.gl_pathv[i]), *again = NULL, err[256] = "";
		libxl_domain_config d;

		if (!text || strstr(text, "<generated>")) { /* no uuid to read back */
			free(text);
			continue;
		}
		libxl_domain_config_init(&d);
		CHECK_INT(libxl_domain_config_from_json(&d, text, err, sizeof(err)), 0);
		CHECK_INT(libxl_domain_config_to_json(&d, &again), 0);
		if (!again || strcmp(text, again))
			printf("# %s does not read back: %s\n", g.gl_pathv[i], err);
		CHECK(again && !strcmp(text, again));
		done++;
		free(again);
		free(text);
		libxl_domain_config_dispose(&d);
	}
	globfree(&g);
	CHECK(done >= 30);
}

static void test_values(void)
{
	libxl_domain_config d;
	char err[256];

	libxl_domain_config_init(&d);
	CHECK_INT(
	    libxl_domain_config_from_json(&d,
					  "{\"c_info\": {\"type\": \"pv\", \"name\": \"x\"}, \"b_info\": "
					  "{\"max_memkb\": 18446744073709551615, \"type.pv\": {}}, "
					  "\"nics\": [{\"mac\": \"00:16:3e:00:00:01\"}], \"unknown\": [1]}",
					  err, sizeof(err)),
	    0);
	CHECK_STR(d.c_info.name, "x");
	CHECK(d.b_info.max_memkb == LIBXL_MEMKB_DEFAULT);
	CHECK_INT(d.b_info.type, LIBXL_DOMAIN_TYPE_PV);
	CHECK_INT(d.num_nics, 1);
	CHECK_INT(d.nics[0].mac[5], 1);
	CHECK_INT(d.nics[0].devid, -1);
	libxl_domain_config_dispose(&d);
}

static void test_errors(void)
{
	static const struct {
		const char *json, *err;
	} bad[] = {
	    {"[1]", "not a JSON object"},
	    {"{\"c_info\": {\"name\": 5}}", "c_info.name: expected a string"},
	    {"{\"b_info\": {\"max_vcpus\": \"two\"}}", "b_info.max_vcpus: expected an integer in range"},
	    {"{\"b_info\": {\"avail_vcpus\": [0, -1]}}",
	     "b_info.avail_vcpus: expected an array of CPU numbers"},
	    {"{\"disks\": [{\"format\": \"qcow9\"}]}", "disks[].format: expected a known name"},
	    {"{\"nics\": [{\"mac\": \"zz\"}]}", "nics[].mac: expected a MAC address"},
	    {"{\"on_crash\": \"rename-restart\"}", "config.on_crash: expected a known name"},
	    {"{\"c_info\": {\"run_hotplug_scripts\": \"yes\"}}",
	     "c_info.run_hotplug_scripts: expected \"True\" or \"False\""},
	    /* the path names nested structs, unions and arrays */
	    {"{\"b_info\": {\"sched_params\": {\"weight\": 1.5}}}",
	     "b_info.sched_params.weight: expected an integer in range"},
	    {"{\"b_info\": {\"type.pv\": {\"slack_memkb\": -1}}}",
	     "b_info.type.slack_memkb: expected an unsigned integer"},
	    {"{\"b_info\": {\"type.xen\": {}}}", "b_info.type.xen: expected a known domain type"},
	    {"{\"b_info\": {\"vcpu_hard_affinity\": [[0], 1]}}",
	     "b_info.vcpu_hard_affinity: expected an array of CPU numbers"},
	    {"{\"nics\": {}}", "config.nics: expected an array"},
	    {"{\"disks\": [{}, {\"colo_port\": 65536}]}", "disks[].colo_port: expected an integer in range"},
	    {"{\"nics\": [{\"devid\": -2}]}", "nics[].devid: expected an integer in range"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		libxl_domain_config d;
		char err[256] = "";

		libxl_domain_config_init(&d);
		CHECK_INT(libxl_domain_config_from_json(&d, bad[i].json, err, sizeof(err)), -EINVAL);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)))
			printf("# %s: got '%s'\n", bad[i].json, err);
		CHECK(!strncmp(err, bad[i].err, strlen(bad[i].err)));
		libxl_domain_config_dispose(&d);
	}
}

int main(void)
{
	RUN(test_corpus_round_trip);
	RUN(test_values);
	RUN(test_errors);
	return unit_done();
}
