/*
 * Unit tests of libxl's generated types (libxl/libxl_types.idl through
 * libxl/gentypes.py): every struct, with every field filled with a distinct
 * non-default value by the generated filler (each union member in turn),
 * is written as JSON, read back, written again, and the two texts must be
 * equal; each key of the struct must be in the text (a field the filler or
 * the writer forgot would be left out silently otherwise). Every enum's
 * names read back to their values. Defaults write and read back too.
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "libxl/libxl_types_fill.h"

/* Each key of t (those of the union member the text has) is in json. */
static void check_keys(const struct libxl__type_test *t, const char *json)
{
	const struct libxl__type_key *k;
	char quoted[128];

	for (k = t->keys; k->key; k++) {
		if (k->when && !strstr(json, k->when))
			continue;
		snprintf(quoted, sizeof(quoted), "\"%s\":", k->key);
		if (!strstr(json, quoted))
			printf("# %s: %s is not written\n", t->name, k->key);
		CHECK(strstr(json, quoted) != NULL);
	}
}

/* Write a, read it into a fresh value, write that: the same text. */
static void round_trip(const struct libxl__type_test *t, void *a, char **json)
{
	void *b = calloc(1, t->size);
	char *again = NULL, err[256] = "";

	*json = NULL;
	if (!b) {
		CHECK(b != NULL);
		return;
	}
	t->init(b);
	CHECK_INT(t->to_json(a, json), 0);
	if (*json) {
		CHECK_INT(t->from_json(b, *json, err, sizeof(err)), 0);
		if (err[0])
			printf("# %s: %s\n", t->name, err);
		CHECK_INT(t->to_json(b, &again), 0);
		CHECK(again && !strcmp(*json, again));
		if (again && strcmp(*json, again))
			printf("# %s: wrote\n%s# read back and wrote\n%s", t->name, *json, again);
	}
	free(again);
	t->dispose(b);
	free(b);
}

static void test_every_field_round_trips(void)
{
	const struct libxl__type_test *t;
	unsigned variant, types = 0;

	for (t = libxl__type_tests; t->name; t++, types++) {
		for (variant = 0; variant < libxl__fill_variants; variant++) {
			struct libxl__fill s = {.n = variant * 1000, .variant = variant};
			void *a = calloc(1, t->size);
			char *json;

			CHECK(a != NULL);
			if (!a)
				continue;
			t->init(a);
			t->fill(&s, a);
			CHECK_INT(s.rc, 0);
			round_trip(t, a, &json);
			if (json)
				check_keys(t, json);
			free(json);
			t->dispose(a);
			free(a);
		}
	}
	CHECK(types >= 6);
	CHECK(libxl__fill_variants >= 4); /* b_info's union: invalid, hvm, pv, pvh */
}

/* A value just _init()ed writes its always-printed parts and reads back. */
static void test_defaults_round_trip(void)
{
	const struct libxl__type_test *t;

	for (t = libxl__type_tests; t->name; t++) {
		void *a = calloc(1, t->size);
		char *json;

		CHECK(a != NULL);
		if (!a)
			continue;
		t->init(a);
		round_trip(t, a, &json);
		free(json);
		t->dispose(a);
		free(a);
	}
}

/* The filled domain config, written: the nested types are all there. */
static void test_config_holds_every_struct(void)
{
	const struct libxl__type_test *t;
	struct libxl__fill s = {.variant = 2};
	libxl_domain_config d;
	char *json = NULL;

	for (t = libxl__type_tests; t->name && strcmp(t->name, "libxl_domain_config"); t++)
		;
	CHECK(t->name != NULL);
	if (!t->name)
		return;
	t->init(&d);
	t->fill(&s, &d);
	CHECK_INT(libxl_domain_config_to_json(&d, &json), 0);
	CHECK(json && strstr(json, "\"sched_params\": {\n            \"sched\""));
	CHECK(json && strstr(json, "\"disks\": [") && strstr(json, "\"nics\": ["));
	CHECK(json && strstr(json, "\"vcpu_hard_affinity\": ["));
	CHECK_INT(d.num_disks, 2);
	free(json);
	libxl_domain_config_dispose(&d);
}

static void test_enum_names(void)
{
	const struct libxl__enum_test *e;
	size_t i, enums = 0;

	for (e = libxl__enum_tests; e->name; e++, enums++) {
		for (i = 0; i < e->nr_values; i++) {
			const char *name = e->to_string(e->values[i]);
			char upper[64];
			int v = -12345;
			size_t j;

			CHECK(name != NULL);
			if (!name)
				continue;
			CHECK_INT(e->from_string(name, &v), 0);
			CHECK_INT(v, e->values[i]);
			for (j = 0; name[j] && j < sizeof(upper) - 1; j++)
				upper[j] = (char)(name[j] >= 'a' && name[j] <= 'z' ? name[j] - 32 : name[j]);
			upper[j] = '\0';
			v = -12345;
			CHECK_INT(e->from_string(upper, &v), 0);
			CHECK_INT(v, e->values[i]);
		}
		CHECK(e->to_string(-1000) == NULL);
		CHECK_INT(e->from_string("no-such-name", &(int){0}), -EINVAL);
		CHECK_INT(e->from_string(NULL, &(int){0}), -EINVAL);
	}
	CHECK(enums >= 9);
}

int main(void)
{
	RUN(test_every_field_round_trips);
	RUN(test_defaults_round_trip);
	RUN(test_config_holds_every_struct);
	RUN(test_enum_names);
	return unit_done();
}
