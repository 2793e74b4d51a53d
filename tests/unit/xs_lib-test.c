/* libxenstore's connection-free helpers (xenstore_lib.h), against Xen's
 * semantics; and a handle's errno when no daemon listens. */
#include <xenstore.h>

#include "unit.h"

#include <errno.h>
#include <stdlib.h>

static void test_strings_to_perms(void)
{
	struct xs_permissions p[4];

	CHECK(xs_strings_to_perms(p, 4, "n0\0r5\0w7\0b32752"));
	CHECK_INT(p[0].id, 0);
	CHECK_INT(p[0].perms, XS_PERM_NONE);
	CHECK_INT(p[1].id, 5);
	CHECK_INT(p[1].perms, XS_PERM_READ);
	CHECK_INT(p[2].id, 7);
	CHECK_INT(p[2].perms, XS_PERM_WRITE);
	CHECK_INT(p[3].id, 32752);
	CHECK_INT(p[3].perms, XS_PERM_READ | XS_PERM_WRITE);
	errno = 0;
	CHECK(!xs_strings_to_perms(p, 1, "x3"));
	CHECK_INT(errno, EINVAL);
}

static void test_perm_to_string(void)
{
	struct xs_permissions p = {12, XS_PERM_READ | XS_PERM_WRITE};
	char buf[XS_PERM_STRING_MAX], tiny[2];

	CHECK(xs_perm_to_string(&p, buf, sizeof(buf)));
	CHECK_STR(buf, "b12");
	p.perms = XS_PERM_NONE;
	CHECK(xs_perm_to_string(&p, buf, sizeof(buf)));
	CHECK_STR(buf, "n12");
	p.id = 4294967295u;
	p.perms = XS_PERM_WRITE;
	CHECK(xs_perm_to_string(&p, buf, sizeof(buf)));
	CHECK_STR(buf, "w4294967295");
	errno = 0;
	CHECK(!xs_perm_to_string(&p, tiny, sizeof(tiny)));
	CHECK_INT(errno, EINVAL);
}

static void test_count_strings_and_subpath(void)
{
	CHECK_INT(xs_count_strings("a\0bc\0\0", 6), 3);
	CHECK_INT(xs_count_strings("abc", 3), 0);
	CHECK(xs_path_is_subpath("/a", "/a"));
	CHECK(xs_path_is_subpath("/a", "/a/b"));
	CHECK(!xs_path_is_subpath("/a", "/ab"));
	CHECK(!xs_path_is_subpath("/a/b", "/a"));
	CHECK(!xs_path_is_subpath("/", "/a")); /* as Xen's: plain string comparison */
	CHECK(!xs_path_is_subpath("a", "/a"));
}

static void test_socket_and_dirs_from_environment(void)
{
	setenv("XENSTORED_PATH", "/nonexistent/xenon-unit/socket", 1);
	CHECK_STR(xs_daemon_socket(), "/nonexistent/xenon-unit/socket");
	setenv("XENSTORED_ROOTDIR", "/srv/xs", 1);
	CHECK_STR(xs_daemon_rootdir(), "/srv/xs");
	CHECK_STR(xs_daemon_tdb(), "/srv/xs/tdb");
	errno = 0;
	CHECK(xs_open(0) == NULL);
	CHECK_INT(errno, ENOENT);
	xs_close(NULL);
	unsetenv("XENSTORED_PATH");
	unsetenv("XENSTORED_ROOTDIR");
}

int main(void)
{
	RUN(test_strings_to_perms);
	RUN(test_perm_to_string);
	RUN(test_count_strings_and_subpath);
	RUN(test_socket_and_dirs_from_environment);
	return unit_done();
}
