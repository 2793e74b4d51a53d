/*
 * xentoollog.h: the logger a program hands libxl at libxl_ctx_alloc(), in
 * the shape of Xen's xentoollog: a struct whose vmessage is called for each
 * message. libxl never prints by itself: without a logger its messages are
 * dropped. See libxl(3).
 */
#ifndef XENTOOLLOG_H
#define XENTOOLLOG_H

#include <stdarg.h>

typedef enum {
	XTL_NONE,
	XTL_DEBUG,
	XTL_VERBOSE,
	XTL_DETAIL,
	XTL_PROGRESS,
	XTL_INFO,
	XTL_NOTICE,
	XTL_WARN,
	XTL_ERROR,
	XTL_CRITICAL,
	XTL_NUM_LEVELS
} xentoollog_level;

typedef struct xentoollog_logger xentoollog_logger;
struct xentoollog_logger {
	/* One message: its level, the errno it concerns (-1: none), who
	 * speaks ("libxl"), printf's format and arguments. */
	void (*vmessage)(struct xentoollog_logger *logger, xentoollog_level level, int errnoval, const char *context,
			 const char *format, va_list al) __attribute__((format(printf, 5, 0)));
	/* Progress of a long task (Xenon's libxl does not call it yet). */
	void (*progress)(struct xentoollog_logger *logger, const char *context, const char *doing_what, int percent,
			 unsigned long done, unsigned long total);
	/* Called by the logger's owner, never by libxl. */
	void (*destroy)(struct xentoollog_logger *logger);
};

#endif
