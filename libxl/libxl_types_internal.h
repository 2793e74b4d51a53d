/*
 * libxl_types_internal.h: the helpers the generated type code calls (see
 * libxl/gentypes.py): one per kind of field, hand-written once. Not part of
 * libxl's public interface.
 *
 *  - enum tables (libxl_types.c): a { name, value } array ending in NULL;
 *  - the JSON writer (libxl_json.c): struct libxl__jw latches the first
 *    yajl error, so that a struct's writer is a straight list of fields;
 *    libxl__jw_<kind>(w, key, value) prints a field unless it is at its
 *    default;
 *  - the JSON reader (libxl_json_parse.c): struct libxl__jr latches the
 *    first error and knows the path of the object being read, for messages
 *    such as "b_info.max_vcpus: expected an integer in range";
 *    libxl__jr_<kind>(r, obj, key, &field) reads a field when present.
 */
#ifndef XENON_LIBXL_TYPES_INTERNAL_H
#define XENON_LIBXL_TYPES_INTERNAL_H

#include "libxl/libxl_types.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* ---- enum tables (libxl_types.c) ---------------------------------------- */

struct libxl__enum_name {
	const char *s;
	int v;
};

/* The name of v, or NULL. */
const char *libxl__enum_to_string(const struct libxl__enum_name *t, int v);
/* Case-insensitive; 0 or -EINVAL. */
int libxl__enum_from_string(const struct libxl__enum_name *t, const char *s, int *v);

/* ---- the JSON writer (libxl_json.c) ---------------------------------------- */

struct libxl__jw {
	yajl_gen h;
	yajl_gen_status st;
};

void libxl__jw_key(struct libxl__jw *w, const char *key);
void libxl__jw_map_open(struct libxl__jw *w);
void libxl__jw_map_close(struct libxl__jw *w);
void libxl__jw_array_open(struct libxl__jw *w);
void libxl__jw_array_close(struct libxl__jw *w);
/* key: {}, for a struct of Xen's that Xenon does not model. */
void libxl__jw_empty_map(struct libxl__jw *w, const char *key);
/* "key.name": and the opening of its map (an error when name is NULL). */
void libxl__jw_union_open(struct libxl__jw *w, const char *key, const char *name);

/* Fields, printed only when not at their default. */
void libxl__jw_int(struct libxl__jw *w, const char *key, long long v, long long dflt);
void libxl__jw_uint(struct libxl__jw *w, const char *key, uint64_t v, uint64_t dflt);
/* An enum by name (an error when v has none). */
void libxl__jw_enum(struct libxl__jw *w, const char *key, const char *name, int v, int dflt);
void libxl__jw_bool(struct libxl__jw *w, const char *key, bool v);
void libxl__jw_str(struct libxl__jw *w, const char *key, const char *v);
void libxl__jw_defbool(struct libxl__jw *w, const char *key, libxl_defbool v);
void libxl__jw_uuid(struct libxl__jw *w, const char *key, const libxl_uuid *v);
void libxl__jw_mac(struct libxl__jw *w, const char *key, const libxl_mac v);
void libxl__jw_bitmap(struct libxl__jw *w, const char *key, const libxl_bitmap *v);
void libxl__jw_string_list(struct libxl__jw *w, const char *key, const libxl_string_list *v);
/* A bitmap as a value (an array element): always printed. */
void libxl__jw_bitmap_val(struct libxl__jw *w, const libxl_bitmap *v);

/* 0, or -EINVAL for a value that could not be printed. */
int libxl__jw_status(const struct libxl__jw *w);
/* A generator configured as xl prints (4-space indent), or NULL. */
yajl_gen libxl__jw_alloc(void);
/* Copy hand's text into *json when rc is 0, free hand; the final rc. */
int libxl__jw_finish(yajl_gen hand, int rc, char **json);

/* ---- the JSON reader (libxl_json_parse.c) ------------------------------------ */

#define LIBXL__JR_DEPTH 8

struct libxl__jr {
	int rc;
	const char *root; /* names the top object in messages ("config") */
	int depth;
	struct {
		const char *key;
		bool array; /* printed "key[]" */
	} path[LIBXL__JR_DEPTH];
	char *err;
	size_t errlen;
};

/* Parse json (must be an object) and set r up; NULL (r->rc set) on error. */
yajl_val libxl__jr_begin(struct libxl__jr *r, const char *root, const char *json, char *err, size_t errlen);
/* Free the tree; r->rc. */
int libxl__jr_end(struct libxl__jr *r, yajl_val root);

/* Enter the object at key (an element of the array at key); leave it. */
void libxl__jr_enter(struct libxl__jr *r, const char *key, bool array);
void libxl__jr_leave(struct libxl__jr *r);
/* Record "<path>.key: expected what" unless an error is recorded already. */
void libxl__jr_fail(struct libxl__jr *r, const char *key, const char *what);
void libxl__jr_nomem(struct libxl__jr *r);

/* The value at key of obj, NULL when absent or obj is not an object. */
yajl_val libxl__jr_get(yajl_val obj, const char *key);
/* The string at key, or NULL (absent, or an error recorded). */
const char *libxl__jr_cstr(struct libxl__jr *r, yajl_val obj, const char *key);
/* The array at key of at most max elements, or NULL (absent, or an error). */
yajl_val libxl__jr_array(struct libxl__jr *r, yajl_val obj, const char *key, const char *what, size_t max);
/* The first "<key>.<name>" member of obj (*full gets its key), or NULL. */
yajl_val libxl__jr_union(yajl_val obj, const char *key, const char **full);

/* An integer in [min, max]: true when present and valid. */
bool libxl__jr_ll(struct libxl__jr *r, yajl_val obj, const char *key, long long min, long long max,
		  long long *out);
#define LIBXL__JR_INT(r, obj, key, min, max, field)                                                          \
	do {                                                                                                 \
		long long v_;                                                                                \
		if (libxl__jr_ll((r), (obj), (key), (min), (max), &v_))                                      \
			(field) = v_;                                                                        \
	} while (0)
/* rc of an enum's _from_string for the name at key. */
void libxl__jr_enum(struct libxl__jr *r, const char *key, int rc);
void libxl__jr_u64(struct libxl__jr *r, yajl_val obj, const char *key, uint64_t *field);
void libxl__jr_bool(struct libxl__jr *r, yajl_val obj, const char *key, bool *field);
void libxl__jr_str(struct libxl__jr *r, yajl_val obj, const char *key, char **field);
void libxl__jr_defbool(struct libxl__jr *r, yajl_val obj, const char *key, libxl_defbool *field);
void libxl__jr_uuid(struct libxl__jr *r, yajl_val obj, const char *key, libxl_uuid *field);
void libxl__jr_mac(struct libxl__jr *r, yajl_val obj, const char *key, libxl_mac field);
void libxl__jr_bitmap(struct libxl__jr *r, yajl_val obj, const char *key, libxl_bitmap *field);
void libxl__jr_string_list(struct libxl__jr *r, yajl_val obj, const char *key, libxl_string_list *field);
/* A bitmap from the value v (an array element); key names it in messages. */
void libxl__jr_bitmap_val(struct libxl__jr *r, yajl_val v, const char *key, libxl_bitmap *field);

#endif
