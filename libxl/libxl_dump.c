/*
 * libxl_domain_core_dump (xl dump-core, on_crash=coredump-*): libxl
 * creates the file and passes its descriptor to the domain's xenon-hv
 * (HVCTL_DUMP_CORE), which cannot open host paths in its sandbox and
 * writes the ELF core (hypervisor/dumpcore.c). A failed dump leaves no file.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

int libxl_domain_core_dump(libxl_ctx *ctx, uint32_t domid, const char *filename, uint64_t *bytes)
{
	struct hvctl_save_result res;
	int hv = -1, fd, rc;

	if (domid == 0) {
		log_warnx("dump-core: Domain-0 is the host: its memory is not a guest's");
		return -EINVAL;
	}
	rc = libxl__hv_connect(ctx, domid, &hv);
	if (rc < 0)
		return rc;
	fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		log_warnx("dump-core: cannot create %s: %s", filename, log_strerror(rc));
		close(hv);
		return rc;
	}
	rc = hvctl_dump_core(hv, fd, &res);
	close(hv);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		log_warnx("dump-core: domain %u's core could not be written to %s: %s", domid, filename,
			  log_strerror(rc));
		unlink(filename);
		return rc;
	}
	if (bytes)
		*bytes = res.bytes;
	return 0;
}
