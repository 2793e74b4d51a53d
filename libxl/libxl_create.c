/*
 * libxl_domain_create_new: check the configuration, allocate the domid and
 * write the xenstore layout in one transaction, introduce the domain, spawn
 * xenon-hv and wait until it answers. Any failure undoes all of it.
 */
#include "libxl/libxl_cgroup.h"
#include "libxl/libxl_device.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"
#include "strutil.h"

#define DEFAULT_MEMKB	(32 * 1024) /* Xen's default when memory= is absent */
#define LAST_DOMID_PATH "/tool/xenon/last-domid"

static int check_config(libxl_domain_config *cfg, bool restore)
{
	libxl_domain_create_info *c = &cfg->c_info;
	libxl_domain_build_info *b = &cfg->b_info;

	if (c->type == LIBXL_DOMAIN_TYPE_HVM || c->type == LIBXL_DOMAIN_TYPE_PVH) {
		log_warnx("type=\"%s\" is not supported yet: Xenon runs PV guests (type=\"pv\")",
			  libxl_domain_type_to_string(c->type));
		return -EOPNOTSUPP;
	}
	if (!c->name || !*c->name) {
		log_warnx("the configuration has no name=: every domain needs a name");
		return -EINVAL;
	}
	if (libxl_name_valid(c->name) < 0) {
		log_warnx("name=\"%s\" is not a valid domain name: use 1 to %d letters, digits, "
			  "'_', '-' or '.', not only digits, not starting with '-' or '.'",
			  c->name, LIBXL_NAME_MAX);
		return -EINVAL;
	}
	if (restore) /* the kernel is in the saved memory */
		return 0;
	if (!b->kernel || !*b->kernel) {
		log_warnx("the configuration of '%s' has no kernel=: give the guest kernel's path", c->name);
		return -EINVAL;
	}
	if (access(b->kernel, R_OK) < 0) {
		log_warn("kernel=\"%s\" cannot be read", b->kernel);
		return -errno;
	}
	return 0;
}

/*
 * Keys xl.cfg(5) describes that Xenon cannot honour yet: refused, never
 * silently ignored (after fill_defaults).
 */
static int check_not_yet(const libxl_domain_config *cfg)
{
	const libxl_domain_build_info *b = &cfg->b_info;
	const char *name = cfg->c_info.name;

	if (!libxl_bitmap_is_empty(&b->avail_vcpus) && !libxl_bitmap_test(&b->avail_vcpus, 0)) {
		log_warnx("%s: avail_vcpus leaves vCPU 0 offline: the boot vCPU is always online", name);
		return -EINVAL;
	}
	if (b->target_memkb > b->max_memkb) {
		log_warnx("%s: memory=%llu is above maxmem=%llu (MiB): give maxmem= at least memory=", name,
			  (unsigned long long)(b->target_memkb / 1024),
			  (unsigned long long)(b->max_memkb / 1024));
		return -EINVAL;
	}
	return 0;
}

/* Xen's defaults for what the file left unset. */
static void fill_defaults(libxl_domain_config *cfg)
{
	libxl_domain_build_info *b = &cfg->b_info;

	if (libxl_uuid_is_nil(&cfg->c_info.uuid))
		libxl_uuid_generate(&cfg->c_info.uuid);
	if (b->max_memkb == LIBXL_MEMKB_DEFAULT && b->target_memkb == LIBXL_MEMKB_DEFAULT)
		b->max_memkb = DEFAULT_MEMKB;
	if (b->max_memkb == LIBXL_MEMKB_DEFAULT)
		b->max_memkb = b->target_memkb;
	if (b->target_memkb == LIBXL_MEMKB_DEFAULT)
		b->target_memkb = b->max_memkb;
	if (b->max_vcpus <= 0)
		b->max_vcpus = 1;
	/* Generated MACs are stored with the config, so that a restart keeps them. */
	for (int i = 0; i < cfg->num_nics; i++)
		libxl__device_nic_setdefault(&cfg->nics[i], i);
}

/* claim_mode (xl.conf's): on unless set off (Xen's xl default; Xen's libxl leaves it off). */
static bool counts_claims(const libxl_domain_build_info *b)
{
	return libxl_defbool_is_default(b->claim_mode) || libxl_defbool_val(b->claim_mode);
}

int libxl__config_check(libxl_domain_config *cfg, bool restore)
{
	int rc = check_config(cfg, restore);

	if (rc < 0)
		return rc;
	fill_defaults(cfg);
	rc = check_not_yet(cfg);
	if (rc == 0)
		rc = libxl__sched_params_check(&cfg->b_info.sched_params, cfg->b_info.max_vcpus,
					       cfg->c_info.name);
	return rc;
}

static int check_name_free(libxl_ctx *ctx, uint32_t tx, const char *name, const uint32_t *ids, unsigned nr)
{
	uint32_t other;

	if (libxl__domid_named(ctx, tx, ids, nr, name, &other) < 0)
		return 0;
	log_warnx("domain name '%s' is already in use by domain %u: choose another name= or remove it with "
		  "'xl destroy %s'",
		  name, other, name);
	return -EEXIST;
}

/* One attempt: pick the domid and write the layout (arg) inside transaction tx. */
static int alloc_in_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	struct libxl__layout *l = arg;
	uint32_t *ids = NULL, last = 0;
	uint64_t v;
	unsigned nr = 0;
	char buf[16];
	int rc;

	rc = libxl__xs_domids(ctx, tx, &ids, &nr);
	if (rc < 0)
		return rc;
	rc = check_name_free(ctx, tx, l->name, ids, nr);
	if (rc == 0 && libxl__xs_read_u64(ctx, tx, &v, LAST_DOMID_PATH) == 0 && v < LIBXL_DOMID_MAX)
		last = (uint32_t)v;
	if (rc == 0)
		rc = libxl__domid_pick(last, ids, nr, &l->domid);
	free(ids);
	if (rc == -ENOSPC)
		log_warnx("no free domid: destroy some domains first");
	if (rc < 0)
		return rc;
	snprintf(buf, sizeof(buf), "%u", l->domid);
	rc = libxl__xs_write(ctx, tx, buf, LAST_DOMID_PATH);
	if (rc == 0)
		rc = libxl__layout_write(ctx, tx, l);
	return rc;
}

/*
 * A name in use (-EEXIST) and no free domid (-ENOSPC) have been said by
 * alloc_in_tx; any other failure is xenstore's.
 */
static int alloc_domid(libxl_ctx *ctx, struct libxl__layout *l)
{
	int rc = libxl__xs_transact(ctx, alloc_in_tx, l);

	if (rc < 0 && rc != -EEXIST && rc != -ENOSPC)
		log_warnx("cannot write domain '%s' into xenstore (%s): %s", l->name, ctx->set.xenstored_path,
			  log_strerror(rc));
	return rc;
}

/*
 * After xenon-hv answers: its console pty goes into console/tty, for Xen
 * tools (libxl never reads it back: the guest owns that node). Its ready
 * message said it (else it is asked). The connection is kept for the
 * devices' requests (one connect, not one each).
 */
static int write_console(libxl_ctx *ctx, const struct libxl__layout *l, const char *pty)
{
	int rc = libxl__xs_write(ctx, XS_NO_TX, pty, "/local/domain/%u/console/tty", l->domid);

	if (rc < 0)
		log_warnx("cannot write domain '%s''s console into xenstore: %s", l->name, log_strerror(rc));
	return rc;
}

/* early: the console was published with the restore's early devices (attach_early). */
static int publish_console(libxl_ctx *ctx, const struct libxl__layout *l, const char *control, int fd,
			   const struct hvctl_ready *said, bool early, unsigned *restore_pending)
{
	struct hvctl_info info;
	const char *pty = said->console_pty;
	int rc = 0;

	*restore_pending = said->restore_pending;
	if (said->ready != HVCTL_READY) {
		rc = hvctl_info(fd, &info);
		*restore_pending = rc < 0 ? 0 : info.restore_pending;
		info.console_pty[sizeof(info.console_pty) - 1] = '\0';
		pty = info.console_pty;
	}
	libxl__hv_keep_fd(ctx, l->domid, fd);
	if (rc < 0) {
		log_warnx("xenon-hv for domain '%s' did not answer on %s: %s", l->name, control,
			  log_strerror(rc));
		return rc;
	}
	return early ? 0 : write_console(ctx, l, pty);
}

static void undo_create(libxl_ctx *ctx, uint32_t domid, int hv_pid, const char *control)
{
	char incoming[LIBXL_PATH_MAX];
	int status;

	if (hv_pid > 0) {
		kill(hv_pid, SIGKILL);
		waitpid(hv_pid, &status, 0);
	}
	libxl__devices_teardown(ctx, domid);
	libxl__sched_cleanup(ctx, domid);
	unlink(control);
	if (hvctl_incoming_socket(control, incoming, sizeof(incoming))) /* a restore's, not renamed yet */
		unlink(incoming);
	xsc_release_domain(ctx->xsh, domid);
	libxl__layout_remove(ctx, domid);
}

/*
 * Each disk= and vif= prepared (libxl__device_*_prepare: backend node,
 * script, the opened file or tap) while the domain's xenon-hv starts or
 * reads a migration's stream: the scripts' time is then not the guest's
 * (a migration's downtime). preps: the disks', then the NICs'.
 */
static int prepare_devices(libxl_ctx *ctx, libxl_domain_config *cfg, uint32_t domid, struct libxl__dev_prep *preps)
{
	struct libxl__dev_prep *nic_preps = preps + cfg->num_disks;
	int rc = 0;

	for (int i = 0; rc == 0 && i < cfg->num_disks; i++)
		rc = libxl__device_disk_prepare(ctx, domid, &cfg->disks[i], &preps[i]);
	for (int i = 0; rc == 0 && i < cfg->num_nics; i++)
		rc = libxl__device_nic_prepare(ctx, domid, &cfg->nics[i], &nic_preps[i]);
	if (rc < 0)
		log_warnx("domain '%s' was not created: one of its devices could not be added (above)",
			  cfg->c_info.name);
	return rc;
}

/* Those prepared and not attached (a failure before their turn). */
static void drop_devices(libxl_ctx *ctx, const libxl_domain_config *cfg, struct libxl__dev_prep *preps)
{
	for (int i = 0; preps && i < cfg->num_disks + cfg->num_nics; i++)
		libxl__dev_prep_drop(ctx, &preps[i]);
}

/*
 * A restore: once xenon-hv has read its stream's plan (HVCTL_READY_PLAN),
 * the disks and NICs are added on its hidden socket and published
 * Connected (and the console) while it reads the rest: none of it is in a
 * migration's downtime then. A stream without a plan, or a configuration
 * with more devices than the plan (xenon-hv answers only while planned ones
 * are still to come: an extra one would wait for the stream's end), adds
 * them after it (start_held), which names what does not match. *ready: -1
 * once its last message came instead.
 */
static int attach_early(libxl_ctx *ctx, const struct libxl__layout *l, const char *control,
			libxl_domain_config *cfg, struct libxl__dev_prep *preps, int pid, int *ready, int *fd,
			struct hvctl_ready *said, int *status)
{
	struct libxl__dev_prep *nic_preps = preps + cfg->num_disks;
	int rc = libxl__hv_wait_plan(pid, *ready, status, said);

	if (rc == 1) {
		close(*ready);
		*ready = -1;
		return 0;
	}
	if (rc < 0 || !said->restore_pending || said->restore_pending < (unsigned)(cfg->num_disks + cfg->num_nics))
		return rc;
	rc = libxl__hv_connect_restored(control, fd);
	if (rc < 0) {
		log_warnx("xenon-hv for domain '%s' did not answer on %s: %s", l->name, control,
			  log_strerror(rc));
		return rc;
	}
	libxl__hv_keep_fd(ctx, l->domid, *fd);
	rc = write_console(ctx, l, said->console_pty);
	for (int i = 0; i < cfg->num_disks + cfg->num_nics; i++)
		preps[i].restored = true;
	for (int i = 0; rc == 0 && i < cfg->num_disks; i++)
		rc = libxl__device_disk_attach(ctx, &cfg->disks[i], &preps[i], false);
	for (int i = 0; rc == 0 && i < cfg->num_nics; i++)
		rc = libxl__device_nic_attach(ctx, &cfg->nics[i], &nic_preps[i], false);
	if (rc < 0)
		log_warnx("domain '%s' was not restored: one of its devices could not be added (above)",
			  cfg->c_info.name);
	return rc;
}

/*
 * hv-start: when our child xenon-hv started, as the kernel says, which is
 * what tells it from any other process later (libxl__hv_alive); its
 * command line is its own to overwrite.
 */
static int record_start(libxl_ctx *ctx, uint32_t domid, int pid)
{
	char buf[24];
	uint64_t start;
	int rc = proc_stat_start_time(pid, &start);

	if (rc < 0)
		return rc;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)start);
	return libxl__xs_write(ctx, XS_NO_TX, buf, "/libxl/%u/hv-start", domid);
}

static int start_hv(libxl_ctx *ctx, const struct libxl__layout *l, const char *control,
		    const libxl_domain_create_opts *opts, const int cg_fds[2], int *pid, int *fd,
		    struct libxl__keeper *keeper, libxl_domain_config *cfg, struct libxl__dev_prep *preps,
		    struct hvctl_ready *said)
{
	char buf[16];
	int rc, status = 0, ready = -1;
	bool restore = opts && opts->restore;

	rc = libxl__hv_spawn(ctx, l, control, opts, cg_fds, pid, keeper, &ready);
	if (rc < 0)
		return rc;
	snprintf(buf, sizeof(buf), "%d", *pid);
	rc = record_start(ctx, l->domid, *pid); /* first: whoever reads hv-pid can check it */
	if (rc == 0)
		rc = libxl__xs_write(ctx, XS_NO_TX, buf, "/libxl/%u/hv-pid", l->domid);
	snprintf(buf, sizeof(buf), "%d", keeper->pid);
	if (rc == 0 && keeper->pid > 0)
		rc = libxl__xs_write(ctx, XS_NO_TX, buf, "/libxl/%u/keeper-pid", l->domid);
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	if (rc == 0)
		rc = libxl__xs_write(ctx, XS_NO_TX, buf, "/libxl/%u/monitor-pid", l->domid);
	if (rc == 0)
		rc = prepare_devices(ctx, cfg, l->domid, preps);
	if (rc == 0 && restore && cfg->num_disks + cfg->num_nics)
		rc = attach_early(ctx, l, control, cfg, preps, *pid, &ready, fd, said, &status);
	if (rc == 0 && opts && opts->prepared)
		opts->prepared(opts->prepared_arg);
	if (rc == 0)
		rc = libxl__hv_wait_up(control, *pid, restore, &status, fd, ready, said);
	else if (ready >= 0)
		close(ready);
	if (rc == -ECHILD) {
		*pid = 0;
		if (WIFEXITED(status))
			log_warnx("xenon-hv for domain '%s' exited with status %d while starting "
				  "(its messages say why)",
				  l->name, WEXITSTATUS(status));
		else
			log_warnx("xenon-hv for domain '%s' was killed by signal %d while starting", l->name,
				  WTERMSIG(status));
		return -ECHILD;
	}
	if (rc < 0)
		log_warnx("xenon-hv for domain '%s' did not answer on %s: %s", l->name, control,
			  log_strerror(rc));
	return rc;
}

static int make_layout(libxl_domain_config *cfg, struct libxl__layout *l, char *uuid, char **json)
{
	int rc;

	libxl_uuid_to_string(&cfg->c_info.uuid, uuid);
	rc = libxl_domain_config_to_json(cfg, json);
	if (rc < 0)
		return rc;
	memset(l, 0, sizeof(*l));
	l->name = cfg->c_info.name;
	l->uuid = uuid;
	l->type = "pv";
	l->max_memkb = cfg->b_info.max_memkb;
	l->target_memkb = cfg->b_info.target_memkb;
	l->vcpus = (unsigned)cfg->b_info.max_vcpus;
	l->online = &cfg->b_info.avail_vcpus;
	l->kernel = cfg->b_info.kernel;
	l->cmdline = cfg->b_info.cmdline;
	l->ramdisk = cfg->b_info.ramdisk;
	l->config_json = *json;
	return 0;
}

/*
 * Every disk= and vif= (prepared by start_hv), while the domain is still
 * paused; the guest is not waited for (as Xen: a guest without drivers
 * still boots). A restored domain's guest drives them already: they are
 * published Connected, no handshake again.
 */
static int add_devices(libxl_ctx *ctx, libxl_domain_config *cfg, struct libxl__dev_prep *preps, bool restore)
{
	struct libxl__dev_prep *nic_preps = preps + cfg->num_disks;
	int rc = 0;

	for (int i = 0; i < cfg->num_disks + cfg->num_nics; i++)
		preps[i].restored = restore;
	for (int i = 0; rc == 0 && i < cfg->num_disks; i++)
		if (preps[i].plan) /* (not added already: attach_early) */
			rc = libxl__device_disk_attach(ctx, &cfg->disks[i], &preps[i], false);
	for (int i = 0; rc == 0 && i < cfg->num_nics; i++)
		if (nic_preps[i].plan)
			rc = libxl__device_nic_attach(ctx, &cfg->nics[i], &nic_preps[i], false);
	if (rc < 0)
		log_warnx("domain '%s' was not created: one of its devices could not be added (above)",
			  cfg->c_info.name);
	return rc;
}

/* The disks and NICs prepared and not added yet (attach_early adds a restore's before it ends). */
static unsigned devices_left(const libxl_domain_config *cfg, const struct libxl__dev_prep *preps)
{
	unsigned n = 0;

	for (int i = 0; preps && i < cfg->num_disks + cfg->num_nics; i++)
		n += !!preps[i].plan;
	return n;
}

/* What must be done before the guest runs: devices, vCPU affinity. */
static bool hold_paused(const libxl_domain_config *cfg)
{
	return cfg->num_disks || cfg->num_nics || cfg->b_info.num_vcpu_hard_affinity ||
	       cfg->b_info.num_vcpu_soft_affinity;
}

/*
 * pending: the saved disks and NICs not added yet, as counted from xenon-hv's
 * ready message. Not 0: asked again, for a restore's early devices (from a
 * file xenon-hv may have read to the end before it took them) count in the
 * ready message when it was sent before them. Only a failing restore pays.
 */
static int restore_left(libxl_ctx *ctx, uint32_t domid, const libxl_domain_config *cfg, unsigned pending)
{
	struct hvctl_info info;

	if (pending && libxl__hv_info(ctx, domid, &info) == 0)
		pending = info.restore_pending;
	if (!pending)
		return 0;
	log_warnx("domain '%s' was not restored: the saved domain had %u disk(s) or NIC(s) that its "
		  "configuration lacks: give it the disk= and vif= it had",
		  cfg->c_info.name, pending);
	return -ENODEV;
}

/*
 * xenon-hv starts paused while vCPUs are pinned and devices added; then it
 * runs unless -p. pending: restore_pending when xenon-hv came up. A restore
 * that stays paused (-p, a migration's receiver) fails now rather than at the
 * unpause (which could never succeed) if a saved disk or NIC was not added:
 * xenon-hv takes only the saved ones, each once, so each device added is one
 * fewer pending (no need to ask it again in a migration's downtime).
 */
static int start_held(libxl_ctx *ctx, libxl_domain_config *cfg, uint32_t domid, bool stay_paused, bool restore,
		      unsigned pending, struct libxl__dev_prep *preps)
{
	unsigned ndevs = devices_left(cfg, preps);
	int rc;

	if (!hold_paused(cfg))
		return restore && stay_paused ? restore_left(ctx, domid, cfg, pending) : 0;
	rc = libxl__vcpu_affinity_setup(ctx, domid, &cfg->b_info);
	if (rc < 0)
		log_warnx("domain '%s' was not created: its vCPUs could not be pinned (cpus=, cpus_soft=)",
			  cfg->c_info.name);
	if (rc == 0)
		rc = add_devices(ctx, cfg, preps, restore);
	if (rc == 0 && restore && stay_paused)
		rc = restore_left(ctx, domid, cfg, pending > ndevs ? pending - ndevs : 0);
	if (rc == 0 && !stay_paused && (rc = libxl_domain_unpause(ctx, domid)) < 0)
		log_warnx(restore && rc == -ENODEV
			      ? "domain '%s' was not restored: the saved domain had a disk or NIC that its "
				"configuration lacks (the domain's log names it): give it the disk= and vif= it had"
			      : "domain '%s' could not be unpaused after its devices were added: %s",
			  cfg->c_info.name, log_strerror(rc));
	return rc;
}

int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *cfg, uint32_t *domid,
			    const libxl_domain_create_opts *opts)
{
	char uuid[LIBXL_UUID_FMTLEN + 1], dir[LIBXL_PATH_MAX], control[LIBXL_PATH_MAX];
	struct libxl__layout l;
	const char *cg_parent;
	char *json = NULL;
	int rc, pid = 0, fd = -1, cg_fds[2] = {-1, -1}; /* its cgroup's, its cpuset's */
	struct libxl__keeper keeper = {0, -1};
	struct hvctl_ready said = {0};
	struct libxl__dev_prep *preps = NULL;
	size_t ndevs = (size_t)cfg->num_disks + (size_t)cfg->num_nics;
	unsigned pending = 0;
	int pool = LIBXL_MEMORY_POOL_HOST;

	rc = libxl__config_check(cfg, opts && opts->restore);
	if (rc < 0)
		return rc;
	rc = libxl__mem_pool_pick(ctx, cfg, opts ? opts->memory_pool : LIBXL_MEMORY_POOL_HOST,
				  counts_claims(&cfg->b_info), &pool);
	if (rc == 0)
		rc = libxl__cg_parent(ctx->cg_parent_env, opts ? opts->cgroup_parent : NULL, &cg_parent);
	if (rc == 0)
		rc = make_layout(cfg, &l, uuid, &json);
	if (rc == 0 && ndevs && !(preps = calloc(ndevs, sizeof(*preps))))
		rc = -ENOMEM;
	if (rc < 0) {
		free(json);
		return rc;
	}
	rc = libxl__path(dir, sizeof(dir), "%s/domains", libxl_rundir(ctx));
	if (rc == 0 && (rc = libxl__mkdir_p(dir, 0755)) < 0)
		log_warnx("cannot create the run directory %s: %s (set $XENON_RUNDIR?)", dir,
			  log_strerror(rc));
	if (rc == 0)
		rc = libxl__ensure_host_nodes(ctx);
	if (rc == 0)
		rc = alloc_domid(ctx, &l);
	free(json);
	if (rc < 0) {
		free(preps);
		return rc;
	}
	rc = libxl__hv_socket_path(ctx, l.domid, control, sizeof(control));
	if (rc == 0) {
		unlink(control); /* a stale socket of an earlier run */
		rc = xsc_introduce_domain(ctx->xsh, l.domid);
		if (rc < 0)
			log_warnx("xenstored refused to introduce domain %u: %s", l.domid, log_strerror(rc));
	}
	if (rc == 0)
		rc = libxl__sched_setup(ctx, l.domid, &cfg->b_info.sched_params, cg_parent, &cg_fds[0]);
	if (rc == 0)
		rc = libxl__cpupool_assign(ctx, l.domid, cfg->c_info.pool_name);
	if (rc == 0) /* on its pool's CPUs from its first instruction */
		rc = libxl__cpupool_prepare(ctx, l.domid, &cg_fds[1]);
	if (rc == 0) {
		libxl_domain_create_opts o = {.hv_stdio = -1};

		if (opts)
			o = *opts; /* the sandbox's settings too */
		o.paused = opts && opts->paused;
		o.memory_pool = pool; /* picked: HOST or HUGETLB */

		if (hold_paused(cfg))
			o.paused = true;
		rc = start_hv(ctx, &l, control, &o, cg_fds, &pid, &fd, &keeper, cfg, preps, &said);
	}
	for (int i = 0; i < 2; i++)
		if (cg_fds[i] >= 0)
			close(cg_fds[i]);
	if (rc == 0)
		rc = publish_console(ctx, &l, control, fd, &said, devices_left(cfg, preps) < ndevs, &pending);
	if (rc == 0)
		rc = start_held(ctx, cfg, l.domid, opts && opts->paused, opts && opts->restore, pending, preps);
	libxl__hv_keep_fd(ctx, 0, -1);
	drop_devices(ctx, cfg, preps);
	free(preps);
	if (rc < 0) {
		undo_create(ctx, l.domid, pid, control);
		libxl__keeper_wait(&keeper); /* nothing of the domain left running */
		return rc;
	}
	libxl__keeper_forget(&keeper);
	*domid = l.domid;
	return 0;
}
