/* A cap on the messages a guest can cause (loglimit.h). */
#include "hypervisor/loglimit.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

/* Threads race on a site's counters: the cap is approximate, never exceeded by more than the threads. */
int loglimit_take(struct loglimit *l, uint64_t now_ns)
{
	uint64_t start = __atomic_load_n(&l->window_ns, __ATOMIC_RELAXED);
	unsigned n;

	if (now_ns - start >= LOGLIMIT_WINDOW_NS &&
	    __atomic_compare_exchange_n(&l->window_ns, &start, now_ns, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		__atomic_store_n(&l->count, 0, __ATOMIC_RELAXED);
	n = __atomic_fetch_add(&l->count, 1, __ATOMIC_RELAXED);
	if (n + 1 < LOGLIMIT_BURST)
		return 1;
	return n + 1 == LOGLIMIT_BURST ? 2 : 0;
}

void log_warnx_limited(struct loglimit *l, const char *fmt, ...)
{
	struct timespec ts;
	char msg[256];
	va_list ap;
	int take;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	take = loglimit_take(l, (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
	if (!take)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s%s", msg, take == 2 ? " (more like this in the next second are not logged)" : "");
}
