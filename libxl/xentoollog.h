/*
 * xentoollog.h: the logger a program hands libxl at libxl_ctx_alloc(), in
 * the shape of Xen's xentoollog: a struct whose vmessage is called for each
 * message. libxl never prints by itself: without a logger its messages are
 * dropped. See libxl(3).
 *
 * libxentoollog (libxentoollog(3), -lxentoollog, xentoollog.pc) has Xen's
 * functions around it: a logger that writes to a stdio stream, and
 * xtl_log / xtl_progress to send a logger messages.
 */
#ifndef XENTOOLLOG_H
#define XENTOOLLOG_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
	void (*vmessage)(struct xentoollog_logger *logger, xentoollog_level level, int errnoval,
			 const char *context, const char *format, va_list al)
	    __attribute__((format(printf, 5, 0)));
	/* Progress of a long task (Xenon's libxl does not call it yet). */
	void (*progress)(struct xentoollog_logger *logger, const char *context, const char *doing_what,
			 int percent, unsigned long done, unsigned long total);
	/* Called by the logger's owner, never by libxl. */
	void (*destroy)(struct xentoollog_logger *logger);
};

/* ---- libxentoollog: a logger writing to a stdio stream ---- */

#define XTL_STDIOSTREAM_SHOW_PID      001u /* "[1234] " before each line */
#define XTL_STDIOSTREAM_SHOW_DATE     002u /* "2026-12-07 11:30:00 UTC " before that */
#define XTL_STDIOSTREAM_HIDE_PROGRESS 004u /* no progress lines */
/* Progress redrawn in place with \r (default: when the stream is a tty),
 * or one line each time; not both. */
#define XTL_STDIOSTREAM_PROGRESS_USE_CR 010u
#define XTL_STDIOSTREAM_PROGRESS_NO_CR	020u

typedef struct xentoollog_logger_stdiostream xentoollog_logger_stdiostream;

/*
 * A logger writing "[date ][[pid] ]context: level: message[: strerror]"
 * lines to f for messages of min_level and above. NULL (errno set) when
 * memory runs out or flags ask for both progress styles. It is a
 * xentoollog_logger (cast it); xtl_logger_destroy frees it, f stays open.
 */
xentoollog_logger_stdiostream *xtl_createlogger_stdiostream(FILE *f, xentoollog_level min_level,
							    unsigned flags);
void xtl_stdiostream_set_minlevel(xentoollog_logger_stdiostream *lg, xentoollog_level min_level);
/* Flags in set_flags are set, then those in clear_flags not in set_flags cleared. */
void xtl_stdiostream_adjust_flags(xentoollog_logger_stdiostream *lg, unsigned set_flags,
				  unsigned clear_flags);
/* Its destroy (NULL: nothing). */
void xtl_logger_destroy(struct xentoollog_logger *logger);

/* ---- sending a logger messages (errno is kept across them) ---- */

void xtl_logv(struct xentoollog_logger *logger, xentoollog_level level, int errnoval, const char *context,
	      const char *format, va_list al) __attribute__((format(printf, 5, 0)));
void xtl_log(struct xentoollog_logger *logger, xentoollog_level level, int errnoval, const char *context,
	     const char *format, ...) __attribute__((format(printf, 5, 6)));
/* done of total, as a percentage, to the logger's progress (if it has one). */
void xtl_progress(struct xentoollog_logger *logger, const char *context, const char *doing_what,
		  unsigned long done, unsigned long total);
/* "debug", "verbose", ... "critical"; never NULL. */
const char *xtl_level_to_string(xentoollog_level level);

/*
 * For a logger of one's own, as Xen's: given struct
 * xentoollog_logger_NAME (a xentoollog_logger named vtable first) and
 * NAME_vmessage, NAME_progress and NAME_destroy, a malloc'd copy of
 * buffer with its vtable filled in (NULL when memory runs out).
 */
#define XTL_NEW_LOGGER(NAME, buffer)                                                                         \
	({                                                                                                   \
		xentoollog_logger_##NAME *xtl_new_;                                                          \
		(buffer).vtable.vmessage = NAME##_vmessage;                                                  \
		(buffer).vtable.progress = NAME##_progress;                                                  \
		(buffer).vtable.destroy = NAME##_destroy;                                                    \
		xtl_new_ = malloc(sizeof(*xtl_new_));                                                        \
		if (xtl_new_)                                                                                \
			*xtl_new_ = (buffer);                                                                \
		else                                                                                         \
			xtl_log((xentoollog_logger *)&(buffer), XTL_CRITICAL, errno, "xtl",                  \
				"cannot allocate a logger");                                                 \
		xtl_new_;                                                                                    \
	})

#endif
