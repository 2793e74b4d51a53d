/*
 * libxl_device_nic.c: NICs (vif) as docs/devices.md has them: the backend
 * node, xenon-hv's virtio-net on a tap (vif<domid>.<devid> or vifname=), the
 * vif script `online` with vif=<tap> (default vif-bridge), the frontend node.
 */
#include "libxl/libxl_device.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "strutil.h"

#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

struct nic_plan {
	struct libxl__dev d;
	char mac[LIBXL_MAC_FMTLEN + 1];
	char vifname[IFNAME_MAX + 1];
	char script[LIBXL_PATH_MAX];
	char mtu[16], handle[16], fe_id[16];
	char rate[48]; /* "BYTES,USECS", as Xen's libxl writes it */
};

void libxl__device_nic_setdefault(libxl_device_nic *nic, int index)
{
	if (nic->devid < 0)
		nic->devid = index;
	if (libxl_mac_is_default(nic->mac))
		libxl_nic_random_mac(nic->mac);
}

/* Is mac (text) some vif's of any domain on this host? */
static bool mac_in_use(libxl_ctx *ctx, const char *mac)
{
	char **doms = NULL;
	unsigned nd = 0;
	bool used = false;

	if (xsc_directory(ctx->xsh, XS_NO_TX, "/local/domain/0/backend/vif", &doms, &nd) < 0)
		return false;
	for (unsigned i = 0; i < nd && !used; i++) {
		uint64_t domid;
		uint32_t *ids = NULL;
		unsigned n = 0;

		if (parse_u64(doms[i], UINT32_MAX, &domid) < 0 ||
		    libxl__dev_ids(ctx, "vif", (uint32_t)domid, &ids, &n) < 0)
			continue;
		for (unsigned k = 0; k < n && !used; k++) {
			char *v = NULL;

			if (libxl__xs_read(ctx, XS_NO_TX, &v, "/local/domain/0/backend/vif/%s/%u/mac",
					   doms[i], ids[k]) == 0)
				used = !strcasecmp(v, mac);
			free(v);
		}
		free(ids);
	}
	free(doms);
	return used;
}

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

static int pick_devid(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic)
{
	uint32_t *ids = NULL;
	unsigned n = 0;
	int rc;

	if (nic->devid >= 0)
		return 0;
	rc = libxl__dev_ids(ctx, "vif", domid, &ids, &n);
	if (rc == 0)
		nic->devid = n ? (int)ids[n - 1] + 1 : 0; /* as Xen: after the highest */
	free(ids);
	return rc;
}

static int check_mac(libxl_ctx *ctx, libxl_device_nic *nic, struct nic_plan *p)
{
	bool generated = libxl_mac_is_default(nic->mac);

	for (int tries = 0; tries < 16; tries++) {
		if (generated)
			libxl_nic_random_mac(nic->mac);
		libxl_mac_to_string(nic->mac, p->mac);
		if (nic->mac[0] & 1) {
			log_warnx("%s: MAC %s is a multicast address: the first byte must be even (Xen's "
				  "prefix is 00:16:3e)",
				  p->d.what, p->mac);
			return -EINVAL;
		}
		if (!mac_in_use(ctx, p->mac))
			return 0;
		if (!generated) {
			log_warnx(
			    "%s: MAC %s is already used by another vif on this host: choose another mac= "
			    "(or none, for a generated one)",
			    p->d.what, p->mac);
			return -EEXIST;
		}
	}
	return -EEXIST;
}

static int plan(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic, struct nic_plan *p)
{
	const char *script = nic->script && *nic->script ? nic->script : "vif-bridge";
	int rc;

	if (nic->backend_domid != 0 ||
	    (nic->backend_domname && *nic->backend_domname && strcmp(nic->backend_domname, "Domain-0") &&
	     strcmp(nic->backend_domname, "0"))) {
		log_warnx("nic: backend domains other than Domain-0 (driver domains) are not supported");
		return -EOPNOTSUPP;
	}
	rc = pick_devid(ctx, domid, nic);
	if (rc == 0)
		rc = libxl__dev_init(&p->d, HVCTL_DEV_VIF, domid, (uint32_t)nic->devid);
	if (rc < 0)
		return rc;
	if (nic->mtu && (nic->mtu < 68 || nic->mtu > 65535)) {
		log_warnx("%s: mtu=%d is out of range (68 to 65535)", p->d.what, nic->mtu);
		return -EINVAL;
	}
	if (nic->ifname && *nic->ifname)
		snprintf(p->vifname, sizeof(p->vifname), "%s", nic->ifname);
	else
		snprintf(p->vifname, sizeof(p->vifname), "vif%u.%d", domid, nic->devid);
	if (!ifname_valid(nic->ifname && *nic->ifname ? nic->ifname : p->vifname)) {
		log_warnx("%s: vifname '%s' is not a valid interface name (1 to %d letters, digits, '_', '-' "
			  "or '.')",
			  p->d.what, nic->ifname ? nic->ifname : p->vifname, IFNAME_MAX);
		return -EINVAL;
	}
	rc = check_mac(ctx, nic, p);
	if (rc == 0)
		rc = libxl__hotplug_resolve(ctx, script, p->d.what, p->script, sizeof(p->script));
	return rc;
}

static int write_backend(libxl_ctx *ctx, const libxl_device_nic *nic, struct nic_plan *p)
{
	struct libxl__kv kv[14];
	unsigned n = 0;
	int rc;

	snprintf(p->fe_id, sizeof(p->fe_id), "%u", p->d.domid);
	snprintf(p->rate, sizeof(p->rate), "%llu,%u", (unsigned long long)nic->rate_bytes_per_interval,
		 nic->rate_interval_usecs);
	snprintf(p->handle, sizeof(p->handle), "%u", p->d.devid);
	snprintf(p->mtu, sizeof(p->mtu), "%d", nic->mtu);
	kv[n++] = (struct libxl__kv){"frontend", p->d.fe};
	kv[n++] = (struct libxl__kv){"frontend-id", p->fe_id};
	kv[n++] = (struct libxl__kv){"online", "1"};
	kv[n++] = (struct libxl__kv){"mac", p->mac};
	kv[n++] = (struct libxl__kv){"handle", p->handle};
	kv[n++] = (struct libxl__kv){"type", "vif"};
	kv[n++] = (struct libxl__kv){"vifname", p->vifname};
	kv[n++] = (struct libxl__kv){"script", p->script};
	if (nic->bridge && *nic->bridge)
		kv[n++] = (struct libxl__kv){"bridge", nic->bridge};
	if (nic->mtu)
		kv[n++] = (struct libxl__kv){"mtu", p->mtu};
	if (nic->rate_bytes_per_interval)
		kv[n++] = (struct libxl__kv){"rate", p->rate};
	if (nic->ip && *nic->ip)
		kv[n++] = (struct libxl__kv){"ip", nic->ip};
	if (nic->gatewaydev && *nic->gatewaydev)
		kv[n++] = (struct libxl__kv){"gatewaydev", nic->gatewaydev};
	rc = libxl__dev_backend_create(ctx, &p->d, kv, n);
	if (rc == -EEXIST)
		log_warnx("domain %u already has nic %u: detach it first or choose another devid", p->d.domid,
			  p->d.devid);
	else if (rc < 0)
		log_warnx("%s: cannot write its backend node %s: %s", p->d.what, p->d.be, log_strerror(rc));
	return rc;
}

/* The tap (created unless it exists: libxl holds it until xenon-hv does) and its spec. */
static int open_tap(const libxl_device_nic *nic, const struct nic_plan *p, struct libxl__dev_prep *prep)
{
	struct hvctl_device_spec *spec = &prep->spec;
	int rc;

	memset(spec, 0, sizeof(*spec));
	spec->kind = HVCTL_DEV_VIF;
	spec->devid = p->d.devid;
	spec->mtu = (uint32_t)nic->mtu;
	/* rate=: xenon-hv holds what the guest sends to it (netback's credit) */
	spec->rate_bytes = nic->rate_bytes_per_interval;
	spec->rate_usecs = nic->rate_bytes_per_interval ? nic->rate_interval_usecs : 0;
	memcpy(spec->mac, nic->mac, sizeof(spec->mac));
	snprintf(spec->target, sizeof(spec->target), "%s", p->vifname);
	rc = hvctl_device_open(spec, prep->fds, &prep->nfds); /* says why if it fails */
	if (rc < 0)
		log_warnx("%s: libxl could not make its tap %s: %s", p->d.what, p->vifname, log_strerror(rc));
	return rc;
}

/* Everything but xenon-hv: the backend node, the tap and the vif script's
 * `online` (the tap joins its bridge). */
int libxl__device_nic_prepare(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic, struct libxl__dev_prep *prep)
{
	struct nic_plan *p = calloc(1, sizeof(*p));
	int rc;

	memset(prep, 0, sizeof(*prep));
	if (!p)
		return -ENOMEM;
	rc = plan(ctx, domid, nic, p);
	if (rc == 0)
		rc = write_backend(ctx, nic, p);
	if (rc < 0) {
		free(p);
		return rc;
	}
	prep->plan = p;
	prep->d = &p->d;
	rc = open_tap(nic, p, prep);
	if (rc == 0) {
		struct libxl__hotplug h = {p->script,  "online",	p->d.be,  "vif",
					   p->vifname, nic->gatewaydev, p->d.what};

		prep->script_ran = true;
		rc = libxl__hotplug_run(ctx, &h, false);
	}
	if (rc < 0)
		libxl__dev_prep_drop(ctx, prep);
	return rc;
}

static void hv_failed(const struct libxl__dev_prep *prep, int rc)
{
	const struct nic_plan *p = prep->plan;

	log_warnx("%s: xenon-hv could not take its tap %s: %s (the domain's log, xl-<name>.log, says more)",
		  p->d.what, p->vifname, log_strerror(rc));
}

/* The prepared NIC to xenon-hv, then the frontend node (and, with wait, the guest). */
int libxl__device_nic_attach(libxl_ctx *ctx, libxl_device_nic *nic, struct libxl__dev_prep *prep, bool wait)
{
	struct nic_plan *p = prep->plan;
	struct libxl__kv fe[] = {{"handle", p->handle}, {"mac", p->mac}};
	int rc = libxl__dev_prep_attach(ctx, prep, fe, 2, wait, hv_failed);

	if (rc == 0 && wait)
		libxl__config_nic_set(ctx, p->d.domid, nic, p->d.devid, true);
	free(p);
	prep->plan = NULL;
	return rc;
}

int libxl__device_nic_add(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic, bool wait)
{
	struct libxl__dev_prep prep;
	int rc = libxl__device_nic_prepare(ctx, domid, nic, &prep);

	return rc < 0 ? rc : libxl__device_nic_attach(ctx, nic, &prep, wait);
}

int libxl_device_nic_add(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic)
{
	return libxl__device_nic_add(ctx, domid, nic, true);
}

/* ---- what is there ---- */

static void nic_from_backend(libxl_ctx *ctx, const struct libxl__dev *d, libxl_device_nic *nic)
{
	char *mac = libxl__dev_be_str(ctx, d, "mac"), *mtu = libxl__dev_be_str(ctx, d, "mtu");
	char *rate = libxl__dev_be_str(ctx, d, "rate");
	unsigned long long bytes;
	unsigned usecs;
	uint64_t v;

	nic->devid = (int)d->devid;
	if (mac)
		libxl_mac_from_string(nic->mac, mac);
	if (mtu && parse_u64(mtu, 65535, &v) == 0)
		nic->mtu = (int)v;
	if (rate && sscanf(rate, "%llu,%u", &bytes, &usecs) == 2 && bytes && usecs) {
		nic->rate_bytes_per_interval = bytes;
		nic->rate_interval_usecs = usecs;
	}
	nic->bridge = libxl__dev_be_str(ctx, d, "bridge");
	nic->ifname = libxl__dev_be_str(ctx, d, "vifname");
	nic->script = libxl__dev_be_str(ctx, d, "script");
	nic->ip = libxl__dev_be_str(ctx, d, "ip");
	nic->gatewaydev = libxl__dev_be_str(ctx, d, "gatewaydev");
	nic->nictype = LIBXL_NIC_TYPE_VIF;
	free(mac);
	free(mtu);
	free(rate);
}

static void nic_init(void *elem)
{
	libxl_device_nic_init(elem);
}

static void nic_fill(libxl_ctx *ctx, const struct libxl__dev *d, void *elem)
{
	nic_from_backend(ctx, d, elem);
}

libxl_device_nic *libxl_device_nic_list(libxl_ctx *ctx, uint32_t domid, int *num)
{
	return libxl__dev_list(ctx, HVCTL_DEV_VIF, "vif", domid, sizeof(libxl_device_nic), nic_init, nic_fill,
			       num);
}

void libxl_device_nic_list_free(libxl_device_nic *list, int num)
{
	for (int i = 0; list && i < num; i++)
		libxl_device_nic_dispose(&list[i]);
	free(list);
}

int libxl_devid_to_device_nic(libxl_ctx *ctx, uint32_t domid, int devid, libxl_device_nic *nic)
{
	struct libxl__dev d;
	int rc;

	if (devid < 0)
		return -EINVAL;
	rc = libxl__dev_init(&d, HVCTL_DEV_VIF, domid, (uint32_t)devid);
	if (rc == 0)
		rc = libxl__xs_exists(ctx, XS_NO_TX, "%s/state", d.be);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	libxl_device_nic_dispose(nic);
	libxl_device_nic_init(nic);
	nic_from_backend(ctx, &d, nic);
	return 0;
}

int libxl_mac_to_device_nic(libxl_ctx *ctx, uint32_t domid, const char *mac, libxl_device_nic *nic)
{
	libxl_mac want;
	int num = 0, rc = -ENOENT;
	libxl_device_nic *list;

	if (libxl_mac_from_string(want, mac) < 0)
		return -EINVAL;
	list = libxl_device_nic_list(ctx, domid, &num);
	for (int i = 0; i < num && rc == -ENOENT; i++)
		if (!memcmp(list[i].mac, want, sizeof(want)))
			rc = libxl_devid_to_device_nic(ctx, domid, list[i].devid, nic);
	libxl_device_nic_list_free(list, num);
	return rc;
}

static int nic_detach(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic, bool force)
{
	char mac[LIBXL_MAC_FMTLEN + 1];
	struct libxl__dev d;
	int devid = nic->devid, rc;

	if (devid < 0) {
		libxl_device_nic found;

		libxl_device_nic_init(&found);
		libxl_mac_to_string(nic->mac, mac);
		rc = libxl_mac_to_device_nic(ctx, domid, mac, &found);
		devid = found.devid;
		libxl_device_nic_dispose(&found);
		if (rc < 0) {
			log_warnx("domain %u has no nic with MAC %s", domid, mac);
			return rc;
		}
	}
	rc = libxl__dev_init(&d, HVCTL_DEV_VIF, domid, (uint32_t)devid);
	if (rc == 0)
		rc = libxl__dev_detach(ctx, &d, force);
	if (rc == 0)
		libxl__config_nic_set(ctx, domid, NULL, (uint32_t)devid, false);
	if (rc == -ENOENT)
		log_warnx("domain %u has no nic %d", domid, devid);
	return rc;
}

int libxl_device_nic_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic)
{
	return nic_detach(ctx, domid, nic, false);
}

int libxl_device_nic_destroy(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic)
{
	return nic_detach(ctx, domid, nic, true);
}

int libxl_device_nic_getinfo(libxl_ctx *ctx, uint32_t domid, const libxl_device_nic *nic, libxl_nicinfo *info)
{
	struct hvctl_device hv;
	struct libxl__dev d;
	int rc;

	if (nic->devid < 0)
		return -EINVAL;
	rc = libxl__dev_init(&d, HVCTL_DEV_VIF, domid, (uint32_t)nic->devid);
	if (rc == 0)
		rc = libxl__xs_exists(ctx, XS_NO_TX, "%s/state", d.be);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	libxl_nicinfo_dispose(info);
	libxl_nicinfo_init(info);
	info->backend = strdup(d.be);
	info->frontend = strdup(d.fe);
	info->frontend_id = domid;
	info->devid = nic->devid;
	info->state = libxl__xb_state_read(ctx, d.fe);
	info->backend_state = libxl__xb_state_read(ctx, d.be);
	info->vifname = libxl__dev_be_str(ctx, &d, "vifname");
	if (libxl__dev_hv_find(ctx, domid, HVCTL_DEV_VIF, d.devid, &hv) == 0) {
		info->irq = (int)hv.irq;
		info->mmio_base = hv.mmio_base;
		info->driver_status = (int)hv.status;
		info->rx_bytes = hv.stats[HVCTL_VIF_RX_BYTES];
		info->tx_bytes = hv.stats[HVCTL_VIF_TX_BYTES];
	}
	return info->backend && info->frontend ? 0 : -ENOMEM;
}
