/* Unit tests of disk specs (xl-disk-configuration(5)) and vdev numbers (libxl/libxl_disk.c). */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "libxl/libxl_types.h"

static libxl_device_disk disk;
static char err[256];

static int parse(const char *spec)
{
	libxl_device_disk_dispose(&disk);
	libxl_device_disk_init(&disk);
	err[0] = 0;
	return libxl_disk_parse_spec(spec, &disk, err, sizeof(err));
}

/* The four equivalent forms of the man page give the same disk. */
static void test_equivalent_forms(void)
{
	static const char *const forms[] = {
	    "/dev/vg/guest-volume,,hda",
	    "/dev/vg/guest-volume,raw,hda,rw",
	    "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
	    "raw:/dev/vg/guest-volume,hda,w",
	};
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		CHECK_INT(parse(forms[i]), 0);
		CHECK_STR(disk.pdev_path, "/dev/vg/guest-volume");
		CHECK_STR(disk.vdev, "hda");
		CHECK_INT(disk.format, LIBXL_DISK_FORMAT_RAW);
		CHECK_INT(disk.readwrite, 1);
		CHECK_INT(disk.is_cdrom, 0);
	}
}

static void test_cdrom_forms(void)
{
	static const char *const forms[] = {
	    "/root/image.iso,,hdc,cdrom",
	    "/root/image.iso,,hdc,,cdrom",
	    "/root/image.iso,raw,hdc,devtype=cdrom",
	    "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
	    "raw:/root/image.iso,hdc:cdrom,ro",
	};
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		CHECK_INT(parse(forms[i]), 0);
		CHECK_STR(disk.pdev_path, "/root/image.iso");
		CHECK_STR(disk.vdev, "hdc");
		CHECK_INT(disk.format, LIBXL_DISK_FORMAT_RAW);
		CHECK_INT(disk.readwrite, 0);
		CHECK_INT(disk.is_cdrom, 1);
		CHECK_INT(disk.removable, 1);
	}
	/* xend's empty cdrom */
	CHECK_INT(parse(",hdc:cdrom,r"), 0);
	CHECK_STR(disk.pdev_path, "");
	CHECK_INT(disk.format, LIBXL_DISK_FORMAT_EMPTY);
	CHECK_INT(disk.is_cdrom, 1);
	CHECK_INT(parse("vdev=hdc,devtype=cdrom"), 0);
	CHECK(disk.pdev_path == NULL);
	CHECK_INT(disk.format, LIBXL_DISK_FORMAT_EMPTY);
}

static void test_deprecated_prefixes(void)
{
	CHECK_INT(parse("phy:/dev/sdb,xvdb,w"), 0);
	CHECK_STR(disk.pdev_path, "/dev/sdb");
	CHECK_STR(disk.vdev, "xvdb");
	CHECK_INT(disk.backend, LIBXL_DISK_BACKEND_UNKNOWN);
	CHECK_INT(parse("file:/img,xvda,r"), 0);
	CHECK_STR(disk.pdev_path, "/img");
	CHECK_INT(disk.readwrite, 0);
	CHECK_INT(parse("tap:aio:/img.raw,xvda,w"), 0);
	CHECK_STR(disk.pdev_path, "/img.raw");
	CHECK_INT(disk.format, LIBXL_DISK_FORMAT_RAW);
	CHECK_INT(parse("tap:qcow2:/img.qcow2,xvda,w"), 0);
	CHECK_INT(disk.format, LIBXL_DISK_FORMAT_QCOW2);
	CHECK_INT(parse("iscsi:iqn.2001-05.com.example:disk,xvdc,w"), 0);
	CHECK_STR(disk.script, "block-iscsi");
	CHECK_STR(disk.pdev_path, "iqn.2001-05.com.example:disk");
}

static void test_keys_and_flags(void)
{
	CHECK_INT(
	    parse("vdev=xvda, backendtype=qdisk, script=block-drbd, direct-io-safe, no-discard, untrusted, "
		  "specification=virtio, backend=dd, format=qcow2, target=/a,b=c"),
	    0);
	CHECK_STR(disk.pdev_path, "/a,b=c");
	CHECK_INT(disk.backend, LIBXL_DISK_BACKEND_QDISK);
	CHECK_STR(disk.script, "block-drbd");
	CHECK_STR(disk.backend_domname, "dd");
	CHECK(disk.direct_io_safe);
	CHECK_INT(disk.discard_enable.val, -1);
	CHECK_INT(disk.trusted.val, -1);
	CHECK_INT(disk.specification, LIBXL_DISK_SPECIFICATION_VIRTIO);
	CHECK_INT(disk.format, LIBXL_DISK_FORMAT_QCOW2);
	/* an empty earlier target may be given again with target= */
	CHECK_INT(parse(",,xvda,target=/x"), 0);
	CHECK_STR(disk.pdev_path, "/x");
}

static void test_xen_details(void)
{
	/* access= leaves the positional access slot open, as in Xen */
	CHECK_INT(parse("access=ro,/img,,xvda,rw"), 0);
	CHECK_INT(disk.readwrite, 1);
	CHECK_INT(parse("/img,,xvda,devtype=cdrom,devtype=disk"), 0);
	CHECK_INT(disk.is_cdrom, 0);
	CHECK_INT(parse("colo,colo-host=10.0.0.2,colo-port=9000,colo-export=e,active-disk=/a,hidden-disk=/h,"
			"/img,,xvda"),
		  0);
	CHECK_STR(disk.colo_host, "10.0.0.2");
	CHECK_INT(disk.colo_port, 9000);
	CHECK_STR(disk.colo_export, "e");
	CHECK_STR(disk.active_disk, "/a");
	CHECK_STR(disk.hidden_disk, "/h");
	CHECK_INT(disk.colo_enable.val, 1);
	CHECK_INT(parse("colo-port=none,/img,,xvda"), -EINVAL);
	CHECK_INT(parse("colo-host=a,colo-host=b,/img,,xvda"), -EINVAL);
	CHECK(strstr(err, "colo-host given more than once") != NULL);
	CHECK_INT(parse("script=block-x,backend=dd,/img,,xvda"), 0);
	CHECK_STR(disk.script, "block-x");
	CHECK_STR(disk.backend_domname, "dd");
	CHECK_INT(parse("foo:/img,xvda,w"), -EINVAL);
	CHECK(strstr(err, "unknown prefix \"foo:\"") != NULL);
	CHECK_INT(parse("backendtype=phy,backendtype=tap,/img,,xvda"), -EINVAL);
	CHECK(strstr(err, "backendtype given more than once") != NULL);
	CHECK_INT(parse("backendtype=phy,backendtype=phy,/img,,xvda"), 0);
}

static void test_errors(void)
{
	CHECK_INT(parse("/img,qcow3,xvda"), -EINVAL);
	CHECK_STR(err, "invalid disk specification '/img,qcow3,xvda': unknown format \"qcow3\" "
		       "(expected raw, qcow, qcow2, vhd, qed or empty)");
	CHECK_INT(parse("/img"), -EINVAL);
	CHECK_STR(err, "invalid disk specification '/img': no vdev given (the guest's name for the disk, "
		       "such as xvda)");
	CHECK_INT(parse("vdev=xvda"), -EINVAL);
	CHECK_STR(err, "invalid disk specification 'vdev=xvda': no target given (the file or device holding "
		       "the disk)");
	CHECK_INT(parse("/img,,xvda,rw,extra"), -EINVAL);
	CHECK(strstr(err, "too many positional parameters") != NULL);
	CHECK_INT(parse("/img,,xvda,rwx"), -EINVAL);
	CHECK(strstr(err, "unknown access \"rwx\"") != NULL);
	CHECK_INT(parse("/img,,xvda,colour=red"), -EINVAL);
	CHECK(strstr(err, "unknown parameter \"colour\"") != NULL);
	CHECK_INT(parse("/img,,floppy"), -EINVAL);
	CHECK(strstr(err, "invalid vdev \"floppy\"") != NULL);
	CHECK_INT(parse("/a,,xvda,vdev=xvdb"), -EINVAL);
	CHECK(strstr(err, "vdev given more than once") != NULL);
	CHECK_INT(parse("/a,,xvda,devtype=floppy"), -EINVAL);
	CHECK(strstr(err, "unknown devtype \"floppy\" (expected cdrom or disk)") != NULL);
	CHECK_INT(parse("/a,,xvda:tape"), -EINVAL);
	CHECK_INT(parse("/a=b,,xvda"), -EINVAL);
	CHECK(strstr(err, "target=") != NULL);
}

static void test_vdev_numbers(void)
{
	int d = -1, p = -1;

	CHECK_INT(libxl_disk_vdev_to_devnum("xvda", &d, &p), 51712);
	CHECK_INT(d, 0);
	CHECK_INT(p, 0);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvdb", NULL, NULL), 51728);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvda1", &d, &p), 51713);
	CHECK_INT(p, 1);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvdp15", NULL, NULL), (202 << 8) | (15 << 4) | 15);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvdq", &d, NULL), (1 << 28) | (16 << 8));
	CHECK_INT(d, 16);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvdaa", &d, NULL), (1 << 28) | (26 << 8));
	CHECK_INT(d, 26);
	CHECK_INT(libxl_disk_vdev_to_devnum("hda", NULL, NULL), 768);
	CHECK_INT(libxl_disk_vdev_to_devnum("hdb", NULL, NULL), 832);
	CHECK_INT(libxl_disk_vdev_to_devnum("hdc", NULL, NULL), 5632);
	CHECK_INT(libxl_disk_vdev_to_devnum("hda1", NULL, NULL), 769);
	CHECK_INT(libxl_disk_vdev_to_devnum("sda", NULL, NULL), 2048);
	CHECK_INT(libxl_disk_vdev_to_devnum("sdb2", NULL, NULL), 2066);
	CHECK_INT(libxl_disk_vdev_to_devnum("d0p1", NULL, NULL), 51713);
	CHECK_INT(libxl_disk_vdev_to_devnum("d16p0", NULL, NULL), (1 << 28) | (16 << 8));
	CHECK_INT(libxl_disk_vdev_to_devnum("51712", NULL, NULL), 51712);
	CHECK_INT(libxl_disk_vdev_to_devnum("51712", &d, NULL), -EINVAL);
	CHECK_INT(libxl_disk_vdev_to_devnum("hde", NULL, NULL), -EINVAL);
	CHECK_INT(libxl_disk_vdev_to_devnum("sdq", NULL, NULL), -EINVAL);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvda01", NULL, NULL), -EINVAL);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvd", NULL, NULL), -EINVAL);
	CHECK_INT(libxl_disk_vdev_to_devnum("xvdA", NULL, NULL), -EINVAL);
	CHECK_INT(libxl_disk_vdev_to_devnum("", NULL, NULL), -EINVAL);
	CHECK_INT(libxl_disk_vdev_to_devnum("d0p256", NULL, NULL), -EINVAL);
}

static void test_json(void)
{
	char *json = NULL;
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	CHECK_INT(parse("/img,qcow2,xvda,ro,backendtype=phy"), 0);
	CHECK_INT(libxl_device_disk_gen_json(g, &disk), 0);
	yajl_gen_get_buf(g, &buf, &len);
	CHECK_STR((const char *)buf,
		  "{\"pdev_path\":\"/img\",\"vdev\":\"xvda\",\"backend\":\"phy\",\"format\":\"qcow2\"}");
	yajl_gen_free(g);
	free(json);
}

int main(void)
{
	libxl_device_disk_init(&disk);
	RUN(test_equivalent_forms);
	RUN(test_cdrom_forms);
	RUN(test_deprecated_prefixes);
	RUN(test_keys_and_flags);
	RUN(test_xen_details);
	RUN(test_errors);
	RUN(test_vdev_numbers);
	RUN(test_json);
	libxl_device_disk_dispose(&disk);
	return unit_done();
}
