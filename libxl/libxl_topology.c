/*
 * The host's CPU topology and a domain's NUMA node affinity (Xen's
 * libxl_get_cpu_topology, libxl_node_bitmap_alloc and
 * libxl_domain_get_nodeaffinity), from sysfs.
 *
 * Xenon places no guest memory itself: Linux gives a vCPU thread the pages
 * it touches from the node it runs on. So a domain's node affinity is the
 * nodes of the CPUs its vCPUs may run on: each vCPU's hard affinity, or
 * hard within soft when they share a CPU (where the thread is kept), within
 * the CPUs of the domain's cpupool.
 */
#include "libxl/libxl_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYS_CPU "/sys/devices/system/cpu"

/* A number from a one-line sysfs file; LIBXL_CPUTOPOLOGY_INVALID_ENTRY when absent. */
static uint32_t sys_u32(const char *fmt, unsigned a)
{
	char path[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), fmt, a);
	f = fopen(path, "re");
	if (!f)
		return LIBXL_CPUTOPOLOGY_INVALID_ENTRY;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v >= 0 && v < (long)LIBXL_CPUTOPOLOGY_INVALID_ENTRY ? (uint32_t)v : LIBXL_CPUTOPOLOGY_INVALID_ENTRY;
}

/* The NUMA node a CPU belongs to: its cpuN/nodeM link (none: a kernel without NUMA, node 0). */
static uint32_t cpu_node(unsigned cpu)
{
	char path[64];
	struct dirent *e;
	uint32_t node = 0;
	DIR *d;

	snprintf(path, sizeof(path), SYS_CPU "/cpu%u", cpu);
	d = opendir(path);
	if (!d)
		return LIBXL_CPUTOPOLOGY_INVALID_ENTRY;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
			node = (uint32_t)strtoul(e->d_name + 4, NULL, 10);
	closedir(d);
	return node;
}

libxl_cputopology *libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	libxl_cputopology *t;

	(void)ctx;
	if (n <= 0)
		n = 1;
	t = calloc((size_t)n, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned cpu = 0; cpu < (unsigned)n; cpu++) {
		t[cpu].core = sys_u32(SYS_CPU "/cpu%u/topology/core_id", cpu);
		t[cpu].socket = sys_u32(SYS_CPU "/cpu%u/topology/physical_package_id", cpu);
		/* an offline CPU has no topology: the whole entry is invalid, as in Xen */
		t[cpu].node = t[cpu].core == LIBXL_CPUTOPOLOGY_INVALID_ENTRY ||
				      t[cpu].socket == LIBXL_CPUTOPOLOGY_INVALID_ENTRY
				  ? LIBXL_CPUTOPOLOGY_INVALID_ENTRY
				  : cpu_node(cpu);
		if (t[cpu].node == LIBXL_CPUTOPOLOGY_INVALID_ENTRY)
			t[cpu].core = t[cpu].socket = LIBXL_CPUTOPOLOGY_INVALID_ENTRY;
	}
	*nb_cpu_out = (int)n;
	return t;
}

void libxl_cputopology_list_free(libxl_cputopology *list, int nb_cpu)
{
	(void)nb_cpu;
	free(list);
}

int libxl_node_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *nodemap, int max_nodes)
{
	libxl_physinfo p;

	(void)ctx;
	if (max_nodes <= 0) {
		libxl_get_physinfo(NULL, &p);
		max_nodes = (int)p.nr_nodes;
	}
	return libxl_bitmap_alloc(nodemap, (unsigned)max_nodes);
}

/* The CPUs of the domain's cpupool (dom0's /libxl/<id>/cpupool; none: Pool-0); -ENOENT: no such pool. */
static int pool_cpus(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *pool)
{
	libxl_cpupoolinfo *pools;
	uint64_t poolid = 0;
	int n = 0, rc;

	if (libxl__xs_read_u64(ctx, XS_NO_TX, &poolid, "/libxl/%u/cpupool", domid) < 0)
		poolid = 0;
	pools = libxl_list_cpupool(ctx, &n);
	if (!pools)
		return errno ? -errno : -EIO;
	rc = -ENOENT;
	for (int i = 0; i < n; i++)
		if (pools[i].poolid == poolid)
			rc = libxl_bitmap_copy(pool, &pools[i].cpumap);
	libxl_cpupoolinfo_list_free(pools, n);
	return rc;
}

int libxl_domain_get_nodeaffinity(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *nodemap)
{
	libxl_bitmap pool = {0};
	libxl_cputopology *topo = NULL;
	libxl_vcpuinfo *vcpus;
	int nr_vcpus, nr_cpus, nr_topo = 0, rc;

	vcpus = libxl_list_vcpu(ctx, domid, &nr_vcpus, &nr_cpus);
	if (!vcpus)
		return -errno;
	rc = pool_cpus(ctx, domid, &pool);
	if (rc == 0 && !(topo = libxl_get_cpu_topology(ctx, &nr_topo)))
		rc = -errno;
	if (rc == 0)
		rc = libxl__vcpu_nodes(topo, nr_topo, vcpus, nr_vcpus, &pool, nodemap);
	libxl_cputopology_list_free(topo, nr_topo);
	libxl_bitmap_dispose(&pool);
	libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
	return rc;
}
