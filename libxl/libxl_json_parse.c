/*
 * libxl_json_parse.c: a domain configuration from its JSON
 * (libxl_domain_config_from_json), the reverse of libxl_json.c: Xen's keys
 * and structure; keys Xenon does not model are ignored, so Xen's own JSON
 * reads too.
 */
#include "libxl/libxl_types.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

/* ---- from JSON ----------------------------------------------------------- */

/* A reader that latches the first error; "where" names the object read. */
struct jr {
	int rc;
	const char *where;
	char *err;
	size_t errlen;
};

static yajl_val jr_get(yajl_val obj, const char *key)
{
	const char *path[] = {key, NULL};

	return YAJL_IS_OBJECT(obj) ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

static void jr_fail(struct jr *r, const char *key, const char *what)
{
	if (r->rc)
		return;
	if (r->err && r->errlen)
		snprintf(r->err, r->errlen, "%s.%s: expected %s", r->where, key, what);
	r->rc = -EINVAL;
}

/* The string at key, or NULL (absent, or an error recorded). */
static const char *read_cstr(struct jr *r, yajl_val o, const char *key)
{
	yajl_val v = jr_get(o, key);

	if (v && !YAJL_IS_STRING(v))
		jr_fail(r, key, "a string");
	return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static void read_str(struct jr *r, yajl_val o, const char *key, char **field)
{
	const char *s = read_cstr(r, o, key);

	if (!s)
		return;
	free(*field);
	*field = strdup(s);
	if (!*field)
		r->rc = -ENOMEM;
}

/* An integer in [min, max]: true when present and valid. */
static bool read_ll(struct jr *r, yajl_val o, const char *key, long long min, long long max, long long *out)
{
	yajl_val v = jr_get(o, key);

	if (!v)
		return false;
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max) {
		jr_fail(r, key, "an integer in range");
		return false;
	}
	*out = YAJL_GET_INTEGER(v);
	return true;
}

#define READ_INT(r, o, key, min, max, field)                                                                 \
	do {                                                                                                 \
		long long v_;                                                                                \
		if (read_ll((r), (o), (key), (min), (max), &v_))                                             \
			(field) = v_;                                                                        \
	} while (0)

/* Unsigned 64-bit: an integer, or a bare number beyond long long. */
static void read_u64(struct jr *r, yajl_val o, const char *key, uint64_t *field)
{
	yajl_val v = jr_get(o, key);
	char *end;

	if (!v)
		return;
	if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0) {
		*field = (uint64_t)YAJL_GET_INTEGER(v);
		return;
	}
	if (YAJL_IS_NUMBER(v) && YAJL_GET_NUMBER(v) && YAJL_GET_NUMBER(v)[0] != '-') {
		errno = 0;
		*field = strtoull(YAJL_GET_NUMBER(v), &end, 10);
		if (!errno && !*end)
			return;
	}
	jr_fail(r, key, "an unsigned integer");
}

static void read_bool(struct jr *r, yajl_val o, const char *key, bool *field)
{
	yajl_val v = jr_get(o, key);

	if (v && !YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		jr_fail(r, key, "true or false");
	else if (v)
		*field = YAJL_IS_TRUE(v);
}

static void read_defbool(struct jr *r, yajl_val o, const char *key, libxl_defbool *field)
{
	const char *s = read_cstr(r, o, key);

	if (!s)
		return;
	if (!strcmp(s, "True"))
		libxl_defbool_set(field, true);
	else if (!strcmp(s, "False"))
		libxl_defbool_set(field, false);
	else if (!strcmp(s, "<default>"))
		libxl_defbool_unset(field);
	else
		jr_fail(r, key, "\"True\" or \"False\"");
}

/* Check an enum lookup: rc from X_from_string. */
static void enum_ok(struct jr *r, const char *key, int rc)
{
	if (rc < 0)
		jr_fail(r, key, "a known name");
}

static void read_bitmap_val(struct jr *r, yajl_val v, const char *key, libxl_bitmap *bm)
{
	size_t i;

	if (!YAJL_IS_ARRAY(v)) {
		jr_fail(r, key, "an array of CPU numbers");
		return;
	}
	libxl_bitmap_dispose(bm);
	for (i = 0; i < v->u.array.len && !r->rc; i++) {
		yajl_val bit = v->u.array.values[i];

		if (!YAJL_IS_INTEGER(bit) || YAJL_GET_INTEGER(bit) < 0 || YAJL_GET_INTEGER(bit) >= (1 << 20))
			jr_fail(r, key, "an array of CPU numbers");
		else if (libxl_bitmap_set(bm, (unsigned)YAJL_GET_INTEGER(bit)) < 0)
			r->rc = -ENOMEM;
	}
}

static void read_bitmap(struct jr *r, yajl_val o, const char *key, libxl_bitmap *bm)
{
	yajl_val v = jr_get(o, key);

	if (v)
		read_bitmap_val(r, v, key, bm);
}

static void read_affinity(struct jr *r, yajl_val o, const char *key, libxl_bitmap **maps, int *num)
{
	yajl_val v = jr_get(o, key);
	size_t i;

	if (!v)
		return;
	if (!YAJL_IS_ARRAY(v) || v->u.array.len > 4096) {
		jr_fail(r, key, "an array of CPU arrays");
		return;
	}
	*maps = calloc(v->u.array.len ? v->u.array.len : 1, sizeof(**maps));
	if (!*maps) {
		r->rc = -ENOMEM;
		return;
	}
	*num = (int)v->u.array.len;
	for (i = 0; i < v->u.array.len && !r->rc; i++)
		read_bitmap_val(r, v->u.array.values[i], key, &(*maps)[i]);
}

static void read_string_list(struct jr *r, yajl_val o, const char *key, libxl_string_list *sl)
{
	yajl_val v = jr_get(o, key);
	size_t i;

	if (!v)
		return;
	if (!YAJL_IS_ARRAY(v)) {
		jr_fail(r, key, "an array of strings");
		return;
	}
	libxl_string_list_dispose(sl);
	for (i = 0; i < v->u.array.len && !r->rc; i++) {
		if (!YAJL_IS_STRING(v->u.array.values[i]))
			jr_fail(r, key, "an array of strings");
		else if (libxl_string_list_append(sl, YAJL_GET_STRING(v->u.array.values[i])) < 0)
			r->rc = -ENOMEM;
	}
}

static void read_c_info(struct jr *r, yajl_val o, libxl_domain_create_info *p)
{
	const char *s;

	r->where = "c_info";
	if ((s = read_cstr(r, o, "type")))
		enum_ok(r, "type", libxl_domain_type_from_string(s, &p->type));
	read_defbool(r, o, "hap", &p->hap);
	read_defbool(r, o, "oos", &p->oos);
	READ_INT(r, o, "ssidref", 0, UINT32_MAX, p->ssidref);
	read_str(r, o, "ssid_label", &p->ssid_label);
	read_str(r, o, "name", &p->name);
	READ_INT(r, o, "domid", 0, UINT32_MAX, p->domid);
	if ((s = read_cstr(r, o, "uuid")) && libxl_uuid_from_string(&p->uuid, s) < 0)
		jr_fail(r, "uuid", "a UUID");
	READ_INT(r, o, "poolid", 0, UINT32_MAX, p->poolid);
	read_str(r, o, "pool_name", &p->pool_name);
	read_defbool(r, o, "run_hotplug_scripts", &p->run_hotplug_scripts);
	read_defbool(r, o, "driver_domain", &p->driver_domain);
}

static void read_sched_params(struct jr *r, yajl_val o, libxl_domain_sched_params *p)
{
	const char *s;

	r->where = "b_info.sched_params";
	if ((s = read_cstr(r, o, "sched")))
		enum_ok(r, "sched", libxl_scheduler_from_string(s, &p->sched));
	READ_INT(r, o, "weight", INT_MIN, INT_MAX, p->weight);
	READ_INT(r, o, "cap", INT_MIN, INT_MAX, p->cap);
	READ_INT(r, o, "period", INT_MIN, INT_MAX, p->period);
	READ_INT(r, o, "budget", INT_MIN, INT_MAX, p->budget);
	READ_INT(r, o, "extratime", INT_MIN, INT_MAX, p->extratime);
	READ_INT(r, o, "slice", INT_MIN, INT_MAX, p->slice);
	READ_INT(r, o, "latency", INT_MIN, INT_MAX, p->latency);
}

/* "type.pv": {...} and friends: the key sets the union's type. */
static void read_type_union(struct jr *r, yajl_val o, libxl_domain_build_info *p)
{
	libxl_domain_type t;
	yajl_val u = NULL;
	size_t i;

	for (i = 0; YAJL_IS_OBJECT(o) && i < o->u.object.len && !u; i++) {
		const char *key = o->u.object.keys[i];

		if (!strncmp(key, "type.", 5)) {
			if (libxl_domain_type_from_string(key + 5, &t) < 0) {
				jr_fail(r, key, "a known domain type");
				return;
			}
			u = o->u.object.values[i];
		}
	}
	if (!u)
		return;
	libxl_domain_build_info_init_type(p, t);
	r->where = "b_info.type";
	if (t == LIBXL_DOMAIN_TYPE_PV) {
		read_u64(r, u, "slack_memkb", &p->u.pv.slack_memkb);
		read_defbool(r, u, "e820_host", &p->u.pv.e820_host);
	} else if (t == LIBXL_DOMAIN_TYPE_HVM) {
		read_str(r, u, "firmware", &p->u.hvm.firmware);
		read_defbool(r, u, "pae", &p->u.hvm.pae);
		read_str(r, u, "boot", &p->u.hvm.boot);
	} else if (t == LIBXL_DOMAIN_TYPE_PVH) {
		read_defbool(r, u, "pvshim", &p->u.pvh.pvshim);
	}
}

static void read_b_info(struct jr *r, yajl_val o, libxl_domain_build_info *p)
{
	const char *s;

	r->where = "b_info";
	READ_INT(r, o, "max_vcpus", 0, INT_MAX, p->max_vcpus);
	read_bitmap(r, o, "avail_vcpus", &p->avail_vcpus);
	read_bitmap(r, o, "cpumap", &p->cpumap);
	read_bitmap(r, o, "nodemap", &p->nodemap);
	read_affinity(r, o, "vcpu_hard_affinity", &p->vcpu_hard_affinity, &p->num_vcpu_hard_affinity);
	read_affinity(r, o, "vcpu_soft_affinity", &p->vcpu_soft_affinity, &p->num_vcpu_soft_affinity);
	read_defbool(r, o, "numa_placement", &p->numa_placement);
	if ((s = read_cstr(r, o, "tsc_mode")))
		enum_ok(r, "tsc_mode", libxl_tsc_mode_from_string(s, &p->tsc_mode));
	read_u64(r, o, "max_memkb", &p->max_memkb);
	read_u64(r, o, "target_memkb", &p->target_memkb);
	read_u64(r, o, "video_memkb", &p->video_memkb);
	read_u64(r, o, "shadow_memkb", &p->shadow_memkb);
	READ_INT(r, o, "rtc_timeoffset", 0, UINT32_MAX, p->rtc_timeoffset);
	read_defbool(r, o, "localtime", &p->localtime);
	read_defbool(r, o, "disable_migrate", &p->disable_migrate);
	read_str(r, o, "blkdev_start", &p->blkdev_start);
	READ_INT(r, o, "max_grant_frames", 0, UINT32_MAX, p->max_grant_frames);
	READ_INT(r, o, "max_maptrack_frames", 0, UINT32_MAX, p->max_maptrack_frames);
	read_defbool(r, o, "claim_mode", &p->claim_mode);
	READ_INT(r, o, "event_channels", 0, UINT32_MAX, p->event_channels);
	read_str(r, o, "kernel", &p->kernel);
	read_str(r, o, "cmdline", &p->cmdline);
	read_str(r, o, "ramdisk", &p->ramdisk);
	read_str(r, o, "device_tree", &p->device_tree);
	read_defbool(r, o, "acpi", &p->acpi);
	read_str(r, o, "bootloader", &p->bootloader);
	read_string_list(r, o, "bootloader_args", &p->bootloader_args);
	read_defbool(r, o, "nested_hvm", &p->nested_hvm);
	read_defbool(r, o, "apic", &p->apic);
	READ_INT(r, o, "vmtrace_buf_kb", 0, INT_MAX, p->vmtrace_buf_kb);
	read_defbool(r, o, "vpmu", &p->vpmu);
	read_sched_params(r, jr_get(o, "sched_params"), &p->sched_params);
	read_type_union(r, o, p);
}

static void read_disk(struct jr *r, yajl_val o, libxl_device_disk *p)
{
	const char *s;

	r->where = "disks[]";
	READ_INT(r, o, "backend_domid", 0, UINT32_MAX, p->backend_domid);
	read_str(r, o, "backend_domname", &p->backend_domname);
	read_str(r, o, "pdev_path", &p->pdev_path);
	read_str(r, o, "vdev", &p->vdev);
	if ((s = read_cstr(r, o, "backend")))
		enum_ok(r, "backend", libxl_disk_backend_from_string(s, &p->backend));
	if ((s = read_cstr(r, o, "format")))
		enum_ok(r, "format", libxl_disk_format_from_string(s, &p->format));
	read_str(r, o, "script", &p->script);
	READ_INT(r, o, "removable", INT_MIN, INT_MAX, p->removable);
	READ_INT(r, o, "readwrite", INT_MIN, INT_MAX, p->readwrite);
	READ_INT(r, o, "is_cdrom", INT_MIN, INT_MAX, p->is_cdrom);
	read_bool(r, o, "direct_io_safe", &p->direct_io_safe);
	read_defbool(r, o, "discard_enable", &p->discard_enable);
	if ((s = read_cstr(r, o, "specification")))
		enum_ok(r, "specification", libxl_disk_specification_from_string(s, &p->specification));
	read_defbool(r, o, "colo_enable", &p->colo_enable);
	read_defbool(r, o, "colo_restore_enable", &p->colo_restore_enable);
	read_str(r, o, "colo_host", &p->colo_host);
	READ_INT(r, o, "colo_port", 0, 65535, p->colo_port);
	read_str(r, o, "colo_export", &p->colo_export);
	read_str(r, o, "active_disk", &p->active_disk);
	read_str(r, o, "hidden_disk", &p->hidden_disk);
	read_defbool(r, o, "trusted", &p->trusted);
}

static void read_nic(struct jr *r, yajl_val o, libxl_device_nic *p)
{
	const char *s;

	r->where = "nics[]";
	READ_INT(r, o, "backend_domid", 0, UINT32_MAX, p->backend_domid);
	read_str(r, o, "backend_domname", &p->backend_domname);
	READ_INT(r, o, "devid", -1, INT_MAX, p->devid);
	READ_INT(r, o, "mtu", 0, INT_MAX, p->mtu);
	read_str(r, o, "model", &p->model);
	if ((s = read_cstr(r, o, "mac")) && libxl_mac_from_string(p->mac, s) < 0)
		jr_fail(r, "mac", "a MAC address");
	read_str(r, o, "ip", &p->ip);
	read_str(r, o, "bridge", &p->bridge);
	read_str(r, o, "ifname", &p->ifname);
	read_str(r, o, "script", &p->script);
	if ((s = read_cstr(r, o, "nictype")))
		enum_ok(r, "nictype", libxl_nic_type_from_string(s, &p->nictype));
	read_u64(r, o, "rate_bytes_per_interval", &p->rate_bytes_per_interval);
	READ_INT(r, o, "rate_interval_usecs", 0, UINT32_MAX, p->rate_interval_usecs);
	read_str(r, o, "gatewaydev", &p->gatewaydev);
	read_defbool(r, o, "trusted", &p->trusted);
}

static void read_devices(struct jr *r, yajl_val o, libxl_domain_config *p)
{
	yajl_val disks = jr_get(o, "disks"), nics = jr_get(o, "nics");
	libxl_device_disk *disk;
	libxl_device_nic *nic;
	size_t i;

	r->where = "config";
	if ((disks && !YAJL_IS_ARRAY(disks)) || (nics && !YAJL_IS_ARRAY(nics))) {
		jr_fail(r, disks && !YAJL_IS_ARRAY(disks) ? "disks" : "nics", "an array");
		return;
	}
	for (i = 0; disks && i < disks->u.array.len && !r->rc; i++) {
		if (libxl_domain_config_add_disk(p, &disk) < 0)
			r->rc = -ENOMEM;
		else
			read_disk(r, disks->u.array.values[i], disk);
	}
	for (i = 0; nics && i < nics->u.array.len && !r->rc; i++) {
		if (libxl_domain_config_add_nic(p, &nic) < 0)
			r->rc = -ENOMEM;
		else
			read_nic(r, nics->u.array.values[i], nic);
	}
}

static void read_action(struct jr *r, yajl_val o, const char *key, libxl_action_on_shutdown *a)
{
	const char *s = read_cstr(r, o, key);

	if (s)
		enum_ok(r, key, libxl_action_on_shutdown_from_string(s, a));
}

int libxl_domain_config_from_json(libxl_domain_config *p, const char *json, char *err, size_t errlen)
{
	struct jr r = {.where = "config", .err = err, .errlen = errlen};
	char msg[128] = "";
	yajl_val root = yajl_tree_parse(json, msg, sizeof(msg));

	if (!root || !YAJL_IS_OBJECT(root)) {
		if (err && errlen)
			snprintf(err, errlen, "not a JSON object%s%s", msg[0] ? ": " : "", msg);
		yajl_tree_free(root);
		return -EINVAL;
	}
	read_c_info(&r, jr_get(root, "c_info"), &p->c_info);
	read_b_info(&r, jr_get(root, "b_info"), &p->b_info);
	read_devices(&r, root, p);
	r.where = "config";
	read_action(&r, root, "on_poweroff", &p->on_poweroff);
	read_action(&r, root, "on_reboot", &p->on_reboot);
	read_action(&r, root, "on_watchdog", &p->on_watchdog);
	read_action(&r, root, "on_crash", &p->on_crash);
	read_action(&r, root, "on_soft_reset", &p->on_soft_reset);
	yajl_tree_free(root);
	return r.rc;
}
