/*
 * libxl_disk.c: disk specifications of xl-disk-configuration(5) and guest
 * disk names to Xen device numbers.
 *
 * A spec is a comma-separated series of key=value settings, flags and
 * positional parameters (target, format, vdev, access, in that order);
 * "target=" takes the rest of the spec. The deprecated prefixes of xend
 * ("phy:", "file:", "tap:aio:", "qcow2:", "iscsi:" ...) are understood
 * as Xen's xl understands them.
 */
#include "libxl/libxl_types.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct disk_parse {
	libxl_device_disk *disk;
	const char *spec;
	char *err;
	size_t errlen;
	bool had_depr_prefix; /* the format slot is skipped after one */
	bool access_set;
	int rc;
};

static int __attribute__((format(printf, 2, 3))) disk_error(struct disk_parse *dp, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (dp->rc < 0)
		return dp->rc; /* keep the first error */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dp->err && dp->errlen)
		snprintf(dp->err, dp->errlen, "invalid disk specification '%s': %s", dp->spec, msg);
	dp->rc = -EINVAL;
	return dp->rc;
}

/* Set a string once; an empty earlier value may be replaced, as in Xen. */
static int save_string(struct disk_parse *dp, const char *what, char **field, const char *value)
{
	char *copy;

	if (*field && **field)
		return disk_error(dp, "%s given more than once", what);
	copy = strdup(value);
	if (!copy)
		return dp->rc = -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int set_format(struct disk_parse *dp, const char *value)
{
	libxl_disk_format fmt = LIBXL_DISK_FORMAT_RAW;

	if (*value && (libxl_disk_format_from_string(value, &fmt) < 0 || fmt == LIBXL_DISK_FORMAT_UNKNOWN ||
		       strcmp(value, libxl_disk_format_to_string(fmt))))
		return disk_error(dp, "unknown format \"%s\" (expected raw, qcow, qcow2, vhd, qed or empty)",
				  value);
	if (dp->disk->format != LIBXL_DISK_FORMAT_UNKNOWN && dp->disk->format != fmt)
		return disk_error(dp, "format given more than once");
	dp->disk->format = fmt;
	return 0;
}

static int set_access(struct disk_parse *dp, const char *value)
{
	if (!*value || !strcmp(value, "rw") || !strcmp(value, "w"))
		dp->disk->readwrite = 1;
	else if (!strcmp(value, "r") || !strcmp(value, "ro"))
		dp->disk->readwrite = 0;
	else
		return disk_error(dp, "unknown access \"%s\" (expected r, ro, w or rw)", value);
	return 0;
}

static int set_backendtype(struct disk_parse *dp, const char *value)
{
	libxl_disk_backend b;

	if (libxl_disk_backend_from_string(value, &b) < 0 || b == LIBXL_DISK_BACKEND_UNKNOWN)
		return disk_error(dp, "unknown backendtype \"%s\" (expected phy, qdisk, standalone or tap)",
				  value);
	if (dp->disk->backend != LIBXL_DISK_BACKEND_UNKNOWN && dp->disk->backend != b)
		return disk_error(dp, "backendtype given more than once");
	dp->disk->backend = b;
	return 0;
}

static int set_specification(struct disk_parse *dp, const char *value)
{
	libxl_disk_specification s;

	if (libxl_disk_specification_from_string(value, &s) < 0 || s == LIBXL_DISK_SPECIFICATION_UNKNOWN)
		return disk_error(dp, "unknown specification \"%s\" (expected xen or virtio)", value);
	if (dp->disk->specification != LIBXL_DISK_SPECIFICATION_UNKNOWN && dp->disk->specification != s)
		return disk_error(dp, "specification given more than once");
	dp->disk->specification = s;
	return 0;
}

static int set_devtype(struct disk_parse *dp, const char *value)
{
	if (!strcmp(value, "cdrom"))
		dp->disk->is_cdrom = 1;
	else if (!strcmp(value, "disk"))
		dp->disk->is_cdrom = 0;
	else
		return disk_error(dp, "unknown devtype \"%s\" (expected cdrom or disk)", value);
	return 0;
}

/* "vdev:cdrom" / "vdev:disk" (deprecated); 1 if str had that form. */
static int vdev_and_devtype(struct disk_parse *dp, char *str)
{
	char *colon = strrchr(str, ':');

	if (!colon)
		return 0;
	*colon++ = 0;
	save_string(dp, "vdev", &dp->disk->vdev, str);
	if (!strcmp(colon, "cdrom"))
		dp->disk->is_cdrom = 1;
	else if (!strcmp(colon, "disk"))
		dp->disk->is_cdrom = 0;
	else
		disk_error(dp, "unknown device type \"%s\" after the vdev (expected cdrom or disk)", colon);
	return 1;
}

/* The next unfilled positional parameter: target, format, vdev, access. */
static int positional(struct disk_parse *dp, char *value)
{
	libxl_device_disk *d = dp->disk;

	if (!d->pdev_path)
		return save_string(dp, "target", &d->pdev_path, value);
	if (!dp->had_depr_prefix && d->format == LIBXL_DISK_FORMAT_UNKNOWN) {
		/* ",hdc:cdrom,r": xend's empty cdrom */
		if (!*d->pdev_path && vdev_and_devtype(dp, value)) {
			d->format = LIBXL_DISK_FORMAT_EMPTY;
			return dp->rc;
		}
		return set_format(dp, value);
	}
	if (!d->vdev) {
		if (!vdev_and_devtype(dp, value))
			save_string(dp, "vdev", &d->vdev, value);
		return dp->rc;
	}
	if (!dp->access_set) {
		dp->access_set = true;
		return set_access(dp, value);
	}
	return disk_error(dp, "too many positional parameters at \"%s\" (target, format, vdev, access)",
			  value);
}

/*
 * A key=value setting: set parses the value, or, without one, the value is
 * a string stored once in the disk's field at offset string.
 */
struct disk_key {
	const char *key;
	int (*set)(struct disk_parse *dp, const char *value);
	size_t string;
};

static int set_colo_port(struct disk_parse *dp, const char *v)
{
	char *end;
	long port;

	errno = 0;
	port = strtol(v, &end, 10);
	if (errno || *end || port <= 0 || port > 65535)
		return disk_error(dp, "invalid colo-port \"%s\" (expected a port number)", v);
	dp->disk->colo_port = (int)port;
	return 0;
}

static const struct disk_key disk_keys[] = {
    {"format", set_format, 0},
    {"vdev", NULL, offsetof(libxl_device_disk, vdev)},
    {"access", set_access, 0}, /* as in Xen, the positional access slot stays open */
    {"devtype", set_devtype, 0},
    {"backend", NULL, offsetof(libxl_device_disk, backend_domname)},
    {"backendtype", set_backendtype, 0},
    {"script", NULL, offsetof(libxl_device_disk, script)},
    {"specification", set_specification, 0},
    {"colo-host", NULL, offsetof(libxl_device_disk, colo_host)},
    {"colo-port", set_colo_port, 0},
    {"colo-export", NULL, offsetof(libxl_device_disk, colo_export)},
    {"active-disk", NULL, offsetof(libxl_device_disk, active_disk)},
    {"hidden-disk", NULL, offsetof(libxl_device_disk, hidden_disk)},
};

static int set_key(struct disk_parse *dp, const struct disk_key *k, const char *value)
{
	if (k->set)
		return k->set(dp, value);
	return save_string(dp, k->key, (char **)((char *)dp->disk + k->string), value);
}

/* Flags: whole items that set something. */
static bool disk_flag(struct disk_parse *dp, const char *item)
{
	libxl_device_disk *d = dp->disk;

	if (!strcmp(item, "cdrom"))
		d->is_cdrom = 1;
	else if (!strcmp(item, "direct-io-safe"))
		d->direct_io_safe = true;
	else if (!strcmp(item, "discard"))
		libxl_defbool_set(&d->discard_enable, true);
	else if (!strcmp(item, "no-discard"))
		libxl_defbool_set(&d->discard_enable, false);
	else if (!strcmp(item, "trusted"))
		libxl_defbool_set(&d->trusted, true);
	else if (!strcmp(item, "untrusted"))
		libxl_defbool_set(&d->trusted, false);
	else if (!strcmp(item, "colo"))
		libxl_defbool_set(&d->colo_enable, true);
	else if (!strcmp(item, "no-colo"))
		libxl_defbool_set(&d->colo_enable, false);
	else
		return false;
	return true;
}

static int key_value(struct disk_parse *dp, char *item, char *eq)
{
	const char *p;
	size_t i;

	*eq = 0;
	for (i = 0; i < sizeof(disk_keys) / sizeof(disk_keys[0]); i++)
		if (!strcmp(item, disk_keys[i].key))
			return set_key(dp, &disk_keys[i], eq + 1);
	for (p = item; *p && (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'); p++)
		;
	if (islower((unsigned char)item[0]) && !*p)
		return disk_error(dp, "unknown parameter \"%s\"", item);
	*eq = '=';
	return disk_error(dp, "bad syntax at \"%s\" (a target with '=' must be given last, as target=...)",
			  item);
}

/* A deprecated "word:" prefix at s; returns its length (0 if none). */
static size_t deprecated_prefix(struct disk_parse *dp, const char *s)
{
	static const char *const formats[] = {"raw", "qcow", "qcow2", "vhd"};
	static const char *const scripts[] = {"iscsi", "nbd", "enbd", "drbd"};
	static const char *const ignored[] = {"tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy"};
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : 0, i;
	char word[16], script[32];

	if (!n || n >= sizeof(word) || memchr(s, ',', n))
		return 0;
	memcpy(word, s, n);
	word[n] = 0;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!strcmp(word, formats[i])) {
			dp->had_depr_prefix = true;
			set_format(dp, word);
			return n + 1;
		}
	}
	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		if (!strcmp(word, scripts[i])) {
			dp->had_depr_prefix = true;
			snprintf(script, sizeof(script), "block-%s", word);
			free(dp->disk->script);
			dp->disk->script = strdup(script);
			if (!dp->disk->script)
				dp->rc = -ENOMEM;
			return n + 1;
		}
	}
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (!strcmp(word, ignored[i])) {
			dp->had_depr_prefix = true;
			return n + 1;
		}
	}
	/* "word:" before a path is a prefix xl does not know ("hdc:cdrom" is not). */
	if (islower((unsigned char)word[0]) && strspn(word, "abcdefghijklmnopqrstuvwxyz0123456789") == n &&
	    !islower((unsigned char)s[n + 1]) && !isdigit((unsigned char)s[n + 1])) {
		disk_error(dp,
			   "unknown prefix \"%s:\" (known: raw: qcow: qcow2: vhd: iscsi: nbd: enbd: drbd: "
			   "phy: file: tap: tap2: tapdisk: aio: ioemu:)",
			   word);
		return n + 1;
	}
	return 0;
}

/* One item (up to a comma) of the spec at *pos; advances *pos. */
static void parse_item(struct disk_parse *dp, const char *s, size_t *pos)
{
	size_t start = *pos, n, skip;
	char *item, *eq;

	if (!strncmp(s + start, "target=", 7)) {
		n = strlen(s + start + 7);
		item = strndup(s + start + 7, n && s[start + 7 + n - 1] == ',' ? n - 1 : n);
		if (!item) {
			dp->rc = -ENOMEM;
			return;
		}
		save_string(dp, "target", &dp->disk->pdev_path, item);
		free(item);
		*pos = strlen(s);
		return;
	}
	skip = deprecated_prefix(dp, s + start);
	if (skip) {
		*pos += skip;
		return;
	}
	n = strcspn(s + start, ",");
	*pos += n + (s[start + n] == ',');
	item = strndup(s + start, n);
	if (!item) {
		dp->rc = -ENOMEM;
		return;
	}
	eq = strchr(item, '=');
	if (eq)
		key_value(dp, item, eq);
	else if (!disk_flag(dp, item))
		positional(dp, item);
	free(item);
}

static int disk_finish(struct disk_parse *dp)
{
	libxl_device_disk *d = dp->disk;

	if (d->format == LIBXL_DISK_FORMAT_UNKNOWN)
		d->format = LIBXL_DISK_FORMAT_RAW;
	if (d->is_cdrom) {
		d->removable = 1;
		d->readwrite = 0;
		if (!d->pdev_path || !*d->pdev_path)
			d->format = LIBXL_DISK_FORMAT_EMPTY;
	}
	if (!d->vdev || !*d->vdev)
		return disk_error(dp, "no vdev given (the guest's name for the disk, such as xvda)");
	if (!d->pdev_path && !d->removable)
		return disk_error(dp, "no target given (the file or device holding the disk)");
	if (libxl_disk_vdev_to_devnum(d->vdev, NULL, NULL) < 0)
		return disk_error(dp, "invalid vdev \"%s\" (expected a name like xvda, hda, sda or d0p1)",
				  d->vdev);
	return 0;
}

int libxl_disk_parse_spec(const char *spec, libxl_device_disk *disk, char *err, size_t errlen)
{
	struct disk_parse dp = {.disk = disk, .spec = spec, .err = err, .errlen = errlen};
	size_t pos = 0, len = strlen(spec);

	disk->readwrite = 1;
	while (pos < len && dp.rc == 0) {
		while (pos < len && isspace((unsigned char)spec[pos]))
			pos++;
		if (pos < len)
			parse_item(&dp, spec, &pos);
	}
	if (dp.rc < 0)
		return dp.rc;
	return disk_finish(&dp);
}

/* ---- guest disk names -------------------------------------------------- */

/*
 * prefix + letters (a..z, aa.. as bijective base 26) + optional partition
 * without leading zeros.
 */
static bool virtdisk_matches(const char *name, const char *prefix, int max_disk, int max_part, int *disk,
			     int *part)
{
	size_t n = strlen(prefix);
	const char *p = name + n;
	long index = -1, pl;
	char *end;

	if (strncmp(name, prefix, n) || !(*p >= 'a' && *p <= 'z'))
		return false;
	for (; *p >= 'a' && *p <= 'z'; p++) {
		index = (index + 1) * 26 + (*p - 'a');
		if (index > max_disk)
			return false;
	}
	*disk = (int)index;
	*part = 0;
	if (!*p)
		return true;
	if (!isdigit((unsigned char)*p) || *p == '0')
		return false;
	errno = 0;
	pl = strtol(p, &end, 10);
	if (errno || *end || pl > max_part)
		return false;
	*part = (int)pl;
	return true;
}

/* "d<disk>p<partition>", decimal without signs. */
static bool dp_form(const char *name, int *disk, int *part)
{
	unsigned long d, p;
	char *end;

	if (name[0] != 'd' || !isdigit((unsigned char)name[1]))
		return false;
	errno = 0;
	d = strtoul(name + 1, &end, 10);
	if (errno || *end != 'p' || !isdigit((unsigned char)end[1]))
		return false;
	p = strtoul(end + 1, &end, 10);
	if (errno || *end || d >= (1u << 20) || p >= 256)
		return false;
	*disk = (int)d;
	*part = (int)p;
	return true;
}

int libxl_disk_vdev_to_devnum(const char *vdev, int *pdisk, int *ppartition)
{
	int disk = 0, part = 0, devnum;
	unsigned long ul;
	char *end;

	if (!vdev || !*vdev)
		return -EINVAL;
	if (dp_form(vdev, &disk, &part) || virtdisk_matches(vdev, "xvd", (1 << 20) - 1, 255, &disk, &part)) {
		if (disk <= 15 && part <= 15)
			devnum = (202 << 8) | (disk << 4) | part;
		else
			devnum = (1 << 28) | (disk << 8) | part;
	} else if (virtdisk_matches(vdev, "hd", 3, 63, &disk, &part)) {
		devnum = ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
	} else if (virtdisk_matches(vdev, "sd", 15, 15, &disk, &part)) {
		devnum = (8 << 8) | (disk << 4) | part;
	} else if (isdigit((unsigned char)vdev[0])) {
		/* A raw device number, as Xen accepts (disk and partition unknown). */
		errno = 0;
		ul = strtoul(vdev, &end, 0);
		if (errno || *end || ul > INT_MAX || pdisk || ppartition)
			return -EINVAL;
		return (int)ul;
	} else {
		return -EINVAL;
	}
	if (pdisk)
		*pdisk = disk;
	if (ppartition)
		*ppartition = part;
	return devnum;
}
