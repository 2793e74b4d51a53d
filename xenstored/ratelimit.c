/* Rate-limited logging (ratelimit.h). */
#include "ratelimit.h"

#include <errno.h>
#include <stdarg.h>
#include <time.h>

#include "log.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* May this line be logged? Counts it as left out when not. */
static bool log_rate_allow(struct log_rate *r)
{
	int64_t now = now_ms();

	if (!r->count || now - r->start_ms >= LOG_RATE_PERIOD_MS) {
		r->start_ms = now;
		r->count = 0;
	}
	if (r->count >= LOG_RATE_BURST) {
		r->left_out++;
		return false;
	}
	r->count++;
	return true;
}

void log_rate(struct log_rate *r, enum log_rate_level level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (level == LOG_INFO && log_verbosity() < 1)
		return;
	if (!log_rate_allow(r))
		return;
	if (r->left_out) {
		log_warnx("%llu more \"%s\" messages were left out (at most %d a minute)",
			  (unsigned long long)r->left_out, r->what, LOG_RATE_BURST);
		r->left_out = 0;
	}
	errno = saved;
	va_start(ap, fmt);
	log_vmsg(level == LOG_WARN, fmt, ap);
	va_end(ap);
}
