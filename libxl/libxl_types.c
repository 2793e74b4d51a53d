/*
 * libxl_types.c: init/dispose of the domain configuration types and their
 * enum <-> string tables (see libxl_types.h).
 */
#include "libxl/libxl_types.h"
#include "strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

#include <uuid/uuid.h>

/* ---- enum tables ------------------------------------------------------ */

struct enum_name {
	const char *s;
	int v;
};

#define ENUM_END                                                                                             \
	{                                                                                                    \
		NULL, 0                                                                                      \
	}

static const char *enum_to_string(const struct enum_name *t, int v)
{
	for (; t->s; t++)
		if (t->v == v)
			return t->s;
	return NULL;
}

static int enum_from_string(const struct enum_name *t, const char *s, int *v)
{
	if (!s)
		return -EINVAL;
	for (; t->s; t++) {
		if (!strcasecmp(t->s, s)) {
			*v = t->v;
			return 0;
		}
	}
	return -EINVAL;
}

/* Define name_to_string / name_from_string over the table name_names. */
#define ENUM_FUNCS(name)                                                                                     \
	const char *name##_to_string(name v)                                                                 \
	{                                                                                                    \
		return enum_to_string(name##_names, (int)v);                                                 \
	}                                                                                                    \
	int name##_from_string(const char *s, name *v)                                                       \
	{                                                                                                    \
		int i, rc = enum_from_string(name##_names, s, &i);                                           \
		if (rc == 0)                                                                                 \
			*v = (name)i;                                                                        \
		return rc;                                                                                   \
	}

static const struct enum_name libxl_domain_type_names[] = {
    {"invalid", LIBXL_DOMAIN_TYPE_INVALID},
    {"hvm", LIBXL_DOMAIN_TYPE_HVM},
    {"pv", LIBXL_DOMAIN_TYPE_PV},
    {"pvh", LIBXL_DOMAIN_TYPE_PVH},
    ENUM_END,
};
ENUM_FUNCS(libxl_domain_type)

static const struct enum_name libxl_disk_format_names[] = {
    {"unknown", LIBXL_DISK_FORMAT_UNKNOWN}, {"qcow", LIBXL_DISK_FORMAT_QCOW},
    {"qcow2", LIBXL_DISK_FORMAT_QCOW2},	    {"vhd", LIBXL_DISK_FORMAT_VHD},
    {"raw", LIBXL_DISK_FORMAT_RAW},	    {"empty", LIBXL_DISK_FORMAT_EMPTY},
    {"qed", LIBXL_DISK_FORMAT_QED},	    ENUM_END,
};
ENUM_FUNCS(libxl_disk_format)

static const struct enum_name libxl_disk_backend_names[] = {
    {"unknown", LIBXL_DISK_BACKEND_UNKNOWN},
    {"phy", LIBXL_DISK_BACKEND_PHY},
    {"tap", LIBXL_DISK_BACKEND_TAP},
    {"qdisk", LIBXL_DISK_BACKEND_QDISK},
    {"standalone", LIBXL_DISK_BACKEND_STANDALONE},
    ENUM_END,
};
ENUM_FUNCS(libxl_disk_backend)

static const struct enum_name libxl_disk_specification_names[] = {
    {"unknown", LIBXL_DISK_SPECIFICATION_UNKNOWN},
    {"xen", LIBXL_DISK_SPECIFICATION_XEN},
    {"virtio", LIBXL_DISK_SPECIFICATION_VIRTIO},
    ENUM_END,
};
ENUM_FUNCS(libxl_disk_specification)

static const struct enum_name libxl_nic_type_names[] = {
    {"unknown", LIBXL_NIC_TYPE_UNKNOWN},
    {"vif_ioemu", LIBXL_NIC_TYPE_VIF_IOEMU},
    {"vif", LIBXL_NIC_TYPE_VIF},
    ENUM_END,
};
ENUM_FUNCS(libxl_nic_type)

static const struct enum_name libxl_action_on_shutdown_names[] = {
    {"destroy", LIBXL_ACTION_ON_SHUTDOWN_DESTROY},
    {"restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART},
    {"restart_rename", LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME},
    {"preserve", LIBXL_ACTION_ON_SHUTDOWN_PRESERVE},
    {"coredump_destroy", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY},
    {"coredump_restart", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART},
    {"soft_reset", LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET},
    ENUM_END,
};
ENUM_FUNCS(libxl_action_on_shutdown)

/* xl.cfg(5) spells the shutdown actions differently from the JSON. */
static const struct enum_name action_cfg_names[] = {
    {"destroy", LIBXL_ACTION_ON_SHUTDOWN_DESTROY},
    {"restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART},
    {"rename-restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME},
    {"preserve", LIBXL_ACTION_ON_SHUTDOWN_PRESERVE},
    {"coredump-destroy", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY},
    {"coredump-restart", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART},
    {"soft-reset", LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET},
    ENUM_END,
};

const char *libxl_action_on_shutdown_to_cfg(libxl_action_on_shutdown v)
{
	return enum_to_string(action_cfg_names, (int)v);
}

int libxl_action_on_shutdown_from_cfg(const char *s, libxl_action_on_shutdown *v)
{
	const struct enum_name *t;

	/* Exact match, as xl: "Destroy" is not an action. */
	for (t = action_cfg_names; s && t->s; t++) {
		if (!strcmp(t->s, s)) {
			*v = (libxl_action_on_shutdown)t->v;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct enum_name libxl_shutdown_reason_names[] = {
    {"unknown", LIBXL_SHUTDOWN_REASON_UNKNOWN},	      {"poweroff", LIBXL_SHUTDOWN_REASON_POWEROFF},
    {"reboot", LIBXL_SHUTDOWN_REASON_REBOOT},	      {"suspend", LIBXL_SHUTDOWN_REASON_SUSPEND},
    {"crash", LIBXL_SHUTDOWN_REASON_CRASH},	      {"watchdog", LIBXL_SHUTDOWN_REASON_WATCHDOG},
    {"soft_reset", LIBXL_SHUTDOWN_REASON_SOFT_RESET}, ENUM_END,
};
ENUM_FUNCS(libxl_shutdown_reason)

static const struct enum_name libxl_tsc_mode_names[] = {
    {"default", LIBXL_TSC_MODE_DEFAULT},
    {"always_emulate", LIBXL_TSC_MODE_ALWAYS_EMULATE},
    {"native", LIBXL_TSC_MODE_NATIVE},
    {"native_paravirt", LIBXL_TSC_MODE_NATIVE_PARAVIRT},
    ENUM_END,
};
ENUM_FUNCS(libxl_tsc_mode)

static const struct enum_name libxl_scheduler_names[] = {
    {"unknown", LIBXL_SCHEDULER_UNKNOWN},   {"sedf", LIBXL_SCHEDULER_SEDF},
    {"credit", LIBXL_SCHEDULER_CREDIT},	    {"credit2", LIBXL_SCHEDULER_CREDIT2},
    {"arinc653", LIBXL_SCHEDULER_ARINC653}, {"rtds", LIBXL_SCHEDULER_RTDS},
    {"null", LIBXL_SCHEDULER_NULL},	    ENUM_END,
};
ENUM_FUNCS(libxl_scheduler)

/* ---- string lists ----------------------------------------------------- */

void libxl_string_list_dispose(libxl_string_list *sl)
{
	char **p;

	if (!*sl)
		return;
	for (p = *sl; *p; p++)
		free(*p);
	free(*sl);
	*sl = NULL;
}

int libxl_string_list_length(const libxl_string_list *sl)
{
	int n = 0;

	if (*sl)
		while ((*sl)[n])
			n++;
	return n;
}

int libxl_string_list_append(libxl_string_list *sl, const char *s)
{
	int n = libxl_string_list_length(sl);
	char **grown, *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	grown = realloc(*sl, (n + 2) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	grown[n] = copy;
	grown[n + 1] = NULL;
	*sl = grown;
	return 0;
}

/* ---- structs ---------------------------------------------------------- */

void libxl_domain_create_info_init(libxl_domain_create_info *p)
{
	memset(p, 0, sizeof(*p));
	p->type = LIBXL_DOMAIN_TYPE_INVALID;
}

void libxl_domain_create_info_dispose(libxl_domain_create_info *p)
{
	free(p->ssid_label);
	free(p->name);
	free(p->pool_name);
	memset(p, 0, sizeof(*p));
}

void libxl_domain_sched_params_init(libxl_domain_sched_params *p)
{
	p->sched = LIBXL_SCHEDULER_UNKNOWN;
	p->weight = LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT;
	p->cap = LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT;
	p->period = LIBXL_DOMAIN_SCHED_PARAM_PERIOD_DEFAULT;
	p->budget = LIBXL_DOMAIN_SCHED_PARAM_BUDGET_DEFAULT;
	p->extratime = LIBXL_DOMAIN_SCHED_PARAM_EXTRATIME_DEFAULT;
	p->slice = LIBXL_DOMAIN_SCHED_PARAM_SLICE_DEFAULT;
	p->latency = LIBXL_DOMAIN_SCHED_PARAM_LATENCY_DEFAULT;
}

void libxl_domain_sched_params_dispose(libxl_domain_sched_params *p)
{
	libxl_domain_sched_params_init(p);
}

void libxl_domain_build_info_init(libxl_domain_build_info *p)
{
	memset(p, 0, sizeof(*p));
	p->max_memkb = LIBXL_MEMKB_DEFAULT;
	p->target_memkb = LIBXL_MEMKB_DEFAULT;
	p->video_memkb = LIBXL_MEMKB_DEFAULT;
	p->shadow_memkb = LIBXL_MEMKB_DEFAULT;
	p->max_grant_frames = LIBXL_MAX_GRANT_DEFAULT;
	p->max_maptrack_frames = LIBXL_MAX_GRANT_DEFAULT;
	libxl_domain_sched_params_init(&p->sched_params);
	p->type = LIBXL_DOMAIN_TYPE_INVALID;
}

void libxl_domain_build_info_init_type(libxl_domain_build_info *p, libxl_domain_type type)
{
	p->type = type;
	memset(&p->u, 0, sizeof(p->u));
	if (type == LIBXL_DOMAIN_TYPE_PV)
		p->u.pv.slack_memkb = LIBXL_MEMKB_DEFAULT;
}

static void free_affinity(libxl_bitmap **maps, int *num)
{
	int i;

	for (i = 0; *maps && i < *num; i++)
		libxl_bitmap_dispose(&(*maps)[i]);
	free(*maps);
	*maps = NULL;
	*num = 0;
}

void libxl_domain_build_info_dispose(libxl_domain_build_info *p)
{
	libxl_bitmap_dispose(&p->avail_vcpus);
	libxl_bitmap_dispose(&p->cpumap);
	libxl_bitmap_dispose(&p->nodemap);
	free_affinity(&p->vcpu_hard_affinity, &p->num_vcpu_hard_affinity);
	free_affinity(&p->vcpu_soft_affinity, &p->num_vcpu_soft_affinity);
	free(p->blkdev_start);
	free(p->kernel);
	free(p->cmdline);
	free(p->ramdisk);
	free(p->device_tree);
	free(p->bootloader);
	libxl_string_list_dispose(&p->bootloader_args);
	if (p->type == LIBXL_DOMAIN_TYPE_HVM) {
		free(p->u.hvm.firmware);
		free(p->u.hvm.boot);
	}
	memset(p, 0, sizeof(*p));
}

void libxl_device_disk_init(libxl_device_disk *p)
{
	memset(p, 0, sizeof(*p));
}

void libxl_device_disk_dispose(libxl_device_disk *p)
{
	free(p->backend_domname);
	free(p->pdev_path);
	free(p->vdev);
	free(p->script);
	free(p->colo_host);
	free(p->colo_export);
	free(p->active_disk);
	free(p->hidden_disk);
	memset(p, 0, sizeof(*p));
}

void libxl_device_nic_init(libxl_device_nic *p)
{
	memset(p, 0, sizeof(*p));
	p->devid = -1;
}

void libxl_device_nic_dispose(libxl_device_nic *p)
{
	free(p->backend_domname);
	free(p->model);
	free(p->ip);
	free(p->bridge);
	free(p->ifname);
	free(p->script);
	free(p->gatewaydev);
	memset(p, 0, sizeof(*p));
}

void libxl_domain_config_init(libxl_domain_config *p)
{
	memset(p, 0, sizeof(*p));
	libxl_domain_create_info_init(&p->c_info);
	libxl_domain_build_info_init(&p->b_info);
	p->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	p->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	p->on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	p->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	p->on_soft_reset = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
}

void libxl_domain_config_dispose(libxl_domain_config *p)
{
	int i;

	libxl_domain_create_info_dispose(&p->c_info);
	libxl_domain_build_info_dispose(&p->b_info);
	for (i = 0; i < p->num_disks; i++)
		libxl_device_disk_dispose(&p->disks[i]);
	free(p->disks);
	for (i = 0; i < p->num_nics; i++)
		libxl_device_nic_dispose(&p->nics[i]);
	free(p->nics);
	memset(p, 0, sizeof(*p));
}

int libxl_domain_config_add_disk(libxl_domain_config *p, libxl_device_disk **out)
{
	libxl_device_disk *grown = realloc(p->disks, (p->num_disks + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	p->disks = grown;
	*out = &grown[p->num_disks++];
	libxl_device_disk_init(*out);
	return 0;
}

int libxl_domain_config_add_nic(libxl_domain_config *p, libxl_device_nic **out)
{
	libxl_device_nic *grown = realloc(p->nics, (p->num_nics + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	p->nics = grown;
	*out = &grown[p->num_nics++];
	libxl_device_nic_init(*out);
	return 0;
}

/* ---- builtin types ---------------------------------------------------- */

void libxl_defbool_set(libxl_defbool *db, bool b)
{
	db->val = b ? 1 : -1;
}

void libxl_defbool_unset(libxl_defbool *db)
{
	db->val = 0;
}

bool libxl_defbool_is_default(libxl_defbool db)
{
	return db.val == 0;
}

void libxl_defbool_setdefault(libxl_defbool *db, bool b)
{
	if (db->val == 0)
		libxl_defbool_set(db, b);
}

bool libxl_defbool_val(libxl_defbool db)
{
	return db.val > 0;
}

void libxl_uuid_generate(libxl_uuid *uuid)
{
	uuid_generate(uuid->bytes);
}

int libxl_uuid_from_string(libxl_uuid *uuid, const char *in)
{
	if (!in || strlen(in) != LIBXL_UUID_FMTLEN || uuid_parse(in, uuid->bytes) < 0)
		return -EINVAL;
	return 0;
}

void libxl_uuid_to_string(const libxl_uuid *uuid, char *buf)
{
	uuid_unparse_lower(uuid->bytes, buf);
}

bool libxl_uuid_is_nil(const libxl_uuid *uuid)
{
	return uuid_is_null(uuid->bytes);
}

void libxl_uuid_clear(libxl_uuid *uuid)
{
	uuid_clear(uuid->bytes);
}

int libxl_mac_from_string(libxl_mac mac, const char *in)
{
	libxl_mac out;
	int i;

	if (!in || strlen(in) != LIBXL_MAC_FMTLEN)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *p = in + 3 * i;
		int hi = hex_digit_value(p[0]), lo = hex_digit_value(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && p[2] != ':' && p[2] != '-')
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, out, sizeof(out));
	return 0;
}

void libxl_mac_to_string(const libxl_mac mac, char *buf)
{
	snprintf(buf, LIBXL_MAC_FMTLEN + 1, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

bool libxl_mac_is_default(const libxl_mac mac)
{
	static const libxl_mac zero;

	return !memcmp(mac, zero, sizeof(zero));
}

void libxl_bitmap_init(libxl_bitmap *bm)
{
	bm->size = 0;
	bm->map = NULL;
}

void libxl_bitmap_dispose(libxl_bitmap *bm)
{
	free(bm->map);
	libxl_bitmap_init(bm);
}

int libxl_bitmap_alloc(libxl_bitmap *bm, unsigned nr_bits)
{
	uint32_t bytes = (nr_bits + 7) / 8;
	uint8_t *grown;

	if (bytes <= bm->size)
		return 0;
	grown = realloc(bm->map, bytes);
	if (!grown)
		return -ENOMEM;
	memset(grown + bm->size, 0, bytes - bm->size);
	bm->map = grown;
	bm->size = bytes;
	return 0;
}

int libxl_bitmap_set(libxl_bitmap *bm, unsigned bit)
{
	int rc = libxl_bitmap_alloc(bm, bit + 1);

	if (rc < 0)
		return rc;
	bm->map[bit / 8] |= (uint8_t)(1u << (bit % 8));
	return 0;
}

void libxl_bitmap_reset(libxl_bitmap *bm, unsigned bit)
{
	if (bit / 8 < bm->size)
		bm->map[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

bool libxl_bitmap_test(const libxl_bitmap *bm, unsigned bit)
{
	return bit / 8 < bm->size && (bm->map[bit / 8] >> (bit % 8)) & 1;
}

void libxl_bitmap_set_any(libxl_bitmap *bm)
{
	if (bm->map)
		memset(bm->map, 0xff, bm->size);
}

bool libxl_bitmap_is_empty(const libxl_bitmap *bm)
{
	return libxl_bitmap_count_set(bm) == 0;
}

unsigned libxl_bitmap_count_set(const libxl_bitmap *bm)
{
	unsigned i, n = 0;

	for (i = 0; i < bm->size; i++)
		n += (unsigned)__builtin_popcount(bm->map[i]);
	return n;
}

int libxl_bitmap_copy(libxl_bitmap *dst, const libxl_bitmap *src)
{
	uint8_t *map = NULL;

	if (src->size) {
		map = malloc(src->size);
		if (!map)
			return -ENOMEM;
		memcpy(map, src->map, src->size);
	}
	free(dst->map);
	dst->map = map;
	dst->size = src->size;
	return 0;
}
