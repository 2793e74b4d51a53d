/*
 * xl network-attach, network-detach, network-list: NICs of a running domain,
 * with Xen's syntax and columns. Where Xen shows an event channel and the
 * tx/rx ring references, network-list shows the NIC's interrupt line and
 * virtio-mmio window (irq, mmio-base).
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"
#include "xl/xl_conf.h"
#include "xl/xl_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strutil.h"

/* xl.conf's vif.default.* first, as in Xen (and as a vif= line of a config). */
static int nic_defaults(libxl_device_nic *nic)
{
	const char *values[] = {xl_conf.vif_script, xl_conf.vif_bridge, xl_conf.vif_gatewaydev,
				xl_conf.vif_backend};
	char **fields[] = {&nic->script, &nic->bridge, &nic->gatewaydev, &nic->backend_domname};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (values[i] && !(*fields[i] = strdup(values[i])))
			return -ENOMEM;
	return 0;
}

static int print_nic_json(const libxl_device_nic *nic)
{
	char *json = NULL;

	if (libxl_device_nic_to_json(nic, &json) < 0)
		return 1;
	printf("nic: %s", json);
	free(json);
	return 0;
}

static int attach(const char *dom, libxl_device_nic *nic)
{
	libxl_ctx *ctx = xl_ctx_open();
	char mac[LIBXL_MAC_FMTLEN + 1];
	uint32_t domid;
	int rc = 1, lock = -1, added;

	if (!ctx)
		return 1;
	if (xl_find_guest(ctx, "network-attach", dom, &domid,
			  "Domain-0 is the host: its NICs are the host's") < 0)
		goto out;
	/* Under xl's lock, as create: the MAC is checked unused and taken in one step. */
	if (xl_lock_take(&lock) < 0)
		goto out;
	added = libxl_device_nic_add(ctx, domid, nic);
	libxl_lock_release(lock);
	if (added < 0) {
		fprintf(stderr, "network-attach: no NIC was attached to domain '%s' (see above)\n", dom);
		goto out;
	}
	libxl_mac_to_string(nic->mac, mac);
	log_info("network-attach: domain '%s' has nic %d, MAC %s", dom, nic->devid, mac);
	rc = 0;
out:
	libxl_ctx_free(ctx);
	return rc;
}

int main_network_attach(int argc, char **argv)
{
	libxl_device_nic nic;
	char err[512], *spec;
	int opt, rc = 1;

	SWITCH_FOREACH_OPT(opt, "", NULL, "network-attach", 1)
	{
	default:
		break;
	}
	spec = xl_join_args(argc, argv, optind + 1);
	if (!spec)
		return 1;
	libxl_device_nic_init(&nic);
	if (nic_defaults(&nic) < 0)
		goto out;
	if (libxl_nic_parse_spec(spec, &nic, err, sizeof(err)) < 0) {
		fprintf(stderr, "network-attach: %s\n", err);
		goto out;
	}
	if (!xl_dryrun)
		xl_conf_hotplug_note();
	rc = xl_dryrun ? print_nic_json(&nic) : attach(argv[optind], &nic);
out:
	libxl_device_nic_dispose(&nic);
	free(spec);
	return rc;
}

/* "1" (a devid) or "00:16:3e:..." (a MAC) into nic. */
static int find_nic(libxl_ctx *ctx, uint32_t domid, const char *which, libxl_device_nic *nic)
{
	uint64_t devid;

	if (strchr(which, ':') || strchr(which, '-'))
		return libxl_mac_to_device_nic(ctx, domid, which, nic);
	if (parse_u64(which, INT32_MAX, &devid) < 0)
		return -EINVAL;
	return libxl_devid_to_device_nic(ctx, domid, (int)devid, nic);
}

int main_network_detach(int argc, char **argv)
{
	libxl_device_nic nic;
	libxl_ctx *ctx;
	uint32_t domid;
	bool force = xl_force;
	int opt, rc = 1;

	SWITCH_FOREACH_OPT(opt, "f", NULL, "network-detach", 2)
	{
	case 'f':
		force = true;
		break;
	}
	if (xl_too_many_args(argc, argv, "network-detach", 2))
		return 1;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	libxl_device_nic_init(&nic);
	if (xl_find_guest(ctx, "network-detach", argv[optind], &domid, "Domain-0 is the host") < 0)
		goto out;
	if (find_nic(ctx, domid, argv[optind + 1], &nic) < 0) {
		fprintf(
		    stderr,
		    "network-detach: domain '%s' has no NIC %s (give a devid or a MAC; xl network-list %s "
		    "shows them)\n",
		    argv[optind], argv[optind + 1], argv[optind]);
		goto out;
	}
	if ((force ? libxl_device_nic_destroy : libxl_device_nic_remove)(ctx, domid, &nic) < 0)
		fprintf(stderr, "network-detach: NIC %s of domain '%s' was not detached\n", argv[optind + 1],
			argv[optind]);
	else
		rc = 0;
out:
	libxl_device_nic_dispose(&nic);
	libxl_ctx_free(ctx);
	return rc;
}

static void list_domain(libxl_ctx *ctx, uint32_t domid)
{
	libxl_device_nic *nics;
	libxl_nicinfo info;
	int n = 0;

	nics = libxl_device_nic_list(ctx, domid, &n);
	libxl_nicinfo_init(&info);
	for (int i = 0; i < n; i++) {
		char mac[LIBXL_MAC_FMTLEN + 1], base[24];

		if (libxl_device_nic_getinfo(ctx, domid, &nics[i], &info) < 0)
			continue;
		libxl_mac_to_string(nics[i].mac, mac);
		if (info.irq >= 0)
			snprintf(base, sizeof(base), "%#llx", (unsigned long long)info.mmio_base);
		else
			snprintf(base, sizeof(base), "-");
		printf("%-3d %-2u %-17s %6d %5d %6d %-11s %-30s\n", info.devid, info.backend_id, mac,
		       info.devid, info.state, info.irq, base, info.backend);
	}
	libxl_nicinfo_dispose(&info);
	libxl_device_nic_list_free(nics, n);
}

int main_network_list(int argc, char **argv)
{
	libxl_ctx *ctx;
	uint32_t domid;
	int opt, rc = 0;

	SWITCH_FOREACH_OPT(opt, "", NULL, "network-list", 1)
	{
	default:
		break;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	printf("%-3s %-2s %-17s %-6s %-5s %-6s %-11s %-30s\n", "Idx", "BE", "Mac Addr.", "handle", "state",
	       "irq", "mmio-base", "BE-path");
	for (int i = optind; i < argc; i++) {
		if (xl_find_domain(ctx, "network-list", argv[i], &domid) < 0) {
			rc = 1;
			continue;
		}
		list_domain(ctx, domid);
	}
	libxl_ctx_free(ctx);
	return rc;
}

/* ---- xl list -l ---- */

static void gen_key(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_disks(libxl_ctx *ctx, yajl_gen g, uint32_t domid)
{
	libxl_diskinfo info;
	int n = 0;
	libxl_device_disk *disks = libxl_device_disk_list(ctx, domid, &n);

	libxl_diskinfo_init(&info);
	yajl_gen_array_open(g);
	for (int i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		gen_key(g, "disk");
		libxl_device_disk_gen_json(g, &disks[i]);
		gen_key(g, "info");
		if (libxl_device_disk_getinfo(ctx, domid, &disks[i], &info) == 0)
			libxl_diskinfo_gen_json(g, &info);
		else
			yajl_gen_null(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	libxl_diskinfo_dispose(&info);
	libxl_device_disk_list_free(disks, n);
}

static void gen_nics(libxl_ctx *ctx, yajl_gen g, uint32_t domid)
{
	libxl_nicinfo info;
	int n = 0;
	libxl_device_nic *nics = libxl_device_nic_list(ctx, domid, &n);

	libxl_nicinfo_init(&info);
	yajl_gen_array_open(g);
	for (int i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		gen_key(g, "nic");
		libxl_device_nic_gen_json(g, &nics[i]);
		gen_key(g, "info");
		if (libxl_device_nic_getinfo(ctx, domid, &nics[i], &info) == 0)
			libxl_nicinfo_gen_json(g, &info);
		else
			yajl_gen_null(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	libxl_nicinfo_dispose(&info);
	libxl_device_nic_list_free(nics, n);
}

void xl_gen_devices(libxl_ctx *ctx, yajl_gen g, uint32_t domid)
{
	yajl_gen_map_open(g);
	gen_key(g, "disks");
	gen_disks(ctx, g, domid);
	gen_key(g, "nics");
	gen_nics(ctx, g, domid);
	yajl_gen_map_close(g);
}
