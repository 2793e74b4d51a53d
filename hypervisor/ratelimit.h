/*
 * A byte budget per interval, as Xen's netback applies a vif's rate=: the
 * budget is whole again at the start of each interval; a packet that does
 * not fit in what is left waits for the next one. A packet larger than the
 * whole budget passes when the budget is whole (it could never pass else)
 * and leaves a debt that the next intervals' budgets pay before anything
 * else passes (a guest sending 64 KiB TSO frames gets the rate too, not a
 * frame per interval). Pure: the caller gives the time (CLOCK_MONOTONIC ns).
 */
#ifndef XENON_HV_RATELIMIT_H
#define XENON_HV_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t budget; /* bytes per interval; 0: no limit */
	uint64_t interval_ns;
	int64_t left;	  /* bytes left in this interval; below 0: a debt */
	uint64_t next_ns; /* when the next interval starts */
};

/* bytes per usecs microseconds from now; bytes 0 (or usecs 0): no limit. */
void ratelimit_init(struct ratelimit *r, uint64_t bytes, uint32_t usecs, uint64_t now_ns);
bool ratelimit_on(const struct ratelimit *r);
/* Take len bytes at now_ns: true if they may go now, else false (nothing taken). */
bool ratelimit_take(struct ratelimit *r, uint64_t len, uint64_t now_ns);
/* When a packet refused at now_ns may be tried again (absolute ns). */
uint64_t ratelimit_next(const struct ratelimit *r);

#endif
