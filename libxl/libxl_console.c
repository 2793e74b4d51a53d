/*
 * A domain's console: its pty and the output xenon-hv kept.
 *
 * The pty's path comes from xenon-hv's INFO reply, never from the guest's
 * /local/domain/<id>/console/tty: the guest owns that node and could point
 * it at any host file (docs/xenstore-trust.md). And since xenon-hv itself
 * runs guest-facing code, no path it names is opened either: a taken-over
 * xenon-hv could name root's terminal. The pty is reached through the
 * master xenon-hv holds (the kernel says which pty that is), and our end of
 * it stays ours: xenon-hv flushes its own end for HVCTL_CONSOLE_RING.
 */
#include "libxl/libxl_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
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

int libxl__pty_from_master(int master, unsigned index, int *fd)
{
	struct stat st;
	struct statfs fs;
	unsigned n;
	int f, rc = 0;

	/* TIOCGPTN: the kernel's own number for the pty of this master. */
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return -ENOTTY;
	if (n != index)
		return -EACCES;
	f = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	if (fstat(f, &st) < 0 || fstatfs(f, &fs) < 0)
		rc = -errno;
	else if (!is_pty_slave(&st) || fs.f_type != DEVPTS_SUPER_MAGIC)
		rc = -ENOTTY;
	if (rc < 0) {
		close(f);
		return rc;
	}
	*fd = f;
	return 0;
}

/* Whether /proc/<pid>/fdinfo/<name> (written by the kernel) says "tty-index: <index>": a pty master's. */
static bool fdinfo_is_master(int dir, const char *name, unsigned index)
{
	char buf[1024], *line;
	unsigned n;
	ssize_t len;
	int f = openat(dir, name, O_RDONLY | O_CLOEXEC);

	if (f < 0)
		return false;
	len = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	line = strstr(buf, "\ntty-index:");
	return line && sscanf(line, "\ntty-index: %u", &n) == 1 && n == index;
}

/* A duplicate of the master of pty <index> that process pidfd/pid holds, or -EACCES. */
static int master_of(int pidfd, int pid, unsigned index, int *master)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int rc = -EACCES;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while (rc == -EACCES && (e = readdir(d))) {
		int target = atoi(e->d_name);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || !fdinfo_is_master(dirfd(d), e->d_name, index))
			continue;
		*master = pidfd_getfd(pidfd, target, 0);
		rc = *master >= 0 ? 0 : errno == EBADF ? -EACCES : -errno; /* EBADF: closed meanwhile */
	}
	closedir(d);
	return rc;
}

int libxl__pty_of_process(int pidfd, int pid, unsigned index, int *fd)
{
	int master = -1, rc = master_of(pidfd, pid, index, &master);

	if (rc < 0)
		return rc;
	/* Checked again on the master itself: the fd may have been replaced since fdinfo said so. */
	rc = libxl__pty_from_master(master, index, fd);
	close(master);
	return rc;
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

/*
 * Not by its path: the pty the domain's own xenon-hv (as dom0 recorded it,
 * hv-pid) holds the master of, taken from that master (its TIOCGPTPEER).
 * The number xenon-hv reports only says which of its ptys; one it does not
 * hold, say root's terminal, is refused (-EACCES) and never opened.
 */
int libxl_console_open(libxl_ctx *ctx, uint32_t domid, int *fd)
{
	char *tty = NULL;
	int pid, pidfd, rc = libxl_console_get_tty(ctx, domid, &tty);

	if (rc < 0)
		return rc;
	pid = libxl__read_pid(ctx, domid, "hv-pid");
	pidfd = pid > 0 ? pidfd_open(pid, 0) : -1;
	/* Checked after the pidfd is held: the pid cannot change hands in between. */
	if (pidfd < 0 || !libxl__hv_alive(ctx, domid, pid))
		rc = -ESRCH;
	else
		rc = libxl__pty_of_process(pidfd, pid, (unsigned)atoi(tty + strlen(PTS_DIR)), fd);
	if (pidfd >= 0)
		close(pidfd);
	free(tty);
	return rc;
}

int libxl_console_get_ring(libxl_ctx *ctx, uint32_t domid, char **buf, size_t *len)
{
	return libxl_console_get_ring_flush(ctx, domid, -1, buf, len);
}

int libxl_console_get_ring_flush(libxl_ctx *ctx, uint32_t domid, int con_fd, char **buf, size_t *len)
{
	uint32_t n = HVCTL_MAX_PACKET, flags = HVCTL_CONSOLE_RING_FLUSH;
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
	rc = hvctl_call(fd, HVCTL_CONSOLE_RING, &flags, con_fd >= 0 ? sizeof(flags) : 0, b, &n);
	close(fd);
	if (rc < 0) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return 0;
}
