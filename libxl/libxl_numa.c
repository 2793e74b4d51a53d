/*
 * Where a vCPU's thread runs (its hard and soft affinity), and from that a
 * domain's NUMA nodes (pure: no I/O; the sysfs side is libxl_topology.c,
 * the threads' side libxl_vcpu.c). Unit-tested in tests/unit/libxl_util-test.c.
 */
#include "libxl/libxl_internal.h"

#include <string.h>

int libxl__vcpu_effective(const libxl_bitmap *hard, const libxl_bitmap *soft, unsigned nr_cpus,
			  libxl_bitmap *out)
{
	bool both = false;
	int rc = libxl_bitmap_alloc(out, nr_cpus);

	if (rc < 0)
		return rc;
	if (out->map)
		memset(out->map, 0, out->size);
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++)
		if (libxl_bitmap_test(hard, cpu) && libxl_bitmap_test(soft, cpu)) {
			libxl_bitmap_set(out, cpu); /* within the room made above: cannot fail */
			both = true;
		}
	for (unsigned cpu = 0; !both && cpu < nr_cpus; cpu++)
		if (libxl_bitmap_test(hard, cpu))
			libxl_bitmap_set(out, cpu);
	return 0;
}

int libxl__vcpu_nodes(const libxl_cputopology *topo, int nr_topo, const libxl_vcpuinfo *vcpus, int nr_vcpus,
		      const libxl_bitmap *pool, libxl_bitmap *nodemap)
{
	libxl_bitmap runs_on;
	int rc = 0;

	libxl_bitmap_init(&runs_on);
	if (nodemap->map)
		memset(nodemap->map, 0, nodemap->size);
	for (int i = 0; rc == 0 && i < nr_vcpus; i++) {
		rc = libxl__vcpu_effective(&vcpus[i].cpumap, &vcpus[i].cpumap_soft, (unsigned)nr_topo, &runs_on);
		for (int cpu = 0; rc == 0 && cpu < nr_topo; cpu++)
			if (topo[cpu].node != LIBXL_CPUTOPOLOGY_INVALID_ENTRY &&
			    libxl_bitmap_test(&runs_on, (unsigned)cpu) && libxl_bitmap_test(pool, (unsigned)cpu))
				rc = libxl_bitmap_set(nodemap, topo[cpu].node);
	}
	libxl_bitmap_dispose(&runs_on);
	return rc;
}
