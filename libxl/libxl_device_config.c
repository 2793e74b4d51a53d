/*
 * libxl_device_config.c: a hot-plugged disk or NIC goes into the domain's
 * stored configuration (/libxl/<domid>/config), and a detached one out of
 * it, as Xen's libxl does, so that `xl list -l` and a restarted domain
 * have them. In one transaction with a read of the stored JSON.
 */
#include "libxl/libxl_device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct cfg_change {
	uint32_t domid;
	uint32_t hv_kind;
	const libxl_device_disk *disk; /* to add, or NULL */
	const libxl_device_nic *nic;   /* to add, or NULL */
	uint32_t devid;		       /* the device replaced or removed */
};

static int disk_devid(const libxl_device_disk *d)
{
	return d->vdev ? libxl_disk_vdev_to_devnum(d->vdev, NULL, NULL) : -1;
}

/* Remove the config's entries for devid; the array keeps its order. */
static void drop(libxl_domain_config *cfg, uint32_t hv_kind, uint32_t devid)
{
	if (hv_kind == HVCTL_DEV_VBD) {
		for (int i = 0; i < cfg->num_disks;) {
			if (disk_devid(&cfg->disks[i]) != (int)devid) {
				i++;
				continue;
			}
			libxl_device_disk_dispose(&cfg->disks[i]);
			memmove(&cfg->disks[i], &cfg->disks[i + 1],
				(size_t)(cfg->num_disks - i - 1) * sizeof(cfg->disks[0]));
			cfg->num_disks--;
		}
		return;
	}
	for (int i = 0; i < cfg->num_nics;) {
		if (cfg->nics[i].devid != (int)devid) {
			i++;
			continue;
		}
		libxl_device_nic_dispose(&cfg->nics[i]);
		memmove(&cfg->nics[i], &cfg->nics[i + 1],
			(size_t)(cfg->num_nics - i - 1) * sizeof(cfg->nics[0]));
		cfg->num_nics--;
	}
}

/* A copy of the device (through its JSON) appended to the config. */
static int append(libxl_domain_config *cfg, const struct cfg_change *c)
{
	char *json = NULL, err[256];
	int rc;

	if (c->disk) {
		libxl_device_disk *slot;

		rc = libxl_device_disk_to_json(c->disk, &json);
		if (rc == 0)
			rc = libxl_domain_config_add_disk(cfg, &slot);
		if (rc == 0)
			rc = libxl_device_disk_from_json(slot, json, err, sizeof(err));
	} else {
		libxl_device_nic *slot;

		rc = libxl_device_nic_to_json(c->nic, &json);
		if (rc == 0)
			rc = libxl_domain_config_add_nic(cfg, &slot);
		if (rc == 0)
			rc = libxl_device_nic_from_json(slot, json, err, sizeof(err));
	}
	free(json);
	return rc;
}

int libxl__config_edit(libxl_ctx *ctx, uint32_t tx, uint32_t domid,
		       int (*fn)(libxl_domain_config *cfg, void *arg), void *arg)
{
	char base[LIBXL_PATH_MAX], *json = NULL, err[256];
	libxl_domain_config cfg;
	int rc;

	snprintf(base, sizeof(base), "/libxl/%u/config", domid);
	rc = libxl__xs_read_long(ctx, tx, base, &json);
	if (rc == -ENOENT)
		return 0; /* nothing stored: nothing to keep up to date */
	if (rc < 0)
		return rc;
	libxl_domain_config_init(&cfg);
	rc = libxl_domain_config_from_json(&cfg, json, err, sizeof(err));
	free(json);
	json = NULL;
	if (rc == 0)
		rc = fn(&cfg, arg);
	if (rc == 0)
		rc = libxl_domain_config_to_json(&cfg, &json);
	if (rc == 0)
		rc = libxl__xs_write_long(ctx, tx, base, json);
	free(json);
	libxl_domain_config_dispose(&cfg);
	return rc;
}

static int change_cfg(libxl_domain_config *cfg, void *arg)
{
	const struct cfg_change *c = arg;

	drop(cfg, c->hv_kind, c->devid);
	return c->disk || c->nic ? append(cfg, c) : 0;
}

static int change_tx(libxl_ctx *ctx, uint32_t tx, void *arg)
{
	const struct cfg_change *c = arg;

	return libxl__config_edit(ctx, tx, c->domid, change_cfg, arg);
}

static void change(libxl_ctx *ctx, const struct cfg_change *c, const char *what)
{
	int rc = libxl__xs_transact(ctx, change_tx, (void *)c);

	if (rc < 0)
		log_warnx("domain %u: %s: its stored configuration could not be updated (%s): a restart of "
			  "the domain will not reflect this change",
			  c->domid, what, log_strerror(rc));
}

void libxl__config_disk_set(libxl_ctx *ctx, uint32_t domid, const libxl_device_disk *disk, uint32_t devid,
			    bool present)
{
	struct cfg_change c = {domid, HVCTL_DEV_VBD, present ? disk : NULL, NULL, devid};

	change(ctx, &c, "disk");
}

void libxl__config_nic_set(libxl_ctx *ctx, uint32_t domid, const libxl_device_nic *nic, uint32_t devid,
			   bool present)
{
	struct cfg_change c = {domid, HVCTL_DEV_VIF, NULL, present ? nic : NULL, devid};

	change(ctx, &c, "nic");
}
