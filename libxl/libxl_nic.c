/*
 * libxl_nic.c: vif specifications of xl-network-configuration(5):
 * "mac=00:16:3e:01:02:03,bridge=xenbr0,rate=10Mb/s@20ms,..."
 */
#include "libxl/libxl_types.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "strutil.h"

/* One vif spec being read: the device it fills, what errors quote, where they go. */
struct nic_parse {
	libxl_device_nic *nic;
	const char *spec;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3))) nic_error(struct nic_parse *np, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (np->err && np->errlen)
		snprintf(np->err, np->errlen, "invalid vif specification '%s': %s", np->spec, msg);
	return -EINVAL;
}

/* 1 or 2 hex digits per octet, ':' or '-' between, as Xen reads them. */
static int parse_mac(const char *s, libxl_mac mac)
{
	libxl_mac out;
	int i;

	for (i = 0; i < 6; i++) {
		int digits = 0, v = 0;

		while (isxdigit((unsigned char)*s) && digits < 3) {
			v = v * 16 + hex_digit_value(*s);
			s++;
			digits++;
		}
		if (digits == 0 || digits > 2)
			return -EINVAL;
		out[i] = (uint8_t)v;
		if (i < 5 && *s != ':' && *s != '-')
			return -EINVAL;
		if (i < 5)
			s++;
	}
	if (*s)
		return -EINVAL;
	memcpy(mac, out, sizeof(out));
	return 0;
}

/* The leading number of a rate or interval: 1 .. UINT32_MAX, then *end. */
static int parse_rate_number(const char *s, uint64_t *v, char **end)
{
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	if (errno || *v == 0 || *v > UINT32_MAX)
		return -ERANGE;
	return 0;
}

/* "<n>[GMK][Bb]/s": bytes per second (b: bits, divided by 8). */
static int parse_rate_bytes(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;
	char *end;
	int rc = parse_rate_number(s, &v, &end);

	if (rc < 0)
		return rc;
	if (*end == 'G' || *end == 'M' || *end == 'K') {
		mult = *end == 'G' ? 1000000000ull : *end == 'M' ? 1000000ull : 1000ull;
		end++;
	}
	if ((*end != 'B' && *end != 'b') || strcmp(end + 1, "/s"))
		return -EINVAL;
	v *= mult;
	if (*end == 'b')
		v /= 8;
	*out = v;
	return 0;
}

/* "<n>[mu]?s?": the replenishment interval in microseconds. */
static int parse_rate_interval(const char *s, uint32_t *out)
{
	uint64_t v;
	char *end;
	int rc = parse_rate_number(s, &v, &end);

	if (rc < 0)
		return rc;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		v *= 1000000;
	else if (!strcmp(end, "m") || !strcmp(end, "ms"))
		v *= 1000;
	else if (strcmp(end, "u") && strcmp(end, "us"))
		return -EINVAL;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* A rate error, without the "invalid vif specification" prefix. */
static int __attribute__((format(printf, 3, 4))) rate_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int libxl_nic_parse_rate(const char *rate, libxl_device_nic *nic, char *err, size_t errlen)
{
	char *copy = strdup(rate), *at;
	uint64_t bytes_per_sec = 0;
	uint32_t usecs = 50000; /* Xen's default interval: 50ms */
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	at = strchr(copy, '@');
	if (at)
		*at++ = 0;
	if (!*copy)
		rc = rate_error(err, errlen, "no rate given in rate=%s (as in rate=10Mb/s@50ms)", rate);
	else if (parse_rate_bytes(copy, &bytes_per_sec) < 0)
		rc = rate_error(err, errlen,
				"invalid rate \"%s\" (expected a number with B/s, KB/s, MB/s, GB/s or "
				"b/s, Kb/s, Mb/s, Gb/s, at most 4294967295 units)",
				copy);
	else if (at && parse_rate_interval(at, &usecs) < 0)
		rc = rate_error(err, errlen,
				"invalid replenishment interval \"%s\" (expected a number with s, ms or us)",
				at);
	else if (bytes_per_sec > UINT64_MAX / usecs)
		rc = rate_error(err, errlen, "rate \"%s\" too large", rate);
	else if (bytes_per_sec * usecs / 1000000u == 0)
		rc = rate_error(err, errlen,
				"rate \"%s\" allows less than one byte per interval: give a higher rate or a "
				"longer interval",
				rate);
	if (rc == 0) {
		nic->rate_interval_usecs = usecs;
		nic->rate_bytes_per_interval = bytes_per_sec * usecs / 1000000u;
	}
	free(copy);
	return rc;
}

static int replace(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int parse_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

static int set_mac(struct nic_parse *np, const char *val)
{
	if (parse_mac(val, np->nic->mac) < 0)
		return nic_error(
		    np, "invalid MAC address \"%s\" (expected six hex bytes such as 00:16:3e:12:34:56)", val);
	if (np->nic->mac[0] & 1)
		return nic_error(
		    np, "MAC address \"%s\" is a multicast address (the first byte must be even)", val);
	return 0;
}

static int set_type(struct nic_parse *np, const char *val)
{
	if (!strcmp(val, "vif"))
		np->nic->nictype = LIBXL_NIC_TYPE_VIF;
	else if (!strcmp(val, "ioemu"))
		np->nic->nictype = LIBXL_NIC_TYPE_VIF_IOEMU;
	else
		return nic_error(np, "invalid type \"%s\" (expected vif or ioemu)", val);
	return 0;
}

static int set_rate(struct nic_parse *np, const char *val)
{
	char msg[200];
	int rc = libxl_nic_parse_rate(val, np->nic, msg, sizeof(msg));

	return rc == -EINVAL ? nic_error(np, "%s", msg) : rc;
}

/* Unsupported and ignored, as in Xen. */
static int ignore(struct nic_parse *np, const char *val)
{
	(void)np;
	(void)val;
	return 0;
}

static int set_int(struct nic_parse *np, const char *key, const char *val, unsigned long max, int *field)
{
	unsigned long n;

	if (parse_number(val, max, &n) < 0)
		return nic_error(np, "%s must be a decimal number, not \"%s\"", key, val);
	*field = (int)n;
	return 0;
}

static int set_devid(struct nic_parse *np, const char *val)
{
	return set_int(np, "devid", val, 0x7fffffff, &np->nic->devid);
}

static int set_mtu(struct nic_parse *np, const char *val)
{
	return set_int(np, "mtu", val, 65535, &np->nic->mtu);
}

/*
 * A key=value setting: set parses the value, or, without one, the value is
 * a string kept in the nic's field at offset string (a later one replaces it).
 */
struct nic_key {
	const char *key;
	int (*set)(struct nic_parse *np, const char *val);
	size_t string;
};

static const struct nic_key nic_keys[] = {
    {"mac", set_mac, 0},
    {"type", set_type, 0},
    {"bridge", NULL, offsetof(libxl_device_nic, bridge)},
    {"gatewaydev", NULL, offsetof(libxl_device_nic, gatewaydev)},
    {"netdev", NULL, offsetof(libxl_device_nic, gatewaydev)},
    {"ip", NULL, offsetof(libxl_device_nic, ip)},
    {"script", NULL, offsetof(libxl_device_nic, script)},
    {"backend", NULL, offsetof(libxl_device_nic, backend_domname)},
    {"vifname", NULL, offsetof(libxl_device_nic, ifname)},
    {"model", NULL, offsetof(libxl_device_nic, model)},
    {"rate", set_rate, 0},
    {"accel", ignore, 0},
    {"devid", set_devid, 0},
    {"mtu", set_mtu, 0},
};

/* One key=value item of a vif spec. */
static int nic_item(struct nic_parse *np, const char *key, const char *val)
{
	const struct nic_key *k;

	for (k = nic_keys; k < nic_keys + sizeof(nic_keys) / sizeof(nic_keys[0]); k++) {
		if (strcmp(key, k->key))
			continue;
		if (k->set)
			return k->set(np, val);
		return replace((char **)((char *)np->nic + k->string), val);
	}
	return nic_error(np, "unknown parameter \"%s\" (see xl-network-configuration(5))", key);
}

int libxl_nic_parse_spec(const char *spec, libxl_device_nic *nic, char *err, size_t errlen)
{
	struct nic_parse np = {nic, spec, err, errlen};
	char *copy = strdup(spec), *save = NULL, *item, *eq;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*item))
			item++;
		if (!*item)
			continue;
		eq = strchr(item, '=');
		if (!eq) {
			rc = nic_error(&np, "\"%s\" is not a key=value setting", item);
			break;
		}
		*eq = 0;
		rc = nic_item(&np, item, eq + 1);
	}
	free(copy);
	return rc;
}

void libxl_nic_random_mac(libxl_mac mac)
{
	uint8_t r[3] = {0};

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* No entropy source: still unique enough per process and time. */
		unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);

		r[0] = (uint8_t)v;
		r[1] = (uint8_t)(v >> 8);
		r[2] = (uint8_t)(v >> 16);
	}
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = r[0] & 0x7f; /* as Xen: keep the top bit clear */
	mac[4] = r[1];
	mac[5] = r[2];
}
