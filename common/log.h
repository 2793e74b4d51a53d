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
 * log_set_file, timestamped, for daemons and monitors).
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

/* strerror for a negative or positive errno value. */
const char *log_strerror(int err);

#endif
