/*
 * --dmesg FD: xenon-hv's warnings also go to the host's message ring
 * (common/msgring.h; `xl dmesg`), one line each, as Xen's hypervisor
 * prints them: "(XEN) [<local time>] d<domid>: <message>". The ring is
 * mapped and its fd closed before the sandbox; every thread may log (the
 * ring's own lock word, no system call but the clock's and a short sleep).
 * What goes to the log (stderr) is unchanged.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msgring.h"

static struct msgring_map ring;
static uint32_t ring_domid;

static void ring_sink(void *arg, enum log_level level, int errnoval, const char *fmt, va_list ap)
{
	(void)arg;
	if (level >= LOGL_WARN) {
		char msg[MSGRING_LINE_MAX];
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(msg, sizeof(msg), fmt, copy);
		va_end(copy);
		/* -EBUSY: dropped, as a full console ring drops */
		msgring_logf(&ring, "d%u: %s%s%s", ring_domid, msg, errnoval >= 0 ? ": " : "",
			     errnoval >= 0 ? strerror(errnoval) : "");
	}
	if (errnoval >= 0)
		errno = errnoval;
	log_vmsg(errnoval >= 0, fmt, ap);
}

int hv_dmesg_start(const struct hv_args *a)
{
	int rc;

	if (a->dmesg_fd < 0)
		return 0;
	rc = msgring_map(a->dmesg_fd, &ring);
	close(a->dmesg_fd);
	if (rc) {
		log_warnx("--dmesg %d: not a message ring (%s)", a->dmesg_fd, log_strerror(rc));
		return rc;
	}
	tzset(); /* the local time zone, read while /etc is still there */
	ring_domid = a->domid;
	log_set_sink(ring_sink, NULL, NULL, NULL);
	return 0;
}
