#include "buf.h"

#include <stdint.h>
#include <stdlib.h>

void *buf_grow(void *buf, size_t *cap, size_t need, size_t first)
{
	size_t size = *cap ? *cap : first ? first : 1;
	void *p;

	if (buf && need <= *cap)
		return buf;
	while (size < need) {
		if (size > SIZE_MAX / 2)
			return NULL;
		size *= 2;
	}
	p = realloc(buf, size);
	if (p)
		*cap = size;
	return p;
}
