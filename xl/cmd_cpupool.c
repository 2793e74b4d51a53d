/*
 * xl cpupool-create, -list, -destroy, -rename, -cpu-add, -cpu-remove,
 * -migrate and -numa-split, as Xen's (output and arguments), on
 * libxl_cpupool_* (pools on cpusets, see libxl/libxl_cpupool.c). A pool
 * is named by its name or its id; commands that change pools hold xl's
 * lock, as create does.
 */
#include "xl/cfg_domain.h"
#include "xl/cfg_parse.h"
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A pool by name or id; said when unknown. */
static int find_pool(libxl_ctx *ctx, const char *cmd, const char *q, uint32_t *poolid)
{
	libxl_cpupoolinfo *l;
	int n = 0, rc = -ENOENT;
	char *end;
	unsigned long id = strtoul(q, &end, 10);

	l = libxl_list_cpupool(ctx, &n);
	if (!l) {
		log_warnx("%s: cannot read the cpupools: %s", cmd, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n && rc; i++)
		if (!strcmp(l[i].pool_name, q) || (*q && !*end && l[i].poolid == id)) {
			*poolid = l[i].poolid;
			rc = 0;
		}
	libxl_cpupoolinfo_list_free(l, n);
	if (rc)
		log_warnx("%s: unknown cpupool '%s' (xl cpupool-list shows them)", cmd, q);
	return rc;
}

/* Run fn under xl's lock with a context; the exit status. */
static int locked(int (*fn)(libxl_ctx *ctx, char **args), char **args)
{
	libxl_ctx *ctx;
	int lock, rc;

	if (xl_lock_take(&lock) < 0)
		return 1;
	ctx = xl_ctx_open();
	rc = ctx ? fn(ctx, args) : -EIO;
	libxl_ctx_free(ctx);
	libxl_lock_release(lock);
	return rc < 0;
}

/* ---- cpupool-create ---- */

struct pool_cfg {
	char *name;
	libxl_scheduler sched;
	libxl_bitmap cpus;
	char err[CFG_ERR_MAX];
};

/* One item of a cpus= or nodes= list ("node:" in front for nodes). */
static int add_item(struct pool_cfg *pc, const struct cfg_value *v, const char *prefix)
{
	char spec[64];

	if (v->kind == CFG_LIST)
		return cfg_error(pc->err, &v->loc, "a list inside a CPU list");
	snprintf(spec, sizeof(spec), "%s%s", prefix, v->text);
	if (xl_parse_cpurange(spec, &pc->cpus, pc->err) < 0)
		return -EINVAL;
	return 0;
}

static int pool_cpus(struct pool_cfg *pc, const struct cfg *cfg)
{
	const struct cfg_setting *s = cfg_find(cfg, "nodes");
	const char *prefix = "node:";
	int rc = 0;

	if (!s) {
		s = cfg_find(cfg, "cpus");
		prefix = "";
	}
	if (!s)
		return 0;
	if (s->value->kind != CFG_LIST)
		return add_item(pc, s->value, prefix);
	for (size_t i = 0; rc == 0 && i < s->value->count; i++)
		rc = add_item(pc, s->value->items[i], prefix);
	return rc;
}

static int pool_cfg_read(struct pool_cfg *pc, const struct cfg *cfg, const char *file)
{
	const struct cfg_setting *s = cfg_find(cfg, "name");
	const char *v;
	int rc = 0;

	if (s)
		rc = cfg_value_strdup(s->value, "name", &pc->name, pc->err);
	else if (file) {
		char *copy = strdup(file);

		pc->name = copy ? strdup(basename(copy)) : NULL;
		free(copy);
	} else
		return snprintf(pc->err, sizeof(pc->err), "Missing cpupool name! (give name=)"), -EINVAL;
	if (rc == 0 && !pc->name)
		rc = -ENOMEM;
	pc->sched = LIBXL_SCHEDULER_CREDIT;
	s = cfg_find(cfg, "sched");
	if (rc == 0 && s && (rc = cfg_value_string(s->value, "sched", &v, pc->err)) == 0 &&
	    (libxl_scheduler_from_string(v, &pc->sched) < 0 || pc->sched == LIBXL_SCHEDULER_UNKNOWN))
		rc = cfg_error(pc->err, &s->loc, "unknown scheduler \"%s\"", v);
	return rc < 0 ? rc : pool_cpus(pc, cfg);
}

/* The file (if any) then the key=value arguments, parsed into cfg. */
static int parse_args(struct cfg *cfg, const char *file, int argc, char **argv, char *err)
{
	int rc = file ? cfg_parse_file(cfg, file, err) : 0;

	for (int i = 0; rc == 0 && i < argc; i++)
		rc = cfg_parse(cfg, "command line", argv[i], strlen(argv[i]), err);
	return rc;
}

int main_cpupool_create(int argc, char **argv)
{
	static const struct option longopts[] = {{"defconfig", required_argument, NULL, 'f'},
						 {"dryrun", no_argument, NULL, 'n'},
						 {NULL, 0, NULL, 0}};
	struct pool_cfg pc = {.name = NULL};
	const char *file = NULL;
	struct cfg cfg;
	char *kv[64];
	int opt, nkv = 0, rc;
	bool dry = xl_dryrun;
	uint32_t poolid = LIBXL_CPUPOOL_POOLID_ANY;

	SWITCH_FOREACH_OPT(opt, "nf:", longopts, "cpupool-create", 0)
	{
	case 'f':
		file = optarg;
		break;
	case 'n':
		dry = true;
		break;
	}
	for (; optind < argc; optind++) {
		if (strchr(argv[optind], '=') && nkv < 64)
			kv[nkv++] = argv[optind];
		else if (!file && !strchr(argv[optind], '='))
			file = argv[optind];
		else
			return xl_usage_error("cpupool-create", "unexpected argument '%s'", argv[optind]), 1;
	}
	cfg_init(&cfg);
	libxl_bitmap_init(&pc.cpus);
	rc = parse_args(&cfg, file, nkv, kv, pc.err);
	if (rc == 0)
		rc = pool_cfg_read(&pc, &cfg, file);
	if (rc < 0)
		log_warnx("cpupool-create: %s", pc.err[0] ? pc.err : log_strerror(rc));
	if (rc == 0) {
		printf("Using config file \"%s\"\n", file ? file : "command line");
		printf("cpupool name:   %s\n", pc.name);
		printf("scheduler:      %s\n", libxl_scheduler_to_string(pc.sched));
		printf("number of cpus: %u\n", libxl_bitmap_count_set(&pc.cpus));
		fflush(stdout);
	}
	if (rc == 0 && !dry) {
		int lock;
		libxl_ctx *ctx;

		rc = xl_lock_take(&lock);
		ctx = rc == 0 ? xl_ctx_open() : NULL;
		rc = ctx ? libxl_cpupool_create(ctx, pc.name, pc.sched, pc.cpus, NULL, &poolid) : -EIO;
		if (rc < 0)
			log_warnx("cpupool-create: error on creating cpupool '%s' (above)", pc.name);
		libxl_ctx_free(ctx);
		if (ctx)
			libxl_lock_release(lock);
	}
	cfg_dispose(&cfg);
	libxl_bitmap_dispose(&pc.cpus);
	free(pc.name);
	return rc < 0;
}

/* ---- cpupool-list ---- */

static void print_pool(const libxl_cpupoolinfo *p, bool cpus)
{
	unsigned n = 0;

	printf("%-19s", p->pool_name);
	for (unsigned c = 0; c < libxl_bitmap_nr_bits(&p->cpumap); c++)
		if (libxl_bitmap_test(&p->cpumap, c)) {
			if (cpus)
				printf(n ? ",%u" : "%u", c);
			n++;
		}
	if (!cpus)
		printf("%3u %9s       y       %4u", n, libxl_scheduler_to_string(p->sched), p->n_dom);
	printf("\n");
}

int main_cpupool_list(int argc, char **argv)
{
	static const struct option longopts[] = {{"cpus", no_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	libxl_cpupoolinfo *l;
	bool cpus = false;
	uint32_t only = 0;
	int opt, n = 0, rc = 0;
	libxl_ctx *ctx;

	SWITCH_FOREACH_OPT(opt, "c", longopts, "cpupool-list", 0)
	{
	case 'c':
		cpus = true;
		break;
	}
	if (xl_too_many_args(argc, argv, "cpupool-list", 1) || !(ctx = xl_ctx_open()))
		return 1;
	if (optind < argc && find_pool(ctx, "cpupool-list", argv[optind], &only) < 0)
		rc = -ENOENT;
	l = rc == 0 ? libxl_list_cpupool(ctx, &n) : NULL;
	if (rc == 0 && !l) {
		log_warnx("cpupool-list: cannot read the cpupools: %s", strerror(errno));
		rc = -EIO;
	}
	if (l) {
		printf("%-19s%s\n", "Name", cpus ? "CPU list" : "CPUs   Sched     Active   Domain count");
		for (int i = 0; i < n; i++)
			if (optind >= argc || l[i].poolid == only)
				print_pool(&l[i], cpus);
	}
	libxl_cpupoolinfo_list_free(l, n);
	libxl_ctx_free(ctx);
	return rc < 0;
}

/* ---- the others: args are argv after the options ---- */

static int do_destroy(libxl_ctx *ctx, char **a)
{
	uint32_t id;
	int rc = find_pool(ctx, "cpupool-destroy", a[0], &id);

	if (rc == 0 && (rc = libxl_cpupool_destroy(ctx, id)) < 0)
		log_warnx("cpupool-destroy: cpupool '%s' was not destroyed (above)", a[0]);
	return rc;
}

static int do_rename(libxl_ctx *ctx, char **a)
{
	uint32_t id;
	int rc = find_pool(ctx, "cpupool-rename", a[0], &id);

	if (rc == 0 && (rc = libxl_cpupool_rename(ctx, a[1], id)) < 0)
		log_warnx("cpupool-rename: cpupool '%s' was not renamed (above)", a[0]);
	return rc;
}

static int cpus_op(libxl_ctx *ctx, char **a, const char *cmd, bool add)
{
	char err[CFG_ERR_MAX] = "";
	libxl_bitmap m;
	uint32_t id;
	int rc;

	libxl_bitmap_init(&m);
	rc = xl_parse_cpurange(a[1], &m, err);
	if (rc < 0)
		log_warnx("%s: CPUs \"%s\": %s", cmd, a[1], err);
	if (rc == 0)
		rc = find_pool(ctx, cmd, a[0], &id);
	if (rc == 0) {
		rc = add ? libxl_cpupool_cpuadd_cpumap(ctx, id, &m)
			 : libxl_cpupool_cpuremove_cpumap(ctx, id, &m);
		if (rc < 0)
			log_warnx("%s: no CPU was %s cpupool '%s' (above)", cmd,
				  add ? "added to" : "removed from", a[0]);
	}
	libxl_bitmap_dispose(&m);
	return rc;
}

static int do_cpu_add(libxl_ctx *ctx, char **a)
{
	return cpus_op(ctx, a, "cpupool-cpu-add", true);
}

static int do_cpu_remove(libxl_ctx *ctx, char **a)
{
	return cpus_op(ctx, a, "cpupool-cpu-remove", false);
}

static int do_migrate(libxl_ctx *ctx, char **a)
{
	uint32_t domid, id;
	int rc =
	    xl_find_guest(ctx, "cpupool-migrate", a[0], &domid, "Domain-0 is the host: it stays in Pool-0");

	if (rc == 0)
		rc = find_pool(ctx, "cpupool-migrate", a[1], &id);
	if (rc == 0 && (rc = libxl_cpupool_movedomain(ctx, id, domid)) < 0)
		log_warnx("cpupool-migrate: domain '%s' was not moved to cpupool '%s' (above)", a[0], a[1]);
	return rc;
}

static int simple(int argc, char **argv, const char *cmd, int nargs, int (*fn)(libxl_ctx *, char **))
{
	int st = xl_plain_args(argc, argv, cmd, nargs);

	return st >= 0 ? st : locked(fn, argv + optind);
}

int main_cpupool_destroy(int argc, char **argv)
{
	return simple(argc, argv, "cpupool-destroy", 1, do_destroy);
}

int main_cpupool_rename(int argc, char **argv)
{
	return simple(argc, argv, "cpupool-rename", 2, do_rename);
}

int main_cpupool_cpu_add(int argc, char **argv)
{
	return simple(argc, argv, "cpupool-cpu-add", 2, do_cpu_add);
}

int main_cpupool_cpu_remove(int argc, char **argv)
{
	return simple(argc, argv, "cpupool-cpu-remove", 2, do_cpu_remove);
}

int main_cpupool_migrate(int argc, char **argv)
{
	return simple(argc, argv, "cpupool-migrate", 2, do_migrate);
}

/* ---- cpupool-numa-split ---- */

#define NODES_ONLINE "/sys/devices/system/node/online"

/* A pool Pool-node<N> on each NUMA node but the first, which stays Pool-0's. */
static int split_node(libxl_ctx *ctx, unsigned long node)
{
	char spec[32], name[32], err[CFG_ERR_MAX] = "";
	uint32_t id = LIBXL_CPUPOOL_POOLID_ANY;
	libxl_bitmap m;
	int rc;

	libxl_bitmap_init(&m);
	snprintf(spec, sizeof(spec), "node:%lu", node);
	snprintf(name, sizeof(name), "Pool-node%lu", node);
	rc = xl_parse_cpurange(spec, &m, err);
	if (rc < 0)
		log_warnx("cpupool-numa-split: node %lu: %s", node, err);
	if (rc == 0 && !libxl_bitmap_is_empty(&m))
		rc = libxl_cpupool_create(ctx, name, LIBXL_SCHEDULER_CREDIT, m, NULL, &id);
	libxl_bitmap_dispose(&m);
	return rc;
}

static int do_numa_split(libxl_ctx *ctx, char **a)
{
	char buf[256], *p = buf, *end;
	libxl_cpupoolinfo *l;
	int n = 0, rc = 0, first = 1;
	FILE *f;

	(void)a;
	l = libxl_list_cpupool(ctx, &n);
	libxl_cpupoolinfo_list_free(l, n);
	if (!l || n > 1) {
		log_warnx("cpupool-numa-split: splitting not possible, %s",
			  l ? "already cpupools in use" : "the cpupools are unreadable");
		return -EBUSY;
	}
	f = fopen(NODES_ONLINE, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		snprintf(buf, sizeof(buf), "0");
	if (f)
		fclose(f);
	while (rc == 0 && *p >= '0' && *p <= '9') {
		unsigned long a0 = strtoul(p, &end, 10), b = a0;

		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; rc == 0 && a0 <= b; a0++, first = 0)
			rc = first ? 0 : split_node(ctx, a0);
		p = *end == ',' ? end + 1 : end;
	}
	if (rc == 0 && first == 0 && !strchr(buf, ',') && !strchr(buf, '-'))
		printf("one NUMA node only: Pool-0 keeps every CPU\n");
	return rc;
}

int main_cpupool_numa_split(int argc, char **argv)
{
	return simple(argc, argv, "cpupool-numa-split", 0, do_numa_split);
}
