/* libxl's pure logic: domain names, domid choice, state letters, hv exits. */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/hvctl.h"
#include "unit.h"

static void test_name_rules(void)
{
	char longname[LIBXL_NAME_MAX + 2];

	CHECK_INT(libxl_name_valid("demo"), 0);
	CHECK_INT(libxl_name_valid("web-01.example_a"), 0);
	CHECK_INT(libxl_name_valid("Domain-0"), 0); /* valid; in use by the host */
	CHECK_INT(libxl_name_valid("1a"), 0);
	CHECK_INT(libxl_name_valid(""), -EINVAL);
	CHECK_INT(libxl_name_valid(NULL), -EINVAL);
	CHECK_INT(libxl_name_valid("123"), -EINVAL); /* would read as a domid */
	CHECK_INT(libxl_name_valid("-x"), -EINVAL);
	CHECK_INT(libxl_name_valid(".x"), -EINVAL);
	CHECK_INT(libxl_name_valid("a b"), -EINVAL);
	CHECK_INT(libxl_name_valid("a/b"), -EINVAL);
	CHECK_INT(libxl_name_valid("caf\xc3\xa9"), -EINVAL);
	memset(longname, 'a', sizeof(longname));
	longname[LIBXL_NAME_MAX] = '\0';
	CHECK_INT(libxl_name_valid(longname), 0);
	longname[LIBXL_NAME_MAX] = 'a';
	longname[LIBXL_NAME_MAX + 1] = '\0';
	CHECK_INT(libxl_name_valid(longname), -EINVAL);
}

static void test_domid_pick(void)
{
	uint32_t used[] = {0, 1, 2, 5};
	uint32_t id = 0;

	CHECK_INT(libxl__domid_pick(0, used, 4, &id), 0);
	CHECK_INT(id, 3);
	/* increasing: after 3 comes 4, then 6 (5 is taken), never back to 3 */
	CHECK_INT(libxl__domid_pick(3, used, 4, &id), 0);
	CHECK_INT(id, 4);
	CHECK_INT(libxl__domid_pick(4, used, 4, &id), 0);
	CHECK_INT(id, 6);
	/* a freed low id is not reused while higher ones are free */
	CHECK_INT(libxl__domid_pick(6, used, 4, &id), 0);
	CHECK_INT(id, 7);
	/* wraps past the last id back to 1 (0 is the host), skipping used ones */
	CHECK_INT(libxl__domid_pick(LIBXL_DOMID_MAX - 1, used, 4, &id), 0);
	CHECK_INT(id, 3);
	CHECK_INT(libxl__domid_pick(LIBXL_DOMID_MAX + 5, NULL, 0, &id), 0);
	CHECK_INT(id, 1);
}

static void test_domid_pick_full(void)
{
	static uint32_t all[LIBXL_DOMID_MAX];
	uint32_t i, id = 42;

	for (i = 0; i < LIBXL_DOMID_MAX; i++)
		all[i] = i;
	CHECK_INT(libxl__domid_pick(10, all, LIBXL_DOMID_MAX, &id), -ENOSPC);
	CHECK_INT(id, 42);
	all[77] = 0; /* one free id */
	CHECK_INT(libxl__domid_pick(10, all, LIBXL_DOMID_MAX, &id), 0);
	CHECK_INT(id, 77);
}

static void test_state_letters(void)
{
	libxl_dominfo d;
	char s[7];

	memset(&d, 0, sizeof(d));
	d.running = true;
	libxl_dominfo_state(&d, s);
	CHECK_STR(s, "r-----");
	memset(&d, 0, sizeof(d));
	d.paused = true;
	libxl_dominfo_state(&d, s);
	CHECK_STR(s, "--p---");
	memset(&d, 0, sizeof(d));
	d.shutdown = true;
	d.shutdown_reason = LIBXL_SHUTDOWN_REASON_CRASH;
	libxl_dominfo_state(&d, s);
	CHECK_STR(s, "---sc-");
	d.shutdown_reason = LIBXL_SHUTDOWN_REASON_POWEROFF;
	libxl_dominfo_state(&d, s);
	CHECK_STR(s, "---s--");
	d.shutdown_reason = LIBXL_SHUTDOWN_REASON_REBOOT;
	libxl_dominfo_state(&d, s);
	CHECK_STR(s, "---sr-");
	d.shutdown_reason = LIBXL_SHUTDOWN_REASON_UNKNOWN;
	libxl_dominfo_state(&d, s);
	CHECK_STR(s, "---s?-");
	memset(&d, 0, sizeof(d));
	d.blocked = true;
	d.dying = true;
	d.shutdown_reason = LIBXL_SHUTDOWN_REASON_CRASH; /* ignored unless shutdown */
	libxl_dominfo_state(&d, s);
	CHECK_STR(s, "-b---d");
}

static void set_bit(uint32_t *map, unsigned i)
{
	map[i / 32] |= 1U << (i % 32);
}

/* The letters of a domain whose xenon-hv answered hv. */
static const char *letters_from_hv(const struct hvctl_info *hv)
{
	static char s[7];
	libxl_dominfo d;

	memset(&d, 0, sizeof(d));
	d.shutdown_reason = LIBXL_SHUTDOWN_REASON_UNKNOWN;
	libxl__dominfo_set_state(&d, hv);
	libxl_dominfo_state(&d, s);
	return s;
}

static void test_state_from_hv(void)
{
	struct hvctl_info hv;

	memset(&hv, 0, sizeof(hv));
	hv.state = HVCTL_STATE_RUNNING;
	hv.nr_vcpus = 40;
	CHECK_STR(letters_from_hv(&hv), "r-----"); /* an xenon-hv that does not tell */
	set_bit(hv.vcpu_blocked, 0);
	set_bit(hv.vcpu_blocked, 39);
	CHECK_STR(letters_from_hv(&hv), "-b----"); /* every vCPU halted */
	set_bit(hv.vcpu_running, 33);
	CHECK_STR(letters_from_hv(&hv), "r-----"); /* one vCPU running is enough */
	memset(hv.vcpu_blocked, 0, sizeof(hv.vcpu_blocked));
	CHECK_STR(letters_from_hv(&hv), "r-----");

	memset(&hv, 0, sizeof(hv));
	hv.state = HVCTL_STATE_PAUSED;
	CHECK_STR(letters_from_hv(&hv), "--p---");
	set_bit(hv.vcpu_blocked, 0); /* never reported while paused; paused wins */
	CHECK_STR(letters_from_hv(&hv), "--p---");
	hv.state = HVCTL_STATE_SHUTDOWN;
	CHECK_STR(letters_from_hv(&hv), "---s?-");
	hv.state = HVCTL_STATE_CRASHED;
	CHECK_STR(letters_from_hv(&hv), "---sc-");
}

/* What a taken-over xenon-hv may claim in INFO, and what an honest one says. */
static void test_info_valid(void)
{
	struct hvctl_info hv;

	memset(&hv, 0, sizeof(hv));
	hv.state = HVCTL_STATE_RUNNING;
	hv.nr_vcpus = 33;
	hv.mem_kib = 65536;
	set_bit(hv.vcpu_online, 32);
	set_bit(hv.vcpu_running, 32);
	hv.balloon_valid = 1;
	hv.mem_current_kib = hv.mem_max_kib = 65536;
	CHECK(libxl__hv_info_valid(&hv) == 0);
	for (uint32_t st = 0; st < 8; st++) {
		hv.state = st;
		CHECK(libxl__hv_info_valid(&hv) == (st >= HVCTL_STATE_RUNNING && st <= HVCTL_STATE_CRASHED ? 0 : -EPROTO));
	}
	hv.state = HVCTL_STATE_PAUSED;
	hv.nr_vcpus = 0;
	CHECK(libxl__hv_info_valid(&hv) == -EPROTO);
	hv.nr_vcpus = HVCTL_MAX_VCPUS + 1;
	CHECK(libxl__hv_info_valid(&hv) == -EPROTO);
	hv.nr_vcpus = 32; /* vCPU 32 is online, running: not one of its vCPUs */
	CHECK(libxl__hv_info_valid(&hv) == -EPROTO);
	hv.nr_vcpus = HVCTL_MAX_VCPUS;
	CHECK(libxl__hv_info_valid(&hv) == 0);
	set_bit(hv.vcpu_blocked, 1);
	CHECK(libxl__hv_info_valid(&hv) == 0);
	hv.nr_vcpus = 1;
	memset(hv.vcpu_online, 0, sizeof(hv.vcpu_online));
	memset(hv.vcpu_running, 0, sizeof(hv.vcpu_running));
	CHECK(libxl__hv_info_valid(&hv) == -EPROTO); /* vCPU 1 blocked */
	memset(hv.vcpu_blocked, 0, sizeof(hv.vcpu_blocked));
	CHECK(libxl__hv_info_valid(&hv) == 0);
	hv.mem_current_kib = hv.mem_kib + 1;
	CHECK(libxl__hv_info_valid(&hv) == -EPROTO);
	hv.mem_current_kib = 1024;
	hv.mem_max_kib = hv.mem_kib + 4;
	CHECK(libxl__hv_info_valid(&hv) == -EPROTO);
	hv.balloon_valid = 0; /* an older xenon-hv: its balloon figures are not read */
	CHECK(libxl__hv_info_valid(&hv) == 0);
	hv.balloon_valid = 2;
	CHECK(libxl__hv_info_valid(&hv) == -EPROTO);
}

static void test_death_from_status(void)
{
	/* wait statuses as waitpid reports them: exit code << 8, or the signal */
	CHECK_INT(libxl__death_from_wait_status(HV_EXIT_POWEROFF << 8), LIBXL_DEATH_POWEROFF);
	CHECK_INT(libxl__death_from_wait_status(HV_EXIT_REBOOT << 8), LIBXL_DEATH_REBOOT);
	CHECK_INT(libxl__death_from_wait_status(HV_EXIT_CRASH << 8), LIBXL_DEATH_CRASH);
	CHECK_INT(libxl__death_from_wait_status(HV_EXIT_DESTROY << 8), LIBXL_DEATH_DESTROYED);
	CHECK_INT(libxl__death_from_wait_status(HV_EXIT_ERROR << 8), LIBXL_DEATH_CRASH);
	CHECK_INT(libxl__death_from_wait_status(9), LIBXL_DEATH_CRASH); /* SIGKILL */
}

static void test_parse_domid(void)
{
	uint32_t id = 99;

	CHECK_INT(libxl__parse_domid("7", &id), 0);
	CHECK_INT(id, 7);
	CHECK_INT(libxl__parse_domid("0", &id), 0);
	CHECK_INT(id, 0);
	CHECK_INT(libxl__parse_domid("", &id), -EINVAL);
	CHECK_INT(libxl__parse_domid("7a", &id), -EINVAL);
	CHECK_INT(libxl__parse_domid("-1", &id), -EINVAL);
	CHECK_INT(libxl__parse_domid("32752", &id), -ERANGE); /* 0x7ff0 */
	CHECK_INT(libxl__parse_domid("99999999999", &id), -EINVAL);
}

/* A /local/domain directory's reply: names NUL-separated, a NUL after them. */
static void test_domids_parse(void)
{
	static const char names[] = "12\0" "0\0" "tools\0" "3\0" "07x\0" "5";
	uint32_t *ids = NULL;
	unsigned nr = 9;

	CHECK_INT(libxl__domids_parse(names, sizeof(names) - 1, &ids, &nr), 0);
	CHECK_INT(nr, 4); /* sorted; what is no domid is left out */
	CHECK(ids && ids[0] == 0 && ids[1] == 3 && ids[2] == 5 && ids[3] == 12);
	free(ids);
	CHECK_INT(libxl__domids_parse(NULL, 0, &ids, &nr), 0); /* no such directory */
	CHECK(ids == NULL && nr == 0);
	CHECK_INT(libxl__domids_parse("", 0, &ids, &nr), 0); /* an empty one */
	CHECK_INT(nr, 0);
	free(ids);
}

/* Outstanding: what a domain holds or is told to, if more, less what is backed; nothing once it is going. */
static void test_mem_outstanding(void)
{
	struct hvctl_info hv;

	memset(&hv, 0, sizeof(hv));
	hv.state = HVCTL_STATE_RUNNING;
	hv.mem_kib = 262144; /* no balloon driver yet: all its RAM */
	hv.mem_backed_kib = 65536;
	CHECK(libxl__mem_outstanding(&hv, 131072) == 196608);
	CHECK(libxl__mem_outstanding(&hv, 524288) == 458752); /* told to grow past it */
	hv.balloon_valid = 1;
	hv.mem_current_kib = 131072; /* ballooned down to 128 MiB */
	CHECK(libxl__mem_outstanding(&hv, 65536) == 65536);
	hv.mem_backed_kib = 200000; /* backs more than it holds: it owes nothing */
	CHECK(libxl__mem_outstanding(&hv, 65536) == 0);
	hv.mem_backed_kib = 0;
	hv.state = HVCTL_STATE_PAUSED;
	CHECK(libxl__mem_outstanding(&hv, 0) == 131072);
	hv.state = HVCTL_STATE_SHUTDOWN;
	CHECK(libxl__mem_outstanding(&hv, 131072) == 0);
	hv.state = HVCTL_STATE_CRASHED;
	CHECK(libxl__mem_outstanding(&hv, 131072) == 0);
}

static void cpus(libxl_bitmap *map, const char *list) /* "0 3 5" */
{
	libxl_bitmap_init(map);
	libxl_bitmap_alloc(map, 8);
	for (const char *p = list; *p; p++)
		if (*p != ' ')
			libxl_bitmap_set(map, (unsigned)(*p - '0'));
}

static const char *nodes_str(const libxl_bitmap *m)
{
	static char s[16];
	unsigned n = 0;

	for (unsigned b = 0; b < libxl_bitmap_nr_bits(m) && n + 1 < sizeof(s); b++)
		if (libxl_bitmap_test(m, b))
			s[n++] = (char)('0' + b);
	s[n] = 0;
	return s;
}

/* Nodes of the CPUs the vCPUs may run on: hard, within soft when they share one, within the pool. */
static void test_vcpu_nodes(void)
{
	/* CPUs 0-1 on node 0, 2-3 on node 1, 4 offline, 5 on node 3 */
	static const libxl_cputopology topo[] = {
	    {0, 0, 0}, {1, 0, 0}, {0, 1, 1}, {1, 1, 1}, {~0u, ~0u, ~0u}, {0, 2, 3}};
	libxl_vcpuinfo v[2];
	libxl_bitmap pool, nodes;

	memset(v, 0, sizeof(v));
	libxl_bitmap_init(&nodes);
	cpus(&pool, "012345");
	cpus(&v[0].cpumap, "0");
	cpus(&v[0].cpumap_soft, "012345");
	CHECK_INT(libxl__vcpu_nodes(topo, 6, v, 1, &pool, &nodes), 0);
	CHECK_STR(nodes_str(&nodes), "0");
	cpus(&v[1].cpumap, "0123");
	cpus(&v[1].cpumap_soft, "2"); /* shares CPU 2 with hard: kept there */
	CHECK_INT(libxl__vcpu_nodes(topo, 6, v, 2, &pool, &nodes), 0);
	CHECK_STR(nodes_str(&nodes), "01");
	libxl_bitmap_dispose(&v[1].cpumap_soft);
	cpus(&v[1].cpumap_soft, "1"); /* shares none: hard alone */
	libxl_bitmap_dispose(&v[1].cpumap);
	cpus(&v[1].cpumap, "345");
	CHECK_INT(libxl__vcpu_nodes(topo, 6, v, 2, &pool, &nodes), 0);
	CHECK_STR(nodes_str(&nodes), "013"); /* CPU 4 is offline: no node */
	libxl_bitmap_dispose(&pool);
	cpus(&pool, "23"); /* the cpupool keeps them on node 1's CPUs */
	CHECK_INT(libxl__vcpu_nodes(topo, 6, v, 2, &pool, &nodes), 0);
	CHECK_STR(nodes_str(&nodes), "1"); /* and the map is cleared first */
	CHECK_INT(libxl__vcpu_nodes(topo, 6, v, 0, &pool, &nodes), 0);
	CHECK_STR(nodes_str(&nodes), "");
	for (int i = 0; i < 2; i++) {
		libxl_bitmap_dispose(&v[i].cpumap);
		libxl_bitmap_dispose(&v[i].cpumap_soft);
	}
	libxl_bitmap_dispose(&pool);
	libxl_bitmap_dispose(&nodes);
}

int main(void)
{
	RUN(test_name_rules);
	RUN(test_domid_pick);
	RUN(test_domid_pick_full);
	RUN(test_state_letters);
	RUN(test_state_from_hv);
	RUN(test_info_valid);
	RUN(test_death_from_status);
	RUN(test_parse_domid);
	RUN(test_domids_parse);
	RUN(test_mem_outstanding);
	RUN(test_vcpu_nodes);
	return unit_done();
}
