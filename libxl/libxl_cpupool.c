/*
 * cpupools on cpusets (libxl_cpupool.h).
 *
 * A pool is a name, a scheduler (credit or credit2: both are the host's
 * CFS, with credit's weight and cap on the domain's cgroup) and a set of
 * host CPUs. The pools other than Pool-0 are kept in xenstore, as Xen's
 * libxl keeps their names: /local/pool/<id>/{name,sched,cpus} (dom0 only;
 * cpus in the kernel's list form "1,3-4"). Pool-0 (id 0) always exists and
 * holds every online CPU of no other pool; a CPU is in one pool. A
 * domain's pool is /libxl/<domid>/cpupool (none: Pool-0).
 *
 * A domain whose pool has fewer CPUs than the host gets a cpuset cgroup
 * (libxl__cs_place) next to its cpu cgroup, named in /libxl/<domid>/cpuset,
 * whose CPUs are its pool's: every change of a pool's CPUs, and every
 * move of a domain, rewrites them and the kernel moves the threads of its
 * xenon-hv (which resets their vCPU pinning, as Xen's move does).
 */
#include "libxl/libxl_cgroup.h"
#include "libxl/libxl_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define POOL_MAX      64
#define POOL_NAME_MAX 64
#define POOL0	      "Pool-0"
#define ONLINE	      "/sys/devices/system/cpu/online"

struct pool {
	uint32_t id;
	char name[POOL_NAME_MAX];
	libxl_scheduler sched;
	struct libxl__cpus cpus;
	unsigned n_dom;
};

struct pools {
	struct pool p[POOL_MAX]; /* p[0]: Pool-0, then by id */
	unsigned n;
	struct libxl__cpus online;
};

static int read_online(struct libxl__cpus *c)
{
	char buf[4096];
	FILE *f = fopen(ONLINE, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return libxl__cpus_parse(buf, c);
}

/* The domain's pool id (0 when it names none). */
static int pool_of(libxl_ctx *ctx, uint32_t tx, uint32_t domid, uint32_t *id)
{
	uint64_t v;
	int rc = libxl__xs_read_u64(ctx, tx, &v, "/libxl/%u/cpupool", domid);

	*id = rc == 0 && v < UINT32_MAX ? (uint32_t)v : 0;
	return rc == -ENOENT ? 0 : rc;
}

static int read_pool(libxl_ctx *ctx, uint32_t tx, struct pool *p)
{
	char *name = NULL, *sched = NULL, *cpus = NULL;
	int rc = libxl__xs_read(ctx, tx, &name, "/local/pool/%u/name", p->id);

	if (rc == 0)
		rc = libxl__xs_read(ctx, tx, &sched, "/local/pool/%u/sched", p->id);
	if (rc == 0)
		rc = libxl__xs_read(ctx, tx, &cpus, "/local/pool/%u/cpus", p->id);
	if (rc == 0 &&
	    (strlen(name) >= sizeof(p->name) || libxl_scheduler_from_string(sched, &p->sched) < 0 ||
	     libxl__cpus_parse(cpus, &p->cpus) < 0))
		rc = -EPROTO;
	if (rc == 0)
		snprintf(p->name, sizeof(p->name), "%s", name);
	else
		log_warnx("cpupool %u in xenstore (/local/pool/%u) is unreadable: %s", p->id, p->id,
			  log_strerror(rc));
	free(name);
	free(sched);
	free(cpus);
	return rc;
}

static int cmp_pool(const void *a, const void *b)
{
	const struct pool *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct pool *by_id(struct pools *ps, uint32_t id)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (ps->p[i].id == id)
			return &ps->p[i];
	return NULL;
}

static struct pool *by_name(struct pools *ps, const char *name)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (!strcmp(ps->p[i].name, name))
			return &ps->p[i];
	return NULL;
}

/* Pool-0's CPUs: the online ones no other pool has. */
static void pool0_cpus(struct pools *ps)
{
	ps->p[0].cpus = ps->online;
	for (unsigned i = 1; i < ps->n; i++)
		for (unsigned w = 0; w < LIBXL__CPUS_MAX / 64; w++)
			ps->p[0].cpus.w[w] &= ~ps->p[i].cpus.w[w];
}

static int count_domains(libxl_ctx *ctx, uint32_t tx, struct pools *ps)
{
	uint32_t *ids = NULL, id;
	unsigned nr = 0;
	int rc = libxl__xs_domids(ctx, tx, &ids, &nr);

	ps->p[0].n_dom = 1; /* Domain-0, listed or not yet */
	for (unsigned i = 0; rc == 0 && i < nr; i++) {
		struct pool *p;

		if (ids[i] == 0)
			continue;
		rc = pool_of(ctx, tx, ids[i], &id);
		p = by_id(ps, id);
		if (rc == 0)
			(p ? p : &ps->p[0])->n_dom++;
	}
	free(ids);
	return rc;
}

static int read_pools(libxl_ctx *ctx, uint32_t tx, struct pools *ps)
{
	char **names = NULL;
	unsigned count = 0;
	int rc;

	memset(ps, 0, sizeof(*ps));
	rc = read_online(&ps->online);
	if (rc < 0) {
		log_warnx("cannot read the host's online CPUs from %s: %s", ONLINE, log_strerror(rc));
		return rc;
	}
	snprintf(ps->p[0].name, sizeof(ps->p[0].name), "%s", POOL0);
	ps->p[0].sched = LIBXL_SCHEDULER_CREDIT;
	ps->n = 1;
	rc = xsc_directory(ctx->xsh, tx, "/local/pool", &names, &count);
	if (rc == -ENOENT)
		rc = 0, count = 0;
	for (unsigned i = 0; rc == 0 && i < count && ps->n < POOL_MAX; i++) {
		uint32_t id;

		if (libxl__parse_domid(names[i], &id) < 0 || id == 0)
			continue;
		ps->p[ps->n].id = id;
		rc = read_pool(ctx, tx, &ps->p[ps->n++]);
	}
	free(names);
	if (rc < 0)
		return rc;
	qsort(ps->p + 1, ps->n - 1, sizeof(ps->p[0]), cmp_pool);
	pool0_cpus(ps);
	return count_domains(ctx, tx, ps);
}

static int write_pool(libxl_ctx *ctx, uint32_t tx, const struct pool *p)
{
	char cpus[4096];
	int rc;

	libxl__cpus_format(&p->cpus, cpus, sizeof(cpus));
	rc = libxl__xs_write(ctx, tx, p->name, "/local/pool/%u/name", p->id);
	if (rc == 0)
		rc = libxl__xs_write(ctx, tx, libxl_scheduler_to_string(p->sched), "/local/pool/%u/sched",
				     p->id);
	if (rc == 0)
		rc = libxl__xs_write(ctx, tx, cpus, "/local/pool/%u/cpus", p->id);
	return rc;
}

/* ---- the domains' cpusets ---- */

/* <parent> of the domain's cpu cgroup <mount>/<parent>/dom<domid>. */
static int domain_parent(libxl_ctx *ctx, uint32_t domid, char *parent, size_t len)
{
	struct libxl__cg_host h;
	char *path = NULL, tail[32];
	size_t m, t;
	int rc = libxl__xs_read(ctx, XS_NO_TX, &path, "/libxl/%u/cgroup", domid);

	snprintf(tail, sizeof(tail), "/dom%u", domid);
	if (rc == 0)
		rc = libxl__cg_detect(&h);
	m = strlen(h.mount);
	if (rc == 0) {
		t = strlen(path);
		if (strncmp(path, h.mount, m) || path[m] != '/' || t < m + 1 + strlen(tail) ||
		    strcmp(path + t - strlen(tail), tail) || t - strlen(tail) - m - 1 >= len)
			rc = -EINVAL;
		else
			snprintf(parent, len, "%.*s", (int)(t - strlen(tail) - m - 1), path + m + 1);
	}
	free(path);
	if (rc < 0)
		log_warnx("domain %u has no cgroup of its own (cgroup_parent=\"\", or no cgroup "
			  "hierarchy here): a cpupool cannot keep it on the pool's CPUs",
			  domid);
	return rc < 0 ? -EOPNOTSUPP : 0;
}

/* Domain domid's xenon-hv (pid; 0: not started yet, the cpuset is only made) onto its pool's CPUs. */
static int apply_domain(libxl_ctx *ctx, struct pools *ps, uint32_t domid, int pid)
{
	char cpus[4096], path[LIBXL__CG_PATH_MAX], parent[LIBXL__CG_PATH_MAX], *old = NULL;
	uint32_t id;
	struct pool *p;
	int rc;

	if (pid < 0 || pool_of(ctx, XS_NO_TX, domid, &id) < 0)
		return 0;
	p = by_id(ps, id) ? by_id(ps, id) : &ps->p[0];
	libxl__cpus_format(&p->cpus, cpus, sizeof(cpus));
	if (libxl__xs_read(ctx, XS_NO_TX, &old, "/libxl/%u/cpuset", domid) == 0) {
		rc = libxl__cg_path_valid(old) < 0 ? -EINVAL : libxl__cs_set_cpus(old, cpus);
		free(old);
		return rc;
	}
	if (!memcmp(&p->cpus, &ps->online, sizeof(p->cpus)))
		return 0; /* all the host's CPUs: no cpuset needed */
	rc = domain_parent(ctx, domid, parent, sizeof(parent));
	if (rc == 0)
		rc = libxl__cs_place(parent, domid, pid, cpus, path, sizeof(path));
	if (rc == 0)
		rc = libxl__xs_write(ctx, XS_NO_TX, path, "/libxl/%u/cpuset", domid);
	return rc;
}

/* Every running domain onto its pool's CPUs (after a change of the pools). */
static int apply_all(libxl_ctx *ctx)
{
	struct pools *ps = calloc(1, sizeof(*ps));
	uint32_t *ids = NULL;
	unsigned nr = 0;
	int rc = ps ? read_pools(ctx, XS_NO_TX, ps) : -ENOMEM;

	if (rc == 0)
		rc = libxl__xs_domids(ctx, XS_NO_TX, &ids, &nr);
	for (unsigned i = 0; rc == 0 && i < nr; i++) {
		int pid = ids[i] != 0 ? libxl__read_pid(ctx, ids[i], "hv-pid") : 0;

		if (pid > 0) /* a running domain (not one whose xenon-hv is gone) */
			rc = apply_domain(ctx, ps, ids[i], pid);
	}
	free(ids);
	free(ps);
	return rc;
}

int libxl__cpupool_prepare(libxl_ctx *ctx, uint32_t domid, int *procs_fd)
{
	struct pools *ps = calloc(1, sizeof(*ps));
	char *path = NULL, procs[LIBXL__CG_PATH_MAX];
	int rc = ps ? read_pools(ctx, XS_NO_TX, ps) : -ENOMEM;

	*procs_fd = -1;
	if (rc == 0)
		rc = apply_domain(ctx, ps, domid, 0);
	free(ps);
	if (rc < 0 || libxl__xs_read(ctx, XS_NO_TX, &path, "/libxl/%u/cpuset", domid) < 0)
		return rc; /* no cpuset: the pool has every CPU */
	if (snprintf(procs, sizeof(procs), "%s/cgroup.procs", path) >= (int)sizeof(procs))
		rc = -ENAMETOOLONG;
	else if ((*procs_fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
		rc = -errno;
	if (rc < 0)
		log_warnx("domain %u: cannot open its cpuset's %s: %s", domid, procs, log_strerror(rc));
	free(path);
	return rc;
}

int libxl__cpupool_cleanup(libxl_ctx *ctx, uint32_t domid)
{
	char *path = NULL;
	int rc;

	if (libxl__xs_read(ctx, XS_NO_TX, &path, "/libxl/%u/cpuset", domid) < 0)
		return 0;
	rc = libxl__cg_remove(path);
	if (rc == 0)
		libxl__xs_rm(ctx, XS_NO_TX, "/libxl/%u/cpuset", domid);
	free(path);
	return rc;
}

/* ---- the calls ---- */

/* One change of the pools, checked and written in one transaction. */
struct change {
	int (*op)(libxl_ctx *ctx, uint32_t tx, struct pools *ps, struct change *c);
	uint32_t poolid, domid;
	const char *name;
	libxl_scheduler sched;
	struct libxl__cpus cpus;
	struct pools ps;
};

static int change_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	struct change *c = arg;
	int rc = read_pools(ctx, tx, &c->ps);

	return rc < 0 ? rc : c->op(ctx, tx, &c->ps, c);
}

/* Run c->op in a transaction, then put every domain on its pool's CPUs. */
static int change(libxl_ctx *ctx, struct change *c)
{
	int rc = libxl__xs_transact(ctx, change_tx, c);

	return rc < 0 ? rc : apply_all(ctx);
}

static struct change *change_new(int (*op)(libxl_ctx *, uint32_t, struct pools *, struct change *),
				 uint32_t poolid)
{
	struct change *c = calloc(1, sizeof(*c));

	if (c) {
		c->op = op;
		c->poolid = poolid;
	}
	return c;
}

static int run_change(libxl_ctx *ctx, struct change *c)
{
	int rc = c ? change(ctx, c) : -ENOMEM;

	free(c);
	return rc;
}

static struct pool *known(struct pools *ps, uint32_t id)
{
	struct pool *p = by_id(ps, id);

	if (!p)
		log_warnx("there is no cpupool with id %u (xl cpupool-list shows them)", id);
	return p;
}

static int name_ok(struct pools *ps, const char *name)
{
	const struct pool *p;

	for (const char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.:@-", *s))
			goto bad;
	if (!*name || strlen(name) >= POOL_NAME_MAX)
		goto bad;
	p = by_name(ps, name);
	if (p) {
		log_warnx("cpupool name \"%s\" is in use (pool %u): choose another", name, p->id);
		return -EEXIST;
	}
	return 0;
bad:
	log_warnx("\"%s\" is not a valid cpupool name: give 1 to %d letters, digits and _.:@-", name,
		  POOL_NAME_MAX - 1);
	return -EINVAL;
}

/*
 * The CPUs of c->cpus that may join pool p: online, and in Pool-0 or p
 * already; Pool-0 keeps one CPU at least.
 */
static int cpus_may_join(struct pools *ps, const struct pool *p, const struct libxl__cpus *cpus)
{
	struct libxl__cpus left = ps->p[0].cpus;
	char on[4096];

	libxl__cpus_format(&ps->online, on, sizeof(on));
	for (unsigned cpu = 0; cpu < LIBXL__CPUS_MAX; cpu++) {
		if (!libxl__cpus_test(cpus, cpu) || libxl__cpus_test(&p->cpus, cpu))
			continue;
		if (!libxl__cpus_test(&ps->online, cpu)) {
			log_warnx("CPU %u is not online on this host (its CPUs: %s)", cpu, on);
			return -EINVAL;
		}
		for (unsigned i = 1; i < ps->n; i++)
			if (libxl__cpus_test(&ps->p[i].cpus, cpu)) {
				log_warnx("CPU %u is in cpupool '%s': remove it there first (xl "
					  "cpupool-cpu-remove %s %u)",
					  cpu, ps->p[i].name, ps->p[i].name, cpu);
				return -EBUSY;
			}
		libxl__cpus_clear(&left, cpu);
	}
	if (p != &ps->p[0] && !libxl__cpus_count(&left)) {
		log_warnx("Pool-0 would have no CPU left: it keeps at least one (it has %u)",
			  libxl__cpus_count(&ps->p[0].cpus));
		return -EINVAL;
	}
	return 0;
}

static int sched_ok(libxl_scheduler s)
{
	if (s == LIBXL_SCHEDULER_CREDIT || s == LIBXL_SCHEDULER_CREDIT2)
		return 0;
	log_warnx("scheduler %s is not available: Xenon's pools schedule with the host's, as credit or "
		  "credit2 (weight and cap)",
		  libxl_scheduler_to_string(s) ? libxl_scheduler_to_string(s) : "unknown");
	return -EINVAL;
}

static int op_create(libxl_ctx *ctx, uint32_t tx, struct pools *ps, struct change *c)
{
	struct pool np = {.sched = c->sched};
	int rc = name_ok(ps, c->name);

	if (rc == 0)
		rc = sched_ok(c->sched);
	if (rc == 0 && ps->n >= POOL_MAX) {
		log_warnx("there are %d cpupools already: destroy one first", POOL_MAX);
		rc = -ENOSPC;
	}
	if (rc == 0)
		rc = cpus_may_join(ps, &np, &c->cpus);
	if (rc < 0)
		return rc;
	np.id = c->poolid;
	if (np.id == LIBXL_CPUPOOL_POOLID_ANY)
		for (np.id = 1; by_id(ps, np.id); np.id++)
			;
	if (np.id == 0 || by_id(ps, np.id)) {
		log_warnx("cpupool id %u is in use", np.id);
		return -EEXIST;
	}
	np.cpus = c->cpus;
	snprintf(np.name, sizeof(np.name), "%s", c->name);
	c->poolid = np.id;
	return write_pool(ctx, tx, &np);
}

static void cpus_from_bitmap(struct libxl__cpus *c, const libxl_bitmap *m)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < libxl_bitmap_nr_bits(m) && i < LIBXL__CPUS_MAX; i++)
		if (libxl_bitmap_test(m, i))
			libxl__cpus_set(c, i);
}

int libxl_cpupool_create(libxl_ctx *ctx, const char *name, libxl_scheduler sched, libxl_bitmap cpumap,
			 libxl_uuid *uuid, uint32_t *poolid)
{
	struct change *c = change_new(op_create, poolid ? *poolid : LIBXL_CPUPOOL_POOLID_ANY);
	int rc;

	(void)uuid;
	if (!c)
		return -ENOMEM;
	c->name = name;
	c->sched = sched;
	cpus_from_bitmap(&c->cpus, &cpumap);
	rc = change(ctx, c);
	if (rc == 0 && poolid)
		*poolid = c->poolid;
	free(c);
	return rc;
}

static int op_destroy(libxl_ctx *ctx, uint32_t tx, struct pools *ps, struct change *c)
{
	struct pool *p = known(ps, c->poolid);

	if (!p)
		return -ENOENT;
	if (p->id == 0) {
		log_warnx("Pool-0 cannot be destroyed: it always exists");
		return -EINVAL;
	}
	if (p->n_dom) {
		log_warnx("cpupool '%s' has %u domain%s: move %s to another pool (xl cpupool-migrate) or "
			  "destroy %s first",
			  p->name, p->n_dom, p->n_dom == 1 ? "" : "s", p->n_dom == 1 ? "it" : "them",
			  p->n_dom == 1 ? "it" : "them");
		return -EBUSY;
	}
	return libxl__xs_rm(ctx, tx, "/local/pool/%u", p->id);
}

int libxl_cpupool_destroy(libxl_ctx *ctx, uint32_t poolid)
{
	return run_change(ctx, change_new(op_destroy, poolid));
}

static int op_rename(libxl_ctx *ctx, uint32_t tx, struct pools *ps, struct change *c)
{
	struct pool *p = known(ps, c->poolid);
	int rc;

	if (!p)
		return -ENOENT;
	if (p->id == 0) {
		log_warnx("Pool-0 cannot be renamed: Xenon's Pool-0 always exists under that name");
		return -EINVAL;
	}
	if (!strcmp(p->name, c->name))
		return 0;
	rc = name_ok(ps, c->name);
	return rc < 0 ? rc : libxl__xs_write(ctx, tx, c->name, "/local/pool/%u/name", p->id);
}

int libxl_cpupool_rename(libxl_ctx *ctx, const char *name, uint32_t poolid)
{
	struct change *c = change_new(op_rename, poolid);

	if (c)
		c->name = name;
	return run_change(ctx, c);
}

static int op_cpuadd(libxl_ctx *ctx, uint32_t tx, struct pools *ps, struct change *c)
{
	struct pool *p = known(ps, c->poolid);
	int rc;

	if (!p)
		return -ENOENT;
	rc = cpus_may_join(ps, p, &c->cpus);
	if (rc < 0 || p->id == 0)
		return rc; /* Pool-0 holds them already */
	for (unsigned w = 0; w < LIBXL__CPUS_MAX / 64; w++)
		p->cpus.w[w] |= c->cpus.w[w];
	return write_pool(ctx, tx, p);
}

static int cpus_change(libxl_ctx *ctx, int (*op)(libxl_ctx *, uint32_t, struct pools *, struct change *),
		       uint32_t poolid, const libxl_bitmap *cpumap)
{
	struct change *c = change_new(op, poolid);

	if (c)
		cpus_from_bitmap(&c->cpus, cpumap);
	return run_change(ctx, c);
}

int libxl_cpupool_cpuadd_cpumap(libxl_ctx *ctx, uint32_t poolid, const libxl_bitmap *cpumap)
{
	return cpus_change(ctx, op_cpuadd, poolid, cpumap);
}

static int op_cpuremove(libxl_ctx *ctx, uint32_t tx, struct pools *ps, struct change *c)
{
	struct pool *p = known(ps, c->poolid);
	char has[4096];

	if (!p)
		return -ENOENT;
	if (p->id == 0) {
		log_warnx("Pool-0 holds every CPU no other pool has: add the CPU to another pool instead "
			  "(xl cpupool-cpu-add <pool> <cpu>)");
		return -EINVAL;
	}
	libxl__cpus_format(&p->cpus, has, sizeof(has));
	for (unsigned cpu = 0; cpu < LIBXL__CPUS_MAX; cpu++) {
		if (!libxl__cpus_test(&c->cpus, cpu))
			continue;
		if (!libxl__cpus_test(&p->cpus, cpu)) {
			log_warnx("CPU %u is not in cpupool '%s' (its CPUs: %s)", cpu, p->name,
				  *has ? has : "none");
			return -EINVAL;
		}
		libxl__cpus_clear(&p->cpus, cpu);
	}
	if (p->n_dom && !libxl__cpus_count(&p->cpus)) {
		log_warnx("cpupool '%s' would have no CPU left for its %u domain%s: keep one, or move them "
			  "first (xl cpupool-migrate)",
			  p->name, p->n_dom, p->n_dom == 1 ? "" : "s");
		return -EBUSY;
	}
	return write_pool(ctx, tx, p);
}

int libxl_cpupool_cpuremove_cpumap(libxl_ctx *ctx, uint32_t poolid, const libxl_bitmap *cpumap)
{
	return cpus_change(ctx, op_cpuremove, poolid, cpumap);
}

/* May domid (a running domain) go into pool p? */
static int may_enter(libxl_ctx *ctx, uint32_t tx, const struct pool *p, uint32_t domid)
{
	if (domid == 0) {
		log_warnx("Domain-0 is the host: it stays in Pool-0");
		return -EINVAL;
	}
	if (!libxl__xs_exists(ctx, tx, "/libxl/%u/hv-pid", domid)) {
		log_warnx("domain %u is not running", domid);
		return -ESRCH;
	}
	if (!libxl__cpus_count(&p->cpus)) {
		log_warnx("cpupool '%s' has no CPU: add one first (xl cpupool-cpu-add %s <cpu>)", p->name,
			  p->name);
		return -EINVAL;
	}
	return 0;
}

static int op_move(libxl_ctx *ctx, uint32_t tx, struct pools *ps, struct change *c)
{
	struct pool *p = known(ps, c->poolid);
	char id[16];
	int rc = p ? may_enter(ctx, tx, p, c->domid) : -ENOENT;

	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "%u", p->id);
	return libxl__xs_write(ctx, tx, id, "/libxl/%u/cpupool", c->domid);
}

int libxl_cpupool_movedomain(libxl_ctx *ctx, uint32_t poolid, uint32_t domid)
{
	struct change *c = change_new(op_move, poolid);

	if (c)
		c->domid = domid;
	return run_change(ctx, c);
}

/* At create: the domain goes into pool name (NULL, "": Pool-0). */
int libxl__cpupool_assign(libxl_ctx *ctx, uint32_t domid, const char *name)
{
	struct pools *ps = calloc(1, sizeof(*ps));
	struct pool *p;
	char id[16];
	int rc = ps ? read_pools(ctx, XS_NO_TX, ps) : -ENOMEM;

	if (rc < 0 || !name || !*name || !strcmp(name, POOL0)) {
		free(ps);
		return rc;
	}
	p = by_name(ps, name);
	if (!p) {
		log_warnx("pool=\"%s\": there is no such cpupool (xl cpupool-list shows them)", name);
		rc = -ENOENT;
	} else if (!libxl__cpus_count(&p->cpus)) {
		log_warnx("pool=\"%s\": the cpupool has no CPU: add one first (xl cpupool-cpu-add)", name);
		rc = -EINVAL;
	}
	if (rc == 0) {
		snprintf(id, sizeof(id), "%u", p->id);
		rc = libxl__xs_write(ctx, XS_NO_TX, id, "/libxl/%u/cpupool", domid);
	}
	free(ps);
	return rc;
}

int libxl_name_to_cpupoolid(libxl_ctx *ctx, const char *name, uint32_t *poolid)
{
	struct pools *ps = calloc(1, sizeof(*ps));
	struct pool *p;
	int rc = ps ? read_pools(ctx, XS_NO_TX, ps) : -ENOMEM;

	if (rc == 0) {
		p = by_name(ps, name);
		rc = p ? 0 : -ENOENT;
		if (p)
			*poolid = p->id;
	}
	free(ps);
	return rc;
}

static int fill_info(libxl_cpupoolinfo *info, const struct pool *p)
{
	libxl_bitmap_init(&info->cpumap);
	info->poolid = p->id;
	info->sched = p->sched;
	info->n_dom = p->n_dom;
	info->pool_name = strdup(p->name);
	if (!info->pool_name)
		return -ENOMEM;
	for (unsigned cpu = 0; cpu < LIBXL__CPUS_MAX; cpu++)
		if (libxl__cpus_test(&p->cpus, cpu) && libxl_bitmap_set(&info->cpumap, cpu) < 0)
			return -ENOMEM;
	return 0;
}

libxl_cpupoolinfo *libxl_list_cpupool(libxl_ctx *ctx, int *nb_pool_out)
{
	struct pools *ps = calloc(1, sizeof(*ps));
	libxl_cpupoolinfo *list = NULL;
	int rc = ps ? read_pools(ctx, XS_NO_TX, ps) : -ENOMEM;

	if (rc == 0 && !(list = calloc(ps->n, sizeof(*list))))
		rc = -ENOMEM;
	for (unsigned i = 0; rc == 0 && i < ps->n; i++)
		rc = fill_info(&list[i], &ps->p[i]);
	if (rc < 0 && list) {
		libxl_cpupoolinfo_list_free(list, (int)ps->n);
		list = NULL;
	}
	if (list)
		*nb_pool_out = (int)ps->n;
	free(ps);
	errno = -rc;
	return list;
}

void libxl_cpupoolinfo_list_free(libxl_cpupoolinfo *list, int nb_pool)
{
	for (int i = 0; list && i < nb_pool; i++) {
		free(list[i].pool_name);
		libxl_bitmap_dispose(&list[i].cpumap);
	}
	free(list);
}
