/* The hypervisor's messages for `xl dmesg`: the ring every xenon-hv writes (common/msgring.h, libxl_hv.c). */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msgring.h"

struct libxl__xen_console_reader {
	char *text; /* the ring's lines, NUL-ended */
	char *next; /* the next line's start */
	char *line; /* the line read_line gave */
};

/* The ring's text into cr->text (an absent ring: none). */
static int read_ring(const char *path, bool clear, struct libxl__xen_console_reader *cr)
{
	struct msgring_map m;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = msgring_map(fd, &m);
	close(fd);
	if (!rc) {
		rc = msgring_read(&m, clear, &cr->text);
		msgring_unmap(&m);
	}
	return rc;
}

libxl_xen_console_reader *libxl_xen_console_read_start(libxl_ctx *ctx, int clear)
{
	struct libxl__xen_console_reader *cr = calloc(1, sizeof(*cr));
	char path[LIBXL_PATH_MAX] = "";
	int rc;

	if (!cr)
		return NULL;
	rc = libxl__dmesg_path(ctx, path, sizeof(path));
	if (!rc)
		rc = read_ring(path, clear, cr);
	if (rc == -EBADMSG)
		log_warnx("the message ring %s is damaged: the next message starts it again", path);
	else if (rc)
		log_warnx("cannot read the message ring %s: %s", path, strerror(-rc));
	if (rc) {
		free(cr);
		return NULL;
	}
	cr->next = cr->text;
	return cr;
}

int libxl_xen_console_read_line(libxl_ctx *ctx, libxl_xen_console_reader *cr, char **line_r)
{
	char *end;
	size_t len;

	(void)ctx;
	free(cr->line);
	cr->line = NULL;
	*line_r = NULL;
	if (!cr->next || !*cr->next)
		return 0;
	end = strchr(cr->next, '\n');
	len = end ? (size_t)(end - cr->next) + 1 : strlen(cr->next);
	cr->line = strndup(cr->next, len);
	if (!cr->line)
		return -ENOMEM;
	cr->next += len;
	*line_r = cr->line;
	return 1;
}

void libxl_xen_console_read_finish(libxl_ctx *ctx, libxl_xen_console_reader *cr)
{
	(void)ctx;
	if (!cr)
		return;
	free(cr->line);
	free(cr->text);
	free(cr);
}

int libxl__dmesg_map(libxl_ctx *ctx, struct msgring_map *m, char *path, size_t len)
{
	int fd, rc;

	m->img = NULL;
	path[0] = '\0';
	rc = libxl__dmesg_path(ctx, path, len);
	fd = rc ? rc : msgring_create(path);
	if (fd < 0)
		return fd;
	rc = msgring_map(fd, m);
	close(fd);
	return rc;
}

void libxl__dmesg_domain(libxl_ctx *ctx, uint32_t domid, const char *fmt, ...)
{
	char path[LIBXL_PATH_MAX], msg[MSGRING_LINE_MAX];
	struct msgring_map m;
	va_list ap;

	if (libxl__dmesg_map(ctx, &m, path, sizeof(path)))
		return; /* as a xenon-hv without its ring: the caller logs the message anyway */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msgring_logf(&m, "d%u: %s", domid, msg);
	msgring_unmap(&m);
}
