/* A byte budget per interval (ratelimit.h): xenon-hv's vif rate=. */
#include "hypervisor/ratelimit.h"

#include <stdint.h>

void ratelimit_init(struct ratelimit *r, uint64_t bytes, uint32_t usecs, uint64_t now_ns)
{
	*r = (struct ratelimit){0};
	if (!bytes || !usecs)
		return;
	r->budget = bytes > INT64_MAX / 2 ? INT64_MAX / 2 : bytes;
	r->left = (int64_t)r->budget;
	r->interval_ns = (uint64_t)usecs * 1000;
	r->next_ns = now_ns + r->interval_ns;
}

bool ratelimit_on(const struct ratelimit *r)
{
	return r->budget != 0;
}

/* The intervals that have begun since: a budget each pays the debt, and
 * what is left is never more than one budget (no hoarding); the next
 * interval starts on the grid of the first (a late caller does not shift it). */
static void refill(struct ratelimit *r, uint64_t now_ns)
{
	uint64_t begun, owed, paid_by;

	if (now_ns < r->next_ns)
		return;
	begun = (now_ns - r->next_ns) / r->interval_ns + 1;
	owed = r->left < 0 ? (uint64_t)-r->left : 0;
	paid_by = owed / r->budget + 1; /* the interval whose budget pays the last of it */
	if (begun > paid_by) {
		r->left = (int64_t)r->budget;
	} else { /* begun * budget <= owed + budget: no overflow */
		int64_t left = (int64_t)(begun * r->budget) - (int64_t)owed;

		r->left = left < (int64_t)r->budget ? left : (int64_t)r->budget;
	}
	r->next_ns += begun * r->interval_ns;
}

bool ratelimit_take(struct ratelimit *r, uint64_t len, uint64_t now_ns)
{
	if (!ratelimit_on(r))
		return true;
	refill(r, now_ns);
	if (r->left >= 0 && len <= (uint64_t)r->left) {
		r->left -= (int64_t)len;
		return true;
	}
	if (len > r->budget && r->left == (int64_t)r->budget) {
		/* too big ever to fit: it goes on a whole budget, and owes the rest */
		r->left -= len > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)len;
		return true;
	}
	return false;
}

uint64_t ratelimit_next(const struct ratelimit *r)
{
	return r->next_ns;
}
