/*
 * xl console [-t pv|serial] [-n NUM] <Domain>: attach the terminal to the
 * domain's console (the pty xenon-hv made, reached through the master it
 * holds; the guest-writable console/tty node is never read). It first prints the recent
 * output xenon-hv kept, then relays both ways; ^] (Ctrl-]) detaches, as
 * with Xen's xenconsole. It ends when the domain does.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "iov.h"
#include "log.h"

#define ESCAPE_CHAR 0x1d /* ^] */

/* What libxl_console_open's errors mean to the user. */
static void console_error(uint32_t domid, int rc)
{
	if (rc == -ESRCH || rc == -ENOENT)
		log_warnx("console: domain %u has no console: it is not running (see 'xl list')", domid);
	else if (rc == -ENOTTY)
		log_warnx("console: domain %u's xenon-hv named a console that is not a pty (/dev/pts/N); "
			  "not opening it",
			  domid);
	else if (rc == -EACCES)
		log_warnx("console: domain %u's xenon-hv named as its console a pty that is not its own "
			  "(it holds no master of it): refused, nothing was opened. Its xenon-hv runs "
			  "guest-facing code and may be taken over: destroy the domain (xl destroy %u) and "
			  "read its xenon-hv log",
			  domid, domid);
	else if (rc == -ETIMEDOUT) {
		char dom[16];

		snprintf(dom, sizeof(dom), "%u", domid);
		xl_say_not_answering("console", dom);
	} else
		log_warnx("console: cannot open domain %u's console: %s", domid, log_strerror(rc));
}

/* The pty of xenon-hv's own master (libxl_console_open), never console/tty. */
static int open_console(libxl_ctx *ctx, uint32_t domid, int *fd)
{
	struct termios t;
	int rc = libxl_console_open(ctx, domid, fd);

	if (rc < 0) {
		console_error(domid, rc);
		return rc;
	}
	/* Raw: the guest's own shell does the echo and line editing. */
	if (tcgetattr(*fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(*fd, TCSANOW, &t);
	}
	return 0;
}

/*
 * The output xenon-hv kept. What is queued on con now is in the ring as
 * well: xenon-hv drops it from con as it copies the ring, so each byte is
 * printed once. A failure is said (only new output follows then).
 */
static void print_ring(libxl_ctx *ctx, uint32_t domid, int con)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = libxl_console_get_ring_flush(ctx, domid, con, &buf, &len);

	if (rc == 0)
		fd_write_all(1, buf, len);
	else
		log_warnx("console: domain %u's recent output could not be read (%s): only what it prints "
			  "from now on follows",
			  domid, log_strerror(rc));
	free(buf);
}

/* Relay until ^], end of input or the console going away; 0 on a clean end. */
static int relay(int con)
{
	struct pollfd p[2] = {{0, POLLIN, 0}, {con, POLLIN, 0}};
	char buf[4096];
	ssize_t n;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(con, buf, sizeof(buf));
			if (n <= 0)
				return 0; /* the domain has gone */
			fd_write_all(1, buf, (size_t)n);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			char *esc;

			n = read(0, buf, sizeof(buf));
			if (n <= 0)
				return 0;
			esc = memchr(buf, ESCAPE_CHAR, (size_t)n);
			if (esc) {
				fd_write_all(con, buf, (size_t)(esc - buf));
				return 0;
			}
			fd_write_all(con, buf, (size_t)n);
		}
	}
}

int xl_console_attach(libxl_ctx *ctx, uint32_t domid)
{
	struct termios saved, raw;
	bool is_tty = isatty(0);
	int con, rc;

	rc = open_console(ctx, domid, &con);
	if (rc < 0)
		return rc;
	print_ring(ctx, domid, con);
	if (is_tty && tcgetattr(0, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	} else {
		is_tty = false;
	}
	rc = relay(con);
	if (is_tty)
		tcsetattr(0, TCSANOW, &saved);
	close(con);
	return rc;
}

int main_console(int argc, char **argv)
{
	libxl_ctx *ctx;
	uint32_t domid;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "n:t:", NULL, "console", 1)
	{
	case 't':
		if (strcmp(optarg, "pv") && strcmp(optarg, "serial")) {
			log_warnx("console: -t %s: the console types are 'pv' and 'serial'", optarg);
			return 1;
		}
		break;
	case 'n':
		if (strcmp(optarg, "0")) {
			log_warnx("console: -n %s: a Xenon domain has one console, number 0", optarg);
			return 1;
		}
		break;
	}
	if (xl_too_many_args(argc, argv, "console", 1))
		return 1;
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc =
	    xl_find_guest(ctx, "console", argv[optind], &domid, "Domain-0 is the host: use its own terminal");
	if (rc == 0)
		rc = xl_console_attach(ctx, domid);
	libxl_ctx_free(ctx);
	return rc < 0;
}
