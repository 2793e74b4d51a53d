/*
 * The console pty checks (libxl/libxl_console.c): only "/dev/pts/<digits>"
 * is a console path, and a pty is opened only from its own master, never
 * by its path.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
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

static int new_pty(unsigned *index)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	CHECK(m >= 0);
	if (m >= 0 && (grantpt(m) || unlockpt(m) || ioctl(m, TIOCGPTN, index))) {
		close(m);
		m = -1;
	}
	return m;
}

/* The slave of a master's own pty opens; another pty's number, or no master, does not. */
static void test_from_master(void)
{
	unsigned index, other;
	int m = new_pty(&index), m2 = new_pty(&other), fd = -1;

	CHECK(m >= 0 && m2 >= 0);
	if (m < 0 || m2 < 0)
		return;
	CHECK_INT(libxl__pty_from_master(m, index, &fd), 0);
	CHECK(fd >= 0 && isatty(fd));
	CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	if (fd >= 0)
		close(fd);
	fd = -1;
	CHECK_INT(libxl__pty_from_master(m, other, &fd), -EACCES);
	CHECK_INT(fd, -1);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK_INT(libxl__pty_from_master(fd, index, &fd), -ENOTTY);
	close(fd);
	close(m);
	close(m2);
}

/*
 * From a process's masters (ours here): the pty it holds the master of is
 * opened; a pty it does not hold (its master closed, or one never made) is
 * refused with -EACCES.
 */
static void test_of_process(void)
{
	unsigned index, gone;
	int m = new_pty(&index), m2 = new_pty(&gone), fd = -1, self = pidfd_open(getpid(), 0);

	CHECK(m >= 0 && m2 >= 0 && self >= 0);
	if (m < 0 || m2 < 0 || self < 0)
		return;
	close(m2);
	CHECK_INT(libxl__pty_of_process(self, getpid(), index, &fd), 0);
	CHECK(fd >= 0 && isatty(fd));
	if (fd >= 0)
		close(fd);
	CHECK_INT(libxl__pty_of_process(self, getpid(), gone, &fd), -EACCES);
	CHECK_INT(libxl__pty_of_process(self, getpid(), 999999, &fd), -EACCES);
	close(m);
	CHECK_INT(libxl__pty_of_process(self, getpid(), index, &fd), -EACCES);
	close(self);
}

int main(void)
{
	RUN(test_path_rules);
	RUN(test_from_master);
	RUN(test_of_process);
	return unit_done();
}
