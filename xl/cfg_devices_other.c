/*
 * cfg_devices_other.c: the xl.cfg(5) keys of devices and displays that
 * Xenon does not provide yet (vfb, vkb, channel, pci, dtdev, vtpm, p9,
 * vdispl, usbctrl, usbdev; the display keys are in cfg_display.c).
 *
 * They are read as Xen's xl reads them, so that `xl -N create` shows them
 * in Xen's JSON; `xl create` says, for each one, that it is ignored
 * (xl_cfg_warn_unsupported). A malformed spec is an error that names the
 * file, line and column, as every other key.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xl/cfg_devices_other.h"

#define PCI_FUNC_ALL 0xffffffffu /* Xen's LIBXL_PCI_FUNC_ALL: vfunc_mask for BB:DD.* */

/* xl.cfg's pci_permissive= etc.: the defaults of every pci device. */
struct pci_defaults {
	bool msitranslate, power_mgmt, permissive, seize;
};

/* One item of a device list, being read. */
struct spec {
	const char *key;	      /* the config key: "vtpm" */
	const struct cfg_value *item; /* the list item (a string) */
	char *err;
	const struct pci_defaults *pci; /* pci_permissive= ...: each pci device's defaults */
};

/* ---- adding devices --------------------------------------------------------- */

/* type *add_FIELD(d): a new _init()ed element at the end of d->FIELD. */
#define DEFINE_ADD(type, field)                                                                              \
	static type *add_##field(libxl_domain_config *d)                                                     \
	{                                                                                                    \
		type *p = realloc(d->field, sizeof(*p) * ((size_t)d->num_##field + 1));                      \
                                                                                                             \
		if (!p)                                                                                      \
			return NULL;                                                                         \
		d->field = p;                                                                                \
		p += d->num_##field++;                                                                       \
		type##_init(p);                                                                              \
		return p;                                                                                    \
	}

DEFINE_ADD(libxl_device_pci, pcidevs)
DEFINE_ADD(libxl_device_dtdev, dtdevs)
DEFINE_ADD(libxl_device_vfb, vfbs)
DEFINE_ADD(libxl_device_vkb, vkbs)
DEFINE_ADD(libxl_device_vtpm, vtpms)
DEFINE_ADD(libxl_device_p9, p9s)
DEFINE_ADD(libxl_device_vdispl, vdispls)
DEFINE_ADD(libxl_device_channel, channels)
DEFINE_ADD(libxl_device_usbctrl, usbctrls)
DEFINE_ADD(libxl_device_usbdev, usbdevs)

/* ---- values inside a spec ------------------------------------------------------ */

static int spec_error(struct spec *sp, const char *what, const char *k, const char *v)
{
	return cfg_error(sp->err, &sp->item->loc, "%s: invalid %s=%s in \"%s\": %s", sp->key, k, v,
			 sp->item->text, what);
}

static int spec_unknown(struct spec *sp, const char *k, const char *expected)
{
	return cfg_error(sp->err, &sp->item->loc, "%s: unknown key '%s' in \"%s\": expected %s", sp->key, k,
			 sp->item->text, expected);
}

/* A number of base 10 (Xen's atoi) or 0 (strtoul's 0x / 0 prefixes), <= max. */
static int spec_num(struct spec *sp, const char *k, const char *v, int base, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;
	char what[64];

	errno = 0;
	n = strtoull(v, &end, base);
	if (!*v || *end || errno || *v == '-' || n > max) {
		snprintf(what, sizeof(what), "expected a number from 0 to %llu", (unsigned long long)max);
		return spec_error(sp, what, k, v);
	}
	*out = n;
	return 0;
}

static int spec_u32(struct spec *sp, const char *k, const char *v, int base, uint32_t *out)
{
	uint64_t n;
	int rc = spec_num(sp, k, v, base, UINT32_MAX, &n);

	if (rc == 0)
		*out = (uint32_t)n;
	return rc;
}

static int spec_int(struct spec *sp, const char *k, const char *v, int base, int max, int *out)
{
	uint64_t n;
	int rc = spec_num(sp, k, v, base, (uint64_t)max, &n);

	if (rc == 0)
		*out = (int)n;
	return rc;
}

static int spec_bool(struct spec *sp, const char *k, const char *v, bool *out)
{
	uint64_t n;
	int rc = spec_num(sp, k, v, 0, UINT32_MAX, &n);

	if (rc == 0)
		*out = n != 0;
	return rc;
}

static int spec_defbool(struct spec *sp, const char *k, const char *v, libxl_defbool *out)
{
	bool b;
	int rc = spec_bool(sp, k, v, &b);

	if (rc == 0)
		libxl_defbool_set(out, b);
	return rc;
}

static int spec_str(const char *v, char **field)
{
	free(*field);
	*field = strdup(v);
	return *field ? 0 : -ENOMEM;
}

/*
 * Call fn(sp, dev, key, value) for each "key=value" of the item, split on
 * ',' (leading blanks dropped, empty items skipped, as Xen's strtok). A
 * word without '=' is an error, or (bare_ends) ends the spec, as in Xen's
 * vfb parser.
 */
typedef int (*spec_fn)(struct spec *sp, void *dev, const char *k, const char *v);

static int spec_each(struct spec *sp, const char *text, void *dev, spec_fn fn, bool bare_ends)
{
	char *copy = strdup(text), *save = NULL, *tok, *eq;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		eq = strchr(tok, '=');
		if (!eq && bare_ends)
			break;
		if (!eq) {
			rc = cfg_error(sp->err, &sp->item->loc, "%s: '%s' in \"%s\" is not key=value",
				       sp->key, tok, sp->item->text);
			break;
		}
		*eq = 0;
		rc = fn(sp, dev, tok, eq + 1);
	}
	free(copy);
	return rc;
}

/* The list of strings of a key; each item is handed to fn with a spec. */
typedef int (*item_fn)(struct spec *sp, libxl_domain_config *d);

static int each_item(const struct cfg *cfg, const char *key, libxl_domain_config *d, item_fn fn,
		     const struct pci_defaults *pd, char *err)
{
	const struct cfg_setting *s = cfg_find(cfg, key);
	struct spec sp = {.key = key, .err = err, .pci = pd};
	size_t i;
	int rc = 0;

	if (!s)
		return 0;
	if (s->value->kind != CFG_LIST)
		return cfg_error(err, &s->value->loc, "'%s' must be a list, as in %s = [ '...' ]", key, key);
	for (i = 0; i < s->value->count && rc == 0; i++) {
		sp.item = s->value->items[i];
		if (sp.item->kind != CFG_STRING)
			return cfg_error(err, &sp.item->loc, "each item of '%s' must be a quoted string",
					 key);
		rc = fn(&sp, d);
	}
	return rc;
}

/* ---- vfb, vkb -------------------------------------------------------------------- */

static int vfb_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	libxl_device_vfb *vfb = dev;

	if (!strcmp(k, "vnc"))
		return spec_defbool(sp, k, v, &vfb->vnc.enable);
	if (!strcmp(k, "vnclisten"))
		return spec_str(v, &vfb->vnc.listen);
	if (!strcmp(k, "vncpasswd"))
		return spec_str(v, &vfb->vnc.passwd);
	if (!strcmp(k, "vncdisplay"))
		return spec_int(sp, k, v, 10, INT_MAX, &vfb->vnc.display);
	if (!strcmp(k, "vncunused"))
		return spec_defbool(sp, k, v, &vfb->vnc.findunused);
	if (!strcmp(k, "keymap"))
		return spec_str(v, &vfb->keymap);
	if (!strcmp(k, "sdl"))
		return spec_defbool(sp, k, v, &vfb->sdl.enable);
	if (!strcmp(k, "opengl"))
		return spec_defbool(sp, k, v, &vfb->sdl.opengl);
	if (!strcmp(k, "display"))
		return spec_str(v, &vfb->sdl.display);
	if (!strcmp(k, "xauthority"))
		return spec_str(v, &vfb->sdl.xauthority);
	return 0; /* Xen ignores the others (xm's type=vnc) */
}

/* A vfb comes with a vkb (its keyboard and mouse), as in Xen. */
libxl_device_vfb *xl_cfg_add_vfb(libxl_domain_config *d)
{
	libxl_device_vfb *vfb = add_vfbs(d);
	libxl_device_vkb *vkb = vfb ? add_vkbs(d) : NULL;

	if (!vkb)
		return NULL;
	vfb->devid = d->num_vfbs - 1;
	vkb->devid = d->num_vkbs - 1;
	return vfb;
}

static int vfb_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_vfb *vfb = xl_cfg_add_vfb(d);

	if (!vfb)
		return -ENOMEM;
	return spec_each(sp, sp->item->text, vfb, vfb_kv, true);
}

static const struct {
	const char *key;
	size_t off;
} vkb_u32[] =
    {
	{"width", offsetof(libxl_device_vkb, width)},
	{"height", offsetof(libxl_device_vkb, height)},
	{"multi-touch-width", offsetof(libxl_device_vkb, multi_touch_width)},
	{"multi-touch-height", offsetof(libxl_device_vkb, multi_touch_height)},
	{"multi-touch-num-contacts", offsetof(libxl_device_vkb, multi_touch_num_contacts)},
},
  vkb_bool[] = {
      {"feature-disable-keyboard", offsetof(libxl_device_vkb, feature_disable_keyboard)},
      {"feature-disable-pointer", offsetof(libxl_device_vkb, feature_disable_pointer)},
      {"feature-abs-pointer", offsetof(libxl_device_vkb, feature_abs_pointer)},
      {"feature-raw-pointer", offsetof(libxl_device_vkb, feature_raw_pointer)},
      {"feature-multi-touch", offsetof(libxl_device_vkb, feature_multi_touch)},
};

static int vkb_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	libxl_device_vkb *vkb = dev;
	size_t i;

	if (!strcmp(k, "backend"))
		return spec_str(v, &vkb->backend_domname);
	if (!strcmp(k, "backend-type")) {
		if (libxl_vkb_backend_from_string(v, &vkb->backend_type) < 0)
			return spec_error(sp, "expected qemu or linux", k, v);
		return 0;
	}
	if (!strcmp(k, "unique-id"))
		return spec_str(v, &vkb->unique_id);
	for (i = 0; i < sizeof(vkb_u32) / sizeof(vkb_u32[0]); i++)
		if (!strcmp(k, vkb_u32[i].key))
			return spec_u32(sp, k, v, 0, (uint32_t *)((char *)vkb + vkb_u32[i].off));
	for (i = 0; i < sizeof(vkb_bool) / sizeof(vkb_bool[0]); i++)
		if (!strcmp(k, vkb_bool[i].key))
			return spec_bool(sp, k, v, (bool *)((char *)vkb + vkb_bool[i].off));
	return spec_unknown(sp, k,
			    "backend, backend-type, unique-id, feature-*, width, height or multi-touch-*");
}

static int vkb_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_vkb *vkb = add_vkbs(d);
	int rc;

	if (!vkb)
		return -ENOMEM;
	vkb->devid = d->num_vkbs - 1;
	rc = spec_each(sp, sp->item->text, vkb, vkb_kv, false);
	if (rc < 0)
		return rc;
	if (vkb->backend_type == LIBXL_VKB_BACKEND_UNKNOWN)
		return cfg_error(sp->err, &sp->item->loc, "vkb: \"%s\" has no backend-type= (qemu or linux)",
				 sp->item->text);
	if (vkb->multi_touch_height || vkb->multi_touch_width || vkb->multi_touch_num_contacts)
		vkb->feature_multi_touch = true;
	else if (vkb->feature_multi_touch)
		return cfg_error(sp->err, &sp->item->loc,
				 "vkb: \"%s\": multi touch needs multi-touch-width, multi-touch-height "
				 "and multi-touch-num-contacts",
				 sp->item->text);
	return 0;
}

/* ---- vtpm, p9, dtdev, vdispl ------------------------------------------------------- */

static int vtpm_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	libxl_device_vtpm *vtpm = dev;

	if (!strcmp(k, "backend"))
		return spec_str(v, &vtpm->backend_domname);
	if (!strcmp(k, "uuid")) {
		if (libxl_uuid_from_string(&vtpm->uuid, v) < 0)
			return spec_error(sp, "expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", k, v);
		return 0;
	}
	return spec_unknown(sp, k, "backend= or uuid=");
}

static int vtpm_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_vtpm *vtpm = add_vtpms(d);
	int rc;

	if (!vtpm)
		return -ENOMEM;
	vtpm->devid = d->num_vtpms - 1;
	rc = spec_each(sp, sp->item->text, vtpm, vtpm_kv, false);
	if (rc == 0 && !vtpm->backend_domname)
		rc = cfg_error(sp->err, &sp->item->loc, "vtpm: \"%s\" has no backend= (the vTPM domain)",
			       sp->item->text);
	return rc;
}

static int p9_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	libxl_device_p9 *p9 = dev;

	if (!strcmp(k, "security_model"))
		return spec_str(v, &p9->security_model);
	if (!strcmp(k, "path"))
		return spec_str(v, &p9->path);
	if (!strcmp(k, "tag"))
		return spec_str(v, &p9->tag);
	if (!strcmp(k, "backend"))
		return spec_str(v, &p9->backend_domname);
	return spec_unknown(sp, k, "tag=, path=, security_model= or backend=");
}

static int p9_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_p9 *p9 = add_p9s(d);
	int rc;

	if (!p9)
		return -ENOMEM;
	p9->devid = d->num_p9s - 1;
	rc = spec_each(sp, sp->item->text, p9, p9_kv, false);
	if (rc == 0 && (!p9->path || !p9->security_model || !p9->tag))
		rc = cfg_error(sp->err, &sp->item->loc,
			       "p9: \"%s\" needs tag=, path= and security_model=", sp->item->text);
	return rc;
}

static int dtdev_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_dtdev *dtdev = add_dtdevs(d);

	if (!dtdev)
		return -ENOMEM;
	return spec_str(sp->item->text, &dtdev->path);
}

/* connectors=ID:WxH;ID:WxH */
static int vdispl_connectors(struct spec *sp, libxl_device_vdispl *vdispl, const char *k, const char *v)
{
	char *copy = strdup(v), *save = NULL, *tok, *colon;
	libxl_connector_param *c;
	unsigned w, h;
	int n, rc = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ";", &save); tok && rc == 0; tok = strtok_r(NULL, ";", &save)) {
		colon = strchr(tok, ':');
		if (!colon || colon == tok || sscanf(colon + 1, "%ux%u%n", &w, &h, &n) != 2 || colon[1 + n]) {
			rc = spec_error(sp, "expected ID:WIDTHxHEIGHT[;ID:WIDTHxHEIGHT...]", k, v);
			break;
		}
		*colon = 0;
		c = realloc(vdispl->connectors, sizeof(*c) * ((size_t)vdispl->num_connectors + 1));
		if (!c) {
			rc = -ENOMEM;
			break;
		}
		vdispl->connectors = c;
		c += vdispl->num_connectors++;
		libxl_connector_param_init(c);
		c->width = w;
		c->height = h;
		rc = spec_str(tok, &c->unique_id);
	}
	free(copy);
	return rc;
}

static int vdispl_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	libxl_device_vdispl *vdispl = dev;

	if (!strcmp(k, "backend"))
		return spec_str(v, &vdispl->backend_domname);
	if (!strcmp(k, "be-alloc"))
		return spec_bool(sp, k, v, &vdispl->be_alloc);
	if (!strcmp(k, "connectors"))
		return vdispl_connectors(sp, vdispl, k, v);
	return spec_unknown(sp, k, "backend=, be-alloc= or connectors=");
}

static int vdispl_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_vdispl *vdispl = add_vdispls(d);
	int rc;

	if (!vdispl)
		return -ENOMEM;
	vdispl->devid = d->num_vdispls - 1;
	rc = spec_each(sp, sp->item->text, vdispl, vdispl_kv, false);
	if (rc == 0 && vdispl->num_connectors == 0)
		rc = cfg_error(sp->err, &sp->item->loc, "vdispl: \"%s\" has no connectors=ID:WxH",
			       sp->item->text);
	return rc;
}

/* ---- channel ------------------------------------------------------------------------ */

static char *trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

struct chan_ctx {
	libxl_device_channel *chn;
	char *path; /* path=, kept until connection= is known */
};

static int channel_kv(struct spec *sp, void *dev, const char *key, const char *value)
{
	struct chan_ctx *cc = dev;
	libxl_device_channel *chn = cc->chn;
	char *k = trimmed(key), *v = trimmed(value);
	int rc = 0;

	if (!k || !v)
		rc = -ENOMEM;
	else if (!strcmp(k, "backend"))
		rc = spec_str(v, &chn->backend_domname);
	else if (!strcmp(k, "name"))
		rc = spec_str(v, &chn->name);
	else if (!strcmp(k, "path"))
		rc = spec_str(v, &cc->path);
	else if (!strcmp(k, "connection") && !strcmp(v, "pty"))
		chn->connection = LIBXL_CHANNEL_CONNECTION_PTY;
	else if (!strcmp(k, "connection") && !strcmp(v, "socket"))
		chn->connection = LIBXL_CHANNEL_CONNECTION_SOCKET;
	else if (!strcmp(k, "connection"))
		rc = spec_error(sp, "expected pty or socket", k, v);
	else /* as Xen: a warning */
		log_warnx("%s:%d: warning: channel: unknown key '%s' in \"%s\", ignored",
			  sp->item->loc.source, sp->item->loc.line, k, sp->item->text);
	free(k);
	free(v);
	return rc;
}

static int channel_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_channel *chn = add_channels(d);
	struct chan_ctx cc = {.chn = chn};
	int rc;

	if (!chn)
		return -ENOMEM;
	chn->devid = d->num_channels - 1;
	rc = spec_each(sp, sp->item->text, &cc, channel_kv, false);
	if (rc == 0 && chn->connection == LIBXL_CHANNEL_CONNECTION_UNKNOWN)
		rc = cfg_error(sp->err, &sp->item->loc, "channel: \"%s\" has no connection= (pty or socket)",
			       sp->item->text);
	else if (rc == 0 && chn->connection == LIBXL_CHANNEL_CONNECTION_SOCKET && !cc.path)
		rc = cfg_error(sp->err, &sp->item->loc,
			       "channel: \"%s\": connection=socket needs path=/path/to/socket",
			       sp->item->text);
	libxl_device_channel_init_connection(chn, chn->connection);
	if (rc == 0 && chn->connection == LIBXL_CHANNEL_CONNECTION_SOCKET) {
		chn->u.socket.path = cc.path;
		cc.path = NULL;
	}
	free(cc.path);
	return rc;
}

/* ---- usbctrl, usbdev ------------------------------------------------------------------ */

static int usbctrl_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	libxl_device_usbctrl *usbctrl = dev;

	if (!strcmp(k, "type")) {
		if (libxl_usbctrl_type_from_string(v, &usbctrl->type) < 0)
			return spec_error(sp, "expected auto, pv, devicemodel or qusb", k, v);
		return 0;
	}
	if (!strcmp(k, "version"))
		return spec_int(sp, k, v, 10, INT_MAX, &usbctrl->version);
	if (!strcmp(k, "ports"))
		return spec_int(sp, k, v, 10, INT_MAX, &usbctrl->ports);
	return spec_unknown(sp, k, "type=, version= or ports=");
}

static int usbctrl_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_usbctrl *usbctrl = add_usbctrls(d);

	if (!usbctrl)
		return -ENOMEM;
	usbctrl->devid = d->num_usbctrls - 1;
	return spec_each(sp, sp->item->text, usbctrl, usbctrl_kv, false);
}

static int usbdev_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	libxl_device_usbdev *usbdev = dev;
	libxl_usbdev_type type;

	if (!strcmp(k, "type")) {
		if (libxl_usbdev_type_from_string(v, &type) < 0)
			return spec_error(sp, "expected hostdev", k, v);
		return 0;
	}
	if (!strcmp(k, "hostbus"))
		return spec_int(sp, k, v, 0, 255, &usbdev->u.hostdev.hostbus);
	if (!strcmp(k, "hostaddr"))
		return spec_int(sp, k, v, 0, 255, &usbdev->u.hostdev.hostaddr);
	if (!strcmp(k, "controller"))
		return spec_int(sp, k, v, 10, INT_MAX, &usbdev->ctrl);
	if (!strcmp(k, "port"))
		return spec_int(sp, k, v, 10, INT_MAX, &usbdev->port);
	return spec_unknown(sp, k, "type=, hostbus=, hostaddr=, controller= or port=");
}

/* hostdev is the only type (and the default). */
static int usbdev_item(struct spec *sp, libxl_domain_config *d)
{
	libxl_device_usbdev *usbdev = add_usbdevs(d);

	if (!usbdev)
		return -ENOMEM;
	libxl_device_usbdev_init_type(usbdev, LIBXL_USBDEV_TYPE_HOSTDEV);
	return spec_each(sp, sp->item->text, usbdev, usbdev_kv, false);
}

/* ---- pci ------------------------------------------------------------------------------------ */

/* [DDDD:]BB:DD.F or BB:DD.* (hex), as Xen's libxlu; end: what follows. */
static int pci_bdf(libxl_device_pci *pci, const char *s, const char **end)
{
	unsigned dom = 0, bus, dev, func = 0, colons = 0;
	const char *p;
	int n = 0;

	for (p = s;
	     (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') || *p == ':';
	     p++)
		colons += *p == ':';
	if (colons == 1 ? sscanf(s, "%x:%x.%n", &bus, &dev, &n) != 2
			: colons != 2 || sscanf(s, "%x:%x:%x.%n", &dom, &bus, &dev, &n) != 3)
		return -EINVAL;
	if (!n || dom > 0xffff || bus > 0xff || dev > 0x1f)
		return -EINVAL;
	s += n;
	if (*s == '*') {
		pci->vfunc_mask = PCI_FUNC_ALL;
		s++;
	} else {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')) ||
		    sscanf(s, "%x%n", &func, &n) != 1 || func > 7)
			return -EINVAL;
		pci->vfunc_mask = 1;
		s += n;
	}
	pci->domain = (int)dom;
	pci->bus = (int)bus;
	pci->dev = (int)dev;
	pci->func = (int)func;
	*end = s;
	return 0;
}

static int pci_vslot(libxl_device_pci *pci, const char *s, const char **end)
{
	unsigned v;
	int n;

	if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')) ||
	    sscanf(s, "%x%n", &v, &n) != 1 || v > 0x1f)
		return -EINVAL;
	pci->vdevfn = v << 3;
	*end = s + n;
	return 0;
}

struct pci_ctx {
	libxl_device_pci *pci;
	bool bdf, name;
};

static int pci_kv(struct spec *sp, void *dev, const char *k, const char *v)
{
	struct pci_ctx *pc = dev;
	libxl_device_pci *pci = pc->pci;
	const char *end;

	if (!strcmp(k, "bdf")) {
		if (pci_bdf(pci, v, &end) < 0 || *end)
			return spec_error(sp, "expected [DDDD:]BB:DD.F", k, v);
		pc->bdf = true;
		return 0;
	}
	if (!strcmp(k, "vslot")) {
		if (pci_vslot(pci, v, &end) < 0 || *end)
			return spec_error(sp, "expected a slot from 0 to 1f (hex)", k, v);
		return 0;
	}
	if (!strcmp(k, "permissive"))
		return spec_bool(sp, k, v, &pci->permissive);
	if (!strcmp(k, "msitranslate"))
		return spec_bool(sp, k, v, &pci->msitranslate);
	if (!strcmp(k, "seize"))
		return spec_bool(sp, k, v, &pci->seize);
	if (!strcmp(k, "power_mgmt"))
		return spec_bool(sp, k, v, &pci->power_mgmt);
	if (!strcmp(k, "rdm_policy")) {
		if (libxl_rdm_reserve_policy_from_string(v, &pci->rdm_policy) < 0 ||
		    pci->rdm_policy == LIBXL_RDM_RESERVE_POLICY_INVALID)
			return spec_error(sp, "expected strict or relaxed", k, v);
		return 0;
	}
	if (!strcmp(k, "name")) {
		pc->name = true;
		return spec_str(v, &pci->name);
	}
	return spec_unknown(sp, k,
			    "bdf, vslot, permissive, msitranslate, seize, power_mgmt, rdm_policy or name");
}

static int pci_item(struct spec *sp, libxl_domain_config *d)
{
	struct pci_ctx pc = {.pci = add_pcidevs(d)};
	const char *p = sp->item->text;
	int rc = 0;

	if (!pc.pci)
		return -ENOMEM;
	pc.pci->msitranslate = sp->pci->msitranslate;
	pc.pci->power_mgmt = sp->pci->power_mgmt;
	pc.pci->permissive = sp->pci->permissive;
	pc.pci->seize = sp->pci->seize;
	if (!memchr(p, '=', strcspn(p, ","))) { /* a positional BDF first */
		if (pci_bdf(pc.pci, p, &p) < 0 || (*p == '@' && pci_vslot(pc.pci, p + 1, &p) < 0) ||
		    (*p && *p != ','))
			return cfg_error(
			    sp->err, &sp->item->loc,
			    "pci: invalid device \"%s\": expected [DDDD:]BB:DD.F[@VSLOT][,KEY=VALUE...] "
			    "(hex numbers; DD up to 1f, F up to 7 or *, VSLOT up to 1f)",
			    sp->item->text);
		pc.bdf = true;
	}
	/* the key=value pairs after the positional BDF (or all of them) */
	rc = spec_each(sp, p, &pc, pci_kv, false);
	if (rc == 0 && pc.bdf == pc.name)
		rc = cfg_error(sp->err, &sp->item->loc,
			       "pci: \"%s\" needs either a BDF ([DDDD:]BB:DD.F or bdf=) or name=, not %s",
			       sp->item->text, pc.bdf ? "both" : "neither");
	return rc;
}

static int pci_global_keys(const struct cfg *cfg, struct pci_defaults *pd, char *err)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
	    {"pci_msitranslate", offsetof(struct pci_defaults, msitranslate)},
	    {"pci_power_mgmt", offsetof(struct pci_defaults, power_mgmt)},
	    {"pci_permissive", offsetof(struct pci_defaults, permissive)},
	    {"pci_seize", offsetof(struct pci_defaults, seize)},
	};
	const struct cfg_setting *s;
	uint64_t v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!(s = cfg_find(cfg, keys[i].key)))
			continue;
		if ((rc = cfg_value_u64(s->value, s->name, UINT64_MAX, &v, err)) < 0)
			return rc;
		*(bool *)((char *)pd + keys[i].off) = v != 0;
	}
	return 0;
}

/* ---- the whole ------------------------------------------------------------------------------- */

int xl_cfg_devices_other(const struct cfg *cfg, libxl_domain_config *d, char *err)
{
	static const struct {
		const char *key;
		item_fn fn;
	} lists[] = {
	    {"pci", pci_item},	 {"dtdev", dtdev_item},	    {"p9", p9_item},
	    {"vtpm", vtpm_item}, {"vdispl", vdispl_item},   {"channel", channel_item},
	    {"vfb", vfb_item},	 {"usbctrl", usbctrl_item}, {"usbdev", usbdev_item},
	};
	struct pci_defaults pd = {0};
	size_t i;
	int rc = pci_global_keys(cfg, &pd, err);

	for (i = 0; rc == 0 && i < sizeof(lists) / sizeof(lists[0]); i++)
		rc = each_item(cfg, lists[i].key, d, lists[i].fn, &pd, err);
	if (rc == 0)
		rc = xl_cfg_vsnd(cfg, d, err);
	/* Xen: passed-through PCI devices need the host's memory map in a PV guest */
	if (rc == 0 && d->num_pcidevs && d->c_info.type == LIBXL_DOMAIN_TYPE_PV)
		libxl_defbool_set(&d->b_info.u.pv.e820_host, true);
	if (rc == 0)
		rc = xl_cfg_display_keys(cfg, d, err);
	/* vkb= after the vfbs' own vkbs, as in Xen */
	if (rc == 0)
		rc = each_item(cfg, "vkb", d, vkb_item, &pd, err);
	return rc;
}
