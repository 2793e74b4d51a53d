#include "buf.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_grows_by_doubling_from_first(void)
{
	size_t cap = 0;
	char *b = buf_grow(NULL, &cap, 10, 64), *same;

	CHECK(b != NULL);
	CHECK(cap == 64);
	memcpy(b, "held", 5);
	same = buf_grow(b, &cap, 64, 64); /* fits: nothing moves */
	CHECK(same == b && cap == 64);
	b = buf_grow(b, &cap, 65, 64);
	CHECK(b != NULL && cap == 128);
	b = buf_grow(b, &cap, 1000, 64); /* doubled until it holds: 1024 */
	CHECK(b != NULL && cap == 1024);
	CHECK(strcmp(b, "held") == 0); /* what it held stays */
	free(b);
}

static void test_too_large_leaves_it_as_it_was(void)
{
	size_t cap = 0;
	char *b = buf_grow(NULL, &cap, 1, 16);

	CHECK(b != NULL && cap == 16);
	CHECK(buf_grow(b, &cap, SIZE_MAX, 16) == NULL); /* no size doubles to it */
	CHECK(cap == 16);
	b[15] = 'x'; /* still ours */
	free(b);
}

int main(void)
{
	RUN(test_grows_by_doubling_from_first);
	RUN(test_too_large_leaves_it_as_it_was);
	return unit_done();
}
