/* hypervisor/ratelimit.c: a vif's rate= budget, on a clock the test gives. */
#include "hypervisor/ratelimit.h"
#include "unit.h"

#define MS 1000000ULL

static void test_off(void)
{
	struct ratelimit r;

	ratelimit_init(&r, 0, 50000, 0);
	CHECK(!ratelimit_on(&r));
	CHECK(ratelimit_take(&r, 1 << 30, 0));
	ratelimit_init(&r, 1000, 0, 0);
	CHECK(!ratelimit_on(&r));
}

/* rate=10Mb/s@20ms: 25000 bytes every 20 ms. */
static void test_budget_per_interval(void)
{
	struct ratelimit r;
	unsigned sent = 0;

	ratelimit_init(&r, 25000, 20000, 100 * MS);
	CHECK(ratelimit_on(&r));
	while (ratelimit_take(&r, 1500, 100 * MS))
		sent++;
	CHECK_INT(sent, 16); /* 16 x 1500 = 24000; a 17th does not fit */
	CHECK(!ratelimit_take(&r, 1500, 119 * MS));
	CHECK(ratelimit_take(&r, 1000, 119 * MS)); /* what is left still goes */
	CHECK(!ratelimit_take(&r, 1, 119 * MS));
	CHECK_INT(ratelimit_next(&r), 120 * MS);
	CHECK(ratelimit_take(&r, 25000, 120 * MS)); /* whole again */
	CHECK(!ratelimit_take(&r, 1, 139 * MS));
}

/* Idle for several intervals: one budget, not the sum of the missed ones;
 * the interval grid stays where it was. */
static void test_no_hoarding(void)
{
	struct ratelimit r;

	ratelimit_init(&r, 1000, 10000, 0);
	CHECK(ratelimit_take(&r, 1000, 55 * MS));
	CHECK(!ratelimit_take(&r, 1, 55 * MS));
	CHECK_INT(ratelimit_next(&r), 60 * MS);
	CHECK(ratelimit_take(&r, 1000, 60 * MS));
}

/* A packet larger than the budget goes on a whole budget, and owes the
 * rest: 4000 bytes at 1000 a 10 ms interval, nothing more for 30 ms. */
static void test_oversized(void)
{
	struct ratelimit r;

	ratelimit_init(&r, 1000, 10000, 0);
	CHECK(ratelimit_take(&r, 1, 0));
	CHECK(!ratelimit_take(&r, 4000, 1 * MS)); /* not whole: waits */
	CHECK(ratelimit_take(&r, 4000, 10 * MS));
	CHECK(!ratelimit_take(&r, 1, 19 * MS));
	CHECK(!ratelimit_take(&r, 1, 20 * MS)); /* 2000 owed */
	CHECK(!ratelimit_take(&r, 1, 40 * MS)); /* paid: 4 intervals' budgets */
	CHECK_INT(ratelimit_next(&r), 50 * MS);
	CHECK(ratelimit_take(&r, 1000, 50 * MS));
}

/* A debt that is not a whole number of budgets: the interval that pays its
 * last part keeps only what is left of its budget (3500 at 1000 a 10 ms
 * interval: 500 at 40 ms, not 1000). */
static void test_debt_paid_in_part(void)
{
	struct ratelimit r;

	ratelimit_init(&r, 1000, 10000, 0);
	CHECK(ratelimit_take(&r, 3500, 0)); /* owes 2500 */
	CHECK(!ratelimit_take(&r, 1, 29 * MS));
	CHECK(!ratelimit_take(&r, 600, 30 * MS));
	CHECK(ratelimit_take(&r, 500, 30 * MS));
	CHECK(!ratelimit_take(&r, 1, 30 * MS));
	CHECK(ratelimit_take(&r, 1000, 40 * MS));
}

/* A guest sending 64 KiB frames (TSO) to a rate=1Mb/s@20ms vif (2500
 * bytes an interval): over 2 s it gets 100 budgets and one frame, not a
 * frame an interval. */
static void test_oversized_long_run(void)
{
	struct ratelimit r;
	uint64_t passed = 0, t;

	ratelimit_init(&r, 2500, 20000, 0);
	for (t = 0; t < 2000 * MS; t += MS)
		if (ratelimit_take(&r, 65536, t))
			passed += 65536;
	CHECK(passed <= 100 * 2500ULL + 65536);
	CHECK(passed >= 100 * 2500ULL - 65536); /* and no less than the rate */
}

/* A debt too large to count in intervals is paid by a long idle, not wrapped. */
static void test_huge_debt_and_idle(void)
{
	struct ratelimit r;

	ratelimit_init(&r, 1, 1, 0);
	CHECK(ratelimit_take(&r, UINT64_MAX, 0));
	CHECK(!ratelimit_take(&r, 1, 1000 * MS));
	ratelimit_init(&r, 1000, 10000, 0);
	CHECK(ratelimit_take(&r, 5000, 0));
	CHECK(ratelimit_take(&r, 1000, UINT64_MAX - 1)); /* paid long ago */
}

/* Over a long run the bytes that pass never exceed one budget per interval begun. */
static void test_long_run_bound(void)
{
	struct ratelimit r;
	uint64_t passed = 0, t;

	ratelimit_init(&r, 3000, 1000, 0);
	for (t = 0; t < 1000 * MS; t += 37000) /* every 37 us, a 700-byte packet */
		if (ratelimit_take(&r, 700, t))
			passed += 700;
	/* 1000 intervals of 1 ms, 4 packets (2800 bytes) fit in each */
	CHECK(passed <= 1001 * 3000ULL);
	CHECK_INT(passed, 1000 * 2800ULL);
}

int main(void)
{
	RUN(test_off);
	RUN(test_budget_per_interval);
	RUN(test_no_hoarding);
	RUN(test_oversized);
	RUN(test_debt_paid_in_part);
	RUN(test_oversized_long_run);
	RUN(test_huge_debt_and_idle);
	RUN(test_long_run_bound);
	return unit_done();
}
