/*
 * One logging API for every Xenon program (ARCHITECTURE.md, Conventions).
 *
 *   log_warn(fmt, ...)   message + ": " + strerror(errno)
 *   log_warnx(fmt, ...)  message only
 *   log_info / log_debug shown with verbosity >= 1 / >= 2
 *   fatal(fmt, ...)      log_warnx then exit(1); only for main() and command handlers
 *   fatalx(fmt, ...)     same, without strerror
 *
 * Messages go to stderr as "<program>: <message>" (or to the file set with
 * log_set_file, timestamped, for daemons and monitors), or to the sink set
 * with log_set_sink (libxl hands them to its caller's logger that way).
 *
 * Error codes: functions return 0 (or a non-negative count) on success and a
 * negative errno value on failure; use log_strerror(-rc) to print one.
 */
#ifndef XENON_LOG_H
#define XENON_LOG_H

#include <stdarg.h>
#include <stdio.h>

void log_init(const char *progname);
void log_set_verbosity(int level);
int log_verbosity(void);
/* Send messages to fp (NULL: back to stderr); lines get a timestamp. */
void log_set_file(FILE *fp);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_vmsg(int with_errno, const char *fmt, va_list ap);

/* Where log_warn ... fatalx send their messages instead of stderr, when
 * set: the level, errno for log_warn/fatal (else -1), the format and its
 * arguments. log_info/log_debug still obey the verbosity first. */
enum log_level { LOGL_DEBUG, LOGL_INFO, LOGL_WARN, LOGL_FATAL };
typedef void log_sink_fn(void *arg, enum log_level level, int errnoval, const char *fmt, va_list ap);
/* Set (fn NULL: back to stderr or the file); the previous one in *old_fn,
 * *old_arg when those are not NULL. */
void log_set_sink(log_sink_fn *fn, void *arg, log_sink_fn **old_fn, void **old_arg);

/* strerror for a negative or positive errno value. */
const char *log_strerror(int err);

#endif
