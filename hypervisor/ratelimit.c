/* A byte budget per interval (ratelimit.h): xenon-hv's vif rate=. */
#include "hypervisor/ratelimit.h"

void ratelimit_init(struct ratelimit *r, uint64_t bytes, uint32_t usecs, uint64_t now_ns)
{
	*r = (struct ratelimit){0};
	if (!bytes || !usecs)
		return;
	r->budget = r->left = bytes;
	r->interval_ns = (uint64_t)usecs * 1000;
	r->next_ns = now_ns + r->interval_ns;
}

bool ratelimit_on(const struct ratelimit *r)
{
	return r->budget != 0;
}

/* The intervals that have begun since: the budget is whole again, and the
 * next interval starts on the grid of the first (a late caller does not
 * shift it). */
static void refill(struct ratelimit *r, uint64_t now_ns)
{
	if (now_ns < r->next_ns)
		return;
	r->left = r->budget;
	r->next_ns += ((now_ns - r->next_ns) / r->interval_ns + 1) * r->interval_ns;
}

bool ratelimit_take(struct ratelimit *r, uint64_t len, uint64_t now_ns)
{
	if (!ratelimit_on(r))
		return true;
	refill(r, now_ns);
	if (len <= r->left) {
		r->left -= len;
		return true;
	}
	if (len > r->budget && r->left == r->budget) {
		r->left = 0; /* too big ever to fit: it goes on a whole budget */
		return true;
	}
	return false;
}

uint64_t ratelimit_next(const struct ratelimit *r)
{
	return r->next_ns;
}
