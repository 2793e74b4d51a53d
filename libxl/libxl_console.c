/*
 * A domain's console: its pty and the output xenon-hv kept.
 *
 * The pty's path comes from xenon-hv's INFO reply, never from the guest's
 * /local/domain/<id>/console/tty: the guest owns that node and could point
 * it at any host file (docs/xenstore-trust.md). And since xenon-hv itself
 * runs guest-facing code, what it names is checked to be a pty slave
 * (/dev/pts/N: a character device of a devpts file system) before it is
 * opened, without following links and without becoming our terminal.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"

#define PTS_DIR		   "/dev/pts/"
#define DEVPTS_SUPER_MAGIC 0x1cd1
/* Linux's UNIX98_PTY_SLAVE_MAJOR and the majors after it (UNIX98_PTY_MAJOR_COUNT). */
#define PTY_SLAVE_MAJOR_MIN 136
#define PTY_SLAVE_MAJOR_MAX 143

int libxl__pty_path_valid(const char *path)
{
	const char *n;

	if (!path || strncmp(path, PTS_DIR, strlen(PTS_DIR)))
		return -EINVAL;
	n = path + strlen(PTS_DIR);
	if (!*n || strlen(n) > 10)
		return -EINVAL;
	for (; *n; n++)
		if (*n < '0' || *n > '9')
			return -EINVAL;
	return 0;
}

static bool is_pty_slave(const struct stat *st)
{
	unsigned maj = major(st->st_rdev);

	return S_ISCHR(st->st_mode) && maj >= PTY_SLAVE_MAJOR_MIN && maj <= PTY_SLAVE_MAJOR_MAX;
}

int libxl__pty_open(const char *path, int *fd)
{
	struct stat before, after;
	struct statfs fs;
	int f, rc = 0;

	if (libxl__pty_path_valid(path) < 0)
		return -ENOTTY;
	/* Look before opening: opening some devices does something by itself. */
	if (lstat(path, &before) < 0)
		return -errno;
	if (!is_pty_slave(&before))
		return -ENOTTY;
	f = open(path, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return -errno;
	/* And again on what was opened: the path may have changed in between. */
	if (fstat(f, &after) < 0 || fstatfs(f, &fs) < 0)
		rc = -errno;
	else if (!is_pty_slave(&after) || after.st_rdev != before.st_rdev || fs.f_type != DEVPTS_SUPER_MAGIC)
		rc = -ENOTTY;
	else if (fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK) < 0)
		rc = -errno;
	if (rc < 0) {
		close(f);
		return rc;
	}
	*fd = f;
	return 0;
}

int libxl_console_get_tty(libxl_ctx *ctx, uint32_t domid, char **path)
{
	struct hvctl_info info;
	int rc;

	(void)ctx;
	if (domid == LIBXL_DOMID_HOST)
		return -EINVAL;
	rc = libxl__hv_info(ctx, domid, &info);
	if (rc < 0)
		return rc;
	info.console_pty[sizeof(info.console_pty) - 1] = '\0';
	if (!info.console_pty[0])
		return -ENOENT; /* xenon-hv runs without a pty console */
	if (libxl__pty_path_valid(info.console_pty) < 0)
		return -ENOTTY;
	*path = strdup(info.console_pty);
	return *path ? 0 : -ENOMEM;
}

int libxl_console_open(libxl_ctx *ctx, uint32_t domid, int *fd)
{
	char *tty = NULL;
	int rc = libxl_console_get_tty(ctx, domid, &tty);

	if (rc == 0)
		rc = libxl__pty_open(tty, fd);
	free(tty);
	return rc;
}

int libxl_console_get_ring(libxl_ctx *ctx, uint32_t domid, char **buf, size_t *len)
{
	return libxl_console_get_ring_flush(ctx, domid, -1, buf, len);
}

int libxl_console_get_ring_flush(libxl_ctx *ctx, uint32_t domid, int con_fd, char **buf, size_t *len)
{
	uint32_t n = HVCTL_MAX_PACKET;
	char *b;
	int fd, rc;

	(void)ctx;
	rc = libxl__hv_connect(ctx, domid, &fd);
	if (rc < 0)
		return rc;
	b = malloc(n);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	rc = hvctl_call_fds(fd, HVCTL_CONSOLE_RING, NULL, 0, &con_fd, con_fd >= 0, b, &n);
	close(fd);
	if (rc < 0) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return 0;
}
