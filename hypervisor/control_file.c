/*
 * The control socket's file: its directory, binding (a dead xenon-hv's file
 * replaced, a live one refused), the hidden name of a restore and its
 * publication, and its removal, by the unlinker when xenon-hv runs under a
 * uid of its own (control_file.h).
 */
#include "hypervisor/control_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "fdclose.h"
#include "log.h"

#define PUBLISH 'p' /* xenon-hv -> unlinker: rename it into place; answered with an int (0 or errno) */

/* The socket's directory (e.g. /run/xenon/domains) is created when missing. */
static int make_parent_dir(const char *path)
{
	char dir[108];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int open_parent(const char *path)
{
	char dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	slash[slash == dir] = '\0'; /* "/x.sock" -> "/" */
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static const char *base_name(const char *path)
{
	return strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
}

/* A socket file at path that nobody listens on (a dead xenon-hv's) is removed; a live one is -EADDRINUSE. */
static int clear_stale(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int live;

	if (probe < 0)
		return -errno;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	live = !connect(probe, (const struct sockaddr *)&sun, sizeof(sun));
	close(probe);
	if (live)
		return -EADDRINUSE;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int bind_at(int fd, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int rc;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (!bind(fd, (const struct sockaddr *)&sun, sizeof(sun)))
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	rc = clear_stale(path);
	if (!rc && bind(fd, (const struct sockaddr *)&sun, sizeof(sun)) < 0)
		rc = -errno;
	return rc;
}

static int bind_file(struct ctl_file *f, int fd, int hidden)
{
	const char *name = hidden ? f->incoming : f->path;
	int rc = make_parent_dir(f->path);

	/* The name it will take must be free (or a dead xenon-hv's) now, not only at the end. */
	if (!rc && hidden && !access(f->path, F_OK))
		rc = clear_stale(f->path);
	if (!rc)
		rc = bind_at(fd, name);
	/* The toolstack's (root's) alone: the sandboxed xenon-hv itself needs no path to it. */
	if (!rc && chmod(name, 0600) < 0)
		rc = -errno;
	return rc;
}

int ctl_file_bind(struct ctl_file *f, int fd, const char *path, int hidden)
{
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->dir_fd = f->unlinker_fd = -1;
	if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path) ||
	    (hidden && !hvctl_incoming_socket(path, f->incoming, sizeof(f->incoming))))
		rc = -ENAMETOOLONG;
	if (!rc)
		rc = bind_file(f, fd, hidden);
	if (rc == -EADDRINUSE)
		log_warnx("control socket %s: another xenon-hv is using it (is that domain already running?); "
			  "choose another --domid or --control",
			  path);
	else if (rc)
		log_warnx("control socket %s%s: %s", path,
			  rc == -ENAMETOOLONG ? " (with its hidden name while restoring)" : "",
			  log_strerror(rc));
	if (rc)
		return rc;
	f->bound = 1;
	f->published = !hidden;
	f->dir_fd = open_parent(path);
	return 0;
}

static int publish_at(int dir_fd, const char *incoming, const char *path)
{
	return renameat2(dir_fd, base_name(incoming), dir_fd, base_name(path), RENAME_NOREPLACE) < 0
		   ? -errno
		   : 0;
}

/* The unlinker: root's, holding only the directory and its socket; the file goes at EOF. */
static void unlinker_run(struct ctl_file *f, int sfd)
{
	int keep[2] = {f->dir_fd, sfd};
	char c;
	ssize_t n;

	fd_close_except(3, keep, 2);
	while ((n = read(sfd, &c, 1)) > 0 || (n < 0 && errno == EINTR)) {
		int err;

		if (n < 0 || c != PUBLISH)
			continue;
		/* Every request is answered (xenon-hv waits for it), a repeated one with 0. */
		err = f->published ? 0 : -publish_at(f->dir_fd, f->incoming, f->path);
		f->published = !err;
		if (write(sfd, &err, sizeof(err)) != sizeof(err))
			break;
	}
	unlinkat(f->dir_fd, base_name(f->published ? f->path : f->incoming), 0);
	_exit(0);
}

int ctl_file_unlinker(struct ctl_file *f)
{
	int sv[2];
	pid_t pid;

	if (f->dir_fd <= 2)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0)
		unlinker_run(f, sv[1]);
	close(sv[1]);
	f->unlinker_fd = sv[0];
	f->unlinker = pid;
	return 0;
}

int ctl_file_publish_ask(struct ctl_file *f)
{
	char c = PUBLISH;

	if (f->published || f->asked || f->unlinker_fd < 0)
		return 0;
	if (write(f->unlinker_fd, &c, 1) != 1)
		return -errno;
	f->asked = 1;
	return 0;
}

static int ask_unlinker(struct ctl_file *f)
{
	int err, rc = ctl_file_publish_ask(f);

	if (rc)
		return rc;
	f->asked = 0;
	if (read(f->unlinker_fd, &err, sizeof(err)) != sizeof(err))
		return -EPIPE;
	return -err;
}

int ctl_file_publish(struct ctl_file *f)
{
	int rc;

	if (f->published)
		return 0;
	rc = f->unlinker_fd >= 0 ? ask_unlinker(f) : publish_at(f->dir_fd, f->incoming, f->path);
	if (rc == -EEXIST)
		log_warnx("control socket %s: made by another xenon-hv while this domain was being restored: "
			  "is that domain running twice?",
			  f->path);
	else if (rc)
		log_warnx("control socket %s: cannot rename %s into place: %s", f->path, f->incoming,
			  log_strerror(rc));
	f->published = !rc;
	return rc;
}

void ctl_file_remove(struct ctl_file *f)
{
	const char *name = f->published ? f->path : f->incoming;

	if (!f->bound)
		return;
	if (f->unlinker_fd >= 0) {
		close(f->unlinker_fd);
		while (waitpid(f->unlinker, NULL, 0) < 0 && errno == EINTR)
			;
	} else if (f->dir_fd >= 0) {
		unlinkat(f->dir_fd, base_name(name), 0);
	} else {
		unlink(name);
	}
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	f->dir_fd = f->unlinker_fd = -1;
	f->bound = 0;
}
