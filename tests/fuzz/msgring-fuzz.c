/*
 * libFuzzer target: the hypervisor's message ring as `xl dmesg` reads it
 * (common/msgring.c), a file every domain's xenon-hv may have written
 * anything into: whatever its bytes, the header is refused or its text
 * comes out as at most size bytes of printable ASCII and '\n'; a line put
 * into a ring that passed the check leaves one that passes again and ends
 * with that line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/msgring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *t, size_t n, uint32_t ring_size)
{
	if (n > ring_size || strlen(t) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((t[i] < ' ' || t[i] > '~') && t[i] != '\n')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msgring_hdr *h;
	const char *why;
	uint8_t *img;
	char *text;
	size_t n;

	if (size < sizeof(*h))
		return 0;
	img = malloc(size);
	memcpy(img, data, size);
	h = (struct msgring_hdr *)img;
	if (msgring_check(h, size, &why)) {
		free(img);
		return 0;
	}
	text = malloc(h->size + 1);
	check_text(text, msgring_text(img, text), h->size);
	msgring_put(img, h->size, "d1: a line put after", 20);
	if (msgring_check(h, size, &why))
		abort();
	n = msgring_text(img, text);
	check_text(text, n, h->size);
	if (n < 21 || memcmp(text + n - 21, "d1: a line put after\n", 21))
		abort();
	free(text);
	free(img);
	return 0;
}
