/*
 * cfg_domain.h: from an xl.cfg(5) file to a libxl_domain_config, as Xen's
 * xl parse_config_data() does (same keys, same defaults, same JSON), with
 * one difference: a value of the wrong type or form is an error that names
 * the file, line and column, never a warning.
 */
#ifndef XENON_XL_CFG_DOMAIN_H
#define XENON_XL_CFG_DOMAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "libxl/libxl_types.h"
#include "xl/cfg_parse.h"
#include "xl/xl_conf.h"

/*
 * Fill d (which must be _init()ed) from cfg, with the defaults of conf
 * (xl.conf). -EINVAL with "file:line:col: message" in err (CFG_ERR_MAX).
 */
int xl_cfg_to_domain_config(const struct cfg *cfg, const struct xl_conf *conf, libxl_domain_config *d,
			    char *err);

/*
 * Read FILE (NULL: none) and then the key=value lines of extra (NULL: none;
 * they override the file), and fill d as above. warn: say on stderr which
 * keys Xenon does not support yet (xl create; not in a dry run).
 */
int xl_load_domain_config(const char *file, const char *extra, const struct xl_conf *conf,
			  libxl_domain_config *d, bool warn, char *err);

/*
 * cfg_devices_other.c: the keys of devices and displays Xenon does not
 * provide yet (vfb, vkb, channel, pci, dtdev, vtpm, p9, vdispl, usbctrl,
 * usbdev; vnc, sdl, serial, boot, vga ... for HVM), into d as Xen's xl
 * reads them. Run after the domain's type and the other devices.
 */
int xl_cfg_devices_other(const struct cfg *cfg, libxl_domain_config *d, char *err);

/* One warning "source:line: warning: 'KEY' is not supported yet ..." per such key. */
void xl_cfg_warn_unsupported(const struct cfg *cfg);

/*
 * Parse a CPU list of xl.cfg(5) ("0-3,^2", "all", "nodes:0") into map.
 * -EINVAL (-ENOENT: no such NUMA node; -ENOMEM) with a message (no
 * location) in err.
 */
int xl_parse_cpurange(const char *spec, libxl_bitmap *map, char *err);

/*
 * The legacy SXP form of d, as Xen's xl prints it for output_format="sxp"
 * (domid -1 in a dry run). -EINVAL for a type SXP cannot show (pvh).
 */
int xl_print_sxp(int domid, const libxl_domain_config *d, FILE *fh);

#endif
