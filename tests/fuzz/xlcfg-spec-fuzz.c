/*
 * libFuzzer target for single device specs: the first byte picks a disk
 * spec (xl-disk-configuration(5)), a vif spec (xl-network-configuration(5))
 * or a vdev name; the rest is the spec. Seeds: tests/fuzz/xlcfg-spec-fuzz/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/libxl_types.h"

static void fuzz_disk(const char *spec)
{
	libxl_device_disk disk;
	char err[256];
	yajl_gen g = yajl_gen_alloc(NULL);

	libxl_device_disk_init(&disk);
	if (libxl_disk_parse_spec(spec, &disk, err, sizeof(err)) == 0) {
		/* a parsed disk always has a vdev with a device number */
		if (!disk.vdev || libxl_disk_vdev_to_devnum(disk.vdev, NULL, NULL) < 0)
			abort();
		if (g && libxl_device_disk_gen_json(g, &disk) != 0)
			abort();
	}
	if (g)
		yajl_gen_free(g);
	libxl_device_disk_dispose(&disk);
}

static void fuzz_vif(const char *spec)
{
	libxl_device_nic nic;
	char err[256];
	yajl_gen g = yajl_gen_alloc(NULL);

	libxl_device_nic_init(&nic);
	if (libxl_nic_parse_spec(spec, &nic, err, sizeof(err)) == 0 && g &&
	    libxl_device_nic_gen_json(g, &nic) != 0)
		abort();
	if (g)
		yajl_gen_free(g);
	libxl_device_nic_dispose(&nic);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec;
	int disk, part;

	if (size < 1)
		return 0;
	spec = strndup((const char *)data + 1, size - 1);
	if (!spec)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_disk(spec);
		break;
	case 1:
		fuzz_vif(spec);
		break;
	default:
		libxl_disk_vdev_to_devnum(spec, &disk, &part);
		break;
	}
	free(spec);
	return 0;
}
