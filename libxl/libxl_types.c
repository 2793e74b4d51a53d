/*
 * libxl_types.c: the hand-written part of libxl's types (see
 * libxl_types.h): the builtin types (defbool, uuid, mac, bitmap, string
 * list), the enum table lookups, xl.cfg's spelling of shutdown actions and
 * the device-append helpers. The structs' _init and _dispose and the enum
 * tables are generated from libxl_types.idl into _libxl_types.c.
 */
#include "libxl/libxl_types.h"
#include "libxl/libxl_types_internal.h"
#include "strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

#include <uuid/uuid.h>

/* ---- enum tables ------------------------------------------------------ */

const char *libxl__enum_to_string(const struct libxl__enum_name *t, int v)
{
	for (; t->s; t++)
		if (t->v == v)
			return t->s;
	return NULL;
}

int libxl__enum_from_string(const struct libxl__enum_name *t, const char *s, int *v)
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

/*
 * xl.cfg(5) spells the shutdown actions differently from the JSON
 * ("rename-restart", not "restart_rename"). Hand-written: a second spelling
 * of one enum, exact-case, used by xl's config parser only.
 */
static const struct libxl__enum_name action_cfg_names[] = {
    {"destroy", LIBXL_ACTION_ON_SHUTDOWN_DESTROY},
    {"restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART},
    {"rename-restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME},
    {"preserve", LIBXL_ACTION_ON_SHUTDOWN_PRESERVE},
    {"coredump-destroy", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY},
    {"coredump-restart", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART},
    {"soft-reset", LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET},
    {NULL, 0},
};

const char *libxl_action_on_shutdown_to_cfg(libxl_action_on_shutdown v)
{
	return libxl__enum_to_string(action_cfg_names, (int)v);
}

int libxl_action_on_shutdown_from_cfg(const char *s, libxl_action_on_shutdown *v)
{
	const struct libxl__enum_name *t;

	/* Exact match, as xl: "Destroy" is not an action. */
	for (t = action_cfg_names; s && t->s; t++) {
		if (!strcmp(t->s, s)) {
			*v = (libxl_action_on_shutdown)t->v;
			return 0;
		}
	}
	return -EINVAL;
}

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

/* ---- devices --------------------------------------------------------- */

/*
 * Hand-written: growing the config's device arrays one device at a time is
 * what xl's config parser needs (the generated JSON reader sizes them at
 * once from the array it reads).
 */

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
