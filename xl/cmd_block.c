/*
 * xl block-attach, block-detach, block-list: disks of a running domain, with
 * Xen's syntax and columns. Where Xen shows an event channel and a ring
 * reference, a Xenon disk has an interrupt line and a virtio-mmio window:
 * block-list shows those (irq, mmio-base), in the same places.
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

/* argv[from..argc) joined with ',' (Xen's multi-argument spec), malloc'd. */
char *xl_join_args(int argc, char **argv, int from)
{
	size_t len = 1;
	char *s;

	for (int i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = from; i < argc; i++) {
		if (i > from)
			strcat(s, ",");
		strcat(s, argv[i]);
	}
	return s;
}

static int print_disk_json(const libxl_device_disk *disk)
{
	char *json = NULL;

	if (libxl_device_disk_to_json(disk, &json) < 0)
		return 1;
	printf("disk: %s", json);
	free(json);
	return 0;
}

int main_block_attach(int argc, char **argv)
{
	libxl_device_disk disk;
	libxl_ctx *ctx = NULL;
	char err[512], *spec;
	uint32_t domid;
	int opt, rc = 1, lock = -1, added;

	SWITCH_FOREACH_OPT(opt, "", NULL, "block-attach", 2)
	{
	default:
		break;
	}
	spec = xl_join_args(argc, argv, optind + 1);
	if (!spec)
		return 1;
	libxl_device_disk_init(&disk);
	if (libxl_disk_parse_spec(spec, &disk, err, sizeof(err)) < 0) {
		fprintf(stderr, "block-attach: %s\n", err);
		goto out;
	}
	if (xl_dryrun) {
		rc = print_disk_json(&disk);
		goto out;
	}
	xl_conf_hotplug_note();
	ctx = xl_ctx_open();
	if (!ctx || xl_find_guest(ctx, "block-attach", argv[optind], &domid,
				  "Domain-0 is the host: its disks are the host's own") < 0)
		goto out;
	/* Under xl's lock, as create: the image is checked unshared and taken in one step. */
	if (xl_lock_take(&lock) < 0)
		goto out;
	added = libxl_device_disk_add(ctx, domid, &disk);
	libxl_lock_release(lock);
	if (added < 0)
		fprintf(stderr, "block-attach: disk %s was not attached to domain '%s' (see above)\n",
			disk.vdev, argv[optind]);
	else
		rc = 0;
out:
	libxl_ctx_free(ctx);
	libxl_device_disk_dispose(&disk);
	free(spec);
	return rc;
}

int main_block_detach(int argc, char **argv)
{
	libxl_device_disk disk;
	libxl_ctx *ctx;
	uint32_t domid;
	bool force = xl_force;
	int opt, rc = 1;

	SWITCH_FOREACH_OPT(opt, "f", NULL, "block-detach", 2)
	{
	case 'f':
		force = true;
		break;
	}
	if (xl_too_many_args(argc, argv, "block-detach", 2))
		return 1;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	libxl_device_disk_init(&disk);
	if (xl_find_guest(ctx, "block-detach", argv[optind], &domid, "Domain-0 is the host") < 0)
		goto out;
	if (libxl_vdev_to_device_disk(ctx, domid, argv[optind + 1], &disk) < 0) {
		fprintf(stderr,
			"block-detach: domain '%s' has no disk %s (xl block-list %s shows its disks)\n",
			argv[optind], argv[optind + 1], argv[optind]);
		goto out;
	}
	if ((force ? libxl_device_disk_destroy : libxl_device_disk_remove)(ctx, domid, &disk) < 0)
		fprintf(stderr, "block-detach: disk %s of domain '%s' was not detached\n", argv[optind + 1],
			argv[optind]);
	else
		rc = 0;
out:
	libxl_device_disk_dispose(&disk);
	libxl_ctx_free(ctx);
	return rc;
}

static void list_domain(libxl_ctx *ctx, uint32_t domid)
{
	libxl_device_disk *disks;
	libxl_diskinfo info;
	int n = 0;

	disks = libxl_device_disk_list(ctx, domid, &n);
	libxl_diskinfo_init(&info);
	for (int i = 0; i < n; i++) {
		char base[24];

		if (libxl_device_disk_getinfo(ctx, domid, &disks[i], &info) < 0)
			continue;
		if (info.irq >= 0)
			snprintf(base, sizeof(base), "%#llx", (unsigned long long)info.mmio_base);
		else
			snprintf(base, sizeof(base), "-");
		printf("%-5d %-3u %-6u %-5d %-6d %-10s %-30s\n", info.devid, info.backend_id,
		       info.frontend_id, info.state, info.irq, base, info.backend);
	}
	libxl_diskinfo_dispose(&info);
	libxl_device_disk_list_free(disks, n);
}

int main_block_list(int argc, char **argv)
{
	libxl_ctx *ctx;
	uint32_t domid;
	int opt, rc = 0;

	SWITCH_FOREACH_OPT(opt, "", NULL, "block-list", 1)
	{
	default:
		break;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	printf("%-5s %-3s %-6s %-5s %-6s %-10s %-30s\n", "Vdev", "BE", "handle", "state", "irq", "mmio-base",
	       "BE-path");
	for (int i = optind; i < argc; i++) {
		if (xl_find_domain(ctx, "block-list", argv[i], &domid) < 0) {
			rc = 1;
			continue;
		}
		list_domain(ctx, domid);
	}
	libxl_ctx_free(ctx);
	return rc;
}
