/*
 * A domain's NUMA nodes from its vCPUs' affinity (pure: no I/O; the sysfs
 * side is libxl_topology.c). Unit-tested in tests/unit/libxl_util-test.c.
 */
#include "libxl/libxl_internal.h"

#include <string.h>

/* Where vCPU v may run: hard, or hard within soft when they share a CPU; within pool. */
static bool vcpu_may_run(const libxl_vcpuinfo *v, const libxl_bitmap *pool, unsigned cpu)
{
	bool shared = false;

	for (unsigned c = 0; c < libxl_bitmap_nr_bits(&v->cpumap) && !shared; c++)
		shared = libxl_bitmap_test(&v->cpumap, c) && libxl_bitmap_test(&v->cpumap_soft, c);
	return libxl_bitmap_test(&v->cpumap, cpu) && (!shared || libxl_bitmap_test(&v->cpumap_soft, cpu)) &&
	       libxl_bitmap_test(pool, cpu);
}

int libxl__vcpu_nodes(const libxl_cputopology *topo, int nr_topo, const libxl_vcpuinfo *vcpus, int nr_vcpus,
		      const libxl_bitmap *pool, libxl_bitmap *nodemap)
{
	int rc = 0;

	if (nodemap->map)
		memset(nodemap->map, 0, nodemap->size);
	for (int i = 0; rc == 0 && i < nr_vcpus; i++)
		for (int cpu = 0; rc == 0 && cpu < nr_topo; cpu++)
			if (topo[cpu].node != LIBXL_CPUTOPOLOGY_INVALID_ENTRY &&
			    vcpu_may_run(&vcpus[i], pool, (unsigned)cpu))
				rc = libxl_bitmap_set(nodemap, topo[cpu].node);
	return rc;
}
