/*
 * cfg_domain.c: the keys of xl.cfg(5) into a libxl_domain_config.
 *
 * The keys are handled in the order of the table at the end (some depend
 * on others: cpus= on vcpus=, e820_host on type=). Unknown keys are
 * ignored, as Xen's xl ignores them; known keys are checked strictly.
 */
#include "xl/cfg_domain.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MAX_VCPUS 4096

struct dom_ctx {
	const struct cfg *cfg;
	const struct xl_conf *conf;
	libxl_domain_config *d;
	char *err;
	uint64_t vcpus; /* vcpus= (0: not given) */
};

/* ---- typed values ------------------------------------------------------- */

static int get_u64(struct dom_ctx *c, const struct cfg_setting *s, uint64_t max, uint64_t *out)
{
	return cfg_value_u64(s->value, s->name, max, out, c->err);
}

static int get_int(struct dom_ctx *c, const struct cfg_setting *s, int *out)
{
	uint64_t v;
	int rc = get_u64(c, s, INT_MAX, &v);

	if (rc == 0)
		*out = (int)v;
	return rc;
}

static int get_str(struct dom_ctx *c, const struct cfg_setting *s, const char **out)
{
	return cfg_value_string(s->value, s->name, out, c->err);
}

static int set_str(struct dom_ctx *c, const struct cfg_setting *s, char **field)
{
	return cfg_value_strdup(s->value, s->name, field, c->err);
}

/* A boolean as Xen reads one: a number, 0 is false, anything else true. */
static int set_defbool(struct dom_ctx *c, const struct cfg_setting *s, libxl_defbool *field)
{
	uint64_t v;
	int rc = get_u64(c, s, UINT64_MAX, &v);

	if (rc == 0)
		libxl_defbool_set(field, v != 0);
	return rc;
}

/* A list of strings (each item checked); NULL-safe count. */
static int get_list(struct dom_ctx *c, const struct cfg_setting *s, const char *example)
{
	size_t i;

	if (s->value->kind != CFG_LIST)
		return cfg_error(c->err, &s->value->loc, "'%s' must be a list, as in %s = [ %s ]", s->name,
				 s->name, example);
	for (i = 0; i < s->value->count; i++)
		if (s->value->items[i]->kind != CFG_STRING)
			return cfg_error(c->err, &s->value->items[i]->loc,
					 "each item of '%s' must be a quoted string, as in %s = [ %s ]",
					 s->name, s->name, example);
	return 0;
}

/* ---- the domain --------------------------------------------------------- */

static int key_type(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_type t;
	const char *v;
	int rc = get_str(c, s, &v);

	if (rc < 0)
		return rc;
	if (!strcmp(s->name, "builder")) { /* deprecated since Xen 4.10 */
		if (!strcmp(v, "generic"))
			t = LIBXL_DOMAIN_TYPE_PV;
		else if (!strcmp(v, "hvm"))
			t = LIBXL_DOMAIN_TYPE_HVM;
		else
			return cfg_error(
			    c->err, &s->value->loc,
			    "invalid builder \"%s\": expected \"generic\" or \"hvm\" (better: type=)", v);
		if (c->d->c_info.type != LIBXL_DOMAIN_TYPE_INVALID && c->d->c_info.type != t)
			return cfg_error(c->err, &s->value->loc, "builder \"%s\" contradicts type", v);
	} else if (libxl_domain_type_from_string(v, &t) < 0 || t == LIBXL_DOMAIN_TYPE_INVALID ||
		   strcmp(v, libxl_domain_type_to_string(t))) {
		return cfg_error(c->err, &s->value->loc,
				 "invalid type \"%s\": expected \"pv\", \"pvh\" or \"hvm\"", v);
	}
	c->d->c_info.type = t;
	return 0;
}

static int key_name(struct dom_ctx *c, const struct cfg_setting *s)
{
	const char *v;
	int rc = get_str(c, s, &v);

	if (rc < 0)
		return rc;
	if (!*v)
		return cfg_error(c->err, &s->value->loc, "the domain name is empty");
	if (strchr(v, '/'))
		return cfg_error(c->err, &s->value->loc, "invalid domain name \"%s\": it cannot contain '/'",
				 v);
	return set_str(c, s, &c->d->c_info.name);
}

static int key_uuid(struct dom_ctx *c, const struct cfg_setting *s)
{
	const char *v;
	int rc = get_str(c, s, &v);

	if (rc < 0)
		return rc;
	if (libxl_uuid_from_string(&c->d->c_info.uuid, v) < 0)
		return cfg_error(
		    c->err, &s->value->loc,
		    "invalid uuid \"%s\": expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", v);
	return 0;
}

static int key_hap(struct dom_ctx *c, const struct cfg_setting *s)
{
	return set_defbool(c, s, &c->d->c_info.hap);
}

static int key_oos(struct dom_ctx *c, const struct cfg_setting *s)
{
	return set_defbool(c, s, &c->d->c_info.oos);
}

static int key_pool(struct dom_ctx *c, const struct cfg_setting *s)
{
	return set_str(c, s, &c->d->c_info.pool_name);
}

static int key_driver_domain(struct dom_ctx *c, const struct cfg_setting *s)
{
	return set_defbool(c, s, &c->d->c_info.driver_domain);
}

/* ---- scheduling, memory, vCPUs ------------------------------------------ */

static int key_sched(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_sched_params *p = &c->d->b_info.sched_params;
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
	    {"cpu_weight", offsetof(libxl_domain_sched_params, weight)},
	    {"cap", offsetof(libxl_domain_sched_params, cap)},
	    {"period", offsetof(libxl_domain_sched_params, period)},
	    {"slice", offsetof(libxl_domain_sched_params, slice)},
	    {"latency", offsetof(libxl_domain_sched_params, latency)},
	    {"extratime", offsetof(libxl_domain_sched_params, extratime)},
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(s->name, fields[i].key))
			return get_int(c, s, (int *)((char *)p + fields[i].off));
	return 0;
}

/* memory / maxmem / shadow_memory / videoram: MiB into a KiB field. */
static int set_mib(struct dom_ctx *c, const struct cfg_setting *s, uint64_t *kb)
{
	uint64_t mib;
	int rc = get_u64(c, s, (UINT64_MAX - 1) / 1024, &mib);

	if (rc == 0)
		*kb = mib * 1024;
	return rc;
}

static int key_memory(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_build_info *b = &c->d->b_info;

	if (!strcmp(s->name, "memory"))
		return set_mib(c, s, &b->target_memkb);
	if (!strcmp(s->name, "maxmem"))
		return set_mib(c, s, &b->max_memkb);
	if (!strcmp(s->name, "shadow_memory"))
		return set_mib(c, s, &b->shadow_memkb);
	return set_mib(c, s, &b->video_memkb);
}

static int key_vcpus(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_build_info *b = &c->d->b_info;
	uint64_t n;
	unsigned i;
	int rc = get_u64(c, s, MAX_VCPUS, &n);

	if (rc < 0)
		return rc;
	if (n == 0)
		return cfg_error(c->err, &s->value->loc, "'%s' must be at least 1", s->name);
	if (!strcmp(s->name, "maxvcpus")) {
		b->max_vcpus = (int)n;
		return 0;
	}
	c->vcpus = n;
	libxl_bitmap_dispose(&b->avail_vcpus);
	if (libxl_bitmap_alloc(&b->avail_vcpus, (unsigned)n) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		libxl_bitmap_set(&b->avail_vcpus, i);
	return 0;
}

/* After memory/vcpus: the defaults xl derives, and their consistency. */
static int finish_memory_vcpus(struct dom_ctx *c)
{
	libxl_domain_build_info *b = &c->d->b_info;
	const struct cfg_setting *s = cfg_find(c->cfg, "maxvcpus");

	if (b->max_memkb == LIBXL_MEMKB_DEFAULT)
		b->max_memkb = b->target_memkb;
	if (b->max_vcpus == 0)
		b->max_vcpus = (int)c->vcpus;
	if (s && (uint64_t)b->max_vcpus < c->vcpus)
		return cfg_error(c->err, &s->value->loc, "maxvcpus (%d) is smaller than vcpus (%llu)",
				 b->max_vcpus, (unsigned long long)c->vcpus);
	s = cfg_find(c->cfg, "maxmem");
	if (s && b->target_memkb != LIBXL_MEMKB_DEFAULT && b->max_memkb < b->target_memkb)
		return cfg_error(
		    c->err, &s->value->loc, "maxmem (%llu MiB) is smaller than memory (%llu MiB)",
		    (unsigned long long)(b->max_memkb / 1024), (unsigned long long)(b->target_memkb / 1024));
	return 0;
}

/* cpus= / cpus_soft=: a string for every vCPU, or a list, one per vCPU. */
static int key_cpus(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_build_info *b = &c->d->b_info;
	bool hard = !strcmp(s->name, "cpus"), is_list = s->value->kind == CFG_LIST;
	int i, n = b->max_vcpus, rc = 0;
	libxl_bitmap *maps;
	char msg[CFG_ERR_MAX];

	if (is_list && (rc = get_list(c, s, "\"0-3\", \"4\"")) < 0)
		return rc;
	if (is_list && (size_t)n > s->value->count)
		n = (int)s->value->count;
	maps = calloc(n > 0 ? (size_t)n : 1, sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		const struct cfg_value *v = is_list ? s->value->items[i] : s->value;

		libxl_bitmap_init(&maps[i]);
		rc = xl_parse_cpurange(v->text, &maps[i], msg);
		if (rc < 0) /* -EINVAL, -ENOENT (no such NUMA node), -ENOMEM */
			cfg_error(c->err, &v->loc, "%s: %s", s->name, msg);
	}
	if (hard) {
		b->vcpu_hard_affinity = maps;
		b->num_vcpu_hard_affinity = n;
	} else {
		b->vcpu_soft_affinity = maps;
		b->num_vcpu_soft_affinity = n;
	}
	if (is_list || !hard)
		libxl_defbool_set(&b->numa_placement, false);
	return rc;
}

static int key_grant_frames(struct dom_ctx *c, const struct cfg_setting *s)
{
	uint64_t v;
	int rc = get_u64(c, s, INT_MAX, &v);

	if (rc == 0 && !strcmp(s->name, "max_grant_frames"))
		c->d->b_info.max_grant_frames = (uint32_t)v;
	else if (rc == 0)
		c->d->b_info.max_maptrack_frames = (uint32_t)v;
	return rc;
}

/* ---- shutdown actions --------------------------------------------------- */

static int key_action(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_config *d = c->d;
	libxl_action_on_shutdown *field = !strcmp(s->name, "on_poweroff")   ? &d->on_poweroff
					  : !strcmp(s->name, "on_reboot")   ? &d->on_reboot
					  : !strcmp(s->name, "on_watchdog") ? &d->on_watchdog
					  : !strcmp(s->name, "on_crash")    ? &d->on_crash
									    : &d->on_soft_reset;
	const char *v;
	int rc = get_str(c, s, &v);

	if (rc < 0)
		return rc;
	if (libxl_action_on_shutdown_from_cfg(v, field) < 0)
		return cfg_error(
		    c->err, &s->value->loc,
		    "invalid %s action \"%s\": expected destroy, restart, rename-restart, preserve, "
		    "coredump-destroy, coredump-restart or soft-reset",
		    s->name, v);
	return 0;
}

/* ---- the guest image ---------------------------------------------------- */

static int key_image(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_build_info *b = &c->d->b_info;

	if (!strcmp(s->name, "kernel"))
		return set_str(c, s, &b->kernel);
	if (!strcmp(s->name, "ramdisk"))
		return set_str(c, s, &b->ramdisk);
	if (!strcmp(s->name, "device_tree"))
		return set_str(c, s, &b->device_tree);
	return set_str(c, s, &b->bootloader);
}

/* cmdline=, else "root=ROOT EXTRA" from root= and extra=, as xl builds it. */
static int finish_cmdline(struct dom_ctx *c)
{
	const struct cfg_setting *cs = cfg_find(c->cfg, "cmdline"), *rs = cfg_find(c->cfg, "root"),
				 *es = cfg_find(c->cfg, "extra");
	const char *cmdline = NULL, *root = NULL, *extra = NULL;
	char **out = &c->d->b_info.cmdline;
	int rc = 0;

	if ((cs && (rc = get_str(c, cs, &cmdline)) < 0) || (rs && (rc = get_str(c, rs, &root)) < 0) ||
	    (es && (rc = get_str(c, es, &extra)) < 0))
		return rc;
	free(*out);
	*out = NULL;
	if (cmdline) {
		if (root || extra)
			log_warnx("%s:%d: warning: ignoring root= and extra= in favour of cmdline=",
				  cs->loc.source, cs->loc.line);
		*out = strdup(cmdline);
	} else if (root && extra) {
		rc = asprintf(out, "root=%s %s", root, extra) < 0 ? -ENOMEM : 0;
	} else if (root) {
		rc = asprintf(out, "root=%s", root) < 0 ? -ENOMEM : 0;
	} else if (extra) {
		*out = strdup(extra);
	} else {
		return 0;
	}
	return rc < 0 || !*out ? -ENOMEM : 0;
}

static int key_bootloader_args(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_string_list *sl = &c->d->b_info.bootloader_args;
	char *copy, *word, *save = NULL;
	size_t i;
	int rc = 0;

	libxl_string_list_dispose(sl);
	if (s->value->kind == CFG_LIST) {
		if ((rc = get_list(c, s, "\"--arg\"")) < 0)
			return rc;
		for (i = 0; i < s->value->count && rc == 0; i++)
			rc = libxl_string_list_append(sl, s->value->items[i]->text);
		return rc;
	}
	/* Deprecated: a string split on blanks. */
	copy = strdup(s->value->text);
	if (!copy)
		return -ENOMEM;
	for (word = strtok_r(copy, " \t\n", &save); word && rc == 0; word = strtok_r(NULL, " \t\n", &save))
		rc = libxl_string_list_append(sl, word);
	free(copy);
	return rc;
}

/* ---- everything else that is a plain number or flag --------------------- */

static int key_misc(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_domain_build_info *b = &c->d->b_info;
	uint64_t v;
	int rc;

	if (!strcmp(s->name, "e820_host")) {
		if (b->type != LIBXL_DOMAIN_TYPE_PV)
			return 0; /* PV only; xl ignores it otherwise */
		return set_defbool(c, s, &b->u.pv.e820_host);
	}
	if (!strcmp(s->name, "nomigrate"))
		return set_defbool(c, s, &b->disable_migrate);
	if (!strcmp(s->name, "localtime"))
		return set_defbool(c, s, &b->localtime);
	if (!strcmp(s->name, "acpi"))
		return set_defbool(c, s, &b->acpi);
	if (!strcmp(s->name, "nestedhvm"))
		return set_defbool(c, s, &b->nested_hvm);
	if (!strcmp(s->name, "vpmu"))
		return set_defbool(c, s, &b->vpmu);
	rc = get_u64(c, s, UINT32_MAX, &v);
	if (rc < 0)
		return rc;
	if (!strcmp(s->name, "rtc_timeoffset"))
		b->rtc_timeoffset = (uint32_t)v;
	else if (!strcmp(s->name, "max_event_channels"))
		b->event_channels = (uint32_t)v;
	else
		b->vmtrace_buf_kb = (int)(v > INT_MAX ? INT_MAX : v);
	return 0;
}

static int key_tsc_mode(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_tsc_mode *mode = &c->d->b_info.tsc_mode;
	uint64_t v;
	const char *text;
	int rc;

	if (s->value->kind == CFG_NUMBER) {
		rc = get_u64(c, s, LIBXL_TSC_MODE_NATIVE_PARAVIRT, &v);
		if (rc == 0)
			*mode = (libxl_tsc_mode)v;
		return rc;
	}
	rc = get_str(c, s, &text);
	if (rc == 0 && (libxl_tsc_mode_from_string(text, mode) < 0))
		return cfg_error(c->err, &s->value->loc,
				 "invalid tsc_mode \"%s\": expected default, always_emulate, native or "
				 "native_paravirt",
				 text);
	return rc;
}

/* ---- devices ------------------------------------------------------------ */

static int key_disk(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_device_disk *disk;
	char msg[CFG_ERR_MAX];
	size_t i;
	int rc = get_list(c, s, "'/path/to/image,raw,xvda,rw'");

	for (i = 0; rc == 0 && i < s->value->count; i++) {
		const struct cfg_value *item = s->value->items[i];

		rc = libxl_domain_config_add_disk(c->d, &disk);
		if (rc == 0)
			rc = libxl_disk_parse_spec(item->text, disk, msg, sizeof(msg));
		if (rc == -EINVAL)
			cfg_error(c->err, &item->loc, "%s", msg);
	}
	return rc;
}

/* A vif starts from xl.conf's vif.default.* settings, as in Xen. */
static int nic_defaults(const struct xl_conf *conf, libxl_device_nic *nic)
{
	struct {
		const char *value;
		char **field;
	} defaults[] = {
	    {conf->vif_script, &nic->script},
	    {conf->vif_bridge, &nic->bridge},
	    {conf->vif_gatewaydev, &nic->gatewaydev},
	    {conf->vif_backend, &nic->backend_domname},
	};
	size_t i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (!defaults[i].value)
			continue;
		*defaults[i].field = strdup(defaults[i].value);
		if (!*defaults[i].field)
			return -ENOMEM;
	}
	return 0;
}

static int key_vif(struct dom_ctx *c, const struct cfg_setting *s)
{
	libxl_device_nic *nic;
	char msg[CFG_ERR_MAX];
	size_t i;
	int rc = get_list(c, s, "'bridge=xenbr0,mac=00:16:3e:00:00:01'");

	for (i = 0; rc == 0 && i < s->value->count; i++) {
		const struct cfg_value *item = s->value->items[i];

		rc = libxl_domain_config_add_nic(c->d, &nic);
		if (rc < 0)
			break;
		nic->devid = (int)i;
		rc = nic_defaults(c->conf, nic);
		if (rc == 0)
			rc = libxl_nic_parse_spec(item->text, nic, msg, sizeof(msg));
		if (rc == -EINVAL)
			cfg_error(c->err, &item->loc, "%s", msg);
	}
	return rc;
}

/* ---- steps that are not one key ------------------------------------------ */

/* The first source named, for errors about a key that is missing. */
static const char *cfg_source(const struct dom_ctx *c)
{
	return c->cfg->n_sources ? c->cfg->sources[0] : "config";
}

static int start_build_info(struct dom_ctx *c)
{
	libxl_domain_config *d = c->d;
	const struct xl_conf *conf = c->conf;

	if (d->c_info.type == LIBXL_DOMAIN_TYPE_INVALID)
		d->c_info.type = LIBXL_DOMAIN_TYPE_PV;
	if (!d->c_info.name) {
		snprintf(c->err, CFG_ERR_MAX, "%s: the domain has no name: add name = \"...\"",
			 cfg_source(c));
		return -EINVAL;
	}
	if (libxl_uuid_is_nil(&d->c_info.uuid))
		libxl_uuid_generate(&d->c_info.uuid);
	libxl_defbool_set(&d->c_info.run_hotplug_scripts, conf->run_hotplug_scripts);
	libxl_domain_build_info_init_type(&d->b_info, d->c_info.type);
	if (conf->blkdev_start && !(d->b_info.blkdev_start = strdup(conf->blkdev_start)))
		return -ENOMEM;
	d->b_info.max_grant_frames = (uint32_t)conf->max_grant_frames;
	d->b_info.max_maptrack_frames = (uint32_t)conf->max_maptrack_frames;
	libxl_defbool_set(&d->b_info.claim_mode, conf->claim_mode);
	/* xl's defaults for the actions (libxl's own default is destroy). */
	d->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_RESTART;
	d->on_soft_reset = LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET;
	return 0;
}

static int check_image(struct dom_ctx *c)
{
	const libxl_domain_build_info *b = &c->d->b_info;

	if (b->type != LIBXL_DOMAIN_TYPE_HVM && !b->kernel && !b->bootloader) {
		snprintf(
		    c->err, CFG_ERR_MAX,
		    "%s: neither kernel nor bootloader given: a %s guest needs kernel = \"/path/to/kernel\"",
		    cfg_source(c), libxl_domain_type_to_string(b->type));
		return -EINVAL;
	}
	return 0;
}

/* vfb, pci, channel ... and HVM's vnc, serial ...: cfg_devices_other.c */
static int devices_other(struct dom_ctx *c)
{
	return xl_cfg_devices_other(c->cfg, c->d, c->err);
}

/* ---- the table ------------------------------------------------------------ */

struct key_handler {
	const char *key; /* NULL: a step run once, whatever the keys */
	int (*handle)(struct dom_ctx *c, const struct cfg_setting *s);
	int (*step)(struct dom_ctx *c);
};

#define KEY(k, fn)                                                                                           \
	{                                                                                                    \
		k, fn, NULL                                                                                  \
	}
#define STEP(fn)                                                                                             \
	{                                                                                                    \
		NULL, NULL, fn                                                                               \
	}

static const struct key_handler handlers[] = {
    KEY("type", key_type),
    KEY("builder", key_type),
    KEY("hap", key_hap),
    KEY("name", key_name),
    KEY("uuid", key_uuid),
    KEY("oos", key_oos),
    KEY("pool", key_pool),
    STEP(start_build_info),
    KEY("cpu_weight", key_sched),
    KEY("cap", key_sched),
    KEY("period", key_sched),
    KEY("slice", key_sched),
    KEY("latency", key_sched),
    KEY("extratime", key_sched),
    KEY("memory", key_memory),
    KEY("maxmem", key_memory),
    KEY("vcpus", key_vcpus),
    KEY("maxvcpus", key_vcpus),
    STEP(finish_memory_vcpus),
    KEY("cpus", key_cpus),
    KEY("cpus_soft", key_cpus),
    KEY("max_grant_frames", key_grant_frames),
    KEY("max_maptrack_frames", key_grant_frames),
    KEY("on_poweroff", key_action),
    KEY("on_reboot", key_action),
    KEY("on_watchdog", key_action),
    KEY("on_crash", key_action),
    KEY("on_soft_reset", key_action),
    KEY("e820_host", key_misc),
    KEY("shadow_memory", key_memory),
    KEY("nomigrate", key_misc),
    KEY("tsc_mode", key_tsc_mode),
    KEY("rtc_timeoffset", key_misc),
    KEY("localtime", key_misc),
    KEY("videoram", key_memory),
    KEY("max_event_channels", key_misc),
    KEY("kernel", key_image),
    KEY("ramdisk", key_image),
    KEY("device_tree", key_image),
    STEP(finish_cmdline),
    KEY("driver_domain", key_driver_domain),
    KEY("acpi", key_misc),
    KEY("bootloader", key_image),
    KEY("bootloader_args", key_bootloader_args),
    KEY("nestedhvm", key_misc),
    STEP(check_image),
    KEY("vmtrace_buf_kb", key_misc),
    KEY("vpmu", key_misc),
    KEY("disk", key_disk),
    KEY("vif", key_vif),
    STEP(devices_other),
};

int xl_cfg_to_domain_config(const struct cfg *cfg, const struct xl_conf *conf, libxl_domain_config *d,
			    char *err)
{
	struct dom_ctx c = {.cfg = cfg, .conf = conf, .d = d, .err = err};
	const struct cfg_setting *s;
	size_t i;
	int rc = 0;

	err[0] = 0;
	for (i = 0; rc == 0 && i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (handlers[i].step) {
			rc = handlers[i].step(&c);
			continue;
		}
		s = cfg_find(cfg, handlers[i].key);
		if (s)
			rc = handlers[i].handle(&c, s);
	}
	if (rc == -ENOMEM && !err[0])
		snprintf(err, CFG_ERR_MAX, "%s: out of memory", cfg_source(&c));
	return rc;
}

int xl_load_domain_config(const char *file, const char *extra, const struct xl_conf *conf,
			  libxl_domain_config *d, bool warn, char *err)
{
	struct cfg cfg;
	int rc = 0;

	cfg_init(&cfg);
	if (file)
		rc = cfg_parse_file(&cfg, file, err);
	if (rc == 0 && extra)
		rc = cfg_parse(&cfg, "command line", extra, strlen(extra), err);
	if (rc == 0)
		rc = xl_cfg_to_domain_config(&cfg, conf, d, err);
	if (rc == 0 && warn)
		xl_cfg_warn_unsupported(&cfg);
	cfg_dispose(&cfg);
	return rc;
}
