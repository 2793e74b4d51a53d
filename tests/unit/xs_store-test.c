/* Unit tests: the store, transaction views, paths and permissions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xenstored/perms.h"
#include "xenstored/store.h"
#include "xenstored/xs_wire.h"

static const struct xs_perm owner0 = {0, XS_PERM_NONE};

static struct store *fresh(void)
{
	struct store *s = store_new(NULL, NULL);

	CHECK(s != NULL);
	CHECK_INT(store_create(s, "/", &owner0, 1, "", 0, NULL), 0);
	return s;
}

static void test_create_lookup_remove(void)
{
	struct store *s = fresh();
	struct node *n;

	CHECK_INT(store_create(s, "/a/b", &owner0, 1, "x", 1, NULL), -ENOENT);
	CHECK_INT(store_create(s, "/a", &owner0, 1, "", 0, NULL), 0);
	CHECK_INT(store_create(s, "/a", &owner0, 1, "", 0, NULL), -EEXIST);
	CHECK_INT(store_create(s, "/a/b", &owner0, 1, "hello", 5, &n), 0);
	CHECK_INT(store_create(s, "/a/c", &owner0, 1, "", 0, NULL), 0);
	n = store_lookup(s, "/a/b");
	CHECK(n && n->vlen == 5 && !memcmp(n->value, "hello", 5));
	n = store_lookup(s, "/a");
	CHECK(n && n->nkids == 2 && n->kids_len == 4 && !memcmp(n->kids, "b\0c\0", 4));
	CHECK_INT(store_remove(s, store_lookup(s, "/a")), 0);
	CHECK(!store_lookup(s, "/a/b") && !store_lookup(s, "/a"));
	CHECK_INT(store_lookup(s, "/")->nkids, 0);
	CHECK_INT(store_remove(s, store_lookup(s, "/")), -EINVAL);
	CHECK_INT(store_count(s), 1);
	store_free(s);
}

static void test_generations_change(void)
{
	struct store *s = fresh();
	struct node *a, *b;
	uint64_t ga, gb;

	store_create(s, "/a", &owner0, 1, "", 0, &a);
	ga = a->gen;
	store_create(s, "/a/b", &owner0, 1, "", 0, &b);
	CHECK(a->gen != ga); /* a child changes the parent */
	gb = b->gen;
	store_set_value(s, b, "v", 1);
	CHECK(b->gen != gb);
	gb = b->gen;
	store_set_perms(s, b, &owner0, 1);
	CHECK(b->gen != gb);
	store_free(s);
}

static void test_view_is_private(void)
{
	struct store *s = fresh(), *v;
	struct node *n;

	store_create(s, "/a", &owner0, 1, "old", 3, NULL);
	v = store_new_view(s);
	n = store_lookup(v, "/a");
	CHECK(n && n->orig_exists);
	store_set_value(v, n, "new", 3);
	CHECK_INT(store_create(v, "/a/x", &owner0, 1, "", 0, NULL), 0);
	CHECK(!memcmp(store_lookup(s, "/a")->value, "old", 3));
	CHECK(store_lookup(s, "/a/x") == NULL);
	CHECK(store_lookup(v, "/a/x") != NULL);
	CHECK_INT(store_remove(v, store_lookup(v, "/a")), 0);
	CHECK(store_lookup(v, "/a") == NULL && store_lookup(v, "/a/x") == NULL);
	CHECK(store_lookup(s, "/a") != NULL);
	/* an absent path is remembered as absent */
	CHECK(store_lookup(v, "/nope") == NULL);
	int absent = 0;
	for (struct node *e = store_view_entries(v); e; e = e->tnext)
		absent += !strcmp(e->path, "/nope") && !e->orig_exists;
	CHECK_INT(absent, 1);
	/* removed, then made again inside the view */
	CHECK_INT(store_create(v, "/a", &owner0, 1, "again", 5, NULL), 0);
	CHECK_INT(store_create(v, "/a/x", &owner0, 1, "", 0, NULL), 0);
	n = store_lookup(v, "/a");
	CHECK(n && n->vlen == 5 && n->nkids == 1);
	CHECK(!memcmp(store_lookup(s, "/a")->value, "old", 3));
	store_free(v);
	store_free(s);
}

static int count_cb(void *arg, struct node *n)
{
	(void)n;
	(*(int *)arg)++;
	return 0;
}

static void test_walk(void)
{
	struct store *s = fresh();
	int count = 0;

	store_create(s, "/a", &owner0, 1, "", 0, NULL);
	store_create(s, "/a/b", &owner0, 1, "", 0, NULL);
	store_create(s, "/c", &owner0, 1, "", 0, NULL);
	store_walk(s, store_lookup(s, "/"), count_cb, &count);
	CHECK_INT(count, 4);
	store_free(s);
}

static void test_many_children(void)
{
	struct store *s = fresh();
	char p[64];

	store_create(s, "/d", &owner0, 1, "", 0, NULL);
	for (int i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/d/k%d", i);
		CHECK_INT(store_create(s, p, &owner0, 1, "", 0, NULL), 0);
	}
	CHECK_INT(store_lookup(s, "/d")->nkids, 5000);
	CHECK(store_lookup(s, "/d/k4999") != NULL);
	store_remove(s, store_lookup(s, "/d/k17"));
	CHECK_INT(store_lookup(s, "/d")->nkids, 4999);
	CHECK_INT(store_count(s), 5000 + 1);
	store_free(s);
}

static void test_paths(void)
{
	char out[XS_ABS_PATH_MAX + 64];
	char big[XS_ABS_PATH_MAX + 8];

	CHECK_INT(path_resolve(3, "x/y", false, out, sizeof(out)), 0);
	CHECK_STR(out, "/local/domain/3/x/y");
	CHECK_INT(path_resolve(0, "/a/b-c_d@e", false, out, sizeof(out)), 0);
	CHECK_INT(path_resolve(0, "/", false, out, sizeof(out)), 0);
	CHECK_INT(path_resolve(0, "", false, out, sizeof(out)), -EINVAL);
	CHECK_INT(path_resolve(0, "/a//b", false, out, sizeof(out)), -EINVAL);
	CHECK_INT(path_resolve(0, "/a/", false, out, sizeof(out)), -EINVAL);
	CHECK_INT(path_resolve(0, "/a b", false, out, sizeof(out)), -EINVAL);
	CHECK_INT(path_resolve(0, "/a.b", false, out, sizeof(out)), -EINVAL);
	CHECK_INT(path_resolve(0, "@releaseDomain", false, out, sizeof(out)), -EINVAL);
	CHECK_INT(path_resolve(0, "@releaseDomain", true, out, sizeof(out)), 0);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = 0;
	CHECK_INT(path_resolve(0, big, false, out, sizeof(out)), -EINVAL);
	big[XS_ABS_PATH_MAX] = 0;
	CHECK_INT(path_resolve(0, big, false, out, sizeof(out)), 0);
	CHECK_STR(path_relative_to("/local/domain/3/x", "/local/domain/3"), "x");
	CHECK_STR(path_relative_to("/local/domain/30/x", "/local/domain/3"), "/local/domain/30/x");
	char parent[64];
	CHECK_INT(path_parent("/a/b", parent, sizeof(parent)), 0);
	CHECK_STR(parent, "/a");
	CHECK_INT(path_parent("/a", parent, sizeof(parent)), 0);
	CHECK_STR(parent, "/");
	CHECK_INT(path_parent("/", parent, sizeof(parent)), -EINVAL);
}

static void test_perm_parse(void)
{
	struct xs_perm p[4];
	unsigned n;
	char buf[16];

	CHECK_INT(perm_parse("b7", &p[0]), 0);
	CHECK(p[0].id == 7 && p[0].perm == XS_PERM_BOTH);
	CHECK_INT(perm_parse("x7", &p[0]), -EINVAL);
	CHECK_INT(perm_parse("r", &p[0]), -EINVAL);
	CHECK_INT(perm_parse("r70000", &p[0]), -EINVAL);
	CHECK_INT(perms_parse_list("n0\0r5\0w6\0", 9, p, 4, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(perms_parse_list("n0\0r5", 5, p, 4, &n), -EINVAL);
	CHECK_INT(perm_format(&p[2], buf, sizeof(buf)), 2);
	CHECK_STR(buf, "w6");
}

static void test_perm_access(void)
{
	struct xs_perm p[] = {{5, XS_PERM_READ}, {7, XS_PERM_WRITE}, {8, XS_PERM_NONE}};
	struct xs_who dom0 = {0, true, -1}, d5 = {5, false, -1}, d7 = {7, false, -1}, d8 = {8, false, -1},
		      d9 = {9, false, -1}, d10 = {10, false, 5};

	CHECK_INT(perm_access(&dom0, p, 3), XS_PERM_BOTH);
	CHECK_INT(perm_access(&d5, p, 3), XS_PERM_BOTH); /* owner */
	CHECK_INT(perm_access(&d7, p, 3), XS_PERM_WRITE);
	CHECK_INT(perm_access(&d8, p, 3), XS_PERM_NONE);
	CHECK_INT(perm_access(&d9, p, 3), XS_PERM_READ);  /* the owner entry is the default */
	CHECK_INT(perm_access(&d10, p, 3), XS_PERM_BOTH); /* targets domain 5 */
}

int main(void)
{
	RUN(test_create_lookup_remove);
	RUN(test_generations_change);
	RUN(test_view_is_private);
	RUN(test_walk);
	RUN(test_many_children);
	RUN(test_paths);
	RUN(test_perm_parse);
	RUN(test_perm_access);
	return unit_done();
}
