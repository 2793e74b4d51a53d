/* KEY=VALUE disks and NICs -> struct hvctl_device_spec (vdev_spec.h). */
#include "hypervisor/vdev_spec.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "strutil.h"

#define SPEC_MAX_ITEMS 16
#define HAS_DEVID      0x1
#define HAS_TARGET     0x2

typedef int (*key_fn)(struct hvctl_device_spec *s, const char *what, const char *val);

static int set_devid(struct hvctl_device_spec *s, const char *what, const char *val)
{
	uint64_t v;

	if (parse_u64(val, UINT32_MAX, &v)) {
		log_warnx("%s: devid '%s': give a number (0 to %u)", what, val, UINT32_MAX);
		return -EINVAL;
	}
	s->devid = v;
	return 0;
}

static int set_target(struct hvctl_device_spec *s, const char *what, const char *val)
{
	if (!val[0] || strlen(val) >= sizeof(s->target)) {
		log_warnx("%s: target: give a path of 1 to %zu bytes", what, sizeof(s->target) - 1);
		return -EINVAL;
	}
	strcpy(s->target, val);
	return 0;
}

static int set_ro(struct hvctl_device_spec *s, const char *what, const char *val)
{
	if (val && strcmp(val, "1") && strcmp(val, "on")) {
		log_warnx("%s: ro takes no value (or on)", what);
		return -EINVAL;
	}
	s->flags |= HVCTL_DEVF_READONLY;
	return 0;
}

static int set_direct(struct hvctl_device_spec *s, const char *what, const char *val)
{
	if (!strcmp(val, "off"))
		s->flags |= HVCTL_DEVF_NO_DIRECT;
	else if (strcmp(val, "on")) {
		log_warnx("%s: direct '%s': say on or off", what, val);
		return -EINVAL;
	}
	return 0;
}

static int set_serial(struct hvctl_device_spec *s, const char *what, const char *val)
{
	size_t n = strlen(val);

	if (n > 20) {
		log_warnx("%s: serial '%s': at most 20 characters", what, val);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (val[i] < 0x21 || val[i] > 0x7e) {
			log_warnx("%s: serial '%s': printable characters only, no spaces", what, val);
			return -EINVAL;
		}
	strcpy(s->serial, val);
	return 0;
}

static int set_tap(struct hvctl_device_spec *s, const char *what, const char *val)
{
	size_t n = strlen(val);
	bool bad = !n || n >= IFNAMSIZ || !strcmp(val, ".") || !strcmp(val, "..");

	for (size_t i = 0; i < n; i++)
		bad |= val[i] <= 0x20 || val[i] > 0x7e || val[i] == '/' || val[i] == ':';
	if (bad) {
		log_warnx("%s: tap '%s': give an interface name of 1 to %d characters, no '/', ':' or spaces",
			  what, val, IFNAMSIZ - 1);
		return -EINVAL;
	}
	strcpy(s->target, val);
	return 0;
}

static int set_mac(struct hvctl_device_spec *s, const char *what, const char *val)
{
	uint8_t mac[6];
	bool ok = strlen(val) == 17;

	for (unsigned i = 0; ok && i < 6; i++) {
		int hi = hex_digit_value(val[3 * i]), lo = hex_digit_value(val[3 * i + 1]);

		ok = hi >= 0 && lo >= 0 && (i == 5 || val[3 * i + 2] == ':');
		mac[i] = ok ? (uint8_t)(hi << 4 | lo) : 0;
	}
	if (!ok || (mac[0] & 1) || !memcmp(mac, "\0\0\0\0\0\0", 6)) {
		log_warnx("%s: mac '%s': give a unicast MAC address as XX:XX:XX:XX:XX:XX", what, val);
		return -EINVAL;
	}
	memcpy(s->mac, mac, 6);
	return 0;
}

static int set_mtu(struct hvctl_device_spec *s, const char *what, const char *val)
{
	uint64_t v;

	if (parse_u64(val, 65535, &v) || v < 68) {
		log_warnx("%s: mtu '%s': give a number from 68 to 65535", what, val);
		return -EINVAL;
	}
	s->mtu = v;
	return 0;
}

/* rate=BYTES@USECS: what the guest may send per interval (libxl turns xl's
 * rate=10Mb/s@20ms into rate=25000@20000). */
static int set_rate(struct hvctl_device_spec *s, const char *what, const char *val)
{
	const char *at = strchr(val, '@');
	char bytes[24];
	uint64_t b, us;

	if (!at || (size_t)(at - val) >= sizeof(bytes) || at == val) {
		log_warnx("%s: rate '%s': give BYTES@MICROSECONDS, such as 25000@20000", what, val);
		return -EINVAL;
	}
	memcpy(bytes, val, (size_t)(at - val));
	bytes[at - val] = '\0';
	if (parse_u64(bytes, UINT64_MAX, &b) || !b || parse_u64(at + 1, UINT32_MAX, &us) || !us) {
		log_warnx("%s: rate '%s': give BYTES@MICROSECONDS, both from 1 (BYTES up to 2^64-1, "
			  "MICROSECONDS up to 2^32-1)",
			  what, val);
		return -EINVAL;
	}
	s->rate_bytes = b;
	s->rate_usecs = (uint32_t)us;
	return 0;
}

static const struct spec_key {
	uint32_t kind;
	const char *key;
	bool flag; /* may be given without a value */
	unsigned has;
	key_fn fn;
} spec_keys[] = {
    {HVCTL_DEV_VBD, "devid", false, HAS_DEVID, set_devid},
    {HVCTL_DEV_VBD, "target", false, HAS_TARGET, set_target},
    {HVCTL_DEV_VBD, "ro", true, 0, set_ro},
    {HVCTL_DEV_VBD, "serial", false, 0, set_serial},
    {HVCTL_DEV_VBD, "direct", false, 0, set_direct},
    {HVCTL_DEV_VIF, "devid", false, HAS_DEVID, set_devid},
    {HVCTL_DEV_VIF, "tap", false, HAS_TARGET, set_tap},
    {HVCTL_DEV_VIF, "mac", false, 0, set_mac},
    {HVCTL_DEV_VIF, "mtu", false, 0, set_mtu},
    {HVCTL_DEV_VIF, "rate", false, 0, set_rate},
};
#define NR_KEYS (sizeof(spec_keys) / sizeof(spec_keys[0]))

static const char *const kind_names[] = {[HVCTL_DEV_VBD] = "vbd", [HVCTL_DEV_VIF] = "vif"};

uint32_t hv_vdev_kind(const char *name)
{
	for (uint32_t k = 1; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return 0;
}

const char *hv_vdev_kind_name(uint32_t kind)
{
	return kind && kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

/* "devid, target, ro, ..." for messages. */
static void key_list(uint32_t kind, char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < NR_KEYS; i++)
		if (spec_keys[i].kind == kind)
			str_printf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "",
				   spec_keys[i].key);
}

static int parse_item(uint32_t kind, const char *what, const char *item, struct hvctl_device_spec *s,
		      unsigned *seen)
{
	const char *eq = strchr(item, '=');
	size_t klen = eq ? (size_t)(eq - item) : strlen(item);
	char keys[128];

	for (unsigned i = 0; i < NR_KEYS; i++) {
		const struct spec_key *k = &spec_keys[i];

		if (k->kind != kind || strlen(k->key) != klen || strncmp(k->key, item, klen))
			continue;
		if (*seen & (1U << i)) {
			log_warnx("%s: %s given twice", what, k->key);
			return -EINVAL;
		}
		*seen |= 1U << i;
		if (!eq && !k->flag) {
			log_warnx("%s: %s needs a value (%s=...)", what, k->key, k->key);
			return -EINVAL;
		}
		return k->fn(s, what, eq ? eq + 1 : NULL);
	}
	key_list(kind, keys, sizeof(keys));
	log_warnx("%s: unknown key '%.*s' (a %s takes %s)", what, (int)klen, item, hv_vdev_kind_name(kind),
		  keys);
	return -EINVAL;
}

int hv_vdev_spec_parse(uint32_t kind, const char *what, char *const *items, unsigned n,
		       struct hvctl_device_spec *spec)
{
	unsigned seen = 0, has = 0;
	int rc;

	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
	if (!hv_vdev_kind(hv_vdev_kind_name(kind))) {
		log_warnx("%s: unknown device kind (vbd or vif)", what);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		rc = parse_item(kind, what, items[i], spec, &seen);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < NR_KEYS; i++)
		if (seen & (1U << i))
			has |= spec_keys[i].has;
	if (!(has & HAS_DEVID) || !(has & HAS_TARGET)) {
		log_warnx("%s: needs devid=N and %s", what,
			  kind == HVCTL_DEV_VBD ? "target=PATH" : "tap=NAME");
		return -EINVAL;
	}
	return 0;
}

int hv_vdev_spec_parse_str(uint32_t kind, const char *what, const char *str, struct hvctl_device_spec *spec)
{
	char *copy = strdup(str), *items[SPEC_MAX_ITEMS], *save = NULL, *tok;
	unsigned n = 0;
	int rc = -EINVAL;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == SPEC_MAX_ITEMS) {
			log_warnx("%s: too many items (at most %d)", what, SPEC_MAX_ITEMS);
			goto out;
		}
		items[n++] = tok;
	}
	rc = hv_vdev_spec_parse(kind, what, items, n, spec);
out:
	free(copy);
	return rc;
}

int hv_vdev_spec_absolute(struct hvctl_device_spec *spec, const char *what)
{
	char cwd[sizeof(spec->target)], path[sizeof(spec->target)];

	if (spec->kind != HVCTL_DEV_VBD || spec->target[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)) || str_printf(path, sizeof(path), "%s/%s", cwd, spec->target) < 0) {
		log_warnx("%s: target %s: path too long", what, spec->target);
		return -ENAMETOOLONG;
	}
	strcpy(spec->target, path);
	return 0;
}
