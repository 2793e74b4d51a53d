/*
 * libxl_json.c: the JSON writer's helpers, one per kind of field; the
 * writers of the types themselves (<type>_gen_json, <type>_to_json) are
 * generated from libxl_types.idl into _libxl_types_json.c.
 *
 * Xen's generator follows three rules, kept here:
 *  - a field still at its default is left out (strings: NULL; numbers: 0 or
 *    their documented default; defbools: unset; arrays: empty);
 *  - nested structs are always printed, even empty ("sched_params": {});
 *  - a struct's keyed union is printed under "<key>.<value>" ("type.pv").
 * yajl's beautifier gives the layout (4-space indent, trailing newline).
 */
#include "libxl/libxl_types_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void jw_check(struct libxl__jw *w, yajl_gen_status st)
{
	if (w->st == yajl_gen_status_ok)
		w->st = st;
}

static void jw_string(struct libxl__jw *w, const char *s)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_string(w->h, (const unsigned char *)s, strlen(s));
}

static void jw_integer(struct libxl__jw *w, long long v)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_integer(w->h, v);
}

/* Unsigned 64-bit values beyond long long are printed as a bare number. */
static void jw_u64(struct libxl__jw *w, uint64_t v)
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

void libxl__jw_key(struct libxl__jw *w, const char *key)
{
	jw_string(w, key);
}

void libxl__jw_map_open(struct libxl__jw *w)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_map_open(w->h);
}

void libxl__jw_map_close(struct libxl__jw *w)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_map_close(w->h);
}

void libxl__jw_array_open(struct libxl__jw *w)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_array_open(w->h);
}

void libxl__jw_array_close(struct libxl__jw *w)
{
	if (w->st == yajl_gen_status_ok)
		w->st = yajl_gen_array_close(w->h);
}

void libxl__jw_empty_map(struct libxl__jw *w, const char *key)
{
	libxl__jw_key(w, key);
	libxl__jw_map_open(w);
	libxl__jw_map_close(w);
}

void libxl__jw_union_open(struct libxl__jw *w, const char *key, const char *name)
{
	char buf[64];

	if (!name || (size_t)snprintf(buf, sizeof(buf), "%s.%s", key, name) >= sizeof(buf)) {
		jw_check(w, yajl_gen_invalid_string);
		return;
	}
	libxl__jw_key(w, buf);
	libxl__jw_map_open(w);
}

/* ---- fields, printed only when not at their default ------------------- */

void libxl__jw_int(struct libxl__jw *w, const char *key, long long v, long long dflt)
{
	if (v == dflt)
		return;
	libxl__jw_key(w, key);
	jw_integer(w, v);
}

void libxl__jw_uint(struct libxl__jw *w, const char *key, uint64_t v, uint64_t dflt)
{
	if (v == dflt)
		return;
	libxl__jw_key(w, key);
	jw_u64(w, v);
}

void libxl__jw_enum(struct libxl__jw *w, const char *key, const char *name, int v, int dflt)
{
	if (v == dflt)
		return;
	if (!name) {
		jw_check(w, yajl_gen_invalid_string);
		return;
	}
	libxl__jw_key(w, key);
	jw_string(w, name);
}

void libxl__jw_bool(struct libxl__jw *w, const char *key, bool v)
{
	if (!v)
		return;
	libxl__jw_key(w, key);
	jw_check(w, yajl_gen_bool(w->h, 1));
}

void libxl__jw_str(struct libxl__jw *w, const char *key, const char *v)
{
	if (!v)
		return;
	libxl__jw_key(w, key);
	jw_string(w, v);
}

void libxl__jw_defbool(struct libxl__jw *w, const char *key, libxl_defbool v)
{
	if (libxl_defbool_is_default(v))
		return;
	libxl__jw_key(w, key);
	jw_string(w, libxl_defbool_val(v) ? "True" : "False");
}

void libxl__jw_uuid(struct libxl__jw *w, const char *key, const libxl_uuid *v)
{
	char buf[LIBXL_UUID_FMTLEN + 1];

	if (libxl_uuid_is_nil(v))
		return;
	libxl_uuid_to_string(v, buf);
	libxl__jw_str(w, key, buf);
}

void libxl__jw_mac(struct libxl__jw *w, const char *key, const libxl_mac v)
{
	char buf[LIBXL_MAC_FMTLEN + 1];

	if (libxl_mac_is_default(v))
		return;
	libxl_mac_to_string(v, buf);
	libxl__jw_str(w, key, buf);
}

void libxl__jw_bitmap_val(struct libxl__jw *w, const libxl_bitmap *v)
{
	unsigned bit;

	libxl__jw_array_open(w);
	for (bit = 0; bit < libxl_bitmap_nr_bits(v); bit++)
		if (libxl_bitmap_test(v, bit))
			jw_integer(w, bit);
	libxl__jw_array_close(w);
}

void libxl__jw_bitmap(struct libxl__jw *w, const char *key, const libxl_bitmap *v)
{
	if (libxl_bitmap_is_empty(v))
		return;
	libxl__jw_key(w, key);
	libxl__jw_bitmap_val(w, v);
}

void libxl__jw_string_list(struct libxl__jw *w, const char *key, const libxl_string_list *v)
{
	int i, n = libxl_string_list_length(v);

	if (n == 0)
		return;
	libxl__jw_key(w, key);
	libxl__jw_array_open(w);
	for (i = 0; i < n; i++)
		jw_string(w, (*v)[i]);
	libxl__jw_array_close(w);
}

/* ---- the generator ---------------------------------------------------- */

int libxl__jw_status(const struct libxl__jw *w)
{
	return w->st == yajl_gen_status_ok ? 0 : -EINVAL;
}

yajl_gen libxl__jw_alloc(void)
{
	yajl_gen hand = yajl_gen_alloc(NULL);

	if (hand) {
		yajl_gen_config(hand, yajl_gen_beautify, 1);
		yajl_gen_config(hand, yajl_gen_indent_string, "    ");
	}
	return hand;
}

int libxl__jw_finish(yajl_gen hand, int rc, char **json)
{
	const unsigned char *buf;
	size_t len;

	if (rc == 0 && yajl_gen_get_buf(hand, &buf, &len) != yajl_gen_status_ok)
		rc = -ENOMEM;
	if (rc == 0) {
		*json = strndup((const char *)buf, len);
		if (!*json)
			rc = -ENOMEM;
	}
	if (hand)
		yajl_gen_free(hand);
	return rc;
}
