/*
 * libxentoollog (xentoollog.h, libxentoollog(3)): Xen's functions around
 * the logger interface libxl takes, so that a program written for Xen's
 * libxl makes its logger the same way here. The stdio logger writes
 * "[date ][[pid] ]context: level: message[: strerror]" lines.
 */
#include "libxl/xentoollog.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[XTL_NUM_LEVELS] = {
    [XTL_NONE] = "none",	 [XTL_DEBUG] = "debug",	      [XTL_VERBOSE] = "verbose",
    [XTL_DETAIL] = "detail",	 [XTL_PROGRESS] = "progress", [XTL_INFO] = "info",
    [XTL_NOTICE] = "notice",	 [XTL_WARN] = "warning",      [XTL_ERROR] = "error",
    [XTL_CRITICAL] = "critical",
};

const char *xtl_level_to_string(xentoollog_level level)
{
	return (unsigned)level < XTL_NUM_LEVELS ? level_names[level] : "invalid";
}

void xtl_logv(struct xentoollog_logger *logger, xentoollog_level level, int errnoval, const char *context,
	      const char *format, va_list al)
{
	int saved = errno;

	if (logger && logger->vmessage)
		logger->vmessage(logger, level, errnoval, context, format, al);
	errno = saved;
}

void xtl_log(struct xentoollog_logger *logger, xentoollog_level level, int errnoval, const char *context,
	     const char *format, ...)
{
	va_list al;

	va_start(al, format);
	xtl_logv(logger, level, errnoval, context, format, al);
	va_end(al);
}

void xtl_progress(struct xentoollog_logger *logger, const char *context, const char *doing_what,
		  unsigned long done, unsigned long total)
{
	unsigned long percent = 0;

	if (!logger || !logger->progress)
		return;
	if (total)
		/* done * 100 would overflow for a total that large: divide first */
		percent = total < ULONG_MAX / 100 ? done * 100 / total : done / ((total + 99) / 100);
	logger->progress(logger, context, doing_what, percent > INT_MAX ? INT_MAX : (int)percent, done,
			 total);
}

void xtl_logger_destroy(struct xentoollog_logger *logger)
{
	if (logger && logger->destroy)
		logger->destroy(logger);
}

/* ---- the stdio stream logger ---- */

struct xentoollog_logger_stdiostream {
	xentoollog_logger vtable; /* first: the logger is cast to it */
	FILE *f;
	xentoollog_level min_level;
	unsigned flags;
	bool progress_cr; /* progress redrawn in place */
	int progress_len; /* the width of the progress line on screen (0: none) */
	int last_percent;
};

/* A progress line drawn in place goes before anything else is written. */
static void progress_erase(xentoollog_logger_stdiostream *lg)
{
	if (lg->progress_len)
		fprintf(lg->f, "\r%*s\r", lg->progress_len, "");
	lg->progress_len = 0;
}

static void line_start(xentoollog_logger_stdiostream *lg)
{
	if (lg->flags & XTL_STDIOSTREAM_SHOW_DATE) {
		time_t now = time(NULL);
		struct tm tm;
		char when[64];

		if (localtime_r(&now, &tm) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm))
			fprintf(lg->f, "%s ", when);
	}
	if (lg->flags & XTL_STDIOSTREAM_SHOW_PID)
		fprintf(lg->f, "[%ld] ", (long)getpid());
}

static void stdiostream_vmessage(xentoollog_logger *logger, xentoollog_level level, int errnoval,
				 const char *context, const char *format, va_list al)
{
	xentoollog_logger_stdiostream *lg = (xentoollog_logger_stdiostream *)logger;

	if (level < lg->min_level)
		return;
	progress_erase(lg);
	line_start(lg);
	if (context)
		fprintf(lg->f, "%s: ", context);
	fprintf(lg->f, "%s: ", xtl_level_to_string(level));
	vfprintf(lg->f, format, al);
	if (errnoval >= 0)
		fprintf(lg->f, ": %s", strerror(errnoval));
	fputc('\n', lg->f);
	fflush(lg->f);
}

static void stdiostream_message(xentoollog_logger *logger, xentoollog_level level, const char *context,
				const char *format, ...) __attribute__((format(printf, 4, 5)));
static void stdiostream_message(xentoollog_logger *logger, xentoollog_level level, const char *context,
				const char *format, ...)
{
	va_list al;

	va_start(al, format);
	stdiostream_vmessage(logger, level, -1, context, format, al);
	va_end(al);
}

/*
 * As Xen's: a percentage below the last starts a new task (progress level),
 * the same one again is not shown, steps under 5 points are detail.
 */
static void stdiostream_progress(xentoollog_logger *logger, const char *context, const char *doing_what,
				 int percent, unsigned long done, unsigned long total)
{
	xentoollog_logger_stdiostream *lg = (xentoollog_logger_stdiostream *)logger;
	xentoollog_level level = XTL_PROGRESS;
	int len;

	if (lg->flags & XTL_STDIOSTREAM_HIDE_PROGRESS || percent == lg->last_percent)
		return;
	if (percent > lg->last_percent && percent < lg->last_percent + 5)
		level = XTL_DETAIL;
	if (level < lg->min_level)
		return;
	lg->last_percent = percent;
	if (!lg->progress_cr) {
		stdiostream_message(logger, level, context, "%s: %lu/%lu  %3d%%", doing_what, done, total,
				    percent);
		return;
	}
	len = fprintf(lg->f, "\r%s%s%s: %lu/%lu  %3d%%", context ? context : "", context ? ": " : "",
		      doing_what, done, total, percent) -
	      1;
	if (len < lg->progress_len) /* what is left of a longer line */
		fprintf(lg->f, "%*s", lg->progress_len - len, "");
	lg->progress_len = len > lg->progress_len ? len : lg->progress_len;
	if (done == total) {
		fputc('\n', lg->f);
		lg->progress_len = 0;
	}
	fflush(lg->f);
}

static void stdiostream_destroy(xentoollog_logger *logger)
{
	xentoollog_logger_stdiostream *lg = (xentoollog_logger_stdiostream *)logger;

	progress_erase(lg);
	free(lg);
}

void xtl_stdiostream_set_minlevel(xentoollog_logger_stdiostream *lg, xentoollog_level min_level)
{
	lg->min_level = min_level;
}

void xtl_stdiostream_adjust_flags(xentoollog_logger_stdiostream *lg, unsigned set_flags, unsigned clear_flags)
{
	lg->flags = (lg->flags & ~clear_flags) | set_flags;
	if (lg->flags & XTL_STDIOSTREAM_HIDE_PROGRESS)
		progress_erase(lg);
}

xentoollog_logger_stdiostream *xtl_createlogger_stdiostream(FILE *f, xentoollog_level min_level,
							    unsigned flags)
{
	unsigned cr = flags & (XTL_STDIOSTREAM_PROGRESS_USE_CR | XTL_STDIOSTREAM_PROGRESS_NO_CR);
	xentoollog_logger_stdiostream lg = {.f = f, .min_level = min_level, .flags = flags};

	if (cr == (XTL_STDIOSTREAM_PROGRESS_USE_CR | XTL_STDIOSTREAM_PROGRESS_NO_CR)) {
		errno = EINVAL;
		return NULL;
	}
	lg.progress_cr = cr ? cr == XTL_STDIOSTREAM_PROGRESS_USE_CR : isatty(fileno(f)) == 1;
	if (flags & XTL_STDIOSTREAM_SHOW_DATE)
		tzset();
	return XTL_NEW_LOGGER(stdiostream, lg);
}
