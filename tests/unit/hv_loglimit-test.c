/* hypervisor/loglimit.c: the cap on messages a guest can cause, on a clock the test gives. */
#include "hypervisor/loglimit.h"
#include "unit.h"

#define MS 1000000ULL

/* LOGLIMIT_BURST in a second: the last says more are dropped, then nothing until the next second. */
static void test_burst_per_second(void)
{
	struct loglimit l = {0};
	unsigned i;

	for (i = 0; i + 1 < LOGLIMIT_BURST; i++)
		CHECK_INT(loglimit_take(&l, 5000 * MS + i), 1);
	CHECK_INT(loglimit_take(&l, 5000 * MS + 100), 2);
	for (i = 0; i < 100000; i++)
		CHECK_INT(loglimit_take(&l, 5000 * MS + 200 + i), 0);
	CHECK_INT(loglimit_take(&l, 5999 * MS), 0);
	CHECK_INT(loglimit_take(&l, 6000 * MS), 1); /* a new second */
}

/* A guest that causes the message without end gets at most BURST lines a second logged. */
static void test_flood_bounded(void)
{
	struct loglimit l = {0};
	unsigned logged = 0;

	for (uint64_t t = 0; t < 10000 * MS; t += MS / 10)
		logged += loglimit_take(&l, 10 * 1000 * MS + t) != 0;
	CHECK_INT(logged, 10 * LOGLIMIT_BURST);
}

/* The first message ever is logged, whatever the clock says. */
static void test_first_message(void)
{
	struct loglimit l = {0};

	CHECK_INT(loglimit_take(&l, 0), 1);
	l = (struct loglimit){0};
	CHECK_INT(loglimit_take(&l, 123), 1);
}

int main(void)
{
	RUN(test_burst_per_second);
	RUN(test_flood_bounded);
	RUN(test_first_message);
	return unit_done();
}
