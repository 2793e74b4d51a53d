/*
 * cfg_devices_other.h: between cfg_devices_other.c (the device lists Xenon
 * does not provide yet) and cfg_display.c (the display keys).
 */
#ifndef XENON_XL_CFG_DEVICES_OTHER_H
#define XENON_XL_CFG_DEVICES_OTHER_H

#include "xl/cfg_domain.h"

/* A new vfb at the end of d's, with its vkb (devids: their index); NULL: no memory. */
libxl_device_vfb *xl_cfg_add_vfb(libxl_domain_config *d);

/* vnc, sdl, keymap, vga, serial, boot, usb ...: into a PV domain's vfb or HVM's b_info. */
int xl_cfg_display_keys(const struct cfg *cfg, libxl_domain_config *d, char *err);

/* vsnd= (cfg_vsnd.c): Xen's virtual sound cards, into d->vsnds. */
int xl_cfg_vsnd(const struct cfg *cfg, libxl_domain_config *d, char *err);

#endif
