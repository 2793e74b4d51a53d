/* on_*=coredump-* in the domain's monitor (xl create): monitor_dump.c. */
#ifndef XL_MONITOR_DUMP_H
#define XL_MONITOR_DUMP_H

#include <stdbool.h>

#include "libxl/libxl.h"

/* The LIBXL_HOLD_* bits for the ends whose action is coredump-*. */
unsigned xl_monitor_hold_on(const libxl_domain_config *c);
bool xl_action_is_coredump(libxl_action_on_shutdown a);
/* The held domain's core into the dump directory, logged; failures too. */
void xl_monitor_dump_core(libxl_ctx *ctx, uint32_t domid, const char *name);

#endif
