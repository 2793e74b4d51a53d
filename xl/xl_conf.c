/*
 * xl_conf.c: read xl.conf(5), the settings every xl command shares.
 */
#include "xl/xl_conf.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "libxl/libxl.h"
#include "log.h"

struct xl_conf xl_conf;

void xl_conf_init(struct xl_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->autoballoon = -1;
	c->run_hotplug_scripts = true;
	c->output_format = XL_OUTPUT_JSON;
	c->claim_mode = true;
	c->max_grant_frames = -1;
	c->max_maptrack_frames = -1;
}

void xl_conf_free(struct xl_conf *c)
{
	free(c->path);
	free(c->lockfile);
	free(c->vif_script);
	free(c->vif_bridge);
	free(c->vif_gatewaydev);
	free(c->vif_backend);
	free(c->blkdev_start);
	free(c->cgroup_parent);
	free(c->xenstored_socket);
	free(c->run_dir);
	free(c->log_dir);
	free(c->xenon_hv);
	free(c->hotplug_script_dir);
	free(c->dump_dir);
	free(c->sandbox_shared_user);
	xl_conf_init(c);
}

static int set_string(char **field, const struct cfg_setting *s, char *err)
{
	return cfg_value_strdup(s->value, s->name, field, err);
}

static int conf_autoballoon(struct xl_conf *c, const struct cfg_setting *s, char *err)
{
	static const struct {
		const char *text;
		int value;
	} modes[] = {{"on", 1}, {"1", 1}, {"off", 0}, {"0", 0}, {"auto", -1}};
	const char *text;
	size_t i;
	int rc = cfg_value_string(s->value, s->name, &text, err);

	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!strcmp(text, modes[i].text)) {
			c->autoballoon = modes[i].value;
			return 0;
		}
	}
	return cfg_error(err, &s->value->loc,
			 "invalid autoballoon \"%s\": expected \"on\", \"off\" or \"auto\"", text);
}

/* memory_pool: where domains' RAM comes from (libxl.h, LIBXL_MEMORY_POOL_*). */
static int conf_memory_pool(struct xl_conf *c, const struct cfg_setting *s, char *err)
{
	static const char *const names[] = {[LIBXL_MEMORY_POOL_HOST] = "host",
					    [LIBXL_MEMORY_POOL_HUGETLB] = "hugetlb",
					    [LIBXL_MEMORY_POOL_AUTO] = "auto"};
	const char *text;
	int rc = cfg_value_string(s->value, s->name, &text, err);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(text, names[i])) {
			c->memory_pool = (int)i;
			return 0;
		}
	}
	return cfg_error(
	    err, &s->value->loc,
	    "invalid memory_pool \"%s\": expected \"host\", \"hugetlb\" (the host's pool of 2 MiB "
	    "pages, vm.nr_hugepages) or \"auto\" (the pool when it has room)",
	    text);
}

static int conf_bool(bool *field, const struct cfg_setting *s, char *err)
{
	uint64_t v;
	int rc = cfg_value_u64(s->value, s->name, 1, &v, err);

	if (rc == -ERANGE)
		return cfg_error(err, &s->value->loc, "'%s' must be 0 or 1", s->name);
	if (rc == 0)
		*field = v;
	return rc;
}

static int conf_frames(long *field, const struct cfg_setting *s, char *err)
{
	uint64_t v;
	int rc = cfg_value_u64(s->value, s->name, INT_MAX, &v, err);

	if (rc == 0)
		*field = (long)v;
	return rc;
}

/* Xenon's paths (libxl_ctx_settings): directories must be absolute. */
static const struct {
	const char *name;
	size_t off;
	bool dir;
} conf_paths[] = {
    {"xenstored_socket", offsetof(struct xl_conf, xenstored_socket), false},
    {"run_dir", offsetof(struct xl_conf, run_dir), true},
    {"log_dir", offsetof(struct xl_conf, log_dir), true},
    {"xenon_hv", offsetof(struct xl_conf, xenon_hv), false},
    {"hotplug_script_dir", offsetof(struct xl_conf, hotplug_script_dir), true},
    {"dump_dir", offsetof(struct xl_conf, dump_dir), true},
};

/* 1 when s is one of conf_paths (*rc its result), else 0. */
static int conf_path(struct xl_conf *c, const struct cfg_setting *s, char *err, int *rc)
{
	for (size_t i = 0; i < sizeof(conf_paths) / sizeof(conf_paths[0]); i++) {
		char **field = (char **)((char *)c + conf_paths[i].off);
		const char *text;

		if (strcmp(s->name, conf_paths[i].name))
			continue;
		*rc = cfg_value_string(s->value, s->name, &text, err);
		if (*rc == 0 && (!*text || (conf_paths[i].dir && text[0] != '/')))
			*rc = cfg_error(err, &s->value->loc, "'%s' must be an absolute path, not \"%s\"",
					s->name, text);
		if (*rc == 0)
			*rc = set_string(field, s, err);
		return 1;
	}
	return 0;
}

/* A time in milliseconds, 1 ms .. 1 hour. */
static int conf_ms(long *field, const struct cfg_setting *s, char *err)
{
	uint64_t v;
	int rc = cfg_value_u64(s->value, s->name, 3600000, &v, err);

	if (rc == 0 && v == 0)
		rc = cfg_error(err, &s->value->loc, "'%s' must be at least 1 (milliseconds)", s->name);
	if (rc == 0)
		*field = (long)v;
	return rc;
}

static int conf_output_format(struct xl_conf *c, const struct cfg_setting *s, char *err)
{
	const char *text;
	int rc = cfg_value_string(s->value, s->name, &text, err);

	if (rc < 0)
		return rc;
	if (!strcmp(text, "json"))
		c->output_format = XL_OUTPUT_JSON;
	else if (!strcmp(text, "sxp"))
		c->output_format = XL_OUTPUT_SXP;
	else
		return cfg_error(err, &s->value->loc,
				 "invalid output_format \"%s\": expected \"json\" or \"sxp\"", text);
	return 0;
}

/* sandbox=0|1 (every measure) and sandbox.MEASURE=0|1 (one). */
static int conf_sandbox(struct xl_conf *c, const struct cfg_setting *s, char *err)
{
	static const char *const names[] = HVCTL_SANDBOX_NAMES;
	unsigned mask = HVCTL_SANDBOX_ALL;
	bool on;
	int rc;

	if (strcmp(s->name, "sandbox")) {
		unsigned i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(s->name + strlen("sandbox."), names[i]))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return cfg_error(err, &s->value->loc,
					 "unknown '%s': the measures are sandbox.user, .mount, .ipc, .rlimits, "
					 ".nnp, .seccomp and .pid",
					 s->name);
		mask = 1U << i;
	}
	rc = conf_bool(&on, s, err);
	if (rc == 0)
		c->sandbox_off = on ? c->sandbox_off & ~mask : c->sandbox_off | mask;
	return rc;
}

static int conf_uid_base(struct xl_conf *c, const struct cfg_setting *s, char *err)
{
	uint64_t v;
	int rc = cfg_value_u64(s->value, s->name, UINT32_MAX - 0x8000, &v, err);

	if (rc == 0 && v == 0)
		return cfg_error(err, &s->value->loc, "sandbox_uid_base 0 would make domain 0's uid root's");
	if (rc == 0)
		c->sandbox_uid_base = (unsigned)v;
	return rc;
}

/* The shared user must exist: its uid and gid are looked up now. */
static int conf_shared_user(struct xl_conf *c, const struct cfg_setting *s, char *err)
{
	struct passwd *pw;
	int rc = set_string(&c->sandbox_shared_user, s, err);

	if (rc < 0)
		return rc;
	pw = getpwnam(c->sandbox_shared_user);
	if (!pw)
		return cfg_error(err, &s->value->loc,
				 "sandbox_shared_user \"%s\": no such user: create it (useradd --system "
				 "--no-create-home --shell /usr/sbin/nologin %s) or remove the setting",
				 c->sandbox_shared_user, c->sandbox_shared_user);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return cfg_error(err, &s->value->loc, "sandbox_shared_user \"%s\" is root (uid or gid 0)",
				 c->sandbox_shared_user);
	c->sandbox_uid = pw->pw_uid;
	c->sandbox_gid = pw->pw_gid;
	return 0;
}

/* One setting of xl.conf; unknown keys are ignored, as Xen's xl does. */
static int conf_apply(struct xl_conf *c, const struct cfg_setting *s, char *err)
{
	const char *n = s->name;
	int rc;

	if (conf_path(c, s, err, &rc))
		return rc;
	if (!strcmp(n, "device_timeout_ms"))
		return conf_ms(&c->device_timeout_ms, s, err);
	if (!strcmp(n, "hotplug_timeout_ms"))
		return conf_ms(&c->hotplug_timeout_ms, s, err);
	if (!strcmp(n, "autoballoon"))
		return conf_autoballoon(c, s, err);
	if (!strcmp(n, "run_hotplug_scripts"))
		return conf_bool(&c->run_hotplug_scripts, s, err);
	if (!strcmp(n, "lockfile"))
		return set_string(&c->lockfile, s, err);
	if (!strcmp(n, "vif.default.script") || !strcmp(n, "vifscript"))
		return set_string(&c->vif_script, s, err);
	if (!strcmp(n, "vif.default.bridge"))
		return set_string(&c->vif_bridge, s, err);
	if (!strcmp(n, "vif.default.gatewaydev"))
		return set_string(&c->vif_gatewaydev, s, err);
	if (!strcmp(n, "vif.default.backend"))
		return set_string(&c->vif_backend, s, err);
	if (!strcmp(n, "output_format"))
		return conf_output_format(c, s, err);
	if (!strcmp(n, "blkdev_start"))
		return set_string(&c->blkdev_start, s, err);
	if (!strcmp(n, "memory_pool"))
		return conf_memory_pool(c, s, err);
	if (!strcmp(n, "claim_mode"))
		return conf_bool(&c->claim_mode, s, err);
	if (!strcmp(n, "cgroup_parent"))
		return set_string(&c->cgroup_parent, s, err);
	if (!strcmp(n, "max_grant_frames"))
		return conf_frames(&c->max_grant_frames, s, err);
	if (!strcmp(n, "max_maptrack_frames"))
		return conf_frames(&c->max_maptrack_frames, s, err);
	if (!strcmp(n, "sandbox") || !strncmp(n, "sandbox.", 8))
		return conf_sandbox(c, s, err);
	if (!strcmp(n, "sandbox_uid_base"))
		return conf_uid_base(c, s, err);
	if (!strcmp(n, "sandbox_shared_user"))
		return conf_shared_user(c, s, err);
	log_debug("%s:%d: ignoring unknown xl.conf setting '%s'", s->loc.source, s->loc.line, n);
	return 0;
}

int xl_conf_load_file(struct xl_conf *c, const char *path, char *err)
{
	const struct cfg_setting *s;
	struct cfg cfg;
	int rc;

	cfg_init(&cfg);
	rc = cfg_parse_file(&cfg, path, err);
	for (s = cfg.settings; rc == 0 && s; s = s->next)
		rc = conf_apply(c, s, err);
	if (rc == 0) {
		free(c->path);
		c->path = strdup(path);
		if (!c->path)
			rc = -ENOMEM;
	}
	cfg_dispose(&cfg);
	if (rc == -ENOMEM && !err[0])
		snprintf(err, CFG_ERR_MAX, "%s: out of memory", path);
	return rc;
}

int xl_conf_load(void)
{
	const char *path = getenv("XL_CONF");
	char err[CFG_ERR_MAX];
	int rc;

	xl_conf_init(&xl_conf);
	if (!path || !*path) {
		path = XL_CONF_PATH;
		if (access(path, F_OK) != 0)
			path = XL_CONF_XEN_PATH;
		if (access(path, F_OK) != 0)
			path = NULL;
	}
	if (path) {
		rc = xl_conf_load_file(&xl_conf, path, err);
		if (rc < 0) {
			log_warnx("%s", err);
			log_warnx(
			    "fix the global configuration (see xl.conf(5)) or point $XL_CONF at another");
			xl_conf_free(&xl_conf);
			return rc;
		}
	}
	return 0;
}

void xl_conf_dispose(void)
{
	xl_conf_free(&xl_conf);
}

/*
 * Xen's run_hotplug_scripts=0 hands the scripts to udev rules on Xen's
 * backend devices. Xenon has no such devices for udev to see, so libxl
 * always runs them itself: say so where it happens, not silently.
 */
void xl_conf_hotplug_note(void)
{
	static bool said;

	if (xl_conf.run_hotplug_scripts || said)
		return;
	said = true;
	log_warnx("xl.conf: run_hotplug_scripts=0 is not supported (Xenon has no udev path for its "
		  "backends): libxl runs the hotplug scripts itself; remove the setting to silence this");
}

void xl_sandbox_names(unsigned mask, char *buf, size_t size)
{
	static const char *const names[] = HVCTL_SANDBOX_NAMES;
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]) && used < size; i++)
		if (mask & (1U << i))
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "", names[i]);
}
