/*
 * libxl_domain_core_dump (xl dump-core, on_crash=coredump-*): libxl
 * creates the file and passes its descriptor to the domain's xenon-hv
 * (HVCTL_DUMP_CORE), which cannot open host paths in its sandbox and
 * writes the ELF core (hypervisor/dumpcore.c). The core is written under a
 * temporary name in the file's directory and renamed at the end: a failed
 * (or killed) dump never leaves a partial file under the name asked for.
 *
 * A domain created with hold_on (on_*=coredump-*) that ended is kept by its
 * xenon-hv, paused, for the dump: libxl_domain_release_held ends it.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

#define RELEASE_WAIT_MS 5000

/* "<dir>/.<base>.XXXXXX", opened 0600; -errno. */
static int open_temp(const char *filename, char *tmp, size_t len)
{
	char a[LIBXL_PATH_MAX], b[LIBXL_PATH_MAX];
	int fd;

	if (snprintf(a, sizeof(a), "%s", filename) >= (int)sizeof(a))
		return -ENAMETOOLONG;
	memcpy(b, a, sizeof(b));
	if (libxl__path(tmp, len, "%s/.%s.XXXXXX", dirname(a), basename(b)) < 0)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int libxl_domain_core_dump(libxl_ctx *ctx, uint32_t domid, const char *filename, uint64_t *bytes)
{
	struct hvctl_save_result res;
	char tmp[LIBXL_PATH_MAX];
	int hv = -1, fd, rc;

	if (domid == 0) {
		log_warnx("dump-core: Domain-0 is the host: its memory is not a guest's");
		return -EINVAL;
	}
	rc = libxl__hv_connect(ctx, domid, &hv);
	if (rc < 0)
		return rc;
	fd = open_temp(filename, tmp, sizeof(tmp));
	if (fd < 0) {
		log_warnx("dump-core: cannot create %s: %s", filename, log_strerror(fd));
		close(hv);
		return fd;
	}
	rc = hvctl_dump_core(hv, fd, &res);
	close(hv);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, filename) < 0)
		rc = -errno;
	if (rc < 0) {
		log_warnx("dump-core: domain %u's core could not be written to %s: %s", domid, filename,
			  log_strerror(rc));
		unlink(tmp);
		return rc;
	}
	if (bytes)
		*bytes = res.bytes;
	return 0;
}

/* 1 (and *how) when the domain's xenon-hv keeps it after its end, 0 when not, or -errno. */
int libxl__domain_held(libxl_ctx *ctx, uint32_t domid, libxl_death *how)
{
	struct hvctl_info info;
	int rc = libxl__hv_info(ctx, domid, &info);

	if (rc < 0)
		return rc;
	if (!info.held || info.held > 256)
		return 0;
	*how = libxl__death_from_wait_status((int)(info.held - 1) << 8); /* as exit(held - 1) */
	return 1;
}

int libxl_domain_release_held(libxl_ctx *ctx, uint32_t domid)
{
	int pid = libxl__read_pid(ctx, domid, "hv-pid"), fd, rc, status;

	if (pid <= 0)
		return -ESRCH;
	rc = libxl__hv_connect(ctx, domid, &fd);
	if (rc == 0) {
		rc = hvctl_destroy(fd);
		close(fd);
	}
	if (rc < 0)
		log_warnx("domain %u: xenon-hv did not take the destroy request (%s); killing it", domid,
			  log_strerror(rc));
	if (libxl__pid_wait_exit(pid, rc < 0 ? 0 : RELEASE_WAIT_MS) == -ETIMEDOUT &&
	    libxl__hv_kill(ctx, domid, pid) > 0)
		libxl__pid_wait_exit(pid, RELEASE_WAIT_MS);
	/* Reaped only once ended: a xenon-hv that would not end never blocks its monitor for ever. */
	if (waitpid(pid, &status, WNOHANG) == 0) {
		log_warnx("domain %u: its xenon-hv (pid %d) still runs after SIGKILL: not waiting for it; "
			  "'xl destroy %u' tries again",
			  domid, pid, domid);
		return -ETIMEDOUT;
	}
	return rc;
}
