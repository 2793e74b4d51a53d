/*
 * libxl_types_fill.h: the test helper generated from libxl_types.idl
 * (_libxl_types_fill.c, linked into unit tests only, never into libxl).
 *
 * libxl__type_tests lists every struct of the description with its
 * functions; its fill() gives every field of the struct, nested structs and
 * arrays included, a distinct value that is not the field's default, so
 * that the JSON written prints every key. A struct with a union takes its
 * member from variant (0 .. libxl__fill_variants - 1): run each variant to
 * cover every member. The small libxl__fill_<kind> helpers below fill one
 * field of a builtin kind.
 */
#ifndef XENON_LIBXL_TYPES_FILL_H
#define XENON_LIBXL_TYPES_FILL_H

#include "libxl/libxl_types.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct libxl__fill {
	unsigned n;	  /* the next distinct number */
	unsigned variant; /* which union member */
	int rc;		  /* -ENOMEM once an allocation failed */
};

/* A JSON key a filled struct prints; when is not NULL, only if the JSON has it. */
struct libxl__type_key {
	const char *key;
	const char *when;
};

struct libxl__type_test {
	const char *name;
	size_t size;
	const struct libxl__type_key *keys;
	void (*init)(void *p);
	void (*dispose)(void *p);
	void (*fill)(struct libxl__fill *s, void *p);
	int (*to_json)(const void *p, char **json);
	int (*from_json)(void *p, const char *json, char *err, size_t errlen);
};

/* Every enum of the description, with its values. */
struct libxl__enum_test {
	const char *name;
	const int *values;
	size_t nr_values;
	const char *(*to_string)(int v);
	int (*from_string)(const char *s, int *v); /* *v untouched on error */
};

/* Both end with a NULL name. */
extern const struct libxl__type_test libxl__type_tests[];
extern const struct libxl__enum_test libxl__enum_tests[];
extern const unsigned libxl__fill_variants;

static inline unsigned libxl__fill_next(struct libxl__fill *s)
{
	return ++s->n;
}

/* In [lo, hi], not dflt; alternately near lo and near hi. */
static inline long long libxl__fill_int(struct libxl__fill *s, long long lo, long long hi, long long dflt)
{
	unsigned n = libxl__fill_next(s);
	long long v = n % 2 ? lo + n % 1000 : hi - n % 1000;

	if (v < lo || v > hi)
		v = lo;
	if (v == dflt)
		v = v < hi ? v + 1 : v - 1;
	return v;
}

/* Small and beyond INT64_MAX (printed as a bare number) by turns. */
static inline uint64_t libxl__fill_u64(struct libxl__fill *s, uint64_t dflt)
{
	unsigned n = libxl__fill_next(s);
	uint64_t v = n % 2 ? UINT64_MAX - 1 - n : n;

	return v == dflt ? v + 1 : v;
}

static inline void libxl__fill_bool(struct libxl__fill *s, bool *v)
{
	(void)libxl__fill_next(s);
	*v = true;
}

/* Characters JSON must escape, and UTF-8. */
static inline void libxl__fill_str(struct libxl__fill *s, char **v)
{
	free(*v);
	if (asprintf(v, "s%u \"q\" \\ /\t\n\xc3\xa9", libxl__fill_next(s)) < 0) {
		*v = NULL;
		s->rc = -ENOMEM;
	}
}

static inline void libxl__fill_defbool(struct libxl__fill *s, libxl_defbool *v)
{
	libxl_defbool_set(v, libxl__fill_next(s) % 2);
}

static inline void libxl__fill_uuid(struct libxl__fill *s, libxl_uuid *v)
{
	unsigned i, n = libxl__fill_next(s);

	for (i = 0; i < sizeof(v->bytes); i++)
		v->bytes[i] = (uint8_t)(n + i);
}

static inline void libxl__fill_mac(struct libxl__fill *s, libxl_mac v)
{
	unsigned i, n = libxl__fill_next(s);

	for (i = 0; i < 6; i++)
		v[i] = (uint8_t)(n + i + 1);
}

static inline void libxl__fill_bitmap(struct libxl__fill *s, libxl_bitmap *v)
{
	unsigned n = libxl__fill_next(s);

	if (libxl_bitmap_set(v, n % 7) < 0 || libxl_bitmap_set(v, n % 7 + 9) < 0 ||
	    libxl_bitmap_set(v, 70) < 0)
		s->rc = -ENOMEM;
}

static inline void libxl__fill_string_list(struct libxl__fill *s, libxl_string_list *v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "a%u", libxl__fill_next(s));
	if (libxl_string_list_append(v, buf) < 0 || libxl_string_list_append(v, "b \"c\"") < 0)
		s->rc = -ENOMEM;
}

/* n zeroed elements of size each (n > 0), or NULL (s->rc set). */
static inline void *libxl__fill_array(struct libxl__fill *s, size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		s->rc = -ENOMEM;
	return p;
}

#endif
