#include "fdclose.h"

#include <unistd.h>

/* An insertion sort: qsort may allocate, and n is a handful. */
static void sort_ints(int *v, int n)
{
	for (int i = 1; i < n; i++) {
		int x = v[i], j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void fd_close_except(unsigned from, int *keep, int n)
{
	unsigned lo = from;

	sort_ints(keep, n);
	for (int i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}
