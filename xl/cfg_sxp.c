/*
 * cfg_sxp.c: the legacy SXP form of a domain configuration, printed by
 * `xl -N create` when xl.conf says output_format="sxp", line for line as
 * Xen's xl prints it (NULL strings read "(null)", unset booleans
 * "<default>"). Like Xen, nothing new should be added to it.
 */
#include "xl/cfg_domain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static const char *db(libxl_defbool b)
{
	return libxl_defbool_is_default(b) ? "<default>" : libxl_defbool_val(b) ? "True" : "False";
}

static const char *str(const char *s)
{
	return s ? s : "(null)";
}

static void print_hvm(const libxl_domain_build_info *b, FILE *fh)
{
	static const libxl_defbool unset;
	/* Xenon does not model most HVM settings: they print as unset. */
	static const char *const unset_bools[] = {"apic", "acpi", "nx", "viridian", "hpet", "vpt_align"};
	size_t i;

	fprintf(fh, "\t\t(hvm\n");
	fprintf(fh, "\t\t\t(firmware %s)\n", str(b->u.hvm.firmware));
	fprintf(fh, "\t\t\t(video_memkb %" PRId64 ")\n", (int64_t)b->video_memkb);
	fprintf(fh, "\t\t\t(shadow_memkb %" PRId64 ")\n", (int64_t)b->shadow_memkb);
	fprintf(fh, "\t\t\t(pae %s)\n", db(b->u.hvm.pae));
	for (i = 0; i < sizeof(unset_bools) / sizeof(unset_bools[0]); i++)
		fprintf(fh, "\t\t\t(%s %s)\n", unset_bools[i], db(unset));
	fprintf(fh, "\t\t\t(timer_mode %s)\n", "(null)");
	fprintf(fh, "\t\t\t(nestedhvm %s)\n", db(b->nested_hvm));
	fprintf(fh, "\t\t\t(stdvga False)\n");
	fprintf(fh, "\t\t\t(vnc <default>)\n\t\t\t(vnclisten (null))\n\t\t\t(vncdisplay 0)\n");
	fprintf(fh, "\t\t\t(vncunused <default>)\n\t\t\t(keymap (null))\n\t\t\t(sdl <default>)\n");
	fprintf(fh, "\t\t\t(opengl <default>)\n\t\t\t(nographic <default>)\n\t\t\t(spice <default>)\n");
	fprintf(fh, "\t\t\t(spiceport 0)\n\t\t\t(spicetls_port 0)\n\t\t\t(spicehost (null))\n");
	fprintf(fh, "\t\t\t(spicedisable_ticketing <default>)\n\t\t\t(spiceagent_mouse <default>)\n");
	fprintf(fh, "\t\t\t(device_model default)\n\t\t\t(gfx_passthru <default>)\n");
	fprintf(fh, "\t\t\t(serial (null))\n\t\t\t(boot %s)\n", str(b->u.hvm.boot));
	fprintf(fh, "\t\t\t(usb <default>)\n\t\t\t(usbdevice (null))\n\t\t)\n");
}

static void print_devices(int domid, const libxl_domain_config *d, FILE *fh)
{
	int i;

	for (i = 0; i < d->num_disks; i++) {
		const libxl_device_disk *k = &d->disks[i];

		fprintf(fh, "\t(device\n\t\t(tap\n");
		fprintf(fh, "\t\t\t(backend_domid %d)\n\t\t\t(frontend_domid %d)\n", (int)k->backend_domid,
			domid);
		fprintf(fh, "\t\t\t(physpath %s)\n\t\t\t(phystype %d)\n", str(k->pdev_path), (int)k->backend);
		fprintf(fh, "\t\t\t(virtpath %s)\n\t\t\t(unpluggable %d)\n", str(k->vdev), k->removable);
		fprintf(fh, "\t\t\t(readwrite %d)\n\t\t\t(is_cdrom %d)\n\t\t)\n\t)\n", k->readwrite,
			k->is_cdrom);
	}
	for (i = 0; i < d->num_nics; i++) {
		const libxl_device_nic *n = &d->nics[i];

		fprintf(fh, "\t(device\n\t\t(vif\n");
		if (n->ifname)
			fprintf(fh, "\t\t\t(vifname %s)\n", n->ifname);
		fprintf(fh, "\t\t\t(backend_domid %d)\n\t\t\t(frontend_domid %d)\n", (int)n->backend_domid,
			domid);
		fprintf(fh, "\t\t\t(devid %d)\n\t\t\t(mtu %d)\n\t\t\t(model %s)\n", n->devid, n->mtu,
			str(n->model));
		fprintf(fh, "\t\t\t(mac %02x%02x%02x%02x%02x%02x)\n\t\t)\n\t)\n", n->mac[0], n->mac[1],
			n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	}
}

int xl_print_sxp(int domid, const libxl_domain_config *d, FILE *fh)
{
	const libxl_domain_create_info *c = &d->c_info;
	const libxl_domain_build_info *b = &d->b_info;

	if (c->type != LIBXL_DOMAIN_TYPE_PV && c->type != LIBXL_DOMAIN_TYPE_HVM)
		return -EINVAL; /* Xen's xl has no SXP for PVH either */
	fprintf(fh, "(domain\n\t(domid %d)\n\t(create_info)\n", domid);
	fprintf(fh, "\t(hvm %d)\n\t(hap %s)\n\t(oos %s)\n", c->type == LIBXL_DOMAIN_TYPE_HVM, db(c->hap),
		db(c->oos));
	fprintf(fh, "\t(ssidref %d)\n\t(name %s)\n", (int)c->ssidref, str(c->name));
	/* Xen prints the uuid of the running domain: none in a dry run. */
	fprintf(fh, "\t(uuid <unknown>)\n");
	if (c->pool_name)
		fprintf(fh, "\t(cpupool %s)\n", c->pool_name);
	fprintf(fh, "\t(xsdata (null))\n\t(platformdata (null))\n");
	fprintf(fh, "\t(build_info)\n\t(max_vcpus %d)\n", b->max_vcpus);
	fprintf(fh, "\t(tsc_mode %s)\n", str(libxl_tsc_mode_to_string(b->tsc_mode)));
	fprintf(fh, "\t(max_memkb %" PRId64 ")\n\t(target_memkb %" PRId64 ")\n", (int64_t)b->max_memkb,
		(int64_t)b->target_memkb);
	fprintf(fh, "\t(nomigrate %s)\n\t(image\n", db(b->disable_migrate));
	if (c->type == LIBXL_DOMAIN_TYPE_HVM) {
		print_hvm(b, fh);
	} else {
		fprintf(fh, "\t\t(linux 0)\n\t\t\t(kernel %s)\n", str(b->kernel));
		fprintf(fh, "\t\t\t(cmdline %s)\n\t\t\t(ramdisk %s)\n", str(b->cmdline), str(b->ramdisk));
		fprintf(fh, "\t\t\t(e820_host %s)\n\t\t)\n", db(b->u.pv.e820_host));
	}
	fprintf(fh, "\t)\n");
	print_devices(domid, d, fh);
	fprintf(fh, ")\n");
	return ferror(fh) ? -EIO : 0;
}
