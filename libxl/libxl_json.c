/*
 * libxl_json.c: the domain configuration as JSON, the way Xen's libxl
 * prints it (libxl_domain_config_to_json), so `xl -N create` and `xl list -l`
 * read the same as on Xen.
 *
 * Xen's generator follows three rules, kept here:
 *  - a field still at its default is left out (strings: NULL; numbers: 0 or
 *    their documented default; defbools: unset; arrays: empty);
 *  - nested structs are always printed, even empty ("sched_params": {});
 *  - the build info's type union is printed under "type.<type>".
 * yajl's beautifier gives the layout (4-space indent, trailing newline).
 */
#include "libxl/libxl_types.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A JSON writer that latches the first error, so that generation reads as
 * a straight list of fields.
 */
struct jw {
	yajl_gen h;
	yajl_gen_status st;
};

static void jw_check(struct jw *w, yajl_gen_status st)
{
	if (w->st == yajl_gen_status_ok)
		w->st = st;
}

static void jw_key(struct jw *w, const char *key)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_string(w->h, (const unsigned char *)key, strlen(key));
}

static void jw_map_open(struct jw *w)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_map_open(w->h);
}

static void jw_map_close(struct jw *w)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_map_close(w->h);
}

static void jw_string(struct jw *w, const char *s)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_string(w->h, (const unsigned char *)s, strlen(s));
}

static void jw_integer(struct jw *w, long long v)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_integer(w->h, v);
}

/* Unsigned 64-bit values beyond long long are printed as a bare number. */
static void jw_u64(struct jw *w, uint64_t v)
{
	char buf[24];

	if (v <= (uint64_t)INT64_MAX) {
		jw_integer(w, (long long)v);
		return;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_number(w->h, buf, strlen(buf));
}

/* ---- fields, printed only when not at their default ------------------- */

static void field_str(struct jw *w, const char *key, const char *v)
{
	if (!v)
		return;
	jw_key(w, key);
	jw_string(w, v);
}

/* An integer printed unless it equals its default dflt. */
static void field_int(struct jw *w, const char *key, long long v, long long dflt)
{
	if (v == dflt)
		return;
	jw_key(w, key);
	jw_integer(w, v);
}

static void field_u64(struct jw *w, const char *key, uint64_t v, uint64_t dflt)
{
	if (v == dflt)
		return;
	jw_key(w, key);
	jw_u64(w, v);
}

static void field_bool(struct jw *w, const char *key, bool v)
{
	if (!v)
		return;
	jw_key(w, key);
	jw_check(w, yajl_gen_bool(w->h, 1));
}

static void field_defbool(struct jw *w, const char *key, libxl_defbool v)
{
	if (libxl_defbool_is_default(v))
		return;
	jw_key(w, key);
	jw_string(w, libxl_defbool_val(v) ? "True" : "False");
}

/* An enum printed by name unless it equals its default dflt. */
static void field_enum(struct jw *w, const char *key, const char *name, int v, int dflt)
{
	if (v == dflt)
		return;
	if (!name) {
		if (w->st == yajl_gen_status_ok)
			w->st = yajl_gen_invalid_string;
		return;
	}
	jw_key(w, key);
	jw_string(w, name);
}

static void gen_bitmap(struct jw *w, const libxl_bitmap *bm)
{
	unsigned bit;

	jw_check(w, yajl_gen_array_open(w->h));
	for (bit = 0; bit < libxl_bitmap_nr_bits(bm); bit++)
		if (libxl_bitmap_test(bm, bit))
			jw_integer(w, bit);
	jw_check(w, yajl_gen_array_close(w->h));
}

static void field_bitmap(struct jw *w, const char *key, const libxl_bitmap *bm)
{
	if (libxl_bitmap_is_empty(bm))
		return;
	jw_key(w, key);
	gen_bitmap(w, bm);
}

static void field_bitmap_array(struct jw *w, const char *key, const libxl_bitmap *maps, int n)
{
	int i;

	if (!maps || n <= 0)
		return;
	jw_key(w, key);
	jw_check(w, yajl_gen_array_open(w->h));
	for (i = 0; i < n; i++)
		gen_bitmap(w, &maps[i]);
	jw_check(w, yajl_gen_array_close(w->h));
}

static void field_string_list(struct jw *w, const char *key, const libxl_string_list *sl)
{
	int i, n = libxl_string_list_length(sl);

	if (n == 0)
		return;
	jw_key(w, key);
	jw_check(w, yajl_gen_array_open(w->h));
	for (i = 0; i < n; i++)
		jw_string(w, (*sl)[i]);
	jw_check(w, yajl_gen_array_close(w->h));
}

static void field_uuid(struct jw *w, const char *key, const libxl_uuid *uuid)
{
	char buf[LIBXL_UUID_FMTLEN + 1];

	if (libxl_uuid_is_nil(uuid))
		return;
	libxl_uuid_to_string(uuid, buf);
	field_str(w, key, buf);
}

static void field_mac(struct jw *w, const char *key, const libxl_mac mac)
{
	char buf[LIBXL_MAC_FMTLEN + 1];

	if (libxl_mac_is_default(mac))
		return;
	libxl_mac_to_string(mac, buf);
	field_str(w, key, buf);
}

/* ---- the structs, fields in Xen's order -------------------------------- */

static void gen_c_info(struct jw *w, const libxl_domain_create_info *p)
{
	jw_map_open(w);
	field_enum(w, "type", libxl_domain_type_to_string(p->type), p->type, LIBXL_DOMAIN_TYPE_INVALID);
	field_defbool(w, "hap", p->hap);
	field_defbool(w, "oos", p->oos);
	field_int(w, "ssidref", p->ssidref, 0);
	field_str(w, "ssid_label", p->ssid_label);
	field_str(w, "name", p->name);
	field_int(w, "domid", p->domid, 0);
	field_uuid(w, "uuid", &p->uuid);
	field_int(w, "poolid", p->poolid, 0);
	field_str(w, "pool_name", p->pool_name);
	field_defbool(w, "run_hotplug_scripts", p->run_hotplug_scripts);
	field_defbool(w, "driver_domain", p->driver_domain);
	jw_map_close(w);
}

static void gen_sched_params(struct jw *w, const libxl_domain_sched_params *p)
{
	jw_map_open(w);
	field_enum(w, "sched", libxl_scheduler_to_string(p->sched), p->sched, 0);
	field_int(w, "weight", p->weight, LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT);
	field_int(w, "cap", p->cap, LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT);
	field_int(w, "period", p->period, LIBXL_DOMAIN_SCHED_PARAM_PERIOD_DEFAULT);
	field_int(w, "budget", p->budget, LIBXL_DOMAIN_SCHED_PARAM_BUDGET_DEFAULT);
	field_int(w, "extratime", p->extratime, LIBXL_DOMAIN_SCHED_PARAM_EXTRATIME_DEFAULT);
	field_int(w, "slice", p->slice, LIBXL_DOMAIN_SCHED_PARAM_SLICE_DEFAULT);
	field_int(w, "latency", p->latency, LIBXL_DOMAIN_SCHED_PARAM_LATENCY_DEFAULT);
	jw_map_close(w);
}

static void empty_map(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_map_open(w);
	jw_map_close(w);
}

/* "type.pv": {...}: the union member selected by the build info's type. */
static void gen_type_union(struct jw *w, const libxl_domain_build_info *p)
{
	const char *name = libxl_domain_type_to_string(p->type);
	char key[32];

	if (!name) {
		jw_check(w, yajl_gen_invalid_string);
		return;
	}
	snprintf(key, sizeof(key), "type.%s", name);
	jw_key(w, key);
	jw_map_open(w);
	switch (p->type) {
	case LIBXL_DOMAIN_TYPE_PV:
		field_u64(w, "slack_memkb", p->u.pv.slack_memkb, LIBXL_MEMKB_DEFAULT);
		field_defbool(w, "e820_host", p->u.pv.e820_host);
		break;
	case LIBXL_DOMAIN_TYPE_HVM:
		field_str(w, "firmware", p->u.hvm.firmware);
		field_defbool(w, "pae", p->u.hvm.pae);
		/* Xen's nested structs, always printed (not modelled: empty). */
		empty_map(w, "vga");
		empty_map(w, "vnc");
		empty_map(w, "sdl");
		empty_map(w, "spice");
		field_str(w, "boot", p->u.hvm.boot);
		empty_map(w, "rdm");
		break;
	case LIBXL_DOMAIN_TYPE_PVH:
		field_defbool(w, "pvshim", p->u.pvh.pvshim);
		break;
	default:
		break;
	}
	jw_map_close(w);
}

static void gen_b_info_memory(struct jw *w, const libxl_domain_build_info *p)
{
	field_u64(w, "max_memkb", p->max_memkb, LIBXL_MEMKB_DEFAULT);
	field_u64(w, "target_memkb", p->target_memkb, LIBXL_MEMKB_DEFAULT);
	field_u64(w, "video_memkb", p->video_memkb, LIBXL_MEMKB_DEFAULT);
	field_u64(w, "shadow_memkb", p->shadow_memkb, LIBXL_MEMKB_DEFAULT);
}

static void gen_b_info(struct jw *w, const libxl_domain_build_info *p)
{
	jw_map_open(w);
	field_int(w, "max_vcpus", p->max_vcpus, 0);
	field_bitmap(w, "avail_vcpus", &p->avail_vcpus);
	field_bitmap(w, "cpumap", &p->cpumap);
	field_bitmap(w, "nodemap", &p->nodemap);
	field_bitmap_array(w, "vcpu_hard_affinity", p->vcpu_hard_affinity, p->num_vcpu_hard_affinity);
	field_bitmap_array(w, "vcpu_soft_affinity", p->vcpu_soft_affinity, p->num_vcpu_soft_affinity);
	field_defbool(w, "numa_placement", p->numa_placement);
	field_enum(w, "tsc_mode", libxl_tsc_mode_to_string(p->tsc_mode), p->tsc_mode, 0);
	gen_b_info_memory(w, p);
	field_int(w, "rtc_timeoffset", p->rtc_timeoffset, 0);
	field_defbool(w, "localtime", p->localtime);
	field_defbool(w, "disable_migrate", p->disable_migrate);
	field_str(w, "blkdev_start", p->blkdev_start);
	field_u64(w, "max_grant_frames", p->max_grant_frames, LIBXL_MAX_GRANT_DEFAULT);
	field_u64(w, "max_maptrack_frames", p->max_maptrack_frames, LIBXL_MAX_GRANT_DEFAULT);
	jw_key(w, "sched_params");
	gen_sched_params(w, &p->sched_params);
	field_defbool(w, "claim_mode", p->claim_mode);
	field_int(w, "event_channels", p->event_channels, 0);
	field_str(w, "kernel", p->kernel);
	field_str(w, "cmdline", p->cmdline);
	field_str(w, "ramdisk", p->ramdisk);
	field_str(w, "device_tree", p->device_tree);
	field_defbool(w, "acpi", p->acpi);
	field_str(w, "bootloader", p->bootloader);
	field_string_list(w, "bootloader_args", &p->bootloader_args);
	field_defbool(w, "nested_hvm", p->nested_hvm);
	field_defbool(w, "apic", p->apic);
	gen_type_union(w, p);
	/* Xen always prints its per-architecture structs, empty here. */
	empty_map(w, "arch_arm");
	empty_map(w, "arch_x86");
	field_int(w, "vmtrace_buf_kb", p->vmtrace_buf_kb, 0);
	field_defbool(w, "vpmu", p->vpmu);
	jw_map_close(w);
}

static void gen_disk(struct jw *w, const libxl_device_disk *p)
{
	jw_map_open(w);
	field_int(w, "backend_domid", p->backend_domid, 0);
	field_str(w, "backend_domname", p->backend_domname);
	field_str(w, "pdev_path", p->pdev_path);
	field_str(w, "vdev", p->vdev);
	field_enum(w, "backend", libxl_disk_backend_to_string(p->backend), p->backend, 0);
	field_enum(w, "format", libxl_disk_format_to_string(p->format), p->format, 0);
	field_str(w, "script", p->script);
	field_int(w, "removable", p->removable, 0);
	field_int(w, "readwrite", p->readwrite, 0);
	field_int(w, "is_cdrom", p->is_cdrom, 0);
	field_bool(w, "direct_io_safe", p->direct_io_safe);
	field_defbool(w, "discard_enable", p->discard_enable);
	field_enum(w, "specification", libxl_disk_specification_to_string(p->specification), p->specification,
		   0);
	field_defbool(w, "colo_enable", p->colo_enable);
	field_defbool(w, "colo_restore_enable", p->colo_restore_enable);
	field_str(w, "colo_host", p->colo_host);
	field_int(w, "colo_port", p->colo_port, 0);
	field_str(w, "colo_export", p->colo_export);
	field_str(w, "active_disk", p->active_disk);
	field_str(w, "hidden_disk", p->hidden_disk);
	field_defbool(w, "trusted", p->trusted);
	jw_map_close(w);
}

static void gen_nic(struct jw *w, const libxl_device_nic *p)
{
	jw_map_open(w);
	field_int(w, "backend_domid", p->backend_domid, 0);
	field_str(w, "backend_domname", p->backend_domname);
	field_int(w, "devid", p->devid, -1);
	field_int(w, "mtu", p->mtu, 0);
	field_str(w, "model", p->model);
	field_mac(w, "mac", p->mac);
	field_str(w, "ip", p->ip);
	field_str(w, "bridge", p->bridge);
	field_str(w, "ifname", p->ifname);
	field_str(w, "script", p->script);
	field_enum(w, "nictype", libxl_nic_type_to_string(p->nictype), p->nictype, 0);
	field_u64(w, "rate_bytes_per_interval", p->rate_bytes_per_interval, 0);
	field_int(w, "rate_interval_usecs", p->rate_interval_usecs, 0);
	field_str(w, "gatewaydev", p->gatewaydev);
	field_defbool(w, "trusted", p->trusted);
	jw_map_close(w);
}

static void field_action(struct jw *w, const char *key, libxl_action_on_shutdown a)
{
	field_enum(w, key, libxl_action_on_shutdown_to_string(a), a, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
}

static void gen_domain_config(struct jw *w, const libxl_domain_config *p)
{
	int i;

	jw_map_open(w);
	jw_key(w, "c_info");
	gen_c_info(w, &p->c_info);
	jw_key(w, "b_info");
	gen_b_info(w, &p->b_info);
	if (p->disks && p->num_disks > 0) {
		jw_key(w, "disks");
		jw_check(w, yajl_gen_array_open(w->h));
		for (i = 0; i < p->num_disks; i++)
			gen_disk(w, &p->disks[i]);
		jw_check(w, yajl_gen_array_close(w->h));
	}
	if (p->nics && p->num_nics > 0) {
		jw_key(w, "nics");
		jw_check(w, yajl_gen_array_open(w->h));
		for (i = 0; i < p->num_nics; i++)
			gen_nic(w, &p->nics[i]);
		jw_check(w, yajl_gen_array_close(w->h));
	}
	field_action(w, "on_poweroff", p->on_poweroff);
	field_action(w, "on_reboot", p->on_reboot);
	field_action(w, "on_watchdog", p->on_watchdog);
	field_action(w, "on_crash", p->on_crash);
	field_action(w, "on_soft_reset", p->on_soft_reset);
	jw_map_close(w);
}

/* ---- public entry points ---------------------------------------------- */

static int status_to_errno(yajl_gen_status st)
{
	return st == yajl_gen_status_ok ? 0 : -EINVAL;
}

int libxl_domain_config_gen_json(yajl_gen hand, const libxl_domain_config *p)
{
	struct jw w = {hand, yajl_gen_status_ok};

	gen_domain_config(&w, p);
	return status_to_errno(w.st);
}

int libxl_device_disk_gen_json(yajl_gen hand, const libxl_device_disk *p)
{
	struct jw w = {hand, yajl_gen_status_ok};

	gen_disk(&w, p);
	return status_to_errno(w.st);
}

int libxl_device_nic_gen_json(yajl_gen hand, const libxl_device_nic *p)
{
	struct jw w = {hand, yajl_gen_status_ok};

	gen_nic(&w, p);
	return status_to_errno(w.st);
}

int libxl_domain_config_to_json(const libxl_domain_config *p, char **json)
{
	const unsigned char *buf;
	size_t len;
	yajl_gen hand = yajl_gen_alloc(NULL);
	int rc;

	if (!hand)
		return -ENOMEM;
	yajl_gen_config(hand, yajl_gen_beautify, 1);
	yajl_gen_config(hand, yajl_gen_indent_string, "    ");
	rc = libxl_domain_config_gen_json(hand, p);
	if (rc == 0 && yajl_gen_get_buf(hand, &buf, &len) != yajl_gen_status_ok)
		rc = -ENOMEM;
	if (rc == 0) {
		*json = strndup((const char *)buf, len);
		if (!*json)
			rc = -ENOMEM;
	}
	yajl_gen_free(hand);
	return rc;
}
