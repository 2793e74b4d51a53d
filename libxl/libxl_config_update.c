/*
 * xl config-update (Xen's; deprecated there as here): a configuration that
 * replaces, for the domain's next restart only, the one it runs with.
 * Stored as JSON in /libxl/<domid>/config-update (dom0's: the guest can
 * neither read nor write it), beside /libxl/<domid>/config, which stays
 * what the domain runs with (xl list -l, save, migrate take that one). The
 * monitor's restart takes it (libxl_retrieve_domain_restart_configuration)
 * with the domain's name and UUID; it goes with the old domain's nodes.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define UPDATE_NODE "config-update"

struct update {
	uint32_t domid;
	const char *json;
};

/* Only for a domain libxl made (it has a stored configuration), in the same transaction as the write. */
static int store_in_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct update *u = arg;
	char base[LIBXL_PATH_MAX];
	int rc = libxl__xs_exists(ctx, tx, "/libxl/%u/config", u->domid);

	if (rc == 0)
		rc = -ENOENT;
	if (rc < 0)
		return rc;
	snprintf(base, sizeof(base), "/libxl/%u/" UPDATE_NODE, u->domid);
	return libxl__xs_write_long(ctx, tx, base, u->json);
}

/* cfg through JSON into out (a copy libxl__config_check may change). */
static int copy_config(const libxl_domain_config *cfg, libxl_domain_config *out)
{
	char *json = NULL, err[256];
	int rc = libxl_domain_config_to_json(cfg, &json);

	if (rc == 0)
		rc = libxl_domain_config_from_json(out, json, err, sizeof(err));
	free(json);
	return rc;
}

int libxl_domain_config_update(libxl_ctx *ctx, uint32_t domid, const libxl_domain_config *cfg)
{
	libxl_domain_config copy;
	struct update u = {domid, NULL};
	char *json = NULL;
	int rc;

	if (domid == LIBXL_DOMID_HOST) {
		log_warnx("config-update: Domain-0 is the host: it has no configuration to update");
		return -EINVAL;
	}
	libxl_domain_config_init(&copy);
	rc = copy_config(cfg, &copy);
	if (rc == 0 && (rc = libxl__config_check(&copy, false)) < 0)
		goto out; /* said: what a restart would refuse */
	if (rc == 0)
		rc = libxl_domain_config_to_json(&copy, &json);
	u.json = json;
	if (rc == 0)
		rc = libxl__xs_transact(ctx, store_in_tx, &u);
	if (rc == -ENOENT)
		log_warnx("config-update: domain %u does not exist (or libxl did not make it)", domid);
	else if (rc < 0)
		log_warnx("config-update: domain %u: cannot store the configuration: %s", domid, log_strerror(rc));
out:
	free(json);
	libxl_domain_config_dispose(&copy);
	return rc;
}

/* The update, if any, into cfg: 1; none: 0; or -errno. */
static int read_update(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *cfg)
{
	char base[LIBXL_PATH_MAX], *json = NULL, err[256];
	int rc;

	snprintf(base, sizeof(base), "/libxl/%u/" UPDATE_NODE, domid);
	rc = libxl__xs_read_long(ctx, XS_NO_TX, base, &json);
	if (rc == -ENOENT)
		return 0;
	if (rc == 0)
		rc = libxl_domain_config_from_json(cfg, json, err, sizeof(err));
	if (rc < 0)
		log_warnx("domain %u: the configuration xl config-update stored cannot be read back (%s): "
			  "the restart takes the one it ran with",
			  domid, rc == -EINVAL ? err : log_strerror(rc));
	free(json);
	return rc < 0 ? rc : 1;
}

int libxl_retrieve_domain_restart_configuration(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *cfg)
{
	libxl_domain_config update;
	int rc = libxl_retrieve_domain_configuration(ctx, domid, cfg);

	if (rc < 0)
		return rc;
	libxl_domain_config_init(&update);
	rc = read_update(ctx, domid, &update);
	if (rc == 1) {
		/* the domain's name and UUID stay (a rename-restart gave the old one a new UUID) */
		free(update.c_info.name);
		update.c_info.name = cfg->c_info.name ? strdup(cfg->c_info.name) : NULL;
		update.c_info.uuid = cfg->c_info.uuid;
		libxl_domain_config_dispose(cfg);
		*cfg = update;
		return 0;
	}
	libxl_domain_config_dispose(&update);
	return 0; /* none, or unreadable (said): the stored one */
}
