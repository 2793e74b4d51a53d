/*
 * A tiny TAP producer for C unit tests. Each test is a function; CHECK()
 * records a failure with file:line and the test goes on.
 *
 *   static void test_x(void) { CHECK(1 + 1 == 2); CHECK_STR(a, "b"); }
 *   int main(void) { RUN(test_x); return unit_done(); }
 *
 * Output is TAP ("ok N - name" / "not ok N - name"); tests/run counts it.
 */
#ifndef XENON_UNIT_H
#define XENON_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed_checks;
static int unit_number;
static int unit_failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_failed_checks++;                                         \
		}                                                                     \
	} while (0)

#define CHECK_INT(a, b)                                                               \
	do {                                                                          \
		long long unit_a = (long long)(a), unit_b = (long long)(b);           \
		if (unit_a != unit_b) {                                               \
			printf("# %s:%d: %s == %lld, expected %lld\n", __FILE__,      \
			       __LINE__, #a, unit_a, unit_b);                         \
			unit_failed_checks++;                                         \
		}                                                                     \
	} while (0)

#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *unit_a = (a), *unit_b = (b);                              \
		if (!unit_a || !unit_b || strcmp(unit_a, unit_b)) {                   \
			printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,  \
			       __LINE__, #a, unit_a ? unit_a : "(null)",              \
			       unit_b ? unit_b : "(null)");                           \
			unit_failed_checks++;                                         \
		}                                                                     \
	} while (0)

#define RUN(fn) unit_run(#fn, fn)

static inline void unit_run(const char *name, void (*fn)(void))
{
	int before = unit_failed_checks;

	fn();
	fflush(stdout);
	unit_number++;
	if (unit_failed_checks == before) {
		printf("ok %d - %s\n", unit_number, name);
	} else {
		printf("not ok %d - %s\n", unit_number, name);
		unit_failures++;
	}
	fflush(stdout);
}

static inline int unit_done(void)
{
	printf("1..%d\n", unit_number);
	return unit_failures ? 1 : 0;
}

#endif
