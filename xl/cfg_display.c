/*
 * cfg_display.c: the top-level display, serial, boot and USB keys of
 * xl.cfg(5) (vnc, vnclisten, sdl, keymap, vga, stdvga, serial, boot, usb,
 * usbdevice, soundhw ...), which Xenon does not provide yet: for an HVM
 * domain into b_info's "type.hvm", for a PV domain with vnc=1 and no vfb=
 * into a vfb of its own, as Xen's xl does. And the warning of xl create
 * about every key of cfg_devices_other.c and this file.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xl/cfg_devices_other.h"

static int top_defbool(const struct cfg *cfg, const char *key, libxl_defbool *field, char *err)
{
	const struct cfg_setting *s = cfg_find(cfg, key);
	uint64_t v;
	int rc;

	if (!s)
		return 0;
	rc = cfg_value_u64(s->value, s->name, UINT64_MAX, &v, err);
	if (rc == 0)
		libxl_defbool_set(field, v != 0);
	return rc;
}

static int top_int(const struct cfg *cfg, const char *key, int *field, char *err)
{
	const struct cfg_setting *s = cfg_find(cfg, key);
	uint64_t v;
	int rc;

	if (!s)
		return 0;
	rc = cfg_value_u64(s->value, s->name, INT_MAX, &v, err);
	if (rc == 0)
		*field = (int)v;
	return rc;
}

static int top_str(const struct cfg *cfg, const char *key, char **field, char *err)
{
	const struct cfg_setting *s = cfg_find(cfg, key);

	return s ? cfg_value_strdup(s->value, s->name, field, err) : 0;
}

/* vnc, vnclisten, ... and sdl, opengl, ...: into a vfb (PV) or b_info (HVM). */
static int top_vnc_sdl(const struct cfg *cfg, libxl_vnc_info *vnc, libxl_sdl_info *sdl, char *err)
{
	int rc = top_defbool(cfg, "vnc", &vnc->enable, err);

	if (rc == 0)
		rc = top_str(cfg, "vnclisten", &vnc->listen, err);
	if (rc == 0)
		rc = top_str(cfg, "vncpasswd", &vnc->passwd, err);
	if (rc == 0)
		rc = top_int(cfg, "vncdisplay", &vnc->display, err);
	if (rc == 0)
		rc = top_defbool(cfg, "vncunused", &vnc->findunused, err);
	if (rc == 0)
		rc = top_defbool(cfg, "sdl", &sdl->enable, err);
	if (rc == 0)
		rc = top_defbool(cfg, "opengl", &sdl->opengl, err);
	if (rc == 0)
		rc = top_str(cfg, "display", &sdl->display, err);
	if (rc == 0)
		rc = top_str(cfg, "xauthority", &sdl->xauthority, err);
	return rc;
}

/* A PV domain with vnc=1 and no vfb= gets one vfb (and vkb) from them, as in Xen. */
static int pv_top_vfb(const struct cfg *cfg, libxl_domain_config *d, char *err)
{
	const struct cfg_setting *s = cfg_find(cfg, "vnc");
	libxl_device_vfb *vfb;
	uint64_t v;
	int rc;

	if (d->num_vfbs || !s)
		return 0;
	if ((rc = cfg_value_u64(s->value, s->name, UINT64_MAX, &v, err)) < 0 || !v)
		return rc;
	if (!(vfb = xl_cfg_add_vfb(d)))
		return -ENOMEM;
	rc = top_vnc_sdl(cfg, &vfb->vnc, &vfb->sdl, err);
	return rc ? rc : top_str(cfg, "keymap", &vfb->keymap, err);
}

/* A string, or a list of strings (Xen's serial= and usbdevice=). */
static int top_str_or_list(const struct cfg *cfg, const char *key, char **one, libxl_string_list *list,
			   char *err)
{
	const struct cfg_setting *s = cfg_find(cfg, key);
	size_t i;
	int rc = 0;

	if (!s || s->value->kind != CFG_LIST)
		return top_str(cfg, key, one, err);
	libxl_string_list_dispose(list);
	for (i = 0; i < s->value->count && rc == 0; i++) {
		if (s->value->items[i]->kind != CFG_STRING)
			return cfg_error(err, &s->value->items[i]->loc,
					 "each item of '%s' must be a quoted string", key);
		rc = libxl_string_list_append(list, s->value->items[i]->text);
	}
	return rc;
}

static int hvm_vga(const struct cfg *cfg, libxl_vga_interface_info *vga, char *err)
{
	static const struct {
		const char *name;
		libxl_vga_interface_type kind;
	} kinds[] = {
	    {"stdvga", LIBXL_VGA_INTERFACE_TYPE_STD},
	    {"cirrus", LIBXL_VGA_INTERFACE_TYPE_CIRRUS},
	    {"none", LIBXL_VGA_INTERFACE_TYPE_NONE},
	    {"qxl", LIBXL_VGA_INTERFACE_TYPE_QXL},
	};
	const struct cfg_setting *s = cfg_find(cfg, "vga");
	const char *v;
	uint64_t n;
	size_t i;
	int rc;

	if (s) {
		if ((rc = cfg_value_string(s->value, s->name, &v, err)) < 0)
			return rc;
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(v, kinds[i].name)) {
				vga->kind = kinds[i].kind;
				return 0;
			}
		return cfg_error(err, &s->value->loc,
				 "invalid vga \"%s\": expected stdvga, cirrus, none or qxl", v);
	}
	if (!(s = cfg_find(cfg, "stdvga")))
		return 0;
	if ((rc = cfg_value_u64(s->value, s->name, UINT64_MAX, &n, err)) < 0)
		return rc;
	vga->kind = n ? LIBXL_VGA_INTERFACE_TYPE_STD : LIBXL_VGA_INTERFACE_TYPE_CIRRUS;
	return 0;
}

static int hvm_keys(const struct cfg *cfg, libxl_domain_build_info *b, char *err)
{
	typeof(b->u.hvm) *h = &b->u.hvm;
	const struct cfg_setting *s;
	int rc = top_vnc_sdl(cfg, &h->vnc, &h->sdl, err);

	if (rc == 0)
		rc = hvm_vga(cfg, &h->vga, err);
	if (rc == 0)
		rc = top_str(cfg, "keymap", &h->keymap, err);
	if (rc == 0)
		rc = top_defbool(cfg, "nographic", &h->nographic, err);
	if (rc == 0)
		rc = top_str_or_list(cfg, "serial", &h->serial, &h->serial_list, err);
	if (rc == 0)
		rc = top_str(cfg, "boot", &h->boot, err);
	if (rc == 0)
		rc = top_defbool(cfg, "usb", &h->usb, err);
	if (rc == 0)
		rc = top_int(cfg, "usbversion", &h->usbversion, err);
	if (rc == 0)
		rc = top_str_or_list(cfg, "usbdevice", &h->usbdevice, &h->usbdevice_list, err);
	if (rc == 0)
		rc = top_defbool(cfg, "vkb_device", &h->vkb_device, err);
	if (rc == 0)
		rc = top_str(cfg, "soundhw", &h->soundhw, err);
	if (rc == 0 && h->vnc.listen && h->vnc.display && strchr(h->vnc.listen, ':')) {
		s = cfg_find(cfg, "vncdisplay");
		rc = cfg_error(err, &s->value->loc,
			       "the VNC display is given twice: in vnclisten (\"%s\") and in vncdisplay",
			       h->vnc.listen);
	}
	return rc;
}

int xl_cfg_display_keys(const struct cfg *cfg, libxl_domain_config *d, char *err)
{
	if (d->c_info.type == LIBXL_DOMAIN_TYPE_PV)
		return pv_top_vfb(cfg, d, err);
	if (d->c_info.type == LIBXL_DOMAIN_TYPE_HVM)
		return hvm_keys(cfg, &d->b_info, err);
	return 0;
}

/* ---- xl create's warning ----------------------------------------------------------------------- */

static const char *const unsupported_keys[] = {
    "vfb",
    "vkb",
    "channel",
    "usbctrl",
    "usbdev",
    "pci",
    "pci_permissive",
    "pci_msitranslate",
    "pci_power_mgmt",
    "pci_seize",
    "vtpm",
    "p9",
    "vdispl",
    "vsnd",
    "dtdev",
    "vnc",
    "vnclisten",
    "vncpasswd",
    "vncdisplay",
    "vncunused",
    "sdl",
    "opengl",
    "display",
    "xauthority",
    "keymap",
    "serial",
    "boot",
    "stdvga",
    "vga",
    "videoram",
    "soundhw",
    "usb",
    "usbversion",
    "usbdevice",
    "nographic",
    "vkb_device",
};

void xl_cfg_warn_unsupported(const struct cfg *cfg)
{
	const struct cfg_setting *s;
	size_t i;

	for (s = cfg->settings; s; s = s->next)
		for (i = 0; i < sizeof(unsupported_keys) / sizeof(unsupported_keys[0]); i++)
			if (!strcmp(s->name, unsupported_keys[i]))
				log_warnx("%s:%d: warning: '%s' is not supported yet: Xenon ignores it and "
					  "starts the domain without it (see xl.cfg(5))",
					  s->loc.source, s->loc.line, s->name);
}
