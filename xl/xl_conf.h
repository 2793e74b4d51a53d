/*
 * xl_conf.h: xl's global configuration, xl.conf(5): $XL_CONF, else
 * XENDIR/xl.conf (the installed one), else /etc/xen/xl.conf. A missing
 * default file means the built-in defaults; a bad one is an error.
 */
#ifndef XENON_XL_CONF_H
#define XENON_XL_CONF_H

#include <stdbool.h>

#include "xl/cfg_parse.h"

#ifndef XL_CONF_PATH
#define XL_CONF_PATH "/etc/xen/xl.conf"
#endif
#define XL_CONF_XEN_PATH "/etc/xen/xl.conf"
#define XL_LOCK_FILE	 "/var/lock/xl"

enum xl_output_format {
	XL_OUTPUT_JSON,
	XL_OUTPUT_SXP,
};

struct xl_conf {
	char *path;	 /* the file read, NULL if none */
	int autoballoon; /* 1 on, 0 off, -1 auto */
	bool run_hotplug_scripts;
	char *lockfile;	  /* NULL: the default; xl_lockfile() says which */
	char *vif_script; /* vif.default.script (NULL: libxl's default) */
	char *vif_bridge; /* vif.default.bridge */
	char *vif_gatewaydev;
	char *vif_backend;
	enum xl_output_format output_format;
	char *blkdev_start;
	bool claim_mode;
	int memory_pool;	  /* LIBXL_MEMORY_POOL_*: where domains' RAM comes from (host by default) */
	long max_grant_frames;	  /* -1: default */
	long max_maptrack_frames; /* -1: default */
	char *cgroup_parent;	  /* NULL: libxl's default ("xenon"); "": no cgroups */
	/* Xenon's paths and device times (libxl_ctx_settings); NULL / 0: the
	 * environment's, else libxl's defaults. */
	char *xenstored_socket;
	char *run_dir;
	char *log_dir;
	char *xenon_hv;
	char *hotplug_script_dir;
	char *dump_dir; /* on_*=coredump-*'s cores */
	long device_timeout_ms;
	long hotplug_timeout_ms;
	/* xenon-hv's sandbox: measures off (HVCTL_SANDBOX_* bits), uid base (0:
	 * default), the shared user (NULL: a uid per domain) resolved to uid/gid. */
	unsigned sandbox_off;
	unsigned sandbox_uid_base;
	char *sandbox_shared_user;
	unsigned sandbox_uid, sandbox_gid;
};

extern struct xl_conf xl_conf;

/* Built-in defaults (what xl uses without an xl.conf). */
void xl_conf_init(struct xl_conf *c);
void xl_conf_free(struct xl_conf *c);
/* Read one xl.conf into c; -errno with "file:line:col: ..." in err. */
int xl_conf_load_file(struct xl_conf *c, const char *path, char *err);
/* Find and read the global xl.conf into xl_conf, logging errors; 0 or -errno. */
int xl_conf_load(void);
void xl_conf_dispose(void);
/* Before running hotplug scripts: warn (once) that run_hotplug_scripts=0 is not honoured. */
void xl_conf_hotplug_note(void);
/* The names of the sandbox measures in mask (HVCTL_SANDBOX_* bits), comma-separated, into buf ("" if none). */
void xl_sandbox_names(unsigned mask, char *buf, size_t size);

#endif
