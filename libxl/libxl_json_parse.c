/*
 * libxl_json_parse.c: the JSON reader's helpers, one per kind of field; the
 * readers of the types themselves (<type>_from_json) are generated from
 * libxl_types.idl into _libxl_types_json_parse.c. Xen's keys and structure;
 * keys Xenon does not model are ignored, so Xen's own JSON reads too.
 */
#include "libxl/libxl_types_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the reader and its path ------------------------------------------- */

yajl_val libxl__jr_begin(struct libxl__jr *r, const char *root, const char *json, char *err, size_t errlen)
{
	char msg[128] = "";
	yajl_val tree = yajl_tree_parse(json, msg, sizeof(msg));

	memset(r, 0, sizeof(*r));
	r->root = root;
	r->err = err;
	r->errlen = errlen;
	if (tree && YAJL_IS_OBJECT(tree))
		return tree;
	if (err && errlen)
		snprintf(err, errlen, "not a JSON object%s%s", msg[0] ? ": " : "", msg);
	yajl_tree_free(tree);
	r->rc = -EINVAL;
	return NULL;
}

int libxl__jr_end(struct libxl__jr *r, yajl_val root)
{
	yajl_tree_free(root);
	return r->rc;
}

void libxl__jr_enter(struct libxl__jr *r, const char *key, bool array)
{
	if (r->depth < LIBXL__JR_DEPTH) {
		r->path[r->depth].key = key;
		r->path[r->depth].array = array;
	}
	r->depth++;
}

void libxl__jr_leave(struct libxl__jr *r)
{
	r->depth--;
}

/* "c_info", "disks[]", "b_info.sched_params"; the root's own name at the top. */
static void jr_where(const struct libxl__jr *r, char *buf, size_t len)
{
	int i, n = r->depth < LIBXL__JR_DEPTH ? r->depth : LIBXL__JR_DEPTH;
	size_t used = 0;

	snprintf(buf, len, "%s", r->root);
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s", i ? "." : "", r->path[i].key,
					 r->path[i].array ? "[]" : "");
}

void libxl__jr_fail(struct libxl__jr *r, const char *key, const char *what)
{
	char where[128];

	if (r->rc)
		return;
	if (r->err && r->errlen) {
		jr_where(r, where, sizeof(where));
		snprintf(r->err, r->errlen, "%s.%s: expected %s", where, key, what);
	}
	r->rc = -EINVAL;
}

void libxl__jr_nomem(struct libxl__jr *r)
{
	r->rc = -ENOMEM;
}

/* ---- values ------------------------------------------------------------- */

yajl_val libxl__jr_get(yajl_val obj, const char *key)
{
	const char *path[] = {key, NULL};

	return YAJL_IS_OBJECT(obj) ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

const char *libxl__jr_cstr(struct libxl__jr *r, yajl_val obj, const char *key)
{
	yajl_val v = libxl__jr_get(obj, key);

	if (v && !YAJL_IS_STRING(v))
		libxl__jr_fail(r, key, "a string");
	return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

yajl_val libxl__jr_array(struct libxl__jr *r, yajl_val obj, const char *key, const char *what, size_t max)
{
	yajl_val v = libxl__jr_get(obj, key);

	if (v && (!YAJL_IS_ARRAY(v) || v->u.array.len > max)) {
		libxl__jr_fail(r, key, what);
		return NULL;
	}
	return v;
}

yajl_val libxl__jr_union(yajl_val obj, const char *key, const char **full)
{
	size_t i, len = strlen(key);

	for (i = 0; YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++) {
		const char *k = obj->u.object.keys[i];

		if (!strncmp(k, key, len) && k[len] == '.') {
			*full = k;
			return obj->u.object.values[i];
		}
	}
	return NULL;
}

/* ---- fields --------------------------------------------------------------- */

bool libxl__jr_ll(struct libxl__jr *r, yajl_val obj, const char *key, long long min, long long max,
		  long long *out)
{
	yajl_val v = libxl__jr_get(obj, key);

	if (!v)
		return false;
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max) {
		libxl__jr_fail(r, key, "an integer in range");
		return false;
	}
	*out = YAJL_GET_INTEGER(v);
	return true;
}

void libxl__jr_enum(struct libxl__jr *r, const char *key, int rc)
{
	if (rc < 0)
		libxl__jr_fail(r, key, "a known name");
}

/* Unsigned 64-bit: an integer, or a bare number beyond long long. */
void libxl__jr_u64(struct libxl__jr *r, yajl_val obj, const char *key, uint64_t *field)
{
	yajl_val v = libxl__jr_get(obj, key);
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
	libxl__jr_fail(r, key, "an unsigned integer");
}

void libxl__jr_bool(struct libxl__jr *r, yajl_val obj, const char *key, bool *field)
{
	yajl_val v = libxl__jr_get(obj, key);

	if (v && !YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		libxl__jr_fail(r, key, "true or false");
	else if (v)
		*field = YAJL_IS_TRUE(v);
}

void libxl__jr_str(struct libxl__jr *r, yajl_val obj, const char *key, char **field)
{
	const char *s = libxl__jr_cstr(r, obj, key);

	if (!s)
		return;
	free(*field);
	*field = strdup(s);
	if (!*field)
		libxl__jr_nomem(r);
}

void libxl__jr_defbool(struct libxl__jr *r, yajl_val obj, const char *key, libxl_defbool *field)
{
	const char *s = libxl__jr_cstr(r, obj, key);

	if (!s)
		return;
	if (!strcmp(s, "True"))
		libxl_defbool_set(field, true);
	else if (!strcmp(s, "False"))
		libxl_defbool_set(field, false);
	else if (!strcmp(s, "<default>"))
		libxl_defbool_unset(field);
	else
		libxl__jr_fail(r, key, "\"True\" or \"False\"");
}

void libxl__jr_uuid(struct libxl__jr *r, yajl_val obj, const char *key, libxl_uuid *field)
{
	const char *s = libxl__jr_cstr(r, obj, key);

	if (s && libxl_uuid_from_string(field, s) < 0)
		libxl__jr_fail(r, key, "a UUID");
}

void libxl__jr_mac(struct libxl__jr *r, yajl_val obj, const char *key, libxl_mac field)
{
	const char *s = libxl__jr_cstr(r, obj, key);

	if (s && libxl_mac_from_string(field, s) < 0)
		libxl__jr_fail(r, key, "a MAC address");
}

void libxl__jr_bitmap_val(struct libxl__jr *r, yajl_val v, const char *key, libxl_bitmap *field)
{
	size_t i;

	if (!YAJL_IS_ARRAY(v)) {
		libxl__jr_fail(r, key, "an array of CPU numbers");
		return;
	}
	libxl_bitmap_dispose(field);
	for (i = 0; i < v->u.array.len && !r->rc; i++) {
		yajl_val bit = v->u.array.values[i];

		if (!YAJL_IS_INTEGER(bit) || YAJL_GET_INTEGER(bit) < 0 || YAJL_GET_INTEGER(bit) >= (1 << 20))
			libxl__jr_fail(r, key, "an array of CPU numbers");
		else if (libxl_bitmap_set(field, (unsigned)YAJL_GET_INTEGER(bit)) < 0)
			libxl__jr_nomem(r);
	}
}

void libxl__jr_bitmap(struct libxl__jr *r, yajl_val obj, const char *key, libxl_bitmap *field)
{
	yajl_val v = libxl__jr_get(obj, key);

	if (v)
		libxl__jr_bitmap_val(r, v, key, field);
}

void libxl__jr_string_list(struct libxl__jr *r, yajl_val obj, const char *key, libxl_string_list *field)
{
	yajl_val v = libxl__jr_get(obj, key);
	size_t i;

	if (!v)
		return;
	if (!YAJL_IS_ARRAY(v)) {
		libxl__jr_fail(r, key, "an array of strings");
		return;
	}
	libxl_string_list_dispose(field);
	for (i = 0; i < v->u.array.len && !r->rc; i++) {
		if (!YAJL_IS_STRING(v->u.array.values[i]))
			libxl__jr_fail(r, key, "an array of strings");
		else if (libxl_string_list_append(field, YAJL_GET_STRING(v->u.array.values[i])) < 0)
			libxl__jr_nomem(r);
	}
}
