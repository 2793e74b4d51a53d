/*
 * A disk or NIC written as KEY=VALUE items (vdev_spec.c): xenon-hv's
 * --disk/--nic (one comma-separated string) and hvctl's device-add (one
 * item per argument) both become a struct hvctl_device_spec here.
 *
 *   vbd: devid=N,target=PATH[,ro][,serial=S][,direct=on|off]
 *   vif: devid=N,tap=NAME[,mac=XX:XX:XX:XX:XX:XX][,mtu=N]
 *
 * Errors are logged with what (e.g. "--disk devid=1,target=x") in front.
 */
#ifndef XENON_HV_VDEV_SPEC_H
#define XENON_HV_VDEV_SPEC_H

#include <stdint.h>

#include "hypervisor/hvctl.h"

/* "vbd" or "vif" -> HVCTL_DEV_*, 0 for anything else. */
uint32_t hv_vdev_kind(const char *name);
const char *hv_vdev_kind_name(uint32_t kind); /* "?" for an unknown one */
/* items[0 .. n) of "key=value" (or a bare flag key). 0 or -EINVAL. */
int hv_vdev_spec_parse(uint32_t kind, const char *what, char *const *items, unsigned n,
		       struct hvctl_device_spec *spec);
/* The same from "key=value,key=value". */
int hv_vdev_spec_parse_str(uint32_t kind, const char *what, const char *str, struct hvctl_device_spec *spec);
/* A vbd target relative to the current directory made absolute. */
int hv_vdev_spec_absolute(struct hvctl_device_spec *spec, const char *what);

#endif
