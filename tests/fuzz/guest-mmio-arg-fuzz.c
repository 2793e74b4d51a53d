/*
 * libFuzzer target: the guest's virtio_mmio.device= parser (guest/mmio_arg.c),
 * built for the host. The input is a kernel command line: every word is
 * taken as mmio_arg_next finds it, and the whole input is also given to
 * mmio_arg_parse as one value without a terminating NUL (an exact-size copy,
 * so ASan reports a read past its end). Every window accepted must be within
 * the documented bounds, and the cursor must only move forward.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/mmio_arg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct mmio_arg *a)
{
	if (!a->size || a->size > MMIO_ARG_MAX_SIZE || a->base >= MMIO_ARG_LIMIT ||
	    a->base + a->size > MMIO_ARG_LIMIT || a->irq > 255)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *raw = malloc(size ? size : 1);
	const char *why, *word;
	struct mmio_arg a;
	size_t pos = 0, prev, wlen;
	int rc;

	memcpy(line, data, size);
	line[size] = '\0';
	for (;;) {
		prev = pos;
		why = NULL;
		rc = mmio_arg_next(line, &pos, &a, &why, &word, &wlen);
		if (pos < prev || pos > strlen(line))
			abort();
		if (!rc)
			break;
		if (word < line || word + wlen > line + size || (rc < 0 && !why))
			abort();
		if (rc > 0)
			check(&a);
		if (pos == prev)
			abort(); /* a word found must be stepped over */
	}
	memcpy(raw, data, size);
	if (!mmio_arg_parse(raw, size, &a, &why))
		check(&a);
	free(line);
	free(raw);
	return 0;
}
