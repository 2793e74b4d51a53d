/*
 * libxl_nic.c: vif specifications of xl-network-configuration(5):
 * "mac=00:16:3e:01:02:03,bridge=xenbr0,rate=10Mb/s@20ms,..."
 */
#include "libxl/libxl_types.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int __attribute__((format(printf, 4, 5)))
nic_error(char *err, size_t errlen, const char *spec, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "invalid vif specification '%s': %s", spec, msg);
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
			v = v * 16 +
			    (isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10));
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

/* "<n>[GMK][Bb]/s": bytes per second (b: bits, divided by 8). */
static int parse_rate_bytes(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0 || v > UINT32_MAX)
		return -ERANGE;
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

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0 || v > UINT32_MAX)
		return -ERANGE;
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

/* One key=value item of a vif spec. */
static int nic_item(libxl_device_nic *nic, const char *spec, char *key, const char *val, char *err,
		    size_t errlen)
{
	unsigned long n;

	if (!strcmp(key, "mac")) {
		if (parse_mac(val, nic->mac) < 0)
			return nic_error(err, errlen, spec,
					 "invalid MAC address \"%s\" (expected six hex bytes such as "
					 "00:16:3e:12:34:56)",
					 val);
		if (nic->mac[0] & 1)
			return nic_error(
			    err, errlen, spec,
			    "MAC address \"%s\" is a multicast address (the first byte must be even)", val);
		return 0;
	}
	if (!strcmp(key, "type")) {
		if (!strcmp(val, "vif"))
			nic->nictype = LIBXL_NIC_TYPE_VIF;
		else if (!strcmp(val, "ioemu"))
			nic->nictype = LIBXL_NIC_TYPE_VIF_IOEMU;
		else
			return nic_error(err, errlen, spec, "invalid type \"%s\" (expected vif or ioemu)",
					 val);
		return 0;
	}
	if (!strcmp(key, "bridge"))
		return replace(&nic->bridge, val);
	if (!strcmp(key, "gatewaydev") || !strcmp(key, "netdev"))
		return replace(&nic->gatewaydev, val);
	if (!strcmp(key, "ip"))
		return replace(&nic->ip, val);
	if (!strcmp(key, "script"))
		return replace(&nic->script, val);
	if (!strcmp(key, "backend"))
		return replace(&nic->backend_domname, val);
	if (!strcmp(key, "vifname"))
		return replace(&nic->ifname, val);
	if (!strcmp(key, "model"))
		return replace(&nic->model, val);
	if (!strcmp(key, "rate")) {
		char msg[200];
		int rc = libxl_nic_parse_rate(val, nic, msg, sizeof(msg));

		return rc == -EINVAL ? nic_error(err, errlen, spec, "%s", msg) : rc;
	}
	if (!strcmp(key, "accel"))
		return 0; /* unsupported and ignored, as in Xen */
	if (!strcmp(key, "devid") || !strcmp(key, "mtu")) {
		if (parse_number(val, !strcmp(key, "mtu") ? 65535 : 0x7fffffff, &n) < 0)
			return nic_error(err, errlen, spec, "%s must be a decimal number, not \"%s\"", key,
					 val);
		if (!strcmp(key, "mtu"))
			nic->mtu = (int)n;
		else
			nic->devid = (int)n;
		return 0;
	}
	return nic_error(err, errlen, spec, "unknown parameter \"%s\" (see xl-network-configuration(5))",
			 key);
}

int libxl_nic_parse_spec(const char *spec, libxl_device_nic *nic, char *err, size_t errlen)
{
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
			rc = nic_error(err, errlen, spec, "\"%s\" is not a key=value setting", item);
			break;
		}
		*eq = 0;
		rc = nic_item(nic, spec, item, eq + 1, err, errlen);
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
