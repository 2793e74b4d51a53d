/*
 * Rate-limited logging: a message a client (or a stuck condition) can
 * repeat at will is logged at most LOG_RATE_BURST times per
 * LOG_RATE_PERIOD_MS; the first line after a quiet spell says how many were
 * left out. One struct log_rate per kind of message:
 *
 *   static struct log_rate refused = LOG_RATE("too many connections");
 *   log_rate(&refused, LOG_WARNX, "too many connections (%u): refused one", n);
 */
#ifndef XENON_XS_RATELIMIT_H
#define XENON_XS_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define LOG_RATE_BURST	   5
#define LOG_RATE_PERIOD_MS 60000

enum log_rate_level { LOG_WARNX, LOG_WARN, LOG_INFO };

struct log_rate {
	const char *what;  /* names the message in the "left out" line */
	int64_t start_ms;  /* this period's start (CLOCK_MONOTONIC) */
	unsigned count;	   /* lines logged in this period */
	uint64_t left_out; /* lines not logged since the last one */
};

#define LOG_RATE(what)                                                                                       \
	{                                                                                                    \
		(what), 0, 0, 0                                                                              \
	}

void log_rate(struct log_rate *r, enum log_rate_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
