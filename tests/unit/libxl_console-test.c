/*
 * The console pty checks (libxl/libxl_console.c): only "/dev/pts/<digits>"
 * is a console path, and only a pty slave on devpts is opened.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static void test_path_rules(void)
{
	CHECK_INT(libxl__pty_path_valid("/dev/pts/0"), 0);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/4095"), 0);
	CHECK_INT(libxl__pty_path_valid(NULL), -EINVAL);
	CHECK_INT(libxl__pty_path_valid(""), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/ptmx"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/etc/shadow"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/0/../../../etc/shadow"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/../../etc/shadow"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/1 "), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/-1"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/pts/12345678901"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("dev/pts/1"), -EINVAL);
	CHECK_INT(libxl__pty_path_valid("/dev/tty1"), -EINVAL);
}

/* A real pty opens; what is not one (even at a pty-like path) does not. */
static void test_open_checks(void)
{
	char name[64], file[] = "/tmp/libxl-console-test.XXXXXX";
	int m, fd = -1, f;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0);
	if (m < 0)
		return;
	CHECK(grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, sizeof(name)) == 0);
	CHECK_INT(libxl__pty_open(name, &fd), 0);
	CHECK(fd >= 0 && isatty(fd));
	CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	if (fd >= 0)
		close(fd);
	close(m);
	/* A path that passes the text rule but names no open pty. */
	CHECK(libxl__pty_open("/dev/pts/999999", &fd) < 0);
	/* Devices and files that are not pty slaves. */
	CHECK_INT(libxl__pty_open("/dev/null", &fd), -ENOTTY);
	CHECK_INT(libxl__pty_open("/dev/pts/ptmx", &fd), -ENOTTY);
	f = mkstemp(file);
	CHECK(f >= 0);
	if (f >= 0) {
		close(f);
		CHECK_INT(libxl__pty_open(file, &fd), -ENOTTY);
		unlink(file);
	}
}

int main(void)
{
	RUN(test_path_rules);
	RUN(test_open_checks);
	return unit_done();
}
