#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_progname = "xenon";
static int log_level;
static FILE *log_fp;
static log_sink_fn *log_sink;
static void *log_sink_arg;

void log_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');

	log_progname = slash ? slash + 1 : progname;
}

void log_set_verbosity(int level)
{
	log_level = level;
}

int log_verbosity(void)
{
	return log_level;
}

void log_set_file(FILE *fp)
{
	log_fp = fp;
}

const char *log_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

static void log_stamp(FILE *fp)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(fp, "%s.%03ld ", buf, ts.tv_nsec / 1000000);
}

void log_vmsg(int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	FILE *fp = log_fp ? log_fp : stderr;

	if (log_fp)
		log_stamp(fp);
	fprintf(fp, "%s: ", log_progname);
	vfprintf(fp, fmt, ap);
	if (with_errno)
		fprintf(fp, ": %s", strerror(saved));
	fputc('\n', fp);
	fflush(fp);
	errno = saved;
}

void log_set_sink(log_sink_fn *fn, void *arg, log_sink_fn **old_fn, void **old_arg)
{
	if (old_fn)
		*old_fn = log_sink;
	if (old_arg)
		*old_arg = log_sink_arg;
	log_sink = fn;
	log_sink_arg = arg;
}

/* To the sink if one is set, else as log_vmsg. */
static void log_emit(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;

	if (!log_sink) {
		log_vmsg(with_errno, fmt, ap);
		return;
	}
	log_sink(log_sink_arg, level, with_errno ? saved : -1, fmt, ap);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_WARN, 1, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_WARN, 0, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	log_emit(LOGL_INFO, 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	log_emit(LOGL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_FATAL, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_FATAL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
