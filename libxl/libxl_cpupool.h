/*
 * cpupools (Xen's libxl_cpupool_* calls), on cpusets: see libxl_cpupool.c.
 * Included by libxl.h.
 */
#ifndef LIBXL_CPUPOOL_H
#define LIBXL_CPUPOOL_H

#include <stdint.h>

#include "libxl_types.h"

#define LIBXL_CPUPOOL_POOLID_ANY 0xFFFFFFFFu

typedef struct libxl_cpupoolinfo {
	uint32_t poolid;
	char *pool_name;
	libxl_scheduler sched;
	uint32_t n_dom; /* the domains in it (Domain-0 in Pool-0) */
	libxl_bitmap cpumap;
} libxl_cpupoolinfo;

/* Every pool, Pool-0 first, then by id; NULL with errno on failure. */
libxl_cpupoolinfo *libxl_list_cpupool(libxl_ctx *ctx, int *nb_pool_out);
void libxl_cpupoolinfo_list_free(libxl_cpupoolinfo *list, int nb_pool);
/* 0 and *poolid, or -ENOENT. */
int libxl_name_to_cpupoolid(libxl_ctx *ctx, const char *name, uint32_t *poolid);
/*
 * Create pool name with scheduler sched (credit or credit2: both are the
 * host's CFS under credit's weight and cap) on the CPUs of cpumap, taken
 * from Pool-0 (which keeps at least one); *poolid: the new pool's id
 * (LIBXL_CPUPOOL_POOLID_ANY in: any). uuid is unused (Xenon's pools have
 * none). Every refusal is said, and nothing changes then.
 */
int libxl_cpupool_create(libxl_ctx *ctx, const char *name, libxl_scheduler sched, libxl_bitmap cpumap,
			 libxl_uuid *uuid, uint32_t *poolid);
/* Its CPUs go back to Pool-0; -EBUSY (said) while a domain is in it. */
int libxl_cpupool_destroy(libxl_ctx *ctx, uint32_t poolid);
int libxl_cpupool_rename(libxl_ctx *ctx, const char *name, uint32_t poolid);
/* CPUs move between Pool-0 and another pool: a CPU in a third pool is refused. */
int libxl_cpupool_cpuadd_cpumap(libxl_ctx *ctx, uint32_t poolid, const libxl_bitmap *cpumap);
int libxl_cpupool_cpuremove_cpumap(libxl_ctx *ctx, uint32_t poolid, const libxl_bitmap *cpumap);
/* Move the domain (its xenon-hv's threads) onto the pool's CPUs. */
int libxl_cpupool_movedomain(libxl_ctx *ctx, uint32_t poolid, uint32_t domid);

#endif
