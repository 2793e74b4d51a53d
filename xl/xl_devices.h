/* What xl's device commands (cmd_block.c, cmd_network.c) share with xl list -l. */
#ifndef XENON_XL_DEVICES_H
#define XENON_XL_DEVICES_H

#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "libxl/libxl.h"

/* argv[from..argc) joined with ',' (Xen's multi-argument specs), malloc'd; NULL: no memory. */
char *xl_join_args(int argc, char **argv, int from);
/*
 * The domain's disks and NICs now, for xl list -l: {"disks": [{"disk": ..,
 * "info": ..}], "nics": [{"nic": .., "info": ..}]} (libxl_device_disk and
 * libxl_diskinfo as JSON, the same for NICs).
 */
void xl_gen_devices(libxl_ctx *ctx, yajl_gen g, uint32_t domid);

#endif
