/*
 * cfg_cpus.c: CPU lists of xl.cfg(5) (cpus=, cpus_soft=): comma-separated
 * items, each "all", a CPU "N", a range "N-M", or a NUMA node
 * "node:N" / "nodes:N-M"; a leading '^' removes instead of adds.
 */
#include "xl/cfg_domain.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CPU_ID 4095

/* "N" or "N-M" with N <= M <= MAX_CPU_ID. */
static int parse_range(const char *s, unsigned long *a, unsigned long *b)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*a = *b = strtoul(s, &end, 10);
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		*b = strtoul(end + 1, &end, 10);
	}
	if (errno || *end || *b < *a || *b > MAX_CPU_ID)
		return -EINVAL;
	return 0;
}

/* The CPUs of NUMA node n, from sysfs ("0-3,8-11"). */
static int node_cpus(unsigned long node, libxl_bitmap *cpus)
{
	char path[96], buf[4096], *item, *save = NULL;
	unsigned long a, b;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%lu/cpulist", node);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (parse_range(item, &a, &b) < 0)
			return -EINVAL;
		for (; a <= b; a++)
			if (libxl_bitmap_set(cpus, (unsigned)a) < 0)
				return -ENOMEM;
	}
	return 0;
}

static int apply(libxl_bitmap *map, unsigned cpu, bool remove)
{
	if (remove) {
		libxl_bitmap_reset(map, cpu);
		return 0;
	}
	return libxl_bitmap_set(map, cpu);
}

static int apply_nodes(libxl_bitmap *map, unsigned long a, unsigned long b, bool remove, char *err)
{
	libxl_bitmap cpus;
	unsigned cpu;
	int rc = 0;

	for (; rc == 0 && a <= b; a++) {
		libxl_bitmap_init(&cpus);
		rc = node_cpus(a, &cpus);
		if (rc == -ENOENT)
			snprintf(err, CFG_ERR_MAX, "NUMA node %lu does not exist on this host", a);
		else if (rc == -EINVAL)
			snprintf(err, CFG_ERR_MAX, "cannot read the CPUs of NUMA node %lu from sysfs", a);
		for (cpu = 0; rc == 0 && cpu < libxl_bitmap_nr_bits(&cpus); cpu++)
			if (libxl_bitmap_test(&cpus, cpu))
				rc = apply(map, cpu, remove);
		libxl_bitmap_dispose(&cpus);
	}
	return rc;
}

/* "all": every CPU of the host (the whole map, in bytes, as libxl does). */
static int apply_all(libxl_bitmap *map, bool remove, char *err)
{
	long host = sysconf(_SC_NPROCESSORS_CONF);
	int rc;

	if (remove) {
		snprintf(err, CFG_ERR_MAX, "\"^all\" removes every CPU: give the CPUs to keep instead");
		return -EINVAL;
	}
	rc = libxl_bitmap_alloc(map, host > 0 ? (unsigned)host : 1);
	if (rc == 0)
		libxl_bitmap_set_any(map);
	return rc;
}

static int apply_item(libxl_bitmap *map, const char *item, char *err)
{
	bool remove = false, nodes = false;
	unsigned long a, b;
	int rc = 0;

	if (*item == '^') {
		remove = true;
		item++;
	}
	if (!strncmp(item, "nodes:", 6) || !strncmp(item, "node:", 5)) {
		nodes = true;
		item = strchr(item, ':') + 1;
	}
	if (!strcmp(item, "all"))
		return apply_all(map, remove, err);
	if (parse_range(item, &a, &b) < 0) {
		snprintf(err, CFG_ERR_MAX, "invalid CPU %s \"%s\" (expected N, N-M, node:N or all, up to %d)",
			 nodes ? "node" : "range", item, MAX_CPU_ID);
		return -EINVAL;
	}
	if (nodes)
		return apply_nodes(map, a, b, remove, err);
	for (; rc == 0 && a <= b; a++)
		rc = apply(map, (unsigned)a, remove);
	return rc;
}

int xl_parse_cpurange(const char *spec, libxl_bitmap *map, char *err)
{
	char *copy = strdup(spec), *item, *save = NULL;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save))
		rc = apply_item(map, item, err);
	free(copy);
	if (rc == -ENOMEM)
		snprintf(err, CFG_ERR_MAX, "out of memory");
	return rc;
}
